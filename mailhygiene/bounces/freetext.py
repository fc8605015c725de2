"""Bounces without a DSN part: the notice is prose written by the MTA (Exim, Sendmail, qmail,
Exchange, Lotus Notes, Gmail, Yahoo, Postfix without DSN...). About 45% of real bounces.

A message counts as a bounce only when its headers say it comes from a mail system
(MAILER-DAEMON / postmaster sender, a delivery-failure subject, X-Failed-Recipients, an empty
Return-Path) AND its text carries a delivery-failure statement or an SMTP error; recipients come
from X-Failed-Recipients (Exim) or from the addresses the notice itself names."""

from __future__ import annotations

import re
from email.message import Message

from mailhygiene.bounces import reasons
from mailhygiene.bounces.mime import (
    ADDRESS_RE,
    addresses,
    body_text,
    header,
    original_part,
    parse_date,
)
from mailhygiene.bounces.model import BounceEvent

_DAEMON_RE = re.compile(
    r"mailer-daemon|mail-daemon|postmaster|mail delivery (?:system|subsystem|service)|"
    r"mdaemon|mailer_daemon|maildelivery|bounce|nobody@|double-bounce|mail administrator|"
    r"system administrator|lotus notes|ms exchange|microsoft outlook|internet mail delivery",
    re.I)
_SUBJECT_RE = re.compile(
    r"undeliver|undelivered|delivery (?:status|failure|failed|notification|problem|report)|"
    r"failure notice|failed delivery|returned mail|mail delivery failed|could not send|"
    r"non[- ]?delivery|nondeliverable|not delivered|delivery has failed|bounce|"
    r"unable to deliver|mail system error|warning: could not|rejected|delivery final|"
    r"message you sent|returned to sender|mail failure|error sending|fallo en la entrega|"
    r"non remis|unzustellbar|non recapitabile|niet bezorgd|failure|delayed|"
    r"errors from|mail system error", re.I)
# Statements MTAs make when a delivery failed (RFC 3461 informative text varies by MTA).
_FAILURE_RE = re.compile(
    r"could not be delivered|couldn't be delivered|was not delivered|wasn't delivered|"
    r"not be delivered|undeliverable|undelivered|delivery (?:has )?failed|failed permanently|"
    r"delivery to the following recipients? (?:failed|was unsuccessful|has been delayed)|"
    r"unable to deliver|wasn't able to deliver|were unable to deliver|permanent (?:fatal )?error|"
    r"following address(?:es|\(es\))? failed|did not reach|returned mail|delivery failure|"
    r"delivery problem|fatal errors?|transcript of session|remote (?:host|server) said|"
    r"smtp error|error message from|message could not|this is an automatically generated "
    r"delivery status|has not yet been delivered|delivery attempts|delivery is delayed|"
    r"failed to deliver|temporary failure|giving up|given up|not delivered to|"
    r"error(?:s)? (?:has occurred )?(?:while |when )?(?:attempting to )?deliver|"
    r"delivery errors?|failure reasons|has been delayed|delayed \d+ (?:hours|minutes|days)|"
    r"incorrectly constructed|invalid final delivery|not listed in|warning message only|"
    r"could not deliver|cannot deliver|can't deliver", re.I)
_BOUNDARY_RE = re.compile(
    r"^\s*(?:-{2,}|={2,}|\*{2,})?\s*(?:this is a copy of|below this line|original message|"
    r"returned message|unsent message|message text follows|the original message|"
    r"original headers|headers of (?:the|your) (?:original )?message|your message follows|"
    r"rfc822 headers|text of the message|message header follows|header of the original|"
    r"the header of the original|included is a copy|a copy of the original|"
    r"copy of (?:the|your) message|message that (?:you sent|was sent) follows|"
    r"original message header|start of (?:returned|original))",
    re.I | re.M)
_HEADERS_START_RE = re.compile(r"^(?:Return-Path|Received|Message-I[dD]|DKIM-Signature):\s",
                               re.M)
_SENDER_CONTEXT_RE = re.compile(
    r"(?:mail from:?\s*<?|from=<|envelope-from\s*<?|sender:?\s*<?|from:\s*[^\n<]*<|"
    r"return-path:\s*<?|message-id:\s*<?|\bby\s+|reply-to:\s*<?)$", re.I)
_HINTS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Exim: routing found no host for the domain.
    (re.compile(r"all relevant mx records point to non-existent hosts|"
                r"unrouteable address|unroutable address|couldn't find any host named|"
                r"host or domain name not found|no mx or a record for domain", re.I),
     "hostunknown"),
    # Exim / qmail: the retry period ran out without an answer (RFC 3463 X.4.7 in spirit).
    (re.compile(r"retry timeout exceeded|retry time not reached for any host after a long|"
                r"have been failing for a long time|wasn't able to establish an smtp connection|"
                r"could not be delivered for \d+ (?:hours|days)", re.I), "expired"),
    # Local delivery agent failures (pipe to a program, procmail, maildrop).
    (re.compile(r"pipe to \|?/|return message from pipe|\(generated from |"
                r"unknown mailer error|local delivery failed", re.I), "mailererror"),
)


_QMAIL_TRAILER_RE = re.compile(
    r"i'm not going to try again; this message has been in the queue too long\.?", re.I)
# RFC 3464 "delayed" notices written as prose (Sendmail/Exim/Zoho warnings).
_DELAY_RE = re.compile(r"warning message only|has not yet been delivered|will (?:continue to|"
                       r"keep) try|not been delivered yet|delivery (?:is|has been) delayed|"
                       r"do not need to resend", re.I)


def looks_like_bounce(msg: Message) -> bool:
    """Header evidence that a mail system (not a person) wrote this message."""
    if msg.get("X-Failed-Recipients"):
        return True
    sender = f"{header(msg, 'From')} {header(msg, 'Sender')}"
    subject = header(msg, "Subject")
    return_path = header(msg, "Return-Path")
    # Either sign is enough here; parse_freetext also requires failure wording in the text.
    return bool(_DAEMON_RE.search(sender)) or bool(_SUBJECT_RE.search(subject)) or (
        return_path.strip() == "<>" and bool(_SUBJECT_RE.search(subject)))


def error_region(text: str) -> str:
    """The notice without the returned original (which names the sender, not the failure)."""
    cut = len(text)
    m = _BOUNDARY_RE.search(text)
    if m and m.start() > 20:
        cut = m.start()
    h = _HEADERS_START_RE.search(text)
    if h and h.start() > 20:
        cut = min(cut, h.start())
    return text[:cut]


def _notice_recipients(region: str, exclude: set[str]) -> list[str]:
    """Addresses the notice names, minus the bounce's own sender/recipient; those come back only
    when nothing else is named (someone who mailed themselves)."""
    found = _candidates(region, exclude)
    return found or _candidates(region, set())


def _candidates(region: str, exclude: set[str]) -> list[str]:
    found: list[str] = []
    seen: set[str] = set()
    for m in ADDRESS_RE.finditer(region):
        addr = m.group(0).strip(".")
        key = addr.lower()
        if key in seen or key in exclude:
            continue
        before = region[max(0, m.start() - 40): m.start()]
        if _SENDER_CONTEXT_RE.search(before.rstrip("<\"' \t")):
            continue
        local = key.split("@")[0]
        if local in ("mailer-daemon", "mail-daemon"):
            continue
        seen.add(key)
        found.append(addr)
    return found


def _segments(region: str, recipients: list[str]) -> list[str]:
    """Each recipient's diagnostic: from its first mention to the next recipient's mention."""
    low = region.lower()
    starts = []
    for r in recipients:
        i = low.find(r.lower())
        # From the start of that line: transcripts say ">>> RCPT To:<address>" (Sendmail).
        starts.append(low.rfind("\n", 0, i) + 1 if i >= 0 else 0)
    order = sorted(range(len(recipients)), key=lambda k: starts[k])
    out = [""] * len(recipients)
    for pos, k in enumerate(order):
        end = starts[order[pos + 1]] if pos + 1 < len(order) else len(region)
        seg = region[starts[k]:end]
        out[k] = seg
    return out


def _informative(text: str) -> bool:
    low = reasons.normalize_text(text)
    return bool(reasons.find_status(low) or reasons.find_replycode(low)) or any(
        reasons.matches(r, low) for r in reasons.FIRST_PASS + reasons.TEXT_PASS)


def hint_for(text: str) -> str:
    for rx, reason in _HINTS:
        if rx.search(text):
            return reason
    return ""


def parse_freetext(msg: Message, source: str) -> list[BounceEvent]:
    """Events for a bounce written as prose; [] when the message is not a bounce."""
    if not looks_like_bounce(msg):
        return []
    text = body_text(msg)
    region = error_region(text)
    # Header signs alone are not enough (a person may write "bounce" in a subject): the text
    # must state a delivery failure the way MTAs do, or quote an SMTP/RFC 3463 code.
    if not (_FAILURE_RE.search(region) or msg.get("X-Failed-Recipients")
            or reasons.find_status(region) or reasons.find_replycode(region)):
        return []
    exclude = {a.lower() for name in ("To", "Delivered-To", "Return-Path", "From", "Sender",
                                      "Reply-To") for a in addresses(header(msg, name))}
    failed = addresses(header(msg, "X-Failed-Recipients"))
    recipients = failed or _notice_recipients(region, exclude)
    if not recipients:
        orig = original_part(msg)
        if orig is not None:
            recipients = addresses(header(orig, "To"))[:1]
        else:
            # The returned original inline, after the region: its To: is the recipient.
            m = re.search(r"^To:[ \t]*(.+)$", text[len(region):], re.M | re.I)
            recipients = addresses(m.group(1))[:1] if m else []
    if not recipients:
        return []
    segments = _segments(region, recipients)
    intro = region[: max(0, min((region.lower().find(r.lower()) for r in recipients
                                 if r.lower() in region.lower()), default=0))]
    when = parse_date(header(msg, "Date"))
    message_id = header(msg, "Message-ID")
    events: list[BounceEvent] = []
    for addr, seg in zip(recipients, segments, strict=True):
        diag = seg if _informative(seg) else f"{seg}\n{intro}"
        if not _informative(diag):
            diag = region
        low = reasons.normalize_text(diag)
        status = reasons.find_failure_status(low)
        replycode = reasons.find_failure_replycode(low)
        # qmail ends every permanent failure with the queue-lifetime sentence; it is the cause
        # only when nothing else is said.
        trailer = bool(_QMAIL_TRAILER_RE.search(low))
        low = _QMAIL_TRAILER_RE.sub(" ", low)
        diag = _QMAIL_TRAILER_RE.sub(" ", reasons.normalize_text(diag))
        hint = hint_for(low)
        if addr.lower().endswith("@googlegroups.com") and not status:
            # Google Groups refuses posts from non-members or to missing groups (sender-side).
            hint = "rejected"
        action = "delayed" if status.startswith("4") or _DELAY_RE.search(region) else "failed"
        reason = reasons.classify(status, diag, replycode=replycode, hint=hint, action=action)
        if trailer and reason in ("onhold", "undefined"):
            reason = "expired"
        events.append(BounceEvent(
            source=source, index=len(events) + 1, address=addr, reason=reason, status=status,
            replycode=replycode, hard=reasons.is_hard(reason, status, replycode, diag),
            action=action, event_time=when,
            diagnostic=" ".join(diag.split())[:1000], message_id=message_id))
    return events
