"""A store that cannot be written is a store error (one line, exit 2), also when DuckDB
reports it while the result is read: a statement that writes in autocommit (the run id's
nextval) commits then. A store in a read-only directory made `check` end in "internal error:
TransactionException" (exit 1) where `compare` said "store query failed" (exit 2).

Ctrl-C during a statement is an interruption (exit 130, nothing written), whatever DuckDB made
of it: `check` said "internal error: RuntimeError: Query interrupted" (exit 1), or, while the
CSV loader ran, fell back on the Python reader and carried on to the end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from mailhygiene.cli import main
from mailhygiene.errors import StoreError
from mailhygiene.store import core
from mailhygiene.store.core import Store

_FAILED = ('TransactionContext Error: Failed to commit: Cannot open file "s.duckdb.wal": '
           "Permission denied")


class _Result:
    def __init__(self, inner: Any, fail: bool) -> None:
        self._inner, self._fail = inner, fail

    def fetchall(self) -> Any:
        if self._fail:
            raise duckdb.TransactionException(_FAILED)
        return self._inner.fetchall()


class _Connection:
    """The store's connection, whose commit of nextval fails as with an unwritable WAL."""

    def __init__(self, con: Any) -> None:
        self._con = con

    def execute(self, sql: str, *args: Any) -> Any:
        return _Result(self._con.execute(sql, *args), "nextval('run_ids')" in sql)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def test_a_commit_failing_on_fetch_is_a_store_error(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        store.con = _Connection(store.con)  # type: ignore[assignment]
        with pytest.raises(StoreError, match="store query failed"):
            store.start_run("check", {}, {})
        store.con = store.con._con  # type: ignore[attr-defined]


def test_check_on_a_store_it_cannot_commit_to_exits_2(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "in.csv"
    src.write_text("email\na@example.com\n")
    real_init = core.Store.__init__

    def init(self: Store, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        self.con = _Connection(self.con)  # type: ignore[assignment]

    monkeypatch.setattr(core.Store, "__init__", init)
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--db",
                                  str(tmp_path / "s.duckdb")])
    assert r.exit_code == 2, r.output
    assert "internal error" not in r.output and "store query failed" in r.output


# What DuckDB raises in place of KeyboardInterrupt when Ctrl-C comes during a statement.
_INTERRUPTS = [
    pytest.param(lambda: RuntimeError("Query interrupted"), id="duckdb2-runtime-error"),
    pytest.param(lambda: duckdb.InterruptException("INTERRUPT Error: Interrupted!"),
                 id="interrupt-exception"),
    pytest.param(lambda: duckdb.InvalidInputException(
        "Invalid Input Error: Python exception occurred while executing the UDF: "
        "KeyboardInterrupt: "), id="in-a-udf"),
]


class _Interrupted:
    """The store's connection, Ctrl-C arriving during the first statement holding `where`."""

    def __init__(self, con: Any, where: str, error: Any) -> None:
        self._con, self._where, self._error = con, where, error

    def execute(self, sql: str, *args: Any) -> Any:
        if self._where in sql and self._error is not None:
            error, self._error = self._error, None
            raise error()
        return self._con.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


@pytest.mark.parametrize("error", _INTERRUPTS)
@pytest.mark.parametrize("where", ["read_csv(", "UPDATE contacts SET status = 'duplicate'"],
                         ids=["csv-loader", "dedupe"])
def test_check_interrupted_in_a_statement_stops_and_writes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, error: Any) -> None:
    src = tmp_path / "in.csv"
    src.write_text("email\na@example.com\na@example.com\n")
    out = tmp_path / "out.csv"
    real_init = core.Store.__init__

    def init(self: Store, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        self.con = _Interrupted(self.con, where, error)  # type: ignore[assignment]

    monkeypatch.setattr(core.Store, "__init__", init)
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "-o", str(out),
                                  "--db", str(tmp_path / "s.duckdb")])
    assert (r.exit_code, r.output.strip()) == (130, "mailhygiene: interrupted")
    assert sorted(p.name for p in tmp_path.iterdir() if "out" in p.name) == []
