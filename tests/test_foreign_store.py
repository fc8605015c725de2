"""Another program's DuckDB database given as --db is refused before anything is written to it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from mailhygiene.cli import main


@pytest.mark.parametrize("args", [
    ["suppress", "list"],
    ["store", "info"],
    ["store", "compact"],
    ["retry", "--helo", "h.example.org", "--mail-from", "a@h.example.org"],
    ["check", "{src}", "--level", "syntax"],
    ["compare", "{src}", "{src2}"],
])
def test_a_foreign_duckdb_file_is_refused_and_left_alone(tmp_path: Path,
                                                          args: list[str]) -> None:
    db = tmp_path / "other.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE orders (id INTEGER, amount DOUBLE)")
    con.execute("INSERT INTO orders VALUES (1, 9.5)")
    con.close()
    before = db.read_bytes()
    (tmp_path / "a.csv").write_text("email\na@example.com\n")
    (tmp_path / "b.csv").write_text("email\nb@example.com\n")
    argv = [a.format(src=tmp_path / "a.csv", src2=tmp_path / "b.csv") for a in args]
    r = CliRunner().invoke(main, [*argv, "--db", str(db)],
                           env={"MAILHYGIENE_KEY": "a cli test key of 32 bytes......"})
    assert r.exit_code == 2, r.output
    assert "not a mailhygiene store" in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1
    assert db.read_bytes() == before
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT table_name FROM duckdb_tables()").fetchall() == [("orders",)]
    con.close()


def test_an_empty_duckdb_file_becomes_a_store(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    (tmp_path / "a.csv").write_text("email\na@example.com\n")
    r = CliRunner().invoke(main, ["check", str(tmp_path / "a.csv"), "--level", "syntax",
                                  "--db", str(db)])
    assert r.exit_code == 0, r.output
