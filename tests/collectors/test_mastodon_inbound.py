"""What people do with the user's Mastodon statuses, from a loopback instance replaying
Mastodon.py's recorded responses (tests/data/mastodon/: notifications, favourited_by,
reblogged_by, status_reply; see SOURCES.md)."""

from __future__ import annotations

import json
from typing import Any

from pytest_httpserver import HTTPServer

from listen.collectors.mastodon import MastodonCollector
from listen.config import Config, parse_config
from listen.types import Source
from tests.collectors.mastodon_replay import ADMIN_ID, JOHN_ID, TWO_ID, body

TOKEN = "mastodon-token-for-the-users-own-instance"


def host(server: HTTPServer) -> str:
    return f"{server.host}:{server.port}"


def config(server: HTTPServer, user: str, token: str | None) -> Config:
    section = {"account": f"{user}@{host(server)}", "scheme": "http"}
    env = {"LISTEN_MASTODON_ACCESS_TOKEN": token} if token else {}
    document = {"mastodon": section, "collect": {"inbound_days": 3650}}  # recorded in 2026-08
    return parse_config(document, path=None, env=env)


def inbound(server: HTTPServer, user: str, account_id: str) -> Source:
    target = f"{user}@{host(server)}"
    return Source(4, "mastodon", "inbound", target, state={"account_id": account_id})


def test_notifications_with_the_token_become_interactions(httpserver, client, settings) -> None:
    httpserver.expect_request("/api/v1/notifications").respond_with_json(body("notifications", 1))
    collector = MastodonCollector(config(httpserver, "mastodonpy_test", TOKEN), client, settings)
    result = collector.collect(inbound(httpserver, "mastodonpy_test", JOHN_ID))
    (mention,) = result.interactions
    assert (mention.kind, mention.actor_handle) == ("mention", f"admin@{host(httpserver)}")
    assert mention.their_post and mention.their_post.endswith("/statuses/117020576916218297")
    assert mention.text == "@mastodonpy_test hello!" and mention.our_post is None
    ((request, _),) = httpserver.log
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.args.getlist("types[]") == ["mention", "favourite", "reblog", "quote", "follow"]
    assert result.state["notifications_since_id"] == "20"
    target = f"mastodonpy_test@{host(httpserver)}"
    again = collector.collect(Source(4, "mastodon", "inbound", target, state=result.state))
    assert again.interactions == ()  # since_id: the mention is not new any more
    assert httpserver.log[-1][0].args["since_id"] == "20"


def serve_own_status(server: HTTPServer, **routes: Any) -> dict[str, Any]:
    """mastodonpy_test_2's recorded status, with the counts it has once admin replied,
    mastodonpy_test favourited and its author boosted it (counts hand-set: recorded before)."""
    status = body("status_reply", 0) | {
        "replies_count": 1,
        "favourites_count": 1,
        "reblogs_count": 1,
    }
    status_id = status["id"]
    server.expect_request(f"/api/v1/accounts/{TWO_ID}/statuses").respond_with_json([status])
    listings = {
        "favourited_by": body("status_favourited_by", 2),
        "reblogged_by": body("status_reblogged_by", 2),
        # hand-made envelope around the recorded reply (no recording has a non-empty context)
        "context": {"ancestors": [], "descendants": [body("status_reply", 2)]},
    }
    for path, answer in {**listings, **routes}.items():
        route = server.expect_request(f"/api/v1/statuses/{status_id}/{path}")
        if isinstance(answer, int):
            route.respond_with_json({"error": "Record not found"}, status=answer)
        else:
            route.respond_with_json(answer)
    return status


def test_without_a_token_the_listings_of_recent_statuses_are_read(
    httpserver, client, settings
) -> None:
    status = serve_own_status(httpserver)
    collector = MastodonCollector(config(httpserver, "mastodonpy_test_2", None), client, settings)
    result = collector.collect(inbound(httpserver, "mastodonpy_test_2", TWO_ID))
    found = {(i.kind, i.actor_handle) for i in result.interactions}
    here = host(httpserver)
    # the boost is by the status's own author: not an interaction with anyone
    assert found == {("like", f"mastodonpy_test@{here}"), ("reply", f"admin@{here}")}
    reply = next(i for i in result.interactions if i.kind == "reply")
    assert reply.our_post == status["url"] and reply.their_post == body("status_reply", 2)["uri"]
    assert all("Authorization" not in r.headers for r, _ in httpserver.log)
    again = collector.collect(
        Source(4, "mastodon", "inbound", f"mastodonpy_test_2@{here}", state=result.state)
    )
    assert again.interactions == ()  # counts unchanged: no listing read again
    assert len(httpserver.log) == 5


def test_a_401_on_notifications_falls_back_to_public_without_the_token(
    httpserver, client, settings
) -> None:
    httpserver.expect_request("/api/v1/notifications").respond_with_json(
        {"error": "The access token is invalid"}, status=401
    )
    serve_own_status(httpserver)
    collector = MastodonCollector(config(httpserver, "mastodonpy_test_2", TOKEN), client, settings)
    result = collector.collect(inbound(httpserver, "mastodonpy_test_2", TWO_ID))
    assert len(result.interactions) == 2
    assert result.state["note"].startswith("notifications refused (HTTP 401")
    sent = [r.path for r, _ in httpserver.log if "Authorization" in r.headers]
    assert sent == ["/api/v1/notifications"]


def test_a_deleted_status_listing_is_skipped(httpserver, client, settings) -> None:
    serve_own_status(httpserver, favourited_by=404)
    collector = MastodonCollector(config(httpserver, "mastodonpy_test_2", None), client, settings)
    result = collector.collect(inbound(httpserver, "mastodonpy_test_2", TWO_ID))
    assert [i.kind for i in result.interactions] == ["reply"]
    assert ADMIN_ID in json.dumps(body("status_reply", 2))  # the reply is admin's
