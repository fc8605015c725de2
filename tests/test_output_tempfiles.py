"""Where the cleaned CSV's temp files live while it is written: beside the target, never in the
system temp directory. A run killed there (kill -9, a scheduler's SIGTERM) must leave nothing
that the next successful run does not remove: a body in /tmp/mh-out-*/ was a full copy of the
list (addresses, phones) that stayed for good."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mailhygiene import output
from mailhygiene.cli import main


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])  # BOM / transcoding: assembled
def test_body_is_written_beside_the_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           encoding: str) -> None:
    systmp = tmp_path / "systmp"
    systmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(systmp))
    work = tmp_path / "work"
    work.mkdir()
    src = work / "in.csv"
    src.write_text("email;nom\n" + "".join(f"a{i}@example.com;Lé{i}\n" for i in range(300)),
                   encoding=encoding)
    seen: dict[str, list[str]] = {}
    real_encode = output._encode

    def spy(text: str, enc: str, strict: bool) -> Any:
        # Called once the body is written and before it is copied: the moment a kill leaves
        # the most behind.
        seen["systmp"] = sorted(str(p.relative_to(systmp)) for p in systmp.rglob("*"))
        seen["work"] = sorted(p.name for p in work.iterdir())
        return real_encode(text, enc, strict)

    monkeypatch.setattr(output, "_encode", spy)
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "-o",
                                  str(work / "out.csv"), "--db", str(tmp_path / "s.duckdb")],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert seen["systmp"] == []
    assert any(n.startswith(".out.csv.") and n.endswith(".body.part") for n in seen["work"])
    # ... and a successful run leaves none of them.
    assert sorted(p.name for p in work.iterdir()) == ["in.csv", "out.csv"]
    assert list(systmp.iterdir()) == []
