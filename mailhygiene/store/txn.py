"""`atomic(store)`: a transaction that joins the caller's when one is already open, so stage
functions (enrichment, phones, suppression) are atomic on their own and can also run inside
`check`'s single transaction (DuckDB has no nested transactions, and a failed BEGIN inside one
aborts it, so the state is probed instead)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mailhygiene.store.core import Store


def in_transaction(store: Store) -> bool:
    """True inside an explicit transaction: there, two statements share one transaction id;
    in auto-commit mode each statement gets its own."""
    first = store.scalar("SELECT current_transaction_id()")
    return bool(first == store.scalar("SELECT current_transaction_id()"))


@contextmanager
def atomic(store: Store) -> Iterator[None]:
    if in_transaction(store):
        yield  # the caller's transaction commits or rolls back everything
        return
    store.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        store.execute("ROLLBACK")
        raise
    store.execute("COMMIT")
