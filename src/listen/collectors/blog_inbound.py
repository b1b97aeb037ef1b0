"""Comments on the user's own blog (source kind `inbound`, target = `me.feed`, else `me.site`).

The site's feed (found from the home page's `<link rel="alternate">` when `me.site` is a page)
lists the user's posts; each post of the last `collect.inbound_days` that advertises a comment
feed (`wfw:commentRss`) has it read with conditional GET, and every comment not written by the
user becomes a `comment` interaction on that post.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from listen.clock import utcnow
from listen.collectors.comments import FeedComment, Me, feed_comments
from listen.collectors.feeds import parse_feed
from listen.collectors.html_page import feed_links, looks_like_html
from listen.errors import SourceError
from listen.http import Fetched, HttpSettings, fetch
from listen.text import html_to_text
from listen.types import CollectResult, Interaction, Post, Source

if TYPE_CHECKING:
    from datetime import timedelta

    import httpx

GONE = {404, 410}


def comment_interaction(comment: FeedComment, post: Post) -> Interaction:
    """Someone's comment on one of the user's posts. Their site's host (from the comment's
    author link) is what joins them to a contact's blog; else their name."""
    site = comment.author_url if comment.author_url.startswith(("http://", "https://")) else ""
    host = (urlsplit(site).hostname or "").lower().removeprefix("www.") if site else ""
    return Interaction(
        platform="blog",
        kind="comment",
        actor_handle=site or comment.author,
        actor_id=host,
        our_post=post.id,
        their_post=comment.guid,
        created_at=comment.published,
        url=comment.link or None,
        text=html_to_text(comment.html, 5000),
        detected_by="comment-feed",
        actor_name=comment.author,
    )


class BlogInbound:
    """One poll of the user's own blog for comments by others."""

    def __init__(self, client: httpx.Client, settings: HttpSettings, me: Me, days: timedelta):
        self.client = client
        self.settings = settings
        self.me = me
        self.days = days

    def collect(self, source: Source) -> CollectResult:
        state = dict(source.state)
        validators: dict[str, Any] = dict(state.get("comment_feeds") or {})
        received = 0
        feed_url = str(state.get("feed_url") or source.target)
        response = self._get(feed_url, {})
        received += len(response.content)
        if looks_like_html(response.content):
            links = feed_links(response.content, response.url)
            if not links:
                raise SourceError(source.target, "your site links to no feed: set me.feed")
            feed_url = links[0]
            response = self._get(feed_url, {})
            received += len(response.content)
        state["feed_url"] = feed_url
        feed = parse_feed(response.content, response.url, response.headers.get("content-type", ""))
        oldest = utcnow() - self.days
        found: list[Interaction] = []
        watched: dict[str, Any] = {}
        for post in feed.posts:
            if not post.comment_feed_url or (post.created_at and post.created_at < oldest):
                continue
            url = post.comment_feed_url
            watched[url] = validators.get(url, {})
            comments = self._get(url, watched[url])
            received += len(comments.content)
            if comments.status in GONE or comments.not_modified:
                continue
            watched[url] = comments.validators()
            found += [
                comment_interaction(c, post)
                for c in feed_comments(comments.content, url)
                if not self.me.wrote(c.author, c.links)
            ]
        state["comment_feeds"] = watched
        return CollectResult(interactions=tuple(found), state=state, bytes_received=received)

    def _get(self, url: str, validators: dict[str, Any]) -> Fetched:
        return fetch(
            self.client,
            url,
            self.settings,
            etag=validators.get("etag"),
            last_modified=validators.get("last_modified"),
        )
