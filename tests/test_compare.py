"""compare: exact overlap, MinHash estimate and its error, breakdowns, JSON keys, CLI (issue 7)."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from mailhygiene.cli import main
from mailhygiene.compare import (
    column_warning,
    compare_bases,
    compare_fingerprints,
    compare_inputs,
    estimate_from_jaccard,
)
from mailhygiene.fingerprint import MinHashParams, fingerprint_from_hashes
from mailhygiene.keys import make_key
from mailhygiene.pipeline import dedupe
from mailhygiene.store import Store
from mailhygiene.store.core import now

KEY = make_key(b"test key for compare, 32 bytes!!", "test")


def make_base(store: Store, name: str, keys: Sequence[str],
              statuses: Sequence[tuple[str, str]] | None = None) -> int:
    """A stored base as the pipeline leaves it: one contacts row per key, in order, repeated
    keys marked `duplicate` of their first row (pipeline.dedupe)."""
    base_id = int(store.scalar("SELECT nextval('base_ids')"))
    store.execute("INSERT INTO bases (base_id, name, rows, imported_at) VALUES (?, ?, ?, ?)",
                  [base_id, name, len(keys), now()])
    if not keys:
        return base_id
    st_list = [s for s, _ in statuses] if statuses else [None] * len(keys)
    rs_list = [r for _, r in statuses] if statuses else [None] * len(keys)
    store.execute(
        """INSERT INTO contacts (base_id, row_no, raw, address, key, domain, syntax_ok, status,
                                 reason)
           SELECT $b, i, k, k, k, split_part(k, '@', 2), true, s, r FROM (
               SELECT unnest($k::VARCHAR[]) AS k, unnest($s::VARCHAR[]) AS s,
                      unnest($r::VARCHAR[]) AS r, generate_subscripts($k::VARCHAR[], 1) AS i)""",
        {"b": base_id, "k": list(keys), "s": st_list, "r": rs_list},
    )
    dedupe(store, base_id)
    return base_id


def addrs(lo: int, hi: int, domains: int = 13) -> list[str]:
    return [f"user{i}@d{i % domains}.example" for i in range(lo, hi)]


@pytest.fixture
def store() -> Store:
    return Store(":memory:")


# -- exact counts -------------------------------------------------------------------------------
def test_compare_with_itself_is_full_overlap(store: Store) -> None:
    a = make_base(store, "a", addrs(0, 2000) + addrs(0, 10))  # 10 duplicate rows
    c = compare_bases(store, a, a, key=KEY)
    assert (c.a.rows, c.a.unique, c.exact) == (2010, 2000, 2000)
    assert c.jaccard == 1.0 and c.containment_b_in_a == 1.0 and c.containment_a_in_b == 1.0
    assert c.estimate is not None and c.estimate.jaccard == 1.0
    assert c.to_json()["overlap"]["minhash_error"] == 0.0


def test_copy_of_a_stored_base_is_full_overlap(store: Store) -> None:
    a = make_base(store, "a", addrs(0, 1500))
    b = make_base(store, "b", list(reversed(addrs(0, 1500))))
    c = compare_bases(store, a, b, key=KEY)
    assert c.exact == 1500 and c.jaccard == 1.0
    assert c.estimate is not None and c.estimate.jaccard == 1.0


def test_counts_are_hand_computed(store: Store) -> None:
    # A = 0..999 plus a repeated row; B = 600..1399: overlap 400.
    a = make_base(store, "a", [*addrs(0, 1000), "user5@d5.example"])
    b = make_base(store, "b", addrs(600, 1400))
    c = compare_bases(store, a, b, key=None)
    assert (c.a.rows, c.a.unique, c.b.rows, c.b.unique, c.exact) == (1001, 1000, 800, 800, 400)
    assert c.containment_b_in_a == pytest.approx(400 / 800)
    assert c.containment_a_in_b == pytest.approx(400 / 1000)
    assert c.jaccard == pytest.approx(400 / 1400)
    assert c.estimate is None and c.to_json()["overlap"]["minhash_jaccard"] is None


def test_disjoint_and_empty(store: Store) -> None:
    a = make_base(store, "a", addrs(0, 500))
    b = make_base(store, "b", addrs(500, 900))
    e = make_base(store, "e", [])
    c = compare_bases(store, a, b, key=KEY)
    assert c.exact == 0 and c.jaccard == 0.0
    assert c.estimate is not None and c.estimate.jaccard < 0.05
    ce = compare_bases(store, a, e, key=KEY)
    assert ce.exact == 0 and ce.containment_b_in_a is None and ce.estimate is None


@settings(max_examples=25, deadline=None)
@given(pool=st.lists(st.sampled_from(addrs(0, 60, domains=4)), max_size=40),
       other=st.lists(st.sampled_from(addrs(0, 60, domains=4)), max_size=40))
def test_compare_is_symmetric(pool: list[str], other: list[str]) -> None:
    store = Store(":memory:")
    a = make_base(store, "a", pool)
    b = make_base(store, "b", other)
    ab, ba = compare_bases(store, a, b, key=KEY), compare_bases(store, b, a, key=KEY)
    assert ab.exact == ba.exact == len(set(pool) & set(other))
    assert ab.jaccard == ba.jaccard
    assert ab.containment_b_in_a == ba.containment_a_in_b
    assert ab.containment_a_in_b == ba.containment_b_in_a
    if ab.estimate is not None:
        assert ba.estimate is not None
        assert ab.estimate.jaccard == ba.estimate.jaccard
        assert ab.estimate.containment_b_in_a == ba.estimate.containment_a_in_b
    else:
        assert ba.estimate is None and (not pool or not other)
    cc = compare_bases(store, a, a, key=KEY)
    assert cc.exact == len(set(pool)) and cc.jaccard in (None, 1.0)


# -- the MinHash estimate against the exact value -----------------------------------------------
def _pairs() -> list[tuple[int, int, float, int]]:
    """(|A|, |B|, share of B inside A, seed): ratios 1:1 to 1:10, overlaps from none to full."""
    cases = []
    seed = 0
    for size_a, size_b in [(4000, 4000), (6000, 2000), (10000, 1000), (1000, 10000),
                           (3000, 1500)]:
        for share in (0.0, 0.1, 0.3, 0.6, 0.9, 1.0):
            for _ in range(3):
                seed += 1
                cases.append((size_a, size_b, share, seed))
    return cases


def test_minhash_estimate_within_three_stderr_over_many_seeds() -> None:
    """Signatures of random sets (distinct 64-bit keyed-hash stand-ins) for 90 pairs, 72 of
    them with 0 < J < 1: the estimate's z-score against the exact Jaccard, with the stderr
    sqrt(J(1-J)/k) at the exact J. At most one pair may fall beyond 3 stderr (each has a 0.3%
    chance under a correct estimator, so 2+ of 72 has a 2% chance) and none beyond 4.5; the
    mean z shows no bias. J = 0 and J = 1 pairs must come out (almost) exact."""
    params = MinHashParams(num_perm=256, seed=1)
    zs, beyond3 = [], []
    for size_a, size_b, share, seed in _pairs():
        rng = np.random.default_rng(seed)
        universe = np.unique(rng.integers(0, 2**64, size=size_a + size_b, dtype=np.uint64))
        assert len(universe) == size_a + size_b  # 64-bit values: no collision expected
        rng.shuffle(universe)
        hb = universe[:size_b].astype(np.uint64)
        n_in = round(share * min(size_b, size_a))
        ha = np.concatenate([hb[:n_in], universe[size_b:size_b + size_a - n_in]]).astype(
            np.uint64)
        inter = n_in
        j = inter / (size_a + size_b - inter)
        fa = fingerprint_from_hashes(ha, name="a", key_id="k", params=params)
        fb = fingerprint_from_hashes(hb, name="b", key_id="k", params=params)
        est = compare_fingerprints(fa, fb).estimate
        assert est is not None
        se = math.sqrt(j * (1 - j) / params.num_perm)
        if se == 0:
            assert est.jaccard == pytest.approx(j, abs=2 / params.num_perm)
            continue
        z = (est.jaccard - j) / se
        zs.append(z)
        if abs(z) > 3:
            beyond3.append((size_a, size_b, share, seed, z))
        assert abs(z) < 4.5, (size_a, size_b, share, seed, z)
    assert len(beyond3) <= 1, beyond3
    assert abs(float(np.mean(zs))) < 3 / math.sqrt(len(zs))


def test_keyed_estimate_over_many_keys_one_to_ten(store: Store) -> None:
    """End to end (HMAC in DuckDB, MinHash in numpy): the same 1:10 pair under 30 keys, each
    key giving an independent draw of the estimate. Same bounds as above."""
    a = make_base(store, "a", addrs(0, 5000))
    b = make_base(store, "b", addrs(4700, 5200))  # 300 of B's 500 in A, |A| = 10 |B|
    j = 300 / 5200
    se = math.sqrt(j * (1 - j) / 256)
    zs = []
    for i in range(30):
        key = make_key(f"key number {i:02d} for the 1:10 test".encode(), "test")
        e = compare_bases(store, a, b, key=key).estimate
        assert e is not None
        zs.append((e.jaccard - j) / se)
    assert max(abs(z) for z in zs) < 4.5 and sum(abs(z) > 3 for z in zs) <= 1, zs
    assert abs(float(np.mean(zs))) < 3 / math.sqrt(len(zs))


def test_estimate_through_the_store_is_close_to_exact(store: Store) -> None:
    a = make_base(store, "a", addrs(0, 10000))
    b = make_base(store, "b", addrs(9000, 10000) + addrs(20000, 20100))  # 1:10, B mostly in A
    c = compare_bases(store, a, b, key=KEY)
    e = c.estimate
    assert e is not None and c.jaccard is not None
    assert abs(e.jaccard - c.jaccard) < 3 * math.sqrt(c.jaccard * (1 - c.jaccard) / 256)
    assert e.containment_b_in_a is not None and e.containment_b_in_a_stderr is not None
    assert abs(e.containment_b_in_a - 1000 / 1100) < 3 * e.containment_b_in_a_stderr + 0.02


@pytest.mark.parametrize(
    ("j", "size_a", "size_b", "inter", "b_in_a", "a_in_b"),
    [
        pytest.param(1.0, 500, 500, 500, 1.0, 1.0, id="identical"),
        pytest.param(0.0, 500, 300, 0, 0.0, 0.0, id="disjoint"),
        pytest.param(0.1, 10000, 1000, 1000, 1.0, 0.1, id="b-inside-a-1-to-10"),
        pytest.param(1 / 3, 1000, 1000, 500, 0.5, 0.5, id="half"),
        pytest.param(0.9, 1000, 100, 100, 1.0, 0.1, id="capped-at-smaller-size"),
    ],
)
def test_estimate_from_jaccard(j: float, size_a: int, size_b: int, inter: float, b_in_a: float,
                               a_in_b: float) -> None:
    e = estimate_from_jaccard(j, 256, size_a, size_b)
    assert e.intersection == pytest.approx(inter)
    assert e.containment_b_in_a == pytest.approx(b_in_a)
    assert e.containment_a_in_b == pytest.approx(a_in_b)
    assert e.stderr == pytest.approx(math.sqrt(j * (1 - j) / 256))
    lo, hi = e.jaccard_ci95
    assert 0.0 <= lo <= j <= hi <= 1.0


# -- breakdowns and JSON ------------------------------------------------------------------------
def test_by_status_and_reason_of_a(store: Store) -> None:
    keys = ["a@x.ma", "b@x.ma", "c@y.ma", "d@y.ma", "a@x.ma"]
    statuses = [("invalid", "mailbox_not_found"), ("valid", "accepted"),
                ("invalid", "domain_not_found"), ("unknown", "smtp_skipped"),
                ("duplicate", "duplicate_of")]
    a = make_base(store, "a", keys, statuses)
    b = make_base(store, "b", ["a@x.ma", "c@y.ma", "d@y.ma", "zz@q.ma"])
    c = compare_bases(store, a, b)
    assert c.a.checked and not c.b.checked
    assert c.by_status is not None and c.by_reason is not None
    got = {s.status: (s.a_unique, s.in_b) for s in c.by_status}
    assert got == {"invalid": (2, 2), "valid": (1, 0), "unknown": (1, 1)}
    reasons = {(s.status, s.reason): (s.a_unique, s.in_b) for s in c.by_reason}
    assert reasons[("invalid", "mailbox_not_found")] == (1, 1)
    assert reasons[("valid", "accepted")] == (1, 0)
    assert compare_bases(store, b, a).by_status is None  # B was never checked


def test_by_domain_is_masked_and_limited(store: Store) -> None:
    a = make_base(store, "a", addrs(0, 3000, domains=30))
    b = make_base(store, "b", [k for i, k in enumerate(addrs(0, 3000, domains=30)) if i % 7])
    c = compare_bases(store, a, b, top_domains=20)
    assert len(c.by_domain) == 20
    assert sum(d.overlap for d in c.by_domain) <= c.exact
    text = json.dumps(c.to_json())
    assert "d1.example" not in text and "user" not in text
    # the 20 domains all mask alike, so they are numbered in the table's order
    assert [d.domain for d in c.by_domain] == [f"d***.example ({i})" for i in range(1, 21)]
    assert all(d.overlap <= min(d.a_unique, d.b_unique) for d in c.by_domain)


def test_json_keys_are_stable_and_evidence_attaches(store: Store) -> None:
    a = make_base(store, "a", addrs(0, 300))
    b = make_base(store, "b", addrs(100, 400))
    c = compare_bases(store, a, b, key=KEY)
    j = c.to_json()
    assert {"a", "b", "overlap", "by_status", "by_domain", "minhash", "schema"} <= set(j)
    assert {"rows", "unique"} <= set(j["a"]) and {"rows", "unique"} <= set(j["b"])
    assert {"exact", "containment_b_in_a", "containment_a_in_b", "jaccard", "minhash_jaccard",
            "minhash_stderr", "minhash_containment_b_in_a", "minhash_containment_a_in_b"} <= set(
        j["overlap"])
    assert j["minhash"]["key_id"] == KEY.key_id and "evidence" not in j
    with_ev = dataclasses.replace(c, evidence={"log10_lr": 2.5})
    assert with_ev.to_json()["evidence"] == {"log10_lr": 2.5}
    json.dumps(j)  # serializable as is
    seen = []

    def hook(s: Store, a_id: int, b_id: int) -> dict[str, object]:
        seen.append((a_id, b_id))
        return {"log10_lr": 0.0}

    hooked = compare_inputs(store, "a", "b", key=None, evidence=hook)
    assert seen == [(a, b)] and hooked.to_json()["evidence"] == {"log10_lr": 0.0}


# -- CLI ----------------------------------------------------------------------------------------
def _write_csv(path: Path, keys: Sequence[str]) -> Path:
    path.write_text("email\n" + "\n".join(keys) + "\n", encoding="utf-8")
    return path


def test_cli_compare_files_and_names(tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    fa = _write_csv(tmp_path / "alpha.csv", [*addrs(0, 800), "User3@D3.Example"])
    fb = _write_csv(tmp_path / "beta.csv", addrs(500, 900))
    runner = CliRunner()
    env = {"MAILHYGIENE_KEY": "a cli test key of 32 bytes......"}
    r = runner.invoke(main, ["compare", str(fa), str(fb), "--json", "--db", db], env=env)
    assert r.exit_code == 0, r.output
    j = json.loads(r.stdout)
    assert (j["a"]["rows"], j["a"]["unique"], j["b"]["unique"]) == (801, 800, 400)
    assert j["overlap"]["exact"] == 300
    # The same bases by their stored names, and the text output.
    r2 = runner.invoke(main, ["compare", "alpha", "beta", "--db", db], env=env)
    assert r2.exit_code == 0, r2.output
    assert "300" in r2.stdout and "user1" not in r2.stdout
    r3 = runner.invoke(main, ["compare", "alpha", "nosuchbase", "--db", db], env=env)
    assert r3.exit_code == 2 and "neither a readable file nor a stored base" in r3.output


def test_cli_text_gives_each_minhash_estimate_its_interval(tmp_path: Path) -> None:
    """A base against itself: the plug-in ± of every estimate is 0 at 100%; the text output
    gives the 95% intervals the JSON holds, so no estimate reads as an exact figure."""
    db = str(tmp_path / "s.duckdb")
    fa = _write_csv(tmp_path / "a.csv", addrs(0, 500))
    env = {"MAILHYGIENE_KEY": "a cli test key of 32 bytes......"}
    r = CliRunner().invoke(main, ["compare", str(fa), str(fa), "--json", "--db", db], env=env)
    o = json.loads(r.stdout)["overlap"]
    r = CliRunner().invoke(main, ["compare", str(fa), str(fa), "--db", db], env=env)
    assert r.exit_code == 0, r.output
    lines = {line.split("  ")[1].strip(): line for line in r.stdout.splitlines()
             if line.startswith("  est. ")}
    for label, key in (("est. B in A", "b_in_a"), ("est. A in B", "a_in_b")):
        lo, hi = o[f"minhash_containment_{key}_ci95"]
        assert o[f"minhash_containment_{key}_stderr"] == 0.0 and lo < 1.0
        assert lines[label].endswith(f"(95% {100 * lo:.2f}–{100 * hi:.2f}%)")
    lo, hi = o["minhash_containment_b_in_a_ci95"]
    assert lines["est. overlap"].endswith(f"(95% {lo * 500:,.0f}–{hi * 500:,.0f})")


def test_cli_bases_of_the_same_name_are_told_apart(tmp_path: Path) -> None:
    """Two files named list.csv (other folders) are stored as two bases named "list": the text
    output names each with its id, as the JSON does."""
    db = str(tmp_path / "s.duckdb")
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    fa = _write_csv(tmp_path / "x" / "list.csv", addrs(0, 50))
    fb = _write_csv(tmp_path / "y" / "list.csv", addrs(25, 60))
    env = {"MAILHYGIENE_KEY": "a cli test key of 32 bytes......"}
    r = CliRunner().invoke(main, ["compare", str(fa), str(fb), "--json", "--db", db], env=env)
    assert r.exit_code == 0, r.output
    j = json.loads(r.stdout)
    ids = (j["a"]["base_id"], j["b"]["base_id"])
    assert j["a"]["name"] == j["b"]["name"] == "list" and ids[0] != ids[1]
    r = CliRunner().invoke(main, ["compare", f"id:{ids[0]}", f"id:{ids[1]}", "--db", db],
                           env=env)
    assert r.exit_code == 0, r.output
    name_line = next(line for line in r.stdout.splitlines() if line.startswith("name"))
    assert name_line.split() == ["name", "list", f"(id:{ids[0]})", "list", f"(id:{ids[1]})"]


def test_cli_without_key_warns_and_reuses_the_store_key(tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    fa = _write_csv(tmp_path / "a.csv", addrs(0, 300))
    runner = CliRunner()
    outs = []
    for _ in range(2):
        r = runner.invoke(main, ["compare", str(fa), str(fa), "--json", "--db", db], env={
            "MAILHYGIENE_KEY": ""})
        assert r.exit_code == 0, r.output
        assert "no HMAC key given" in r.stderr
        outs.append(json.loads(r.stdout)["minhash"]["key_id"])
    assert outs[0] == outs[1]


def test_cli_compare_files_whose_address_columns_differ(tmp_path: Path) -> None:
    """A names its column `courriel`, B `contact` (not a recognised name) next to a `note`
    column: --a-column / --b-column name each side's; --column alone cannot."""
    db = str(tmp_path / "s.duckdb")
    fa = tmp_path / "a.csv"
    fa.write_text("nom;courriel\n" + "".join(f"n{i};{a}\n" for i, a in enumerate(addrs(0, 300))),
                  encoding="utf-8")
    fb = tmp_path / "b.csv"
    fb.write_text("note,contact\n" + "".join(f"x,{a}\n" for a in addrs(200, 400)),
                  encoding="utf-8")
    env = {"MAILHYGIENE_KEY": "a cli test key of 32 bytes......"}
    runner = CliRunner()
    r = runner.invoke(main, ["compare", str(fa), str(fb), "--a-column", "courriel",
                             "--b-column", "2", "--json", "--db", db], env=env)
    assert r.exit_code == 0, r.output
    j = json.loads(r.stdout)
    assert (j["a"]["unique"], j["b"]["unique"], j["overlap"]["exact"]) == (300, 200, 100)
    r = runner.invoke(main, ["compare", str(fa), str(fb), "--column", "courriel",
                             "--db", str(tmp_path / "t.duckdb")], env=env)
    assert r.exit_code == 2 and "courriel" in r.output


def test_cli_a_column_alone_leaves_b_detected(tmp_path: Path) -> None:
    """--a-column names A's column only: B's is detected (B's second column holds dates; read
    as addresses they gave an overlap of dates and a strong ratio for copying)."""
    fa = tmp_path / "a.csv"
    fa.write_text("date_ajout,email\n" + "".join(f"2023-01-{i % 28 + 1:02d},{a}\n"
                                                 for i, a in enumerate(addrs(0, 300))))
    fb = tmp_path / "b.csv"
    fb.write_text("email,date_ajout\n" + "".join(f"{a},2023-01-{i % 28 + 1:02d}\n"
                                                 for i, a in enumerate(addrs(250, 400))))
    env = {"MAILHYGIENE_KEY": "a cli test key of 32 bytes......"}
    r = CliRunner().invoke(main, ["compare", str(fa), str(fb), "--a-column", "2", "--json",
                                  "--db", str(tmp_path / "s.duckdb")], env=env)
    assert r.exit_code == 0, r.output
    j = json.loads(r.stdout)
    assert (j["a"]["unique"], j["b"]["unique"], j["overlap"]["exact"]) == (300, 150, 50)


@pytest.mark.parametrize(("cells", "addresses", "warned"), [
    (300, 0, True), (300, 149, True), (300, 150, False), (300, 300, False), (0, 0, False),
])
def test_column_warning(cells: int, addresses: int, warned: bool) -> None:
    w = column_warning("B", cells, addresses)
    assert (w is not None) == warned
    if w:
        assert "--b-column" in w and f"{addresses} of {cells}" in w


def test_cli_warns_when_a_column_holds_no_addresses(tmp_path: Path) -> None:
    """Dates compared as addresses gave "strong support" for copying, silently."""
    fa = tmp_path / "a.csv"
    fa.write_text("email,date_ajout\n" + "".join(f"{a},2023-01-{i % 28 + 1:02d}\n"
                                                 for i, a in enumerate(addrs(0, 300))))
    env = {"MAILHYGIENE_KEY": "a cli test key of 32 bytes......"}
    r = CliRunner().invoke(main, ["compare", str(fa), str(fa), "--a-column", "2",
                                  "--b-column", "2", "--json",
                                  "--db", str(tmp_path / "s.duckdb")], env=env)
    assert r.exit_code == 0, r.output
    j = json.loads(r.stdout)
    column = [w for w in j["warnings"] if "address column" in w]
    assert len(column) == 2 and "A's address column holds few addresses" in r.stderr
    r = CliRunner().invoke(main, ["compare", str(fa), str(fa), "--json",
                                  "--db", str(tmp_path / "t.duckdb")], env=env)
    # (the file compared with itself: only that is said)
    assert [w for w in json.loads(r.stdout)["warnings"] if "with itself" not in w] == []
    assert "address column" not in r.stderr


@pytest.mark.parametrize("same", [True, False])
def test_a_base_compared_with_itself_is_warned(tmp_path: Path, same: bool) -> None:
    """The same file given twice (or a copy of it) makes a comparison of a base with itself:
    said on stderr and in the JSON's warnings; two different files get no such warning."""
    fa = tmp_path / "a.csv"
    fa.write_text("email\n" + "".join(f"u{i}@example.org\n" for i in range(50)),
                  encoding="utf-8")
    fb = tmp_path / "copy.csv"
    fb.write_text(fa.read_text(encoding="utf-8") + ("" if same else "other@example.org\n"),
                  encoding="utf-8")
    r = CliRunner().invoke(main, ["compare", str(fa), str(fb), "--json", "--db",
                                  str(tmp_path / "s.duckdb")],
                           env={"MAILHYGIENE_KEY": "22" * 32})
    assert r.exit_code == 0, r.output
    warned = [w for w in json.loads(r.stdout)["warnings"] if "with itself" in w]
    assert bool(warned) == same
    assert ("with itself" in r.stderr) == same


@pytest.mark.parametrize(("domains", "shown"), [
    (["orange.fr", "gmail.com", "outlook.fr"], ["o***.fr (1)", "g***.com", "o***.fr (2)"]),
    (["orange.fr", "outlook.com"], ["o***.fr", "o***.com"]),
    (["", "a.ma"], ["(no valid domain)", "a***.ma"]),
])
def test_masked_domains_that_look_alike_are_numbered(domains: list[str],
                                                     shown: list[str]) -> None:
    from mailhygiene.compare import distinct_masks

    assert distinct_masks(domains) == shown
