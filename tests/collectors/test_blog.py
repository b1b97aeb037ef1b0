"""The blog collector against a real HTTP server on 127.0.0.1 replaying real feeds."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from listen.collectors.blog import BlogCollector
from listen.config import parse_config
from listen.errors import RateLimited, SourceError
from listen.http import HttpSettings, make_client
from listen.types import Source
from tests.helpers import read_data

WORDPRESS = read_data("feeds/feed-rs_rss_2.0_example_4.xml")
REDDIT = read_data("feeds/feed-rs_atom_mediarss_reddit_1.xml")


def collector(client: httpx.Client, settings: HttpSettings) -> BlogCollector:
    return BlogCollector(parse_config({}, path=None, env={}), client, settings)


def source(url: str, **state: str) -> Source:
    return Source(id=1, platform="blog", kind="feed", target=url, state=dict(state))


def conditional(body: bytes, etag: str, content_type: str = "application/rss+xml"):
    def handle(request: Request) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, content_type=content_type, headers={"ETag": etag})

    return handle


def test_first_poll_returns_posts_and_validators(httpserver: HTTPServer, client, settings) -> None:
    httpserver.expect_request("/feed").respond_with_handler(conditional(WORDPRESS, '"v1"'))
    result = collector(client, settings).collect(source(httpserver.url_for("/feed")))
    assert len(result.posts) == 1
    assert result.state["etag"] == '"v1"'
    assert result.bytes_received == len(WORDPRESS)
    assert not result.not_modified


def test_conditional_get_is_answered_by_304(httpserver: HTTPServer, client, settings) -> None:
    httpserver.expect_request("/feed").respond_with_handler(conditional(WORDPRESS, '"v1"'))
    result = collector(client, settings).collect(source(httpserver.url_for("/feed"), etag='"v1"'))
    assert result.not_modified
    assert result.posts == ()
    assert result.state["etag"] == '"v1"'
    request, _ = httpserver.log[-1]
    assert request.headers["If-None-Match"] == '"v1"'


def test_last_modified_is_sent_back(httpserver: HTTPServer, client, settings) -> None:
    stamp = "Tue, 06 Aug 2019 05:01:15 GMT"

    def handle(request: Request) -> Response:
        if request.headers.get("If-Modified-Since") == stamp:
            return Response(status=304)
        return Response(WORDPRESS, headers={"Last-Modified": stamp})

    httpserver.expect_request("/feed").respond_with_handler(handle)
    blog = collector(client, settings)
    first = blog.collect(source(httpserver.url_for("/feed")))
    second = blog.collect(source(httpserver.url_for("/feed"), **first.state))
    assert first.state["last_modified"] == stamp
    assert second.not_modified


def test_permanent_redirect_reports_new_url(httpserver: HTTPServer, client, settings) -> None:
    new = httpserver.url_for("/new-feed")
    httpserver.expect_request("/old-feed").respond_with_data(
        "", status=301, headers={"Location": new}
    )
    httpserver.expect_request("/new-feed").respond_with_data(REDDIT)
    result = collector(client, settings).collect(source(httpserver.url_for("/old-feed")))
    assert result.new_target == new
    assert len(result.posts) == 25


def test_temporary_redirect_keeps_url(httpserver: HTTPServer, client, settings) -> None:
    httpserver.expect_request("/old").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/tmp")}
    )
    httpserver.expect_request("/tmp").respond_with_data(REDDIT)
    result = collector(client, settings).collect(source(httpserver.url_for("/old")))
    assert result.new_target is None
    assert result.posts


def test_gone_disables_the_source(httpserver: HTTPServer, client, settings) -> None:
    httpserver.expect_request("/feed").respond_with_data("gone", status=410)
    result = collector(client, settings).collect(source(httpserver.url_for("/feed")))
    assert result.disabled_reason and "410" in result.disabled_reason


def test_server_error_is_a_source_error(httpserver: HTTPServer, client, settings) -> None:
    httpserver.expect_request("/feed").respond_with_data("boom", status=500)
    with pytest.raises(SourceError, match="HTTP 500"):
        collector(client, settings).collect(source(httpserver.url_for("/feed")))


def test_429_is_rate_limited_with_retry_after(httpserver: HTTPServer, client, settings) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "120"}
    )
    with pytest.raises(RateLimited) as info:
        collector(client, settings).collect(source(httpserver.url_for("/feed")))
    assert info.value.retry_after == 120


def test_timeout_is_a_source_error(httpserver: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.5)
        return Response(WORDPRESS)

    httpserver.expect_request("/feed").respond_with_handler(slow)
    quick = HttpSettings(timeout_seconds=0.3)
    with make_client(quick) as c, pytest.raises(SourceError, match="timed out"):
        collector(c, quick).collect(source(httpserver.url_for("/feed")))


def test_oversize_body_is_refused(httpserver: HTTPServer, client) -> None:
    big = read_data("feeds/feedparser_large_atom_feed_that_needs_css_sanitisation.xml")
    httpserver.expect_request("/feed").respond_with_data(big)
    small = HttpSettings(max_response_bytes=10_000)
    with pytest.raises(SourceError, match="too large"):
        collector(client, small).collect(source(httpserver.url_for("/feed")))


def test_oversize_chunked_body_is_refused(httpserver: HTTPServer, client) -> None:
    def chunked(request: Request) -> Response:
        return Response(iter([REDDIT[i : i + 4096] for i in range(0, len(REDDIT), 4096)]))

    httpserver.expect_request("/feed").respond_with_handler(chunked)
    small = HttpSettings(max_response_bytes=20_000)
    with pytest.raises(SourceError, match="too large"):
        collector(client, small).collect(source(httpserver.url_for("/feed")))


def test_malformed_body_is_a_source_error(httpserver: HTTPServer, client, settings) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        read_data("feeds/feed-rs_rss_2.0_invalid_1.xml")
    )
    with pytest.raises(SourceError, match="malformed feed"):
        collector(client, settings).collect(source(httpserver.url_for("/feed")))


def test_empty_body_is_a_source_error(httpserver: HTTPServer, client, settings) -> None:
    httpserver.expect_request("/feed").respond_with_data("")
    with pytest.raises(SourceError, match="empty"):
        collector(client, settings).collect(source(httpserver.url_for("/feed")))


def test_json_feed_by_content_type(httpserver: HTTPServer, client, settings) -> None:
    httpserver.expect_request("/feed.json").respond_with_data(
        read_data("feeds/feed-rs_jsonfeed_example_1.json"), content_type="application/feed+json"
    )
    result = collector(client, settings).collect(source(httpserver.url_for("/feed.json")))
    assert [p.author_handle for p in result.posts] == ["John Gruber", "John Gruber"]


def test_iso_8859_feed_over_http(httpserver: HTTPServer, client, settings) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        read_data("feeds/feed-rs_rss_1.0_iso8859.xml"), content_type="application/rdf+xml"
    )
    (post,) = collector(client, settings).collect(source(httpserver.url_for("/feed"))).posts
    assert "ü" in (post.title or "") + post.text or "ä" in (post.title or "") + post.text


@pytest.fixture
def truncating_server() -> Iterator[str]:
    """A raw socket server that promises more bytes than it sends, then hangs up."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.recv(65536)
                head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(REDDIT)}\r\n\r\n".encode()
                conn.sendall(head + REDDIT[:2000])

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/feed"
    stop.set()
    thread.join()
    listener.close()


def test_truncated_body_is_a_source_error(truncating_server: str, client, settings) -> None:
    with pytest.raises(SourceError, match="connection broken"):
        collector(client, settings).collect(source(truncating_server))


def test_connection_refused_is_a_source_error(client, settings) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SourceError, match="cannot connect"):
        collector(client, settings).collect(source(f"http://127.0.0.1:{port}/feed"))
