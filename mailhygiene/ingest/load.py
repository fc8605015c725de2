"""Loading a contact file into the store, one row per record, nothing dropped: DuckDB's parallel
reader for clean UTF-8 CSV files, else a canonical UTF-8 copy written by Python's reader."""

from __future__ import annotations

import csv
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mailhygiene.errors import InputError
from mailhygiene.ingest import records  # records.MAX_RECORD_BYTES: one bound for both readers
from mailhygiene.ingest.detect import InputFormat
from mailhygiene.ingest.encoding import python_decoding
from mailhygiene.ingest.records import _aligned, _blank, split_records, xlsx_rows
from mailhygiene.store import Store
from mailhygiene.store.core import remove_scratch, scratch

_WS_SQL = "||".join(f"chr({c})" for c in (32, 9, 10, 13, 11, 12))


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
        except Exception:  # not Ctrl-C: Store.execute gives it back as KeyboardInterrupt
            store.execute(f'DROP TABLE IF EXISTS "{table}"')
        if store.table_exists(table):
            store.execute(f'DROP TABLE "{table}"')
    # beside the store, not in the system temp directory: see store.core.scratch
    prefix, where = scratch(store, "ingest")
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


def remove_stale_copies(store: Store) -> None:
    """Removes the copies of lists that killed runs left beside the store (store.core.scratch:
    inputs' canonical copies, cleaned lists on their way to a stream). Called before any
    import of this process starts (pipeline.drop_orphan_inputs): the store is held by one
    process, and `import_pair`'s two imports, which run at once, come after it."""
    for kind in ("ingest", "out"):
        remove_scratch(store, kind)


def _load_duckdb(store: Store, path: Path, fmt: InputFormat, table: str, n: int) -> int:
    cols = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(1, n + 1))
    delim = fmt.delimiter.replace("'", "''")
    # With one column a blank line reads as a record (NULL, or its spaces); blank lines
    # (nothing, or spaces and tabs) are not records, as in the multi-column reader, while a
    # quoted "" is (read as '' here, not NULL). (The trim, costly in DuckDB, only runs on
    # cells starting with a control or space.)
    store.execute(
        f'CREATE TEMP TABLE "{table}" AS SELECT row_number() OVER () AS row_no, *, '
        f"NULL::VARCHAR AS mh_parse_error FROM read_csv(?, skip={bool(fmt.preamble) + fmt.above}, "
        f"header={str(fmt.header).lower()}, auto_detect=false, delim='{delim}', quote='\"', "
        f"escape='\"', strict_mode=true, null_padding=false, "
        f"max_line_size={records.MAX_RECORD_BYTES}, "
        f"allow_quoted_nulls={str(n > 1).lower()}, columns={{{cols}}})",
        [str(path)],
    )
    count = f'SELECT count(*) FROM "{table}"'
    rows = int(store.scalar(count))
    if not rows:
        # DuckDB's strict reader gives no row, and no error, for a file whose header is
        # ill-formed (`"Nom, Prénom" (client),Email`) whatever follows: a file without data
        # rows is refused by the Python reader, which reads the others.
        raise InputError("no row read: read by the Python reader")
    blank = f"c1 IS NULL OR (c1 <> '' AND ascii(c1) <= 32 AND trim(c1, {_WS_SQL}) = '')"
    if n == 1 and store.scalar(f'SELECT count(*) FROM "{table}" WHERE {blank}'):
        # Such a record is a blank line, or a line of delimiters (an empty cell and empty
        # ones beyond the header), which is a record: DuckDB reads both alike.
        if _has_delimiter_only_line(path, fmt):
            raise InputError("a line of delimiters only: read by the Python reader")
        store.execute(f'CREATE OR REPLACE TEMP TABLE "{table}" AS SELECT row_number() OVER () '
                      f'AS row_no, c1, mh_parse_error FROM "{table}" WHERE NOT ({blank}) '
                      "ORDER BY row_no")
        rows = int(store.scalar(count))
    return rows


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


def _optional_tail(fmt: InputFormat) -> int:
    """How many of the header's last columns are unnamed (an Excel export's trailing delimiter):
    rows may leave them out."""
    if not fmt.header or fmt.kind != "csv":
        return 0
    k = 0
    while k < len(fmt.columns) - 1 and fmt.columns[-1 - k] == "":
        k += 1
    return k


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
