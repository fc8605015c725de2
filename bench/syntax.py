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
        times = []
        for i in range(a.repeat):
            db = Path(tmp) / f"store{i}.duckdb"
            out = Path(tmp) / f"cleaned{i}.csv"
            started = time.perf_counter()
            r = subprocess.run([sys.executable, "-m", "mailhygiene", "check", str(src),
                                "--level", "syntax", "-o", str(out), "--db", str(db), "--json"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if r.returncode != 0:
                sys.exit(f"check failed: {r.stderr[-2000:]}")
            times.append(time.perf_counter() - started)
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


if __name__ == "__main__":
    main()
