"""Syntax verdict: python-email-validator's, with check_deliverability=False and its default
options, so that every verdict is explainable by a well-known library (DESIGN.md). This module
is the per-address path; `syntax_fast` decides the easy majority in bulk with rules whose
verdicts are measured to be identical."""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email

from mailhygiene.normalize import clean_cell, is_placeholder
from mailhygiene.types import Reason, SyntaxResult

# Part of an import's reuse signature (pipeline._params_signature): raised whenever verdicts,
# reasons or keys change, so that a store does not reuse rows decided by earlier rules
# (2: reasons follow the address's shape on both paths; 3: placeholders such as "N/A" are
# empty cells).
RULES_VERSION = 3

# email-validator's messages -> our reason families (checked in order; first match wins). Only
# consulted for addresses that `shape_reason` leaves undecided: those have an '@' and no quote
# or angle bracket before it, so email-validator splits them at the first '@' and checks the
# local part completely before the domain; its first error names the part at fault.
_REASON_RULES: tuple[tuple[str, Reason], ...] = (
    ("too long", Reason.SYNTAX_TOO_LONG),
    ("periods cannot be separated by so many", Reason.SYNTAX_TOO_LONG),  # label > 63 octets
    ("bracket", Reason.SYNTAX_QUOTED_OR_LITERAL),  # domain literal, e.g. a@[1.2.3.4]
    ("After Unicode normalization", Reason.SYNTAX_BAD_LOCAL),  # only the local part is re-checked
    ("before the @-sign", Reason.SYNTAX_BAD_LOCAL),
    ("cannot start with a", Reason.SYNTAX_BAD_LOCAL),  # the domain's says "after the @-sign"
    ("contains an invalid character.", Reason.SYNTAX_BAD_LOCAL),  # local part not UTF-8
    ("must have an @-sign", Reason.SYNTAX_MISSING_AT),  # an '@' + combining mark is no '@'
    ("after the @-sign", Reason.SYNTAX_BAD_DOMAIN),
    ("cannot end with a", Reason.SYNTAX_BAD_DOMAIN),  # the local part's says "before the @-sign"
    ("period and a hyphen", Reason.SYNTAX_BAD_DOMAIN),
)


def shape_reason(text: str) -> Reason | None:
    """The reason of an invalid address decided by its shape alone, before any message: the
    same priorities as `syntax_fast.verdict_select_sql`, so the reason never depends on which
    path decided (issue: `by_reason` must not depend on address length).

    No '@' at all is `syntax_missing_at`, whatever quotes or brackets surround the text
    (`"jean"`, `Jean <jean>`): it is not an address yet. A quote or an angle bracket before the
    first '@' is a quoted local part or a display-name form (`"jean"@x.com`,
    `Jean <jean@x.com>`), refused by email-validator's default options: that is the first thing
    to fix, whatever else is wrong inside. None: the reason follows the message. (Empty cells
    and placeholders such as "N/A" never get here: `check_syntax` decides them first.)"""
    if not text:
        return Reason.SYNTAX_EMPTY
    if "@" not in text:
        return Reason.SYNTAX_MISSING_AT
    local = text.partition("@")[0]
    if '"' in local or "<" in local:
        return Reason.SYNTAX_QUOTED_OR_LITERAL
    return None


def reason_for_message(message: str, address: str) -> Reason:
    """The reason of an address email-validator refused with `message`: its shape first
    (`shape_reason`), then the part the message names."""
    shape = shape_reason(address)
    if shape is not None:
        return shape
    local = address.partition("@")[0]
    if "two periods in a row" in message:
        # The same message is used for both sides; the local part is checked first.
        return Reason.SYNTAX_BAD_LOCAL if ".." in local else Reason.SYNTAX_BAD_DOMAIN
    if "unsafe characters" in message:
        # Also the same message for both sides (email-validator's check_unsafe_chars).
        return Reason.SYNTAX_BAD_LOCAL if _has_unsafe_char(local) else Reason.SYNTAX_BAD_DOMAIN
    for needle, reason in _REASON_RULES:
        if needle in message:
            return reason
    return Reason.SYNTAX_ERROR


def _has_unsafe_char(local: str) -> bool:
    """email-validator's check_unsafe_chars on an unquoted local part: control, format,
    private-use and unassigned code points, separators, or a leading combining mark."""
    for i, c in enumerate(local):
        category = unicodedata.category(c)
        if category[0] in ("C", "Z") or (category[0] == "M" and i == 0):
            return True
    return False


def check_syntax(raw: str | None, *, fold_providers: bool = False,
                 trim: bool = True) -> SyntaxResult:
    """email-validator's verdict on the trimmed cell, with the normalized address and key."""
    text = clean_cell(raw) if trim else (raw or "")
    if not text:
        return SyntaxResult(False, Reason.SYNTAX_EMPTY, None, None, None, detail="empty")
    if is_placeholder(text):  # "N/A", "-", "#N/A": no address, so no key (normalize.py)
        return SyntaxResult(False, Reason.SYNTAX_EMPTY, None, None, None, detail="placeholder")
    try:
        v = validate_email(text, check_deliverability=False)
    except EmailNotValidError as e:
        msg = str(e)
        return SyntaxResult(
            False, reason_for_message(msg, text), None,
            _safe_key(text, fold_providers), None, detail=msg,
        )
    except Exception as e:
        return SyntaxResult(
            False, Reason.SYNTAX_ERROR, None, _safe_key(text, fold_providers), None,
            detail=f"validator failed: {type(e).__name__}",
        )
    local = unicodedata.normalize("NFC", v.local_part)
    dom = v.ascii_domain.lower()
    key = f"{local.casefold()}@{dom}"
    if fold_providers:
        from mailhygiene.normalize import fold_provider

        loc2, dom2 = fold_provider(local.casefold(), dom)
        key = f"{loc2}@{dom2}"
    return SyntaxResult(True, None, v.normalized, key, dom, smtputf8=bool(v.smtputf8))


def invalid_key(text: str) -> str:
    """Key of a syntax-invalid cell: its NFC casefolded text behind a '!' so it can never
    collide with a valid address's key (an invalid row must not be a duplicate of a valid one),
    while identical errors in two bases still match (shared-error evidence)."""
    return "!" + unicodedata.normalize("NFC", text).casefold()


def _safe_key(text: str, fold_providers: bool) -> str | None:
    del fold_providers  # folding applies to valid addresses only
    return invalid_key(text)
