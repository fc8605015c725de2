"""Writes the seeded demo/bench base: python scripts/generate_base.py -o base.csv --rows 140000"""

from __future__ import annotations

import argparse
from pathlib import Path

from mailhygiene.devtools.generate import address_stream, write_base

__all__ = ["address_stream", "main"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-o", "--output", required=True, type=Path)
    ap.add_argument("--rows", type=int, default=140_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--delimiter", default=";")
    ap.add_argument("--encoding", default="utf-8-sig")
    a = ap.parse_args()
    write_base(a.output, a.rows, a.seed, delimiter=a.delimiter, encoding=a.encoding)
    print(a.output)


if __name__ == "__main__":
    main()
