"""The key-figures sentence about empty address cells reads well with one such row."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from mailhygiene.cli import main


def test_one_empty_cell_sentence(tmp_path: Path) -> None:
    src = tmp_path / "c.csv"
    src.write_text("Nom,Email\nA,a@acme.fr\nB,\nC,c@acme.fr\n", encoding="utf-8")
    page = tmp_path / "r.html"
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--no-progress",
                                  "--db", str(tmp_path / "s.duckdb"), "--html", str(page),
                                  "--lang", "en"])
    assert r.exit_code == 0, r.output
    text = page.read_text(encoding="utf-8")
    assert "1 of these rows has an empty address cell" in text
    assert "of these row has" not in text
