"""`bounces import` writes to the store every other command uses: MAILHYGIENE_DB, like --db
(README "The store"), rather than a mailhygiene.duckdb in the working directory that no later
`check` reads (its hard bounces then never reach the send list's verdicts)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mailhygiene.cli import main

LOG = ("Nov 20 10:00:00 mx postfix/smtp[1]: ABC123: to=<gone@example.org>, relay=x[192.0.2.1]:25,"
       " delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host x[192.0.2.1] said: 550 5.1.1"
       " User unknown (in reply to RCPT TO command))\n")


def test_bounces_import_honours_mailhygiene_db(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mail.log").write_text(LOG)
    (tmp_path / "list.csv").write_text("email\ngone@example.org\nok@example.org\n")
    store = tmp_path / "campaign.duckdb"
    env = {"MAILHYGIENE_DB": str(store)}
    runner = CliRunner()
    imported = runner.invoke(main, ["bounces", "import", "mail.log"], env=env)
    assert imported.exit_code == 0, imported.output
    assert store.exists()
    assert not (tmp_path / "mailhygiene.duckdb").exists()
    checked = runner.invoke(main, ["check", "list.csv", "--level", "syntax", "-o", "out.csv",
                                   "--no-progress"], env=env)
    assert checked.exit_code == 0, checked.output
    lines = (tmp_path / "out.csv").read_text().splitlines()
    assert lines[1].startswith("gone@example.org,invalid,hard_bounced,history")
