"""`search FILE` does not add FILE to the bases it searches: a query file not stored yet is
imported for the search only and dropped again; one stored on purpose (`fingerprint`, `check`,
`compare`) is used as it is and kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from mailhygiene import search as search_mod
from mailhygiene.cli import main
from mailhygiene.store import Store
from tests.test_compare import addrs


def _write_csv(path: Path, keys: list[str]) -> Path:
    path.write_text("email\n" + "\n".join(keys) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def opts(tmp_path: Path) -> list[str]:
    keyf = tmp_path / "key"
    keyf.write_bytes(b"search query key, 32 bytes long.")
    return ["--key-file", str(keyf), "--db", str(tmp_path / "s.duckdb")]


def _invoke(args: list[str]) -> Result:
    return CliRunner().invoke(main, args)


def _search(query: Path, opts: list[str]) -> dict[str, Any]:
    # Exhaustive, with a low threshold: every base holding part of the query is a hit, so
    # what is listed does not depend on the LSH's luck.
    r = _invoke(["search", str(query), "--exhaustive", "--threshold", "0.2", "--json", *opts])
    assert r.exit_code == 0, r.output
    res: dict[str, Any] = json.loads(r.stdout)
    return res


def _base_names(db: str) -> list[str]:
    with Store(db) as s:
        return [str(r[0]) for r in s.fetchall("SELECT name FROM bases ORDER BY base_id")]


def _db(opts: list[str]) -> str:
    return opts[opts.index("--db") + 1]


def test_an_earlier_query_is_not_a_hit_of_a_later_search(tmp_path: Path,
                                                          opts: list[str]) -> None:
    ref = _write_csv(tmp_path / "ref.csv", addrs(0, 1000))
    assert _invoke(["fingerprint", str(ref), *opts]).exit_code == 0
    first = _write_csv(tmp_path / "first.csv", addrs(2000, 3000) + addrs(0, 100))
    res = _search(first, opts)
    assert res["query"] == "first" and res["indexed"] == 1
    # The second query holds 600 of the first's addresses and 400 of ref's.
    second = _write_csv(tmp_path / "second.csv", addrs(2000, 2600) + addrs(0, 400))
    res = _search(second, opts)
    assert [h["name"] for h in res["hits"]] == ["ref"]
    assert res["indexed"] == 1
    assert _base_names(_db(opts)) == ["ref"]
    with Store(_db(opts)) as s:
        assert s.fetchall("SELECT name FROM fingerprints") == [("ref",)]
    r = _invoke(["store", "info", "--json", "--db", _db(opts)])
    assert r.exit_code == 0, r.output
    assert [b["name"] for b in json.loads(r.stdout)["bases"]] == ["ref"]


def test_searching_the_same_file_twice_gives_the_same_answer(tmp_path: Path,
                                                              opts: list[str]) -> None:
    ref = _write_csv(tmp_path / "ref.csv", addrs(0, 1000))
    assert _invoke(["fingerprint", str(ref), *opts]).exit_code == 0
    query = _write_csv(tmp_path / "q.csv", addrs(500, 1500))
    once, twice = _search(query, opts), _search(query, opts)
    assert once == twice
    assert [h["name"] for h in twice["hits"]] == ["ref"]


def test_a_query_stored_on_purpose_is_kept_and_searched(tmp_path: Path,
                                                        opts: list[str]) -> None:
    kept = _write_csv(tmp_path / "kept.csv", addrs(0, 1000))
    assert _invoke(["fingerprint", str(kept), *opts]).exit_code == 0
    res = _search(kept, opts)  # the stored base is reused, not imported again
    assert res["query"] == "kept" and res["hits"] == []
    assert _base_names(_db(opts)) == ["kept"]
    other = _write_csv(tmp_path / "other.csv", addrs(200, 800))
    assert [h["name"] for h in _search(other, opts)["hits"]] == ["kept"]
    # A base checked under another name, then searched by its file: kept too.
    checked = _write_csv(tmp_path / "checked.csv", addrs(5000, 5400))
    r = _invoke(["check", str(checked), "--level", "syntax", "--name", "shared",
                 "--db", _db(opts), "-o", str(tmp_path / "out.csv")])
    assert r.exit_code == 0, r.output
    _search(checked, opts)
    assert _base_names(_db(opts)) == ["kept", "shared"]


def test_a_search_that_fails_drops_its_query_base(tmp_path: Path, opts: list[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    ref = _write_csv(tmp_path / "ref.csv", addrs(0, 1000))
    assert _invoke(["fingerprint", str(ref), *opts]).exit_code == 0

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(search_mod, "search_bases", broken)
    query = _write_csv(tmp_path / "q.csv", addrs(500, 1500))
    r = _invoke(["search", str(query), *opts])
    assert r.exit_code != 0
    assert _base_names(_db(opts)) == ["ref"]
