"""Untrusted post text → plain, capped text."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from html.parser import HTMLParser
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from listen.types import CollectResult, Engagement, Interaction, Post

_BLOCK_TAGS = {"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
_SKIP_TAGS = {"script", "style", "head", "title", "noscript", "template"}
_SPACES = re.compile(r"[ \t\r\f\v]+")
_NEWLINES = re.compile(r"\n\s*\n+")
# Fast path for ordinary markup: well-formed tags with plainly quoted attributes. Anything that
# HTMLParser treats specially (comments, declarations, raw-text elements, odd tag names, a stray
# `<`) makes `_simple_markup_parts` return None and the HTMLParser path run instead.
_SIMPLE_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9]*)"
    r"((?:[ \t\n\r\f]+[^ \t\n\r\f\"'<>/=]+"
    r"(?:[ \t\n\r\f]*=[ \t\n\r\f]*(?:\"[^\"]*\"|'[^']*'|[^ \t\n\r\f\"'=<>`]+))?)*)"
    r"[ \t\n\r\f]*(/?)>"
)
_SPECIAL_MARKUP = re.compile(
    r"<[!?]|<(?:script|style|title|textarea|plaintext|xmp|iframe|noembed|noframes)\b",
    re.IGNORECASE,
)

# Terminal escape sequences (CSI like `ESC[2J`, OSC like `ESC]0;title BEL`) are dropped whole, so
# no `[2J` residue is left; then any remaining control character.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
)
# Controls, plus the bidi embeddings/overrides/isolates that reorder what a terminal shows.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# In a name, also zero-width characters and marks (invisible; they make two names differ).
_INVISIBLE_IN_NAMES = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad]")


def printable(text: str) -> str:
    """Drop terminal escapes, control characters and bidi overrides (hidden in untrusted
    text); keep newlines and tabs."""
    if text.isprintable():
        return text  # the common case: nothing to drop (all of them are unprintable)
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))


def clean_name(name: str) -> str:
    """A person's or account's name on one line: no escapes (nor their `[31m` residue), no
    controls, no invisible characters; line breaks become spaces."""
    text = _INVISIBLE_IN_NAMES.sub("", printable(name))
    return " ".join(text.split())


def http_url(url: str | None) -> str | None:
    """`url` if it is an http(s) URL (no `javascript:`, `data:`...), else None."""
    if not url:
        return None
    cleaned = printable(url).strip()
    scheme, colon, rest = cleaned.partition(":")
    if not colon or scheme.lower() not in ("http", "https") or not rest.startswith("//"):
        return None
    return cleaned


def clean_post(post: Post) -> Post:
    """What may be stored of an untrusted post: printable text, http(s) links only."""
    return replace(
        post,
        title=printable(post.title) if post.title else post.title,
        text=printable(post.text),
        author_handle=clean_name(post.author_handle) if post.author_handle else None,
        url=http_url(post.url),
        comment_feed_url=http_url(post.comment_feed_url),
    )


def clean_engagement(engagement: Engagement) -> Engagement:
    return replace(engagement, text=printable(engagement.text), url=http_url(engagement.url))


def clean_interaction(interaction: Interaction) -> Interaction:
    """What may be stored of someone's interaction: printable text and names, http(s) links."""
    return replace(
        interaction,
        text=printable(interaction.text),
        url=http_url(interaction.url),
        actor_handle=clean_name(interaction.actor_handle),
        actor_name=clean_name(interaction.actor_name),
    )


def clean_result(result: CollectResult) -> CollectResult:
    """A collector's result as it may be stored (people read the database with sqlite3 and
    Datasette too, not only through listen's escaped output)."""
    if not result.posts and not result.engagements and not result.interactions:
        return result
    return replace(
        result,
        posts=tuple(clean_post(p) for p in result.posts),
        engagements=tuple(clean_engagement(e) for e in result.engagements),
        interactions=tuple(clean_interaction(i) for i in result.interactions),
    )


def one_line(text: str) -> str:
    """`printable` on one line: for error text from remote servers in one-line messages."""
    return " ".join(printable(text).split())


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS and self._skipping:
            self._skipping -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(markup: str | None, limit: int = 20_000) -> str:
    """Strip tags, scripts and styles; collapse whitespace; cap at `limit` characters."""
    if not markup:
        return ""
    markup = markup[: limit * 4]
    if "<" not in markup and "&" not in markup:
        text = markup
    elif (parts := _simple_markup_parts(markup)) is not None:
        text = "".join(parts)
    else:
        parser = _TextExtractor()
        try:
            parser.feed(markup)
            parser.close()
            text = "".join(parser.parts)
        except Exception:
            text = html.unescape(re.sub(r"<[^>]*>", " ", markup))
    text = text.replace("\x00", "")
    if "  " in text or _has_other_spaces(text):  # the regex is slow even when it changes nothing
        text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _NEWLINES.sub("\n\n", text).strip()
    return cap(text, limit)


def _has_other_spaces(text: str) -> bool:
    return "\t" in text or "\r" in text or "\f" in text or "\v" in text


def _simple_markup_parts(markup: str) -> list[str] | None:
    """What `_TextExtractor` collects from `markup`, or None when the markup is not simple."""
    if _SPECIAL_MARKUP.search(markup):
        return None
    # [data, closing, tag, attributes, self_closing, data, closing, ...]
    pieces = _SIMPLE_TAG.split(markup)
    parts: list[str] = []
    skipping = 0
    for i in range(0, len(pieces) - 1, 5):
        data, closing, tag, _, self_closing = pieces[i : i + 5]
        if "<" in data:
            return None
        if data and not skipping:
            parts.append(html.unescape(data))
        tag = tag.lower()
        if tag in _SKIP_TAGS:
            # HTMLParser reports <x/> as a start tag followed by an end tag.
            if closing and self_closing:
                return None
            if not closing:
                skipping += 1
            if (closing or self_closing) and skipping:
                skipping -= 1
        elif tag in _BLOCK_TAGS:
            if closing and self_closing:
                return None
            parts.append("\n\n" if self_closing else "\n")
        elif closing and self_closing:
            return None
    rest = pieces[-1]
    if "<" in rest:
        return None
    if rest and not skipping:
        parts.append(html.unescape(rest))
    return parts


def cap(text: str | None, limit: int) -> str:
    """`text` cut to at most `limit` characters, with an ellipsis when cut."""
    if not text:
        return ""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
