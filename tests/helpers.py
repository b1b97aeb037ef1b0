"""Helpers for tests: where the recorded real-world data lives."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

from listen.store import Store
from listen.types import CollectResult, Post

DATA = Path(__file__).parent / "data"
# The recordings `listen demo` serves ship with the package and are kept there, once; the tests
# read them from there (tests/data holds the rest). The demo calls tests/data's `twitter` `x`.
DEMO_DATA = Path(__file__).resolve().parents[1] / "src" / "listen" / "demo" / "data"
DEMO_FOLDERS = {"twitter": "x"}


def data_path(relative: str) -> Path:
    """A recorded real-world sample: `feeds/x.xml` under tests/data/, else the demo's copy."""
    path = DATA / relative
    if path.exists():
        return path
    folder, _, name = relative.partition("/")
    return DEMO_DATA / DEMO_FOLDERS.get(folder, folder) / name


def recordings(folder: str, pattern: str = "*") -> list[Path]:
    """Every recording of a tests/data folder, including those kept in the demo's data, by name."""
    found = {p.name: p for p in (DEMO_DATA / DEMO_FOLDERS.get(folder, folder)).glob(pattern)}
    found.update({p.name: p for p in (DATA / folder).glob(pattern)})
    return [found[name] for name in sorted(found)]


def read_data(relative: str) -> bytes:
    """Bytes of a recorded real-world sample (see `data_path`)."""
    return data_path(relative).read_bytes()


def add_contact_posts(
    store: Store,
    name: str,
    platform: str,
    handle: str,
    posts: Sequence[Post],
    *,
    priority: int = 2,
    now: datetime,
) -> int:
    """Create the contact and store `posts` as if a collector had returned them."""
    contact_id = store.upsert_contact(name, priority=priority, identities=[(platform, handle)])
    store.sync_sources({}, [platform])
    (source,) = [s for s in store.sources(platforms=[platform]) if s.target == handle]
    store.save_result(source, CollectResult(posts=tuple(posts)), now=now, next_poll_at=now)
    return contact_id


def classify(
    store: Store, post_id: str, action: str, comment: float, share: float, reasons: str
) -> None:
    """Store a classification the way the classifier does (`reasons` is a JSON list)."""
    store.save_classifications(
        [(post_id, "test", comment, share, action, json.loads(reasons))],
        now=datetime.fromisoformat("2024-05-01T00:00:00+00:00"),
    )


def sql(store: Store | Path, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run one statement on the database file from a second connection, as a user exploring
    it (Datasette, sqlite3) would: tests check the public schema and what is on disk."""
    path = store.path if isinstance(store, Store) else store
    assert path is not None
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("PRAGMA foreign_keys = ON")
        return conn.execute(query, params).fetchall()


def sql_script(store: Store | Path, script: str) -> None:
    """Run several statements on the database file from a second connection."""
    path = store.path if isinstance(store, Store) else store
    assert path is not None
    with closing(sqlite3.connect(path)) as conn:
        conn.executescript(script)
