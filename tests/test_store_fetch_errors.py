"""A store that cannot be written is a store error (one line, exit 2), also when DuckDB
reports it while the result is read: a statement that writes in autocommit (the run id's
nextval) commits then. A store in a read-only directory made `check` end in "internal error:
TransactionException" (exit 1) where `compare` said "store query failed" (exit 2)."""

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
