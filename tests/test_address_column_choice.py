"""The address column is the named one that holds addresses: a header such as "Adresse"
(a postal address), "Mailing Street" or "E-mail 1 - Type" must not win over a column of
addresses whose header also names one."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailhygiene import ingest
from mailhygiene.cli import main


@pytest.mark.parametrize(
    ("header", "row", "expected"),
    [
        pytest.param("Nom;Adresse;Ville;Adresse courriel",
                     "Dupont;3 rue de la Paix;Paris;jean@acme.fr", 3, id="french-postal-adresse"),
        pytest.param("First Name,Mailing Street,Mailing City,Business Email",
                     "Jo,1 Main St,Springfield,jo@acme.com", 3, id="salesforce-mailing"),
        pytest.param("Name,E-mail 1 - Type,E-mail 1 - Value",
                     "Jo,* Work,jo@acme.com", 2, id="google-contacts"),
        pytest.param("Email,Adresse", "jo@acme.com,3 rue X", 0, id="email-first"),
        pytest.param("Adresse,Ville", "3 rue X,Paris", 0, id="no-address-anywhere"),
    ],
)
def test_named_column_holding_addresses_wins(header: str, row: str, expected: int) -> None:
    d = ";" if ";" in header else ","
    idx, has_header = ingest.find_address_column(header.split(d), [row.split(d)] * 3, None)
    assert (idx, has_header) == (expected, True)


def test_the_named_column_with_most_addresses_wins() -> None:
    # one postal-address cell holding an address does not make "Adresse" the address column
    rows = [["3 rue X", "a@acme.fr"], ["b@acme.fr", "b@acme.fr"], ["5 rue Y", "c@acme.fr"]]
    assert ingest.find_address_column(["Adresse", "Adresse courriel"], rows, None) == (1, True)
    # a tie keeps the better-named column
    assert ingest.find_address_column(["Mail pro", "Email"], [["a@x.fr", "b@x.fr"]],
                                      None) == (1, True)


def test_header_only_choice_unchanged() -> None:
    # Without rows (suppression-list headers) the first named column is kept.
    assert ingest.find_address_column(["Nom", "Adresse", "Mail pro"], [], None) == (1, True)


def test_check_french_export_with_postal_address(tmp_path: Path) -> None:
    src = tmp_path / "clients.csv"
    src.write_bytes("Nom;Adresse;Ville;Adresse courriel\r\n"
                    "Dupont;3 rue de l'\u00c9glise;Paris;jean@acme.fr\r\n"
                    "Martin;5 avenue Foch;Lyon;marie@acme.fr\r\n".encode("cp1252"))
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--no-progress",
                                  "--db", str(tmp_path / "s.duckdb"), "--json"])
    assert r.exit_code == 0, r.output
    s = json.loads(r.output)
    assert s["by_status"]["invalid"] == 0
    assert s["by_reason"] == {"syntax_ok": 2}


def _rows(n: int, make: Callable[[int], list[str]]) -> list[list[str]]:
    return [make(i) for i in range(n)]


@pytest.mark.parametrize(
    ("header", "rows", "chosen", "expected"),
    [
        # "email" filled on 1 row in 10, "Contact" on every row: a hint, with both counts
        pytest.param(["nom", "email", "Contact"],
                     _rows(300, lambda i: ["N", "a@b.fr" if i % 10 == 0 else "", f"c{i}@x.ma"]),
                     1, (2, 200, 20), id="mostly-empty-named-column"),
        # the named column holds half the sample: no hint, whatever the others hold
        pytest.param(["email", "Contact"],
                     _rows(200, lambda i: ["a@b.fr" if i % 2 else "", "c@x.ma"]),
                     0, None, id="half-full"),
        # the other column is fuller, but not twice as full: no hint
        pytest.param(["email", "Contact"],
                     _rows(200, lambda i: ["a@b.fr" if i % 3 == 0 else "",
                                           "c@x.ma" if i % 2 == 0 else ""]),
                     0, None, id="not-twice-as-full"),
        # a small file: at least five cells with an '@' make a hint
        pytest.param(["email", "Contact"], _rows(4, lambda i: ["", "c@x.ma"]), 0, None,
                     id="four-rows"),
        pytest.param(["email", "Contact"], _rows(6, lambda i: ["", "c@x.ma"]), 0, (1, 6, 0),
                     id="six-rows"),
        # a cleaned file's own mh_address column is never the hint
        pytest.param(["email", "mh_status", "mh_reason", "mh_evidence", "mh_address",
                      "mh_flags", "mh_duplicate_of"],
                     _rows(50, lambda i: ["", "invalid", "", "", "c@x.ma", "", ""]),
                     0, None, id="own-columns"),
    ],
)
def test_address_column_hint(header: list[str], rows: list[list[str]], chosen: int,
                             expected: tuple[int, int, int] | None) -> None:
    assert ingest.address_column_hint(header, rows, chosen) == expected


def test_check_notes_a_fuller_column_than_the_named_one(tmp_path: Path) -> None:
    """A marketer's export whose 'email' column is empty on most rows while 'Contact' holds
    the addresses: the check goes by the name, and says which column to name instead."""
    lines = ["nom;email;Contact"] + [f"N{i};{'p@ex.fr' if i % 10 == 0 else ''};c{i}@firm.ma"
                                     for i in range(100)]
    src = tmp_path / "export.csv"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["check", str(src), "--level", "syntax", "--no-progress",
            "--db", str(tmp_path / "s.duckdb")]
    r = CliRunner().invoke(main, [*args, "--json"])
    assert r.exit_code == 0, r.output
    s = json.loads(r.output)
    assert s["address_column"] == "email"
    assert s["address_column_hint"] == {"column": "Contact", "with_at": 100,
                                        "address_column_with_at": 10, "rows_sampled": 100}
    r = CliRunner().invoke(main, args)
    assert "run again with --column 'Contact'" in r.output
    # named with --column, or read from the fuller column: no hint
    r = CliRunner().invoke(main, [*args, "--json", "--column", "email"])
    assert json.loads(r.output)["address_column_hint"] is None
    r = CliRunner().invoke(main, [*args, "--json", "--column", "Contact"])
    s = json.loads(r.output)
    assert (s["address_column"], s["address_column_hint"]) == ("Contact", None)
