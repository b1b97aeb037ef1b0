"""One run at a time: an advisory `flock` on a file beside the database.

The kernel releases a flock when its holder dies, even by SIGKILL, so a crashed run never leaves
a stale lock behind; the lock file itself is left in place (it holds no state).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from listen.errors import LockHeld, StorageError


def lock_path_for(db_path: Path) -> Path:
    """`listen.db` → `listen.db.lock`."""
    return db_path.with_name(db_path.name + ".lock")


@contextmanager
def run_lock(db_path: Path) -> Iterator[Path]:
    """Hold the exclusive run lock for `db_path`, or raise `LockHeld` at once if it is taken."""
    path = lock_path_for(db_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise StorageError(f"cannot open lock file {path}: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            detail = f" (pid {holder})" if holder else ""
            raise LockHeld(
                f"another listen run holds the lock {path}{detail}; try again later"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", errors="ignore").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
