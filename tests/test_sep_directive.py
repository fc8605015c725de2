"""A CSV whose first line is Excel's delimiter directive (`sep=;`, written by exporters so that
Excel splits the columns): that line names the delimiter and is not the header (read as the
header, it made every record an unparseable row, reported as 0% invalid). The cleaned CSV
starts with the directive again, naming the output's delimiter."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailhygiene.cli import main

ROWS = [("Dupont", "a@acme.fr", "Paris"), ("Martin", "b@acme", "Lyon"),
        ("Durand", "A@ACME.FR", "Nice"), ("Éric", "e@acme.fr", "Fès")]


def _file(path: Path, first: str, delim: str, encoding: str, newline: str) -> None:
    lines = [first, delim.join(("Nom", "Email", "Ville"))] + [delim.join(r) for r in ROWS]
    path.write_bytes((newline.join(lines) + newline).encode(encoding))


@pytest.mark.parametrize(("first", "delim", "encoding", "newline"), [
    ("sep=;", ";", "utf-8", "\r\n"),          # DuckDB's reader
    ("sep=;", ";", "utf-8-sig", "\r\n"),      # with a BOM before the directive
    ("SEP=,", ",", "cp1252", "\n"),           # Python's reader (not UTF-8)
    ("sep=\t", "\t", "utf-8", "\n"),
    ("sep=|", "|", "utf-16", "\r\n"),
])
def test_sep_directive_names_the_delimiter(tmp_path: Path, first: str, delim: str,
                                           encoding: str, newline: str) -> None:
    src = tmp_path / "export.csv"
    _file(src, first, delim, encoding, newline)
    out = tmp_path / "out.csv"
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--no-progress",
                                  "--db", str(tmp_path / "s.duckdb"), "--json", "-o", str(out)])
    assert r.exit_code == 0, r.output
    s = json.loads(r.output)
    assert (s["rows"], s["unparseable_rows"], s["address_column"]) == (4, 0, "Email")
    assert (s["by_status"]["invalid"], s["by_status"]["duplicate"]) == (1, 1)
    py_enc = "utf-16" if encoding == "utf-16" else encoding
    text = out.read_bytes().decode(py_enc)
    first_line, _, rest = text.partition(newline)
    assert first_line == f"sep={delim}"
    rows = list(csv.reader(io.StringIO(rest, newline=""), delimiter=delim))
    assert rows[0][:3] == ["Nom", "Email", "Ville"] and len(rows) == 5
    assert [tuple(r[:3]) for r in rows[1:]] == ROWS
    assert [r[3] for r in rows[1:]] == ["unknown", "invalid", "duplicate", "unknown"]


def test_sep_directive_follows_the_output_delimiter_and_rechecks(tmp_path: Path) -> None:
    src = tmp_path / "export.csv"
    _file(src, "sep=;", ";", "utf-8", "\n")
    out = tmp_path / "out.csv"
    args = ["--level", "syntax", "--no-progress", "--db", str(tmp_path / "s.duckdb")]
    r = CliRunner().invoke(main, ["check", str(src), *args, "-o", str(out),
                                  "--out-delimiter", ","])
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8").startswith("sep=,\nNom,Email,Ville,mh_status,")
    again = tmp_path / "again.csv"
    r = CliRunner().invoke(main, ["check", str(out), *args, "-o", str(again), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["rows"] == 4
    assert again.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")


def test_sep_directive_alone_is_no_records(tmp_path: Path) -> None:
    src = tmp_path / "export.csv"
    src.write_bytes(b"sep=;\r\n")
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--no-progress",
                                  "--db", str(tmp_path / "s.duckdb")])
    assert r.exit_code == 2 and "no records" in r.output
