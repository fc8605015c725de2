"""Ingest recovers from common malformations without losing rows, and reads the same text the
same way whatever the file's encoding (UTF-8 goes through DuckDB's reader when it accepts the
file, cp1252 always through Python's csv module)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mailhygiene import ingest
from mailhygiene.cli import main
from mailhygiene.config import OUTPUT_COLUMNS

NOUT = len(OUTPUT_COLUMNS)


def check(tmp_path: Path, name: str, content: bytes,
          *args: str) -> tuple[dict[str, Any], list[list[str]]]:
    """Runs `check` at the syntax level; returns the JSON summary and the output rows (header
    first), after checking that every input row came out exactly once with a status."""
    src = tmp_path / name
    src.write_bytes(content)
    out = tmp_path / f"{name}.out.csv"
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--no-progress",
                                  "--db", str(tmp_path / f"{name}.duckdb"), "-o", str(out),
                                  "--out-encoding", "utf-8", "--out-delimiter", ",", "--json",
                                  *args])
    assert "Traceback" not in r.output
    assert r.exit_code == 0, r.output
    summary = json.loads(r.output)
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert len(rows) - 1 == summary["rows"]
    assert all(row[-NOUT] for row in rows[1:])  # every row has a status
    return summary, rows


def both_encodings(tmp_path: Path, text: str) -> tuple[dict[str, Any], list[list[str]]]:
    """The same text as UTF-8 and as cp1252: both must give the same rows and verdicts."""
    s8, rows8 = check(tmp_path, "u.csv", text.encode("utf-8"))
    s1, rows1 = check(tmp_path, "c.csv", text.encode("cp1252"))
    assert rows8 == rows1
    assert (s8["rows"], s8["by_reason"]) == (s1["rows"], s1["by_reason"])
    return s8, rows8


def reasons(rows: list[list[str]]) -> list[str]:
    return [row[-NOUT + 1] for row in rows[1:]]


# --- 1. a stray quote costs one row, not the rest of the file ------------------------------
def _contacts(n: int, replace: dict[int, str]) -> str:
    lines = ["name,email", *(f"Né{i},u{i}@x.com" for i in range(n))]
    for k, v in replace.items():
        lines[k] = v
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("replace", "unparseable"),
    [
        pytest.param({3: '"Jojo,jojo@x.com'}, ['"Jojo,jojo@x.com'], id="stray-quote-mid-file"),
        pytest.param({500: '"Jojo,jojo@x.com'}, ['"Jojo,jojo@x.com'], id="stray-quote-last-line"),
        pytest.param({3: '"Jojo,jojo@x.com', 40: 'N40,"u40@x.com'},
                     ['"Jojo,jojo@x.com', 'N40,"u40@x.com'], id="two-stray-quotes"),
        # The second quote closes the first one's field: a record of one field, not the
        # header's two, so a runaway too.
        pytest.param({3: '"Jojo,jojo@x.com', 6: 'N6,u6@x.com"'}, ['"Jojo,jojo@x.com'],
                     id="closed-by-a-later-stray-quote"),
        # Closing quote followed by text: not a well-formed multi-line field.
        pytest.param({3: 'Jo,"jojo@x.com', 6: 'N6"x,u6@x.com'}, ['Jo,"jojo@x.com'],
                     id="closing-quote-then-text"),
    ],
)
def test_stray_quote_costs_one_row(tmp_path: Path, replace: dict[int, str],
                                   unparseable: list[str]) -> None:
    s, rows = both_encodings(tmp_path, _contacts(500, replace))
    assert s["rows"] == 500
    assert [row[0] for row in rows[1:] if row[-NOUT + 1] == "unparseable_row"] == unparseable
    assert s["unparseable_rows"] == len(unparseable)


def test_stray_quote_in_a_large_file_keeps_every_row(tmp_path: Path) -> None:
    lines = ["name,email", *(f"N{i},u{i}@x.com" for i in range(10_000))]
    lines[3] = '"Jojo,jojo@x.com'
    s, rows = check(tmp_path, "s.csv", ("\n".join(lines) + "\n").encode())
    assert s["rows"] == 10_000 and s["unparseable_rows"] == 1
    assert rows[-1][:2] == ["N9999", "u9999@x.com"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('id,email,note\n1,a@x.com,"line one\nline two\nline three"\n2,b@x.com,é\n',
                     id="three-lines"),
        pytest.param('id,email,note\n1,a@x.com,"say ""hi""\r\nbye"\r\n2,b@x.com,é\r\n',
                     id="crlf-and-escaped-quotes"),
        pytest.param('id,email,note\n1,a@x.com,"a\nb",\n2,b@x.com,é\n',
                     id="multi-line-then-trailing-delimiter"),
    ],
)
def test_multi_line_fields_still_read(tmp_path: Path, text: str) -> None:
    s, rows = both_encodings(tmp_path, text)
    assert s["rows"] == 2 and s["unparseable_rows"] == 0
    assert "\n" in rows[1][2]


def test_record_longer_than_the_bound_is_a_runaway(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The bound on a record's size is the same for DuckDB's reader and Python's."""
    monkeypatch.setattr(ingest.records, "MAX_RECORD_BYTES", 64)  # both readers read it there
    text = 'id,email,note\n1,a@x.com,"' + "x" * 40 + "\n" + "y" * 40 + '"\n2,b@x.com,é\n'
    s, rows = both_encodings(tmp_path, text)
    assert s["rows"] == 3
    assert reasons(rows)[0] == "unparseable_row"
    assert rows[3][:3] == ["2", "b@x.com", "é"]


# --- 2. trailing delimiters (Excel exports) -------------------------------------------------
@pytest.mark.parametrize(
    ("text", "cells", "expected"),
    [
        pytest.param("name,email\nA,a@x.com,\nBé,b@x.com,\n", [["A", "a@x.com"], ["Bé", "b@x.com"]],
                     ["syntax_ok", "syntax_ok"], id="row-trailing-delimiter"),
        pytest.param("name,email\nA,a@x.com,,\nBé,b@x.com\n", [["A", "a@x.com"], ["Bé", "b@x.com"]],
                     ["syntax_ok", "syntax_ok"], id="row-two-trailing-delimiters"),
        pytest.param('name,email\nA,a@x.com,""\nBé,b@x.com\n',
                     [["A", "a@x.com"], ["Bé", "b@x.com"]], ["syntax_ok", "syntax_ok"],
                     id="row-trailing-quoted-empty"),
        pytest.param("name,email\nA,a@x.com,x\nBé,b@x.com\n", None,
                     ["unparseable_row", "syntax_ok"], id="non-empty-extra-field"),
        pytest.param("name,email\nA,a@x.com, \nBé,b@x.com\n", None,
                     ["unparseable_row", "syntax_ok"], id="blank-extra-field"),
        pytest.param("name,email,\nA,a@x.com\nBé,b@x.com,\n",
                     [["A", "a@x.com", ""], ["Bé", "b@x.com", ""]], ["syntax_ok", "syntax_ok"],
                     id="header-trailing-delimiter"),
        pytest.param("name,email,\nA,a@x.com,note\nBé,b@x.com\n",
                     [["A", "a@x.com", "note"], ["Bé", "b@x.com", ""]],
                     ["syntax_ok", "syntax_ok"], id="unnamed-column-with-a-value"),
        pytest.param("name,email,\nA\nBé,b@x.com\n", None, ["unparseable_row", "syntax_ok"],
                     id="named-column-missing"),
    ],
)
def test_trailing_delimiters(tmp_path: Path, text: str, cells: list[list[str]] | None,
                             expected: list[str]) -> None:
    _, rows = both_encodings(tmp_path, text)
    header = text.split("\n", 1)[0].split(",")
    assert rows[0][:-NOUT] == header  # every input column kept
    assert reasons(rows) == expected
    if cells is not None:
        assert [row[:-NOUT] for row in rows[1:]] == cells


# --- 3. XLSX rows wider than the header -----------------------------------------------------
def test_xlsx_cells_beyond_the_header_are_kept(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Nom", "Email"])
    ws.append(["A", "a@x.com"])
    ws.append(["C", "c@x.com", None, None, "note"])
    ws.append(["D", "d@x.com", None])
    wb.save(tmp_path / "wide.xlsx")
    s, rows = check(tmp_path, "wide.xlsx", (tmp_path / "wide.xlsx").read_bytes())
    assert s["rows"] == 3 and s["unparseable_rows"] == 0
    assert rows[0][:-NOUT] == ["Nom", "Email", "column3", "column4", "column5"]
    assert [row[:-NOUT] for row in rows[1:]] == [["A", "a@x.com", "", "", ""],
                                                ["C", "c@x.com", "", "", "note"],
                                                ["D", "d@x.com", "", "", ""]]
    assert reasons(rows) == ["syntax_ok"] * 3


@pytest.mark.parametrize("write_only", [False, True], ids=["dimension", "no-dimension"])
def test_xlsx_wide_row_far_down_widens_the_header(tmp_path: Path, write_only: bool) -> None:
    """Beyond the rows sampled for detection, with or without a declared sheet dimension."""
    from openpyxl import Workbook

    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet() if write_only else wb.active
    ws.append(["Nom", "Email"])
    for i in range(300):
        ws.append([f"N{i}", f"u{i}@x.com"])
    ws.append(["Z", "z@x.com", None, "far"])
    wb.save(tmp_path / "far.xlsx")
    s, rows = check(tmp_path, "far.xlsx", (tmp_path / "far.xlsx").read_bytes())
    assert s["rows"] == 301 and s["unparseable_rows"] == 0
    assert rows[0][:-NOUT] == ["Nom", "Email", "column3", "column4"]
    assert rows[-1][:-NOUT] == ["Z", "z@x.com", "", "far"]


# --- 3b. XLSX formulas: the cached value, else the formula text -----------------------------
def _workbook(path: Path, rows: list[list[Any]],
              cache: dict[str, tuple[str, str]] | None = None) -> Path:
    """Written by openpyxl, which stores formulas without a computed value; `cache` gives some
    cells one as Excel stores it: the cell's type attribute and the value that follows its
    formula ({"C2": ("", "<v>2</v>"), "A2": (' t="str"', "<v>a@x.com</v>")})."""
    import re
    import zipfile

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    if cache:
        with zipfile.ZipFile(path) as z:
            parts = {n: z.read(n) for n in z.namelist()}
        xml = parts["xl/worksheets/sheet1.xml"].decode()
        for ref, (attrs, value) in cache.items():
            xml, n = re.subn(rf'<c r="{ref}"><f>(.*?)</f><v ?/>',
                             rf'<c r="{ref}"{attrs}><f>\1</f>{value}', xml)
            assert n == 1, ref
        parts["xl/worksheets/sheet1.xml"] = xml.encode()
        with zipfile.ZipFile(path, "w") as z:
            for name, data in parts.items():
                z.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("cache", "second_row"),
    [
        pytest.param({}, ['=LOWER("A@X.COM")', "A", "=1+1"], id="openpyxl-no-cached-value"),
        pytest.param({"A2": (' t="str"', "<v>a@x.com</v>"), "C2": ("", "<v>2</v>")},
                     ["a@x.com", "A", "2"], id="excel-cached-values"),
        pytest.param({"A2": (' t="str"', "<v></v>"), "C2": ("", "<v>2</v>")}, ["", "A", "2"],
                     id="excel-cached-empty-text"),
        pytest.param({"C2": ("", "<v>2</v>")}, ['=LOWER("A@X.COM")', "A", "2"], id="mixed"),
    ],
)
def test_xlsx_formula_cells(tmp_path: Path, cache: dict[str, tuple[str, str]],
                            second_row: list[str]) -> None:
    path = _workbook(tmp_path / "f.xlsx", [["email", "name", "n"],
                                           ['=LOWER("A@X.COM")', "A", "=1+1"],
                                           ["b@x.com", "B", None],
                                           [None, None, "=2+2"]], cache)
    assert list(ingest.xlsx_rows(path, None)) == [
        ["email", "name", "n"], second_row, ["b@x.com", "B"], ["", "", "=2+2"]]


def test_xlsx_text_cell_starting_with_equals_is_kept_as_text(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["email"])
    ws.append(["x"])
    ws["A2"].value, ws["A2"].data_type = "=not a formula", "s"
    wb.save(tmp_path / "t.xlsx")
    assert list(ingest.xlsx_rows(tmp_path / "t.xlsx", None)) == [["email"], ["=not a formula"]]


def test_xlsx_formula_without_cached_value_is_not_an_empty_address(tmp_path: Path) -> None:
    """Written by openpyxl: the address is a formula nobody computed. It is not reported as an
    empty cell, and no row or column is lost (a row holding only formulas was dropped)."""
    path = _workbook(tmp_path / "f.xlsx", [["email", "name", "n"],
                                           ['=LOWER(B2)&"@x.com"', "amina", None],
                                           ["b@x.com", "B", None],
                                           [None, None, "=2+2"]])
    s, rows = check(tmp_path, "f.xlsx", path.read_bytes())
    assert s["rows"] == 3 and s["unparseable_rows"] == 0
    assert rows[0][:-NOUT] == ["email", "name", "n"]
    assert [row[:-NOUT] for row in rows[1:]] == [["'=LOWER(B2)&\"@x.com\"", "amina", ""],
                                                ["b@x.com", "B", ""], ["", "", "'=2+2"]]
    assert reasons(rows)[:2] == ["syntax_quoted_or_literal", "syntax_ok"]
    assert reasons(rows)[2] == "syntax_empty"  # that address cell is empty indeed


# --- 4. NUL bytes: the same verdict whatever the encoding -----------------------------------
@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("n.csv", b"name,email\nA,a@x.com\x00\nR,b@x.com\n", id="utf8-csv"),
        pytest.param("n.csv", b"name,email\nA,a@x.com\x00\nR\xe9,b@x.com\n", id="cp1252-csv"),
        pytest.param("n.csv", b'name,email\nA,"a@x.com\x00"\nR\xe9,b@x.com\n',
                     id="cp1252-quoted"),
        pytest.param("n.txt", b"a@x.com\x00\nb@x.com\n", id="utf8-txt"),
        pytest.param("n.txt", b"a@x.com\x00\nb@x.com\xe9\n", id="cp1252-txt"),
    ],
)
def test_nul_bytes_are_kept_and_judged_alike(tmp_path: Path, name: str, content: bytes) -> None:
    s, rows = check(tmp_path, name, content)
    assert s["rows"] == 2
    nul_row = rows[1]
    assert "a@x.com\x00" in nul_row  # the input cell unchanged
    assert (nul_row[-NOUT], nul_row[-NOUT + 1]) == ("invalid", "syntax_bad_domain")


# --- 5. a text file's header line -----------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "header", "addresses"),
    [
        pytest.param(b"email\na@x.com\n", "email", ["a@x.com"], id="email"),
        pytest.param(b"\xef\xbb\xbfCourriel\r\na@x.com\r\nb@x.com\r\n", "Courriel",
                     ["a@x.com", "b@x.com"], id="courriel-bom-crlf"),
        pytest.param(b"\nE-Mail \na@x.com\n", "E-Mail ", ["a@x.com"], id="blank-line-first"),
        pytest.param(b"Adresse\na@x.com\nR\xe9@x.com\n", "Adresse", ["a@x.com", "Ré@x.com"],
                     id="adresse-cp1252"),
        pytest.param(b"email@x.com\na@x.com\n", "email", ["email@x.com", "a@x.com"],
                     id="address-not-header"),
        pytest.param(b"bad\na@x.com\n", "email", ["bad", "a@x.com"], id="other-word-is-a-row"),
        pytest.param(b"email\n", None, None, id="header-only"),
    ],
)
def test_text_file_header_line(tmp_path: Path, content: bytes, header: str | None,
                               addresses: list[str] | None) -> None:
    if header is None:
        src = tmp_path / "l.txt"
        src.write_bytes(content)
        r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax",
                                      "--db", str(tmp_path / "s.duckdb")])
        assert r.exit_code == 2 and "no data rows" in r.output
        return
    s, rows = check(tmp_path, "l.txt", content)
    assert rows[0][0] == header
    assert [row[0] for row in rows[1:]] == addresses
    assert s["rows"] == len(addresses or [])


# --- 6. options that do not apply to the input ----------------------------------------------
@pytest.mark.parametrize(
    ("name", "content", "args", "message"),
    [
        pytest.param("l.txt", b"a@x.com\n", ["--column", "name"], "column 'name' not found",
                     id="column-on-txt"),
        pytest.param("l.txt", b"a@x.com\n", ["--column", "2"], "column '2' not found",
                     id="column-index-on-txt"),
        pytest.param("c.csv", b"name,email\nA,a@x.com\n", ["--sheet", "Foo"], "--sheet",
                     id="sheet-on-csv"),
        pytest.param("l.txt", b"a@x.com\n", ["--sheet", "Foo"], "--sheet", id="sheet-on-txt"),
    ],
)
def test_options_that_do_not_apply_are_refused(tmp_path: Path, name: str, content: bytes,
                                               args: list[str], message: str) -> None:
    src = tmp_path / name
    src.write_bytes(content)
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax",
                                  "--db", str(tmp_path / "s.duckdb"), *args])
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], r.output


@pytest.mark.parametrize("column", ["1", "email", "Email"])
def test_column_naming_the_text_files_column_is_accepted(tmp_path: Path, column: str) -> None:
    s, _ = check(tmp_path, "l.txt", b"a@x.com\nb@x.com\n", "--column", column)
    assert s["rows"] == 2


def test_unbalanced_quote_in_the_header_is_one_clear_error(tmp_path: Path) -> None:
    src = tmp_path / "h.csv"
    src.write_bytes(b'"name,email\nA,a@x.com\n')
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax",
                                  "--db", str(tmp_path / "s.duckdb")])
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "quote" in r.output


@pytest.mark.parametrize("rows", [2, 20000])
def test_text_after_a_closing_quote_in_the_header_keeps_every_row(tmp_path: Path,
                                                                 rows: int) -> None:
    """DuckDB's strict reader gives no row, and no error, below such a header: the file was
    refused as having no data rows. Python's reader reads it, every row."""
    body = "".join(f"N{i},u{i}@acme.fr\n" for i in range(rows - 1)) + "Z,z@acme\n"
    s, out = check(tmp_path, "h.csv", ('"Nom, Prénom" (client),Email\n' + body).encode())
    assert (s["rows"], s["address_column"], s["unparseable_rows"]) == (rows, "Email", 0)
    assert out[0][:2] == ["Nom, Prénom (client)", "Email"]
    assert [r[1] for r in out[1:]] == [f"u{i}@acme.fr" for i in range(rows - 1)] + ["z@acme"]
    assert out[-1][2:4] == ["invalid", "syntax_bad_domain"]



# --- blank lines are not records; a line of delimiters or a quoted "" is ---------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("email\n,\na@x.com\n", ["syntax_empty", "syntax_ok"], id="delimiter-line"),
        pytest.param("email\n;\na@x.com\n", ["syntax_empty", "syntax_ok"],
                     id="delimiter-line-semicolon"),
        pytest.param("email\n  ,\na@x.com\n", ["syntax_empty", "syntax_ok"],
                     id="spaces-and-delimiter"),
        # a blank cell beyond the header is a value, as in test_trailing_delimiters
        pytest.param("email\n, \na@x.com\n", ["unparseable_row", "syntax_ok"],
                     id="delimiter-and-spaces"),
        pytest.param('email\n""\na@x.com\n', ["syntax_empty", "syntax_ok"], id="quoted-empty"),
        pytest.param("email\n\n   \n\t\na@x.com\n\n", ["syntax_ok"], id="blank-lines"),
        pytest.param("email\r\n\r\na@x.com\r\n,\r\n", ["syntax_ok", "syntax_empty"],
                     id="crlf-blank-and-delimiter"),
        pytest.param("email\na@x.com\nb@x.com\n", ["syntax_ok", "syntax_ok"], id="none"),
    ],
)
def test_one_column_records_and_blank_lines(tmp_path: Path, text: str,
                                            expected: list[str]) -> None:
    """Both readers (UTF-8: DuckDB's; cp1252: Python's) keep the same records. DuckDB reads a
    blank line and a line of delimiters alike, as NULL."""
    if ";" in text.split("\n", 2)[1]:
        text = text.replace("email\n", "email;x\n", 1).replace("a@x.com\n", "a@x.com;1\n")
    # A last row with an accent makes the cp1252 file differ from the UTF-8 one.
    nl = "\r\n" if "\r\n" in text else "\n"
    more = ";1" if ";" in text else ""
    _, rows = both_encodings(tmp_path, text + f"c@x.com{more}{nl}é{more}{nl}")
    assert reasons(rows) == [*expected, "syntax_ok", "syntax_missing_at"]


@pytest.mark.parametrize("blank", ["   ", "\t", ""])
def test_blank_lines_between_rows_of_several_columns(tmp_path: Path, blank: str) -> None:
    _, rows = both_encodings(tmp_path, f"name,email\nA,a@x.com\n{blank}\n,\nBé,b@x.com\n")
    assert [row[:2] for row in rows[1:]] == [["A", "a@x.com"], ["", ""], ["Bé", "b@x.com"]]


def test_csv_saved_under_an_xlsx_name_is_read_as_csv(tmp_path: Path) -> None:
    """Exports that name their CSV .xlsx so Excel opens it: read as the text it is (it was
    refused as "cannot read ... as XLSX: File is not a zip file"). A ZIP named .xlsx that is no
    workbook is still refused as XLSX."""
    s, rows = check(tmp_path, "export.xlsx", b"name;email\nA;a@example.com\nB;b@@example.com\n")
    assert s["rows"] == 2
    assert (s["by_status"]["unknown"], s["by_status"]["invalid"]) == (1, 1)
    assert [r[:2] for r in rows] == [["name", "email"], ["A", "a@example.com"],
                                     ["B", "b@@example.com"]]
    (tmp_path / "zip.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    r = CliRunner().invoke(main, ["check", str(tmp_path / "zip.xlsx"), "--level", "syntax",
                                  "--db", str(tmp_path / "z.duckdb")])
    assert r.exit_code == 2 and "as XLSX" in r.output
