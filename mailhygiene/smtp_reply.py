"""What an SMTP reply says about one recipient. Pure functions over (code, enhanced code, text).

The rules, in the order they are applied (issue 6, DESIGN.md "Hard rules"):

1. 2xx (250/251/252) -> the server would accept the recipient (`valid/accepted`, SMTP evidence);
   whether that means anything depends on the catch-all test (`apply_catch_all`).
2. 4xx -> transient, never final: `unknown/greylisted` and a retry is scheduled. The one
   exception is an over-quota reply (4.2.2): the mailbox exists but is full, `risky`.
3. 5xx whose enhanced code is in class 5.7 (security/policy, RFC 3463 §3.8), or whose text
   names a blocklist, spam, reputation or policy -> `unknown/blocked`. A policy refusal says
   nothing about the mailbox, so it is never `invalid`, even with 550.
4. 5.1.1 / 5.1.2 / 5.1.3 / 5.1.6 / 5.1.10 (RFC 3463 §3.2, RFC 7505), or a text that says the
   user does not exist -> `invalid/mailbox_not_found`.
5. 552 or 5.2.2 (exceeded storage, RFC 5321 §4.2.3, RFC 3463 §3.3) -> `risky/mailbox_full`.
6. Anything else that is permanent -> `unknown/rejected`: refused, but for a reason we cannot
   name, so the address is not called invalid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from mailhygiene.types import Evidence, Flag, Reason, Status, Verdict

__all__ = [
    "CatchAll",
    "Failure",
    "Reply",
    "apply_catch_all",
    "classify_failure",
    "classify_reply",
    "decide_catch_all",
    "is_domain_pause",
    "is_too_many_recipients",
    "needs_retry",
    "parse_reply",
]


@dataclass(frozen=True, slots=True)
class Reply:
    code: int
    enhanced: str  # "5.1.1", or "" when the server sent none (RFC 2034 is optional)
    text: str  # the text without the enhanced-code prefixes, lines joined by a space


class Failure(StrEnum):
    """Ways a session can fail without a reply to classify."""

    REFUSED = "refused"  # TCP connection refused / unreachable
    TIMEOUT = "timeout"  # no answer within the timeout (connect, banner or command)
    DROPPED = "dropped"  # the server closed the connection mid-session
    LOOPBACK = "loopback"  # every MX address is loopback and --allow-loopback was not given
    NO_HOST = "no_host"  # no MX host address to connect to
    NO_SMTPUTF8 = "no_smtputf8"  # non-ASCII local part, server does not offer SMTPUTF8


class CatchAll(StrEnum):
    """Result of the per-domain test with a random, never-existing local part."""

    YES = "yes"  # the random address was accepted: acceptance proves nothing here
    NO = "no"  # the random address was refused as unknown: acceptance is meaningful
    UNKNOWN = "unknown"  # the test itself was inconclusive (deferred, blocked, no answer)


_ENHANCED_RE = re.compile(r"^\s*#?([245])\.(\d{1,3})\.(\d{1,3})\b\s*")
# Some servers put the enhanced code inside the text, e.g. Yahoo's "(#4.1.8)".
_EMBEDDED_ENHANCED_RE = re.compile(r"[(#]#?([245])\.(\d{1,3})\.(\d{1,3})\b")


def parse_reply(code: int, message: str) -> Reply:
    """Splits an RFC 2034 enhanced status code off each line of a (multi-line) reply."""
    enhanced = ""
    parts: list[str] = []
    for line in message.splitlines() or [""]:
        m = _ENHANCED_RE.match(line)
        if m:
            enhanced = enhanced or ".".join(m.groups())
            line = line[m.end():]
        parts.append(line.strip())
    text = " ".join(p for p in parts if p)
    if not enhanced:
        m = _EMBEDDED_ENHANCED_RE.search(text)
        if m and m.group(1) == str(code)[:1]:
            enhanced = ".".join(m.groups())
    return Reply(code, enhanced, text)


# Texts of policy/reputation refusals (Spamhaus, Barracuda, "blocked using", Gmail's
# "unsolicited mail", Microsoft's "banned sending IP"...). Checked before
# the user-unknown texts: when a reply says both, we cannot tell, so it is not `invalid`.
_BLOCKED_RE = re.compile(
    r"\b(?:block(?:ed|ing|list(?:ed)?)?|black\s*-?list(?:ed)?|deny\s*list(?:ed)?|"
    r"spam\w*|spamhaus|spamcop|barracuda|sorbs|surbl|uribl|rbl|dnsbl|listed|reputation|"
    r"policy|polic(?:ies)|prohibit\w*|not\s+permitted|access\s+denied|relay(?:ing)?\s+"
    r"(?:access\s+)?denied|relay\s+not\s+permitted|unauthori[sz]ed|banned|abuse|"
    r"unsolicited|rate\s*limit\w*|too\s+many\s+(?:connections|messages|errors)|"
    r"reverse\s+dns|rdns|ptr\s+record|helo|ehlo|spf|dkim|dmarc|authenticat\w*|"
    r"client\s+host|your\s+ip|sender\s+(?:address\s+)?(?:rejected|denied|blocked)|"
    r"sender\s+verify|bulk\s+mail|suspicious|complaints?|"
    r"refus\w*\s+pour\s+(?:spam|politique)|liste\s+noire)\b",
    re.I,
)

# "The user does not exist" in the words of common MTAs and providers (Postfix, Exim,
# Sendmail, qmail, Exchange/Outlook, Gmail, Yahoo, OVH/Orange in French...). Cf. sisimai's
# Reason::UserUnknown for the breadth of real-world phrasings.
_UNKNOWN_USER_RE = re.compile(
    r"user\s+unknown|unknown\s+(?:user|recipient|mailbox|address|local\s*part|account)|"
    r"no\s+such\s+(?:user|mailbox|recipient|account|address|person)|"
    r"(?:mailbox|recipient|user|account|address|e-?mail\s+account)\s+"
    r"(?:not\s+found|does\s*n[o']?t\s+exist|does\s+not\s+exist|unknown|unavailable|invalid)|"
    r"(?:email\s+)?account\s+that\s+you\s+tried\s+to\s+reach\s+does\s+not\s+exist|"
    r"does\s+not\s+exist|doesn'?t\s+have\s+an?\s+\S+\s+account|"
    r"recipient\s*not\s*found|RecipNotFound|RecipientNotFound|"
    r"invalid\s+(?:recipient|mailbox|user|address)|not\s+a\s+valid\s+(?:mailbox|user)|"
    r"unrouteable\s+address|no\s+mailbox\s+here|mailbox\s+not\s+present|"
    r"utilisateur\s+inconnu|destinataire\s+(?:inconnu|invalide)|adresse\s+(?:inconnue|invalide)|"
    r"n'existe\s+pas|bo[iî]te\s+(?:aux\s+lettres\s+)?(?:inexistante|inconnue)",
    re.I,
)

_FULL_RE = re.compile(
    r"mailbox\s+(?:is\s+)?full|over\s*quota|quota\s+exceeded|exceeded\s+(?:its\s+|the\s+)?"
    r"(?:storage|quota)|out\s+of\s+storage|insufficient\s+(?:disk\s+)?space\s+for\s+user|"
    r"bo[iî]te\s+(?:aux\s+lettres\s+)?pleine",
    re.I,
)

# RFC 3463: the enhanced codes that say the destination address itself is bad.
_BAD_ADDRESS_CODES = frozenset({"5.1.1", "5.1.2", "5.1.3", "5.1.6", "5.1.10"})
_FULL_CODES = frozenset({"5.2.2", "4.2.2"})
_TOO_MANY_RCPT_RE = re.compile(r"too\s+many\s+recipients|recipient\s+limit", re.I)


def _v(status: Status, reason: Reason, detail: str, evidence: Evidence = Evidence.SMTP) -> Verdict:
    return Verdict(status=status, reason=reason, evidence=evidence, detail=detail)


# Addresses a server echoes back ("550 5.1.1 <abuse@spamfree.example>: ... User unknown", as
# Postfix, Exim and Sendmail write it) are data, not wording: a local part or domain such as
# "spam", "abuse" or "helo" must not turn a refusal into a policy block.
_ECHOED_ADDRESS_RE = re.compile(r"<[^<>]*@[^<>]*>|[^\s<>()\[\]\"',;]+@[^\s<>()\[\]\"',;]+")


def _wording(text: str) -> str:
    """The reply text without the addresses it quotes: what the regexes below read."""
    return _ECHOED_ADDRESS_RE.sub(" ", text)


def _detail(code: int, enhanced: str, text: str) -> str:
    head = f"{code} {enhanced}".strip()
    return f"{head} {text}".strip()[:300]


def classify_reply(code: int, enhanced: str, text: str) -> Verdict:
    """The verdict that one reply to `RCPT TO` gives about that recipient."""
    detail = _detail(code, enhanced, text)
    text = _wording(text)
    cls = code // 100
    if cls == 2:
        return _v(Status.VALID, Reason.ACCEPTED, detail)
    if cls == 4:
        # A full mailbox exists: say so rather than "greylisted" (Gmail's 452 4.2.2).
        if enhanced in _FULL_CODES or (not enhanced and _FULL_RE.search(text)):
            return _v(Status.RISKY, Reason.MAILBOX_FULL, detail)
        return _v(Status.UNKNOWN, Reason.GREYLISTED, detail)
    if cls != 5:
        # 1xx/3xx to RCPT is a protocol violation; nothing to learn about the mailbox.
        return _v(Status.UNKNOWN, Reason.REJECTED, detail)
    if enhanced.startswith("5.7.") or _BLOCKED_RE.search(text):
        return _v(Status.UNKNOWN, Reason.BLOCKED, detail)
    if enhanced in _BAD_ADDRESS_CODES:
        return _v(Status.INVALID, Reason.MAILBOX_NOT_FOUND, detail)
    if enhanced in _FULL_CODES or (
        code == 552 and not enhanced.startswith("5.5.") and not enhanced.startswith("5.3.")
    ) or _FULL_RE.search(text):
        return _v(Status.RISKY, Reason.MAILBOX_FULL, detail)
    if _UNKNOWN_USER_RE.search(text) and not enhanced.startswith(("5.1.7", "5.1.8")):
        # 5.1.7/5.1.8 are about *our* MAIL FROM address, never the recipient.
        return _v(Status.INVALID, Reason.MAILBOX_NOT_FOUND, detail)
    return _v(Status.UNKNOWN, Reason.REJECTED, detail)


def classify_session_reply(code: int, enhanced: str, text: str) -> Verdict:
    """The verdict for every recipient when the session fails before RCPT (banner, EHLO,
    MAIL FROM): such a reply is about us, never about a mailbox, so it cannot be `invalid`
    or `risky`."""
    v = classify_reply(code, enhanced, text)
    if v.status in (Status.INVALID, Status.RISKY):
        return _v(Status.UNKNOWN, Reason.BLOCKED, v.detail)
    if v.status is Status.VALID:
        return _v(Status.UNKNOWN, Reason.REJECTED, f"unexpected reply: {v.detail}")
    return v


def classify_failure(failure: Failure, detail: str = "") -> Verdict:
    reason = {
        Failure.REFUSED: Reason.NO_CONNECT,
        Failure.TIMEOUT: Reason.TIMEOUT,
        Failure.DROPPED: Reason.NO_CONNECT,
        Failure.LOOPBACK: Reason.NO_CONNECT,
        Failure.NO_HOST: Reason.NO_CONNECT,
        Failure.NO_SMTPUTF8: Reason.SMTP_SKIPPED,
    }[failure]
    text = f"{failure.value}: {detail}" if detail else failure.value
    return _v(Status.UNKNOWN, reason, text[:300])


def is_too_many_recipients(code: int, enhanced: str, text: str) -> bool:
    """A refusal of one more recipient in this transaction (Outlook-style limits, RFC 5321
    §4.5.3.1.10 says 452; older servers say 552 or 503), not a verdict on the address."""
    if enhanced.endswith(".5.3") and enhanced[:1] in "45":  # 4.5.3 / 5.5.3: too many rcpts
        return True
    if code in (452, 552, 451, 550, 421) and _TOO_MANY_RCPT_RE.search(text):
        return True
    return code == 503  # "bad sequence" after a first RCPT: server wants one per session


_GREYLIST_RE = re.compile(r"gr[ae]y[\s-]?list", re.I)


def is_domain_pause(code: int, enhanced: str, text: str = "") -> bool:
    """421 (service closing, RFC 5321 §3.8) and 4.7.x (temporary policy, e.g. rate limit)
    mean "slow down": pause the whole domain before the next session. A greylisting deferral
    sent with 4.7.1 (milter-greylist, sqlgrey, Exchange: "451 4.7.1 Greylisting in action")
    is about that one recipient, like postgrey's 450 4.2.0: not a reason to stop asking."""
    if code == 421:
        return True
    return enhanced.startswith("4.7.") and not _GREYLIST_RE.search(text)


def needs_retry(verdict: Verdict) -> bool:
    return verdict.reason is Reason.GREYLISTED


def decide_catch_all(canary: Verdict) -> CatchAll:
    """Accepting a random, never-existing local part proves the server accepts everything;
    refusing it as unknown proves acceptances elsewhere are meaningful."""
    if canary.status is Status.VALID:
        return CatchAll.YES
    if canary.status is Status.INVALID:
        return CatchAll.NO
    return CatchAll.UNKNOWN


def apply_catch_all(verdict: Verdict, state: CatchAll, canary: Verdict | None = None) -> Verdict:
    """Turns an acceptance into its meaning given the domain's catch-all test."""
    if state is CatchAll.YES:
        flags = verdict.flags | {Flag.CATCH_ALL_DOMAIN}
        if verdict.status is Status.VALID:
            return Verdict(Status.CATCH_ALL, Reason.ACCEPT_ALL, Evidence.SMTP, flags,
                           verdict.detail)
        return Verdict(verdict.status, verdict.reason, verdict.evidence, flags, verdict.detail)
    if state is CatchAll.NO or verdict.status is not Status.VALID:
        return verdict
    # Accepted, but we could not learn whether the server accepts everything: not `valid`.
    why = canary.reason if canary is not None and canary.status is Status.UNKNOWN else (
        Reason.REJECTED)
    cdetail = canary.detail if canary is not None else "no answer"
    return Verdict(Status.UNKNOWN, why, Evidence.SMTP, verdict.flags,
                   f"accepted ({verdict.detail}); catch-all test inconclusive: {cdetail}"[:300])
