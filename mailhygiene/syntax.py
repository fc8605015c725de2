"""Syntax verdict: python-email-validator's, with check_deliverability=False and its default
options, so that every verdict is explainable by a well-known library (DESIGN.md). This module
is the per-address path; `syntax_fast` decides the easy majority in bulk with rules whose
verdicts are measured to be identical."""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email

from mailhygiene.normalize import clean_cell
from mailhygiene.types import Reason, SyntaxResult

# email-validator's messages -> our reason families (checked in order; first match wins).
_REASON_RULES: tuple[tuple[str, Reason], ...] = (
    ("must have an @-sign", Reason.SYNTAX_MISSING_AT),
    ("too long", Reason.SYNTAX_TOO_LONG),
    ("periods cannot be separated by so many", Reason.SYNTAX_TOO_LONG),
    ("Quoting the part", Reason.SYNTAX_QUOTED_OR_LITERAL),
    ("in quotes", Reason.SYNTAX_QUOTED_OR_LITERAL),
    ("after close quote", Reason.SYNTAX_QUOTED_OR_LITERAL),
    ("bracket", Reason.SYNTAX_QUOTED_OR_LITERAL),
    ("display name", Reason.SYNTAX_QUOTED_OR_LITERAL),
    ("after the @-sign", Reason.SYNTAX_BAD_DOMAIN),
    ("before the @-sign", Reason.SYNTAX_BAD_LOCAL),
    ("two periods in a row", Reason.SYNTAX_BAD_LOCAL),
    ("period and a hyphen", Reason.SYNTAX_BAD_DOMAIN),
)


def reason_for_message(message: str, address: str) -> Reason:
    """Maps an email-validator error message to a reason family."""
    if not address:
        return Reason.SYNTAX_EMPTY
    for needle, reason in _REASON_RULES:
        if needle in message:
            if reason is Reason.SYNTAX_BAD_LOCAL and "two periods" in needle:
                # The same message is used for both sides; decide by where ".." is.
                _, _, domain = address.rpartition("@")
                return Reason.SYNTAX_BAD_DOMAIN if ".." in domain else Reason.SYNTAX_BAD_LOCAL
            return reason
    return Reason.SYNTAX_ERROR


def check_syntax(raw: str | None, *, fold_providers: bool = False,
                 trim: bool = True) -> SyntaxResult:
    """email-validator's verdict on the trimmed cell, with the normalized address and key."""
    text = clean_cell(raw) if trim else (raw or "")
    if not text:
        return SyntaxResult(False, Reason.SYNTAX_EMPTY, None, None, None, detail="empty")
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
