"""The hygiene report's sentences about the cleaned file say what the file holds: the mh_*
columns it names are the columns of a real cleaned file (config.OUTPUT_COLUMNS plus four per
phone column), and with `--only` it says which rows were kept instead of "every input row"."""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailhygiene import config
from mailhygiene.cli import main

# Syntax level only: no network. A duplicate row (the Duplicates section names its column), a
# malformed address (invalid) and a phone column (phones are checked: four more mh_* columns).
INPUT = ("nom,email,telephone\n"
         "Amina,amina@example.com,0612345678\n"
         "Jean,not-an-address,0522\n"
         "Karim,karim@example.org,\n"
         "Amina bis,AMINA@example.com,+33 1 23 45 67 89\n"
         "Leila,leila@example.net,0661234567\n")
PHONE_COLUMNS = ["mh_telephone_status", "mh_telephone_reason", "mh_telephone_e164",
                 "mh_telephone_type"]
EVERY_ROW = {"en": "keeps every input row", "fr": "conserve toutes les lignes"}


def _check(tmp_path: Path, lang: str, *extra: str) -> tuple[list[dict[str, str]], list[str], str]:
    """Runs `check` with -o and --html: (cleaned rows, cleaned header, report text)."""
    src = tmp_path / "contacts.csv"
    src.write_text(INPUT, encoding="utf-8")
    out, page = tmp_path / "cleaned.csv", tmp_path / f"report-{lang}.html"
    r = CliRunner().invoke(main, [
        "check", str(src), "--level", "syntax", "-o", str(out), "--html", str(page),
        "--lang", lang, "--db", str(tmp_path / "s.duckdb"), *extra], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    with out.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        header = list(reader.fieldnames or [])
    return rows, header, page.read_text(encoding="utf-8")


def _text(page: str) -> str:
    """The report as read: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _section(page: str, section: str) -> str:
    m = re.search(rf'<section id="{section}">(.*?)</section>', page, re.S)
    assert m is not None, section
    return _text(m.group(1))


def _mentioned(text: str) -> set[str]:
    return set(re.findall(r"\bmh_[a-z0-9_]+", text))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_column_the_report_names_is_in_the_cleaned_file(tmp_path: Path,
                                                              lang: str) -> None:
    _rows, header, page = _check(tmp_path, lang)
    ours = [h for h in header if h.startswith(config.OUTPUT_PREFIX)]
    assert ours == [*config.OUTPUT_COLUMNS, *PHONE_COLUMNS]
    text = _text(page)
    # Every mh_* name anywhere in the report is a column of the file, and the section on
    # using the file names all of them.
    assert _mentioned(text) <= set(header), _mentioned(text) - set(header)
    assert _mentioned(_section(page, "use")) == set(ours)
    dup = _section(page, "duplicates")
    assert _mentioned(dup) == {"mh_duplicate_of"}


@pytest.mark.parametrize(("lang", "lead", "duplicates"), [
    pytest.param("en", "5 rows were read: 4 unique addresses and 1 duplicate. 1 address is "
                 "invalid", "1 row repeats an address", id="en"),
    pytest.param("fr", "5 lignes ont été lues : 4 adresses uniques et 1 doublon. 1 adresse est "
                 "invalide", "1 ligne répète une adresse", id="fr"),
])
def test_counts_of_one_take_the_singular(tmp_path: Path, lang: str, lead: str,
                                         duplicates: str) -> None:
    _rows, _header, page = _check(tmp_path, lang)
    assert lead in _text(page)
    assert duplicates in _section(page, "duplicates")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_without_only_the_file_keeps_every_row(tmp_path: Path, lang: str) -> None:
    rows, _header, page = _check(tmp_path, lang)
    use = _section(page, "use")
    assert len(rows) == 5
    assert EVERY_ROW[lang] in use
    assert "--only unknown" not in use


@pytest.mark.parametrize(("lang", "said"), [
    pytest.param("en", "3 of 5 input rows written: only the rows whose status is unknown "
                       "were kept (--only unknown)", id="en"),
    pytest.param("fr", "3 lignes écrites sur 5 lignes d'entrée : seules les lignes au statut "
                       "inconnu ont été conservées (--only unknown)", id="fr"),
])
def test_only_says_which_rows_were_kept(tmp_path: Path, lang: str, said: str) -> None:
    rows, header, page = _check(tmp_path, lang, "--only", "unknown")
    # The duplicate and the malformed row are left out.
    assert len(rows) == 3 and {r["mh_status"] for r in rows} == {"unknown"}
    use = _section(page, "use")
    assert EVERY_ROW[lang] not in use
    assert said in use
    assert _mentioned(use) <= set(header)


def test_only_with_several_statuses_names_each(tmp_path: Path) -> None:
    rows, _header, page = _check(tmp_path, "en", "--only", "unknown,invalid")
    assert len(rows) == 4
    use = _section(page, "use")
    assert ("4 of 5 input rows written: only the rows whose status is invalid or unknown were "
            "kept (--only invalid,unknown)") in use
    assert "keeps only the input rows whose status is invalid or unknown (--only)" in use
