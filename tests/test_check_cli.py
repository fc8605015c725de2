"""`mailhygiene check` through click's CliRunner: options, outputs and error paths."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mailhygiene.cli import main
from mailhygiene.config import OUTPUT_COLUMNS


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def read_csv(path: Path, delimiter: str = ",", encoding: str = "utf-8-sig") -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as f:
        return list(csv.reader(f, delimiter=delimiter))


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "store.duckdb")


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


FRENCH = (
    "Société;Nom;Courriel;Ville\n"
    "Atlas SARL;Alaoui;karim.alaoui@example.ma;Fès\n"
    "Atlas SARL;Alaoui;KARIM.ALAOUI@Example.MA ;Fès\n"
    "Rif;Bennani;not-an-address;Tanger\n"
    "Sahara;Tazi;;Agadir\n"
    "Médina;=SUM(A1);info@example.fr;Paris\n"
)


def test_json_summary_keys_and_counts(tmp_path: Path, db: str) -> None:
    src = write(tmp_path, "base.csv", FRENCH)
    r = run("check", str(src), "--level", "syntax", "--json", "--db", db)
    assert r.exit_code == 0, r.output
    s = json.loads(r.output)
    for key in ("rows", "unique", "duplicates", "by_status", "by_reason", "invalid_rate",
                "invalid_rate_ci95", "input_sha256"):
        assert key in s
    assert s["rows"] == 5 and s["duplicates"] == 1 and s["unique"] == 4
    assert s["by_status"]["invalid"] == 2
    assert s["invalid_rate"] == pytest.approx(2 / 4)
    lo, hi = s["invalid_rate_ci95"]
    assert 0 < lo < 0.5 < hi < 1
    assert s["by_reason"]["syntax_missing_at"] == 1 and s["by_reason"]["syntax_empty"] == 1


def test_placeholders_are_empty_cells_not_duplicates(tmp_path: Path, db: str) -> None:
    src = write(tmp_path, "base.csv", "nom;email\nA;N/A\nB;n/a\nC; - \nD;#N/A\nE;néant\n"
                "F;jean@exemple.fr\nG;h.elgmail.com\nH;h.elgmail.com\n")
    out = tmp_path / "out.csv"
    r = run("check", str(src), "--level", "syntax", "--json", "--db", db, "-o", str(out))
    assert r.exit_code == 0, r.output
    s = json.loads(r.output)
    assert s["by_reason"]["syntax_empty"] == 5 and s["empty_cells"] == 5
    assert s["duplicates"] == 1  # the repeated broken address only
    assert s["addresses"] == 2 and s["invalid_rate_addresses"] == pytest.approx(1 / 2)
    rows = read_csv(out, delimiter=";")
    assert [r[3] for r in rows[1:6]] == ["syntax_empty"] * 5
    assert [r[7] for r in rows[1:]] == [""] * 7 + ["7"]


def test_cleaned_output_keeps_rows_columns_and_format(tmp_path: Path, db: str) -> None:
    src = write(tmp_path, "base.csv", "\ufeff" + FRENCH)
    out = tmp_path / "cleaned.csv"
    r = run("check", str(src), "--level", "syntax", "-o", str(out), "--db", db)
    assert r.exit_code == 0, r.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM kept: Excel needs it for UTF-8
    rows = read_csv(out, delimiter=";")
    assert rows[0] == ["Société", "Nom", "Courriel", "Ville", *OUTPUT_COLUMNS]
    assert len(rows) == 1 + 5
    assert [r[:4] for r in rows[1:4]] == [
        ["Atlas SARL", "Alaoui", "karim.alaoui@example.ma", "Fès"],
        ["Atlas SARL", "Alaoui", "KARIM.ALAOUI@Example.MA ", "Fès"],
        ["Rif", "Bennani", "not-an-address", "Tanger"],
    ]
    by = {i: dict(zip(rows[0], r, strict=True)) for i, r in enumerate(rows[1:], 1)}
    assert by[2]["mh_status"] == "duplicate" and by[2]["mh_duplicate_of"] == "1"
    assert by[1]["mh_status"] == "unknown" and by[1]["mh_reason"] == "syntax_ok"
    assert by[3]["mh_status"] == "invalid"
    assert by[5]["Nom"] == "'=SUM(A1)"  # formula injection neutralized
    assert by[5]["mh_address"] == "info@example.fr"


def test_only_filter(tmp_path: Path, db: str) -> None:
    src = write(tmp_path, "base.csv", FRENCH)
    out = tmp_path / "send.csv"
    r = run("check", str(src), "--level", "syntax", "-o", str(out), "--only", "unknown,risky",
            "--db", db)
    assert r.exit_code == 0, r.output
    rows = read_csv(out, delimiter=";")
    assert len(rows) == 1 + 2
    assert {row[4] for row in rows[1:]} == {"unknown", "risky"}  # info@ is a role account


def test_only_rejects_unknown_status(tmp_path: Path, db: str) -> None:
    src = write(tmp_path, "base.csv", FRENCH)
    r = run("check", str(src), "--level", "syntax", "--only", "valid,nonsense", "--db", db)
    assert r.exit_code == 2
    assert "nonsense" in r.output
    # without -o there is no list to filter: said, not silently ignored
    r = run("check", str(src), "--level", "syntax", "--only", "valid", "--db", db)
    assert r.exit_code == 2 and "--only selects the rows of the cleaned list" in r.output


def test_cp1252_input_detected_and_written_back(tmp_path: Path, db: str) -> None:
    src = write(tmp_path, "excel.csv", FRENCH, encoding="cp1252")
    out = tmp_path / "out.csv"
    r = run("check", str(src), "--level", "syntax", "-o", str(out), "--db", db)
    assert r.exit_code == 0, r.output
    rows = read_csv(out, delimiter=";", encoding="cp1252")
    assert rows[1][3] == "Fès" and rows[0][0] == "Société"


def test_out_encoding_and_delimiter(tmp_path: Path, db: str) -> None:
    src = write(tmp_path, "excel.csv", FRENCH, encoding="cp1252")
    out = tmp_path / "out.csv"
    r = run("check", str(src), "--level", "syntax", "-o", str(out), "--out-encoding",
            "utf-8", "--out-delimiter", ",", "--db", db)
    assert r.exit_code == 0, r.output
    rows = read_csv(out, delimiter=",")
    assert rows[1][3] == "Fès"


def test_quoted_newlines_and_column_option(tmp_path: Path, db: str) -> None:
    text = ('id,contact,note\n1,a@example.com,"line one\nline two"\n'
            '2,b@example.com,"say ""hi"""\n')
    src = write(tmp_path, "q.csv", text)
    out = tmp_path / "o.csv"
    r = run("check", str(src), "--level", "syntax", "--column", "contact", "-o", str(out),
            "--db", db)
    assert r.exit_code == 0, r.output
    rows = read_csv(out)
    assert rows[1][2] == "line one\nline two" and rows[2][2] == 'say "hi"'


def test_text_file_one_address_per_line(tmp_path: Path, db: str) -> None:
    src = write(tmp_path, "list.txt", "a@example.com\nbad\n\nb@example.org\n")
    out = tmp_path / "o.csv"
    r = run("check", str(src), "--level", "syntax", "-o", str(out), "--json", "--db", db)
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["rows"] == 3
    rows = read_csv(out)
    assert rows[0][0] == "email" and [r[0] for r in rows[1:]] == ["a@example.com", "bad",
                                                                   "b@example.org"]


@pytest.mark.parametrize(("text", "rows", "columns", "invalid"), [
    # Excel's "Text (Tab delimited)" export: a table, not one address per line
    ("email\tname\njean@acme.fr\tJean\npaul@acme.fr\tPaul\n", 2, ["email", "name"], 0),
    ("nom\temail\ttel\r\nA\ta@acme.fr\t06\r\nB\t\t07\r\n", 2, ["nom", "email", "tel"],
     1),  # B's empty cell
    # a list with one stray tab stays a list (that line is invalid as an address)
    ("a@acme.fr\nb@acme.fr\tnote\nc@acme.fr\nd@acme.fr\n", 4, ["email"], 1),
])
def test_tab_delimited_text_file_is_a_table(tmp_path: Path, db: str, text: str, rows: int,
                                            columns: list[str], invalid: int) -> None:
    src = write(tmp_path, "contacts.txt", text)
    out = tmp_path / "cleaned.txt"
    r = run("check", str(src), "--level", "syntax", "-o", str(out), "--json", "--db", db)
    assert r.exit_code == 0, r.output
    summary = json.loads(r.output)
    assert summary["rows"] == rows
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header.split("\t" if len(columns) > 1 else ",")[:len(columns)] == columns
    assert summary["by_status"]["invalid"] == invalid


def test_xlsx_input_and_sheet(tmp_path: Path, db: str) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "First"
    ws.append(["name", "E-mail"])
    ws.append(["A", "a@example.com"])
    ws2 = wb.create_sheet("Second")
    ws2.append(["adresse"])
    ws2.append(["x@example.com"])
    ws2.append(["y@"])
    path = tmp_path / "book.xlsx"
    wb.save(path)
    r = run("check", str(path), "--level", "syntax", "--json", "--db", db)
    assert json.loads(r.output)["rows"] == 1
    r = run("check", str(path), "--level", "syntax", "--json", "--sheet", "Second", "--db", db)
    s = json.loads(r.output)
    assert s["rows"] == 2 and s["by_status"]["invalid"] == 1
    r = run("check", str(path), "--level", "syntax", "--sheet", "Nope", "--db", db)
    assert r.exit_code == 2 and "Nope" in r.output
    # A workbook saved under a .csv name is still read as a workbook.
    renamed = tmp_path / "book.csv"
    renamed.write_bytes(path.read_bytes())
    r = run("check", str(renamed), "--level", "syntax", "--json", "--sheet", "Second",
            "--db", db)
    assert r.exit_code == 0 and json.loads(r.output)["rows"] == 2, r.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(None, "not found", id="missing"),
        pytest.param(b"", "empty", id="empty"),
        pytest.param(b"name,city\nA,B\n", "no address column", id="no-address-column"),
        pytest.param(b"email\n", "no data rows", id="header-only"),
        pytest.param(b"\n\n\n", "no records", id="blank-lines"),
        pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
                     "Excel 97-2003 (.xls) or password-protected workbook", id="xls"),
    ],
)
def test_bad_input_is_one_clear_line_exit_2(tmp_path: Path, db: str, content: bytes | None,
                                           message: str) -> None:
    p = tmp_path / "in.csv"
    if content is not None:
        p.write_bytes(content)
    r = CliRunner().invoke(main, ["check", str(p), "--level", "syntax", "--db", db])
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert "Traceback" not in r.output


def test_unknown_level(tmp_path: Path, db: str) -> None:
    src = write(tmp_path, "base.csv", FRENCH)
    r = run("check", str(src), "--level", "deep", "--db", db)
    assert r.exit_code == 2 and "--level" in r.output
    r = run("check", str(src), "--level", "SYNTAX", "--json", "--db", db)  # any case
    assert r.exit_code == 0 and json.loads(r.output)["level"] == "syntax"


def test_smtp_level_requires_helo_and_mail_from(tmp_path: Path, db: str) -> None:
    src = write(tmp_path, "base.csv", FRENCH)
    r = run("check", str(src), "--level", "smtp", "--db", db)
    assert r.exit_code == 2 and "--helo" in r.output


def test_ragged_rows_are_kept_as_unparseable(tmp_path: Path, db: str) -> None:
    text = "email,name\na@example.com,A\nb@example.com,B,extra\nc@example.com\n\"d@x.com,D\n"
    src = write(tmp_path, "ragged.csv", text)
    out = tmp_path / "o.csv"
    r = run("check", str(src), "--level", "syntax", "-o", str(out), "--json", "--db", db)
    assert r.exit_code == 0, r.output
    s = json.loads(r.output)
    rows = read_csv(out)
    assert len(rows) - 1 == s["rows"]
    unparseable = [row for row in rows[1:] if row[-5] == "unparseable_row"]
    assert len(unparseable) == s["unparseable_rows"] >= 2
    assert any("b@example.com,B,extra" in row[0] for row in unparseable)


def test_rerun_reuses_import(tmp_path: Path, db: str) -> None:
    src = write(tmp_path, "base.csv", FRENCH)
    first = json.loads(run("check", str(src), "--level", "syntax", "--json", "--db", db).output)
    second = json.loads(run("check", str(src), "--level", "syntax", "--json", "--db", db).output)
    assert not first["reused_import"] and second["reused_import"]
    assert first["by_status"] == second["by_status"]


@pytest.mark.parametrize("rules", ["mailhygiene.pipeline.READER_VERSION",
                                   "mailhygiene.pipeline.SYNTAX_RULES_VERSION"])
def test_an_import_made_by_other_rules_is_not_reused(tmp_path: Path, db: str, rules: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """When the reader's or the syntax rules change, a store's earlier imports (decided by
    the old rules) are not reused: the file is imported again."""
    src = write(tmp_path, "base.csv", FRENCH)
    assert not json.loads(run("check", str(src), "--level", "syntax", "--json", "--db", db
                              ).output)["reused_import"]
    monkeypatch.setattr(rules, 99)
    again = json.loads(run("check", str(src), "--level", "syntax", "--json", "--db", db).output)
    assert not again["reused_import"]


def test_output_is_atomic_when_writing_fails(tmp_path: Path, db: str) -> None:
    src = write(tmp_path, "base.csv", FRENCH)
    r = run("check", str(src), "--level", "syntax", "-o", str(tmp_path / "no" / "x.csv"),
            "--db", db)
    assert r.exit_code == 2 and "does not exist" in r.output
    assert not list(tmp_path.glob("**/*.part"))


def test_human_summary(tmp_path: Path, db: str) -> None:
    src = write(tmp_path, "base.csv", FRENCH)
    r = run("check", str(src), "--level", "syntax", "--db", db)
    assert r.exit_code == 0
    assert "invalid" in r.output and "95% CI" in r.output
    assert "karim" not in r.output  # no address in the terminal summary


def test_version() -> None:
    assert run("--version").exit_code == 0


def test_mixed_encoding_file(tmp_path: Path, db: str) -> None:
    data = b"email;ville\n" + "a@example.com;Fès\n".encode() + \
        "b@example.com;Fès\n".encode("cp1252")
    p = tmp_path / "mixed.csv"
    p.write_bytes(data)
    out = tmp_path / "o.csv"
    r = run("check", str(p), "--level", "syntax", "-o", str(out), "--db", db)
    assert r.exit_code == 0, r.output
    rows = read_csv(out, delimiter=";")
    assert [row[1] for row in rows[1:]] == ["Fès", "Fès"]


def test_store_in_use_gives_clear_error(tmp_path: Path, db: str) -> None:
    import subprocess
    import sys
    import time

    src = write(tmp_path, "base.csv", FRENCH)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb,time; c=duckdb.connect({db!r}); print('ok', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--db", db])
        assert r.exit_code == 2 and "in use" in r.output
    finally:
        holder.kill()
        holder.wait()
    del time


def _csv_rows(text: str) -> int:
    return sum(1 for r in csv.reader(io.StringIO(text)) if r)


def test_bounce_history_decides_verdicts(tmp_path: Path, db: str) -> None:
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "bounces"
    src = write(tmp_path, "base.csv", "email\nghost@example.org\nalice@example.com\n"
                "bob@blocked.example\nfull@example.com\nnever@example.com\n")
    out = tmp_path / "o.csv"
    r = run("check", str(src), "--level", "syntax", "--bounces",
            str(fixtures / "postfix-maillog.log"), "-o", str(out), "--json", "--db", db)
    assert r.exit_code == 0, r.output
    s = json.loads(r.output)
    got = {row[0]: (row[1], row[2], row[3]) for row in read_csv(out)[1:]}
    assert got["ghost@example.org"] == ("invalid", "hard_bounced", "history")
    assert got["alice@example.com"] == ("valid", "delivered", "history")
    # A policy block is the sender's problem, a 4xx is never final: neither is invalid.
    assert got["bob@blocked.example"][0] != "invalid"
    assert got["full@example.com"][0] != "invalid"
    assert got["never@example.com"] == ("unknown", "syntax_ok", "syntax")
    assert s["from_history"] >= 2
    assert s["invalid_rate"] == pytest.approx(1 / 5)
    assert s["invalid_rate_without_history"] == 0.0
    # Importing the same file again adds nothing; history keeps applying.
    r2 = run("check", str(src), "--level", "syntax", "--bounces",
             str(fixtures / "postfix-maillog.log"), "--json", "--db", db)
    s2 = json.loads(r2.output)
    assert s2["bounces_imported"]["new_events"] == 0
    assert s2["by_status"] == s["by_status"]
    assert s2["bounces_imported"]["without_events"] == [] and "warning" not in r2.stderr


def test_a_bounce_file_without_events_is_named(tmp_path: Path, db: str) -> None:
    src = write(tmp_path, "base.csv", "email\nghost@example.org\n")
    junk = tmp_path / "garbage.bin"
    junk.write_bytes(bytes(range(256)) * 4)
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--bounces",
                                  str(junk), "--json", "--db", db])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["bounces_imported"]["without_events"] == [str(junk)]
    assert r.stderr == f"mailhygiene: warning: no bounce event found in 1 file: {junk}\n"


def test_a_bounce_folder_without_files_is_named(tmp_path: Path, db: str) -> None:
    src = write(tmp_path, "base.csv", "email\nghost@example.org\n")
    empty = tmp_path / "bounces"
    empty.mkdir()
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--bounces",
                                  str(empty), "--json", "--db", db])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["bounces_imported"]["empty_folders"] == [str(empty)]
    assert r.stderr == f"mailhygiene: warning: no file to read in 1 folder: {empty}\n"


def test_fold_providers_merges_gmail_variants(tmp_path: Path, db: str) -> None:
    src = write(tmp_path, "g.csv", "email\nj.ohn+news@gmail.com\njohn@googlemail.com\n"
                "john@gmail.com\na.b+x@example.com\nab@example.com\n")
    plain = json.loads(run("check", str(src), "--level", "syntax", "--json", "--db", db).output)
    folded = json.loads(run("check", str(src), "--level", "syntax", "--json", "--db", db,
                            "--fold-providers").output)
    assert plain["duplicates"] == 0
    # the three Gmail spellings are one mailbox; the example.com pair is not folded
    assert folded["duplicates"] == 2


def test_keep_formulas_and_name(tmp_path: Path, db: str) -> None:
    src = write(tmp_path, "f.csv", "email,note\na@example.com,=1+1\n")
    out = tmp_path / "o.csv"
    r = run("check", str(src), "--level", "syntax", "-o", str(out), "--keep-formulas",
            "--name", "clients-2024", "--json", "--db", db)
    assert json.loads(r.output)["base"] == "clients-2024"
    assert read_csv(out)[1][1] == "=1+1"


def test_restart_reimports(tmp_path: Path, db: str) -> None:
    src = write(tmp_path, "base.csv", FRENCH)
    run("check", str(src), "--level", "syntax", "--db", db)
    s = json.loads(run("check", str(src), "--level", "syntax", "--json", "--restart",
                       "--db", db).output)
    assert not s["reused_import"]


# (command line with {in}, {other}, {link}, {hard}, {db} placeholders, what the error names)
CLASHES = [
    ("check {in} -o {in}", "-o .* is the input"),
    ("check {in} -o {link}", "-o .* is the input"),
    ("check {link} -o {hard}", "-o .* is the input"),
    ("check {in} --html {in}", "--html .* is the input"),
    ("check {in} --bounces {other} -o {other}", "-o .* is the input"),
    ("check {in} -o {db}", r"-o .* is the store \(--db\)"),
    ("check {in} -o {db}.wal", "is the store's write-ahead log"),
    ("check {in} -o {other}.out --html {other}.out", "--html .* is also the file of -o"),
    ("check {db}", r"input .* is the store \(--db\)"),
    ("compare {in} {other} --html {other}", "--html .* is the input"),
    ("compare {in} {other} --html {db}", r"--html .* is the store \(--db\)"),
    ("fingerprint {in} --export {in}", "--export .* is the input"),
    ("report -o {db}", r"-o .* is the store \(--db\)"),
    ("report -o {in}", "a file of the run reported on"),
    ("check {in} --html {in}/x.html", "--html: cannot write in"),
    ("fingerprint {in} --export {in}/x.json", "--export: cannot write in"),
]


@pytest.mark.parametrize(("line", "error"), CLASHES)
def test_outputs_never_overwrite_inputs_or_the_store(tmp_path: Path, line: str,
                                                     error: str) -> None:
    """An output path naming an input (directly, by symlink or hard link), the store or
    another output is refused with one line and exit 2, and nothing is touched."""
    src = write(tmp_path, "in.csv", "email,name\na@example.org,x\nb@@x,y\n")
    other = write(tmp_path, "other.csv", "email\nc@example.org\n")
    (tmp_path / "link.csv").symlink_to(src)
    (tmp_path / "hard.csv").hardlink_to(src)
    db = tmp_path / "store.duckdb"
    assert run("check", str(src), "--level", "syntax", "--db", str(db)).exit_code == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    names = {"in": src, "other": other, "link": tmp_path / "link.csv",
             "hard": tmp_path / "hard.csv", "db": db}
    args = line.format(**{k: str(v) for k, v in names.items()}).split()
    r = CliRunner().invoke(main, [*args, "--db", str(db)])
    assert r.exit_code == 2, r.output
    assert re.search(error, r.output), r.output
    assert "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    """DuckDB 2 opens a CSV as an in-memory database: `--db contacts.csv` would run, record
    nothing and leave no trace. Any existing non-DuckDB file is refused."""
    src = write(tmp_path, "in.csv", "email\na@example.org\n")
    other = write(tmp_path, "contacts.csv", "email\nb@example.org\n")
    (tmp_path / "empty.duckdb").write_bytes(b"")
    for db in (other, tmp_path / "empty.duckdb"):
        for args in (["check", str(src), "--level", "syntax"], ["store", "info"],
                     ["report", "-o", str(tmp_path / "r.html")]):
            r = CliRunner().invoke(main, [*args, "--db", str(db)])
            assert r.exit_code == 2, r.output
            assert "not a mailhygiene store" in r.output
    assert other.read_text() == "email\nb@example.org\n"


ACCENTED = "nom;email\nRené;rene@exemple.fr\nZoé;zoe@exemple.ma\n"


def test_output_into_a_fifo_and_through_a_symlink(tmp_path: Path, db: str) -> None:
    """A named pipe (like /dev/stdout) is written into, not replaced by a regular file; a
    symlink is followed: the file it names gets the output, the link stays."""
    import os
    import stat
    import threading

    src = write(tmp_path, "in.csv", ACCENTED)
    fifo, report_fifo = tmp_path / "out.fifo", tmp_path / "report.fifo"
    os.mkfifo(fifo)
    os.mkfifo(report_fifo)
    got: dict[str, bytes] = {}

    def drain(p: Path) -> None:
        got[p.name] = p.read_bytes()

    # Daemon readers: were the pipes replaced, they would wait forever for a writer.
    readers = [threading.Thread(target=drain, args=(p,), daemon=True)
               for p in (fifo, report_fifo)]
    for t in readers:
        t.start()
    r = run("check", str(src), "--level", "syntax", "--db", db, "-o", str(fifo),
            "--html", str(report_fifo))
    for t in readers:
        t.join(timeout=30)
    assert r.exit_code == 0, r.output
    assert not any(t.is_alive() for t in readers), "nothing was written into the pipes"
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and stat.S_ISFIFO(report_fifo.lstat().st_mode)
    assert got["out.fifo"].decode().splitlines()[1].startswith("René;rene@exemple.fr;unknown")
    assert got["report.fifo"].startswith(b"<!DOCTYPE html>")
    target = write(tmp_path, "target.csv", "old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target.name)
    assert run("check", str(src), "--level", "syntax", "--db", db, "-o", str(link)
               ).exit_code == 0
    assert link.is_symlink() and target.read_text().startswith("nom;email;mh_status")


@pytest.mark.parametrize("content", [ACCENTED, ACCENTED.encode("cp1252").decode("latin-1")])
def test_output_mode_follows_the_umask_or_the_replaced_file(tmp_path: Path, db: str,
                                                            content: str) -> None:
    """Both writers (DuckDB's, and the assembled one for cp1252 input) give a new file the
    umask's mode, and keep the mode of a file they replace."""
    import os
    import stat

    src = tmp_path / "in.csv"
    src.write_bytes(content.encode("latin-1") if content != ACCENTED else content.encode())
    out = tmp_path / "out.csv"
    old = os.umask(0o022)
    try:
        assert run("check", str(src), "--level", "syntax", "--db", db, "-o", str(out)
                   ).exit_code == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o644
        out.chmod(0o640)
        assert run("check", str(src), "--level", "syntax", "--db", db, "-o", str(out)
                   ).exit_code == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o640
    finally:
        os.umask(old)


def test_output_in_a_directory_with_an_apostrophe(tmp_path: Path, db: str) -> None:
    src = write(tmp_path, "in.csv", ACCENTED)
    (tmp_path / "l'export").mkdir()
    out = tmp_path / "l'export" / "liste d'envoi.csv"
    r = run("check", str(src), "--level", "syntax", "--db", db, "-o", str(out))
    assert r.exit_code == 0, r.output
    assert len(read_csv(out, ";")) == 3


# (options, error expected or None, delimiter of the written file)
FORMAT_OPTIONS = [
    (["--out-delimiter", "tab"], None, "\t"),
    (["--out-delimiter", "\\t"], None, "\t"),
    (["--out-delimiter", "|"], None, "|"),
    (["--out-encoding", "UTF8"], None, ";"),
    (["--out-delimiter", '"'], "--out-delimiter: '\"' is not a usable delimiter", None),
    (["--out-delimiter", "\n"], "--out-delimiter: '\\n' is not a usable delimiter", None),
    (["--out-delimiter", ",,"], "--out-delimiter: ',,' is not a usable delimiter", None),
    (["--delimiter", "tab"], None, None),
    (["--delimiter", '"'], "--delimiter: '\"' is not a usable delimiter", None),
    (["--out-encoding", "bogus"], "--out-encoding: unknown text encoding 'bogus'", None),
    (["--out-encoding", "rot13"], "--out-encoding: unknown text encoding 'rot13'", None),
    (["--out-encoding", "ascii"],
     "--out-encoding ascii cannot encode U+00E9 (LATIN SMALL LETTER E WITH ACUTE)", None),
    (["--only", ","], "--only: no status given", None),
    (["--only", "UNKNOWN, Invalid"], None, ";"),
]


@pytest.mark.parametrize(("options", "error", "delimiter"), FORMAT_OPTIONS)
def test_output_format_options(tmp_path: Path, db: str, options: list[str], error: str | None,
                               delimiter: str | None) -> None:
    """Delimiter, encoding and --only options: names accepted, unusable values refused with
    one line and exit 2, and an encoding asked for that cannot hold the data refused rather
    than written with '?' in place of letters."""
    src = write(tmp_path, "in.csv", ACCENTED)
    if options[0] == "--delimiter":
        src = write(tmp_path, "in.tsv", ACCENTED.replace(";", "\t"))
    out = tmp_path / "out.csv"
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--db", db,
                                  "-o", str(out), *options])
    if error is None:
        assert r.exit_code == 0, r.output
        rows = read_csv(out, delimiter or "\t")
        assert len(rows) == 3 and rows[1][:2] == ["René", "rene@exemple.fr"]
        return
    assert r.exit_code == 2, r.output
    assert error in r.output and len(r.output.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("args", [["check", "{in}", "--level", "syntax", "--html", "{out}"],
                                  ["check", "{in}", "--level", "syntax", "-o", "{out}"],
                                  ["fingerprint", "{in}", "--export", "{out}"]])
def test_an_output_that_fails_at_write_time_is_one_line(tmp_path: Path, db: str,
                                                        args: list[str]) -> None:
    """/proc takes no new file, which no check before the work can tell: the write fails
    with one line and exit 2, not an internal error."""
    src = write(tmp_path, "in.csv", ACCENTED)
    line = [a.format(**{"in": str(src), "out": "/proc/mailhygiene-test.out"}) for a in args]
    r = CliRunner().invoke(main, [*line, "--db", db])
    assert r.exit_code == 2, r.output
    errors = [x for x in r.output.splitlines() if "warning: no HMAC key" not in x]
    assert errors == ["mailhygiene: error: cannot write /proc/mailhygiene-test.out: "
                      "No such file or directory"], r.output


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "soon"])
@pytest.mark.parametrize("option", [["check", "{in}", "--dns-timeout"],
                                    ["check", "{in}", "--greylist-delay"],
                                    ["retry", "--helo", "h.example", "--mail-from",
                                     "p@h.example", "--greylist-max-age"]])
def test_durations_must_be_finite_and_not_negative(tmp_path: Path, db: str, option: list[str],
                                                   value: str) -> None:
    """A timeout must be above zero; a delay may be zero (at once)."""
    src = write(tmp_path, "in.csv", ACCENTED)
    args = [a.format(**{"in": str(src)}) for a in option]
    r = CliRunner().invoke(main, [*args, value, "--db", db, *(
        ["--level", "syntax"] if args[0] == "check" else [])])
    if value == "0" and option[-1] != "--dns-timeout":
        assert "number of seconds" not in r.output, r.output
        return
    assert r.exit_code == 2 and "number of seconds" in r.output, r.output
    assert not Path(db).exists()


@pytest.mark.parametrize(("source_encoding", "options"), [
    ("utf-16", []),  # written back as UTF-16 (the input's encoding)
    ("utf-8", ["--out-encoding", "UTF-16"]),
])
def test_utf16_output_has_one_bom_and_every_row(tmp_path: Path, db: str, source_encoding: str,
                                                options: list[str]) -> None:
    """Python's utf-16 codec puts a BOM before every chunk it encodes: a file larger than one
    transcoding chunk (4 MB) would carry BOMs in the middle of its rows."""
    rows = 70_000
    text = "nom\temail\n" + "".join(f"Zoé {i}\tzoe.{i}@exemple.ma\n" for i in range(rows))
    src = tmp_path / "in.csv"
    src.write_bytes(text.encode(source_encoding))
    out = tmp_path / "out.csv"
    r = run("check", str(src), "--level", "syntax", "--db", db, "-o", str(out), *options)
    assert r.exit_code == 0, r.output
    data = out.read_bytes()
    assert data.startswith(b"\xff\xfe") and data.count(b"\xff\xfe") == 1
    lines = data[2:].decode("utf-16-le").splitlines()
    assert len(lines) == rows + 1 and "\ufeff" not in "".join(lines)
    assert lines[1].split("\t")[:3] == ["Zoé 0", "zoe.0@exemple.ma", "unknown"]


@pytest.mark.parametrize(("text", "expected"), [
    ("nom,email\nZoé,zoe@exemple.ma\n", None),  # UTF-8 below
    ("email\na@b.ma\n", None),
])
def test_utf8_is_not_taken_for_utf16(text: str, expected: str | None) -> None:
    from mailhygiene.ingest.encoding import _utf16_without_bom

    assert _utf16_without_bom(text.encode("utf-8")) is expected
    assert _utf16_without_bom(text.encode("utf-8") + b"\x00" * 3) is expected  # a stray NUL


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("names", ["Zoé;Ali", "زينب;علي"])  # Latin or Arabic names
def test_utf16_without_bom_is_read_and_written_back(tmp_path: Path, db: str, encoding: str,
                                                    names: str) -> None:
    first, second = names.split(";")
    text = f"nom;email\n{first};zoe@exemple.ma\n{second};a@@x\n"
    src = tmp_path / "in.csv"
    src.write_bytes(text.encode(encoding))
    out = tmp_path / "out.csv"
    r = run("check", str(src), "--level", "syntax", "--db", db, "-o", str(out), "--json")
    assert r.exit_code == 0, r.output
    by_status = json.loads(r.output)["by_status"]
    assert {k: v for k, v in by_status.items() if v} == {"invalid": 1, "unknown": 1}
    # every status is a key (0 included): stable for scripts
    assert set(by_status) == {"valid", "invalid", "catch_all", "risky", "do_not_mail",
                              "unknown", "duplicate"}
    rows = [line.split(";") for line in out.read_bytes().decode(encoding).splitlines()]
    assert rows[1][:3] == [first, "zoe@exemple.ma", "unknown"]
    assert rows[2][:3] == [second, "a@@x", "invalid"]


@pytest.mark.parametrize("args", [["check", "{in}", "--level", "syntax"],
                                  ["suppress", "import", "{in}"]])
def test_an_unknown_region_is_refused_before_a_store_exists(tmp_path: Path, db: str,
                                                            args: list[str]) -> None:
    src = write(tmp_path, "in.csv", ACCENTED)
    line = [a.format(**{"in": str(src)}) for a in args]
    r = CliRunner().invoke(main, [*line, "--default-region", "XX", "--db", db])
    assert r.exit_code == 2 and "unknown default region 'XX'" in r.output, r.output
    assert not Path(db).exists()


def test_another_file_with_the_same_bytes_is_its_own_base(tmp_path: Path, db: str) -> None:
    """Reusing first.csv's import for second.csv named first.csv (and its path) in the run,
    the summary and the report's record of input files."""
    first = write(tmp_path, "first.csv", "email\na@example.com\n")
    second = write(tmp_path, "second.csv", "email\na@example.com\n")
    s1 = json.loads(run("check", str(first), "--level", "syntax", "--json", "--db", db).output)
    s2 = json.loads(run("check", str(second), "--level", "syntax", "--json", "--db", db).output)
    assert (s1["base"], s2["base"]) == ("first", "second")
    assert s1["base_id"] != s2["base_id"]
    s3 = json.loads(run("check", str(second), "--level", "syntax", "--json", "--db", db).output)
    assert s3["base_id"] == s2["base_id"]  # the same file again: reused


def test_a_pipe_as_input_is_refused_clearly(tmp_path: Path, db: str) -> None:
    """A FIFO (or bash's <(...)) has size 0 and cannot be read twice: it is not "empty"."""
    import os
    import subprocess
    import sys

    fifo = tmp_path / "in.csv"
    os.mkfifo(fifo)
    # A subprocess with a timeout: opening a FIFO without a writer blocks (it hung the
    # digest's thread), and a hang must fail the test, not the whole run.
    r = subprocess.run([sys.executable, "-m", "mailhygiene", "check", str(fifo), "--level",
                        "syntax", "--db", db], capture_output=True, text=True, timeout=120,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and "not a regular file" in r.stderr and "empty" not in r.stderr


def test_empty_address_cells_are_counted_apart(tmp_path: Path, db: str) -> None:
    """Empty cells are rows (kept, invalid: syntax_empty) but not addresses: the summary
    gives the DESIGN.md rate over every unique row and the rate over the non-empty addresses,
    and the terminal table and the report say which is which."""
    src = write(tmp_path, "e.csv", "nom;email\nA;a@acme.fr\nB;\nC;c@\nD;  \nE;e@acme.fr\n")
    r = run("check", str(src), "--level", "syntax", "--json", "--db", db)
    assert r.exit_code == 0, r.output
    s = json.loads(r.output)
    assert (s["rows"], s["unique"], s["empty_cells"], s["addresses"]) == (5, 5, 2, 3)
    assert (s["invalid"], s["invalid_addresses"]) == (3, 1)
    assert s["invalid_rate"] == pytest.approx(3 / 5)
    assert s["invalid_rate_addresses"] == pytest.approx(1 / 3)
    lo, hi = s["invalid_rate_addresses_ci95"]
    assert lo < 1 / 3 < hi
    text = run("check", str(src), "--level", "syntax", "--db", db).output
    assert "of which 2 empty address cells; non-empty addresses 3, invalid 1, rate 33.3%" in text
    html = tmp_path / "r.html"
    assert run("check", str(src), "--level", "syntax", "--db", db, "--html",
               str(html)).exit_code == 0
    page = html.read_text(encoding="utf-8")
    assert "2 of these rows have an empty address cell" in page
    assert 'data-k="empty_cells" data-v="2"' in page


def test_the_rate_without_history_has_its_interval(tmp_path: Path, db: str) -> None:
    """Every rate is shown with its 95% interval: the rate without bounce history too, on the
    terminal and in the report's card (both showed the bare rate, the JSON its interval)."""
    log = Path(__file__).resolve().parents[1] / "fixtures" / "bounces" / "postfix-maillog.log"
    src = write(tmp_path, "h.csv", "email\na@acme.fr\nb@\nghost@example.org\nd@\n")
    html = tmp_path / "r.html"
    r = run("check", str(src), "--level", "syntax", "--bounces", str(log), "--json", "--db",
            db, "--html", str(html))
    assert r.exit_code == 0, r.output
    s = json.loads(r.output)
    lo, hi = s["invalid_rate_without_history_ci95"]
    assert s["invalid_rate"] == 0.75 and s["from_history"] == 1
    assert s["invalid_rate_without_history"] == 0.5 and 0 < lo < 0.5 < hi < 1
    text = run("check", str(src), "--level", "syntax", "--db", db).output
    assert f"without history: 50.0% (95% CI {100 * lo:.1f}% – {100 * hi:.1f}%)" in text
    page = html.read_text(encoding="utf-8")
    card = page.split('data-k="invalid_rate_without_history_ci95"', 1)[1].split("</div>", 1)[0]
    assert f"{100 * lo:.2f}% – {100 * hi:.2f}%" in card


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_no_rate_without_history_when_no_verdict_rests_on_history(
        tmp_path: Path, db: str, lang: str) -> None:
    """With no verdict from bounce history, the rate without it is the invalid rate: the
    terminal and the report do not repeat it (the JSON keeps the key)."""
    src = write(tmp_path, "h.csv", "email\na@acme.fr\nb@\nc@acme.fr\nd@\n")
    html = tmp_path / "r.html"
    r = run("check", str(src), "--level", "syntax", "--json", "--db", db, "--html", str(html),
            "--lang", lang)
    assert r.exit_code == 0, r.output
    s = json.loads(r.output)
    assert s["from_history"] == 0
    assert s["invalid_rate_without_history"] == s["invalid_rate"] == 0.5
    assert "without history" not in run("check", str(src), "--level", "syntax", "--db",
                                        db).output
    page = html.read_text(encoding="utf-8")
    assert 'data-k="invalid_rate_without_history' not in page
    assert 'data-k="from_history" data-v="0"' in page


def test_each_domain_share_has_its_interval(tmp_path: Path, db: str) -> None:
    """The JSON and the terminal give each top domain's invalid share with its Wilson 95%
    interval: none of 12 addresses invalid reads 0.0%, with room up to about a quarter."""
    src = write(tmp_path, "d.csv", "email\n" + "".join(f"u{i}@acme.fr\n" for i in range(12)))
    s = json.loads(run("check", str(src), "--level", "syntax", "--json", "--db", db).output)
    (acme,) = s["top_domains"]
    lo, hi = acme["invalid_share_ci95"]
    assert (acme["rows"], acme["invalid"], lo) == (12, 0, 0.0) and 0.24 < hi < 0.25
    text = run("check", str(src), "--level", "syntax", "--db", db).output
    assert re.search(r"\n  acme\.fr +12  invalid 0\.0% \(95% CI 0\.0% – 24\.2%\)\n", text), text


@pytest.mark.parametrize(("args", "said"), [
    (["check", "{dir}"], "Invalid value for 'INPUT': File '{dir}' is a directory."),
    (["check", "{csv}", "--lang", "de"], "Invalid value for '--lang'"),
    (["check", "{csv}", "--levl", "mx"], "No such option '--levl'"),
    (["check"], "Missing argument 'INPUT'."),
    (["check", "{csv}", "--dns-timeout", "abc"], "'abc' is not a number of seconds"),
    (["suppress", "import", "{dir}/none.csv"], "does not exist"),
    (["nocmd"], "No such command 'nocmd'."),
    (["bogus-command", "--bogus"], "No such command 'bogus-command'."),
    (["--bogus"], "No such option '--bogus'."),
    (["--bogus", "check", "{csv}"], "No such option '--bogus'."),
    (["--bogus", "--help"], "No such option '--bogus'."),
    (["store", "--bogus"], "No such option '--bogus'."),
    (["store", "bogus"], "No such command 'bogus'."),
])
def test_usage_errors_are_one_line(tmp_path: Path, args: list[str], said: str) -> None:
    """A bad option or argument is bad input like any other: one line on stderr, exit 2, not
    click's four-line usage block; the tool's own options too (`mailhygiene --bogus` was
    parsed before the group's error handling ran)."""
    src = tmp_path / "c.csv"
    src.write_text("email\na@example.com\n")
    fill = {"dir": str(tmp_path), "csv": str(src)}
    r = CliRunner().invoke(main, [a.format(**fill) for a in args])
    assert r.exit_code == 2, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mailhygiene: error: "), r.output
    assert said.format(**fill) in lines[0] and "--help')" in lines[0]


@pytest.mark.parametrize("args", [[], ["store"], ["suppress"]], ids=["tool", "store", "suppress"])
def test_a_group_without_a_command_shows_its_help(args: list[str]) -> None:
    """`mailhygiene store` alone prints the group's help, as `mailhygiene` alone does, not
    its help squeezed into an error line."""
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2, r.output
    assert r.output.startswith("Usage: ") and "mailhygiene: error" not in r.output
    assert "Commands:" in r.output


@pytest.mark.parametrize("name", ["missing.csv", "adir", "empty.csv"])
def test_bad_input_leaves_no_store_behind(tmp_path: Path, name: str) -> None:
    (tmp_path / "adir").mkdir()
    (tmp_path / "empty.csv").write_bytes(b"")
    db = tmp_path / "new.duckdb"
    r = CliRunner().invoke(main, ["check", str(tmp_path / name), "--db", str(db)])
    assert r.exit_code == 2, r.output
    assert not db.exists() and not any(tmp_path.glob("new.duckdb*"))


def test_top_level_help_lists_every_command_without_importing_them() -> None:
    import subprocess
    import sys

    from mailhygiene.cli import COMMANDS, SUMMARIES

    assert set(SUMMARIES) == set(COMMANDS)
    code = ("import sys; from click.testing import CliRunner; from mailhygiene.cli import main; "
            "r = CliRunner().invoke(main, ['--help']); print(r.output); "
            "print(sorted(m for m in sys.modules if m.startswith('mailhygiene.cli.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    for name, summary in SUMMARIES.items():
        assert f"{name}" in out and summary in out
    loaded = out.strip().splitlines()[-1]
    assert not any(f"'mailhygiene.cli.{m}'" in loaded for m in set(COMMANDS.values()))


def test_a_bound_near_zero_is_not_written_as_zero(tmp_path: Path, db: str) -> None:
    """None of 20,000 addresses invalid: the upper bound is 0.02%, which '0.0% – 0.0%' hid, as
    if the share were known to be exactly 0."""
    src = write(tmp_path, "d.csv", "email\n" + "".join(f"u{i}@acme.fr\n" for i in range(20_000)))
    text = run("check", str(src), "--level", "syntax", "--db", db).output
    assert re.search(r"\n  acme\.fr +20,000  invalid 0\.0% \(95% CI 0\.0% – 0\.02%\)\n",
                     text), text
    assert "rate 0.0% (95% CI 0.0% – 0.02%, of unique rows)" in text
