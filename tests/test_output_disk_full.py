"""A full disk (or quota, or a read-only remount) while the cleaned CSV is written: one line
on stderr and exit 2, the target as it was, no temp file left. It ended in "internal error:
OSError: [Errno 28] No space left on device" (exit 1)."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mailhygiene import output
from mailhygiene.cli import main


@pytest.mark.parametrize("bom", [False, True])  # DuckDB writes the file / Python assembles it
def test_disk_full_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    bom: bool) -> None:
    src = tmp_path / "in.csv"
    src.write_text(("\ufeff" if bom else "") + "email\na@example.com\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    out.write_text("previous\n")

    def full(store: Any, rows: int, columns: str, source_of: Any, target: Path, *a: Any,
             **k: Any) -> None:
        target.write_text("half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(output, "_copy_rows", full)
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "-o", str(out),
                                  "--db", str(tmp_path / "s.duckdb")])
    assert r.exit_code == 2, r.output
    assert "No space left on device" in r.output and "internal error" not in r.output
    assert out.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir() if "out.csv" in p.name) == ["out.csv"]
