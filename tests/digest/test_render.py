"""Rendering: every format carries every section; HTML escapes untrusted text."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from listen.digest.build import Activity, Digest, build_digest
from listen.digest.render import render, render_html, render_markdown, render_text, sparkline
from tests.digest.samples import HOSTILE, NOW, sample_digest


@pytest.fixture
def digest() -> Digest:
    return sample_digest()


def test_text_has_the_five_sections_in_order(digest: Digest) -> None:
    text = render_text(digest)
    positions = [
        text.index(h)
        for h in (
            "1. Reply to these",
            "2. Worth sharing",
            "3. Going cold",
            "4. Yesterday",
            "5. Participation",
        )
    ]
    assert positions == sorted(positions)
    assert "Ann <Admin> · bluesky · 3 h ago — comment" in text
    assert "why: asks a question" in text
    assert "Bob Cold (priority 2) · bluesky · silent 21 d" in text
    assert "you did: bluesky: 2 likes, 1 reply" in text
    assert "bluesky    44/100  ▁▂▃▃▄▄  +14 vs previous window" in text
    # one logical line, wrapped between components to fit 78 columns
    flat = " ".join(text.split())
    assert "response 12 · depth 12 · breadth 17 · consistency 2 · lurk ratio 50%" in flat


def test_terminal_escapes_in_post_text_are_dropped(digest: Digest) -> None:
    for fmt in ("text", "markdown", "html"):
        out = render(digest, fmt)
        assert "\x1b" not in out and "\x07" not in out
        assert "going to the meetup on Thursday?" in out  # the rest of the text stays
    assert "\x1b" in json.loads(render(digest, "json"))["reply"][0]["excerpt"]  # JSON escapes it
    assert "\\u001b" in render(digest, "json")


def test_sparkline_is_absolute() -> None:
    assert sparkline((0.0, 50.0, 100.0)) == "▁▅█"


def test_html_escapes_post_text_and_has_no_script(digest: Digest) -> None:
    page = render_html(digest)
    assert "<script" not in page
    assert "<img" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "Ann &lt;Admin&gt;" in page
    assert "An essay &lt;b&gt;bold&lt;/b&gt;" in page
    assert 'href="javascript' not in page
    assert 'href="https://bsky.app/profile/ann/post/p1"' in page
    assert page.startswith("<!DOCTYPE html>")
    assert "<style" not in page and "<link" not in page  # inline CSS only, self-contained


def test_markdown_escapes_links_and_html(digest: Digest) -> None:
    text = render_markdown(digest)
    assert "<script>" not in text
    assert "\\[link\\]\\(javascript:x\\)" in text
    assert "[Follow\\-up guide](<https://bsky.app/profile/ann/post/p2>)" in text


def test_json_round_trips(digest: Digest) -> None:
    data = json.loads(render(digest, "json"))
    assert [i["post_id"] for i in data["reply"]] == ["p1"]
    assert data["share"][0]["action"] == "share"
    assert data["going_cold"][0]["days_silent"] == 21
    assert data["yesterday"]["engagements"] == {"bluesky": {"like": 2, "reply": 1}}
    assert data["scores"][0]["total"] == round(12.5 + 12.5 + 50 / 3 + 2.5, 2)
    assert HOSTILE in data["reply"][0]["excerpt"]  # JSON keeps the text; consumers escape


def test_an_empty_day_is_one_friendly_line() -> None:
    quiet = build_digest(
        candidates=[],
        cold=[],
        activity=Activity(),
        scores=[],
        now=NOW,
        since=NOW - timedelta(hours=24),
        top=10,
    )
    for fmt in ("text", "markdown"):
        out = render(quiet, fmt)
        assert out.count("\n") == 1
        assert out.startswith("All quiet: nothing new from your contacts since Thu 30 May 2024")
    assert "All quiet" in render_html(quiet)
    assert json.loads(render(quiet, "json"))["empty"] is True
