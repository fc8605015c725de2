"""SMTP probe evidence, per-domain catch-all tests and the greylisting retry queue (issue 6).

- `probes`: one row per RCPT answer (or per failed attempt), never updated: the raw reply and
  its time are evidence. The latest row per address is its current state.
- `smtp_domains`: the random local part used for the catch-all test of a domain and what it
  showed; an inconclusive (deferred) test keeps its local part so a retry asks the same
  question again (greylisting keys on the recipient, so a fresh random part would be deferred
  forever).
- `retry_queue`: deferred addresses with the MX hosts to ask and a not-before time. Rows are
  written as soon as a domain is done, so nothing is lost if the process stops.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mailhygiene.store.core import Store

PROBES_DDL = (
    """CREATE TABLE IF NOT EXISTS probes (
        address VARCHAR NOT NULL,       -- normalized address (or the catch-all test address)
        domain VARCHAR NOT NULL,
        host VARCHAR,                   -- MX address that answered ('' if none did)
        status VARCHAR NOT NULL,
        reason VARCHAR NOT NULL,
        evidence VARCHAR NOT NULL,
        flags VARCHAR,                  -- comma-separated, sorted
        detail VARCHAR,
        reply_code INTEGER,             -- NULL when no reply (timeout, refused)
        enhanced_code VARCHAR,
        reply_text VARCHAR,             -- raw reply text as received (evidence)
        probed_at TIMESTAMP NOT NULL,   -- UTC
        canary BOOLEAN NOT NULL DEFAULT false
    )""",
    """CREATE TABLE IF NOT EXISTS smtp_domains (
        domain VARCHAR PRIMARY KEY,
        canary_local VARCHAR NOT NULL,
        catch_all VARCHAR NOT NULL,     -- yes / no / unknown
        detail VARCHAR,
        tested_at TIMESTAMP NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS retry_queue (
        address VARCHAR PRIMARY KEY,
        domain VARCHAR NOT NULL,
        mx_hosts VARCHAR[] NOT NULL,    -- what to connect to, in preference order
        attempts INTEGER NOT NULL,
        first_deferred_at TIMESTAMP NOT NULL,
        not_before TIMESTAMP NOT NULL,
        last_detail VARCHAR
    )""",
)


@dataclass(frozen=True, slots=True)
class ProbeRow:
    address: str
    domain: str
    host: str
    status: str
    reason: str
    evidence: str
    flags: str
    detail: str
    reply_code: int | None
    enhanced_code: str
    reply_text: str
    probed_at: datetime
    canary: bool = False


@dataclass(frozen=True, slots=True)
class RetryRow:
    address: str
    domain: str
    mx_hosts: tuple[str, ...]
    attempts: int
    first_deferred_at: datetime
    not_before: datetime
    last_detail: str


_PROBE_COLS = ("address, domain, host, status, reason, evidence, flags, detail, reply_code, "
               "enhanced_code, reply_text, probed_at, canary")


def ensure(store: Store) -> None:
    store.ensure(PROBES_DDL)


def insert_probes(store: Store, rows: Sequence[ProbeRow]) -> None:
    store.executemany(
        f"INSERT INTO probes ({_PROBE_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(r.address, r.domain, r.host, r.status, r.reason, r.evidence, r.flags, r.detail,
          r.reply_code, r.enhanced_code, r.reply_text, r.probed_at, r.canary) for r in rows],
    )


def _probe_row(t: tuple[Any, ...]) -> ProbeRow:
    return ProbeRow(t[0], t[1], t[2] or "", t[3], t[4], t[5], t[6] or "", t[7] or "", t[8],
                    t[9] or "", t[10] or "", t[11], bool(t[12]))


def latest_probes(store: Store, addresses: Sequence[str]) -> dict[str, ProbeRow]:
    """The most recent probe row of each address that has one."""
    if not addresses:
        return {}
    rows = store.fetchall(
        f"""SELECT {_PROBE_COLS} FROM (
              SELECT *, row_number() OVER (PARTITION BY address ORDER BY probed_at DESC) AS rn
              FROM probes WHERE NOT canary AND address IN (SELECT unnest(?::VARCHAR[])))
            WHERE rn = 1""",
        [list(addresses)],
    )
    return {r[0]: _probe_row(r) for r in rows}


def get_domain_test(store: Store, domain: str) -> tuple[str, str, datetime] | None:
    """(canary_local, catch_all, tested_at) of the domain's last catch-all test."""
    row = store.fetchone(
        "SELECT canary_local, catch_all, tested_at FROM smtp_domains WHERE domain = ?", [domain])
    return None if row is None else (str(row[0]), str(row[1]), row[2])


def put_domain_test(store: Store, domain: str, canary_local: str, catch_all: str, detail: str,
                    tested_at: datetime) -> None:
    store.execute(
        "INSERT OR REPLACE INTO smtp_domains VALUES (?, ?, ?, ?, ?)",
        [domain, canary_local, catch_all, detail, tested_at],
    )


def get_retries(store: Store, addresses: Sequence[str]) -> dict[str, RetryRow]:
    if not addresses:
        return {}
    rows = store.fetchall(
        "SELECT address, domain, mx_hosts, attempts, first_deferred_at, not_before, last_detail "
        "FROM retry_queue WHERE address IN (SELECT unnest(?::VARCHAR[]))",
        [list(addresses)],
    )
    return {r[0]: _retry_row(r) for r in rows}


def _retry_row(t: tuple[Any, ...]) -> RetryRow:
    return RetryRow(t[0], t[1], tuple(t[2]), int(t[3]), t[4], t[5], t[6] or "")


def due_retries(store: Store, now: datetime) -> list[RetryRow]:
    rows = store.fetchall(
        "SELECT address, domain, mx_hosts, attempts, first_deferred_at, not_before, last_detail "
        "FROM retry_queue WHERE not_before <= ? ORDER BY domain, address",
        [now],
    )
    return [_retry_row(r) for r in rows]


def count_retries(store: Store) -> int:
    return int(store.scalar("SELECT count(*) FROM retry_queue"))


def upsert_retries(store: Store, rows: Sequence[RetryRow]) -> None:
    store.executemany(
        "INSERT OR REPLACE INTO retry_queue VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(r.address, r.domain, list(r.mx_hosts), r.attempts, r.first_deferred_at, r.not_before,
          r.last_detail) for r in rows],
    )


def delete_retries(store: Store, addresses: Sequence[str]) -> None:
    if addresses:
        store.execute("DELETE FROM retry_queue WHERE address IN (SELECT unnest(?::VARCHAR[]))",
                      [list(addresses)])
