"""What a report reads from the store: the run (summary and metadata) and the evidentiary
record of its inputs (bases table). Pure reads; no duckdb import (the store does that)."""

from __future__ import annotations

import hashlib
import json
import shlex
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mailhygiene.errors import InputError
from mailhygiene.privacy import mask_text
from mailhygiene.store import Store


@dataclass(frozen=True, slots=True)
class RunRecord:
    run_id: int
    command: str
    base_id: int | None
    started_at: datetime | None
    finished_at: datetime | None
    versions: dict[str, Any]
    params: dict[str, Any]
    input_sha256: str | None
    summary: dict[str, Any]
    summary_sha256: str  # of the stored JSON text, so the report names what it was drawn from


@dataclass(frozen=True, slots=True)
class BaseRecord:
    base_id: int
    name: str
    file: str | None
    sha256: str | None
    rows: int | None
    imported_at: datetime | None


def _json(text: Any) -> Any:
    if text is None:
        return None
    if isinstance(text, (dict, list)):
        return text
    return json.loads(text)


def load_run(store: Store, run_id: int) -> RunRecord:
    row = store.fetchone(
        "SELECT run_id, command, base_id, started_at, finished_at, CAST(versions AS VARCHAR), "
        "CAST(params AS VARCHAR), input_sha256, CAST(summary AS VARCHAR) FROM runs "
        "WHERE run_id = ?", [run_id])
    if row is None:
        raise InputError(f"no run with id {run_id} in this store")
    summary_text = row[8]
    if summary_text is None:
        raise InputError(f"run {run_id} did not finish (no summary): nothing to report")
    summary = _json(summary_text)
    if not isinstance(summary, dict):
        raise InputError(f"run {run_id} has no summary object")
    return RunRecord(
        run_id=int(row[0]), command=str(row[1] or ""),
        base_id=None if row[2] is None else int(row[2]),
        started_at=row[3], finished_at=row[4], versions=_json(row[5]) or {},
        params=_json(row[6]) or {}, input_sha256=row[7], summary=summary,
        summary_sha256=hashlib.sha256(str(summary_text).encode("utf-8")).hexdigest())


def latest_run(store: Store, command: str) -> int:
    """The most recent finished run of `command` ("check" or "compare")."""
    if not store.table_exists("runs"):
        raise InputError("this store has no runs yet")
    value = store.scalar(
        "SELECT max(run_id) FROM runs WHERE command = ? AND summary IS NOT NULL", [command])
    if value is None:
        raise InputError(f"no finished {command} run in this store")
    return int(value)


def load_base(store: Store, base_id: int | None) -> BaseRecord | None:
    if base_id is None:
        return None
    row = store.fetchone(
        "SELECT base_id, name, file, sha256, rows, imported_at FROM bases WHERE base_id = ?",
        [base_id])
    if row is None:
        return None
    return BaseRecord(int(row[0]), str(row[1]), row[2], row[3],
                      None if row[4] is None else int(row[4]), row[5])


def command_line(params: dict[str, Any], *, show_addresses: bool) -> str:
    """The exact command, shell-quoted (params["command"] is the argv list the CLI saw)."""
    argv = params.get("command") or []
    if not isinstance(argv, list) or not argv:
        return ""
    text = shlex.join(str(a) for a in argv)
    return text if show_addresses else mask_text(text)


def param_rows(params: dict[str, Any], *, show_addresses: bool) -> list[tuple[str, str]]:
    """Every parameter as (name, JSON value), sorted; the argv is shown on its own."""
    out = []
    for name in sorted(params):
        if name == "command":
            continue
        text = json.dumps(params[name], ensure_ascii=False, default=str, sort_keys=True)
        out.append((name, text if show_addresses else mask_text(text)))
    return out


def when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M:%S")
