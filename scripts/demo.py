"""`make demo`: the main job on bundled, generated fixtures, on a machine with no internet.

1. Generates the dispute-like base A (140,000 rows, seeded) under the output folder.
2. Starts a real DNS resolver (unbound) on 127.0.0.1 serving the base's domains.
3. Runs `mailhygiene check` on it at the MX level and writes the cleaned list (email and
   phone/fax figures side by side).
4. Generates a base B derived from A (a share of A before a cut-off date, laundered, mixed with
   B's own collection) and runs `mailhygiene compare A B` with the evidence section.
Each command is printed before it runs, so it can be copied."""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import time
from pathlib import Path

from mailhygiene.devtools.generate import make_universe, write_base, write_derived
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
             "--nameserver", nameserver, "--allow-loopback", "--html",
             str(out / "rapport-hygiene.html"), "--lang", "fr"])
    base_b = out / "base_b.csv"
    cutoff = write_derived(base_b, base_a, SEED + 6)
    print(f"\ngenerated {base_b}: 40% of A's rows before {cutoff}, lower-cased, half of the "
          "broken addresses removed, shuffled, mixed with 60,000 rows of B's own collection")
    run([*mh, "compare", str(base_a), str(base_b), "--db", str(db), "--date-column",
         "date_ajout", "--cutoff", cutoff, "--html", str(out / "rapport-provenance.html"),
         "--lang", "fr"])
    run([*mh, "report", "--kind", "check", "--latest", "--lang", "en", "-o",
         str(out / "hygiene-report.html"), "--db", str(db)])
    run([*mh, "report", "--kind", "compare", "--latest", "--lang", "en", "-o",
         str(out / "provenance-report.html"), "--db", str(db)])
    print(f"\ndemo outputs in {out}/:")
    for name in ("cleaned_a.csv", "base_b.csv", "rapport-hygiene.html",
                 "rapport-provenance.html", "hygiene-report.html", "provenance-report.html",
                 "demo.duckdb"):
        print(f"  {out / name}")


if __name__ == "__main__":
    main()
