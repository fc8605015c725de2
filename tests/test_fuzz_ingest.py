"""Hypothesis fuzzing of ingest (issue 10): >= 10,000 generated malformed files, in two worker
processes (one per core). Invariants: no crash, rows in == rows out, every row has a status."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("MH_FUZZ_EXAMPLES", "5000"))  # per worker; two workers


def test_fuzz_ingest_10000_files(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    env = os.environ | {"TMPDIR": str(tmp_path)}
    procs = [subprocess.Popen([sys.executable, "-m", "tests.fuzz_ingest_worker", str(s),
                               str(EXAMPLES)], cwd=root, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, env=env) for s in (1, 2)]
    outputs = [p.communicate()[0] for p in procs]
    for p, out in zip(procs, outputs, strict=True):
        assert p.returncode == 0, out[-4000:]
    total = sum(int(o.strip().splitlines()[-1].split()[1]) for o in outputs)
    assert total >= 2 * EXAMPLES * 0.95  # Hypothesis may stop a little short on duplicates
    assert list(tmp_path.iterdir()) == []  # the workers' files are gone
