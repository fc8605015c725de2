"""The detail a DNS verdict stores (`contacts.detail`, `domains.detail`): one grammar, written
here and read back here, as `history_detail` does for bounce history.

The store keeps the English text (`MX lookup: timeout`, `no MX, mail goes to example.ma`): it
is what every store written so far holds and what the English report shows. A report in
another language needs the facts behind it, so `read_dns_detail` reads the text back; it
accepts a text only if writing what it read gives that very text again, so a wording changed
in `DnsDetail.text` without its reader makes it return None (the report then keeps the text
as stored, and tests/test_dns_detail.py fails), never a misreading.

A failed lookup's detail quotes the notes the MX stage's client wrote in `Answer.detail`
(mx.py, mx_wire.py). They are written by the builders below and nowhere else, so each form
has a reading (`read_note`) and a French wording."""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass

# -- the notes of one failed query (Answer.detail) ------------------------------------------
NOT_A_NAME = "not a DNS name"
UNREACHABLE = "resolver unreachable"
TCP = "tcp"  # the TCP retry of a truncated reply (RFC 7766) timed out
# dnspython's names for these (dns.message), which mx_wire's reading copies.
CHAIN_TOO_LONG = "ChainTooLong"
ANSWER_FOR_NXDOMAIN = "AnswerForNXDOMAIN"
_FIXED_NOTES = (NOT_A_NAME, UNREACHABLE, TCP, CHAIN_TOO_LONG, ANSWER_FOR_NXDOMAIN)
_TCP_PREFIX = "tcp: "
_MALFORMED_PREFIX = "malformed reply: "
_RCODE_PREFIX = "rcode "
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RCODE = re.compile(r"[A-Z]+|[0-9]+")  # mx_wire names the rcodes it knows, else the number
# os.strerror's messages back to their errno (English: Python sets LC_CTYPE only, not
# LC_MESSAGES; a message in another locale has no reading and is quoted as stored).
_ERRNO_OF = {os.strerror(n): n for n in sorted(errno.errorcode, reverse=True)}


def os_error_note(e: OSError) -> str:
    """A socket error: the C library's message (`Connection refused`), else the class name."""
    return e.strerror or type(e).__name__


def exception_note(e: BaseException) -> str:
    """An exception outside DNS's own failures (a bug, a dnspython error): its class name."""
    return type(e).__name__


def tcp_note(note: str) -> str:
    """A failure of the TCP retry: `note` is one of this module's other notes."""
    return _TCP_PREFIX + note


def malformed_note(reason: str) -> str:
    """A reply mx_wire could not read; `reason` is its MalformedReply message."""
    return _MALFORMED_PREFIX + reason


def rcode_note(name: str) -> str:
    """A reply code the stage has no outcome for (FORMERR, NOTIMP, or a number)."""
    return _RCODE_PREFIX + name


@dataclass(frozen=True, slots=True)
class Note:
    """What a note says. `kind`: fixed (one of _FIXED_NOTES, `arg`),
    os_error (`arg` is an errno symbol, ECONNREFUSED), exception (`arg` is a class name), tcp
    (`inner` is the TCP retry's note), malformed (`arg` is mx_wire's reason) or rcode."""

    kind: str
    arg: str = ""
    inner: Note | None = None


def read_note(text: str) -> Note | None:
    """The reading of a note the builders above wrote; None for any other text."""
    if text in _FIXED_NOTES:
        return Note("fixed", text)
    if text.startswith(_TCP_PREFIX):
        inner = read_note(text[len(_TCP_PREFIX):])
        return None if inner is None or inner.kind == "tcp" else Note("tcp", inner=inner)
    if text.startswith(_MALFORMED_PREFIX):
        return Note("malformed", text[len(_MALFORMED_PREFIX):])
    if text.startswith(_RCODE_PREFIX) and _RCODE.fullmatch(text[len(_RCODE_PREFIX):]):
        return Note("rcode", text[len(_RCODE_PREFIX):])
    if text in _ERRNO_OF:
        return Note("os_error", errno.errorcode[_ERRNO_OF[text]])
    if _IDENTIFIER.fullmatch(text):
        return Note("exception", text)
    return None


# -- the verdict's detail -------------------------------------------------------------------
KINDS = ("nxdomain", "null_mx", "deliverable", "failed", "not_looked_up", "not_public",
         "no_address")
# Which lookups a detail is about: the MX question, the MX hosts' addresses, or the domain's
# own addresses when it has no MX (implicit MX, RFC 5321 §5.1).
STAGES = ("mx", "hosts", "domain")
# Outcome values of a failed lookup (domain_verdict.Outcome, transient ones).
FAILURES = ("error", "no_nameserver", "refused", "servfail", "timeout")
_WHAT = {"mx": "MX lookup", "hosts": "MX host address",
         "domain": "address of the domain (no MX)"}
_FIXED = {
    ("nxdomain", "mx"): "NXDOMAIN",
    ("null_mx", "mx"): "null MX (RFC 7505): the domain accepts no mail",
    ("not_public", "hosts"): "MX hosts resolve only to non-public addresses",
    ("not_public", "domain"): "no MX; the domain's addresses are not public",
    ("no_address", "hosts"): "MX hosts have no address",
    ("no_address", "domain"): "no MX and no address",
}


@dataclass(frozen=True, slots=True)
class DnsDetail:
    """`kind` is one of KINDS, `stage` one of STAGES. A deliverable domain names its first
    mail host (`host`) and how many `others` follow; a failed lookup lists the `failures`
    (FAILURES) and the `notes` its answers carried, both sorted and distinct."""

    kind: str
    stage: str = "mx"
    host: str = ""
    others: int = 0
    failures: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def text(self) -> str:
        """The English text stored (the wording of every store written so far)."""
        fixed = _FIXED.get((self.kind, self.stage))
        if fixed is not None:
            return fixed
        if self.kind == "deliverable" and self.stage == "hosts":
            return f"MX {self.host}" + (f" (+{self.others})" if self.others else "")
        if self.kind == "deliverable" and self.stage == "domain":
            return f"no MX, mail goes to {self.host}"
        if self.kind == "failed":
            notes = f" ({'; '.join(self.notes)})" if self.notes else ""
            return f"{_WHAT[self.stage]}: {', '.join(self.failures)}{notes}"
        if self.kind == "not_looked_up" and self.stage != "mx":
            return f"{_WHAT[self.stage]}: not looked up"
        raise ValueError(f"no DNS detail {self.kind!r} for stage {self.stage!r}")


_STAGE_OF = {v: k for k, v in _WHAT.items()}
_WHAT_RE = "|".join(re.escape(w) for w in _STAGE_OF)
_FORMS = (
    ("deliverable", re.compile(r"MX (\S+?)(?: \(\+([1-9][0-9]*)\))?")),
    ("deliverable", re.compile(r"no MX, mail goes to (\S+)")),
    ("not_looked_up", re.compile(rf"({_WHAT_RE}): not looked up")),
    ("failed", re.compile(rf"({_WHAT_RE}): ([a-z_]+(?:, [a-z_]+)*)(?: \((.+)\))?")),
)


def read_dns_detail(text: str) -> DnsDetail | None:
    """The facts of a DNS verdict's stored detail, or None for a text this version did not
    write (another stage's detail, a later wording)."""
    for (kind, stage), fixed in _FIXED.items():
        if text == fixed:
            return DnsDetail(kind, stage)
    for i, (kind, form) in enumerate(_FORMS):
        m = form.fullmatch(text)
        if m is None:
            continue
        g = m.groups()
        if kind == "deliverable":
            d = DnsDetail(kind, "hosts" if i == 0 else "domain", host=g[0],
                          others=int(g[1] or 0) if i == 0 else 0)
        elif kind == "not_looked_up":
            d = DnsDetail(kind, _STAGE_OF[g[0]])
        else:
            failures = tuple(g[1].split(", "))
            if not set(failures) <= set(FAILURES):
                return None
            d = DnsDetail(kind, _STAGE_OF[g[0]], failures=failures,
                          notes=tuple(g[2].split("; ")) if g[2] else ())
        return d if d.text() == text else None
    return None
