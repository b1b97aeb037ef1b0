"""A blog URL that is a web page, not a feed: the source fails saying which feed to use."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from pytest_httpserver import HTTPServer

from listen.collectors.blog import BlogCollector
from listen.collectors.html_page import feed_links, looks_like_html
from listen.config import parse_config
from listen.errors import SourceError
from listen.http import HttpSettings, make_client
from listen.types import Source
from tests.helpers import read_data

HOME_PAGE = b"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Ann's notes</title>
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/rss+xml" title="RSS" href="/feed.xml">
<link rel="alternate" type="application/atom+xml" href="https://ann.example/atom.xml">
<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
</head><body><h1>Ann</h1></body></html>"""


@pytest.fixture
def client() -> Iterator[tuple[httpx.Client, HttpSettings]]:
    settings = HttpSettings(timeout_seconds=2.0, max_response_bytes=1_000_000)
    with make_client(settings) as c:
        yield c, settings


def collect(client: tuple[httpx.Client, HttpSettings], url: str):
    http, settings = client
    collector = BlogCollector(parse_config({}, path=None, env={}), http, settings)
    return collector.collect(Source(id=1, platform="blog", kind="feed", target=url))


def test_home_page_given_as_feed_names_the_feeds_it_links(httpserver: HTTPServer, client) -> None:
    httpserver.expect_request("/").respond_with_data(HOME_PAGE, content_type="text/html")
    with pytest.raises(SourceError) as caught:
        collect(client, httpserver.url_for("/"))
    assert caught.value.reason == (
        "an HTML page, not a feed; it links to the feed "
        f"{httpserver.url_for('/feed.xml')} or https://ann.example/atom.xml"
    )


def test_page_without_feed_links_says_what_to_give(httpserver: HTTPServer, client) -> None:
    httpserver.expect_request("/about").respond_with_data(
        b"<html><body>About me</body></html>", content_type="text/html"
    )
    with pytest.raises(SourceError, match="give the blog's RSS, Atom or JSON Feed URL"):
        collect(client, httpserver.url_for("/about"))


def test_a_real_feed_sent_as_text_html_is_still_read(httpserver: HTTPServer, client) -> None:
    feed = read_data("feeds/feed-rs_rss_2.0_example_4.xml")
    httpserver.expect_request("/feed").respond_with_data(feed, content_type="text/html")
    result = collect(client, httpserver.url_for("/feed"))
    assert len(result.posts) == 1
    assert not looks_like_html(feed)


def test_feed_links_survive_hostile_markup() -> None:
    assert feed_links(
        b"<link rel=alternate type=application/rss+xml href='/f'><<<", "http://a/"
    ) == ["http://a/f"]
    assert feed_links(b"\x00\xff<link rel='alternate'", "http://a/") == []
