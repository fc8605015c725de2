"""Benchmark of `compare` and fingerprints (issue 7): python bench/compare.py [--a 1000000]

Two generated bases as CSV files in a temporary directory: A (1,000,000 addresses plus 1% of
re-cased duplicate rows) and B (700,000 addresses, 30% of them taken from A). Measured, each
next to a baseline timed in the same run:

1. exact compare including load: (a) `pipeline.import_base` of both files (read, syntax, dedup
   key) + `compare_bases`; (b) DuckDB alone: read_csv of both files, key = lower(trim(email))
   (the dedup key for these ASCII addresses), a join; baseline: a plain Python set
   intersection (csv reading, the same key, `set &`).
2. fingerprint time per 1M addresses: keyed hashes (HMAC-SHA256 in DuckDB) + MinHash in numpy;
   baseline: Python hmac + datasketch `MinHash.update` per address on a sample, scaled to 1M.
3. the MinHash estimate against the exact values (Jaccard, containment of B in A).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import hmac
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from datasketch import MinHash

from mailhygiene.compare import compare_bases, estimate_pair
from mailhygiene.fingerprint import (
    MinHashParams,
    fingerprint_from_hashes,
    minhash_signature,
)
from mailhygiene.keys import base_hash64, make_key
from mailhygiene.store import Store

T = TypeVar("T")
FIRST = ["Jean", "Fatima", "Youssef", "Marie", "Karim", "Salma", "Pierre", "Amina", "Omar",
         "Sophie", "Mehdi", "Nadia", "Hassan", "Claire", "Rachid", "Leila"]
LAST = ["Dupont", "Alaoui", "Benali", "Martin", "Tazi", "Bernard", "Idrissi", "Petit", "Chraibi",
        "Durand", "Fassi", "Moreau", "Berrada", "Laurent", "Lahlou", "Simon"]
DOMAINS = ["gmail.com", "yahoo.fr", "hotmail.com", "menara.ma", "outlook.fr", "orange.fr",
           "entreprise-a.ma", "societe-b.com", "groupe-c.fr", "cabinet-d.ma", "free.fr",
           "laposte.net", "iam.ma", "wanadoo.fr", "example-e.ma", "usine-f.com"]


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def _lst(xs: list[str]) -> str:
    return "[" + ", ".join(f"'{x}'" for x in xs) + "]"


def _addr_sql(col: str) -> str:
    lst = _lst
    return (f"list_element({lst(FIRST)}, (hash({col}) % 16)::INTEGER + 1) || '.' || "
            f"list_element({lst(LAST)}, (hash({col} * 7) % 16)::INTEGER + 1) || {col}::VARCHAR "
            f"|| '@' || list_element({lst(DOMAINS)}, (hash({col} * 13) % 16)::INTEGER + 1)")


def generate(tmp: Path, n_a: int, n_b: int, shared: float) -> tuple[Path, Path]:
    """A: ids 0..n_a-1 (+1% re-cased duplicates); B: `shared` of its ids from A, the rest new.
    Written by DuckDB (a scratch in-memory store) so generation is not what we time."""
    a, b = tmp / "a.csv", tmp / "b.csv"
    n_shared = int(n_b * shared)
    with Store(":memory:") as s:
        s.execute(f"""COPY (SELECT email FROM (
                SELECT {_addr_sql('i')} AS email, hash(i) AS o FROM range({n_a}) r(i)
                UNION ALL SELECT upper({_addr_sql('i')}), hash(i + 1) FROM range(0, {n_a}, 100)
                r(i)) ORDER BY o) TO '{a}' (HEADER, DELIMITER ',')""")
        s.execute(f"""COPY (SELECT email FROM (
                SELECT {_addr_sql('i')} AS email, hash(i + 5) AS o FROM range({n_a - n_shared},
                {n_a}) r(i)
                UNION ALL SELECT {_addr_sql('i')}, hash(i + 5) FROM range({10 * n_a},
                {10 * n_a + n_b - n_shared}) r(i)) ORDER BY o) TO '{b}' (HEADER, DELIMITER ',')""")
    return a, b


def exact_duckdb(a: Path, b: Path) -> tuple[int, int, int]:
    with Store(":memory:") as s:
        row = s.fetchone(f"""WITH a AS (SELECT DISTINCT lower(trim(email)) AS k
                                      FROM read_csv('{a}', header=true, all_varchar=true)),
                                 b AS (SELECT DISTINCT lower(trim(email)) AS k
                                      FROM read_csv('{b}', header=true, all_varchar=true))
                            SELECT (SELECT count(*) FROM a), (SELECT count(*) FROM b),
                                   (SELECT count(*) FROM a SEMI JOIN b ON a.k = b.k)""")
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def exact_python(a: Path, b: Path) -> tuple[tuple[int, int, int], float]:
    """Counts, and the time of `set &` alone (the caller times the whole, load included)."""
    def keys(p: Path) -> set[str]:
        with p.open(newline="", encoding="utf-8") as f:
            r = csv.reader(f)
            next(r)
            return {row[0].strip().lower() for row in r if row}
    ka, kb = keys(a), keys(b)
    inter, t_inter = timed(lambda: len(ka & kb))
    return (len(ka), len(kb), inter), t_inter


def exact_pipeline(a: Path, b: Path, db: Path) -> tuple[Any, float, float]:
    # What `compare A B` does with two files: both imported at once (read + syntax + dedupe),
    # each on its own connection and core.
    from mailhygiene.pipeline import import_pair

    with Store(db) as s:
        (ra, rb), t_load = timed(lambda: import_pair(s, a, b))
        c, t_cmp = timed(lambda: compare_bases(s, ra.base_id, rb.base_id))
    return c, t_load, t_cmp


def cli_compare(a: Path, b: Path, db: Path) -> float:
    env = dict(os.environ, MAILHYGIENE_KEY="bench key, 32 random-ish bytes..")
    started = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "mailhygiene", "compare", str(a), str(b),
                        "--db", str(db), "--json"], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit(f"compare failed: {r.stderr[-2000:]}")
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--a", type=int, default=1_000_000)
    ap.add_argument("--b", type=int, default=700_000)
    ap.add_argument("--shared", type=float, default=0.30)
    ap.add_argument("--num-perm", type=int, default=256)
    ap.add_argument("--sample", type=int, default=20_000, help="baseline loop sample size")
    ap.add_argument("--skip-pipeline", action="store_true", help="skip import_base timing")
    args = ap.parse_args()
    key = make_key(b"bench key, 32 random-ish bytes..", "bench")
    params = MinHashParams(num_perm=args.num_perm)
    rows: list[tuple[str, str, str]] = []

    with tempfile.TemporaryDirectory(prefix="mh-bench-compare-") as tmpd:
        tmp = Path(tmpd)
        (fa, fb), t_gen = timed(lambda: generate(tmp, args.a, args.b, args.shared))
        print(f"generated A={fa.stat().st_size / 1e6:.1f} MB, B={fb.stat().st_size / 1e6:.1f} MB"
              f" in {t_gen:.1f} s", flush=True)

        # 1. exact compare including load
        (ua, ub, ov), t_duck = timed(lambda: exact_duckdb(fa, fb))
        ((pa, pb, pov), t_set), t_py = timed(lambda: exact_python(fa, fb))
        assert (ua, ub, ov) == (pa, pb, pov), ((ua, ub, ov), (pa, pb, pov))
        rows.append(("exact: DuckDB read_csv + key + join (A+B)", f"{t_duck:.2f} s",
                     f"Python csv + set &: {t_py:.2f} s  (x{t_py / t_duck:.1f})"))
        comp = None
        if not args.skip_pipeline:
            comp, t_load, t_cmp = exact_pipeline(fa, fb, tmp / "bench.duckdb")
            assert (comp.a.unique, comp.b.unique, comp.exact) == (ua, ub, ov), comp
            rows.append(("exact: import_pair A+B (syntax, dedup key)", f"{t_load:.2f} s",
                         "(load; includes email syntax)"))
            rows.append(("exact: compare_bases on stored bases", f"{t_cmp:.2f} s",
                         f"Python set & alone (sets built): {t_set:.2f} s; no breakdowns"))
            rows.append(("exact: total including load", f"{t_load + t_cmp:.2f} s",
                         f"Python csv + set &: {t_py:.2f} s  (x{t_py / (t_load + t_cmp):.2f})"))

            # The whole command as a user runs it: start-up, import, exact counts, both
            # MinHash fingerprints and the provenance evidence.
            t_cli = cli_compare(fa, fb, tmp / "cli.duckdb")
            rows.append(("`mailhygiene compare A B --json`, whole process", f"{t_cli:.2f} s",
                         "(adds start-up, fingerprints and evidence)"))

        # 2. fingerprints of A: keyed hashes in DuckDB, MinHash in numpy
        with Store(tmp / "fp.duckdb") as s:
            # Keys loaded directly (same key as above) so this part times fingerprints only.
            s.execute("INSERT INTO bases (base_id, name) VALUES (1, 'a'), (2, 'b')")
            for base_id, f in ((1, fa), (2, fb)):
                s.execute(f"""INSERT INTO contacts (base_id, row_no, key)
                              SELECT {base_id}, row_number() OVER (), lower(trim(email))
                              FROM read_csv('{f}', header=true, all_varchar=true)""")
            ha, t_hmac = timed(lambda: base_hash64(s, key, 1))
            hb = base_hash64(s, key, 2)
            sig, t_mh = timed(lambda: minhash_signature(ha, params))
            sample = [str(r[0]) for r in s.fetchall(
                "SELECT DISTINCT key FROM contacts WHERE base_id = 1 LIMIT ?", [args.sample])]
        n = len(ha)
        per_s = n / (t_hmac + t_mh)
        rows.append((f"fingerprint A ({n:,} unique): HMAC in DuckDB", f"{t_hmac:.2f} s", ""))
        rows.append((f"fingerprint A: MinHash numpy (k={params.num_perm})", f"{t_mh:.2f} s", ""))

        def loop() -> None:
            m = MinHash(num_perm=params.num_perm, seed=params.seed, scheme=params.scheme,
                        hashfunc=int)
            for v in sample:
                m.update(int(hmac.new(key.secret, v.encode(), hashlib.sha256).hexdigest()[:16],
                             16))
        _, t_loop = timed(loop)
        loop_per_s = len(sample) / t_loop
        rows.append(("fingerprint throughput (HMAC + MinHash)", f"{per_s:,.0f} addr/s",
                     f"hmac + datasketch update loop: {loop_per_s:,.0f} addr/s "
                     f"(x{per_s / loop_per_s:.0f}; sample {len(sample):,}, scaled)"))
        rows.append(("fingerprint time per 1M addresses", f"{1e6 / per_s:.2f} s",
                     f"update loop: {1e6 / loop_per_s:.1f} s"))

        # 3. estimate vs exact
        fpa = fingerprint_from_hashes(ha, name="a", key_id=key.key_id, params=params)
        fpb = fingerprint_from_hashes(hb, name="b", key_id=key.key_id, params=params)
        assert (fpa.signature == sig).all()
        est = estimate_pair(fpa, fpb)
        assert est is not None and est.containment_b_in_a is not None
        j = ov / (ua + ub - ov)
        z = (est.jaccard - j) / max(est.stderr, 1e-12)
        rows.append(("MinHash Jaccard (exact)", f"{est.jaccard:.4f} ({j:.4f})",
                     f"error {est.jaccard - j:+.4f} = {z:+.2f} stderr (stderr {est.stderr:.4f})"))
        cb = ov / ub
        rows.append(("MinHash containment B in A (exact)",
                     f"{est.containment_b_in_a:.4f} ({cb:.4f})",
                     f"error {est.containment_b_in_a - cb:+.4f} "
                     f"(stderr {est.containment_b_in_a_stderr:.4f})"))

        # The same pair under 10 permutation seeds: the spread of the error, in stderr units.
        zs = []
        for seed in range(2, 12):
            ps = MinHashParams(num_perm=params.num_perm, seed=seed)
            e2 = estimate_pair(
                fingerprint_from_hashes(ha, name="a", key_id=key.key_id, params=ps),
                fingerprint_from_hashes(hb, name="b", key_id=key.key_id, params=ps))
            assert e2 is not None
            zs.append((e2.jaccard - j) / math.sqrt(j * (1 - j) / params.num_perm))
        rms = math.sqrt(sum(z * z for z in zs) / len(zs))
        rows.append(("MinHash error over 10 more seeds (in stderr)",
                     f"max |z| {max(abs(z) for z in zs):.2f}",
                     f"mean z {sum(zs) / len(zs):+.2f}, rms {rms:.2f} (expected ~0 and ~1)"))

    w = max(len(r[0]) for r in rows)
    print(f"\nA={args.a:,} (+1% re-cased duplicates)  B={args.b:,}  shared={args.shared:.0%} "
          f"of B  unique A={ua:,} B={ub:,} overlap={ov:,}")
    print(f"{'measure':<{w}}  {'value':>22}  baseline (same run)")
    for name, value, base in rows:
        print(f"{name:<{w}}  {value:>22}  {base}")


if __name__ == "__main__":
    main()
