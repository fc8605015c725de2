"""RFC 5965 Abuse Reporting Format (feedback loops): a complaint about a message, reason
`feedback`. A complaint says the mailbox exists and its owner objects: never a hard bounce."""

from __future__ import annotations

import re
from email.message import Message

from mailhygiene.bounces.dsn import field_blocks
from mailhygiene.bounces.mime import (
    addresses,
    clean_address,
    content_type,
    header,
    original_part,
    parse_date,
    part_text,
)
from mailhygiene.bounces.model import BounceEvent


def find_feedback_part(msg: Message) -> Message | None:
    for part in msg.walk():
        if content_type(part) == "message/feedback-report":
            return part
    return None


def is_arf(msg: Message) -> bool:
    if find_feedback_part(msg) is not None:
        return True
    ctype = str(msg.get("Content-Type", "")).lower()
    return "report-type=feedback-report" in ctype.replace(" ", "").replace('"', "")


def parse_arf(msg: Message, source: str) -> list[BounceEvent] | None:
    """One event per complained-about recipient; None when the message is not ARF."""
    if not is_arf(msg):
        return None
    part = find_feedback_part(msg)
    fields: dict[str, str] = {}
    if part is not None:
        for block in field_blocks(_text(part)):
            for k, v in block.items():
                fields.setdefault(k, v)
    # RFC 5965 3.2: Original-Rcpt-To names the complaining recipient; without it, the To of the
    # returned original message is the best witness.
    text = _text(part) if part is not None else ""
    rcpts = [clean_address(m.group(1)) for m in re.finditer(
        r"^(?:Original-Rcpt-To|Removal-Recipient):\s*(.+)$", text, re.M | re.I)]
    if not rcpts:
        orig = original_part(msg)
        if orig is not None:
            rcpts = addresses(header(orig, "To"))[:1]
    rcpts = [r for r in rcpts if "@" in r]
    if not rcpts:
        return []
    ftype = fields.get("feedback-type", "abuse").split()[0].lower() if fields.get(
        "feedback-type") else "abuse"
    when = parse_date(fields.get("arrival-date", "") or fields.get("received-date", "")
                      or header(msg, "Date"))
    return [BounceEvent(source=source, index=i, address=r, reason="feedback", hard=False,
                        action="feedback", event_time=when, feedback_type=ftype,
                        message_id=header(msg, "Message-ID"),
                        diagnostic=f"feedback-type: {ftype}")
            for i, r in enumerate(dict.fromkeys(rcpts), 1)]


def _text(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):
        return "\n".join("\n".join(f"{k}: {v}" for k, v in sub.items()) for sub in payload
                         if isinstance(sub, Message))
    return part_text(part)
