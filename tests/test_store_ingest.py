"""Storing posts: new ones are counted, re-collected ones are deduplicated and refreshed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from listen.store import Store
from listen.types import CollectResult, Post, Source
from tests.helpers import sql

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)


@pytest.fixture
def store_and_source(tmp_path: Path) -> tuple[Store, Source]:
    store = Store.open(tmp_path / "listen.db")
    store.upsert_contact("Ada", identities=[("blog", "https://ada.example/feed.xml")])
    store.sync_sources({}, ["blog"])
    (source,) = store.sources()
    return store, source


def post(n: int, text: str = "body", title: str | None = "t", **metrics: int) -> Post:
    return Post(
        id=f"https://ada.example/{n}",
        platform="blog",
        title=title,
        text=text,
        created_at=NOW - timedelta(hours=n),
        metrics=metrics,
    )


def save(store: Store, source: Source, *posts: Post) -> int:
    result = CollectResult(posts=posts)
    return store.save_result(source, result, now=NOW, next_poll_at=NOW).new_posts


def rows(store: Store) -> dict[str, tuple[str | None, str, str | None]]:
    return {
        r[0]: (r[1], r[2], r[3]) for r in sql(store, "SELECT id, title, text, metrics FROM posts")
    }


def test_new_posts_are_counted_and_stored(store_and_source: tuple[Store, Source]) -> None:
    store, source = store_and_source
    assert save(store, source, post(1), post(2, likes=3)) == 2
    assert rows(store) == {
        "https://ada.example/1": ("t", "body", None),
        "https://ada.example/2": ("t", "body", '{"likes": 3}'),
    }
    stored = sql(
        store,
        "SELECT contact_id, source_id, created_at, collected_at FROM posts WHERE id = ?",
        ("https://ada.example/2",),
    )[0]
    assert stored == (source.contact_id, source.id, "2026-11-01T10:00:00+00:00", NOW.isoformat())


def test_recollecting_counts_nothing_new(store_and_source: tuple[Store, Source]) -> None:
    store, source = store_and_source
    save(store, source, post(1), post(2))
    assert save(store, source, post(1), post(2)) == 0
    assert save(store, source, post(2), post(3)) == 1
    assert store.count("posts") == 3


def test_edits_refresh_text_title_and_metrics(store_and_source: tuple[Store, Source]) -> None:
    store, source = store_and_source
    save(store, source, post(1, likes=1), post(2, likes=1))
    # post 1 edited with new metrics; post 2 unchanged text, new metrics: not refreshed
    assert save(store, source, post(1, text="edited", likes=5), post(2, likes=9)) == 0
    assert rows(store)["https://ada.example/1"] == ("t", "edited", '{"likes": 5}')
    assert rows(store)["https://ada.example/2"] == ("t", "body", '{"likes": 1}')
    # an edit without metrics keeps the stored ones; a title-only edit counts as an edit
    save(store, source, post(1, text="again"), post(2, title="new title"))
    assert rows(store)["https://ada.example/1"] == ("t", "again", '{"likes": 5}')
    assert rows(store)["https://ada.example/2"] == ("new title", "body", '{"likes": 1}')


def test_duplicates_within_one_batch(store_and_source: tuple[Store, Source]) -> None:
    store, source = store_and_source
    assert save(store, source, post(1, text="a"), post(1, text="b"), post(1, text="a")) == 1
    assert rows(store)["https://ada.example/1"][1] == "a"
    assert save(store, source, post(1, text="c"), post(4), post(4, text="d")) == 1
    assert rows(store)["https://ada.example/1"][1] == "c"
    assert rows(store)["https://ada.example/4"][1] == "d"


def test_counting_survives_deleted_rows(store_and_source: tuple[Store, Source]) -> None:
    store, source = store_and_source
    save(store, source, post(1), post(2), post(3))
    sql(store, "DELETE FROM posts WHERE id = ?", ("https://ada.example/3",))
    assert save(store, source, post(3), post(2), post(5)) == 2
