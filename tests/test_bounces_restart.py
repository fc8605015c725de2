"""`bounces import --restart`: the files are read again and their events replace what earlier
imports stored for them (rules changed by an upgrade, a wrong --format): the store then holds
what the files say, once. Without it an import is never redone: the rows of the first stay."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mailhygiene import config
from mailhygiene.cli import main
from mailhygiene.store import Store
from mailhygiene.store.bounces import import_paths

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "bounces"
LATE = ("Nov 21 10:00:00 mx1 postfix/smtp[9]: 9ABCDEF0123: to=<late@example.org>, relay=none, "
        "dsn=5.1.1, status=bounced (host said: 550 5.1.1 User unknown (in reply to RCPT TO "
        "command))\n")
ROWS = ("SELECT address, event_time, status, replycode, reason, hard, action, diagnostic "
        "FROM bounces ORDER BY ALL")


def _older_rules(store: Store) -> None:
    """What an earlier version of the rules could have stored: every event read as soft."""
    store.execute("UPDATE bounces SET reason = 'filtered', hard = false")


def _fresh(tmp_path: Path, paths: list[Path]) -> list[tuple[Any, ...]]:
    with Store(tmp_path / "fresh.duckdb") as store:
        import_paths(store, paths)
        return store.fetchall(ROWS)


def test_restart_replaces_rows_stored_by_older_rules(tmp_path: Path) -> None:
    log = FIX / "postfix-maillog.log"
    with Store(tmp_path / "b.duckdb") as store:
        import_paths(store, [log])
        _older_rules(store)
        again = import_paths(store, [log])
        assert again.new_events == 0 and store.scalar(
            "SELECT count(*) FROM bounces WHERE hard") == 0  # a plain import keeps them
        restarted = import_paths(store, [log], restart=True)
        assert (restarted.events, restarted.new_events, restarted.removed) == (7, 7, 7)
        assert store.fetchall(ROWS) == _fresh(tmp_path, [log])


def test_restart_of_a_grown_log_replaces_its_earlier_version_too(tmp_path: Path) -> None:
    log = tmp_path / "mail.log"
    shutil.copy(FIX / "postfix-maillog.log", log)
    with Store(tmp_path / "b.duckdb") as store:
        import_paths(store, [log])  # yesterday's 7 events, stored under yesterday's bytes
        _older_rules(store)
        with log.open("a") as f:
            f.write(LATE)
        restarted = import_paths(store, [log], restart=True)
        assert (restarted.events, restarted.new_events, restarted.removed) == (8, 8, 7)
        assert store.fetchall(ROWS) == _fresh(tmp_path, [log])  # each event once


def test_restart_twice_changes_nothing(tmp_path: Path) -> None:
    paths = [FIX / "postfix-maillog.log", FIX / "sendgrid-events.json",
             FIX / "mailchimp-cleaned.csv"]
    with Store(tmp_path / "b.duckdb") as store:
        first = import_paths(store, paths, restart=True)
        rows = store.fetchall(ROWS)
        second = import_paths(store, paths, restart=True)
        assert first.removed == 0 and second.removed == second.new_events == first.new_events
        assert store.fetchall(ROWS) == rows == _fresh(tmp_path, paths)


def test_restart_keeps_events_of_one_file_that_read_alike(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A delivery and a complaint of one message in the same second, one per batch: the second
    batch must not remove the first as an "earlier" row of the same event."""
    monkeypatch.setattr(config, "BOUNCE_INSERT_BATCH", 1)
    events = tmp_path / "events.json"
    events.write_text(json.dumps([
        {"email": "a@example.org", "event": "delivered", "timestamp": 1763630000,
         "sg_message_id": "m1"},
        {"email": "a@example.org", "event": "spamreport", "timestamp": 1763630000,
         "sg_message_id": "m1"}]))
    with Store(tmp_path / "b.duckdb") as store:
        import_paths(store, [events])
        stats = import_paths(store, [events], restart=True)
        assert (stats.new_events, stats.removed) == (2, 2)
        assert sorted(r[4] for r in store.fetchall(ROWS)) == ["delivered", "feedback"]


def test_cli_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "c.duckdb")
    log = str(FIX / "postfix-maillog.log")
    runner = CliRunner()
    assert runner.invoke(main, ["bounces", "import", log, "--db", db]).exit_code == 0
    with Store(db) as store:
        _older_rules(store)
    result = runner.invoke(main, ["bounces", "import", log, "--db", db, "--restart"])
    assert result.exit_code == 0, result.output
    assert "events: 7  new: 7  removed: 7" in result.output
    with Store(db) as store:
        assert store.fetchall(ROWS) == _fresh(tmp_path, [FIX / "postfix-maillog.log"])


@pytest.mark.parametrize("restart", [False, True], ids=["resume", "restart"])
def test_check_restart_reads_its_bounces_again(tmp_path: Path, restart: bool) -> None:
    """`check --restart --bounces FILE` starts the history over too: the rows an older reading
    of FILE stored are replaced, in the store and in the verdicts. A check that resumes keeps
    them (an import is never redone)."""
    db = str(tmp_path / "c.duckdb")
    log = str(FIX / "postfix-maillog.log")
    base = tmp_path / "base.csv"
    base.write_text("email\nghost@example.org\nsomeone@nxdomain.example\n")
    common = ["check", str(base), "--level", "syntax", "--db", db, "--bounces", log, "--json",
              "--no-progress"]
    runner = CliRunner()
    first = runner.invoke(main, common)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["by_status"]["invalid"] == 2
    with Store(db) as store:
        _older_rules(store)
    again = runner.invoke(main, [*common, *(["--restart"] if restart else [])])
    assert again.exit_code == 0, again.output
    summary = json.loads(again.stdout)
    imported = summary["bounces_imported"]
    with Store(db) as store:
        rows = store.fetchall(ROWS)
    if restart:
        assert (imported["new_events"], imported["removed"]) == (7, 7)
        assert rows == _fresh(tmp_path, [FIX / "postfix-maillog.log"])
        assert summary["by_status"]["invalid"] == 2
    else:
        assert (imported["new_events"], imported["removed"]) == (0, 0)
        assert not any(r[5] for r in rows)  # the older reading stays: no hard bounce
        assert summary["by_status"]["invalid"] == 0
