"""Rows above a table's header: a title such as "Export clients 2024" (often merged across the
header in a spreadsheet, padded with delimiters in Excel's CSV export), a date, a filter.
Read as the header, such a row hid the real one, which became a data row (an invalid
address) and could misname the address column.

A one-column list (a .txt, a one-column CSV or worksheet) has the same problem, but there a
title is as wide as the header, so the header is recognised by its exact name instead
(`list_header`).

Pure: `title_rows` decides from a table's first rows and a test of whether a row can be the
header (`ingest` gives one that knows the address column's names)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

__all__ = ["list_header", "title_rows"]


def title_rows(rows: Sequence[Sequence[str]], is_header: Callable[[Sequence[str]], bool],
               is_name: Callable[[str], bool] | None = None) -> int:
    """How many of `rows` (a table's first rows, blank lines left out) are titles above its
    header. The header is the widest row that `is_header` accepts (the first of the widest),
    among the rows before the first one holding an '@': an address is data, so nothing from
    there down is a title. The rows above it are titles when each one is narrower than it
    (fewer non-blank cells), as a title, a date or a note is. Failing that, with `is_name`,
    a one-column list's header (`list_header`) ends the titles. Otherwise, or when no row
    looks like a header, there is none (0) and the first row stays the header, as before."""
    width = [sum(1 for c in row if c.strip()) for row in rows]
    best = -1
    for k, row in enumerate(rows):
        if any("@" in c for c in row):
            break
        if is_header(row) and (best < 0 or width[k] > width[best]):
            best = k
    if best > 0 and all(width[j] < width[best] for j in range(best)):
        return best
    if is_name is not None:
        return list_header(rows, is_name) or 0
    return 0


def list_header(rows: Sequence[Sequence[str]], is_name: Callable[[str], bool]) -> int | None:
    """The header of a one-column list among `rows` (its first rows, blank lines left out),
    or None: the first row whose one non-blank cell `is_name` accepts (an address-column name
    such as `email`, exactly: a title may name mail, "Liste emailing"), provided no row above
    it holds an '@' (a list without a header starts with an address, or holds no such name
    before its first one). A row above it may hold more than one non-blank cell only when
    there are rows below it and none holds anything beyond its first cell: the list is one
    column, and that row a title whose text holds the delimiter ("Export contacts, mars
    2024"); in a table, a row of one name is not its header."""
    wide = False
    for k, row in enumerate(rows):
        cells = [c for c in row if c.strip()]
        if any("@" in c for c in cells):
            return None
        if len(cells) > 1:
            wide = True
        elif cells and is_name(cells[0]):
            below = rows[k + 1:]
            one_column = bool(below) and not any(c.strip() for r in below for c in r[1:])
            return k if not wide or one_column else None
    return None
