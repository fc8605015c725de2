"""Bulk syntax verdicts in DuckDB for the easy majority of addresses.

Each rule below only decides shapes whose email-validator verdict is certain under its default
options (check_deliverability=False): plain ASCII dot-atom addresses on ordinary host names are
valid; ASCII strings with characters that only quoted local parts, display names, comments or
domain literals could carry (all refused by default) are invalid, and so on. Everything else -
non-ASCII text, '--' (punycode-like) labels, anything longer than 64 characters - is left to
email-validator itself (`needs_validator_sql`). tests/test_syntax_agreement.py measures the
agreement on every row of ../shared/data/syntax and on generated addresses; it must be total."""

from __future__ import annotations

import re

from email_validator import SPECIAL_USE_DOMAIN_NAMES
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES

from mailhygiene.normalize import placeholders_sql
from mailhygiene.types import Reason

_ATEXT = r"A-Za-z0-9!#$%&'*+/=?^_`{|}~-"
_DOT_ATOM = rf"[{_ATEXT}]+(\.[{_ATEXT}]+)*"
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
_TLD = r"([A-Za-z0-9][A-Za-z0-9-]*)?[A-Za-z]"  # all TLDs end with a letter (email-validator)
VALID_RE = rf"{_DOT_ATOM}@({_LABEL}\.)+{_TLD}"
LOCAL_RE = _DOT_ATOM
# Every string at most this long is decided here when it is ASCII and has no '--': the local
# part then fits RFC 5321's 64 octets and no label can reach 64 characters.
MAX_FAST_LENGTH = 64
# The common case tested first, on the cell as read: a valid shape whose top-level domain has
# fewer letters than any special-use name's (arpa, test...: refused by email-validator), so
# neither the trim, nor the special-use suffixes, nor the validator test need evaluating.
_FAST_TLD_MAX = min(len(d.rsplit(".", 1)[-1]) for d in SPECIAL_USE_DOMAIN_NAMES) - 1
FAST_RE = rf"{_DOT_ATOM}@({_LABEL}\.)+[A-Za-z]{{2,{max(_FAST_TLD_MAX, 2)}}}"


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _sql_list(items: list[str]) -> str:
    return "(" + ", ".join(_sql_str(i) for i in items) + ")"


_VALID = re.compile(VALID_RE)
_SPECIAL_SUFFIXES = tuple(f".{d}" for d in SPECIAL_USE_DOMAIN_NAMES)


def fast_valid(t: str) -> bool:
    """Python twin of the SQL rules' "valid" verdict for a trimmed cell `t` (its key is then
    t.lower()): False also for cells the rules leave to email-validator."""
    return (len(t) <= MAX_FAST_LENGTH and t.isascii() and "--" not in t
            and _VALID.fullmatch(t) is not None and not t.lower().endswith(_SPECIAL_SUFFIXES))


def fast_sql(c: str) -> str:
    """TRUE for a cell that is valid as it stands (no trim needed) and that nothing else needs
    to look at: almost every valid address. Only a shortcut: the full rules decide the rest."""
    if _FAST_TLD_MAX < 2:  # a special-use name of two letters: no shortcut is safe
        return "false"
    return (f"coalesce(strlen({c}) <= {MAX_FAST_LENGTH} AND regexp_full_match({c}, "
            f"{_sql_str(FAST_RE)}) AND NOT contains({c}, '--'), false)")


def needs_validator_sql(t: str = "t") -> str:
    """TRUE for the cells left to email-validator (a superset of what the rules cannot decide)."""
    return (f"({t} IS NOT NULL AND {t} <> '' AND (strlen({t}) <> length({t}) "
            f"OR contains({t}, '--') OR length({t}) > {MAX_FAST_LENGTH}))")


def trim_sql(c: str, chars_sql: str) -> str:
    """Trims only cells that start or end with ASCII whitespace/control characters: DuckDB's
    trim with a character set is costly and almost every cell needs none. Non-ASCII whitespace
    (NBSP...) makes the cell non-ASCII, so email-validator's path trims it in Python."""
    return (f"CASE WHEN ascii({c}) <= 32 OR ascii({c}[-1:]) <= 32 "
            f"THEN trim({c}, {chars_sql}) ELSE {c} END")


def verdict_select_sql(source: str) -> str:
    """A SELECT over `source` (columns row_no, raw, t (trimmed), mh_parse_error, fast
    (`fast_sql` of raw), s (the validator's packed result or NULL: passed through)) adding ok,
    reason, normalized, key, domain. Only meaningful where needs_validator_sql is FALSE.
    Written as nested projections so each expensive expression is evaluated once."""
    special = " OR ".join(f"suffix(lt, {_sql_str('.' + d)})" for d in SPECIAL_USE_DOMAIN_NAMES)
    # An OR chain, not IN (...): DuckDB plans IN lists as a join, which need not keep row order.
    # (starts_with, not split_part(...) = '...': the latter trips a DuckDB 2.0 binder bug on
    # all-NULL columns.)
    ci_names = " OR ".join(f"starts_with(lt, {_sql_str(n + '@')})"
                           for n in CASE_INSENSITIVE_MAILBOX_NAMES)
    placeholder = placeholders_sql("lt")
    valid_re = _sql_str(VALID_RE)
    local_re = _sql_str(LOCAL_RE)
    r = Reason
    return f"""
    SELECT row_no, raw, mh_parse_error, s, ok,
        CASE
            WHEN empty THEN '{r.SYNTAX_EMPTY}'
            WHEN ok THEN NULL
            -- syntax.shape_reason, then the part email-validator checks first: the local
            -- part (before the first '@'), then the domain; a domain in brackets is a
            -- literal, refused by default. Keep both in step (tests/test_syntax_reasons.py).
            WHEN NOT contains(t, '@') THEN '{r.SYNTAX_MISSING_AT}'
            WHEN regexp_matches(split_part(t, '@', 1), '["<]')
                THEN '{r.SYNTAX_QUOTED_OR_LITERAL}'
            WHEN NOT regexp_full_match(split_part(t, '@', 1), {local_re})
                THEN '{r.SYNTAX_BAD_LOCAL}'
            WHEN starts_with(split_part(t, '@', 2), '[') AND suffix(t, ']')
                THEN '{r.SYNTAX_QUOTED_OR_LITERAL}'
            ELSE '{r.SYNTAX_BAD_DOMAIN}'
        END AS reason,
        CASE WHEN NOT ok THEN NULL
             WHEN t = lt THEN t
             WHEN {ci_names} THEN lt
             ELSE split_part(t, '@', 1) || '@' || split_part(lt, '@', 2)
        END AS normalized,
        CASE WHEN empty THEN NULL WHEN ok THEN lt ELSE '!' || lt END AS key,
        CASE WHEN ok THEN split_part(lt, '@', 2) END AS domain
    FROM (
        -- An empty cell or a placeholder such as "N/A" (normalize.PLACEHOLDERS): no key.
        SELECT *, (t IS NULL OR t = '' OR (NOT ok AND {placeholder})) AS empty
        FROM (
            SELECT *, CASE WHEN fast THEN true ELSE
                coalesce(regexp_full_match(t, {valid_re}) AND NOT ({special}), false) END AS ok
            FROM (SELECT *, lower(t) AS lt FROM {source})
        )
    )
    """


__all__ = ["MAX_FAST_LENGTH", "fast_sql", "fast_valid", "needs_validator_sql", "trim_sql",
           "verdict_select_sql"]
