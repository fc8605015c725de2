"""Self-contained HTML reports (issue 9): hygiene (`check`) and provenance (`compare`), in
English and French, with inline SVG charts and the evidentiary record of the run.

The names are loaded on first use (as in `mailhygiene.bounces`): terminal commands that only
need `report.fmt` (counts and their nouns) should not pay for jinja2 and the evidence model
(about 0.3 s)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mailhygiene.report.render import (
        render_check,
        render_compare,
        write_check_report,
        write_compare_report,
        write_report,
    )
    from mailhygiene.report.runs import latest_run

__all__ = [
    "latest_run",
    "render_check",
    "render_compare",
    "write_check_report",
    "write_compare_report",
    "write_report",
]

_HOME = {"latest_run": "runs", "render_check": "render", "render_compare": "render",
         "write_check_report": "render", "write_compare_report": "render",
         "write_report": "render"}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(f"mailhygiene.report.{_HOME[name]}"), name)
    raise AttributeError(f"module 'mailhygiene.report' has no attribute {name!r}")
