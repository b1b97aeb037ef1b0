"""Helpers for tests: where the recorded real-world data lives."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"


def read_data(relative: str) -> bytes:
    """Bytes of a recorded real-world sample under tests/data/."""
    return (DATA / relative).read_bytes()
