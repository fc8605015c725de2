"""Wiring of the evidence section into `compare` (issues 7 and 8): options from CLI values,
bounce keys from A's bounce history, the hook `compare_inputs` calls."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from mailhygiene.compare import compare_inputs
from mailhygiene.errors import InputError
from mailhygiene.evidence import bounce_keys, evidence_hook, evidence_options
from mailhygiene.keys import make_key
from mailhygiene.store import Store

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "bounces"


def test_options_from_cli_values() -> None:
    o = evidence_options(date_column="added", cutoff="2023-06-30")
    assert o.cutoff == date(2023, 6, 30) and o.date_column == "added"
    with pytest.raises(InputError, match="--cutoff must be a date"):
        evidence_options(date_column="added", cutoff="30 juin")
    with pytest.raises(InputError, match="--date-column"):
        evidence_options(cutoff="2023-06-30")
    with pytest.raises(InputError, match="--cutoff"):
        evidence_options(date_column="added")


def test_bounce_keys_from_history() -> None:
    expected = [json.loads(line) for line in (DATA / "expected.jsonl").open(encoding="utf-8")]
    hard_files = [DATA / e["file"] for e in expected
                  if any(r.get("hardbounce") for r in e["recipients"])][:5]
    keys = bounce_keys(hard_files)
    assert keys and all("@" in k and k == k.lower() for k in keys)
    soft_only = [DATA / e["file"] for e in expected
                 if e["recipients"] and not any(r.get("hardbounce") for r in e["recipients"])
                 and all(r.get("reason") == "mailboxfull" for r in e["recipients"])][:3]
    assert soft_only  # the corpus has mailbox-full messages
    assert bounce_keys(soft_only) == ()  # soft bounces do not make an address invalid


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def test_hook_attaches_evidence_to_compare(tmp_path: Path) -> None:
    start = date(2020, 1, 1)
    a_rows = [["email", "date_added"]] + [
        [f"user{i}@gmail.com", (start + timedelta(days=i % 1500)).isoformat()]
        for i in range(2000)]
    _write(tmp_path / "a.csv", a_rows)
    # B: every third address of A added before the cut-off, plus its own
    cut = start + timedelta(days=1200)
    b_rows = [["email"]] + [[r[0]] for i, r in enumerate(a_rows[1:])
                            if date.fromisoformat(r[1]) <= cut and i % 3 == 0]
    b_rows += [[f"own{i}@firm.ma"] for i in range(500)]
    _write(tmp_path / "b.csv", b_rows)
    store = Store(tmp_path / "s.duckdb")
    hook = evidence_hook(evidence_options(date_column="date_added", cutoff=cut.isoformat()))
    c = compare_inputs(store, str(tmp_path / "a.csv"), str(tmp_path / "b.csv"),
                       key=make_key(b"k" * 32, "t"), evidence=hook)
    ev = c.to_json()["evidence"]
    assert ev["baseline"]["source"] == "post_cutoff"
    # B holds none of A's later additions, so their gradient is not measured: the
    # near-cut-off reading takes the growth the window before the cut-off shows (none),
    # widened by the curvature allowance, and gives very strong support, not the cap
    assert ev["log10_lr"] >= 4.0
    assert ev["signals"]["combination"]["all_additions_log10_lr"] == 6.0
    assert ev["copied_ci95"][0] <= len(b_rows) - 501 <= ev["copied_ci95"][1]
