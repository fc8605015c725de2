"""History decides verdicts (DESIGN.md, issue 5): pure table tests, then the DuckDB join."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mailhygiene.history import (
    HistoryEvent,
    HistorySummary,
    apply_history,
    decide_history,
    history_summary,
)
from mailhygiene.normalize import dedup_key
from mailhygiene.store import Store
from mailhygiene.store.bounces import import_paths
from mailhygiene.types import Evidence, Flag, Reason, Status, Verdict

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "bounces"
T0 = datetime(2026, 1, 1, 12, 0)
SKIPPED = Verdict(Status.UNKNOWN, Reason.SMTP_SKIPPED, Evidence.DNS, frozenset({Flag.FREE}))
DNS_INVALID = Verdict(Status.INVALID, Reason.DOMAIN_NOT_FOUND, Evidence.DNS)


def ev(reason: str, day: int | None = 0, *, hard: bool | None = None,
       status: str = "", action: str = "") -> HistoryEvent:
    if hard is None:
        hard = reason in ("userunknown", "hostunknown", "hasmoved", "notaccept")
    return HistoryEvent(reason=reason, hard=hard, status=status, action=action,
                        event_time=None if day is None else T0 + timedelta(days=day))


# What an ESP's own lists say (bounces/esp.py): SendGrid "Bounced Address" / Mailgun
# suppress-bounce, SendGrid "Unsubscribed Address", a Mailchimp cleaned row.
def esp_bounced(day: int = 0) -> HistoryEvent:
    return ev("suppressed", day, hard=True, status="5.0.0", action="failed")


def esp_opt_out(day: int = 0) -> HistoryEvent:
    return ev("suppressed", day, status="5.0.0", action="unsubscribed")


def cleaned(day: int = 0) -> HistoryEvent:
    return ev("suppressed", day, action="cleaned")


@pytest.mark.parametrize(
    ("events", "current", "want"),
    [
        pytest.param([ev("userunknown", status="5.1.1")], SKIPPED,
                     (Status.INVALID, Reason.HARD_BOUNCED), id="one-hard-bounce"),
        pytest.param([ev("hostunknown", status="5.1.2")], SKIPPED,
                     (Status.INVALID, Reason.HARD_BOUNCED), id="5.1.2"),
        pytest.param([ev("hasmoved", status="5.1.6")], SKIPPED,
                     (Status.INVALID, Reason.HARD_BOUNCED), id="5.1.6"),
        pytest.param([ev("notaccept", status="5.1.10")], SKIPPED,
                     (Status.INVALID, Reason.HARD_BOUNCED), id="null-mx-5.1.10"),
        pytest.param([ev("userunknown", status="4.1.1", hard=True)], SKIPPED, None,
                     id="4.x.x-never-final"),
        pytest.param([ev("userunknown", status="5.1.1", hard=False)], SKIPPED, None,
                     id="parser-said-soft"),
        pytest.param([ev("blocked", status="5.7.1"), ev("spamdetected", 40),
                      ev("rejected", 80)], SKIPPED, None, id="sender-side-ignored"),
        pytest.param([ev("norelaying"), ev("policyviolation", 50), ev("authfailure", 90)],
                     SKIPPED, None, id="policy-ignored"),
        pytest.param([ev("mailboxfull", 0), ev("mailboxfull", 45)], SKIPPED,
                     (Status.RISKY, Reason.SOFT_BOUNCED), id="soft-over-30-days"),
        pytest.param([ev("mailboxfull", 0), ev("mailboxfull", 10)], SKIPPED, None,
                     id="soft-within-30-days"),
        pytest.param([ev("mailboxfull", 0)], SKIPPED, None, id="single-soft"),
        pytest.param([ev("expired", 0), ev("delivered", 20), ev("mailboxfull", 45)], SKIPPED,
                     (Status.VALID, Reason.DELIVERED), id="delivered-clears-earlier-soft"),
        pytest.param([ev("mailboxfull", 0), ev("mailboxfull", 45), ev("delivered", 50)],
                     SKIPPED, (Status.VALID, Reason.DELIVERED), id="later-delivery-wins"),
        pytest.param([ev("delivered", 0)], SKIPPED, (Status.VALID, Reason.DELIVERED),
                     id="delivered"),
        pytest.param([ev("vacation", 0)], SKIPPED, (Status.VALID, Reason.DELIVERED),
                     id="vacation-proves-mailbox"),
        pytest.param([ev("delivered", 0)], DNS_INVALID, None, id="past-delivery-dead-domain"),
        pytest.param([ev("delivered", 0), ev("userunknown", 30, status="5.1.1")], SKIPPED,
                     (Status.INVALID, Reason.HARD_BOUNCED), id="hard-after-delivered"),
        pytest.param([ev("userunknown", 0, status="5.1.1"), ev("delivered", 30)], SKIPPED,
                     (Status.VALID, Reason.DELIVERED), id="delivered-after-hard"),
        pytest.param([ev("userunknown", 0, status="5.1.1"), ev("feedback", 5)], SKIPPED,
                     (Status.DO_NOT_MAIL, Reason.COMPLAINED), id="complaint-wins"),
        pytest.param([ev("feedback", None)], SKIPPED,
                     (Status.DO_NOT_MAIL, Reason.COMPLAINED), id="complaint-no-date"),
        pytest.param([ev("mailboxfull", None), ev("mailboxfull", None)], SKIPPED, None,
                     id="undated-soft-cannot-span-30-days"),
        pytest.param([], SKIPPED, None, id="no-events"),
        pytest.param([esp_bounced()], SKIPPED, (Status.INVALID, Reason.HARD_BOUNCED),
                     id="esp-bounce-list"),
        pytest.param([esp_bounced(0), ev("delivered", 30)], SKIPPED,
                     (Status.VALID, Reason.DELIVERED), id="delivered-after-esp-bounce-list"),
        pytest.param([esp_opt_out()], SKIPPED, (Status.DO_NOT_MAIL, Reason.SUPPRESSED),
                     id="esp-opt-out"),
        pytest.param([esp_opt_out(0), ev("delivered", 30)], SKIPPED,
                     (Status.DO_NOT_MAIL, Reason.SUPPRESSED), id="opt-out-outlives-delivery"),
        pytest.param([esp_opt_out()], DNS_INVALID, None, id="opt-out-never-over-invalid"),
        pytest.param([cleaned()], SKIPPED, (Status.RISKY, Reason.SOFT_BOUNCED),
                     id="cleaned-once"),
        pytest.param([cleaned(None)], SKIPPED, (Status.RISKY, Reason.SOFT_BOUNCED),
                     id="cleaned-no-date"),
        pytest.param([ev("delivered", 0), cleaned(30)], SKIPPED,
                     (Status.RISKY, Reason.SOFT_BOUNCED), id="cleaned-after-delivery"),
        pytest.param([cleaned()], DNS_INVALID, None, id="cleaned-never-over-invalid"),
        pytest.param([cleaned(0), ev("delivered", 30)], SKIPPED,
                     (Status.VALID, Reason.DELIVERED), id="delivered-after-cleaned"),
        pytest.param([cleaned(0), ev("userunknown", 5, status="5.1.1")], SKIPPED,
                     (Status.INVALID, Reason.HARD_BOUNCED), id="hard-beats-cleaned"),
        pytest.param([ev("suppressed", 0, action="failed")], SKIPPED, None,
                     id="list-of-unknown-cause-is-one-soft-event"),
    ],
)
def test_decide_history(events: list[HistoryEvent], current: Verdict,
                        want: tuple[Status, Reason] | None) -> None:
    got = decide_history(events, current)
    if want is None:
        assert got is None
    else:
        assert got is not None
        assert (got.status, got.reason, got.evidence) == (*want, Evidence.HISTORY)
        assert got.flags == current.flags and got.detail


def _contacts(store: Store, rows: list[tuple[int, str, bool, str]]) -> None:
    store.executemany(
        "INSERT INTO contacts (base_id, row_no, raw, address, key, domain, syntax_ok, status, "
        "reason, evidence, flags, detail) VALUES (7, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '')",
        [(n, raw, raw if ok else None, dedup_key(raw), raw.rpartition("@")[2].lower(), ok,
          status, "smtp_skipped" if status == "unknown" else "duplicate_of"
          if status == "duplicate" else "syntax_error", "dns" if ok else "syntax")
         for n, raw, ok, status in rows])


def test_apply_history_updates_matching_contacts(tmp_path: Path) -> None:
    with Store(tmp_path / "h.duckdb") as store:
        _contacts(store, [
            (1, "Ghost@Example.org", True, "unknown"),      # hard bounce (key match, any case)
            (2, "bob@blocked.example", True, "unknown"),    # policy block: unchanged
            (3, "alice@example.com", True, "unknown"),      # delivered
            (4, "ghost@example.org", True, "duplicate"),    # duplicates are left alone
            (5, "nobody@elsewhere.example", True, "unknown"),
            (6, "someone@nxdomain.example", False, "invalid"),  # syntax-invalid rows skipped
        ])
        stats = import_paths(store, [FIX / "postfix-maillog.log", FIX / "postfix-dsn.mbox"],
                             base_name="campaign-nov")
        assert stats.files == 2 and stats.new_events == stats.events == 9
        assert apply_history(store, 7) == 2
        got = dict((r[0], r[1:]) for r in store.fetchall(
            "SELECT row_no, status, reason, evidence FROM contacts ORDER BY row_no"))
        assert got[1] == ("invalid", "hard_bounced", "history")
        assert got[2] == ("unknown", "smtp_skipped", "dns")
        assert got[3] == ("valid", "delivered", "history")
        assert got[4][0] == "duplicate" and got[5][0] == "unknown" and got[6][0] == "invalid"
        detail = store.scalar("SELECT detail FROM contacts WHERE row_no = 1")
        assert "5.1.1" in detail and "userunknown" in detail
        # Without history only row 6 (syntax) is invalid; row 1 became invalid from history.
        assert history_summary(store, 7) == HistorySummary(2, 1)
        # Applying again changes nothing and keeps the pre-history verdicts.
        assert apply_history(store, 7) == 2
        assert history_summary(store, 7) == HistorySummary(2, 1)
        assert store.fetchone("SELECT prev_status, prev_reason, status FROM history_changes "
                              "WHERE row_no = 1") == ("unknown", "smtp_skipped", "invalid")


def test_apply_history_runs_inside_the_callers_transaction(tmp_path: Path) -> None:
    with Store(tmp_path / "h.duckdb") as store:
        _contacts(store, [(1, "ghost@example.org", True, "unknown")])
        import_paths(store, [FIX / "postfix-maillog.log"])
        with store.transaction():
            assert apply_history(store, 7) == 1
        assert store.scalar("SELECT reason FROM contacts") == "hard_bounced"


def test_apply_history_without_bounces_is_a_no_op(tmp_path: Path) -> None:
    with Store(tmp_path / "h.duckdb") as store:
        _contacts(store, [(1, "a@example.com", True, "unknown")])
        assert apply_history(store, 7) == 0
        assert store.scalar("SELECT status FROM contacts") == "unknown"


def test_a_lifted_opt_out_alone_is_a_trace_not_a_history_verdict(tmp_path: Path) -> None:
    """A group opt-out taken back later, and nothing else: the row keeps its verdict, gains
    the trace after its detail, and is not counted among the verdicts history decided."""
    sg = {"email": "back@example.com", "timestamp": 1763630300, "event": "group_unsubscribe",
          "asm_group_id": 10, "sg_event_id": "a", "sg_message_id": "m.1"}
    events = tmp_path / "sendgrid.json"
    events.write_text(json.dumps([sg, sg | {"event": "group_resubscribe", "sg_event_id": "b",
                                            "timestamp": 1763630300 + 86400}]))
    with Store(tmp_path / "h.duckdb") as store:
        _contacts(store, [(1, "back@example.com", True, "unknown")])
        store.execute("UPDATE contacts SET detail = 'MX mx.example.com'")
        import_paths(store, [events])
        assert apply_history(store, 7) == 0
        assert store.fetchone("SELECT status, reason, evidence, detail FROM contacts") == (
            "unknown", "smtp_skipped", "dns", "MX mx.example.com; opt-out of unsubscribe "
            "group 10 on 2025-11-20 taken back on 2025-11-21")
        assert history_summary(store, 7) == HistorySummary(0, 0)


def test_a_lifted_opt_out_trace_outlives_later_stages_and_is_shown(tmp_path: Path) -> None:
    """Enrichment (a typo's suggestion) and a suppression list run after history in the same
    check and replaced the row's detail, erasing the trace; and the report's details table
    left out syntax-level rows, whose trace is their only detail. The trace stays, after the
    later stage's detail, and the report shows it for each row."""
    from click.testing import CliRunner

    from mailhygiene.cli import main
    from mailhygiene.history_detail import split_lifted

    people = ("back@gmial.com", "sup@example.com", "plain@example.com")
    sg = [{"email": a, "timestamp": 1763630300 + d, "event": e, "asm_group_id": 10,
           "sg_event_id": f"{a}{e}", "sg_message_id": "m.1"}
          for a in people for d, e in ((0, "group_unsubscribe"), (86400, "group_resubscribe"))]
    events, src, stop = tmp_path / "sendgrid.json", tmp_path / "in.csv", tmp_path / "stop.txt"
    events.write_text(json.dumps(sg))
    src.write_text("email\n" + "\n".join(people) + "\n")
    stop.write_text("sup@example.com\n")
    db, html = str(tmp_path / "s.duckdb"), tmp_path / "r.html"
    runner = CliRunner()
    r = runner.invoke(main, ["suppress", "import", str(stop), "--list", "stop", "--db", db])
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["check", str(src), "--level", "syntax", "--bounces", str(events),
                             "--db", db, "--html", str(html)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    trace = "opt-out of unsubscribe group 10 on 2025-11-20 taken back on 2025-11-21"
    with Store(Path(db)) as store:
        got = dict(store.fetchall("SELECT address, detail FROM contacts"))
    assert got == {"back@gmial.com": f"did you mean gmail.com; {trace}",
                   "sup@example.com": f"suppression list: stop; {trace}",
                   "plain@example.com": trace}
    assert all(split_lifted(d)[1] is not None for d in got.values())
    page = html.read_text(encoding="utf-8")
    shown = "opted out of unsubscribe group 10 on 20 November 2025, taken back on 21 November 2025"
    assert page.count(shown) == 3
    assert 'data-suggestion="gmail.com"' in page
    # the suggestion is a provider of the tool's list: named in full even where one row
    # shares the detail (it read "did you mean g***.com"); the row's own domain stays masked
    assert f"did you mean gmail.com; {shown}" in page
    assert "gmial.com" not in page
