"""The address column is the named one that holds addresses: a header such as "Adresse"
(a postal address), "Mailing Street" or "E-mail 1 - Type" must not win over a column of
addresses whose header also names one."""

from __future__ import annotations

import json
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
