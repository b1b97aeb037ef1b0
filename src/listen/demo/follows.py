"""Demo follows: whom one recorded account per platform follows, for `listen contacts import`.

- Bluesky: alice.test's real `getFollows` output (AppView snapshot, data/bluesky/).
- Mastodon: mastodonpy_test follows mastodonpy_test_2, whose real account object carries one
  HAND-MADE profile field: a rel=me link to https://bob.test that the instance verified
  (`verified_at`). bob.test is a Bluesky handle alice follows, so the two accounts are one
  person by verified evidence (a domain handle equal to a verified website): the demo merges
  them. Nothing else in the account is changed.
- X: @Twitter's real 35 follows (tweepy cassette); the X lookup (listen.demo.x) says so in its
  `public_metrics.following_count`, which the import prices before it starts.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from listen.demo.mastodon import JOHN_ID, Recordings
from listen.demo.server import DemoRequest, DemoResponse, LoopbackServer

ALICE = "alice.test"
BOB_SITE = "https://bob.test"
VERIFIED_AT = "2024-03-02T10:11:12.000+00:00"
_JSON = {"Content-Type": "application/json; charset=utf-8"}


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> DemoResponse:
    return DemoResponse(status, json.dumps(body).encode(), {**_JSON, **(headers or {})})


def _data(folder: str, name: str) -> Any:
    text = resources.files("listen.demo").joinpath("data", folder, name).read_text("utf-8")
    return json.loads(text)


def serve_follows(server: LoopbackServer) -> dict[str, str]:
    """Register the follows routes; returns the account to import per platform."""
    alice = _data("bluesky", "appview_getFollows.json")[ALICE]
    actors = {ALICE, alice["subject"]["did"]}

    def profile(request: DemoRequest) -> DemoResponse:
        if request.arg("actor") not in actors:
            return _json({"error": "InvalidRequest", "message": "Profile not found"}, 400)
        return _json({**alice["subject"], "followsCount": len(alice["follows"])})

    def follows(request: DemoRequest) -> DemoResponse:
        if request.arg("actor") not in actors:
            return _json({"error": "InvalidRequest", "message": "Profile not found"}, 400)
        return _json(alice)

    server.add("/xrpc/app.bsky.actor.getProfile", profile)
    server.add("/xrpc/app.bsky.graph.getFollows", follows)

    recordings = Recordings(server.base_url)
    tester = dict(recordings.body("status_reply", 0)["account"])
    link = f'<a href="{BOB_SITE}" rel="nofollow noopener noreferrer me">bob.test</a>'
    tester["fields"] = [{"name": "Web", "value": link, "verified_at": VERIFIED_AT}]
    server.add(f"/api/v1/accounts/{JOHN_ID}/following", lambda _: _json([tester]))

    following = _data("x", "get_users_following.json")[0]["body"]
    server.add("/2/users/783214/following", lambda _: _json(following))
    host = server.base_url.split("://", 1)[1]
    return {"bluesky": ALICE, "mastodon": f"mastodonpy_test@{host}", "x": "Twitter"}
