"""Shared fixtures. `local_dns`: a real unbound on 127.0.0.1 serving the test zone below.

ZONE is the zone and its expectations in one place: tests of the MX stage (and end-to-end tests
of `check`) parametrize over it. Every mail host sits on 127.0.0.0/8 (or ::1), so SMTP tests can
run servers there; with the default options (no --allow-loopback) such hosts are not public and
the domain is `invalid/no_mail_host` (`loopback_only=True` marks those cases).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import settings

from mailhygiene.devtools.unbound import LocalDns, Record
from mailhygiene.normalize import ascii_domain
from mailhygiene.types import Flag, Reason, Status

# Timing goals live in benchmarks, not in tests: no per-example deadline for the properties
# (Hypothesis' default, 200 ms, failed one once on a loaded machine with nothing wrong).
settings.register_profile("mailhygiene", deadline=None)
settings.load_profile("mailhygiene")

ZONE_TTL = 300  # TTL of every record of the test zone unless a case says otherwise
NEGATIVE_TTL = 120  # SOA TTL and MINIMUM of the zone: the negative TTL (RFC 2308)
IDN_UNICODE = "café-bücher.test"
IDN = ascii_domain(IDN_UNICODE)  # xn--caf-bcher-d4a5s.test


@dataclass(frozen=True)
class ZoneCase:
    """One domain of the test zone and what the MX stage must say about it (allow_loopback)."""

    domain: str  # ASCII form, as queried
    records: tuple[Record, ...]
    status: Status
    reason: Reason
    flags: frozenset[Flag] = frozenset()
    mx_hosts: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()  # usable addresses, preference order
    loopback_only: bool = False  # without allow_loopback: invalid/no_mail_host
    transient: bool = False  # a lookup failure: never cached, never invalid
    zone_text: str = ""  # records with their own TTL (unbound local-data lines)


_DELIVERABLE = (Status.UNKNOWN, Reason.SMTP_SKIPPED)
_CASES = [
    ZoneCase("normal.test", (("normal.test", "MX", "10 mx.normal.test"),
                             ("mx.normal.test", "A", "127.0.0.11")),
             *_DELIVERABLE, mx_hosts=("mx.normal.test",), addresses=("127.0.0.11",),
             loopback_only=True),
    # Records listed out of order: the stage must sort by preference (RFC 5321 §5.1).
    ZoneCase("multi.test", (("multi.test", "MX", "30 mx3.multi.test"),
                            ("multi.test", "MX", "10 mx1.multi.test"),
                            ("multi.test", "MX", "20 mx2.multi.test"),
                            ("mx1.multi.test", "A", "127.0.0.12"),
                            ("mx2.multi.test", "A", "127.0.0.13"),
                            ("mx3.multi.test", "AAAA", "::1")),
             *_DELIVERABLE, mx_hosts=("mx1.multi.test", "mx2.multi.test", "mx3.multi.test"),
             addresses=("127.0.0.12", "127.0.0.13", "::1"), loopback_only=True),
    ZoneCase("nullmx.test", (("nullmx.test", "MX", "0 ."),
                             ("nullmx.test", "A", "127.0.0.16")),  # RFC 7505 wins over A
             Status.INVALID, Reason.NULL_MX),
    ZoneCase("aonly.test", (("aonly.test", "A", "127.0.0.14"),),
             *_DELIVERABLE, frozenset({Flag.MX_FALLBACK}), mx_hosts=("aonly.test",),
             addresses=("127.0.0.14",), loopback_only=True),
    ZoneCase("aaaaonly.test", (("aaaaonly.test", "AAAA", "::1"),),
             *_DELIVERABLE, frozenset({Flag.MX_FALLBACK}), mx_hosts=("aaaaonly.test",),
             addresses=("::1",), loopback_only=True),
    # One MX host does not exist, the other exists without an address.
    ZoneCase("noaddr.test", (("noaddr.test", "MX", "10 ghost.noaddr.test"),
                             ("noaddr.test", "MX", "20 txt.noaddr.test"),
                             ("txt.noaddr.test", "TXT", '"no address here"')),
             Status.INVALID, Reason.NO_MAIL_HOST,
             mx_hosts=("ghost.noaddr.test", "txt.noaddr.test")),
    ZoneCase("private.test", (("private.test", "MX", "10 mx.private.test"),
                              ("mx.private.test", "A", "10.20.30.40"),
                              ("mx.private.test", "AAAA", "fd00::25")),
             Status.INVALID, Reason.NO_MAIL_HOST, mx_hosts=("mx.private.test",)),
    ZoneCase("nomail.test", (("nomail.test", "TXT", '"v=spf1 -all"'),),
             Status.INVALID, Reason.NO_MAIL_HOST, mx_hosts=("nomail.test",)),
    ZoneCase("nxdomain.test", (), Status.INVALID, Reason.DOMAIN_NOT_FOUND),
    ZoneCase(IDN, ((IDN, "MX", f"10 mx.{IDN}"), (f"mx.{IDN}", "A", "127.0.0.15")),
             *_DELIVERABLE, mx_hosts=(f"mx.{IDN}",), addresses=("127.0.0.15",),
             loopback_only=True),
    # The MX question is answered through a CNAME (the resolver follows it).
    ZoneCase("alias.test", (("alias.test", "CNAME", "normal.test"),),
             *_DELIVERABLE, mx_hosts=("mx.normal.test",), addresses=("127.0.0.11",),
             loopback_only=True),
    ZoneCase("ttl1.test", (), *_DELIVERABLE, mx_hosts=("mx.normal.test",),
             addresses=("127.0.0.11",), loopback_only=True,
             zone_text="ttl1.test. 1 IN MX 10 mx.normal.test."),
    ZoneCase("servfail.test", (), Status.UNKNOWN, Reason.DNS_ERROR, transient=True),
    ZoneCase("refused.test", (), Status.UNKNOWN, Reason.DNS_ERROR, transient=True),
    ZoneCase("timeout.test", (), Status.UNKNOWN, Reason.TIMEOUT, transient=True),
    # The domain answers, its only MX host is behind a failing server: still not invalid.
    ZoneCase("hostfail.test", (("hostfail.test", "MX", "10 mx.servfail.test"),),
             Status.UNKNOWN, Reason.DNS_ERROR, mx_hosts=("mx.servfail.test",), transient=True),
    ZoneCase("hosttimeout.test", (("hosttimeout.test", "MX", "10 mx.timeout.test"),),
             Status.UNKNOWN, Reason.TIMEOUT, mx_hosts=("mx.timeout.test",), transient=True),
]
ZONE: dict[str, ZoneCase] = {c.domain: c for c in _CASES}
SERVFAIL_ZONES = ("servfail.test",)
TIMEOUT_ZONES = ("timeout.test",)
REFUSED_ZONES = ("refused.test",)


def zone_records() -> list[Record]:
    return [r for c in _CASES for r in c.records]


def zone_text() -> str:
    return "\n".join(c.zone_text for c in _CASES if c.zone_text)


@pytest.fixture(scope="session")
def local_dns() -> Iterator[LocalDns]:
    """unbound on 127.0.0.1:PORT serving ZONE; `local_dns.address` is "127.0.0.1:PORT"."""
    server = LocalDns(
        zone_records(), zone_text=zone_text(), ttl=ZONE_TTL, negative_ttl=NEGATIVE_TTL,
        servfail_zones=SERVFAIL_ZONES, timeout_zones=TIMEOUT_ZONES, refused_zones=REFUSED_ZONES,
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def dns_zone() -> dict[str, ZoneCase]:
    return ZONE
