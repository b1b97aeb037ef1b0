"""Follows collectors against loopback servers replaying recorded follows, lists and lookups."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from listen.collectors.follows import FollowsCollector, FollowsQuery, make_follows_collector
from listen.config import Config, parse_config
from listen.errors import AuthError, FollowsHidden, UnknownAccount
from listen.http import HttpSettings, make_client
from listen.types import Profile
from tests.collectors.follows_replay import (
    ALICE,
    ALICE_FOLLOWS,
    BSKY_LIST,
    TOKEN,
    X_LIST,
    serve_bluesky,
    serve_mastodon,
    serve_x,
)


def config_for(server: HTTPServer, env: dict[str, str] | None = None, **sections: Any) -> Config:
    base = server.url_for("/").rstrip("/")
    data = {
        "bluesky": {"base_url": base},
        "x": {"base_url": base},
        "mastodon": {"scheme": "http", **sections.get("mastodon", {})},
    }
    return parse_config(data, path=None, env=env or {})


def collector(platform: str, config: Config) -> FollowsCollector:
    settings = HttpSettings(timeout_seconds=5.0)
    return make_follows_collector(platform, config, make_client(settings), settings)


def every_page(source: FollowsCollector, query: FollowsQuery) -> tuple[list[Profile], list[Any]]:
    """All pages, the way the app walks them: resolve, then follow cursors to the end."""
    query, _ = source.resolve(query)
    profiles: list[Profile] = []
    pages = []
    cursor = None
    while True:
        page = source.page(query, cursor)
        pages.append(page)
        profiles.extend(page.profiles)
        if page.cursor is None:
            return profiles, pages
        cursor = page.cursor


# -- Bluesky ------------------------------------------------------------------------------------


def test_bluesky_follows_are_paged_by_cursor(httpserver: HTTPServer) -> None:
    serve_bluesky(httpserver)
    source = collector("bluesky", config_for(httpserver))
    profiles, pages = every_page(source, FollowsQuery("bluesky", ALICE))
    assert [p.handle for p in profiles] == ALICE_FOLLOWS
    assert len(pages) == 2 and pages[0].cursor == "2"
    assert all(p.account_id.startswith("did:plc:") for p in profiles)
    assert profiles[0].display_name == "display-eve" and profiles[0].bio == "descript-eve"
    requests = [r for r, _ in httpserver.log if r.path.endswith("getFollows")]
    assert requests[0].args["limit"] == "100"  # the most the AppView gives
    assert all(r.args["actor"].startswith("did:plc:") for r in requests)  # by DID once resolved


def test_bluesky_list_members(httpserver: HTTPServer) -> None:
    serve_bluesky(httpserver)
    source = collector("bluesky", config_for(httpserver))
    profiles, _ = every_page(source, FollowsQuery("bluesky", "", BSKY_LIST))
    assert [p.handle for p in profiles] == ["frankie.test", "bob.test", "eve.test"]


def test_bluesky_unknown_handle_and_list_name_themselves(httpserver: HTTPServer) -> None:
    serve_bluesky(httpserver)
    source = collector("bluesky", config_for(httpserver))
    with pytest.raises(UnknownAccount, match=r"nobody\.test"):
        source.resolve(FollowsQuery("bluesky", "nobody.test"))
    with pytest.raises(
        UnknownAccount, match=re.escape("list at://did:plc:x/app.bsky.graph.list/1")
    ):
        source.page(FollowsQuery("bluesky", "", "at://did:plc:x/app.bsky.graph.list/1"), None)


def test_bluesky_taken_down_accounts_are_counted_and_skipped() -> None:
    from listen.collectors.bluesky_follows import profiles_from_views
    from tests.collectors.follows_replay import bluesky_follows

    views = bluesky_follows()[ALICE]["follows"]
    views[1] = {**views[1], "labels": [{"val": "!takedown", "src": views[1]["did"]}]}
    views[2] = {**views[2], "handle": "handle.invalid"}
    profiles, skipped = profiles_from_views(views)
    assert skipped == 2
    assert [p.handle for p in profiles] == ["eve.test", "bob.test"]


# -- Mastodon -----------------------------------------------------------------------------------


def test_mastodon_following_follows_link_next(httpserver: HTTPServer) -> None:
    host = serve_mastodon(httpserver)
    source = collector("mastodon", config_for(httpserver))
    profiles, pages = every_page(source, FollowsQuery("mastodon", f"mastodonpy_test@{host}"))
    assert [p.handle for p in profiles] == [
        f"mastodonpy_test_2@{host}",
        f"admin@{host}",
        f"mastodonpy_test@{host}",
    ]
    assert len(pages) == 2
    assert pages[0].expected_total == 3
    assert profiles[2].display_name == "John Lennon"
    first = next(r for r, _ in httpserver.log if r.path.endswith("/following"))
    assert first.args["limit"] == "80"
    assert "Authorization" not in first.headers  # no token configured


def test_mastodon_suspended_account_is_counted_and_skipped(httpserver: HTTPServer) -> None:
    host = serve_mastodon(httpserver, suspended=True)
    source = collector("mastodon", config_for(httpserver))
    query, _ = source.resolve(FollowsQuery("mastodon", f"mastodonpy_test@{host}"))
    page = source.page(query, None)
    assert page.skipped == 1
    assert [p.handle for p in page.profiles] == [f"admin@{host}"]


def test_mastodon_hidden_following_says_so(httpserver: HTTPServer) -> None:
    host = serve_mastodon(httpserver, hidden=True)
    source = collector("mastodon", config_for(httpserver))
    with pytest.raises(FollowsHidden, match=r"hides whom it follows.*LISTEN_MASTODON_ACCESS_TOKEN"):
        every_page(source, FollowsQuery("mastodon", f"mastodonpy_test@{host}"))


def test_mastodon_unknown_account_names_it(httpserver: HTTPServer) -> None:
    host = serve_mastodon(httpserver)
    source = collector("mastodon", config_for(httpserver))
    with pytest.raises(UnknownAccount, match=f"nobody@{host}"):
        source.resolve(FollowsQuery("mastodon", f"nobody@{host}"))
    with pytest.raises(UnknownAccount, match="'not-an-address'"):
        source.resolve(FollowsQuery("mastodon", "not-an-address"))


def test_mastodon_list_needs_a_token_and_sends_it_home_only(httpserver: HTTPServer) -> None:
    host = serve_mastodon(httpserver)
    query = FollowsQuery("mastodon", f"mastodonpy_test@{host}", "3")
    with pytest.raises(FollowsHidden, match="LISTEN_MASTODON_ACCESS_TOKEN"):
        collector("mastodon", config_for(httpserver)).page(query, None)
    config = config_for(
        httpserver,
        env={"LISTEN_MASTODON_ACCESS_TOKEN": "secret-token"},
        mastodon={"account": f"mastodonpy_test@{host}"},
    )
    page = collector("mastodon", config).page(query, None)
    assert [p.handle for p in page.profiles] == [f"admin@{host}"]
    assert page.cursor is None  # the recording's only link is rel="prev"
    (request,) = [r for r, _ in httpserver.log if r.path == "/api/v1/lists/3/accounts"][-1:]
    assert request.headers["Authorization"] == "Bearer secret-token"


# -- X ------------------------------------------------------------------------------------------


def test_x_following_via_tweepy(httpserver: HTTPServer) -> None:
    serve_x(httpserver)
    source = collector("x", config_for(httpserver, env={"LISTEN_X_BEARER_TOKEN": TOKEN}))
    profiles, pages = every_page(source, FollowsQuery("x", "Twitter"))
    assert len(profiles) == 35 and len(pages) == 1
    assert profiles[0].handle == "twitterasians" and profiles[0].display_name == "Twitter Asians"
    request = next(r for r, _ in httpserver.log if r.path.endswith("/following"))
    assert request.args["max_results"] == "1000"
    assert "public_metrics" in request.args["user.fields"]
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_x_list_members_follow_next_token(httpserver: HTTPServer) -> None:
    serve_x(httpserver)
    source = collector("x", config_for(httpserver, env={"LISTEN_X_BEARER_TOKEN": TOKEN}))
    query = FollowsQuery("x", "", X_LIST)
    profiles: list[Profile] = []
    cursor = None
    for _ in range(3):
        page = source.page(query, cursor)
        profiles.extend(page.profiles)
        cursor = page.cursor
        if cursor is None:
            break
    assert len(profiles) == 200
    assert profiles[0].handle == "birdwatch"


def test_x_unknown_username_and_missing_token(httpserver: HTTPServer) -> None:
    serve_x(httpserver)
    source = collector("x", config_for(httpserver, env={"LISTEN_X_BEARER_TOKEN": TOKEN}))
    with pytest.raises(UnknownAccount, match="nosuchuser"):
        source.resolve(FollowsQuery("x", "nosuchuser"))
    with pytest.raises(AuthError, match="LISTEN_X_BEARER_TOKEN"):
        collector("x", config_for(httpserver)).resolve(FollowsQuery("x", "Twitter"))


def test_x_deleted_users_are_counted_and_skipped() -> None:
    from listen.collectors.x_follows import profiles_from_users
    from tests.collectors.follows_replay import twitter

    body = twitter("get_users_following")["body"]
    gone = {"value": "1", "detail": "User has been suspended: [1].", "title": "Forbidden",
            "type": "https://api.twitter.com/2/problems/resource-not-found"}  # fmt: skip
    profiles, skipped = profiles_from_users({**body, "errors": [gone]})
    assert (len(profiles), skipped) == (35, 1)
