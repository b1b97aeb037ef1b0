"""What people do with the user's Bluesky posts (source kind `inbound`, target = own handle).

With an app password, `app.bsky.notification.listNotifications` on the user's PDS (the only
host the session's token goes to): likes, reposts, replies, mentions, quotes and follows,
newest first, read until the newest one seen before. Without one (or when the PDS says 401),
the public AppView: the user's own posts of the last `collect.inbound_days` from their author
feed, and for each whose counts changed since the last poll, `getLikes`, `getRepostedBy`,
`getPostThread` (replies) and `getQuotes`. Both paths describe an interaction the same way
(`Interaction.dedupe_key`), so one seen by both is stored once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from listen.clock import parse_iso, to_iso, utcnow
from listen.collectors.bluesky_parse import POST_COLLECTION, AtUri, post_url
from listen.errors import AuthError, SourceError
from listen.text import cap
from listen.types import Interaction

if TYPE_CHECKING:
    from listen.collectors.bluesky_xrpc import Xrpc, XrpcReply

log = logging.getLogger(__name__)

REASONS = {"like": "like", "repost": "repost", "reply": "reply", "mention": "mention",
           "quote": "quote", "follow": "follow"}  # fmt: skip
LISTINGS = ("like", "repost", "reply", "quote")  # the counts a post view carries, in this order
COUNT_FIELDS = ("likeCount", "repostCount", "replyCount", "quoteCount")
GONE = {400, 404}  # a deleted or blocked post's listings: skip it, keep the poll


class Meter(Protocol):
    """Counts a poll's requests and minds each host's rate-limit budget."""

    def add(self, reply: XrpcReply, host: str) -> XrpcReply: ...

    def check_budget(self, host: str) -> None: ...


def _obj(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty one (a malformed field is skipped)."""
    return value if isinstance(value, dict) else {}


def _cursor(body: dict[str, Any]) -> str | None:
    cursor = body.get("cursor")
    return cursor if isinstance(cursor, str) and cursor else None


def _author(raw: dict[str, Any]) -> tuple[str, str, str]:
    author = _obj(raw.get("author")) if "author" in raw else raw
    handle = str(author.get("handle") or "")
    return (
        "" if handle == "handle.invalid" else handle,
        str(author.get("did") or ""),
        str(author.get("displayName") or ""),
    )


def _text(record: Any) -> str:
    return cap(str(record.get("text") or ""), 2000) if isinstance(record, dict) else ""


def _subject_of(reason: str, raw: dict[str, Any]) -> str | None:
    """Which of the user's posts a notification is about."""
    record = _obj(raw.get("record"))
    subject = raw.get("reasonSubject")
    if reason == "reply":
        parent = _obj(_obj(record.get("reply")).get("parent"))
        return str(parent.get("uri") or subject or "") or None
    if reason == "quote" and not subject:
        return str(_obj(_obj(record.get("embed")).get("record")).get("uri") or "") or None
    return str(subject) if subject else None


def notification_interaction(raw: Any) -> Interaction | None:
    """One `listNotifications` item → an `Interaction`; None for other reasons or bad items."""
    if not isinstance(raw, dict):
        return None
    kind = REASONS.get(str(raw.get("reason")))
    handle, did, name = _author(raw)
    if kind is None or not (handle or did):
        return None
    record = _obj(raw.get("record"))
    makes_post = kind in ("reply", "mention", "quote")
    uri = str(raw.get("uri") or "")
    return Interaction(
        platform="bluesky",
        kind=kind,
        actor_handle=handle,
        actor_id=did,
        our_post=None if kind == "follow" else _subject_of(kind, raw),
        their_post=uri if makes_post else None,
        created_at=parse_iso(record.get("createdAt")) or parse_iso(raw.get("indexedAt")),
        url=post_url(uri, handle) if makes_post else post_url(_subject_of(kind, raw)),
        text=_text(record) if makes_post else "",
        detected_by="notification",
        actor_name=name,
    )


def listing_interactions(
    kind: str, body: dict[str, Any], our_post: str, own_did: str
) -> list[Interaction]:
    """A public listing of one of the user's posts (`getLikes`, `getRepostedBy`,
    `getPostThread`, `getQuotes`) → interactions; the user's own replies are left out."""
    items: list[tuple[dict[str, Any], Any, dict[str, Any]]]
    if kind == "like":
        items = [(_obj(x.get("actor")), x.get("createdAt"), {}) for x in _dicts(body.get("likes"))]
    elif kind == "repost":
        items = [(x, None, {}) for x in _dicts(body.get("repostedBy"))]
    elif kind == "quote":
        items = [(_obj(p.get("author")), None, p) for p in _dicts(body.get("posts"))]
    else:
        replies = [r.get("post") for r in _dicts(_obj(body.get("thread")).get("replies"))]
        items = [(_obj(p.get("author")), None, p) for p in _dicts(replies)]
    found = []
    for actor, at, post in items:
        handle, did, name = _author(actor)
        if not (handle or did) or did == own_did:
            continue
        record = _obj(post.get("record"))
        their = str(post.get("uri") or "") or None
        found.append(
            Interaction("bluesky", kind, handle, did, our_post, their,
                        parse_iso(at) or parse_iso(record.get("createdAt")),
                        post_url(their, handle) if their else post_url(our_post),
                        _text(record), detected_by="public", actor_name=name)
        )  # fmt: skip
    return found


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


class InboundReader:
    """One inbound poll: notifications when a session is given, else the public listings."""

    def __init__(self, meter: Meter, page_limit: int, max_pages: int, inbound_days: int) -> None:
        self.meter = meter
        self.page_limit = page_limit
        self.max_pages = max(1, max_pages)
        self.inbound_days = inbound_days

    def notifications(self, session: Xrpc, state: dict[str, Any]) -> list[Interaction]:
        """New notifications, newest first, until one seen before (or the page cap)."""
        newest_seen = parse_iso(state.get("notifications_newest"))
        found: list[Interaction] = []
        newest: datetime | None = None
        cursor: str | None = None
        for _page in range(self.max_pages):
            self.meter.check_budget(session.base_url)
            reply = self.meter.add(
                session.list_notifications(self.page_limit, cursor), session.base_url
            )
            items = _dicts(reply.body.get("notifications"))
            reached = False
            for raw in items:
                seen_at = parse_iso(raw.get("indexedAt"))
                if newest_seen and seen_at and seen_at <= newest_seen:
                    reached = True
                    continue
                newest = max(filter(None, (newest, seen_at)), default=None)
                if (interaction := notification_interaction(raw)) is not None:
                    found.append(interaction)
            cursor = _cursor(reply.body)
            if reached or not items or not cursor:
                break
        if newest is not None:
            state["notifications_newest"] = to_iso(max(filter(None, (newest, newest_seen))))
        return found

    def public(self, appview: Xrpc, did: str, state: dict[str, Any]) -> list[Interaction]:
        """For each recent own post whose counts moved, the listings that moved."""
        before = _obj(state.get("counts"))
        counts: dict[str, list[int]] = {}
        found: list[Interaction] = []
        for view in self._own_posts(appview, did):
            uri = str(view["uri"])
            now_counts = [int(view.get(f) or 0) for f in COUNT_FIELDS]
            counts[uri] = now_counts
            old = before.get(uri)
            seen_counts = (
                [int(n) for n in old if isinstance(n, int)] if isinstance(old, list) else []
            )
            seen_counts += [0] * len(LISTINGS)
            for kind, new, seen in zip(LISTINGS, now_counts, seen_counts, strict=False):
                if new > seen:
                    found.extend(self._listing(appview, kind, uri, did))
        state["counts"] = counts
        return found

    def _own_posts(self, appview: Xrpc, did: str) -> Iterator[dict[str, Any]]:
        """The user's own posts (not reposts) created in the last `inbound_days`."""
        oldest = utcnow() - timedelta(days=self.inbound_days)
        cursor: str | None = None
        for _page in range(self.max_pages):
            reply = self.meter.add(
                appview.author_feed(did, self.page_limit, cursor), appview.base_url
            )
            feed = _dicts(reply.body.get("feed"))
            older = False
            for item in feed:
                view = _obj(item.get("post"))
                record = _obj(view.get("record"))
                created = parse_iso(record.get("createdAt")) or parse_iso(view.get("indexedAt"))
                if created is not None and created < oldest:
                    older = True
                    continue
                parts = AtUri.parse(view.get("uri"))
                if parts is None or parts.authority != did or "reason" in item:
                    continue  # someone else's post, or the user's repost of it
                if parts.collection == POST_COLLECTION:
                    yield view
            cursor = _cursor(reply.body)
            if older or not feed or not cursor:
                return

    def _listing(self, appview: Xrpc, kind: str, uri: str, did: str) -> list[Interaction]:
        calls: dict[str, Callable[[str | None], XrpcReply]] = {
            "like": lambda c: appview.likes(uri, self.page_limit, c),
            "repost": lambda c: appview.reposted_by(uri, self.page_limit, c),
            "quote": lambda c: appview.quotes(uri, self.page_limit, c),
            "reply": lambda c: appview.post_thread(uri),
        }
        found: list[Interaction] = []
        cursor: str | None = None
        for _page in range(self.max_pages):
            try:
                reply = self.meter.add(calls[kind](cursor), appview.base_url)
            except SourceError as exc:
                if exc.status not in GONE or isinstance(exc, AuthError):
                    raise
                log.info("bluesky: skipping the %ss of %s: %s", kind, uri, exc.reason)
                return found
            found.extend(listing_interactions(kind, reply.body, uri, did))
            cursor = _cursor(reply.body)
            if kind == "reply" or not cursor:
                break
        return found
