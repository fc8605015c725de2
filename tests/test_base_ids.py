"""Stored bases named by id (`id:N`) in `compare`, `fingerprint` and `search`, as `store drop`
already takes them: the weekly `export.csv` checked again with new content leaves two bases
named `export`, which only their ids tell apart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from mailhygiene.cli import main
from mailhygiene.errors import InputError
from mailhygiene.fingerprint import resolve_base
from mailhygiene.store import open_store

ENV = {"MAILHYGIENE_KEY": "a base-id test key of 32 bytes.."}


def addrs(lo: int, hi: int) -> list[str]:
    return [f"user{i}@d{i % 7}.example" for i in range(lo, hi)]


def write_csv(path: Path, keys: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("email\n" + "\n".join(keys) + "\n", encoding="utf-8")
    return path


def run(db: Path, *args: str) -> Result:
    return CliRunner().invoke(main, [*args, "--db", str(db)], env=ENV)


def as_json(r: Result) -> Any:
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


@pytest.fixture
def two_exports(tmp_path: Path) -> tuple[Path, Path]:
    """A store with two bases named `export` (ids 1 and 2: last week's 300 addresses, this
    week's 200) and `small.csv`, 100 addresses of which 50 are in each export."""
    db = tmp_path / "s.duckdb"
    for week, keys in (("w1", addrs(0, 300)), ("w2", addrs(250, 450))):
        as_json(run(db, "fingerprint", str(write_csv(tmp_path / week / "export.csv", keys)),
                    "--json"))
    small = write_csv(tmp_path / "small.csv", addrs(250, 350))
    with open_store(db, read_only=True) as s:
        assert s.fetchall("SELECT base_id, name, rows FROM bases ORDER BY base_id") == [
            (1, "export", 300), (2, "export", 200)]
    return db, small


@pytest.mark.parametrize(("ref", "expected"), [
    pytest.param("id:1", 1, id="id"),
    pytest.param("id:042", 42, id="leading-zero"),
    pytest.param("1", None, id="bare-number-is-not-an-id-form"),
    pytest.param("id:", None, id="no-digits"),
    pytest.param("id:-1", None, id="negative"),
    pytest.param("id:1a", None, id="trailing-letter"),
    pytest.param("ID:1", None, id="upper-case-prefix"),
    pytest.param("id:²", None, id="superscript-digit"),
    pytest.param("id:١", None, id="non-ascii-digit"),
    pytest.param("export", None, id="name"),
])
def test_parse_base_id(ref: str, expected: int | None) -> None:
    from mailhygiene.store.admin import parse_base_id  # here: the other tests run without it

    assert parse_base_id(ref) == expected


def test_a_shared_name_suggests_the_ids(two_exports: tuple[Path, Path]) -> None:
    db, small = two_exports
    r = run(db, "compare", "export", str(small))
    assert r.exit_code == 2
    assert "several stored bases are named 'export' (ids 1, 2)" in r.output
    assert "id:1 or id:2" in r.output
    assert "Traceback" not in r.output


def test_compare_takes_ids(two_exports: tuple[Path, Path]) -> None:
    db, small = two_exports
    j1 = as_json(run(db, "compare", "id:1", str(small), "--json"))
    j2 = as_json(run(db, "compare", str(small), "id:2", "--json"))
    assert (j1["a"]["unique"], j1["overlap"]["exact"]) == (300, 50)
    assert (j2["b"]["unique"], j2["overlap"]["exact"]) == (200, 100)
    both = as_json(run(db, "compare", "id:1", "id:2", "--json"))
    assert (both["a"]["unique"], both["b"]["unique"], both["overlap"]["exact"]) == (300, 200, 50)
    # The text output names the bases as stored.
    r = run(db, "compare", "id:1", "id:2")
    assert r.exit_code == 0, r.output
    assert "export" in r.stdout


def test_compare_reference_takes_an_id(two_exports: tuple[Path, Path]) -> None:
    db, small = two_exports
    r = run(db, "compare", "id:2", str(small), "--reference", "id:2", "--json")
    ev = as_json(r)["evidence"]
    # The reference is base 2 itself (200 addresses, none outside A), so it is not weighed.
    small_ref = [it for it in ev["limit_items"] if it["code"] == "limit.reference_too_small"]
    assert small_ref and small_ref[0]["outside_a"] == 0
    assert small_ref[0]["reference_unique"] == 200


def test_fingerprint_takes_an_id(two_exports: tuple[Path, Path]) -> None:
    db, _ = two_exports
    fp1 = as_json(run(db, "fingerprint", "id:1", "--json"))
    fp2 = as_json(run(db, "fingerprint", "id:2", "--json"))
    assert (fp1["name"], fp1["rows"], fp1["size"]) == ("export", 300, 300)
    assert (fp2["name"], fp2["rows"], fp2["size"]) == ("export", 200, 200)
    r = run(db, "fingerprint", "export")
    assert r.exit_code == 2 and "id:1 or id:2" in r.output


def test_search_takes_an_id_and_keeps_the_base(two_exports: tuple[Path, Path]) -> None:
    db, _ = two_exports
    res = as_json(run(db, "search", "id:2", "--exhaustive", "--json"))
    assert res["query_size"] == 200
    info = as_json(run(db, "store", "info", "--json"))
    assert [b["base_id"] for b in info["bases"]] == [1, 2]  # a stored query is not dropped


@pytest.mark.parametrize("args", [
    pytest.param(["compare", "id:9", "SMALL"], id="compare-a"),
    pytest.param(["compare", "SMALL", "id:9"], id="compare-b"),
    pytest.param(["compare", "SMALL", "id:1", "--reference", "id:9"], id="compare-reference"),
    pytest.param(["fingerprint", "id:9"], id="fingerprint"),
    pytest.param(["search", "id:9"], id="search"),
])
def test_an_unknown_id_is_one_line_exit_2(two_exports: tuple[Path, Path],
                                          args: list[str]) -> None:
    db, small = two_exports
    r = run(db, *[str(small) if a == "SMALL" else a for a in args])
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "no stored base has id 9" in lines[0], r.stderr
    assert "store info" in lines[0]
    with open_store(db, read_only=True) as s:
        assert s.scalar("SELECT count(*) FROM runs WHERE command = 'compare'") == 0


def test_an_existing_file_comes_before_an_id(two_exports: tuple[Path, Path],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    db, small = two_exports
    monkeypatch.chdir(small.parent)
    write_csv(small.parent / "id:1", addrs(0, 10))
    j = as_json(run(db, "compare", "id:1", str(small), "--json"))
    assert (j["a"]["rows"], j["a"]["unique"]) == (10, 10)


def test_resolve_base_by_id(two_exports: tuple[Path, Path]) -> None:
    db, _ = two_exports
    with open_store(db, read_only=True) as s:
        assert resolve_base(s, "id:2") == (2, "export")
        with pytest.raises(InputError, match="no stored base has id 3"):
            resolve_base(s, "id:3")
        with pytest.raises(InputError, match="give one as id:1 or id:2"):
            resolve_base(s, "export")


def test_store_info_shows_the_ids(two_exports: tuple[Path, Path]) -> None:
    db, _ = two_exports
    r = run(db, "store", "info")
    assert r.exit_code == 0, r.output
    rows = [line.split() for line in r.stdout.splitlines() if line.endswith("export")]
    assert [(row[0], row[1]) for row in rows] == [("1", "300"), ("2", "200")]


def test_store_drop_refuses_a_non_ascii_id_cleanly(two_exports: tuple[Path, Path]) -> None:
    db, _ = two_exports
    r = run(db, "store", "drop", "id:²", "--yes")
    assert r.exit_code == 2 and "no stored base 'id:²'" in r.output
    assert "Traceback" not in r.output


def test_fingerprint_gives_the_id_compare_takes(tmp_path: Path) -> None:
    """Two files named export.csv make two bases named `export`: only the id tells them apart,
    and `fingerprint --json` did not give it."""
    db = tmp_path / "s.duckdb"
    ids = []
    for week, keys in (("w1", addrs(0, 300)), ("w2", addrs(250, 450))):
        src = str(write_csv(tmp_path / week / "export.csv", keys))
        meta = as_json(run(db, "fingerprint", src, "--json"))
        assert meta["name"] == "export"
        ids.append(meta["base_id"])
        assert run(db, "fingerprint", src).stdout.rstrip().endswith(
            f"; stored base id:{meta['base_id']}")
    with open_store(db, read_only=True) as s:
        assert ids == [r[0] for r in s.fetchall("SELECT base_id FROM bases ORDER BY base_id")]
    c = as_json(run(db, "compare", f"id:{ids[0]}", f"id:{ids[1]}", "--json"))
    assert (c["a"]["unique"], c["b"]["unique"], c["overlap"]["exact"]) == (300, 200, 50)
