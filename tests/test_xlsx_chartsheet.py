"""--sheet naming a chart sheet (a sheet that holds only a chart) is bad input: one line,
exit 2, not an internal error."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from click.testing import CliRunner
from openpyxl.chart import BarChart, Reference

from mailhygiene.cli import main


def test_sheet_naming_a_chart_sheet(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Email", "N"])
    ws.append(["a@acme.fr", 1])
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=2), titles_from_data=True)
    wb.create_chartsheet("Graph", 0).add_chart(chart)
    src = tmp_path / "contacts.xlsx"
    wb.save(src)
    r = CliRunner().invoke(main, ["check", str(src), "--sheet", "Graph", "--level", "syntax",
                                  "--no-progress", "--db", str(tmp_path / "s.duckdb")])
    assert r.exit_code == 2, r.output
    assert "chart sheet" in r.output and "Data" in r.output
    assert len(r.output.strip().splitlines()) == 1
