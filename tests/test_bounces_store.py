"""`bounces import`: events stored in DuckDB, keyed for the join, idempotent."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from mailhygiene.store import Store
from mailhygiene.store.bounces import import_paths
from tests.data import BOUNCES_DIR

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "bounces"


def test_import_is_idempotent_even_under_another_name(tmp_path: Path) -> None:
    copy = tmp_path / "renamed.log"
    shutil.copy(FIX / "postfix-maillog.log", copy)
    with Store(tmp_path / "b.duckdb") as store:
        first = import_paths(store, [FIX / "postfix-maillog.log"], base_name="nov")
        again = import_paths(store, [FIX / "postfix-maillog.log", copy])
        assert (first.files, first.events, first.new_events) == (1, 7, 7)
        assert (again.files, again.events, again.new_events) == (2, 14, 0)
        assert store.scalar("SELECT count(*) FROM bounces") == 7
        row = store.fetchone(
            "SELECT address, key, status, replycode, reason, hard, action, base_name, "
            "message_id, event_time IS NOT NULL FROM bounces WHERE recipient_index = 1")
        assert row == ("ghost@example.org", "ghost@example.org", "5.1.1", "550", "userunknown",
                       True, "failed", "nov", "3F1A82A0001", True)


def test_import_keys_use_the_dedup_key(tmp_path: Path) -> None:
    log = tmp_path / "mail.log"
    log.write_text("Nov 20 09:00:03 mx postfix/smtp[1]: ABC123: to=<Ghost@EXAMPLE.org>, "
                   "relay=none, dsn=5.1.1, status=bounced (host said: 550 5.1.1 User unknown "
                   "(in reply to RCPT TO command))\n")
    with Store(tmp_path / "b.duckdb") as store:
        import_paths(store, [log])
        assert store.scalar("SELECT key FROM bounces") == "ghost@example.org"


def test_cli_import(tmp_path: Path) -> None:
    from mailhygiene.cli.bounces import bounces

    db = tmp_path / "c.duckdb"
    runner = CliRunner()
    args = ["import", str(FIX), "--db", str(db), "--base", "fixtures"]
    first = runner.invoke(bounces, args)
    assert first.exit_code == 0, first.output
    second = runner.invoke(bounces, args)
    assert "new: 0" in second.output
    assert "new: 0" not in first.output
    with Store(db) as store:
        reasons = {r[0] for r in store.fetchall("SELECT DISTINCT reason FROM bounces")}
    assert {"userunknown", "feedback", "delivered", "suppressed", "mailboxfull"} <= reasons


def test_cli_import_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    from mailhygiene.cli import main

    result = CliRunner().invoke(main, ["bounces", "import", str(tmp_path / "nope"), "--db",
                                       str(tmp_path / "d.duckdb")])
    assert result.exit_code == 2
    assert "not found" in result.output


def test_import_shared_maildir_has_no_crash(tmp_path: Path) -> None:
    if not (BOUNCES_DIR / "maildir").is_dir():
        return
    with Store(tmp_path / "m.duckdb") as store:
        stats = import_paths(store, [BOUNCES_DIR / "maildir"])
        assert stats.files >= 300 and stats.new_events > 250


def test_a_grown_or_rotated_log_adds_only_its_new_events(tmp_path: Path) -> None:
    """mail.log is appended to all day and rotated to mail.log.N.gz: a daily
    `check --bounces /var/log/mail.log*` must not store its earlier events again (each run
    added the whole log once more: the store, the history join's memory and its time grew with
    every run)."""
    import gzip

    log = tmp_path / "mail.log"
    shutil.copy(FIX / "postfix-maillog.log", log)
    with Store(tmp_path / "b.duckdb") as store:
        first = import_paths(store, [log])
        with log.open("a") as f:
            f.write("Nov 21 10:00:00 mx1 postfix/smtp[9]: 9ABCDEF0123: to=<late@example.org>, "
                    "relay=none, dsn=5.1.1, status=bounced (host said: 550 5.1.1 User unknown "
                    "(in reply to RCPT TO command))\n")
        grown = import_paths(store, [log])
        rotated = tmp_path / "mail.log.2.gz"
        rotated.write_bytes(gzip.compress(log.read_bytes()))
        again = import_paths(store, [rotated])
        assert (first.events, first.new_events) == (7, 7)
        assert (grown.events, grown.new_events) == (8, 1)
        assert (again.events, again.new_events) == (8, 0)
        assert store.scalar("SELECT count(*) FROM bounces") == 8
