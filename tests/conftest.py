"""Shared fixtures: real recorded data, a fresh store, a config file writer."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from listen.store import Store
from tests.helpers import DATA

# CI explores the same examples every run (a failure there is reproducible, never a fluke);
# local runs keep exploring new ones.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "default")


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
