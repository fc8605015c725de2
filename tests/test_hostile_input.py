"""Hostile and broken files (issue 10): each gives per-row reasons or one clear error (exit 2),
never a traceback, never silent loss."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailhygiene.cli import main

BIG = "x" * (1024 * 1024)


def _cases() -> list[object]:
    wide_header = ",".join(["email", *(f"c{i}" for i in range(9_999))])
    wide_row = ",".join(["a@example.com", *("v" for _ in range(9_999))])
    return [
        pytest.param(b"email\na@example.com\x00\nb@exa\x00mple.com\n", 2, id="nul-bytes"),
        pytest.param(f"email,note\na@example.com,{BIG}\nb@example.com,x\n".encode(), 2,
                     id="1mb-line"),
        pytest.param(f"{wide_header}\n{wide_row}\n".encode(), 1, id="10000-columns"),
        pytest.param(b'email,name\na@example.com,"unbalanced\nb@example.com,B\n', None,
                     id="unbalanced-quote"),
        pytest.param(b"email,n\r\na@example.com,1\nb@example.com,2\rc@example.com,3\r\n", None,
                     id="crlf-lf-cr-mix"),
        pytest.param(b"email,n\na@example.com,1\n\xef\xbb\xbfb@example.com,2\n", 2,
                     id="bom-in-middle"),
        pytest.param(b"email,n\n=cmd|' /C calc'!A0,1\n+a@example.com,2\n@SUM(1),3\n", 3,
                     id="formula-cells"),
        pytest.param("email\na\u202e@example.com\nb\x1b[31m@example.com\nc\u0007d@x.com\n"
                     .encode(), 3, id="control-and-bidi"),
        pytest.param("email;ville\na@example.com;Fès\n".encode() + "b@example.com;Fès\n"
                     .encode("cp1252"), 2, id="mixed-encodings"),
        pytest.param(b"\xff\xfee\x00m\x00a\x00i\x00l\x00\n\x00a\x00@\x00b\x00.\x00c\x00o\x00"
                     b"\n\x00", 1, id="utf16-bom"),
        pytest.param(b"email\n" + b"\n" * 5 + b"a@example.com\n\n", 1, id="blank-lines"),
    ]


@pytest.mark.parametrize(("content", "rows"), _cases())
def test_hostile_file(tmp_path: Path, content: bytes, rows: int | None) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(content)
    out = tmp_path / "out.csv"
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "-o", str(out),
                                  "--json", "--db", str(tmp_path / "s.duckdb")])
    assert "Traceback" not in r.output
    assert r.exit_code == 0, r.output
    s = json.loads(r.output)
    if rows is not None:
        assert s["rows"] == rows
    data = out.read_bytes()
    # Written in the input's encoding: a UTF-16 input gives a UTF-16 file (with its BOM).
    utf16 = data.startswith(b"\xff\xfe")
    assert utf16 == content.startswith(b"\xff\xfe")
    text = data.decode("utf-16" if utf16 else "utf-8-sig", errors="replace")
    delim = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") \
        else ","
    written = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delim) if row]
    assert len(written) - 1 == s["rows"]
    assert all(row[-6] for row in written[1:])  # every row has a status
    for row in written:  # formulas neutralized in every cell written
        assert not any(cell[:1] in ("=", "+", "-", "@") for cell in row)


def test_wider_than_a_spreadsheet_is_refused_clearly(tmp_path: Path) -> None:
    """16,384 columns (Excel's most) are read; one more gives one line and exit 2, not a
    memory failure."""
    for n, code in ((16_384, 0), (16_385, 2)):
        src = tmp_path / f"w{n}.csv"
        src.write_text(",".join(["email", *(f"c{i}" for i in range(n - 1))]) + "\n"
                       + ",".join(["a@example.com", *("v" * (n - 1))]) + "\n", encoding="utf-8")
        r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--json",
                                      "--db", str(tmp_path / f"s{n}.duckdb")])
        assert "Traceback" not in r.output
        assert r.exit_code == code, r.output
        if code:
            assert "16,385 columns; at most 16,384" in r.output


def test_terminal_escapes_not_printed(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(b"email\nx@evil\x1b[2J.example.com\n")
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax",
                                  "--db", str(tmp_path / "s.duckdb"), "--name", "n\x1b[31m"])
    assert r.exit_code == 0
    assert "\x1b" not in r.output


def test_error_messages_mask_addresses(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(b"name,city\njean.dupont@example.ma,Rabat\n")
    r = CliRunner().invoke(main, ["check", str(src), "--column", "nope",
                                  "--db", str(tmp_path / "s.duckdb")])
    assert r.exit_code == 2
    assert "jean.dupont@example.ma" not in r.output

