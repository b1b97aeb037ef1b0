"""`html_to_text`'s fast path for simple markup must match the HTMLParser path exactly."""

from __future__ import annotations

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listen import text
from tests.helpers import recordings

PIECES = [
    "<p>", "</p>", "<br>", "<br/>", "<br />", '<a href="x">', "</a>", "<A HREF=x/>",
    "<div class='a'>", "</div>", "&amp;", "&nbsp;", "&#39;", "&bogus;", "&", "<", ">",
    "<!-- c -->", "<script>x</script>", "<title>t</title>", "<head>", "</head>",
    "<noscript>n</noscript>", "<template>", "</template>", "text ", " more\n", "\t", "<li>",
    '<h1 id="a b">', "</h1>", '<img src="a>b">', "<x-y>", "<o:p>", "</p >", "<p/ >",
    '<b\nclass="z">', "&lt;b&gt;", "<a href=foo/>", "<p =x>", '<p a="1"b=2>', "< p>", "</>",
    "<br\xa0/>", "ü", "日本", "<STYLE>s</STYLE>", "<blockquote>", "</blockquote>",
]  # fmt: skip


def through_html_parser(markup: str) -> str:
    original = text._simple_markup_parts
    text._simple_markup_parts = lambda _markup: None  # type: ignore[assignment]
    try:
        return text.html_to_text(markup)
    finally:
        text._simple_markup_parts = original


def real_bodies() -> list[str]:
    bodies = []
    for path in recordings("feeds"):
        parsed = feedparser.parse(path.read_bytes(), sanitize_html=False)
        for entry in parsed.entries:
            bodies += [c.value for c in entry.get("content", [])]
            bodies.append(entry.get("summary", ""))
    return [b for b in bodies if b]


@pytest.mark.parametrize("body", real_bodies())
def test_real_bodies(body: str) -> None:
    assert text.html_to_text(body) == through_html_parser(body)


def test_the_fast_path_is_taken_for_ordinary_markup() -> None:
    parts = text._simple_markup_parts('<p>a <a href="x">b</a></p><br/>c &amp; d')
    assert parts is not None
    assert "".join(parts) == "\na b\n\n\nc & d"
    assert text._simple_markup_parts("a <!-- b --> c") is None
    assert text._simple_markup_parts("a < b") is None


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14))
def test_any_mix_of_pieces(pieces: list[str]) -> None:
    markup = "".join(pieces)
    assert text.html_to_text(markup) == through_html_parser(markup)
