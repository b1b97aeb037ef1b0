"""Comment-feed collector: finds the user's own comments on a contact's blog post.

A WordPress post advertises its comment feed (`wfw:commentRss`); polling it with conditional
GET shows who commented. A comment whose author is one of `me.name` / `me.comment_names`, or
whose link, author link or body links to `me.site` (a pingback from the user's blog), becomes a
`comment` engagement on the post the source watches.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from listen.collectors.feeds import entry_text, parse_feed
from listen.errors import SourceError
from listen.http import HttpSettings, fetch
from listen.types import CollectResult, Engagement, Source

if TYPE_CHECKING:
    import httpx

    from listen.config import Config

_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Me:
    """How to recognise the user in a comment feed."""

    names: frozenset[str]
    site: str  # normalised host + path prefix, "" when unset

    @classmethod
    def from_config(cls, config: Config) -> Me:
        names = {_fold(n) for n in [config.me.name, *config.me.comment_names] if n.strip()}
        return cls(frozenset(names), _site_key(config.me.site))

    def wrote(self, author: str, links: list[str]) -> bool:
        if author and _fold(author) in self.names:
            return True
        return bool(self.site) and any(_within(_site_key(link), self.site) for link in links)


class CommentFeedCollector:
    """Polls one post's comment feed (source kind `comments`) for the user's comments."""

    platform = "blog"

    def __init__(self, config: Config, client: httpx.Client, settings: HttpSettings) -> None:
        self.client = client
        self.settings = settings
        self.me = Me.from_config(config)

    def collect(self, source: Source) -> CollectResult:
        if not source.post_id:
            raise SourceError(source.target, "comment source without a post")
        state = dict(source.state)
        response = fetch(
            self.client,
            source.target,
            self.settings,
            etag=state.get("etag"),
            last_modified=state.get("last_modified"),
        )
        if response.status in (404, 410):
            return CollectResult(
                state=state,
                disabled_reason=f"{response.status}: the comment feed is gone",
                bytes_received=len(response.content),
            )
        state.update(response.validators())
        if response.not_modified:
            return CollectResult(state=state, not_modified=True)
        engagements = find_my_comments(
            response.content,
            source.target,
            source.post_id,
            self.me,
            response.headers.get("content-type", ""),
        )
        return CollectResult(
            engagements=tuple(engagements),
            state=state,
            new_target=response.permanent_url,
            bytes_received=len(response.content),
        )


@dataclass(frozen=True, slots=True)
class FeedComment:
    """One comment of a comment feed, as plain values."""

    guid: str
    author: str
    author_url: str
    link: str
    published: datetime | None
    html: str
    text: str

    @property
    def links(self) -> list[str]:
        """Every link the comment carries: its own, its author's, and those in its body."""
        return [x for x in (self.link, self.author_url, *_HREF.findall(self.html)) if x]


def feed_comments(content: bytes, url: str, content_type: str = "") -> list[FeedComment]:
    """The comments in a comment feed (RSS, Atom or JSON Feed), through the one feed parser.
    Pure; a feed that does not parse is a `SourceError`."""
    return [
        FeedComment(
            guid=entry.id or entry.link or hashlib.sha1(entry.body.encode()).hexdigest(),
            author=entry.author or "",
            author_url=entry.author_url or "",
            link=entry.link or "",
            published=entry.created,
            html=entry.body,
            text=entry_text(entry, 5000),
        )
        for entry in parse_feed(content, url, content_type).entries
    ]


def find_my_comments(
    content: bytes, url: str, post_id: str, me: Me, content_type: str = ""
) -> list[Engagement]:
    """The comments in a comment feed that the user wrote. Pure."""
    return [
        Engagement(
            id=f"comment-feed:{c.guid}"[:2000],
            post_id=post_id,
            platform="blog",
            kind="comment",
            engaged_at=c.published,
            detected_by="comment-feed",
            url=c.link or None,
            text=c.text,
        )
        for c in feed_comments(content, url, content_type)
        if me.wrote(c.author, c.links)
    ]


def _site_key(url: str) -> str:
    """`https://www.Example.com/blog/` → `example.com/blog`: compare sites, not spellings."""
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url if "://" in url else f"https://{url}")
    host = (parts.hostname or "").lower().removeprefix("www.")
    return host + parts.path.rstrip("/") if host else ""


def _within(key: str, site: str) -> bool:
    return key == site or key.startswith(site + "/")


def _fold(name: str) -> str:
    return " ".join(name.casefold().split())
