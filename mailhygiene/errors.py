"""One exception root. An invalid address is a value, never an exception: these are for the
tool itself failing (bad input file, store trouble, bad configuration)."""

from __future__ import annotations


class MailhygieneError(Exception):
    """Root of every error the tool raises on purpose. The CLI prints it in one line, exit 2."""

    exit_code = 2


class InputError(MailhygieneError):
    """The input file cannot be read as a contact base (missing, empty, no address column...)."""


class ConfigError(MailhygieneError):
    """An option or a combination of options makes no sense."""


class StoreError(MailhygieneError):
    """The DuckDB store cannot be opened or written."""


class StoreBusyError(StoreError):
    """Another process holds the store."""


class NetworkError(MailhygieneError):
    """A network stage cannot run at all (e.g. no resolver configured). Per-domain failures are
    values (unknown/dns_error), not this."""
