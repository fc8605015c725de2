from __future__ import annotations

import csv
import hashlib
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailhygiene.cli import main
from mailhygiene.errors import InputError
from mailhygiene.phones import apply_phones
from mailhygiene.store import Store
from mailhygiene.suppress import (
    apply_suppressions,
    import_suppression,
    list_suppressions,
    normalize_entry,
)
from tests.test_enrich import build_base


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "s.duckdb")


@pytest.mark.parametrize(
    ("value", "kind", "hashed", "expected"),
    [
        pytest.param("  Jean.Dupont@Example.MA ", "email", False, "jean.dupont@example.ma",
                     id="email-trim-case"),
        pytest.param("JEAN@exämple.ma", "email", False, "jean@xn--exmple-cua.ma", id="email-idn"),
        pytest.param("not an address", "email", False, None, id="email-garbage"),
        pytest.param("06 61 12 34 56", "phone", False, "+212661123456", id="phone-national"),
        pytest.param("+33 6 12 34 56 78", "phone", False, "+33612345678", id="phone-intl"),
        pytest.param("12", "phone", False, None, id="phone-garbage"),
        pytest.param("@Example.COM", "domain", False, "example.com", id="domain-at"),
        pytest.param("exämple.ma", "domain", False, "xn--exmple-cua.ma", id="domain-idn"),
        pytest.param("localhost", "domain", False, None, id="domain-no-dot"),
        pytest.param("jane@gmail.com", "domain", False, None, id="domain-address-rejected"),
        pytest.param("@@gmail.com", "domain", False, None, id="domain-double-at"),
        pytest.param(sha("x@y.ma").upper(), "email", True, sha("x@y.ma"), id="hash-upper"),
        pytest.param("abc", "email", True, None, id="hash-garbage"),
    ],
)
def test_normalize_entry(value: str, kind: str, hashed: bool, expected: str | None) -> None:
    assert normalize_entry(value, kind, hashed, "MA") == expected


def test_import_detects_kind_and_hashing_and_dedupes(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "optout.txt"
    f.write_text("# opt-outs\nJean@Example.ma\njean@example.ma\nnope\nsara@example.ma\n")
    st = import_suppression(store, f)
    assert (st.list_name, st.kind, st.hashed) == ("optout", "email", False)
    assert (st.read, st.stored, st.repeated, st.rejected) == (4, 2, 1, 1)
    again = import_suppression(store, f)
    assert (again.stored, again.repeated) == (0, 3)

    h = tmp_path / "hashed.csv"
    h.write_text("sha256;source\n" + sha("karim@example.ma") + ";web\n")
    st2 = import_suppression(store, h, "partner")
    assert (st2.kind, st2.hashed, st2.stored) == ("email", True, 1)

    p = tmp_path / "bloctel.csv"
    p.write_text("telephone,date\n06 12 34 56 78,2024-01-01\n0142685300,2024-02-01\n")
    st3 = import_suppression(store, p, "bloctel", default_region="FR")
    assert (st3.kind, st3.stored) == ("phone", 2)
    assert {r["list"]: r["entries"] for r in list_suppressions(store)} == {
        "bloctel": 2, "optout": 2, "partner": 1}
    with pytest.raises(InputError):
        import_suppression(store, f, kind="fax")
    with pytest.raises(InputError):
        import_suppression(store, tmp_path / "missing.txt")


def _state(store: Store, base_id: int) -> dict[int, tuple[str, str, str]]:
    return {r[0]: (r[1], r[2], r[3]) for r in store.fetchall(
        "SELECT row_no, status, reason, flags FROM contacts WHERE base_id = ? ORDER BY row_no",
        [base_id])}


def test_apply_suppressions_emails_domains_hashes_phones(store: Store, tmp_path: Path) -> None:
    header = ["Email", "Tel"]
    rows = [
        ["Jean.Dupont@EXAMPLE.ma", "06 61 12 34 56"],   # 1 plain email list (normalized)
        ["karim@example.ma", "+212 5 22 12 34 56"],      # 2 hashed email list
        ["anyone@optout-corp.ma", "0761123456"],         # 3 domain list
        ["x@sales.optout-corp.ma", ""],                  # 4 subdomain of a listed domain
        ["sara@example.ma", "06.61.12.34.56"],          # 5 not listed; its phone is (plain)
        ["bad@@example.ma", "05 22"],                    # 6 invalid: stays invalid
        ["jean.dupont@example.ma", ""],                  # 7 duplicate of 1: stays duplicate
        ["omar@example.ma", "0537112233"],               # 8 phone on a hashed list (no '+')
    ]
    base_id = build_base(store, header, rows)
    (tmp_path / "emails.txt").write_text("jean.dupont@example.ma\nbad@@example.ma\n")
    (tmp_path / "hashed.txt").write_text(sha("karim@example.ma") + "\n")
    (tmp_path / "domains.txt").write_text("optout-corp.ma\n")
    (tmp_path / "phones.txt").write_text("+212661123456\n")
    (tmp_path / "phones_hashed.txt").write_text(sha("212537112233") + "\n")
    import_suppression(store, tmp_path / "emails.txt", "crm", kind="email")
    import_suppression(store, tmp_path / "hashed.txt", "partner")
    import_suppression(store, tmp_path / "domains.txt", "corp", kind="domain")
    import_suppression(store, tmp_path / "phones.txt", "calls", kind="phone")
    import_suppression(store, tmp_path / "phones_hashed.txt", "calls_h", kind="phone")
    apply_phones(store, base_id, None, "MA")

    st = apply_suppressions(store, base_id)
    got = _state(store, base_id)
    assert got[1] == ("do_not_mail", "suppressed", "suppressed")
    assert got[2] == ("do_not_mail", "suppressed", "suppressed")
    assert got[3] == ("do_not_mail", "suppressed", "suppressed")
    assert got[4] == ("do_not_mail", "suppressed", "suppressed")
    assert got[5] == ("unknown", "smtp_skipped", "")
    assert got[6][0] == "invalid"  # "bad@@..." is not a valid key: no match, no flag
    assert got[7] == ("duplicate", "duplicate_of", "suppressed")
    assert got[8] == ("unknown", "smtp_skipped", "")
    assert (st.email_rows, st.marked, st.domain_rows) == (5, 4, 2)
    assert st.by_list == {"corp": 2, "crm": 2, "partner": 1}
    detail = store.scalar("SELECT detail FROM contacts WHERE base_id = ? AND row_no = 2",
                          [base_id])
    assert detail == "suppression list: partner"

    phones = store.fetchall("SELECT row_no, mh_tel_status, mh_tel_reason FROM mh_phones_1 "
                            "ORDER BY row_no")
    assert phones[0] == (1, "suppressed", "calls")
    assert phones[4] == (5, "suppressed", "calls")
    assert phones[7] == (8, "suppressed", "calls_h")
    assert phones[1] == (2, "valid", "")
    assert phones[5] == (6, "invalid", "too_short")  # invalid numbers are never re-labelled
    assert st.phones == {"Tel": 3}

    # Idempotent.
    st2 = apply_suppressions(store, base_id)
    assert _state(store, base_id) == got
    assert (st2.email_rows, st2.marked, st2.phones) == (5, 0, {"Tel": 3})


def test_cli_import_and_list(tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    f = tmp_path / "stop.txt"
    f.write_text("a@example.ma\nb@example.ma\nnot-an-address\n")
    runner = CliRunner()
    r = runner.invoke(main, ["suppress", "import", str(f), "--list", "stop", "--db", db])
    assert r.exit_code == 0, r.output
    assert "2 new" in r.output and "1 rejected" in r.output
    r = runner.invoke(main, ["suppress", "import", str(f), "--plain", "--kind", "email",
                             "--json", "--db", db])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["repeated"] == 2
    r = runner.invoke(main, ["suppress", "list", "--db", db])
    assert r.exit_code == 0 and "stop" in r.output and "email" in r.output
    r = runner.invoke(main, ["suppress", "list", "--json", "--db", db])
    assert json.loads(r.output)[0]["entries"] == 2
    r = runner.invoke(main, ["suppress", "import", str(f), "--kind", "fax", "--db", db])
    assert r.exit_code == 2


def test_stages_in_check_order_on_an_imported_base(store: Store, tmp_path: Path) -> None:
    """The wiring `check` uses: import_base, then (inside check's one transaction, after
    MX/SMTP/history) enrichment, phones, suppression. Each stage joins that transaction."""
    from mailhygiene.enrich import apply_enrichment
    from mailhygiene.pipeline import import_base

    csv_path = tmp_path / "base.csv"
    csv_path.write_text(
        "Email;Téléphone;Fax\n"
        "contact@entreprise.ma;06 61 12 34 56;Fax: 05 22 12 34 56\n"
        "jean@gmial.com;05 22;\n"
        "Contact@entreprise.ma;0661123456;\n"
        "bad@@x;abc;\n"
        "sara@optout.ma;+33 6 12 34 56 78;\n",
        encoding="utf-8")
    (tmp_path / "stop.txt").write_text("optout.ma\n")
    (tmp_path / "calls.txt").write_text("+33612345678\n")
    import_suppression(store, tmp_path / "stop.txt", "stop", kind="domain")
    import_suppression(store, tmp_path / "calls.txt", "calls", kind="phone")
    base = import_base(store, csv_path)
    with store.transaction():
        apply_enrichment(store, base.base_id)
        phones = apply_phones(store, base.base_id, None, "MA")
        st = apply_suppressions(store, base.base_id)
    got = {r[0]: r[1:] for r in store.fetchall(
        "SELECT row_no, status, reason, flags, detail FROM contacts WHERE base_id = ?",
        [base.base_id])}
    assert got[1] == ("risky", "role_account", "role", "")
    assert got[2] == ("risky", "possible_typo", "disposable,typo", "did you mean gmail.com")
    assert got[3][:3] == ("duplicate", "duplicate_of", "role")
    assert got[4][0] == "invalid"
    assert got[5] == ("do_not_mail", "suppressed", "suppressed", "suppression list: stop")
    assert (phones["Téléphone"].valid, phones["Téléphone"].invalid) == (3, 2)
    assert phones["Fax"].filled == 1
    assert st.phones == {"Téléphone": 1, "Fax": 0}
    assert store.scalar(
        f"SELECT mh_telephone_status FROM mh_phones_{base.base_id} WHERE row_no = 5"
    ) == "suppressed"


def test_atomic_joins_an_open_transaction_and_rolls_back_alone(store: Store) -> None:
    from mailhygiene.store.txn import atomic, in_transaction

    store.execute("CREATE TABLE t (x INTEGER)")
    assert not in_transaction(store)
    with store.transaction():
        assert in_transaction(store)
        with atomic(store):
            store.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(RuntimeError), atomic(store):
        store.execute("INSERT INTO t VALUES (2)")
        raise RuntimeError("boom")
    assert store.fetchall("SELECT x FROM t") == [(1,)]


def test_bulk_phone_import_equals_normalize_entry(store: Store, tmp_path: Path) -> None:
    rnd = random.Random(4)
    cells = [f"0{rnd.choice('567')}{rnd.randrange(10**8):08d}" for _ in range(400)]
    cells += [f"+33 {rnd.choice('1679')} {rnd.randrange(10**8):08d}" for _ in range(250)]
    cells += ["Fax: 05 22 12 34 56", "12", "abc", "0661 12 34 56 / 0522 11 22 33"]
    (tmp_path / "calls.txt").write_text("\n".join(cells) + "\n")
    st = import_suppression(store, tmp_path / "calls.txt", "calls", kind="phone")
    expected = {normalize_entry(c, "phone", False, "MA") for c in cells} - {None}
    stored = {r[0] for r in store.fetchall("SELECT value FROM suppressions WHERE kind = 'phone'")}
    assert stored == expected
    assert st.stored == len(expected)
    assert st.rejected == sum(normalize_entry(c, "phone", False, "MA") is None for c in cells)


def _stored(store: Store) -> set[tuple[str, bool, str]]:
    return {(str(r[0]), bool(r[1]), str(r[2])) for r in store.fetchall(
        "SELECT kind, hashed, value FROM suppressions")}


DIGEST = sha("jo@x.fr")


@pytest.mark.parametrize(
    ("text", "options", "expected", "counts"),
    [
        # A one-column header is a header, whatever its case and accents, not an entry.
        pytest.param("email\njane@gmail.com\n", {}, {("email", False, "jane@gmail.com")},
                     (1, 0), id="header-email"),
        pytest.param("E-Mail\njane@gmail.com\n", {}, {("email", False, "jane@gmail.com")},
                     (1, 0), id="header-e-mail"),
        pytest.param("Courriel\njane@gmail.com\n", {}, {("email", False, "jane@gmail.com")},
                     (1, 0), id="header-courriel"),
        pytest.param("Adresse e-mail\njane@gmail.com\n", {},
                     {("email", False, "jane@gmail.com")}, (1, 0), id="header-adresse-e-mail"),
        pytest.param("Téléphone\n06 12 34 56 78\n", {"default_region": "FR"},
                     {("phone", False, "+33612345678")}, (1, 0), id="header-telephone"),
        pytest.param("TEL\n06 12 34 56 78\n", {"default_region": "FR"},
                     {("phone", False, "+33612345678")}, (1, 0), id="header-tel"),
        pytest.param("Domaine\nacme.fr\n", {}, {("domain", False, "acme.fr")}, (1, 0),
                     id="header-domaine"),
        pytest.param(f"sha256\n{DIGEST}\n", {}, {("email", True, DIGEST)}, (1, 0),
                     id="header-sha256"),
        pytest.param(f"Email SHA-256;source\n{DIGEST};web\n", {}, {("email", True, DIGEST)},
                     (1, 0), id="header-email-sha256"),
        # Accent-folded headers in delimited files.
        pytest.param("Nom,Téléphone\nJo,0612345678\n", {"default_region": "FR"},
                     {("phone", False, "+33612345678")}, (1, 0), id="csv-telephone"),
        pytest.param("Nom,Téléphone\nJo,0612345678\n", {"default_region": "FR", "kind": "phone"},
                     {("phone", False, "+33612345678")}, (1, 0), id="csv-telephone-kind"),
        pytest.param("nom,Adresse e-mail\nJo,jo@x.fr\n", {}, {("email", False, "jo@x.fr")},
                     (1, 0), id="csv-adresse-e-mail"),
        pytest.param("Email,Téléphone\njo@x.fr,0612345678\n",
                     {"default_region": "FR", "kind": "phone"},
                     {("phone", False, "+33612345678")}, (1, 0), id="csv-kind-picks-column"),
        # Entries with '@' are addresses: never cut down to their domain.
        pytest.param("a@gmail.com\nfoo\n", {}, {("email", False, "a@gmail.com")}, (2, 1),
                     id="half-addresses-are-emails"),
        pytest.param("acme.fr\nbob@gmail.com\nfoo.ma\n", {},
                     {("domain", False, "acme.fr"), ("domain", False, "foo.ma")}, (3, 1),
                     id="address-on-a-domain-list-rejected"),
        pytest.param("jane@gmail.com\nacme.fr\n", {"kind": "domain"},
                     {("domain", False, "acme.fr")}, (2, 1), id="address-with-kind-domain"),
        # A domain list whose first entry contains a header word keeps that entry.
        pytest.param("gmail.com\nmail.ru\n", {},
                     {("domain", False, "gmail.com"), ("domain", False, "mail.ru")}, (2, 0),
                     id="domain-list-no-header"),
    ],
)
def test_import_headers_and_kinds(store: Store, tmp_path: Path, text: str,
                                  options: dict[str, str], expected: set[tuple[str, bool, str]],
                                  counts: tuple[int, int]) -> None:
    f = tmp_path / "list.csv"
    f.write_text(text, encoding="utf-8")
    st = import_suppression(store, f, **options)  # type: ignore[arg-type]
    assert _stored(store) == expected
    assert (st.read, st.rejected) == counts


def test_optout_addresses_never_suppress_their_whole_domain(tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    runner = CliRunner()
    optout = tmp_path / "optout.csv"
    optout.write_text("email\njane@gmail.com\n")
    r = runner.invoke(main, ["suppress", "import", str(optout), "--db", db])
    assert r.exit_code == 0, r.output
    assert "(email)" in r.output and "0 rejected" in r.output
    contacts = tmp_path / "c.csv"
    contacts.write_text("email\njane@gmail.com\nbob@gmail.com\ncarl@acme.fr\n")
    out = tmp_path / "out.csv"
    r = runner.invoke(main, ["check", str(contacts), "--level", "syntax", "-o", str(out),
                             "--db", db])
    assert r.exit_code == 0, r.output
    with out.open(encoding="utf-8-sig", newline="") as fh:
        status = {row["email"]: row["mh_status"] for row in csv.DictReader(fh)}
    assert status == {"jane@gmail.com": "do_not_mail", "bob@gmail.com": "unknown",
                      "carl@acme.fr": "unknown"}


@pytest.mark.parametrize(
    ("text", "args", "message"),
    [
        pytest.param("0612345678\n", ["--kind", "phone", "--default-region", "XX"],
                     "unknown default region 'XX'", id="unknown-region"),
        pytest.param("jane@gmail.com\n", ["--default-region", "XX"],
                     "unknown default region 'XX'", id="unknown-region-emails"),
        pytest.param("foo\nbar\n", [], "all 2 entries of list.txt were rejected",
                     id="all-rejected"),
        pytest.param("foo\n", [], "the only entry of list.txt was rejected",
                     id="the-only-entry-rejected"),
        pytest.param("12\n34\n", ["--kind", "phone"], "too_short", id="all-rejected-phone-reason"),
        pytest.param("jane.doe@gmail.com\n", ["--kind", "domain"], "j***@g***.com",
                     id="all-rejected-masked"),
        pytest.param("Nom,Prénom\nJo,Bob\n", ["--kind", "phone"], "all 2 entries",
                     id="all-rejected-unknown-header"),
    ],
)
def test_cli_import_that_stores_nothing_fails(tmp_path: Path, text: str, args: list[str],
                                              message: str) -> None:
    db = str(tmp_path / "s.duckdb")
    f = tmp_path / "list.txt"
    f.write_text(text, encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(main, ["suppress", "import", str(f), *args, "--db", db])
    assert r.exit_code == 2, r.output
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert message in r.stderr
    assert "jane.doe" not in r.stderr
    if Path(db).exists():
        assert list_suppressions(Store(db)) == []


def test_cli_list_refuses_a_missing_store(tmp_path: Path) -> None:
    db = tmp_path / "none.duckdb"
    r = CliRunner().invoke(main, ["suppress", "list", "--db", str(db)])
    assert r.exit_code == 2
    assert "no store file" in r.stderr
    assert not db.exists()


@pytest.mark.parametrize("hashed", [False, True])
def test_unparseable_rows_holding_a_listed_address_are_suppressed(tmp_path: Path,
                                                                  hashed: bool) -> None:
    """A row the reader could not split (a stray quote, a short or long row) is
    `unknown/unparseable_row`, so it reaches a send list (--only unknown) unless an opt-out
    address in its raw text suppresses it."""
    src = tmp_path / "q.csv"
    src.write_text('nom,email,note\nA,a@b.fr,"multi\nline"\nB,B@b.fr,"never closes\n'
                   "C,c@b.fr,x\nD,d@b.fr,x,extra\nE,<e@b.fr>\nF,f@b.fr,x,extra\n")
    listed = ["b@b.fr", "c@b.fr", "d@b.fr", "e@b.fr"]
    optout = tmp_path / "opt.txt"
    optout.write_text(("sha256\n" + "\n".join(sha(a) for a in listed)) if hashed
                      else ("email\n" + "\n".join(listed)))
    db = str(tmp_path / "s.duckdb")
    runner = CliRunner()
    assert runner.invoke(main, ["suppress", "import", str(optout), "--db", db]).exit_code == 0
    out = tmp_path / "send.csv"
    r = runner.invoke(main, ["check", str(src), "--level", "syntax", "-o", str(out),
                             "--only", "unknown,valid", "--db", db])
    assert r.exit_code == 0, r.output
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))[1:]
    # a@ is not listed; F's row is unparseable and not listed either: both stay.
    assert [row[0] for row in rows] == ["A", "F,f@b.fr,x,extra"]
