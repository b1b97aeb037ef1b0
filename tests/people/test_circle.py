"""The circle, the untouched, the helped and reply-back: pure, checked on hand-made facts."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from listen.facts import ContactTouch, InteractionFact, OutboundFact
from listen.people.circle import (
    helped_by_week,
    how_helped,
    people_helped,
    reply_backs,
    untouched_contacts,
    week_windows,
)

NOW = datetime(2024, 11, 20, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def test_the_circle_weeks_end_now_and_do_not_overlap() -> None:
    windows = week_windows(NOW, 12)
    assert len(windows) == 12 and windows[-1] == (NOW - 7 * DAY, NOW)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(windows))
    assert windows[0][0] == NOW - 84 * DAY


def test_untouched_are_by_priority_then_longest_silence_never_first() -> None:
    contacts = [
        ContactTouch(1, "Recent", 3, NOW - 2 * DAY, None),
        ContactTouch(2, "Old out", 3, None, NOW - 40 * DAY),
        ContactTouch(3, "Never", 3, None, None),
        ContactTouch(4, "Older in", 3, NOW - 90 * DAY, NOW - 35 * DAY),
        ContactTouch(5, "Low", 1, None, None),
    ]
    found = untouched_contacts(contacts, now=NOW, after=30 * DAY)
    assert [(u.name, u.days) for u in found] == [
        ("Never", None),
        ("Old out", 40),
        ("Older in", 35),
        ("Low", None),
    ]


def test_what_counts_as_doing_good() -> None:
    assert how_helped("share", frozenset()) == "shared"
    assert how_helped("repost", frozenset()) == "shared"
    assert how_helped("reply", frozenset({"question"})) == "answered"
    assert how_helped("comment", frozenset({"request"})) == "answered"
    assert how_helped("reply", frozenset({"new_role"})) == "congratulated"
    assert how_helped("intro", frozenset()) == "introduced"
    assert how_helped("reply", frozenset({"resource"})) is None  # a reply, not a good deed
    assert how_helped("like", frozenset({"question"})) is None


def test_people_helped_are_distinct_with_every_way_and_a_weekly_trend() -> None:
    facts = [
        OutboundFact(1, "Ann", "reply", NOW - DAY, "p1"),
        OutboundFact(1, "Ann", "share", NOW - 2 * DAY, "p2"),
        OutboundFact(2, "Bob", "like", NOW - DAY, "p3"),
        OutboundFact(3, "Cy", "intro", NOW - 10 * DAY, None),
        OutboundFact(4, "Di", "reply", NOW - 40 * DAY, "p4"),  # outside the month
    ]
    cues = {"p1": frozenset({"question"}), "p4": frozenset({"anniversary"})}
    helped, count = people_helped(facts, cues, start=NOW - 30 * DAY, now=NOW)
    assert count == 2 and people_helped(facts, cues, start=NOW - 30 * DAY, now=NOW, limit=1)[1] == 2
    assert [(p.name, p.how) for p in helped] == [
        ("Ann", ("answered", "shared")),
        ("Cy", ("introduced",)),
    ]
    assert helped_by_week(facts, cues, now=NOW) == (0, 0, 1, 1)


def fact(contact_id: int | None, kind: str, at: datetime, direction: str = "in") -> InteractionFact:
    return InteractionFact(
        1,
        "bluesky",
        direction,
        kind,
        contact_id,
        "Ann",
        "ann.test",
        "",
        "at://me/1",
        f"at://ann/{at:%H%M}",
        "https://bsky.app/x",
        "Did you\n try it?",
        at,
    )


def test_reply_back_waits_reply_back_hours_and_lists_the_longest_waiting_first() -> None:
    unanswered = [
        fact(1, "reply", NOW - 2 * DAY),
        fact(1, "mention", NOW - 30 * timedelta(hours=1)),
        fact(1, "reply", NOW - timedelta(hours=3)),  # not yet: 24 h to answer
        fact(None, "reply", NOW - 3 * DAY),  # not a contact
    ]
    found = reply_backs(unanswered, now=NOW, after=timedelta(hours=24))
    assert [(r.kind, round(r.waiting_hours)) for r in found] == [("reply", 48), ("mention", 30)]
    assert found[0].text == "Did you try it?"
