"""Every command and option says what it is for in --help; --help never needs a config or DB."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from listen.cli import cli


def commands(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from commands(sub, (*path, name))


def undocumented(command: click.Command) -> list[str]:
    missing = [] if command.help else ["the command itself"]
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden and not param.help:
            missing.append(param.opts[0])
    return missing


@pytest.mark.parametrize("path", list(commands(cli)), ids=lambda p: " ".join(p) or "listen")
def test_help_documents_every_option(path: tuple[str, ...], tmp_path: Path) -> None:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    assert undocumented(command) == []
    env = {"LISTEN_CONFIG": str(tmp_path / "missing.toml"), "LISTEN_DB": str(tmp_path / "x.db")}
    result = CliRunner().invoke(cli, [*path, "--help"], env=env, prog_name="listen")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: listen")
    assert not (tmp_path / "x.db").exists()
