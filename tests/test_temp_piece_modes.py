"""Temp files of a cleaned CSV hold the list's addresses: each one, the pieces of a ranged
write and the body of an assembled one included, is private (0600) while it exists, as the
main temp file mkstemp makes is, whatever the umask (a run killed with kill -9 leaves them
until the next run)."""

from __future__ import annotations

import csv
import os
import stat
from pathlib import Path

import pytest

from mailhygiene.pipeline import import_base
from mailhygiene.store import Store


@pytest.mark.parametrize("encoding", [None, "cp1252"])  # direct COPY / assembled body
def test_every_temp_file_of_a_cleaned_csv_is_private(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoding: str | None) -> None:
    import mailhygiene.output as output
    from mailhygiene import config

    src = tmp_path / "in.csv"
    with src.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["email", "nom"])
        w.writerows([f"canary{i}@example.ma", f"Nom{i}"] for i in range(120))
    monkeypatch.setattr(config, "PARALLEL_WRITE_ROWS", 30)
    modes: dict[str, int] = {}
    real_append = output._append

    def spy(src_f, out_f):  # type: ignore[no-untyped-def]
        for p in tmp_path.iterdir():
            if p.name.startswith("."):
                modes[p.name] = stat.S_IMODE(p.stat().st_mode)
        return real_append(src_f, out_f)

    monkeypatch.setattr(output, "_append", spy)
    old = os.umask(0o022)
    try:
        with Store(tmp_path / "s.duckdb") as s:
            s.execute("SET threads = 4")
            ref = import_base(s, src)
            output.write_cleaned(s, ref, tmp_path / "out.csv", encoding=encoding)
    finally:
        os.umask(old)
    assert len(modes) >= 2  # the main temp file and its pieces were seen
    assert all(m == 0o600 for m in modes.values()), modes
    text = (tmp_path / "out.csv").read_text(encoding=encoding or "utf-8")
    assert text.count("canary") == 240  # the email and mh_address columns
