"""One contact's story: timeline, months, sparkline, openings and the next step (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from listen.facts import InteractionFact, OutboundFact, PostSummary, StoryPost
from listen.people.circle import ReplyBack
from listen.people.story import (
    build_timeline,
    duration_text,
    month_counts,
    next_step,
    openings,
    sparkline,
)

NOW = datetime(2024, 11, 20, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def story_post(n: int, at: datetime, action: str | None = "comment", engaged: bool = False):
    post = PostSummary(
        f"at://ann/{n}",
        "bluesky",
        1,
        "Ann",
        3,
        f"https://bsky.app/{n}",
        None,
        f"post {n}",
        "post",
        at,
    )
    return StoryPost(post, action, ("asks a question you could answer",), engaged, None)


def test_the_timeline_merges_three_kinds_newest_first_and_is_capped() -> None:
    posts = [story_post(1, NOW - 3 * DAY)]
    outs = [OutboundFact(1, "", "reply", NOW - 2 * DAY, "at://ann/1", "great point")]
    ins = [
        InteractionFact(
            9,
            "bluesky",
            "in",
            "like",
            1,
            "Ann",
            "ann.test",
            "",
            "at://me/1",
            None,
            None,
            "",
            NOW - DAY,
        )
    ]
    timeline = build_timeline(posts, outs, ins, limit=10)
    assert [(e.direction, e.kind) for e in timeline] == [
        ("in", "like"),
        ("out", "reply"),
        ("theirs", "post"),
    ]
    assert len(build_timeline(posts, outs, ins, limit=2)) == 2


def test_months_cover_six_calendar_months_across_a_new_year() -> None:
    jan = datetime(2025, 1, 15, tzinfo=UTC)
    counts = [
        ("2025-01", "in", 2),
        ("2024-12", "out", 3),
        ("2024-12", "in", 1),
        ("2024-06", "in", 9),
    ]
    months = month_counts(counts, now=jan)
    assert [m.month for m in months] == [
        "2024-08",
        "2024-09",
        "2024-10",
        "2024-11",
        "2024-12",
        "2025-01",
    ]
    assert [m.total for m in months] == [0, 0, 0, 0, 4, 2]


def test_the_sparkline_scales_to_the_busiest_month() -> None:
    assert sparkline([0, 0, 0]) == "▁▁▁"
    assert sparkline([0, 1, 2, 4]) == "▁▃▅█"
    assert sparkline([]) == ""


def test_durations_read_like_a_person_says_them() -> None:
    assert duration_text(timedelta(hours=3)) == "3 hours"
    assert duration_text(timedelta(days=2)) == "2 days"
    assert duration_text(timedelta(days=36)) == "5 weeks"
    assert duration_text(timedelta(days=130)) == "4 months"


def test_openings_are_recent_unhandled_posts_worth_acting_on() -> None:
    posts = [
        story_post(1, NOW - DAY),
        story_post(2, NOW - DAY, engaged=True),
        story_post(3, NOW - DAY, action="skip"),
        story_post(4, NOW - 20 * DAY),
    ]
    assert [o.post_id for o in openings(posts, now=NOW)] == ["at://ann/1"]


def test_the_next_step_answers_first_then_reaches_out_after_silence() -> None:
    waiting = [
        ReplyBack(1, "Ann", "bluesky", "reply", NOW - 2 * DAY, "hi?", "https://r", "at://r", 48.0)
    ]
    latest = story_post(1, NOW - DAY)
    step = next_step(
        waiting=waiting, opportunities=(), latest_post=latest, last_in=None, last_out=None, now=NOW
    )
    assert (step.action, step.text, step.url) == (
        "answer",
        "they replied to you 2 days ago: answer",
        "https://r",
    )
    quiet = next_step(
        waiting=[],
        opportunities=(),
        latest_post=latest,
        last_in=None,
        last_out=NOW - 36 * DAY,
        now=NOW,
    )
    assert quiet.text == "no contact for 5 weeks: their latest post is an opening"
    assert quiet.url == "https://bsky.app/1"
    fine = next_step(
        waiting=[],
        opportunities=(),
        latest_post=latest,
        last_in=NOW - 2 * DAY,
        last_out=None,
        now=NOW,
    )
    assert (fine.action, fine.text) == ("none", "in touch (2 days ago): nothing pressing")
    open_post = openings([latest], now=NOW)
    act = next_step(
        waiting=[],
        opportunities=open_post,
        latest_post=latest,
        last_in=NOW - DAY,
        last_out=None,
        now=NOW,
    )
    assert act.action == "comment" and "asks a question" in act.text
