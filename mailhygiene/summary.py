"""The check summary: counts by status and reason, and the invalid rate with its interval.

Invalid rate = invalid / (rows - duplicates) (DESIGN.md), with a Wilson 95% interval; the
same over the non-empty address cells beside it (empty cells are invalid rows, not
addresses)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mailhygiene.pipeline import BaseRef
from mailhygiene.stats import wilson_interval
from mailhygiene.store import Store
from mailhygiene.types import Reason, Status


def summarize(store: Store, base: BaseRef, *, level: str, top_domains: int = 20) -> dict[str, Any]:
    b = base.base_id
    # One scan for three views: "status/reason" (run_retry's keys: what a send list of some
    # statuses holds, reason by reason; an unknown row may be a deliverable domain or a
    # check that could not finish), and its sums by status and by reason.
    pairs = [(st, r, int(n)) for st, r, n in store.fetchall(
        "SELECT status, reason, count(*) FROM contacts WHERE base_id = ? GROUP BY ALL", [b])]
    by_status = _counted((st, n) for st, _, n in pairs)
    # Every status is a key, 0 included: a script reading by_status["valid"] must not fail
    # on a base without valid rows.
    by_status |= {s.value: 0 for s in Status if s.value not in by_status}
    by_reason = _counted((r, n) for _, r, n in pairs)
    by_status_reason = {f"{st}/{r}": n
                        for st, r, n in sorted(pairs, key=lambda p: (-p[2], str(p[0]), str(p[1])))}
    by_evidence = dict(store.fetchall(
        "SELECT evidence, count(*) FROM contacts WHERE base_id = ? AND status <> 'duplicate' "
        "GROUP BY evidence ORDER BY 2 DESC, 1", [b]))
    flags = dict(store.fetchall(
        "SELECT f, count(*) FROM (SELECT unnest(string_split(flags, ',')) AS f FROM contacts "
        "WHERE base_id = ? AND status <> 'duplicate') WHERE f <> '' GROUP BY f ORDER BY 2 DESC, 1",
        [b]))
    rows = int(sum(by_status.values()))
    dups = int(by_status.get(Status.DUPLICATE.value, 0))
    invalid = int(by_status.get(Status.INVALID.value, 0))
    denom = rows - dups
    rate = invalid / denom if denom else 0.0
    lo, hi = wilson_interval(invalid, denom)
    # Empty address cells are rows (nothing is dropped) and invalid (syntax_empty), but not
    # addresses: the rate over the non-empty ones is given beside the DESIGN.md one, so a
    # figure such as "40% invalid" can be quoted with or without them.
    empty, empty_invalid = (int(v or 0) for v in store.fetchone(
        "SELECT count(*), count(*) FILTER (WHERE status = 'invalid') FROM contacts "
        "WHERE base_id = ? AND syntax_reason = ? AND status <> 'duplicate'",
        [b, Reason.SYNTAX_EMPTY.value]) or (0, 0))
    addresses, invalid_addresses = denom - empty, invalid - empty_invalid
    a_lo, a_hi = wilson_interval(invalid_addresses, addresses)
    distinct_domains = int(store.scalar(
        "SELECT count(DISTINCT domain) FROM contacts WHERE base_id = ? AND domain IS NOT NULL",
        [b]))
    # Each domain's share gets its interval too: 0 invalid of 28 rows is not "0%" of them.
    top = [
        {"domain": d, "rows": int(n), "invalid": int(inv),
         "invalid_share": (inv / n) if n else 0.0,
         "invalid_share_ci95": list(wilson_interval(int(inv), int(n)))}
        for d, n, inv in store.fetchall(
            "SELECT domain, count(*) AS n, count(*) FILTER (WHERE status = 'invalid') "
            "FROM contacts WHERE base_id = ? AND domain IS NOT NULL AND status <> 'duplicate' "
            "GROUP BY domain ORDER BY n DESC, domain LIMIT ?", [b, top_domains])
    ]
    return {
        "base": base.name,
        "base_id": b,
        # the column the addresses were read from (its header, or its generated name)
        "address_column": (base.fmt.columns[base.fmt.address_index]
                           if 0 <= base.fmt.address_index < len(base.fmt.columns) else None),
        # another column holding far more addresses than the named one (a hint, not acted on)
        "address_column_hint": _hint_json(base.fmt.address_hint),
        "input_sha256": base.sha256,
        "level": level,
        "rows": rows,
        "unique": denom,
        "duplicates": dups,
        "unparseable_rows": base.unparseable,
        # lines above the header (titles.py): written back above it, neither rows nor checked
        "title_rows": len(base.fmt.titles),
        "by_status": by_status,
        "by_reason": by_reason,
        "by_status_reason": by_status_reason,
        "by_evidence": by_evidence,
        "flags": flags,
        "invalid": invalid,
        "invalid_rate": rate,
        "invalid_rate_ci95": [lo, hi],
        "empty_cells": empty,
        "addresses": addresses,
        "invalid_addresses": invalid_addresses,
        "invalid_rate_addresses": invalid_addresses / addresses if addresses else 0.0,
        "invalid_rate_addresses_ci95": [a_lo, a_hi],
        "domains": distinct_domains,
        "top_domains": top,
    }


def _hint_json(hint: tuple[str, int, int, int] | None) -> dict[str, Any] | None:
    if hint is None:
        return None
    column, with_at, address_with_at, sampled = hint
    return {"column": column, "with_at": with_at, "address_column_with_at": address_with_at,
            "rows_sampled": sampled}


def _counted(items: Iterable[tuple[Any, int]]) -> dict[Any, int]:
    """Counts summed by key, most first (ties by key)."""
    totals: dict[Any, int] = {}
    for k, n in items:
        totals[k] = totals.get(k, 0) + n
    return dict(sorted(totals.items(), key=lambda kv: (-kv[1], str(kv[0]))))


def history_changed(s: dict[str, Any]) -> bool:
    """Whether the summary's rate without bounce history says something its invalid rate does
    not: only when some verdict rests on history (else it repeats it). The terminal and the
    report show it then; the JSON keeps the key either way."""
    try:
        from_history = int(s.get("from_history") or 0)
    except (TypeError, ValueError):
        return False
    return "invalid_rate_without_history" in s and from_history > 0
