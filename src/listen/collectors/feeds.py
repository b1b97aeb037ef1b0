"""Feed bytes → entries and `Post` values: the one feed parser every collector calls.

RSS/Atom go through the fast path (`fastfeed`) or feedparser, JSON Feed is read by hand; all
three give the same `EntryData` records. Pure functions (no I/O), so they are tested directly
on the real recorded feeds.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from listen.clock import parse_iso
from listen.collectors.fastfeed import EntryData, FeedData, parse_simple_feed
from listen.errors import SourceError
from listen.text import cap, html_to_text
from listen.types import MAX_TEXT_CHARS, MAX_TITLE_CHARS, Post

JSONFEED_VERSION_PREFIX = "https://jsonfeed.org/version/"


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed's title, its entries and the same entries as posts (one each, in order).

    RSS/Atom entries with nothing to read or open (no title, body or link) are left out."""

    title: str
    link: str | None
    posts: tuple[Post, ...]
    format: str  # rss20, atom10, json1.1, ...
    entries: tuple[EntryData, ...]


def parse_feed(
    content: bytes, url: str, content_type: str = "", *, id_base: str | None = None
) -> ParsedFeed:
    """Parse feed bytes; raise `SourceError` when nothing usable is in them.

    Every feed listen reads (blogs, Mastodon's RSS, comment feeds) comes through here, so all
    get the same entity refusal, fast path and feedparser fallback.

    `url` is where the bytes came from (relative links resolve against it); `id_base` scopes
    item ids that are not URIs (`id_base#guid`), default `url`. A collector passes the URL the
    feed was subscribed under, so ids survive a permanent redirect.
    """
    if looks_like_json_feed(content, content_type):
        return parse_json_feed(content, url, id_base=id_base)
    return parse_xml_feed(content, url, id_base=id_base)


def looks_like_json_feed(content: bytes, content_type: str = "") -> bool:
    """JSON Feed is recognised by content type or by a leading `{`."""
    if "json" in content_type.lower():
        return True
    head = content[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{")


def parse_json_feed(content: bytes, url: str, *, id_base: str | None = None) -> ParsedFeed:
    """Map a JSON Feed 1.0/1.1 document to posts."""
    try:
        document = json.loads(content.decode("utf-8-sig", errors="replace"))
    except (json.JSONDecodeError, RecursionError) as exc:
        raise SourceError(url, f"malformed JSON Feed: {exc}") from None
    if not isinstance(document, dict) or not str(document.get("version", "")).startswith(
        JSONFEED_VERSION_PREFIX
    ):
        raise SourceError(url, "JSON document is not a JSON Feed (no jsonfeed.org version)")
    items = document.get("items")
    if not isinstance(items, list):
        raise SourceError(url, "malformed JSON Feed: 'items' is not a list")
    feed_author = _json_author(document)[0]
    entries = tuple(_json_entry(item, url) for item in items if isinstance(item, dict))
    version = str(document["version"]).rsplit("/", 1)[-1]
    return ParsedFeed(
        title=_str(document.get("title")),
        link=_str(document.get("home_page_url")) or None,
        posts=tuple(_entry_post(url, e, feed_author, id_base) for e in entries),
        format=f"json{version}",
        entries=entries,
    )


def _json_entry(item: dict[str, Any], url: str) -> EntryData:
    """A JSON Feed item as an entry; its `content_text` (or `summary`) is plain text, not HTML."""
    raw_link = _str(item.get("url")) or _str(item.get("external_url"))
    author, author_url = _json_author(item)
    return EntryData(
        id=_str(item.get("id")) or None,
        link=urljoin(url, raw_link) if raw_link else None,
        title=_str(item.get("title")) or None,
        body=_str(item.get("content_html")),
        author=author,
        author_url=author_url,
        created=parse_iso(_str(item.get("date_published")))
        or parse_iso(_str(item.get("date_modified"))),
        comment_feed=None,
        text=_str(item.get("content_text")) or _str(item.get("summary")),
    )


_ROOT_ELEMENT = re.compile(rb"<[A-Za-z_:]")
_ENTITY_DECLARATION = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)


def refuse_entity_declarations(content: bytes, url: str) -> None:
    """Raise `SourceError` if the prolog declares entities (billion laughs, external entities).

    Feeds have no use for a DTD internal subset; refusing it before parsing means memory never
    depends on the XML library's own expansion limits.
    """
    if content[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        content = content.decode("utf-32", errors="replace").encode("utf-8")
    elif content[:2] in (b"\xff\xfe", b"\xfe\xff"):
        content = content.decode("utf-16", errors="replace").encode("utf-8")
    root = _ROOT_ELEMENT.search(content)
    prolog = content[: root.start()] if root else content
    if _ENTITY_DECLARATION.search(prolog):
        raise SourceError(url, "feed declares XML entities in its DOCTYPE (refused)")


def parse_xml_feed(content: bytes, url: str, *, id_base: str | None = None) -> ParsedFeed:
    """Parse RSS 0.9x/1.0/2.0 or Atom, tolerating recoverable damage.

    Plain UTF-8 RSS 2.0 and Atom 1.0 take the fast path (`fastfeed`, same results); everything
    else goes through feedparser.
    """
    refuse_entity_declarations(content, url)
    data = parse_simple_feed(content, url)
    if data is None:
        data = _parse_with_feedparser(content, url)
    entries = tuple(e for e in data.entries if _readable(e))
    posts = tuple(_entry_post(url, e, data.author, id_base) for e in entries)
    return ParsedFeed(data.title, data.link, posts, data.version, entries)


def _parse_with_feedparser(content: bytes, url: str) -> FeedData:
    import feedparser  # feedparser: ~50 ms, only when a feed is parsed

    parsed = feedparser.parse(content, response_headers={"content-location": url})
    if parsed.bozo and not parsed.entries:
        raise SourceError(url, f"malformed feed: {_bozo_reason(parsed)}")
    if not parsed.get("version") and not parsed.entries:
        raise SourceError(url, "not a feed (no RSS, Atom or JSON Feed found)")
    raw_ids = _unresolved_atom_ids(content, parsed)
    entries = []
    for index, entry in enumerate(parsed.entries):
        contents = entry.get("content") or []
        body = _str(contents[0].get("value")) if contents else ""
        author_detail = entry.get("author_detail") or {}
        entries.append(
            EntryData(
                id=raw_ids[index] if raw_ids else _str(entry.get("id")) or None,
                link=_str(entry.get("link")) or None,
                title=_str(entry.get("title")) or None,
                body=body or _str(entry.get("summary")),
                author=_str(entry.get("author")) or None,
                author_url=_str(author_detail.get("href")) or None,
                created=_entry_time(entry, "published") or _entry_time(entry, "updated"),
                comment_feed=_str(entry.get("wfw_commentrss")) or None,
            )
        )
    entries = [e for e in entries if _readable(e)]
    if parsed.bozo and not entries:
        raise SourceError(url, f"malformed feed: {_bozo_reason(parsed)}")
    return FeedData(
        title=_str(parsed.feed.get("title")),
        link=_str(parsed.feed.get("link")) or None,
        author=_str(parsed.feed.get("author")) or None,
        entries=tuple(entries),
        version=parsed.get("version") or "unknown",
    )


def _unresolved_atom_ids(content: bytes, parsed: Any) -> list[str | None] | None:
    """An Atom feed's entry ids as written: feedparser resolves relative ids against the feed
    URL, which would make `post1` of two feeds on one host the same post. None for RSS."""
    if not str(parsed.get("version") or "").startswith("atom"):
        return None
    import feedparser  # slow to import; only feeds the fast parser declines need it

    unresolved = feedparser.parse(content).entries  # no base URL: nothing to resolve against
    if len(unresolved) != len(parsed.entries):
        return None
    return [_str(entry.get("id")) or None for entry in unresolved]


def _readable(entry: EntryData) -> bool:
    """False for an entry with nothing a person could read or open."""
    return bool(entry.title or entry.body or entry.text or entry.link)


def entry_text(entry: EntryData, limit: int = MAX_TEXT_CHARS) -> str:
    """What a person reads of an entry: its HTML as text, else its plain text."""
    return html_to_text(entry.body, limit) or cap(entry.text, limit)


def _entry_post(
    url: str, entry: EntryData, feed_author: str | None, id_base: str | None = None
) -> Post:
    link = urljoin(url, entry.link) if entry.link else None
    guid = entry.id or link
    title = entry.title or ""
    return Post(
        id=blog_post_id(id_base or url, guid, title, entry.created),
        platform="blog",
        url=link,
        author_handle=entry.author or feed_author or None,
        title=cap(html_to_text(title, MAX_TITLE_CHARS), MAX_TITLE_CHARS) or None,
        text=entry_text(entry),
        created_at=entry.created,
        comment_feed_url=urljoin(url, entry.comment_feed) if entry.comment_feed else None,
        raw_kind="article",
    )


_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def blog_post_id(feed_url: str, guid: str | None, title: str, created: datetime | None) -> str:
    """A stable, globally unique id: the guid when it is a URI (`tag:`, `urn:`, `https:`...),
    else scoped to the feed (`FEED_URL#guid`), never resolved against the feed's host."""
    if guid and _URI_SCHEME.match(guid):
        return guid[:2000]
    if guid:
        return f"{feed_url}#{guid}"[:2000]
    digest = hashlib.sha1(f"{title}|{created}".encode()).hexdigest()[:16]
    return f"{feed_url}#{digest}"


def _bozo_reason(parsed: Any) -> str:
    reason = parsed.get("bozo_exception")
    return str(reason).splitlines()[0][:200] if reason else "unknown error"


def _entry_time(entry: Any, name: str) -> datetime | None:
    """An entry's date: feedparser's (whole seconds), with the fraction of a second the feed
    gave (RFC 3339 `13:53:00.550Z`) when the two agree, so posts in one second keep their order."""
    parsed = _datetime_from_struct(entry.get(f"{name}_parsed"))
    precise = parse_iso(_str(entry.get(name)))
    if parsed and precise and precise.replace(microsecond=0) == parsed:
        return precise
    return parsed


def _datetime_from_struct(value: Any) -> datetime | None:
    """A UTC datetime from feedparser's `*_parsed` time tuple; None when absent or invalid."""
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _json_author(obj: dict[str, Any]) -> tuple[str | None, str | None]:
    """JSON Feed 1.0's `author` or 1.1's first of `authors`: (name, url)."""
    author = obj.get("author")
    if not (isinstance(author, dict) and author.get("name")):
        authors = obj.get("authors")
        author = authors[0] if isinstance(authors, list) and authors else None
    if not isinstance(author, dict):
        return None, None
    return _str(author.get("name")) or None, _str(author.get("url")) or None


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""
