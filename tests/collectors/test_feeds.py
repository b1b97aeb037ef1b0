"""Feed parsing on real recorded feeds (feed-rs and feedparser fixtures)."""

from datetime import UTC, datetime

import pytest

from listen.collectors.feeds import looks_like_json_feed, parse_feed
from listen.errors import SourceError
from tests.helpers import read_data, recordings

BROKEN_FEEDS = ("feed-rs_rss_2.0_invalid_1.xml", "feedparser_illformed_rss_incomplete_cdata.xml")
GOOD_FEEDS = [p.name for p in recordings("feeds") if p.name not in BROKEN_FEEDS]


@pytest.mark.parametrize("name", GOOD_FEEDS)
def test_every_real_feed_yields_posts_with_ids(name: str) -> None:
    feed = parse_feed(read_data(f"feeds/{name}"), f"https://example.org/{name}")
    assert feed.posts, name
    ids = [p.id for p in feed.posts]
    assert len(ids) == len(set(ids))
    for post in feed.posts:
        assert post.platform == "blog"
        assert post.title or post.text or post.url
        assert len(post.text) <= 20_000


def test_wordpress_item_exposes_comment_feed() -> None:
    feed = parse_feed(read_data("feeds/feed-rs_rss_2.0_example_4.xml"), "https://e.org/feed")
    (post,) = feed.posts
    assert post.comment_feed_url == (
        "http://www.earthquakenewstoday.com/2019/08/06/"
        "minor-earthquake-3-5-mag-was-detected-near-aris-in-greece/feed/"
    )
    assert post.created_at == datetime(2019, 8, 6, 5, 1, 15, tzinfo=UTC)


def test_json_feed_is_mapped_by_hand() -> None:
    raw = read_data("feeds/feed-rs_jsonfeed_example_1.json")
    assert looks_like_json_feed(raw, "")
    feed = parse_feed(raw, "https://daringfireball.net/feeds/json", "application/feed+json")
    assert feed.format == "json1"
    first = feed.posts[0]
    assert first.id == "https://daringfireball.net/linked/2020/01/24/bezos-iphone-x"
    assert first.title == "How Jeff Bezos’s iPhone X Was Hacked"
    assert first.author_handle == "John Gruber"
    assert first.text.startswith("Good summary from The New York Times.")
    assert "<p>" not in first.text
    assert first.created_at == datetime(2020, 1, 24, 23, 46, 57, tzinfo=UTC)


def test_json_feed_1_1_uses_authors_list() -> None:
    feed = parse_feed(read_data("feeds/feed-rs_jsonfeed_elastic_1.1.json"), "https://i.org/j")
    assert feed.format == "json1.1"
    assert len(feed.posts) == 3
    assert all(p.author_handle for p in feed.posts)


@pytest.mark.parametrize("name", BROKEN_FEEDS)
def test_malformed_feed_is_a_source_error(name: str) -> None:
    with pytest.raises(SourceError, match="malformed feed"):
        parse_feed(read_data(f"feeds/{name}"), "https://r.org/rss")


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"version": "https://jsonfeed.org/version/1", "items": 3}', b'{"a": 1}'],
)
def test_broken_json_feed_is_a_source_error(body: bytes) -> None:
    with pytest.raises(SourceError):
        parse_feed(body, "https://j.org/feed.json", "application/json")


def test_html_page_is_not_a_feed() -> None:
    with pytest.raises(SourceError):
        parse_feed(b"<html><body><p>Hello</p></body></html>", "https://h.org/")


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("feed-rs_rss_1.0_iso8859.xml", "Glasfaser"),
        ("feed-rs_rss_0.91_encoding_1.xml", ""),
        ("feedparser_illformed_koi8r.xml", ""),
    ],
)
def test_non_utf8_feeds_decode(name: str, needle: str) -> None:
    feed = parse_feed(read_data(f"feeds/{name}"), "https://e.org/feed")
    text = " ".join((p.title or "") + p.text for p in feed.posts)
    assert "\ufffd" not in text
    assert needle in text


def test_hostile_markup_is_stripped() -> None:
    name = "feeds/feedparser_large_atom_feed_that_needs_css_sanitisation.xml"
    feed = parse_feed(read_data(name), "https://e.org/atom")
    assert len(feed.posts) == 15
    for post in feed.posts:
        assert "<" not in post.text or "script" not in post.text.lower()
        assert "{" not in post.text[:50] or "style" not in post.text.lower()


def test_truncated_feed_keeps_what_parsed() -> None:
    raw = read_data("feeds/feed-rs_atom_mediarss_reddit_1.xml")
    feed = parse_feed(raw[: len(raw) // 2], "https://r.org/atom")
    assert 0 < len(feed.posts) < 25


def test_guid_that_is_not_a_uri_is_scoped_to_the_feed() -> None:
    feed = parse_feed(read_data("feeds/feed-rs_rss_2.0_ghost_2.xml"), "https://ghost.org/rss/")
    assert feed.posts[0].id.startswith("https://ghost.org/rss/#")
