"""Ingest: detect a contact file's shape (encoding, delimiter, header, address column) and load
every record into the store, one row per record, nothing dropped.

Fast path: a clean UTF-8 CSV is read by DuckDB's parallel CSV reader in strict mode. Anything
DuckDB refuses (broken quoting, ragged rows, other encodings, text and XLSX files) goes through
Python's csv module, which never drops a record: it writes a canonical UTF-8 CSV in which each
record is either its fields or, if it cannot be aligned with the header, its raw text flagged
`unparseable_row`; DuckDB then loads that file.

Both readers follow the same rules (`split_records`, `_aligned`), so the same text gives the same
rows whatever its encoding: a UTF-8 file DuckDB accepts holds only records Python would read the
same way, and a file it refuses is read by Python.

Modules: `encoding`, `columns` (names, the address column), `records` (splitting text into
records), `detect` (InputFormat), `load` (into the store)."""

from __future__ import annotations

from mailhygiene.ingest.columns import (
    address_column_hint,
    column_key,
    find_address_column,
    is_address_name,
    is_own_column,
    norm_header,
    own_columns,
)
from mailhygiene.ingest.detect import (
    DELIMITERS,
    OLE2_MAGIC,
    SAMPLE_BYTES,
    InputFormat,
    check_input_file,
    detect_format,
    line_ending,
    reads_as_workbook,
    sha256_file,
    sniff_delimiter,
)
from mailhygiene.ingest.encoding import (
    detect_encoding,
    python_decoding,
)
from mailhygiene.ingest.load import (
    LoadResult,
    load_input,
    remove_stale_copies,
)
from mailhygiene.ingest.records import (
    MAX_RECORD_BYTES,
    split_records,
    xlsx_rows,
)

# Part of an import's reuse signature (pipeline._params_signature): raised whenever a change
# here reads some file differently, so that a store does not reuse an import made by the
# earlier rules (2: runaway quotes, trailing delimiters, XLSX cells beyond the header, NULs;
# 3: UTF-16 without a BOM; 4: XLSX formulas without a cached value read as their text;
# 5: tab-delimited .txt files read as tables; 6: Excel's `sep=X` first line read as the
# delimiter, not as the header; 7: title rows and blank lines above the header skipped, not
# read as the header; 8: the same in one-column lists, above a line such as `email`; 9: in
# one-column CSVs, titles holding a delimiter too).
READER_VERSION = 9

__all__ = [
    "DELIMITERS",
    "MAX_RECORD_BYTES",
    "OLE2_MAGIC",
    "READER_VERSION",
    "SAMPLE_BYTES",
    "InputFormat",
    "LoadResult",
    "address_column_hint",
    "check_input_file",
    "column_key",
    "detect_encoding",
    "detect_format",
    "find_address_column",
    "is_address_name",
    "is_own_column",
    "line_ending",
    "load_input",
    "norm_header",
    "own_columns",
    "python_decoding",
    "reads_as_workbook",
    "remove_stale_copies",
    "sha256_file",
    "sniff_delimiter",
    "split_records",
    "xlsx_rows",
]
