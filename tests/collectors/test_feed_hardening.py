"""Feeds declaring XML entities are refused before parsing; entity text in content is fine."""

from __future__ import annotations

import pytest

from listen.collectors.feeds import parse_feed
from listen.errors import SourceError

LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE rss [\n <!ENTITY a "aaaaaaaaaa">\n'
    + "".join(f' <!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(9))
    + ']>\n<rss version="2.0"><channel><title>&j;</title>'
    "<item><title>&j;</title><link>http://example.org/1</link></item></channel></rss>"
)
EXTERNAL = (
    '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<rss version="2.0"><channel><item><title>&xxe;</title></item></channel></rss>'
)


@pytest.mark.parametrize(
    "document",
    [
        LAUGHS.encode(),
        LAUGHS.encode("utf-16"),
        LAUGHS.replace("<!ENTITY", "<!entity").encode(),
        EXTERNAL.encode(),
    ],
    ids=["billion-laughs", "utf-16", "lower-case", "external-entity"],
)
def test_entity_declarations_are_refused(document: bytes):
    with pytest.raises(SourceError, match="declares XML entities"):
        parse_feed(document, "http://127.0.0.1/feed.xml")


def test_entity_text_inside_content_is_just_text():
    document = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>XML tips</title><item>'
        b"<title>About DTDs</title><link>http://example.org/dtd</link>"
        b'<description><![CDATA[Never write <!ENTITY lol "lol"> in a feed.]]></description>'
        b"</item></channel></rss>"
    )
    (post,) = parse_feed(document, "http://127.0.0.1/feed.xml").posts
    assert post.title == "About DTDs" and post.text.startswith("Never write")


def test_a_doctype_without_entities_is_accepted():
    document = (
        b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        b' "http://my.netscape.com/publish/formats/rss-0.91.dtd">'
        b'<rss version="0.91"><channel><title>t</title><item><title>Old but fine</title>'
        b"<link>http://example.org/old</link></item></channel></rss>"
    )
    (post,) = parse_feed(document, "http://127.0.0.1/feed.xml").posts
    assert post.title == "Old but fine"
