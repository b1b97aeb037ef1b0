"""Demo X: real recorded API v2 responses served as the X API from the loopback server.

The contact is @Twitter (tweepy's recorded timeline, two pages); you are @dappdavid99, whose real
reply-and-quote of @wongmjane (from twarc-csv) and recorded likes become engagements. Timelines
honour since_id and max_results like the real API, so a second run reads only what is new.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from listen.demo.server import DemoRequest, DemoResponse, Handler, LoopbackServer

CONTACT = {"name": "Twitter", "priority": 3, "x": "Twitter"}
SELF_USERNAME = "dappdavid99"
TWITTER_ID = "783214"
SELF_ID = "1494167419413094401"
_JSON = {"Content-Type": "application/json; charset=utf-8"}


def serve_x(server: LoopbackServer) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Register the X routes; returns the `[x]` config section and the demo contacts."""
    user = _recorded("get_user.json")
    timeline = _recorded("get_users_tweets.json")
    likes = _recorded("get_liked_tweets.json")
    last_page = _twarc("twarc-csv_two_tweets.jsonl")
    own_page = _twarc("twarc-csv_quoted_edit.jsonl")
    me = next(u for u in own_page["includes"]["users"] if u["id"] == SELF_ID)

    # HAND-MADE: the recording asked for no user fields; 35 is @Twitter's real following count
    # (data/x/get_users_following.json), which a follows import prices before it starts.
    following = len(_recorded("get_users_following.json")["body"]["data"])
    counted = {"data": {**user["body"]["data"], "public_metrics": {"following_count": following}}}
    server.add("/2/users/by/username/twitter", _fixed(counted, user["headers"]))
    server.add(f"/2/users/by/username/{SELF_USERNAME}", _fixed({"data": me}))
    server.add(
        f"/2/users/{TWITTER_ID}/tweets",
        _timeline(timeline["body"], timeline["headers"], next_page=last_page),
    )
    server.add(f"/2/users/{SELF_ID}/tweets", _timeline(own_page))
    server.add(f"/2/users/{SELF_ID}/liked_tweets", _fixed(likes["body"], likes["headers"]))
    # Nobody mentioned @dappdavid99: X's answer for an empty list (HAND-MADE, the documented
    # shape: no data, result_count 0).
    server.add(f"/2/users/{SELF_ID}/mentions", _fixed({"meta": {"result_count": 0}}))
    section = {"base_url": server.base_url, "username": SELF_USERNAME, "monthly_budget_usd": 5.0}
    return {"x": section}, [dict(CONTACT)]


def _fixed(body: dict[str, Any], headers: dict[str, str] | None = None) -> Handler:
    payload = json.dumps(body).encode()
    extra = {k: v for k, v in (headers or {}).items() if k.lower().startswith("x-rate-limit")}

    def handle(request: DemoRequest) -> DemoResponse:
        size = request.arg("max_results")
        if size and size.isdigit() and isinstance(body.get("data"), list):
            # Like X: never more tweets than asked for (what the read budget relies on).
            trimmed = json.dumps({**body, "data": body["data"][: int(size)]}).encode()
            return DemoResponse(200, trimmed, {**_JSON, **extra})
        return DemoResponse(200, payload, {**_JSON, **extra})

    return handle


def _timeline(
    first: dict[str, Any], headers: dict[str, str] | None = None, next_page: dict | None = None
) -> Handler:
    """A user timeline: page 1, then `next_page` for its next_token; since_id filters both."""
    token = first.get("meta", {}).get("next_token")

    def handle(request: DemoRequest) -> DemoResponse:
        page = next_page if next_page and request.arg("pagination_token") == token else first
        since = request.arg("since_id")
        if since:
            page = _newer_than(page, since)
        return _fixed(page, headers)(request)

    return handle


def _newer_than(page: dict[str, Any], since_id: str) -> dict[str, Any]:
    """What X returns for since_id: only newer tweets; no `data` and a zero count when none."""
    newer = [t for t in page.get("data", []) if (len(t["id"]), t["id"]) > (len(since_id), since_id)]
    if not newer:
        return {"meta": {"result_count": 0}}
    meta = {"result_count": len(newer), "newest_id": newer[0]["id"]}
    return {**page, "data": newer, "meta": meta}


def _recorded(name: str) -> dict[str, Any]:
    interaction: dict[str, Any] = json.loads(_data(name))[0]
    return interaction


def _twarc(name: str) -> dict[str, Any]:
    page: dict[str, Any] = json.loads(_data(name).splitlines()[0])
    return page


def _data(name: str) -> str:
    return resources.files("listen.demo").joinpath("data", "x", name).read_text(encoding="utf-8")
