"""Phones through `check`: the bulk path decides most cells (a regression: inside check's
transaction DuckDB 2.0 lost the bulk path's temp rows and every cell went to phonenumbers),
figures in the summary, columns in the cleaned CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from mailhygiene import checker, phones
from mailhygiene.devtools.generate import write_base
from mailhygiene.store import Store


def test_check_uses_the_bulk_phone_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "base.csv"
    write_base(src, 150_000, seed=9)  # over one DuckDB row group (122,880 rows)
    calls: list[str] = []
    real = phones.check_phone

    def counting(raw: str, region: str) -> phones.PhoneResult:
        calls.append(raw)
        return real(raw, region)

    monkeypatch.setattr(phones, "check_phone", counting)
    out = tmp_path / "out.csv"
    with Store(tmp_path / "s.duckdb") as store:
        summary = checker.check(store, checker.CheckOptions(
            input=str(src), level="syntax", output=str(out)))
    with src.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))[1:]
    distinct = {c for r in rows for c in (r[4], r[5]) if c}
    assert len(calls) < 0.3 * len(distinct), (len(calls), len(distinct))
    assert set(summary["phones"]) == {"telephone", "fax"}
    tel = summary["phones"]["telephone"]
    assert 0 < tel["invalid_rate"] < 1
    with out.open(encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f, delimiter=";"))
    assert "mh_telephone_status" in header and "mh_fax_e164" in header
