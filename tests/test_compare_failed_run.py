"""A `compare` that fails leaves no unfinished record in the store's `runs` table: the run is
recorded, start and end at once, only when the comparison has succeeded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mailhygiene.cli import main
from mailhygiene.store import Store
from tests.test_compare import addrs

ENV = {"MAILHYGIENE_KEY": "a failed compare key, 32 bytes.."}


def _write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    a = _write(tmp_path / "alpha.csv", "email,name,date_added",
               [f"{x},Name {i},2016-0{1 + i % 9}-1{i % 10}"
                for i, x in enumerate(addrs(0, 400))])
    b = _write(tmp_path / "beta.csv", "email", addrs(200, 500))
    return a, b


def _compare(db: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["compare", *args, "--db", str(db)], env=ENV)


def _runs(db: Path) -> list[tuple[object, ...]]:
    with Store(db) as s:
        return s.fetchall("SELECT run_id, command, started_at, finished_at, "
                          "CAST(summary AS VARCHAR) FROM runs ORDER BY run_id")


@pytest.mark.parametrize("failing", [
    pytest.param(["alpha", "nosuchbase"], id="base-name-not-stored"),
    pytest.param(["{a}", "{b}", "--date-column", "name", "--cutoff", "2018-01-01"],
                 id="date-column-without-dates"),
    pytest.param(["{a}", "{b}", "--column", "courriel"],
                 id="address-column-not-found"),
])
def test_a_failed_compare_leaves_no_unfinished_run(tmp_path: Path, files: tuple[Path, Path],
                                                   failing: list[str]) -> None:
    a, b = files
    db = tmp_path / "s.duckdb"
    r = _compare(db, str(a), str(b), "--json")
    assert r.exit_code == 0, r.output
    ok_run = json.loads(r.stdout)["run_id"]
    args = [x.format(a=a, b=b) for x in failing]
    r = _compare(db, *args)
    assert r.exit_code == 2, r.output
    assert "internal error" not in r.stderr
    runs = _runs(db)
    assert [(run[0], run[1]) for run in runs] == [(ok_run, "compare")]
    assert all(run[3] is not None and run[4] is not None for run in runs)
    # the report still finds the successful run as the latest
    out = tmp_path / "report.html"
    r = CliRunner().invoke(main, ["report", "--kind", "compare", "--latest", "-o", str(out),
                                  "--db", str(db)])
    assert r.exit_code == 0, r.output
    assert out.is_file()


def test_a_compare_that_succeeds_records_its_start_and_end(tmp_path: Path,
                                                           files: tuple[Path, Path]) -> None:
    a, b = files
    db = tmp_path / "s.duckdb"
    r = _compare(db, str(a), str(b), "--json")
    assert r.exit_code == 0, r.output
    payload = json.loads(r.stdout)
    [(run_id, command, started, finished, summary)] = _runs(db)
    assert (run_id, command) == (payload["run_id"], "compare")
    assert started is not None and finished is not None and started <= finished
    assert json.loads(str(summary)) == payload
