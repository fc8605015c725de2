"""Tables of suppression (opt-out) lists (issue 11).

`suppression_lists` has one row per list and kind (name, kind, whether entries are hashed, last
import); `suppressions` one row per distinct entry, with the date it was first imported. Entries
are normalized before they are stored: emails as dedup keys, phones as E.164, domains as ASCII
lowercase; hashed entries are lowercase hex SHA-256 digests of those forms."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mailhygiene.store.txn import atomic

if TYPE_CHECKING:
    from mailhygiene.store.core import Store

SUPPRESSIONS_DDL = (
    """CREATE TABLE IF NOT EXISTS suppression_lists (
        list_name VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,          -- email | phone | domain
        hashed BOOLEAN NOT NULL,        -- entries are SHA-256 hex digests
        first_imported_at TIMESTAMP,
        last_imported_at TIMESTAMP,
        last_file VARCHAR,
        last_sha256 VARCHAR,
        PRIMARY KEY (list_name, kind, hashed)
    )""",
    """CREATE TABLE IF NOT EXISTS suppressions (
        list_name VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        hashed BOOLEAN NOT NULL,
        value VARCHAR NOT NULL,         -- normalized entry, or its SHA-256 hex when hashed
        imported_at TIMESTAMP NOT NULL  -- first import that brought this entry
    )""",
)


def insert_entries(store: Store, list_name: str, kind: str, hashed: bool,
                   values: Sequence[str], imported_at: datetime, file: str,
                   sha256: str) -> int:
    """Adds the distinct `values` not already in the list; returns how many were new."""
    store.ensure(SUPPRESSIONS_DDL)
    import numpy as np  # here only: importing a list needs it, a check does not (40 ms)

    store.con.register("_mh_supp_new", {"value": np.array(list(values) or [""], dtype=object)})
    try:
        with atomic(store):
            before = int(store.scalar(
                "SELECT count(*) FROM suppressions WHERE list_name = ? AND kind = ? "
                "AND hashed = ?", [list_name, kind, hashed]))
            store.execute(
                """INSERT INTO suppressions
                   SELECT DISTINCT ?, ?, ?, n.value, ? FROM _mh_supp_new n
                   WHERE n.value <> '' AND n.value NOT IN (
                       SELECT value FROM suppressions
                       WHERE list_name = ? AND kind = ? AND hashed = ?)""",
                [list_name, kind, hashed, imported_at, list_name, kind, hashed],
            )
            after = int(store.scalar(
                "SELECT count(*) FROM suppressions WHERE list_name = ? AND kind = ? "
                "AND hashed = ?", [list_name, kind, hashed]))
            store.execute(
                """INSERT INTO suppression_lists VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (list_name, kind, hashed) DO UPDATE SET
                     last_imported_at = excluded.last_imported_at,
                     last_file = excluded.last_file, last_sha256 = excluded.last_sha256""",
                [list_name, kind, hashed, imported_at, imported_at, file, sha256],
            )
    finally:
        store.con.unregister("_mh_supp_new")
    return after - before


def list_rows(store: Store) -> list[dict[str, Any]]:
    """Every list with its entry count, for `suppress list`."""
    store.ensure(SUPPRESSIONS_DDL)
    rows = store.fetchall(
        """SELECT l.list_name, l.kind, l.hashed, l.first_imported_at, l.last_imported_at,
                  l.last_file, (SELECT count(*) FROM suppressions s WHERE s.list_name =
                  l.list_name AND s.kind = l.kind AND s.hashed = l.hashed)
           FROM suppression_lists l ORDER BY l.list_name, l.kind, l.hashed""")
    keys = ("list", "kind", "hashed", "first_imported_at", "last_imported_at", "last_file",
            "entries")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def has_entries(store: Store, kind: str) -> bool:
    store.ensure(SUPPRESSIONS_DDL)
    return bool(store.scalar("SELECT count(*) > 0 FROM suppressions WHERE kind = ?", [kind]))
