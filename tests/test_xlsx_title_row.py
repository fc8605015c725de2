"""A worksheet whose first row is a title narrower than the table (an "Export clients 2024"
cell, often merged across the header): its columns can still be named by index and its
column of addresses is still found."""

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


@pytest.mark.parametrize("args", [["--column", "3"], []], ids=["column-index", "detected"])
def test_title_row_above_header(tmp_path: Path, args: list[str]) -> None:
    src = tmp_path / "crm.xlsx"
    _workbook(src)
    out = tmp_path / "out.csv"
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--no-progress",
                                  "--db", str(tmp_path / "s.duckdb"), "-o", str(out),
                                  "--json", *args])
    assert r.exit_code == 0, r.output
    s = json.loads(r.output)
    assert s["by_reason"].get("syntax_ok") == 4
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert [row[2] for row in rows[2:]] == [f"c{i}@acme.fr" for i in range(4)]
