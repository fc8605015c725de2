"""Splitting text into records as both readers do (DuckDB's strict CSV reader and Python's
csv module): a stray quote costs one row, never the rest of the file; and a worksheet's rows."""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from mailhygiene.xlsx import sized_rows

# The longest record that may span several lines, in UTF-8 bytes without its final line break:
# what DuckDB's max_line_size counts (measured), so both readers draw the line at one place.
# Not lower: with max_line_size at 8 MiB DuckDB's reader fills the stored tables less densely
# (the 1M-row demo-shaped store grew from 139 to 164 MB and its check took 0.7 s longer).
MAX_RECORD_BYTES = 128 * 1024 * 1024
# Python's csv refuses fields over 128 KiB by default; hostile files have 1 MB lines.
csv.field_size_limit(MAX_RECORD_BYTES)


# A quoted field may hold line breaks (addresses, notes), but one stray quote would then swallow
# every line up to the next quote or the end of the file. So a record spanning several lines
# is kept only if DuckDB's strict reader would accept it as well: every quote closes before the
# end of the file and within MAX_RECORD_BYTES, each closing quote is followed by a delimiter or
# a line break, and the record has the header's width (`fits`). Otherwise its first line is an
# unparseable row and reading resumes at its second line: a stray quote costs one row. A line
# whose quote is still open at the end of the file is unparseable too.
def split_records(f: IO[str], delimiter: str, fits: Callable[[list[str]], bool] | None = None,
                   *, unchecked: int = 0) -> Iterator[tuple[list[str] | None, str]]:
    """Yields (fields, or None if unparseable, raw text) for every record, the first included,
    and blank lines too. `fits` is not asked about the first `unchecked` records (titles and
    the header: they need not have the header's width)."""
    tap = _LineTap(f)
    reader = csv.reader(tap, delimiter=delimiter, strict=False)
    while True:
        tap.start()
        rec: list[str] | None
        try:
            rec = next(reader)
        except StopIteration:
            return
        except csv.Error:
            rec = None
        lines = tap.taken
        if len(lines) == 1 and not tap.starved:
            yield rec, lines[0]
        elif tap.starved or rec is None or tap.size - _eol(lines[-1]) > MAX_RECORD_BYTES \
                or not _strict(lines, delimiter) \
                or (unchecked <= 0 and fits is not None and not fits(rec)):
            tap.replay(lines[1:])
            yield None, lines[0]
        else:
            yield rec, "".join(lines)
        unchecked -= 1


def _eol(line: str) -> int:
    return len(line) - len(line.rstrip("\r\n"))


def _strict(lines: list[str], delimiter: str) -> bool:
    """Whether `lines` are one well-formed record (csv's strict mode, like DuckDB's)."""
    try:
        return len(list(csv.reader(lines, delimiter=delimiter, strict=True))) == 1
    except csv.Error:
        return False


class _LineTap:
    """Feeds csv.reader line by line while remembering the raw lines of the current record.
    Lines given back by `replay` are read again before the file's next ones. A record that
    needs more lines at the end of the file or beyond MAX_RECORD_BYTES is cut short and
    marked `starved`.

    NUL bytes are kept, as DuckDB's reader keeps them: a cell's verdict must not depend on
    which reader read it, the README promises the input columns unchanged and the syntax
    verdict is email-validator's on the cell, which refuses a NUL (it is never part of an
    address)."""

    def __init__(self, f: IO[str]) -> None:
        self.f = f
        self.taken: list[str] = []
        self.size = 0
        self.starved = False
        self.pending: deque[str] = deque()

    def start(self) -> None:
        self.taken = []
        self.size = 0  # counted from a record's second line: only multi-line ones are bounded
        self.starved = False

    def replay(self, lines: list[str]) -> None:
        self.pending.extendleft(reversed(lines))

    def __iter__(self) -> _LineTap:
        return self

    def __next__(self) -> str:
        taken = self.taken
        if taken:
            if not self.size:
                self.size = _utf8_len(taken[0])
            if self.size > MAX_RECORD_BYTES:
                self.starved = True
                raise StopIteration
        line = self.pending.popleft() if self.pending else self.f.readline()
        if not line:
            self.starved = bool(taken)
            raise StopIteration
        if taken:
            self.size += _utf8_len(line)
        taken.append(line)
        return line


def _utf8_len(line: str) -> int:
    return len(line) if line.isascii() else len(line.encode("utf-8", "replace"))


def _blank(rec: list[str]) -> bool:
    """A blank line (or spaces and tabs), which is not a record; a quoted "" is one."""
    return not rec or (len(rec) == 1 and rec[0] != "" and not rec[0].strip())


def _aligned(rec: list[str], n: int, optional: int = 0) -> list[str] | None:
    """The record as n cells, or None if it cannot be aligned with the header. Empty cells
    beyond the header (trailing delimiters, as Excel writes them) are dropped, as DuckDB's
    reader drops them; the unnamed columns that end a header may be left out. Anything else
    (a non-empty cell beyond the header, a missing named column) is a ragged row: kept whole as
    unparseable, never cut or guessed at."""
    if len(rec) > n:
        return None if any(rec[n:]) else rec[:n]
    if len(rec) >= n - optional:
        return rec + [""] * (n - len(rec))
    return None


def xlsx_rows(path: Path, sheet: str | None) -> Iterator[list[str]]:
    for cells, _ in sized_rows(path, sheet):
        yield cells
