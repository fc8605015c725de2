"""Fingerprint files from elsewhere: validation of every field, idempotent `fingerprint-import`,
and the names of files whose content was imported before under another name."""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner, Result

from mailhygiene.cli import main
from mailhygiene.errors import InputError
from mailhygiene.fingerprint import (
    export_fingerprint,
    fingerprint_base,
    load_fingerprint_file,
    validate_fingerprint_data,
)
from mailhygiene.store import Store
from tests.test_compare import addrs, make_base
from tests.test_fingerprint import KEY

MAX64 = 2**64 - 1


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A genuine export of a 1,000-address base (256 permutations)."""
    store = Store(":memory:")
    fp = fingerprint_base(store, make_base(store, "a", addrs(0, 1000) + addrs(0, 10)), KEY)
    path = tmp_path_factory.mktemp("good") / "a.json"
    export_fingerprint(fp, path)
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _sig(values: list[int]) -> str:
    return base64.b64encode(np.array(values, dtype="<u8").tobytes()).decode("ascii")


Mutation = Callable[[dict[str, Any]], Any]


def put(field: str, value: Any) -> Mutation:
    def mutate(d: dict[str, Any]) -> None:
        *parents, last = field.split(".")
        for p in parents:
            d = d[p]
        d[last] = value
    return mutate


def drop(field: str) -> Mutation:
    def mutate(d: dict[str, Any]) -> None:
        *parents, last = field.split(".")
        for p in parents:
            d = d[p]
        del d[last]
    return mutate


def both(*ms: Mutation) -> Mutation:
    def mutate(d: dict[str, Any]) -> None:
        for m in ms:
            m(d)
    return mutate


INVALID = [
    pytest.param(put("size", -5), "field 'size'", id="size-negative"),
    pytest.param(put("size", 1e30), "field 'size'", id="size-huge-float"),
    pytest.param(put("size", 10**30), "field 'size'", id="size-huge-int"),
    pytest.param(put("size", True), "field 'size': must be an integer, not a boolean",
                 id="size-bool"),
    pytest.param(put("size", 1000.0), "field 'size'", id="size-float"),
    pytest.param(put("size", "1000"), "field 'size'", id="size-string"),
    pytest.param(put("size", None), "field 'size'", id="size-null"),
    pytest.param(drop("size"), "field 'size': missing", id="size-missing"),
    pytest.param(put("rows", 999), "field 'size'", id="size-above-rows"),
    pytest.param(put("rows", -1), "field 'rows'", id="rows-negative"),
    pytest.param(put("rows", 10**13), "field 'rows'", id="rows-huge"),
    pytest.param(put("rows", False), "field 'rows'", id="rows-bool"),
    pytest.param(put("minhash.num_perm", 128), "field 'signature'", id="num-perm-mismatch"),
    pytest.param(put("minhash.num_perm", 0), "field 'minhash.num_perm'", id="num-perm-zero"),
    pytest.param(put("minhash.num_perm", -256), "field 'minhash.num_perm'",
                 id="num-perm-negative"),
    pytest.param(put("minhash.num_perm", 10**6), "field 'minhash.num_perm'",
                 id="num-perm-huge"),
    pytest.param(put("minhash.num_perm", True), "field 'minhash.num_perm'", id="num-perm-bool"),
    pytest.param(put("minhash.seed", -1), "field 'minhash.seed'", id="seed-negative"),
    pytest.param(put("minhash.seed", 2**32), "field 'minhash.seed'", id="seed-too-big"),
    pytest.param(put("minhash.seed", "1"), "field 'minhash.seed'", id="seed-string"),
    pytest.param(put("minhash.scheme", "affine32"), "field 'minhash.scheme'", id="scheme"),
    pytest.param(put("minhash.library", "other"), "field 'minhash.library'", id="library"),
    pytest.param(put("minhash.input", "sha1"), "field 'minhash.input'", id="input"),
    pytest.param(put("minhash.extra", 1), "field 'minhash.extra': unknown", id="minhash-extra"),
    pytest.param(put("minhash", [256, 1]), "field 'minhash'", id="minhash-not-object"),
    pytest.param(put("keyed_hash", "sha1"), "field 'keyed_hash'", id="keyed-hash"),
    pytest.param(put("key_id", 5), "field 'key_id'", id="key-id-number"),
    pytest.param(put("key_id", "\x1b[2Jxx"), "field 'key_id'", id="key-id-escape"),
    pytest.param(put("tool", "other"), "field 'tool'", id="tool"),
    pytest.param(put("tool_version", 1), "field 'tool_version'", id="tool-version-number"),
    pytest.param(put("tool_version", "1.0\x1b[31m"), "field 'tool_version'",
                 id="tool-version-escape"),
    pytest.param(put("tool_version", "1" * 1000), "field 'tool_version'",
                 id="tool-version-long"),
    pytest.param(put("format_version", 2), "format version 2", id="format-version"),
    pytest.param(put("format_version", True), "field 'format_version'",
                 id="format-version-bool"),
    pytest.param(drop("format"), "not a mailhygiene fingerprint file", id="no-format"),
    pytest.param(put("signature_encoding", "hex"), "field 'signature_encoding'",
                 id="signature-encoding"),
    pytest.param(put("signature", "!!!"), "field 'signature': not base64", id="sig-not-base64"),
    pytest.param(put("signature", 5), "field 'signature'", id="sig-number"),
    pytest.param(put("signature", "AAAAAAAAAA=="), "field 'signature'", id="sig-7-bytes"),
    pytest.param(put("signature", _sig([1] * 255)), "field 'signature'", id="sig-255-values"),
    pytest.param(put("signature", _sig([MAX64] * 256)), "field 'signature'",
                 id="sig-empty-set-but-size"),
    pytest.param(both(put("size", 0), put("rows", 0)), "field 'signature'",
                 id="size-0-but-signature"),
    pytest.param(put("extra", 1), "field 'extra': unknown", id="unknown-field"),
]


@pytest.mark.parametrize(("mutate", "message"), INVALID)
def test_validation_names_the_field(good: dict[str, Any], mutate: Mutation,
                                    message: str) -> None:
    data = copy.deepcopy(good)
    mutate(data)
    with pytest.raises(InputError, match=r"^[^\n]*" + re.escape(message) + r"[^\n]*$"):
        validate_fingerprint_data(data)


def test_validation_accepts_the_export_and_an_empty_set(good: dict[str, Any]) -> None:
    v = validate_fingerprint_data(good)
    assert (v.rows, v.size, v.params.num_perm, v.key_id) == (1010, 1000, 256, KEY.key_id)
    empty = {**good, "rows": 3, "size": 0, "signature": _sig([MAX64] * 256)}
    assert validate_fingerprint_data(empty).size == 0


RAW = [
    pytest.param(lambda t: "[" * 100_000, "nested too deeply", id="deep-nesting"),
    pytest.param(lambda t: t.replace('"size": 1000', '"size": Infinity'), "Infinity",
                 id="infinity"),
    pytest.param(lambda t: t.replace('"size": 1000', '"size": -Infinity'), "Infinity",
                 id="minus-infinity"),
    pytest.param(lambda t: t.replace('"size": 1000', '"size": NaN'), "NaN", id="nan"),
    pytest.param(lambda t: t.replace('"size": 1000', '"size": 1e400'), "field 'size'",
                 id="float-overflow"),
    pytest.param(lambda t: t.replace('"size": 1000', '"size": ' + "9" * 5000), "not JSON",
                 id="5000-digits"),
    pytest.param(lambda t: t.replace('"size": 1000', '"size": 1000, "size": 5'),
                 "duplicate field 'size'", id="duplicate-field"),
    pytest.param(lambda t: "", "not JSON", id="empty"),
    pytest.param(lambda t: t + " " * (2 << 20), "larger than 1,048,576 bytes", id="too-large"),
]


@pytest.mark.parametrize(("edit", "message"), RAW)
def test_bad_json_is_one_clear_error(good: dict[str, Any], tmp_path: Path,
                                     edit: Callable[[str], str], message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(edit(json.dumps(good)), encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(message)):
        load_fingerprint_file(path)


def test_a_bom_and_crlf_are_accepted(good: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(good, indent=2).replace("\n", "\r\n").encode())
    assert load_fingerprint_file(path).size == 1000


def test_invalid_utf8_is_refused(good: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    text = json.dumps({**good, "tool_version": "é"}, ensure_ascii=False)
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(InputError, match="UTF-8"):
        load_fingerprint_file(path)


# -- CLI ----------------------------------------------------------------------------------------
def _invoke(args: list[str]) -> Result:
    return CliRunner().invoke(main, args)


def _write_csv(path: Path, values: list[str]) -> Path:
    path.write_text("email\n" + "\n".join(values) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def keyf(tmp_path: Path) -> str:
    k = tmp_path / "key"
    k.write_bytes(b"shared expert key, 32 bytes long")
    return str(k)


@pytest.fixture
def fb(tmp_path: Path, keyf: str) -> Path:
    """b.csv (3,000 addresses) fingerprinted and exported as fb.json, in its own store."""
    src = _write_csv(tmp_path / "b.csv", addrs(3000, 6000))
    out = tmp_path / "fb.json"
    r = _invoke(["fingerprint", str(src), "--export", str(out), "--key-file", keyf,
                 "--db", str(tmp_path / "maker.duckdb")])
    assert r.exit_code == 0, r.output
    return out


@pytest.mark.parametrize(("edit", "message"), [
    pytest.param(lambda d: {**d, "size": -5}, "field 'size'", id="negative"),
    pytest.param(lambda d: {**d, "size": 1e30}, "field 'size'", id="huge"),
    pytest.param(lambda d: {**d, "size": True}, "field 'size'", id="bool"),
    pytest.param(lambda d: {**d, "rows": 10}, "field 'size'", id="rows-below-size"),
    pytest.param(lambda d: json.dumps(d).replace('"size": 3000', '"size": Infinity'),
                 "Infinity", id="infinity"),
    pytest.param(lambda d: "[" * 100_000, "nested too deeply", id="deep"),
])
@pytest.mark.parametrize("command", ["compare", "fingerprint-import", "fingerprint import"])
def test_cli_refuses_tampered_files_with_exit_2(fb: Path, tmp_path: Path, keyf: str,
                                                edit: Callable[[dict[str, Any]], Any],
                                                message: str, command: str) -> None:
    bad = tmp_path / "tampered.json"
    content = edit(json.loads(fb.read_text(encoding="utf-8")))
    bad.write_text(content if isinstance(content, str) else json.dumps(content),
                   encoding="utf-8")
    db = str(tmp_path / "s.duckdb")
    if command == "compare":
        args = ["compare", "--fingerprints-only", str(bad), str(fb)]
    else:
        args = [*command.split(), str(bad), "--key-file", keyf, "--db", db]
    r = _invoke(args)
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "internal error" not in lines[0]
    assert "tampered.json" in lines[0]


def _count_fingerprints(db: str) -> int:
    with Store(db) as s:
        return int(s.scalar("SELECT count(*) FROM fingerprints"))


def test_reimporting_the_same_fingerprint_stores_it_once(fb: Path, tmp_path: Path,
                                                         keyf: str) -> None:
    db = str(tmp_path / "i.duckdb")
    base = ["--key-file", keyf, "--db", db]
    r = _invoke(["fingerprint-import", str(fb), *base])
    assert r.exit_code == 0, r.output
    for args in (["fingerprint-import", str(fb), *base],
                 ["fingerprint", "import", str(fb), *base],
                 ["fingerprint-import", str(fb), "--name", "other", *base]):
        r = _invoke(args)
        assert r.exit_code == 0, r.output
        assert "already in the store as 'fb'" in r.stdout and "not stored again" in r.stdout
    r = _invoke(["fingerprint-import", str(fb), "--json", *base])
    meta = json.loads(r.stdout)
    assert meta["import"] == {"outcome": "already_stored", "existing_name": "fb"}
    assert _count_fingerprints(db) == 1
    r = _invoke(["search", str(tmp_path / "b.csv"), "--json", *base])
    assert r.exit_code == 0, r.output
    assert [h["name"] for h in json.loads(r.stdout)["hits"]] == ["fb"]


def test_importing_an_export_of_a_stored_base_adds_nothing(fb: Path, tmp_path: Path,
                                                           keyf: str) -> None:
    maker = ["--key-file", keyf, "--db", str(tmp_path / "maker.duckdb")]
    r = _invoke(["fingerprint-import", str(fb), *maker])
    assert r.exit_code == 0, r.output
    assert "already in the store as 'b'" in r.stdout
    assert _count_fingerprints(str(tmp_path / "maker.duckdb")) == 1


def test_another_file_under_a_taken_name_is_refused_unless_replace(fb: Path, tmp_path: Path,
                                                                   keyf: str) -> None:
    db = str(tmp_path / "i.duckdb")
    opts = ["--key-file", keyf, "--db", db]
    assert _invoke(["fingerprint-import", str(fb), *opts]).exit_code == 0
    other_src = _write_csv(tmp_path / "c.csv", addrs(0, 500))
    newer = tmp_path / "newer" / "fb.json"
    newer.parent.mkdir()
    r = _invoke(["fingerprint", str(other_src), "--export", str(newer), "--key-file", keyf,
                 "--db", str(tmp_path / "other.duckdb")])
    assert r.exit_code == 0, r.output
    r = _invoke(["fingerprint-import", str(newer), *opts])
    assert r.exit_code == 2
    assert "'fb'" in r.stderr and "--replace" in r.stderr and "--name" in r.stderr
    assert str(newer) in r.stderr
    assert _count_fingerprints(db) == 1
    r = _invoke(["fingerprint-import", str(newer), "--replace", *opts])
    assert r.exit_code == 0, r.output
    assert "replaced" in r.stdout
    with Store(db) as s:
        assert s.fetchall("SELECT name, size FROM fingerprints") == [("fb", 500)]
    r = _invoke(["fingerprint-import", str(fb), "--name", "fb-old", *opts])
    assert r.exit_code == 0 and _count_fingerprints(db) == 2


def test_same_content_files_keep_the_names_asked_for(tmp_path: Path, keyf: str) -> None:
    content = "email\n" + "\n".join(addrs(0, 800)) + "\n"
    x, y = tmp_path / "x.csv", tmp_path / "y.csv"
    x.write_text(content, encoding="utf-8")
    y.write_text(content, encoding="utf-8")
    db = str(tmp_path / "n.duckdb")
    opts = ["--key-file", keyf, "--db", db]
    # (file, --name, name printed): an explicit name gets its own base (pipeline's rule); a
    # file without one reuses an import of the same file, preferably the one named after it.
    for path, name, expected in [(x, None, "x"), (y, "YYY", "YYY"), (x, None, "x"),
                                 (y, None, "y"), (x, "XX", "XX"), (x, None, "x")]:
        args = ["fingerprint", str(path), *opts] + (["--name", name] if name else [])
        r = _invoke(args)
        assert r.exit_code == 0, r.output
        assert r.stdout.startswith(f"fingerprint of {expected}:"), (path, name, r.stdout)
        r = _invoke([*args, "--json"])
        assert json.loads(r.stdout)["name"] == expected
    with Store(db) as s:
        assert s.fetchall("SELECT name FROM bases ORDER BY base_id") == [("x",), ("YYY",),
                                                                          ("XX",)]
    # y: its own import (YYY, the same path) is the query; another file's is not reused
    for query, hits in [(x, ["XX", "YYY"]), (y, ["XX", "x"])]:
        r = _invoke(["search", str(query), "--json", *opts])
        assert r.exit_code == 0, r.output
        res = json.loads(r.stdout)
        assert res["query"] == query.stem
        assert sorted(h["name"] for h in res["hits"]) == hits
        r = _invoke(["search", str(query), *opts])
        assert r.stdout.startswith(f"{query.stem}: ")


def test_a_file_checked_under_another_name_is_reused_not_imported_again(tmp_path: Path,
                                                                       keyf: str) -> None:
    src = _write_csv(tmp_path / "a.csv", addrs(0, 300))
    db = str(tmp_path / "c.duckdb")
    r = _invoke(["check", str(src), "--level", "syntax", "--name", "shared", "--db", db,
                 "-o", str(tmp_path / "out.csv")])
    assert r.exit_code == 0, r.output
    r = _invoke(["fingerprint", str(src), "--key-file", keyf, "--db", db])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("fingerprint of a:")
    with Store(db) as s:
        assert s.fetchall("SELECT name FROM bases") == [("shared",)]
