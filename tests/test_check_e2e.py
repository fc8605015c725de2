"""`mailhygiene check` end to end against real servers on loopback: unbound for DNS, the
aiosmtpd farm for SMTP. Domains are under .example (email-validator refuses .test)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailhygiene.cli import main
from mailhygiene.devtools.smtpfarm import Behaviour, SmtpFarm
from mailhygiene.devtools.unbound import LocalDns
from mailhygiene.store import Store

pytestmark = pytest.mark.network

USERS = frozenset({"alice@users.example", "bob@users.example", "carol@grey.example"})
FARM = [
    Behaviour(name="mx.users.example", mailboxes=USERS),
    Behaviour(name="mx.all.example"),
    Behaviour(name="mx.grey.example", mailboxes=USERS, greylist=True),
    Behaviour(name="mx.block.example", block=True),
]
# address -> (status, reason) expected at level mx, then at level smtp
CASES = {
    "alice@users.example": (("unknown", "smtp_skipped"), ("valid", "accepted")),
    "zed@users.example": (("unknown", "smtp_skipped"), ("invalid", "mailbox_not_found")),
    "any@all.example": (("unknown", "smtp_skipped"), ("catch_all", "accept_all")),
    "carol@grey.example": (("unknown", "smtp_skipped"), ("unknown", "greylisted")),
    "dan@block.example": (("unknown", "smtp_skipped"), ("unknown", "blocked")),
    "x@nx.example": (("invalid", "domain_not_found"),) * 2,
    "y@nullmx.example": (("invalid", "null_mx"),) * 2,
    "z@nomail.example": (("invalid", "no_mail_host"),) * 2,
    "w@private.example": (("invalid", "no_mail_host"),) * 2,
    "v@servfail.example": (("unknown", "dns_error"),) * 2,
    "u@timeout.example": (("unknown", "timeout"),) * 2,
    "not-an-address": (("invalid", "syntax_missing_at"),) * 2,
    # no SMTP server behind these: probing gives no_connect, never invalid
    "a@aonly.example": (("unknown", "smtp_skipped"), ("unknown", "no_connect")),
    "b@aaaaonly.example": (("unknown", "smtp_skipped"), ("unknown", "no_connect")),
    "c@multi.example": (("unknown", "smtp_skipped"), ("unknown", "no_connect")),
    "d@café.example": (("unknown", "smtp_skipped"), ("unknown", "no_connect")),
    "e@noaddr.example": (("invalid", "no_mail_host"),) * 2,
}
FLAGS = {"a@aonly.example": "mx_fallback", "b@aaaaonly.example": "mx_fallback",
         "d@café.example": "idn"}


@pytest.fixture(scope="module")
def farm() -> Iterator[SmtpFarm]:
    with SmtpFarm(FARM, first_ip=60) as f:
        yield f


@pytest.fixture(scope="module")
def dns(farm: SmtpFarm) -> Iterator[LocalDns]:
    records = []
    for b, ip in zip(FARM, farm.ips, strict=True):
        domain = b.name.removeprefix("mx.")
        records += [(domain, "MX", f"10 {b.name}."), (b.name, "A", ip)]
    records += [("nullmx.example", "MX", "0 ."), ("nomail.example", "TXT", '"v=spf1 -all"'),
                ("private.example", "MX", "10 mx.private.example."),
                ("mx.private.example", "A", "10.1.2.3"),
                ("aonly.example", "A", "127.0.0.99"), ("aaaaonly.example", "AAAA", "::1"),
                # priorities listed out of order; the best one has no address
                ("multi.example", "MX", "30 mx3.multi.example."),
                ("multi.example", "MX", "10 mx1.multi.example."),
                ("multi.example", "MX", "20 mx2.multi.example."),
                ("mx2.multi.example", "A", "127.0.0.98"),
                ("xn--caf-dma.example", "MX", "10 mx.xn--caf-dma.example."),
                ("mx.xn--caf-dma.example", "A", "127.0.0.97"),
                ("noaddr.example", "MX", "10 ghost.noaddr.example.")]
    server = LocalDns(records, servfail_zones=("servfail.example",),
                      timeout_zones=("timeout.example",))
    server.start()
    yield server
    server.stop()


def write_base(path: Path) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "email"])
        for i, address in enumerate(CASES):
            w.writerow([f"contact {i}", address])


def check(tmp_path: Path, dns: LocalDns,
          *extra: str) -> tuple[dict[str, object], list[dict[str, str]]]:
    src = tmp_path / "base.csv"
    if not src.exists():
        write_base(src)
    out = tmp_path / "out.csv"
    r = CliRunner().invoke(main, [
        "check", str(src), "-o", str(out), "--json", "--db", str(tmp_path / "s.duckdb"),
        "--nameserver", dns.address, "--allow-loopback", "--dns-timeout", "1", *extra])
    assert r.exit_code == 0, r.output
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    return json.loads(r.output), rows


def test_mx_level_end_to_end(tmp_path: Path, dns: LocalDns) -> None:
    summary, rows = check(tmp_path, dns, "--level", "mx")
    got = {r["email"]: (r["mh_status"], r["mh_reason"]) for r in rows}
    assert got == {a: exp[0] for a, exp in CASES.items()}
    for address, flag in FLAGS.items():
        assert flag in next(r for r in rows if r["email"] == address)["mh_flags"].split(",")
    assert summary["domains"] == 15
    assert summary["dns_queries"] > 0
    # A second run within the TTL asks nothing again for answered domains; only transient
    # failures (never cached as final) are asked again.
    summary2, rows2 = check(tmp_path, dns, "--level", "mx")
    assert rows2 == rows
    assert 0 < summary2["dns_queries"] < summary["dns_queries"]


def test_without_allow_loopback_loopback_mx_is_not_a_mail_host(tmp_path: Path,
                                                               dns: LocalDns) -> None:
    src = tmp_path / "b.csv"
    src.write_text("email\nalice@users.example\n")
    r = CliRunner().invoke(main, ["check", str(src), "--json", "--db",
                                  str(tmp_path / "s.duckdb"), "--nameserver", dns.address])
    assert json.loads(r.output)["by_reason"] == {"no_mail_host": 1}


def test_smtp_level_end_to_end(tmp_path: Path, dns: LocalDns, farm: SmtpFarm) -> None:
    farm.reset_counters()
    summary, rows = check(tmp_path, dns, "--level", "smtp", "--helo", "probe.mailhygiene.example",
                          "--mail-from", "probe@mailhygiene.example", "--smtp-port",
                          str(farm.port), "--rate", "1000/s", "--greylist-delay", "0")
    got = {r["email"]: (r["mh_status"], r["mh_reason"]) for r in rows}
    assert got == {a: exp[1] for a, exp in CASES.items()}
    assert summary["by_evidence"]["smtp"] >= 4
    assert "DATA" not in farm.all_verbs()
    valid = next(r for r in rows if r["email"] == "alice@users.example")
    assert valid["mh_evidence"] == "smtp"


def test_smtp_answers_are_reused_unless_refreshed(tmp_path: Path, dns: LocalDns,
                                                  farm: SmtpFarm) -> None:
    """A second check reuses the stored SMTP answers (no connection); --refresh-smtp asks
    every address again (there was no way to, for 30 days), greylisted ones not yet due
    excepted, and gives the same verdicts."""
    args = ("--level", "smtp", "--helo", "probe.mailhygiene.example", "--mail-from",
            "probe@mailhygiene.example", "--smtp-port", str(farm.port), "--rate", "1000/s")
    first, rows = check(tmp_path, dns, *args)
    farm.reset_counters()
    again, rows2 = check(tmp_path, dns, *args)
    assert rows2 == rows and again["smtp_probed"] == 0
    assert again["smtp_from_cache"] == first["smtp_probed"] > 0
    assert sum(s.connections for s in farm.servers) == 0
    fresh, rows3 = check(tmp_path, dns, *args, "--refresh-smtp")
    assert rows3 == rows
    greylisted = sum(1 for r in rows if r["mh_reason"] == "greylisted")
    assert fresh["smtp_probed"] == first["smtp_probed"] - greylisted > 0
    assert fresh["smtp_from_cache"] == greylisted
    assert sum(s.rcpt_count() for s in farm.servers) > 0
    assert "DATA" not in farm.all_verbs()


def test_smtp_timeout_option(tmp_path: Path) -> None:
    """check's --smtp-timeout is the wait for each SMTP reply (retry had it, check did not):
    a server taking 0.5 s per RCPT reply is asked within 2 s, and given up on within 0.2 s
    (unknown/timeout, never invalid)."""
    slow = Behaviour(name="mx.slow.example", mailboxes=frozenset({"ann@slow.example"}),
                     rcpt_delay=0.5)
    with SmtpFarm([slow], first_ip=80) as farm:
        server = LocalDns([("slow.example", "MX", "10 mx.slow.example."),
                           ("mx.slow.example", "A", farm.ips[0])])
        server.start()
        try:
            src = tmp_path / "slow.csv"
            src.write_text("email\nann@slow.example\n")
            got = {}
            for name, timeout in (("patient", "2"), ("hasty", "0.2")):
                r = CliRunner().invoke(main, [
                    "check", str(src), "--json", "--db", str(tmp_path / f"{name}.duckdb"),
                    "--nameserver", server.address, "--allow-loopback", "--level", "smtp",
                    "--helo", "probe.mailhygiene.example", "--mail-from",
                    "probe@mailhygiene.example", "--smtp-port", str(farm.port),
                    "--rate", "1000/s", "--smtp-timeout", timeout])
                assert r.exit_code == 0, r.output
                got[name] = json.loads(r.output)["by_status_reason"]
        finally:
            server.stop()
    assert got["patient"] == {"valid/accepted": 1}
    assert got["hasty"] == {"unknown/timeout": 1}


def test_server_stops_answering_mid_run_never_invalid(tmp_path: Path) -> None:
    """unbound paused (SIGSTOP) during a run: every affected domain ends unknown, none invalid."""
    import threading

    domains = [f"d{i}.example" for i in range(200)]
    records = [(d, "MX", "10 mx.shared.example.") for d in domains]
    records.append(("mx.shared.example", "A", "127.0.0.70"))
    src = tmp_path / "many.csv"
    src.write_text("email\n" + "\n".join(f"user@{d}" for d in domains) + "\n")
    dns = LocalDns(records)
    dns.start()
    try:
        timer = threading.Timer(0.02, dns.pause)
        timer.start()
        r = CliRunner().invoke(main, [
            "check", str(src), "--json", "--db", str(tmp_path / "s.duckdb"), "--nameserver",
            dns.address, "--allow-loopback", "--dns-timeout", "0.3", "--dns-concurrency", "50"])
        timer.join()
    finally:
        dns.resume()
        dns.stop()
    s = json.loads(r.output)
    assert s["rows"] == 200
    assert s["by_status"].get("invalid", 0) == 0
    assert s["by_reason"].get("timeout", 0) > 0


def test_a_lower_level_again_leaves_no_detail_of_the_earlier_run(tmp_path: Path,
                                                                 dns: LocalDns) -> None:
    """The same file checked at the mx level, then at the syntax level (its import reused):
    the rows' statuses went back to the syntax stage's, but their details stayed the DNS
    stage's ("NXDOMAIN" on an unknown/syntax_ok row)."""
    check(tmp_path, dns, "--level", "mx")
    summary, _ = check(tmp_path, dns, "--level", "syntax")
    assert summary["reused_import"]
    with Store(tmp_path / "s.duckdb") as store:
        stale = store.fetchall(
            "SELECT raw, detail FROM contacts WHERE base_id = 1 AND evidence = 'syntax' "
            "AND syntax_ok AND coalesce(detail, '') <> ''")
    assert stale == []
