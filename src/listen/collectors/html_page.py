"""A blog's home page given instead of its feed: recognise it and name the feeds it links."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

FEED_TYPES = {
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
}


def looks_like_html(content: bytes) -> bool:
    """True for an HTML page. By how it starts, not by Content-Type: some servers send real
    feeds as text/html."""
    head = content[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html"))


class _FeedLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: (value or "") for name, value in attrs}
        rel = values.get("rel", "").lower().split()
        is_feed = values.get("type", "").lower() in FEED_TYPES
        if tag == "link" and "alternate" in rel and is_feed and values.get("href"):
            self.hrefs.append(values["href"])


def feed_links(content: bytes, base_url: str, limit: int = 3) -> list[str]:
    """The http(s) feed URLs a page announces with <link rel="alternate">, at most `limit`."""
    parser = _FeedLinks()
    try:
        parser.feed(content[:200_000].decode("utf-8", errors="replace"))
    except Exception:  # HTMLParser on hostile markup: a hint is optional, never fatal
        return []
    urls = [urljoin(base_url, href.strip()) for href in parser.hrefs]
    return [u for u in dict.fromkeys(urls) if u.startswith(("http://", "https://"))][:limit]


def not_a_feed_reason(content: bytes, base_url: str) -> str:
    """What to tell the user when a blog source is an HTML page."""
    links = feed_links(content, base_url)
    if links:
        return f"an HTML page, not a feed; it links to the feed {' or '.join(links)}"
    return "an HTML page, not a feed; give the blog's RSS, Atom or JSON Feed URL"
