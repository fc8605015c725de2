"""Bulk syntax verdicts in DuckDB for the easy majority of addresses.

Each rule below only decides shapes whose email-validator verdict is certain under its default
options (check_deliverability=False): plain ASCII dot-atom addresses on ordinary host names are
valid; ASCII strings with characters that only quoted local parts, display names, comments or
domain literals could carry (all refused by default) are invalid, and so on. Everything else -
non-ASCII, punycode-like '--' domains, long local parts - is left undecided and goes to
email-validator itself. tests/test_syntax_agreement.py measures the agreement on every row of
../shared/data/syntax and on generated addresses; it must be total."""

from __future__ import annotations

from email_validator import SPECIAL_USE_DOMAIN_NAMES
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES

from mailhygiene.types import Reason

_ATEXT = r"A-Za-z0-9!#$%&'*+/=?^_`{|}~-"
_DOT_ATOM = rf"[{_ATEXT}]+(\.[{_ATEXT}]+)*"
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
_TLD = r"([A-Za-z0-9][A-Za-z0-9-]*)?[A-Za-z]"  # all TLDs end with a letter (email-validator)
VALID_RE = rf"{_DOT_ATOM}@({_LABEL}\.)+{_TLD}"
LOCAL_RE = _DOT_ATOM
# Characters that can only be legal inside quotes, brackets, comments or a display name, all
# refused by default; and whitespace/control characters anywhere.
_NEVER_UNQUOTED = r"[\x00-\x20\x7f\"(),:;<>\[\]\\]"


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _sql_list(items: list[str]) -> str:
    return "(" + ", ".join(_sql_str(i) for i in items) + ")"


def verdict_sql(source: str, text_col: str = "t") -> str:
    """A SELECT over `source` (which has row_no and a trimmed text column `t`) that adds:
    fast (TRUE when decided here), ok, reason, normalized, key, domain."""
    special = _sql_list(list(SPECIAL_USE_DOMAIN_NAMES))
    ci_names = _sql_list(list(CASE_INSENSITIVE_MAILBOX_NAMES))
    t = text_col
    never = _sql_str(_NEVER_UNQUOTED)
    valid_re = _sql_str(VALID_RE)
    local_re = _sql_str(LOCAL_RE)
    r = Reason
    return f"""
    WITH p AS (
        SELECT *,
            {t} IS NULL OR {t} = '' AS is_empty,
            {t} IS NOT NULL AND regexp_full_match({t}, '[\\x00-\\x7f]*') AS is_ascii,
            strpos(coalesce({t}, ''), '@') AS at1,
            length(coalesce({t}, '')) - length(replace(coalesce({t}, ''), '@', '')) AS n_at
        FROM {source}
    ), q AS (
        SELECT *,
            CASE WHEN n_at = 1 THEN {t}[:at1 - 1] END AS lp,
            CASE WHEN n_at = 1 THEN {t}[at1 + 1:] END AS dp
        FROM p
    ), v AS (
        SELECT *,
            is_ascii AND n_at = 1 AND length({t}) <= 254 AND length(lp) <= 64
              AND regexp_full_match({t}, {valid_re})
              AND NOT contains(dp, '--')
              AND NOT regexp_matches(dp, '[A-Za-z0-9-]{{64}}')
              AND lower(split_part(dp, '.', -1)) NOT IN {special} AS fast_valid,
            is_ascii AND n_at = 1 AND lp <> ''
              AND regexp_full_match(lp, {local_re}) AS local_ok
        FROM q
    )
    SELECT * EXCLUDE (is_empty, is_ascii, at1, n_at, lp, dp, fast_valid, local_ok),
        is_empty OR fast_valid OR (is_ascii AND (
            n_at = 0 OR regexp_matches({t}, {never}) OR (n_at > 1)
            OR (n_at = 1 AND NOT local_ok)
            OR (n_at = 1 AND local_ok AND (
                regexp_matches(dp, '[^A-Za-z0-9.-]') OR dp = ''
                OR (NOT contains(dp, '--') AND length(lp) <= 64))))) AS fast,
        fast_valid AS ok,
        CASE
            WHEN is_empty THEN '{r.SYNTAX_EMPTY}'
            WHEN fast_valid THEN NULL
            WHEN NOT is_ascii THEN NULL
            WHEN n_at = 0 AND NOT regexp_matches({t}, '["<\\[]') THEN '{r.SYNTAX_MISSING_AT}'
            WHEN regexp_matches({t}, '["<>\\[\\]]') THEN '{r.SYNTAX_QUOTED_OR_LITERAL}'
            WHEN n_at = 0 THEN '{r.SYNTAX_MISSING_AT}'
            WHEN length({t}) > 254 THEN '{r.SYNTAX_TOO_LONG}'
            WHEN n_at > 1 THEN '{r.SYNTAX_BAD_DOMAIN}'
            WHEN NOT local_ok THEN '{r.SYNTAX_BAD_LOCAL}'
            ELSE '{r.SYNTAX_BAD_DOMAIN}'
        END AS reason,
        CASE WHEN fast_valid THEN
            (CASE WHEN lower(lp) IN {ci_names} THEN lower(lp) ELSE lp END) || '@' || lower(dp)
        END AS normalized,
        CASE WHEN fast_valid THEN lower({t})
             WHEN is_empty THEN NULL
             WHEN is_ascii THEN '!' || lower({t}) END AS key,
        CASE WHEN fast_valid THEN lower(dp) END AS domain
    FROM v
    """
