"""Self-contained HTML reports (issue 9): hygiene (`check`) and provenance (`compare`), in
English and French, with inline SVG charts and the evidentiary record of the run."""

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
