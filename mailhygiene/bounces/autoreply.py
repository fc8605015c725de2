"""RFC 3834 automatic responses (out-of-office, vacation): reason `vacation`. An auto-reply
comes from the recipient's own mailbox, so it proves the mailbox exists."""

from __future__ import annotations

import re
from email.message import Message

from mailhygiene.bounces import reasons
from mailhygiene.bounces.mime import addresses, body_text, header, parse_date
from mailhygiene.bounces.model import BounceEvent

_SUBJECT_RE = re.compile(
    r"^\s*(?:auto(?:matic)?[ -]?(?:reply|response|respons|antwort|risposta)|autoreply|"
    r"out of (?:the )?office|ooo\b|vacation|absence|abwesenheit|absent|r[ée]ponse automatique|"
    r"respuesta autom[aá]tica|risposta automatica|auto:|away from)", re.I)
_HEADER_FLAGS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Vacation")


def is_autoreply(msg: Message) -> bool:
    """RFC 3834 section 5: `Auto-Submitted: auto-replied`; plus the headers and subjects common
    responders (Exchange, Gmail, vacation(1)) use when they omit it. The caller has already
    ruled out bounces (which also carry `Auto-Submitted: auto-replied`)."""
    auto = header(msg, "Auto-Submitted").lower()
    if auto.startswith("auto-replied"):
        return True
    if any(msg.get(h) for h in _HEADER_FLAGS):
        return True
    if header(msg, "Precedence").lower() == "auto_reply":
        return True
    # A subject alone ("Automatic reply: ...") is what Outlook and many webmails send; it is
    # only trusted at the start of the subject and never on a message marked as not automatic.
    return bool(_SUBJECT_RE.search(header(msg, "Subject"))) and auto != "no"


def parse_autoreply(msg: Message, source: str) -> list[BounceEvent]:
    """One `vacation` event for the replying mailbox (its From address). Some responders
    announce a dead mailbox instead ("no longer in use"): that text is classified as such."""
    if not is_autoreply(msg):
        return []
    sender = addresses(header(msg, "From"))
    if not sender:
        return []
    text = body_text(msg)
    low = reasons.normalize_text(text)
    reason = "vacation"
    status = ""
    # A responder that says the address is gone is a disguised bounce (the mailbox is closed).
    if re.search(r"no longer (?:in use|active|valid|monitored)|is not in use|has been "
                 r"(?:closed|deactivated|disabled)|does not exist any ?more", low):
        reason = "suspend"
    return [BounceEvent(source=source, index=1, address=sender[0], reason=reason,
                        status=status, hard=False, action="autoreplied" if reason == "vacation"
                        else "failed", event_time=parse_date(header(msg, "Date")),
                        diagnostic=" ".join(text.split())[:500],
                        message_id=header(msg, "Message-ID"))]
