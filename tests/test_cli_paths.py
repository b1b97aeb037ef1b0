"""`--db` and `--config` pointing at the wrong kind of thing: one clear line, documented code."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from listen.cli import cli


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.mark.parametrize("option", ["--db", "--config"])
def test_empty_path_is_a_usage_error(option: str, tmp_path: Path) -> None:
    code, out = run(option, "", "posts")
    assert code == 2
    assert f"Error: Invalid value for '{option}': needs a file path, not an empty one" in out


def test_directory_as_db_is_a_usage_error(tmp_path: Path) -> None:
    code, out = run("--db", str(tmp_path), "posts")
    assert code == 2
    assert f"Error: Invalid value for '--db': File '{tmp_path}' is a directory." in out


def test_a_file_that_is_not_a_database_is_one_line_exit_1(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a database, just some notes\n" * 100)
    code, out = run("--db", str(text), "posts")
    assert code == 1
    assert out.startswith(f"Error: cannot open database {text}: ")
    assert len(out.splitlines()) == 1
    assert text.read_text().startswith("not a database")  # left alone


def test_db_below_a_regular_file_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code, out = run("--db", str(blocker / "listen.db"), "posts")
    assert code == 1
    assert out.startswith(f"Error: cannot open database {blocker / 'listen.db'}: ")
    assert len(out.splitlines()) == 1


def test_a_quoted_tilde_is_the_home_directory(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    result = CliRunner().invoke(
        cli,
        ["--db", "~/listen.db", "contacts", "add", "Ann", "--x", "ann"],
        env={"HOME": str(home)},
    )
    assert result.exit_code == 0, result.output
    assert (home / "listen.db").exists()
    assert not (tmp_path / "~").exists()
