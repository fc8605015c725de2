"""Opt-outs at the ESP and what they are about: SendGrid's `group_unsubscribe` (asm_group_id) is
an opt-out of one unsubscribe group, kept do_not_mail/suppressed with the group named in the
detail; `unsubscribe` (and every other opt-out) is about every mail of the sender."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mailhygiene.bounces import parse_bytes
from mailhygiene.cli import main
from mailhygiene.history import HistoryEvent, decide_history
from mailhygiene.history_detail import split_lifted
from mailhygiene.store import Store
from mailhygiene.store.bounces import BOUNCES_DDL
from mailhygiene.types import Evidence, Reason, Status, Verdict

T0 = datetime(2026, 1, 1, 12, 0)
SKIPPED = Verdict(Status.UNKNOWN, Reason.SMTP_SKIPPED, Evidence.DNS)
DNS_INVALID = Verdict(Status.INVALID, Reason.DOMAIN_NOT_FOUND, Evidence.DNS)


def opt_out(day: int | None, scope: str = "") -> HistoryEvent:
    return HistoryEvent(reason="suppressed", hard=False, action="unsubscribed", scope=scope,
                        event_time=None if day is None else T0 + timedelta(days=day))


# A SendGrid Event Webhook post (Twilio SendGrid "Event Webhook Reference": group_unsubscribe
# carries the asm_group_id of the unsubscribe group the recipient left).
SG = {"email": "x@example.com", "timestamp": 1763630300, "event": "group_unsubscribe",
      "sg_event_id": "sZROwMGMagFgnOEmSdvhig==", "sg_message_id": "14c5d75ce93.dfd.0",
      "useragent": "Mozilla/5.0", "ip": "192.0.2.55", "url": "https://www.example.net/prefs",
      "asm_group_id": 10}


@pytest.mark.parametrize(("changes", "scope"), [
    pytest.param({}, "group:10", id="group-number"),
    pytest.param({"asm_group_id": "42"}, "group:42", id="group-as-text"),
    pytest.param({"asm_group_id": "007"}, "group:7", id="leading-zeros"),
    pytest.param({"asm_group_id": None}, "", id="no-group-read-as-every-mail"),
    pytest.param({"asm_group_id": "news"}, "", id="not-a-group-number"),
    pytest.param({"asm_group_id": True}, "", id="boolean"),
    pytest.param({"asm_group_id": -3}, "", id="negative"),
    pytest.param({"event": "unsubscribe"}, "", id="unsubscribe-is-every-mail"),
])
def test_sendgrid_opt_out_scope(changes: dict[str, Any], scope: str) -> None:
    (ev,) = parse_bytes(json.dumps([SG | changes]).encode(), "events.json", "sendgrid")
    assert (ev.reason, ev.action, ev.scope) == ("suppressed", "unsubscribed", scope)


@pytest.mark.parametrize(("events", "detail"), [
    pytest.param([opt_out(0)], "opted out (the sending service's list) on 2026-01-01",
                 id="every-mail"),
    pytest.param([opt_out(0, "group:10")],
                 "opted out of unsubscribe group 10 (the sending service's list) on 2026-01-01",
                 id="one-group"),
    pytest.param([opt_out(0, "group:12"), opt_out(5, "group:9"), opt_out(6, "group:12")],
                 "opted out of unsubscribe groups 9, 12 (the sending service's list) on "
                 "2026-01-01", id="two-groups"),
    # The day is the first record's that states the opt-out (later ones repeat it), the
    # first with a known time: an undated record may be earlier or later.
    pytest.param([opt_out(0), opt_out(5), opt_out(9)],
                 "opted out (the sending service's list) on 2026-01-01",
                 id="repeated-opt-out-keeps-its-first-day"),
    pytest.param([opt_out(None), opt_out(3), opt_out(7)],
                 "opted out (the sending service's list) on 2026-01-04",
                 id="first-known-day"),
    pytest.param([opt_out(None, "group:10"), opt_out(3, "group:10"), opt_out(7, "group:10")],
                 "opted out of unsubscribe group 10 (the sending service's list) on "
                 "2026-01-04", id="first-known-day-of-a-group"),
    pytest.param([opt_out(0), opt_out(5, "group:10")],
                 "opted out (the sending service's list) on 2026-01-01",
                 id="every-mail-covers-the-group"),
    pytest.param([opt_out(None, "group:3")],
                 "opted out of unsubscribe group 3 (the sending service's list) on unknown "
                 "date", id="no-date"),
    pytest.param([opt_out(2, "tag:news")],
                 "opted out (the sending service's list) on 2026-01-03",
                 id="unknown-scope-read-as-every-mail"),
])
def test_group_opt_outs_are_named_in_the_detail(events: list[HistoryEvent],
                                                detail: str) -> None:
    v = decide_history(events, SKIPPED)
    assert v is not None
    assert (v.status, v.reason, v.detail) == (Status.DO_NOT_MAIL, Reason.SUPPRESSED, detail)


def test_a_group_opt_out_is_never_over_invalid() -> None:
    assert decide_history([opt_out(0, "group:10")], DNS_INVALID) is None


def _check(tmp_path: Path, events: list[dict[str, Any]], addresses: list[str],
           *extra: str) -> list[tuple[str, str, str, str]]:
    """Check `addresses` with `events` as bounce history (none: no --bounces)."""
    (tmp_path / "webhook.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    (tmp_path / "list.csv").write_text("email\n" + "\n".join(addresses) + "\n")
    db = tmp_path / "s.duckdb"
    bounces = ["--bounces", str(tmp_path / "webhook.jsonl")] if events else []
    r = CliRunner().invoke(main, ["check", str(tmp_path / "list.csv"), "--level", "syntax",
                                  "--db", str(db), "--no-progress", *bounces, *extra])
    assert r.exit_code == 0, r.output
    with Store(db) as store:
        return store.fetchall("SELECT raw, status, reason, detail FROM contacts "
                              "ORDER BY row_no")


def test_check_names_the_unsubscribe_group(tmp_path: Path) -> None:
    got = _check(tmp_path, [SG | {"email": "group@example.com"},
                            SG | {"email": "all@example.com", "event": "unsubscribe"}],
                 ["group@example.com", "all@example.com"])
    assert got == [
        ("group@example.com", "do_not_mail", "suppressed",
         "opted out of unsubscribe group 10 (the sending service's list) on 2025-11-20"),
        ("all@example.com", "do_not_mail", "suppressed",
         "opted out (the sending service's list) on 2025-11-20")]


@pytest.mark.parametrize("with_bounces", [True, False])
def test_a_store_written_before_scopes_reads_its_opt_outs_as_every_mail(
        tmp_path: Path, with_bounces: bool) -> None:
    """A store whose `bounces` table has no scope column gets one on the next check; its
    group opt-outs, stored without their group, read as opt-outs of every mail until
    `bounces import --restart` reads their files again."""
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.execute(BOUNCES_DDL[0])  # the table as the first version made it
        store.execute(
            "INSERT INTO bounces (address, key, event_time, reason, hard, action, diagnostic, "
            "source_sha256, message_no, recipient_index) VALUES ('old@example.com', "
            "'old@example.com', TIMESTAMP '2025-01-02 03:04:05', 'suppressed', false, "
            "'unsubscribed', 'sendgrid: group_unsubscribe (group 4)', '0000', 1, 1)")
        assert "scope" not in {r[0] for r in store.fetchall("DESCRIBE bounces")}
    got = _check(tmp_path, [SG | {"email": "new@example.com"}] if with_bounces else [],
                 ["old@example.com", "new@example.com"])
    assert got == [
        ("old@example.com", "do_not_mail", "suppressed",
         "opted out (the sending service's list) on 2025-01-02"),
        ("new@example.com", "do_not_mail", "suppressed",
         "opted out of unsubscribe group 10 (the sending service's list) on 2025-11-20")
        if with_bounces else ("new@example.com", "unknown", "syntax_ok", "")]


# -- re-subscriptions: SendGrid group_resubscribe -------------------------------------------


def resubscribe(day: int | None, scope: str = "group:10") -> HistoryEvent:
    return HistoryEvent(reason="suppressed", hard=False, action="resubscribed", scope=scope,
                        event_time=None if day is None else T0 + timedelta(days=day))


def delivered(day: int) -> HistoryEvent:
    return HistoryEvent(reason="delivered", hard=False, status="2.0.0", action="delivered",
                        event_time=T0 + timedelta(days=day))


G10 = "opted out of unsubscribe group 10 (the sending service's list) on "
EVERY = "opted out (the sending service's list) on "


@pytest.mark.parametrize(("events", "want"), [
    pytest.param([opt_out(0, "group:10"), resubscribe(5)], None, id="later-resubscribe-lifts"),
    pytest.param([resubscribe(0), opt_out(5, "group:10")], G10 + "2026-01-06",
                 id="earlier-resubscribe-does-not"),
    pytest.param([opt_out(0, "group:10"), resubscribe(0)], G10 + "2026-01-01",
                 id="same-second-keeps-the-opt-out"),
    pytest.param([opt_out(0, "group:10"), resubscribe(5), opt_out(9, "group:10")],
                 G10 + "2026-01-10", id="opted-out-again"),
    pytest.param([opt_out(0, "group:10"), resubscribe(5, "group:12")], G10 + "2026-01-01",
                 id="another-group"),
    pytest.param([opt_out(0, "group:10"), opt_out(1, "group:12"), resubscribe(5)],
                 "opted out of unsubscribe group 12 (the sending service's list) on "
                 "2026-01-02", id="one-of-two-groups-lifted"),
    pytest.param([opt_out(0), resubscribe(5)], EVERY + "2026-01-01",
                 id="a-group-resubscribe-never-lifts-every-mail"),
    pytest.param([opt_out(0), opt_out(1, "group:10"), resubscribe(5)], EVERY + "2026-01-01",
                 id="every-mail-stays-after-the-group-is-lifted"),
    pytest.param([opt_out(None, "group:10"), resubscribe(5)],
                 G10 + "unknown date", id="undated-opt-out-kept"),
    pytest.param([opt_out(0, "group:10"), resubscribe(None)], G10 + "2026-01-01",
                 id="undated-resubscribe-lifts-nothing"),
    # A store written before scopes: the group of its opt-outs is unknown.
    pytest.param([opt_out(0, ""), resubscribe(5)], EVERY + "2026-01-01",
                 id="opt-out-without-its-group"),
    # Opt-outs and re-subscriptions are about consent: never soft bounces, whatever their
    # number and span; the history's other events decide once the opt-out is lifted.
    pytest.param([opt_out(0, "group:10"), resubscribe(40), opt_out(41, "group:12"),
                  resubscribe(80, "group:12")], None, id="consent-is-no-soft-bounce"),
    pytest.param([delivered(0), opt_out(3, "group:10"), resubscribe(50)],
                 (Status.VALID, Reason.DELIVERED), id="lifted-then-delivered"),
])
def test_resubscribe_lifts_an_earlier_opt_out_of_its_group(
        events: list[HistoryEvent], want: str | tuple[Status, Reason] | None) -> None:
    """`want` None: history leaves the verdict as it was (a lifted opt-out's trace aside,
    test_a_lifted_opt_out_leaves_a_trace)."""
    v = decide_history(events, SKIPPED)
    detail = "" if v is None else split_lifted(v.detail)[0]
    if want is None:
        assert v is None or replace(v, detail=detail) == SKIPPED
    elif isinstance(want, str):
        assert v is not None
        assert (v.status, v.reason, detail) == (Status.DO_NOT_MAIL, Reason.SUPPRESSED, want)
    else:
        assert v is not None and (v.status, v.reason) == want


LIFTED = "opt-out of unsubscribe group 10 on 2026-01-01 taken back on 2026-01-06"
MX = Verdict(Status.UNKNOWN, Reason.SMTP_SKIPPED, Evidence.DNS, detail="MX mx.example.com")


@pytest.mark.parametrize(("events", "current", "want"), [
    pytest.param([opt_out(0, "group:10"), resubscribe(5)], SKIPPED, replace(SKIPPED, detail=LIFTED),
                 id="verdict-kept-with-the-trace"),
    pytest.param([opt_out(0, "group:10"), resubscribe(5)], MX,
                 replace(MX, detail="MX mx.example.com; " + LIFTED), id="after-the-dns-detail"),
    pytest.param([opt_out(0, "group:10"), resubscribe(5)],
                 replace(MX, detail="MX mx.example.com; " + LIFTED),
                 replace(MX, detail="MX mx.example.com; " + LIFTED), id="written-once"),
    pytest.param([opt_out(0, "group:10"), resubscribe(5)], DNS_INVALID,
                 replace(DNS_INVALID, detail=LIFTED), id="invalid-stays-invalid"),
    pytest.param([opt_out(0, "group:10"), resubscribe(5), opt_out(9, "group:10")], SKIPPED,
                 Verdict(Status.DO_NOT_MAIL, Reason.SUPPRESSED, Evidence.HISTORY,
                         detail=G10 + "2026-01-10; " + LIFTED), id="opted-out-again"),
    pytest.param([opt_out(0), opt_out(1, "group:10"), resubscribe(5)], SKIPPED,
                 Verdict(Status.DO_NOT_MAIL, Reason.SUPPRESSED, Evidence.HISTORY,
                         detail=EVERY + "2026-01-01; opt-out of unsubscribe group 10 on "
                         "2026-01-02 taken back on 2026-01-06"), id="every-mail-in-force"),
    pytest.param([delivered(0), opt_out(3, "group:10"), resubscribe(50)], SKIPPED,
                 Verdict(Status.VALID, Reason.DELIVERED, Evidence.HISTORY,
                         detail="delivered on 2026-01-01; opt-out of unsubscribe group 10 on "
                         "2026-01-04 taken back on 2026-02-20"), id="then-delivered"),
    # Two groups, each left and taken back: the first opt-out, the last re-subscription.
    pytest.param([opt_out(0, "group:10"), resubscribe(40), opt_out(41, "group:12"),
                  resubscribe(80, "group:12")], SKIPPED,
                 replace(SKIPPED, detail="opt-out of unsubscribe groups 10, 12 on 2026-01-01 "
                         "taken back on 2026-03-22"), id="two-groups"),
    # Nothing lifted: no trace.
    pytest.param([opt_out(0, "group:10"), resubscribe(None)], SKIPPED,
                 Verdict(Status.DO_NOT_MAIL, Reason.SUPPRESSED, Evidence.HISTORY,
                         detail=G10 + "2026-01-01"), id="undated-resubscribe"),
    pytest.param([delivered(0)], SKIPPED,
                 Verdict(Status.VALID, Reason.DELIVERED, Evidence.HISTORY,
                         detail="delivered on 2026-01-01"), id="no-consent-event"),
])
def test_a_lifted_opt_out_leaves_a_trace(events: list[HistoryEvent], current: Verdict,
                                         want: Verdict) -> None:
    """An opt-out a re-subscription took back is said after the detail, whatever decides the
    verdict (it left none before: nobody could tell why an address once opted out was
    mailed again)."""
    v = decide_history(events, current)
    assert v == want
    assert split_lifted(want.detail)[1] is not None or "taken back" not in want.detail


RESUB = SG | {"event": "group_resubscribe"}


@pytest.mark.parametrize(("changes", "want"), [
    pytest.param({}, ("suppressed", False, "resubscribed", "group:10"), id="group-number"),
    pytest.param({"asm_group_id": "12"}, ("suppressed", False, "resubscribed", "group:12"),
                 id="group-as-text"),
    pytest.param({"asm_group_id": None}, None, id="no-group-no-event"),
    pytest.param({"asm_group_id": "news"}, None, id="not-a-group-number-no-event"),
])
def test_sendgrid_group_resubscribe_is_read(changes: dict[str, Any],
                                            want: tuple[str, bool, str, str] | None) -> None:
    events = parse_bytes(json.dumps([RESUB | changes]).encode(), "events.json", "sendgrid")
    if want is None:
        assert events == []
    else:
        (ev,) = events
        assert (ev.reason, ev.hard, ev.action, ev.scope) == want
        assert ev.event_time is not None and ev.address == "x@example.com"


def test_check_lifts_a_group_opt_out_taken_back_later(tmp_path: Path) -> None:
    t = SG["timestamp"]
    got = _check(tmp_path, [
        SG | {"email": "back@example.com"}, RESUB | {"email": "back@example.com",
                                                     "timestamp": t + 3600},
        RESUB | {"email": "before@example.com", "timestamp": t - 3600},
        SG | {"email": "before@example.com"},
        SG | {"email": "other@example.com"}, RESUB | {"email": "other@example.com",
                                                      "timestamp": t + 3600,
                                                      "asm_group_id": 11},
        SG | {"email": "all@example.com", "event": "unsubscribe"},
        RESUB | {"email": "all@example.com", "timestamp": t + 3600}],
        ["back@example.com", "before@example.com", "other@example.com", "all@example.com"])
    assert got == [
        ("back@example.com", "unknown", "syntax_ok",
         "opt-out of unsubscribe group 10 on 2025-11-20 taken back on 2025-11-20"),
        ("before@example.com", "do_not_mail", "suppressed", G10 + "2025-11-20"),
        ("other@example.com", "do_not_mail", "suppressed", G10 + "2025-11-20"),
        ("all@example.com", "do_not_mail", "suppressed", EVERY + "2025-11-20")]


def test_parse_jsonl_shows_the_opt_out_scope(tmp_path: Path) -> None:
    events = tmp_path / "sendgrid.json"
    events.write_text(json.dumps([SG, SG | {"event": "unsubscribe", "asm_group_id": None}]))
    result = CliRunner().invoke(main, ["bounces", "parse", "--jsonl", str(events)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["action"], r["scope"]) for r in rows] == [("unsubscribed", "group:10"),
                                                         ("unsubscribed", "")]
