"""The DuckDB store. Only this package imports duckdb; other modules get a `Store` and run SQL
through it, so store errors are translated in one place."""

from mailhygiene.store.core import Store, open_store

__all__ = ["Store", "open_store"]
