"""The MX cache: the `domains` table (DDL in store/core.py), read and written in bulk.

Rows keep the DNS facts (`answer` JSON) the verdict was made from; callers re-decide from them,
so a cached answer serves any option set (e.g. --allow-loopback). An entry is fresh while
`expires_at > now`; transient failures are saved with `expires_at = resolved_at`, i.e. never
served as final (issue 4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from mailhygiene.store.core import Store

# Columns added after the first version of the core DDL; ADD COLUMN IF NOT EXISTS keeps older
# store files working.
DDL = (
    "ALTER TABLE domains ADD COLUMN IF NOT EXISTS mx_addresses VARCHAR[]",
    "ALTER TABLE domains ADD COLUMN IF NOT EXISTS flags VARCHAR",
    "ALTER TABLE domains ADD COLUMN IF NOT EXISTS detail VARCHAR",
)


@dataclass(frozen=True, slots=True)
class DomainRow:
    """One cache entry as written. `facts_json` is domain_verdict.facts_to_json's output."""

    domain: str
    status: str
    reason: str
    flags: str  # comma-separated, sorted
    detail: str
    mx_hosts: tuple[str, ...]
    mx_addresses: tuple[str, ...]
    null_mx: bool
    fallback: bool
    error: str | None
    ttl: int
    facts_json: str
    # When the answers were received; the TTL counts from there. None: the time of `save`.
    resolved_at: datetime | None = None


def _ensure(store: Store) -> None:
    store.ensure(DDL)


def load_fresh(store: Store, domains: Sequence[str], now: datetime) -> dict[str, str]:
    """Facts JSON of the entries still fresh at `now`, for the given domains, in one query."""
    if not domains:
        return {}
    _ensure(store)
    rows = store.fetchall(
        "SELECT d.domain, d.answer::VARCHAR FROM domains d "
        "JOIN (SELECT DISTINCT unnest(?::VARCHAR[]) AS domain) q USING (domain) "
        "WHERE d.expires_at > ? AND d.answer IS NOT NULL",
        [list(domains), now],
    )
    return {str(d): str(a) for d, a in rows}


def save(store: Store, rows: Sequence[DomainRow], resolved_at: datetime) -> None:
    """Upserts the rows in one statement (list parameters unnested server-side). One statement
    is atomic by itself; no explicit transaction, so callers may hold one."""
    if not rows:
        return
    _ensure(store)
    # A row is stamped with the time its answers arrived, not the time of the batch write:
    # a slow run (timeouts, a large batch) must not stretch a TTL it received long before.
    stamps = [r.resolved_at or resolved_at for r in rows]
    expires = [t + timedelta(seconds=r.ttl) for t, r in zip(stamps, rows, strict=True)]
    store.execute(
        "INSERT OR REPLACE INTO domains (domain, status, reason, flags, detail, mx_hosts, "
        "mx_addresses, null_mx, fallback, error, resolved_at, ttl, expires_at, answer) "
        "SELECT unnest($1::VARCHAR[]), unnest($2::VARCHAR[]), unnest($3::VARCHAR[]), "
        "unnest($4::VARCHAR[]), unnest($5::VARCHAR[]), unnest($6::VARCHAR[][]), "
        "unnest($7::VARCHAR[][]), unnest($8::BOOLEAN[]), unnest($9::BOOLEAN[]), "
        "unnest($10::VARCHAR[]), unnest($11::TIMESTAMP[]), unnest($12::INTEGER[]), "
        "unnest($13::TIMESTAMP[]), unnest($14::VARCHAR[])::JSON",
        [
            [r.domain for r in rows],
            [r.status for r in rows],
            [r.reason for r in rows],
            [r.flags for r in rows],
            [r.detail for r in rows],
            [list(r.mx_hosts) for r in rows],
            [list(r.mx_addresses) for r in rows],
            [r.null_mx for r in rows],
            [r.fallback for r in rows],
            [r.error for r in rows],
            stamps,
            [r.ttl for r in rows],
            expires,
            [r.facts_json for r in rows],
        ],
    )


def forget(store: Store, domains: Sequence[str]) -> None:
    """Drops entries (used by tests and by a future `cache clear`)."""
    if domains:
        store.execute("DELETE FROM domains WHERE domain IN (SELECT unnest(?::VARCHAR[]))",
                      [list(domains)])
