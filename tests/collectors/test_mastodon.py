"""The Mastodon collector against two loopback instances replaying real recorded API responses.

Instance "alpha" is home to mastodonpy_test (John Lennon, a contact); instance "beta" is home to
admin (the user) and mastodonpy_test_2 (a contact). See mastodon_replay.py for how the recordings
of one real server are spread over the two.
"""

from __future__ import annotations

import logging
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from listen.cli import cli
from listen.collectors.mastodon import MastodonCollector
from listen.collectors.mastodon_parse import (
    own_status_engagements,
    parse_acct,
    parse_link_header,
)
from listen.config import Config, parse_config
from listen.errors import RateLimited, SourceError
from listen.http import HttpSettings, make_client
from listen.types import Source
from tests.collectors.mastodon_replay import (
    ADMIN_ID,
    JOHN_ID,
    TWO_ID,
    Fediverse,
    Instance,
    body,
    newest_first,
    recorded,
    status_ids,
)
from tests.helpers import read_data, sql

TOKEN = "test-token-for-beta-only"
PAGE_1 = recorded("fetch_next_previous", 11)  # John's toots 9..5, Link next → max_id
PAGE_2 = recorded("fetch_next_previous", 12)  # John's toots 4..0
NEWER_PAGE = recorded("get_pagination_info", 11)  # five toots John posted later
JOHN_LOOKUP = recorded("account_lookup", 2)
NOT_FOUND_LOOKUP = recorded("account_lookup", 1)
ADMIN_ACCOUNT = recorded("status_reply", 1)  # verify_credentials of admin
TWO_TOOT = recorded("status_reply", 0)  # mastodonpy_test_2: "Toot, finally!"
ADMIN_REPLY = recorded("status_reply", 2)  # admin replies to it
JOHN_ORIGINAL = body("id_hook_in_reply_to", 0)  # "Toot!"
JOHN_SELF_REPLY = body("id_hook_in_reply_to", 1)  # "Reply!" to his own toot
JOHN_BOOSTED = body("id_hook_within_reblog", 0)  # "Toot!"
JOHN_SELF_BOOST = body("id_hook_within_reblog", 1)  # his boost of it
JOHN_TOOT_2 = body("status_reblog_unreblog", 0)  # another "Toot!"
A_BOOST = body("status_reblog_unreblog", 1)  # a boost of JOHN_TOOT_2
FAVOURITES = recorded("favourites", 0)


# -- two instances ---------------------------------------------------------------------------


def _start() -> HTTPServer:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    return server


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[HTTPServer, HTTPServer]]:
    pair = (_start(), _start())
    yield pair
    for server in pair:
        server.clear()
        server.stop()


@pytest.fixture
def alpha_server(servers: tuple[HTTPServer, HTTPServer]) -> HTTPServer:
    servers[0].clear()
    return servers[0]


@pytest.fixture
def beta_server(servers: tuple[HTTPServer, HTTPServer]) -> HTTPServer:
    servers[1].clear()
    return servers[1]


def base(server: HTTPServer) -> str:
    return f"http://127.0.0.1:{server.port}"


@pytest.fixture
def fediverse(alpha_server: HTTPServer, beta_server: HTTPServer) -> Fediverse:
    return Fediverse(
        {JOHN_ID: base(alpha_server), TWO_ID: base(beta_server), ADMIN_ID: base(beta_server)}
    )


@pytest.fixture
def alpha(fediverse: Fediverse, alpha_server: HTTPServer) -> Instance:
    return fediverse.instance(base(alpha_server))


@pytest.fixture
def beta(fediverse: Fediverse, beta_server: HTTPServer) -> Instance:
    return fediverse.instance(base(beta_server))


@pytest.fixture
def settings() -> HttpSettings:
    return HttpSettings(timeout_seconds=0.5, max_response_bytes=2_000_000)


@pytest.fixture
def client(settings: HttpSettings) -> Iterator[httpx.Client]:
    with make_client(settings) as c:
        yield c


def make_config(beta: Instance, *, token: str | None = TOKEN, **mastodon: Any) -> Config:
    section = {"account": f"admin@{beta.host}", "scheme": "http", "page_limit": 5, "max_pages": 2}
    section.update(mastodon)
    env = {"LISTEN_MASTODON_ACCESS_TOKEN": token} if token else {}
    return parse_config({"mastodon": section}, path=None, env=env)


def author(instance: Instance, user: str = "mastodonpy_test", **state: Any) -> Source:
    return Source(
        id=1, platform="mastodon", kind="author", target=f"{user}@{instance.host}", state=state
    )


def me(beta: Instance, **state: Any) -> Source:
    return Source(id=9, platform="mastodon", kind="self", target=f"admin@{beta.host}", state=state)


def statuses_path(account_id: str) -> str:
    return f"/api/v1/accounts/{account_id}/statuses"


def serve_john_pages(alpha: Instance, server: HTTPServer) -> None:
    alpha.serve(server, "/api/v1/accounts/lookup", JOHN_LOOKUP, query={"acct": "mastodonpy_test"})
    alpha.serve(server, statuses_path(JOHN_ID), PAGE_1, query={"limit": "5"})
    alpha.serve(
        server,
        statuses_path(JOHN_ID),
        PAGE_2,
        query={"limit": "5", "max_id": "117020580489281910"},
    )


def requests_to(server: HTTPServer) -> list[str]:
    return [f"{r.path}?{r.query_string.decode()}".rstrip("?") for r, _ in server.log]


# -- a contact's statuses --------------------------------------------------------------------


def test_lookup_then_pages_follow_the_link_headers(
    alpha: Instance, alpha_server: HTTPServer, beta: Instance, client, settings
) -> None:
    serve_john_pages(alpha, alpha_server)
    result = MastodonCollector(make_config(beta), client, settings).collect(author(alpha))

    assert requests_to(alpha_server) == [
        "/api/v1/accounts/lookup?acct=mastodonpy_test",
        f"/api/v1/accounts/{JOHN_ID}/statuses?limit=5",
        f"/api/v1/accounts/{JOHN_ID}/statuses?limit=5&max_id=117020580489281910",
    ]
    assert [p.text for p in result.posts] == [f"Toot number {n}!" for n in range(9, -1, -1)]
    first = result.posts[0]
    assert first.id == f"{alpha.base}/ap/users/{JOHN_ID}/statuses/117020580518794573"
    assert first.url == f"{alpha.base}/@mastodonpy_test/117020580518794573"
    assert first.platform == "mastodon"
    assert first.author_handle == f"mastodonpy_test@{alpha.host}"
    assert first.raw_kind == "post"
    assert first.created_at is not None and first.created_at.year == 2026
    assert result.state["account_id"] == JOHN_ID
    assert result.state["since_id"] == "117020580518794573"
    assert result.reads == 3
    assert result.bytes_received > 10_000


def test_next_run_asks_since_id_and_stops_at_what_it_has(
    alpha: Instance, alpha_server: HTTPServer, beta: Instance, client, settings
) -> None:
    alpha.serve(
        alpha_server,
        statuses_path(JOHN_ID),
        NEWER_PAGE,
        query={"limit": "5", "since_id": "117020580518794573"},
    )
    # NEWER_PAGE's Link next asks for what is older than its last toot: the first run's page.
    alpha.serve(
        alpha_server,
        statuses_path(JOHN_ID),
        PAGE_1,
        query={"limit": "5", "max_id": "117020581882406424"},
    )
    state = {"account_id": JOHN_ID, "since_id": "117020580518794573"}
    result = MastodonCollector(make_config(beta), client, settings).collect(author(alpha, **state))

    assert "lookup" not in " ".join(requests_to(alpha_server))  # the id was kept in the state
    assert status_ids(NEWER_PAGE["body"]) == [p.id.rsplit("/", 1)[-1] for p in result.posts]
    assert result.state["since_id"] == "117020581915050941"
    assert len(alpha_server.log) == 2


def test_max_pages_caps_a_first_run(
    alpha: Instance, alpha_server: HTTPServer, beta: Instance, client, settings
) -> None:
    serve_john_pages(alpha, alpha_server)
    collector = MastodonCollector(make_config(beta, max_pages=1), client, settings)
    result = collector.collect(author(alpha))
    assert len(result.posts) == 5
    assert len(alpha_server.log) == 2  # lookup + one page


OLDER_THAN_ALL = "117020500000000000"  # a since_id older than every recorded toot


def test_the_page_cap_leaves_a_gap_that_later_polls_fill(
    alpha: Instance, alpha_server: HTTPServer, beta: Instance, client, settings
) -> None:
    """Issue 13, item 4: a capped poll no longer moves since_id past statuses it never read."""
    page_1_ids = status_ids(PAGE_1["body"])
    page_2_ids = status_ids(PAGE_2["body"])
    since = {"since_id": OLDER_THAN_ALL}
    alpha.serve(alpha_server, statuses_path(JOHN_ID), PAGE_1, query={"limit": "5", **since})
    nothing_new = {"limit": "5", "since_id": page_1_ids[0]}
    alpha.serve(alpha_server, statuses_path(JOHN_ID), PAGE_1, body_override=[], query=nothing_new)
    gap_1 = {"limit": "5", **since, "max_id": page_1_ids[-1]}
    alpha.serve(alpha_server, statuses_path(JOHN_ID), PAGE_2, query=gap_1)
    gap_2 = {"limit": "5", **since, "max_id": page_2_ids[-1]}
    alpha.serve(alpha_server, statuses_path(JOHN_ID), PAGE_2, body_override=[], query=gap_2)
    collector = MastodonCollector(make_config(beta, max_pages=1), client, settings)

    state: dict[str, Any] = {"account_id": JOHN_ID, **since}
    seen: list[str] = []
    for _ in range(3):
        result = collector.collect(author(alpha, **state))
        seen += [p.id.rsplit("/", 1)[-1] for p in result.posts]
        state = result.state
        if len(seen) == 5:  # after the first poll
            assert state["since_id"] == page_1_ids[0]
            assert state["gaps"] == [{"newer_than": OLDER_THAN_ALL, "resume_from": page_1_ids[-1]}]
    assert seen == page_1_ids + page_2_ids  # every toot, once
    assert "gaps" not in state  # the last gap poll found the end


def test_a_failed_later_page_keeps_what_arrived_and_where_to_resume(
    alpha: Instance, alpha_server: HTTPServer, beta: Instance, client, settings
) -> None:
    page_1_ids = status_ids(PAGE_1["body"])
    since = {"since_id": OLDER_THAN_ALL}
    alpha.serve(alpha_server, statuses_path(JOHN_ID), PAGE_1, query={"limit": "5", **since})
    page_2 = {"limit": "5", "max_id": page_1_ids[-1]}  # what page 1's Link next asks
    alpha.serve(alpha_server, statuses_path(JOHN_ID), PAGE_2, status=503, query=page_2)
    collector = MastodonCollector(make_config(beta), client, settings)
    with pytest.raises(SourceError, match="503") as caught:
        collector.collect(author(alpha, account_id=JOHN_ID, **since))
    partial = caught.value.partial
    assert partial is not None
    assert [p.id.rsplit("/", 1)[-1] for p in partial.posts] == page_1_ids
    assert partial.state["gaps"] == [{"newer_than": OLDER_THAN_ALL, "resume_from": page_1_ids[-1]}]


def test_boosts_replies_and_originals_are_kept_apart(
    alpha: Instance, alpha_server: HTTPServer, beta: Instance, client, settings
) -> None:
    page = newest_first([JOHN_ORIGINAL, JOHN_SELF_REPLY, JOHN_BOOSTED, JOHN_SELF_BOOST])
    alpha.serve(
        alpha_server, statuses_path(JOHN_ID), PAGE_1, body_override=page, query={"limit": "40"}
    )
    config = make_config(beta, page_limit=40)
    result = MastodonCollector(config, client, settings).collect(author(alpha, account_id=JOHN_ID))
    by_kind = {p.raw_kind: p for p in result.posts}
    assert sorted(by_kind) == ["post", "reply", "repost"]
    boost = by_kind["repost"]
    assert boost.id == alpha.fediverse.rewrite(JOHN_SELF_BOOST["uri"], alpha.base)
    assert boost.id.endswith("/activity")  # the boost's own uri, not the boosted status's
    assert boost.repost_of == alpha.fediverse.rewrite(JOHN_BOOSTED["uri"], alpha.base)
    assert boost.text == "Toot!"  # the boosted status's content
    reply = by_kind["reply"]
    assert reply.text == "Reply!"
    assert reply.reply_to == alpha.fediverse.rewrite(JOHN_ORIGINAL["uri"], alpha.base)
    assert len(result.posts) == 4


def test_an_unknown_account_is_a_source_error(
    alpha: Instance, alpha_server: HTTPServer, beta: Instance, client, settings
) -> None:
    alpha.serve(
        alpha_server,
        "/api/v1/accounts/lookup",
        NOT_FOUND_LOOKUP,
        query={"acct": "kljadklajsdkljlkjlkjlkjasdasd"},
    )
    with pytest.raises(SourceError, match="no such account"):
        MastodonCollector(make_config(beta), client, settings).collect(
            author(alpha, "kljadklajsdkljlkjlkjlkjasdasd")
        )


def test_malformed_json_is_a_source_error(
    alpha: Instance, alpha_server: HTTPServer, beta: Instance, client, settings
) -> None:
    alpha_server.expect_request(statuses_path(JOHN_ID)).respond_with_data(
        b'[{"id": "1", "uri": ', content_type="application/json"
    )
    with pytest.raises(SourceError, match="malformed JSON"):
        MastodonCollector(make_config(beta), client, settings).collect(
            author(alpha, account_id=JOHN_ID)
        )


# -- the user's own activity -----------------------------------------------------------------


def serve_my_activity(beta: Instance, server: HTTPServer, *, favourites: bool = True) -> None:
    """admin's timeline on beta: a reply to mastodonpy_test_2 (beta) and a boost of John (alpha).

    The boost is the recorded boost of JOHN_TOOT_2, shown as admin's (its `account` swapped).
    """
    my_boost = {**A_BOOST, "account": ADMIN_ACCOUNT["body"]}
    beta.serve(server, "/api/v1/accounts/lookup", ADMIN_ACCOUNT, query={"acct": "admin"})
    beta.serve(
        server,
        statuses_path(ADMIN_ID),
        ADMIN_REPLY,
        body_override=newest_first([ADMIN_REPLY["body"], my_boost]),
        query={"limit": "5"},
    )
    beta.serve(server, "/api/v1/statuses/117020583245459824", TWO_TOOT)
    if favourites:
        beta.serve(
            server,
            "/api/v1/favourites",
            FAVOURITES,
            body_override=[JOHN_ORIGINAL],
            query={"limit": "5"},
        )


def test_own_replies_boosts_and_favourites_become_engagements(
    alpha: Instance, beta: Instance, beta_server: HTTPServer, alpha_server, client, settings
) -> None:
    serve_my_activity(beta, beta_server)
    result = MastodonCollector(make_config(beta), client, settings).collect(me(beta))

    rewrite = beta.fediverse.rewrite
    by_kind = {e.kind: e for e in result.engagements}
    assert sorted(by_kind) == ["like", "reply", "repost"]
    # The reply points at the replied-to status's uri, looked up by its local id.
    assert by_kind["reply"].post_id == rewrite(TWO_TOOT["body"]["uri"], beta.base)
    assert by_kind["reply"].text == "@mastodonpy_test_2 same!"
    assert by_kind["reply"].id == f"mastodon:reply:{rewrite(ADMIN_REPLY['body']['uri'], beta.base)}"
    # Boost and like point at John's statuses by their uri on HIS instance (alpha).
    assert by_kind["repost"].post_id == rewrite(JOHN_TOOT_2["uri"], beta.base)
    assert by_kind["repost"].post_id.startswith(alpha.base)
    assert by_kind["like"].post_id == rewrite(JOHN_ORIGINAL["uri"], beta.base)
    assert by_kind["like"].post_id.startswith(alpha.base)
    assert {e.platform for e in result.engagements} == {"mastodon"}
    assert result.posts == ()
    assert result.state["account_id"] == ADMIN_ID
    assert result.state["since_id"] == A_BOOST["id"]
    # The token goes to the user's own instance only.
    assert all(r.headers.get("Authorization") == f"Bearer {TOKEN}" for r, _ in beta_server.log)
    assert len(alpha_server.log) == 0

    again = MastodonCollector(make_config(beta), client, settings).collect(me(beta))
    assert sorted(e.id for e in again.engagements) == sorted(e.id for e in result.engagements)


def test_boosting_or_replying_to_yourself_is_not_participation() -> None:
    assert own_status_engagements(JOHN_SELF_BOOST, JOHN_ID, None) == []
    assert own_status_engagements(JOHN_SELF_REPLY, JOHN_ID, "some-uri") == []
    boost = own_status_engagements(JOHN_SELF_BOOST, ADMIN_ID, None)
    assert [(e.kind, e.post_id) for e in boost] == [("repost", JOHN_BOOSTED["uri"])]


def test_without_a_token_likes_are_skipped_and_said_once(
    beta: Instance, beta_server: HTTPServer, client, settings, caplog
) -> None:
    serve_my_activity(beta, beta_server, favourites=False)
    beta.serve(
        beta_server,
        statuses_path(ADMIN_ID),
        ADMIN_REPLY,
        body_override=[],  # nothing new since the first run
        query={"limit": "5", "since_id": A_BOOST["id"]},
    )
    config = make_config(beta, token=None)
    with caplog.at_level(logging.WARNING, logger="listen.collectors.mastodon"):
        first = MastodonCollector(config, client, settings).collect(me(beta))
        again = MastodonCollector(config, client, settings).collect(me(beta, **first.state))
    assert sorted(e.kind for e in first.engagements) == ["reply", "repost"]
    assert "LISTEN_MASTODON_ACCESS_TOKEN" in first.state["likes"]
    assert again.state["likes"] == first.state["likes"]
    warnings = [r for r in caplog.records if "LISTEN_MASTODON_ACCESS_TOKEN" in r.getMessage()]
    assert len(warnings) == 1
    assert "/api/v1/favourites" not in " ".join(requests_to(beta_server))
    assert all("Authorization" not in r.headers for r, _ in beta_server.log)


def test_favourites_page_forward_with_min_id(
    beta: Instance, beta_server: HTTPServer, client, settings
) -> None:
    link = f'<{beta.base}/api/v1/favourites?min_id=4242>; rel="prev"'
    beta.serve(
        beta_server,
        "/api/v1/favourites",
        FAVOURITES,
        body_override=[JOHN_TOOT_2],
        query={"limit": "5", "min_id": "4100"},
        extra_headers={"Link": link},
    )
    collector = MastodonCollector(make_config(beta), client, settings)
    state = {"account_id": ADMIN_ID, "since_id": A_BOOST["id"], "favourites_min_id": "4100"}
    beta.serve(beta_server, statuses_path(ADMIN_ID), ADMIN_REPLY, body_override=[])
    result = collector.collect(me(beta, **state))
    assert [e.kind for e in result.engagements] == ["like"]
    assert result.state["favourites_min_id"] == "4242"
    like = result.engagements[0]
    assert like.engaged_at is not None
    assert datetime.now(UTC) - like.engaged_at < timedelta(minutes=1)  # found now


# -- rate limits, dead instances, refusals ---------------------------------------------------


def test_429_defers_the_instance_and_not_the_others(
    alpha: Instance,
    alpha_server: HTTPServer,
    beta: Instance,
    beta_server: HTTPServer,
    client,
    settings,
) -> None:
    reset = (datetime.now(UTC) + timedelta(seconds=90)).isoformat().replace("+00:00", "Z")
    beta.serve(
        beta_server,
        "/api/v1/accounts/lookup",
        ADMIN_ACCOUNT,
        body_override={"error": "Too many requests"},
        status=429,
        extra_headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
    )
    serve_john_pages(alpha, alpha_server)
    collector = MastodonCollector(make_config(beta), client, settings)

    with pytest.raises(RateLimited) as limited:
        collector.collect(author(beta, "mastodonpy_test_2"))
    assert limited.value.retry_after is not None and 80 < limited.value.retry_after <= 90
    with pytest.raises(RateLimited):
        collector.collect(me(beta))  # same instance: not even asked
    assert len(beta_server.log) == 1
    assert len(collector.collect(author(alpha)).posts) == 10  # the other instance is fine


def test_spent_budget_stops_paging_and_sets_the_next_poll(
    alpha: Instance, alpha_server: HTTPServer, beta: Instance, client, settings
) -> None:
    reset = (datetime.now(UTC) + timedelta(seconds=120)).isoformat().replace("+00:00", "Z")
    alpha.serve(
        alpha_server,
        statuses_path(JOHN_ID),
        PAGE_1,
        query={"limit": "5"},
        extra_headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
    )
    result = MastodonCollector(make_config(beta), client, settings).collect(
        author(alpha, account_id=JOHN_ID)
    )
    assert len(result.posts) == 5
    assert len(alpha_server.log) == 1  # did not follow Link next
    assert result.next_poll_after is not None and 110 < result.next_poll_after <= 120


@pytest.fixture
def silent_instance() -> Iterator[str]:
    """A TCP listener that accepts connections and never answers: an instance that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def test_a_hanging_instance_costs_one_timeout_and_the_other_is_collected(
    silent_instance: str,
    alpha: Instance,
    alpha_server: HTTPServer,
    beta: Instance,
    client,
    settings,
) -> None:
    serve_john_pages(alpha, alpha_server)
    collector = MastodonCollector(make_config(beta), client, settings)
    hanging = [
        Source(id=i, platform="mastodon", kind="author", target=f"user{i}@{silent_instance}")
        for i in range(1, 4)
    ]
    started = time.monotonic()
    errors = []
    for source in hanging:
        with pytest.raises(SourceError) as failed:
            collector.collect(source)
        errors.append(failed.value.reason)
    result = collector.collect(author(alpha))
    elapsed = time.monotonic() - started

    assert errors[0].startswith("timed out")
    assert all("unreachable in this run" in e for e in errors[1:])
    assert len(result.posts) == 10
    assert elapsed < settings.timeout_seconds * 2 + 1.0


def test_rss_feed_when_the_api_refuses(
    alpha: Instance, alpha_server: HTTPServer, beta: Instance, client, settings
) -> None:
    feed = read_data("feeds/feed-rs_rss_2.0_element_io.xml")
    alpha.serve(
        alpha_server,
        statuses_path(JOHN_ID),
        PAGE_1,
        status=401,
        body_override={"error": "This API requires an authenticated user"},
    )
    alpha_server.expect_request("/@mastodonpy_test.rss").respond_with_data(
        feed, content_type="application/rss+xml", headers={"ETag": '"feed-v1"'}
    )
    collector = MastodonCollector(make_config(beta), client, settings)
    result = collector.collect(author(alpha, account_id=JOHN_ID))

    assert [p.platform for p in result.posts] == ["mastodon"]
    post = result.posts[0]
    assert post.url == "https://element.io/blog/simpler-plans-for-element-on-premise-and-cloud/"
    assert post.author_handle == f"mastodonpy_test@{alpha.host}"
    assert result.state["via"] == "rss"
    assert "401" in result.state["rss_reason"]
    assert result.state["etag"] == '"feed-v1"'

    # The next run goes straight to the feed (the API is retried a day later).
    alpha_server.clear()
    alpha_server.expect_request("/@mastodonpy_test.rss").respond_with_data(
        "", status=304, headers={"ETag": '"feed-v1"'}
    )
    again = collector.collect(author(alpha, **result.state))
    assert again.not_modified
    assert requests_to(alpha_server) == ["/@mastodonpy_test.rss"]
    assert alpha_server.log[0][0].headers["If-None-Match"] == '"feed-v1"'

    # A day later the API is asked again; still refused, it is left alone for another day.
    alpha_server.clear()
    alpha.serve(alpha_server, statuses_path(JOHN_ID), PAGE_1, status=403, body_override={})
    alpha_server.expect_request("/@mastodonpy_test.rss").respond_with_data(
        "", status=304, headers={"ETag": '"feed-v1"'}
    )
    expired = {**result.state, "rss_until": "2020-01-01T00:00:00+00:00"}
    later = collector.collect(author(alpha, **expired))
    assert requests_to(alpha_server) == [
        statuses_path(JOHN_ID) + "?limit=5",
        "/@mastodonpy_test.rss",
    ]
    assert later.state["rss_until"] > datetime.now(UTC).isoformat()
    assert "403" in later.state["rss_reason"]


# -- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "user", "instance"),
    [
        ("alice@mastodon.social", "alice", "mastodon.social"),
        ("@alice@Mastodon.Social", "alice", "mastodon.social"),
        ("alice@127.0.0.1:8080", "alice", "127.0.0.1:8080"),
        ("https://hachyderm.io/@bob", "bob", "hachyderm.io"),
    ],
)
def test_parse_acct(target: str, user: str, instance: str) -> None:
    acct = parse_acct(target)
    assert (acct.user, acct.instance) == (user, instance)


@pytest.mark.parametrize("target", ["alice", "@alice", "alice@", "https://example.com/about"])
def test_parse_acct_rejects(target: str) -> None:
    with pytest.raises(SourceError):
        parse_acct(target)


def test_parse_link_header_on_a_recorded_header() -> None:
    links = parse_link_header(PAGE_1["headers"]["link"])
    assert links["next"].endswith("statuses?limit=5&max_id=117020580489281910")
    assert links["prev"].endswith("statuses?limit=5&min_id=117020580518794573")


# -- end to end: `listen collect` ------------------------------------------------------------


def test_listen_collect_stores_statuses_once_and_records_participation(
    alpha: Instance,
    alpha_server: HTTPServer,
    beta: Instance,
    beta_server: HTTPServer,
    write_config,
    tmp_path,
) -> None:
    john_page = newest_first(
        [JOHN_TOOT_2, JOHN_SELF_BOOST, JOHN_BOOSTED, JOHN_SELF_REPLY, JOHN_ORIGINAL]
    )
    alpha.serve(alpha_server, "/api/v1/accounts/lookup", JOHN_LOOKUP)
    alpha.serve(alpha_server, statuses_path(JOHN_ID), PAGE_1, body_override=john_page)
    beta.serve(
        beta_server,
        "/api/v1/accounts/lookup",
        JOHN_LOOKUP,
        body_override=TWO_TOOT["body"]["account"],
        query={"acct": "mastodonpy_test_2"},
    )
    beta.serve(beta_server, statuses_path(TWO_ID), PAGE_1, body_override=[TWO_TOOT["body"]])
    my_boost = {**A_BOOST, "account": ADMIN_ACCOUNT["body"]}
    beta.serve(beta_server, "/api/v1/accounts/lookup", ADMIN_ACCOUNT, query={"acct": "admin"})
    beta.serve(
        beta_server,
        statuses_path(ADMIN_ID),
        ADMIN_REPLY,
        body_override=newest_first([ADMIN_REPLY["body"], my_boost]),
    )
    beta.serve(beta_server, "/api/v1/statuses/117020583245459824", TWO_TOOT)
    beta.serve(beta_server, "/api/v1/favourites", FAVOURITES, body_override=[JOHN_ORIGINAL])
    config = write_config(
        f"""
[collect]
inbound = false  # what people do with your statuses: test_mastodon_inbound

[mastodon]
account = "admin@{beta.host}"
scheme = "http"

[[contacts]]
name = "John Lennon"
mastodon = "mastodonpy_test@{alpha.host}"

[[contacts]]
name = "Mastodonpy Two"
mastodon = "@mastodonpy_test_2@{beta.host}"
"""
    )
    db = tmp_path / "listen.db"
    env = {"LISTEN_MASTODON_ACCESS_TOKEN": TOKEN, "LISTEN_CONFIG": "", "LISTEN_DB": ""}
    args = ["--config", str(config), "--db", str(db), "collect", "--all"]

    first = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert "mastodon" in first.output
    again = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    assert again.exit_code == 0, again.output

    with sqlite3.connect(db) as conn:
        posts = conn.execute(
            "SELECT p.id, p.kind, c.name FROM posts p JOIN contacts c ON c.id = p.contact_id"
        ).fetchall()
        engagements = conn.execute(
            "SELECT e.kind, e.platform, p.id, c.name FROM engagements e"
            " LEFT JOIN posts p ON p.id = e.post_id LEFT JOIN contacts c ON c.id = p.contact_id"
            " ORDER BY e.kind"
        ).fetchall()
    assert len(posts) == len({p[0] for p in posts}) == 6  # five of John's, one of Two's
    assert sorted(kind for _, kind, name in posts if name == "John Lennon") == [
        "post",
        "post",
        "post",
        "reply",
        "repost",
    ]
    rewrite = beta.fediverse.rewrite
    assert engagements == [
        ("like", "mastodon", rewrite(JOHN_ORIGINAL["uri"], alpha.base), "John Lennon"),
        ("reply", "mastodon", rewrite(TWO_TOOT["body"]["uri"], beta.base), "Mastodonpy Two"),
        ("repost", "mastodon", rewrite(JOHN_TOOT_2["uri"], alpha.base), "John Lennon"),
    ]
    assert all("Authorization" not in r.headers for r, _ in alpha_server.log)
    # A contact on the user's own instance is read with the token: their instance, the user's.
    assert all(r.headers.get("Authorization") == f"Bearer {TOKEN}" for r, _ in beta_server.log)


def test_demo_serves_a_mastodon_instance_the_collector_reads(tmp_path) -> None:
    from listen import app
    from listen.demo import demo_workspace
    from listen.store import Store

    with demo_workspace(tmp_path) as workspace, Store.open(workspace.db_path) as store:
        options = app.CollectOptions(only_due=False, platforms=("mastodon",))
        summary = app.collect(workspace.config, store, options)
        assert [o.error for o in summary.outcomes] == [None, None, None, None]
        # John favourited the demo user's reply: read from its favourited_by listing
        liked = sql(
            store,
            "SELECT c.name, i.kind FROM interactions i JOIN contacts c"
            " ON c.id = i.contact_id WHERE i.platform = 'mastodon'",
        )
        assert liked == [("John Lennon", "like")]
        kinds = dict(
            sql(
                store,
                "SELECT kind, count(*) FROM engagements WHERE platform = 'mastodon' GROUP BY kind",
            )
        )
        posts = sql(store, "SELECT count(*) FROM posts WHERE platform = 'mastodon'")
        assert posts[0][0] == 16
    assert kinds == {"reply": 1, "repost": 1}  # likes need LISTEN_MASTODON_ACCESS_TOKEN


def test_config_rejects_a_scheme_other_than_http_or_https() -> None:
    from listen.errors import ConfigError

    with pytest.raises(ConfigError, match=r"mastodon\.scheme"):
        parse_config({"mastodon": {"scheme": "ftp"}}, path=None, env={})


def test_a_hanging_instance_does_not_stall_a_parallel_run(
    silent_instance: str, alpha: Instance, alpha_server: HTTPServer, beta: Instance, tmp_path
) -> None:
    from listen import app
    from listen.store import Store

    serve_john_pages(alpha, alpha_server)
    contacts = [
        {"name": f"Hanging {i}", "mastodon": f"user{i}@{silent_instance}"} for i in range(4)
    ]
    contacts.append({"name": "John Lennon", "mastodon": f"mastodonpy_test@{alpha.host}"})
    config = parse_config(
        {
            "collect": {"timeout_seconds": 0.5, "concurrency": 2},
            "mastodon": {"scheme": "http", "page_limit": 5, "max_pages": 2},
            "contacts": contacts,
        },
        path=None,
        env={},
    )
    with Store.open(tmp_path / "listen.db") as store:
        started = time.monotonic()
        summary = app.collect(config, store, app.CollectOptions(only_due=False))
        elapsed = time.monotonic() - started
        stored = store.count("posts")
    errors = sorted(o.error or "" for o in summary.outcomes if o.target.startswith("user"))
    assert stored == 10  # John's statuses, despite the dead instance
    assert len(errors) == 4 and all(errors)
    assert sum("unreachable in this run" in e for e in errors) >= 2  # skipped, not waited for
    assert elapsed < 3 * 0.5 + 1.0


@pytest.mark.parametrize(
    "status",
    [
        {},
        {"uri": 42},
        {"uri": "", "content": "<p>x</p>"},
    ],
)
def test_statuses_without_a_uri_are_dropped(status: dict[str, Any]) -> None:
    from listen.collectors.mastodon_parse import status_to_post

    assert status_to_post(status, "example.social") is None


def test_odd_field_types_do_not_crash_the_mapping() -> None:
    from listen.collectors.mastodon_parse import status_to_post

    odd = {
        **PAGE_1["body"][0],
        "content": None,
        "account": "not an object",
        "reblog": "nope",
        "created_at": "yesterday",
        "favourites_count": True,
        "spoiler_text": 7,
    }
    post = status_to_post(odd, "example.social")
    assert post is not None
    assert (post.text, post.author_handle, post.created_at, post.raw_kind) == (
        "",
        None,
        None,
        "post",
    )
    assert "likes" not in post.metrics
    assert own_status_engagements(odd, ADMIN_ID, None) == []


def test_a_page_that_is_not_a_list_is_a_source_error() -> None:
    from listen.collectors.mastodon_parse import json_list

    with pytest.raises(SourceError, match="JSON array"):
        json_list(b'{"error": "Record not found"}', "http://example.social/x")
