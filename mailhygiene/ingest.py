"""Ingest: detect a contact file's shape (encoding, delimiter, header, address column) and load
every record into the store, one row per record, nothing dropped.

Fast path: a clean UTF-8 CSV is read by DuckDB's parallel CSV reader in strict mode. Anything
DuckDB refuses (broken quoting, ragged rows, other encodings, text and XLSX files) goes through
Python's csv module, which never drops a record: it writes a canonical UTF-8 CSV in which each
record is either its fields or, if it cannot be aligned with the header, its raw text flagged
`unparseable_row`; DuckDB then loads that file.

Both readers follow the same rules (`split_records`, `_aligned`), so the same text gives the same
rows whatever its encoding: a UTF-8 file DuckDB accepts holds only records Python would read the
same way, and a file it refuses is read by Python."""

from __future__ import annotations

import codecs
import csv
import glob
import hashlib
import io
import re
import shutil
import tempfile
import unicodedata
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from mailhygiene import config
from mailhygiene.errors import InputError
from mailhygiene.privacy import mask_text
from mailhygiene.store import Store
from mailhygiene.titles import list_header, title_rows
from mailhygiene.xlsx import sized_rows

SAMPLE_BYTES = 256 * 1024
_WS_SQL = "||".join(f"chr({c})" for c in (32, 9, 10, 13, 11, 12))
# Part of an import's reuse signature (pipeline._params_signature): raised whenever a change
# here reads some file differently, so that a store does not reuse an import made by the
# earlier rules (2: runaway quotes, trailing delimiters, XLSX cells beyond the header, NULs;
# 3: UTF-16 without a BOM; 4: XLSX formulas without a cached value read as their text;
# 5: tab-delimited .txt files read as tables; 6: Excel's `sep=X` first line read as the
# delimiter, not as the header; 7: title rows and blank lines above the header skipped, not
# read as the header; 8: the same in one-column lists, above a line such as `email`).
READER_VERSION = 8
DELIMITERS = (",", ";", "\t", "|")
# The longest record that may span several lines, in UTF-8 bytes without its final line break:
# what DuckDB's max_line_size counts (measured), so both readers draw the line at one place.
# Not lower: with max_line_size at 8 MiB DuckDB's reader fills the stored tables less densely
# (the 1M-row demo-shaped store grew from 139 to 164 MB and its check took 0.7 s longer).
MAX_RECORD_BYTES = 128 * 1024 * 1024
# Python's csv refuses fields over 128 KiB by default; hostile files have 1 MB lines.
csv.field_size_limit(MAX_RECORD_BYTES)


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
        head = f.read(4096)
    if head.startswith(codecs.BOM_UTF8):
        bom, skip = True, 3
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", True
    elif (order := _utf16_without_bom(head)) is not None:
        return order, False
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


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 written without a byte-order mark (some Windows exports): a text in which at
    least every other character's high byte is NUL, always on the same side. None for
    anything else (a NUL here and there is a broken cell, not an encoding)."""
    pairs = len(sample) // 2
    if pairs < 8:
        return None
    even = sample[0:2 * pairs:2].count(0)
    odd = sample[1:2 * pairs:2].count(0)
    # Addresses, digits and delimiters are ASCII (a NUL high byte); names in other scripts
    # are not, hence "half", while the low byte of a character is almost never NUL.
    if odd >= 0.5 * pairs and even <= 0.05 * pairs:
        return "utf-16-le"
    if even >= 0.5 * pairs and odd <= 0.05 * pairs:
        return "utf-16-be"
    return None


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


def python_decoding(encoding: str) -> tuple[str, str]:
    if encoding == "utf-8+cp1252":
        return "utf-8", "mh_cp1252"
    if encoding == "utf-8":
        return "utf-8-sig", "strict"
    if encoding in ("utf-16", "utf-16-le", "utf-16-be"):
        return encoding, "replace"  # an odd trailing byte must not lose the whole file
    return encoding, "strict"


# --- shape ---------------------------------------------------------------------------------
def norm_header(name: str) -> str:
    """A column name as compared (case, accents, '_' and spacing folded)."""
    s = unicodedata.normalize("NFKD", name.strip().strip("\ufeff")).casefold()
    s = "".join(c for c in s if not unicodedata.combining(c))
    return " ".join(s.replace("_", " ").split())


_ADDRESS_HEADERS = [norm_header(h) for h in config.ADDRESS_HEADERS]


def column_key(name: str) -> str:
    """A column name as matched against this tool's own (mh_*): spacing, BOM and case
    folded, nothing else (norm_header also folds '_' and accents, for address headers)."""
    return name.strip().strip("\ufeff").casefold()


def is_own_column(name: str) -> bool:
    """A column named as this tool names its own (mh_status, mh_<phone>_e164...)."""
    return column_key(name).startswith(config.OUTPUT_PREFIX)


def own_columns(header: Sequence[str]) -> set[int]:
    """The columns a file cleaned before holds from an earlier run (0-based): its mh_* ones,
    when it has all of config.OUTPUT_COLUMNS. They hold verdicts, not data to check: never
    taken for the address or a phone column, and refreshed in the cleaned CSV. In any other
    file an mh_* column is the user's own data, kept as it is."""
    names = {column_key(h) for h in header}
    if not set(config.OUTPUT_COLUMNS) <= names:
        return set()
    return {i for i, h in enumerate(header) if is_own_column(h)}


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


def find_address_column(header: list[str], rows: list[list[str]],
                        column: str | None) -> tuple[int, bool]:
    """(0-based index, first row is a header). `column` is a header name or 1-based index."""
    if column is not None:
        names = [norm_header(h) for h in header]
        want = norm_header(column)
        if want in names:
            return names.index(want), True
        if column.isdigit() and 1 <= int(column) <= len(header):
            return int(column) - 1, True
        # masked before it is cut: a cut address ("karim.ben...") no longer looks like one
        shown = mask_text(", ".join(header))[:300]
        raise InputError(f"column {column!r} not found; columns are: {shown}")
    # A cleaned file's own columns (mh_address) are never taken for the address column.
    own = own_columns(header)
    names = ["" if i in own else norm_header(h) for i, h in enumerate(header)]
    # Columns whose header names an address column, best first: exact names in
    # ADDRESS_HEADERS' order, then names holding "mail" or "courriel" in column order. A name
    # can mislead ("Adresse" is often the postal address, "Mailing Street", Google Contacts'
    # "E-mail 1 - Type"): the one whose sample holds the most cells with an '@' wins, the
    # better-named on a tie, and the first of all when no sample holds one (or none was given).
    named = [names.index(w) for w in _ADDRESS_HEADERS if w in names]
    named += [i for i, n in enumerate(names)
              if ("mail" in n or "courriel" in n) and i not in named]
    if named:
        sample = rows[:200]
        found = [sum(1 for r in sample if i < len(r) and "@" in r[i]) for i in named]
        return named[found.index(max(found))], True
    # No recognisable header: the column where most values look like addresses.
    candidates = [header, *rows[:200]]
    best, best_hits = -1, 0
    for i in range(len(header)):
        if i in own:
            continue
        hits = sum(1 for r in candidates if i < len(r) and "@" in r[i])
        if hits > best_hits:
            best, best_hits = i, hits
    if best >= 0 and best_hits >= max(1, len(candidates) // 2):
        return best, "@" not in header[best]
    raise InputError(
        "no address column found (looked for a header like email, e-mail, courriel, mail, "
        "adresse, or a column of addresses); name it with --column"
    )


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


def detect_format(path: Path, *, column: str | None = None, sheet: str | None = None,
                  delimiter: str | None = None) -> InputFormat:
    check_input_file(path)
    suffix = path.suffix.lower()
    with path.open("rb") as f:
        head = f.read(8)
    if head == OLE2_MAGIC:
        raise InputError(f"{path.name} is an Excel 97-2003 (.xls) or password-protected "
                         "workbook, which cannot be read: save it as .xlsx or CSV")
    if suffix in (".xlsx", ".xlsm") or (head.startswith(b"PK\x03\x04") and is_workbook(path)):
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
                       above=at[k] if has_header else 0)


def _header_test(column: str | None) -> Callable[[Sequence[str]], bool]:
    """Whether a row can be the header (titles.title_rows): it holds the name given with
    --column or, without one (or with an index), a name find_address_column takes for the
    address column's."""
    if column is not None and not column.isdigit():
        want = norm_header(column)
        return lambda row: any(norm_header(c) == want for c in row)

    def named(row: Sequence[str]) -> bool:
        names = [norm_header(c) for c in row]
        return any(n in _ADDRESS_HEADERS or "mail" in n or "courriel" in n for n in names)

    return named


def is_address_name(cell: str) -> bool:
    """Whether a cell is an address-column name exactly (find_address_column's first rule):
    `email`, `E-mail`, `Courriel`, not "Liste emailing", a title that holds "mail"."""
    return norm_header(cell) in _ADDRESS_HEADERS


def _name_test(column: str | None) -> Callable[[str], bool]:
    """Whether a one-column list's line is its header (titles.list_header): an address-column
    name, exactly, or the name given with --column."""
    if column is None or column.isdigit():
        return is_address_name
    want = norm_header(column)
    return lambda cell: is_address_name(cell) or norm_header(cell) == want


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
                       titles=rows[:k], above=k)


def xlsx_rows(path: Path, sheet: str | None) -> Iterator[list[str]]:
    for cells, _ in sized_rows(path, sheet):
        yield cells


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
    # DuckDB's `skip` counts a line break inside a quoted title (a lone CR at least) as the
    # end of a row: such a file is left to the Python reader.
    one_line = not any("\r" in c or "\n" in c for row in fmt.titles for c in row)
    if fmt.kind == "csv" and fmt.encoding == "utf-8" and one_line:
        try:
            rows = _load_duckdb(store, path, fmt, table, n)
            return LoadResult(rows, 0, "duckdb")
        except Exception:
            store.execute(f'DROP TABLE IF EXISTS "{table}"')
        if store.table_exists(table):
            store.execute(f'DROP TABLE "{table}"')
    prefix, where = _ingest_temp(store)
    with tempfile.TemporaryDirectory(prefix=prefix, dir=where) as tmp:
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


def _ingest_temp(store: Store) -> tuple[str, str | None]:
    """Where the canonical copy of an input (every row of it) is written: beside the store,
    never in the system temp directory, where a run killed while it reads (kill -9) would
    leave a copy of the whole list for good, out of reach of `store drop` and `store
    compact`. Copies left there by killed runs are removed by `remove_stale_copies`."""
    path = Path(str(store.path))
    if str(store.path) == ":memory:" or not path.parent.is_dir():
        return "mh-ingest-", None
    return f".{path.name}.ingest-", str(path.parent)


def remove_stale_copies(store: Store) -> None:
    """Removes the canonical copies of inputs left beside the store by killed runs. Called
    before any import of this process starts (pipeline.drop_orphan_inputs): the store is held
    by one process, and `import_pair`'s two imports, which run at once, come after it."""
    prefix, where = _ingest_temp(store)
    if where is None:
        return
    for stale in Path(where).glob(f"{glob.escape(prefix)}*"):
        shutil.rmtree(stale, ignore_errors=True)


def _load_duckdb(store: Store, path: Path, fmt: InputFormat, table: str, n: int) -> int:
    cols = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(1, n + 1))
    delim = fmt.delimiter.replace("'", "''")
    # With one column a blank line reads as a record (NULL, or its spaces); blank lines
    # (nothing, or spaces and tabs) are not records, as in the multi-column reader, while a
    # quoted "" is (read as '' here, not NULL). (The trim, costly in DuckDB, only runs on
    # cells starting with a control or space.)
    store.con.execute(
        f'CREATE TEMP TABLE "{table}" AS SELECT row_number() OVER () AS row_no, *, '
        f"NULL::VARCHAR AS mh_parse_error FROM read_csv(?, skip={bool(fmt.preamble) + fmt.above}, "
        f"header={str(fmt.header).lower()}, auto_detect=false, delim='{delim}', quote='\"', "
        f"escape='\"', strict_mode=true, null_padding=false, max_line_size={MAX_RECORD_BYTES}, "
        f"allow_quoted_nulls={str(n > 1).lower()}, columns={{{cols}}})",
        [str(path)],
    )
    blank = f"c1 IS NULL OR (c1 <> '' AND ascii(c1) <= 32 AND trim(c1, {_WS_SQL}) = '')"
    if n == 1 and store.scalar(f'SELECT count(*) FROM "{table}" WHERE {blank}'):
        # Such a record is a blank line, or a line of delimiters (an empty cell and empty
        # ones beyond the header), which is a record: DuckDB reads both alike.
        if _has_delimiter_only_line(path, fmt):
            raise InputError("a line of delimiters only: read by the Python reader")
        store.execute(f'CREATE OR REPLACE TEMP TABLE "{table}" AS SELECT row_number() OVER () '
                      f'AS row_no, c1, mh_parse_error FROM "{table}" WHERE NOT ({blank}) '
                      "ORDER BY row_no")
    return int(store.scalar(f'SELECT count(*) FROM "{table}"'))


def _has_delimiter_only_line(path: Path, fmt: InputFormat) -> bool:
    """Whether a line holds the delimiter and nothing but spaces, tabs and quotes."""
    d = re.escape(fmt.delimiter.encode("utf-8"))
    line = re.compile(rb'(?m)^[ \t"]*' + d + rb'(?:[ \t"]|' + d + rb")*\r?$")
    tail = b""
    with path.open("rb") as f:
        while chunk := f.read(8 * 1024 * 1024):
            text = tail + chunk
            cut = text.rfind(b"\n") + 1
            if line.search(text, 0, cut):
                return True
            tail = text[cut:]
    return bool(line.search(tail))


def _records(path: Path, fmt: InputFormat) -> Iterator[tuple[list[str] | None, str]]:
    """Yields (fields or None if unparseable, raw text) for each record after the header."""
    skip = fmt.above + fmt.header  # titles (and blank lines among them), then the header
    if fmt.kind == "xlsx":
        it = xlsx_rows(path, fmt.sheet)
        for _ in range(skip):
            next(it, None)
        for cells in it:
            yield cells, ""
        return
    py_enc, errors = python_decoding(fmt.encoding)
    with path.open("r", encoding=py_enc, errors=errors, newline="") as f:
        if fmt.kind == "txt":
            for line in f:
                text = line.rstrip("\r\n")  # NUL bytes kept, as in CSV files: see _LineTap
                if text.strip():
                    if skip:  # titles, then the header (blank lines are not records)
                        skip -= 1
                        continue
                    yield [text], line
            return
        if fmt.preamble:
            f.readline()  # the `sep=X` line
        n, optional = len(fmt.columns), _optional_tail(fmt)
        for rec, raw in split_records(f, fmt.delimiter,
                                       lambda r: _aligned(r, n, optional) is not None,
                                       unchecked=skip):
            if skip:
                skip -= 1
                continue
            if rec is not None and _blank(rec):
                continue
            yield rec, raw


def _blank(rec: list[str]) -> bool:
    """A blank line (or spaces and tabs), which is not a record; a quoted "" is one."""
    return not rec or (len(rec) == 1 and rec[0] != "" and not rec[0].strip())


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


def _optional_tail(fmt: InputFormat) -> int:
    """How many of the header's last columns are unnamed (an Excel export's trailing delimiter):
    rows may leave them out."""
    if not fmt.header or fmt.kind != "csv":
        return 0
    k = 0
    while k < len(fmt.columns) - 1 and fmt.columns[-1 - k] == "":
        k += 1
    return k


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


def _write_canonical(path: Path, fmt: InputFormat, out: Path) -> tuple[int, int]:
    n = len(fmt.columns)
    # XLSX rows are never wider than the (widened) header and may be shorter.
    optional = n if fmt.kind == "xlsx" else _optional_tail(fmt)
    rows = bad = 0
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
        try:
            for rec, raw in _records(path, fmt):
                rows += 1
                cells = rec if rec is None or len(rec) == n else _aligned(rec, n, optional)
                if cells is not None:
                    w.writerow([*cells, ""])
                else:
                    bad += 1
                    text = raw.rstrip("\r\n") if raw else fmt.delimiter.join(rec or [])
                    w.writerow([text, *([""] * (n - 1)), "unparseable_row"])
        except UnicodeDecodeError as e:
            raise InputError(f"cannot decode {path} as {fmt.encoding}: {e}") from e
    if rows == 0:
        raise InputError(f"input file has no data rows (only a header?): {path}")
    return rows, bad

