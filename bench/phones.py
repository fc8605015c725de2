"""Phone parsing throughput (issue 11): `apply_phones` on a generated base vs. a raw
`phonenumbers.parse` + `is_valid_number` loop measured in the same run.

    .venv/bin/python bench/phones.py [--rows 1000000] [--sample 50000] [--distinct-share 0.9]

The base has one phone column: Moroccan fixed and mobile numbers and French numbers written
with spaces, dots, dashes, +/00 prefixes and "Fax:" marks, plus too-short, too-long, garbage and
empty cells. `--distinct-share` sets how many cells are distinct (real bases repeat switchboard
and fax numbers). The raw loop runs on a sample and is extrapolated to --rows (stated)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import phonenumbers

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mailhygiene.phones import apply_phones, check_phone
from mailhygiene.store import Store

GEN_SQL = """
CREATE TABLE input_1 AS
WITH g AS (
  SELECT i AS row_no,
         hash(i % {distinct}) AS h,
         lpad(CAST(hash(i % {distinct}, 7) % 100000000 AS VARCHAR), 8, '0') AS d
  FROM range(1, {rows} + 1) t(i)
)
SELECT 'user' || row_no || '@example.ma' AS c1,
  CASE h % 20
    WHEN 0 THEN NULL
    WHEN 1 THEN ''
    WHEN 2 THEN 'n/a'
    WHEN 3 THEN '05 22 ' || substr(d, 1, 2)
    WHEN 4 THEN '0522' || d || '9'
    WHEN 5 THEN '+33 6 ' || substr(d,1,2) || ' ' || substr(d,3,2) || ' ' || substr(d,5,2)
                || ' ' || substr(d,7,2)
    WHEN 6 THEN '0033 1 ' || substr(d,1,2) || ' ' || substr(d,3,2) || ' ' || substr(d,5,2)
                || ' ' || substr(d,7,2)
    WHEN 7 THEN 'Fax: 05 ' || substr(d,1,2) || ' ' || substr(d,3,2) || ' ' || substr(d,5,2)
                || ' ' || substr(d,7,2)
    WHEN 8 THEN '+212 5' || d
    WHEN 9 THEN '00212 6' || d
    WHEN 10 THEN '07.' || substr(d,1,2) || '.' || substr(d,3,2) || '.' || substr(d,5,2)
                || '.' || substr(d,7,2)
    WHEN 11 THEN '(0522) ' || substr(d,1,2) || ' ' || substr(d,3,2) || ' ' || substr(d,5,2)
    WHEN 12 THEN '05' || substr(d,1,2) || '-' || substr(d,3,2) || '-' || substr(d,5,2)
                || '-' || substr(d,7,2)
    ELSE '06 ' || substr(d,1,2) || ' ' || substr(d,3,2) || ' ' || substr(d,5,2)
                || ' ' || substr(d,7,2)
  END AS c2,
  row_no
FROM g
"""


def _raw_check(raw: str, region: str) -> bool:
    """The baseline: the library's own parse + is_valid_number, nothing else."""
    try:
        return bool(phonenumbers.is_valid_number(phonenumbers.parse(raw, region)))
    except phonenumbers.NumberParseException:
        return False


def build(store: Store, rows: int, distinct: int) -> int:
    store.execute(GEN_SQL.format(rows=rows, distinct=distinct))
    store.execute(
        "INSERT INTO bases (base_id, name, rows, format, table_name) VALUES (1, 'bench', ?, ?, "
        "'input_1')", [rows, json.dumps({"columns": ["Email", "Téléphone"], "address_index": 0})])
    store.execute(
        "INSERT INTO contacts (base_id, row_no, raw, address, key, domain, syntax_ok, status, "
        "reason, evidence, flags) SELECT 1, row_no, c1, c1, c1, 'example.ma', true, 'unknown', "
        "'smtp_skipped', 'dns', '' FROM input_1")
    return 1


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--sample", type=int, default=50_000)
    ap.add_argument("--distinct-share", type=float, default=0.9)
    ap.add_argument("--region", default="MA")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb")
        t0 = time.perf_counter()
        base_id = build(store, a.rows, max(1, int(a.rows * a.distinct_share)))
        t_build = time.perf_counter() - t0
        distinct = int(store.scalar("SELECT count(DISTINCT c2) FROM input_1"))
        sample = [r[0] for r in store.fetchall(
            f"SELECT c2 FROM input_1 WHERE c2 IS NOT NULL USING SAMPLE {a.sample} ROWS")]

        t0 = time.perf_counter()
        for raw in sample:
            _raw_check(raw, a.region)
        t_raw = time.perf_counter() - t0
        t0 = time.perf_counter()
        for raw in sample:
            check_phone(raw, a.region)
        t_check = time.perf_counter() - t0

        t0 = time.perf_counter()
        summary = apply_phones(store, base_id, None, a.region)
        t_apply = time.perf_counter() - t0
        store.close()

    s = next(iter(summary.values()))
    raw_rate = len(sample) / t_raw
    check_rate = len(sample) / t_check
    print(f"rows {a.rows:,}  distinct phone cells {distinct:,}  (base built in {t_build:.1f} s)")
    print(f"{'method':<46}{'numbers/s':>12}{'time for rows':>16}")
    print(f"{'raw phonenumbers parse+is_valid (sample)':<46}{raw_rate:>12,.0f}"
          f"{a.rows / raw_rate:>14.1f} s  (extrapolated)")
    print(f"{'check_phone per cell (sample)':<46}{check_rate:>12,.0f}"
          f"{a.rows / check_rate:>14.1f} s  (extrapolated)")
    print(f"{'apply_phones (distinct cache + DuckDB)':<46}{a.rows / t_apply:>12,.0f}"
          f"{t_apply:>14.1f} s  (measured)")
    print(f"ratio raw-loop time / apply_phones time: {a.rows / raw_rate / t_apply:.2f}")
    print(f"filled {s.filled:,}  valid {s.valid:,}  invalid {s.invalid:,} "
          f"({100 * s.invalid_rate:.1f}%)  by reason {s.by_reason}")


if __name__ == "__main__":
    main()
