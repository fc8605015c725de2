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


@pytest.fixture
def systmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system temp directory, for this test only."""
    d = tmp_path / "systmp"
    d.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(d))
    return d


def _seen_once_written(monkeypatch: pytest.MonkeyPatch, systmp: Path,
                       work: Path) -> dict[str, list[str]]:
    """What the system temp directory and `work` hold once the body is written and before it
    is copied (output._encode runs then): the moment a kill leaves the most behind."""
    seen: dict[str, list[str]] = {}
    real_encode = output._encode

    def spy(text: str, enc: str, strict: bool) -> Any:
        seen["systmp"] = sorted(str(p.relative_to(systmp)) for p in systmp.rglob("*"))
        seen["work"] = sorted(str(p.relative_to(work)) for p in work.rglob("*"))
        return real_encode(text, enc, strict)

    monkeypatch.setattr(output, "_encode", spy)
    return seen


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])  # BOM / transcoding: assembled
def test_body_is_written_beside_the_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           systmp: Path, encoding: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    src = work / "in.csv"
    src.write_text("email;nom\n" + "".join(f"a{i}@example.com;Lé{i}\n" for i in range(300)),
                   encoding=encoding)
    seen = _seen_once_written(monkeypatch, systmp, work)
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "-o",
                                  str(work / "out.csv"), "--db", str(tmp_path / "s.duckdb")],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert seen["systmp"] == []
    assert any(n.startswith(".out.csv.") and n.endswith(".body.part") for n in seen["work"])
    # ... and a successful run leaves none of them.
    assert sorted(p.name for p in work.iterdir()) == ["in.csv", "out.csv"]
    assert list(systmp.iterdir()) == []


def test_a_stream_target_is_assembled_beside_the_store(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       systmp: Path) -> None:
    """`-o -`, /dev/stdout, a FIFO: the whole list is made in a temp folder and then copied
    into the stream. That folder is beside the store (removed by the next run if this one is
    killed), never in the system temp directory; one a killed run left is removed."""
    work = tmp_path / "work"
    work.mkdir()
    src = tmp_path / "in.csv"
    src.write_text("email;nom\n" + "".join(f"a{i}@example.com;Lé{i}\n" for i in range(300)),
                   encoding="cp1252")
    killed = work / ".s.duckdb.out-x1y2z3"  # a killed run's copy
    killed.mkdir()
    (killed / "output").write_text("a0@example.com\n", encoding="utf-8")
    seen = _seen_once_written(monkeypatch, systmp, work)
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "-o", "/dev/null",
                                  "--db", str(work / "s.duckdb")], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert seen["systmp"] == []
    copies = [p for p in seen["work"] if p.startswith(".s.duckdb.out-")]
    assert copies and not any(p.startswith(killed.name) for p in copies)
    assert not any(p.name.startswith(".s.duckdb.out-") for p in work.iterdir())
    assert list(systmp.iterdir()) == []
