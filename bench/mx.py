"""Bench for issue 4 (MX stage), against a real unbound on 127.0.0.1 serving generated domains.

Prints: cold-cache time to resolve N distinct domains with `mx.check_domains`, domains/s,
warm-cache time (second run: cache hits, no query), and a baseline measured in the same run:
a naive loop over `dns.asyncresolver.Resolver().resolve` per domain (MX, then A of each MX host,
one domain after the other) on a sample, scaled to N. With --rows, also times
`mailhygiene check` end to end (cold, then warm) on a generated CSV of that many rows over the
same domains, when the pipeline supports the MX level.

    .venv/bin/python bench/mx.py [--domains 50000] [--rows 1000000] [--sample 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dns.asyncresolver
import dns.exception
import dns.resolver

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mailhygiene.devtools.unbound import LocalDns, synthetic_records  # noqa: E402
from mailhygiene.mx import DnsOptions, check_domains  # noqa: E402
from mailhygiene.store import Store  # noqa: E402


def make_domains(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = ["shop", "mail", "atlas", "souk", "media", "tech", "immo", "auto", "sante", "voyage",
             "club", "info", "pro", "agence", "studio", "market", "data", "cloud", "net", "web"]
    tlds = ["ma", "fr", "com", "net", "org", "example"]
    out: dict[str, None] = {}
    while len(out) < n:
        out[f"{rng.choice(words)}{rng.choice(words)}{len(out)}.{rng.choice(tlds)}"] = None
    return list(out)


async def naive(domains: list[str], port: int) -> int:
    """The straightforward way: one Resolver, one domain after the other, no host sharing."""
    res = dns.asyncresolver.Resolver(configure=False)
    res.nameservers = ["127.0.0.1"]
    res.port = port
    res.cache = None
    res.lifetime = 3.0
    queries = 0
    for d in domains:
        queries += 1
        try:
            ans = await res.resolve(d, "MX")
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            queries += 1
            with contextlib.suppress(dns.exception.DNSException):
                await res.resolve(d, "A")
            continue
        except dns.exception.DNSException:
            continue
        for rd in ans:
            if rd.exchange.to_text() == ".":
                continue
            queries += 1
            with contextlib.suppress(dns.exception.DNSException):
                await res.resolve(rd.exchange, "A")
    return queries


def write_rows(path: Path, domains: list[str], rows: int, seed: int) -> None:
    rng = random.Random(seed)
    # Zipf-like: a few domains carry many addresses, as in real bases.
    weights = [1.0 / (i + 1) ** 0.6 for i in range(len(domains))]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["email", "name"])
        firsts = ["amine", "sara", "youssef", "fatima", "karim", "lea", "omar", "nadia", "jean"]
        chosen = domains[:]  # every domain appears at least once
        chosen += rng.choices(domains, weights=weights, k=rows - len(domains))
        rng.shuffle(chosen)
        for i, d in enumerate(chosen):
            w.writerow([f"{rng.choice(firsts)}.{i}@{d}", f"row {i}"])


CLI = [sys.executable, "-c", "from mailhygiene.cli import main; main()"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def pipeline_supports_mx() -> bool:
    """True when `mailhygiene check` has the options this bench needs."""
    try:
        out = subprocess.run([*CLI, "check", "--help"], capture_output=True, text=True,
                             cwd=ROOT, env=ENV, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--nameserver" in out.stdout and "--allow-loopback" in out.stdout


def time_check(csv_path: Path, db: Path, out: Path, ns: str) -> float:
    cmd = [*CLI, "check", str(csv_path), "-o", str(out), "--db", str(db), "--level", "mx",
           "--nameserver", ns, "--allow-loopback", "--no-progress"]
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=ENV, capture_output=True, text=True, check=False)
    dt = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"mailhygiene check failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--domains", type=int, default=50_000)
    ap.add_argument("--rows", type=int, default=1_000_000, help="0 skips the end-to-end run")
    ap.add_argument("--sample", type=int, default=1000, help="domains for the naive baseline")
    ap.add_argument("--concurrency", type=int, default=200)
    ap.add_argument("--seed", type=int, default=4)
    args = ap.parse_args()

    domains = make_domains(args.domains, args.seed)
    records, kinds = synthetic_records(domains, seed=args.seed)
    t = time.perf_counter()
    server = LocalDns(records, threads=1)
    ns = server.start()
    start_s = time.perf_counter() - t
    rows: list[tuple[str, str, str]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="mh-bench-mx-") as tmp:
            sample = random.Random(args.seed).sample(domains, min(args.sample, len(domains)))
            t = time.perf_counter()
            nq = asyncio.run(naive(sample, server.port))
            naive_s = time.perf_counter() - t
            naive_scaled = naive_s * len(domains) / len(sample)

            opts = DnsOptions(nameservers=(ns,), concurrency=args.concurrency,
                              allow_loopback=True)
            with Store(Path(tmp) / "bench.duckdb") as store:
                t = time.perf_counter()
                cold, cold_q = asyncio.run(check_domains(store, domains, opts))
                cold_s = time.perf_counter() - t
                t = time.perf_counter()
                warm, warm_q = asyncio.run(check_domains(store, domains, opts))
                warm_s = time.perf_counter() - t
            mismatched = sum(1 for d in domains if cold[d].verdict != warm[d].verdict)
            by_status: dict[str, int] = {}
            for r in cold.values():
                key = f"{r.verdict.status}/{r.verdict.reason}"
                by_status[key] = by_status.get(key, 0) + 1

            rows += [
                ("unbound start (records)", f"{start_s:.2f} s", f"{len(records):,} records"),
                (f"naive Resolver loop, {len(sample):,} domains", f"{naive_s:.2f} s",
                 f"{len(sample) / naive_s:,.0f} domains/s, {nq:,} queries"),
                (f"naive, scaled to {len(domains):,}", f"{naive_scaled:.1f} s", ""),
                (f"check_domains cold, {len(domains):,} domains", f"{cold_s:.2f} s",
                 f"{len(domains) / cold_s:,.0f} domains/s, {cold_q:,} queries"),
                (f"check_domains warm, {len(domains):,} domains", f"{warm_s:.2f} s",
                 f"{warm_q:,} queries, {mismatched} verdicts differ from cold"),
                ("speed-up cold vs naive (scaled)", f"{naive_scaled / cold_s:.1f}x", ""),
            ]

            if args.rows:
                if pipeline_supports_mx():
                    csv_path = Path(tmp) / "rows.csv"
                    write_rows(csv_path, domains, args.rows, args.seed)
                    db = Path(tmp) / "e2e.duckdb"
                    e2e_cold = time_check(csv_path, db, Path(tmp) / "out1.csv", ns)
                    e2e_warm = time_check(csv_path, db, Path(tmp) / "out2.csv", ns)
                    rows += [
                        (f"mailhygiene check cold, {args.rows:,} rows", f"{e2e_cold:.1f} s",
                         f"{len(domains):,} domains"),
                        (f"mailhygiene check warm, {args.rows:,} rows", f"{e2e_warm:.1f} s",
                         "goal <= 15 s"),
                    ]
                else:
                    rows.append(("mailhygiene check end to end", "skipped",
                                 "check has no --nameserver/--allow-loopback"))
    finally:
        server.stop()

    width = max(len(r[0]) for r in rows)
    print(f"\nMX stage bench (issue 4), {os.cpu_count()} CPUs, unbound on {ns}")
    print(f"{'measure':<{width}}  {'time':>10}  notes")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>10}  {note}")
    print("\ndomain kinds served:", {k: sum(1 for v in kinds.values() if v == k)
                                     for k in sorted(set(kinds.values()))})
    print("cold verdicts:", dict(sorted(by_status.items())))


if __name__ == "__main__":
    main()
