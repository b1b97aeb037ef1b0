"""A data directory listen cannot write (issue 13, items 7 and 10): one line, never a traceback;
the run goes on without its log; a database there can still be read; and commands that only
read create nothing. Run as a user runs it: the real CLI in a subprocess."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fault_server import FaultServer, feed
from tests.helpers import read_data
from tests.reliability_helpers import run_listen, write_feeds_config

CONTROL = read_data("feeds/feed-rs_atom_mediarss_reddit_1.xml")


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as s:
        yield s


def assert_one_log_line(stderr: str) -> None:
    assert "Traceback" not in stderr and "Logging error" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if "log file" in line]
    assert len(lines) == 1 and "going on without it" in lines[0], stderr


def test_a_log_file_that_is_a_directory_costs_one_line_and_the_run_goes_on(
    tmp_path: Path, server: FaultServer
) -> None:
    config = write_feeds_config(
        tmp_path / "c.toml", {"Ada": server.add("/feed", feed(CONTROL, "application/atom+xml"))}
    )
    db = tmp_path / "data" / "listen.db"
    (tmp_path / "data" / "listen.log").mkdir(parents=True)
    result = run_listen(config, db, "-v", "run")
    assert result.returncode == 0, result.stderr
    assert_one_log_line(result.stderr)
    assert "25 new posts" in result.stdout + result.stderr


@pytest.fixture
def immutable_dir(tmp_path: Path) -> Iterator[Path]:
    """A directory nobody (not even root) can create files in: `chattr +i`."""
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed")
    directory = tmp_path / "ro"
    directory.mkdir()
    yield directory
    subprocess.run(["chattr", "-i", str(directory)], check=False)


def test_a_database_in_a_read_only_directory_can_still_be_read(
    tmp_path: Path, server: FaultServer, immutable_dir: Path
) -> None:
    config = write_feeds_config(
        tmp_path / "c.toml", {"Ada": server.add("/feed", feed(CONTROL, "application/atom+xml"))}
    )
    db = immutable_dir / "listen.db"
    assert run_listen(config, db, "collect").returncode == 0
    (immutable_dir / "listen.log").unlink()
    made = subprocess.run(["chattr", "+i", str(immutable_dir)], capture_output=True, check=False)
    if made.returncode:
        pytest.skip(f"chattr +i refused here: {made.stderr.decode().strip()}")
    posts = run_listen(config, db, "posts", "--limit", "3", "--format", "json")
    assert posts.returncode == 0, posts.stderr
    assert posts.stdout.count('"id"') == 3
    assert_one_log_line(posts.stderr)
    status = run_listen(config, db, "status")
    assert status.returncode == 0, status.stderr
    assert "Traceback" not in status.stderr


@pytest.mark.parametrize(
    "command", [("contacts", "list"), ("status",), ("posts",), ("score",)], ids=" ".join
)
def test_reading_commands_create_no_directory(tmp_path: Path, command: tuple[str, ...]) -> None:
    config = write_feeds_config(tmp_path / "c.toml", {})
    db = tmp_path / "missing" / "deeper" / "listen.db"
    result = run_listen(config, db, *command)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "missing").exists()
