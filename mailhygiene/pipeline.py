"""Wiring of the check pipeline: ingest -> normalize/syntax -> dedupe -> mx* -> smtp* ->
bounce history -> classify -> store. Set work runs in DuckDB; Python only sees what needs
per-item logic (the few addresses the bulk syntax rules leave undecided, distinct domains)."""

from __future__ import annotations

import importlib
import itertools
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailhygiene import config, syntax_fast
from mailhygiene.errors import InputError
from mailhygiene.ingest import (
    READER_VERSION,
    InputFormat,
    check_input_file,
    detect_format,
    load_input,
    remove_stale_copies,
    sha256_file,
)
from mailhygiene.normalize import folded_key_sql
from mailhygiene.store import Store
from mailhygiene.store.core import now
from mailhygiene.syntax import RULES_VERSION as SYNTAX_RULES_VERSION
from mailhygiene.syntax import check_syntax
from mailhygiene.types import Evidence, Flag, Reason, Status

Progress = Callable[[str], None]

# Whitespace that str.strip() removes and that can appear in ASCII cells.
_TRIM_SQL = "||".join(f"chr({c})" for c in (32, 9, 10, 13, 11, 12, 28, 29, 30, 31))


@dataclass(frozen=True)
class BaseRef:
    base_id: int
    name: str
    rows: int
    sha256: str
    table: str
    fmt: InputFormat
    reused: bool = False
    unparseable: int = 0
    load_path: str = ""


def _params_signature(fmt: InputFormat, fold_providers: bool) -> dict[str, Any]:
    """What an import depends on besides the file's bytes: a stored import is reused only
    when all of it matches (the reader's rules included)."""
    return {"address_index": fmt.address_index, "delimiter": fmt.delimiter,
            "header": fmt.header, "sheet": fmt.sheet, "fold_providers": fold_providers,
            "columns": len(fmt.columns), "above": fmt.above, "reader": READER_VERSION,
            "syntax": SYNTAX_RULES_VERSION}


def import_base(store: Store, path: str | Path, *, name: str | None = None,
                column: str | None = None, sheet: str | None = None,
                delimiter: str | None = None, fold_providers: bool = False,
                reuse: bool = True, progress: Progress | None = None,
                drop_orphans: bool = True, prefer_name: str | None = None) -> BaseRef:
    """Loads a contact file as a base and runs syntax + dedupe on it. An earlier import of the
    same file (path), content and options is reused (nothing is recomputed): the latest, or
    with `name` the latest of that name; without `name`, one named `prefer_name` comes
    first. Another file with the same bytes is imported anew."""
    p = Path(path)
    check_input_file(p)  # before the digest's thread opens it (a FIFO would block it)
    # The digest is computed while the format is detected: both read the whole file, and
    # hashlib releases the GIL.
    with ThreadPoolExecutor(max_workers=1) as pool:
        hashing = pool.submit(sha256_file, p)
        fmt = detect_format(p, column=column, sheet=sheet, delimiter=delimiter)
        digest = hashing.result()
    if len(fmt.columns) > config.MAX_COLUMNS:
        raise InputError(f"{p.name} has {len(fmt.columns):,} columns; at most "
                         f"{config.MAX_COLUMNS:,} are read (the most a spreadsheet holds)")
    store.make_room_for_columns(len(fmt.columns))
    sig = _params_signature(fmt, fold_providers)
    base_name = name or p.stem
    if reuse:
        # Only an import of this very file (path): a copy elsewhere, or another file with the
        # same bytes, is imported anew, so that runs, reports and evidence name the file that
        # was given, not an earlier one.
        for base_id, bname, rows, fmt_json, table in store.fetchall(
            "SELECT base_id, name, rows, format, table_name FROM bases WHERE sha256 = ? "
            "AND file = ? ORDER BY name IS NOT DISTINCT FROM ? DESC, base_id DESC",
            [digest, str(p.resolve()), prefer_name]
        ):
            stored = json.loads(fmt_json)
            if stored.get("signature") == sig and stored.get("complete") and (
                name is None or bname == name
            ):
                return BaseRef(base_id, bname, rows, digest, table, fmt, reused=True,
                               unparseable=int(stored.get("unparseable", 0)))
    if progress:
        progress(f"reading {p.name}")
    if drop_orphans:  # not while another import runs concurrently (import_pair)
        drop_orphan_inputs(store)
    base_id = int(store.scalar("SELECT nextval('base_ids')"))
    table = f"input_{base_id}"
    stage = f"_mh_stage_{base_id}"
    # Committed before anything of the base is written, removed with the bases row's commit:
    # a crash in between leaves it, and the next import then looks for leftovers.
    store.execute("INSERT INTO pending_imports VALUES (?)", [base_id])
    # The file is read into a temp table outside any transaction: DuckDB's strict reader may
    # refuse it, and a failed statement would abort the transaction. Then two transactions:
    # the input and the syntax verdicts, then the dedup and the bases row. (An update in the
    # transaction that wrote the rows makes DuckDB rewrite them at commit.) A crash leaves
    # rows of a base without a bases row, which the next import drops; a base exists only
    # once its bases row is committed.
    # DuckDB's create_function (the syntax stage's validator) imports numpy, 40 ms: done in a
    # thread while DuckDB reads the file with the GIL released. Not a daemon: an import cut
    # short by the interpreter's exit (a bad file fails fast) could crash it.
    warm = threading.Thread(target=importlib.import_module, args=("numpy",))
    warm.start()
    try:
        loaded = load_input(store, p, fmt, stage)
        if loaded.rows == 0:
            raise InputError(f"input file has no data rows (only a header?): {p}")
        if progress:
            progress(f"syntax of {loaded.rows:,} rows")
        address_col = fmt.address_index + 1
        with store.transaction():
            _persist_input(store, stage, table, len(fmt.columns), address_col)
            run_syntax(store, base_id, stage, address_col, fold_providers=fold_providers)
        store.execute(f'DROP TABLE IF EXISTS "{stage}"')
        with store.transaction():
            dedupe(store, base_id)
            fmt_json = fmt.to_json() | {"signature": sig, "complete": True,
                                        "unparseable": loaded.unparseable,
                                        "load_path": loaded.path_used}
            store.execute(
                "INSERT INTO bases VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [base_id, base_name, str(p.resolve()), digest, loaded.rows, now(),
                 json.dumps(fmt_json), table],
            )
            store.execute("DELETE FROM pending_imports WHERE base_id = ?", [base_id])
    except BaseException:
        store.execute(f'DROP TABLE IF EXISTS "{stage}"')
        store.execute(f'DROP TABLE IF EXISTS "{table}"')
        store.execute("DELETE FROM contacts WHERE base_id = ?", [base_id])
        store.execute("DELETE FROM pending_imports WHERE base_id = ?", [base_id])
        raise
    return BaseRef(base_id, base_name, loaded.rows, digest, table, fmt,
                   unparseable=loaded.unparseable, load_path=loaded.path_used)


def _persist_input(store: Store, stage: str, table: str, n: int, address_col: int) -> None:
    """Stores every input column but the address, which contacts.raw holds exactly as read:
    storing it twice would cost as much as the rest of the import (DuckDB's string
    compression). The column stays, as NULLs, so column numbers are unchanged."""
    cols = ", ".join(f"NULL::VARCHAR AS c{k}" if k == address_col else f'"c{k}"'
                     for k in range(1, n + 1))
    store.execute(f'CREATE TABLE "{table}" AS SELECT row_no, {cols}, mh_parse_error '
                  f'FROM "{stage}"')


def import_pair(store: Store, a: str | Path, b: str | Path, *, column: str | None = None,
                column_b: str | None = None) -> tuple[BaseRef, BaseRef]:
    """Imports two files at once, each on its own connection in its own thread: most of an
    import is single-threaded inside DuckDB (the validator function, the ordered insert), so
    two run side by side on two cores (`compare A B` on two files). `column` names the
    address column of A, `column_b` that of B (None: detected)."""

    drop_orphan_inputs(store)
    ca, cb = store.cursor(), store.cursor()
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            fa = pool.submit(import_base, ca, a, column=column, drop_orphans=False)
            fb = pool.submit(import_base, cb, b, column=column_b,
                             drop_orphans=False)
            return fa.result(), fb.result()
    finally:
        ca.close()
        cb.close()


def drop_orphan_inputs(store: Store) -> None:
    """Input tables and contacts of imports that never committed (crash, kill -9) are
    removed, and so are the copies of their inputs beside the store. Called before this
    process starts any import (the store is held by one process), so a row of
    `pending_imports` is one a dead import left: without any, there is nothing to look for,
    and the catalog and `contacts` are not scanned (16 ms with 1,900 tables, and a scan of
    every contacts row, at each import)."""
    remove_stale_copies(store)
    if not store.scalar("SELECT count(*) FROM pending_imports"):
        return
    for (name,) in store.fetchall(
        "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'input_%' "
        "AND table_name NOT IN (SELECT table_name FROM bases WHERE table_name IS NOT NULL)"):
        store.execute(f'DROP TABLE IF EXISTS "{name}"')
    orphans = "base_id NOT IN (SELECT base_id FROM bases)"
    if store.scalar(f"SELECT count(*) FROM contacts WHERE {orphans}"):
        store.execute(f"DELETE FROM contacts WHERE {orphans}")
    # Last: a crash during the clean-up leaves the marks, and the next import does it again.
    store.execute("DELETE FROM pending_imports")


def run_syntax(store: Store, base_id: int, table: str, address_col: int, *,
               fold_providers: bool = False, trim: bool = True) -> None:
    """Fills `contacts` for a base with its syntax verdicts: bulk verdicts in SQL,
    email-validator for the rest (each distinct undecided cell once). The dedup pass is the
    caller's (`dedupe`, in its own transaction: see import_base)."""
    c = f"c{address_col}"
    t_expr = syntax_fast.trim_sql("raw", _TRIM_SQL) if trim else "raw"
    key = "key"
    if fold_providers:
        key = folded_key_sql("key", "domain")
    unknown, invalid = Status.UNKNOWN, Status.INVALID
    sep = f"chr({ord(_SEP)})"

    def part(i: int) -> str:
        return f"nullif(split_part(s, {sep}, {i}), '')"

    # DuckDB's function catalog is shared by all connections: a name per call lets two
    # imports run at once (import_pair).
    udf = f"mh_validate_{next(_UDF_IDS)}"
    # Inner projections compute each costly value once: the shortcut for plain valid cells,
    # then the trimmed cell and the validator's verdict only for the other cells.
    src = (f"(SELECT row_no, raw, t, mh_parse_error, fast, CASE WHEN NOT fast AND "
           f"mh_parse_error IS NULL AND {syntax_fast.needs_validator_sql('t')} THEN {udf}(raw) "
           f"END AS s FROM (SELECT row_no, raw, mh_parse_error, fast, CASE WHEN fast THEN raw "
           f"ELSE {t_expr} END AS t FROM (SELECT row_no, {c} AS raw, mh_parse_error, "
           f'{syntax_fast.fast_sql(c)} AS fast FROM "{table}")))')
    # One pass: rule verdicts, and email-validator (a Python function DuckDB calls only for
    # the cells the rules leave undecided). Rows are stored in input order so the writer can
    # join them positionally.
    with store.function(udf, _validator(fold_providers, trim)):
        store.execute(
            f"""
            INSERT INTO contacts (base_id, row_no, raw, address, key, domain, syntax_ok,
                syntax_reason, syntax_flags, status, reason, evidence, flags, dup_of, detail)
            WITH f AS ({syntax_fast.verdict_select_sql(src)}
            ), j AS (
                SELECT row_no, raw, mh_parse_error,
                    CASE WHEN s IS NULL THEN ok ELSE {part(1)} = '1' END AS ok,
                    CASE WHEN s IS NULL THEN reason ELSE {part(2)} END AS reason,
                    CASE WHEN s IS NULL THEN normalized ELSE {part(3)} END AS address,
                    CASE WHEN mh_parse_error IS NOT NULL THEN NULL
                         WHEN s IS NULL THEN key ELSE {part(4)} END AS key,
                    CASE WHEN s IS NULL THEN domain ELSE {part(5)} END AS domain,
                    CASE WHEN s IS NULL THEN '' ELSE coalesce({part(6)}, '') END AS flags,
                    CASE WHEN s IS NULL THEN '' ELSE coalesce({part(7)}, '') END AS detail
                FROM f
            )
            SELECT {base_id}, row_no, raw, address, {key}, domain, coalesce(ok, false),
                CASE WHEN mh_parse_error IS NOT NULL THEN '{Reason.UNPARSEABLE_ROW}'
                     WHEN ok THEN NULL ELSE reason END,
                flags,
                CASE WHEN mh_parse_error IS NOT NULL THEN '{unknown}'
                     WHEN ok THEN '{unknown}' ELSE '{invalid}' END,
                CASE WHEN mh_parse_error IS NOT NULL THEN '{Reason.UNPARSEABLE_ROW}'
                     WHEN ok THEN '{Reason.SYNTAX_OK}' ELSE reason END,
                '{Evidence.SYNTAX}', flags, NULL, detail
            FROM j
            """
        )
    _ensure_row_order(store, base_id)


def dedupe(store: Store, base_id: int) -> None:
    """Marks every row whose key appeared on an earlier row as a duplicate of that first row.
    A hash aggregate finds the repeated keys (faster than a window over every row), and only
    their rows are joined back."""
    store.execute("DROP TABLE IF EXISTS _mh_dups")
    store.execute(
        "CREATE TEMP TABLE _mh_dups AS WITH g AS ("
        "  SELECT key, min(row_no) AS first_row FROM contacts"
        "  WHERE base_id = $b AND key IS NOT NULL GROUP BY key HAVING count(*) > 1) "
        "SELECT c.row_no, g.first_row FROM contacts c JOIN g ON c.key = g.key "
        "WHERE c.base_id = $b AND c.row_no > g.first_row", {"b": base_id})
    store.execute(
        f"UPDATE contacts SET status = '{Status.DUPLICATE}', reason = '{Reason.DUPLICATE_OF}', "
        "dup_of = d.first_row FROM _mh_dups d "
        "WHERE contacts.base_id = ? AND contacts.row_no = d.row_no", [base_id])
    store.execute("DROP TABLE IF EXISTS _mh_dups")


def _ensure_row_order(store: Store, base_id: int) -> None:
    """The cleaned CSV is written with a positional join, which needs a base's contacts in
    input order. DuckDB keeps insertion order for this plan; if a future plan did not, the
    rows are rewritten in order rather than trusted."""
    disorder = store.scalar(
        "SELECT count(*) FROM (SELECT row_no, lag(row_no) OVER () AS prev FROM contacts "
        "WHERE base_id = ?) WHERE row_no < prev", [base_id])
    if disorder:
        store.execute("CREATE TEMP TABLE _mh_reorder AS SELECT * FROM contacts WHERE base_id = ? "
                      "ORDER BY row_no", [base_id])
        store.execute("DELETE FROM contacts WHERE base_id = ?", [base_id])
        store.execute("INSERT INTO contacts SELECT * FROM _mh_reorder")
        store.execute("DROP TABLE _mh_reorder")


_UDF_IDS = itertools.count(1)
_SEP = "\x1f"  # unit separator: never in a cell the validator accepts, and stripped below


def _validator(fold_providers: bool, trim: bool) -> Callable[[str | None], str | None]:
    """email-validator's verdict packed in one string for DuckDB: ok, reason, normalized, key,
    domain, flags, detail."""

    def validate(raw: str | None) -> str | None:
        if raw is None:
            return None
        r = check_syntax(raw, fold_providers=fold_providers, trim=trim)
        flags = []
        if r.smtputf8:
            flags.append(Flag.SMTPUTF8.value)
        if r.ok and r.normalized and not r.normalized.rpartition("@")[2].isascii():
            flags.append(Flag.IDN.value)
        fields = ["1" if r.ok else "0", r.reason.value if r.reason else "",
                  r.normalized or "", r.key or "", r.domain or "", ",".join(sorted(flags)),
                  r.detail]
        return _SEP.join(f.replace(_SEP, " ") for f in fields)

    return validate


def reset_statuses(store: Store, base_id: int) -> None:
    """Back to the syntax-stage state, before stages are re-applied on a reused base."""
    store.execute(
        f"""UPDATE contacts SET
            status = CASE WHEN syntax_reason = '{Reason.UNPARSEABLE_ROW}' THEN '{Status.UNKNOWN}'
                          WHEN dup_of IS NOT NULL THEN '{Status.DUPLICATE}'
                          WHEN syntax_ok THEN '{Status.UNKNOWN}' ELSE '{Status.INVALID}' END,
            reason = CASE WHEN syntax_reason = '{Reason.UNPARSEABLE_ROW}' THEN syntax_reason
                          WHEN dup_of IS NOT NULL THEN '{Reason.DUPLICATE_OF}'
                          WHEN syntax_ok THEN '{Reason.SYNTAX_OK}' ELSE syntax_reason END,
            evidence = '{Evidence.SYNTAX}', flags = syntax_flags,
            -- The syntax stage gives a valid address no detail; a later stage's (DNS, SMTP,
            -- history) would outlive its verdict in a run that does not redo that stage.
            detail = CASE WHEN syntax_ok THEN '' ELSE detail END
            WHERE base_id = ?""",
        [base_id],
    )


def syntax_of_values(store: Store, values: list[str | None], *, trim: bool = True,
                     ) -> list[tuple[bool, str | None, str | None, str | None]]:
    """Runs the bulk syntax stage on a list of strings: (ok, reason, normalized, key) each, in
    order. The same code path as `check`; used by tests and benchmarks."""
    store.load_rows("_mh_values_raw", ["c1"], [(v,) for v in values])
    store.execute("DROP TABLE IF EXISTS _mh_values")
    store.execute("CREATE TEMP TABLE _mh_values AS SELECT row_number() OVER () AS row_no, c1, "
                  "NULL::VARCHAR AS mh_parse_error FROM _mh_values_raw")
    store.execute("DROP TABLE _mh_values_raw")
    base_id = -1
    store.execute("DELETE FROM contacts WHERE base_id = ?", [base_id])
    run_syntax(store, base_id, "_mh_values", 1, trim=trim)
    rows = store.fetchall(
        "SELECT syntax_ok, syntax_reason, address, key FROM contacts WHERE base_id = ? "
        "ORDER BY row_no", [base_id])
    store.execute("DELETE FROM contacts WHERE base_id = ?", [base_id])
    store.execute("DROP TABLE IF EXISTS _mh_values")
    return [(bool(r[0]), r[1], r[2], r[3]) for r in rows]
