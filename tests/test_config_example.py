"""config.example.toml documents every key the config accepts, and loads as it is."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from listen.config import SECTIONS, ContactConfig, load_config

EXAMPLE = Path(__file__).parent.parent / "config.example.toml"


def documented_keys() -> dict[str, set[str]]:
    """Keys per section, set or commented out (`# key = value`)."""
    found: dict[str, set[str]] = {}
    section = None
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        if header := re.match(r"\s*\[\[?(\w+)\]?\]", line):
            section = header.group(1)
        elif (key := re.match(r"\s*#?\s*(\w+)\s*=", line)) and section:
            found.setdefault(section, set()).add(key.group(1))
    return found


def test_every_config_key_is_in_the_example() -> None:
    documented = documented_keys()
    missing = [
        f"{name}.{f.name}"
        for name, cls in {**SECTIONS, "contacts": ContactConfig}.items()
        for f in dataclasses.fields(cls)
        if f.name not in documented.get(name, set())
    ]
    assert missing == []


def test_the_example_loads() -> None:
    config = load_config(EXAMPLE, {})
    assert config.contacts[0].linkedin == "https://www.linkedin.com/in/gracehopper"
