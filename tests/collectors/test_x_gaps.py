"""X: what a failed page or the page cap leaves unread is kept and fetched later (issue 13,
items 3, 4 and 6), against the recorded X API v2 pages served on 127.0.0.1."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from listen.cli import cli
from listen.errors import SourceError
from listen.types import Source
from tests.collectors.test_x import (
    DAVID_ID,
    PAGE1_TOKEN,
    TOKEN,
    TWITTER_ID,
    collector,
    page_response,
    recorded,
    replay,
    requests_to,
    serve_all,
    twarc_page,
    x_config,
)
from tests.test_x_collect import write_config

PAGE1 = recorded("get_users_tweets")["body"]
PAGE1_OLDEST = PAGE1["meta"]["oldest_id"]
PAGE1_NEWEST = PAGE1["meta"]["newest_id"]
PAGE2_IDS = {t["id"] for t in twarc_page("two_tweets")["data"]}
EMPTY = {"meta": {"result_count": 0}}  # X's answer when nothing matches (hand-made, documented)


def test_a_failed_second_page_keeps_the_first_the_cursor_and_the_user_id(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    serve_all(httpserver)
    failures = {"left": 1}

    def timeline(request: Request) -> Response:
        if request.args.get("pagination_token") == PAGE1_TOKEN and failures["left"]:
            failures["left"] -= 1
            return Response("upstream broke", status=503)
        if request.args.get("until_id") or request.args.get("pagination_token"):
            return page_response(twarc_page("two_tweets"), request)
        if request.args.get("since_id"):
            return page_response(EMPTY)
        return replay(recorded("get_users_tweets"), request)

    replace_route(httpserver, f"/2/users/{TWITTER_ID}/tweets", timeline)
    config = write_config(tmp_path, httpserver, 100)
    db = tmp_path / "listen.db"
    argv = ["--config", str(config), "--db", str(db), "collect", "--all"]
    env = {"LISTEN_X_BEARER_TOKEN": TOKEN}

    first = CliRunner().invoke(cli, argv, env=env)
    assert first.exit_code == 1 and "HTTP 503" in first.output
    with sqlite3.connect(db) as conn:
        stored = {r[0] for r in conn.execute("SELECT id FROM posts WHERE platform = 'x'")}
        resolved = conn.execute(
            "SELECT resolved_id FROM identities WHERE platform = 'x'"
        ).fetchone()
        (state,) = conn.execute("SELECT state FROM sources WHERE target = 'twitter'").fetchone()
    assert {t["id"] for t in PAGE1["data"]} == stored  # page 1 is kept
    assert resolved == (TWITTER_ID,)
    assert TWITTER_ID in state and PAGE1_OLDEST in state  # the user id, and where to resume

    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE sources SET next_poll_at = NULL")
    second = CliRunner().invoke(cli, argv, env=env)
    assert second.exit_code == 0, second.output
    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM posts WHERE platform = 'x'")]
    assert sorted(ids) == sorted(stored | PAGE2_IDS)  # the rest arrived, nothing twice
    lookups = requests_to(httpserver, "/2/users/by/username/twitter")
    assert len(lookups) == 1  # the resolved user id survived the failure


def cap_server(httpserver: HTTPServer) -> None:
    """Page 1 (recorded, with next_token) for a new poll; the older page for a gap's range."""

    def timeline(request: Request) -> Response:
        if request.args.get("until_id"):
            return page_response(twarc_page("two_tweets"), request)
        if request.args.get("since_id") == PAGE1_NEWEST:
            return page_response(EMPTY)
        return replay(recorded("get_users_tweets"), request)

    httpserver.expect_request(f"/2/users/{TWITTER_ID}/tweets").respond_with_handler(timeline)


def test_the_page_cap_leaves_a_gap_that_later_polls_fill(httpserver: HTTPServer) -> None:
    cap_server(httpserver)
    x = collector(x_config(httpserver, max_pages=1))
    state: dict[str, Any] = {"user_id": TWITTER_ID, "since_id": "1"}
    first = x.collect(Source(1, "x", "author", "twitter", state=state))
    assert {p.id for p in first.posts} == {t["id"] for t in PAGE1["data"]}
    assert first.state["since_id"] == PAGE1_NEWEST
    assert first.state["gaps"] == [{"newer_than": "1", "resume_from": PAGE1_OLDEST}]

    second = x.collect(Source(1, "x", "author", "twitter", state=first.state))
    assert {p.id for p in second.posts} == PAGE2_IDS
    assert "gaps" not in second.state
    fill = [
        r for r in requests_to(httpserver, f"/2/users/{TWITTER_ID}/tweets") if "until_id" in r.args
    ]
    assert [(r.args["since_id"], r.args["until_id"]) for r in fill] == [("1", PAGE1_OLDEST)]


def test_a_first_poll_capped_by_pages_leaves_no_gap(httpserver: HTTPServer) -> None:
    cap_server(httpserver)
    x = collector(x_config(httpserver, max_pages=1))
    result = x.collect(Source(1, "x", "author", "twitter", state={"user_id": TWITTER_ID}))
    assert "gaps" not in result.state  # a first poll's history ends at the page cap


def likes_pages(httpserver: HTTPServer, split: int) -> None:
    """The recorded 96 likes served as pages of `split` (the recording's own next_token scheme
    is opaque; here the token is the offset)."""
    likes = recorded("get_liked_tweets")["body"]

    def liked(request: Request) -> Response:
        start = int(request.args.get("pagination_token") or 0)
        size = min(split, int(request.args.get("max_results", 100)))
        data = likes["data"][start : start + size]
        meta: dict[str, Any] = {"result_count": len(data)}
        if start + size < len(likes["data"]):
            meta["next_token"] = str(start + size)
        return page_response({"data": data, "includes": likes.get("includes", {}), "meta": meta})

    replace_route(httpserver, f"/2/users/{DAVID_ID}/liked_tweets", liked)


def replace_route(server: HTTPServer, uri: str, handler: Any) -> None:
    """Serve `uri` with `handler` instead of what `serve_all` put there (first match wins)."""
    server.handlers[:] = [h for h in server.handlers if h.matcher.uri != uri]
    server.expect_request(uri).respond_with_handler(handler)


@pytest.mark.parametrize("unit", ["posts", "requests"])
def test_likes_history_is_read_on_the_first_poll_then_only_new_ones(
    httpserver: HTTPServer, unit: str
) -> None:
    serve_all(httpserver)
    likes_pages(httpserver, 40)
    x = collector(x_config(httpserver, read_unit=unit))
    own = Source(2, "x", "self", "dappdavid99", state={"user_id": DAVID_ID})
    first = x.collect(own)
    assert len([e for e in first.engagements if e.kind == "like"]) == 96  # 3 pages of 40
    assert "likes_backfill" not in first.state

    before = len(requests_to(httpserver, f"/2/users/{DAVID_ID}/liked_tweets"))
    again = x.collect(Source(2, "x", "self", "dappdavid99", state=first.state))
    assert [e for e in again.engagements if e.kind == "like"] == []
    asked = requests_to(httpserver, f"/2/users/{DAVID_ID}/liked_tweets")[before:]
    assert len(asked) == 1  # the newest page only: its likes are known
    assert int(asked[0].args["max_results"]) == (25 if unit == "posts" else 100)


def test_likes_history_beyond_the_page_cap_is_read_on_later_polls(httpserver: HTTPServer) -> None:
    serve_all(httpserver)
    likes_pages(httpserver, 20)
    x = collector(x_config(httpserver, max_pages=2))
    state: dict[str, Any] = {"user_id": DAVID_ID}
    found: list[str] = []
    for _ in range(4):
        result = x.collect(Source(2, "x", "self", "dappdavid99", state=state))
        found += [e.post_id for e in result.engagements if e.kind == "like"]
        state = result.state
    assert len(found) == len(set(found)) == 96  # 40, 40, 16: each like once
    assert "likes_backfill" not in state


def test_an_auth_failure_on_a_later_page_still_raises_it(httpserver: HTTPServer) -> None:
    def timeline(request: Request) -> Response:
        if request.args.get("pagination_token"):
            return Response('{"title": "Unauthorized"}', status=401)
        return replay(recorded("get_users_tweets"), request)

    httpserver.expect_request(f"/2/users/{TWITTER_ID}/tweets").respond_with_handler(timeline)
    x = collector(x_config(httpserver))
    with pytest.raises(SourceError) as caught:
        x.collect(Source(1, "x", "author", "twitter", state={"user_id": TWITTER_ID}))
    assert caught.value.partial is not None
    assert len(caught.value.partial.posts) == 2
