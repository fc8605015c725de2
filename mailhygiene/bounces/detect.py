"""Format detection and the one entry point: `parse_path(path, fmt=None)` yields BounceEvents
from a file (.eml, mbox, Postfix log, ESP JSON, Mailchimp CSV) or a maildir folder.

Never crashes on content: a file that is not a bounce, or is broken, yields nothing. Paths that
cannot be read at all raise InputError (a MailhygieneError)."""

from __future__ import annotations

import bz2
import dataclasses
import email
import email.policy
import gzip
import lzma
import os
import re
from collections.abc import Iterable, Iterator
from email.message import Message
from itertools import pairwise
from pathlib import Path

from mailhygiene.bounces import esp, postfix_log, reasons, rhost
from mailhygiene.bounces.arf import parse_arf
from mailhygiene.bounces.autoreply import parse_autoreply
from mailhygiene.bounces.dsn import parse_dsn
from mailhygiene.bounces.freetext import looks_like_bounce, parse_freetext
from mailhygiene.bounces.mime import part_text
from mailhygiene.bounces.model import BounceEvent
from mailhygiene.errors import InputError

FORMATS = ("eml", "mbox", "postfix", "ses", "sendgrid", "mailgun", "mailchimp")
_MBOX_FROM_RE = re.compile(rb"^From \S+.*\d{4}\s*$", re.M)
_SKIP_NAMES = {".DS_Store", "dovecot-uidlist", "dovecot-keywords", "dovecot.index",
               "maildirfolder", "subscriptions"}


def parse_message(msg: Message, source: str) -> list[BounceEvent]:
    """One message: ARF (RFC 5965) first, then DSN (RFC 3464), auto-reply (RFC 3834), then
    free-text bounce. Anything else is not a bounce: []."""
    try:
        arf = parse_arf(msg, source)
        if arf is not None:
            return arf
        notification = _esp_in_mail(msg, source)
        if notification is not None:
            return notification
        dsn = parse_dsn(msg, source)
        if dsn:
            return dsn
        if not looks_like_bounce(msg) and dsn is None:
            auto = parse_autoreply(msg, source)
            if auto:
                return auto
        return parse_freetext(msg, source)
    except (RecursionError, MemoryError):
        raise
    except Exception:
        return []


def _esp_in_mail(msg: Message, source: str) -> list[BounceEvent] | None:
    """Amazon SES notifications delivered by email (SNS email subscription): the body is the
    notification JSON."""
    if msg.is_multipart():
        return None
    text = part_text(msg).strip()
    # SNS appends an unsubscribe footer after the JSON document.
    text = text[: text.rfind("}") + 1]
    if not text.startswith("{") or esp.sniff_json(text.encode()) != "ses":
        return None
    return esp.parse_json(text.encode(), source, "ses")


def _message(data: bytes) -> Message:
    return email.message_from_bytes(data, policy=email.policy.compat32)


def split_mbox(data: bytes) -> list[bytes]:
    """mbox (RFC 4155): messages start at a `From ` line at the start of the file or after a
    blank line."""
    starts = [m.start() for m in _MBOX_FROM_RE.finditer(data)
              if m.start() == 0 or data[:m.start()].endswith((b"\n\n", b"\r\n\r\n"))]
    if not starts or starts[0] != 0:
        return [data]
    return [data[a:b].split(b"\n", 1)[1] if b"\n" in data[a:b] else b""
            for a, b in pairwise([*starts, len(data)])]


def sniff(data: bytes, name: str = "") -> str:
    """Guess the format of a file's bytes."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    lower = name.lower()
    if head[:1] in (b"{", b"["):
        return esp.sniff_json(data) or "json"
    if lower.endswith(".csv") or esp.looks_like_mailchimp_csv(head):
        return "mailchimp"
    if postfix_log.looks_like_log(head):
        return "postfix"
    if head.startswith(b"From ") and _MBOX_FROM_RE.match(head):
        return "mbox"
    return "eml"


def parse_bytes(data: bytes, source: str, fmt: str | None = None) -> list[BounceEvent]:
    """Events from one file's bytes; `fmt` forces a format (one of FORMATS)."""
    return list(iter_bytes(data, source, fmt))


def iter_bytes(data: bytes, source: str, fmt: str | None = None) -> Iterator[BounceEvent]:
    """`parse_bytes`, lazily. A Postfix log's events come as its lines are read, so a large log
    is never held as events (imports store them in batches); a log line that breaks the parser
    ends that file's events, the ones before it are kept."""
    fmt = fmt or sniff(data, source)
    if fmt != "postfix":
        yield from map(_remote_host, _parse_bytes(data, source, fmt))
        return
    events = postfix_log.parse_log(data, source)
    while True:
        try:
            ev = next(events)
        except StopIteration:
            return
        except (RecursionError, MemoryError):
            raise
        except Exception:
            return
        yield _remote_host(ev)


# Outcomes that are not a refusal: no provider code can turn them into one.
_NOT_REFUSALS = frozenset({"delivered", "feedback", "vacation"})


def _remote_host(ev: BounceEvent) -> BounceEvent:
    """Some providers' codes and words mean something of their own (rhost.py)."""
    if ev.reason in _NOT_REFUSALS:
        return ev
    reason = rhost.provider_reason(ev.address, ev.remote_mta, ev.diagnostic, ev.replycode)
    if not reason or reason == ev.reason:
        return ev
    return dataclasses.replace(ev, reason=reason, hard=reasons.is_hard(
        reason, ev.status, ev.replycode, ev.diagnostic))


def _parse_bytes(data: bytes, source: str, fmt: str) -> list[BounceEvent]:
    """Every format but "postfix", which iter_bytes reads line by line."""
    try:
        if fmt == "eml":
            return parse_message(_message(data), source)
        if fmt == "mbox":
            out: list[BounceEvent] = []
            parts = split_mbox(data)
            for k, chunk in enumerate(parts, 1):
                src = source if len(parts) == 1 else f"{source}#{k}"
                out.extend(parse_message(_message(chunk), src))
            return out
        if fmt in ("ses", "sendgrid", "mailgun", "json"):
            return esp.parse_json(data, source, fmt)
        if fmt == "mailchimp":
            return esp.parse_mailchimp_csv(data.decode("utf-8-sig", "replace"), source)
    except (RecursionError, MemoryError):
        raise
    except Exception:
        return []
    raise InputError(f"unknown bounce format {fmt!r} (expected one of {', '.join(FORMATS)})")


_MAILDIR_SUBDIRS = frozenset({"cur", "new", "tmp"})


def iter_files(path: Path) -> Iterator[Path]:
    """A file, or every regular file of a folder in name order. In a maildir (a folder with
    cur/, new/ and tmp/) only cur/ and new/ are read: tmp/ holds messages still being delivered
    (maildir(5)), not yet complete."""
    if path.is_dir():
        found: list[Path] = []
        for top, dirs, names in os.walk(path):
            if set(dirs) >= _MAILDIR_SUBDIRS:
                dirs.remove("tmp")
            found.extend(Path(top, n) for n in names)
        for p in sorted(found):
            if p.is_file() and p.name not in _SKIP_NAMES and not p.name.startswith("."):
                yield p
    elif path.is_file():
        yield path
    else:
        raise InputError(f"bounce input not found: {path}")


# Rotated logs come compressed (mail.log.2.gz); some Windows tools write UTF-16.
_DECOMPRESS = ((b"\x1f\x8b", "gzip", gzip.decompress), (b"BZh", "bzip2", bz2.decompress),
               (b"\xfd7zXZ\x00", "xz", lzma.decompress))


def read_file(file: Path) -> tuple[bytes, bytes]:
    """(the file's bytes as stored, the bytes to parse): decompressed (gzip, bzip2, xz) and
    UTF-16 turned into UTF-8. The stored bytes identify the file (idempotent imports)."""
    try:
        raw = file.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read {file}: {e.strerror or e}") from e
    data = raw
    for magic, kind, decompress in _DECOMPRESS:
        if data.startswith(magic):
            try:
                data = decompress(data)
            except Exception as e:
                raise InputError(f"cannot decompress {file} ({kind}): {e}") from e
            break
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = data.decode("utf-16", "replace").encode("utf-8")
    return raw, data


def parse_path(path: str | Path, fmt: str | None = None) -> Iterator[BounceEvent]:
    """Every event in a file or folder, in file order then message order."""
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"unknown bounce format {fmt!r} (expected one of {', '.join(FORMATS)})")
    for file in iter_files(Path(path)):
        yield from iter_bytes(read_file(file)[1], str(file), fmt)


def iter_events(paths: Iterable[str | Path], fmt: str | None = None) -> Iterator[BounceEvent]:
    """Events of several paths, in argument order."""
    for p in paths:
        yield from parse_path(p, fmt)
