"""Normalization and the dedup key (DESIGN.md "Addresses"). Pure functions, never raise."""

from __future__ import annotations

import re
import unicodedata

import idna

# Providers whose local parts ignore dots and +tags (opt-in folding, --fold-providers).
_DOT_INSENSITIVE = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
_PLUS_TAG_PROVIDERS = {
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.fr", "live.com",
    "live.fr", "icloud.com", "me.com", "fastmail.com", "protonmail.com", "proton.me",
}


def clean_cell(raw: str | None) -> str:
    """The address cell as the pipeline reads it: Unicode whitespace trimmed at both ends.

    Cells from spreadsheets often carry stray spaces or a non-breaking space; these are not part
    of the address. Nothing inside the string is changed."""
    if raw is None:
        return ""
    return raw.strip()


# What exports put in an address cell that has no address: "not available" in English and
# French, dashes and dots, Excel's error values. Such a cell is empty, not a malformed
# address: it has no dedup key (two "N/A" rows are two contacts without an address, not
# duplicates) and no part in provenance (independent bases share "N/A" by habit, not by
# copying). Compared after trimming and casefolding; none can be an address (no '@').
PLACEHOLDERS: frozenset[str] = frozenset({
    "-", "--", "---", ".", "..", "...", "/", "?", "??", "0", "x", "xx", "xxx",
    "n/a", "na", "n.a", "n.a.", "n/d", "nd", "n.d.", "nc", "n.c", "n.c.", "n/c",
    "none", "null", "nil", "nan", "unknown", "tbd", "no email", "no mail", "noemail", "nomail",
    "néant", "neant", "aucun", "aucune", "inconnu", "inconnue", "vide", "sans",
    "non communiqué", "non communique", "non renseigné", "non renseigne", "à compléter",
    "a completer", "pas de mail", "pas d'email", "pas d'e-mail", "pas de courriel",
    "#n/a", "#value!", "#ref!", "#name?", "#div/0!", "#null!", "#num!",
    "#valeur!", "#nom?", "#nombre!", "#nul!",
})


_PLACEHOLDER_MAX = max(map(len, PLACEHOLDERS))


def is_placeholder(text: str) -> bool:
    """A cell (already trimmed) that stands for "no address" (PLACEHOLDERS)."""
    return (len(text) <= _PLACEHOLDER_MAX
            and unicodedata.normalize("NFC", text).casefold() in PLACEHOLDERS)


def placeholders_sql(lowered: str) -> str:
    """SQL twin of is_placeholder for a cell already trimmed and lower-cased (the bulk syntax
    rules only see ASCII cells; the others take email-validator's path, where is_placeholder
    decides). One regex, not IN (...) nor list_contains: DuckDB plans those as a join, which
    runs on every row and need not keep row order."""
    pattern = "|".join(re.escape(p) for p in sorted(PLACEHOLDERS))
    return f"regexp_full_match({lowered}, '{pattern.replace(chr(39), chr(39) * 2)}')"


def ascii_domain(domain: str) -> str:
    """IDNA ASCII form of a domain, lowercase; falls back to a plain lowercase on IDNA errors
    (such domains are syntax-invalid anyway; the key must still be defined)."""
    d = unicodedata.normalize("NFC", domain).rstrip(".").lower()
    if d.isascii():
        return d
    try:
        return idna.encode(d, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError, ValueError):
        return d


def dedup_key(address: str | None, *, fold_providers: bool = False) -> str | None:
    """NFC, trimmed, domain in lowercase IDNA-ASCII form, local part casefolded.

    Returns None for an empty cell or a placeholder such as "N/A" (never duplicates of each
    other). For a cell without an @ the whole casefolded text is the key, so identical garbage
    still dedupes."""
    text = unicodedata.normalize("NFC", clean_cell(address))
    if not text or is_placeholder(text):
        return None
    if "@" not in text:
        return text.casefold()
    local, _, domain = text.rpartition("@")
    dom = ascii_domain(domain)
    loc = local.casefold()
    if fold_providers:
        loc, dom = fold_provider(loc, dom)
    return f"{loc}@{dom}"


def fold_provider(local: str, domain: str) -> tuple[str, str]:
    """Gmail ignores dots; several providers ignore +tags. Only applied when asked, because
    it merges addresses that are different strings (and could be different people elsewhere)."""
    if domain in _PLUS_TAG_PROVIDERS and "+" in local:
        local = local.split("+", 1)[0]
    if domain in _DOT_INSENSITIVE:
        local = local.replace(".", "")
        domain = _DOT_INSENSITIVE[domain]
    return local, domain


def folded_key_sql(key: str, domain: str | None = None) -> str:
    """Provider folding (--fold-providers) of the dedup key `key` in DuckDB SQL, the twin of
    fold_provider; `domain` is the key's domain (default: taken from the key)."""
    plus = ", ".join(f"'{d}'" for d in sorted(_PLUS_TAG_PROVIDERS))
    dots = ", ".join(f"'{d}'" for d in sorted(_DOT_INSENSITIVE))
    domain = domain or f"split_part({key}, '@', 2)"
    local = f"split_part({key}, '@', 1)"
    return (
        f"CASE WHEN {domain} IS NULL OR {key} LIKE '!%' THEN {key} ELSE "
        f"(CASE WHEN {domain} IN ({dots}) THEN replace(split_part({local}, '+', 1), '.', '') "
        f"WHEN {domain} IN ({plus}) THEN split_part({local}, '+', 1) ELSE {local} END) "
        f"|| '@' || (CASE WHEN {domain} IN ({dots}) THEN 'gmail.com' ELSE {domain} END) END"
    )
