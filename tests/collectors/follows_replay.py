"""Loopback servers answering follows queries with recorded responses, for the follows
collectors, the app and the CLI.

- Bluesky: the AppView's real `getFollows` output for five test accounts
  (bluesky/appview_getFollows.json) and a real `getList` items page (appview_getList.json),
  served at most `PAGE` items at a time with an opaque cursor, as the AppView pages.
- Mastodon: `mastodonpy_test`'s real lookup, its real (empty) `/following`, and a following
  list assembled from the real account objects in the recordings, two pages joined by a real
  `Link: rel="next"` header; the real `/api/v1/lists/3/accounts` answer.
- X: @Twitter's real `/2/users/783214/following` (35 accounts) and the real first page of
  list 84839422's members (with `next_token`); its second page is the real followers page of
  @Twitter with its `next_token` removed (X has no recording of a list's last page). An
  unknown username gets X's `resource-not-found` problem in a 200 (a HAND-MADE body in the
  documented shape; no cassette records one).
Also hand-made, and said where they are made: the Bluesky `getProfile` answer (the recorded
subject plus its `followsCount`), the AppView's 400 "Profile not found", the Mastodon
lookup's `following_count` and @Twitter's `public_metrics.following_count` (35, as recorded).
"""

from __future__ import annotations

import json
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.collectors.mastodon_replay import ADMIN_ID, JOHN_ID, TWO_ID, Fediverse, interactions
from tests.helpers import read_data

PAGE = 2  # the loopback AppView serves at most this many follows a page, to exercise cursors
ALICE = "alice.test"
ALICE_FOLLOWS = ["eve.test", "dan.test", "carol.test", "bob.test"]
BSKY_LIST = "at://did:plc:pacy3uqclcn6plgtzrqxr7qu/app.bsky.graph.list/3ljcdgzgil6s5"
TWITTER_ID = "783214"
X_LIST = "84839422"
X_LIST_TOKEN = "4611686018799963893"
TOKEN = "test-bearer-token"


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body),
        status=status,
        headers=headers or {},
        content_type="application/json; charset=utf-8",
    )


def bluesky_follows() -> dict[str, dict[str, Any]]:
    loaded: dict[str, dict[str, Any]] = json.loads(read_data("bluesky/appview_getFollows.json"))
    return loaded


def _by_actor(actor: str) -> dict[str, Any] | None:
    for page in bluesky_follows().values():
        if actor in (page["subject"]["handle"], page["subject"]["did"]):
            return page
    return None


def _not_found(message: str) -> Response:
    """What the AppView answers for an unknown actor or list."""
    return json_response({"error": "InvalidRequest", "message": message}, status=400)


def _window(items: list[Any], request: Request) -> tuple[list[Any], str | None]:
    start = int(request.args.get("cursor") or 0)
    size = min(PAGE, int(request.args.get("limit") or PAGE))
    end = start + size
    return items[start:end], (str(end) if end < len(items) else None)


def serve_bluesky(server: HTTPServer, broken_cursor: dict[str, bool] | None = None) -> None:
    """The AppView; while `broken_cursor["on"]`, the page at cursor 2 answers 502."""

    def profile(request: Request) -> Response:
        page = _by_actor(request.args.get("actor", ""))
        if page is None:
            return _not_found("Profile not found")
        return json_response({**page["subject"], "followsCount": len(page["follows"])})

    def follows(request: Request) -> Response:
        if broken_cursor and broken_cursor["on"] and request.args.get("cursor") == "2":
            return Response("upstream down", status=502)
        page = _by_actor(request.args.get("actor", ""))
        if page is None:
            return _not_found("Profile not found")
        window, cursor = _window(page["follows"], request)
        body = {"subject": page["subject"], "follows": window}
        return json_response({**body, "cursor": cursor} if cursor else body)

    def get_list(request: Request) -> Response:
        recorded = json.loads(read_data("bluesky/appview_getList.json"))
        if request.args.get("list") != BSKY_LIST:
            return _not_found("List not found")
        window, cursor = _window(recorded["items"], request)
        body = {"list": recorded["list"], "items": window}
        return json_response({**body, "cursor": cursor} if cursor else body)

    server.expect_request("/xrpc/app.bsky.actor.getProfile").respond_with_handler(profile)
    server.expect_request("/xrpc/app.bsky.graph.getFollows").respond_with_handler(follows)
    server.expect_request("/xrpc/app.bsky.graph.getList").respond_with_handler(get_list)


def mastodon_accounts() -> dict[str, dict[str, Any]]:
    """Every real account object in the Mastodon recordings, by id."""
    found: dict[str, dict[str, Any]] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if {"id", "username", "acct", "fields"} <= value.keys():
                found.setdefault(str(value["id"]), value)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for name in ("account_lookup", "status_reply", "list_add_remove_account"):
        walk([i["body"] for i in interactions(name)])
    return found


def serve_mastodon(server: HTTPServer, *, hidden: bool = False, suspended: bool = False) -> str:
    """The instance at `server`; returns its host. `hidden` makes the lookup say the account
    follows three while /following answers empty (what an instance does for a hidden list);
    `suspended` marks one followed account `"suspended": true` (Mastodon's field)."""
    base = server.url_for("/").rstrip("/")
    instance = Fediverse().instance(base)
    lookup = interactions("account_lookup")[0]
    accounts = mastodon_accounts()
    followed = [dict(accounts[i]) for i in (TWO_ID, ADMIN_ID, JOHN_ID) if i in accounts]
    if suspended:
        followed[0]["suspended"] = True
    looked_up = {**lookup["body"], "following_count": 3}
    instance.serve(
        server,
        "/api/v1/accounts/lookup",
        lookup,
        query={"acct": "mastodonpy_test"},
        body_override=looked_up,
    )
    server.expect_request("/api/v1/accounts/lookup").respond_with_response(
        json_response({"error": "Record not found"}, status=404)
    )
    following = f"/api/v1/accounts/{JOHN_ID}/following"
    empty = interactions("account_following")[1]
    if hidden:
        instance.serve(server, following, empty)
    else:
        next_link = f'<{base}{following}?limit=80&max_id=2>; rel="next"'
        instance.serve(
            server,
            following,
            empty,
            query={"limit": "80", "max_id": "2"},
            body_override=followed[2:],
        )
        server.expect_request(following, method="GET").respond_with_response(
            instance.response(empty, body_override=followed[:2], extra_headers={"Link": next_link})
        )
    list_accounts = interactions("list_add_remove_account")[4]
    instance.serve(server, "/api/v1/lists/3/accounts", list_accounts)
    return server.url_for("/").split("://", 1)[1].rstrip("/")


def twitter(name: str) -> dict[str, Any]:
    interaction: dict[str, Any] = json.loads(read_data(f"twitter/{name}.json"))[0]
    return interaction


def serve_x(server: HTTPServer) -> None:
    def by_username(request: Request) -> Response:
        name = request.path.rsplit("/", 1)[-1]
        if name.lower() == "twitter":
            user = twitter("get_user")["body"]
            # hand-made: the recording asked for no user.fields; 35 is its real following count
            metrics = {"following_count": len(twitter("get_users_following")["body"]["data"])}
            return json_response({"data": {**user["data"], "public_metrics": metrics}})
        detail = f"Could not find user with username: [{name}]."
        problem = "https://api.twitter.com/2/problems/resource-not-found"
        error = {"value": name, "detail": detail, "title": "Not Found Error", "type": problem}
        return json_response({"errors": [error]})

    def members(request: Request) -> Response:
        if request.args.get("pagination_token") == X_LIST_TOKEN:
            last = twitter("get_users_followers")["body"]
            return json_response({**last, "meta": {"result_count": len(last["data"])}})
        return json_response(twitter("get_list_members")["body"])

    server.expect_request("/2/users/by/username/Twitter").respond_with_handler(by_username)
    server.expect_request("/2/users/by/username/twitter").respond_with_handler(by_username)
    server.expect_request("/2/users/by/username/nosuchuser").respond_with_handler(by_username)
    server.expect_request(f"/2/users/{TWITTER_ID}/following").respond_with_handler(
        lambda r: json_response(twitter("get_users_following")["body"])
    )
    server.expect_request(f"/2/lists/{X_LIST}/members").respond_with_handler(members)
