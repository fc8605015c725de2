"""Ingest: detect a contact file's shape (encoding, delimiter, header, address column) and load
every record into the store, one row per record, nothing dropped.

Fast path: a clean UTF-8 CSV is read by DuckDB's parallel CSV reader in strict mode. Anything
DuckDB refuses (broken quoting, ragged rows, other encodings, text and XLSX files) goes through
Python's csv module, which never drops a record: it writes a canonical UTF-8 CSV in which each
record is either its fields or, if it cannot be aligned with the header, its raw text flagged
`unparseable_row`; DuckDB then loads that file."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mailhygiene import config
from mailhygiene.errors import InputError
from mailhygiene.store import Store

SAMPLE_BYTES = 256 * 1024
_WS_SQL = "||".join(f"chr({c})" for c in (32, 9, 10, 13, 11, 12))
DELIMITERS = (",", ";", "\t", "|")
# Python's csv refuses fields over 128 KiB by default; hostile files have 1 MB lines.
csv.field_size_limit(64 * 1024 * 1024)


def _cp1252_fallback(err: UnicodeError) -> tuple[str, int]:
    """Error handler for files that are mostly UTF-8 with some cp1252 bytes (mixed exports):
    the offending bytes are read as cp1252 (latin-1 for its five undefined bytes)."""
    assert isinstance(err, UnicodeDecodeError)
    bad = err.object[err.start : err.end]
    return bad.decode("cp1252", errors="replace").replace("\ufffd", "") or bad.decode(
        "latin-1"
    ), err.end


codecs.register_error("mh_cp1252", _cp1252_fallback)


@dataclass
class InputFormat:
    kind: str  # csv | txt | xlsx
    encoding: str = "utf-8"  # utf-8 | cp1252 | latin-1 | utf-16 | utf-8+cp1252 (mixed)
    bom: bool = False
    delimiter: str = ","
    header: bool = True
    columns: list[str] = field(default_factory=list)
    address_index: int = 0  # 0-based
    sheet: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(4 * 1024 * 1024):
            h.update(chunk)
    return h.hexdigest()


# --- encoding ------------------------------------------------------------------------------
def detect_encoding(path: Path) -> tuple[str, bool]:
    """Returns (encoding, has_bom). UTF-8 is checked over the whole file (an invalid byte deep
    in a file is common in Excel exports); cp1252 is the Windows/Excel fallback in France and
    Morocco; a file with valid UTF-8 sequences *and* invalid bytes is mixed."""
    with path.open("rb") as f:
        head = f.read(4)
    if head.startswith(codecs.BOM_UTF8):
        bom, skip = True, 3
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", True
    else:
        bom, skip = False, 0
    dec = codecs.getincrementaldecoder("utf-8")()
    valid_multibyte = False
    with path.open("rb") as f:
        f.seek(skip)
        while chunk := f.read(8 * 1024 * 1024):
            try:
                text = dec.decode(chunk)
            except UnicodeDecodeError:
                return ("utf-8+cp1252" if valid_multibyte or _has_utf8_multibyte(path)
                        else _single_byte(path)), bom
            if not valid_multibyte and not text.isascii():
                valid_multibyte = True
        try:
            dec.decode(b"", final=True)
        except UnicodeDecodeError:
            return ("utf-8+cp1252" if valid_multibyte else _single_byte(path)), bom
    return "utf-8", bom


def _has_utf8_multibyte(path: Path) -> bool:
    data = path.read_bytes()
    text = data.decode("utf-8", errors="replace")
    return any(ord(c) > 127 and c != "\ufffd" for c in text)


def _single_byte(path: Path) -> str:
    data = path.read_bytes()
    try:
        data.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _python_decoding(encoding: str) -> tuple[str, str]:
    if encoding == "utf-8+cp1252":
        return "utf-8", "mh_cp1252"
    if encoding == "utf-8":
        return "utf-8-sig", "strict"
    if encoding == "utf-16":
        return "utf-16", "replace"  # an odd trailing byte must not lose the whole file
    return encoding, "strict"


# --- shape ---------------------------------------------------------------------------------
def _norm_header(name: str) -> str:
    s = unicodedata.normalize("NFKD", name.strip().strip("\ufeff")).casefold()
    s = "".join(c for c in s if not unicodedata.combining(c))
    return " ".join(s.replace("_", " ").split())


_ADDRESS_HEADERS = [_norm_header(h) for h in config.ADDRESS_HEADERS]


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


def find_address_column(header: list[str], rows: list[list[str]],
                        column: str | None) -> tuple[int, bool]:
    """(0-based index, first row is a header). `column` is a header name or 1-based index."""
    if column is not None:
        names = [_norm_header(h) for h in header]
        want = _norm_header(column)
        if want in names:
            return names.index(want), True
        if column.isdigit() and 1 <= int(column) <= len(header):
            return int(column) - 1, True
        raise InputError(f"column {column!r} not found; columns are: {', '.join(header)[:300]}")
    names = [_norm_header(h) for h in header]
    for wanted in _ADDRESS_HEADERS:
        if wanted in names:
            return names.index(wanted), True
    for i, n in enumerate(names):
        if "mail" in n or "courriel" in n:
            return i, True
    # No recognisable header: the column where most values look like addresses.
    candidates = [header, *rows[:200]]
    best, best_hits = -1, 0
    for i in range(len(header)):
        hits = sum(1 for r in candidates if i < len(r) and "@" in r[i])
        if hits > best_hits:
            best, best_hits = i, hits
    if best >= 0 and best_hits >= max(1, len(candidates) // 2):
        return best, "@" not in header[best]
    raise InputError(
        "no address column found (looked for a header like email, e-mail, courriel, mail, "
        "adresse, or a column of addresses); name it with --column"
    )


def detect_format(path: Path, *, column: str | None = None, sheet: str | None = None,
                  delimiter: str | None = None) -> InputFormat:
    if not path.exists():
        raise InputError(f"input file not found: {path}")
    if path.is_dir():
        raise InputError(f"input is a directory, not a file: {path}")
    if path.stat().st_size == 0:
        raise InputError(f"input file is empty: {path}")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _detect_xlsx(path, column, sheet)
    encoding, bom = detect_encoding(path)
    py_enc, errors = _python_decoding(encoding)
    with path.open("r", encoding=py_enc, errors=errors, newline="") as f:
        sample = f.read(SAMPLE_BYTES)
    if not sample.strip("\ufeff \r\n\t"):
        raise InputError(f"input file has no records: {path}")
    if suffix == ".txt" and delimiter is None:
        return InputFormat("txt", encoding, bom, "\n", False, ["email"], 0)
    delim = delimiter or sniff_delimiter(sample)
    try:
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delim)
        records = [r for r in reader if r][:201]
    except csv.Error as e:
        raise InputError(f"cannot read {path} as CSV: {e}") from e
    if not records:
        raise InputError(f"input file has no records: {path}")
    header = records[0]
    idx, has_header = find_address_column(header, records[1:], column)
    if len(header) == 1 and not has_header and suffix != ".csv":
        return InputFormat("txt", encoding, bom, "\n", False, ["email"], 0)
    columns = header if has_header else [f"column{i + 1}" for i in range(len(header))]
    return InputFormat("csv", encoding, bom, delim, has_header, columns, idx)


def _detect_xlsx(path: Path, column: str | None, sheet: str | None) -> InputFormat:
    rows = list(_xlsx_rows(path, sheet, limit=201))
    if not rows:
        raise InputError(f"worksheet has no rows: {path}")
    header = rows[0]
    idx, has_header = find_address_column(header, rows[1:], column)
    columns = header if has_header else [f"column{i + 1}" for i in range(len(header))]
    return InputFormat("xlsx", "utf-8", False, ",", has_header, columns, idx, sheet)


def _xlsx_cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "isoformat"):
        return str(v.isoformat())
    return str(v)


def _xlsx_rows(path: Path, sheet: str | None, limit: int | None = None) -> Iterator[list[str]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise InputError(f"cannot read {path} as XLSX: {e}") from e
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise InputError(f"sheet {sheet!r} not found; sheets: {', '.join(wb.sheetnames)}")
        ws = wb[sheet] if sheet else wb.worksheets[0]
        for n, row in enumerate(ws.iter_rows(values_only=True)):
            if limit is not None and n >= limit:
                break
            cells = [_xlsx_cell(v) for v in row]
            while cells and cells[-1] == "":
                cells.pop()
            if cells:
                yield cells
    finally:
        wb.close()


# --- loading -------------------------------------------------------------------------------
@dataclass(frozen=True)
class LoadResult:
    rows: int
    unparseable: int
    path_used: str  # "duckdb" or "python"


def load_input(store: Store, path: Path, fmt: InputFormat, table: str) -> LoadResult:
    """Creates the temp table `table` (row_no, c1..cN, mh_parse_error) with one row per input
    record. It lives in memory (spilled to disk if large): the caller persists what it keeps."""
    n = len(fmt.columns)
    if fmt.kind == "csv" and fmt.encoding == "utf-8":
        try:
            rows = _load_duckdb(store, path, fmt, table, n)
            return LoadResult(rows, 0, "duckdb")
        except Exception:
            store.execute(f'DROP TABLE IF EXISTS "{table}"')
        if store.table_exists(table):
            store.execute(f'DROP TABLE "{table}"')
    with tempfile.TemporaryDirectory(prefix="mh-ingest-") as tmp:
        canon = Path(tmp) / "canonical.csv"
        rows, bad = _write_canonical(path, fmt, canon)
        cols = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(1, n + 1))
        store.execute(
            f'CREATE TEMP TABLE "{table}" AS SELECT row_number() OVER () AS row_no, '
            f"* EXCLUDE (_e), nullif(_e, '') AS mh_parse_error FROM read_csv(?, header=false, "
            f"auto_detect=false, delim=',', quote='\"', escape='\"', strict_mode=true, "
            f"new_line='\\n', "
            f"max_line_size=134217728, columns={{{cols}, '_e': 'VARCHAR'}})",
            [str(canon)],
        )
    return LoadResult(rows, bad, "python")


def _load_duckdb(store: Store, path: Path, fmt: InputFormat, table: str, n: int) -> int:
    cols = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(1, n + 1))
    delim = fmt.delimiter.replace("'", "''")
    # With one column a blank line reads as a NULL record; blank lines are not records (the
    # csv module and the multi-column reader skip them), while a quoted "" is kept. (The
    # trim, costly in DuckDB, only runs on cells starting with a control or space.)
    blank = f"WHERE ascii(c1) > 32 OR trim(c1, {_WS_SQL}) <> ''" if n == 1 else ""
    store.con.execute(
        f'CREATE TEMP TABLE "{table}" AS SELECT row_number() OVER () AS row_no, *, '
        f"NULL::VARCHAR AS mh_parse_error FROM (SELECT * FROM read_csv(?, "
        f"header={str(fmt.header).lower()}, auto_detect=false, delim='{delim}', quote='\"', "
        f"escape='\"', strict_mode=true, null_padding=false, max_line_size=134217728, "
        f"columns={{{cols}}}) {blank})",
        [str(path)],
    )
    return int(store.scalar(f'SELECT count(*) FROM "{table}"'))


def _records(path: Path, fmt: InputFormat) -> Iterator[tuple[list[str] | None, str]]:
    """Yields (fields or None if unparseable, raw text) for each record after the header."""
    if fmt.kind == "xlsx":
        it = _xlsx_rows(path, fmt.sheet)
        if fmt.header:
            next(it, None)
        for cells in it:
            yield cells, ""
        return
    py_enc, errors = _python_decoding(fmt.encoding)
    with path.open("r", encoding=py_enc, errors=errors, newline="") as f:
        if fmt.kind == "txt":
            for line in f:
                text = line.rstrip("\r\n").replace("\x00", "")
                if text.strip():
                    yield [text], line
            return
        lines = _LineTap(f)
        reader = csv.reader(lines, delimiter=fmt.delimiter, strict=False)
        first = True
        while True:
            lines.taken.clear()
            try:
                rec = next(reader)
            except StopIteration:
                return
            except csv.Error:
                yield None, "".join(lines.taken)
                continue
            raw = "".join(lines.taken)
            if first and fmt.header:
                first = False
                continue
            first = False
            if not rec or (len(rec) == 1 and not rec[0].strip()):
                continue  # a blank or whitespace-only line is not a record
            yield rec, raw


class _LineTap:
    """Feeds csv.reader line by line while remembering the raw text of the current record, and
    strips NUL bytes (csv refuses them) - they are never part of an address."""

    def __init__(self, f: io.TextIOBase) -> None:
        self.f = f
        self.taken: list[str] = []

    def __iter__(self) -> _LineTap:
        return self

    def __next__(self) -> str:
        line = self.f.readline()
        if not line:
            raise StopIteration
        self.taken.append(line)
        return line.replace("\x00", "")


def _write_canonical(path: Path, fmt: InputFormat, out: Path) -> tuple[int, int]:
    n = len(fmt.columns)
    rows = bad = 0
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
        try:
            for rec, raw in _records(path, fmt):
                rows += 1
                if rec is not None and len(rec) == n:
                    w.writerow([*rec, ""])
                elif rec is not None and fmt.kind == "xlsx" and len(rec) < n:
                    w.writerow([*rec, *([""] * (n - len(rec))), ""])
                else:
                    bad += 1
                    text = raw.rstrip("\r\n") if raw else fmt.delimiter.join(rec or [])
                    w.writerow([text, *([""] * (n - 1)), "unparseable_row"])
        except UnicodeDecodeError as e:
            raise InputError(f"cannot decode {path} as {fmt.encoding}: {e}") from e
    if rows == 0:
        raise InputError(f"input file has no data rows (only a header?): {path}")
    return rows, bad

