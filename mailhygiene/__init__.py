"""mailhygiene: email base hygiene (syntax, MX, SMTP, bounce history) and provenance."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
