"""Blog collector: RSS, Atom and JSON Feed over HTTP with conditional GET."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from listen.collectors.blog_inbound import BlogInbound
from listen.collectors.comments import Me
from listen.collectors.feeds import parse_feed
from listen.collectors.html_page import looks_like_html, not_a_feed_reason
from listen.errors import SourceError
from listen.http import HttpSettings, fetch
from listen.types import CollectResult, Source

if TYPE_CHECKING:
    import httpx

    from listen.config import Config


ID_BASE_KEY = "id_base"  # source state: what post ids that are not URIs are scoped to


class BlogCollector:
    """Polls one feed URL; keeps ETag/Last-Modified so unchanged feeds cost a 304."""

    platform = "blog"

    def __init__(self, config: Config, client: httpx.Client, settings: HttpSettings) -> None:
        self.client = client
        self.settings = settings
        self.config = config

    def collect(self, source: Source) -> CollectResult:
        if source.kind == "inbound":  # comments on the user's own blog
            return self._inbound(source)
        state = dict(source.state)
        response = fetch(
            self.client,
            source.target,
            self.settings,
            etag=state.get("etag"),
            last_modified=state.get("last_modified"),
        )
        if response.status == 410:
            return CollectResult(
                state=state,
                disabled_reason="410 Gone: the feed was removed",
                bytes_received=len(response.content),
            )
        state.update(response.validators())
        if response.not_modified:
            return CollectResult(state=state, not_modified=True)
        if not response.content.strip():
            raise SourceError(source.target, "empty response body")
        if looks_like_html(response.content):
            raise SourceError(source.target, not_a_feed_reason(response.content, response.url))
        # Ids that are not URIs are scoped to the URL the feed was first polled at, which a
        # permanent redirect does not change (else every such post would come back as new).
        id_base = state.setdefault(ID_BASE_KEY, source.target)
        feed = parse_feed(
            response.content,
            response.url,
            response.headers.get("content-type", ""),
            id_base=id_base,
        )
        return CollectResult(
            posts=feed.posts,
            state=state,
            new_target=response.permanent_url,
            bytes_received=len(response.content),
        )

    def _inbound(self, source: Source) -> CollectResult:
        days = timedelta(days=self.config.collect.inbound_days)
        return BlogInbound(self.client, self.settings, Me.from_config(self.config), days).collect(
            source
        )
