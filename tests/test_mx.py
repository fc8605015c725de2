"""The MX stage end to end through `check_domains`, against a real unbound on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailhygiene.devtools.unbound import LocalDns, Record, free_port, synthetic_records
from mailhygiene.dns_detail import read_dns_detail
from mailhygiene.errors import ConfigError
from mailhygiene.mx import DnsOptions, DomainResult, check_domains, parse_nameservers
from mailhygiene.report.dns_messages import note_fr
from mailhygiene.report.messages import Catalogue
from mailhygiene.store import Store
from mailhygiene.types import Reason, Status
from tests.conftest import IDN, IDN_UNICODE, NEGATIVE_TTL, ZONE, ZONE_TTL, ZoneCase

pytestmark = pytest.mark.network

FAST = {"timeout": 0.4, "retries": 1}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "mx.duckdb")
    yield s
    s.close()


def opts(server: LocalDns, **kw: object) -> DnsOptions:
    return DnsOptions(nameservers=(server.address,), **(FAST | kw))  # type: ignore[arg-type]


def run(store: Store, domains: list[str], o: DnsOptions) -> tuple[dict[str, DomainResult], int]:
    return asyncio.run(check_domains(store, domains, o))


@pytest.mark.parametrize("case", list(ZONE.values()), ids=list(ZONE))
def test_zone_case(local_dns: LocalDns, store: Store, case: ZoneCase) -> None:
    results, queries = run(store, [case.domain], opts(local_dns, allow_loopback=True))
    r = results[case.domain]
    assert (r.verdict.status, r.verdict.reason) == (case.status, case.reason), r.verdict
    assert r.verdict.flags == case.flags
    assert r.mx_hosts == case.mx_hosts
    assert r.mx_addresses == case.addresses
    assert not r.from_cache
    assert queries >= 1
    assert r.verdict.evidence.value == "dns"


@pytest.mark.parametrize("case", list(ZONE.values()), ids=list(ZONE))
def test_zone_case_without_allow_loopback(local_dns: LocalDns, store: Store,
                                           case: ZoneCase) -> None:
    """By default a host on 127.0.0.0/8 or ::1 is not a public mail host (issue 4)."""
    results, _ = run(store, [case.domain], opts(local_dns))
    v = results[case.domain].verdict
    if case.loopback_only:
        assert (v.status, v.reason) == (Status.INVALID, Reason.NO_MAIL_HOST)
        assert results[case.domain].mx_addresses == ()
    else:
        assert (v.status, v.reason) == (case.status, case.reason)


def test_every_domain_at_once_and_transient_never_invalid(local_dns: LocalDns,
                                                          store: Store) -> None:
    results, _ = run(store, list(ZONE), opts(local_dns, allow_loopback=True, concurrency=4))
    assert set(results) == set(ZONE)
    for domain, case in ZONE.items():
        assert (results[domain].verdict.status, results[domain].verdict.reason) == (
            case.status, case.reason), domain
        if case.transient:
            assert results[domain].verdict.status is not Status.INVALID


def test_distinct_domains_and_shared_hosts_are_asked_once(local_dns: LocalDns,
                                                          store: Store) -> None:
    # normal.test and alias.test (CNAME to it) share mx.normal.test: MX of normal.test, MX of
    # alias.test and of its CNAME target (unbound leaves the chain to us), A + AAAA once.
    results, queries = run(store, ["normal.test"] * 5 + ["alias.test", "alias.test"],
                           opts(local_dns, allow_loopback=True))
    assert set(results) == {"normal.test", "alias.test"}
    assert queries == 5


def test_a_cname_target_is_asked_once_for_all_its_aliases(store: Store) -> None:
    """Providers alias their customers' MX hosts (or domains) to one name, and unbound leaves
    the chain to the stub: the target's records are asked once per run, not once per alias,
    and each alias's answer keeps its own chain's minimum TTL."""
    n = 6
    hosted = [f"d{i}.example" for i in range(n)]  # MX host mx.dI.example -> the provider's
    aliased = [f"a{i}.example" for i in range(n)]  # the domain itself -> a provider domain
    records: list[Record] = [("mx.provider.example", "A", "127.0.0.50"),
                             ("hosted.example", "MX", "10 mx.provider.example.")]
    for d in hosted[1:]:
        records += [(d, "MX", f"10 mx.{d}."), (f"mx.{d}", "CNAME", "mx.provider.example.")]
    records += [(d, "CNAME", "hosted.example.") for d in aliased]
    short = (f"{hosted[0]}. 300 IN MX 10 mx.{hosted[0]}.\n"  # an alias with a 30 s CNAME
             f"mx.{hosted[0]}. 30 IN CNAME mx.provider.example.")
    with LocalDns(records, zone_text=short) as address:
        results, queries = run(store, hosted + aliased,
                               DnsOptions(nameservers=(address,), allow_loopback=True,
                                          **FAST))  # type: ignore[arg-type]
    for d in hosted:
        assert results[d].mx_addresses == ("127.0.0.50",), d
    for d in aliased:
        assert results[d].mx_hosts == ("mx.provider.example",), d
        assert results[d].mx_addresses == ("127.0.0.50",), d
    # hosted: an MX each, A and AAAA of each alias, A and AAAA of the target once;
    # aliased: an MX each, the MX of hosted.example once, then A and AAAA of its host (shared
    # with no one else: mx.provider.example asked directly, not as a CNAME target).
    assert queries == (n + 2 * n + 2) + (n + 1 + 2)
    ttl = dict(store.fetchall("SELECT domain, ttl FROM domains"))
    assert ttl[hosted[0]] == 30  # its own CNAME's TTL, though the target's reply was shared
    assert {ttl[d] for d in hosted[1:] + aliased} == {300}


def test_idn_unicode_input_is_queried_in_ascii(local_dns: LocalDns, store: Store) -> None:
    results, queries = run(store, [IDN_UNICODE, IDN], opts(local_dns, allow_loopback=True))
    assert results[IDN_UNICODE].verdict == results[IDN].verdict
    assert results[IDN_UNICODE].domain == IDN_UNICODE
    assert results[IDN].verdict.reason is Reason.SMTP_SKIPPED
    assert queries == 3  # one domain: MX, then A and AAAA of its host


def test_cache_second_run_makes_no_query(local_dns: LocalDns, store: Store) -> None:
    final = [d for d, c in ZONE.items() if not c.transient and d != "ttl1.test"]
    first, q1 = run(store, final, opts(local_dns, allow_loopback=True))
    second, q2 = run(store, final, opts(local_dns, allow_loopback=True))
    assert q1 > 0
    assert q2 == 0
    assert all(r.from_cache for r in second.values())
    assert {d: r.verdict for d, r in first.items()} == {d: r.verdict for d, r in second.items()}
    assert {d: r.mx_addresses for d, r in first.items()} == {
        d: r.mx_addresses for d, r in second.items()}


def test_cached_facts_are_redecided_under_current_options(local_dns: LocalDns,
                                                          store: Store) -> None:
    run(store, ["normal.test"], opts(local_dns, allow_loopback=True))
    results, queries = run(store, ["normal.test"], opts(local_dns, allow_loopback=False))
    assert queries == 0
    assert results["normal.test"].verdict.reason is Reason.NO_MAIL_HOST


def test_refresh_requeries(local_dns: LocalDns, store: Store) -> None:
    run(store, ["normal.test", "nxdomain.test"], opts(local_dns))
    results, queries = run(store, ["normal.test", "nxdomain.test"],
                           opts(local_dns, refresh=True))
    assert queries >= 2
    assert not any(r.from_cache for r in results.values())


def test_transient_errors_are_not_cached(local_dns: LocalDns, store: Store) -> None:
    transient = [d for d, c in ZONE.items() if c.transient]
    _, _q1 = run(store, transient, opts(local_dns))
    results, q2 = run(store, transient, opts(local_dns))
    assert q2 >= len(transient)  # asked again
    assert not any(r.from_cache for r in results.values())
    rows = store.fetchall("SELECT domain, expires_at <= resolved_at FROM domains "
                          "WHERE domain IN (SELECT unnest(?::VARCHAR[]))", [transient])
    assert len(rows) == len(transient) and all(expired for _, expired in rows)


def test_ttls_are_stored(local_dns: LocalDns, store: Store) -> None:
    run(store, ["normal.test", "nxdomain.test", "nomail.test", "ttl1.test"],
        opts(local_dns, allow_loopback=True))
    ttl = dict(store.fetchall("SELECT domain, ttl FROM domains"))
    assert ttl["normal.test"] == ZONE_TTL  # the AAAA NODATA of its host does not count
    assert ttl["nxdomain.test"] == NEGATIVE_TTL  # RFC 2308: SOA minimum
    assert ttl["nomail.test"] == NEGATIVE_TTL  # NODATA for MX, A and AAAA
    assert ttl["ttl1.test"] == 1  # the smallest TTL the verdict rests on


def test_expired_entry_is_asked_again(local_dns: LocalDns, store: Store) -> None:
    run(store, ["ttl1.test"], opts(local_dns))
    time.sleep(1.1)
    results, queries = run(store, ["ttl1.test"], opts(local_dns))
    assert queries >= 1 and not results["ttl1.test"].from_cache


def test_unreachable_resolver_gives_dns_error(store: Store) -> None:
    dead = f"127.0.0.1:{free_port()}"  # nothing listens there: ICMP port unreachable
    results, _ = run(store, ["normal.test", "nxdomain.test"],
                     DnsOptions(nameservers=(dead,), **FAST))  # type: ignore[arg-type]
    for r in results.values():
        assert (r.verdict.status, r.verdict.reason) == (Status.UNKNOWN, Reason.DNS_ERROR)
        # The socket's error (this system's wording) reaches the French report in French.
        d = read_dns_detail(r.verdict.detail)
        assert d is not None and d.notes, r.verdict.detail
        assert all(note_fr(n) for n in d.notes), d.notes
        assert Catalogue("fr").detail(r.verdict.detail, "dns").startswith(
            "recherche MX : aucun résolveur joignable ("), r.verdict.detail


def test_retry_goes_to_the_next_resolver(local_dns: LocalDns, store: Store) -> None:
    dead = f"127.0.0.1:{free_port()}"
    o = DnsOptions(nameservers=(dead, local_dns.address), allow_loopback=True,
                   **FAST)  # type: ignore[arg-type]
    results, _ = run(store, ["normal.test", "multi.test", "nxdomain.test", "aonly.test"], o)
    for d, r in results.items():
        assert (r.verdict.status, r.verdict.reason) == (ZONE[d].status, ZONE[d].reason)


def test_server_stops_answering_mid_run(tmp_path: Path) -> None:
    """Issue 4: the server stops answering mid-run; no domain may become invalid because of it,
    and once it is back, a new run answers the domains that failed (they were not cached)."""
    domains = [f"site{i}.example" for i in range(240)]
    records, kinds = synthetic_records(domains, providers=20, seed=7)
    server = LocalDns(records)
    server.start()
    state: dict[str, int] = {"done": 0, "paused": 0}

    def progress(n: int) -> None:
        state["done"] += n
        if not state["paused"] and state["done"] >= 60:
            state["paused"] = 1
            server.pause()  # SIGSTOP: queries queue in the kernel, nothing answers
            asyncio.get_running_loop().call_later(2.0, server.resume)

    o = DnsOptions(nameservers=(server.address,), concurrency=30, allow_loopback=True,
                   **FAST)  # type: ignore[arg-type]
    expected_invalid = {"nxdomain": Reason.DOMAIN_NOT_FOUND, "null_mx": Reason.NULL_MX,
                        "mx_no_address": Reason.NO_MAIL_HOST}
    try:
        with Store(tmp_path / "pause.duckdb") as store:
            results, _ = asyncio.run(check_domains(store, domains, o, progress))
            assert state["paused"] and set(results) == set(domains)
            hit = [d for d, r in results.items() if r.verdict.reason is Reason.TIMEOUT]
            assert hit, "the pause should have made some lookups time out"
            for d, r in results.items():
                if r.verdict.status is Status.INVALID:
                    assert r.verdict.reason is expected_invalid.get(kinds[d]), (d, kinds[d])
                else:
                    assert r.verdict.status is Status.UNKNOWN, (d, r.verdict)
            server.resume()
            again, queries = asyncio.run(check_domains(store, hit, o))
            assert queries >= len(hit)
            for d in hit:
                want = expected_invalid.get(kinds[d], Reason.SMTP_SKIPPED)
                assert again[d].verdict.reason is want, (d, kinds[d], again[d].verdict)
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("specs", "expected"),
    [
        pytest.param(["127.0.0.1"], (("127.0.0.1", 53),), id="ipv4"),
        pytest.param(["127.0.0.1:5353"], (("127.0.0.1", 5353),), id="ipv4-port"),
        pytest.param(["::1"], (("::1", 53),), id="ipv6"),
        pytest.param(["[::1]:5353"], (("::1", 5353),), id="ipv6-port"),
        pytest.param([" 10.0.0.1:53 ", "[2001:db8::1]"], (("10.0.0.1", 53), ("2001:db8::1", 53)),
                     id="several"),
    ],
)
def test_parse_nameservers(specs: list[str], expected: tuple[tuple[str, int], ...]) -> None:
    assert parse_nameservers(specs) == expected


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param("", id="empty"),
        pytest.param("dns.google", id="hostname"),
        pytest.param("127.0.0.1:", id="empty-port"),
        pytest.param("127.0.0.1:0", id="port-zero"),
        pytest.param("127.0.0.1:70000", id="port-too-big"),
        pytest.param("127.0.0.1:x", id="port-text"),
        pytest.param("[::1", id="unclosed-bracket"),
        pytest.param("[::1]5353", id="no-colon"),
        pytest.param("999.1.1.1", id="bad-ip"),
    ],
)
def test_parse_nameservers_rejects(spec: str) -> None:
    with pytest.raises(ConfigError):
        parse_nameservers([spec])


def test_empty_input_makes_no_query(store: Store) -> None:
    assert run(store, [], DnsOptions(nameservers=("127.0.0.1:9",))) == ({}, 0)


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"concurrency": 0}, id="concurrency-0"),
        pytest.param({"timeout": 0.0}, id="timeout-0"),
        pytest.param({"retries": -1}, id="retries-negative"),
        pytest.param({"nameservers": ("resolver.example",)}, id="nameserver-hostname"),
    ],
)
def test_bad_options_are_config_errors(store: Store, bad: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        run(store, ["normal.test"], DnsOptions(**bad))  # type: ignore[arg-type]


def test_names_dns_cannot_carry_are_unknown_not_invalid(local_dns: LocalDns,
                                                        store: Store) -> None:
    bad = ["a..b.test", "x" * 64 + ".test", ""]
    results, _ = run(store, bad, opts(local_dns))
    for d in bad:
        assert (results[d].verdict.status, results[d].verdict.reason) == (
            Status.UNKNOWN, Reason.DNS_ERROR)
