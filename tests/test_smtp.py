"""SMTP probing against real aiosmtpd servers on loopback with scripted behaviours (issue 6)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailhygiene.cli import main
from mailhygiene.devtools.smtpfarm import Behaviour, SmtpFarm
from mailhygiene.devtools.unbound import LocalDns
from mailhygiene.errors import ConfigError
from mailhygiene.mx import DnsOptions, check_domains
from mailhygiene.smtp import (
    ProbeOutcome,
    ProbeTarget,
    SmtpOptions,
    probe_domains,
    retry_due,
    targets_for,
)
from mailhygiene.store import Store
from mailhygiene.store import probes as db
from mailhygiene.store.core import now as utcnow
from mailhygiene.types import Flag, Reason, Status

pytestmark = pytest.mark.network

ALLOWED_VERBS = {"EHLO", "HELO", "STARTTLS", "MAIL", "RCPT", "RSET", "QUIT"}
DOMAINS = ["acceptall", "users", "grey", "block", "down", "one", "slow", "drop0", "drop2",
           "tls", "max1", "full", "tlsbroken", "rcpt421"]
USERS = frozenset(f"{u}@{d}.test" for d in DOMAINS for u in ("alice", "bob", "carol", "dave"))

BEHAVIOURS = {
    "acceptall": Behaviour(),
    "users": Behaviour(mailboxes=USERS),
    "grey": Behaviour(mailboxes=USERS, greylist=True),
    "block": Behaviour(block=True),
    "down": Behaviour(always_421=True),
    "one": Behaviour(mailboxes=USERS, rcpt_per_session=1),
    "slow": Behaviour(mailboxes=USERS, banner_delay=0.6),
    "drop0": Behaviour(mailboxes=USERS, drop_after_rcpts=0),
    "drop2": Behaviour(mailboxes=USERS, drop_after_rcpts=2),
    "tls": Behaviour(mailboxes=USERS, tls=True),
    "max1": Behaviour(mailboxes=USERS, max_connections=1),
    "full": Behaviour(mailboxes=USERS, full=frozenset({"bob@full.test"})),
    "tlsbroken": Behaviour(mailboxes=USERS, tls_broken=True),
    "rcpt421": Behaviour(mailboxes=USERS, rcpt_421_after=2),
}


@pytest.fixture(scope="module")
def farm() -> Iterator[SmtpFarm]:
    with SmtpFarm(BEHAVIOURS.values()) as f:
        yield f


def ip_of(farm: SmtpFarm, name: str) -> str:
    return farm.servers[list(BEHAVIOURS).index(name)].ip


def opts_for(farm: SmtpFarm, **kw: object) -> SmtpOptions:
    base: dict[str, object] = dict(
        helo="probe.mailhygiene.test", mail_from="probe@mailhygiene.test", port=farm.port,
        allow_loopback=True, timeout=3.0, rate=2000.0, domain_pause=0.05, session_attempts=2,
        greylist_delay=0.0)
    base.update(kw)
    return SmtpOptions(**base)  # type: ignore[arg-type]


def target(farm: SmtpFarm, name: str, *users: str) -> ProbeTarget:
    domain = f"{name}.test"
    return ProbeTarget(domain, (ip_of(farm, name),), tuple(f"{u}@{domain}" for u in users))


def sr(o: ProbeOutcome) -> tuple[Status, Reason]:
    return (o.verdict.status, o.verdict.reason)


@pytest.mark.parametrize(("name", "users", "expected"), [
    pytest.param("acceptall", ("alice", "zz-nobody"),
                 {"alice": (Status.CATCH_ALL, Reason.ACCEPT_ALL),
                  "zz-nobody": (Status.CATCH_ALL, Reason.ACCEPT_ALL)}, id="accept-all"),
    pytest.param("users", ("alice", "bob", "ghost"),
                 {"alice": (Status.VALID, Reason.ACCEPTED), "bob": (Status.VALID, Reason.ACCEPTED),
                  "ghost": (Status.INVALID, Reason.MAILBOX_NOT_FOUND)}, id="user-unknown"),
    pytest.param("grey", ("alice", "ghost"),
                 {"alice": (Status.UNKNOWN, Reason.GREYLISTED),
                  "ghost": (Status.UNKNOWN, Reason.GREYLISTED)}, id="greylist-first-attempt"),
    pytest.param("block", ("alice",), {"alice": (Status.UNKNOWN, Reason.BLOCKED)},
                 id="policy-block-5.7.1"),
    pytest.param("down", ("alice",), {"alice": (Status.UNKNOWN, Reason.GREYLISTED)},
                 id="421-too-many-connections"),
    pytest.param("one", ("alice", "bob", "ghost", "carol"),
                 {"alice": (Status.VALID, Reason.ACCEPTED), "bob": (Status.VALID, Reason.ACCEPTED),
                  "ghost": (Status.INVALID, Reason.MAILBOX_NOT_FOUND),
                  "carol": (Status.VALID, Reason.ACCEPTED)}, id="refuse-second-rcpt"),
    pytest.param("slow", ("alice", "ghost"),
                 {"alice": (Status.VALID, Reason.ACCEPTED),
                  "ghost": (Status.INVALID, Reason.MAILBOX_NOT_FOUND)}, id="slow-banner"),
    pytest.param("drop0", ("alice",), {"alice": (Status.UNKNOWN, Reason.NO_CONNECT)},
                 id="drop-before-any-answer"),
    pytest.param("drop2", ("alice", "bob", "ghost", "carol"),
                 {"alice": (Status.VALID, Reason.ACCEPTED), "bob": (Status.VALID, Reason.ACCEPTED),
                  "ghost": (Status.INVALID, Reason.MAILBOX_NOT_FOUND),
                  "carol": (Status.VALID, Reason.ACCEPTED)}, id="drop-mid-session"),
    pytest.param("tls", ("alice", "ghost"),
                 {"alice": (Status.VALID, Reason.ACCEPTED),
                  "ghost": (Status.INVALID, Reason.MAILBOX_NOT_FOUND)}, id="starttls"),
    pytest.param("full", ("alice", "bob"),
                 {"alice": (Status.VALID, Reason.ACCEPTED),
                  "bob": (Status.RISKY, Reason.MAILBOX_FULL)}, id="mailbox-full"),
    pytest.param("tlsbroken", ("alice", "ghost"),
                 {"alice": (Status.VALID, Reason.ACCEPTED),
                  "ghost": (Status.INVALID, Reason.MAILBOX_NOT_FOUND)}, id="starttls-refused"),
    pytest.param("rcpt421", ("alice", "bob", "ghost", "carol"),
                 {"alice": (Status.VALID, Reason.ACCEPTED), "bob": (Status.VALID, Reason.ACCEPTED),
                  "ghost": (Status.INVALID, Reason.MAILBOX_NOT_FOUND),
                  "carol": (Status.VALID, Reason.ACCEPTED)}, id="421-mid-session"),
])
async def test_behaviours(farm: SmtpFarm, name: str, users: tuple[str, ...],
                          expected: dict[str, tuple[Status, Reason]]) -> None:
    server = farm.server(ip_of(farm, name))
    before = len(server.commands)
    out = await probe_domains(None, [target(farm, name, *users)], opts_for(farm))
    got = {a.partition("@")[0]: sr(o) for a, o in out.items()}
    assert got == expected
    verbs = server.verbs[before:]
    assert "DATA" not in verbs and set(verbs) <= ALLOWED_VERBS
    for o in out.values():
        if o.reply_code is not None:
            assert o.host == server.ip and o.reply_text  # raw reply kept as evidence
    if name == "acceptall":
        assert all(Flag.CATCH_ALL_DOMAIN in o.verdict.flags for o in out.values())
    if name == "one":  # one RCPT per session: reconnected for each (canary + 4 addresses)
        assert verbs.count("MAIL") >= 5
        assert verbs.count("RCPT") == 6  # the refused second RCPT of the first session
    if name == "tls":
        assert "STARTTLS" in verbs
    if name == "tlsbroken":  # refused once, then the same host in clear text, no second try
        assert verbs.count("STARTTLS") == 1 and verbs.count("MAIL") == 1
    if name == "rcpt421":  # 2 answers per session, then 421: 3 sessions for 5 RCPTs
        assert verbs.count("MAIL") == 3
    if name == "users":  # canary + 3 addresses in one session
        assert verbs.count("MAIL") == 1 and verbs.count("RCPT") == 4
        assert verbs[-2:] == ["RSET", "QUIT"]


async def test_slow_banner_beyond_timeout_is_timeout(farm: SmtpFarm) -> None:
    out = await probe_domains(None, [target(farm, "slow", "alice")],
                              opts_for(farm, timeout=0.2))
    assert sr(out["alice@slow.test"]) == (Status.UNKNOWN, Reason.TIMEOUT)


async def test_waiting_for_the_rate_limit_is_not_the_servers_silence(farm: SmtpFarm) -> None:
    """At 0.5 token/s the first RCPT waits 2 s for the limiter, beyond the session deadline
    (0.15 s x (2 RCPT + 8) = 1.5 s) though the server answers at once: the wait must not count,
    or every session ends before its first RCPT and the addresses read unknown/timeout."""
    server = farm.server(ip_of(farm, "users"))
    before = server.connections
    out = await probe_domains(None, [target(farm, "users", "alice")],
                              opts_for(farm, timeout=0.15, rate=0.5))
    assert sr(out["alice@users.test"]) == (Status.VALID, Reason.ACCEPTED)
    assert server.connections - before == 1  # one session, closed with RSET and QUIT
    assert server.verbs[-2:] == ["RSET", "QUIT"]


async def test_a_session_never_idles_longer_than_max_idle_for_the_rate(farm: SmtpFarm) -> None:
    """At 2.5 tokens/s the next RCPT is 0.4 s away, beyond max_idle 0.05 s: rather than sit on
    the server's connection, each session asks one address, closes with RSET and QUIT and
    leaves the rest to the next. Every address (and the catch-all test) is asked exactly once
    and read from its own answer, never called a timeout for our pacing."""
    server = farm.server(ip_of(farm, "users"))
    before, first = server.connections, len(server.commands)
    users = ("alice", "ghost", "bob", "nobody")
    out = await probe_domains(None, [target(farm, "users", *users)],
                              opts_for(farm, rate=2.5, max_idle=0.05, session_attempts=1))
    assert [sr(out[f"{u}@users.test"]) for u in users] == [
        (Status.VALID, Reason.ACCEPTED), (Status.INVALID, Reason.MAILBOX_NOT_FOUND),
        (Status.VALID, Reason.ACCEPTED), (Status.INVALID, Reason.MAILBOX_NOT_FOUND)]
    sessions: dict[int, list[str]] = {}
    for conn, verb, _ in server.commands[first:]:
        sessions.setdefault(conn, []).append(verb)
    assert server.connections - before == len(sessions) == len(users) + 1  # + catch-all test
    assert all(v[-3:] == ["RCPT", "RSET", "QUIT"] and v.count("RCPT") == 1
               for v in sessions.values())
    rcpts = [arg for _, verb, arg in server.commands[first:] if verb == "RCPT"]
    assert len(set(rcpts)) == len(rcpts)


async def test_at_a_low_rate_fewer_sessions_open_and_none_idles(farm: SmtpFarm) -> None:
    """At 20 tokens/s with max_idle 0.1 s, 4 sessions sharing the rate would each wait about
    0.2 s between RCPTs and close early; 2 at a time (20 x 0.1) never wait that long, so each
    domain is asked in a single session."""
    names = ("users", "acceptall", "full", "max1")
    before = {n: farm.server(ip_of(farm, n)).connections for n in names}
    out = await probe_domains(None, [target(farm, n, "alice", "bob", "zed") for n in names],
                              opts_for(farm, rate=20.0, max_idle=0.1, session_attempts=1))
    assert sr(out["zed@users.test"]) == (Status.INVALID, Reason.MAILBOX_NOT_FOUND)
    assert sr(out["bob@full.test"]) == (Status.RISKY, Reason.MAILBOX_FULL)
    assert all(o.verdict.status != Status.UNKNOWN for o in out.values())
    assert {n: farm.server(ip_of(farm, n)).connections - before[n] for n in names} == dict.fromkeys(
        names, 1)


async def test_non_ascii_local_part_without_smtputf8_is_skipped(farm: SmtpFarm) -> None:
    server = farm.server(ip_of(farm, "users"))
    before = len(server.commands)
    t = ProbeTarget("users.test", (server.ip,), ("jöel@users.test", "alice@users.test"))
    out = await probe_domains(None, [t], opts_for(farm))
    assert sr(out["jöel@users.test"]) == (Status.UNKNOWN, Reason.SMTP_SKIPPED)
    assert sr(out["alice@users.test"]) == (Status.VALID, Reason.ACCEPTED)
    assert not any("jöel" in c[2] for c in server.commands[before:])


async def test_mx_fallback_in_preference_order(farm: SmtpFarm) -> None:
    # First MX refuses connections (nothing listens there), second greets with 421,
    # third answers: RFC 5321 §5.1 says try them in order.
    t = ProbeTarget("users.test", ("127.0.0.250", ip_of(farm, "down"), ip_of(farm, "users")),
                    ("alice@users.test", "ghost@users.test"))
    out = await probe_domains(None, [t], opts_for(farm))
    assert sr(out["alice@users.test"]) == (Status.VALID, Reason.ACCEPTED)
    assert sr(out["ghost@users.test"]) == (Status.INVALID, Reason.MAILBOX_NOT_FOUND)
    assert out["alice@users.test"].host == ip_of(farm, "users")


async def test_connection_refused_everywhere(farm: SmtpFarm) -> None:
    t = ProbeTarget("nobody.test", ("127.0.0.251", "127.0.0.252"), ("alice@nobody.test",))
    out = await probe_domains(None, [t], opts_for(farm))
    assert sr(out["alice@nobody.test"]) == (Status.UNKNOWN, Reason.NO_CONNECT)


async def test_loopback_mx_refused_without_flag(farm: SmtpFarm) -> None:
    server = farm.server(ip_of(farm, "users"))
    before = server.connections
    t = target(farm, "users", "alice")
    out = await probe_domains(None, [t], opts_for(farm, allow_loopback=False))
    o = out["alice@users.test"]
    assert sr(o) == (Status.UNKNOWN, Reason.NO_CONNECT)
    assert "loopback" in o.verdict.detail
    assert server.connections == before  # never connected


async def test_421_pause_then_success_with_max_connections(farm: SmtpFarm) -> None:
    # The server takes one connection at a time; we allow 3 per host, so some sessions get
    # 421: the domain pauses and retries, and every address still gets its real answer.
    server = farm.server(ip_of(farm, "max1"))
    before_conn, before_ehlo = server.connections, server.verbs.count("EHLO")
    users = ("alice", "bob", "ghost", "carol")
    targets = [ProbeTarget(f"d{i}.max1.test", (server.ip,),
                           tuple(f"{u}@d{i}.max1.test" for u in users)) for i in range(4)]
    opts = opts_for(farm, per_host_concurrency=3, session_attempts=50, domain_pause=0.02)
    out = await probe_domains(None, targets, opts)
    # These mailboxes are unknown to the server: all invalid, none left greylisted.
    assert {sr(o) for o in out.values()} == {(Status.INVALID, Reason.MAILBOX_NOT_FOUND)}
    assert len(out) == 16
    # Some connections were turned away with 421 (they never sent EHLO).
    assert server.connections - before_conn > server.verbs.count("EHLO") - before_ehlo


@pytest.mark.parametrize("per_host", [1, 3])
async def test_many_addresses_limits_and_no_data(per_host: int) -> None:
    """1,000 addresses over 20 domains on 4 MX hosts: no DATA ever, and no MX host ever sees
    more simultaneous connections than --per-host-concurrency."""
    n_domains, per_domain = 20, 50
    domains = [f"load{i}.test" for i in range(n_domains)]
    existing = frozenset(f"u{j}@{d}" for d in domains for j in range(0, per_domain, 3))
    behaviours = [Behaviour(mailboxes=existing, rcpt_delay=0.001) for _ in range(4)]
    with SmtpFarm(behaviours, subnet="127.0.1") as farm:
        targets = [ProbeTarget(d, (farm.servers[i % 4].ip,),
                               tuple(f"u{j}@{d}" for j in range(per_domain)))
                   for i, d in enumerate(domains)]
        opts = opts_for(farm, per_host_concurrency=per_host, max_rcpt_per_session=10)
        done: list[int] = []
        out = await probe_domains(None, targets, opts, progress=done.append)
        assert len(out) == n_domains * per_domain == sum(done)
        for address, o in out.items():
            want = Status.VALID if address in existing else Status.INVALID
            assert o.verdict.status is want, address
        for s in farm.servers:
            assert "DATA" not in s.verbs
            assert set(s.verbs) <= ALLOWED_VERBS
            assert s.max_open <= per_host
        # The limit was under pressure (5 domains per host were ready at once).
        assert max(s.max_open for s in farm.servers) == per_host
        assert sum(s.rcpt_count() for s in farm.servers) == 1000 + n_domains


async def test_greylist_retry_queue_then_retry(tmp_path: Path, farm: SmtpFarm) -> None:
    store = Store(tmp_path / "m.duckdb")
    t = ProbeTarget("grey.test", (ip_of(farm, "grey"),), ("bob@grey.test", "nope@grey.test"))
    # A long delay first: nothing is due, retry probes nothing.
    first = await probe_domains(store, [t], opts_for(farm, greylist_delay=600.0))
    assert {sr(o) for o in first.values()} == {(Status.UNKNOWN, Reason.GREYLISTED)}
    rows = db.get_retries(store, list(t.addresses))
    assert set(rows) == set(t.addresses)
    for o in first.values():
        assert o.retry_at is not None
        assert o.retry_at - o.probed_at >= timedelta(seconds=599)
    assert await retry_due(store, opts_for(farm)) == {}
    # A check of the same input before the retry time does not ask again.
    server = farm.server(ip_of(farm, "grey"))
    before = server.connections
    again = await probe_domains(store, [t], opts_for(farm))
    assert all(o.from_cache for o in again.values()) and server.connections == before
    # Make the items due, then retry: the server now answers for real.
    store.execute("UPDATE retry_queue SET not_before = not_before - INTERVAL 1 DAY")
    later = await retry_due(store, opts_for(farm))
    assert sr(later["bob@grey.test"]) == (Status.VALID, Reason.ACCEPTED)
    assert sr(later["nope@grey.test"]) == (Status.INVALID, Reason.MAILBOX_NOT_FOUND)
    assert db.count_retries(store) == 0
    # The catch-all test reused its local part (a new one would be greylisted forever).
    canary = store.fetchall("SELECT DISTINCT address FROM probes WHERE canary")
    assert len(canary) == 1
    test = db.get_domain_test(store, "grey.test")
    assert test is not None and test[1] == "no"
    # A later check reuses the settled answers without probing.
    before = server.connections
    final = await probe_domains(store, [t], opts_for(farm))
    assert {a: sr(o) for a, o in final.items()} == {a: sr(o) for a, o in later.items()}
    assert all(o.from_cache for o in final.values()) and server.connections == before
    # A new address of the domain later: the recent catch-all decision is reused (no new
    # random RCPT that greylisting would defer), so one retry settles it.
    t2 = ProbeTarget("grey.test", (server.ip,), ("carol@grey.test",))
    first2 = await probe_domains(store, [t2], opts_for(farm))
    assert sr(first2["carol@grey.test"]) == (Status.UNKNOWN, Reason.GREYLISTED)
    later2 = await retry_due(store, opts_for(farm))
    assert sr(later2["carol@grey.test"]) == (Status.VALID, Reason.ACCEPTED)
    assert store.scalar("SELECT count(*) FROM probes WHERE canary") == 2  # run 1 + its retry
    store.close()


async def test_greylist_backoff_doubles_and_gives_up(tmp_path: Path, farm: SmtpFarm) -> None:
    store = Store(tmp_path / "m.duckdb")
    t = ProbeTarget("block-forever.test", (ip_of(farm, "down"),), ("x@block-forever.test",))
    opts = opts_for(farm, greylist_delay=100.0)
    await probe_domains(store, [t], opts)
    r1 = db.get_retries(store, ["x@block-forever.test"])["x@block-forever.test"]
    store.execute("UPDATE retry_queue SET not_before = not_before - INTERVAL 1 DAY")
    await retry_due(store, opts)
    r2 = db.get_retries(store, ["x@block-forever.test"])["x@block-forever.test"]
    assert (r1.attempts, r2.attempts) == (1, 2)
    assert r2.first_deferred_at == r1.first_deferred_at
    # not_before = deferral time + 100 s, then + 200 s (doubling)
    assert timedelta(seconds=99) <= r1.not_before - r1.first_deferred_at <= timedelta(seconds=101)
    assert timedelta(seconds=190) <= r2.not_before - utcnow() <= timedelta(seconds=200)
    # Past the max age, the item leaves the queue and stays unknown/greylisted.
    store.execute("UPDATE retry_queue SET not_before = not_before - INTERVAL 2 DAY, "
                  "first_deferred_at = first_deferred_at - INTERVAL 2 DAY")
    out = await retry_due(store, opts)
    assert sr(out["x@block-forever.test"]) == (Status.UNKNOWN, Reason.GREYLISTED)
    assert db.count_retries(store) == 0
    store.close()


def test_retry_cli(tmp_path: Path, farm: SmtpFarm) -> None:
    dbfile = tmp_path / "cli.duckdb"
    store = Store(dbfile)
    t = ProbeTarget("grey.test", (ip_of(farm, "grey"),), ("dave@grey.test",))
    first = asyncio.run(probe_domains(store, [t], opts_for(farm)))
    assert sr(first["dave@grey.test"]) == (Status.UNKNOWN, Reason.GREYLISTED)
    store.close()
    args = ["retry", "--db", str(dbfile), "--helo", "probe.mailhygiene.test",
            "--mail-from", "probe@mailhygiene.test", "--smtp-port", str(farm.port),
            "--allow-loopback", "--rate", "1000/s", "--json"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    assert summary == {"probed": 1, "by_status_reason": {"valid/accepted": 1}, "queued": 0}
    assert "dave" not in res.output
    # Missing --helo is a usage error, not a default.
    res = CliRunner().invoke(main, ["retry", "--db", str(dbfile), "--mail-from", "a@b.test"])
    assert res.exit_code == 2


@pytest.mark.parametrize(("kw", "msg"), [
    pytest.param({"helo": ""}, "--helo", id="empty-helo"),
    pytest.param({"helo": "localhost"}, "--helo", id="unqualified-helo"),
    pytest.param({"mail_from": ""}, "--mail-from", id="empty-mail-from"),
    pytest.param({"mail_from": "nobody"}, "--mail-from", id="no-at"),
    pytest.param({"per_host_concurrency": 0}, "per_host", id="zero-per-host"),
    pytest.param({"rate": 0.0}, "rate", id="zero-rate"),
    pytest.param({"max_idle": 0.0}, "max_idle", id="zero-max-idle"),
])
def test_options_are_required_and_checked(kw: dict[str, object], msg: str) -> None:
    base: dict[str, object] = {"helo": "probe.example.org", "mail_from": "probe@example.org"}
    base.update(kw)
    with pytest.raises(ConfigError, match=msg):
        SmtpOptions(**base)  # type: ignore[arg-type]


async def test_end_to_end_through_local_dns(tmp_path: Path, farm: SmtpFarm) -> None:
    """MX records served by a real unbound on 127.0.0.1 -> the MX stage -> the prober: the
    first MX (lower preference value) has nobody listening, so the second one answers."""
    records = [
        ("e2e-users.test", "MX", "10 mx1.e2e.test"),
        ("e2e-users.test", "MX", "20 mx2.e2e.test"),
        ("mx1.e2e.test", "A", "127.0.0.253"),
        ("mx2.e2e.test", "A", ip_of(farm, "users")),
        ("e2e-all.test", "MX", "10 mx3.e2e.test"),
        ("mx3.e2e.test", "A", ip_of(farm, "acceptall")),
    ]
    store = Store(tmp_path / "e2e.duckdb")
    with LocalDns(records) as ns:
        dns_results, _ = await check_domains(
            store, ["e2e-users.test", "e2e-all.test", "nowhere.test"],
            DnsOptions(nameservers=(ns,), allow_loopback=True, timeout=2.0))
    mx = {d: r.mx_addresses for d, r in dns_results.items()}
    assert mx["e2e-users.test"] == ("127.0.0.253", ip_of(farm, "users"))
    addresses = ["alice@e2e-users.test", "ghost@e2e-users.test", "x@e2e-all.test",
                 "y@nowhere.test"]
    targets = targets_for(addresses, mx)
    assert {t.domain for t in targets} == {"e2e-users.test", "e2e-all.test"}
    out = await probe_domains(store, targets, opts_for(farm))
    # The farm's "users" server knows alice@users.test, not e2e-users.test: both unknown.
    assert sr(out["alice@e2e-users.test"]) == (Status.INVALID, Reason.MAILBOX_NOT_FOUND)
    assert sr(out["ghost@e2e-users.test"]) == (Status.INVALID, Reason.MAILBOX_NOT_FOUND)
    assert sr(out["x@e2e-all.test"]) == (Status.CATCH_ALL, Reason.ACCEPT_ALL)
    assert out["ghost@e2e-users.test"].host == ip_of(farm, "users")
    n = store.scalar("SELECT count(*) FROM probes WHERE NOT canary")
    assert n == 3
    store.close()


def test_targets_for_groups_by_ascii_domain() -> None:
    ts = targets_for(["a@Ex.test", "b@ex.test", "a@Ex.test", "c@none.test", "d@empty.test"],
                     {"ex.test": ("127.0.0.9",), "empty.test": ()})
    assert ts == [ProbeTarget("ex.test", ("127.0.0.9",), ("a@Ex.test", "b@ex.test"))]
