"""`mailhygiene store info | drop | compact` through click's CliRunner, on real stores."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner, Result

import mailhygiene.store.admin as admin
from mailhygiene.cli import main
from mailhygiene.errors import StoreError
from mailhygiene.store import Store


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)


def write_base(path: Path, n: int, tag: str) -> Path:
    lines = ["email;telephone"] + [f"{tag}{i}@example.org;06612345{i % 100:02d}"
                                   for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()]
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in names}
    finally:
        con.close()


@pytest.fixture
def stocked(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A store with three bases (a and b share a name), checked with phones and fingerprinted;
    returns the store and the cleaned CSV of base c, written before any drop."""
    db = tmp_path / "store.duckdb"
    for name, n in (("a", 3000), ("b", 20), ("c", 50)):
        src = write_base(tmp_path / f"{name}.csv", n, name)
        args = ["check", str(src), "--level", "syntax", "--db", str(db), "--json"]
        if name in ("a", "b"):
            args += ["--name", "shared"]
        out = tmp_path / f"{name}-out.csv"
        assert run(*args, "-o", str(out)).exit_code == 0
        assert run("fingerprint", str(src), "--db", str(db)).exit_code == 0
    return db, tmp_path / "c.csv", tmp_path / "c-out.csv"


def test_info_lists_bases_and_counts(stocked: tuple[Path, Path, Path]) -> None:
    db, _, _ = stocked
    r = run("store", "info", "--db", str(db), "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert [(b["name"], b["rows"]) for b in data["bases"]] == [
        ("shared", 3000), ("shared", 20), ("c", 50)]
    assert data["counts"]["runs"] == 3 and data["counts"]["fingerprints"] == 3
    assert [b["runs"] for b in data["bases"]] == [1, 1, 1]
    assert all(b["last_run"] >= b["imported_at"] for b in data["bases"])
    assert data["bytes"] == db.stat().st_size
    text = run("store", "info", "--db", str(db)).output
    assert "shared" in text and "3,000" in text and "last run" in text
    assert data["unfinished_runs"] == 0 and "unfinished" not in text
    # a run killed before its end leaves its record without finished_at: said, not hidden
    con = duckdb.connect(str(db))
    con.execute("UPDATE runs SET finished_at = NULL WHERE run_id = (SELECT max(run_id) "
                "FROM runs)")
    con.close()
    assert json.loads(run("store", "info", "--db", str(db), "--json").output)[
        "unfinished_runs"] == 1
    assert "(1 unfinished: killed, interrupted or still running)" in run(
        "store", "info", "--db", str(db)).output


def test_drop_removes_a_base_and_what_derives_from_it(stocked: tuple[Path, Path, Path],
                                                      tmp_path: Path) -> None:
    db, c_src, c_out = stocked
    before = counts(db)
    ids = {b["name"] + str(b["rows"]): b["base_id"]
           for b in json.loads(run("store", "info", "--db", str(db), "--json").output)["bases"]}
    a_id = ids["shared3000"]
    r = run("store", "drop", str(a_id), "--db", str(db), "--yes", "--json")
    assert r.exit_code == 0, r.output
    deleted = json.loads(r.output.strip().splitlines()[-1])["deleted_rows"]
    after = counts(db)
    assert f"input_{a_id}" not in after and f"mh_phones_{a_id}" not in after
    assert deleted["contacts"] == 3000 and deleted[f"input_{a_id}"] == 3000
    assert deleted[f"mh_phones_{a_id}"] == 3000 and deleted["fingerprints"] == 1
    assert after["contacts"] == before["contacts"] - 3000
    assert after["fingerprints"] == 2 and after["bases"] == 2
    assert after["runs"] == before["runs"]  # the audit trail stays
    con = duckdb.connect(str(db), read_only=True)
    for t in ("contacts", "output_extras", "phone_columns", "fingerprints"):
        assert con.execute(f"SELECT count(*) FROM {t} WHERE base_id = ?", [a_id]).fetchone() == (0,)
    con.close()
    # The other bases are untouched: the same check gives the same cleaned file, from the
    # stored import.
    again = tmp_path / "c-again.csv"
    r = run("check", str(c_src), "--level", "syntax", "--db", str(db), "-o", str(again), "--json")
    assert json.loads(r.output)["reused_import"] is True
    assert again.read_bytes() == c_out.read_bytes()


@pytest.mark.parametrize(("args", "message"), [
    (["shared"], "several bases are named 'shared'"),
    (["nope"], "no stored base 'nope'"),
    (["99"], "no stored base '99'"),
    (["c"], "add --yes"),  # no terminal, no --yes
])
def test_drop_refusals_change_nothing(stocked: tuple[Path, Path, Path], args: list[str],
                                      message: str) -> None:
    db, _, _ = stocked
    before = counts(db)
    r = CliRunner().invoke(main, ["store", "drop", *args, "--db", str(db)])
    assert r.exit_code == 2 and message in r.output
    assert counts(db) == before


def compression(db: Path) -> set[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {str(r[0]) for r in con.execute(
            "SELECT DISTINCT compression FROM pragma_storage_info('contacts') "
            "WHERE column_name = 'raw' AND segment_type = 'VARCHAR'").fetchall()}
    finally:
        con.close()


@pytest.mark.parametrize("compress", [False, True])
def test_compact_gives_space_back_and_keeps_everything(stocked: tuple[Path, Path, Path],
                                                       tmp_path: Path, compress: bool) -> None:
    db, c_src, c_out = stocked
    info = json.loads(run("store", "info", "--db", str(db), "--json").output)
    big = next(b["base_id"] for b in info["bases"] if b["rows"] == 3000)
    assert run("store", "drop", str(big), "--db", str(db), "--yes").exit_code == 0
    kept, size = counts(db), db.stat().st_size
    assert compression(db) == {"Uncompressed"}
    r = run("store", "compact", "--db", str(db), *(["--compress"] if compress else []))
    assert r.exit_code == 0, r.output
    assert db.stat().st_size < size
    assert counts(db) == kept
    assert ("Uncompressed" in compression(db)) is not compress
    assert not [p.name for p in tmp_path.iterdir() if ".compact" in p.name]
    # Rows keep their order (the cleaned CSV joins them positionally and checks it): the same
    # check on a kept base reuses its import and writes the same file.
    again = tmp_path / "c-again.csv"
    r = run("check", str(c_src), "--level", "syntax", "--db", str(db), "-o", str(again), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["reused_import"] is True
    assert again.read_bytes() == c_out.read_bytes()
    # The base id sequence goes on: a new import does not reuse a dropped id.
    src = write_base(tmp_path / "d.csv", 10, "d")
    assert run("check", str(src), "--level", "syntax", "--db", str(db)).exit_code == 0
    ids = [b["base_id"] for b in json.loads(
        run("store", "info", "--db", str(db), "--json").output)["bases"]]
    assert max(ids) > max(b["base_id"] for b in info["bases"])


def test_a_failed_compaction_leaves_the_store_as_it_was(stocked: tuple[Path, Path, Path],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    db, _, _ = stocked
    before = counts(db)
    calls = iter([{"x": 1}, {"x": 2}])
    monkeypatch.setattr(admin, "_table_counts", lambda store, database: next(calls))
    with Store(db) as s, pytest.raises(StoreError, match="compaction check failed"):
        admin.compact(s)
    assert counts(db) == before
    assert not [p.name for p in db.parent.iterdir() if ".compact" in p.name]


def test_commands_never_create_a_store(tmp_path: Path) -> None:
    missing = tmp_path / "nope.duckdb"
    for args in (["store", "info"], ["store", "drop", "1", "--yes"], ["store", "compact"],
                 ["retry", "--helo", "probe.example", "--mail-from", "probe@probe.example"]):
        r = CliRunner().invoke(main, [*args, "--db", str(missing)])
        assert r.exit_code == 2 and "no store file" in r.output, (args, r.output)
    assert not missing.exists()


def test_a_closed_pipe_is_not_an_error(stocked: tuple[Path, Path, Path]) -> None:
    """`mailhygiene store info | head -1`: the reader leaves early; the command stops quietly
    (exit 141, like other tools killed by SIGPIPE), without an internal-error line."""
    import subprocess
    import sys

    db, _, _ = stocked
    p = subprocess.Popen([sys.executable, "-m", "mailhygiene", "store", "info", "--db", str(db)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout is not None and p.stderr is not None
    p.stdout.close()  # before the process, still starting, writes anything
    err = p.stderr.read().decode()
    assert p.wait(timeout=60) == 141, err
    assert err == ""


def test_an_opener_during_the_rename_writes_to_the_new_file(
        stocked: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process that opens the store between compaction's close and its rename waits,
    then opens the compacted file: its writes are not lost in the replaced one."""
    import os
    import subprocess
    import sys
    import time

    db, _, _ = stocked
    writer = ("import sys; from mailhygiene.store import Store; print('ready', flush=True); "
              "s = Store(sys.argv[1]); s.execute('CREATE TABLE marker AS SELECT 42 AS x'); "
              "s.close()")
    real_replace = os.replace
    procs: list[subprocess.Popen[str]] = []

    def replace_late(src: str, dst: str) -> None:
        p = subprocess.Popen([sys.executable, "-c", writer, str(db)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        procs.append(p)
        assert p.stdout is not None and p.stdout.readline() == "ready\n"
        time.sleep(1.0)  # time enough to open the old file and write, were it not held
        real_replace(src, dst)

    monkeypatch.setattr(admin.os, "replace", replace_late)
    with Store(db) as s:
        admin.compact(s)
    _, err = procs[0].communicate(timeout=60)
    assert procs[0].returncode == 0, err
    assert counts(db)["marker"] == 1


def test_compaction_gives_up_when_the_file_stays_held(stocked: tuple[Path, Path, Path],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Another Store on the file in this process, or another process that keeps the file's
    shared lock: the compaction stops with a clear error instead of replacing a file in use
    or waiting forever, and the store is as it was."""
    import subprocess
    import sys

    import mailhygiene.store.core as core
    from mailhygiene.errors import StoreBusyError

    db, _, _ = stocked
    before = counts(db)
    monkeypatch.setattr(core, "REPLACE_WAIT_S", 0.2)
    with Store(db) as s, Store(db) as other:
        with pytest.raises(StoreBusyError, match="held open elsewhere in this process"):
            admin.compact(s)
        assert other.scalar("SELECT count(*) FROM bases") == 3
    holder = ("import fcntl, sys, time; f = open(sys.argv[1], 'rb'); "
              "fcntl.flock(f, fcntl.LOCK_SH); print('held', flush=True); time.sleep(60)")
    p = subprocess.Popen([sys.executable, "-c", holder, str(db)], stdout=subprocess.PIPE,
                         text=True)
    try:
        assert p.stdout is not None and p.stdout.readline() == "held\n"
        with Store(db) as s, pytest.raises(StoreBusyError, match="held open elsewhere"):
            admin.compact(s)
    finally:
        p.kill()
        p.wait()
    assert counts(db) == before
    assert not [p.name for p in db.parent.iterdir() if ".compact" in p.name]


def test_a_second_store_in_the_process_keeps_duckdbs_lock(tmp_path: Path) -> None:
    """Closing any descriptor of a file drops the process's POSIX locks on it, DuckDB's
    included: opening and closing a second Store on the same file must leave the first one's
    lock in place, so another process is still kept out."""
    import subprocess
    import sys

    db = tmp_path / "s.duckdb"
    probe = [sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1])", str(db)]
    with Store(db) as s:
        s.execute("CREATE TABLE t AS SELECT 1 AS x")
        with Store(db) as again:
            assert again.scalar("SELECT x FROM t") == 1
        assert subprocess.run(probe, capture_output=True).returncode != 0
    assert subprocess.run(probe, capture_output=True).returncode == 0


def test_a_number_that_is_an_id_and_a_name_is_not_guessed(tmp_path: Path) -> None:
    """Base 1 is `x`; base 2 was imported from `1.csv`, so its name is "1". `drop 1` is
    refused (nothing deleted); `id:1` drops base 1, and the name "1" then drops base 2."""
    db = tmp_path / "s.duckdb"
    for name in ("x", "1"):
        src = write_base(tmp_path / f"{name}.csv", 5, f"t{name}")
        assert run("check", str(src), "--level", "syntax", "--db", str(db)).exit_code == 0
    before = counts(db)
    r = CliRunner().invoke(main, ["store", "drop", "1", "--yes", "--db", str(db)])
    assert r.exit_code == 2 and "is both the id of base 1" in r.output, r.output
    assert counts(db) == before
    r = run("store", "drop", "id:1", "--yes", "--db", str(db))
    assert r.exit_code == 0 and "dropped base 1 (x)" in r.output, r.output
    r = run("store", "drop", "1", "--yes", "--db", str(db))
    assert r.exit_code == 0 and "dropped base 2 (1)" in r.output, r.output
    assert json.loads(run("store", "info", "--db", str(db), "--json").output)["bases"] == []


def test_drop_of_a_non_ascii_digit_is_a_clear_refusal(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from mailhygiene.cli import main

    src = tmp_path / "a.csv"
    src.write_text("email\na@example.com\n")
    db = str(tmp_path / "s.duckdb")
    runner = CliRunner()
    assert runner.invoke(main, ["check", str(src), "--level", "syntax", "--db", db]).exit_code == 0
    r = runner.invoke(main, ["store", "drop", "²", "--yes", "--db", db])
    assert r.exit_code == 2 and "Traceback" not in r.output, r.output


def test_drop_of_a_one_row_base_says_1_row(tmp_path: Path) -> None:
    src = tmp_path / "one.csv"
    src.write_text("email\na@example.com\n")
    db = str(tmp_path / "s.duckdb")
    assert run("check", str(src), "--level", "syntax", "--db", db).exit_code == 0
    r = CliRunner().invoke(main, ["store", "drop", "one", "--yes", "--db", db])
    assert r.exit_code == 0, r.output
    assert "base 1 (one): 1 row, imported" in r.stderr


def test_bases_used_as_b_or_reference_count_as_used(stocked: tuple[Path, Path, Path],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A compare records A as its base; B and the reference were counted as never used, so
    an operator cleaning up would take them for bases no run needed."""
    db, _, _ = stocked
    monkeypatch.setenv("MAILHYGIENE_KEY", "11" * 32)
    r = run("compare", "id:1", "id:2", "--reference", "id:3", "--db", str(db), "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(run("store", "info", "--db", str(db), "--json").output)
    assert [b["runs"] for b in data["bases"]] == [2, 2, 2]


def test_a_killed_compactions_copy_is_removed_by_the_next(stocked: tuple[Path, Path, Path]
                                                          ) -> None:
    """kill -9 during `store compact` leaves its partial copy (the store's data) beside the
    store; the next compaction removes it instead of leaving it for good."""
    db, _, _ = stocked
    stale = [db.parent / f".{db.name}.k1ll3d00.compact",
             db.parent / f".{db.name}.k1ll3d00.compact.wal"]
    for p in stale:
        p.write_bytes(b"partial copy")
    other = db.parent / ".other.duckdb.k1ll3d00.compact"  # another store's: kept
    other.write_bytes(b"x")
    assert run("store", "compact", "--db", str(db)).exit_code == 0
    assert not any(p.exists() for p in stale) and other.exists()


def _catalog_queries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The catalog queries a Store makes from now on (each costs milliseconds, about 10 ms
    for information_schema.tables, in a store of a few thousand input tables)."""
    seen: list[str] = []
    execute = Store.execute

    def counting(self: Store, sql: str, params: Any = None) -> Any:
        if "information_schema" in sql or "duckdb_tables()" in sql:
            seen.append(sql)
        return execute(self, sql, params)

    monkeypatch.setattr(Store, "execute", counting)
    return seen


@pytest.mark.parametrize(("call", "most"), [
    pytest.param(lambda s: admin.drop_bases(s, [1]), 2, id="drop-one-base"),
    pytest.param(lambda s: admin.drop_bases(s, [1, 3]), 3, id="drop-two-bases"),
    pytest.param(admin.state_counts, 1, id="state-counts"),
    pytest.param(admin.info, 1, id="info"),
])
def test_upkeep_asks_the_catalog_once_not_per_table(
        stocked: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch,
        call: Callable[[Store], object], most: int) -> None:
    """`store drop` asked whether each of its tables exists, one information_schema query
    each (about 8 per base: 110 ms a base with 1,900 input tables here, 21 ms now)."""
    db, _, _ = stocked
    with Store(db) as s:
        seen = _catalog_queries(monkeypatch)
        call(s)
    assert 1 <= len(seen) <= most, seen


@pytest.mark.parametrize(("names", "expected"), [
    pytest.param(["bases", "nope"], {"bases"}, id="stored-and-missing"),
    pytest.param(["tmp_t", "bases"], {"tmp_t", "bases"}, id="temporary-too"),
    pytest.param([], set(), id="none-asked"),
])
def test_existing_tables(tmp_path: Path, names: list[str], expected: set[str]) -> None:
    with Store(tmp_path / "s.duckdb") as s:
        s.execute("CREATE TEMP TABLE tmp_t (x INT)")
        assert s.existing_tables(names) == expected
        assert [s.table_exists(n) for n in names] == [n in expected for n in names]
