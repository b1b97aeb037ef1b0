"""Shared by the collector tests: HTTP settings with a short timeout and a client using them."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from listen.http import HttpSettings, make_client


@pytest.fixture
def settings() -> HttpSettings:
    return HttpSettings(timeout_seconds=2.0, max_response_bytes=1_000_000)


@pytest.fixture
def client(settings: HttpSettings) -> Iterator[httpx.Client]:
    with make_client(settings) as c:
        yield c
