"""Pure decisions for one domain: from the DNS facts gathered by `mx.py` to a `Verdict`.

RFC 5321 §5.1: mail goes to the MX hosts in preference order; with no MX records at all the
domain itself is the implicit MX (its A/AAAA), which we flag `mx_fallback`. RFC 7505: a single
MX record with exchange "." (null MX) says the domain accepts no mail. DESIGN.md: a transient
failure (timeout, SERVFAIL, REFUSED, no resolver reachable) is never `invalid`.

Also here, because they are decisions on the same facts: which addresses the SMTP stage should
use, how long the facts may be cached (RFC 2308 for negative answers), and the JSON shape the
cache stores them in.
"""

from __future__ import annotations

import functools
import ipaddress
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mailhygiene import config
from mailhygiene.dns_detail import DnsDetail
from mailhygiene.types import Evidence, Flag, Reason, Status, Verdict

__all__ = [
    "Answer",
    "DomainFacts",
    "HostFacts",
    "Outcome",
    "cache_ttl",
    "decide",
    "facts_from_json",
    "facts_to_json",
    "is_transient",
    "mail_addresses",
    "mx_hosts",
    "usable_address",
]


class Outcome(StrEnum):
    ANSWER = "answer"  # NOERROR with records of the asked type
    NODATA = "nodata"  # NOERROR, the name exists but has no records of that type
    NXDOMAIN = "nxdomain"
    SERVFAIL = "servfail"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    NO_NAMESERVER = "no_nameserver"  # e.g. connection refused by the resolver
    ERROR = "error"  # malformed reply, unexpected rcode

    @property
    def transient(self) -> bool:
        return self not in _FINAL_OUTCOMES


_FINAL_OUTCOMES = frozenset({Outcome.ANSWER, Outcome.NODATA, Outcome.NXDOMAIN})


@dataclass(frozen=True, slots=True)
class Answer:
    """One query's outcome. `ttl` is the minimum TTL of the answer RRsets (CNAMEs included) or,
    for NXDOMAIN/NODATA, the negative TTL from the SOA (RFC 2308 §5); None when unknown."""

    outcome: Outcome
    ttl: int | None = None
    mx: tuple[tuple[int, str], ...] = ()  # (preference, exchange); exchange "." = null MX
    addresses: tuple[str, ...] = ()
    detail: str = ""


@dataclass(frozen=True, slots=True)
class HostFacts:
    a: Answer
    aaaa: Answer


@dataclass(frozen=True, slots=True)
class DomainFacts:
    """What DNS said about a domain. `hosts` holds the address lookups of its MX hosts, or of the
    domain itself when it has no MX (implicit MX, RFC 5321 §5.1)."""

    domain: str
    mx: Answer
    hosts: Mapping[str, HostFacts] = field(default_factory=dict)


NULL_MX = "."


@functools.lru_cache(maxsize=65536)  # providers share hosts: the same addresses recur
def usable_address(text: str, *, allow_loopback: bool = False) -> bool:
    """A public (globally routable) address; private, loopback, link-local, reserved and
    documentation ranges are not a mail host. `allow_loopback` lets 127.0.0.0/8 and ::1 count
    (tests and demos run their mail servers on loopback)."""
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return False
    if allow_loopback and ip.is_loopback:
        return True
    return ip.is_global and not ip.is_multicast


def _exchanges(mx: Answer) -> list[str]:
    """MX exchanges in preference order (stable for equal preferences), null MX excluded."""
    ordered = sorted(mx.mx, key=lambda r: r[0])
    return [host for _, host in ordered if host != NULL_MX]


def _is_null_mx(mx: Answer) -> bool:
    # RFC 7505 §3: a null MX is the only MX record; if other records exist, they are used.
    return mx.outcome is Outcome.ANSWER and bool(mx.mx) and all(h == NULL_MX for _, h in mx.mx)


def mx_hosts(facts: DomainFacts) -> tuple[str, ...]:
    """The mail hosts in preference order: MX exchanges, or the domain itself as implicit MX."""
    if facts.mx.outcome is Outcome.ANSWER and not _is_null_mx(facts.mx):
        return tuple(dict.fromkeys(_exchanges(facts.mx)))
    if facts.mx.outcome is Outcome.NODATA:
        return (facts.domain,)
    return ()


def mail_addresses(facts: DomainFacts, *, allow_loopback: bool = False) -> tuple[str, ...]:
    """Usable addresses of the mail hosts, in host preference order (for the SMTP stage)."""
    out: dict[str, None] = {}
    for host in mx_hosts(facts):
        hf = facts.hosts.get(host)
        if hf is None:
            continue
        for ans in (hf.a, hf.aaaa):
            for addr in ans.addresses:
                if usable_address(addr, allow_loopback=allow_loopback):
                    out[addr] = None
    return tuple(out)


def _transient_verdict(answers: list[Answer], stage: str) -> Verdict:
    timed_out = any(a.outcome is Outcome.TIMEOUT for a in answers)
    kinds = tuple(sorted({a.outcome.value for a in answers if a.outcome.transient}))
    notes = tuple(sorted({a.detail for a in answers if a.outcome.transient and a.detail}))
    detail = DnsDetail("failed", stage, failures=kinds, notes=notes).text()
    return Verdict(Status.UNKNOWN, Reason.TIMEOUT if timed_out else Reason.DNS_ERROR,
                   Evidence.DNS, detail=detail)


def _hosts_verdict(facts: DomainFacts, hosts: tuple[str, ...], *, allow_loopback: bool,
                   fallback: bool) -> Verdict:
    stage = "domain" if fallback else "hosts"
    usable = mail_addresses(facts, allow_loopback=allow_loopback)
    if usable:
        detail = DnsDetail("deliverable", stage, host=hosts[0], others=len(hosts) - 1).text()
        # RFC 5321 §5.1 implicit MX: flagged because many senders and filters distrust it.
        flags = frozenset({Flag.MX_FALLBACK}) if fallback else frozenset()
        return Verdict(Status.UNKNOWN, Reason.SMTP_SKIPPED, Evidence.DNS, flags, detail)
    answers = [a for h in hosts if (hf := facts.hosts.get(h)) for a in (hf.a, hf.aaaa)]
    if any(a.outcome.transient for a in answers):
        # No usable address yet, but a lookup failed: the missing answer might have given one.
        return _transient_verdict(answers, stage)
    if not answers:
        # Nothing was looked up (the lookup stage did not run for these hosts): cannot decide.
        return Verdict(Status.UNKNOWN, Reason.DNS_ERROR, Evidence.DNS,
                       detail=DnsDetail("not_looked_up", stage).text())
    found = [addr for a in answers for addr in a.addresses]
    kind = "not_public" if found else "no_address"
    return Verdict(Status.INVALID, Reason.NO_MAIL_HOST, Evidence.DNS,
                   detail=DnsDetail(kind, stage).text())


def decide(facts: DomainFacts, *, allow_loopback: bool = False) -> Verdict:
    """The domain's verdict. A domain that receives mail is `unknown/smtp_skipped`
    ("deliverable domain"): DNS alone never makes an address valid (DESIGN.md)."""
    mx = facts.mx
    if mx.outcome is Outcome.NXDOMAIN:
        return Verdict(Status.INVALID, Reason.DOMAIN_NOT_FOUND, Evidence.DNS,
                       detail=DnsDetail("nxdomain").text())
    if mx.outcome.transient:
        return _transient_verdict([mx], "mx")
    if _is_null_mx(mx):
        return Verdict(Status.INVALID, Reason.NULL_MX, Evidence.DNS,
                       detail=DnsDetail("null_mx").text())
    hosts = mx_hosts(facts)
    if mx.outcome is Outcome.ANSWER and hosts:
        return _hosts_verdict(facts, hosts, allow_loopback=allow_loopback, fallback=False)
    # NODATA (or an empty answer): implicit MX, the domain's own A/AAAA (RFC 5321 §5.1).
    return _hosts_verdict(facts, (facts.domain,), allow_loopback=allow_loopback, fallback=True)


def is_transient(verdict: Verdict) -> bool:
    """A verdict that came from a failed lookup: retried next run, never cached as final."""
    return verdict.status is Status.UNKNOWN and verdict.reason in (Reason.TIMEOUT,
                                                                    Reason.DNS_ERROR)


def _answer_ttl(ans: Answer) -> int | None:
    if ans.ttl is None:
        return None
    if ans.outcome is Outcome.ANSWER:
        return max(0, min(ans.ttl, config.POSITIVE_TTL_CAP))
    if ans.outcome in (Outcome.NODATA, Outcome.NXDOMAIN):
        return max(0, min(ans.ttl, config.NEGATIVE_TTL_CAP))
    return None


def cache_ttl(facts: DomainFacts, verdict: Verdict) -> int:
    """Seconds the facts may be reused: the smallest TTL among the answers the verdict rests on
    (positive TTLs capped by POSITIVE_TTL_CAP, negative ones by NEGATIVE_TTL_CAP, RFC 2308 §5;
    for a deliverable domain only the MX and the address answers found count).
    0 for transient verdicts: they are not cached as final (issue 4)."""
    if is_transient(verdict):
        return config.TRANSIENT_TTL
    host_answers = [a for hf in facts.hosts.values() for a in (hf.a, hf.aaaa)]
    if verdict.reason is Reason.SMTP_SKIPPED:
        # A deliverable domain rests on its MX and the addresses found; a missing AAAA of a
        # host that has an A changes nothing, so its negative TTL must not shorten the entry.
        answers = [facts.mx] + [a for a in host_answers if a.outcome is Outcome.ANSWER]
    else:
        answers = [facts.mx] + [a for a in host_answers if not a.outcome.transient]
    ttls = [t for a in answers if (t := _answer_ttl(a)) is not None]
    return min(ttls) if ttls else 0


# -- the cache's JSON shape (store/domains.py keeps it in domains.answer) ------------------------
def _answer_to_obj(ans: Answer) -> dict[str, Any]:
    obj: dict[str, Any] = {"o": ans.outcome.value}
    if ans.ttl is not None:
        obj["t"] = ans.ttl
    if ans.mx:
        obj["mx"] = [list(r) for r in ans.mx]
    if ans.addresses:
        obj["ip"] = list(ans.addresses)
    if ans.detail:
        obj["d"] = ans.detail
    return obj


def _answer_from_obj(obj: Mapping[str, Any]) -> Answer:
    return Answer(
        outcome=Outcome(obj["o"]),
        ttl=None if obj.get("t") is None else int(obj["t"]),
        mx=tuple((int(p), str(h)) for p, h in obj.get("mx", ())),
        addresses=tuple(str(a) for a in obj.get("ip", ())),
        detail=str(obj.get("d", "")),
    )


def facts_to_json(facts: DomainFacts) -> str:
    return json.dumps(
        {
            "domain": facts.domain,
            "mx": _answer_to_obj(facts.mx),
            "hosts": {h: [_answer_to_obj(hf.a), _answer_to_obj(hf.aaaa)]
                      for h, hf in facts.hosts.items()},
        },
        separators=(",", ":"),
    )


def facts_from_json(text: str) -> DomainFacts:
    """Inverse of `facts_to_json`; raises ValueError (or KeyError/TypeError) on a bad document."""
    obj = json.loads(text)
    return DomainFacts(
        domain=str(obj["domain"]),
        mx=_answer_from_obj(obj["mx"]),
        hosts={str(h): HostFacts(_answer_from_obj(a), _answer_from_obj(aaaa))
               for h, (a, aaaa) in obj.get("hosts", {}).items()},
    )
