"""`suppress import` on the files opt-out lists really come in: UTF-16 and other encodings, XLSX
workbooks, odd or hostile entries, and files with nothing to import (a truncated export)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from mailhygiene.cli import main
from mailhygiene.errors import InputError
from mailhygiene.store import Store
from mailhygiene.suppress import import_suppression, list_suppressions, normalize_entry
from mailhygiene.syntax import check_syntax


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "s.duckdb")


def _values(store: Store) -> set[str]:
    return {str(r[0]) for r in store.fetchall("SELECT value FROM suppressions")}


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    wb.create_sheet("second").append(["email", "never@read.fr"])
    wb.save(path)
    return path


def _import(tmp_path: Path, listed: Path, *args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["suppress", "import", str(listed), *args,
                                  "--db", str(tmp_path / "s.duckdb")])
    return r.exit_code, r.stdout, r.stderr


def _checked(tmp_path: Path, rows: list[str]) -> dict[str, str]:
    """`check --level syntax` of a one-column CSV against the store: status per address."""
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("email\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    r = CliRunner().invoke(main, ["check", str(contacts), "--level", "syntax", "-o", str(out),
                                  "--db", str(tmp_path / "s.duckdb")])
    assert r.exit_code == 0, r.output
    with out.open(encoding="utf-8-sig", newline="") as fh:
        return {row["email"]: row["mh_status"] for row in csv.DictReader(fh)}


# --- 1. encodings --------------------------------------------------------------------------
LIST_TEXT = "email\nc@z.fr\nd@w.fr\nrené@café.fr\n"
LIST_KEYS = {"c@z.fr", "d@w.fr", "rené@xn--caf-dma.fr"}


@pytest.mark.parametrize("encoding", [
    pytest.param("utf-16", id="utf-16-bom"),
    pytest.param("utf-16-le", id="utf-16-le-no-bom"),
    pytest.param("utf-16-be", id="utf-16-be-no-bom"),
    pytest.param("utf-8-sig", id="utf-8-bom"),
    pytest.param("cp1252", id="cp1252"),
])
def test_list_is_decoded_as_check_decodes_contacts(store: Store, tmp_path: Path,
                                                   encoding: str) -> None:
    f = tmp_path / "optout.txt"
    f.write_bytes(LIST_TEXT.encode(encoding))
    st_ = import_suppression(store, f)
    assert (st_.kind, st_.read, st_.stored, st_.rejected) == ("email", 3, 3, 0)
    assert _values(store) == LIST_KEYS


def test_utf16_list_suppresses_in_check(tmp_path: Path) -> None:
    """The tester's case: the list was stored as NUL-ridden junk and c@z.fr was mailed."""
    f = tmp_path / "u16.txt"
    f.write_bytes("email\nc@z.fr\nd@w.fr\n".encode("utf-16"))
    rc, out, err = _import(tmp_path, f)
    assert rc == 0, err
    assert "2 read, 2 new, 0 already listed, 0 rejected" in out
    assert _checked(tmp_path, ["c@z.fr", "other@z.fr"]) == {
        "c@z.fr": "do_not_mail", "other@z.fr": "unknown"}


def test_utf16_csv_with_header_and_delimiter(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "export.csv"
    f.write_bytes("Nom;Adresse e-mail\nRené;Rene@Z.fr\nJo;jo@w.fr\n".encode("utf-16"))
    st_ = import_suppression(store, f)
    assert (st_.read, st_.stored) == (2, 2)
    assert _values(store) == {"rene@z.fr", "jo@w.fr"}


@pytest.mark.parametrize(("text", "values"), [
    pytest.param("Nom;Adresse;Adresse courriel\nA;12 rue X, Paris;a@x.fr\nB;3 av. Y;b@x.fr\n",
                 {"a@x.fr", "b@x.fr"}, id="postal-adresse-beside-courriel"),
    pytest.param("Nom;Email;Mail pro\nA;;a@x.fr\nB;;b@x.fr\nC;c@y.fr;\n",
                 {"a@x.fr", "b@x.fr"}, id="the-fuller-of-two-mail-columns"),
    pytest.param("Nom;Email;Mail pro\nA;a@y.fr;\nB;b@y.fr;\nC;;c@x.fr\n",
                 {"a@y.fr", "b@y.fr"}, id="email-when-it-holds-more"),
])
def test_the_address_column_is_the_one_check_reads(store: Store, tmp_path: Path, text: str,
                                                   values: set[str]) -> None:
    """Of several columns whose names could be the address's, `check`'s choice (the most
    `@` in the first 200 rows): the first name alone took a French export's postal `Adresse`
    (every entry rejected, exit 2) or the emptier of two mail columns."""
    f = tmp_path / "optout.csv"
    f.write_text(text, encoding="utf-8")
    st_ = import_suppression(store, f)
    assert st_.kind == "email" and _values(store) == values


# --- 2. XLSX -------------------------------------------------------------------------------
def test_xlsx_first_sheet_is_read_with_its_header(store: Store, tmp_path: Path) -> None:
    f = _xlsx(tmp_path / "optout.xlsx", [["Nom", "Email"], ["A", "A@B.fr"], ["C", "c@d.fr"],
                                         [None, None], ["E", "not an address"]])
    st_ = import_suppression(store, f)
    assert (st_.list_name, st_.kind) == ("optout", "email")
    assert (st_.read, st_.stored, st_.rejected) == (3, 2, 1)
    assert _values(store) == {"a@b.fr", "c@d.fr"}


def test_xlsx_without_header_and_phone_sheet(store: Store, tmp_path: Path) -> None:
    emails = _xlsx(tmp_path / "plain.xlsx", [["a@b.fr"], ["c@d.fr"]])
    assert import_suppression(store, emails).stored == 2
    phones = _xlsx(tmp_path / "bloctel.xlsx", [["Téléphone"], [612345678], ["06 12 34 56 79"]])
    st_ = import_suppression(store, phones, default_region="FR")
    assert (st_.kind, st_.stored) == ("phone", 2)
    assert {"+33612345678", "+33612345679"} <= _values(store)


def test_xlsx_saved_under_a_csv_name_is_still_a_workbook(tmp_path: Path) -> None:
    book = _xlsx(tmp_path / "book.xlsx", [["email"], ["a@b.fr"]])
    renamed = tmp_path / "optout.csv"
    renamed.write_bytes(book.read_bytes())
    rc, out, err = _import(tmp_path, renamed)
    assert rc == 0, err
    assert "1 read, 1 new, 0 already listed, 0 rejected" in out
    assert _checked(tmp_path, ["a@b.fr"]) == {"a@b.fr": "do_not_mail"}


def test_csv_saved_under_an_xlsx_name_is_read_as_text(tmp_path: Path) -> None:
    renamed = tmp_path / "optout.xlsx"
    renamed.write_bytes(b"email\na@b.fr\n")
    rc, out, err = _import(tmp_path, renamed)
    assert rc == 0, err
    assert "1 read, 1 new, 0 already listed, 0 rejected" in out


def test_xls_and_broken_workbooks_are_refused(tmp_path: Path) -> None:
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    rc, _, err = _import(tmp_path, xls)
    assert rc == 2 and "save it as .xlsx or CSV" in err
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    rc, _, err = _import(tmp_path, broken)
    assert rc == 2 and "cannot read" in err and "as XLSX" in err
    assert not (tmp_path / "s.duckdb").exists()


# --- 3. entries judged as check judges addresses -------------------------------------------
@pytest.mark.parametrize(("value", "expected"), [
    # Junk `check` would find invalid: no contact with it can be mailed, nothing to store.
    pytest.param("x" * 2_000_006 + "@a.com", None, id="2M-local-part"),
    pytest.param("j" * 249 + "@a.com", None, id="over-254-characters"),
    pytest.param('=hyperlink("x")@a.com', None, id="formula"),
    pytest.param('"unterminated@x.com', None, id="unterminated-quote"),
    pytest.param("n@u\x00l.com", None, id="nul"),
    pytest.param("bad@@example.ma", None, id="double-at"),
    pytest.param("jo@localhost", None, id="no-dot"),
    pytest.param("jo@corp.local", None, id="special-use-domain"),
    pytest.param("jo@[192.0.2.1]", None, id="domain-literal"),
    pytest.param('"jo doe"@acme.fr', None, id="quoted-local-part"),
    pytest.param("Jean <jean@acme.fr> (work)", None, id="name-addr-with-trailer"),
    # Valid as written: the key `check` gives the same cell.
    pytest.param("'quoted@a.com", "'quoted@a.com", id="apostrophe-is-atext"),
    pytest.param(" JEAN.Dupont@Acme.FR\u00a0", "jean.dupont@acme.fr", id="case-and-spaces"),
    pytest.param("René@Café.fr", "rené@xn--caf-dma.fr", id="unicode"),
    # Odd spellings of one real mailbox: honoured (suppression errs on not mailing).
    pytest.param("Jean Dupont <Jean@Acme.fr>", "jean@acme.fr", id="name-addr"),
    pytest.param('"Dupont, Jean" <jean@acme.fr>', "jean@acme.fr", id="quoted-name-addr"),
    pytest.param("<jean@acme.fr>", "jean@acme.fr", id="angle-addr"),
    pytest.param("mailto:Jean@acme.fr", "jean@acme.fr", id="mailto"),
    pytest.param("jean@acme.fr.", "jean@acme.fr", id="absolute-domain"),
    pytest.param("'-jean@acme.fr", "-jean@acme.fr", id="check-formula-escape-undone"),
])
def test_email_entries(value: str, expected: str | None) -> None:
    assert normalize_entry(value, "email", False) == expected


@pytest.mark.parametrize(("value", "expected"), [
    pytest.param('=hyperlink("x").com', None, id="formula"),
    pytest.param("u\x00l.com", None, id="nul"),
    pytest.param("corp.test", None, id="special-use"),
    pytest.param("a" * 64 + ".com", None, id="label-over-63"),
    pytest.param("acme.fr.", "acme.fr", id="absolute"),
    pytest.param("*.Acme.FR", "acme.fr", id="wildcard"),
])
def test_domain_entries(value: str, expected: str | None) -> None:
    assert normalize_entry(value, "domain", False) == expected


ADDRESS_CHARS = st.sampled_from([*"ab.-_+'=@ \"<>é\x00Z9", "--", "@x.fr", "@é.ma", "mailto:"])


@settings(max_examples=300, deadline=None)
@given(st.lists(ADDRESS_CHARS, max_size=12).map("".join))
def test_an_entry_is_stored_as_check_keys_the_same_cell(text: str) -> None:
    """Whatever `check` accepts is stored under the key it gives the contact, so they match
    (except behind check's own formula escape, undone); what it refuses is never stored as
    written."""
    verdict = check_syntax(text)
    key = normalize_entry(text, "email", False)
    escaped = re.match(r"'[-=+@\t\r]", text.strip())
    unescaped = normalize_entry(text.strip()[1:], "email", False) if escaped else None
    if verdict.ok:
        assert key == (unescaped or verdict.key)
    elif key is not None:
        assert key != text.strip() and check_syntax(key).ok


def test_hostile_entries_are_counted_as_rejected(tmp_path: Path) -> None:
    f = tmp_path / "optout.txt"
    f.write_text("\n".join([
        "x" * 2_000_006 + "@a.com", '=hyperlink("x")@a.com', '"unterminated@x.com',
        "n@u\x00l.com", "'quoted@a.com", "Jean <jean@acme.fr>", "ok@acme.fr",
    ]) + "\n", encoding="utf-8")
    rc, out, err = _import(tmp_path, f, "--json")
    assert rc == 0, err
    assert '"read": 7' in out and '"stored": 3' in out and '"rejected": 4' in out
    values = {str(r[0]) for r in Store(tmp_path / "s.duckdb").fetchall(
        "SELECT value FROM suppressions")}
    assert values == {"'quoted@a.com", "jean@acme.fr", "ok@acme.fr"}
    assert _checked(tmp_path, ["jean@acme.fr", "'quoted@a.com", "quoted@a.com"]) == {
        "jean@acme.fr": "do_not_mail", "'quoted@a.com": "do_not_mail",
        "quoted@a.com": "unknown"}


def test_quoted_fields_and_stray_quotes(store: Store, tmp_path: Path) -> None:
    one = tmp_path / "quoted.txt"
    one.write_text('"jo@x.fr"\n"ann@x.fr"\n', encoding="utf-8")
    assert import_suppression(store, one).stored == 2
    assert _values(store) == {"jo@x.fr", "ann@x.fr"}
    # A stray quote costs its own line, counted as rejected; it never swallows the lines after.
    many = tmp_path / "export.csv"
    many.write_text('email,source\n"bob@x.fr,web\ncarl@x.fr,web\ndan@x.fr,web\n',
                    encoding="utf-8")
    st_ = import_suppression(store, many)
    assert (st_.read, st_.stored, st_.rejected) == (3, 2, 1)
    assert {"carl@x.fr", "dan@x.fr"} <= _values(store)


def test_a_list_of_only_hostile_entries_stores_nothing(tmp_path: Path) -> None:
    f = tmp_path / "junk.txt"
    f.write_text('=hyperlink("x")@a.com\nn@u\x00l.com\n', encoding="utf-8")
    rc, out, err = _import(tmp_path, f)
    assert rc == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert "all 2 entries" in err and "syntax_quoted_or_literal" in err
    assert list_suppressions(Store(tmp_path / "s.duckdb")) == []


# --- 4. nothing to import ------------------------------------------------------------------
@pytest.mark.parametrize("content", [
    pytest.param(b"", id="empty"),
    pytest.param(b"\n\n  \r\n\t\n", id="blank-lines"),
    pytest.param(b"email\n", id="header-only"),
    pytest.param(b"email\r\n\r\n\r\n", id="header-and-blank-lines"),
    pytest.param(b"Nom;Email\n", id="csv-header-only"),
    pytest.param(b"email,nom\n,Jo\n ,Ann\n", id="empty-column"),
    pytest.param(b"# opt-outs 2024-06\n", id="comment-only"),
    pytest.param(b"\xef\xbb\xbf", id="utf-8-bom-only"),
    pytest.param("email\n".encode("utf-16"), id="utf-16-header-only"),
    pytest.param(b"sha256\n", id="hash-header"),
])
def test_a_file_with_nothing_to_import_fails_and_creates_nothing(tmp_path: Path,
                                                                 content: bytes) -> None:
    f = tmp_path / "optout.txt"
    f.write_bytes(content)
    rc, out, err = _import(tmp_path, f)
    assert rc == 2, out
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert "optout.txt has no entries" in err
    assert not (tmp_path / "s.duckdb").exists()
    from mailhygiene.suppress import read_suppression_file

    with pytest.raises(InputError, match="no entries"):
        read_suppression_file(f)


def test_header_only_workbook_and_phone_list_fail(tmp_path: Path) -> None:
    book = _xlsx(tmp_path / "optout.xlsx", [["Email", "Nom"]])
    rc, _, err = _import(tmp_path, book)
    assert rc == 2 and "optout.xlsx has no entries" in err
    phones = tmp_path / "bloctel.csv"
    phones.write_text("Téléphone\n", encoding="utf-8")
    rc, _, err = _import(tmp_path, phones, "--kind", "phone", "--default-region", "FR")
    assert rc == 2 and "bloctel.csv has no entries" in err
    assert not (tmp_path / "s.duckdb").exists()


def test_an_empty_file_leaves_an_existing_list_alone(tmp_path: Path) -> None:
    f = tmp_path / "crm.txt"
    f.write_text("a@b.fr\n", encoding="utf-8")
    assert _import(tmp_path, f)[0] == 0
    f.write_text("email\n", encoding="utf-8")  # the next night's export, truncated
    assert _import(tmp_path, f)[0] == 2
    rows = list_suppressions(Store(tmp_path / "s.duckdb"))
    assert [(r["list"], r["entries"]) for r in rows] == [("crm", 1)]


# --- title rows ----------------------------------------------------------------------------
# A title above the header ("Désinscrits 2024", padded with delimiters or not, a date) is
# neither an entry nor the header: read by `check`'s rule (titles.title_rows). It was read as
# the header (a bare title line made a CSV one value per line) or as a rejected entry, and
# the real header then hid the column: nothing stored.
@pytest.mark.parametrize(("text", "kind", "values", "counts"), [
    pytest.param("Désinscrits 2024\nNom;Email;Date\nA;a@acme.fr;2024\nB;B@acme.fr;2024\n",
                 "email", {"a@acme.fr", "b@acme.fr"}, (2, 0), id="bare-title-csv"),
    pytest.param("Désinscrits 2024;;\n;;\nExtrait le 05/01/2024;;\nNom;Email;Date\n"
                 "A;a@acme.fr;2024\nB;B@acme.fr;2024\n", "email", {"a@acme.fr", "b@acme.fr"},
                 (2, 0), id="padded-title-date-csv"),
    pytest.param("Liste emailing désinscrits\nemail\na@acme.fr\nnot an address\n", "email",
                 {"a@acme.fr"}, (2, 1), id="one-column-title-naming-mail"),
    pytest.param("Bloctel export\nnumero\n0612345678\n0698765432\n", "phone",
                 {"+33612345678", "+33698765432"}, (2, 0), id="one-column-phones"),
    pytest.param("Partenaire X\nemail_sha256\n" + "ab" * 32 + "\n", "email", {"ab" * 32},
                 (1, 0), id="one-column-digests"),
    # no header below the first line: the first line is an entry (rejected), as before
    pytest.param("Désinscrits 2024\na@acme.fr\n", "email", {"a@acme.fr"}, (2, 1),
                 id="title-without-header-is-an-entry"),
    # a list of numbers has no '@' to end the titles: an entry does
    pytest.param("0612345678;\nNom;Téléphone;Ville\nA;0698765432;P\n", "phone",
                 {"+33612345678"}, (3, 2), id="number-above-a-header-is-an-entry"),
    pytest.param("email\nemail\na@acme.fr\n", "email", {"a@acme.fr"}, (2, 1),
                 id="repeated-header"),
])
def test_title_rows_above_the_header(store: Store, tmp_path: Path, text: str, kind: str,
                                     values: set[str], counts: tuple[int, int]) -> None:
    f = tmp_path / "optout.csv"
    f.write_text(text, encoding="utf-8")
    st_ = import_suppression(store, f, default_region="FR")
    assert st_.kind == kind
    assert _values(store) == values
    assert (st_.read, st_.rejected) == counts


@pytest.mark.parametrize("rows", [
    pytest.param([["Désinscrits 2024"], ["Nom", "Email"], ["A", "a@acme.fr"],
                  ["B", "b@acme.fr"]], id="table"),
    pytest.param([["Désinscrits 2024"], [None], ["Adresse e-mail"], ["a@acme.fr"],
                  ["b@acme.fr"]], id="one-column"),
])
def test_xlsx_title_rows_above_the_header(tmp_path: Path, rows: list[list[object]]) -> None:
    f = _xlsx(tmp_path / "optout.xlsx", rows)
    code, out, err = _import(tmp_path, f)
    assert code == 0, err
    assert "2 read, 2 new" in out, out
    assert _checked(tmp_path, ["a@acme.fr", "b@acme.fr", "c@acme.fr"]) == {
        "a@acme.fr": "do_not_mail", "b@acme.fr": "do_not_mail", "c@acme.fr": "unknown"}
