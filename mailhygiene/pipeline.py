"""Wiring of the check pipeline: ingest -> normalize/syntax -> dedupe -> mx* -> smtp* ->
bounce history -> classify -> store. Set work runs in DuckDB; Python only sees what needs
per-item logic (the few addresses the bulk syntax rules leave undecided, distinct domains)."""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailhygiene import syntax_fast
from mailhygiene.errors import InputError
from mailhygiene.ingest import InputFormat, detect_format, load_input, sha256_file
from mailhygiene.store import Store
from mailhygiene.store.core import now
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
    return {"address_index": fmt.address_index, "delimiter": fmt.delimiter,
            "header": fmt.header, "sheet": fmt.sheet, "fold_providers": fold_providers}


def import_base(store: Store, path: str | Path, *, name: str | None = None,
                column: str | None = None, sheet: str | None = None,
                delimiter: str | None = None, fold_providers: bool = False,
                reuse: bool = True, progress: Progress | None = None) -> BaseRef:
    """Loads a contact file as a base and runs syntax + dedupe on it. A file already imported
    with the same content and options is reused (nothing is recomputed)."""
    p = Path(path)
    fmt = detect_format(p, column=column, sheet=sheet, delimiter=delimiter)
    digest = sha256_file(p)
    sig = _params_signature(fmt, fold_providers)
    base_name = name or p.stem
    if reuse:
        for base_id, bname, rows, fmt_json, table in store.fetchall(
            "SELECT base_id, name, rows, format, table_name FROM bases WHERE sha256 = ? "
            "ORDER BY base_id DESC", [digest]
        ):
            stored = json.loads(fmt_json)
            if stored.get("signature") == sig and stored.get("complete") and (
                name is None or bname == name
            ):
                return BaseRef(base_id, bname, rows, digest, table, fmt, reused=True,
                               unparseable=int(stored.get("unparseable", 0)))
    if progress:
        progress(f"reading {p.name}")
    with store.transaction():
        base_id = int(store.scalar("SELECT nextval('base_ids')"))
        table = f"input_{base_id}"
        loaded = load_input(store, p, fmt, table)
        if loaded.rows == 0:
            raise InputError(f"input file has no data rows (only a header?): {p}")
        if progress:
            progress(f"syntax of {loaded.rows:,} rows")
        run_syntax(store, base_id, table, fmt.address_index + 1, fold_providers=fold_providers)
        fmt_json = fmt.to_json() | {"signature": sig, "complete": True,
                                    "unparseable": loaded.unparseable,
                                    "load_path": loaded.path_used}
        store.execute(
            "INSERT INTO bases VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [base_id, base_name, str(p.resolve()), digest, loaded.rows, now(),
             json.dumps(fmt_json), table],
        )
    return BaseRef(base_id, base_name, loaded.rows, digest, table, fmt,
                   unparseable=loaded.unparseable, load_path=loaded.path_used)


def run_syntax(store: Store, base_id: int, table: str, address_col: int, *,
               fold_providers: bool = False) -> None:
    """Fills `contacts` for a base: bulk verdicts in SQL, email-validator for the rest (each
    distinct undecided cell once), then the dedup pass."""
    c = f"c{address_col}"
    store.execute("DROP TABLE IF EXISTS _mh_src")
    store.execute(
        f"CREATE TEMP TABLE _mh_src AS SELECT row_no, {c} AS raw, "
        f"trim({c}, {_TRIM_SQL}) AS t, mh_parse_error FROM \"{table}\""
    )
    store.execute("DROP TABLE IF EXISTS _mh_fast")
    store.execute(f"CREATE TEMP TABLE _mh_fast AS {syntax_fast.verdict_sql('_mh_src')}")
    if fold_providers:
        _fold_fast_keys(store)
    slow = [r[0] for r in store.fetchall(
        "SELECT DISTINCT raw FROM _mh_fast WHERE NOT fast AND mh_parse_error IS NULL")]
    _load_slow_results(store, slow, fold_providers)
    dup, unknown, invalid = Status.DUPLICATE, Status.UNKNOWN, Status.INVALID
    store.execute(
        f"""
        INSERT INTO contacts (base_id, row_no, raw, address, key, domain, syntax_ok,
            syntax_reason, syntax_flags, status, reason, evidence, flags, dup_of, detail)
        WITH j AS (
            SELECT f.row_no, f.raw, f.mh_parse_error,
                CASE WHEN f.fast THEN f.ok ELSE s.ok END AS ok,
                CASE WHEN f.fast THEN f.reason ELSE s.reason END AS reason,
                CASE WHEN f.fast THEN f.normalized ELSE s.normalized END AS address,
                CASE WHEN f.mh_parse_error IS NOT NULL THEN NULL
                     WHEN f.fast THEN f.key ELSE s.key END AS key,
                CASE WHEN f.fast THEN f.domain ELSE s.domain END AS domain,
                CASE WHEN f.fast THEN '' ELSE s.flags END AS flags,
                CASE WHEN f.fast THEN '' ELSE s.detail END AS detail
            FROM _mh_fast f LEFT JOIN _mh_slow s ON s.raw = f.raw AND NOT f.fast
        ), d AS (
            SELECT *, CASE WHEN key IS NOT NULL THEN
                min(row_no) OVER (PARTITION BY key) END AS first_row
            FROM j
        )
        SELECT {base_id}, row_no, raw, address, key, domain,
            coalesce(ok, false),
            CASE WHEN mh_parse_error IS NOT NULL THEN '{Reason.UNPARSEABLE_ROW}'
                 WHEN ok THEN NULL ELSE reason END,
            coalesce(flags, ''),
            CASE WHEN mh_parse_error IS NOT NULL THEN '{unknown}'
                 WHEN first_row < row_no THEN '{dup}'
                 WHEN ok THEN '{unknown}' ELSE '{invalid}' END,
            CASE WHEN mh_parse_error IS NOT NULL THEN '{Reason.UNPARSEABLE_ROW}'
                 WHEN first_row < row_no THEN '{Reason.DUPLICATE_OF}'
                 WHEN ok THEN '{Reason.SYNTAX_OK}' ELSE reason END,
            '{Evidence.SYNTAX}',
            coalesce(flags, ''),
            CASE WHEN first_row < row_no THEN first_row END,
            coalesce(detail, '')
        FROM d ORDER BY row_no
        """
    )
    store.execute("DROP TABLE IF EXISTS _mh_src")
    store.execute("DROP TABLE IF EXISTS _mh_fast")
    store.execute("DROP TABLE IF EXISTS _mh_slow")


def _fold_fast_keys(store: Store) -> None:
    from mailhygiene.normalize import _DOT_INSENSITIVE, _PLUS_TAG_PROVIDERS

    plus = ", ".join(f"'{d}'" for d in sorted(_PLUS_TAG_PROVIDERS))
    dots = ", ".join(f"'{d}'" for d in sorted(_DOT_INSENSITIVE))
    store.execute(
        f"""UPDATE _mh_fast SET key =
            (CASE WHEN domain IN ({dots}) THEN replace(split_part(split_part(key, '@', 1), '+', 1), '.', '')
                  WHEN domain IN ({plus}) THEN split_part(split_part(key, '@', 1), '+', 1)
                  ELSE split_part(key, '@', 1) END)
            || '@' || (CASE WHEN domain IN ({dots}) THEN 'gmail.com' ELSE domain END)
            WHERE fast AND ok"""
    )


def _load_slow_results(store: Store, raws: list[str | None], fold_providers: bool) -> None:
    """email-validator on each distinct undecided cell; results bulk-loaded via a temp CSV
    (DuckDB's CSV reader beats row-by-row inserts by orders of magnitude)."""
    with tempfile.TemporaryDirectory(prefix="mh-syntax-") as tmp:
        path = Path(tmp) / "slow.csv"
        with path.open("w", encoding="utf-8", errors="surrogatepass", newline="") as f:
            w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
            for raw in raws:
                r = check_syntax(raw, fold_providers=fold_providers)
                flags = []
                if r.smtputf8:
                    flags.append(Flag.SMTPUTF8.value)
                if r.ok and r.normalized and not r.normalized.rpartition("@")[2].isascii():
                    flags.append(Flag.IDN.value)
                w.writerow([
                    _csv_safe(raw), "true" if r.ok else "false",
                    r.reason.value if r.reason else "", _csv_safe(r.normalized),
                    _csv_safe(r.key), r.domain or "", ",".join(sorted(flags)),
                    _csv_safe(r.detail),
                ])
        store.execute("DROP TABLE IF EXISTS _mh_slow")
        store.execute(
            "CREATE TEMP TABLE _mh_slow AS SELECT * FROM read_csv(?, header=false, "
            "auto_detect=false, delim=',', quote='\"', escape='\"', strict_mode=true, "
            "max_line_size=134217728, columns={'raw': 'VARCHAR', 'ok': 'BOOLEAN', "
            "'reason': 'VARCHAR', 'normalized': 'VARCHAR', 'key': 'VARCHAR', "
            "'domain': 'VARCHAR', 'flags': 'VARCHAR', 'detail': 'VARCHAR'})",
            [str(path)],
        )
        store.execute("UPDATE _mh_slow SET reason = NULLIF(reason, ''), "
                      "normalized = NULLIF(normalized, ''), domain = NULLIF(domain, '')")


def _csv_safe(s: str | None) -> str:
    """Lone surrogates (undecodable bytes kept by surrogateescape) cannot be stored as UTF-8;
    they are replaced so the row is kept rather than lost."""
    if s is None:
        return ""
    return s.encode("utf-8", errors="replace").decode("utf-8")


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
            evidence = '{Evidence.SYNTAX}', flags = syntax_flags
            WHERE base_id = ?""",
        [base_id],
    )
