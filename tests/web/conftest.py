"""A small listen database with posts for every page, and the web app over it."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

with warnings.catch_warnings():  # it still works on httpx; the warning asks for its successor
    warnings.filterwarnings("ignore", "Using `httpx`")
    from starlette.testclient import TestClient

from listen.config import Config
from listen.store import Store
from listen.types import Engagement, Interaction, Post
from listen.web.server import create_app
from listen.web.settings import WebSettings
from tests.helpers import add_contact_posts, classify

NOW = datetime(2024, 5, 31, 8, tzinfo=UTC)
# Replies to the user: Ann's was collected as a post (a3); Cy's is known only by its link.
ANN_REPLY = "a3"
CY_MENTION = "https://example.social/@cy/9001"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def post(post_id: str, platform: str, hours_old: float, text: str, **extra: str) -> Post:
    return Post(
        id=post_id,
        platform=platform,
        url=extra.get("url", f"https://example.org/{post_id}"),
        title=extra.get("title"),
        text=text,
        created_at=NOW - timedelta(hours=hours_old),
    )


def fill(store: Store) -> None:
    """Ann (bluesky, priority 3, replied to you), Bob (blog, with a hostile post), Cy
    (mastodon, going cold, mentioned you)."""
    add_contact_posts(
        store,
        "Ann",
        "bluesky",
        "ann.bsky.social",
        [
            post("a0", "bluesky", 10 * 24, "Packing for the coast path"),
            post("a1", "bluesky", 2, "Which lighthouse should I visit first?"),
            post("a2", "bluesky", 5, "A useful guide to tide tables"),
            post(ANN_REPLY, "bluesky", 30, "Thanks! The harbour one has the best view"),
        ],
        priority=3,
        now=NOW,
    )
    add_contact_posts(
        store,
        "Bob",
        "blog",
        "https://bob.example/feed",
        [
            post("b1", "blog", 1, HOSTILE, title=f"Title {HOSTILE}", url="javascript:alert(1)"),
            post("b2", "blog", 30, "Notes on harbour walls and lighthouses"),
        ],
        priority=1,
        now=NOW,
    )
    add_contact_posts(
        store,
        "Cy",
        "mastodon",
        "cy@example.social",
        [post("c0", "mastodon", 25 * 24, "An old toot"), post("c1", "mastodon", 10 * 24, "Quiet")],
        now=NOW,
    )
    store.insert_engagements(
        [
            Engagement("e-c0", "c0", "mastodon", "reply", engaged_at=NOW - timedelta(days=20)),
            Engagement("e-a0", "a0", "bluesky", "comment", engaged_at=NOW - timedelta(days=9)),
        ],
        now=NOW,
    )
    store.insert_interactions(
        [
            Interaction(
                "bluesky",
                "reply",
                "ann.bsky.social",
                our_post="at://me/post/1",
                their_post=ANN_REPLY,
                created_at=NOW - timedelta(hours=30),
                url="https://example.org/a3",
                text="Thanks! The harbour one has the best view",
            ),
            Interaction(
                "mastodon",
                "mention",
                "cy@example.social",
                created_at=NOW - timedelta(hours=40),
                url=CY_MENTION,
                text="@you what did you think of the talk?",
            ),
        ],
        now=NOW,
    )
    classify(store, "a1", "comment", 0.8, 0.1, '["asks a question"]')
    classify(store, "a2", "share", 0.2, 0.7, '["a useful link"]')
    classify(store, "b1", "comment", 0.6, 0.1, '["a hostile feed"]')


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "listen.db"
    with Store.open(path) as store:
        fill(store)
    return path


@pytest.fixture
def settings(db_path: Path) -> WebSettings:
    # Today waits as long as it takes here (the reading page has its own test).
    return WebSettings(Config(), db_path, now=NOW, since=timedelta(days=2), today_wait=60)


@pytest.fixture
def client(settings: WebSettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8150") as test_client:
        yield test_client


def csrf_of(settings: WebSettings) -> str:
    return settings.csrf_secret
