"""Paths to the shared reference data (never copied into the repo) and generated inputs."""

from __future__ import annotations

import random
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
SYNTAX_DIR = SHARED / "data" / "syntax"
BOUNCES_DIR = SHARED / "data" / "bounces"


def generated_addresses(n: int, seed: int) -> list[str]:
    """Realistic addresses plus mutated and hostile variants (typos, doubled @, stray
    punctuation, Unicode, long parts), from the same generator as the demo base."""
    from mailhygiene.devtools.generate import address_stream

    rng = random.Random(seed)
    out = []
    for addr in address_stream(n, seed):
        r = rng.random()
        if r < 0.04:
            i = rng.randrange(len(addr) + 1)
            addr = addr[:i] + rng.choice("@..-_ +\"'(),;:<>[]\\éü漢\u200b") + addr[i:]
        elif r < 0.05:
            addr = addr.replace("@", rng.choice(["@@", "", " @", "@ ", "(at)"]), 1)
        elif r < 0.055:
            addr = "x" * rng.randint(60, 70) + addr
        elif r < 0.06:
            addr = addr.replace(".", "--", 1)
        out.append(addr)
    return out
