"""Agreement of the vectorized phone path (mailhygiene.phones_fast) with check_phone, on
generated cells for several default regions. Prints, per region, the distinct cells, how many
the fast path decided, the mismatches (must be 0) and the fast path's time.

    .venv/bin/python bench/phones_agreement.py [--cells 20000] [--seed 1] [--min-group 1]

--min-group 1 sends every country code through the fast path (slow to compile, maximal
coverage); check uses 200."""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mailhygiene.devtools.generate import phone_cells
from mailhygiene.phones import check_phone
from mailhygiene.phones_fast import decide_fast, fast_path_supported
from mailhygiene.store import Store

REGIONS = ["MA", "FR", "EH", "DE", "IT", "BE", "SN", "GB", "US", "ES", "CH", "DZ", "TN"]


def generate(rnd: random.Random, n: int) -> list[str]:
    ccs = [str(c) for c in COUNTRY_CODE_TO_REGION_CODE]
    return phone_cells(rnd, n, [*ccs, "212", "33", "212", "33"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--min-group", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    total_bad = 0
    print(f"{'region':<8}{'supported':>10}{'cells':>8}{'decided':>9}{'mismatch':>10}{'s':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "agree.duckdb")
        for region in REGIONS:
            cells = generate(rnd, a.cells)
            store.con.register("_cells", {"raw": np.array(cells, dtype=object)})
            store.execute("CREATE OR REPLACE TEMP TABLE raw_cells AS SELECT raw FROM _cells")
            t0 = time.perf_counter()
            decided = decide_fast(store, "raw_cells", "fast_out", region, min_group=a.min_group)
            dt = time.perf_counter() - t0
            bad = 0
            for raw, *fast in store.fetchall("SELECT * FROM fast_out"):
                r = check_phone(raw, region)
                if [r.status.value, r.reason.value, r.e164, r.number_type, r.region] != fast:
                    bad += 1
                    if bad <= 5:
                        print(f"  mismatch {region} {raw!r}: fast {fast} vs {r}")
            total_bad += bad
            print(f"{region:<8}{fast_path_supported(region)!s:>10}{len(cells):>8}{decided:>9}"
                  f"{bad:>10}{dt:>7.2f}")
        store.close()
    print(f"total mismatches: {total_bad}")
    sys.exit(1 if total_bad else 0)


if __name__ == "__main__":
    main()
