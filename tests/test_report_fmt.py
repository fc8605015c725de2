"""Counts and their words (report.fmt.plural, Count, counted) and names shown side by side
(side_names): the pure helpers every report and terminal text uses."""

from __future__ import annotations

import pytest

from mailhygiene.report.fmt import Count, counted, number_format, plural, side_names
from mailhygiene.report.messages import Catalogue


@pytest.mark.parametrize(
    ("n", "lang", "form"),
    [
        pytest.param(0, "en", "rows", id="en-0"),
        pytest.param(1, "en", "row", id="en-1"),
        pytest.param(2, "en", "rows", id="en-2"),
        pytest.param(1001, "en", "rows", id="en-1001"),
        pytest.param(0, "fr", "ligne", id="fr-0-singular"),
        pytest.param(1, "fr", "ligne", id="fr-1"),
        pytest.param(2, "fr", "lignes", id="fr-2"),
    ],
)
def test_plural(n: int, lang: str, form: str) -> None:
    one, other = ("row", "rows") if lang == "en" else ("ligne", "lignes")
    assert plural(n, one, other, lang) == form


@pytest.mark.parametrize(("n", "text"), [(0, "0 rows"), (1, "1 row"), (12345, "12,345 rows")])
def test_counted(n: int, text: str) -> None:
    assert counted(n, "row", "rows") == text


def test_count_in_a_format_string() -> None:
    n = Count(1234, "1 234", "fr")
    assert f"{n} {n:ligne|lignes}" == "1 234 lignes"
    assert "{n} {n:row is|rows are}".format(n=Count(1, "1")) == "1 row is"
    with pytest.raises(ValueError, match=r"one\|other"):
        format(n, "lignes")


def _lead(lang: str, rows: int, unique: int, dups: int, invalid: int) -> str:
    cat, fmt = Catalogue(lang), number_format(lang)
    return cat.t("chk_lead", rows=cat.count(rows, fmt), unique=cat.count(unique, fmt),
                 dups=cat.count(dups, fmt), invalid=cat.count(invalid, fmt), rate="r", lo="l",
                 hi="h")


@pytest.mark.parametrize(
    ("lang", "counts", "start"),
    [
        pytest.param("en", (1, 1, 0, 1), "1 row was read: 1 unique address and 0 duplicates. "
                     "1 address is invalid", id="en-ones"),
        pytest.param("en", (3, 2, 1, 2), "3 rows were read: 2 unique addresses and 1 duplicate. "
                     "2 addresses are invalid", id="en-mixed"),
        pytest.param("fr", (1, 1, 0, 0), "1 ligne a été lue : 1 adresse unique et 0 doublon. "
                     "0 adresse est invalide", id="fr-ones"),
        pytest.param("fr", (3, 2, 1, 2), "3 lignes ont été lues : 2 adresses uniques et 1 "
                     "doublon. 2 adresses sont invalides", id="fr-mixed"),
    ],
)
def test_check_lead_agrees_with_its_counts(lang: str, counts: tuple[int, int, int, int],
                                           start: str) -> None:
    assert _lead(lang, *counts).startswith(start)


@pytest.mark.parametrize(
    ("lang", "key", "n", "text"),
    [
        pytest.param("en", "chk_dup_text", 1, "1 row repeats an address", id="en-dup-1"),
        pytest.param("en", "chk_dup_text", 2, "2 rows repeat an address", id="en-dup-2"),
        pytest.param("fr", "chk_dup_text", 1, "1 ligne répète une adresse", id="fr-dup-1"),
        pytest.param("en", "chk_output_rows", 1, "row written", id="en-written-1"),
        pytest.param("en", "chk_output_rows", 5, "rows written", id="en-written-5"),
        pytest.param("fr", "chk_output_rows", 1, "ligne écrite", id="fr-written-1"),
        pytest.param("en", "chk_output_rows_only", 1, "of 1 input row written", id="en-only-1"),
        pytest.param("fr", "chk_output_rows_only", 1, "ligne écrite sur 1 ligne d'entrée",
                     id="fr-only-1"),
    ],
)
def test_check_sentences_agree_with_their_counts(lang: str, key: str, n: int,
                                                 text: str) -> None:
    cat, fmt = Catalogue(lang), number_format(lang)
    said = cat.t(key, n=cat.count(n, fmt), total=cat.count(n, fmt), share="s", column="c",
                 statuses="x", only="x")
    assert text in said


@pytest.mark.parametrize(
    ("a", "b", "width", "shown"),
    [
        pytest.param(("list", 1), ("list", 2), None, ("list (id:1)", "list (id:2)"),
                     id="same-name"),
        pytest.param(("list", 1), ("other", 2), None, ("list", "other"), id="different"),
        pytest.param(("list", 3), ("list", 3), None, ("list", "list"), id="same-base"),
        pytest.param(("a.json", None), ("a.json", None), None, ("a.json", "a.json"),
                     id="no-ids"),
        pytest.param(("campaign-2024-jan", 1), ("campaign-2024-feb", 2), 13,
                     ("campai (id:1)", "campai (id:2)"), id="alike-once-cut"),
        pytest.param(("short", 1), ("other", 2), 13, ("short", "other"), id="fits"),
        pytest.param(("newsletter", 10), ("newsletter", 11), 13,
                     ("newsl (id:10)", "newsl (id:11)"), id="cut-to-keep-the-id"),
    ],
)
def test_side_names(a: tuple[str, int | None], b: tuple[str, int | None], width: int | None,
                    shown: tuple[str, str]) -> None:
    assert side_names(*a, *b, width=width) == shown


@pytest.mark.parametrize(("lang", "text", "evidence", "shown"), [
    ("fr", "null MX (RFC 7505): the domain accepts no mail", "dns",
     "MX nul (RFC 7505) : le domaine n'accepte aucun courrier"),
    ("fr", "no MX and no address", "dns", "ni MX ni adresse"),
    ("en", "no MX and no address", "dns", "neither MX nor address"),
    # a server's reply is quoted as received, in any language
    ("fr", "550 5.1.1 user unknown", "smtp", "550 5.1.1 user unknown"),
    ("fr", "MX lookup: timeout", "dns", "recherche MX : délai dépassé"),
    ("en", "MX lookup: timeout", "dns", "MX lookup: timed out"),
    # the tool's own details besides DNS and history: a typo's suggestion (over a DNS
    # detail at the mx level too) and a suppression list's name
    ("fr", "did you mean gmail.com", "syntax", "vouliez-vous dire gmail.com\u202f?"),
    ("fr", "did you mean gmail.com", "dns", "vouliez-vous dire gmail.com\u202f?"),
    ("en", "did you mean gmail.com", "dns", "did you mean gmail.com"),
    ("fr", "suppression list: bloctel", "syntax", "liste d'opposition\u00a0: bloctel"),
    ("fr", "suppression list: ", "syntax", "suppression list: "),
])
def test_dns_details_are_worded_in_the_report_language(lang: str, text: str, evidence: str,
                                                        shown: str) -> None:
    assert Catalogue(lang).detail(text, evidence) == shown
