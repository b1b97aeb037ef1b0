"""Store queries behind the digest: comment sources, digest items, contact activity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from listen.store import Store
from listen.types import Post
from tests.helpers import add_contact_posts, sql, sql_script

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
    (row,) = [r for r in store.source_rows() if r.kind == "comments"]
    assert (row.enabled, row.disabled_reason) == (False, "post too old to watch")


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


def engagement_contacts(store: Store) -> dict[str, int | None]:
    return dict(sql(store, "SELECT id, contact_id FROM engagements"))


def test_engagement_contact_follows_posts_that_arrive_later_and_marks(store: Store) -> None:
    from listen.types import Engagement

    # Seen on the user's own timeline first: the post is not collected yet.
    store.insert_engagements(
        [
            Engagement("early", "later", "blog", "comment", engaged_at=NOW - timedelta(days=2)),
            Engagement("undated", "later", "blog", "like", engaged_at=None),
            Engagement("elsewhere", "never", "blog", "like", engaged_at=NOW),
        ],
        now=NOW - timedelta(days=1),
    )
    assert set(engagement_contacts(store).values()) == {None}
    bob = add_contact_posts(
        store,
        "Bob",
        "blog",
        "https://bob.example/feed/",
        [blog_post("later", 3, None), blog_post("other", 1, None)],
        now=NOW,
    )
    assert engagement_contacts(store) == {"early": bob, "undated": bob, "elsewhere": None}
    # the undated engagement counts when it was recorded (a day before NOW), after `early`
    activity = {a.name: a for a in store.contact_activity()}
    assert activity["Bob"].last_engaged_at == NOW - timedelta(days=1)
    store.mark_post("other", "like", now=NOW)
    assert engagement_contacts(store)["manual:like:other"] == bob
    activity = {a.name: a for a in store.contact_activity()}
    assert activity["Bob"].last_engaged_at == NOW
    store.remove_contact("Bob")
    assert set(engagement_contacts(store).values()) == {None}


def test_engagement_contact_is_backfilled_by_the_migration(tmp_path: Path) -> None:
    from listen.store import MIGRATIONS
    from listen.types import Engagement

    path = tmp_path / "old.db"
    with Store.open(path) as store:
        bob = add_contact_posts(
            store, "Bob", "blog", "https://bob.example/feed/", [blog_post("p", 3, None)], now=NOW
        )
        store.insert_engagements(
            [
                Engagement("on-p", "p", "blog", "comment", engaged_at=NOW - timedelta(days=2)),
                Engagement("orphan", "q", "blog", "like", engaged_at=NOW),
            ],
            now=NOW,
        )
        # back to the schema before migration 8
        version = len(MIGRATIONS)
        assert MIGRATIONS[7][1].__name__ == "_migration_8_engagement_contact"
    sql_script(
        path,
        # (the circle view reads engagements.contact_id: migration 13 makes it again)
        "DROP VIEW circle; DROP INDEX engagements_contact_engaged; DROP INDEX engagements_time;"
        " CREATE INDEX engagements_engaged ON engagements(engaged_at);"
        " ALTER TABLE engagements DROP COLUMN contact_id;"
        " DELETE FROM _migrations WHERE version >= 8;",
    )
    with Store.open(path) as upgraded:
        assert upgraded.schema_version() == version
        assert engagement_contacts(upgraded) == {"on-p": bob, "orphan": None}
        activity = {a.name: a for a in upgraded.contact_activity()}
        assert activity["Bob"].last_engaged_at == NOW - timedelta(days=2)
