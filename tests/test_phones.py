from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from mailhygiene.devtools.generate import phone_cells
from mailhygiene.errors import InputError
from mailhygiene.normalize import PLACEHOLDERS
from mailhygiene.phones import (
    PhoneReason,
    PhoneStatus,
    apply_phones,
    check_phone,
    decide_cells,
    detect_phone_columns,
    output_prefix,
    phone_summary,
)
from mailhygiene.phones_fast import decide_fast, fast_path_supported
from mailhygiene.store import Store
from tests.test_enrich import build_base

V, P, X, E = PhoneStatus.VALID, PhoneStatus.POSSIBLE, PhoneStatus.INVALID, PhoneStatus.EMPTY
R = PhoneReason


@pytest.mark.parametrize(
    ("raw", "region", "status", "reason", "e164", "ntype"),
    [
        # Morocco (ANRT plan: 05xx fixed, 06xx/07xx mobile, 08xx services)
        pytest.param("+212 5 22 12 34 56", "MA", V, R.NONE, "+212522123456", "fixed_line",
                     id="ma-fixed-intl"),
        pytest.param("0522-12-34-56", "MA", V, R.NONE, "+212522123456", "fixed_line",
                     id="ma-fixed-dashes"),
        pytest.param("(0522) 12 34 56", "MA", V, R.NONE, "+212522123456", "fixed_line",
                     id="ma-fixed-parentheses"),
        pytest.param("06 61 12 34 56", "MA", V, R.NONE, "+212661123456", "mobile",
                     id="ma-mobile-06-spaces"),
        pytest.param("07.61.12.34.56", "MA", V, R.NONE, "+212761123456", "mobile",
                     id="ma-mobile-07-dots"),
        pytest.param("00212661123456", "MA", V, R.NONE, "+212661123456", "mobile",
                     id="ma-00-prefix"),
        pytest.param("+212 (0) 661 12 34 56", "MA", V, R.NONE, "+212661123456", "mobile",
                     id="ma-intl-with-national-0"),
        pytest.param("212661123456", "MA", V, R.NONE, "+212661123456", "mobile",
                     id="ma-cc-without-plus"),
        pytest.param("0800 123 456", "MA", V, R.NONE, "+212800123456", "toll_free",
                     id="ma-toll-free"),
        # fax and phone marks, extensions, two numbers in one cell
        pytest.param("Fax: 05 22 12 34 56", "MA", V, R.NONE, "+212522123456", "fixed_line",
                     id="fax-mark"),
        pytest.param("Tél. +212 661 12 34 56", "MA", V, R.NONE, "+212661123456", "mobile",
                     id="tel-mark"),
        pytest.param("05 22 12 34 56 (fax)", "MA", V, R.NONE, "+212522123456", "fixed_line",
                     id="fax-mark-after"),
        pytest.param("0522123456 poste 12", "MA", V, R.NONE, "+212522123456", "fixed_line",
                     id="poste-extension"),
        pytest.param("Tel 05.22.12.34.56 / 06 61 12 34 56", "MA", V, R.NONE, "+212522123456",
                     "fixed_line", id="two-numbers-first-kept"),
        # France
        pytest.param("+33 1 42 68 53 00", "MA", V, R.NONE, "+33142685300", "fixed_line",
                     id="fr-fixed-intl-from-ma-base"),
        pytest.param("0033 6 12 34 56 78", "MA", V, R.NONE, "+33612345678", "mobile",
                     id="fr-mobile-00"),
        pytest.param("+33 (0)6 12 34 56 78", "MA", V, R.NONE, "+33612345678", "mobile",
                     id="fr-intl-with-0"),
        pytest.param("01 42 68 53 00", "FR", V, R.NONE, "+33142685300", "fixed_line",
                     id="fr-fixed-national"),
        pytest.param("06.12.34.56.78", "FR", V, R.NONE, "+33612345678", "mobile",
                     id="fr-mobile-dots"),
        pytest.param("09 72 12 34 56", "FR", V, R.NONE, "+33972123456", "voip",
                     id="fr-09-voip"),
        # invalid
        pytest.param("05 22", "MA", X, R.TOO_SHORT, None, None, id="too-short"),
        pytest.param("+2125221234", "MA", X, R.TOO_SHORT, None, None, id="intl-too-short"),
        pytest.param("0522123456789", "MA", X, R.TOO_LONG, None, None, id="too-long"),
        pytest.param("0000000000", "MA", X, R.INVALID_FOR_REGION, None, None, id="zeros"),
        pytest.param("0412345678", "MA", X, R.INVALID_FOR_REGION, None, None,
                     id="ma-unallocated-04"),
        pytest.param("+999 123 456", "MA", X, R.INVALID_COUNTRY_CODE, None, None,
                     id="unknown-country-code"),
        pytest.param("abc", "MA", X, R.NOT_A_NUMBER, None, None, id="letters"),
        pytest.param("jean@example.ma", "MA", X, R.NOT_A_NUMBER, None, None, id="an-email"),
        pytest.param("n/a 2", "MA", X, R.NOT_A_NUMBER, None, None, id="not-only-a-placeholder"),
        # empty, and placeholders for it (normalize.PLACEHOLDERS, as for addresses)
        pytest.param("n/a", "MA", E, R.NONE, None, None, id="n-a"),
        pytest.param(" N/A ", "MA", E, R.NONE, None, None, id="n-a-padded"),
        pytest.param("--", "MA", E, R.NONE, None, None, id="dashes"),
        pytest.param("Néant", "MA", E, R.NONE, None, None, id="neant"),
        pytest.param("#N/A", "MA", E, R.NONE, None, None, id="excel-error"),
        pytest.param("0", "MA", E, R.NONE, None, None, id="zero"),
        pytest.param("", "MA", E, R.NONE, None, None, id="empty"),
        pytest.param("   ", "MA", E, R.NONE, None, None, id="blank"),
        pytest.param(None, "MA", E, R.NONE, None, None, id="none"),
    ],
)
def test_check_phone(raw: str | None, region: str, status: PhoneStatus, reason: PhoneReason,
                     e164: str | None, ntype: str | None) -> None:
    r = check_phone(raw, region)
    assert (r.status, r.reason, r.e164, r.number_type) == (status, reason, e164, ntype)


def test_region_of_numbers() -> None:
    assert check_phone("06 61 12 34 56", "MA").region == "MA"
    assert check_phone("+33 6 12 34 56 78", "MA").region == "FR"
    assert check_phone("+999 1", "MA").region is None


def test_garbage_never_raises() -> None:
    for raw in ["+", "00", "(", "+++", "0" * 300, "\x00\x01", "١٢٣٤٥٦٧٨٩٠", "tel:", "x" * 1000,
                "+212 ☎ 661", "0661123456" * 30]:
        assert check_phone(raw, "MA").status in (V, P, X)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(["Nom", "Email", "Téléphone", "Fax"], [2, 3], id="french"),
        pytest.param(["email", "TEL", "GSM", "Portable", "tel1"], [1, 2, 3, 4], id="marks"),
        pytest.param(["Email", "PhoneNumber", "Mobile Phone", "N° Fax"], [1, 2, 3], id="english"),
        pytest.param(["Email", "Hotel", "Telegram", "Ville", "Adresse"], [], id="false-friends"),
        pytest.param(["Numéro de téléphone", "Télécopie"], [0, 1], id="long-names"),
    ],
)
def test_detect_phone_columns(header: list[str], expected: list[int]) -> None:
    assert detect_phone_columns(header) == expected


def test_output_prefix() -> None:
    header = ["Email", "Téléphone", "N° Fax", "Tel", "tel", "***"]
    assert output_prefix(header, 1) == "mh_telephone"
    assert output_prefix(header, 2) == "mh_n_fax"
    assert output_prefix(header, 3) == "mh_c4"  # same slug twice: the position is used
    assert output_prefix(header, 5) == "mh_c6"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "s.duckdb")


HEADER = ["Email", "Téléphone", "Fax", "Ville"]
ROWS = [
    ["a@entreprise.ma", "06 61 12 34 56", "Fax: 05 22 12 34 56", "Casablanca"],
    ["b@entreprise.ma", "0661123456", "05 22 12 34 56", "Casablanca"],  # shares both
    ["c@entreprise.ma", "05 22", "", "Rabat"],
    ["d@entreprise.ma", "abc", "0000000000", "Rabat"],
    ["e@entreprise.ma", "+33 6 12 34 56 78", "05 37 11 22 33", "Paris"],
    ["A@entreprise.ma", "06 61 12 34 56", "", "Casablanca"],  # duplicate contact of row 1
    ["f@entreprise.ma", "", "", "Fes"],
]


def test_apply_phones_detects_columns_and_writes_table(store: Store) -> None:
    base_id = build_base(store, HEADER, ROWS)
    summary = apply_phones(store, base_id, None, "MA")
    assert list(summary) == ["Téléphone", "Fax"]
    tel, fax = summary["Téléphone"], summary["Fax"]
    assert (tel.rows, tel.filled, tel.valid, tel.possible, tel.invalid) == (7, 6, 4, 0, 2)
    assert tel.by_reason == {"not_a_number": 1, "too_short": 1}
    assert tel.by_type == {"mobile": 4}
    assert tel.by_region == {"MA": 3, "FR": 1}
    assert tel.invalid_rate == pytest.approx(2 / 6)
    lo, hi = tel.invalid_rate_ci95
    assert 0 < lo < 2 / 6 < hi < 1
    # +212661123456 is on rows 1, 2 and 6; rows 1 and 6 are the same contact (same key), and
    # row 2 is another one: one shared number, held by 3 rows.
    assert (tel.shared_numbers, tel.rows_with_shared_number) == (1, 3)
    assert (fax.filled, fax.valid, fax.invalid) == (4, 3, 1)
    assert fax.by_reason == {"invalid_for_region": 1}
    assert fax.shared_numbers == 1

    rows = store.fetchall(
        "SELECT row_no, mh_telephone_status, mh_telephone_reason, mh_telephone_e164, "
        "mh_telephone_type, mh_fax_status, mh_fax_e164 FROM mh_phones_1 ORDER BY row_no")
    assert rows[0] == (1, "valid", "", "+212661123456", "mobile", "valid", "+212522123456")
    assert rows[2] == (3, "invalid", "too_short", None, None, "empty", None)
    assert rows[6] == (7, "empty", "", None, None, "empty", None)
    extras = store.fetchall("SELECT table_name, columns FROM output_extras WHERE base_id = ?",
                            [base_id])
    assert extras == [("mh_phones_1", [
        "mh_telephone_status", "mh_telephone_reason", "mh_telephone_e164", "mh_telephone_type",
        "mh_fax_status", "mh_fax_reason", "mh_fax_e164", "mh_fax_type"])]
    assert phone_summary(store, base_id)["Fax"] == fax
    assert tel.to_json()["invalid_rate_ci95"] == list(tel.invalid_rate_ci95)


def test_detected_columns_without_digits_are_not_phone_columns(store: Store) -> None:
    """Columns about phones, not of them ("Phone 1 - Type": Mobile; "Fax consent": Oui/Non)
    were reported as 100% invalid numbers; named with --phone-column they are still checked,
    and a detected column with no value at all is still reported (all empty)."""
    header = ["Email", "Phone 1 - Type", "Phone 1 - Value", "Fax consent", "Fax"]
    rows = [["a@x.ma", "Mobile", "06 61 12 34 56", "Oui", ""],
            ["b@x.ma", "Work", "", "Non", ""]]
    base_id = build_base(store, header, rows)
    assert list(apply_phones(store, base_id, None, "MA")) == ["Phone 1 - Value", "Fax"]
    named = apply_phones(store, base_id, ["Fax consent"], "MA")
    assert named["Fax consent"].invalid == 2


def test_placeholders_are_empty_cells_in_the_summary(store: Store) -> None:
    """An "N/A" or "-" phone cell counted as an invalid number (not_a_number): now empty, out
    of the invalid rate, as an address cell holding one is (syntax_empty)."""
    rows = [["a@x.ma", "N/A"], ["b@x.ma", "06 61 12 34 56"], ["c@x.ma", "-"],
            ["d@x.ma", "néant"], ["e@x.ma", "abc"], ["f@x.ma", ""]]
    base_id = build_base(store, ["Email", "Téléphone"], rows)
    tel = apply_phones(store, base_id, None, "MA")["Téléphone"]
    assert (tel.rows, tel.filled, tel.valid, tel.invalid) == (6, 2, 1, 1)
    assert tel.by_reason == {"not_a_number": 1}
    assert store.fetchall("SELECT mh_telephone_status, mh_telephone_reason FROM mh_phones_1 "
                          "ORDER BY row_no") == [
        ("empty", ""), ("valid", ""), ("empty", ""), ("empty", ""), ("invalid", "not_a_number"),
        ("empty", "")]


def test_apply_phones_explicit_columns_and_region(store: Store) -> None:
    base_id = build_base(store, ["mail", "Numéro"], [["x@a.fr", "01 42 68 53 00"],
                                                     ["y@a.fr", "06 12 34 56 78"],
                                                     ["z@a.fr", ""], ["w@a.fr", ""]])
    assert apply_phones(store, base_id, None, "FR") == {}  # "Numéro" alone is not detected
    summary = apply_phones(store, base_id, ["numero"], "FR")
    assert (summary["Numéro"].rows, summary["Numéro"].valid) == (4, 2)  # one row per input row
    assert store.fetchall("SELECT mh_numero_e164 FROM mh_phones_1 ORDER BY row_no") == [
        ("+33142685300",), ("+33612345678",), (None,), (None,)]
    summary_ma = apply_phones(store, base_id, ["c2"], "MA")  # same digits read as Moroccan
    assert summary_ma["Numéro"].valid == 1  # 06 12 34 56 78 is also a Moroccan mobile


def test_apply_phones_errors(store: Store) -> None:
    base_id = build_base(store, HEADER, ROWS)
    with pytest.raises(InputError):
        apply_phones(store, base_id, ["nope"], "MA")
    with pytest.raises(InputError):
        apply_phones(store, base_id, None, "XX")
    with pytest.raises(InputError, match="address column"):
        apply_phones(store, base_id, ["Email"], "MA")


# -- vectorized path: must equal check_phone on every cell it decides --------------------------

# Country codes the generated cells use: single-region countries, shared codes (NANPA, +7,
# +44, +212 MA/EH, +262, +590, +599, +61, +47, +39 IT/VA with leading zeros, +358, +290),
# non-geographic codes (+800, +870, +979) and unassigned ones.
_CCS = ["212", "33", "1", "7", "44", "262", "590", "599", "61", "47", "39", "358", "290", "800",
        "870", "979", "32", "41", "49", "34", "213", "216", "221", "225", "20", "999", "0", "86"]


def _generated_cells(seed: int, n: int) -> list[str]:
    return phone_cells(random.Random(seed), n, _CCS)


def _fast_verdicts(store: Store, cells: list[str], region: str) -> dict[str, tuple[Any, ...]]:
    store.execute("CREATE OR REPLACE TEMP TABLE cells (raw VARCHAR)")
    store.executemany("INSERT INTO cells VALUES (?)", [[c] for c in cells])
    decide_fast(store, "cells", "fast_out", region, min_group=1)
    return {r[0]: tuple(r[1:]) for r in store.fetchall("SELECT * FROM fast_out")}


def _reference(raw: str, region: str) -> tuple[Any, ...]:
    r = check_phone(raw, region)
    return (r.status.value, r.reason.value, r.e164, r.number_type, r.region)


@pytest.mark.parametrize("region", ["MA", "FR", "EH", "IT"])
def test_fast_path_equals_check_phone_on_generated_cells(store: Store, region: str) -> None:
    cells = _generated_cells(seed=sum(map(ord, region)), n=1000)
    fast = _fast_verdicts(store, cells, region)
    assert len(fast) > len(cells) // 5  # the path does decide a good share
    mismatches = {raw: (got, _reference(raw, region)) for raw, got in fast.items()
                  if got != _reference(raw, region)}
    assert mismatches == {}


def _leading_zero_cells(rnd: random.Random, n: int) -> list[str]:
    """National numbers starting with zeros (short ones like 056789 are common in real
    bases), in national, '+cc' and '00cc' forms: the path decides them like the library."""
    ccs = ["212", "33", "39", "379", "225", "7", "1", "44", "262"]
    out: set[str] = set()
    while len(out) < n:
        body = "0" * rnd.randint(1, 4) + "".join(rnd.choice("0123456789")
                                                 for _ in range(rnd.randint(1, 16)))
        form = rnd.randrange(4)
        out.add([body, f"+{rnd.choice(ccs)} {body}", f"00{rnd.choice(ccs)}{body}",
                 " ".join(body[i:i + 2] for i in range(0, len(body), 2))][form])
    return sorted(out)


@pytest.mark.parametrize("region", ["MA", "FR", "IT"])
def test_fast_path_equals_check_phone_on_leading_zeros(store: Store, region: str) -> None:
    cells = _leading_zero_cells(random.Random(region), 800)
    fast = _fast_verdicts(store, cells, region)
    assert len(fast) > len(cells) // 3
    mismatches = {raw: (got, _reference(raw, region)) for raw, got in fast.items()
                  if got != _reference(raw, region)}
    assert mismatches == {}
    for raw in ("056789", "05 67 89", "0612", "+39 06 1234 5678"):
        assert raw in _fast_verdicts(store, [raw], region), raw


def test_fast_path_on_written_cells(store: Store) -> None:
    cells = ["+212 5 22 12 34 56", "0522-12-34-56", "(0522) 12 34 56", "06 61 12 34 56",
             "07.61.12.34.56", "00212661123456", "+212 (0) 661 12 34 56", "Fax: 05 22 12 34 56",
             "Tél. +212 661 12 34 56", "+33 1 42 68 53 00", "0033 6 12 34 56 78", "05 22",
             "+2125221234", "0522123456789", "0000000000", "0412345678", "+999 123 456",
             "0800 123 456", "+1 650 253 0000", "+44 20 7946 0958", "+7 495 123 45 67"]
    fast = _fast_verdicts(store, cells, "MA")
    for raw in cells:
        if raw in fast:
            assert fast[raw] == _reference(raw, "MA"), raw
    # Cells the path must decide (plain digits, labels, '+'/'00' forms of common countries).
    for raw in ["0522-12-34-56", "06 61 12 34 56", "Fax: 05 22 12 34 56", "+33 1 42 68 53 00",
                "+999 123 456", "0412345678"]:
        assert raw in fast, raw
    assert "0522123456789" in fast  # too long (nsn of 12 digits) is decided too


@pytest.mark.parametrize("region", ["MA", "FR", "IT"])
def test_placeholders_agree_on_both_paths(store: Store, region: str) -> None:
    """Every placeholder, in any case and padded, is empty whichever path decides it: the bulk
    path leaves them all to check_phone (none has its shape), and decide_cells, which runs
    both, gives check_phone's verdict."""
    cells = sorted({c for p in PLACEHOLDERS for c in (p, p.upper(), f" {p} ", f"\t{p}")})
    assert _fast_verdicts(store, cells, region) == {}
    decide_cells(store, "cells", "verdicts", region)
    got = {r[0]: tuple(r[1:]) for r in store.fetchall("SELECT * FROM verdicts")}
    assert got == {c: _reference(c, region) for c in cells}
    assert {v[:2] for v in got.values()} == {("empty", "")}


def test_fast_path_unsupported_region_defers_everything(store: Store) -> None:
    assert not fast_path_supported("US")  # dials abroad with 011, not 00
    assert _fast_verdicts(store, ["+1 650 253 0000"], "US") == {}


def test_apply_phones_large_base_equals_check_phone(store: Store) -> None:
    cells = _generated_cells(seed=3, n=1200) + [f"06 61 {i:02d} {i * 7 % 100:02d} 56"
                                                 for i in range(100)] * 3
    base_id = build_base(store, ["Email", "Téléphone"],
                         [[f"u{i}@entreprise.ma", c] for i, c in enumerate(cells)])
    apply_phones(store, base_id, None, "MA")
    got = store.fetchall(
        "SELECT i.c2, p.mh_telephone_status, p.mh_telephone_reason, p.mh_telephone_e164, "
        "p.mh_telephone_type FROM mh_phones_1 p JOIN input_1 i USING (row_no)")
    assert len(got) == len(cells)
    for raw, *verdict in got:
        assert tuple(verdict) == _reference(raw, "MA")[:4], raw


@pytest.mark.parametrize("region", ["MA", "FR", "US"])
def test_valid_means_library_is_valid_number(region: str) -> None:
    """check_phone's `valid` is exactly libphonenumber's is_valid_number on the parsed cell."""
    import phonenumbers

    for raw in _generated_cells(seed=len(region) * 7 + ord(region[0]), n=1500):
        verdict = check_phone(raw, region)
        try:
            num = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if raw.strip() and not any(c.isalpha() for c in raw) and "/" not in raw:
            assert (verdict.status == PhoneStatus.VALID) == phonenumbers.is_valid_number(num), raw


@pytest.mark.parametrize("cell", ["", "06 61 23 45 67", "+212 (0)6-61.23.45.67", "...---",
                                  "(+33) 1 23", "é 1.2", "++--..(())  ", "a+b-c.d(e)f g"])
def test_strip_sql_deletes_exactly_the_characters(store: Store, cell: str) -> None:
    from mailhygiene.phones_fast import _strip_sql

    got = store.scalar(f"SELECT {_strip_sql('c', ' .-()+')} FROM (SELECT ?::VARCHAR AS c)",
                       [cell])
    assert got == cell.translate({ord(ch): None for ch in " .-()+"})
