"""Two files imported at once (compare A B) give exactly what two sequential imports give."""

from __future__ import annotations

from pathlib import Path

from mailhygiene.devtools.generate import write_base
from mailhygiene.pipeline import import_base, import_pair
from mailhygiene.store import Store

COLUMNS = "row_no, raw, address, key, domain, syntax_ok, status, reason, dup_of"


def contacts(store: Store, base_id: int) -> list[tuple[object, ...]]:
    return store.fetchall(f"SELECT {COLUMNS} FROM contacts WHERE base_id = ? ORDER BY row_no",
                          [base_id])


def test_import_pair_equals_sequential_imports(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    write_base(a, 30_000, seed=1)
    write_base(b, 20_000, seed=2)
    with Store(tmp_path / "seq.duckdb") as s1:
        ra, rb = import_base(s1, a), import_base(s1, b)
        seq = contacts(s1, ra.base_id), contacts(s1, rb.base_id)
    with Store(tmp_path / "pair.duckdb") as s2:
        pa, pb = import_pair(s2, a, b)
        par = contacts(s2, pa.base_id), contacts(s2, pb.base_id)
        assert pa.base_id != pb.base_id
        # the store stays usable and the imports are reused afterwards
        again = import_base(s2, a)
        assert again.reused and again.base_id == pa.base_id
    assert par == seq
    assert len(par[0]) == 30_000 and len(par[1]) == 20_000
