"""The atproto SDK's XRPC client, sending through listen's shared, size-capped `fetch`.

The SDK builds the XRPC URLs and serialises the lexicon's parameter models; the requests go
through `listen.http.fetch`, so timeouts, the size cap, error mapping and 429 → `RateLimited`
are the same as every other collector's. Imported lazily: the SDK is slow to import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from atproto_client import Client, models
from atproto_client.request import Request, RequestBase, Response

from listen.errors import AuthError, SourceError
from listen.http import HttpSettings, check_status, fetch


@dataclass
class XrpcReply(Response):
    """The SDK's response record plus the body size, for the run's byte count."""

    size: int = 0
    url: str = ""
    body: dict[str, Any] = field(default_factory=dict)


class ListenRequest(Request):
    """An SDK `Request` whose GETs are `listen.http.fetch` calls on the shared client."""

    def __init__(self, http: httpx.Client, settings: HttpSettings) -> None:
        RequestBase.__init__(self)  # no private httpx client: the shared one is used
        self._http = http
        self._settings = settings

    def _new_instance(self) -> ListenRequest:
        return type(self)(self._http, self._settings)

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        # listen's own User-Agent (set on the shared client) wins over the SDK's.
        return {k: v for k, v in self.get_headers(headers).items() if k.lower() != "user-agent"}

    def get(self, url: str, params: dict[str, Any] | None = None, **kwargs: Any) -> XrpcReply:
        headers = self._headers(kwargs.get("headers"))
        fetched = fetch(self._http, url, self._settings, headers=headers, params=params)
        body = json_object(url, fetched.content)
        received = {k.lower(): v for k, v in fetched.headers.items()}
        return XrpcReply(True, fetched.status, body, received, len(fetched.content), url, body)

    def post(self, url: str, content: Any = None, **kwargs: Any) -> XrpcReply:
        """Only `createSession` (optional login) posts; its answer is small."""
        try:
            headers = self._headers(kwargs.get("headers"))
            response = self._http.post(url, content=content, headers=headers)
        except httpx.HTTPError as exc:
            raise SourceError(url, f"HTTP failure: {type(exc).__name__}") from None
        if len(response.content) > self._settings.max_response_bytes:
            raise SourceError(url, "response too large")
        received = {k.lower(): v for k, v in response.headers.items()}
        if response.status_code in (400, 401):
            raise AuthError(url, f"login refused (HTTP {response.status_code})")
        check_status(url, response.status_code, received, response.content)
        body = json_object(url, response.content)
        size = len(response.content)
        return XrpcReply(True, response.status_code, body, received, size, url, body)

    def close(self) -> None:
        return None


def json_object(url: str, content: bytes) -> dict[str, Any]:
    """The body as a JSON object, or a `SourceError` naming what was wrong."""
    try:
        value = json.loads(content)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(url, f"malformed JSON: {exc}") from None
    if not isinstance(value, dict):
        raise SourceError(url, "malformed response: expected a JSON object")
    return value


class Xrpc:
    """Typed calls to one XRPC host (the AppView or a PDS)."""

    def __init__(self, base_url: str, http: httpx.Client, settings: HttpSettings) -> None:
        self.base_url = base_url
        self.sdk = Client(base_url=base_url, request=ListenRequest(http, settings))

    def _query(self, nsid: str, params: Any) -> XrpcReply:
        reply = self.sdk.invoke_query(nsid, params=params)
        assert isinstance(reply, XrpcReply)
        return reply

    def resolve_handle(self, handle: str) -> XrpcReply:
        params = models.ComAtprotoIdentityResolveHandle.Params(handle=handle)
        return self._query("com.atproto.identity.resolveHandle", params)

    def author_feed(self, actor: str, limit: int, cursor: str | None) -> XrpcReply:
        params = models.AppBskyFeedGetAuthorFeed.Params(
            actor=actor, limit=limit, cursor=cursor, filter="posts_with_replies"
        )
        return self._query("app.bsky.feed.getAuthorFeed", params)

    def list_records(self, repo: str, collection: str, limit: int, cursor: str | None) -> XrpcReply:
        params = models.ComAtprotoRepoListRecords.Params(
            repo=repo, collection=collection, limit=limit, cursor=cursor
        )
        return self._query("com.atproto.repo.listRecords", params)

    def list_notifications(self, limit: int, cursor: str | None) -> XrpcReply:
        params = models.AppBskyNotificationListNotifications.Params(limit=limit, cursor=cursor)
        return self._query("app.bsky.notification.listNotifications", params)

    def likes(self, uri: str, limit: int, cursor: str | None) -> XrpcReply:
        params = models.AppBskyFeedGetLikes.Params(uri=uri, limit=limit, cursor=cursor)
        return self._query("app.bsky.feed.getLikes", params)

    def reposted_by(self, uri: str, limit: int, cursor: str | None) -> XrpcReply:
        params = models.AppBskyFeedGetRepostedBy.Params(uri=uri, limit=limit, cursor=cursor)
        return self._query("app.bsky.feed.getRepostedBy", params)

    def quotes(self, uri: str, limit: int, cursor: str | None) -> XrpcReply:
        params = models.AppBskyFeedGetQuotes.Params(uri=uri, limit=limit, cursor=cursor)
        return self._query("app.bsky.feed.getQuotes", params)

    def post_thread(self, uri: str) -> XrpcReply:
        """The post and its direct replies (depth 1), no parents."""
        params = models.AppBskyFeedGetPostThread.Params(uri=uri, depth=1, parent_height=0)
        return self._query("app.bsky.feed.getPostThread", params)

    def login(self, handle: str, password: str) -> None:
        """Log in with an app password; later calls carry the session (the SDK refreshes it)
        and go to the account's PDS, named in the session's DID document."""
        self.sdk.login(handle, password, fetch_bsky_profile=False)


def pds_endpoint(did_document: dict[str, Any]) -> str | None:
    """The `#atproto_pds` service endpoint of a DID document, or None."""
    # atproto's models: ~1 s, only when Bluesky is polled
    from atproto_core.did_doc import DidDocument
    from pydantic import ValidationError  # pydantic (atproto's models): only when Bluesky is polled

    try:
        return DidDocument.from_dict(did_document).get_pds_endpoint()
    except (ValidationError, ValueError, TypeError):
        return None
