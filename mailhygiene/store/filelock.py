"""The store file as held by this process, beside DuckDB's own lock.

DuckDB locks its file with a POSIX (fcntl) lock. `store compact` replaces the file by a
rename, and between closing the store and that rename another process could open the old
file and write to it in vain; so every Store also holds a shared flock on the file, which the
compaction takes exclusively across its close and rename, and an opener that waited for it
finds the file replaced and opens the new one.

One descriptor per file and process: closing any descriptor of a file drops every POSIX lock
the process holds on it, DuckDB's included, so Stores of one process on the same file share
it (counted), and it is closed only after the last of them."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from mailhygiene.errors import StoreBusyError, StoreError

_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file

# (device, inode) -> [descriptor, Stores using it]
_HELD: dict[tuple[int, int], list[int]] = {}
_GUARD = threading.Lock()


@dataclass(frozen=True)
class HeldFile:
    path: Path
    key: tuple[int, int]

    def release(self) -> None:
        with _GUARD:
            entry = _HELD.get(self.key)
            if entry is None:
                return
            entry[1] -= 1
            if entry[1] == 0:
                del _HELD[self.key]
                os.close(entry[0])

    def take_exclusive(self, wait_s: float) -> None:
        """Exclusive flock before the file is replaced. Refused when another Store of this
        process uses the file (it would go on writing to the replaced one); other processes
        hold the shared lock only while opening, so they are waited for, up to `wait_s`."""
        with _GUARD:
            fd, users = _HELD[self.key]
        if users > 1:
            raise StoreBusyError(f"store is held open elsewhere in this process: {self.path}")
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StoreBusyError(f"store is held open elsewhere: {self.path}") from None
                time.sleep(0.01)


def hold(path: Path) -> HeldFile | None:
    """Holds the store file (shared flock), after checking that it is a DuckDB file: DuckDB 2
    opens some other files without complaint (a CSV becomes an in-memory database with the
    file as a view), so `--db contacts.csv` would run and record nothing. None when there is
    no file yet (DuckDB creates it; there is nothing to replace)."""
    with _GUARD:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return None
        except OSError as e:
            raise StoreError(f"cannot open store {path}: {e}") from e
        key = (st.st_dev, st.st_ino)
        if key in _HELD:  # checked and locked already
            _HELD[key][1] += 1
            return HeldFile(path, key)
        while True:
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            except FileNotFoundError:
                return None
            except OSError as e:
                raise StoreError(f"cannot open store {path}: {e}") from e
            try:
                try:
                    head = os.pread(fd, 12, 0)
                except OSError as e:
                    raise StoreError(f"cannot open store {path}: {e}") from e
                if head[8:12] != _MAGIC:
                    raise StoreError(f"not a mailhygiene store (a DuckDB file): {path}")
                fcntl.flock(fd, fcntl.LOCK_SH)
                fst = os.fstat(fd)
                key = (fst.st_dev, fst.st_ino)
                cur = os.stat(path)
            except FileNotFoundError:
                os.close(fd)
                continue  # replaced and not there yet: look again
            except BaseException:
                os.close(fd)
                raise
            if (cur.st_dev, cur.st_ino) == key:
                _HELD[key] = [fd, 1]
                return HeldFile(path, key)
            os.close(fd)  # replaced while we waited: the new file is the store
