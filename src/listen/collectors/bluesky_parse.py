"""Pure functions: AppView feed items and repo records → `Post` and `Engagement` values.

Parsing goes through the atproto SDK's lexicon models; what the author wrote (the post
*record*) decides reply/quote targets, so a deleted or blocked parent or quoted post does not
hide the relation. One malformed item is skipped, never the whole page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from listen.clock import parse_iso
from listen.text import cap
from listen.types import MAX_TEXT_CHARS, Engagement, Post

log = logging.getLogger(__name__)

POST_COLLECTION = "app.bsky.feed.post"
REPOST_COLLECTION = "app.bsky.feed.repost"
LIKE_COLLECTION = "app.bsky.feed.like"
# The user's repo collections read for participation detection.
ACTIVITY_COLLECTIONS = (POST_COLLECTION, REPOST_COLLECTION, LIKE_COLLECTION)


@dataclass(frozen=True, slots=True)
class AtUri:
    """`at://<authority>/<collection>/<rkey>`."""

    authority: str
    collection: str
    rkey: str

    @classmethod
    def parse(cls, uri: str | None) -> AtUri | None:
        if not uri or not uri.startswith("at://"):
            return None
        parts = uri[len("at://") :].split("/")
        if len(parts) != 3 or not all(parts):
            return None
        return cls(*parts)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One author-feed item: the post, the key that identifies the item, and when it was made."""

    post: Post
    key: str
    sort_at: datetime | None


def post_url(uri: str | None, handle: str | None = None) -> str | None:
    """`https://bsky.app/profile/<handle-or-did>/post/<rkey>` for a post's at:// URI."""
    parts = AtUri.parse(uri)
    if parts is None or parts.collection != POST_COLLECTION:
        return None
    who = handle if handle and handle != "handle.invalid" else parts.authority
    return f"https://bsky.app/profile/{who}/post/{parts.rkey}"


def is_post_uri(uri: str | None) -> bool:
    parts = AtUri.parse(uri)
    return parts is not None and parts.collection == POST_COLLECTION


def parse_feed_item(raw: Any) -> FeedEntry | None:
    """An `app.bsky.feed.defs#feedViewPost` → a `FeedEntry`; None if it does not parse."""
    from atproto_client import models  # atproto's models: ~1 s, only when Bluesky is polled

    item = _model(raw, models.AppBskyFeedDefs.FeedViewPost)
    if item is None:
        return None
    view = item.post
    record = view.record
    if not isinstance(record, models.AppBskyFeedPost.Record):
        log.debug("skipping feed item %s: not a post record", view.uri)
        return None
    reply_to = record.reply.parent.uri if record.reply else None
    quote_of = _quoted_uri(record.embed)
    metrics = {
        "likes": view.like_count or 0,
        "reposts": view.repost_count or 0,
        "replies": view.reply_count or 0,
        "quotes": view.quote_count or 0,
    }
    created = parse_iso(record.created_at) or parse_iso(view.indexed_at)
    reason = item.reason
    if isinstance(reason, models.AppBskyFeedDefs.ReasonRepost):
        reposted_at = parse_iso(reason.indexed_at)
        repost_id = reason.uri or f"{view.uri}#repostedBy={reason.by.did}"
        post = Post(
            id=repost_id,
            platform="bluesky",
            url=post_url(view.uri, view.author.handle),
            author_handle=reason.by.handle,
            text=cap(record.text, MAX_TEXT_CHARS),
            created_at=reposted_at or created,
            reply_to=reply_to,
            quote_of=quote_of,
            repost_of=view.uri,
            metrics=metrics,
            raw_kind="repost",
        )
        return FeedEntry(post, repost_id, reposted_at)
    kind = "reply" if reply_to else "quote" if quote_of else "post"
    post = Post(
        id=view.uri,
        platform="bluesky",
        url=post_url(view.uri, view.author.handle),
        author_handle=view.author.handle,
        text=cap(record.text, MAX_TEXT_CHARS),
        created_at=created,
        reply_to=reply_to,
        quote_of=quote_of,
        metrics=metrics,
        raw_kind=kind,
    )
    return FeedEntry(post, view.uri, parse_iso(view.indexed_at) or created)


def engagements_from_record(
    collection: str, raw: Any, *, own_did: str, own_handle: str = ""
) -> list[Engagement]:
    """One of the user's repo records (`listRecords` item) → what it says they did.

    A reply → "reply" on the parent, a quote → "quote" on the quoted post, a repost →
    "repost", a like → "like". Ids are the record's at:// URI, so re-reads are idempotent.
    Replies to and quotes of the user's own posts (threads) are not participation.
    """
    if not isinstance(raw, dict) or not isinstance(raw.get("uri"), str):
        return []
    reading = _read_record(collection, raw, own_handle)
    if reading is None:
        return []
    engaged_at = parse_iso(reading.created)
    result = []
    for engagement_id, kind, target in reading.targets:
        target_parts = AtUri.parse(target)
        if target_parts is None or target_parts.collection != POST_COLLECTION:
            continue
        if target_parts.authority == own_did:
            continue
        result.append(
            Engagement(
                id=engagement_id,
                post_id=target,
                platform="bluesky",
                kind=kind,
                engaged_at=engaged_at,
                detected_by="api",
                url=reading.url or post_url(target),
                text=reading.text,
            )
        )
    return result


@dataclass(frozen=True, slots=True)
class _RecordReading:
    """What one of the user's records points at: (engagement id, kind, target post uri)."""

    targets: tuple[tuple[str, str, str], ...]
    created: str | None
    text: str = ""
    url: str | None = None


def _read_record(collection: str, raw: dict[str, Any], own_handle: str) -> _RecordReading | None:
    """A post (reply, quote), repost or like record's targets; None for anything else."""
    from atproto_client import models  # pydantic models: only when the user's repo is read

    uri: str = raw["uri"]
    if collection == POST_COLLECTION:
        post = _model(raw.get("value"), models.AppBskyFeedPost.Record)
        if post is None:
            return None
        found = []
        if post.reply:
            found.append((uri, "reply", post.reply.parent.uri))
        quoted = _quoted_uri(post.embed)
        if quoted:
            found.append((uri if not post.reply else f"{uri}#quote", "quote", quoted))
        text = cap(post.text, MAX_TEXT_CHARS)
        return _RecordReading(tuple(found), post.created_at, text, post_url(uri, own_handle))
    if collection in (REPOST_COLLECTION, LIKE_COLLECTION):
        reposted = collection == REPOST_COLLECTION
        model = models.AppBskyFeedRepost.Record if reposted else models.AppBskyFeedLike.Record
        record = _model(raw.get("value"), model)
        if record is None:
            return None
        kind = "repost" if reposted else "like"
        return _RecordReading(((uri, kind, record.subject.uri),), record.created_at)
    return None


def _quoted_uri(embed: Any) -> str | None:
    """The post a record embeds (a quote), from a record or record-with-media embed."""
    from atproto_client import models  # atproto's models: ~1 s, only when Bluesky is polled

    if isinstance(embed, models.AppBskyEmbedRecord.Main):
        uri = embed.record.uri
    elif isinstance(embed, models.AppBskyEmbedRecordWithMedia.Main):
        uri = embed.record.record.uri
    else:
        return None
    return uri if is_post_uri(uri) else None


def _model(raw: Any, model: Any) -> Any:
    """`raw` validated as the SDK model `model`, or None (logged) if it does not fit."""
    # atproto's models: ~1 s, only when Bluesky is polled
    from atproto_client.exceptions import ModelError
    from atproto_client.models.utils import get_or_create
    from pydantic import ValidationError  # pydantic (atproto's models): only when Bluesky is polled

    if not isinstance(raw, dict):
        return None
    try:
        return get_or_create(raw, model, strict=True)
    except (ModelError, ValidationError, TypeError, ValueError) as exc:
        log.debug("skipping malformed %s: %s", getattr(model, "__name__", model), exc)
        return None
