"""`make soak` (issue 10, not in CI): 1,000,000 rows checked against a local DNS resolver, killed
with SIGKILL 10 times at random points and resumed; the final output must equal an
uninterrupted run's byte for byte.

    python scripts/soak.py [--rows 1000000] [--kills 10]"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mailhygiene.devtools.generate import make_universe, write_base
from mailhygiene.devtools.unbound import LocalDns


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="mh-soak-"))
    src = tmp / "base.csv"
    print(f"generating {a.rows:,} rows in {tmp}", flush=True)
    write_base(src, a.rows, a.seed)
    rng = random.Random(a.seed)
    with LocalDns(make_universe(a.seed).dns_records()) as ns:
        def cmd(out: Path, db: Path) -> list[str]:
            return [sys.executable, "-m", "mailhygiene", "check", str(src), "-o", str(out),
                    "--db", str(db), "--nameserver", ns, "--allow-loopback", "--json"]

        t0 = time.monotonic()
        subprocess.run(cmd(tmp / "clean.csv", tmp / "clean.duckdb"), check=True,
                       stdout=subprocess.DEVNULL)
        clean = time.monotonic() - t0
        print(f"uninterrupted run: {clean:.1f} s", flush=True)
        kills = attempt = 0
        db = tmp / "soak0.duckdb"
        started = time.monotonic()
        while kills < a.kills and attempt < a.kills * 5:
            attempt += 1
            p = subprocess.Popen(cmd(tmp / "soak.csv", db), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            at = rng.uniform(0.05, 0.8) * clean
            time.sleep(at)
            if p.poll() is None:
                os.kill(p.pid, signal.SIGKILL)
                kills += 1
                print(f"kill {kills}: after {at:.1f} s", flush=True)
            else:
                db = tmp / f"soak{attempt}.duckdb"  # finished first: restart on a new store
            p.wait()
        subprocess.run(cmd(tmp / "soak.csv", db), check=True, stdout=subprocess.DEVNULL)
        total = time.monotonic() - started
    same = (tmp / "soak.csv").read_bytes() == (tmp / "clean.csv").read_bytes()
    print(f"{kills} kills, resumed; total {total:.1f} s; output identical to the "
          f"uninterrupted run: {'yes' if same else 'NO'}")
    return 0 if same and kills >= a.kills else 1


if __name__ == "__main__":
    sys.exit(main())
