"""Outputs into open descriptors (`-`, /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N)
and missing output directories, for every writer: check -o, check --html, report -o and
fingerprint --export.

Stdout tests run the CLI as a real process: CliRunner replaces sys.stdout, so a path naming
descriptor 1 would not reach what it captures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

import pytest
from click.testing import CliRunner

from mailhygiene import outfile
from mailhygiene.cli import main
from mailhygiene.errors import InputError
from mailhygiene.outfile import check_writable, same_file, write_text

CSV = "email;name\na@x.com;n1\nb@x.com;n2\n"
PRIOR = b"line1\nline2\n"
DB = "s.duckdb"

# name -> (arguments with OUT for the output path, what the output holds, what the command
# prints on stdout after writing it)
COMMANDS: dict[str, tuple[list[str], bytes, bytes]] = {
    "check -o": (["check", "semi.csv", "--level", "syntax", "--db", DB, "-o", "OUT"],
                 b"a@x.com;n1;unknown;syntax_ok", b"cleaned list: "),
    "check --html": (["check", "semi.csv", "--level", "syntax", "--db", DB, "--html", "OUT"],
                     b"<!DOCTYPE html>", b"report: "),
    "report -o": (["report", "--db", DB, "-o", "OUT"], b"<!DOCTYPE html>",
                  b"check report of run "),
    "fingerprint --export": (["fingerprint", "semi.csv", "--db", DB, "--export", "OUT"],
                             b'"format": "mailhygiene-fingerprint"', b"fingerprint of "),
}


def args_for(command: str, out: str) -> list[str]:
    return [out if a == "OUT" else a for a in COMMANDS[command][0]]


def cli(cwd: Path, args: list[str], stdout: int | IO[bytes] = subprocess.PIPE,
        pass_fds: tuple[int, ...] = ()) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "mailhygiene", *args], cwd=cwd,
                          stdout=stdout, stderr=subprocess.PIPE, pass_fds=pass_fds,
                          env=clean_env(), timeout=120, check=False)


def clean_env() -> dict[str, str]:
    """This environment without MAILHYGIENE_* (a store or key of the caller's)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("MAILHYGIENE_")}


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A directory with semi.csv and a store holding one check run of it (for `report`)."""
    (tmp_path / "semi.csv").write_text(CSV)
    r = CliRunner().invoke(main, ["check", str(tmp_path / "semi.csv"), "--level", "syntax",
                                  "--db", str(tmp_path / DB)])
    assert r.exit_code == 0, r.output
    return tmp_path


def assert_output_then_print(data: bytes, command: str) -> None:
    _, written, printed = COMMANDS[command]
    assert written in data, data[:300]
    assert printed in data, data[-300:]
    # What was printed before the write comes before it, what is printed after, after.
    assert data.index(written) < data.rindex(printed)


@pytest.mark.parametrize("out", ["/dev/stdout", "-", "/proc/self/fd/1"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_stdout_appended_to_a_file_keeps_what_was_there(work: Path, command: str,
                                                        out: str) -> None:
    """`-o /dev/stdout >> app.log`: the output and the summary are appended; the lines the
    log held survive (the writer used to follow the link to app.log and rename over it)."""
    log = work / "app.log"
    log.write_bytes(PRIOR)
    with log.open("ab") as f:
        r = cli(work, args_for(command, out), stdout=f)
    assert r.returncode == 0, r.stderr
    data = log.read_bytes()
    assert data.startswith(PRIOR), data[:100]
    assert_output_then_print(data, command)
    assert not (work / "-").exists()  # `-` is stdout, not a file named "-"


def test_stdout_truncated_by_the_shell_holds_the_output_and_the_json(work: Path) -> None:
    """`--json -o /dev/stdout > so.txt`: the shell truncated so.txt; the cleaned list and
    the JSON summary printed after it are both there."""
    so = work / "so.txt"
    so.write_bytes(b"old content that the shell's > removes\n" * 10)
    with so.open("wb") as f:
        r = cli(work, [*args_for("check -o", "/dev/stdout"), "--json"], stdout=f)
    assert r.returncode == 0, r.stderr
    data = so.read_bytes()
    assert data.startswith(b"email;name;mh_status"), data[:100]
    assert b"old content" not in data
    summary = json.loads(data[data.index(b"\n{") + 1:])
    assert summary["output"] == "/dev/stdout" and summary["output_rows"] == 2


@pytest.mark.parametrize(("command", "out"), [
    *[(c, "/dev/stdout") for c in COMMANDS],
    ("check -o", "-"), ("check -o", "/proc/self/fd/1"), ("check -o", "/dev/fd/1"),
])
def test_stdout_into_a_pipe(work: Path, command: str, out: str) -> None:
    """`-o /dev/stdout | cat` used to fail: /proc/self/fd/1 names `pipe:[N]`, no file."""
    r = cli(work, args_for(command, out))
    assert r.returncode == 0, r.stderr
    assert_output_then_print(r.stdout, command)


def test_stderr_and_two_outputs_into_one_stream(work: Path) -> None:
    """/dev/stderr is written through descriptor 2; the same stream may take two outputs
    (a stream is not a file another output could destroy)."""
    r = cli(work, [*args_for("check -o", "/dev/stdout"), "--html", "/dev/stderr"])
    assert r.returncode == 0, r.stderr
    assert b"a@x.com;n1;unknown" in r.stdout and b"<!DOCTYPE html>" not in r.stdout
    assert r.stderr.startswith(b"<!DOCTYPE html>"), r.stderr[:200]
    r = cli(work, [*args_for("check -o", "-"), "--html", "/dev/stdout"])
    assert r.returncode == 0, r.stderr
    assert b"a@x.com;n1;unknown" in r.stdout and b"<!DOCTYPE html>" in r.stdout


def test_an_inherited_descriptor_is_appended_to(work: Path) -> None:
    """`-o /dev/fd/3 3>>out.csv`: written through descriptor 3, after what the file held."""
    out = work / "out.csv"
    out.write_bytes(PRIOR)
    with out.open("ab") as f:
        fd = f.fileno()
        r = cli(work, args_for("check -o", f"/dev/fd/{fd}"), pass_fds=(fd,))
    assert r.returncode == 0, r.stderr
    data = out.read_bytes()
    assert data.startswith(PRIOR + b"email;name;mh_status"), data[:100]


@pytest.mark.parametrize("out", ["/dev/stdout", "-"])
def test_report_of_a_run_that_wrote_to_stdout(work: Path, out: str) -> None:
    """`report -o /dev/stdout` after `check -o /dev/stdout`: a stream is not "a file of the
    run reported on"."""
    log = work / "app.log"
    with log.open("ab") as f:
        assert cli(work, args_for("check -o", out), stdout=f).returncode == 0
        r = cli(work, args_for("report -o", out), stdout=f)
    assert r.returncode == 0, r.stderr
    assert_output_then_print(log.read_bytes(), "report -o")


def test_a_reader_that_goes_away_ends_the_command_quietly(work: Path) -> None:
    """`-o /dev/stdout | head`: the write meets a closed pipe; the command ends as for its
    own prints (exit 141, nothing on stderr), not with "cannot write"."""
    p = subprocess.Popen(
        [sys.executable, "-m", "mailhygiene", *args_for("check -o", "/dev/stdout")],
        cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env())
    assert p.stdout is not None
    p.stdout.close()  # no reader left: every write to the pipe fails with EPIPE
    _, err = p.communicate(timeout=120)
    assert p.returncode == 141, err
    assert err == b""


def test_stdout_on_a_terminal(work: Path) -> None:
    """A terminal (/dev/stdout -> /dev/pts/N) takes the output too."""
    master, slave = os.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the last writer closed the terminal
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        r = cli(work, args_for("check -o", "/dev/stdout"), stdout=slave)
    finally:
        os.close(slave)
    reader.join(timeout=30)
    os.close(master)
    assert r.returncode == 0, r.stderr
    assert_output_then_print(b"".join(chunks).replace(b"\r\n", b"\n"), "check -o")


@pytest.mark.parametrize(("command", "out", "shown"), [
    ("check -o", "nodir/x.csv", "-o: output directory does not exist: nodir"),
    ("check --html", "nodir/x.html", "--html: output directory does not exist: nodir"),
    ("report -o", "nodir/deep/x.html", "-o: output directory does not exist: nodir/deep"),
    ("fingerprint --export", "nodir/a.json",
     "--export: output directory does not exist: nodir"),
])
def test_a_missing_output_directory_is_refused_before_any_work(
        work: Path, monkeypatch: pytest.MonkeyPatch, command: str, out: str,
        shown: str) -> None:
    """-o, --html and --export all refuse a missing directory (one line, exit 2) and create
    nothing: reports and fingerprint files used to create it."""
    monkeypatch.chdir(work)
    args = args_for(command, out)
    if command != "report -o":  # a new store: refused before it is created
        args[args.index(DB)] = "new.duckdb"
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2, r.output
    assert r.output.splitlines() == [f"mailhygiene: error: {shown}"], r.output
    assert not (work / "nodir").exists() and not (work / "new.duckdb").exists()


@pytest.mark.parametrize(("path", "fd"), [
    pytest.param("-", 1, id="dash"),
    pytest.param("/dev/stdout", 1, id="dev-stdout"),
    pytest.param("/dev/stderr", 2, id="dev-stderr"),
    pytest.param("/dev/fd/5", 5, id="dev-fd"),
    pytest.param("/proc/self/fd/1", 1, id="proc-self"),
    pytest.param("/proc/thread-self/fd/2", 2, id="proc-thread-self"),
    pytest.param(f"/proc/{os.getpid()}/fd/3", 3, id="proc-own-pid"),
    pytest.param("/dev/null", None, id="dev-null"),
    pytest.param("out.csv", None, id="relative-file"),
    pytest.param("./-", None, id="file-named-dash"),
    pytest.param("/proc/self/fd", None, id="fd-directory"),
    pytest.param("/dev/fd/x1", None, id="not-a-number"),
])
def test_descriptor_names(path: str, fd: int | None) -> None:
    assert outfile.descriptor(path) == fd


def test_descriptor_through_a_symlink_and_same_file(tmp_path: Path) -> None:
    link = tmp_path / "out.csv"
    link.symlink_to("/dev/stdout")
    assert outfile.descriptor(link) == 1
    for a in (Path("/dev/stdout"), Path("-"), Path("/dev/null"), link):
        assert not same_file(a, a), a
    f = tmp_path / "f.csv"
    f.write_text("x")
    (tmp_path / "hard.csv").hardlink_to(f)
    assert same_file(f, tmp_path / "hard.csv")
    assert same_file(tmp_path / "new.csv", tmp_path / "." / "new.csv")


def test_write_text_into_descriptors() -> None:
    """In-process: a file opened for appending keeps its content and its inode; a pipe
    (no path to reopen) gets the text."""
    import tempfile

    with tempfile.NamedTemporaryFile("ab", delete=False) as f:
        f.write(PRIOR)
        f.flush()
        inode = os.fstat(f.fileno()).st_ino
        write_text(f"/dev/fd/{f.fileno()}", "hello\n")
        write_text(f"/proc/{os.getpid()}/fd/{f.fileno()}", "again\n")
    try:
        assert Path(f.name).read_bytes() == PRIOR + b"hello\nagain\n"
        assert os.stat(f.name).st_ino == inode
    finally:
        os.unlink(f.name)
    r, w = os.pipe()
    try:
        write_text(f"/proc/self/fd/{w}", "through a pipe\n")
        assert os.read(r, 100) == b"through a pipe\n"
    finally:
        os.close(r)
        os.close(w)


def test_a_descriptor_not_open_for_writing_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "in.txt"
    f.write_text("x")
    fd = os.open(f, os.O_RDONLY)
    try:
        with pytest.raises(InputError, match=r"descriptor \d+ is not open for writing"):
            check_writable(f"/dev/fd/{fd}", "-o")
    finally:
        os.close(fd)
    with pytest.raises(InputError, match=f"-o: cannot write /dev/fd/{fd}: descriptor"):
        check_writable(f"/dev/fd/{fd}", "-o")  # closed now
