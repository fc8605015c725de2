"""Rows above a CSV's header: a title line ("Export clients 2024", padded with delimiters as
Excel exports a merged title, or not), a date line, blank lines. The header below them is the
header (a padded title was read as the header, which made the real header an invalid data row
and named the address column ''; a bare title made the file refused: no address column).
Both readers (DuckDB's and Python's) skip the same records, and the titles come back above
the cleaned CSV's header, as Excel's `sep=` line does."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailhygiene import config, ingest
from mailhygiene.cli import main
from mailhygiene.errors import InputError
from mailhygiene.output import write_cleaned
from mailhygiene.pipeline import import_base
from mailhygiene.store import Store
from mailhygiene.titles import title_rows

ROWS = ["Dupont;a@acme.fr;Paris", "Martin;b@acme;Lyon", "Durand;A@ACME.FR;Nice"]
HEADER = "Nom;Email;Ville"


def _named(row: Sequence[str]) -> bool:
    return any("mail" in c.lower() for c in row)


@pytest.mark.parametrize(("rows", "titles"), [
    pytest.param([["Nom", "Email"], ["A", "a@b.fr"]], 0, id="plain-header"),
    pytest.param([["a@b.fr", "A"], ["Nom", "Email"]], 0, id="no-header-data-first"),
    pytest.param([["Export 2024"], ["Nom", "Email", "Ville"], ["A", "a@b.fr", "P"]], 1,
                 id="title"),
    pytest.param([["Export 2024", "", ""], ["", "", ""], ["le", "05/01"],
                  ["Nom", "Email", "Ville"]], 3, id="padded-title-blank-date"),
    pytest.param([["Liste emailing"], ["Nom", "Email", "Ville"]], 1,
                 id="title-naming-mail-is-narrower"),
    pytest.param([["Nom", "Email", "Ville"], ["Mailloux", "", "Paris"]], 0,
                 id="data-row-naming-mail-is-narrower"),
    pytest.param([["Nom", "Contact", "Ville"], ["A", "", "P"], ["x", "Email", "y"]], 0,
                 id="unrecognised-header-as-wide"),
    pytest.param([["Export"], ["A", "a@b.fr"], ["Nom", "Email", "Ville"]], 0,
                 id="address-above-it-is-data"),
    pytest.param([["Export"], ["Nom", "Ville"]], 0, id="no-header-found"),
])
def test_title_rows(rows: list[list[str]], titles: int) -> None:
    assert title_rows(rows, _named) == titles


def _file(path: Path, above: list[str], encoding: str = "utf-8", newline: str = "\n") -> Path:
    path.write_bytes(newline.join([*above, HEADER, *ROWS, ""]).encode(encoding))
    return path


SHAPES = {
    "padded-title": ["Export clients 2024;;"],
    "bare-title": ["Export clients 2024"],
    "title-date-blank": ["Export clients 2024;;", "Extrait le;05/01/2024;", ""],
    "blank-lines-only": ["", "  "],
    "sep-and-title": ["sep=;", "Export clients 2024"],
    "multi-line-title": ['"Export clients', '2024";;'],
    "quote-inside-a-title": ['Export "clients" 2024;;'],
}


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("reader", ["duckdb", "python"])
def test_rows_above_the_header_are_not_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            shape: str, newline: str, reader: str) -> None:
    if reader == "python":
        def refuse(*_: object) -> int:
            raise InputError("read by the Python reader")
        monkeypatch.setattr(ingest.load, "_load_duckdb", refuse)
    src = _file(tmp_path / "export.csv", SHAPES[shape], newline=newline)
    out = tmp_path / "out.csv"
    with Store(tmp_path / "s.duckdb") as store:
        base = import_base(store, src)
        # DuckDB's skip miscounts a title spanning lines: the Python reader reads those
        assert base.load_path == ("python" if shape == "multi-line-title" else reader)
        assert (base.rows, base.fmt.columns, base.fmt.address_index) == (
            3, ["Nom", "Email", "Ville"], 1)
        assert write_cleaned(store, base, out) == 3
    text = out.read_bytes().decode("utf-8")
    above = newline.join(SHAPES[shape]) + newline
    kept = [r for r in csv.reader(io.StringIO(above, newline=""), delimiter=";")
            if r and (len(r) > 1 or r[0].strip())]  # blank lines are not kept
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert records[:len(kept)] == kept
    assert records[len(kept)][:4] == [*HEADER.split(";"), "mh_status"]
    if '"' not in "".join(SHAPES[shape]):  # written as read, line endings included (a
        # cell holding a quote is written quoted: the same cells, as csv spells them)
        assert text.startswith(newline.join([*(x for x in SHAPES[shape] if x.strip()),
                                             HEADER + ";mh_status"]))
    body = records[len(kept) + 1:]
    assert [";".join(r[:3]) for r in body] == ROWS
    assert [r[3] for r in body] == ["unknown", "invalid", "duplicate"]
    assert body[2][8] == "1"  # the first data row, not the header


@pytest.mark.parametrize("title", ['"a"b;;', 'x;"y"z"w;'])
def test_an_ill_formed_line_above_the_header_is_not_a_title(tmp_path: Path,
                                                             title: str) -> None:
    """DuckDB's `skip` and split_records count such a line (csv's strict mode refuses it)
    differently: titles stop before it, so the file is read as before the title rows were
    (its first line the header: here no address column, one clear error), never with rows
    silently shifted by one reader."""
    src = _file(tmp_path / "export.csv", ["Export clients 2024", title])
    with pytest.raises(InputError, match="no address column found"):
        ingest.detect_format(src)


def test_cp1252_title_rows_and_recheck(tmp_path: Path) -> None:
    """A title in a cp1252 file (Python's reader) with an accent; the cleaned file (UTF-8 is
    not asked: the input's encoding is kept) is read again the same way."""
    src = _file(tmp_path / "export.csv", ["Clients fidèles;;"], encoding="cp1252",
                newline="\r\n")
    args = ["--level", "syntax", "--no-progress", "--db", str(tmp_path / "s.duckdb"), "--json"]
    out, again = tmp_path / "out.csv", tmp_path / "again.csv"
    r = CliRunner().invoke(main, ["check", str(src), *args, "-o", str(out)])
    assert r.exit_code == 0, r.output
    s = json.loads(r.output)
    assert (s["rows"], s["address_column"], s["unparseable_rows"]) == (3, "Email", 0)
    assert out.read_bytes().startswith("Clients fidèles;;\r\nNom;Email;Ville;".encode("cp1252"))
    r = CliRunner().invoke(main, ["check", str(out), *args, "-o", str(again)])
    assert r.exit_code == 0, r.output
    assert again.read_bytes() == out.read_bytes()


def test_title_with_a_lone_carriage_return_stays_one_record(tmp_path: Path) -> None:
    """A title cell holding a lone CR in a file of LF lines is quoted when written again
    (csv quotes it only when the line ending holds a CR): bare, readers break it in two."""
    src = tmp_path / "export.csv"
    src.write_bytes(b'"Export\rclients";;\n' + "\n".join([HEADER, *ROWS, ""]).encode())
    out = tmp_path / "out.csv"
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--no-progress",
                                  "--db", str(tmp_path / "s.duckdb"), "-o", str(out)])
    assert r.exit_code == 0, r.output
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    assert rows[0] == ["Export\rclients", "", ""] and rows[1][:3] == HEADER.split(";")
    assert len(rows) == 2 + len(ROWS)


# --- one-column lists ----------------------------------------------------------------------
# There a title is as wide as the header: the header is a line that is an address-column name
# exactly, with no '@' above it (titles.list_header).
def _exact(cell: str) -> bool:
    return cell.strip().lower() in ("email", "courriel")


@pytest.mark.parametrize(("rows", "titles"), [
    pytest.param([["Export 2024"], ["email"], ["a@b.fr"]], 1, id="title"),
    pytest.param([["Export 2024"], [""], ["le 05/01"], ["Courriel"], ["a@b.fr"]], 3,
                 id="title-blank-date"),
    pytest.param([["Liste emailing"], ["email"], ["a@b.fr"]], 1, id="title-naming-mail"),
    pytest.param([["foo"], ["email"], ["a@b.fr"]], 1, id="one-word-title"),
    pytest.param([["Export 2024", ""], ["", "email"], ["", "a@b.fr"]], 1,
                 id="padded-cells-are-one-wide"),
    pytest.param([["email"], ["a@b.fr"]], 0, id="plain-header"),
    pytest.param([["a@b.fr"], ["email"], ["c@d.fr"]], 0, id="no-header-address-first"),
    pytest.param([["Export 2024"], ["a@b.fr"], ["email"]], 0, id="address-above-it-is-data"),
    pytest.param([["Export 2024"], ["Contacts"], ["a@b.fr"]], 0, id="no-name-found"),
    pytest.param([["Export", "2024"], ["email"], ["a@b.fr"], ["c@d.fr"]], 1,
                 id="title-holding-the-delimiter"),
    pytest.param([["Export", "2024"], ["", "note"], ["email"], ["a@b.fr"], [""]], 2,
                 id="titles-holding-the-delimiter"),
    pytest.param([["Export", "2024"], ["email"]], 0, id="wider-row-above-nothing-below"),
    pytest.param([["Export", "2024"], ["email"], ["a@b.fr", "Paris"]], 0,
                 id="wider-row-above-wider-rows-below"),
    pytest.param([["Nom", "Ville"], ["email"], ["x"], ["Dupont", "Paris"]], 0,
                 id="table-with-a-row-named-email"),
    pytest.param([["Société", "Contact"], ["email"], ["", "a@b.fr"]], 0,
                 id="table-with-a-row-named-email-then-second-cells"),
    pytest.param([["Nom", "Email"], ["A", "a@b.fr"]], 0, id="table-plain-header"),
])
def test_title_rows_one_column(rows: list[list[str]], titles: int) -> None:
    assert title_rows(rows, _named, _exact) == titles
    assert title_rows(rows, _named) == 0  # without the exact-name test: the first row


@pytest.mark.parametrize(("text", "header", "titles", "column"), [
    pytest.param("Export clients 2024\nemail\na@acme.fr\n", True, [["Export clients 2024"]],
                 "email", id="title"),
    pytest.param("Export clients 2024\n\nListe emailing\r\nCourriel\na@acme.fr\n", True,
                 [["Export clients 2024"], ["Liste emailing"]], "Courriel",
                 id="titles-and-blank-line"),
    pytest.param("email\na@acme.fr\n", True, [], "email", id="plain-header"),
    pytest.param("a@acme.fr\nb@acme.fr\n", False, [], "email", id="no-header"),
    pytest.param("a@acme.fr\nemail\nb@acme.fr\n", False, [], "email",
                 id="address-then-name-is-data"),
    pytest.param("Export clients 2024\na@acme.fr\n", False, [], "email",
                 id="title-without-header-is-data"),
])
def test_one_column_txt_titles(tmp_path: Path, text: str, header: bool,
                               titles: list[list[str]], column: str) -> None:
    src = tmp_path / "list.txt"
    src.write_text(text, encoding="utf-8")
    fmt = ingest.detect_format(src)
    assert (fmt.kind, fmt.header, fmt.titles, fmt.columns) == ("txt", header, titles, [column])


@pytest.mark.parametrize("name", ["list.csv", "list.lst"])
@pytest.mark.parametrize(("lines", "columns", "titles"), [
    pytest.param(["Export clients 2024", "email"], ["email"], [["Export clients 2024"]],
                 id="title"),
    pytest.param(["Export clients 2024", "", "E-mail"], ["E-mail"], [["Export clients 2024"]],
                 id="title-blank"),
    pytest.param(['"Export clients, 2024"', "email"], ["email"], [["Export clients, 2024"]],
                 id="quoted-title-with-comma"),
    pytest.param(["email"], ["email"], [], id="plain-header"),
])
def test_one_column_csv_titles(tmp_path: Path, name: str, lines: list[str],
                               columns: list[str], titles: list[list[str]]) -> None:
    src = tmp_path / name
    src.write_text("\n".join([*lines, "a@acme.fr", "b@acme", ""]), encoding="utf-8")
    fmt = ingest.detect_format(src)
    assert (fmt.kind, fmt.header, fmt.columns, fmt.titles) == ("csv", True, columns, titles)
    assert fmt.above == len(lines) - 1


def test_one_column_csv_without_header_is_unchanged(tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    src.write_text("a@acme.fr\nemail\nb@acme\n", encoding="utf-8")
    fmt = ingest.detect_format(src)
    assert (fmt.header, fmt.columns, fmt.titles, fmt.above) == (False, ["column1"], [], 0)


LIST = ["a@acme.fr", "b@acme", "A@ACME.FR", "n/a"]


# A one-column list has no delimiter to find, so a title holding one is split into cells
# (',' is the default; ';' wins the sniff when the file is this short): still a title.
TITLES = {
    "title": ["Export clients 2024"],
    "comma-in-title": ["Export contacts, mars 2024"],
    "semicolon-in-title": ["Liste; clients"],
    "pipe-in-title": ["Liste | clients"],
    "tab-in-title": ["Liste\tclients"],
    "titles-with-delimiters": ["Export contacts, mars 2024", "Extrait le 05/01; par: X"],
}


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize(("name", "reader"), [
    ("list.csv", "duckdb"), ("list.csv", "python"), ("list.txt", "python")])
@pytest.mark.parametrize("title", list(TITLES))
def test_one_column_title_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     name: str, reader: str, newline: str, title: str) -> None:
    """Rows in == rows out; the title comes back above the header, as it was, and the header
    is no row. (With a title holding a ',' the CSV was read as two columns named after the
    title, every row unparseable.)"""
    if reader == "python":
        def refuse(*_: object) -> int:
            raise InputError("read by the Python reader")
        monkeypatch.setattr(ingest.load, "_load_duckdb", refuse)
    src = tmp_path / name
    src.write_bytes(newline.join([*TITLES[title], "", "email", *LIST, ""]).encode())
    out = tmp_path / "out.csv"
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--no-progress",
                                  "--db", str(tmp_path / "s.duckdb"), "-o", str(out),
                                  "--json"])
    assert r.exit_code == 0, r.output
    s = json.loads(r.output)
    assert (s["rows"], s["address_column"], s["unparseable_rows"]) == (len(LIST), "email", 0)
    # neither the title nor the header is a row (an invalid address, syntax_no_at)
    assert s["by_reason"] == {"syntax_ok": 1, "syntax_bad_domain": 1, "duplicate_of": 1,
                              "syntax_empty": 1}
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    if name.endswith(".csv"):  # the title's cells, joined by the delimiter they held
        head = newline.join([*TITLES[title], "email,mh_status,"])
        assert out.read_bytes().decode("utf-8").startswith(head)
    else:  # a line of a .txt is one value (a cell quoted if it holds a ',')
        assert rows[:len(TITLES[title])] == [[t] for t in TITLES[title]]
    rows = rows[len(TITLES[title]):]
    assert rows[0][:2] == ["email", "mh_status"]
    assert [row[0] for row in rows[1:]] == LIST
    assert [row[1] for row in rows[1:]] == ["unknown", "invalid", "duplicate", "invalid"]
    assert rows[3][6] == "1"  # A@ACME.FR duplicates the first data row


@pytest.mark.parametrize("title", ["Liste; clients", "Export contacts, mars 2024"])
def test_short_one_column_list_with_a_delimiter_in_its_title(tmp_path: Path,
                                                             title: str) -> None:
    """Title, header, one address: ';' in the title wins the delimiter sniff (one of two
    lines holds it), and the title is still a title; the cleaned file is read again the same
    way."""
    src = tmp_path / "list.csv"
    src.write_text(f"{title}\nemail\na@acme.fr\n", encoding="utf-8")
    args = ["--level", "syntax", "--no-progress", "--db", str(tmp_path / "s.duckdb"), "--json"]
    out, again = tmp_path / "out.csv", tmp_path / "again.csv"
    r = CliRunner().invoke(main, ["check", str(src), *args, "-o", str(out)])
    assert r.exit_code == 0, r.output
    s = json.loads(r.output)
    assert (s["rows"], s["address_column"], s["by_reason"]) == (1, "email", {"syntax_ok": 1})
    assert out.read_text(encoding="utf-8").startswith(f"{title}\nemail")
    r = CliRunner().invoke(main, ["check", str(out), *args, "-o", str(again)])
    assert r.exit_code == 0, r.output
    assert again.read_bytes() == out.read_bytes()


# A line such as `foo` above `email` is a title, like `Export clients 2024`: `email` is a
# column name, never a contact, and nothing above a header is data. Read as data, it would
# make `email` an invalid address too, and a one-word title ("Clients", "Prospects") would
# count as two invalid rows, the defect titles were introduced to remove. Below the first
# address, `foo` and `email` are rows like any other. Without such a name a .txt has no
# header, while a CSV's first line is its header (unless it holds an '@'), as before. Either
# way every line of the input is in the cleaned file once: above the header as it was, as
# the header, or as a row with a verdict.
FOO_EMAIL = ["foo", "email", "a@acme.fr", "foo", "email", "b@acme"]
FOO_ADDRESS = ["foo", "a@acme.fr", "email", "b@acme"]
OK, NO_AT, BAD_DOMAIN = ("unknown", "syntax_ok"), ("invalid", "syntax_missing_at"), \
    ("invalid", "syntax_bad_domain")


READERS = {"csv": ("duckdb", "python"), "txt": ("python",)}


@pytest.mark.parametrize(("kind", "reader", "lines", "titles", "header", "verdicts"), [
    pytest.param(kind, reader, *case[1:], id=f"{case[0]}-{kind}-{reader}")
    for case, kinds in [
        (("foo-above-email-is-a-title", FOO_EMAIL, 1, "email",
          [OK, NO_AT, NO_AT, BAD_DOMAIN]), ("csv", "txt")),
        (("foo-above-an-address-is-data", FOO_ADDRESS, 0, None,
          [NO_AT, OK, NO_AT, BAD_DOMAIN]), ("txt",)),
        (("foo-above-an-address-is-the-header", FOO_ADDRESS, 0, "foo",
          [OK, NO_AT, BAD_DOMAIN]), ("csv",)),
    ]
    for kind in kinds for reader in READERS[kind]
])
def test_one_column_every_line_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    kind: str, reader: str, lines: list[str], titles: int,
                                    header: str | None,
                                    verdicts: list[tuple[str, str]]) -> None:
    if reader == "python":
        def refuse(*_: object) -> int:
            raise InputError("read by the Python reader")
        monkeypatch.setattr(ingest.load, "_load_duckdb", refuse)
    src = tmp_path / f"list.{kind}"
    src.write_text("\n".join([*lines, ""]), encoding="utf-8")
    out = tmp_path / "out.csv"
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--no-progress",
                                  "--db", str(tmp_path / "s.duckdb"), "-o", str(out),
                                  "--json"])
    assert r.exit_code == 0, r.output
    body = lines[titles + (header is not None):]
    assert json.loads(r.output)["rows"] == len(body) == len(verdicts)
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[:titles] == [[t] for t in lines[:titles]]
    # a .txt without a header gets the name `email`
    assert rows[titles] == [header or "email", *config.OUTPUT_COLUMNS]
    assert [row[0] for row in rows[titles + 1:]] == body
    assert [(row[1], row[2]) for row in rows[titles + 1:]] == verdicts


@pytest.mark.parametrize(("lines", "titles"), [
    pytest.param(["Export contacts, mars 2024", "", "email", "a@example.com"], 1, id="title"),
    pytest.param(["Clients", "Export 2024", "email", "a@example.com"], 2, id="two-titles"),
    pytest.param(["email", "a@example.com"], 0, id="none"),
])
def test_the_summary_counts_the_title_lines(tmp_path: Path, lines: list[str],
                                            titles: int) -> None:
    """The user sees that lines were set aside as titles (kept, not checked): a data row
    taken for a title would otherwise go unnoticed."""
    src = tmp_path / "list.csv"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = str(tmp_path / "s.duckdb")
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--db", db, "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["title_rows"] == titles
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--db", db])
    shown = [x for x in r.stdout.splitlines() if x.startswith("titles ")]
    assert shown == ([f"titles      {titles:>10,}   {'line' if titles == 1 else 'lines'} above "
                      "the header: kept above it in the cleaned list, not checked"]
                     if titles else [])
    html = tmp_path / "r.html"
    r = CliRunner().invoke(main, ["report", "--db", db, "--latest", "--lang", "fr",
                                  "-o", str(html)])
    assert r.exit_code == 0, r.output
    text = html.read_text(encoding="utf-8")
    assert (f'data-k="title_rows" data-v="{titles}"' in text) == bool(titles)
    assert ("Lignes de titre au-dessus de l&#39;en-tête" in text) == bool(titles)
