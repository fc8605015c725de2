"""Store upkeep for operators (`mailhygiene store`): what a store holds, dropping bases, and
rewriting the file to give back the space DuckDB keeps after deletions.

A base's own data goes with it: its contacts, its input table, its phone verdicts and the
columns they add to the cleaned CSV, its history marks and its fingerprints. What belongs to
the store as a whole stays: the run records (command, parameters, versions, summary counts: the
audit trail), the DNS cache, SMTP probes, bounce history and suppression lists."""

from __future__ import annotations

import glob
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mailhygiene.errors import InputError, StoreError
from mailhygiene.store.core import sql_path
from mailhygiene.store.txn import atomic

if TYPE_CHECKING:
    from mailhygiene.store.core import Store

# Tables whose rows carry a base_id, deleted with the base (when the table exists).
_PER_BASE_ROWS = ("contacts", "history_changes", "phone_columns", "output_extras",
                  "fingerprints")
# Store-wide tables counted by `info`.
_COUNTED = ("runs", "domains", "bounces", "probes", "retry_queue", "suppressions",
            "fingerprints")


@dataclass(frozen=True)
class BaseInfo:
    base_id: int
    name: str
    rows: int
    imported_at: str
    sha256: str
    file: str
    runs: int  # run records using this base (check; compare as A, B or reference)
    last_run: str | None  # when the latest of them started


def bases(store: Store) -> list[BaseInfo]:
    return [BaseInfo(int(r[0]), str(r[1]), int(r[2]), str(r[3]), str(r[4]), str(r[5]),
                     int(r[6]), None if r[7] is None else str(r[7]))
            for r in store.fetchall(
                "SELECT b.base_id, b.name, b.rows, CAST(b.imported_at AS VARCHAR), b.sha256, "
                "b.file, count(r.run_id), CAST(max(r.started_at) AS VARCHAR) "
                "FROM bases b LEFT JOIN runs r ON r.base_id = b.base_id "
                # a compare records A as its base; B and the reference are in its JSON
                "OR TRY_CAST(json_extract_string(r.summary, '$.b.base_id') AS BIGINT) "
                "= b.base_id OR TRY_CAST(json_extract_string(r.params, '$.reference_base_id') "
                "AS BIGINT) = b.base_id "
                "GROUP BY ALL ORDER BY b.base_id")]


# The store-wide tables a run's verdicts read besides its input files.
_STATE = {"bounce_events": "bounces", "suppression_entries": "suppressions",
          "dns_cache_domains": "domains", "smtp_probes": "probes"}


def state_counts(store: Store) -> dict[str, int]:
    """How much history the store held when a run started: its verdicts depend on these
    tables as much as on its input files, so a run records them (params "store_before_run")
    and its report's record names them."""
    present = store.existing_tables(list(_STATE.values()))
    return {k: int(store.scalar(f'SELECT count(*) FROM "{t}"')) if t in present
            else 0 for k, t in _STATE.items()}


def info(store: Store) -> dict[str, Any]:
    """What the store holds: its file size, its bases, and row counts of the store-wide
    tables (0 for a table no command has created yet)."""
    present = store.existing_tables(_COUNTED)
    counts = {t: int(store.scalar(f'SELECT count(*) FROM "{t}"')) if t in present
              else 0 for t in _COUNTED}
    # runs that never recorded their end: killed, interrupted, or still going
    unfinished = int(store.scalar("SELECT count(*) FROM runs WHERE finished_at IS NULL")) \
        if "runs" in present else 0
    return {
        "path": str(store.path),
        "bytes": _file_size(store.path),
        "bases": [asdict(b) for b in bases(store)],
        "counts": counts,
        "unfinished_runs": unfinished,
    }


def parse_base_id(ref: str) -> int | None:
    """N for a reference written `id:N` (ASCII digits), else None: the one spelling of a base
    by its id, shared by `store drop` and the commands that take a base (`compare`,
    `fingerprint`, `search`)."""
    digits = ref[3:] if ref.startswith("id:") else ""
    return int(digits) if digits.isascii() and digits.isdigit() else None


def resolve_bases(store: Store, refs: list[str]) -> list[BaseInfo]:
    """Stored bases named by id or by name (`id:N` for an id only). A name shared by several
    bases must be given as ids, and a number that is both a base's id and another base's name
    (a file called 2023.csv) as `id:N`: which one is meant is not guessed."""
    known = bases(store)
    chosen: dict[int, BaseInfo] = {}
    for ref in refs:
        if (ref_id := parse_base_id(ref)) is not None:
            hit = [b for b in known if b.base_id == ref_id]
        else:
            named = [b for b in known if b.name == ref]
            by_id = [b for b in known
                     if ref.isascii() and ref.isdigit() and b.base_id == int(ref)]
            if named and by_id and named != by_id:
                raise InputError(
                    f"{ref!r} is both the id of base {ref} ({by_id[0].name!r}) and the name of "
                    f"base {', '.join(str(b.base_id) for b in named)}: give id:N to name a "
                    "base by its id")
            hit = named or by_id
        if not hit:
            raise InputError(f"no stored base {ref!r} (see `mailhygiene store info`)")
        if len(hit) > 1:
            ids = ", ".join(str(b.base_id) for b in hit)
            raise InputError(f"several bases are named {ref!r} (ids {ids}); give the id")
        chosen[hit[0].base_id] = hit[0]
    return [chosen[k] for k in sorted(chosen)]


def drop_bases(store: Store, ids: list[int]) -> dict[str, int]:
    """Deletes the bases `ids` and everything derived from their rows, in one transaction.
    Returns the number of deleted rows per table (tables dropped whole count their rows)."""
    deleted: dict[str, int] = {}
    with atomic(store):
        # The store-wide tables are asked about once, each base's own tables once per base:
        # one catalog query costs milliseconds in a store of a few thousand input tables.
        here = store.existing_tables(_PER_BASE_ROWS)
        per_base = [t for t in _PER_BASE_ROWS if t in here]
        for base_id in ids:
            row = store.fetchone("SELECT table_name FROM bases WHERE base_id = ?", [base_id])
            if row is None:
                raise InputError(f"no stored base with id {base_id}")
            tables = [str(row[0])] if row[0] else []
            if "output_extras" in per_base:
                tables += [str(r[0]) for r in store.fetchall(
                    "SELECT DISTINCT table_name FROM output_extras WHERE base_id = ?",
                    [base_id])]
            present = store.existing_tables(tables) if tables else set()
            for t in dict.fromkeys(tables):
                if t in present:
                    deleted[t] = int(store.scalar(f'SELECT count(*) FROM "{t}"'))
                    store.execute(f'DROP TABLE "{t}"')
            for t in per_base:
                n = int(store.scalar(f'SELECT count(*) FROM "{t}" WHERE base_id = ?',
                                     [base_id]))
                store.execute(f'DELETE FROM "{t}" WHERE base_id = ?', [base_id])
                deleted[t] = deleted.get(t, 0) + n
            store.execute("DELETE FROM bases WHERE base_id = ?", [base_id])
            deleted["bases"] = deleted.get("bases", 0) + 1
    return deleted


def compact(store: Store, *, compress: bool = False) -> dict[str, Any]:
    """Rewrites the store into a new file and puts it in place of the old one: DuckDB reuses
    the space of deleted rows but never gives it back to the file system. The copy is made on
    the store's own connection, which keeps other processes out; it is checked (same tables,
    same row counts) before the rename. The caller closes `store` and must not use it again.
    With `compress`, columns stored uncompressed for import speed (contacts' address strings)
    are compressed in the copy: about half the size, for a store kept as an archive; later
    imports into it are slower (0.35 s per million rows). Copies left beside the store by a
    killed compaction are removed first. Returns the sizes before and after."""
    path = store.path
    if not path.exists():
        raise StoreError(f"no store file at {path}")
    # Copies left by a compaction killed before its rename (kill -9, a scheduler's timeout):
    # each holds the store's data, deleted rows included until then. No other compaction of
    # this store can be running while this connection holds it.
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.compact*"):
        stale.unlink(missing_ok=True)
    store.execute("CHECKPOINT")
    before = _file_size(path)
    src = str(store.scalar("SELECT current_database()"))
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".compact",
                                    dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # DuckDB creates the file itself
    try:
        store.execute(f"ATTACH '{sql_path(tmp)}' AS mh_compact")
        try:
            if compress:
                store.execute(f'COPY FROM DATABASE "{src}" TO mh_compact (SCHEMA)')
                _drop_uncompressed(store, "mh_compact", src)
                store.execute(f'COPY FROM DATABASE "{src}" TO mh_compact (DATA)')
            else:
                store.execute(f'COPY FROM DATABASE "{src}" TO mh_compact')
            old, new = _table_counts(store, src), _table_counts(store, "mh_compact")
            if old != new:
                raise StoreError("compaction check failed: the copy differs from the store "
                                 f"({json.dumps(old)} vs {json.dumps(new)}); nothing changed")
        finally:
            store.execute("DETACH mh_compact")
        store.close_for_replacement()
        try:
            os.replace(tmp, path)
        finally:
            store.release_file()
    except BaseException:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
        raise
    return {"path": str(path), "bytes_before": before, "bytes_after": _file_size(path),
            "tables": len(new), "compressed": compress}


def _drop_uncompressed(store: Store, database: str, home: str) -> None:
    """Recreates, empty, the tables of `database` whose DDL forces a compression method,
    without that clause (DuckDB then picks one per segment). `home` is the connection's
    default database, restored afterwards."""
    for name, sql in store.fetchall(
            "SELECT table_name, sql FROM duckdb_tables() WHERE database_name = ? "
            "AND sql ILIKE '%USING COMPRESSION%'", [database]):
        store.execute(f'DROP TABLE "{database}"."{name}"')
        # The stored DDL names the table unqualified: it is run with `database` as default.
        store.execute(f'USE "{database}"')
        try:
            store.execute(_COMPRESSION_CLAUSE.sub("", str(sql)))
        finally:
            store.execute(f'USE "{home}"')


_COMPRESSION_CLAUSE = re.compile(r"\s+USING\s+COMPRESSION\s+\w+", re.IGNORECASE)


def _table_counts(store: Store, database: str) -> dict[str, int]:
    names = [str(r[0]) for r in store.fetchall(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND NOT temporary "
        "ORDER BY table_name", [database])]
    return {t: int(store.scalar(f'SELECT count(*) FROM "{database}"."{t}"')) for t in names}


def _file_size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0

