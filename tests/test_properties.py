"""Property-based tests: parsers and normalisers on arbitrary input never crash, never lose data."""

from __future__ import annotations

import csv
import html
import io
import math
import re
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from listen.collectors.feeds import parse_feed
from listen.config import load_config, parse_config
from listen.errors import ConfigError, InputError, SourceError
from listen.http import retry_after_seconds
from listen.importers import parse_csv
from listen.schedule import next_poll_delay
from listen.text import html_to_text

# Printable text without markup characters, and words (no whitespace) to check survival.
plain_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="<&"), max_size=300
)
words = st.lists(
    st.text(
        st.characters(whitelist_categories=("L", "N", "P", "S"), blacklist_characters="<&>"),
        min_size=1,
        max_size=12,
    ),
    min_size=1,
    max_size=20,
)


@given(st.text(max_size=2000))
def test_html_to_text_never_crashes_and_respects_the_cap(markup: str):
    text = html_to_text(markup, limit=500)
    assert isinstance(text, str) and len(text) <= 500
    assert "\x00" not in text


@given(plain_text)
def test_escaped_text_survives_html_to_text(text: str):
    # The markup path (escaped, wrapped in a paragraph) yields exactly what plain text yields.
    assert html_to_text(f"<p>{html.escape(text)}</p>") == html_to_text(text)


@given(words)
def test_every_word_survives_tags_around_it(tokens: list[str]):
    markup = " ".join(f"<b>{html.escape(t)}</b>" for t in tokens)
    assert html_to_text(markup).split() == tokens


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000) | st.text(max_size=3000).map(str.encode))
def test_parse_feed_on_arbitrary_bytes_only_raises_source_error(content: bytes):
    try:
        feed = parse_feed(content, "http://127.0.0.1/feed.xml")
    except SourceError:
        return
    assert all(isinstance(p.text, str) for p in feed.posts)


# feedparser (and the fast path, which matches it) deliberately repairs UTF-8 that was decoded
# as Latin-1 ("Â¡" becomes "¡"); text made only of such pairs is not expected to survive as is.
_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf]")


@settings(max_examples=80, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(words, words), min_size=1, max_size=8))
def test_every_rss_item_and_its_words_survive_parsing(items: list[tuple[list[str], list[str]]]):
    assume(not any(_MOJIBAKE.search(w) for title, text in items for w in title + text))
    body = "".join(
        f"<item><guid>http://example.org/{i}</guid><title>{html.escape(' '.join(title))}</title>"
        f"<description>{html.escape(html.escape(' '.join(text)))}</description></item>"
        for i, (title, text) in enumerate(items)
    )
    document = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"{body}</channel></rss>"
    )
    feed = parse_feed(document.encode(), "http://127.0.0.1/feed.xml")
    assert [p.id for p in feed.posts] == [f"http://example.org/{i}" for i in range(len(items))]
    for post, (title, text) in zip(feed.posts, items, strict=True):
        assert (post.title or "").split() == title
        assert post.text.split() == text


@given(st.text(max_size=2000))
def test_parse_csv_on_arbitrary_text_only_raises_input_error(text: str):
    try:
        contacts = parse_csv(text)
    except InputError:
        return
    assert all(c.name.strip() for c in contacts)


names = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=40,
)


@given(st.lists(st.tuples(names, st.sampled_from(["", "1", "2", "3"])), min_size=1, max_size=15))
def test_csv_contacts_round_trip(rows: list[tuple[str, str]]):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Name", "Priority", "Blog"])
    for i, (name, priority) in enumerate(rows):
        writer.writerow([name, priority, f"https://example.org/{i}/feed"])
    expected = [(n.strip(), int(p) if p else None, i) for i, (n, p) in enumerate(rows) if n.strip()]
    assume(expected)
    contacts = parse_csv(buffer.getvalue())
    assert [(c.name, c.priority) for c in contacts] == [(n, p) for n, p, _ in expected]
    assert [c.identities for c in contacts] == [
        [("blog", f"https://example.org/{i}/feed")] for *_, i in expected
    ]


header_values = (
    st.text(max_size=40) | st.integers(-(10**30), 10**30).map(str) | st.floats().map(str)
)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "Retry-After",
                "retry-after",
                "x-rate-limit-reset",
                "ratelimit-reset",
                "X-RateLimit-Reset",
                "other",
            ]
        ),
        header_values,
    )
)
def test_retry_after_is_none_or_a_finite_non_negative_number(headers: dict[str, str]):
    seconds = retry_after_seconds(headers, now=1_700_000_000.0)
    assert seconds is None or (math.isfinite(seconds) and seconds >= 0)
    delay = next_poll_delay(interval_minutes=60, error_count=3, retry_after=seconds)
    assert timedelta(seconds=delay) <= timedelta(days=8)


@given(st.floats(allow_nan=True, allow_infinity=True), st.integers(0, 10_000))
def test_next_poll_delay_is_always_schedulable(retry_after: float, errors: int):
    delay = next_poll_delay(interval_minutes=60, error_count=errors, retry_after=retry_after)
    assert 0 < delay <= 8 * 24 * 3600
    timedelta(seconds=delay)


toml_scalars = st.one_of(
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=20),
)
toml_values = st.recursive(
    toml_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
section_keys = st.sampled_from(
    ["me", "collect", "blog", "bluesky", "x", "mastodon", "digest", "email", "contacts", "colect"]
)
field_keys = st.sampled_from(
    [
        "name",
        "priority",
        "blog",
        "enabled",
        "interval_minutes",
        "concurrency",
        "timeout_seconds",
        "max_response_bytes",
        "handle",
        "account",
        "top",
        "x",
    ]
)


@given(
    st.dictionaries(
        section_keys,
        st.dictionaries(field_keys, toml_values, max_size=4)
        | toml_values
        | st.lists(st.dictionaries(field_keys, toml_values, max_size=4), max_size=3),
        max_size=5,
    )
)
def test_parse_config_on_arbitrary_documents_only_raises_config_error(document: dict):
    try:
        parse_config(document, path=None, env={})
    except ConfigError as exc:
        assert str(exc).startswith("<config>: ")


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=500))
def test_load_config_on_arbitrary_files_only_raises_config_error(tmp_path: Path, content: bytes):
    path = tmp_path / "config.toml"
    path.write_bytes(content)
    try:
        load_config(path, {})
    except ConfigError as exc:
        assert str(path) in str(exc)


def test_config_errors_name_the_key():
    with pytest.raises(ConfigError, match=r"collect.concurrency: must be a whole number"):
        parse_config(tomllib.loads('[collect]\nconcurrency = "8"'), path=None, env={})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "url",
                    "title",
                    "content_html",
                    "content_text",
                    "summary",
                    "date_published",
                    "date_modified",
                    "author",
                    "authors",
                    "name",
                    "external_url",
                    "items",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=150)
@given(st.lists(json_values, max_size=6), json_values)
def test_json_feed_with_arbitrary_items_only_raises_source_error(items: list, author: object):
    import json

    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "t",
        "author": author,
        "items": items,
    }
    try:
        feed = parse_feed(json.dumps(document).encode(), "http://127.0.0.1/feed.json")
    except SourceError:
        return
    assert len(feed.posts) <= len(items)
    assert all(isinstance(p.text, str) and isinstance(p.id, str) and p.id for p in feed.posts)


secrets = st.text(st.characters(whitelist_categories=("L", "N")), min_size=8, max_size=40).filter(
    lambda s: s not in "[REDACTED]"
)


@given(secrets, st.lists(st.text(max_size=40), min_size=1, max_size=5))
def test_an_env_secret_never_survives_redaction(secret: str, fragments: list[str]):
    from listen.redact import Redactor

    text = secret.join(fragments) + secret
    redacted = Redactor.from_env({"LISTEN_MASTODON_ACCESS_TOKEN": secret})(text)
    assert secret not in redacted


@given(st.text(max_size=60), st.text(max_size=60))
def test_one_line_leaves_no_escape_or_line_break(before: str, after: str):
    from listen.text import one_line

    text = one_line(f"{before}\x1b]0;pwned\x07\x1b[2J\r\n{after}")
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F for ch in text)
    assert "\n" not in text and "\t" not in text


def test_one_line_drops_whole_escape_sequences():
    from listen.text import one_line

    assert one_line("HTTP 500: \x1b[2J\x1b]0;pwned\x07oops\n\x1b[31mred\x1b[0m\x9b1m") == (
        "HTTP 500: oops red"
    )


_ORDINARY_WORDS = [
    "password", "passwd", "api_key", "token", "secret", "session", "key", "sig", "auth",
    "/etc/passwd", "~/.config/listen/config.toml", "collect.password", "x.api_key", "file",
    "is", "not", "a", "database", ":", ";", ",", "unknown", "missing", "expected", "HTTP", "500",
]  # fmt: skip


@given(st.lists(st.sampled_from(_ORDINARY_WORDS), max_size=12), st.sampled_from([" ", ": ", " "]))
def test_ordinary_words_and_paths_survive_redaction(words: list[str], separator: str):
    from listen.redact import Redactor

    text = separator.join(words)
    assert Redactor.from_env({"LISTEN_SMTP_PASSWORD": "hunter22"})(text) == text
