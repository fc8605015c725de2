"""Postfix mail logs (syslog or RFC 5424 timestamps): one event per delivery-agent line with
`status=sent|bounced|deferred|expired` (postfix/smtp, lmtp, local, virtual, pipe, error...).

    Nov 24 09:00:01 mx postfix/smtp[1234]: 4BC1F2A0001: to=<u@example.org>, relay=...,
        delay=0.5, delays=..., dsn=5.1.1, status=bounced (host ... said: 550 5.1.1 ...)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

from mailhygiene.bounces import reasons
from mailhygiene.bounces.model import BounceEvent

_LINE_RE = re.compile(
    r"^(?P<ts>\w{3} +\d{1,2} \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:?\d\d)?)\s+"
    r"\S+\s+postfix(?:-[\w-]+)?/(?P<agent>[\w/-]+)\[\d+\]:\s+(?P<qid>[0-9A-Za-z]+):\s+"
    r"to=<(?P<to>[^>]*)>,(?P<rest>.*)$")
_DSN_RE = re.compile(r"\bdsn=(\d\.\d{1,3}\.\d{1,3})")
_STATUS_RE = re.compile(r"\bstatus=(sent|bounced|deferred|expired|undeliverable|deliverable)"
                        r"(?:,[^(]*)?(?:\s*\((?P<text>.*)\))?\s*$")
_RELAY_RE = re.compile(r"\brelay=([^,\s]+)")
_HEAD_RE = re.compile(rb"postfix(?:-[\w-]+)?/[\w/-]+\[\d+\]: [0-9A-Za-z]+: ")


def looks_like_log(head: bytes) -> bool:
    return bool(_HEAD_RE.search(head))


def _time(ts: str, year: int) -> datetime | None:
    try:
        if ts[:4].isdigit():
            dt = datetime.fromisoformat(ts.replace("Z", "+00:00"))
            return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
        # Traditional syslog has no year: assume `year`, unless that lands in the future.
        dt = datetime.strptime(f"{year} {' '.join(ts.split())}", "%Y %b %d %H:%M:%S")
        dt = dt.replace(tzinfo=UTC)
        if dt > datetime.now(UTC):
            dt = dt.replace(year=year - 1)
        return dt
    except ValueError:
        return None


def iter_lines(text: str | bytes, chunk: int = 1 << 20) -> Iterator[str]:
    """`text.splitlines()` (bytes decoded as UTF-8, errors replaced), lazily: a 120 MB log is
    never held as a list of lines. Pieces are cut just after a "\\n", which ends a line in both
    (and is never inside "\\r\\n", nor inside a UTF-8 sequence), so the lines are the same."""
    start = 0
    while start < len(text):
        if isinstance(text, str):
            end = text.find("\n", start + chunk)
            end = len(text) if end < 0 else end + 1
            piece = text[start:end]
        else:
            end = text.find(b"\n", start + chunk)
            end = len(text) if end < 0 else end + 1
            piece = text[start:end].decode("utf-8", "replace")
        yield from piece.splitlines()
        start = end


def parse_log(text: str | bytes, source: str, year: int | None = None) -> Iterator[BounceEvent]:
    """Events in log order, produced as the lines are read; `index` counts events in the file
    (a log has no messages). Bytes are read as UTF-8, errors replaced."""
    year = year or datetime.now(UTC).year
    index = 0
    for line in iter_lines(text):
        m = _LINE_RE.match(line.strip())
        if not m:
            continue
        rest = m.group("rest")
        sm = _STATUS_RE.search(rest)
        if not sm:
            continue
        state = sm.group(1)
        detail = sm.group("text") or ""
        dm = _DSN_RE.search(rest)
        status = dm.group(1) if dm else reasons.find_status(detail)
        action = {"sent": "delivered", "deliverable": "delivered", "deferred": "delayed",
                  "expired": "expired"}.get(state, "failed")
        replycode = reasons.find_replycode(detail.split(" said: ", 1)[-1])
        hint = "expired" if state == "expired" else ""
        reason = reasons.classify(status, detail, replycode=replycode, action=action, hint=hint,
                                  command=reasons.find_command(detail))
        rm = _RELAY_RE.search(rest)
        index += 1
        yield BounceEvent(
            source=source, index=index, address=m.group("to"), reason=reason, status=status,
            replycode=replycode, hard=reasons.is_hard(reason, status, replycode, detail),
            action=action, event_time=_time(m.group("ts"), year),
            remote_mta=rm.group(1) if rm else "", diagnostic=detail[:1000],
            message_id=m.group("qid"))
