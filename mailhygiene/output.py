"""The cleaned list: every input row and column in the original order, plus the mh_* columns,
written atomically (temp file in the target directory + rename)."""

from __future__ import annotations

import codecs
import csv
import errno
import os
import re
import shutil
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from mailhygiene import config
from mailhygiene.errors import InputError
from mailhygiene.ingest import InputFormat, column_key, own_columns
from mailhygiene.outfile import PART_SUFFIX, real_target, remove_stale_temps, replacing
from mailhygiene.pipeline import BaseRef
from mailhygiene.store import Store
from mailhygiene.store.core import remove_scratch, scratch, sql_path
from mailhygiene.store.txn import in_transaction
from mailhygiene.types import Status

# OWASP "CSV injection": a cell starting with one of these is run as a formula by spreadsheet
# programs; a leading apostrophe makes it text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
WIDE_COLUMNS = 512  # beyond this many input columns the cleaned CSV is written from Python
# Code points of FORMULA_PREFIXES: ascii() reads the first character without slicing the
# string, which DuckDB does on UTF-8 at a cost on every cell. A list, not IN (...): DuckDB
# plans an IN list as a join, one per column (a 10,000-column file took 13 s to write).
_FORMULA_FIRST = "[" + ", ".join(str(ord(p)) for p in FORMULA_PREFIXES) + "]"


def _neutralize_sql(expr: str) -> str:
    # An E.164 number (+212612345678) is not a formula: spreadsheets read it as a number. The
    # regex sits in a nested CASE so that it only runs on cells starting with a prefix (DuckDB
    # may evaluate both sides of an AND).
    return (f"CASE WHEN list_contains({_FORMULA_FIRST}, ascii({expr})) THEN "
            f"CASE WHEN regexp_full_match({expr}, '\\+[0-9]{{3,15}}') THEN {expr} "
            f"ELSE '''' || {expr} END ELSE nullif({expr}, '') END")


_E164 = re.compile(r"\+[0-9]{3,15}")


def neutralize(value: str) -> str:
    """Pure twin of the SQL rule, for values written from Python."""
    if value.startswith(FORMULA_PREFIXES) and not _E164.fullmatch(value):
        return "'" + value
    return value


def parse_only(only: str | None) -> set[str] | None:
    """`--only valid,unknown`: status names, any case, comma-separated."""
    if only is None:
        return None
    wanted = {s.strip().lower() for s in only.split(",") if s.strip()}
    known = {s.value for s in Status}
    if not wanted:
        raise InputError(f"--only: no status given; choose from {', '.join(sorted(known))}")
    bad = wanted - known
    if bad:
        raise InputError(
            f"--only: unknown status {', '.join(sorted(bad))}; "
            f"choose from {', '.join(sorted(known))}"
        )
    return wanted


_DELIMITER_NAMES = {"\\t": "\t", "tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|",
                    "space": " "}


def parse_delimiter(value: str | None, option: str) -> str | None:
    """A CSV delimiter option: one character, or a name (`tab`, `\\t` as typed in a shell,
    `semicolon`...). Refused: the quote character, line breaks and NUL, which would make the
    file unreadable."""
    if value is None:
        return None
    d = _DELIMITER_NAMES.get(value.lower(), value)
    if len(d) != 1 or d in "\"\r\n\0":
        raise InputError(f"{option}: {value!r} is not a usable delimiter; give one character "
                         "such as , ; | or tab")
    return d


def parse_encoding(value: str | None, option: str) -> str | None:
    """A text encoding Python knows, by its canonical name (UTF8 -> utf-8)."""
    if value is None:
        return None
    try:
        info = codecs.lookup(value)
    except LookupError:
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise InputError(f"{option}: unknown text encoding {value!r} (e.g. utf-8, cp1252)")
    return info.name


def write_cleaned(store: Store, base: BaseRef, out: str | Path, *,
                  only: Iterable[str] | None = None,
                  delimiter: str | None = None, encoding: str | None = None,
                  neutralize_formulas: bool = True) -> int:
    """Writes the cleaned CSV; returns the number of data rows written."""
    out_path = Path(out)
    if out_path.suffix.lower() in (".xlsx", ".xlsm"):
        raise InputError("cleaned output is written as CSV; give -o a .csv name")
    fmt = base.fmt
    delimiter = parse_delimiter(delimiter, "--out-delimiter")
    encoding = parse_encoding(encoding, "--out-encoding")
    delim = delimiter or (fmt.delimiter if fmt.kind == "csv" else ",")
    enc = encoding or _output_encoding(fmt.encoding)
    bom = fmt.bom if encoding is None else False
    if enc in _WITH_BOM:  # Python's utf-16/32 codecs put a BOM before every chunk written
        enc, bom = _WITH_BOM[enc], True
    newline = fmt.newline  # a Windows (CRLF) file stays one
    n = len(fmt.columns)
    extras = store.fetchall(
        "SELECT table_name, columns FROM output_extras WHERE base_id = ? ORDER BY position, "
        "table_name", [base.base_id])
    # Extras stored with one row per input row in input order join positionally too (no
    # hash join, no sort of the whole output); others by row_no, then sorted.
    positional, keyed = [], []
    for j, (table, _cols) in enumerate(extras):
        alias = f"x{j}"
        if _in_row_order(store, table, base.rows):
            positional.append((table, alias))
        else:
            keyed.append(f'LEFT JOIN "{table}" {alias} ON {alias}.row_no = i.row_no')
    header, cells = _output_cells(fmt, n, extras)
    wrap = _neutralize_sql if neutralize_formulas else (lambda e: f"nullif({e}, '')")
    select = [wrap(e) if kind == _CELL else f"nullif({e}, '')" if kind == _OWN else e
              for e, kind in cells]
    where = ""
    if only is not None:
        statuses = ", ".join("'" + s.replace("'", "''") + "'" for s in sorted(only))
        where = f"WHERE c.status IN ({statuses})"

    def source_of(rows: tuple[int, int] | None) -> str:
        """The joined rows, all of them or those whose row_no is in `rows` (inclusive)."""
        cut = f" WHERE row_no BETWEEN {rows[0]} AND {rows[1]}" if rows else ""
        cut_c = f" AND row_no BETWEEN {rows[0]} AND {rows[1]}" if rows else ""
        joins = [f'POSITIONAL JOIN (SELECT * FROM "{t}"{cut}) {a}' for t, a in positional]
        return (
            f'FROM (SELECT * FROM "{base.table}"{cut}) i POSITIONAL JOIN '
            f"(SELECT * FROM contacts WHERE base_id = {base.base_id}{cut_c}) c "
            f"{' '.join(joins + keyed)} {where} {'ORDER BY i.row_no' if keyed else ''}"
        )

    select[0] = _aligned(select[0])
    # In the common case (UTF-8 without BOM, distinct plain header names) DuckDB writes the
    # final file itself, header included; otherwise a body is written and assembled.
    direct = (n <= WIDE_COLUMNS and enc == "utf-8" and not bom and _plain_header(header)
              and not fmt.preamble and not fmt.titles)
    names = header if direct else [f"o{k}" for k in range(1, len(select) + 1)]
    select = [f'{e} AS "{_ident(a)}"' for e, a in zip(select, names, strict=True)]
    columns = ", ".join(select)
    force_opt = ""
    if n <= WIDE_COLUMNS:
        force = _columns_with_cr(store, base, n)
        quoted = ", ".join(f'"{_ident(names[k - 1])}"' for k in force)
        force_opt = f", FORCE_QUOTE ({quoted})" if force else ""
    copy_opts = (f"DELIMITER '{delim.replace(chr(39), chr(39) * 2)}', QUOTE '\"', ESCAPE '\"', "
                 f"NEW_LINE '{_NEW_LINES[newline]}'")
    opts = f"{copy_opts}{force_opt}"
    with _atomic_part(store, out_path) as part:
        if direct:
            _copy_rows(store, base.rows, columns, source_of, part, opts, header=True)
        else:
            # Excel's delimiter line, if the input had one, names the output's delimiter;
            # the rows above the header (a title) come back where they were.
            preamble = f"sep={delim}{newline}" if fmt.preamble else ""
            head = preamble + "".join(_header_line(t, delim, newline) for t in fmt.titles)
            _write_assembled(store, base.rows, cells, columns, source_of, n,
                             head + _header_line(header, delim, newline), part, opts,
                             delim, newline, enc, bom, neutralize_formulas,
                             strict=encoding is not None)
    written = store.scalar(
        f"SELECT count(*) FROM contacts c WHERE c.base_id = {base.base_id} "
        + (where.replace("WHERE", "AND") if where else "")
    )
    return int(written)


_WRITE_FAILURES = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO}


@contextmanager
def _atomic_part(store: Store, out_path: Path) -> Iterator[Path]:
    """The file to write, which replaces `out_path` when the block succeeds (outfile.py);
    leftovers of earlier killed runs beside it are removed after a success. A stream's copy
    is made beside the store, not in the system temp directory (store.core.scratch), where
    killed runs' copies are removed first. A file system that refuses the data (full, over
    quota, read-only, failing) is an error of the output, said in one line (exit 2) as
    check_writable says the others, not an internal error."""
    remove_scratch(store, "out")
    try:
        with replacing(out_path, scratch=scratch(store, "out")) as part:
            yield part
    except OSError as e:
        if e.errno not in _WRITE_FAILURES:
            raise
        raise InputError(f"cannot write {out_path}: {e.strerror or e}") from e
    target = real_target(out_path)
    if target.is_file():
        remove_stale_temps(target.parent, target.name, PART_SUFFIX)


def _copy_rows(store: Store, rows: int, columns: str,
               source_of: Callable[[tuple[int, int] | None], str], target: Path,
               copy_opts: str, *, header: bool) -> None:
    """COPY of the joined rows to `target`. A positional join runs on one thread, so a large
    base is written as row ranges side by side, one per DuckDB thread, each on its own
    connection, and the pieces are appended in order (1M rows of 8 columns and phone
    numbers: 1.4 s on one thread). Inside an open transaction (other connections would not
    see its rows) it stays one COPY."""
    # The target is already a temp file (outfile.replacing): DuckDB's own temp file beside it
    # (tmp_<name>) would be one more copy of the data for a killed run to leave behind.
    opts = f"FORMAT csv, USE_TMP_FILE false, {copy_opts}"
    ranges = _row_ranges(store, rows)
    if len(ranges) < 2 or in_transaction(store):
        path = sql_path(target)
        store.execute(f"COPY (SELECT {columns} {source_of(None)}) TO '{path}' "
                      f"({opts}, HEADER {str(header).lower()})")
        return
    pieces = [target] + [_piece(target, k) for k in range(1, len(ranges))]

    def copy(k: int) -> None:
        cur = store.cursor()
        try:
            with_header = str(header and k == 0).lower()
            path = sql_path(pieces[k])
            cur.execute(f"COPY (SELECT {columns} {source_of(ranges[k])}) TO '{path}' "
                        f"({opts}, HEADER {with_header})")
        finally:
            cur.close()

    try:
        with ThreadPoolExecutor(max_workers=len(ranges)) as pool:
            for done in [pool.submit(copy, k) for k in range(len(ranges))]:
                done.result()
        with target.open("r+b") as out:
            out.seek(0, os.SEEK_END)
            for piece in pieces[1:]:
                with piece.open("rb") as src:
                    _append(src, out)
    finally:
        for piece in pieces[1:]:
            piece.unlink(missing_ok=True)


def _append(src: BinaryIO, out: BinaryIO) -> None:
    """`src` copied to `out` at its position, in the kernel where it can (copy_file_range:
    a fifth of the time of a copy through Python's buffers, 0.02 s against 0.1 s for half a
    1M-row file), else through buffers."""
    try:
        while os.copy_file_range(src.fileno(), out.fileno(), 1 << 30):
            pass
    except OSError:  # not offered by this file system or kernel: from where it stopped
        out.seek(0, os.SEEK_END)
        shutil.copyfileobj(src, out, 8 * 1024 * 1024)


def _piece(target: Path, k: int | str) -> Path:
    """Piece k of a ranged write: `.out.csv.X1b2.part` -> `.out.csv.X1b2.1.part`, a name the
    clean-up of a killed run's temp files (outfile.remove_stale_temps) matches. The piece is created
    empty and private (0600), as mkstemp makes the main temp file: it holds the list's
    addresses, and DuckDB's COPY (or Python) then writes into it keeping that mode, instead of
    creating it with the umask's (0644: readable by every local user while it is written, and
    after a kill -9 until the next run)."""
    piece = target.with_name(f"{target.stem}.{k}{target.suffix}")
    os.close(os.open(piece, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    os.chmod(piece, 0o600)  # an older leftover of that name keeps its mode otherwise
    return piece


def _row_ranges(store: Store, rows: int) -> list[tuple[int, int]]:
    """Row-number ranges for a parallel write: one per DuckDB thread, none below
    config.PARALLEL_WRITE_ROWS rows each. The ends are open, so that every stored row falls
    in one range whatever its number."""
    threads = int(store.scalar("SELECT current_setting('threads')") or 1)
    k = max(1, min(threads, rows // config.PARALLEL_WRITE_ROWS))
    step = -(-rows // k)
    cuts = list(range(1, rows + 1, step))[1:]
    return list(zip([-_OPEN, *cuts], [*(c - 1 for c in cuts), _OPEN], strict=True))


_OPEN = 2**62  # beyond any row number


def _write_assembled(store: Store, rows: int, cells: list[tuple[str, str]], columns: str,
                     source_of: Callable[[tuple[int, int] | None], str], n: int,
                     head: str, target: Path, copy_opts: str, delim: str,
                     newline: str, enc: str, bom: bool, neutralize_formulas: bool, *,
                     strict: bool) -> None:
    """Body by DuckDB (or Python for wide files), then BOM + `head` (the header line, after
    Excel's delimiter line and the title rows when the input had them) + body, transcoded if
    the output encoding is not UTF-8, into `target`. The body is a temp file beside `target`
    (`.out.csv.X1b2.body.part`), never in the system temp directory: a run killed while it
    writes (kill -9, SIGTERM from a scheduler's timeout) leaves it where the next successful
    run removes it (outfile.remove_stale_temps), not a copy of the whole list in /tmp for good."""
    body = _piece(target, "body")
    try:
        if n > WIDE_COLUMNS:
            _write_body_python(store, [e for e, _ in cells], source_of(None), body, delim,
                               newline, neutralize_formulas)
        else:
            _copy_rows(store, rows, columns, source_of, body, copy_opts, header=False)
        with target.open("wb") as f:
            if bom:
                f.write(_BOMS.get(enc, b""))
            f.write(_encode(head, enc, strict))
            with body.open("rb") as src:
                if enc in ("utf-8", "utf-8-sig"):
                    shutil.copyfileobj(src, f, 8 * 1024 * 1024)
                else:
                    _transcode(src, f, enc, strict)
    finally:
        body.unlink(missing_ok=True)


def _plain_header(header: list[str]) -> bool:
    """Header names DuckDB writes exactly as csv.writer would: non-empty, distinct even
    ignoring case (DuckDB renames duplicates), and not formula-like (they would need the
    apostrophe)."""
    folded = [h.casefold() for h in header]
    return (all(h and neutralize(h) == h and "\r" not in h and "\n" not in h for h in header)
            and len(set(folded)) == len(folded))


def _ident(name: str) -> str:
    return name.replace('"', '""')


def _write_body_python(store: Store, cells: list[str], source: str, body: Path, delim: str,
                       newline: str, neutralize_formulas: bool) -> None:
    """Writer for very wide files: DuckDB plans one expression per column, and thousands of
    them exhaust it; here the rows are streamed and each cell is neutralized in Python. The
    rows come from the same positional join as DuckDB's writer (sorting rows of 10,000
    columns took 10 s, even for one row)."""
    cols = list(cells)
    cols[0] = _aligned(cols[0])
    sql = f'SELECT {", ".join(cols)} {source}'
    fix = neutralize if neutralize_formulas else (lambda v: v)
    with body.open("w", encoding="utf-8", newline="") as f:
        plain = csv.writer(f, delimiter=delim, lineterminator=newline)
        quoted = csv.writer(f, delimiter=delim, lineterminator=newline, quoting=csv.QUOTE_ALL)
        for row in store.stream(sql):
            cells_out = ["" if v is None else fix(str(v)) for v in row]
            (quoted if any("\r" in c for c in cells_out) else plain).writerow(cells_out)


def _aligned(first_cell: str) -> str:
    """The first output cell, checked: both sides of the positional join are stored in input
    order (no hash join, no sort of the whole base), and a misaligned row becomes an error
    rather than a wrong file."""
    return (f"CASE WHEN i.row_no <> c.row_no THEN error('row order mismatch') "
            f"ELSE {first_cell} END")


def _in_row_order(store: Store, table: str, rows: int) -> bool:
    """True when `table` holds row_no 1..rows exactly, stored in that order."""
    row = store.fetchone(f'SELECT count(*), bool_and(row_no = rn) FROM (SELECT row_no, '
                         f'row_number() OVER () AS rn FROM "{table}")')
    return row is not None and row[0] == rows and bool(row[1])


# How an output cell is written: input data (neutralized against formulas), this tool's own
# words (never formulas), or a number.
_CELL, _OWN, _NUMBER = "cell", "own", "number"


def _output_cells(fmt: InputFormat, n: int, extras: list[tuple[Any, ...]],
                  ) -> tuple[list[str], list[tuple[str, str]]]:
    """The cleaned row's header and (VARCHAR expression, kind) per column: the input columns
    (`i` the input table, `c` contacts: the address cell is stored once, as contacts.raw,
    exactly as read), then the mh_* columns, then the extras' (`x<j>`). In a file cleaned
    before (ingest.own_columns), an mh_* column the input already has takes its place instead
    of being appended twice; the address column itself is always the input's."""
    address = fmt.address_index
    header = list(fmt.columns)
    cells = [("c.raw" if k == address else f'i."c{k + 1}"', _CELL) for k in range(n)]
    ours: list[tuple[str, str, str]] = [
        ("mh_status", "c.status", _OWN), ("mh_reason", "c.reason", _OWN),
        ("mh_evidence", "c.evidence", _OWN), ("mh_address", "c.address", _CELL),
        ("mh_flags", "c.flags", _OWN), ("mh_duplicate_of", "CAST(c.dup_of AS VARCHAR)", _NUMBER)]
    assert tuple(name for name, _, _ in ours) == config.OUTPUT_COLUMNS
    for j, (_table, cols) in enumerate(extras):
        ours += [(col, f'CAST(x{j}."{col}" AS VARCHAR)', _CELL) for col in cols]
    at: dict[str, list[int]] = {}
    for k in own_columns(header) - {address}:
        at.setdefault(column_key(header[k]), []).append(k)
    for name, expr, kind in ours:
        places = at.get(name.casefold())
        if places:
            for k in places:
                cells[k] = (expr, kind)
        else:
            header.append(name)
            cells.append((expr, kind))
    return header, cells


def _columns_with_cr(store: Store, base: BaseRef, n: int) -> list[int]:
    """Input columns holding a carriage return: DuckDB's writer quotes fields with a newline
    but not with a lone CR, which spreadsheet programs and csv readers take as a line break."""
    # Each table is scanned on its own (a positional join would run on one thread).
    address = base.fmt.address_index + 1
    others = [k for k in range(1, n + 1) if k != address]
    found = set()
    if others:
        exprs = ", ".join(f'bool_or(contains("c{k}", chr(13)))' for k in others)
        row = store.fetchone(f'SELECT {exprs} FROM "{base.table}"')
        found = {k for k, v in zip(others, row or (), strict=False) if v}
    if store.scalar("SELECT bool_or(contains(raw, chr(13))) FROM contacts WHERE base_id = ?",
                    [base.base_id]):
        found.add(address)
    return sorted(found)


def _output_encoding(input_encoding: str) -> str:
    if input_encoding in ("cp1252", "latin-1", "utf-16", "utf-16-le", "utf-16-be"):
        return input_encoding
    return "utf-8"  # utf-8 and mixed (UTF-8 with cp1252 lines) files are written as UTF-8


# Byte-order-marked encodings are written in little-endian order after one BOM.
# DuckDB's COPY option, as an escaped string (E'...' is not needed in an option).
_NEW_LINES = {"\n": "\\n", "\r\n": "\\r\\n", "\r": "\\r"}
_WITH_BOM = {"utf-16": "utf-16-le", "utf-32": "utf-32-le"}
_BOMS = {"utf-8": codecs.BOM_UTF8, "utf-8-sig": codecs.BOM_UTF8,
         "utf-16-le": codecs.BOM_UTF16_LE, "utf-32-le": codecs.BOM_UTF32_LE}


def _header_line(header: list[str], delim: str, newline: str) -> str:
    import io

    cells = [neutralize(h) for h in header]
    buf = io.StringIO()
    # csv quotes a lone CR only when the line ending holds one, and readers break lines there
    if any("\r" in c for c in cells):
        csv.writer(buf, delimiter=delim, lineterminator=newline,
                   quoting=csv.QUOTE_ALL).writerow(cells)
    else:
        csv.writer(buf, delimiter=delim, lineterminator=newline).writerow(cells)
    return buf.getvalue()


def _encode(text: str, enc: str, strict: bool) -> bytes:
    """`text` in the output encoding. One asked for (--out-encoding) must hold every
    character: a '?' in place of a letter would corrupt names and addresses silently."""
    try:
        return text.encode(enc, errors="strict" if strict else "replace")
    except UnicodeEncodeError as e:
        # One character is named, never the run around it: that would show a name or part of
        # an address in a message (the data are personal).
        char = e.object[e.start]
        name = unicodedata.name(char, "unnamed character")
        raise InputError(f"--out-encoding {enc} cannot encode U+{ord(char):04X} ({name}), "
                         "found in the data; choose an encoding that can (utf-8 encodes "
                         "everything)") from None


def _transcode(src: object, dst: object, enc: str, strict: bool) -> None:
    dec = codecs.getincrementaldecoder("utf-8")(errors="replace")
    while True:
        chunk = src.read(4 * 1024 * 1024)  # type: ignore[attr-defined]
        text = dec.decode(chunk, final=not chunk)
        dst.write(_encode(text, enc, strict))  # type: ignore[attr-defined]
        if not chunk:
            break

