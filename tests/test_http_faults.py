"""`listen.http.fetch` against misbehaving loopback servers."""

from __future__ import annotations

import gzip
import time
import tracemalloc
import zlib
from collections.abc import Iterator

import httpx
import pytest
from pytest_httpserver import HTTPServer

from listen.errors import RateLimited, SourceError
from listen.http import HttpSettings, fetch, make_client
from tests.fault_server import (
    FaultServer,
    gzip_bomb,
    hang,
    refused_url,
    respond,
    trickle,
    truncated,
)
from tests.helpers import data_path

SETTINGS = HttpSettings(timeout_seconds=0.5, max_response_bytes=1_000_000)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with make_client(SETTINGS) as c:
        yield c


@pytest.fixture
def faults() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


def test_500_is_a_source_error_with_retry_after(httpserver: HTTPServer, client: httpx.Client):
    httpserver.expect_request("/feed").respond_with_data(
        "oops", status=500, headers={"Retry-After": "90"}
    )
    with pytest.raises(SourceError) as caught:
        fetch(client, httpserver.url_for("/feed"), SETTINGS)
    assert not isinstance(caught.value, RateLimited)
    assert caught.value.reason == "HTTP 500: oops"  # the text body's first line
    assert caught.value.retry_after == 90


def test_503_with_retry_after_is_rate_limited(httpserver: HTTPServer, client: httpx.Client):
    httpserver.expect_request("/feed").respond_with_data(
        "busy", status=503, headers={"Retry-After": "120"}
    )
    with pytest.raises(RateLimited) as caught:
        fetch(client, httpserver.url_for("/feed"), SETTINGS)
    assert caught.value.retry_after == 120


def test_429_with_http_date_retry_after(httpserver: HTTPServer, client: httpx.Client):
    later = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 600))
    httpserver.expect_request("/feed").respond_with_data(
        "slow down", status=429, headers={"Retry-After": later}
    )
    with pytest.raises(RateLimited) as caught:
        fetch(client, httpserver.url_for("/feed"), SETTINGS)
    assert caught.value.retry_after is not None
    assert 590 <= caught.value.retry_after <= 601


def test_connection_refused(client: httpx.Client):
    with pytest.raises(SourceError, match="cannot connect"):
        fetch(client, refused_url(), SETTINGS)


def test_server_that_never_answers_times_out(faults: FaultServer, client: httpx.Client):
    url = faults.add("/hang", hang())
    started = time.monotonic()
    with pytest.raises(SourceError, match="timed out"):
        fetch(client, url, SETTINGS)
    assert time.monotonic() - started < 3


def test_slow_loris_body_hits_the_overall_deadline(faults: FaultServer, client: httpx.Client):
    # One byte every 0.1 s never trips the 0.5 s read timeout; the overall deadline (3x) must.
    url = faults.add("/slow", trickle(interval=0.1))
    started = time.monotonic()
    with pytest.raises(SourceError, match="too slow"):
        fetch(client, url, SETTINGS)
    assert time.monotonic() - started < 3


def test_truncated_body_is_an_error_not_a_short_feed(faults: FaultServer, client: httpx.Client):
    url = faults.add("/cut", truncated(b"<rss><channel><item><title>half", declared=5000))
    with pytest.raises(SourceError, match="connection broken"):
        fetch(client, url, SETTINGS)


def test_gzip_bomb_is_capped_without_inflating_it(faults: FaultServer, client: httpx.Client):
    url = faults.add("/bomb", gzip_bomb(200_000_000))  # ~200 KB on the wire, 200 MB inflated
    tracemalloc.start()
    try:
        with pytest.raises(SourceError, match="too large"):
            fetch(client, url, SETTINGS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000, f"peak {peak} bytes while reading a gzip bomb"


def test_gzip_and_deflate_bodies_are_decoded(faults: FaultServer, client: httpx.Client):
    body = b"<rss>" + b"x" * 5000 + b"</rss>"
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    for path, encoded, coding in (
        ("/gz", gzip.compress(body), "gzip"),
        ("/zlib", zlib.compress(body), "deflate"),
        ("/raw", raw_deflate.compress(body) + raw_deflate.flush(), "deflate"),
        ("/two", gzip.compress(body[:100]) + gzip.compress(body[100:]), "gzip"),
    ):
        url = faults.add(path, respond(200, encoded, {"Content-Encoding": coding}))
        assert fetch(client, url, SETTINGS).content == body, path


def test_unknown_content_encoding_is_refused(faults: FaultServer, client: httpx.Client):
    url = faults.add("/br", respond(200, b"\x1b\x00", {"Content-Encoding": "br"}))
    with pytest.raises(SourceError, match="unsupported Content-Encoding"):
        fetch(client, url, SETTINGS)


def test_oversize_declared_and_undeclared(
    httpserver: HTTPServer, faults: FaultServer, client: httpx.Client
):
    httpserver.expect_request("/big").respond_with_data(b"a" * 1_000_001)
    with pytest.raises(SourceError, match="too large"):
        fetch(client, httpserver.url_for("/big"), SETTINGS)
    # No Content-Length at all: the cap applies while reading.
    url = faults.add("/chunked", truncated(b"a" * 1_100_000, declared=2_000_000))
    with pytest.raises(SourceError, match="too large"):
        fetch(client, url, SETTINGS)


# -- the server's own explanation of an error ---------------------------------------------------


def recorded_mastodon_404() -> dict:
    import json

    recording = data_path("mastodon/account_lookup.json")
    interaction = json.loads(recording.read_text())[1]
    assert interaction["status"] == 404
    return interaction


def test_a_recorded_mastodon_404_keeps_its_message(httpserver: HTTPServer, client: httpx.Client):
    interaction = recorded_mastodon_404()
    httpserver.expect_request("/api/v1/accounts/lookup").respond_with_json(
        interaction["body"], status=404, headers=interaction["headers"]
    )
    with pytest.raises(SourceError) as caught:
        fetch(client, httpserver.url_for("/api/v1/accounts/lookup"), SETTINGS)
    assert caught.value.reason == "HTTP 404: Record not found"
    assert caught.value.status == 404


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # Bluesky XRPC: the message, not the error code
        (
            {"error": "InvalidRequest", "message": "Profile not found"},
            "HTTP 400: Profile not found",
        ),
        # X API v2 problem details: the detail
        (
            {"title": "Invalid Request", "detail": "One or more parameters are invalid."},
            "HTTP 400: One or more parameters are invalid.",
        ),
        (
            {"errors": [{"message": "Sorry, that page does not exist"}]},
            "HTTP 400: Sorry, that page does not exist",
        ),
        ({"ok": False}, "HTTP 400"),
    ],
)
def test_a_json_error_body_gives_its_message(
    httpserver: HTTPServer, client: httpx.Client, body: dict, expected: str
):
    httpserver.expect_request("/x").respond_with_json(body, status=400)
    with pytest.raises(SourceError) as caught:
        fetch(client, httpserver.url_for("/x"), SETTINGS)
    assert caught.value.reason == expected


def test_an_html_error_page_is_not_quoted(httpserver: HTTPServer, client: httpx.Client):
    page = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body>"
    httpserver.expect_request("/feed").respond_with_data(page, status=502, content_type="text/html")
    with pytest.raises(SourceError) as caught:
        fetch(client, httpserver.url_for("/feed"), SETTINGS)
    assert caught.value.reason == "HTTP 502"
    # HTML sent as text/plain is still a page, not an explanation
    httpserver.expect_request("/plain").respond_with_data(page, status=500)
    with pytest.raises(SourceError) as caught:
        fetch(client, httpserver.url_for("/plain"), SETTINGS)
    assert caught.value.reason == "HTTP 500"


def test_a_hostile_error_text_is_one_short_clean_line(httpserver: HTTPServer, client: httpx.Client):
    hostile = "\x1b[2J\x1b]0;pwned\x07bad\x1b[31m  gateway\r\nsecond line" + "x" * 10
    httpserver.expect_request("/feed").respond_with_data(hostile, status=500)
    with pytest.raises(SourceError) as caught:
        fetch(client, httpserver.url_for("/feed"), SETTINGS)
    assert caught.value.reason == "HTTP 500: bad gateway"
    httpserver.expect_request("/long").respond_with_json({"message": "word " * 500}, status=400)
    with pytest.raises(SourceError) as caught:
        fetch(client, httpserver.url_for("/long"), SETTINGS)
    reason = caught.value.reason
    assert reason.startswith("HTTP 400: word word") and reason.endswith("…")
    assert len(reason) <= len("HTTP 400: ") + 200


def test_a_rate_limit_keeps_its_explanation(httpserver: HTTPServer, client: httpx.Client):
    httpserver.expect_request("/x").respond_with_json(
        {"title": "Too Many Requests", "detail": "Too Many Requests"}, status=429
    )
    with pytest.raises(RateLimited) as caught:
        fetch(client, httpserver.url_for("/x"), SETTINGS)
    assert caught.value.reason == "HTTP 429: rate limited: Too Many Requests"
