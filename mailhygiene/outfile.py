"""Where an output file is written, and how it replaces what was there.

A regular file (or a new one) is written to a temp file beside it and renamed over it: a
reader sees the old file or the complete new one. A symlink is followed (the file it points
to is replaced, the link stays). A device or a FIFO (`-o /dev/null`, `--html /dev/stdout`, a
named pipe) cannot be renamed over: the output is written to a temp file elsewhere and then
copied into it."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mailhygiene.errors import InputError


def same_file(a: Path, b: Path) -> bool:
    """True when `a` and `b` name one file (path, symlink or hard link); for a path that does
    not exist yet, when both would be the same place."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


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
def replacing(out: str | Path, *, suffix: str = ".part") -> Iterator[Path]:
    """A path to write the output to; when the block succeeds it becomes `out`, and when it
    fails `out` is as it was. Temp files beside a regular target are named
    `.<name>.<random><suffix>`."""
    target = real_target(out)
    if target.is_dir():
        raise InputError(f"output is a directory: {out}")
    if target.exists() and not target.is_file():  # device, FIFO, socket
        with tempfile.TemporaryDirectory(prefix="mh-out-") as tmp:
            part = Path(tmp) / target.name
            yield part
            try:
                with part.open("rb") as src, target.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 8 * 1024 * 1024)
            except OSError as e:
                raise InputError(f"cannot write {out}: {e.strerror or e}") from e
        return
    out_dir = output_dir(out)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=out_dir)
    except OSError as e:
        raise InputError(f"cannot write {out}: {e.strerror or e}") from e
    os.close(fd)
    part = Path(tmp_name)
    try:
        yield part
        os.chmod(part, _new_file_mode(target))
        os.replace(part, target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def real_target(out: str | Path) -> Path:
    """The file `replacing(out)` writes: symlinks followed."""
    return Path(os.path.realpath(out))


def output_dir(out: str | Path) -> Path:
    """The directory `replacing(out)` writes a regular file in; it must exist (a typo in a
    path must not create directories)."""
    d = real_target(out).parent
    if not d.is_dir():
        raise InputError(f"output directory does not exist: {Path(out).parent}")
    return d


def write_text(path: str | Path, text: str) -> Path:
    """`text` as UTF-8 into `path`, through `replacing` (reports, fingerprint files); the
    directory is created if missing."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    # The file is closed before the rename: contexts end in reverse order.
    with replacing(path, suffix=".tmp") as part, part.open("w", encoding="utf-8",
                                                          newline="\n") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    return Path(path)


def check_writable(out: str | Path, option: str) -> None:
    """Refuses, before any work, an output that cannot be written: a directory, or a place
    whose nearest existing directory is not writable (missing directories of reports are
    created). The write itself may still fail (a full disk, /proc); it then gives the same
    kind of error."""
    target = real_target(out)
    if target.is_dir():
        raise InputError(f"{option} {out} is a directory")
    if target.exists() and not target.is_file():
        if not os.access(target, os.W_OK):
            raise InputError(f"{option}: cannot write {out}")
        return
    d = target.parent
    while not d.exists() and d != d.parent:
        d = d.parent
    if not d.is_dir() or not os.access(d, os.W_OK):
        raise InputError(f"{option}: cannot write in {d}")
