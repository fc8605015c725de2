"""MinHash fingerprints: datasketch equivalence, keys, export privacy, import checks, search."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from datasketch import MinHash

from mailhygiene import fingerprint as fpmod
from mailhygiene.cli import main
from mailhygiene.compare import compare_bases, compare_fingerprint_files
from mailhygiene.errors import InputError
from mailhygiene.fingerprint import (
    MinHashParams,
    export_fingerprint,
    fingerprint_base,
    import_fingerprint,
    load_fingerprint_file,
    minhash_signature,
)
from mailhygiene.keys import keyed_hash_hex, make_key, strings_hash64
from mailhygiene.search import search_bases, search_input
from mailhygiene.store import Store
from tests.test_compare import addrs, make_base

KEY = make_key(b"fingerprint test key, 32 bytes!!", "test")
OTHER = make_key(b"another key entirely, 32 bytes!!", "test")


@pytest.fixture
def store() -> Store:
    return Store(":memory:")


@pytest.mark.parametrize(("num_perm", "seed"), [(16, 1), (128, 7), (256, 1)])
def test_signature_equals_a_datasketch_update_loop(store: Store, num_perm: int,
                                                   seed: int) -> None:
    values = addrs(0, 700)
    hashes = strings_hash64(store, KEY, values)
    ours = minhash_signature(hashes, MinHashParams(num_perm, seed))
    ref = MinHash(num_perm=num_perm, seed=seed, scheme="affine64", hashfunc=int)
    for v in values:  # the per-address baseline: Python hmac, then datasketch's update
        ref.update(int(keyed_hash_hex(KEY, v)[:16], 16))
    assert np.array_equal(ours, ref.hashvalues)


def test_chunked_signature_equals_one_block(monkeypatch: pytest.MonkeyPatch) -> None:
    h = np.random.default_rng(3).integers(0, 2**64, size=5000, dtype=np.uint64)
    whole = minhash_signature(h)
    monkeypatch.setattr(fpmod, "_CHUNK", 777)
    assert np.array_equal(minhash_signature(h), whole)


def test_fingerprint_is_a_usable_datasketch_minhash(store: Store) -> None:
    a = make_base(store, "a", addrs(0, 3000))
    b = make_base(store, "b", addrs(1500, 4500))
    fa, fb = fingerprint_base(store, a, KEY), fingerprint_base(store, b, KEY)
    ma, mb = fa.minhash(), fb.minhash()
    assert abs(ma.jaccard(mb) - 1500 / 4500) < 0.1
    assert fa.size == 3000 and fa.rows == 3000 and fa.key_id == KEY.key_id
    # The stored fingerprint is reused and round-trips through DuckDB unchanged.
    again = fingerprint_base(store, a, KEY)
    assert np.array_equal(again.signature, fa.signature) and again.base_id == a


def test_same_key_and_params_identical_different_keys_unrelated(tmp_path: Path) -> None:
    sigs = {}
    for label, key, seed in [("k1", KEY, 1), ("k1-again", KEY, 1), ("k2", OTHER, 1),
                             ("k1-seed2", KEY, 2)]:
        with Store(tmp_path / f"{label}.duckdb") as s:
            base = make_base(s, "same", addrs(0, 2000))
            sigs[label] = fingerprint_base(s, base, key, params=MinHashParams(256, seed)).signature
    assert np.array_equal(sigs["k1"], sigs["k1-again"])
    # Same addresses under another key (or other permutations): positions agree by chance only.
    assert np.count_nonzero(sigs["k1"] == sigs["k2"]) <= 2
    assert np.count_nonzero(sigs["k1"] == sigs["k1-seed2"]) <= 2


def test_export_contains_no_address_and_no_keyed_hash(store: Store, tmp_path: Path) -> None:
    values = addrs(0, 400)
    base = make_base(store, "secretbase", values)
    fp = fingerprint_base(store, base, KEY)
    path = tmp_path / "fp.json"
    export_fingerprint(fp, path)
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    assert set(data) == {"format", "format_version", "tool", "tool_version", "keyed_hash",
                         "key_id", "minhash", "rows", "size", "signature_encoding", "signature"}
    assert "secretbase" not in text and "@" not in text and "example" not in text
    raw_sig = base64.b64decode(data["signature"])
    for v in values:
        kh = keyed_hash_hex(KEY, v)
        h64 = int(kh[:16], 16)
        for needle in (v, kh, kh[:16], str(h64)):
            assert needle not in text
        for blob in (bytes.fromhex(kh), bytes.fromhex(kh[:16]), bytes.fromhex(kh[:16])[::-1]):
            assert blob not in raw_sig
    assert KEY.secret.decode() not in text


def test_import_round_trip_and_refusals(store: Store, tmp_path: Path) -> None:
    base = make_base(store, "a", addrs(0, 500))
    fp = fingerprint_base(store, base, KEY)
    path = tmp_path / "fp.json"
    export_fingerprint(fp, path)
    other = Store(":memory:")
    got = import_fingerprint(other, path, KEY, name="theirs").fingerprint
    assert np.array_equal(got.signature, fp.signature) and got.size == 500
    assert got.source == "imported" and got.name == "theirs"
    with pytest.raises(InputError, match="HMAC key id"):
        import_fingerprint(other, path, OTHER)
    with pytest.raises(InputError, match=r"num_perm=256.*expected num_perm=128"):
        import_fingerprint(other, path, KEY, params=MinHashParams(num_perm=128))
    bad = tmp_path / "bad.json"
    short_sig = json.dumps({**json.loads(path.read_text()), "signature": "AAAAAAAAAAA="})
    for content, message in [("{not json", "not JSON"), ('{"a": 1}', "not a mailhygiene"),
                             (short_sig, "field 'signature'")]:
        bad.write_text(content)
        with pytest.raises(InputError, match=message):
            load_fingerprint_file(bad)


def test_fingerprints_only_matches_the_store_estimate(store: Store, tmp_path: Path) -> None:
    a = make_base(store, "a", addrs(0, 4000))
    b = make_base(store, "b", addrs(3000, 4400))
    full = compare_bases(store, a, b, key=KEY)
    export_fingerprint(fingerprint_base(store, a, KEY), tmp_path / "a.json")
    export_fingerprint(fingerprint_base(store, b, KEY), tmp_path / "b.json")
    only = compare_fingerprint_files(tmp_path / "a.json", tmp_path / "b.json")
    assert only.estimate == full.estimate
    j = only.to_json()
    assert "exact" not in j["overlap"] and j["a"]["unique"] == 4000
    b_other = fingerprint_base(store, b, OTHER)
    export_fingerprint(b_other, tmp_path / "b2.json")
    with pytest.raises(InputError, match="same key"):
        compare_fingerprint_files(tmp_path / "a.json", tmp_path / "b2.json")


def test_search_ranks_by_containment_of_the_input(store: Store, tmp_path: Path) -> None:
    query = make_base(store, "query", addrs(0, 2000))
    make_base(store, "holds90", addrs(200, 2000) + addrs(50000, 70000))  # 1:11 size ratio
    make_base(store, "holds50", addrs(1000, 2000) + addrs(80000, 81000))
    make_base(store, "holds0", addrs(90000, 93000))
    other_key_base = make_base(store, "otherkey", addrs(0, 2000))
    fingerprint_base(store, other_key_base, OTHER)
    for base_id in range(2, 5):
        fingerprint_base(store, base_id, KEY)
    # A fingerprint made elsewhere takes part too.
    with Store(tmp_path / "else.duckdb") as s:
        elsewhere = make_base(s, "far", addrs(0, 1400))
        export_fingerprint(fingerprint_base(s, elsewhere, KEY), tmp_path / "far.json")
    import_fingerprint(store, tmp_path / "far.json", KEY, name="imported70")
    res = search_bases(store, fingerprint_base(store, query, KEY), KEY, top=10)
    names = [h.name for h in res.hits]
    assert names[:3] == ["holds90", "imported70", "holds50"]
    assert "holds0" not in names and "query" not in names and "otherkey" not in names
    assert res.skipped == 1 and res.indexed == 4
    top = res.hits[0]
    assert abs(top.containment - 0.9) < 4 * top.containment_stderr + 0.05
    full = search_bases(store, fingerprint_base(store, query, KEY), KEY, exhaustive=True)
    assert [h.name for h in full.hits] == names and full.candidates == 4


def test_search_fingerprints_stored_bases_that_have_none(store: Store) -> None:
    make_base(store, "input", addrs(0, 1000))
    make_base(store, "big", addrs(0, 20000))
    make_base(store, "unrelated", addrs(50000, 51000))
    res = search_input(store, "input", KEY)
    assert res.computed == 3 and res.indexed == 2
    assert [h.name for h in res.hits] == ["big"]
    assert abs(res.hits[0].containment - 1.0) < 4 * res.hits[0].containment_stderr + 0.05
    assert search_input(store, "input", KEY).computed == 0  # saved the first time


def test_cli_fingerprint_export_import_and_search(tmp_path: Path) -> None:
    runner = CliRunner()
    keyf = tmp_path / "key"
    keyf.write_bytes(b"shared expert key, 32 bytes long")
    src = tmp_path / "mine.csv"
    src.write_text("email\n" + "\n".join(addrs(0, 600)) + "\n", encoding="utf-8")
    db1, db2 = str(tmp_path / "one.duckdb"), str(tmp_path / "two.duckdb")
    out = tmp_path / "mine.json"
    r = runner.invoke(main, ["fingerprint", str(src), "--name", "mine", "--export", str(out),
                             "--key-file", str(keyf), "--db", db1, "--json"])
    assert r.exit_code == 0, r.output
    meta = json.loads(r.stdout)
    assert meta["size"] == 600 and meta["name"] == "mine" and "signature" not in meta
    r = runner.invoke(main, ["fingerprint-import", str(out), "--key-file", str(keyf),
                             "--db", db2])
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["fingerprint-import", str(out), "--db", db2,
                             "--num-perm", "64", "--key-file", str(keyf)])
    assert r.exit_code == 2 and "num_perm=256" in r.output
    # the spelling, `fingerprint import FILE.json`, does the same
    db3 = str(tmp_path / "three.duckdb")
    r = runner.invoke(main, ["fingerprint", "import", str(out), "--name", "again",
                             "--key-file", str(keyf), "--db", db3, "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["name"] == "again"
    assert json.loads(r.stdout)["base_id"] is None  # an imported fingerprint has no base
    r = runner.invoke(main, ["fingerprint", "import", str(out), "--db", db3,
                             "--num-perm", "64", "--key-file", str(keyf)])
    assert r.exit_code == 2 and "num_perm=256" in r.output
    r = runner.invoke(main, ["fingerprint", str(src), str(out), "--db", db3])
    assert r.exit_code == 2 and "only taken by" in r.output
    theirs = tmp_path / "theirs.csv"
    theirs.write_text("email\n" + "\n".join(addrs(300, 600)) + "\n", encoding="utf-8")
    r = runner.invoke(main, ["search", str(theirs), "--key-file", str(keyf), "--db", db2,
                             "--json"])
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    assert [h["name"] for h in res["hits"]] == ["mine"]
    assert res["hits"][0]["containment_of_input"] > 0.8
    r = runner.invoke(main, ["compare", str(out), str(out), "--fingerprints-only", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["overlap"]["minhash_jaccard"] == 1.0


def _fp(name: str, num_perm: int = 256, seed: int = 1, key_id: str = "k1",
        version: str = "1.0") -> fpmod.Fingerprint:
    return fpmod.Fingerprint(
        name=name, params=MinHashParams(num_perm=num_perm, seed=seed), key_id=key_id, rows=3,
        size=3, signature=np.zeros(num_perm, dtype=np.uint64), created_at=datetime.now(),
        tool_version=version)


@pytest.mark.parametrize(
    ("b", "present", "absent"),
    [
        pytest.param(_fp("b", num_perm=64),
                     ["num_perm=256", "num_perm=64", "both files must be exported with the same "
                      "parameters", "export 'b' again with `mailhygiene fingerprint BASE "
                      "--num-perm 256 --export FILE` (or 'a' with --num-perm 64)"],
                     ["to match"], id="num-perm"),
        pytest.param(_fp("b", seed=7, version="0.9"),
                     ["seed=7", "export both with the same version", "1.0 and 0.9"],
                     ["--num-perm", "to match"], id="seed-not-an-option"),
        pytest.param(_fp("b", key_id="k2"), ["same key", "--key-file KEY --export"],
                     ["MAILHYGIENE_KEY"], id="key"),
    ],
)
def test_pair_refusal_says_how_to_export_again(b: fpmod.Fingerprint, present: list[str],
                                                absent: list[str]) -> None:
    with pytest.raises(InputError) as err:
        fpmod.check_pair_compatible(_fp("a"), b, "'a'", "'b'")
    for text in present:
        assert text in str(err.value)
    for text in absent:
        assert text not in str(err.value)


@pytest.mark.parametrize(
    ("fp", "advice"),
    [
        pytest.param(_fp("f", num_perm=64), "(use --num-perm 64 to match)", id="num-perm"),
        pytest.param(_fp("f", seed=7, version="0.9"), "(seed and scheme are fixed by the "
                     "mailhygiene version that made it (0.9; this is", id="seed"),
    ],
)
def test_import_refusal_advice(fp: fpmod.Fingerprint, advice: str) -> None:
    with pytest.raises(InputError) as err:
        fpmod.check_compatible(fp, key_id="k1", params=MinHashParams(), what="file")
    assert advice in str(err.value)


def test_cli_compare_fingerprints_only_mismatched_num_perm(tmp_path: Path) -> None:
    runner = CliRunner()
    keyf = tmp_path / "key"
    keyf.write_bytes(b"shared expert key, 32 bytes long")
    src = tmp_path / "mine.csv"
    src.write_text("email\n" + "\n".join(addrs(0, 50)) + "\n", encoding="utf-8")
    for name, num_perm in (("a", "256"), ("b", "64")):
        r = runner.invoke(main, ["fingerprint", str(src), "--num-perm", num_perm, "--export",
                                 str(tmp_path / f"{name}.json"), "--key-file", str(keyf),
                                 "--db", str(tmp_path / f"{name}.duckdb")])
        assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["compare", "--fingerprints-only", str(tmp_path / "a.json"),
                             str(tmp_path / "b.json")])
    assert r.exit_code == 2
    assert "to match" not in r.stderr
    assert f"export fingerprint file {tmp_path / 'b.json'} again with `mailhygiene fingerprint " \
           "BASE --num-perm 256 --export FILE`" in " ".join(r.stderr.split())


def test_cli_texts_of_one_row_and_one_fingerprint(tmp_path: Path) -> None:
    src = tmp_path / "one.csv"
    src.write_text("email\na@example.com\n", encoding="utf-8")
    env = {"MAILHYGIENE_KEY": "a cli test key of 32 bytes......"}
    db = str(tmp_path / "s.duckdb")
    r = CliRunner().invoke(main, ["fingerprint", str(src), "--db", db], env=env)
    assert r.exit_code == 0, r.output
    assert "1 unique of 1 row," in r.stdout
    query = tmp_path / "query.csv"
    query.write_text("email\na@example.com\nb@example.com\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["search", str(query), "--exhaustive", "--db", db], env=env)
    assert r.exit_code == 0, r.output
    assert "1 fingerprint scored, 1 candidate," in r.stdout


def test_cli_search_tells_hits_of_the_same_name_apart(tmp_path: Path) -> None:
    """Two stored bases named "list" (files of that name in two folders) are both hits: the
    text names each with its id, which `compare id:N` takes; a search with no hit says so
    rather than printing its header alone."""
    env = {"MAILHYGIENE_KEY": "a cli test key of 32 bytes......"}
    db = str(tmp_path / "s.duckdb")
    for folder, lo in (("x", 0), ("y", 100)):
        (tmp_path / folder).mkdir()
        src = tmp_path / folder / "list.csv"
        src.write_text("email\n" + "\n".join(addrs(lo, lo + 400)) + "\n", encoding="utf-8")
        r = CliRunner().invoke(main, ["fingerprint", str(src), "--db", db], env=env)
        assert r.exit_code == 0, r.output
    query = tmp_path / "query.csv"
    query.write_text("email\n" + "\n".join(addrs(100, 400)) + "\n", encoding="utf-8")
    args = ["search", str(query), "--exhaustive", "--db", db]
    r = CliRunner().invoke(main, [*args, "--json"], env=env)
    ids = [h["base_id"] for h in json.loads(r.stdout)["hits"]]
    assert len(set(ids)) == 2
    r = CliRunner().invoke(main, args, env=env)
    assert r.exit_code == 0, r.output
    hits = [line.split("%")[0].split(". ", 1)[1].rsplit(" ", 1)[0].strip()
            for line in r.stdout.splitlines()[1:]]
    assert sorted(hits) == sorted(f"list (id:{i})" for i in ids)
    other = tmp_path / "other.csv"
    other.write_text("email\n" + "\n".join(addrs(5000, 5300)) + "\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["search", str(other), "--exhaustive", "--db", db], env=env)
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[1:] == [
        "  no stored base reaches the threshold (0.05 containment)"]


def test_cli_search_gives_each_estimate_compares_interval(tmp_path: Path) -> None:
    """A copy of a stored list read "100.0% ± 0.0": the plug-in error is 0 at 100%. Each hit
    now carries the 95% interval `compare` gives the same estimate, in text and JSON."""
    env = {"MAILHYGIENE_KEY": "a cli test key of 32 bytes......"}
    db = str(tmp_path / "s.duckdb")
    content = "email\n" + "\n".join(addrs(0, 400)) + "\n"
    (tmp_path / "list.csv").write_text(content, encoding="utf-8")
    (tmp_path / "copy.csv").write_text(content, encoding="utf-8")
    r = CliRunner().invoke(main, ["fingerprint", str(tmp_path / "list.csv"), "--db", db,
                                  "--json"], env=env)
    assert r.exit_code == 0, r.output
    base_id = json.loads(r.stdout)["base_id"]
    args = ["search", str(tmp_path / "copy.csv"), "--exhaustive", "--db", db]
    r = CliRunner().invoke(main, args, env=env)
    assert r.exit_code == 0, r.output
    line = r.stdout.splitlines()[1]
    assert "100.00% ± 0.00 (95% " in line, line
    r = CliRunner().invoke(main, [*args, "--json"], env=env)
    (hit,) = json.loads(r.stdout)["hits"]
    lo, hi = hit["containment_of_input_ci95"]
    assert hit["containment_of_input"] == 1.0 and lo < 0.995 and hi == 1.0
    assert f"(95% {100 * lo:.2f}–{100 * hi:.2f}%)" in line
    r = CliRunner().invoke(main, ["compare", str(tmp_path / "copy.csv"), f"id:{base_id}",
                                  "--db", db, "--json"], env=env)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["overlap"]["minhash_containment_a_in_b_ci95"] == [lo, hi]
