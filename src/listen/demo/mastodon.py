"""Demo Mastodon instance: recorded Mastodon API responses served from the loopback server.

The recordings (halcy/Mastodon.py's test cassettes, see data/README) come from a real server at
http://localhost:3000; their URLs are rewritten to the loopback server when it starts. Account
timelines are paged the way Mastodon pages them (limit, since_id, max_id, min_id, Link headers).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from listen.demo.server import DemoRequest, DemoResponse, Handler, LoopbackServer

RECORDED_BASE = "http://localhost:3000"
JOHN_ID = "117020565966271181"  # mastodonpy_test, "John Lennon"
TESTER_ID = "117020566092212359"  # mastodonpy_test_2
ADMIN_ID = "117020565693913441"  # admin: the demo user
MAX_LIMIT = 40


def serve_mastodon(server: LoopbackServer) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Register the demo instance's API; returns the `[mastodon]` section and `[[contacts]]`."""
    recordings = Recordings(server.base_url)
    john_account = recordings.body("account_lookup", 2)
    admin_account = recordings.body("status_reply", 1)
    tester_toot = recordings.body("status_reply", 0)
    headers = recordings.headers("account_lookup", 2)
    accounts = {
        "mastodonpy_test": john_account,
        "mastodonpy_test_2": tester_toot["account"],
        "admin": admin_account,
    }
    not_found = recordings.body("account_lookup", 1)

    def lookup(request: DemoRequest) -> DemoResponse:
        acct = (request.arg("acct") or "").split("@")[0]
        if acct in accounts:
            return _json(accounts[acct], headers)
        return _json(not_found, headers, status=404)

    john_timeline = [
        *recordings.body("fetch_next_previous", 11),
        *recordings.body("fetch_next_previous", 12),
        recordings.body("id_hook_in_reply_to", 0),
        recordings.body("id_hook_in_reply_to", 1),
        recordings.body("id_hook_within_reblog", 0),
        recordings.body("id_hook_within_reblog", 1),
        recordings.body("status_reblog_unreblog", 0),
    ]
    # The demo user's own activity: the recorded reply to mastodonpy_test_2, and the recorded
    # boost of one of John's toots shown as the demo user's.
    my_boost = {**recordings.body("status_reblog_unreblog", 1), "account": admin_account}
    # HAND-MADE count: John favourited the demo user's reply (the recorded favourited_by list).
    my_reply = {**recordings.body("status_reply", 2), "favourites_count": 1}
    my_timeline = [my_reply, my_boost]
    server.add(
        f"/api/v1/statuses/{my_reply['id']}/favourited_by",
        lambda _: _json(recordings.body("status_favourited_by", 2), headers),
    )
    timelines = {JOHN_ID: john_timeline, TESTER_ID: [tester_toot], ADMIN_ID: my_timeline}

    server.add("/api/v1/accounts/lookup", lookup)
    for account_id, statuses in timelines.items():
        path = f"/api/v1/accounts/{account_id}/statuses"
        server.add(path, _timeline(server.base_url + path, statuses, headers))
    server.add(f"/api/v1/statuses/{tester_toot['id']}", lambda _: _json(tester_toot, headers))
    favourites = [recordings.body("id_hook_in_reply_to", 0)]
    server.add(
        "/api/v1/favourites", _timeline(server.base_url + "/api/v1/favourites", favourites, headers)
    )

    host = server.base_url.split("://", 1)[1]
    section = {"mastodon": {"account": f"admin@{host}", "scheme": "http"}}
    contacts: list[dict[str, Any]] = [
        {"name": "John Lennon", "priority": 3, "mastodon": f"mastodonpy_test@{host}"},
        {"name": "Mastodon.py Tester", "priority": 2, "mastodon": f"mastodonpy_test_2@{host}"},
    ]
    return section, contacts


class Recordings:
    """The bundled recordings with their URLs pointing at the loopback server."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.folder = resources.files("listen.demo").joinpath("data", "mastodon")
        self._files: dict[str, list[dict[str, Any]]] = {}

    def _interactions(self, name: str) -> list[dict[str, Any]]:
        if name not in self._files:
            text = self.folder.joinpath(f"{name}.json").read_text(encoding="utf-8")
            loaded: list[dict[str, Any]] = json.loads(text.replace(RECORDED_BASE, self.base_url))
            self._files[name] = loaded
        return self._files[name]

    def body(self, name: str, index: int) -> Any:
        return self._interactions(name)[index]["body"]

    def headers(self, name: str, index: int) -> dict[str, str]:
        recorded = self._interactions(name)[index]["headers"]
        keep = ("content-type", "x-ratelimit-limit", "x-ratelimit-remaining")
        return {key: value for key, value in recorded.items() if key in keep}


def _timeline(url: str, statuses: list[dict[str, Any]], headers: dict[str, str]) -> Handler:
    """Page statuses newest first, honouring limit/since_id/max_id/min_id, with Link headers."""
    ordered = sorted(statuses, key=lambda s: _number(s.get("id")), reverse=True)

    def handle(request: DemoRequest) -> DemoResponse:
        limit = max(1, min(MAX_LIMIT, _number(request.arg("limit"), 20)))
        since = _number(request.arg("since_id"))
        below = _number(request.arg("max_id"), 0) or None
        above = _number(request.arg("min_id"))
        items = [
            s
            for s in ordered
            if _number(s.get("id")) > max(since, above)
            and (below is None or _number(s.get("id")) < below)
        ]
        page = items[-limit:] if request.arg("min_id") else items[:limit]
        links = dict(headers)
        if page:
            links["Link"] = (
                f'<{url}?limit={limit}&max_id={page[-1]["id"]}>; rel="next", '
                f'<{url}?limit={limit}&min_id={page[0]["id"]}>; rel="prev"'
            )
        return _json(page, links)

    return handle


def _json(body: Any, headers: dict[str, str], status: int = 200) -> DemoResponse:
    return DemoResponse(
        status,
        json.dumps(body).encode("utf-8"),
        {**headers, "content-type": "application/json; charset=utf-8"},
    )


def _number(value: Any, default: int = 0) -> int:
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return default
