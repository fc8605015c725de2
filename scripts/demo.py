"""`make demo`: the main job on bundled, generated fixtures, on a machine with no internet.

1. Generates the dispute-like base A (140,000 rows, seeded) under the output folder.
2. Starts a real DNS resolver (unbound) on 127.0.0.1 serving the base's domains.
3. Runs `mailhygiene check` on it at the MX level and writes the cleaned list.
Each command is printed before it runs, so it can be copied."""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import time
from pathlib import Path

from mailhygiene.devtools.generate import make_universe, write_base
from mailhygiene.devtools.unbound import LocalDns

SEED = 1


def run(cmd: list[str]) -> None:
    shown = ["mailhygiene", *cmd[3:]] if cmd[1:3] == ["-m", "mailhygiene"] else cmd
    print(f"\n$ {shlex.join(shown)}", flush=True)
    started = time.monotonic()
    subprocess.run(cmd, check=True)
    print(f"({time.monotonic() - started:.1f} s)", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("demo-out"))
    ap.add_argument("--rows", type=int, default=140_000)
    a = ap.parse_args()
    out: Path = a.out
    out.mkdir(parents=True, exist_ok=True)
    base_a = out / "base_a.csv"
    if not base_a.exists():
        print(f"generating {base_a} ({a.rows:,} rows, seed {SEED})", flush=True)
        write_base(base_a, a.rows, SEED)
    db = out / "demo.duckdb"
    mh = [sys.executable, "-m", "mailhygiene"]
    universe = make_universe(SEED)
    with LocalDns(universe.dns_records()) as nameserver:
        print(f"local DNS resolver (unbound) on {nameserver}, serving the demo domains")
        run([*mh, "check", str(base_a), "-o", str(out / "cleaned_a.csv"), "--db", str(db),
             "--nameserver", nameserver, "--allow-loopback"])
    print(f"\ndemo outputs in {out}/: cleaned_a.csv, demo.duckdb")


if __name__ == "__main__":
    main()
