"""What `compare A B` needs to attach the evidence section (issue 8 on top of issue 7)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

from mailhygiene.bounces.detect import iter_events
from mailhygiene.errors import InputError
from mailhygiene.evidence.evaluate import EvidenceOptions, evaluate
from mailhygiene.normalize import dedup_key
from mailhygiene.store import Store


def bounce_keys(paths: Iterable[str | Path]) -> tuple[str, ...]:
    """Dedup keys of the hard-bounced recipients in A's bounce history (any format `bounces
    import` reads): these addresses are invalid even if A's checks did not say so."""
    keys = {dedup_key(ev.address) for ev in iter_events(paths) if ev.hard}
    return tuple(sorted(k for k in keys if k))


def evidence_options(*, a_bounces: Iterable[str | Path] = (), date_column: str | None = None,
                     cutoff: str | date | None = None, reference_base_id: int | None = None,
                     use_bounces_table: bool = True) -> EvidenceOptions:
    """Options from the CLI's values (--a-bounces, --date-column, --cutoff; --reference must be
    resolved to a base id by the caller, like A and B)."""
    day: date | None
    if isinstance(cutoff, str):
        try:
            day = date.fromisoformat(cutoff)
        except ValueError as e:
            raise InputError(f"--cutoff must be a date like 2023-06-30, not {cutoff!r}") from e
    else:
        day = cutoff
    if day is not None and not date_column:
        raise InputError("--cutoff needs --date-column (A's date-added column)")
    if date_column and day is None:
        raise InputError("--date-column needs --cutoff (the date B's author left)")
    return EvidenceOptions(date_column=date_column, cutoff=day,
                           reference_base_id=reference_base_id,
                           a_bounce_keys=bounce_keys(a_bounces),
                           use_bounces_table=use_bounces_table)


def evidence_hook(opts: EvidenceOptions) -> Callable[[Store, int, int], dict[str, Any]]:
    """The `evidence=` argument of `compare.compare_inputs`: returns the `evidence` section."""

    def hook(store: Store, a_base_id: int, b_base_id: int) -> dict[str, Any]:
        section: dict[str, Any] = evaluate(store, a_base_id, b_base_id, opts).to_json()[
            "evidence"]
        return section

    return hook
