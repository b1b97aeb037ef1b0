"""Shared fixtures: real recorded data, a fresh store, a config file writer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from listen.store import Store
from tests.helpers import DATA


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "listen.db") as opened:
        yield opened


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], Path]:
    """Write TOML text to a config file and return its path."""

    def write(text: str, name: str = "config.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
