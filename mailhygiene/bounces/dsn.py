"""RFC 3464 delivery status notifications (`multipart/report; report-type=delivery-status`,
and RFC 6533 `message/global-delivery-status`). The machine-readable part is read field by
field; the human-readable part only supplies a diagnostic when the DSN gives none."""

from __future__ import annotations

import re
from email.message import Message

from mailhygiene.bounces import reasons
from mailhygiene.bounces.mime import (
    body_text, clean_address, content_type, header, parse_date, part_text,
)
from mailhygiene.bounces.model import BounceEvent

DSN_TYPES = ("message/delivery-status", "message/global-delivery-status",
             "text/delivery-status")
_FIELD_RE = re.compile(r"^([A-Za-z][A-Za-z0-9-]*)\s*:\s*(.*)$")


def find_dsn_part(msg: Message) -> Message | None:
    for part in msg.walk():
        if content_type(part) in DSN_TYPES:
            return part
    return None


def _blocks(text: str) -> list[dict[str, str]]:
    """RFC 3464 section 2.1: a per-message block, then per-recipient blocks, separated by blank
    lines; fields may be folded (RFC 5322 continuation lines)."""
    blocks: list[dict[str, str]] = []
    cur: dict[str, str] = {}
    last = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if cur:
                blocks.append(cur)
                cur, last = {}, ""
            continue
        if line[:1] in (" ", "\t") and last:
            cur[last] += " " + line.strip()
            continue
        m = _FIELD_RE.match(line)
        if not m:
            continue
        name = m.group(1).lower()
        if name == "final-recipient" and "final-recipient" in cur:
            # A report without blank lines between recipients: start a new block.
            blocks.append(cur)
            cur = {}
        last = name
        cur[name] = m.group(2).strip() if name not in cur else cur[name]
    if cur:
        blocks.append(cur)
    return blocks


def _dsn_text(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):
        return "\n\n".join(
            "\n".join(f"{k}: {v}" for k, v in sub.items()) for sub in payload
            if isinstance(sub, Message))
    return part_text(part)


def _near(text: str, address: str) -> str:
    """The human-readable lines about one recipient (from its address to a blank line pair)."""
    i = text.lower().find(address.lower())
    if i < 0:
        return ""
    # Sendmail transcripts put ">>> RCPT To:<address>" just before the reply.
    i = max(0, text.rfind("\n", 0, max(0, i - 1)) + 1) if i else 0
    chunk = text[i:i + 1200]
    end = re.search(r"\n\s*\n\s*\n|\n-{3,}", chunk)
    return chunk[: end.start()] if end else chunk




def parse_dsn(msg: Message, source: str) -> list[BounceEvent] | None:
    """Events for each recipient block; None when the message has no delivery-status part."""
    part = find_dsn_part(msg)
    if part is None:
        return None
    blocks = _blocks(_dsn_text(part))
    per_message = blocks[0] if blocks and "final-recipient" not in blocks[0] and \
        "original-recipient" not in blocks[0] else {}
    recipients = [b for b in blocks if "final-recipient" in b or "original-recipient" in b]
    notice = body_text(msg)
    message_id = header(msg, "Message-ID")
    events: list[BounceEvent] = []
    for b in recipients:
        address = clean_address(b.get("final-recipient") or b.get("original-recipient", ""))
        if "@" not in address and b.get("original-recipient"):
            address = clean_address(b["original-recipient"])
        if "@" not in address:
            continue
        dtype, _, dtext = b.get("diagnostic-code", "").partition(";")
        if not _:
            dtype, dtext = "", dtype
        dtext = dtext.strip()
        text = dtext or _near(notice, address)
        replycode = reasons.find_replycode(dtext)
        status = reasons.prefer_status(reasons.find_status(b.get("status", "")),
                                       reasons.find_status(dtext), replycode)
        action = b.get("action", "").strip().lower().split()[0] if b.get("action") else ""
        full = f"{text}\n{_near(notice, address)}" if dtext else text
        reason = reasons.classify(status, dtext or text, replycode=replycode, action=action,
                                  command=reasons.find_command(full),
                                  diagnostic_type=dtype.strip())
        if reason in ("onhold", "undefined") and dtext and notice:
            better = reasons.classify(status, full, replycode=replycode, action=action)
            reason = better if better not in ("onhold", "undefined") else reason
        when = parse_date(b.get("last-attempt-date", "") or per_message.get("arrival-date", "")
                          or header(msg, "Date"))
        mta = b.get("remote-mta", "").partition(";")
        events.append(BounceEvent(
            source=source, index=len(events) + 1, address=address, reason=reason,
            status=status, replycode=replycode,
            hard=reasons.is_hard(reason, status, replycode, dtext),
            action=action, event_time=when, remote_mta=(mta[2] or mta[0]).strip(),
            diagnostic=(dtext or text)[:1000], message_id=message_id))
    return events
