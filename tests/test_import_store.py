"""What an import leaves in the store: the address cell stored once (contacts.raw), and
nothing of an import that never committed."""

from __future__ import annotations

import csv
import itertools
import os
from pathlib import Path

import pytest

from mailhygiene.errors import StoreError
from mailhygiene.output import write_cleaned
from mailhygiene.pipeline import drop_orphan_inputs, import_base
from mailhygiene.store import Store


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


def test_address_cell_is_stored_once_in_contacts(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    cells = [" Ann@Example.COM ", "bad@@x", "", "=1+2@x.org"]
    _write(src, [["name", "email", "city"]] + [[f"n{i}", c, f"c{i}"] for i, c in enumerate(cells)])
    with Store(tmp_path / "s.duckdb") as s:
        ref = import_base(s, src)
        table = s.fetchall(f'SELECT c1, c2, c3 FROM "{ref.table}" ORDER BY row_no')
        raw = [r[0] for r in s.fetchall(
            "SELECT raw FROM contacts WHERE base_id = ? ORDER BY row_no", [ref.base_id])]
    assert [r[0] for r in table] == ["n0", "n1", "n2", "n3"]
    assert [r[1] for r in table] == [None] * 4  # the address column: in contacts only
    assert [r[2] for r in table] == ["c0", "c1", "c2", "c3"]
    # exactly as read ("" and a missing cell both read as NULL by DuckDB's CSV reader)
    assert raw == [" Ann@Example.COM ", "bad@@x", None, "=1+2@x.org"]


def test_rows_of_an_uncommitted_import_are_removed(tmp_path: Path) -> None:
    """A kill between the import's two transactions leaves contacts rows and an input table
    without a bases row; the next import removes both and keeps committed bases."""
    src = tmp_path / "in.csv"
    _write(src, [["email"], ["a@example.org"], ["b@example.org"]])
    with Store(tmp_path / "s.duckdb") as s:
        kept = import_base(s, src)
        # what the killed import left: its mark, its input table, its contacts rows
        s.execute("INSERT INTO pending_imports VALUES (99)")
        s.execute("CREATE TABLE input_99 AS SELECT * FROM input_1")
        s.execute("INSERT INTO contacts SELECT * REPLACE (99 AS base_id) FROM contacts "
                  "WHERE base_id = ?", [kept.base_id])
        drop_orphan_inputs(s)
        assert not s.table_exists("input_99")
        assert s.scalar("SELECT count(*) FROM contacts WHERE base_id = 99") == 0
        assert s.scalar("SELECT count(*) FROM contacts WHERE base_id = ?", [kept.base_id]) == 2
        assert s.table_exists(kept.table)
        assert s.scalar("SELECT count(*) FROM pending_imports") == 0


_KILLED_IMPORT = """
import os, sys
from mailhygiene import pipeline
from mailhygiene.store import Store

def dedupe(store, base_id):  # killed between the import's two transactions
    os._exit(9)

pipeline.dedupe = dedupe
with Store(sys.argv[1]) as s:
    pipeline.import_base(s, sys.argv[2])
"""


def _catalog_scans(s: Store, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    fetchall = Store.fetchall

    def spy(self: Store, sql: str, *args: object) -> list[tuple[object, ...]]:
        if "LIKE 'input_%'" in sql:
            seen.append(sql)
        return fetchall(self, sql, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "fetchall", spy)
    return seen


def test_a_killed_import_is_cleaned_by_the_next_and_others_scan_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An import killed outright (os._exit between its two transactions) leaves its input
    table and contacts rows; the next import removes them. The catalog is scanned for such
    leftovers only then: an import after a clean one does not look (it cost 16 ms with 1,900
    tables in the store, and a scan of every contacts row)."""
    import subprocess
    import sys

    db = tmp_path / "s.duckdb"
    src, other = tmp_path / "in.csv", tmp_path / "other.csv"
    _write(src, [["email"], ["a@example.org"], ["b@example.org"]])
    _write(other, [["email"], ["c@example.org"]])
    r = subprocess.run([sys.executable, "-c", _KILLED_IMPORT, str(db), str(src)],
                       capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(
                           Path(__file__).resolve().parents[1])}, check=False)
    assert r.returncode == 9, r.stderr
    with Store(db) as s:
        assert s.table_exists("input_1") and s.scalar("SELECT count(*) FROM bases") == 0
        assert s.scalar("SELECT count(*) FROM contacts WHERE base_id = 1") == 2
        scans = _catalog_scans(s, monkeypatch)
        ref = import_base(s, other)
        assert len(scans) == 1  # the mark left by the killed import
        assert not s.table_exists("input_1")
        assert s.scalar("SELECT count(*) FROM contacts WHERE base_id = 1") == 0
        assert s.scalar("SELECT count(*) FROM contacts WHERE base_id = ?", [ref.base_id]) == 1
        import_base(s, src)
        assert len(scans) == 1  # nothing left to look for


def test_a_store_made_before_the_marks_is_scanned_once(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A store from before `pending_imports` may hold an unmarked leftover: its first import
    looks for leftovers, later ones do not."""
    db = tmp_path / "s.duckdb"
    src = tmp_path / "in.csv"
    _write(src, [["email"], ["a@example.org"]])
    with Store(db) as s:
        s.execute("DROP TABLE pending_imports")
        s.execute("CREATE TABLE input_7 (row_no BIGINT)")
    with Store(db) as s:
        scans = _catalog_scans(s, monkeypatch)
        import_base(s, src)
        assert len(scans) == 1 and not s.table_exists("input_7")
        import_base(s, src, reuse=False)
        assert len(scans) == 1


@pytest.mark.parametrize("order", ["ASC", "DESC"])
def test_extra_columns_join_by_row_whatever_their_stored_order(tmp_path: Path,
                                                               order: str) -> None:
    """A stage's appended columns (phones...) are joined positionally when stored in input
    order, by row_no otherwise: the cleaned rows are the same."""
    src = tmp_path / "in.csv"
    _write(src, [["email", "n"]] + [[f"u{i}@example.org", str(i)] for i in range(50)])
    out = tmp_path / "out.csv"
    with Store(tmp_path / "s.duckdb") as s:
        ref = import_base(s, src)
        s.execute(f"CREATE TABLE x_extra AS SELECT row_no, 'v' || c2 AS extra "
                  f'FROM "{ref.table}" ORDER BY row_no {order}')
        s.register_output_columns(ref.base_id, "x_extra", ["extra"], position=1)
        write_cleaned(s, ref, out)
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][-1] == "extra"
    assert [r[0] for r in rows[1:]] == [f"u{i}@example.org" for i in range(50)]
    assert [r[-1] for r in rows[1:]] == [f"v{i}" for i in range(50)]


@pytest.mark.parametrize(("env", "expected"), [
    (None, "1.4 GiB"),  # config.MEMORY_LIMIT, 1536MB (DESIGN.md: 10M rows in 2 GB RSS)
    ("512MB", "488.2 MiB"),
    ("8GB", "7.4 GiB"),
])
def test_store_sets_duckdb_memory_ceiling(monkeypatch: pytest.MonkeyPatch, env: str | None,
                                          expected: str) -> None:
    if env is None:
        monkeypatch.delenv("MAILHYGIENE_MEMORY_LIMIT", raising=False)
    else:
        monkeypatch.setenv("MAILHYGIENE_MEMORY_LIMIT", env)
    with Store(":memory:") as s:
        assert s.scalar("SELECT current_setting('memory_limit')") == expected


def test_bad_memory_ceiling_is_a_clear_error(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    monkeypatch.setenv("MAILHYGIENE_MEMORY_LIMIT", "lots")
    with pytest.raises(StoreError, match="MAILHYGIENE_MEMORY_LIMIT"):
        Store(tmp_path / "s.duckdb")


@pytest.mark.parametrize(("env", "columns", "expected"), [
    ("8GB", 10_000, "7.4 GiB"),     # never lowered
    (None, 100, "1.4 GiB"),         # room enough
    (None, 10_000, "2.9 GiB"),      # 10,000 x 256 KiB + 512 MiB
    ("512MB", 1_000, "762.0 MiB"),  # 1,000 x 256 KiB + 512 MiB
])
def test_ceiling_makes_room_for_wide_tables(monkeypatch: pytest.MonkeyPatch, env: str | None,
                                            columns: int, expected: str) -> None:
    if env is None:
        monkeypatch.delenv("MAILHYGIENE_MEMORY_LIMIT", raising=False)
    else:
        monkeypatch.setenv("MAILHYGIENE_MEMORY_LIMIT", env)
    with Store(":memory:") as s:
        s.make_room_for_columns(columns)
        assert s.scalar("SELECT current_setting('memory_limit')") == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("1.4 GiB", int(1.4 * 2**30)),
    ("488.2 MiB", int(488.2 * 2**20)),
    ("512 bytes", 512),
    ("3.0 KiB", 3 * 2**10),
    ("2GB", 2 * 10**9),
    ("unlimited", 2**62),
    ("", 2**62),
])
def test_size_bytes_reads_duckdb_sizes(text: str, expected: int) -> None:
    from mailhygiene.store.core import _size_bytes

    assert _size_bytes(text) == expected


@pytest.mark.parametrize("order", ["ASC", "DESC"])
@pytest.mark.parametrize("only", [None, {"unknown", "duplicate"}])
def test_wide_file_writer_writes_what_duckdb_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    order: str, only: set[str] | None) -> None:
    """Files wider than WIDE_COLUMNS are written from Python; forced on a narrow file, that
    writer gives the same rows as DuckDB's: order, appended columns joined either way,
    formulas neutralized (but not E.164 numbers), duplicates, --only."""
    import mailhygiene.output as output

    src = tmp_path / "in.csv"
    cells = ["=SUM(A1)", "+212612345678", "-x", "@y", "plain", ""]
    _write(src, [["email", "note"]] + [
        [f"{'U' if i % 7 == 0 else 'u'}{i % 40}@example.org" if i % 11 else "not-an-address",
         cells[i % len(cells)]] for i in range(120)])
    got = {}
    for wide in (False, True):
        if wide:
            monkeypatch.setattr(output, "WIDE_COLUMNS", 0)
        out = tmp_path / f"out-{wide}.csv"
        with Store(tmp_path / f"s-{wide}.duckdb") as s:
            ref = import_base(s, src)
            s.execute(f"CREATE TABLE x_extra AS SELECT row_no, '=' || c2 AS extra "
                      f'FROM "{ref.table}" ORDER BY row_no {order}')
            s.register_output_columns(ref.base_id, "x_extra", ["extra"], position=1)
            written = write_cleaned(s, ref, out, only=only)
        with out.open(encoding="utf-8", newline="") as f:
            got[wide] = list(csv.reader(f))
        assert written == len(got[wide]) - 1
    assert got[True] == got[False]
    rows = got[False]
    assert len(rows) == 1 + (120 if only is None else sum(
        1 for r in rows[1:] if r[-7] in only))
    assert "'=SUM(A1)" in {r[1] for r in rows[1:]} and "+212612345678" in {r[1] for r in rows}
    if only is None:
        assert [r[0] for r in rows[1:]][:3] == ["not-an-address", "u1@example.org",
                                                "u2@example.org"]


@pytest.mark.parametrize("order", ["ASC", "DESC"])
@pytest.mark.parametrize("only", [None, {"invalid"}, {"duplicate", "unknown"}])
@pytest.mark.parametrize("encoding", [None, "cp1252"])
def test_ranged_writer_writes_what_one_copy_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   order: str, only: set[str] | None,
                                                   encoding: str | None) -> None:
    """A large base is written as row ranges side by side, appended in order. Forced on a
    small file (4 ranges), the bytes equal those of one COPY: header once, appended columns
    joined positionally (ASC) or by row_no (DESC), --only leaving the first ranges empty
    (invalid rows are all in the last half), the assembled path (cp1252), and inside an open
    transaction, where other connections cannot see the rows and one COPY is used."""
    import mailhygiene.output as output
    from mailhygiene import config

    src = tmp_path / "in.csv"
    _write(src, [["email", "note"]] + [
        [f"u{i % 50}@example.org" if i < 60 or i % 3 else f"bad{i}@@x", f"=n{i}"]
        for i in range(120)])
    got = {}
    for mode in ("one", "ranges", "in-transaction"):
        if mode != "one":
            monkeypatch.setattr(config, "PARALLEL_WRITE_ROWS", 30)
        out = tmp_path / f"out-{mode}.csv"
        stale = tmp_path / f".out-{mode}.csv.killed.1.part"  # a piece of a killed run
        stale.write_text("x")
        with Store(tmp_path / f"s-{mode}.duckdb") as s:
            s.execute("SET threads = 4")
            ref = import_base(s, src)
            s.execute(f"CREATE TABLE x_extra AS SELECT row_no, c2 || '!' AS extra "
                      f'FROM "{ref.table}" ORDER BY row_no {order}')
            s.register_output_columns(ref.base_id, "x_extra", ["extra"], position=1)
            assert len(output._row_ranges(s, ref.rows)) == (1 if mode == "one" else 4)
            if mode == "in-transaction":
                with s.transaction():
                    write_cleaned(s, ref, out, only=only, encoding=encoding)
            else:
                write_cleaned(s, ref, out, only=only, encoding=encoding)
        got[mode] = out.read_bytes()
        assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert got["ranges"] == got["one"] == got["in-transaction"]
    rows = list(csv.reader(got["one"].decode(encoding or "utf-8").splitlines()))
    assert rows[0][:2] == ["email", "note"] and rows[0][-1] == "extra"
    assert len(rows) == 1 + (120 if only is None else sum(
        1 for i in range(120) if (("invalid" if i >= 60 and not i % 3 else
                                  "duplicate" if i >= 50 else "unknown") in only)))
    assert all(r[1] == r[-1][:-1] and r[1].startswith("'=n") for r in rows[1:])


@pytest.mark.parametrize("where", ["address", "other", "both", "none"])
def test_fields_with_a_lone_cr_are_quoted(tmp_path: Path, where: str) -> None:
    """DuckDB's writer does not quote a field holding a lone CR; the columns that hold one
    (the address, kept in contacts.raw, or another) are force-quoted, so csv readers get the
    cells back whole."""
    src = tmp_path / "in.csv"
    rows = [["email", "note"], ["a@example.org", "x"],
            ["b\r@example.org" if where in ("address", "both") else "b@example.org",
             "y\rz" if where in ("other", "both") else "y"]]
    _write(src, rows)
    out = tmp_path / "out.csv"
    with Store(tmp_path / "s.duckdb") as s:
        write_cleaned(s, import_base(s, src), out)
    with out.open(encoding="utf-8", newline="") as f:
        got = [r[:2] for r in csv.reader(f)]
    assert got == rows
    text = out.read_bytes().decode("utf-8")
    assert ('"b\r@example.org"' in text) == (where in ("address", "both"))
    assert ('"y\rz"' in text) == (where in ("other", "both"))


@pytest.mark.parametrize(("rows", "threads", "floor", "count"), [
    (120, 4, 30, 4), (1_000_000, 2, 100_000, 2), (99, 2, 100_000, 1), (7, 4, 2, 3),
    (10, 3, 3, 3), (1, 8, 1, 1),
])
def test_row_ranges_cover_every_row_number_once(monkeypatch: pytest.MonkeyPatch, rows: int,
                                                threads: int, floor: int, count: int) -> None:
    import mailhygiene.output as output
    from mailhygiene import config

    class Threads:
        def scalar(self, sql: str) -> int:
            return threads

    monkeypatch.setattr(config, "PARALLEL_WRITE_ROWS", floor)
    ranges = output._row_ranges(Threads(), rows)  # type: ignore[arg-type]
    assert len(ranges) == count
    # Contiguous, open at both ends: a row number outside 1..rows still lands somewhere.
    assert ranges[0][0] < 0 and ranges[-1][1] > 10**12
    assert all(a[1] + 1 == b[0] for a, b in itertools.pairwise(ranges))
    sizes = [min(hi, rows) - max(lo, 1) + 1 for lo, hi in ranges]
    assert sum(sizes) == rows and all(1 <= n <= -(-rows // count) for n in sizes)


def test_pieces_of_a_killed_ranged_write_are_cleaned_up(tmp_path: Path) -> None:
    """A run killed during a ranged write leaves its temp file and pieces; they carry the
    temp file's pattern, so the next successful write removes them."""
    import mailhygiene.output as output

    out = tmp_path / "out.csv"
    with Store(tmp_path / "s.duckdb") as store, output._atomic_part(store, out) as part:
        pieces = [output._piece(part, k) for k in (1, 2, 3)]
        for p in [part, *pieces]:
            p.write_text("partial")
        killed = {p.name for p in tmp_path.iterdir() if p.name.startswith(".out.csv.")}
        assert len(killed) == 4
        # (the rename below stands for the next run's success)
    assert out.exists() and not any(p.name.startswith(".out.csv.") for p in tmp_path.iterdir())


@pytest.mark.parametrize(("path", "literal"), [
    ("/tmp/out.csv", "/tmp/out.csv"), ("/tmp/d é/out.csv", "/tmp/d é/out.csv"),
    ("/tmp/l'export/d'avril.csv", "/tmp/l''export/d''avril.csv"),
])
def test_paths_written_into_sql_double_their_quotes(path: str, literal: str) -> None:
    from mailhygiene.store.core import sql_path

    assert sql_path(Path(path)) == literal


@pytest.mark.parametrize("kernel", ["copies", "refuses", "stops midway"])
def test_pieces_are_appended_whole_with_or_without_kernel_copy(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernel: str) -> None:
    """Pieces of a ranged write are appended by copy_file_range; where the file system or
    kernel refuses it, at once or after a part, the rest goes through Python's buffers."""
    import os

    import mailhygiene.output as output

    real = os.copy_file_range

    def partial(src: int, dst: int, count: int) -> int:
        if os.lseek(src, 0, os.SEEK_CUR) == 0:
            return real(src, dst, 1000)
        raise OSError(22, "Invalid argument")

    def refuse(src: int, dst: int, count: int) -> int:
        raise OSError(18, "Invalid cross-device link")

    if kernel != "copies":
        monkeypatch.setattr(os, "copy_file_range", refuse if kernel == "refuses" else partial)
    head, tail = b"head\n" * 7, bytes(range(256)) * 50
    (tmp_path / "out").write_bytes(head)
    (tmp_path / "piece").write_bytes(tail)
    with (tmp_path / "out").open("r+b") as out, (tmp_path / "piece").open("rb") as src:
        out.seek(0, os.SEEK_END)
        output._append(src, out)
    assert (tmp_path / "out").read_bytes() == head + tail
