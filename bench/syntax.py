"""Syntax throughput (issue 3): `mailhygiene check --level syntax` on 1,000,000 generated rows,
as a whole process that writes its cleaned CSV and its store, against a plain per-address loop
over email-validator measured in the same run (on a sample, scaled).

    python bench/syntax.py [--rows 1000000] [--sample 50000]"""

from __future__ import annotations

import argparse
import contextlib
import csv
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from mailhygiene.devtools.generate import generate_rows


def make_input(path: Path, rows: int, seed: int) -> list[str]:
    addresses = []
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "email"])
        for r in generate_rows(rows, seed):
            w.writerow([r[1], r[3]])
            addresses.append(r[3])
    return addresses


def email_validator_loop(addresses: list[str]) -> float:
    """Addresses per second of the reference loop."""
    started = time.perf_counter()
    for a in addresses:
        with contextlib.suppress(EmailNotValidError):
            validate_email(a.strip(), check_deliverability=False)
    return len(addresses) / (time.perf_counter() - started)


# A floor, not a product: read the file into a stored table, one simple regex, store (row,
# verdict, lower-cased address), write every input column plus the six appended ones. It
# skips exact verdicts and reasons, normalization, dedup, enrichment, summary and run record.
FLOOR = """
import sys, duckdb
src, db, out, uncompressed = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
con = duckdb.connect(db)
if uncompressed:
    con.execute("SET disabled_compression_methods = 'dict_fsst'")
con.execute(f"CREATE TABLE t AS SELECT row_number() OVER () AS row_no, * "
            f"FROM read_csv('{src}', header=true, all_varchar=true)")
con.execute("CREATE TABLE r AS SELECT row_no, regexp_full_match(email, "
            "'[a-z0-9._-]+@[a-z0-9-]+(\\\\.[a-z0-9-]+)+') AS ok, lower(email) AS k FROM t")
con.execute(f\"\"\"COPY (SELECT t.name, t.email,
    CASE WHEN ok THEN 'unknown' ELSE 'invalid' END AS mh_status,
    CASE WHEN ok THEN 'syntax_ok' ELSE 'syntax_bad_domain' END AS mh_reason,
    'syntax' AS mh_evidence, CASE WHEN ok THEN email END AS mh_address, '' AS mh_flags,
    NULL::BIGINT AS mh_duplicate_of FROM t POSITIONAL JOIN r) TO '{out}' (HEADER)\"\"\")
con.close()
"""


def best_of(repeat: int, make_cmd: Callable[[int], list[str]]) -> list[float]:
    times = []
    for i in range(repeat):
        started = time.perf_counter()
        r = subprocess.run(make_cmd(i), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True)
        if r.returncode != 0:
            sys.exit(f"failed: {r.stderr[-2000:]}")
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--sample", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="mh-bench-syntax-") as tmp:
        src = Path(tmp) / "base.csv"
        print(f"generating {a.rows:,} rows ...", flush=True)
        addresses = make_input(src, a.rows, a.seed)
        baseline = email_validator_loop(addresses[: a.sample])
        times = best_of(a.repeat, lambda i: [
            sys.executable, "-m", "mailhygiene", "check", str(src), "--level", "syntax",
            "-o", str(Path(tmp) / f"cleaned{i}.csv"), "--db", str(Path(tmp) / f"store{i}.duckdb"),
            "--json"])

        def floor_cmd(u: str) -> Callable[[int], list[str]]:
            return lambda i: [sys.executable, "-c", FLOOR, str(src),
                              str(Path(tmp) / f"floor{u}{i}.duckdb"),
                              str(Path(tmp) / f"floor{u}{i}.csv"), u]

        floors = {u: min(best_of(a.repeat, floor_cmd(u))) for u in ("0", "1")}
        best = min(times)
        ours = a.rows / best
        print()
        print(f"{'what':<58}{'addresses/s':>14}")
        print(f"{'email-validator loop (' + format(a.sample, ',') + ' sample)':<58}"
              f"{baseline:>14,.0f}")
        label = f"mailhygiene check --level syntax, whole process (best of {a.repeat})"
        print(f"{label:<58}"
              f"{ours:>14,.0f}")
        print(f"\n{a.rows:,} rows in {best:.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)} s)")
        print(f"ratio mailhygiene / email-validator loop: {ours / baseline:.1f}x  (goal >= 20x)")
        print(f"\n20x would be {a.rows / (20 * baseline):.2f} s. A floor that skips the work "
              f"(read, one regex, store, write the columns), whole process, best of {a.repeat}:")
        for u, label in (("0", "DuckDB's default compression"), ("1", "strings uncompressed")):
            print(f"  {label:<30} {floors[u]:.2f} s = "
                  f"{a.rows / floors[u] / baseline:.1f}x the loop")


if __name__ == "__main__":
    main()
