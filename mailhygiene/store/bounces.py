"""The `bounces` table: bounce history keyed by address across the whole store (issue 5).

Idempotent import: each event is identified by the SHA-256 of its source file's bytes, the
message number inside that file (mbox) and the recipient index, so importing the same file again
(under any name) adds nothing; and an event already stored from another file (the same log grown
since, or rotated and compressed) is not stored again (_EVENT_IDENTITY). A restarted import
replaces what earlier imports stored for its files (_SOURCE_IDENTITY)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mailhygiene import config
from mailhygiene.bounces.model import BounceEvent
from mailhygiene.normalize import dedup_key
from mailhygiene.store.core import Store, key_of_base_sql, now
from mailhygiene.store.txn import atomic

BOUNCES_DDL = (
    """CREATE TABLE IF NOT EXISTS bounces (
        address VARCHAR NOT NULL,
        key VARCHAR,                 -- normalize.dedup_key(address): joins contacts.key
        event_time TIMESTAMP,        -- UTC
        status VARCHAR,              -- RFC 3463 enhanced status code or ''
        replycode VARCHAR,           -- RFC 5321 reply code or ''
        reason VARCHAR,              -- sisimai vocabulary
        hard BOOLEAN,
        action VARCHAR,
        remote_mta VARCHAR,
        diagnostic VARCHAR,
        feedback_type VARCHAR,
        source_file VARCHAR,
        source_sha256 VARCHAR NOT NULL,
        message_no INTEGER NOT NULL, -- message number inside the file (mbox), 1 otherwise
        recipient_index INTEGER NOT NULL,
        message_id VARCHAR,
        base_name VARCHAR,           -- label only: history applies to every base
        imported_at TIMESTAMP,
        PRIMARY KEY (source_sha256, message_no, recipient_index)
    )""",
    # Added after the first version (ADD COLUMN keeps older store files working): what an
    # opt-out is about, "" for every mail, `group:N` for one SendGrid unsubscribe group,
    # `list:NAME` / `topic:LIST/TOPIC` for an SES contact list or topic (NULL in rows
    # imported before, read as every mail until `bounces import --restart`).
    "ALTER TABLE bounces ADD COLUMN IF NOT EXISTS scope VARCHAR",
    # What each contact's verdict was before history changed it: the check summary reports
    # the invalid rate without history, and an expert can show what rests on history alone.
    """CREATE TABLE IF NOT EXISTS history_changes (
        base_id INTEGER NOT NULL,
        row_no BIGINT NOT NULL,
        prev_status VARCHAR,
        prev_reason VARCHAR,
        prev_evidence VARCHAR,
        status VARCHAR,
        reason VARCHAR,
        applied_at TIMESTAMP,
        PRIMARY KEY (base_id, row_no)
    )""",
)
_COLUMNS = ("address", "key", "event_time", "status", "replycode", "reason", "hard", "action",
            "remote_mta", "diagnostic", "feedback_type", "source_file", "source_sha256",
            "message_no", "recipient_index", "message_id", "base_name", "imported_at", "scope")


@dataclass(frozen=True, slots=True)
class ImportStats:
    files: int
    events: int
    new_events: int  # rows this import stored
    without_events: tuple[str, ...] = ()  # files in which no event was found
    removed: int = 0  # rows of earlier imports a restarted import replaced
    # Folders given that hold no file to read (a wrong folder, an export not yet copied): they
    # added nothing and were said nowhere, as if their bounces had been read.
    empty_folders: tuple[str, ...] = ()


def ensure(store: Store) -> None:
    store.ensure(BOUNCES_DDL)


def _utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.astimezone(UTC).replace(tzinfo=None) if dt.tzinfo else dt


def _message_no(source: str) -> int:
    _, sep, tail = source.rpartition("#")
    return int(tail) if sep and tail.isdigit() else 1


def _row(ev: BounceEvent, file: Path, sha: str, base_name: str | None,
         at: datetime) -> tuple[Any, ...]:
    return (ev.address, dedup_key(ev.address), _utc(ev.event_time), ev.status, ev.replycode,
            ev.reason, ev.hard, ev.action, ev.remote_mta, ev.diagnostic, ev.feedback_type,
            str(file), sha, _message_no(ev.source), ev.index, ev.message_id, base_name, at,
            ev.scope)


def import_paths(store: Store, paths: Iterable[str | Path], base_name: str | None = None,
                 fmt: str | None = None, *, restart: bool = False) -> ImportStats:
    """Parse every file under `paths` and store its events; returns counts (new_events: the rows
    stored, none for an event an earlier import already stored). Events are stored in batches
    of config.BOUNCE_INSERT_BATCH as they are parsed: a 600,000-line log is never held as events
    in memory.

    `restart`: the files' events replace what earlier imports stored for them, the rows of the
    same bytes and the same events stored from another file, in one transaction: the store then
    holds what the files say under the rules of today, once (an import is otherwise never
    redone, so rules that changed since, or a wrong `fmt`, stay in the store)."""
    ensure(store)
    if restart:
        with atomic(store):
            return _import(store, paths, base_name, fmt, restart)
    return _import(store, paths, base_name, fmt, restart)


def _import(store: Store, paths: Iterable[str | Path], base_name: str | None, fmt: str | None,
            restart: bool) -> ImportStats:
    files = events = removed = 0
    at = now()
    before = int(store.scalar("SELECT count(*) FROM bounces"))
    pending: list[tuple[Any, ...]] = []
    restarted: list[str] = []  # files (bytes) whose earlier rows are gone already
    from mailhygiene.bounces.detect import iter_bytes, iter_files, read_file

    empty: list[str] = []
    empty_folders: list[str] = []

    def flush(rows: list[tuple[Any, ...]]) -> int:
        gone = _remove_earlier(store, rows, restarted) if restart else 0
        _insert(store, rows)
        return gone

    for path in paths:
        files_before = files
        for file in iter_files(Path(path)):
            raw, data = read_file(file)
            files += 1
            sha = hashlib.sha256(raw).hexdigest()
            if restart and sha not in restarted:
                removed += int(store.scalar(
                    "SELECT count(*) FROM bounces WHERE source_sha256 = ?", [sha]))
                store.execute("DELETE FROM bounces WHERE source_sha256 = ?", [sha])
                restarted.append(sha)
            found = 0
            for ev in iter_bytes(data, str(file), fmt):
                if not ev.address:
                    continue
                pending.append(_row(ev, file, sha, base_name, at))
                found += 1
                if len(pending) >= config.BOUNCE_INSERT_BATCH:
                    removed += flush(pending)
                    pending = []
            events += found
            if not found:
                empty.append(str(file))
        if files == files_before:
            empty_folders.append(str(path))
    removed += flush(pending)
    after = int(store.scalar("SELECT count(*) FROM bounces"))
    return ImportStats(files=files, events=events, new_events=after - before + removed,
                       without_events=tuple(empty), removed=removed,
                       empty_folders=tuple(empty_folders))


# One list parameter per column, unnested side by side in the statement itself: one statement
# per batch. executemany into a staging table ran one statement per row (20 of the 22 s of a
# 10,000-line import, ~500 events/s).
_TYPES = {"event_time": "TIMESTAMP", "hard": "BOOLEAN", "message_no": "INTEGER",
          "recipient_index": "INTEGER", "imported_at": "TIMESTAMP"}
# What one event is, whatever file it was read from: a log that grew since its last import
# (mail.log is appended to all day) or was rotated and compressed (mail.log.2.gz) has other
# bytes but holds the same events, which must not be stored again on every run.
_EVENT_IDENTITY = ("address", "event_time", "status", "replycode", "reason", "hard", "action",
                   "remote_mta", "diagnostic", "feedback_type", "message_id")
_INSERT_SQL = (
    f"INSERT OR IGNORE INTO bounces ({', '.join(_COLUMNS)}) SELECT {', '.join(_COLUMNS)} "
    "FROM (SELECT "
    + ", ".join(f'unnest($c{i}::{_TYPES.get(c, "VARCHAR")}[]) AS "{c}"'
                for i, c in enumerate(_COLUMNS))
    + ") n WHERE NOT EXISTS (SELECT 1 FROM bounces b WHERE "
    + " AND ".join(f'b."{c}" IS NOT DISTINCT FROM n."{c}"' for c in _EVENT_IDENTITY)
    + ") QUALIFY row_number() OVER (PARTITION BY "
    + ", ".join(f'n."{c}"' for c in _EVENT_IDENTITY)
    + " ORDER BY n.source_sha256, n.message_no, n.recipient_index) = 1")


# What the source said of one event, before any rule read it: an event a restarted import reads
# again matches its earlier row from another file (a log since grown or rotated) even where
# today's rules give it another status, reason, hard or action.
_SOURCE_IDENTITY = ("address", "event_time", "remote_mta", "diagnostic", "message_id")
_REMOVE_SQL = (
    "DELETE FROM bounces b USING (SELECT "
    + ", ".join(f'unnest($c{i}::{_TYPES.get(c, "VARCHAR")}[]) AS "{c}"'
                for i, c in enumerate(_SOURCE_IDENTITY))
    + ") n WHERE "
    + " AND ".join(f'b."{c}" IS NOT DISTINCT FROM n."{c}"' for c in _SOURCE_IDENTITY)
    # Rows of files this import already restarted are its own: two events of one file may
    # share a source identity (a delivery and a complaint in the same second).
    + " AND NOT list_contains($restarted::VARCHAR[], b.source_sha256)")


def _remove_earlier(store: Store, rows: list[tuple[Any, ...]], restarted: list[str]) -> int:
    """Delete the rows other files stored for the events of `rows`; returns how many."""
    if not rows:
        return 0
    idx = [_COLUMNS.index(c) for c in _SOURCE_IDENTITY]
    params: dict[str, Any] = {f"c{i}": [r[k] for r in rows] for i, k in enumerate(idx)}
    params["restarted"] = restarted
    before = int(store.scalar("SELECT count(*) FROM bounces"))
    store.execute(_REMOVE_SQL, params)
    return before - int(store.scalar("SELECT count(*) FROM bounces"))


def _insert(store: Store, rows: list[tuple[Any, ...]]) -> None:
    """One INSERT OR IGNORE of `rows` (tuples in _COLUMNS order): an event already stored (same
    file bytes, message and recipient, or the same event read from another file) is left as
    it is."""
    if not rows:
        return
    columns = zip(*rows, strict=True)
    store.execute(_INSERT_SQL, {f"c{i}": list(col) for i, col in enumerate(columns)})


def history_rows(store: Store, base_id: int) -> list[tuple[Any, ...]]:
    """Contacts of `base_id` eligible for history (syntax ok, not duplicates) that have at least
    one bounce event, with their events: (row_no, key, status, reason, evidence, flags, detail,
    reason_b, hard, status_b, replycode, event_time, action, scope), ordered by row then
    time."""
    ensure(store)
    return store.fetchall(
        f"""SELECT c.row_no, c.key, c.status, c.reason, c.evidence, c.flags, c.detail,
                  b.reason, b.hard, b.status, b.replycode, b.event_time, b.action, b.scope
           FROM contacts c JOIN bounces b ON {key_of_base_sql(store, base_id, 'b.key')} = c.key
           WHERE c.base_id = ? AND c.syntax_ok AND coalesce(c.status, '') <> 'duplicate'
           ORDER BY c.row_no, b.event_time NULLS FIRST, b.source_sha256, b.message_no,
                    b.recipient_index""", [base_id])


def history_counts(store: Store, base_id: int) -> tuple[int, int]:
    """(verdicts that came from history, invalid rows had history not been applied) for a
    base, counting rows that are not duplicates."""
    ensure(store)
    row = store.fetchone(
        """SELECT count(h.row_no) FILTER (WHERE c.evidence = 'history'),
                  count(*) FILTER (WHERE CASE WHEN c.evidence = 'history' AND h.row_no IS NOT
                                         NULL THEN h.prev_status ELSE c.status END = 'invalid')
           FROM contacts c LEFT JOIN history_changes h
                ON h.base_id = c.base_id AND h.row_no = c.row_no
           WHERE c.base_id = ? AND coalesce(c.status, '') <> 'duplicate'""", [base_id])
    return (int(row[0]), int(row[1])) if row else (0, 0)


def write_verdicts(store: Store, base_id: int,
                   rows: Sequence[tuple[int, str, str, str, str]]) -> None:
    """rows: (row_no, status, reason, evidence, detail) -> contacts of `base_id`."""
    if not rows:
        return
    # Bulk-loaded as one CREATE ... AS (not CREATE + INSERT: inside check's transaction DuckDB
    # 2.0 can lose the rows of a large temp-table INSERT; executemany is also slow).
    store.load_rows("_history_verdicts_raw",
                    ["row_no", "status", "reason", "evidence", "detail"], rows)
    store.execute("CREATE OR REPLACE TEMP TABLE _history_verdicts AS SELECT "
                  "CAST(row_no AS BIGINT) AS row_no, status, reason, evidence, detail "
                  "FROM _history_verdicts_raw")
    store.execute("DROP TABLE _history_verdicts_raw")
    # Keep the pre-history verdict across repeated applications (a row whose evidence is
    # already `history` keeps the previous record).
    store.execute(
        """INSERT OR REPLACE INTO history_changes
           SELECT c.base_id, c.row_no,
                  CASE WHEN c.evidence = 'history' AND o.row_no IS NOT NULL
                       THEN o.prev_status ELSE c.status END,
                  CASE WHEN c.evidence = 'history' AND o.row_no IS NOT NULL
                       THEN o.prev_reason ELSE c.reason END,
                  CASE WHEN c.evidence = 'history' AND o.row_no IS NOT NULL
                       THEN o.prev_evidence ELSE c.evidence END,
                  h.status, h.reason, ?
           FROM contacts c JOIN _history_verdicts h ON h.row_no = c.row_no
           LEFT JOIN history_changes o ON o.base_id = c.base_id AND o.row_no = c.row_no
           WHERE c.base_id = ?""", [now(), base_id])
    store.execute(
        """UPDATE contacts SET status = h.status, reason = h.reason, evidence = h.evidence,
                  detail = h.detail
           FROM _history_verdicts h
           WHERE contacts.base_id = ? AND contacts.row_no = h.row_no""", [base_id])
    store.execute("DROP TABLE _history_verdicts")
