"""A fast path for the plain RSS 2.0 and Atom 1.0 feeds most blogs serve.

feedparser is thorough but slow (a pure-Python SAX handler that re-parses every HTML body to
sanitise it): it dominated `listen collect`. Most feeds are well-formed UTF-8 RSS 2.0 or Atom 1.0
using a handful of elements, which the C XML parser reads ~10× faster. This module reads exactly
that subset and returns the same values feedparser would (same ids, links, dates, text, with
its UTF-8 repairs); anything outside the subset (other versions or encodings, a DTD, xml:base,
XHTML content, unknown elements, unusual dates, author e-mails...) returns None and the caller
falls back to feedparser. `tests/collectors/test_fastfeed.py` checks the two agree.
"""

from __future__ import annotations

import contextlib
import functools
import re
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from xml.etree.ElementTree import Element

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
DC = "{http://purl.org/dc/elements/1.1/}"
WFW = "{http://wellformedweb.org/CommentAPI/}"
SLASH = "{http://purl.org/rss/1.0/modules/slash/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
RSS1 = "{http://purl.org/rss/1.0/}"
# Leaf extension elements feedparser files under keys of their own (media_content, ...).
INERT_EXTENSIONS = {
    "{http://search.yahoo.com/mrss/}content",
    "{http://search.yahoo.com/mrss/}thumbnail",
    "{http://search.yahoo.com/mrss}content",
    "{http://search.yahoo.com/mrss}thumbnail",
    "{com-wordpress:feed-additions:1}post-id",
}

# Item children this path understands; anything else sends the feed to feedparser.
RSS_ITEM_TAGS = {
    "title",
    "link",
    "guid",
    "pubDate",
    "description",
    "category",
    "comments",
    CONTENT + "encoded",
    DC + "creator",
    WFW + "commentRss",
    WFW + "comment",
    SLASH + "comments",
    *INERT_EXTENSIONS,
}
ATOM_ENTRY_TAGS = {
    ATOM + t
    for t in ("title", "link", "id", "published", "updated", "author", "content", "summary")
} | {ATOM + "category", *INERT_EXTENSIONS}
# Channel / feed children that would give feedparser a feed-level author or a different link.
FEED_AUTHOR_HINTS = ("author", "creator", "managingeditor")

_XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_RFC822 = re.compile(
    r"^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct"
    r"|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} (?:[+-]\d{4}|GMT)$"
)
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})$")
_C1_CONTROLS = re.compile("[\x80-\x9f]")
# feedparser's test for an e-mail inside an author string (which it then rewrites).
_EMAIL = re.compile(
    r"(([a-zA-Z0-9\_\-\.\+]+)@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.)|(([a-zA-Z0-9\-]+\.)+))"
    r"([a-zA-Z]{2,4}|[0-9]{1,3})(\]?))(\?subject=\S+)?"
)
_URI_FIXER = re.compile("^([A-Za-z][A-Za-z0-9+-.]*://)(/*)(.*?)")
_AMP_REFERENCE = re.compile("&([A-Za-z0-9_]+);")
# feedparser maps C1 control characters to the Windows-1252 characters they were meant to be.
_CP1252 = {
    code: bytes([code]).decode("cp1252")
    for code in range(0x80, 0xA0)
    if code not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}


class Unsupported(Exception):
    """The feed uses something outside the fast path's subset: use feedparser."""


@dataclass(frozen=True, slots=True)
class EntryData:
    """One feed entry as feedparser gives it, whichever parser read it (`feeds.parse_feed`
    makes posts of these, the comment collector reads them as comments)."""

    id: str | None  # as written (an Atom id is not resolved against the feed's URL)
    link: str | None  # resolved against the feed's URL
    title: str | None
    body: str  # HTML
    author: str | None
    author_url: str | None  # Atom <author><uri>, JSON Feed author.url
    created: datetime | None
    comment_feed: str | None
    text: str = ""  # plain text when the feed gave no HTML (JSON Feed's content_text)


@dataclass(frozen=True, slots=True)
class FeedData:
    """A feed's own fields and its entries, before they become posts."""

    title: str
    link: str | None
    author: str | None
    entries: tuple[EntryData, ...]
    version: str


def parse_simple_feed(content: bytes, url: str) -> FeedData | None:
    """Parse a plain UTF-8 RSS 2.0 / Atom 1.0 feed, or return None to let feedparser do it."""
    head = content[:512]
    declared = _XML_DECLARATION.match(head)
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        return None
    if b"<!DOCTYPE" in content or b"<!ENTITY" in content or b"xml:base" in content:
        return None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    try:
        from defusedxml.ElementTree import fromstring  # defusedxml: only when XML is parsed

        root = fromstring(content)
    except Exception:  # any XML error: feedparser's loose parser decides what is usable
        return None
    try:
        if root.tag == "rss" and root.get("version") == "2.0":
            return _rss(root, url)
        if root.tag == ATOM + "feed":
            return _atom(root, url)
        if root.tag == RDF + "RDF":
            return _rss1(root, url)
    except Unsupported:
        return None
    return None


def _rss(root: Element, url: str) -> FeedData:
    channels = [c for c in root if c.tag == "channel"]
    if len(channels) != 1 or len(root) != 1:
        raise Unsupported
    channel = channels[0]
    title = link = ""
    entries = []
    for child in channel:
        tag = child.tag
        if tag == "item":
            entries.append(_rss_item(child, url))
        elif _is_author_hint(tag):
            raise Unsupported
        elif tag == "title":
            title = _text(child)
        elif tag == "link":
            link = _AMP_REFERENCE.sub(r"&\g<1>", _fix(_resolve(url, _text(child))))
        elif tag == ATOM + "link":
            link = _atom_link(child, url) or link
    return FeedData(_fix(title), link or None, None, tuple(entries), "rss20")


def _rss_item(item: Element, url: str) -> EntryData:
    if item.attrib:
        raise Unsupported
    seen: dict[str, str] = {}
    guid_is_link = False
    for child in item:
        tag = child.tag
        if tag not in RSS_ITEM_TAGS:
            raise Unsupported
        if tag in INERT_EXTENSIONS:
            if len(child):
                raise Unsupported
            continue
        if tag in seen and tag != "category":
            raise Unsupported  # repeated fields: feedparser's precedence rules apply
        seen[tag] = _text(child)
        if tag == "guid":
            if set(child.attrib) - {"isPermaLink"}:
                raise Unsupported
            guid_is_link = child.get("isPermaLink", "true") == "true"
    link = None
    if "link" in seen:
        if not seen["link"]:
            raise Unsupported
        link = _fix_link(_fix(_resolve(url, seen["link"])))
    guid = seen.get("guid")
    if guid == "":
        raise Unsupported
    entry_id = None
    if guid is not None:
        entry_id = _fix(_resolve(url, guid) if guid_is_link and guid else guid)
        if link is None and guid_is_link:
            link = entry_id
    creator = seen.get(DC + "creator")
    if creator is not None and (not creator or _EMAIL.search(creator)):
        raise Unsupported
    comment_feed = seen.get(WFW + "commentRss")
    body = seen.get(CONTENT + "encoded") or seen.get("description") or ""
    return EntryData(
        id=entry_id or None,
        link=link or None,
        title=_fix(seen["title"]) if "title" in seen else None,
        body=_fix(body),
        author=_fix(creator) if creator else None,
        author_url=None,
        created=_rfc822(seen["pubDate"]) if "pubDate" in seen else None,
        comment_feed=_fix(_resolve(url, comment_feed)) if comment_feed else None,
    )


def _rss1(root: Element, url: str) -> FeedData:
    """RSS 1.0 (RDF): items are siblings of the channel; rdf:about is the item id."""
    title = link = ""
    entries = []
    channels = 0
    for child in root:
        tag = child.tag
        if tag == RSS1 + "item":
            entries.append(_rss1_item(child, url))
        elif tag == RSS1 + "channel":
            channels += 1
            for field in child:
                if _is_author_hint(field.tag):
                    raise Unsupported
                if field.tag == RSS1 + "title":
                    title = _text(field)
                elif field.tag == RSS1 + "link":
                    link = _AMP_REFERENCE.sub(r"&\g<1>", _fix(_resolve(url, _text(field))))
        elif tag != RSS1 + "image":
            raise Unsupported
    if channels != 1:
        raise Unsupported
    return FeedData(_fix(title), link or None, None, tuple(entries), "rss10")


def _rss1_item(item: Element, url: str) -> EntryData:
    if set(item.attrib) - {RDF + "about"}:
        raise Unsupported
    seen: dict[str, str] = {}
    for child in item:
        tag = child.tag
        local = tag[len(RSS1) :] if tag.startswith(RSS1) else tag
        if local not in ("title", "link", "description", DC + "date", DC + "creator") and tag != (
            CONTENT + "encoded"
        ):
            raise Unsupported
        if local in seen:
            raise Unsupported
        seen[local] = _text(child)
    link = None
    if "link" in seen:
        if not seen["link"]:
            raise Unsupported
        link = _fix_link(_fix(_resolve(url, seen["link"])))
    creator = seen.get(DC + "creator")
    if creator is not None and (not creator or _EMAIL.search(creator)):
        raise Unsupported
    body = seen.get(CONTENT + "encoded") or seen.get("description") or ""
    return EntryData(
        id=item.get(RDF + "about") or None,
        link=link,
        title=_fix(seen["title"]) if "title" in seen else None,
        body=_fix(body),
        author=_fix(creator) if creator else None,
        author_url=None,
        created=_rfc3339(seen[DC + "date"]) if DC + "date" in seen else None,
        comment_feed=None,
    )


def _atom(root: Element, url: str) -> FeedData:
    title = ""
    link = None
    author = None
    entries = []
    for child in root:
        tag = child.tag
        if tag == ATOM + "entry":
            entries.append(_atom_entry(child, url))
        elif tag == ATOM + "title":
            title = _text_construct(child)
        elif tag == ATOM + "link":
            link = _atom_link(child, url) or link
        elif tag == ATOM + "author":
            author = _atom_author(child, url)[0]
        elif _is_author_hint(tag):
            raise Unsupported
    return FeedData(_fix(title), link, author, tuple(entries), "atom10")


def _atom_entry(entry: Element, url: str) -> EntryData:
    if entry.attrib:
        raise Unsupported
    fields: dict[str, str] = {}
    link = None
    author: tuple[str | None, str | None] | None = None
    for child in entry:
        tag = child.tag
        if tag not in ATOM_ENTRY_TAGS:
            raise Unsupported
        name = tag.rsplit("}", 1)[-1]
        if name == "link":
            link = _atom_link(child, url) or link
            continue
        if name == "category":
            continue
        if tag in INERT_EXTENSIONS:
            if len(child):
                raise Unsupported
            continue
        if name in fields or (name == "author" and author is not None):
            raise Unsupported
        if name == "author":
            author = _atom_author(child, url)
        elif name in ("title", "content", "summary"):
            fields[name] = _text_construct(child)
        else:
            if len(child) or child.attrib:
                raise Unsupported
            fields[name] = (child.text or "").strip()
    # An Atom id is an opaque IRI: kept as written (never resolved against the feed's host, or
    # two feeds' `post1` would collide); only as the link fallback is it resolved.
    entry_id = _fix(fields["id"]) if fields.get("id") else None
    published = _rfc3339(fields["published"]) if "published" in fields else None
    updated = _rfc3339(fields["updated"]) if "updated" in fields else None
    return EntryData(
        id=entry_id,
        link=link or (_fix(_resolve(url, fields["id"])) if entry_id else None),
        title=_fix(fields["title"]) if "title" in fields else None,
        body=_fix(fields.get("content") or fields.get("summary") or ""),
        author=author[0] if author else None,
        author_url=author[1] if author else None,
        created=published or updated,
        comment_feed=None,
    )


def _atom_link(link: Element, url: str) -> str | None:
    """The href of an alternate HTML link (feedparser keeps the last one), else None."""
    if len(link) or "href" not in link.attrib:
        raise Unsupported
    rel = link.get("rel", "alternate")
    kind = link.get("type", "application/atom+xml" if rel == "self" else "text/html")
    if rel == "alternate" and kind in ("text/html", "application/xhtml+xml"):
        return _resolve(url, link.attrib["href"])
    return None


def _atom_author(author: Element, url: str) -> tuple[str | None, str | None]:
    """feedparser's author string ("name (email)", the name, or the e-mail) and its `uri`
    (feedparser's `author_detail.href`, resolved against the feed's URL)."""
    found: dict[str, str] = {}
    for child in author:
        local = child.tag[len(ATOM) :] if child.tag.startswith(ATOM) else ""
        if local not in ("name", "email", "uri") or local in found or len(child):
            raise Unsupported
        found[local] = (child.text or "").strip()
    name, email, uri = _fix(found.get("name", "")), _fix(found.get("email", "")), found.get("uri")
    href = _fix(_resolve(url, uri)) if uri else None
    if name and email:
        return f"{name} ({email})", href
    return name or email or None, href


def _text_construct(element: Element) -> str:
    """An Atom text construct of type text or html (XHTML goes to feedparser)."""
    if set(element.attrib) - {"type"} or element.get("type", "text") not in ("text", "html"):
        raise Unsupported
    return _text(element)


def _text(element: Element) -> str:
    if len(element):
        raise Unsupported  # markup inside: feedparser re-serialises it
    return (element.text or "").strip()


def _is_author_hint(tag: str) -> bool:
    local = tag.rsplit("}", 1)[-1].lower()
    return any(hint in local for hint in FEED_AUTHOR_HINTS)


def _fix(text: str) -> str:
    """feedparser's repairs for UTF-8 documents: double-encoded UTF-8 and C1 characters."""
    if text.isascii():
        return text  # nothing to repair
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        text = text.encode("iso-8859-1").decode("utf-8")
    return text.translate(_CP1252) if _C1_CONTROLS.search(text) else text


def _fix_link(link: str) -> str:
    """feedparser's repair for `&amp;` left in a link's query string."""
    return _AMP_REFERENCE.sub(r"&\g<1>", link.replace("&amp;", "&"))


@functools.lru_cache(maxsize=4096)  # an RSS guid is usually the item's link: joined twice
def _resolve(base: str, uri: str) -> str:
    uri = _URI_FIXER.sub(r"\1\3", uri)
    try:
        return urllib.parse.urljoin(base, uri)
    except ValueError:
        return ""


def _rfc822(value: str) -> datetime | None:
    if not value:
        return None
    if not _RFC822.match(value):
        raise Unsupported
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        raise Unsupported from None
    return moment.astimezone(UTC).replace(microsecond=0)


def _rfc3339(value: str) -> datetime | None:
    if not value:
        return None
    if not _RFC3339.match(value):
        raise Unsupported
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Unsupported from None
    return moment.astimezone(UTC)  # with its fraction of a second, as `feeds` keeps it
