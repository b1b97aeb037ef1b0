"""Untrusted post text is cleaned on the way in: what reaches the database (read with sqlite3 or
Datasette, not only through listen's escaped output) holds no terminal escapes or control
characters, and only http(s) links (issue 13, item 8). The feeds are hand-made hostile ones."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from listen.cli import cli
from listen.types import Post
from tests.fault_server import FaultServer, feed
from tests.reliability_helpers import write_feeds_config

HOSTILE_JSON_FEED = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "t",
        "items": [
            {
                "id": "1",
                "url": "javascript:alert(1)",
                "title": "\u001b[31mRed\u001b[0m alert",
                "content_text": "Hello \u001b]0;pwned\u0007world\u0000 \u202eevil",
                "authors": [{"name": "\u001b[2JEve\u200b"}],
            }
        ],
    }
).encode()
# An HTML-escaped escape character (HTML drops that code point, leaving harmless `[31m` text).
HOSTILE_RSS = (
    b'<rss version="2.0"><channel><title>t</title><item><guid>https://x.example/2</guid>'
    b"<title>&amp;#27;[31mRed too</title><link>data:text/html,hi</link>"
    b"<description>&amp;#27;[2Jcleared</description></item></channel></rss>"
)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as s:
        yield s


def test_escapes_controls_and_non_http_links_never_reach_the_database(
    tmp_path: Path, server: FaultServer
) -> None:
    feeds = {
        "Json": server.add("/hostile.json", feed(HOSTILE_JSON_FEED, "application/feed+json")),
        "Rss": server.add("/hostile.xml", feed(HOSTILE_RSS)),
    }
    db = tmp_path / "l.db"
    config = write_feeds_config(tmp_path / "c.toml", feeds)
    result = CliRunner().invoke(cli, ["--config", str(config), "--db", str(db), "collect"])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(db) as conn:
        rows = dict(
            (str(r[0]).rsplit("/", 1)[-1], r[1:])
            for r in conn.execute("SELECT id, title, text, url, author_handle FROM posts")
        )
    assert rows["hostile.json#1"] == ("Red alert", "Hello world evil", None, "Eve")
    title, text, url, _ = rows["2"]
    assert (title.endswith("Red too"), text.endswith("cleared"), url) == (True, True, None)
    assert all(c.isprintable() for c in title + text)


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://a.example/p", True),
        ("HTTP://a.example/p", True),
        ("javascript:alert(1)", False),
        ("data:text/html,hi", False),
        ("http:alert", False),
        ("  https://a.example/\x1b[31mp ", True),
        ("", False),
    ],
)
def test_only_http_links_are_kept(url: str, kept: bool) -> None:
    from listen.text import http_url

    cleaned = http_url(url)
    assert (cleaned is not None) == kept
    if cleaned:
        assert "\x1b" not in cleaned and cleaned == cleaned.strip()


def test_clean_post_keeps_ordinary_text_as_it_is() -> None:
    from listen.text import clean_post

    post = Post("p", "blog", url="https://a.example/p", title="Tom \u200d emoji", text="a\n\tb")
    assert clean_post(post) == post
