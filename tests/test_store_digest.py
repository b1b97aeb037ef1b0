"""Store queries behind the digest: comment sources, digest items, contact activity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from listen.store import Store
from listen.types import Post
from tests.helpers import add_contact_posts

NOW = datetime(2024, 5, 31, 8, tzinfo=UTC)


def blog_post(post_id: str, days_old: int, comment_feed: str | None) -> Post:
    return Post(
        id=post_id,
        platform="blog",
        url=f"https://bob.example/{post_id}/",
        text="an article",
        created_at=NOW - timedelta(days=days_old),
        comment_feed_url=comment_feed,
        raw_kind="article",
    )


def test_comment_sources_follow_post_age(store: Store) -> None:
    add_contact_posts(
        store,
        "Bob",
        "blog",
        "https://bob.example/feed/",
        [
            blog_post("new", 2, "https://bob.example/new/feed/"),
            blog_post("old", 30, "https://bob.example/old/feed/"),
            blog_post("no-feed", 1, None),
        ],
        now=NOW,
    )
    added = store.register_comment_sources(NOW - timedelta(days=14), now=NOW)
    assert added == 1
    (source,) = store.sources(kinds=["comments"])
    assert (source.target, source.post_id, source.platform) == (
        "https://bob.example/new/feed/",
        "new",
        "blog",
    )
    assert store.register_comment_sources(NOW - timedelta(days=14), now=NOW) == 0  # idempotent
    # 14 days later the post is too old to watch: the source is retired, not deleted
    assert store.register_comment_sources(NOW + timedelta(days=1), now=NOW) == 0
    assert store.sources(kinds=["comments"]) == []
    (row,) = [r for r in store.source_rows() if r["kind"] == "comments"]
    assert (row["enabled"], row["disabled_reason"]) == (0, "post too old to watch")


def test_digest_items_are_recorded_once_per_showing(store: Store) -> None:
    add_contact_posts(
        store, "Bob", "blog", "https://bob.example/feed/", [blog_post("p", 1, None)], now=NOW
    )
    rows = [("p", "reply", 1, "comment")]
    assert store.record_digest_items(rows, shown_at=NOW) == 1
    assert store.record_digest_items(rows, shown_at=NOW) == 0
    assert store.record_digest_items(rows, shown_at=NOW + timedelta(days=1)) == 1
    shown = store.shown_items(NOW - timedelta(days=1), NOW + timedelta(days=2))
    assert [(s.post_id, s.contact_name, s.title, s.url) for s in shown] == [
        ("p", "Bob", None, "https://bob.example/p/")
    ] * 2


def test_contact_activity_latest_post_and_last_engagement(store: Store) -> None:
    from listen.types import Engagement

    add_contact_posts(
        store,
        "Bob",
        "blog",
        "https://bob.example/feed/",
        [blog_post("older", 9, None), blog_post("latest", 3, None)],
        priority=3,
        now=NOW,
    )
    store.upsert_contact("Quiet")
    store.insert_engagements(
        [Engagement("e1", "older", "blog", "comment", engaged_at=NOW - timedelta(days=8))],
        now=NOW,
    )
    activity = {a.name: a for a in store.contact_activity()}
    assert activity["Bob"].latest_post is not None
    assert activity["Bob"].latest_post.id == "latest"
    assert activity["Bob"].last_engaged_at == NOW - timedelta(days=8)
    assert activity["Bob"].priority == 3
    assert activity["Quiet"].latest_post is None and activity["Quiet"].last_engaged_at is None
