"""The cleaned CSV keeps the input's shape: its line endings, and on a file cleaned before, its
own mh_* columns (refreshed in place, never appended a second time)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailhygiene.cli import main
from mailhygiene.config import OUTPUT_COLUMNS
from mailhygiene.ingest import detect_format, is_own_column, line_ending, own_columns
from mailhygiene.phones import detect_phone_columns


def check(src: Path, out: Path, db: Path, *extra: str) -> None:
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "-o", str(out),
                                  "--db", str(db), *extra], catch_exceptions=False)
    assert r.exit_code == 0, r.output


def rows_of(path: Path, encoding: str = "utf-8-sig") -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as f:
        return list(csv.reader(f))


@pytest.mark.parametrize(("sample", "expected"), [
    ("email\na@b.com\n", "\n"),
    ("email\r\na@b.com\r\n", "\r\n"),
    ("email\ra@b.com\r", "\r"),
    ('"e\r\nmail",x\na@b.com,1\n', "\n"),  # a line break inside quotes is a cell's
    ('"e\nmail",x\r\na@b.com,1\r\n', "\r\n"),
    ("email", "\n"),  # one line without an ending
    ("", "\n"),
])
def test_line_ending(sample: str, expected: str) -> None:
    assert line_ending(sample) == expected


@pytest.mark.parametrize(("name", "own"), [
    ("mh_status", True), ("MH_Status", True), (" mh_phone_e164", True),
    ("\ufeffmh_address", True), ("mh status", False), ("email", False), ("mhz", False),
    ("MH", False),
])
def test_own_columns(name: str, own: bool) -> None:
    assert is_own_column(name) is own


def test_phone_detection_skips_own_columns_of_a_cleaned_file() -> None:
    header = ["name", "phone", "mh_phone_status", "mh_phone_e164", "mh_telephone_type", "fax"]
    assert detect_phone_columns(header + list(OUTPUT_COLUMNS)) == [1, 5]
    # Without a full mh_* set the file was not cleaned by this tool: its columns are data.
    assert detect_phone_columns(header) == [1, 2, 3, 4, 5]


def test_own_columns_only_in_a_cleaned_file() -> None:
    cleaned = ["email", "MH_Status", *OUTPUT_COLUMNS[1:], "mh_phone_e164", "note"]
    assert own_columns(cleaned) == set(range(1, 8))
    assert own_columns(["email", "mh_status", "note"]) == set()
    assert own_columns([]) == set()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_line_endings_are_kept(tmp_path: Path, newline: str, encoding: str) -> None:
    text = newline.join(["nom;email", "Élodie;a@example.com", "Ali;BAD", 'x;"q' + "\n" +
                         'r@example.com"', "y;A@example.com", ""])
    src = tmp_path / "in.csv"
    src.write_bytes(text.encode(encoding))
    out = tmp_path / "out.csv"
    check(src, out, tmp_path / "s.duckdb")
    data = out.read_bytes()
    # Every record ends with the input's line ending and no other (the cell's own line
    # break is inside quotes).
    body = data.replace(b'"q\nr@example.com"', b"")
    assert body.count(newline.encode()) == 5
    for other in {"\r\n", "\r", "\n"} - {newline}:
        if other not in newline:
            assert other.encode() not in body
    enc = "utf-8-sig" if encoding != "cp1252" else "cp1252"
    rows = list(csv.reader(io.StringIO(data.decode(enc), newline=""), delimiter=";"))
    assert [r[:2] for r in rows] == [["nom", "email"], ["Élodie", "a@example.com"],
                                     ["Ali", "BAD"], ["x", "q\nr@example.com"],
                                     ["y", "A@example.com"]]


def test_wide_file_keeps_crlf(tmp_path: Path) -> None:
    n = 600  # beyond output.WIDE_COLUMNS: written from Python
    header = ["email"] + [f"f{i}" for i in range(1, n)]
    lines = [",".join(header), ",".join(["a@example.com"] + ["v"] * (n - 1)),
             ",".join(["bad"] + ["=1+1"] * (n - 1))]
    src = tmp_path / "wide.csv"
    src.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    out = tmp_path / "out.csv"
    check(src, out, tmp_path / "s.duckdb")
    data = out.read_bytes()
    assert data.count(b"\r\n") == 3 and data.count(b"\n") == 3
    rows = rows_of(out)
    assert rows[0] == header + list(OUTPUT_COLUMNS)
    assert rows[2][1] == "'=1+1"


BASE = ("name,email,phone,Company\n"
        "A,a@example.com,0612345678,=cmd\n"
        "B,bad@,+33612345678,X\n"
        "C,A@example.com,,Y\n"
        "D,role@,0522,Z\n")


def test_a_cleaned_file_checked_again_keeps_its_shape(tmp_path: Path) -> None:
    src = tmp_path / "base.csv"
    src.write_text(BASE)
    db = tmp_path / "s.duckdb"
    first, second, third = (tmp_path / f"clean{k}.csv" for k in (1, 2, 3))
    check(src, first, db)
    check(first, second, db)
    check(second, third, db)
    one, two = rows_of(first), rows_of(second)
    assert one[0][:4] == ["name", "email", "phone", "Company"]
    assert len(one[0]) == len(set(one[0]))
    assert "mh_phone_e164" in one[0]
    # Same columns, same verdicts: nothing appended, no mh_mh_* phone columns.
    assert two == one
    assert third.read_bytes() == second.read_bytes()


def test_stale_own_columns_are_refreshed_in_place(tmp_path: Path) -> None:
    """A cleaned file edited by hand (stale verdicts, a column moved, a second copy) gets
    fresh values wherever an mh_* column stands; other columns are kept as they are."""
    src = tmp_path / "edited.csv"
    src.write_text("mh_status,email,note,MH_REASON,mh_status,mh_custom,mh_evidence,"
                   "mh_address,mh_flags,mh_duplicate_of\n"
                   "valid,bad@,n1,syntax_ok,valid,keep1,x,bad@,,\n"
                   "invalid,a@example.com,n2,x,x,keep2,x,,,7\n")
    out = tmp_path / "out.csv"
    check(src, out, tmp_path / "s.duckdb")
    rows = rows_of(out)
    assert rows[0] == ["mh_status", "email", "note", "MH_REASON", "mh_status", "mh_custom",
                       "mh_evidence", "mh_address", "mh_flags", "mh_duplicate_of"]
    assert rows[1] == ["invalid", "bad@", "n1", "syntax_bad_domain", "invalid", "keep1",
                       "syntax", "", "", ""]
    assert rows[2] == ["unknown", "a@example.com", "n2", "syntax_ok", "unknown", "keep2",
                       "syntax", "a@example.com", "", ""]


def test_a_users_own_mh_column_is_kept(tmp_path: Path) -> None:
    """A file not cleaned by this tool (no full mh_* set) keeps a column the user happened to
    name mh_status: the fresh verdicts are appended after it."""
    src = tmp_path / "own.csv"
    src.write_text("email,mh_status,note\na@example.com,mine,keep\n")
    out = tmp_path / "out.csv"
    check(src, out, tmp_path / "s.duckdb")
    rows = rows_of(out)
    assert rows[0] == ["email", "mh_status", "note", *OUTPUT_COLUMNS]
    assert rows[1][:4] == ["a@example.com", "mine", "keep", "unknown"]


def test_address_column_is_never_an_own_column(tmp_path: Path) -> None:
    src = tmp_path / "x.csv"
    cleaned = ",".join(OUTPUT_COLUMNS)
    src.write_text(f"{cleaned},contact\nx,x,x,a@example.com,,,a@example.com\n"
                   ",,,,,,b@example.com\n")
    assert detect_format(src).address_index == len(OUTPUT_COLUMNS)
    src.write_text("contact,mh_address\na@example.com,a@example.com\nb@example.com,\n")
    # Named on purpose, it is the address column, kept as read.
    named = detect_format(src, column="mh_address")
    assert named.address_index == 1
    out = tmp_path / "out.csv"
    check(src, out, tmp_path / "s.duckdb", "--column", "mh_address")
    rows = rows_of(out)
    assert rows[0] == ["contact", "mh_address", *OUTPUT_COLUMNS]
    assert rows[2][1] == "" and rows[2][2] == "invalid" and rows[2][3] == "syntax_empty"


@pytest.mark.parametrize("address", ["محمد.علي@مثال.ma", "用户@例子.广告"])
def test_an_unencodable_address_is_not_shown_in_the_error(tmp_path: Path, address: str) -> None:
    src = tmp_path / "in.csv"
    src.write_text(f"email\n{address}\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "-o",
                                  str(tmp_path / "o.csv"), "--db", str(tmp_path / "s.duckdb"),
                                  "--out-encoding", "latin-1"])
    assert r.exit_code == 2
    local = address.split("@")[0]
    # One character at most, by its code point and name: no run of the address.
    assert "U+" in r.output and local[:2] not in r.output
    assert not any(part[:2] in r.output for part in address.replace("@", ".").split(".")
                   if not part.isascii())


def test_leftovers_of_killed_runs_are_removed(tmp_path: Path) -> None:
    """Temp files of a run killed before its rename, DuckDB's tmp_ ones included (each a full
    copy of the personal data), go with the next successful write."""
    src = tmp_path / "in.csv"
    src.write_text("email\na@example.com\n")
    out = tmp_path / "out.csv"
    stale = [tmp_path / ".out.csv.ab12cd.part", tmp_path / "tmp_.out.csv.ab12cd.part",
             tmp_path / ".out.csv.ab12cd.1.part"]
    other = tmp_path / "tmp_.other.csv.ab12cd.part"  # another output's: kept
    for p in [*stale, other]:
        p.write_text("email\nleft@example.com\n")
    check(src, out, tmp_path / "s.duckdb")
    assert not any(p.exists() for p in stale) and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if "out.csv" in p.name) == ["out.csv"]


def test_a_live_runs_temp_files_are_not_removed(tmp_path: Path) -> None:
    """Two runs writing the same -o through different stores: the one that ends first removes
    killed runs' temp files, not those the other is still writing (it then failed with
    FileNotFoundError, exit 1)."""
    import fcntl
    import os

    src = tmp_path / "in.csv"
    src.write_text("email\na@example.com\n")
    out = tmp_path / "out.csv"
    live = [tmp_path / ".out.csv.live1234.part", tmp_path / ".out.csv.live1234.1.part"]
    dead = [tmp_path / ".out.csv.dead5678.part", tmp_path / ".out.csv.dead5678.1.part"]
    for p in [*live, *dead]:
        p.write_text("email\nleft@example.com\n")
    fd = os.open(live[0], os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as outfile.replacing holds it while writing
        check(src, out, tmp_path / "s.duckdb")
        assert all(p.exists() for p in live)
        assert not any(p.exists() for p in dead)
    finally:
        os.close(fd)
    check(src, out, tmp_path / "s.duckdb")  # the lock gone (a killed run): removed
    assert not any(p.exists() for p in live)
