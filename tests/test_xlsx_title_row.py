"""A worksheet whose first row is a title narrower than the table (an "Export clients 2024"
cell, often merged across the header): the row below it is the header (it was read as a data
row, an invalid address), its columns can still be named by index or by name, and the title
comes back above the cleaned CSV's header."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from mailhygiene.cli import main


def _workbook(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Export clients 2024"])
    ws.merge_cells("A1:C1")
    ws.append(["Nom", "Ville", "Email"])
    for i in range(4):
        ws.append([f"N{i}", "Paris", f"c{i}@acme.fr"])
    wb.save(path)


@pytest.mark.parametrize("args", [["--column", "3"], ["--column", "Email"], []],
                         ids=["column-index", "column-name", "detected"])
def test_title_row_above_header(tmp_path: Path, args: list[str]) -> None:
    src = tmp_path / "crm.xlsx"
    _workbook(src)
    out = tmp_path / "out.csv"
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--no-progress",
                                  "--db", str(tmp_path / "s.duckdb"), "-o", str(out),
                                  "--json", *args])
    assert r.exit_code == 0, r.output
    s = json.loads(r.output)
    assert (s["rows"], s["address_column"], s["by_reason"]) == (4, "Email", {"syntax_ok": 4})
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["Export clients 2024"]
    assert rows[1][:4] == ["Nom", "Ville", "Email", "mh_status"]
    assert [row[2] for row in rows[2:]] == [f"c{i}@acme.fr" for i in range(4)]


def test_title_rows_and_blank_rows_above_header_recheck(tmp_path: Path) -> None:
    """Several rows above the header (a title, a date, a blank row), a duplicate below it:
    the duplicate points at data rows (the header is not one), and the cleaned CSV, checked
    again, is read the same way and written the same."""
    src = tmp_path / "crm.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Liste emailing clients"])  # a title may name mail: it is narrower
    ws.append(["Extrait le", "2024-01-05"])
    ws.append([])
    ws.append(["Nom", "Adresse e-mail", "Ville"])
    ws.append(["A", "a@acme.fr", "Paris"])
    ws.append(["B", "A@ACME.FR", "Lyon"])
    wb.save(src)
    args = ["--level", "syntax", "--no-progress", "--db", str(tmp_path / "s.duckdb"), "--json"]
    out, again = tmp_path / "out.csv", tmp_path / "again.csv"
    r = CliRunner().invoke(main, ["check", str(src), *args, "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["rows"] == 2
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[:3] == ["Liste emailing clients", "Extrait le,2024-01-05",
                         "Nom,Adresse e-mail,Ville,mh_status,mh_reason,mh_evidence,mh_address,"
                         "mh_flags,mh_duplicate_of"]
    assert lines[4].endswith(",duplicate,duplicate_of,syntax,A@acme.fr,,1")
    r = CliRunner().invoke(main, ["check", str(out), *args, "-o", str(again)])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["rows"] == 2
    assert again.read_bytes() == out.read_bytes()


def test_one_column_sheet_with_a_title(tmp_path: Path) -> None:
    """A one-column sheet: the title is as wide as the header, which is known by its name."""
    src = tmp_path / "list.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    for value in ["Export clients 2024", None, "E-mail", "a@acme.fr", "b@acme"]:
        ws.append([value])
    wb.save(src)
    out = tmp_path / "out.csv"
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--no-progress",
                                  "--db", str(tmp_path / "s.duckdb"), "-o", str(out), "--json"])
    assert r.exit_code == 0, r.output
    s = json.loads(r.output)
    assert (s["rows"], s["address_column"], s["by_reason"]) == (
        2, "E-mail", {"syntax_ok": 1, "syntax_bad_domain": 1})
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["Export clients 2024"] and rows[1][:2] == ["E-mail", "mh_status"]
    assert [row[0] for row in rows[2:]] == ["a@acme.fr", "b@acme"]
