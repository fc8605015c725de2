"""Tables of the phone stage (issue 11): which input columns hold phone numbers, and where their
verdicts are stored.

Verdicts live in one wide table per base, `mh_phones_<base_id>`, keyed by `row_no`, with five
columns per phone column named after it: `mh_<slug>_status`, `_reason`, `_e164`, `_type`,
`_region` (see `mailhygiene.phones.output_prefix`). `phone_columns` records, per base, which
input column each prefix came from, so later stages (suppression, summaries) find them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mailhygiene.store.core import Store

PHONES_DDL = (
    """CREATE TABLE IF NOT EXISTS phone_columns (
        base_id INTEGER NOT NULL,
        column_index INTEGER NOT NULL,  -- 0-based index into the input columns (c<index+1>)
        header VARCHAR,                 -- the input header, as read
        prefix VARCHAR NOT NULL,        -- mh_<slug>: output columns are <prefix>_status...
        table_name VARCHAR NOT NULL,    -- mh_phones_<base_id>
        default_region VARCHAR
    )""",
)


def phones_table(base_id: int) -> str:
    return f"mh_phones_{int(base_id)}"


def record_phone_columns(store: Store, base_id: int,
                         columns: list[tuple[int, str, str]], default_region: str) -> None:
    """Replaces the recorded phone columns of `base_id` with (index, header, prefix) rows."""
    store.ensure(PHONES_DDL)
    store.execute("DELETE FROM phone_columns WHERE base_id = ?", [base_id])
    store.executemany(
        "INSERT INTO phone_columns VALUES (?, ?, ?, ?, ?, ?)",
        [[base_id, i, h, p, phones_table(base_id), default_region] for i, h, p in columns],
    )


def recorded_phone_columns(store: Store, base_id: int) -> list[tuple[int, str, str]]:
    """(index, header, prefix) of the phone columns `apply_phones` wrote for `base_id`."""
    store.ensure(PHONES_DDL)
    return [
        (int(r[0]), str(r[1]), str(r[2]))
        for r in store.fetchall(
            "SELECT column_index, header, prefix FROM phone_columns WHERE base_id = ? "
            "ORDER BY column_index", [base_id])
    ]
