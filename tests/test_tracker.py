"""Tracker: participated / lurked / open, and going cold, on hand-made histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from listen.facts import ContactActivity, EngagementFact, MarkFact, PostSummary, ShownItem
from listen.tracker import going_cold, track

NOW = datetime(2024, 5, 31, tzinfo=UTC)
WINDOW = timedelta(days=3)


def shown(post_id: str, days_ago: float, platform: str = "bluesky") -> ShownItem:
    return ShownItem(post_id, platform, 1, NOW - timedelta(days=days_ago), "reply")


def engaged(post_id: str, days_ago: float, kind: str = "reply") -> EngagementFact:
    return EngagementFact(post_id, "bluesky", kind, NOW - timedelta(days=days_ago), 1)


def test_statuses_follow_engagements_marks_and_the_response_window() -> None:
    items = [
        shown("replied", 5),
        shown("marked-done", 5),
        shown("marked-skip", 5),
        shown("ignored", 3),  # exactly the window: lurked
        shown("recent", 2.9),
        shown("future", -1),  # shown after `now`: not judged
    ]
    marks = [
        MarkFact("marked-done", "done", NOW - timedelta(days=4)),
        MarkFact("marked-skip", "skip", NOW - timedelta(days=4)),
    ]
    result = {
        t.post_id: t.status
        for t in track(items, [engaged("replied", 4)], marks, now=NOW, response_window=WINDOW)
    }
    assert result == {
        "replied": "participated",
        "marked-done": "participated",
        "marked-skip": "lurked",
        "ignored": "lurked",
        "recent": "open",
    }


def test_a_post_shown_twice_is_judged_from_its_first_showing() -> None:
    items = [shown("p", 1), shown("p", 4)]
    (tracked,) = track(items, [], [], now=NOW, response_window=WINDOW)
    assert tracked.status == "lurked"
    assert tracked.first_shown_at == NOW - timedelta(days=4)


def test_replaying_an_earlier_moment_ignores_later_engagements() -> None:
    items = [shown("p", 10)]
    late_reply = [engaged("p", 1)]
    (then,) = track(items, late_reply, [], now=NOW - timedelta(days=5), response_window=WINDOW)
    (today,) = track(items, late_reply, [], now=NOW, response_window=WINDOW)
    assert then.status == "lurked"
    assert today.status == "participated"
    assert today.participated_at == NOW - timedelta(days=1)


def post(post_id: str, days_ago: float) -> PostSummary:
    return PostSummary(
        id=post_id,
        platform="blog",
        contact_id=None,
        contact_name="",
        priority=2,
        url=f"https://example.org/{post_id}",
        title=post_id,
        excerpt="",
        kind="article",
        created_at=NOW - timedelta(days=days_ago),
    )


def activity(
    contact_id: int, name: str, priority: int, engaged_days_ago: float | None, posted: float | None
) -> ContactActivity:
    return ContactActivity(
        contact_id,
        name,
        priority,
        None if engaged_days_ago is None else NOW - timedelta(days=engaged_days_ago),
        None if posted is None else post(f"post-{name}", posted),
    )


def test_going_cold_orders_by_priority_then_silence() -> None:
    contacts = [
        activity(1, "recently-engaged", 3, 3, 1),
        activity(2, "silent-low", 1, 40, 2),
        activity(3, "silent-high-20", 3, 20, 5),
        activity(4, "never-high", 3, None, 13),
        activity(5, "silent-high-30", 3, 30, 1),
        activity(6, "stopped-posting", 3, None, 15),
        activity(7, "no-posts", 3, None, None),
    ]
    cold = going_cold(contacts, now=NOW, cold_after=timedelta(days=14))
    assert [(c.name, c.days_silent) for c in cold] == [
        ("never-high", None),
        ("silent-high-30", 30),
        ("silent-high-20", 20),
        ("silent-low", 40),
    ]
    assert cold[0].opening.id == "post-never-high"
