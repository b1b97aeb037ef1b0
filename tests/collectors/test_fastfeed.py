"""The fast feed path must give exactly what the feedparser path gives, or step aside."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from listen.collectors import feeds
from listen.collectors.fastfeed import FeedData, parse_simple_feed
from listen.types import Post
from tests.helpers import read_data, recordings

ROOT = Path(__file__).resolve().parents[2]
URL = "http://127.0.0.1:8080/blog/feed.xml"
XML_FEEDS = recordings("feeds", "*.xml")
# Real feeds that are plain enough for the fast path (it must not quietly refuse everything).
EXPECTED_FAST = {
    "feed-rs_rss_2.0_cloudflare.xml",
    "feed-rs_rss_2.0_element_io.xml",
    "feed-rs_rss_2.0_example_4.xml",
    "feed-rs_rss_2.0_ghost_2.xml",
    "feed-rs_rss_2.0_kdist.xml",
    "feed-rs_rss_2.0_wirecutter.xml",
    "feed-rs_atom_mediarss_reddit_1.xml",
}


Seen = tuple[str, str | None, str, list[Post], list[str | None]]


def seen(parsed: FeedData, url: str) -> Seen:
    """What listen keeps of a parsed feed: its posts, and the author links comments match on."""
    posts = [feeds._entry_post(url, e, parsed.author) for e in parsed.entries]
    author_urls = [e.author_url for e in parsed.entries]
    return parsed.title, parsed.link, parsed.version, posts, author_urls


def via_feedparser(content: bytes, url: str = URL) -> Seen:
    return seen(feeds._parse_with_feedparser(content, url), url)


def via_fast_path(content: bytes, url: str = URL) -> Seen | None:
    parsed = parse_simple_feed(content, url)
    return None if parsed is None else seen(parsed, url)


@pytest.mark.parametrize("path", XML_FEEDS, ids=lambda p: p.name)
def test_real_feeds_agree_with_feedparser(path: Path) -> None:
    content = path.read_bytes()
    fast = via_fast_path(content)
    if path.name in EXPECTED_FAST:
        assert fast is not None, "the fast path refused a plain feed"
    if fast is not None:
        assert fast == via_feedparser(content)
        assert fast[3], "a feed with items gave no posts"


def _example(replacements: dict[str, str]) -> bytes:
    """The WordPress sample with the first match of each regex (in its first item) replaced."""
    text = read_data("feeds/feed-rs_rss_2.0_example_4.xml").decode()
    head, item = text.split("<item>", 1)
    for pattern, new in replacements.items():
        item, count = re.subn(pattern, new, item, count=1, flags=re.DOTALL)
        if not count:
            head, count = re.subn(pattern, new, head, count=1, flags=re.DOTALL)
        assert count, pattern
    return (head + "<item>" + item).encode("utf-8")


LINK = r"<link>.*?</link>"
GUID = r"<guid[^>]*>.*?</guid>"
VARIANTS = {
    "relative link": {LINK: "<link>/2019/08/06/quake/</link>"},
    "numeric guid, not a permalink": {GUID: '<guid isPermaLink="false">12137</guid>'},
    "guid that is the link": {LINK: "", GUID: "<guid>http://quakes.example/12137</guid>"},
    "relative guid that is the link": {LINK: "", GUID: "<guid> /p/12137 </guid>"},
    "double-encoded UTF-8 title": {"<title>Minor": "<title>CafÃ© Minor"},
    "C1 control characters": {"<title>Minor": "<title>\u0093quoted\u0094 Minor"},
    "escaped ampersand in link query": {
        LINK: "<link>http://x.example/?a=1&amp;amp;b=2&amp;c;</link>"
    },
    "author with an e-mail": {"<dc:creator>": "<dc:creator>jo@example.com "},
    "author with a handle": {"<dc:creator>": "<dc:creator>@jo "},
    "unusual date": {"<pubDate>Tue, 06 Aug 2019": "<pubDate>06 August 2019 Tue"},
    "numeric time zone": {r"\+0000</pubDate>": "-0730</pubDate>"},
    "unknown element": {"<dc:creator>": "<media:title>Not the title</media:title><dc:creator>"},
    "ISO-8859-1 declared": {'encoding="UTF-8"': 'encoding="ISO-8859-1"'},
}


FALLS_BACK = {"author with an e-mail", "unusual date", "unknown element", "ISO-8859-1 declared"}


@pytest.mark.parametrize("name", VARIANTS)
def test_variants_agree_with_feedparser(name: str) -> None:
    content = _example(VARIANTS[name])
    expected = via_feedparser(content)
    fast = via_fast_path(content)
    assert (fast is None) == (name in FALLS_BACK)
    assert fast is None or fast == expected
    result = feeds.parse_xml_feed(content, URL)
    assert (result.title, result.link, result.format, list(result.posts)) == expected[:4]


AUTHOR_URI = r"<uri>.*?</uri>"
ATOM_VARIANTS = {
    "relative author uri": {AUTHOR_URI: "<uri>/user/someone</uri>"},
    "author without uri": {AUTHOR_URI: ""},
    "author with e-mail and uri": {AUTHOR_URI: "<email>jo@example.com</email><uri>u/jo</uri>"},
    "empty author uri": {AUTHOR_URI: "<uri></uri>"},
    "author uri with spaces": {AUTHOR_URI: "<uri>  https://a.example/jo  </uri>"},
}


@pytest.mark.parametrize("name", ATOM_VARIANTS)
def test_atom_author_variants_agree_with_feedparser(name: str) -> None:
    """The author link (what comment feeds match the user on) is the one feedparser gives."""
    text = read_data("feeds/feed-rs_atom_mediarss_reddit_1.xml").decode()
    head, entry = text.split("<entry>", 1)
    for pattern, new in ATOM_VARIANTS[name].items():
        entry, count = re.subn(pattern, new, entry, count=1, flags=re.DOTALL)
        assert count, pattern
    content = (head + "<entry>" + entry).encode()
    fast = via_fast_path(content)
    assert fast is not None, "the fast path refused a plain Atom author"
    assert fast == via_feedparser(content)


def test_fast_path_steps_aside_for_what_it_does_not_model() -> None:
    atom_xhtml = (
        b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        b"<title>t</title><entry><id>urn:x:1</id><title>a</title>"
        b'<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>x</p></div></content>'
        b"</entry></feed>"
    )
    assert parse_simple_feed(atom_xhtml, URL) is None
    doctype = b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "b">]><rss version="2.0"/>'
    assert parse_simple_feed(doctype, URL) is None
    assert parse_simple_feed(b"<rss version='0.91'><channel/></rss>", URL) is None
    assert parse_simple_feed(b"<rss version='2.0'><channel><item>", URL) is None


def test_generated_benchmark_feeds_agree_with_feedparser() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import bench_data
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    corpus = bench_data.load_corpus()
    generated = [f for f in bench_data.generate_feeds(corpus, 40) if not f.name.endswith(".json")]
    fast_count = 0
    for feed in generated:
        fast = via_fast_path(feed.body)
        if fast is not None:
            fast_count += 1
            assert fast == via_feedparser(feed.body), feed.name
    assert fast_count >= len(generated) * 0.8
