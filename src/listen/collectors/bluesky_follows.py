"""Bluesky follows from the public AppView: `app.bsky.graph.getFollows` (100 a page, cursor)
and list members with `app.bsky.graph.getList` (an `at://…/app.bsky.graph.list/…` URI)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from listen.collectors.follows import FollowsPage, FollowsQuery
from listen.collectors.profile_parse import bluesky_profile, parsed_profiles
from listen.errors import FollowsHidden, SourceError, UnknownAccount
from listen.types import Profile

if TYPE_CHECKING:
    import httpx

    from listen.collectors.bluesky_xrpc import XrpcReply
    from listen.config import Config
    from listen.http import HttpSettings

PAGE_SIZE = 100  # the most getFollows and getList return at once
GONE_LABELS = frozenset({"!takedown", "!suspend"})
INVALID_HANDLE = "handle.invalid"  # what the AppView shows for an account whose handle broke


def is_gone(view: Any) -> bool:
    """A taken-down, suspended or broken account: counted, not imported."""
    if not isinstance(view, dict):
        return True
    labels = view["labels"] if isinstance(view.get("labels"), list) else []
    if any(isinstance(label, dict) and label.get("val") in GONE_LABELS for label in labels):
        return True
    return view.get("handle") == INVALID_HANDLE


def profiles_from_views(views: Any) -> tuple[list[Profile], int]:
    """Profiles from a list of profile views, and how many were gone or malformed."""
    return parsed_profiles(views, lambda v: None if is_gone(v) else bluesky_profile(v))


class BlueskyFollows:
    """Pages of whom a Bluesky account follows, or of a list's members; no login needed."""

    platform = "bluesky"

    def __init__(self, config: Config, client: httpx.Client, settings: HttpSettings) -> None:
        # Deferred: the atproto SDK takes a while to import.
        from listen.collectors.bluesky_xrpc import Xrpc

        self.appview = Xrpc(config.bluesky.base_url, client, settings)

    def resolve(self, query: FollowsQuery) -> tuple[FollowsQuery, int]:
        """The account's DID and follow count (`getProfile`), or the list's size (first page)."""
        if query.list_id:
            return query, 0
        reply = self._call(query, "app.bsky.actor.getProfile", actor=query.account)
        did, count = reply.body.get("did"), reply.body.get("followsCount")
        return FollowsQuery(
            query.platform,
            query.account,
            None,
            did if isinstance(did, str) else None,
            count if isinstance(count, int) else None,
        ), 1

    def page(self, query: FollowsQuery, cursor: str | None) -> FollowsPage:
        if query.list_id:
            reply = self._call(query, "app.bsky.graph.getList", list=query.list_id, cursor=cursor)
            items = reply.body.get("items")
            items = items if isinstance(items, list) else []
            views = [item.get("subject") for item in items if isinstance(item, dict)]
            listed = reply.body.get("list")
            total = listed.get("listItemCount") if isinstance(listed, dict) else None
        else:
            actor = query.account_id or query.account
            reply = self._call(query, "app.bsky.graph.getFollows", actor=actor, cursor=cursor)
            views = reply.body.get("follows") or []
            subject = reply.body.get("subject")
            total = query.expected_total
            if isinstance(subject, dict) and isinstance(subject.get("did"), str):
                query = FollowsQuery(query.platform, query.account, None, subject["did"])
        profiles, skipped = profiles_from_views(views)
        next_cursor = reply.body.get("cursor")
        has_more = isinstance(next_cursor, str) and next_cursor and bool(views)
        return FollowsPage(
            profiles=tuple(profiles),
            cursor=next_cursor if has_more else None,
            account_id=query.account_id,
            skipped=skipped,
            expected_total=total if isinstance(total, int) else None,
        )

    def _call(self, query: FollowsQuery, nsid: str, **params: Any) -> XrpcReply:
        """One XRPC query; an unknown actor or list and a block become input errors."""
        # Deferred with the SDK (see __init__).
        from atproto_client import models
        from pydantic import ValidationError

        model = {
            "app.bsky.graph.getList": models.AppBskyGraphGetList,
            "app.bsky.graph.getFollows": models.AppBskyGraphGetFollows,
            "app.bsky.actor.getProfile": models.AppBskyActorGetProfile,
        }[nsid]
        if nsid != "app.bsky.actor.getProfile":
            params["limit"] = PAGE_SIZE
        try:
            typed = model.Params(**params)
        except ValidationError:
            raise UnknownAccount("bluesky", query.label, "not a valid handle or list URI") from None
        try:
            reply = self.appview.sdk.invoke_query(nsid, params=typed)
        except SourceError as exc:
            reason = exc.reason.lower()
            if exc.status == 400 and "block" in reason:
                raise FollowsHidden(
                    f"bluesky {query.label}: blocked, follows not visible"
                ) from None
            if exc.status == 400 and ("not found" in reason or "could not find" in reason):
                raise UnknownAccount("bluesky", query.label) from None
            raise
        body = getattr(reply, "body", None)
        if not isinstance(body, dict):
            raise SourceError(nsid, "malformed response: expected a JSON object")
        return reply
