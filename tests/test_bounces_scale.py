"""Bounce inputs at real size and hostile shapes: a large Postfix log is stored in a bounded
number of statements and batches, with the same rows and idempotence as before; a JSON
document nested 100,000 deep is a file without events, not a crash."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from mailhygiene import config
from mailhygiene.bounces import postfix_log
from mailhygiene.bounces.detect import parse_bytes
from mailhygiene.cli import main
from mailhygiene.store import Store
from mailhygiene.store import bounces as store_bounces
from mailhygiene.store.bounces import import_paths

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "bounces"
DEEP = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = "{" + '"a":{' * 100_000 + "}" * 100_001
_QID = re.compile(r"\b[0-9A-F]{11}\b")
_ADDR = re.compile(r"([<\s])([\w.]+)@([\w.-]+)")


def synthetic_log(blocks: int) -> str:
    """The fixture's Postfix log repeated `blocks` times, each copy with its own queue ids and
    addresses (7 events per copy)."""
    lines = (FIX / "postfix-maillog.log").read_text().splitlines()
    out = []
    for k in range(1, blocks + 1):
        for line in lines:
            line = _QID.sub(lambda m, k=k: f"{int(m.group(0), 16) ^ k:011X}", line)
            out.append(_ADDR.sub(lambda m, k=k: f"{m.group(1)}{m.group(2)}.{k}@d{k % 97}."
                                 f"{m.group(3)}", line))
    return "\n".join(out) + "\n"


def _stored(store: Store) -> list[tuple[Any, ...]]:
    return store.fetchall("SELECT * EXCLUDE (imported_at) FROM bounces ORDER BY ALL")


# -- the crash: deeply nested JSON ------------------------------------------------------------


def _no_crash(r: Any) -> None:
    assert r.exit_code == 0, r.output
    assert "internal error" not in r.output and "Traceback" not in r.output


def test_deep_json_is_a_file_without_events_in_parse(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text(DEEP + "\n")
    r = CliRunner().invoke(main, ["bounces", "parse", str(deep)])
    _no_crash(r)
    assert r.stdout == ""
    assert r.stderr == f"mailhygiene: warning: no bounce event found in 1 file: {deep}\n"


def test_deep_json_in_a_folder_does_not_stop_import_or_check(tmp_path: Path) -> None:
    folder = tmp_path / "bounces"
    folder.mkdir()
    (folder / "deep.json").write_text(DEEP + "\n")
    (folder / "mail.log").write_bytes((FIX / "postfix-maillog.log").read_bytes())
    db = str(tmp_path / "s.duckdb")
    r = CliRunner().invoke(main, ["bounces", "import", str(folder), "--db", db])
    _no_crash(r)
    assert "files: 2  events: 7  new: 7" in r.stdout
    assert "no bounce event found in 1 file" in r.stderr and "deep.json" in r.stderr

    src = tmp_path / "c.csv"
    src.write_text("email\nghost@example.org\nalice@example.com\n")
    out = tmp_path / "cleaned.csv"
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--bounces",
                                  str(folder), "--db", str(tmp_path / "c.duckdb"),
                                  "-o", str(out)])
    _no_crash(r)
    assert "no bounce event found in 1 file" in r.stderr and "deep.json" in r.stderr
    rows = out.read_text().splitlines()
    assert rows[1].startswith("ghost@example.org,invalid,hard_bounced,history")
    assert rows[2].startswith("alice@example.com,valid,delivered,history")


SES = json.loads((FIX / "ses-bounce-sns.json").read_text())


@pytest.mark.parametrize(("data", "fmt"), [
    pytest.param(DEEP, None, id="array"),
    pytest.param(DEEP_OBJECT, None, id="object"),
    pytest.param(DEEP, "ses", id="forced-format"),
    pytest.param(json.dumps(SES) + "\n" + DEEP + "\n", None, id="json-lines"),
    pytest.param(json.dumps({"Type": "Notification", "Message": DEEP}), "ses",
                 id="sns-message"),
    pytest.param("From: MAILER-DAEMON@example.net\nTo: a@example.com\nSubject: x\n\n"
                 + DEEP_OBJECT + "\n", "eml", id="ses-by-mail"),
])
def test_deep_json_yields_nothing_wherever_it_is_read(data: str, fmt: str | None) -> None:
    assert parse_bytes(data.encode(), "deep.json", fmt) == []


def test_a_deep_line_in_json_lines_reads_like_any_broken_line() -> None:
    assert parse_bytes(json.dumps(SES).encode(), "ses.json"), "the fixture has events"
    # One undecodable line makes the whole file unreadable as JSON Lines, as any broken line
    # does: no event, and no crash.
    assert parse_bytes((json.dumps(SES) + "\n" + DEEP).encode(), "ses.json") == []


# -- the import: set inserts, bounded batches, same rows ---------------------------------------


def test_a_20000_event_import_runs_a_bounded_number_of_statements(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "mail.log"
    log.write_text(synthetic_log(2858))  # 20,006 events
    statements = 0
    execute, executemany = Store.execute, Store.executemany

    def counted_execute(self: Store, sql: str, params: Any = None) -> Any:
        nonlocal statements
        statements += 1
        return execute(self, sql, params)

    def counted_executemany(self: Store, sql: str, rows: Any) -> None:
        nonlocal statements
        statements += len(rows)  # DuckDB runs the statement once per row
        executemany(self, sql, rows)

    monkeypatch.setattr(Store, "execute", counted_execute)
    monkeypatch.setattr(Store, "executemany", counted_executemany)
    with Store(tmp_path / "b.duckdb") as store:
        store_bounces.ensure(store)
        statements = 0
        stats = import_paths(store, [log])
    assert (stats.events, stats.new_events) == (20_006, 20_006)
    batches = -(-20_006 // config.BOUNCE_INSERT_BATCH)
    assert statements <= batches + 10, statements


def test_events_are_stored_while_a_large_log_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory stays bounded: the first batch is stored before the log is read to its end, and
    no batch is larger than config.BOUNCE_INSERT_BATCH."""
    monkeypatch.setattr(config, "BOUNCE_INSERT_BATCH", 1000)
    log = tmp_path / "mail.log"
    log.write_text(synthetic_log(600))  # 4,200 events
    parsed = 0
    parse_log = postfix_log.parse_log

    def counted(*args: Any, **kwargs: Any) -> Iterator[Any]:
        nonlocal parsed
        for ev in parse_log(*args, **kwargs):
            parsed += 1
            yield ev

    seen: list[tuple[int, int]] = []  # (batch size, events parsed when it was stored)
    insert = store_bounces._insert

    def recorded(store: Store, rows: list[tuple[Any, ...]]) -> None:
        seen.append((len(rows), parsed))
        insert(store, rows)

    monkeypatch.setattr(postfix_log, "parse_log", counted)
    monkeypatch.setattr(store_bounces, "_insert", recorded)
    with Store(tmp_path / "b.duckdb") as store:
        stats = import_paths(store, [log])
        assert store.scalar("SELECT count(*) FROM bounces") == stats.new_events == 4200
    assert max(n for n, _ in seen) <= 1000
    assert seen[0][1] <= 1001, seen


def test_stored_rows_are_the_parsed_events_and_reimport_adds_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Small batches that cross file boundaries; the same bytes under two names count once.
    monkeypatch.setattr(config, "BOUNCE_INSERT_BATCH", 700)
    a, b, copy = tmp_path / "a.log", tmp_path / "b.log", tmp_path / "a-copy.log"
    a.write_text(synthetic_log(300))
    b.write_text(synthetic_log(150).replace(".example.", ".sample."))
    copy.write_bytes(a.read_bytes())
    (tmp_path / "dsn.mbox").write_bytes((FIX / "postfix-dsn.mbox").read_bytes())
    paths = [a, b, copy, tmp_path / "dsn.mbox"]
    # What every parsed event becomes, in the table's column order (imported_at left out).
    # An event read again from another file (b.log shares a.log's events at addresses without
    # ".example.") is stored once, from the first file that holds it.
    expected: Counter[tuple[Any, ...]] = Counter()
    shas: set[str] = set()
    seen: set[tuple[Any, ...]] = set()
    for p in paths:
        sha = hashlib.sha256(p.read_bytes()).hexdigest()
        if sha not in shas:
            shas.add(sha)
            for ev in parse_bytes(p.read_bytes(), str(p)):
                if not ev.address:
                    continue
                full = store_bounces._row(ev, p, sha, "nov", datetime(2000, 1, 1))
                at = store_bounces._COLUMNS.index("imported_at")
                row = full[:at] + full[at + 1:]
                ident = tuple(full[store_bounces._COLUMNS.index(c)]
                              for c in store_bounces._EVENT_IDENTITY)
                if ident not in seen:
                    seen.add(ident)
                    expected[row] += 1
    shared = 2 * 150  # someone@...nxdomain.example and bob@...blocked.example, per block of b
    with Store(tmp_path / "b.duckdb") as store:
        first = import_paths(store, paths, base_name="nov")
        rows = _stored(store)
        assert (first.events, first.new_events) == (2100 + 1050 + 2100 + 2,
                                                    2100 + 1050 + 2 - shared)
        assert Counter(rows) == expected
        assert store.scalar("SELECT count(DISTINCT imported_at) FROM bounces") == 1

        again = import_paths(store, list(reversed(paths)), base_name="other")
        assert (again.events, again.new_events) == (first.events, 0)
        assert _stored(store) == rows


@given(st.text(alphabet="ab\r\n\x0b\x85\u2028é", max_size=60), st.integers(1, 8))
def test_iter_lines_is_splitlines(text: str, chunk: int) -> None:
    assert list(postfix_log.iter_lines(text, chunk)) == text.splitlines()
    data = text.encode() + b"\xe2\x82\n\xff" + text.encode("utf-8")[:7]
    assert list(postfix_log.iter_lines(data, chunk)) == data.decode(
        "utf-8", "replace").splitlines()
