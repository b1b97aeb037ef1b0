"""An AppView + PDS + PLC directory on pytest-httpserver, replaying recorded atproto responses.

Feeds are the real recorded `getAuthorFeed` pages in tests/data/bluesky/ (or real post views
from the atproto SDK's recordings wrapped as feed items). No recording of a user's
`listRecords` exists, so the user's repo records are built with the atproto SDK's own lexicon
models (`repo_records`), pointing at the recorded posts.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.helpers import read_data

ALICE_HANDLE = "alice.test"
ALICE_DID = "did:plc:7sqxh4mfnyysmuu34o2bn7fz"
MARSHAL_HANDLE = "test.marshal.dev"
MARSHAL_DID = "did:plc:kvwvcn5iqfooopmyzvb4qzba"
ME_HANDLE = "me.test"
ME_DID = "did:plc:mmmmmmmmmmmmmmmmmmmmmmmm"

FEED = "/xrpc/app.bsky.feed.getAuthorFeed"
RESOLVE = "/xrpc/com.atproto.identity.resolveHandle"
LIST_RECORDS = "/xrpc/com.atproto.repo.listRecords"


def recorded(name: str) -> dict[str, Any]:
    """A recorded response from tests/data/bluesky/, parsed (a fresh copy each call)."""
    value: dict[str, Any] = json.loads(read_data(f"bluesky/{name}"))
    return value


def page1() -> dict[str, Any]:
    return recorded("appview_getAuthorFeed_page1.json")


def page2() -> dict[str, Any]:
    return recorded("appview_getAuthorFeed_page2.json")


def marshal_feed() -> dict[str, Any]:
    """test.marshal.dev's real post view (from a live getPostThread) as a one-item author feed."""
    thread = recorded("atproto-sdk_thread_view_post_with_embed_media.json")["thread"]
    return {"feed": [{"post": thread["post"]}]}


def tid(n: int) -> str:
    """A well-formed, time-sortable record key; larger n sorts later."""
    alphabet = "234567abcdefghijklmnopqrstuvwxyz"
    digits = ""
    for _ in range(10):
        n, rest = divmod(n, 32)
        digits = alphabet[rest] + digits
    return "3lb" + digits


def strong_ref(view: dict[str, Any]) -> Any:
    from atproto_client import models

    return models.ComAtprotoRepoStrongRef.Main(uri=view["uri"], cid=view["cid"])


def reply_record(parent: dict[str, Any], text: str, created_at: str) -> Any:
    from atproto_client import models

    return models.AppBskyFeedPost.Record(
        text=text,
        created_at=created_at,
        reply=models.AppBskyFeedPost.ReplyRef(parent=strong_ref(parent), root=strong_ref(parent)),
    )


def quote_record(quoted: dict[str, Any], text: str, created_at: str) -> Any:
    from atproto_client import models

    return models.AppBskyFeedPost.Record(
        text=text,
        created_at=created_at,
        embed=models.AppBskyEmbedRecord.Main(record=strong_ref(quoted)),
    )


def plain_post_record(text: str, created_at: str) -> Any:
    from atproto_client import models

    return models.AppBskyFeedPost.Record(text=text, created_at=created_at)


def repost_record(subject: dict[str, Any], created_at: str) -> Any:
    from atproto_client import models

    return models.AppBskyFeedRepost.Record(subject=strong_ref(subject), created_at=created_at)


def like_record(subject: dict[str, Any], created_at: str) -> Any:
    from atproto_client import models

    return models.AppBskyFeedLike.Record(subject=strong_ref(subject), created_at=created_at)


def repo_records(did: str, collection: str, records: list[tuple[int, Any]]) -> list[dict[str, Any]]:
    """listRecords items (newest first) for (tid number, SDK record model) pairs."""
    from atproto_client import models
    from atproto_client.models.utils import get_model_as_dict

    items = []
    for n, record in sorted(records, key=lambda pair: -pair[0]):
        item = models.ComAtprotoRepoListRecords.Record(
            uri=f"at://{did}/{collection}/{tid(n)}",
            cid="bafyreiemrl2yosvnipoqfmkhe2vycruczi3x5ja6iqibod4xjfsn343zuy",
            value=record,
        )
        items.append(get_model_as_dict(item))
    return items


@dataclass
class Atproto:
    """Routes for an AppView, a PDS and a PLC directory on one pytest-httpserver."""

    server: HTTPServer
    handles: dict[str, str] = field(default_factory=dict)
    feeds: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    repos: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    did_documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    page_size: int = 50
    feed_failures: dict[str, Response] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.server.expect_request(FEED).respond_with_handler(self._feed)
        self.server.expect_request(RESOLVE).respond_with_handler(self._resolve)
        self.server.expect_request(LIST_RECORDS).respond_with_handler(self._records)
        self.server.expect_request(re.compile(r"^/plc/")).respond_with_handler(self._did_document)

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def _did_document(self, request: Request) -> Response:
        document = self.did_documents.get(request.path.removeprefix("/plc/"))
        if document is None:
            return Response("DID not registered", status=404)
        return Response(json.dumps(document), content_type="application/json")

    def requests(self, path: str) -> list[Request]:
        return [request for request, _ in self.server.log if request.path == path]

    def _feed(self, request: Request) -> Response:
        actor = request.args.get("actor", "")
        if actor in self.feed_failures:
            return self.feed_failures[actor]
        pages = self.feeds.get(actor)
        if pages is None:
            return _xrpc_error(400, "InvalidRequest", "Profile not found")
        index = _page_index(request.args.get("cursor"))
        if index >= len(pages):
            return Response(json.dumps({"feed": []}), content_type="application/json")
        body = copy.deepcopy(pages[index])
        if index + 1 < len(pages):
            body["cursor"] = f"page-{index + 1}"
        else:
            body.pop("cursor", None)
        return Response(json.dumps(body), content_type="application/json")

    def _resolve(self, request: Request) -> Response:
        handle = request.args.get("handle", "")
        if handle not in self.handles:
            return _xrpc_error(400, "InvalidRequest", "Unable to resolve handle")
        return Response(json.dumps({"did": self.handles[handle]}), content_type="application/json")

    def _records(self, request: Request) -> Response:
        key = (request.args.get("repo", ""), request.args.get("collection", ""))
        records = self.repos.get(key, [])
        if not isinstance(records, list):  # a broken server
            return Response(json.dumps({"records": records}), content_type="application/json")
        limit = int(request.args.get("limit", "50"))
        start = _page_index(request.args.get("cursor"))
        body: dict[str, Any] = {"records": records[start : start + limit]}
        if start + limit < len(records):
            body["cursor"] = f"page-{start + limit}"
        return Response(json.dumps(body), content_type="application/json")


def _page_index(cursor: str | None) -> int:
    return int(cursor.removeprefix("page-")) if cursor else 0


def _xrpc_error(status: int, error: str, message: str) -> Response:
    return Response(
        json.dumps({"error": error, "message": message}),
        status=status,
        content_type="application/json",
    )
