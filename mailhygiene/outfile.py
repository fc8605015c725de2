"""Where an output file is written, and how it replaces what was there.

A regular file (or a new one) is written to a temp file beside it and renamed over it: a
reader sees the old file or the complete new one. A symlink is followed (the file it points
to is replaced, the link stays). A device or a FIFO (`-o /dev/null`, a named pipe) cannot be
renamed over: the output is written to a temp file elsewhere and then copied into it
(`write_text`, whose text is already in memory, writes a stream straight from it).

A path that names one of this process's open descriptors (`-` for stdout, /dev/stdout,
/dev/stderr, /dev/fd/N, /proc/self/fd/N) is written through that descriptor, never reopened
or replaced: when the shell pointed stdout at a regular file, following the link to that file
and renaming over it lost what `>>` appended to and what the command printed after, and a
pipe (`pipe:[N]`) has no path to open at all. The shell already chose `>` (truncate) or `>>`
(append); writing through the inherited descriptor respects either."""

from __future__ import annotations

import fcntl
import glob
import io
import os
import re
import shutil
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from mailhygiene.errors import InputError

STDOUT = "-"  # the common CLI convention: `-o -` writes to stdout
PART_SUFFIX = ".part"  # the cleaned CSV's temp files (output.py)
# write_text's temp files (reports, fingerprint files). Reports are often written under a new
# name each time (rapport-2024-06.html), so a killed write's file is removed by the next
# write in the folder, whatever its name: the suffix says the file is this tool's. Not
# ".tmp": the clean-up of versions that used `.<name>.<random>.tmp` must not take these.
TEXT_SUFFIX = ".mailhygiene-tmp"
_TEXT_TEMP = re.compile(r"\..+\.[a-z0-9_]{8}" + re.escape(TEXT_SUFFIX))  # mkstemp's 8 chars
_COPY_CHUNK = 8 * 1024 * 1024
_MAX_LINKS = 40  # as the kernel's limit on nested symlinks (ELOOP)


def descriptor(out: str | Path) -> int | None:
    """The open-descriptor number `out` names in this process: 1 for `-`, N for /dev/fd/N,
    /proc/self/fd/N, /proc/<own pid>/fd/N or a symlink to one of them (/dev/stdout,
    /dev/stderr); None for any other path. Whether N is open is not checked here."""
    if str(out) == STDOUT:
        return 1
    pid = os.getpid()
    own = {f"/proc/{pid}/fd", f"/proc/{pid}/task/{threading.get_native_id()}/fd",
           # as written, where they cannot be resolved (no /proc mounted) or are not links
           # into /proc (/dev/fd on BSD and macOS)
           "/proc/self/fd", "/proc/thread-self/fd", "/dev/fd"}
    p = os.path.abspath(out)
    for _ in range(_MAX_LINKS):
        parent, name = os.path.split(p)
        parent = os.path.realpath(parent)
        if parent in own and re.fullmatch(r"[0-9]+", name):
            return int(name)
        try:
            link = os.readlink(os.path.join(parent, name))
        except OSError:  # not a link: a plain path
            return None
        p = os.path.join(parent, link)
    return None


def same_file(a: Path, b: Path) -> bool:
    """True when `a` and `b` name one regular file (path, symlink or hard link); for a path
    that does not exist yet, when both would be the same place. A descriptor, a device or a
    pipe is never the same file: it is written into, not replaced, and takes any number of
    outputs (`-o /dev/stdout --html /dev/stdout`)."""
    if descriptor(a) is not None or descriptor(b) is not None:
        return False
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return a.resolve() == b.resolve()
    return stat.S_ISREG(sa.st_mode) and os.path.samestat(sa, sb)


def _new_file_mode(target: Path) -> int:
    """The mode the replaced file had, or what the umask gives a new file (mkstemp makes its
    files 0600, which would leave a cleaned list unreadable to the group)."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


@contextmanager
def replacing(out: str | Path, *, suffix: str = ".part",
              scratch: tuple[str, str | None] = ("mh-out-", None)) -> Iterator[Path]:
    """A path to write the output to; when the block succeeds it becomes `out`, and when it
    fails `out` is as it was. Temp files beside a regular target are named
    `.<name>.<random><suffix>`, and the first is locked (flock) until the rename. For a
    stream (descriptor, device, FIFO), which is written into, the output is made whole in a
    temp folder first: `scratch` (name prefix, folder; store.core.scratch) says where."""
    fd = descriptor(out)
    target = real_target(out)
    if fd is None and target.is_dir():
        raise InputError(f"output is a directory: {out}")
    if fd is not None or (target.exists() and not target.is_file()):  # device, FIFO, socket
        with tempfile.TemporaryDirectory(prefix=scratch[0], dir=scratch[1]) as tmp:
            part = Path(tmp) / ("output" if fd is not None else target.name)
            yield part
            with part.open("rb") as src:
                if fd is not None:
                    _write_into_descriptor(src, fd, out)
                else:
                    _write_into_device(src, target, out)
        return
    out_dir = output_dir(out)
    try:
        fd_tmp, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix,
                                            dir=out_dir)
    except OSError as e:
        raise InputError(f"cannot write {out}: {e.strerror or e}") from e
    # Locked while this run writes it: the clean-up of killed runs' temp files (another run
    # writing the same target, through another store, may finish first) leaves a live
    # run's files alone (remove_stale_temps); the kernel drops the lock of a killed one.
    fcntl.flock(fd_tmp, fcntl.LOCK_EX)
    part = Path(tmp_name)
    try:
        yield part
        os.chmod(part, _new_file_mode(target))
        os.replace(part, target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd_tmp)


def in_use(path: Path) -> bool:
    """True when `path` is the temp file of a live `replacing` block (its flock is held)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
    return False


def remove_stale_temps(out_dir: Path, name: str, suffix: str) -> None:
    """Temp files of earlier writes of `name` that were killed before their rename (kill -9,
    power loss): `replacing`'s `.<name>.<random><suffix>`, the pieces named after it
    (`.<name>.<random>.1<suffix>`) and DuckDB's `tmp_` files of versions that let it make
    them. The files of a write still in progress (another process, through another store)
    are kept: its main temp file, which every piece's name starts with, is locked while it
    writes."""
    for prefix in (f".{name}.", f"tmp_.{name}."):
        for stale in out_dir.glob(f"{glob.escape(prefix)}*{glob.escape(suffix)}"):
            token = stale.name[len(prefix):].split(".", 1)[0]
            if in_use(out_dir / f".{name}.{token}{suffix}"):
                continue
            stale.unlink(missing_ok=True)


def remove_stale_text_temps(out_dir: Path, name: str) -> None:
    """Temp files of `write_text` calls killed before their rename: every one in `out_dir`
    that no live write holds (one file each, locked while written), and, for `name`, those
    of versions that named them `.<name>.<random>.tmp`."""
    for stale in out_dir.glob(f".*{TEXT_SUFFIX}"):
        if _TEXT_TEMP.fullmatch(stale.name) and not in_use(stale):
            stale.unlink(missing_ok=True)
    remove_stale_temps(out_dir, name, ".tmp")


def _flush_printed(fd: int) -> None:
    """What this process printed to descriptor `fd` so far goes out before the output."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None and stream.fileno() == fd:
                stream.flush()
        except (OSError, ValueError):  # a replaced stream (tests' capture) has no fileno
            continue


def _write_into_descriptor(src: BinaryIO, fd: int, out: str | Path) -> None:
    """`src` written through descriptor `fd` at its current offset (or at the end, with
    O_APPEND), after what this process has printed to it so far."""
    _flush_printed(fd)
    try:
        # A duplicate, so that closing the copy leaves the process's descriptor open.
        with os.fdopen(os.dup(fd), "wb") as dst:
            shutil.copyfileobj(src, dst, _COPY_CHUNK)
    except BrokenPipeError:
        raise  # the reader went away (`| head`): the CLI ends quietly, as for its prints
    except OSError as e:
        raise InputError(f"cannot write {out}: {e.strerror or e}") from e


def _write_into_device(src: BinaryIO, target: Path, out: str | Path) -> None:
    """`src` written into a device or a FIFO (opened, never replaced)."""
    try:
        with target.open("wb") as dst:
            shutil.copyfileobj(src, dst, _COPY_CHUNK)
    except OSError as e:
        raise InputError(f"cannot write {out}: {e.strerror or e}") from e


def _write_into_stream(path: str | Path, data: bytes) -> bool:
    """`data` written straight into the stream `path` names (an open descriptor, a device, a
    FIFO), with no temp file: a stream cannot be replaced atomically anyway, and a temp copy
    of a report (personal data, even masked) is what a kill would leave behind. False for a
    path that is not a stream (a regular file, or a new one)."""
    fd = descriptor(path)
    if fd is not None:
        _write_into_descriptor(io.BytesIO(data), fd, path)
        return True
    target = real_target(path)
    if target.is_dir():
        raise InputError(f"output is a directory: {path}")
    if not target.exists() or target.is_file():
        return False
    _write_into_device(io.BytesIO(data), target, path)
    return True


def real_target(out: str | Path) -> Path:
    """The file `replacing(out)` writes: symlinks followed; /dev/fd/N for a path naming an
    open descriptor (written into, never replaced)."""
    fd = descriptor(out)
    if fd is not None:
        return Path(f"/dev/fd/{fd}")
    return Path(os.path.realpath(out))


def output_dir(out: str | Path) -> Path:
    """The directory `replacing(out)` writes a regular file in; it must exist (a typo in a
    path must not create directories)."""
    d = real_target(out).parent
    if not d.is_dir():
        raise InputError(f"output directory does not exist: {Path(out).parent}")
    return d


def write_text(path: str | Path, text: str) -> Path:
    """`text` as UTF-8 into `path` (reports, fingerprint files): a stream (descriptor, device,
    FIFO) is written straight from memory, a file through `replacing`, after which what
    killed writes left in its folder is removed (remove_stale_text_temps). Called from
    Python, it creates a missing directory; the CLI refuses one before any work
    (check_writable), as for every output."""
    data = text.encode("utf-8")  # newlines as written: "\n"
    if _write_into_stream(path, data):
        return Path(path)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    # The file is closed before the rename: contexts end in reverse order.
    with replacing(path, suffix=TEXT_SUFFIX) as part, part.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    target = real_target(path)
    if target.is_file():
        remove_stale_text_temps(target.parent, target.name)
    return Path(path)


def check_writable(out: str | Path, option: str) -> None:
    """Refuses, before any work, an output that cannot be written: a directory, a place in a
    missing directory (none is created, for any output) or in one that is not writable, or a
    descriptor that is not open for writing. The write itself may still fail (a full disk,
    /proc); it then gives the same kind of error."""
    fd = descriptor(out)
    if fd is not None:
        try:
            flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        except OSError as e:
            raise InputError(f"{option}: cannot write {out}: descriptor {fd} is not open"
                             ) from e
        if flags & os.O_ACCMODE not in (os.O_WRONLY, os.O_RDWR):
            raise InputError(f"{option}: cannot write {out}: descriptor {fd} is not open "
                             "for writing")
        return
    target = real_target(out)
    if target.is_dir():
        raise InputError(f"{option} {out} is a directory")
    if target.exists() and not target.is_file():
        if not os.access(target, os.W_OK):
            raise InputError(f"{option}: cannot write {out}")
        return
    d = target.parent
    if not d.exists():  # a typo in a path must not create directories
        raise InputError(f"{option}: output directory does not exist: {Path(out).parent}")
    if not d.is_dir() or not os.access(d, os.W_OK):
        raise InputError(f"{option}: cannot write in {d}")
