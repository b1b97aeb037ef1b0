"""X collector against a loopback server replaying real recorded X API v2 responses."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from listen.collectors.x import XCollector
from listen.collectors.x_parse import parse_tweet_page
from listen.config import Config, parse_config
from listen.errors import AuthError, RateLimited, SourceError
from listen.http import HttpSettings, make_client
from listen.types import Source
from tests.helpers import read_data

TOKEN = "test-bearer-token"
TWITTER_ID = "783214"  # @Twitter, the account the tweepy cassettes were recorded with
DAVID_ID = "1494167419413094401"  # @dappdavid99, author of twarc-csv_quoted_edit
PAGE1_TOKEN = "7140dibdnow9c7btw4232poeq0wapgnwgwqwvuwn3peex"


def recorded(name: str) -> dict[str, Any]:
    """The first recorded interaction of a tweepy cassette (request, status, headers, body)."""
    interaction: dict[str, Any] = json.loads(read_data(f"twitter/{name}.json"))[0]
    return interaction


def twarc_page(name: str) -> dict[str, Any]:
    """A raw API v2 page saved by twarc (one page per line)."""
    line = read_data(f"twitter/twarc-csv_{name}.jsonl").decode().splitlines()[0]
    page: dict[str, Any] = json.loads(line)
    return page


def at_most_max_results(body: dict[str, Any], request: Request | None) -> dict[str, Any]:
    """Like X, never send more tweets than the request's max_results."""
    size = request.args.get("max_results") if request is not None else None
    if size and isinstance(body.get("data"), list):
        return {**body, "data": body["data"][: int(size)]}
    return body


def replay(interaction: dict[str, Any], request: Request | None = None) -> Response:
    headers = {k: v for k, v in interaction["headers"].items() if k != "content-type"}
    return Response(
        json.dumps(at_most_max_results(interaction["body"], request)),
        status=interaction["status"],
        headers=headers,
        content_type="application/json; charset=utf-8",
    )


def page_response(body: dict[str, Any], request: Request | None = None) -> Response:
    return Response(
        json.dumps(at_most_max_results(body, request)),
        content_type="application/json; charset=utf-8",
    )


def david_user() -> dict[str, Any]:
    """@dappdavid99's real user object (from the twarc page's includes) in get_user's envelope."""
    users = twarc_page("quoted_edit")["includes"]["users"]
    return {"data": next(u for u in users if u["id"] == DAVID_ID)}


def serve_twitter_timeline(server: HTTPServer) -> None:
    """@Twitter's recorded timeline page 1 (with next_token); page 2, and what a since_id poll
    gets, is a real last page (no next_token) holding one older tweet."""

    def timeline(request: Request) -> Response:
        if request.args.get("pagination_token") == PAGE1_TOKEN or "since_id" in request.args:
            return page_response(twarc_page("two_tweets"), request)
        return replay(recorded("get_users_tweets"), request)

    server.expect_request(f"/2/users/{TWITTER_ID}/tweets").respond_with_handler(timeline)


def serve_all(server: HTTPServer) -> None:
    """Every route a run with contact @Twitter and self @dappdavid99 needs."""
    server.expect_request("/2/users/by/username/twitter").respond_with_handler(
        lambda r: replay(recorded("get_user"))
    )
    server.expect_request("/2/users/by/username/dappdavid99").respond_with_handler(
        lambda r: page_response(david_user())
    )
    serve_twitter_timeline(server)
    server.expect_request(f"/2/users/{DAVID_ID}/tweets").respond_with_handler(
        lambda r: page_response(twarc_page("quoted_edit"), r)
    )
    # Recorded as @Twitter's likes; served as @dappdavid99's (they include @Twitter's own tweets).
    server.expect_request(f"/2/users/{DAVID_ID}/liked_tweets").respond_with_handler(liked_tweets)


def liked_tweets(request: Request) -> Response:
    """The recorded likes page; its next_token leads to X's answer for a list's end (hand-made,
    the shape X documents: no data, result_count 0)."""
    if request.args.get("pagination_token"):
        return page_response({"meta": {"result_count": 0}})
    return replay(recorded("get_liked_tweets"), request)


def x_config(server: HTTPServer, env: dict[str, str] | None = None, **x: Any) -> Config:
    """Requests are the unit here (these tests are about requests); posts mode is tested below."""
    section = {
        "base_url": server.url_for("/").rstrip("/"),
        "max_pages": 3,
        "read_unit": "requests",
        **x,
    }
    return parse_config(
        {"x": section},
        path=None,
        env={"LISTEN_X_BEARER_TOKEN": TOKEN} if env is None else env,
    )


def collector(config: Config) -> XCollector:
    settings = HttpSettings(timeout_seconds=5.0)
    return XCollector(config, make_client(settings), settings)


def author(target: str = "twitter", **state: Any) -> Source:
    return Source(id=1, platform="x", kind="author", target=target, state=state)


def requests_to(server: HTTPServer, path: str) -> list[Request]:
    return [request for request, _ in server.log if request.path == path]


# -- parsing (pure) -----------------------------------------------------------------------------


def test_a_reply_that_quotes_is_a_reply_with_both_references() -> None:
    page = parse_tweet_page(twarc_page("quoted_edit"))
    (post,) = page.posts
    assert post.id == "1576995594388000768"
    assert post.raw_kind == "reply"
    assert post.reply_to == "1576994789110992896"
    assert post.quote_of == "1576994746135764992"
    assert post.repost_of is None
    assert post.author_handle == "dappdavid99"
    assert post.url == "https://x.com/dappdavid99/status/1576995594388000768"
    assert post.created_at is not None and post.created_at.isoformat().startswith("2022-10-03")
    assert post.metrics["reply_count"] == 1


def test_a_retweet_is_a_repost_and_plain_tweets_are_posts() -> None:
    (retweet,) = parse_tweet_page(twarc_page("two_tweets")).posts
    assert (retweet.raw_kind, retweet.repost_of) == ("repost", "1391677057810288641")
    assert retweet.reply_to is None and retweet.quote_of is None
    plain = parse_tweet_page(recorded("get_users_tweets")["body"], fallback_username="Twitter")
    assert [p.raw_kind for p in plain.posts] == ["post", "post"]
    assert plain.next_token == PAGE1_TOKEN
    assert plain.newest_id == "1577730467436138524"


def test_html_escapes_in_tweet_text_are_undone() -> None:
    posts = {p.id: p for p in parse_tweet_page(recorded("get_home_timeline")["body"]).posts}
    assert posts["1578095129495482369"].text.startswith("So @alanbenlee @snowman & I are")
    assert "-> room floorplans ->" in posts["1575150415812993024"].text


def test_malformed_payloads_give_no_posts_not_a_crash() -> None:
    for payload in (None, [], {"data": "x"}, {"data": [1, {"id": "abc"}, {"text": "no id"}]}):
        assert parse_tweet_page(payload).posts == ()


# -- author sources -----------------------------------------------------------------------------


def test_first_poll_resolves_the_user_and_follows_next_token(httpserver: HTTPServer) -> None:
    serve_all(httpserver)
    result = collector(x_config(httpserver)).collect(author())

    assert [p.id for p in result.posts] == [
        "1577730467436138524",
        "1565318587736285184",
        "1394735776701816833",
    ]
    assert [p.raw_kind for p in result.posts] == ["post", "post", "repost"]
    assert result.posts[0].url == "https://x.com/twitter/status/1577730467436138524"
    assert result.state == {
        "user_id": TWITTER_ID,
        "since_id": "1577730467436138524",
        "reads_per_poll": 3,  # what the planner expects next time
    }
    assert result.reads == 3  # lookup + two pages

    first, second = requests_to(httpserver, f"/2/users/{TWITTER_ID}/tweets")
    assert "pagination_token" not in first.args and "since_id" not in first.args
    assert second.args["pagination_token"] == PAGE1_TOKEN
    fields = set(first.args["tweet.fields"].split(","))
    assert {"referenced_tweets", "conversation_id", "in_reply_to_user_id"} <= fields
    assert {"created_at", "public_metrics"} <= fields
    assert first.args["expansions"] == "author_id"
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"


def test_next_poll_sends_since_id_and_skips_the_lookup(httpserver: HTTPServer) -> None:
    serve_all(httpserver)
    source = author(user_id=TWITTER_ID, since_id="1577730467436138524")
    result = collector(x_config(httpserver)).collect(source)

    (request,) = requests_to(httpserver, f"/2/users/{TWITTER_ID}/tweets")
    assert request.args["since_id"] == "1577730467436138524"
    assert requests_to(httpserver, "/2/users/by/username/twitter") == []
    assert result.reads == 1
    # The served page held only an older tweet: since_id never goes backwards.
    assert result.state["since_id"] == "1577730467436138524"


def test_max_pages_bounds_the_requests(httpserver: HTTPServer) -> None:
    serve_all(httpserver)
    result = collector(x_config(httpserver, max_pages=1)).collect(author(user_id=TWITTER_ID))
    assert result.reads == 1
    assert len(requests_to(httpserver, f"/2/users/{TWITTER_ID}/tweets")) == 1


def test_the_read_allowance_is_a_hard_stop(httpserver: HTTPServer) -> None:
    serve_all(httpserver)
    result = collector(x_config(httpserver)).collect(author(read_allowance=1))
    assert result.reads == 1
    assert result.posts == ()
    assert result.state == {"user_id": TWITTER_ID, "reads_per_poll": 1}  # no allowance stored
    assert len(httpserver.log) == 1


def test_unknown_username_is_a_source_error(httpserver: HTTPServer) -> None:
    # X answers 200 with an `errors` array and no `data` for an unknown username.
    body = {
        "errors": [
            {
                "detail": "Could not find user with username: [nobody_here_404].",
                "title": "Not Found Error",
                "resource_type": "user",
            }
        ]
    }
    httpserver.expect_request("/2/users/by/username/nobody_here_404").respond_with_json(body)
    with pytest.raises(SourceError, match="not found"):
        collector(x_config(httpserver)).collect(author("nobody_here_404"))


# -- errors -------------------------------------------------------------------------------------


def test_429_raises_rate_limited_with_the_reset_header(httpserver: HTTPServer) -> None:
    headers = dict(recorded("get_users_tweets")["headers"])
    headers.update(
        {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(time.time()) + 900)}
    )
    headers.pop("content-type")
    httpserver.expect_request(f"/2/users/{TWITTER_ID}/tweets").respond_with_json(
        {
            "title": "Too Many Requests",
            "detail": "Too Many Requests",
            "type": "about:blank",
            "status": 429,
        },
        status=429,
        headers=headers,
    )
    with pytest.raises(RateLimited) as caught:
        collector(x_config(httpserver)).collect(author(user_id=TWITTER_ID))
    assert caught.value.retry_after is not None and 880 <= caught.value.retry_after <= 900
    assert caught.value.reads == 1


def test_401_is_an_auth_error_naming_the_token(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/2/users/by/username/twitter").respond_with_json(
        {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"},
        status=401,
    )
    with pytest.raises(AuthError, match="LISTEN_X_BEARER_TOKEN") as caught:
        collector(x_config(httpserver)).collect(author())
    assert caught.value.reads == 1


def test_403_is_an_auth_error_about_the_access_tier(httpserver: HTTPServer) -> None:
    body = {
        "title": "Unsupported Authentication",
        "type": "about:blank",
        "status": 403,
        "detail": "Your client app is not configured with the appropriate oauth1 app "
        "permissions for this endpoint.",
    }
    httpserver.expect_request(f"/2/users/{TWITTER_ID}/tweets").respond_with_json(body, status=403)
    with pytest.raises(AuthError, match="access tier"):
        collector(x_config(httpserver)).collect(author(user_id=TWITTER_ID))


def test_missing_token_fails_without_a_request(httpserver: HTTPServer) -> None:
    with pytest.raises(AuthError, match="LISTEN_X_BEARER_TOKEN") as caught:
        collector(x_config(httpserver, env={})).collect(author())
    assert caught.value.reads == 0
    assert httpserver.log == []


def test_malformed_json_is_a_source_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"/2/users/{TWITTER_ID}/tweets").respond_with_data(
        b'{"data": [', content_type="application/json"
    )
    with pytest.raises(SourceError, match="malformed JSON"):
        collector(x_config(httpserver)).collect(author(user_id=TWITTER_ID))


def test_oversized_responses_are_refused(httpserver: HTTPServer) -> None:
    serve_all(httpserver)
    settings = HttpSettings(timeout_seconds=5.0, max_response_bytes=2000)
    x = XCollector(x_config(httpserver), make_client(settings), settings)
    with pytest.raises(SourceError, match="too large"):
        x.collect(
            Source(
                id=2, platform="x", kind="self", target="dappdavid99", state={"user_id": DAVID_ID}
            )
        )


# -- participation (self source) ----------------------------------------------------------------


def test_own_replies_quotes_and_likes_become_engagements(httpserver: HTTPServer) -> None:
    serve_all(httpserver)
    source = Source(id=2, platform="x", kind="self", target="dappdavid99")
    result = collector(x_config(httpserver)).collect(source)

    assert result.posts == ()
    by_id = {e.id: e for e in result.engagements}
    reply = by_id["x:reply:1576995594388000768"]
    quote = by_id["x:quote:1576995594388000768"]
    assert (reply.kind, reply.post_id) == ("reply", "1576994789110992896")
    assert (quote.kind, quote.post_id) == ("quote", "1576994746135764992")
    assert reply.url == "https://x.com/dappdavid99/status/1576995594388000768"
    assert reply.engaged_at is not None
    likes = [e for e in result.engagements if e.kind == "like"]
    assert len(likes) == len(recorded("get_liked_tweets")["body"]["data"]) == 96
    assert by_id["x:like:1577730467436138524"].post_id == "1577730467436138524"
    assert result.state["since_id"] == "1576995594388000768"
    assert result.state["user_id"] == DAVID_ID
    assert result.reads == 4  # lookup, own timeline, likes and their (empty) next page
    liked, rest = requests_to(httpserver, f"/2/users/{DAVID_ID}/liked_tweets")
    assert liked.args["max_results"] == "100"
    assert (
        rest.args["pagination_token"] == recorded("get_liked_tweets")["body"]["meta"]["next_token"]
    )


def test_likes_forbidden_by_the_tier_keep_replies_and_wait_a_week(httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"/2/users/{DAVID_ID}/tweets").respond_with_handler(
        lambda r: page_response(twarc_page("quoted_edit"), r)
    )
    body = {
        "title": "Client Forbidden",
        "type": "https://api.twitter.com/2/problems/client-forbidden",
        "status": 403,
        "reason": "client-not-enrolled",
        "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use "
        "keys and tokens from a Twitter developer App that is attached to a Project.",
    }
    httpserver.expect_request(f"/2/users/{DAVID_ID}/liked_tweets").respond_with_json(
        body, status=403
    )
    x = collector(x_config(httpserver))
    source = Source(
        id=2, platform="x", kind="self", target="dappdavid99", state={"user_id": DAVID_ID}
    )
    result = x.collect(source)
    assert {e.kind for e in result.engagements} == {"reply", "quote"}
    assert "likes_forbidden_until" in result.state
    assert result.reads == 2

    again = x.collect(
        Source(id=2, platform="x", kind="self", target="dappdavid99", state=result.state)
    )
    assert again.reads == 1  # likes are not asked for again this week
    assert len(requests_to(httpserver, f"/2/users/{DAVID_ID}/liked_tweets")) == 1


# -- posts as the read unit (X's Post cap) -------------------------------------------------------


def test_posts_mode_counts_posts_received_and_lookups(httpserver: HTTPServer) -> None:
    serve_all(httpserver)
    result = collector(x_config(httpserver, read_unit="posts")).collect(author())
    assert result.reads == 1 + 2 + 1  # the lookup, then 2 and 1 tweets on two pages
    assert result.state["reads_per_poll"] == 4


def test_posts_mode_asks_for_no_more_posts_than_the_allowance(httpserver: HTTPServer) -> None:
    serve_all(httpserver)
    source = Source(
        id=2,
        platform="x",
        kind="self",
        target="dappdavid99",
        state={"user_id": DAVID_ID, "read_allowance": 20},
    )
    result = collector(x_config(httpserver, read_unit="posts")).collect(source)

    (timeline,) = requests_to(httpserver, f"/2/users/{DAVID_ID}/tweets")
    (liked,) = requests_to(httpserver, f"/2/users/{DAVID_ID}/liked_tweets")
    assert timeline.args["max_results"] == "10"  # 20 minus 10 kept for likes
    assert liked.args["max_results"] == "19"  # what is left after 1 own tweet
    assert result.reads == 20
    assert len([e for e in result.engagements if e.kind == "like"]) == 19


def test_posts_mode_stops_when_a_page_cannot_fit(httpserver: HTTPServer) -> None:
    serve_all(httpserver)
    source = author(user_id=TWITTER_ID, read_allowance=8)
    result = collector(x_config(httpserver, read_unit="posts")).collect(source)
    # Page 1 asks for 8 and gets 2; page 2 asks for 6 and gets 1.
    pages = requests_to(httpserver, f"/2/users/{TWITTER_ID}/tweets")
    assert [p.args["max_results"] for p in pages] == ["8", "6"]
    assert result.reads == 3

    tight = collector(x_config(httpserver, read_unit="posts")).collect(
        author(user_id=TWITTER_ID, read_allowance=4)
    )
    assert tight.reads == 0 and tight.posts == ()  # below X's smallest page (5): no request


def test_requests_mode_keeps_a_request_for_the_likes(httpserver: HTTPServer) -> None:
    # @Twitter's paged timeline and likes, served as your own: page 1 has a next_token.
    serve_twitter_timeline(httpserver)
    httpserver.expect_request(f"/2/users/{TWITTER_ID}/liked_tweets").respond_with_handler(
        liked_tweets
    )
    source = Source(
        id=2,
        platform="x",
        kind="self",
        target="twitter",
        state={"user_id": TWITTER_ID, "read_allowance": 2},
    )
    result = collector(x_config(httpserver)).collect(source)
    assert result.reads == 2
    assert len(requests_to(httpserver, f"/2/users/{TWITTER_ID}/tweets")) == 1
    assert len([e for e in result.engagements if e.kind == "like"]) == 96
