"""With --fold-providers a base's keys are folded (j.doe+news@gmail.com -> jdoe@gmail.com): an
opt-out entry or a bounce written another way must still reach the mailbox it names."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailhygiene.cli import main

BASE = "email\nJ.Doe+news@gmail.com\njdoe@googlemail.com\nother@gmail.com\nj.doe@example.com\n"
BOUNCE = ("Nov 20 09:00:03 mx1 postfix/smtp[2210]: 3F1A82A0001: to=<{a}>, "
          "relay=gmail-smtp-in.l.google.com[192.0.2.7]:25, delay=1.2, "
          "delays=0.1/0/0.6/0.5, dsn=5.1.1, status=bounced (host "
          "gmail-smtp-in.l.google.com[192.0.2.7] said: 550 5.1.1 <{a}>: The email account "
          "that you tried to reach does not exist (in reply to RCPT TO command))\n")


def run(*args: str) -> None:
    r = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert r.exit_code == 0, r.output


def statuses(path: Path) -> list[tuple[str, str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [(row[0], row[1], row[2]) for row in list(csv.reader(f))[1:]]


@pytest.mark.parametrize("hashed", [False, True])
def test_opt_out_reaches_folded_contacts(tmp_path: Path, hashed: bool) -> None:
    src = tmp_path / "base.csv"
    src.write_text(BASE)
    entry = "j.doe@gmail.com"
    optout = tmp_path / "optout.txt"
    value = hashlib.sha256(entry.encode()).hexdigest() if hashed else entry
    optout.write_text(("sha256\n" if hashed else "email\n") + value + "\n")
    db = str(tmp_path / "s.duckdb")
    run("suppress", "import", str(optout), "--db", db)
    out = tmp_path / "out.csv"
    run("check", str(src), "--level", "syntax", "--fold-providers", "-o", str(out), "--db", db)
    got = statuses(out)
    if hashed:
        # A digest cannot be folded: it reaches the address written as the entry only (here
        # none of the spellings).
        assert [s for _, s, _ in got] == ["unknown", "duplicate", "unknown", "unknown"]
    else:
        # The first spelling of the mailbox is suppressed; the second is its duplicate.
        assert got[0] == ("J.Doe+news@gmail.com", "do_not_mail", "suppressed")
        assert got[1][1] == "duplicate"
        assert [s for _, s, _ in got[2:]] == ["unknown", "unknown"]


def test_a_digest_of_the_written_address_reaches_a_folded_contact(tmp_path: Path) -> None:
    src = tmp_path / "base.csv"
    src.write_text(BASE)
    optout = tmp_path / "optout.txt"
    optout.write_text("sha256\n" + hashlib.sha256(b"j.doe+news@gmail.com").hexdigest() + "\n")
    db = str(tmp_path / "s.duckdb")
    run("suppress", "import", str(optout), "--db", db)
    out = tmp_path / "out.csv"
    run("check", str(src), "--level", "syntax", "--fold-providers", "-o", str(out), "--db", db)
    assert statuses(out)[0] == ("J.Doe+news@gmail.com", "do_not_mail", "suppressed")


def test_bounce_history_reaches_folded_contacts(tmp_path: Path) -> None:
    src = tmp_path / "base.csv"
    src.write_text(BASE)
    log = tmp_path / "maillog"
    log.write_text(BOUNCE.format(a="j.doe@gmail.com"))
    out = tmp_path / "out.csv"
    run("check", str(src), "--level", "syntax", "--fold-providers", "--bounces", str(log),
        "-o", str(out), "--db", str(tmp_path / "s.duckdb"))
    got = statuses(out)
    assert got[0] == ("J.Doe+news@gmail.com", "invalid", "hard_bounced")
    assert [s for _, s, _ in got[2:]] == ["unknown", "unknown"]
    # Without folding the bounce names another string: no history for these contacts.
    out2 = tmp_path / "out2.csv"
    run("check", str(src), "--level", "syntax", "--bounces", str(log), "-o", str(out2),
        "--db", str(tmp_path / "s2.duckdb"))
    assert [s for _, s, _ in statuses(out2)] == ["unknown"] * 4
