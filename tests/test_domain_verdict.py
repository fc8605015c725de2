"""Table tests for the pure domain decisions (RFC 5321 §5.1, RFC 7505, RFC 2308, issue 4)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailhygiene import config
from mailhygiene.domain_verdict import (
    Answer,
    DomainFacts,
    HostFacts,
    Outcome,
    cache_ttl,
    decide,
    facts_from_json,
    facts_to_json,
    is_transient,
    mail_addresses,
    mx_hosts,
    usable_address,
)
from mailhygiene.types import Flag, Reason, Status

OC = Outcome
# Global addresses (never contacted: these tests are pure).
PUBLIC4, PUBLIC6 = "93.184.216.34", "2a00:1450:4007:80f::1a"
NODATA = Answer(OC.NODATA, 300)
NX = Answer(OC.NXDOMAIN, 300)


def mx(*records: tuple[int, str], ttl: int = 3600) -> Answer:
    return Answer(OC.ANSWER, ttl, mx=records)


def addr(*addresses: str, ttl: int = 600) -> Answer:
    return Answer(OC.ANSWER, ttl, addresses=addresses)


def host(a: Answer = NODATA, aaaa: Answer = NODATA) -> HostFacts:
    return HostFacts(a, aaaa)


def facts(mx_answer: Answer, **hosts: HostFacts) -> DomainFacts:
    return DomainFacts("example.ma", mx_answer, {h.replace("_", "."): f for h, f in hosts.items()})


DELIVERABLE = (Status.UNKNOWN, Reason.SMTP_SKIPPED)
NO_MAIL_HOST = (Status.INVALID, Reason.NO_MAIL_HOST)
DNS_ERROR = (Status.UNKNOWN, Reason.DNS_ERROR)
TIMEOUT = (Status.UNKNOWN, Reason.TIMEOUT)
FALLBACK = frozenset({Flag.MX_FALLBACK})

CASES = [
    pytest.param(facts(NX), False, (Status.INVALID, Reason.DOMAIN_NOT_FOUND), frozenset(),
                 id="nxdomain"),
    pytest.param(facts(mx((0, "."))), False, (Status.INVALID, Reason.NULL_MX), frozenset(),
                 id="null-mx"),
    pytest.param(facts(mx((10, "."))), False, (Status.INVALID, Reason.NULL_MX), frozenset(),
                 id="null-mx-any-preference"),
    pytest.param(facts(mx((0, "."), (10, "mx.example.ma")), mx_example_ma=host(addr(PUBLIC4))),
                 False, DELIVERABLE, frozenset(), id="null-mx-beside-real-mx-uses-the-real"),
    pytest.param(facts(mx((10, "mx.example.ma")), mx_example_ma=host(addr(PUBLIC4))),
                 False, DELIVERABLE, frozenset(), id="mx-public-a"),
    pytest.param(facts(mx((10, "mx.example.ma")), mx_example_ma=host(NODATA, addr(PUBLIC6))),
                 False, DELIVERABLE, frozenset(), id="mx-public-aaaa-only"),
    pytest.param(facts(mx((10, "a.example.ma"), (20, "b.example.ma")),
                       a_example_ma=host(NX, NX), b_example_ma=host(addr(PUBLIC4))),
                 False, DELIVERABLE, frozenset(), id="first-mx-dead-second-good"),
    pytest.param(facts(NODATA, example_ma=host(addr(PUBLIC4))), False, DELIVERABLE, FALLBACK,
                 id="no-mx-public-a-fallback"),
    pytest.param(facts(NODATA, example_ma=host(NODATA, addr(PUBLIC6))), False, DELIVERABLE,
                 FALLBACK, id="no-mx-public-aaaa-fallback"),
    pytest.param(facts(NODATA, example_ma=host()), False, NO_MAIL_HOST, frozenset(),
                 id="no-mx-no-address"),
    pytest.param(facts(NODATA, example_ma=host(addr("10.0.0.5"))), False, NO_MAIL_HOST,
                 frozenset(), id="no-mx-private-a"),
    pytest.param(facts(NODATA, example_ma=host(addr("127.0.0.5"))), True, DELIVERABLE, FALLBACK,
                 id="no-mx-loopback-a-allowed"),
    pytest.param(facts(mx((10, "mx.example.ma")), mx_example_ma=host(NX, NX)), False,
                 NO_MAIL_HOST, frozenset(), id="mx-host-nxdomain"),
    pytest.param(facts(mx((10, "mx.example.ma")), mx_example_ma=host()), False, NO_MAIL_HOST,
                 frozenset(), id="mx-host-without-address"),
    pytest.param(facts(mx((10, "mx.example.ma")),
                       mx_example_ma=host(addr("192.168.1.2"), addr("fd00::1"))),
                 False, NO_MAIL_HOST, frozenset(), id="mx-private-only"),
    pytest.param(facts(mx((10, "mx.example.ma")), mx_example_ma=host(addr("127.0.0.1"))),
                 False, NO_MAIL_HOST, frozenset(), id="mx-loopback-default"),
    pytest.param(facts(mx((10, "mx.example.ma")), mx_example_ma=host(addr("127.0.0.1"))),
                 True, DELIVERABLE, frozenset(), id="mx-loopback-allowed"),
    pytest.param(facts(mx((10, "mx.example.ma")), mx_example_ma=host(NODATA, addr("::1"))),
                 True, DELIVERABLE, frozenset(), id="mx-ipv6-loopback-allowed"),
    pytest.param(facts(mx((10, "mx.example.ma")), mx_example_ma=host(addr("10.1.1.1"))),
                 True, NO_MAIL_HOST, frozenset(), id="allow-loopback-does-not-allow-private"),
    pytest.param(facts(mx((10, "mx.example.ma")),
                       mx_example_ma=host(addr("0.0.0.0", "169.254.1.1", "100.64.0.1",
                                               "192.0.2.1", "240.0.0.1", "224.0.0.5"))),
                 True, NO_MAIL_HOST, frozenset(), id="mx-reserved-ranges"),
    pytest.param(facts(Answer(OC.SERVFAIL)), False, DNS_ERROR, frozenset(), id="servfail"),
    pytest.param(facts(Answer(OC.REFUSED)), False, DNS_ERROR, frozenset(), id="refused"),
    pytest.param(facts(Answer(OC.NO_NAMESERVER)), False, DNS_ERROR, frozenset(),
                 id="no-nameserver"),
    pytest.param(facts(Answer(OC.ERROR, detail="rcode FORMERR")), False, DNS_ERROR, frozenset(),
                 id="other-rcode"),
    pytest.param(facts(Answer(OC.TIMEOUT)), False, TIMEOUT, frozenset(), id="timeout"),
    pytest.param(facts(mx((10, "mx.example.ma")), mx_example_ma=host(Answer(OC.TIMEOUT), NODATA)),
                 False, TIMEOUT, frozenset(), id="mx-host-timeout-never-invalid"),
    pytest.param(facts(mx((10, "a.example.ma"), (20, "b.example.ma")),
                       a_example_ma=host(addr("10.0.0.1")),
                       b_example_ma=host(Answer(OC.SERVFAIL), Answer(OC.SERVFAIL))),
                 False, DNS_ERROR, frozenset(), id="private-plus-failed-host-never-invalid"),
    pytest.param(facts(mx((10, "a.example.ma"), (20, "b.example.ma")),
                       a_example_ma=host(Answer(OC.TIMEOUT), Answer(OC.TIMEOUT)),
                       b_example_ma=host(addr(PUBLIC4))),
                 False, DELIVERABLE, frozenset(), id="failed-host-but-another-is-usable"),
    pytest.param(facts(NODATA, example_ma=host(Answer(OC.TIMEOUT), NODATA)), False, TIMEOUT,
                 frozenset(), id="fallback-lookup-timeout"),
    pytest.param(facts(mx((10, "mx.example.ma"))), False, DNS_ERROR, frozenset(),
                 id="hosts-not-looked-up-cannot-decide"),
]


@pytest.mark.parametrize(("domain_facts", "allow_loopback", "expected", "flags"), CASES)
def test_decide(domain_facts: DomainFacts, allow_loopback: bool,
                expected: tuple[Status, Reason], flags: frozenset[Flag]) -> None:
    v = decide(domain_facts, allow_loopback=allow_loopback)
    assert (v.status, v.reason) == expected
    assert v.flags == flags
    assert v.evidence.value == "dns"
    assert v.detail


@pytest.mark.parametrize(("domain_facts", "allow_loopback", "expected", "flags"), CASES)
def test_transient_failures_are_never_invalid(domain_facts: DomainFacts, allow_loopback: bool,
                                              expected: tuple[Status, Reason],
                                              flags: frozenset[Flag]) -> None:
    looked_up = [domain_facts.mx] + [a for h in domain_facts.hosts.values()
                                     for a in (h.a, h.aaaa)]
    v = decide(domain_facts, allow_loopback=allow_loopback)
    if any(a.outcome.transient for a in looked_up) and v.status is Status.INVALID:
        pytest.fail(f"a transient failure became invalid: {v}")


@pytest.mark.parametrize(
    ("text", "allow_loopback", "usable"),
    [
        pytest.param(PUBLIC4, False, True, id="public-v4"),
        pytest.param(PUBLIC6, False, True, id="public-v6"),
        pytest.param("10.0.0.1", False, False, id="rfc1918"),
        pytest.param("172.16.5.4", True, False, id="rfc1918-172"),
        pytest.param("100.64.1.1", False, False, id="cgnat"),
        pytest.param("127.0.0.1", False, False, id="loopback"),
        pytest.param("127.9.9.9", True, True, id="loopback-allowed"),
        pytest.param("::1", True, True, id="v6-loopback-allowed"),
        pytest.param("fe80::1", True, False, id="link-local"),
        pytest.param("2001:db8::1", False, False, id="documentation"),
        pytest.param("224.0.0.1", False, False, id="multicast"),
        pytest.param("not-an-ip", False, False, id="garbage"),
    ],
)
def test_usable_address(text: str, allow_loopback: bool, usable: bool) -> None:
    assert usable_address(text, allow_loopback=allow_loopback) is usable


def test_mx_hosts_and_addresses_in_preference_order() -> None:
    f = facts(mx((30, "c.example.ma"), (10, "a.example.ma"), (20, "b.example.ma"),
                 (10, "a.example.ma")),
              a_example_ma=host(addr("10.0.0.1", PUBLIC4)),
              b_example_ma=host(NODATA, addr(PUBLIC6)),
              c_example_ma=host(addr(PUBLIC4)))
    assert mx_hosts(f) == ("a.example.ma", "b.example.ma", "c.example.ma")
    assert mail_addresses(f) == (PUBLIC4, PUBLIC6)


def test_fallback_host_is_the_domain() -> None:
    f = facts(NODATA, example_ma=host(addr(PUBLIC4)))
    assert mx_hosts(f) == ("example.ma",)
    assert mail_addresses(f) == (PUBLIC4,)


@pytest.mark.parametrize(
    ("domain_facts", "expected"),
    [
        pytest.param(facts(mx((10, "mx.example.ma"), ttl=3600),
                           mx_example_ma=host(addr(PUBLIC4, ttl=600), Answer(OC.NODATA, 60))),
                     600, id="deliverable-min-of-mx-and-found-addresses"),
        pytest.param(facts(mx((10, "mx.example.ma"), ttl=10**7),
                           mx_example_ma=host(addr(PUBLIC4, ttl=10**7))),
                     config.POSITIVE_TTL_CAP, id="positive-capped"),
        pytest.param(facts(Answer(OC.NXDOMAIN, 900)), 900, id="nxdomain-soa-minimum"),
        pytest.param(facts(Answer(OC.NXDOMAIN, 10**6)), config.NEGATIVE_TTL_CAP,
                     id="negative-capped"),
        pytest.param(facts(mx((0, "."), ttl=7200)), 7200, id="null-mx"),
        pytest.param(facts(NODATA, example_ma=host(Answer(OC.NODATA, 30), Answer(OC.NODATA, 45))),
                     30, id="no-mail-host-min-of-negatives"),
        pytest.param(facts(Answer(OC.SERVFAIL)), config.TRANSIENT_TTL, id="servfail-not-cached"),
        pytest.param(facts(Answer(OC.TIMEOUT)), config.TRANSIENT_TTL, id="timeout-not-cached"),
        pytest.param(facts(mx((10, "mx.example.ma")),
                           mx_example_ma=host(Answer(OC.TIMEOUT), NODATA)),
                     config.TRANSIENT_TTL, id="host-timeout-not-cached"),
        pytest.param(facts(Answer(OC.NXDOMAIN, None)), 0, id="negative-without-soa"),
    ],
)
def test_cache_ttl(domain_facts: DomainFacts, expected: int) -> None:
    v = decide(domain_facts, allow_loopback=False)
    assert cache_ttl(domain_facts, v) == expected
    assert (expected == config.TRANSIENT_TTL and is_transient(v)) or not is_transient(v)


_names = st.from_regex(r"[a-z0-9]{1,10}(\.[a-z0-9]{1,10}){1,3}", fullmatch=True)
_answers = st.builds(
    Answer,
    outcome=st.sampled_from(list(Outcome)),
    ttl=st.one_of(st.none(), st.integers(0, 2**31 - 1)),
    mx=st.lists(st.tuples(st.integers(0, 65535), st.one_of(_names, st.just("."))),
                max_size=4).map(tuple),
    addresses=st.lists(st.ip_addresses().map(str), max_size=3).map(tuple),
    detail=st.text(max_size=20),
)
_facts = st.builds(DomainFacts, domain=_names, mx=_answers,
                   hosts=st.dictionaries(_names, st.builds(HostFacts, _answers, _answers),
                                         max_size=3))


@given(_facts, st.booleans())
def test_json_round_trip_keeps_the_decision(f: DomainFacts, allow_loopback: bool) -> None:
    back = facts_from_json(facts_to_json(f))
    assert back == f
    assert decide(back, allow_loopback=allow_loopback) == decide(f, allow_loopback=allow_loopback)
