"""An XLSX worksheet's rows as text cells (openpyxl, read-only streaming mode), for ingest.

A formula cell holds the value its writer last computed (its cached value). Excel always
stores one; openpyxl and some other libraries write the formula alone. Such a cell is read as
its formula text rather than as an empty cell (`_computed`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from mailhygiene.errors import InputError

__all__ = ["sized_rows"]


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "isoformat"):
        return str(v.isoformat())
    return str(v)


def _open_workbook(path: Path, *, data_only: bool) -> tuple[Any, IO[bytes]]:
    """(read-only workbook, its open file). Given an open file, openpyxl does not judge the
    workbook by its name (a workbook saved as contacts.csv is still read)."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    f = path.open("rb")
    try:
        return load_workbook(f, read_only=True, data_only=data_only), f
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as e:
        f.close()
        raise InputError(f"cannot read {path} as XLSX: {e}") from e


def _formula_text(v: object) -> str:
    """A formula as read with formulas (not data_only): its text, `=...`."""
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    if isinstance(v, ArrayFormula):
        return str(v.text)
    if isinstance(v, DataTableFormula):  # what Excel shows in a data table's cells
        return f"=TABLE({v.r1 or ''},{v.r2 or ''})"
    return str(v)


class _CachedValues:
    """A sheet's cached values (what its writer last computed), read row by row alongside the
    formula reader, from the row where the first formula was met: a second parse of the sheet
    that files without formulas never pay for."""

    def __init__(self, path: Path, title: str, first_row: int) -> None:
        self._wb, self._f = _open_workbook(path, data_only=True)
        self._rows = enumerate(self._wb[title].iter_rows(min_row=first_row), first_row)

    def row(self, r: int) -> tuple[Any, ...]:
        """Row `r` (1-based; rows are asked for in increasing order) as openpyxl cells."""
        for i, cells in self._rows:
            if i == r:
                return tuple(cells)
        return ()

    def close(self) -> None:
        self._wb.close()
        self._f.close()


def _computed(v: object, cached: Any) -> object:
    """A formula cell's value: the value cached in the file. Excel always stores one; openpyxl
    and other libraries write the formula alone (nothing has computed it yet). Such a cell is
    read as its formula text: it is not an empty cell, and its value cannot be computed here.
    As an address it is judged on that text (invalid, not syntax_empty), and the cleaned file
    keeps it, neutralized as a formula, where the user sees why. A cached empty text (t="str",
    as Excel writes the result of `=IF(...,"",...)`) is an empty cell."""
    if cached is not None and cached.value is not None:
        return cached.value
    if cached is not None and cached.data_type == "str":
        return ""
    return _formula_text(v)


def sized_rows(path: Path, sheet: str | None) -> Iterator[tuple[list[str], int | None]]:
    """The sheet's non-empty rows, each with the sheet's declared width (None if undeclared).
    Read with formulas in one pass; the cached values are read only when a formula is met
    (_CachedValues, _computed)."""
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    def is_formula(v: object) -> bool:
        # A text cell starting with "=" reads the same: its cached value is itself.
        return (isinstance(v, str) and v.startswith("=")) or isinstance(
            v, ArrayFormula | DataTableFormula)

    wb, f = _open_workbook(path, data_only=False)
    cache: _CachedValues | None = None
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise InputError(f"sheet {sheet!r} not found; sheets: {', '.join(wb.sheetnames)}")
        ws = wb[sheet] if sheet else wb.worksheets[0]
        if not hasattr(ws, "iter_rows"):  # a chart sheet holds a chart, no cells
            tables = ", ".join(w.title for w in wb.worksheets)
            raise InputError(f"sheet {sheet!r} is a chart sheet, not a table of contacts; "
                             f"worksheets: {tables}")
        bound = ws.max_column
        # iter_rows starts at row 1 (its rows are numbered from there, missing ones filled).
        for r, row in enumerate(ws.iter_rows(values_only=True), 1):
            values: Sequence[object] = row
            if any(map(is_formula, row)):
                if cache is None:
                    cache = _CachedValues(path, ws.title, r)
                cached = cache.row(r)
                values = [_computed(v, cached[j] if j < len(cached) else None)
                          if is_formula(v) else v for j, v in enumerate(row)]
            cells = [_cell(v) for v in values]
            while cells and cells[-1] == "":
                cells.pop()
            if cells:
                yield cells, bound
    finally:
        if cache is not None:
            cache.close()
        wb.close()
        f.close()
