"""How `compare --date-column --cutoff` reads A's dates, and the baselines it falls back from:
unreadable dates are neither before nor after the cut-off; the column's format is detected
from its values as a whole; a reference holding nothing outside A is not weighed; without a
baseline the copied count has neither an estimate nor an interval."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mailhygiene.cli import main
from mailhygiene.evidence.dates import DateFormat, detect_date_format

CUT = date(2018, 1, 1)
START = date(2015, 1, 1)
N = 600
ENV = {"MAILHYGIENE_KEY": "testkey1234567890abcdef"}


# -- the format detection, as a pure function ----------------------------------------------

@pytest.mark.parametrize(("values", "order", "basis", "read"), [
    pytest.param(["2015-01-02", "2016-12-31", "2017-03-04"], "ymd", "year_first", 3, id="iso"),
    pytest.param(["2015-01-02 10:30:00", "2016-12-31T23:59:59.123+01:00", "2017/3/4",
                  "2017.03.04 08:00"], "ymd", "year_first", 4, id="iso-with-times-and-seps"),
    pytest.param(["25/12/2015", "01/02/2016", "3/4/2017"], "dmy", "day_first", 3,
                 id="day-first-seen"),
    pytest.param(["12/25/2015", "01/02/2016", "4/3/2017"], "mdy", "month_first", 3,
                 id="us-month-first-seen"),
    pytest.param(["25-12-2015", "01.02.2016 10:00", "13/01/2017 08:15:00"], "dmy",
                 "day_first", 3, id="day-first-other-separators-and-times"),
    pytest.param(["01/02/2015", "03/04/2016", "12/12/2017"], "dmy", "ambiguous", 3,
                 id="fully-ambiguous-reads-day-first"),
    pytest.param(["25/12/2015", "26/12/2015", "12/25/2015", "01/02/2016"], "dmy",
                 "conflicting", 3, id="conflicting-majority-day-first"),
    pytest.param(["12/25/2015", "12/26/2015", "25/12/2015", "01/02/2016"], "mdy",
                 "conflicting", 3, id="conflicting-majority-month-first"),
    pytest.param(["25/12/2015", "12/25/2015"], "dmy", "conflicting", 1,
                 id="conflicting-tie-goes-day-first"),
    # Each year-first date is read as such beside year-last ones, whichever family is larger
    # (the smaller one was unreadable); the year-last ones' order is decided among them alone.
    pytest.param(["2015-01-02", "2015-01-03", "25/12/2015"], "dmy", "day_first", 3,
                 id="mixed-families-majority-year-first"),
    pytest.param(["2015-01-02", "25/12/2015", "26/12/2015"], "dmy", "day_first", 3,
                 id="mixed-families-majority-year-last"),
    pytest.param(["2015-01-02", "2015-01-03", "12/25/2015"], "mdy", "month_first", 3,
                 id="mixed-families-month-first"),
    pytest.param(["2015-01-02", "01/02/2015", "2015-02-30", "31/02/2015"], "dmy", "ambiguous",
                 2, id="mixed-families-ambiguous-impossible-days-unreadable"),
    pytest.param(["2015-01-02", "garbage", "", None, "2015-02-30", "01/02/15"], "ymd",
                 "year_first", 1, id="garbage-invalid-day-two-digit-year-unreadable"),
    pytest.param(["Alice", "Bob", "12345", "2015-13-01"], "none", "none", 0, id="text-column"),
    pytest.param(["", None, "  "], "none", "none", 0, id="all-empty"),
    pytest.param(["31/02/2015", "13/13/2015"], "none", "none", 0, id="no-valid-date"),
])
def test_detect_date_format(values: list[str | None], order: str, basis: str,
                            read: int) -> None:
    f = detect_date_format(values)
    assert (f.order, f.basis, f.read) == (order, basis, read)
    non_empty = [v for v in values if v and v.strip()]
    assert f.values == len(non_empty) and f.empty == len(values) - len(non_empty)
    assert f.unreadable == f.values - f.read
    assert len(f.dates) == len({v.strip() for v in non_empty if v.strip() in f.dates})


@pytest.mark.parametrize(("value", "order", "expected"), [
    pytest.param("25/12/2015", "dmy", date(2015, 12, 25), id="dmy"),
    pytest.param("01/02/2015", "dmy", date(2015, 2, 1), id="ambiguous-as-dmy"),
    pytest.param("2015-01-02T10:00:00Z", "ymd", date(2015, 1, 2), id="iso-time-ignored"),
])
def test_detected_values_read_as_dates(value: str, order: str, expected: date) -> None:
    f = detect_date_format([value])
    assert f.order == order and f.dates[value] == expected


def test_month_first_column_reads_every_value_month_first() -> None:
    f = detect_date_format(["12/25/2015", "01/02/2016"])
    assert f.dates == {"12/25/2015": date(2015, 12, 25), "01/02/2016": date(2016, 1, 2)}


def test_counts_and_other_values_from_the_store_layer() -> None:
    f = detect_date_format({"2015-01-02": 5, "25/12/2015": 2}, other=3, empty=4)
    assert (f.order, f.values, f.read, f.unreadable, f.empty) == ("dmy", 10, 7, 3, 4)
    assert (f.year_first, f.day_first, f.month_first, f.either) == (5, 2, 0, 0)


def test_mixed_column_reads_each_date_in_its_own_format() -> None:
    f = detect_date_format(["2015-01-02", "03/04/2015", "25/12/2015", "2016/7/8 10:00"])
    assert f.dates == {"2015-01-02": date(2015, 1, 2), "03/04/2015": date(2015, 4, 3),
                       "25/12/2015": date(2015, 12, 25), "2016/7/8 10:00": date(2016, 7, 8)}
    assert (f.mixed, f.label, f.unreadable) == (True, "yyyy-mm-dd and dd/mm/yyyy", 0)
    single = detect_date_format(["03/04/2015", "25/12/2015"])
    assert (single.mixed, single.label) == (False, "dd/mm/yyyy")
    assert not detect_date_format(["2015-01-02"]).mixed


def test_year_first_dates_never_flip() -> None:
    """Only year-last dates that read both ways can change side of the cut-off."""
    f = detect_date_format({"2017-01-12": 5, "12/01/2017": 4, "25/12/2017": 1},
                           cutoff=date(2017, 6, 1))
    assert (f.order, f.flips) == ("dmy", 4)


@pytest.mark.parametrize(("values", "cutoff", "flips"), [
    # day-first 12 Jan 2017 / month-first 1 Dec 2017, and the reverse: both change side
    pytest.param({"12/01/2017": 4, "01/12/2017": 1}, date(2017, 6, 1), 5, id="both-flip"),
    pytest.param({"01/02/2015": 2, "03/04/2019": 1}, date(2018, 1, 1), 0, id="same-side"),
    pytest.param({"12/01/2017": 4}, None, 0, id="no-cutoff"),
    # month-first is detected (25): the ambiguous value flips when read day-first instead
    pytest.param({"12/25/2017": 1, "06/01/2017": 3}, date(2017, 3, 1), 3, id="month-first"),
])
def test_flips_count_values_that_change_side_if_read_the_other_way(
        values: dict[str, int], cutoff: date | None, flips: int) -> None:
    f: DateFormat = detect_date_format(values, cutoff=cutoff)
    assert f.flips == flips


# -- end to end through the CLI, with real stores ------------------------------------------

def _dates(fmt: Callable[[date], str]) -> list[str]:
    return [fmt(START + timedelta(days=i * 2190 // N)) for i in range(N)]


def _address(i: int) -> str:
    return f"user{i}@gmail.com" if i % 2 else f"staff{i}@firm{i % 90}.ma"


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _a(tmp: Path, name: str, dates: list[str]) -> Path:
    return _write(tmp / name, ["email", "name", "date_added"],
                  [[_address(i), f"Name {i}", d] for i, d in enumerate(dates)])


def _b(tmp: Path) -> Path:
    """Every third address of A added up to the cut-off, every tenth added later, plus B's
    own: the same file for every date format of A."""
    iso = _dates(date.isoformat)
    rows = [[_address(i)] for i, d in enumerate(iso)
            if (date.fromisoformat(d) <= CUT and i % 3 == 0)
            or (date.fromisoformat(d) > CUT and i % 10 == 0)]
    rows += [[f"own{i}@other{i}.ma"] for i in range(150)]
    return _write(tmp / "b.csv", ["email"], rows)


def _compare(tmp: Path, *args: str, db: str = "s.duckdb", json_out: bool = True) -> Any:
    r = CliRunner().invoke(main, ["compare", *args, "--db", str(tmp / db),
                                  *(["--json"] if json_out else [])], env=ENV)
    return r


def _evidence(tmp: Path, a: Path, *extra: str) -> dict[str, Any]:
    r = _compare(tmp, str(a), str(_b(tmp)), "--date-column", "date_added", "--cutoff",
                 CUT.isoformat(), *extra, db=a.stem + ".duckdb")
    assert r.exit_code == 0, r.output
    ev: dict[str, Any] = json.loads(r.stdout)["evidence"]
    return ev


ISO_BEFORE = sum(1 for d in _dates(date.isoformat) if date.fromisoformat(d) <= CUT)


def test_clean_iso_column_is_read_whole(tmp_path: Path) -> None:
    ev = _evidence(tmp_path, _a(tmp_path, "iso.csv", _dates(date.isoformat)))
    c = ev["counts"]
    assert (c["a_before_cutoff"], c["a_after_cutoff"], c["a_undated"]) == (
        ISO_BEFORE, N - ISO_BEFORE, 0)
    assert ev["dates"]["format"] == "yyyy-mm-dd" and ev["dates"]["read"] == N
    assert not any(it["code"] == "limit.undated" for it in ev["limit_items"])


def test_unreadable_dates_are_neither_before_nor_after_the_cutoff(tmp_path: Path) -> None:
    dates = [("garbage" if i % 3 == 1 else d) for i, d in enumerate(_dates(date.isoformat))]
    a = _a(tmp_path, "garbage.csv", dates)
    ev = _evidence(tmp_path, a)
    c = ev["counts"]
    bad = sum(1 for d in dates if d == "garbage")
    bad_before = sum(1 for i, d in enumerate(_dates(date.isoformat))
                     if i % 3 == 1 and date.fromisoformat(d) <= CUT)
    assert c["a_undated"] == bad
    assert c["a_before_cutoff"] == ISO_BEFORE - bad_before
    assert c["a_before_cutoff"] + c["a_after_cutoff"] + c["a_undated"] == c["a_unique"] == N
    assert (ev["dates"]["unreadable"], ev["dates"]["read"]) == (bad, N - bad)
    undated = [it for it in ev["limit_items"] if it["code"] == "limit.undated"]
    assert undated and undated[0]["undated"] == bad
    # the undated addresses B holds may all have been copied: the interval's upper end
    # holds them (B took every third address before the cut-off: some are undated)
    assert undated[0]["in_b"] > 0
    taken = sum(1 for i, d in enumerate(_dates(date.isoformat))
                if i % 3 == 0 and date.fromisoformat(d) <= CUT)
    lo, hi = ev["copied_ci95"]
    assert lo <= taken <= hi
    # the strata weighed hold only dated addresses before the cut-off
    strata = ev["signals"]["stratified_overlap"]["strata"]
    assert sum(s["a_addresses"] for s in strata) == c["a_before_cutoff"]
    # the human output says so too
    r = _compare(tmp_path, str(a), str(tmp_path / "b.csv"), "--date-column", "date_added",
                 "--cutoff", CUT.isoformat(), db="garbage.duckdb", json_out=False)
    assert r.exit_code == 0, r.output
    assert f"{bad} of A's addresses have no date that can be read" in r.stdout
    assert "read as yyyy-mm-dd" in r.stdout


def test_a_column_mixing_iso_and_day_first_dates_is_read_whole(tmp_path: Path) -> None:
    """A column mixing yyyy-mm-dd and dd/mm/yyyy dates (lists merged from several exports):
    every date is read, in its own format, and the periods are those of the ISO column. The
    minority format was unreadable: 200 of 600 addresses undated, and since B took every
    third address (the day-first ones here) the copy was not seen (log10 LR -0.39, "copied
    0"). The count of unreadable dates is still reported where it was."""
    iso = _dates(date.isoformat)
    dates = [d if i % 3 else f"{d[8:10]}/{d[5:7]}/{d[:4]}" for i, d in enumerate(iso)]
    dates[1] = "2016-02-30"  # impossible: unreadable in either family
    a = _a(tmp_path, "mixed.csv", dates)
    ev = _evidence(tmp_path, a)
    c = ev["counts"]
    assert c["a_undated"] == 1
    assert c["a_before_cutoff"] + c["a_undated"] == ISO_BEFORE
    d = ev["dates"]
    assert (d["format"], d["basis"], d["read"], d["unreadable"]) == (
        "yyyy-mm-dd and dd/mm/yyyy", "day_first", N - 1, 1)
    assert d["year_first"] == N - N // 3 - 1 and d["description_item"]["code"] == (
        "dates.mixed_detected")
    assert "1 a date that cannot be read in them" in d["description"]
    assert ev["copied_estimate"] > 0 and ev["log10_lr"] > 1
    r = _compare(tmp_path, str(a), str(tmp_path / "b.csv"), "--date-column", "date_added",
                 "--cutoff", CUT.isoformat(), db="mixed.duckdb", json_out=False)
    assert r.exit_code == 0, r.output
    assert "1 of A's addresses have no date that can be read" in r.stdout
    assert f"read each in its own format: {d['year_first']} year-first" in r.stdout


def test_a_column_without_any_date_fails_with_one_line(tmp_path: Path) -> None:
    a = _a(tmp_path, "iso.csv", _dates(date.isoformat))
    r = _compare(tmp_path, str(a), str(_b(tmp_path)), "--date-column", "name", "--cutoff",
                 CUT.isoformat(), json_out=False)
    assert r.exit_code == 2, r.output
    assert r.stdout == ""
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and "no date of A's column 'name' can be read" in err[0]
    assert "added after" not in r.output


@pytest.mark.parametrize(("fmt", "label", "basis"), [
    pytest.param(lambda d: f"{d.month:02d}/{d.day:02d}/{d.year}", "mm/dd/yyyy", "month_first",
                 id="us"),
    pytest.param(lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}", "dd/mm/yyyy", "day_first",
                 id="french"),
    pytest.param(lambda d: f"{d.isoformat()} 10:15:00", "yyyy-mm-dd", "year_first",
                 id="iso-with-time"),
])
def test_every_unambiguous_format_gives_the_iso_periods(tmp_path: Path,
                                                         fmt: Callable[[date], str],
                                                         label: str, basis: str) -> None:
    ev = _evidence(tmp_path, _a(tmp_path, "a.csv", _dates(fmt)))
    c = ev["counts"]
    assert (c["a_before_cutoff"], c["a_after_cutoff"], c["a_undated"]) == (
        ISO_BEFORE, N - ISO_BEFORE, 0)
    d = ev["dates"]
    assert (d["format"], d["basis"], d["read"], d["unreadable"]) == (label, basis, N, 0)
    assert label in d["description"]


def test_ambiguous_column_reads_day_first_and_says_what_month_first_would_change(
        tmp_path: Path) -> None:
    # only days 1..12 of each month: every value reads both ways
    days = [d for d in _dates(date.isoformat) if date.fromisoformat(d).day <= 12]
    dates = [date.fromisoformat(d) for d in days]
    a = _a(tmp_path, "amb.csv", [f"{d.day:02d}/{d.month:02d}/{d.year}" for d in dates])
    ev = _evidence(tmp_path, a)
    d = ev["dates"]
    assert (d["format"], d["basis"], d["either_way"]) == ("dd/mm/yyyy", "ambiguous", len(days))
    swapped = []
    for x in dates:
        try:
            swapped.append(date(x.year, x.day, x.month))
        except ValueError:
            swapped.append(x)
    flips = sum(1 for x, y in zip(dates, swapped, strict=True) if (x > CUT) != (y > CUT))
    assert d["flips_if_other_order"] == flips
    assert "day first as in French and Moroccan usage" in d["description"]
    assert ev["counts"]["a_before_cutoff"] == sum(1 for x in dates if x <= CUT)


def test_reference_equal_to_a_is_not_a_baseline(tmp_path: Path) -> None:
    a = _a(tmp_path, "iso.csv", _dates(date.isoformat))
    r = _compare(tmp_path, str(a), str(_b(tmp_path)), "--reference", str(a))
    assert r.exit_code == 0, r.output
    ev = json.loads(r.stdout)["evidence"]
    assert ev["baseline"]["source"] == "assumed"
    strata = ev["signals"]["stratified_overlap"]["strata"]
    assert strata and not any(s["weighed"] for s in strata)
    assert abs(ev["log10_lr"]) <= 3.0
    small = [it for it in ev["limit_items"] if it["code"] == "limit.reference_too_small"]
    assert small and small[0]["outside_a"] == 0 and small[0]["reference_unique"] == N
    assert ev["copied_estimate"] is None and ev["copied_ci95"] is None


def test_small_post_cutoff_baseline_falls_back(tmp_path: Path) -> None:
    a = _a(tmp_path, "iso.csv", _dates(date.isoformat))
    last = date.fromisoformat(_dates(date.isoformat)[-10])  # 10 addresses after it
    r = _compare(tmp_path, str(a), str(_b(tmp_path)), "--date-column", "date_added",
                 "--cutoff", last.isoformat())
    assert r.exit_code == 0, r.output
    ev = json.loads(r.stdout)["evidence"]
    assert 0 < ev["counts"]["a_after_cutoff"] < 20
    assert ev["baseline"]["source"] == "assumed"
    assert any(it["code"] == "limit.small_post_cutoff" for it in ev["limit_items"])


def test_compare_with_itself_has_neither_estimate_nor_interval(tmp_path: Path) -> None:
    a = _a(tmp_path, "iso.csv", _dates(date.isoformat))
    r = _compare(tmp_path, str(a), str(a))
    assert r.exit_code == 0, r.output
    ev = json.loads(r.stdout)["evidence"]
    assert ev["baseline"]["source"] == "assumed"
    assert ev["copied_estimate"] is None and ev["copied_ci95"] is None


def test_report_of_a_run_without_baseline_shows_no_interval(tmp_path: Path) -> None:
    a = _a(tmp_path, "iso.csv", _dates(date.isoformat))
    html = tmp_path / "r.html"
    r = _compare(tmp_path, str(a), str(a), "--html", str(html), "--lang", "fr",
                 json_out=False)
    assert r.exit_code == 0, r.output
    page = html.read_text(encoding="utf-8")
    assert 'data-k="copied_ci95"' not in page
    assert "ne peut pas être mesuré" in page
