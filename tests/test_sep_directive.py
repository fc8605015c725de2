"""A CSV whose first line is Excel's delimiter directive (`sep=;`) is not read with that line
as its header (which made every record an unparseable row, reported as 0% invalid)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from mailhygiene.cli import main


def test_sep_directive_is_not_a_header(tmp_path: Path) -> None:
    src = tmp_path / "export.csv"
    src.write_bytes(b"sep=;\r\nNom;Email;Ville\r\nA;a@acme.fr;Paris\r\nB;b@acme.fr;Lyon\r\n")
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--no-progress",
                                  "--db", str(tmp_path / "s.duckdb"), "--json"])
    assert "unparseable_row" not in r.output
    assert r.exit_code == 2, r.output
    assert "sep=;" in r.output and len(r.output.strip().splitlines()) == 1
