"""RFC 3464 delivery status notifications (`multipart/report; report-type=delivery-status`,
and RFC 6533 `message/global-delivery-status`). The machine-readable part is read field by
field; the human-readable part only supplies a diagnostic when the DSN gives none."""

from __future__ import annotations

import re
from collections.abc import Sequence
from email.message import Message

from mailhygiene.bounces import reasons
from mailhygiene.bounces.freetext import error_region
from mailhygiene.bounces.mime import (
    body_text,
    clean_address,
    content_type,
    header,
    parse_date,
    part_text,
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


def field_blocks(text: str) -> list[dict[str, str]]:
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


def _region(notice: str) -> str:
    return error_region(notice)[:1500]


def _dsn_text(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):
        return "\n\n".join(
            "\n".join(f"{k}: {v}" for k, v in sub.items()) for sub in payload
            if isinstance(sub, Message))
    return part_text(part)


def _near(text: str, address: str, others: Sequence[str] = ()) -> str:
    """The human-readable lines about one recipient: from the line naming it to a blank line
    pair, a separator, or the line naming another recipient."""
    low = text.lower()
    i = low.find(address.lower())
    if i < 0:
        return ""
    # Sendmail transcripts put ">>> RCPT To:<address>" just before the reply.
    i = text.rfind("\n", 0, i) + 1
    chunk = text[i:i + 1200]
    end = re.search(r"\n\s*\n\s*\n|\n-{3,}", chunk)
    chunk = chunk[: end.start()] if end else chunk
    first_nl = chunk.find("\n", low.find(address.lower()) - i) + 1 or len(chunk)
    for other in others:
        j = chunk.lower().find(other.lower(), first_nl)
        if other.lower() != address.lower() and j > 0:
            chunk = chunk[: chunk.rfind("\n", 0, j) + 1 or j]
    return chunk


_RAW_DSN_RE = re.compile(
    r"^Content-Type:\s*message/(?:global-)?delivery-status[^\n]*\n(?:[ \t][^\n]*\n|"
    r"[A-Za-z-]+:[^\n]*\n)*\s*\n(?P<body>.*?)(?:^--\S|\Z)", re.I | re.M | re.S)


_RAW_FIELDS_RE = re.compile(
    r"^(?:Reporting-MTA|Original-Envelope-Id|Final-Recipient|Original-Recipient):", re.I | re.M)
_RAW_END_RE = re.compile(r"^(?:Return-Path|Received):", re.I | re.M)


def _raw_dsn(msg: Message) -> tuple[str, str] | None:
    """A multipart/report whose boundary parameter does not match its body (a common MTA bug)
    parses as one text part: find the delivery-status section in the raw text."""
    payload = msg.get_payload()
    if not isinstance(payload, str) or "report" not in str(msg.get("Content-Type", "")).lower():
        return None
    m = _RAW_DSN_RE.search(payload)
    if m:
        return m.group("body"), payload[: m.start()]
    # No boundaries at all: the DSN fields sit in the text, before the returned headers.
    start = _RAW_FIELDS_RE.search(payload)
    if not start or not re.search(r"^Final-Recipient:", payload, re.I | re.M):
        return None
    end = _RAW_END_RE.search(payload, start.start())
    return payload[start.start(): end.start() if end else len(payload)], payload[: start.start()]


def parse_dsn(msg: Message, source: str) -> list[BounceEvent] | None:
    """Events for each recipient block; None when the message has no delivery-status part."""
    part = find_dsn_part(msg)
    if part is None:
        raw = _raw_dsn(msg)
        if raw is None:
            return None
        dsn_text, notice = raw
    else:
        dsn_text, notice = _dsn_text(part), body_text(msg)
    blocks = field_blocks(dsn_text)
    per_message = blocks[0] if blocks and "final-recipient" not in blocks[0] and \
        "original-recipient" not in blocks[0] else {}
    recipients = [b for b in blocks if "final-recipient" in b or "original-recipient" in b]
    message_id = header(msg, "Message-ID")
    events: list[BounceEvent] = []
    everyone = [clean_address(b.get("final-recipient") or b.get("original-recipient", ""))
                for b in recipients]
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
        near = _near(notice, address, everyone)
        text = dtext or near
        replycode = reasons.find_replycode(text)
        status = reasons.status_for(reasons.find_status(b.get("status", "")), text, replycode)
        action = b.get("action", "").strip().lower().split()[0] if b.get("action") else ""
        full = f"{text}\n{near}" if dtext else text
        # RFC 3464 2.1: the human-readable part explains the failure too. When it names the
        # recipient, `near` already holds its lines; when it does not, with one recipient it
        # can only be about that one (some MTAs state the real cause only there).
        basis = dtext or text
        if len(recipients) == 1 and notice.strip() and address.lower() not in notice.lower():
            basis = f"{basis}\n{_region(notice)}"
        reason = reasons.classify(status, basis, replycode=replycode, action=action,
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
