"""A report (or fingerprint file) write killed before its rename leaves its temp file beside the
target; the next write of a report in that folder removes it, whatever either is named, and
leaves alone what is not a dead temp file of this tool (outfile.remove_stale_text_temps)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mailhygiene.cli import main
from mailhygiene.outfile import TEXT_SUFFIX, replacing, write_text
from mailhygiene.report import render_check
from mailhygiene.store import open_store

# Writes a report through the CLI and stalls once its temp file is complete, before the
# rename: the moment a kill leaves the whole report behind.
STALL = """
import os, sys, time
from mailhygiene.cli import main
real = os.fsync
def stall(fd):
    real(fd)
    print("written", flush=True)
    time.sleep(120)
os.fsync = stall
main(["report", "--latest", "--show-addresses", "-o", sys.argv[1], "--db", sys.argv[2]])
"""


def _checked(tmp: Path) -> Path:
    src = tmp / "in.csv"
    src.write_text("email\njean@jean-dupont.fr\nmarie@example.com\n", encoding="utf-8")
    db = tmp / "s.duckdb"
    r = CliRunner().invoke(main, ["check", str(src), "--level", "syntax", "--db", str(db)],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return db


def _hidden(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir() if p.name.startswith("."))


def test_a_killed_report_write_is_cleaned_by_the_next_one(tmp_path: Path) -> None:
    db = _checked(tmp_path)
    out = tmp_path / "reports"
    out.mkdir()
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen([sys.executable, "-c", STALL, str(out / "2024-05.html"), str(db)],
                            stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "written\n"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    left = _hidden(out)
    assert len(left) == 1 and left[0].startswith(".2024-05.html."), left
    assert (out / left[0]).read_text(encoding="utf-8").endswith("</html>\n")  # all of it
    # next month's report, under another name
    r = CliRunner().invoke(main, ["report", "--latest", "-o", str(out / "2024-06.html"),
                                  "--db", str(db)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["2024-06.html"]


def test_what_is_not_a_dead_temp_file_of_this_tool_stays(tmp_path: Path) -> None:
    keep = [".notes.html.swp", "draft.tmp", ".x.html.short" + TEXT_SUFFIX,
            "visible.html.abcd1234" + TEXT_SUFFIX,  # not hidden: not a name mkstemp gave
            ".other.html.abcd1234.tmp"]  # an older version's, for another target: unsure
    for name in keep:
        (tmp_path / name).write_text("x", encoding="utf-8")
    legacy = tmp_path / ".r.html.abcd1234.tmp"  # an older version's, for this target
    legacy.write_text("old", encoding="utf-8")
    old = time.time() - 3600
    os.utime(legacy, (old, old))
    # a write in progress in another process (here: another open file) holds its lock
    with replacing(tmp_path / "live.html", suffix=TEXT_SUFFIX) as live:
        live.write_text("half a report", encoding="utf-8")
        write_text(tmp_path / "r.html", "<!DOCTYPE html>")
        assert live.exists()
    assert not legacy.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [*keep, "live.html", "r.html"])


def test_a_report_on_a_stream_touches_no_folder(tmp_path: Path) -> None:
    dead = tmp_path / (".r.html.abcd1234" + TEXT_SUFFIX)
    dead.write_text("x", encoding="utf-8")
    with (tmp_path / "log").open("w") as f:
        write_text(f"/dev/fd/{f.fileno()}", "report\n")
    assert dead.exists() and (tmp_path / "log").read_text() == "report\n"


@pytest.mark.parametrize("stream", ["-", "fd", "fifo"])
def test_a_report_on_a_stream_makes_no_temp_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfdbinary: pytest.CaptureFixture[bytes],
        stream: str) -> None:
    """`--html -` (or a descriptor, or a named pipe) is written from memory: no copy of the
    report in the temp folder, where a kill would leave it; the bytes are the file's."""
    db = _checked(tmp_path)
    with open_store(db, read_only=True) as store:
        run_id = int(store.scalar("SELECT max(run_id) FROM runs"))
        page = render_check(store, run_id, lang="fr", show_addresses=True)
    temp = tmp_path / "tmpdir"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    seen: list[list[str]] = []
    real_copy = shutil.copyfileobj

    def copy(*args: Any, **kw: Any) -> None:  # the moment the stream is written into
        seen.append([str(p) for p in temp.rglob("*")])
        real_copy(*args, **kw)

    monkeypatch.setattr(shutil, "copyfileobj", copy)
    if stream == "-":
        capfdbinary.readouterr()
        write_text("-", page)
        sent = capfdbinary.readouterr().out
    elif stream == "fd":
        with (tmp_path / "log").open("wb") as f:
            write_text(f"/dev/fd/{f.fileno()}", page)
        sent = (tmp_path / "log").read_bytes()
    else:
        fifo = tmp_path / "pipe"
        os.mkfifo(fifo)
        got: list[bytes] = []
        reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
        reader.start()
        write_text(fifo, page)
        reader.join(10)
        sent = got[0]
    assert all(files == [] for files in seen), seen  # nothing there while it was written
    assert seen or stream == "fifo"  # (a named pipe is written without copyfileobj)
    assert list(temp.iterdir()) == []
    write_text(tmp_path / "r.html", page)
    assert sent == (tmp_path / "r.html").read_bytes()
