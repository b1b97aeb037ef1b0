"""Replay the recorded Mastodon API responses (tests/data/mastodon/) as if from several instances.

The recordings come from ONE real server at http://localhost:3000 with three accounts. To stand
in for federation, each account is given a home instance (a loopback server): every URL naming
that account (`/ap/users/<id>`, `/@<name>`, `/users/<name>`) is rewritten to its home, any other
`http://localhost:3000` URL to the instance serving the response, and an account shown by an
instance that is not its home gets the remote `acct` form (`user@host:port`). Nothing else in the
recorded bodies and headers changes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pytest_httpserver import HTTPServer
from werkzeug import Response

from tests.helpers import read_data

RECORDED_BASE = "http://localhost:3000"
_RECORDED_URL = re.compile(
    r"http://localhost:3000"
    r"(?=(?:/(?:ap/users/(?P<id>\d+)|@(?P<at>\w+)|users/(?P<user>\w+)))?)"
)

# The three accounts in the recordings.
JOHN_ID = "117020565966271181"  # mastodonpy_test, "John Lennon": toots, boosts, self-replies
TWO_ID = "117020566092212359"  # mastodonpy_test_2: "Toot, finally!"
ADMIN_ID = "117020565693913441"  # admin: replies to mastodonpy_test_2
USERNAMES = {JOHN_ID: "mastodonpy_test", TWO_ID: "mastodonpy_test_2", ADMIN_ID: "admin"}

RESPONSE_HEADERS = ("content-type", "etag", "link", "x-ratelimit-limit", "x-ratelimit-remaining")


def interactions(name: str) -> list[dict[str, Any]]:
    """The recorded interactions of tests/data/mastodon/<name>.json."""
    loaded: list[dict[str, Any]] = json.loads(read_data(f"mastodon/{name}.json"))
    return loaded


def recorded(name: str, index: int) -> dict[str, Any]:
    return interactions(name)[index]


def body(name: str, index: int) -> Any:
    return recorded(name, index)["body"]


def status_ids(statuses: list[dict[str, Any]]) -> list[str]:
    return [s["id"] for s in statuses]


def newest_first(statuses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A timeline page assembled from recorded status objects, in the API's order."""
    return sorted(statuses, key=lambda s: int(s["id"]), reverse=True)


@dataclass
class Fediverse:
    """Which loopback instance is each recorded account's home."""

    homes: dict[str, str] = field(default_factory=dict)  # account id → base URL

    def home_of(self, username: str | None = None, account_id: str | None = None) -> str | None:
        if account_id:
            return self.homes.get(account_id)
        for known_id, name in USERNAMES.items():
            if name == username:
                return self.homes.get(known_id)
        return None

    def rewrite(self, value: Any, serving: str) -> Any:
        """A recorded JSON value as the instance at `serving` would show it."""
        if isinstance(value, str):
            return self.rewrite_text(value, serving)
        if isinstance(value, list):
            return [self.rewrite(item, serving) for item in value]
        if isinstance(value, dict):
            out = {key: self.rewrite(item, serving) for key, item in value.items()}
            if {"id", "username", "acct"} <= out.keys():
                home = self.homes.get(str(out["id"]))
                if home and home != serving:
                    out["acct"] = f"{out['username']}@{urlsplit(home).netloc}"
            return out
        return value

    def rewrite_text(self, text: str, serving: str) -> str:
        def replace(match: re.Match[str]) -> str:
            home = self.home_of(
                username=match.group("at") or match.group("user"), account_id=match.group("id")
            )
            return home or serving

        return _RECORDED_URL.sub(replace, text)

    def instance(self, base: str) -> Instance:
        return Instance(self, base)


@dataclass
class Instance:
    """One loopback instance answering with recorded responses."""

    fediverse: Fediverse
    base: str

    @property
    def host(self) -> str:
        return urlsplit(self.base).netloc

    def response(
        self,
        interaction: Mapping[str, Any],
        *,
        body_override: Any = None,
        status: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Response:
        """The recorded response (headers, status, body), rewritten for this instance."""
        payload = interaction["body"] if body_override is None else body_override
        headers = {
            key: self.fediverse.rewrite_text(value, self.base)
            for key, value in interaction["headers"].items()
            if key.lower() in RESPONSE_HEADERS
        }
        for key, value in (extra_headers or {}).items():
            headers = {k: v for k, v in headers.items() if k.lower() != key.lower()}
            headers[key] = value
        content_type = headers.pop("content-type", "application/json; charset=utf-8")
        return Response(
            json.dumps(self.fediverse.rewrite(payload, self.base)),
            status=status or interaction["status"],
            headers=headers,
            content_type=content_type,
        )

    def serve(
        self,
        server: HTTPServer,
        path: str,
        interaction: Mapping[str, Any],
        *,
        query: Mapping[str, str] | None = None,
        body_override: Any = None,
        status: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer GET `path` (with exactly `query`, when given) with a recorded response."""
        response = self.response(
            interaction, body_override=body_override, status=status, extra_headers=extra_headers
        )
        server.expect_request(path, method="GET", query_string=query).respond_with_response(
            response
        )
