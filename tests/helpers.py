"""Helpers for tests: where the recorded real-world data lives."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from listen.store import Store
from listen.types import CollectResult, Post

DATA = Path(__file__).parent / "data"


def read_data(relative: str) -> bytes:
    """Bytes of a recorded real-world sample under tests/data/."""
    return (DATA / relative).read_bytes()


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
    """Write a classifier row the way the classifier does (its table is part of schema v2)."""
    store.conn.execute(
        "INSERT INTO classifications (post_id, model_version, comment_probability,"
        " share_probability, action, reasons, scored_at) VALUES (?, 'test', ?, ?, ?, ?, ?)",
        (post_id, comment, share, action, reasons, "2024-05-01T00:00:00+00:00"),
    )
