"""A contact file's shape (InputFormat): its kind (CSV, text, XLSX), encoding, delimiter, line
ending, Excel's `sep=` line, the rows above its header, the header and the address column."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from mailhygiene import config
from mailhygiene.errors import InputError
from mailhygiene.ingest.columns import (
    _header_test,
    _name_test,
    address_column_hint,
    find_address_column,
)
from mailhygiene.ingest.encoding import detect_encoding, python_decoding
from mailhygiene.ingest.records import _blank, _strict, split_records
from mailhygiene.titles import list_header, title_rows
from mailhygiene.xlsx import sized_rows

SAMPLE_BYTES = 256 * 1024
DELIMITERS = (",", ";", "\t", "|")


@dataclass
class InputFormat:
    kind: str  # csv | txt | xlsx
    # utf-8 | cp1252 | latin-1 | utf-16 (BOM) | utf-16-le/-be (no BOM) | utf-8+cp1252 (mixed)
    encoding: str = "utf-8"
    bom: bool = False
    delimiter: str = ","
    header: bool = True
    columns: list[str] = field(default_factory=list)
    address_index: int = 0  # 0-based
    sheet: str | None = None
    newline: str = "\n"  # the input's line ending, kept in the cleaned CSV
    # Excel's delimiter line (`sep=;`) before the header: skipped when reading, written again
    # (with the output's delimiter) before the cleaned CSV's header so Excel still opens it
    # right. "" without one.
    preamble: str = ""
    # Rows above the header (titles.py: "Export clients 2024", a date): not data, so not in
    # the store's rows; written again, as they were read, between the preamble and the
    # cleaned CSV's header, so the cleaned file keeps every line but blank ones.
    titles: list[list[str]] = field(default_factory=list)
    # Records the readers skip before the header (after the preamble): the titles and any
    # blank line among or before them (split_records' count; DuckDB's `skip` counts the same
    # while each is one line, see load_input).
    above: int = 0
    # Another column that holds addresses far more often than the one the header named
    # (columns.address_column_hint): (its name, its cells with an '@' in the sample, the
    # address column's, the sample's rows). Shown as a note, never acted on. None: none.
    address_hint: tuple[str, int, int, int] | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(4 * 1024 * 1024):
            h.update(chunk)
    return h.hexdigest()


# Compound-file header: .xls workbooks, and .xlsx files encrypted with a password.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def is_workbook(path: Path) -> bool:
    """A ZIP file holding an Excel workbook (an .xlsx saved or renamed as .csv)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            return "xl/workbook.xml" in z.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def reads_as_workbook(path: Path, head: bytes) -> bool:
    """Whether a file is read as XLSX, from its first bytes: a ZIP file named .xlsx or .xlsm
    (one that is no workbook is refused as XLSX, with the reason), or a ZIP file holding a
    workbook whatever its name. A text file under an .xlsx name (a CSV renamed, an export
    that names its CSV so Excel opens it) is read as the text it is."""
    if not head.startswith(b"PK\x03\x04"):
        return False
    return path.suffix.lower() in (".xlsx", ".xlsm") or is_workbook(path)


def check_input_file(path: Path) -> None:
    """Refuses an input that is missing, a directory, empty, or not a regular file: a pipe
    (<(...), a FIFO) or a device is read more than once (digest, detection, load), and
    opening a FIFO without a writer would block."""
    if not path.exists():
        raise InputError(f"input file not found: {path}")
    if path.is_dir():
        raise InputError(f"input is a directory, not a file: {path}")
    if not path.is_file():
        raise InputError(f"input is not a regular file (a pipe or a device cannot be read "
                         f"twice): {path}; save it to a file first")
    if path.stat().st_size == 0:
        raise InputError(f"input file is empty: {path}")


def line_ending(sample: str) -> str:
    """The line ending of the first record (CRLF, CR or LF), found outside quotes."""
    quoted = False
    for i, ch in enumerate(sample):
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "\r\n":
            if ch == "\n":
                return "\n"
            return "\r\n" if sample[i + 1:i + 2] == "\n" else "\r"
    return "\n"


def sniff_delimiter(sample: str) -> str:
    """The delimiter that splits the sample's records into the most consistent number (>1) of
    fields. csv.Sniffer guesses badly on French exports (';' with ',' in values)."""
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1:
        lines = lines[:-1]  # last line may be cut by the sample boundary
    text = "".join(lines[:400])
    best, best_score = ",", (0.0, 0)
    for d in DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=d) if r]
        except csv.Error:
            continue
        if not counts:
            continue
        mode, freq = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        score = (freq / len(counts), mode)
        if score > best_score:
            best, best_score = d, score
    return best


def detect_format(path: Path, *, column: str | None = None, sheet: str | None = None,
                  delimiter: str | None = None) -> InputFormat:
    check_input_file(path)
    suffix = path.suffix.lower()
    with path.open("rb") as f:
        head = f.read(8)
    if head == OLE2_MAGIC:
        raise InputError(f"{path.name} is an Excel 97-2003 (.xls) or password-protected "
                         "workbook, which cannot be read: save it as .xlsx or CSV")
    if reads_as_workbook(path, head):
        return _detect_xlsx(path, column, sheet)
    if sheet is not None:
        raise InputError(f"--sheet applies to XLSX files only; {path.name} is not one")
    encoding, bom = detect_encoding(path)
    py_enc, errors = python_decoding(encoding)
    with path.open("r", encoding=py_enc, errors=errors, newline="") as f:
        sample = f.read(SAMPLE_BYTES)
    if not sample.strip("\ufeff \r\n\t"):
        raise InputError(f"input file has no records: {path}")
    newline = line_ending(sample)
    preamble = ""
    first_line, _, rest = sample.lstrip("\ufeff").partition("\n")
    if (m := _SEP_LINE.fullmatch(first_line.rstrip("\r"))) is not None:
        # Excel's delimiter directive: read as the header, it made every record a ragged
        # (unparseable) row and the file looked 0% invalid. It names the delimiter.
        preamble, sample = m.group(0), rest
        delimiter = delimiter or m.group(1)
        if not sample.strip("\r\n\t "):
            raise InputError(f"input file has no records after its {preamble!r} line: {path}")
    elif suffix == ".txt" and delimiter is None and not _tab_separated(sample):
        return replace(_detect_txt(sample, encoding, bom, column), newline=newline)
    delim = delimiter or sniff_delimiter(sample)
    records: list[list[str]] = []
    at: list[int] = []  # each record's place among all of split_records' (blank lines too)
    whole = -1  # how many records come before the first ill-formed one (-1: none seen)
    for place, (rec, raw) in enumerate(split_records(io.StringIO(sample, newline=""), delim)):
        if rec is None and not records:
            # (Its text is not shown: it may hold an address, and messages mask them.)
            raise InputError(f"cannot read {path} as CSV: its first record has an unbalanced "
                             "quote")
        if whole < 0 and (rec is None or not _strict(io.StringIO(raw, newline="").readlines(),
                                                     delim)):
            whole = len(records)
        if rec:
            records.append(rec)
            at.append(place)
        if len(records) > 200 + config.MAX_TITLE_ROWS:
            break
    if not records:
        raise InputError(f"input file has no records: {path}")
    # Titles must be well-formed records (csv's strict mode): DuckDB's `skip` counts the
    # lines of a stray quote (`"a"b`) otherwise than split_records does, and both readers
    # must skip the same records.
    k = title_rows(records[:config.MAX_TITLE_ROWS + 1][:whole if whole >= 0 else None],
                   _header_test(column), _name_test(column))
    header = records[k]
    idx, has_header = find_address_column(header, records[k + 1:k + 201], column)
    if len(header) == 1 and not has_header and suffix != ".csv" and not preamble:
        return InputFormat("txt", encoding, bom, "\n", False, ["email"], 0, newline=newline)
    columns = header if has_header else [f"column{i + 1}" for i in range(len(header))]
    # Blank lines before the header are skipped with it; without a header they are not
    # records, as everywhere else.
    return InputFormat("csv", encoding, bom, delim, has_header, columns, idx, newline=newline,
                       preamble=preamble, titles=[r for r in records[:k] if not _blank(r)],
                       above=at[k] if has_header else 0,
                       address_hint=_hint(columns, records[k + 1:k + 201], idx,
                                          column is None and has_header))


# Excel's first-line delimiter directive ("sep=;", "sep=,", "sep=\t", "sep=|")
_SEP_LINE = re.compile(r"sep=([;,\t|])", re.IGNORECASE)


def _tab_separated(sample: str) -> bool:
    """A .txt file that is a table: Excel's "Text (Tab delimited)" export. Its first line
    holds a tab, and nine in ten of its first 200 non-empty lines hold as many (a list of one
    address per line has no tab)."""
    lines = [line for line in sample.splitlines()[:-1] or sample.splitlines() if line.strip()]
    lines = lines[:200]
    if not lines or "\t" not in lines[0]:
        return False
    tabs = lines[0].count("\t")
    return sum(line.count("\t") == tabs for line in lines) >= 0.9 * len(lines)


def _detect_txt(sample: str, encoding: str, bom: bool, column: str | None) -> InputFormat:
    """One address per line. A line that is a known address-column name (exactly, as
    find_address_column's first rule) and holds no '@' is a header, not an address, if it is
    the first line or comes after title lines (titles.list_header: no '@' above it)."""
    lines = [line.rstrip("\r\n") for line in io.StringIO(sample, newline="")]
    lines = [line for line in lines if line.strip()][:config.MAX_TITLE_ROWS + 1]
    if lines:
        lines[0] = lines[0].lstrip("\ufeff")
    k = list_header([[line] for line in lines], _name_test(column))
    header = k is not None
    k = k or 0
    fmt = InputFormat("txt", encoding, bom, "\n", header, [lines[k] if header else "email"], 0,
                      titles=[[line] for line in lines[:k]], above=k)
    if column is not None:  # only the file's one column can be named
        find_address_column(fmt.columns, [], column)
    return fmt


def _detect_xlsx(path: Path, column: str | None, sheet: str | None) -> InputFormat:
    """A worksheet has no parsing ambiguity: a cell to the right of the header is data, so the
    header is widened to the widest row with generated names, `column5` for the fifth column,
    as for a file without a header. Finding the widest row reads the sheet to its end, unless
    the sheet's declared dimension (beyond which openpyxl reads nothing) is reached first."""
    rows: list[list[str]] = []
    width = 0
    for cells, bound in sized_rows(path, sheet):
        width = max(width, len(cells))
        if len(rows) < 201 + config.MAX_TITLE_ROWS:
            rows.append(cells)
        elif bound is not None and width >= bound:
            break
    if not rows:
        raise InputError(f"worksheet has no rows: {path}")
    k = title_rows(rows[:config.MAX_TITLE_ROWS + 1], _header_test(column), _name_test(column))
    header = rows[k]
    # A header narrower than the sheet (a row with an empty last cell, or no header at all
    # but a title) must not hide the columns to its right from --column N or from the search
    # for addresses.
    idx, has_header = find_address_column(header + [""] * (width - len(header)),
                                          rows[k + 1:k + 201], column)
    named = header if has_header else []
    columns = [*named, *(f"column{i + 1}" for i in range(len(named), width))]
    # sized_rows leaves empty rows out: the titles are all the rows the reader skips.
    return InputFormat("xlsx", "utf-8", False, ",", has_header, columns, idx, sheet,
                       titles=rows[:k], above=k,
                       address_hint=_hint(columns, rows[k + 1:k + 201], idx,
                                          column is None and has_header))


def _hint(columns: list[str], rows: list[list[str]], idx: int,
          named: bool) -> tuple[str, int, int, int] | None:
    """The address_hint of a column chosen by its header's name (not for --column, nor for
    a column chosen by its content, which is already the fullest)."""
    found = address_column_hint(columns, rows, idx) if named else None
    if found is None:
        return None
    i, hits, have = found
    return columns[i], hits, have, min(len(rows), 200)
