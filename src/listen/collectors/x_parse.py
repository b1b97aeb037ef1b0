"""X API v2 payloads → `Post` and `Engagement` values (pure functions, no I/O).

Tested on real recorded responses (tests/data/twitter/). Every field is optional in practice:
anything missing or of the wrong type is skipped, never a crash.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from listen.clock import parse_iso
from listen.text import cap
from listen.types import MAX_TEXT_CHARS, Engagement, Post

# referenced_tweets[].type → (Post field, raw kind, engagement kind)
REFERENCE_KINDS = {
    "replied_to": ("reply_to", "reply", "reply"),
    "quoted": ("quote_of", "quote", "quote"),
    "retweeted": ("repost_of", "repost", "repost"),
}
# A tweet that both replies and quotes is a reply; a retweet references only what it reposts.
_KIND_PRECEDENCE = ("repost", "reply", "quote")

TWEET_FIELDS = [
    "created_at",
    "referenced_tweets",
    "conversation_id",
    "in_reply_to_user_id",
    "public_metrics",
    "author_id",
]
EXPANSIONS = ["author_id"]
USER_FIELDS = ["username"]


@dataclass(frozen=True, slots=True)
class TweetPage:
    """One page of a tweet list: the tweets plus what paging needs."""

    posts: tuple[Post, ...]
    newest_id: str | None
    next_token: str | None
    oldest_id: str | None = None


def tweet_url(username: str | None, tweet_id: str) -> str:
    """The public link of a tweet; X redirects /i/status/ when the username is unknown."""
    return f"https://x.com/{username or 'i'}/status/{tweet_id}"


def parse_user_id(payload: Any) -> str | None:
    """The user id from a /2/users/by/username/:username response, or None if absent."""
    data = payload.get("data") if isinstance(payload, dict) else None
    if isinstance(data, dict) and isinstance(data.get("id"), str) and data["id"].isdigit():
        return data["id"]
    return None


def parse_tweet_page(payload: Any, *, fallback_username: str | None = None) -> TweetPage:
    """A page of tweets (user timeline, liked tweets) as posts, newest first as X sends them."""
    if not isinstance(payload, dict):
        return TweetPage((), None, None)
    usernames = _usernames(payload.get("includes"))
    posts = []
    raw = payload.get("data")
    for item in raw if isinstance(raw, list) else []:
        post = parse_tweet(item, usernames, fallback_username)
        if post is not None:
            posts.append(post)
    meta = payload.get("meta")
    if not isinstance(meta, dict):
        meta = {}
    newest = meta.get("newest_id") if isinstance(meta.get("newest_id"), str) else None
    if newest is None and posts:
        newest = max((p.id for p in posts), key=_id_order)
    oldest = meta.get("oldest_id") if isinstance(meta.get("oldest_id"), str) else None
    if oldest is None and posts:
        oldest = min((p.id for p in posts), key=_id_order)
    token = meta.get("next_token")
    next_token = token if isinstance(token, str) and token else None
    return TweetPage(tuple(posts), newest, next_token, oldest)


def parse_tweet(
    item: Any, usernames: dict[str, str], fallback_username: str | None = None
) -> Post | None:
    """One v2 tweet object → Post; None when it has no usable id."""
    if not isinstance(item, dict):
        return None
    tweet_id = item.get("id")
    if not isinstance(tweet_id, str) or not tweet_id.isdigit():
        return None
    author_id = item.get("author_id")
    username = usernames.get(author_id) if isinstance(author_id, str) else None
    username = username or fallback_username
    references = referenced(item)
    fields: dict[str, str] = {}
    kinds = set()
    for ref_type, ref_id in references:
        field, raw_kind, _ = REFERENCE_KINDS[ref_type]
        fields.setdefault(field, ref_id)
        kinds.add(raw_kind)
    raw_kind = next((k for k in _KIND_PRECEDENCE if k in kinds), "post")
    text = item.get("text")
    created = item.get("created_at")
    return Post(
        id=tweet_id,
        platform="x",
        url=tweet_url(username, tweet_id),
        author_handle=username,
        # X sends &amp; &lt; &gt; escaped in `text`.
        text=cap(html.unescape(text), MAX_TEXT_CHARS) if isinstance(text, str) else "",
        created_at=parse_iso(created) if isinstance(created, str) else None,
        reply_to=fields.get("reply_to"),
        quote_of=fields.get("quote_of"),
        repost_of=fields.get("repost_of"),
        metrics=_metrics(item.get("public_metrics")),
        raw_kind=raw_kind,
    )


def referenced(item: dict[str, Any]) -> list[tuple[str, str]]:
    """(type, id) of each referenced tweet with a known type."""
    refs = item.get("referenced_tweets")
    found = []
    for ref in refs if isinstance(refs, list) else []:
        if not isinstance(ref, dict):
            continue
        ref_type, ref_id = ref.get("type"), ref.get("id")
        if ref_type in REFERENCE_KINDS and isinstance(ref_id, str) and ref_id.isdigit():
            found.append((ref_type, ref_id))
    return found


def own_engagements(posts: tuple[Post, ...] | list[Post]) -> list[Engagement]:
    """The user's own replies, quotes and retweets → engagements on the tweets they reference.

    Ids are stable (`x:<kind>:<own tweet id>`), so re-reading a timeline records nothing twice.
    """
    found = []
    for post in posts:
        for target, kind in (
            (post.reply_to, "reply"),
            (post.quote_of, "quote"),
            (post.repost_of, "repost"),
        ):
            if target:
                found.append(
                    Engagement(
                        id=f"x:{kind}:{post.id}",
                        post_id=target,
                        platform="x",
                        kind=kind,
                        engaged_at=post.created_at,
                        url=post.url,
                        text="" if kind == "repost" else post.text,
                    )
                )
    return found


def like_engagements(posts: tuple[Post, ...] | list[Post]) -> list[Engagement]:
    """Liked tweets → `like` engagements (X does not say when the like happened)."""
    return [
        Engagement(id=f"x:like:{post.id}", post_id=post.id, platform="x", kind="like", url=post.url)
        for post in posts
    ]


def _usernames(includes: Any) -> dict[str, str]:
    users = includes.get("users") if isinstance(includes, dict) else None
    found = {}
    for user in users if isinstance(users, list) else []:
        if isinstance(user, dict):
            user_id, username = user.get("id"), user.get("username")
            if isinstance(user_id, str) and isinstance(username, str):
                found[user_id] = username
    return found


def _metrics(raw: Any) -> dict[str, int]:
    if not isinstance(raw, dict):
        return {}
    return {k: v for k, v in raw.items() if isinstance(k, str) and isinstance(v, int) and v >= 0}


def _id_order(tweet_id: str) -> tuple[int, str]:
    return (len(tweet_id), tweet_id)


def older_id(a: str | None, b: str | None) -> str | None:
    """The smaller of two tweet ids; None-safe."""
    return min(a, b, key=_id_order) if a and b else a or b


def newer_id(a: str | None, b: str | None) -> str | None:
    """The larger of two tweet ids (ids grow with time); None-safe."""
    return max(a, b, key=_id_order) if a and b else a or b
