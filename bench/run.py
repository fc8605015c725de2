"""`make bench`: every benchmark in turn; each prints its own table with a baseline measured in
the same run. A failing benchmark is reported and the others still run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = ["syntax.py", "mx.py", "compare.py", "phones.py", "bounces.py", "smtp.py"]


def main() -> int:
    failed = []
    for name in BENCHES:
        path = HERE / name
        if not path.exists():
            continue
        print(f"\n=== bench/{name} " + "=" * (60 - len(name)), flush=True)
        if subprocess.run([sys.executable, str(path)]).returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
