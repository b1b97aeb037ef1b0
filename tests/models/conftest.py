"""Fixtures for the classifier tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from listen.store import Store
from tests.models.classifier_history import History, generate_history


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    store = Store.open(tmp_path / "listen.db")
    end = generate_history(store)
    contact_ids = {
        name.lower(): cid for cid, name in ((r.id, r.name) for r in store.list_contacts())
    }
    yield History(store, tmp_path, end, contact_ids)
    store.close()
