"""An input read through Python (cp1252, UTF-16, XLSX, ragged rows) is first copied whole
into a canonical CSV. That copy is made beside the store, never in the system temp
directory, and one left by a killed run is removed by the next import: a kill -9 must not
leave a copy of the list's personal data in /tmp for good, out of reach of `store drop` and
`store compact` (the README's erasure procedure)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from mailhygiene.pipeline import import_base
from mailhygiene.store import Store


def test_canonical_copy_is_beside_the_store_and_leftovers_are_removed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mailhygiene.ingest.load as ingest

    system_tmp = tmp_path / "systmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    src = tmp_path / "in.csv"
    src.write_bytes("nom;email\r\n".encode("cp1252") + b"".join(
        f"Zoubid\u00e9{i};canary{i}@example.ma\r\n".encode("cp1252") for i in range(50)))
    store_dir = tmp_path / "store"
    store_dir.mkdir()
    db = store_dir / "s.duckdb"
    stale = store_dir / ".s.duckdb.ingest-killed"  # left by a run killed while it read
    stale.mkdir()
    (stale / "canonical.csv").write_text("canary.killed@example.ma\n")
    seen: list[Path] = []
    real = ingest._write_canonical

    def spy(path, fmt, canon):  # type: ignore[no-untyped-def]
        seen.append(Path(canon))
        return real(path, fmt, canon)

    monkeypatch.setattr(ingest, "_write_canonical", spy)
    with Store(db) as s:
        ref = import_base(s, src)
        assert ref.rows == 50
    assert seen, "the cp1252 file was expected to go through the canonical copy"
    assert all(system_tmp not in p.parents for p in seen), seen
    assert not list(system_tmp.iterdir())
    assert not stale.exists()
    assert not [p for p in store_dir.iterdir() if ".ingest-" in p.name]


def test_two_inputs_read_at_once_keep_their_copies(tmp_path: Path) -> None:
    """`compare A B` imports both files at once (import_pair): neither import may remove the
    other's live copy as a leftover."""
    from mailhygiene.pipeline import import_pair

    files = []
    for name in ("a", "b"):
        src = tmp_path / f"{name}.csv"
        src.write_bytes("nom;email\r\n".encode("cp1252") + b"".join(
            f"Zoubid\u00e9{i};{name}{i}@example.ma\r\n".encode("cp1252") for i in range(3000)))
        files.append(src)
    with Store(tmp_path / "s.duckdb") as s:
        a, b = import_pair(s, files[0], files[1])
        assert (a.rows, b.rows) == (3000, 3000)
    assert not [p for p in tmp_path.iterdir() if ".ingest-" in p.name]


def test_column_error_masks_addresses_before_cutting_the_list(tmp_path: Path) -> None:
    from mailhygiene.errors import InputError
    from mailhygiene.ingest import find_address_column

    # the cut at 300 characters falls inside the address
    header = [f"filler{i}" for i in range(30)] + ["karim.benchekroun@example.ma"]
    with pytest.raises(InputError) as e:
        find_address_column(header, [], "nope")
    assert "karim" not in str(e.value) and "filler29" in str(e.value)
