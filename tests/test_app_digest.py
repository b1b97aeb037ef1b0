"""The digest and score through the app facade on a real SQLite database."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from listen import app
from listen.config import Config, DigestConfig
from listen.store import Store
from listen.types import Engagement, Post
from tests.helpers import add_contact_posts, classify

NOW = datetime(2024, 5, 31, 8, tzinfo=UTC)


def post(post_id: str, platform: str, hours_old: float, text: str = "") -> Post:
    return Post(
        id=post_id,
        platform=platform,
        url=f"https://example.org/{post_id}",
        text=text or f"Post {post_id} about networking",
        created_at=NOW - timedelta(hours=hours_old),
    )


@pytest.fixture
def filled(store: Store) -> Store:
    add_contact_posts(
        store,
        "Ann",
        "bluesky",
        "ann.bsky.social",
        [post("a1", "bluesky", 2), post("a2", "bluesky", 5), post("a-old", "bluesky", 72)],
        priority=3,
        now=NOW,
    )
    add_contact_posts(
        store,
        "Bob",
        "blog",
        "https://bob.example/feed",
        [post("b1", "blog", 1)],
        priority=1,
        now=NOW,
    )
    add_contact_posts(
        store,
        "Cy",
        "mastodon",
        "cy@example.social",
        [post("c0", "mastodon", 25 * 24), post("c1", "mastodon", 10 * 24)],
        now=NOW,
    )
    store.insert_engagements(
        [
            Engagement(
                "e-c0",
                "c0",
                "mastodon",
                "reply",
                engaged_at=NOW - timedelta(days=20),
                detected_by="api",
            )
        ],
        now=NOW,
    )
    classify(store, "a1", "comment", 0.8, 0.1, '["asks for advice"]')
    classify(store, "a2", "share", 0.2, 0.7, '["useful link"]')
    return store


def test_digest_sections_and_recording_what_was_shown(filled: Store) -> None:
    # No slot for a post listen is unsure about (tests/digest/test_build.py tests those).
    config = Config(digest=DigestConfig(explore_share=0.0))
    digest = app.daily_digest(config, filled, now=NOW)
    assert [(i.post_id, i.action, i.reason) for i in digest.reply] == [
        ("a1", "comment", "asks for advice"),
        ("b1", "comment", "not classified yet: ranked by contact priority and freshness"),
    ]
    assert [i.post_id for i in digest.share] == ["a2"]
    assert [(c.name, c.days_silent, c.opening.id) for c in digest.cold] == [("Cy", 20, "c1")]
    shown = {(s.post_id, s.section) for s in filled.shown_items(NOW, NOW + timedelta(seconds=1))}
    assert shown == {("a1", "reply"), ("b1", "reply"), ("a2", "share"), ("c1", "cold")}


def test_participation_then_lurking_become_facts(filled: Store) -> None:
    app.daily_digest(Config(), filled, now=NOW)
    filled.mark_post("a1", "comment", now=NOW + timedelta(hours=1))

    later = app.daily_digest(Config(), filled, now=NOW + timedelta(hours=2))
    assert later.activity.by_platform == {"bluesky": {"comment": 1}}
    assert later.activity.lurked == ()

    four_days = app.daily_digest(Config(), filled, now=NOW + timedelta(days=3, hours=12))
    assert {i.post_id for i in four_days.activity.lurked} == {"b1", "a2", "c1"}

    scores = {
        s.platform: s
        for s in app.participation(Config(), filled, now=NOW + timedelta(days=3, hours=12))
    }
    bluesky = scores["bluesky"].current
    assert (bluesky.participated, bluesky.lurked) == (1, 1)  # a1 commented, a2 lurked
    assert bluesky.response == pytest.approx(12.5)
    assert bluesky.depth == pytest.approx(25.0)  # one comment (the mark)
    assert (bluesky.contacts_engaged, bluesky.contacts_posting) == (1, 1)
    assert scores["blog"].current.lurked == 1
    assert scores["mastodon"].current.engagements_by_kind == {"reply": 1}


def test_an_empty_database_gives_an_empty_digest(store: Store) -> None:
    digest = app.daily_digest(Config(), store, now=NOW)
    assert digest.empty
    assert store.count("digest_items") == 0


def test_digest_queries_use_indexes_not_table_scans(filled: Store) -> None:
    with filled.traced_statements() as statements:
        app.daily_digest(Config(), filled, now=NOW)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert selects
    bad = []
    for sql in selects:
        for detail in filled.query_plan(sql):
            # posts, engagements and digest_items are the big tables: reach them by key, by
            # contact or by an indexed time range, never by walking them.
            if re.match(
                r"(SCAN|SEARCH) (posts|p|digest_items|d|engagements|e)\b", detail
            ) and not re.search(
                r"\((id=\?|post_id=\?|contact_id=\?|created_at>\?|shown_at>\?|engaged_at[>=]\?)",
                detail,
            ):
                bad.append((sql[:80], detail))
    assert bad == []
