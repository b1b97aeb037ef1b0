"""`--since`, `--window` and `--now`: bad or absurd values are usage errors, never tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from listen.cli import cli


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["digest", "--since", "99999999999w"], "--since is at most 3650 days, not '99999999999w'"),
        (["digest", "--since", "3651d"], "--since is at most 3650 days, not '3651d'"),
        (["score", "--window", "9999999d"], "--window is at most 3650 days, not '9999999d'"),
        (["digest", "--since", "²d"], "--since takes a duration like 24h, 30d or 2w, not '²d'"),
        (["digest", "--since", "0h"], "--since takes a duration like 24h, 30d or 2w, not '0h'"),
        (["score", "--window", "1y"], "--window takes a duration like 24h, 30d or 2w, not '1y'"),
        (
            ["digest", "--now", "0001-01-01T00:00:00Z"],
            "--now takes an ISO 8601 time like 2024-05-01T08:00:00Z, not '0001-01-01T00:00:00Z'",
        ),
    ],
)
def test_bad_durations_are_one_line_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "l.db"), *args])
    assert (result.exit_code, result.output) == (2, f"Error: {message}\n")


@pytest.mark.parametrize("args", [["digest", "--since", "520w"], ["score", "--window", "3650d"]])
def test_the_longest_durations_work(tmp_path: Path, args: list[str]) -> None:
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "l.db"), *args, "--now", "2024-05-31T08:00:00Z"]
    )
    assert result.exit_code == 0, result.output


def test_huge_config_window_is_a_config_error(write_config, tmp_path: Path) -> None:
    path = write_config("[digest]\nsince_hours = 9999999999\n")
    result = CliRunner().invoke(
        cli, ["--config", str(path), "--db", str(tmp_path / "l.db"), "digest"]
    )
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {path}: digest.since_hours: must be between 1 and 87600, not 9999999999\n"
    )
