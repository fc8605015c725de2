"""How A's date-added column is read: each date in its family's format, year-first dates as
such and year-last ones in one order for the whole column, detected from its values, so that
no date is read day-first in one row and month-first in the next.

Pure: `detect_date_format` takes the column's values (or their date parts with counts, as the
store layer aggregates them) and returns the format with the counts that justify it and, for
each value read, its date. A value that does not fit (garbage, an impossible day, a year-last
date only the other order reads) is unreadable: it is neither before nor after the cut-off
(`evidence.data` leaves it out and reports it).

Rules (the expert must be able to state them):
  - a value is a date part, optionally followed by a time (`10:30`, `10:30:00.5`, a zone);
    the date part is year-first (yyyy-mm-dd, also with / or .) or year-last (dd/mm/yyyy or
    mm/dd/yyyy, also with - or .); two-digit years and anything else are unreadable;
  - a year-first date reads one way only: it is read whatever the other values are (a column
    mixing yyyy-mm-dd and dd/mm/yyyy dates, as lists merged from several exports do, left
    the smaller family unreadable);
  - for year-last values: a date whose first component is above 12 can only be day-first, one
    whose second is above 12 only month-first. Only day-first ones seen: dd/mm/yyyy; only
    month-first ones: mm/dd/yyyy; both: the order of the larger group (a tie goes day-first)
    and the column is reported as conflicting; neither (every value reads both ways): the
    column is ambiguous and read day-first, the French and Moroccan usage, and the report says
    how many addresses would change side of the cut-off if it were read month-first.
  - the time is ignored: the date is the one written (no time-zone conversion)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

# The same patterns select the values the store layer hands over (DuckDB's RE2) and classify
# them here (Python's re): both dialects read this subset alike ([0-9], not \d, which
# Python also matches on other scripts' digits).
_TIME = (r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?"  # time, seconds, fraction
         r"(?: ?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?))?)?$")  # zone
YEAR_FIRST_RE = r"^([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})" + _TIME
YEAR_LAST_RE = r"^([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4})" + _TIME
DATE_PART_RE = r"^[0-9]+[-/.][0-9]+[-/.][0-9]+"

LABELS = {"ymd": "yyyy-mm-dd", "dmy": "dd/mm/yyyy", "mdy": "mm/dd/yyyy", "none": "none"}
_YF, _YL = re.compile(YEAR_FIRST_RE), re.compile(YEAR_LAST_RE)


@dataclass(frozen=True, slots=True)
class DateFormat:
    """order: ymd | dmy | mdy | none (no value readable); dmy or mdy as soon as one year-last
    value is read, the year-first ones being read too (`mixed`). basis: year_first | day_first
    | month_first (the only order the year-last values allow) | conflicting | ambiguous (see
    the module docstring) | none. Counts are of values (with their multiplicity): `values`
    non-empty, `read` read, `unreadable` = values - read; `year_first`,
    `day_first` (only day-first), `month_first` (only month-first) and `either` (both) classify
    the readable ones. `flips`: values read whose date would fall on the other side of the
    cut-off if read in the other order (0 without a cut-off or for year-first).
    `dates`: each distinct value read -> its date."""

    order: str
    basis: str
    values: int
    read: int
    empty: int = 0
    year_first: int = 0
    day_first: int = 0
    month_first: int = 0
    either: int = 0
    flips: int = 0
    dates: dict[str, date] = field(default_factory=dict, repr=False)

    @property
    def mixed(self) -> bool:
        """Year-first dates read beside year-last ones."""
        return self.order in ("dmy", "mdy") and self.year_first > 0

    @property
    def label(self) -> str:
        """The column's format, both when mixed: `yyyy-mm-dd and dd/mm/yyyy`."""
        if self.mixed:
            return f"{LABELS['ymd']} and {LABELS[self.order]}"
        return LABELS[self.order]

    @property
    def unreadable(self) -> int:
        return self.values - self.read


def _make(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def detect_date_format(values: Mapping[str, int] | Iterable[str | None], *, other: int = 0,
                       empty: int = 0, cutoff: date | None = None) -> DateFormat:
    """The column's date format from all its values (a mapping gives each value's count).
    `other`: non-empty values already known not to look like a date; `empty`: empty cells
    (reported, never read). Values are trimmed; empty ones are counted in `empty`."""
    counts: dict[str, int] = {}
    items = values.items() if isinstance(values, Mapping) else ((v, 1) for v in values)
    for raw, n in items:
        v = (raw or "").strip()
        if not v:
            empty += n
        else:
            counts[v] = counts.get(v, 0) + n

    ymd: dict[str, date] = {}
    dmy: dict[str, date] = {}
    mdy: dict[str, date] = {}
    yf = df = mf = either = 0
    for v, n in counts.items():
        if m := _YF.match(v):
            d = _make(int(m[1]), int(m[2]), int(m[3]))
            if d is not None:
                ymd[v] = d
                yf += n
            continue
        if m := _YL.match(v):
            a, b, y = int(m[1]), int(m[2]), int(m[3])
            day_first, month_first = _make(y, b, a), _make(y, a, b)
            if day_first is not None:
                dmy[v] = day_first
            if month_first is not None:
                mdy[v] = month_first
            if day_first is not None and month_first is not None:
                either += n
            elif day_first is not None:
                df += n
            elif month_first is not None:
                mf += n
    total = sum(counts.values()) + other
    year_last = df + mf + either
    if yf == 0 and year_last == 0:
        return DateFormat("none", "none", total, 0, empty)
    common = {"values": total, "empty": empty, "year_first": yf, "day_first": df,
              "month_first": mf, "either": either}
    if not year_last:
        return DateFormat("ymd", "year_first", read=yf, dates=ymd, **common)
    if df and not mf:
        order, basis = "dmy", "day_first"
    elif mf and not df:
        order, basis = "mdy", "month_first"
    elif df and mf:
        order, basis = ("dmy" if df >= mf else "mdy"), "conflicting"
    else:
        order, basis = "dmy", "ambiguous"
    chosen, alt = (dmy, mdy) if order == "dmy" else (mdy, dmy)
    flips = 0
    if cutoff is not None:
        flips = sum(counts[v] for v, d in chosen.items()
                    if v in alt and (d > cutoff) != (alt[v] > cutoff))
    read = yf + either + (df if order == "dmy" else mf)
    return DateFormat(order, basis, read=read, flips=flips, dates=ymd | chosen, **common)
