"""The run lock: exclusive, and never left stale by a killed holder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from listen.errors import LockHeld
from listen.lock import lock_path_for, run_lock

HOLDER = """
import sys, time
sys.path.insert(0, {src!r})
from pathlib import Path
from listen.lock import run_lock
with run_lock(Path({db!r})):
    print("held", flush=True)
    time.sleep(60)
"""


def hold_in_subprocess(db: Path) -> subprocess.Popen[str]:
    src = str(Path(__file__).parents[1] / "src")
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER.format(src=src, db=str(db))],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    return process


def test_lock_file_sits_beside_the_database(tmp_path: Path):
    assert lock_path_for(tmp_path / "listen.db") == tmp_path / "listen.db.lock"


def test_second_holder_is_refused_with_the_pid(tmp_path: Path):
    db = tmp_path / "listen.db"
    holder = hold_in_subprocess(db)
    try:
        with pytest.raises(LockHeld, match=f"pid {holder.pid}"), run_lock(db):
            pass
    finally:
        holder.kill()
        holder.wait()


def test_sigkilled_holder_leaves_no_stale_lock(tmp_path: Path):
    db = tmp_path / "listen.db"
    holder = hold_in_subprocess(db)
    with pytest.raises(LockHeld), run_lock(db):
        pass
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert lock_path_for(db).exists()  # the file stays; the kernel dropped the flock
    with run_lock(db) as path:
        assert path.read_text().strip() == str(os.getpid())


def test_lock_is_released_after_use_and_on_error(tmp_path: Path):
    db = tmp_path / "listen.db"
    with pytest.raises(RuntimeError), run_lock(db):
        raise RuntimeError("boom")
    # flock belongs to the open file, so even the same process cannot take it twice.
    with run_lock(db), pytest.raises(LockHeld), run_lock(db):
        pass
