"""Connection, schema and the tables every stage shares (bases, contacts, runs, domains).

Feature modules that need their own tables (bounces, fingerprints, probes...) keep their DDL in
their own module under `mailhygiene.store` and call `Store.ensure` with it."""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import duckdb
import duckdb.func as duckdb_func

from mailhygiene import config
from mailhygiene.errors import StoreBusyError, StoreError
from mailhygiene.store import filelock

CORE_DDL = (
    "CREATE SEQUENCE IF NOT EXISTS base_ids START 1",
    "CREATE SEQUENCE IF NOT EXISTS run_ids START 1",
    """CREATE TABLE IF NOT EXISTS bases (
        base_id INTEGER PRIMARY KEY,
        name VARCHAR NOT NULL,
        file VARCHAR,
        sha256 VARCHAR,
        rows BIGINT,
        imported_at TIMESTAMP,
        format JSON,           -- delimiter, encoding, bom, header, address column, columns
        table_name VARCHAR     -- per-base table holding every input column as read
    )""",
    """CREATE TABLE IF NOT EXISTS contacts (
        base_id INTEGER NOT NULL,
        row_no BIGINT NOT NULL,    -- 1-based data row number in the input
        -- The three per-row address strings are stored uncompressed: DuckDB's string
        -- compression cost 0.35 s per million rows at import (of about 3 s for a whole
        -- syntax check) and saves about 50 MB per million rows.
        raw VARCHAR USING COMPRESSION uncompressed,  -- the address cell as read (evidence)
        address VARCHAR USING COMPRESSION uncompressed,  -- normalized form, NULL if invalid
        key VARCHAR USING COMPRESSION uncompressed,  -- dedup key
        domain VARCHAR,            -- ASCII (IDNA) domain, lowercase
        syntax_ok BOOLEAN,
        syntax_reason VARCHAR,     -- syntax-stage reason (NULL when the syntax is fine)
        syntax_flags VARCHAR,      -- flags known from syntax alone (smtputf8, idn)
        status VARCHAR,
        reason VARCHAR,
        evidence VARCHAR,
        flags VARCHAR,             -- comma-separated, sorted
        dup_of BIGINT,
        detail VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS runs (
        run_id INTEGER PRIMARY KEY,
        command VARCHAR,
        base_id INTEGER,
        started_at TIMESTAMP,
        finished_at TIMESTAMP,
        versions JSON,
        params JSON,
        input_sha256 VARCHAR,
        summary JSON
    )""",
    """CREATE TABLE IF NOT EXISTS domains (
        domain VARCHAR PRIMARY KEY,   -- ASCII (IDNA) form
        status VARCHAR,               -- decided status (domain_verdict.decide)
        reason VARCHAR,
        mx_hosts VARCHAR[],
        mx_addresses VARCHAR[],       -- usable addresses of the mail hosts, preference order
        flags VARCHAR,
        detail VARCHAR,
        null_mx BOOLEAN,
        fallback BOOLEAN,
        error VARCHAR,
        resolved_at TIMESTAMP,
        ttl INTEGER,
        expires_at TIMESTAMP,
        answer JSON                    -- the facts the decision was made from
    )""",
    # Imports under way: a row per base_id from before its input table is written until its
    # bases row commits (pipeline.import_base). A row here at the start of an import means an
    # earlier one died (kill -9, power loss) and left rows to remove. Created holding 0: a
    # store made before this table may hold such leftovers unmarked, so its first import
    # looks for them once.
    "CREATE TABLE IF NOT EXISTS pending_imports AS SELECT 0::INTEGER AS base_id",
    # Stages that append columns to the cleaned CSV (phones...) register a table keyed by
    # (row_no) here; the writer left-joins each in `position` order.
    """CREATE TABLE IF NOT EXISTS output_extras (
        base_id INTEGER NOT NULL,
        table_name VARCHAR NOT NULL,
        columns VARCHAR[] NOT NULL,
        position INTEGER NOT NULL
    )""",
)

# How long `store compact` waits for other openers of the file before giving up.
REPLACE_WAIT_S = 10.0

_LOCK_RE = re.compile(r"lock|in use|conflicting", re.I)


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _reraise(e: Exception, what: str) -> NoReturn:
    """DuckDB's error as the tool's. Ctrl-C during a statement reaches DuckDB, which ends the
    statement and raises its own error in place of KeyboardInterrupt (a RuntimeError "Query
    interrupted" from DuckDB 2; InterruptException; a UDF's KeyboardInterrupt as an
    InvalidInputException): it is made a KeyboardInterrupt again, or `check` ended in
    "internal error" (exit 1), and a caller falling back on another way (the CSV loader)
    carried on as if Ctrl-C had not been pressed."""
    text = str(e)
    if (isinstance(e, duckdb.InterruptException)
            or (isinstance(e, RuntimeError) and text.startswith("Query interrupted"))
            or (isinstance(e, duckdb.Error) and "exception occurred while executing the UDF: "
                "KeyboardInterrupt" in text)):
        raise KeyboardInterrupt from e
    if isinstance(e, duckdb.Error):
        raise StoreError(f"{what}: {e}") from e
    raise e


class Store:
    """A DuckDB file. Use as a context manager; `transaction()` groups writes atomically."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self._held = filelock.hold(self.path)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as e:
            self.release_file()
            if _LOCK_RE.search(str(e)):
                raise StoreBusyError(
                    f"store is in use by another process: {self.path} "
                    "(wait for it to finish or use another --db)"
                ) from e
            raise StoreError(f"cannot open store {self.path}: {e}") from e
        except duckdb.Error as e:
            self.release_file()
            raise StoreError(f"cannot open store {self.path}: {e}") from e
        self._pending_removal: list[str] = []
        if self._held is None:  # DuckDB has just created the file: held from now on
            try:
                self._held = filelock.hold(self.path)
            except StoreError:
                self.con.close()
                raise
        self._refuse_foreign()
        limit = os.environ.get("MAILHYGIENE_MEMORY_LIMIT") or config.MEMORY_LIMIT
        try:
            self.con.execute(f"SET memory_limit = '{limit.replace(chr(39), '')}'")
        except duckdb.Error as e:
            self.close()
            raise StoreError(f"MAILHYGIENE_MEMORY_LIMIT: not a memory size: {limit!r}") from e
        if not read_only:
            self.ensure(CORE_DDL)

    def _refuse_foreign(self) -> None:
        """Another program's DuckDB database is not a store: adding this tool's tables to it
        would change a file the user did not hand over (an empty database is fine)."""
        names = [r[0] for r in self.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND NOT temporary ORDER BY table_name").fetchall()]
        if names and "bases" not in names:
            self.close()
            shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
            raise StoreError(f"{self.path} is a DuckDB database but not a mailhygiene store "
                             f"(its tables: {shown}); nothing changed: give another --db")

    def make_room_for_columns(self, n: int) -> None:
        """Raises DuckDB's memory ceiling for a table of `n` columns when it is too low: a
        table being written holds a buffer per column (measured: a 10,000-column file fails
        under 1.5 GB, whatever its number of rows). Never lowers the ceiling."""
        need = n * config.MEMORY_PER_COLUMN + config.MEMORY_BASE
        if need > _size_bytes(str(self.scalar("SELECT current_setting('memory_limit')"))):
            self.execute(f"SET memory_limit = '{need // 2**20}MiB'")

    # -- plumbing -------------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        try:
            if params is None:
                return self.con.execute(sql)
            return self.con.execute(sql, params)
        except (duckdb.Error, RuntimeError) as e:
            _reraise(e, "store query failed")

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        try:
            self.con.executemany(sql, rows)
        except (duckdb.Error, RuntimeError) as e:
            _reraise(e, "store write failed")

    def fetchall(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        result = self.execute(sql, params)
        try:
            # A statement that writes in autocommit (nextval, INSERT ... RETURNING) commits
            # when its result is read: a WAL that cannot be written (a read-only directory, a
            # full disk) fails here, not in execute().
            rows: list[tuple[Any, ...]] = result.fetchall()
        except (duckdb.Error, RuntimeError) as e:
            _reraise(e, "store query failed")
        return rows

    def fetchone(self, sql: str, params: Sequence[Any] | None = None) -> tuple[Any, ...] | None:
        # fetchall, not fetchone: DuckDB 2 refuses other work while a result is unfinished.
        rows = self.fetchall(sql, params)
        return rows[0] if rows else None

    def stream(self, sql: str, params: Sequence[Any] | None = None,
               size: int = 2048) -> Iterator[tuple[Any, ...]]:
        """Rows of a query in batches, for results too large to fetch at once."""
        cur = self.con.cursor()
        try:
            cur.execute(sql, params or [])
            while batch := cur.fetchmany(size):
                yield from batch
        except (duckdb.Error, RuntimeError) as e:
            _reraise(e, "store query failed")
        finally:
            cur.close()

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        row = self.fetchone(sql, params)
        return None if row is None else row[0]

    def load_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                  *, temp: bool = True) -> None:
        """(Re)creates `table` with VARCHAR `columns` holding `rows`, in bulk: through a temp
        CSV read by DuckDB's reader, which is far faster than row-by-row inserts. Values are
        stored as text (None as NULL); cast in SQL where needed."""
        import csv
        import tempfile

        with tempfile.TemporaryDirectory(prefix="mh-rows-") as tmp:
            path = Path(tmp) / "rows.csv"
            with path.open("w", encoding="utf-8", errors="replace", newline="") as f:
                w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
                for row in rows:
                    w.writerow(["\x00NULL" if v is None else v for v in row])
            cols = ", ".join(f"'{c}': 'VARCHAR'" for c in columns)
            self.execute(f'DROP TABLE IF EXISTS "{table}"')
            self.execute(
                f'CREATE {"TEMP " if temp else ""}TABLE "{table}" AS SELECT '
                + ", ".join(f"nullif(\"{c}\", chr(0) || 'NULL') AS \"{c}\"" for c in columns)
                + " FROM read_csv(?, header=false, auto_detect=false, delim=',', quote='\"', "
                "escape='\"', new_line='\\n', strict_mode=true, allow_quoted_nulls=false, "
                f"max_line_size=134217728, columns={{{cols}}})",
                [str(path)],
            )

    def ensure(self, ddl: Sequence[str]) -> None:
        for stmt in ddl:
            self.execute(stmt)

    def table_exists(self, name: str) -> bool:
        return name in self.existing_tables([name])

    def existing_tables(self, names: Sequence[str]) -> set[str]:
        """Which of `names` are tables (temporary ones included), in one catalog query: each
        costs milliseconds in a store of a few thousand input tables (information_schema.tables
        took 10 ms with 1,900 here, duckdb_tables() about half), so a caller with several names
        asks once."""
        return {str(r[0]) for r in self.fetchall(
            "SELECT DISTINCT table_name FROM duckdb_tables() WHERE list_contains(?, table_name)",
            [list(names)])}

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.execute("ROLLBACK")
            for name in self._pending_removal:
                try:
                    self.con.remove_function(name)
                except duckdb.Error:
                    continue
            self._pending_removal.clear()
            raise
        self.execute("COMMIT")

    def cursor(self) -> Store:
        """Another connection to the same database, for work in a second thread (DuckDB runs
        statements of different connections concurrently; each has its own transaction, temp
        tables and functions). Close it before the parent."""
        other = Store.__new__(Store)
        other.path = self.path
        other.con = self.con.cursor()
        other._pending_removal = []
        other._held = None  # the parent's
        return other

    @contextmanager
    def function(self, name: str, fn: Callable[[str | None], str | None]) -> Iterator[None]:
        """Registers a VARCHAR -> VARCHAR Python function for the duration of a block (DuckDB
        calls it only for the rows a CASE selects). Removed afterwards: a UDF left registered
        at exit makes the duckdb bindings print leak warnings."""
        try:
            self.con.create_function(name, fn, ["VARCHAR"], "VARCHAR",
                                     null_handling=duckdb_func.SPECIAL,
                                     side_effects=True)
        except duckdb.Error as e:
            raise StoreError(f"cannot register function {name}: {e}") from e
        try:
            yield
        finally:
            try:
                self.con.remove_function(name)
            except duckdb.Error:
                # An aborted transaction refuses it; retried after the rollback, on close.
                self._pending_removal.append(name)

    def close(self) -> None:
        self._close_connection()
        self.release_file()

    def _close_connection(self) -> None:
        for name in self._pending_removal:
            with suppress(duckdb.Error):
                self.con.remove_function(name)
        self.con.close()

    def close_for_replacement(self) -> None:
        """Closes the store but keeps other mailhygiene processes from opening its file until
        `release_file()`: the file is about to be replaced (store compact), and a process that
        opened the old one in between would write to a file nobody reads again. Raises
        StoreBusyError, the store still open, if the file stays held elsewhere."""
        if self._held is not None:
            self._held.take_exclusive(REPLACE_WAIT_S)
        self._close_connection()

    def release_file(self) -> None:
        if self._held is not None:
            self._held.release()
            self._held = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def register_output_columns(self, base_id: int, table_name: str, columns: Sequence[str],
                                position: int = 100) -> None:
        """Appends `columns` of `table_name` (which has a `row_no` column) to the cleaned CSV of
        `base_id`. Re-registering the same table replaces the earlier entry."""
        self.execute("DELETE FROM output_extras WHERE base_id = ? AND table_name = ?",
                     [base_id, table_name])
        self.execute("INSERT INTO output_extras VALUES (?, ?, ?, ?)",
                     [base_id, table_name, list(columns), position])

    # -- runs -----------------------------------------------------------------------------
    def start_run(self, command: str, params: dict[str, Any], versions: dict[str, str],
                  input_sha256: str | None = None, *, started_at: datetime | None = None) -> int:
        """A new run record, unfinished until `finish_run`. `started_at` (default now) lets a
        command that records its run only once it has succeeded keep the real start time."""
        run_id = int(self.scalar("SELECT nextval('run_ids')"))
        self.execute(
            "INSERT INTO runs (run_id, command, started_at, versions, params, input_sha256) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [run_id, command, started_at or now(), json.dumps(versions),
             json.dumps(params, default=str), input_sha256],
        )
        return run_id

    def finish_run(self, run_id: int, summary: dict[str, Any], base_id: int | None = None) -> None:
        self.execute(
            "UPDATE runs SET finished_at = ?, summary = ?, base_id = ? WHERE run_id = ?",
            [now(), json.dumps(summary, default=str), base_id, run_id],
        )


def key_of_base_sql(store: Store, base_id: int, key: str) -> str:
    """SQL for the dedup key `key` (of a bounce, an opt-out entry) as the base's contacts
    store theirs: folded when the base was imported with --fold-providers, so that
    j.doe@gmail.com matches the contact whose key is jdoe@gmail.com."""
    from mailhygiene.normalize import folded_key_sql

    folded = store.scalar(
        "SELECT json_extract(format, '$.signature.fold_providers') FROM bases "
        "WHERE base_id = ?", [base_id])
    return folded_key_sql(key) if str(folded).lower() == "true" else key


def scratch(store: Store, kind: str) -> tuple[str, str | None]:
    """(name prefix, folder) of the temp folders in which a run keeps a whole copy of a list
    (`kind`: "ingest" for an input's canonical copy, "out" for a cleaned list on its way to a
    stream): beside the store, never in the system temp directory, where a run killed
    meanwhile (kill -9) would leave the copy for good, out of reach of `store drop` and
    `store compact`; the next run removes it (`remove_scratch`). In the system temp directory
    only for a store in memory."""
    path = Path(str(store.path))
    if str(store.path) == ":memory:" or not path.parent.is_dir():
        return f"mh-{kind}-", None
    return f".{path.name}.{kind}-", str(path.parent)


def remove_scratch(store: Store, kind: str) -> None:
    """Removes what killed runs left in `scratch(store, kind)` folders. Safe while the store is
    open: a store is held by one process, which calls this before making its own."""
    prefix, where = scratch(store, kind)
    if where is None:
        return
    for stale in Path(where).glob(f"{glob.escape(prefix)}*"):
        shutil.rmtree(stale, ignore_errors=True)


def sql_path(p: Path) -> str:
    """A file path for a statement that cannot take it as a parameter (COPY ... TO, ATTACH),
    to be put between single quotes: quotes doubled ("liste d'envoi.csv" is a common name)."""
    return str(p).replace("'", "''")


def merged_flags_sql(*parts: str) -> str:
    """SQL for the union of comma-separated flag lists (columns or literals, NULL as empty),
    sorted and without duplicates: how every stage adds flags to contacts.flags."""
    lists = " || ".join(f"string_split(coalesce({p}, ''), ',')" for p in parts)
    return (f"array_to_string(list_sort(list_distinct(list_filter({lists}, "
            "lambda x: x <> ''))), ',')")


_UNITS = {"bytes": 1, "b": 1, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
          "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}


def _size_bytes(text: str) -> int:
    """DuckDB's display of a size ("1.4 GiB", "512.0 MiB") in bytes; unknown forms count as
    unlimited, so nothing is raised on a value this code cannot read."""
    m = re.fullmatch(r"\s*([0-9.]+)\s*([A-Za-z]+)\s*", text)
    if not m or m.group(2).lower() not in _UNITS:
        return 2**62
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def open_store(path: str | Path, *, read_only: bool = False) -> Store:
    return Store(path, read_only=read_only)
