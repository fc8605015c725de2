"""The syntax verdict must equal python-email-validator's (check_deliverability=False, default
options) on every input: on every row of ../shared/data/syntax and on generated addresses,
through the same bulk path `check` uses (DuckDB rules + email-validator for the rest)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailhygiene.pipeline import syntax_of_values
from mailhygiene.store import Store
from mailhygiene.syntax import check_syntax
from tests.data import SYNTAX_DIR, generated_addresses


def reference(address: str) -> tuple[bool, str | None]:
    try:
        v = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False, None
    except Exception:
        return False, None
    return True, v.normalized


def load_syntax_rows() -> list[tuple[str, str, str]]:
    rows = []
    for tsv in sorted(SYNTAX_DIR.glob("*.tsv")):
        lines = tsv.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
        header = lines[0].split("\t")
        # normalization_pairs.tsv has two addresses per row (input, other)
        idx = [header.index(c) for c in ("address", "input", "other") if c in header]
        cat = header.index("category")
        for line in lines[1:]:
            cols = line.split("\t")
            for a in idx:
                if a < len(cols) and cols[a]:
                    rows.append((json.loads(cols[a]), tsv.name, cols[cat]))
    return rows


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return Store(tmp_path_factory.mktemp("syn") / "s.duckdb")


def _agreement(store: Store, values: list[str], trim: bool) -> Counter[str]:
    encodable = [v for v in values if _utf8(v)]
    ours = syntax_of_values(store, list(encodable), trim=trim)
    disagreements: Counter[str] = Counter()
    for v, (ok, _reason, normalized, _key) in zip(encodable, ours, strict=True):
        ref_ok, ref_norm = reference(v.strip() if trim else v)
        if ok != ref_ok:
            disagreements[f"verdict:{v!r}"] += 1
        elif ok and normalized != ref_norm:
            disagreements[f"normalized:{v!r}"] += 1
    # Cells that are not UTF-8 can never reach DuckDB; the pipeline would use the Python path.
    for v in values:
        if not _utf8(v):
            ref_ok, _ = reference(v.strip() if trim else v)
            if check_syntax(v, trim=trim).ok != ref_ok:
                disagreements[f"verdict:{v!r}"] += 1
    return disagreements


def _utf8(v: str) -> bool:
    try:
        v.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in v


def test_data_files_exist() -> None:
    assert len(load_syntax_rows()) > 1000


@pytest.mark.parametrize("trim", [False, True], ids=["exact", "trimmed"])
def test_agreement_on_reference_data(store: Store, trim: bool) -> None:
    rows = load_syntax_rows()
    disagreements = _agreement(store, [r[0] for r in rows], trim)
    by_file = Counter(f for (v, f, _c) in rows if f"verdict:{v!r}" in disagreements)
    print(f"\n{len(rows)} rows, disagreements: {sum(disagreements.values())} {dict(by_file)}")
    assert not disagreements, list(disagreements)[:20]


def test_agreement_on_generated_addresses(store: Store) -> None:
    values = generated_addresses(100_000, seed=7)
    disagreements = _agreement(store, values, trim=True)
    assert not disagreements, list(disagreements)[:20]


def test_fast_path_decides_the_majority(store: Store) -> None:
    """The point of the bulk rules: email-validator is only called for a small residue."""
    from mailhygiene import syntax_fast

    values = generated_addresses(20_000, seed=3)
    encodable = [v for v in values if _utf8(v)]
    syntax_of_values(store, encodable[:10])  # warm
    path = Path(store.path).parent / "vals.csv"
    path.write_text("c1\n" + "\n".join('"' + v.replace('"', '""') + '"' for v in encodable),
                    encoding="utf-8")
    store.execute("CREATE OR REPLACE TEMP TABLE _v AS SELECT trim(c1) AS t FROM "
                  "read_csv(?, header=true, all_varchar=true, quote='\"', escape='\"', "
                  "auto_detect=false, columns={'c1': 'VARCHAR'})", [str(path)])
    share = store.scalar(
        f"SELECT avg((NOT {syntax_fast.needs_validator_sql('t')})::INT) FROM _v")
    assert share > 0.97


# The shortcut `check` takes before the full rules: only cells valid as they stand, with a
# top-level domain too short to be a special-use name, and nothing the validator must see.
FAST_CASES = [
    ("jean@exemple.fr", True),
    ("Jean.Dupont+news@Mail.Exemple.COM", True),
    ("o'brien@exemple.ma", True),
    (" jean@exemple.fr", False),  # needs the trim
    ("jean@exemple.fr\t", False),
    ("jean@exemple.test", False),  # special-use: refused
    ("jean@EXEMPLE.Local", False),
    ("jean@exemple.info", False),  # a long TLD: the full rules (not special, still valid)
    ("jean@exemple.c", False),
    ("jean@exemple.f1", False),
    ("a--b@exemple.fr", False),  # '--': email-validator's path
    ("jean@xn--exmple-cua.fr", False),
    ("jéan@exemple.fr", False),
    ("j" * 59 + "@ab.fr", False),  # 65 characters
    ("j" * 58 + "@ab.fr", True),
    ("jean@localhost", False),
    ("jean@[192.0.2.1]", False),
    ('"jean"@exemple.fr', False),
    ("jean.@exemple.fr", False),
    ("", False),
    (None, False),
]


@pytest.mark.parametrize(("cell", "fast"), FAST_CASES)
def test_fast_shortcut(store: Store, cell: str | None, fast: bool) -> None:
    from mailhygiene import syntax_fast

    got = store.scalar(f"SELECT {syntax_fast.fast_sql('c')} FROM (SELECT ?::VARCHAR AS c)",
                       [cell])
    assert got is fast
    if fast:  # a shortcut never decides a cell email-validator refuses
        assert cell is not None and reference(cell)[0]


ALPHABET = st.sampled_from([*"abcXY09.-_+@@\"() ,;:<>[]\\'!#é€ü漢\u200b\t", "xn--", "--"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(ALPHABET, min_size=0, max_size=30).map("".join), min_size=1,
                max_size=60))
def test_agreement_property(store: Store, values: list[str]) -> None:
    assert not _agreement(store, values, trim=False)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.from_regex(r"[a-zA-Z0-9._%+\-]{0,12}@[a-zA-Z0-9.\-]{0,20}", fullmatch=True),
                min_size=1, max_size=60))
def test_agreement_property_addressish(store: Store, values: list[str]) -> None:
    assert not _agreement(store, values, trim=False)




def test_bulk_verdicts_are_one_ordered_projection(store: Store) -> None:
    """No join in the bulk syntax SELECT: DuckDB turns IN lists and list_contains into hash
    joins, which run on every row and lose the batch insert that keeps input order."""
    from mailhygiene import syntax_fast

    store.execute("CREATE OR REPLACE TEMP TABLE _plan AS SELECT 1::BIGINT AS row_no, "
                  "'a@b.fr' AS raw, 'a@b.fr' AS t, NULL::VARCHAR AS mh_parse_error, true AS fast, "
                  "NULL::VARCHAR AS s")
    plan = "\n".join(str(r[1]) for r in store.fetchall(
        f"EXPLAIN {syntax_fast.verdict_select_sql('_plan')}"))
    assert "PROJECTION" in plan.upper() and "JOIN" not in plan.upper()
