"""Wiring of the evidence section into `compare` (issues 7 and 8): options from CLI values,
bounce keys from A's bounce history, the hook `compare_inputs` calls."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailhygiene.cli import main
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
    codes = [it["code"] for it in ev["limit_items"]]
    assert "limit.direction" not in codes
    # ...but the direction then rests on A's dates, which nothing checks: a limit says so
    given = next(it for it in ev["limit_items"] if it["code"] == "limit.dates_as_given")
    assert given["column"] == "date_added"
    assert any("'date_added' as they are recorded" in t for t in ev["limits"])
    # B holds none of A's later additions, so their gradient is not measured: the
    # near-cut-off reading takes the growth the window before the cut-off shows (none),
    # widened by the curvature allowance, and gives very strong support, not the cap
    assert ev["log10_lr"] >= 4.0
    assert ev["signals"]["combination"]["all_additions_log10_lr"] == 6.0
    assert ev["copied_ci95"][0] <= len(b_rows) - 501 <= ev["copied_ci95"][1]


def test_terminal_summary_says_what_the_figures_rest_on(tmp_path: Path) -> None:
    """The text output is what an expert reads out: the baseline sentence whole (it was cut
    at 200 characters, mid-word), the LR marked as the cap when it is one, the common-source
    limit that bounds what the LR means, and the spread of the sensitivity table."""
    rows = [[f"user{i}@gmail.com"] for i in range(400)]
    rows += [[f"broken{i}gmail.com"] for i in range(40)]  # A's malformed, all found in B
    _write(tmp_path / "a.csv", [["email"], *rows])
    _write(tmp_path / "b.csv", [["email"], *rows[::2]])
    r = CliRunner().invoke(main, ["compare", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"),
                                  "--db", str(tmp_path / "s.duckdb")],
                           env={"MAILHYGIENE_KEY": "k" * 32})
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    lr = next(line for line in lines if "log10 LR" in line and "sensitivity" not in line)
    assert lr.split()[2] == "3.0" and "capped: 10^3 at most without a baseline" in lr
    baseline = next(line for line in lines if line.startswith("  baseline: "))
    assert baseline.endswith("published as often as valid addresses)")
    assert any(line.startswith("  note: ") and "any common source" in line for line in lines)
    sens = next(line for line in lines if line.startswith("  sensitivity: "))
    assert sens.endswith("across 7 variants of the assumptions")


def test_without_a_cutoff_the_terminal_and_json_say_direction_is_not_told(
        tmp_path: Path) -> None:
    """compare B A gave the same support as compare A B (the shared malformed addresses fit
    either direction) and nothing said so."""
    rows = [[f"user{i}@gmail.com"] for i in range(400)]
    rows += [[f"broken{i}gmail.com"] for i in range(40)]
    _write(tmp_path / "a.csv", [["email"], *rows])
    _write(tmp_path / "b.csv", [["email"], *rows[::2]])
    env = {"MAILHYGIENE_KEY": "k" * 32}
    db = str(tmp_path / "s.duckdb")
    for first, second in (("a.csv", "b.csv"), ("b.csv", "a.csv")):
        args = ["compare", str(tmp_path / first), str(tmp_path / second), "--db", db]
        r = CliRunner().invoke(main, args, env=env)
        assert r.exit_code == 0, r.output
        assert any(line.startswith("  note: ") and "which base came first" in line
                   for line in r.stdout.splitlines()), r.stdout
        r = CliRunner().invoke(main, [*args, "--json"], env=env)
        assert r.exit_code == 0, r.output
        codes = [it["code"] for it in json.loads(r.stdout)["evidence"]["limit_items"]]
        assert "limit.direction" in codes
