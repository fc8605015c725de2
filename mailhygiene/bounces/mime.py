"""Small helpers over the stdlib email package shared by the message parsers. Never raise on
malformed input: a broken header or part reads as empty text."""

from __future__ import annotations

import re
from datetime import datetime
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

ADDRESS_RE = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")
_TAG_RE = re.compile(r"<[^>]*>")


def header(msg: Message, name: str) -> str:
    """A header as text, RFC 2047 encoded words decoded; "" when absent or undecodable."""
    try:
        raw = msg.get(name)
        if raw is None:
            return ""
        return str(make_header(decode_header(str(raw)))).strip()
    except Exception:  # malformed encoded words: keep the raw text
        try:
            return str(msg.get(name, "")).strip()
        except Exception:
            return ""


def addresses(value: str) -> list[str]:
    """Addresses in a header value (To:, From:, X-Failed-Recipients:...)."""
    try:
        found = [a for _, a in getaddresses([value]) if "@" in a]
    except Exception:
        found = []
    return found or ADDRESS_RE.findall(value)


def clean_address(value: str) -> str:
    """`rfc822; <User@Example.org>` -> `User@Example.org` (RFC 3464 address-type prefix)."""
    v = value.strip()
    if ";" in v:
        v = v.split(";", 1)[1]
    v = v.strip().strip("<>").strip().strip("\"'").strip()
    m = ADDRESS_RE.search(v)
    return m.group(0).strip(".") if m else v


def parse_date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value.strip())
    except Exception:
        return None


def part_text(part: Message) -> str:
    """A leaf part's text, transfer-decoded and charset-decoded with replacement."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if payload is None:
        raw = part.get_payload()
        if isinstance(raw, list):
            return "\n\n".join(p.as_string() for p in raw if isinstance(p, Message))
        return str(raw or "")
    if not isinstance(payload, bytes):
        return str(payload)
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, "replace")
    except LookupError:
        return payload.decode("utf-8", "replace")


def html_to_text(html: str) -> str:
    return _TAG_RE.sub(" ", html).replace("&nbsp;", " ").replace("&lt;", "<").replace(
        "&gt;", ">").replace("&amp;", "&")


def content_type(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:
        return "text/plain"


def notice_parts(msg: Message) -> list[Message]:
    """The leaf parts written by the reporting system, in order: everything before the
    returned original (message/rfc822, text/rfc822-headers), which is the sender's own text."""
    out: list[Message] = []

    def walk(m: Message) -> bool:
        ctype = content_type(m)
        if ctype in ("message/rfc822", "text/rfc822-headers", "text/rfc822-header",
                     "message/rfc822-headers", "message/global", "message/global-headers"):
            return False
        if m.is_multipart():
            payload = m.get_payload()
            for sub in payload if isinstance(payload, list) else []:
                if isinstance(sub, Message) and not walk(sub):
                    return False
            return True
        out.append(m)
        return True

    walk(msg)
    return out


def original_part(msg: Message) -> Message | None:
    """The returned original message or its headers, when attached as a part."""
    for m in msg.walk():
        ctype = content_type(m)
        if ctype in ("message/rfc822", "message/global"):
            payload = m.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                return payload[0]
        if ctype in ("text/rfc822-headers", "text/rfc822-header", "message/rfc822-headers",
                     "message/global-headers"):
            from email import message_from_string
            return message_from_string(part_text(m).lstrip())
    return None


def body_text(msg: Message) -> str:
    """The human-readable notice: text/plain parts (HTML stripped when there is no plain)."""
    parts = notice_parts(msg)
    plain = [part_text(p) for p in parts if content_type(p) == "text/plain"]
    if plain:
        return "\n".join(plain)
    html = [html_to_text(part_text(p)) for p in parts if content_type(p) == "text/html"]
    if html:
        return "\n".join(html)
    other = [part_text(p) for p in parts if content_type(p).startswith("text/")]
    return "\n".join(other)
