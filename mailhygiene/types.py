"""Shared value types. Enum values are lower_snake strings because they are stored and exported."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    CATCH_ALL = "catch_all"
    RISKY = "risky"
    DO_NOT_MAIL = "do_not_mail"
    UNKNOWN = "unknown"
    DUPLICATE = "duplicate"


class Evidence(StrEnum):
    """How strong the basis of a verdict is; ordered weakest first (DESIGN.md)."""

    SYNTAX = "syntax"
    DNS = "dns"
    SMTP = "smtp"
    HISTORY = "history"


class Reason(StrEnum):
    # valid
    ACCEPTED = "accepted"
    DELIVERED = "delivered"
    # invalid: syntax family (distinguishes the failure so a user can fix the form)
    SYNTAX_EMPTY = "syntax_empty"
    SYNTAX_MISSING_AT = "syntax_missing_at"
    SYNTAX_BAD_LOCAL = "syntax_bad_local_part"
    SYNTAX_BAD_DOMAIN = "syntax_bad_domain"
    SYNTAX_TOO_LONG = "syntax_too_long"
    SYNTAX_QUOTED_OR_LITERAL = "syntax_quoted_or_literal"
    SYNTAX_ERROR = "syntax_error"
    # invalid: DNS / SMTP / history
    DOMAIN_NOT_FOUND = "domain_not_found"
    NO_MAIL_HOST = "no_mail_host"
    NULL_MX = "null_mx"
    MAILBOX_NOT_FOUND = "mailbox_not_found"
    HARD_BOUNCED = "hard_bounced"
    # catch_all
    ACCEPT_ALL = "accept_all"
    # risky
    ROLE_ACCOUNT = "role_account"
    POSSIBLE_TYPO = "possible_typo"
    MAILBOX_FULL = "mailbox_full"
    SOFT_BOUNCED = "soft_bounced"
    DISPOSABLE = "disposable"
    # do_not_mail
    SUPPRESSED = "suppressed"
    COMPLAINED = "complained"
    # unknown
    SYNTAX_OK = "syntax_ok"  # --level syntax: nothing beyond syntax was asked
    SMTP_SKIPPED = "smtp_skipped"  # "deliverable domain"
    TIMEOUT = "timeout"
    DNS_ERROR = "dns_error"
    GREYLISTED = "greylisted"
    BLOCKED = "blocked"
    NO_CONNECT = "no_connect"
    # SMTP permanent refusal that names neither the mailbox nor a policy (bare "550 rejected",
    # protocol errors): too ambiguous to call the address invalid (issue 6).
    REJECTED = "rejected"
    UNPARSEABLE_ROW = "unparseable_row"
    # duplicate
    DUPLICATE_OF = "duplicate_of"


# The one status each reason is given with (the groups above). The report colours a reason
# by it, so a run whose rows a later check overwrote keeps its colours.
_REASONS_OF: dict[Status, tuple[Reason, ...]] = {
    Status.VALID: (Reason.ACCEPTED, Reason.DELIVERED),
    Status.INVALID: (Reason.SYNTAX_EMPTY, Reason.SYNTAX_MISSING_AT, Reason.SYNTAX_BAD_LOCAL,
                     Reason.SYNTAX_BAD_DOMAIN, Reason.SYNTAX_TOO_LONG,
                     Reason.SYNTAX_QUOTED_OR_LITERAL, Reason.SYNTAX_ERROR,
                     Reason.DOMAIN_NOT_FOUND, Reason.NO_MAIL_HOST, Reason.NULL_MX,
                     Reason.MAILBOX_NOT_FOUND, Reason.HARD_BOUNCED),
    Status.CATCH_ALL: (Reason.ACCEPT_ALL,),
    Status.RISKY: (Reason.ROLE_ACCOUNT, Reason.POSSIBLE_TYPO, Reason.MAILBOX_FULL,
                   Reason.SOFT_BOUNCED, Reason.DISPOSABLE),
    Status.DO_NOT_MAIL: (Reason.SUPPRESSED, Reason.COMPLAINED),
    Status.UNKNOWN: (Reason.SYNTAX_OK, Reason.SMTP_SKIPPED, Reason.TIMEOUT, Reason.DNS_ERROR,
                     Reason.GREYLISTED, Reason.BLOCKED, Reason.NO_CONNECT, Reason.REJECTED,
                     Reason.UNPARSEABLE_ROW),
    Status.DUPLICATE: (Reason.DUPLICATE_OF,),
}
REASON_STATUS: dict[str, Status] = {r: st for st, rs in _REASONS_OF.items() for r in rs}

# How the details this tool writes itself begin (the store keeps them in English; reports
# word them in the reader's language): a typo's suggestion, a suppression list's name.
TYPO_DETAIL = "did you mean "
SUPPRESSION_DETAIL = "suppression list: "


class Flag(StrEnum):
    ROLE = "role"
    FREE = "free"
    DISPOSABLE = "disposable"
    SMTPUTF8 = "smtputf8"
    MX_FALLBACK = "mx_fallback"
    CATCH_ALL_DOMAIN = "catch_all_domain"
    TYPO = "typo"
    IDN = "idn"
    # on a suppression list (issue 11); set even where the status stays invalid/duplicate
    SUPPRESSED = "suppressed"


class Level(StrEnum):
    SYNTAX = "syntax"
    MX = "mx"
    SMTP = "smtp"


@dataclass(frozen=True, slots=True)
class Verdict:
    """The decision for one address (or one domain, before it is applied to its addresses)."""

    status: Status
    reason: Reason
    evidence: Evidence
    flags: frozenset[Flag] = field(default_factory=frozenset)
    detail: str = ""


@dataclass(frozen=True, slots=True)
class SyntaxResult:
    """email-validator's verdict on one address, with our normalized forms.

    `normalized` is email-validator's normalized address; `key` is the dedup key (DESIGN.md:
    NFC, trimmed, IDNA-ASCII lowercase domain, casefolded local part)."""

    ok: bool
    reason: Reason | None
    normalized: str | None
    key: str | None
    domain: str | None  # ASCII (IDNA) form, lowercase
    smtputf8: bool = False
    detail: str = ""
