"""At the syntax level no domain was looked up: the report must not call the unknown
addresses "deliverable domain" when it says whom to send to."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mailhygiene.cli import main


@pytest.mark.parametrize(("lang", "claim"), [("en", "unknown (deliverable domain)"),
                                             ("fr", "inconnues (domaine délivrable)")])
def test_syntax_level_send_advice(tmp_path: Path, lang: str, claim: str) -> None:
    src = tmp_path / "c.csv"
    src.write_text("Email\na@acme.fr\nb@acme.fr\n", encoding="utf-8")
    page = tmp_path / "r.html"
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--no-progress",
                                  "--db", str(tmp_path / "s.duckdb"), "--html", str(page),
                                  "--lang", lang])
    assert r.exit_code == 0, r.output
    text = page.read_text(encoding="utf-8")
    assert claim not in text
    assert "--level mx" in text
