"""Plain-text digest: prose wrapped at 78 columns under its item, links never split."""

from __future__ import annotations

from datetime import timedelta

from listen.digest.build import EXCERPT_LIMIT, Activity, build_digest
from listen.digest.render import TEXT_WIDTH, render_text
from listen.facts import Candidate, Classification
from tests.digest.samples import NOW, summary

LONG_URL = "https://example.org/" + "long-path-segment/" * 4 + "graphs"  # > 78 columns
EXCERPT = (
    "Hi all! Observium is fine except for one thing.\n\n"
    "My Fujitsu box with an AMD GX-415GA CPU running OPNsense shows no temperatures, "
    f"see {LONG_URL} for the graphs. Can anyone give me a hint?"
)


def test_long_excerpt_is_wrapped_and_indented_and_keeps_every_word() -> None:
    digest = build_digest(
        candidates=[
            Candidate(
                summary("p1", "Homelab", EXCERPT, title="Observium and AMD temperatures"),
                Classification(0.9, 0.1, "comment", ("asks for a recommendation",)),
            )
        ],
        cold=[],
        activity=Activity({}, ()),
        scores=[],
        now=NOW,
        since=NOW - timedelta(hours=24),
        top=10,
    )
    text = render_text(digest)
    section = text.split("1. Reply to these\n")[1].split("\n\n")[0].splitlines()
    body = section[2:-2]  # between the title line and the link + why lines
    assert len(body) > 3
    assert all(line.startswith("     ") for line in body)
    assert all(len(line) <= TEXT_WIDTH for line in body if LONG_URL not in line)
    assert len(EXCERPT) < EXCERPT_LIMIT and len(LONG_URL) + 5 > TEXT_WIDTH
    assert f"     {LONG_URL}" in body  # on a line of its own, whole
    assert " ".join(" ".join(line.split()) for line in body) == " ".join(EXCERPT.split())


def test_every_line_fits_a_60_column_terminal_and_links_stay_whole() -> None:
    from tests.digest.samples import sample_digest

    digest = sample_digest()
    narrow = render_text(digest, width=60)
    links = [line.strip() for line in narrow.splitlines() if "https://" in line]
    for line in narrow.splitlines():
        assert len(line) <= 60 or line.strip().startswith("https://"), line
    assert links and all(line.startswith("https://") and " " not in line for line in links)
    lines = narrow.splitlines()
    assert lines[:2] == [
        "Your listen digest — Fri 31 May 2024 08:00 UTC",
        "  (since Thu 30 May 2024 08:00 UTC)",
    ]
    assert " ".join(narrow.split()) == " ".join(render_text(digest).split()), "only wrapping"
    wide = render_text(digest).splitlines()  # mail and files: 78 columns
    assert all(len(line) <= TEXT_WIDTH for line in wide if "https://" not in line)
