"""Participation score: each component against hand-computed histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from listen.facts import EngagementFact, MarkFact, ShownItem
from listen.scoring import participation_scores, score_window

NOW = datetime(2024, 5, 31, tzinfo=UTC)
WINDOW = timedelta(days=30)
RESPONSE = timedelta(days=3)


def at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2024, month, day, hour, tzinfo=UTC)


def shown(post_id: str, when: datetime, contact: int, platform: str = "bluesky") -> ShownItem:
    return ShownItem(post_id, platform, contact, when, "reply")


def eng(
    post_id: str, kind: str, when: datetime, contact: int | None, platform: str = "bluesky"
) -> EngagementFact:
    return EngagementFact(post_id, platform, kind, when, contact)


# A month on bluesky (window 1 May - 31 May) plus the April before it, and a little blog.
SHOWN = [
    shown("A", at(5, 10), 1),  # replied to on 10 May: participated
    shown("B", at(5, 12), 2),  # nothing, > 3 days ago: lurked
    shown("C", at(5, 20), 4),  # marked done: participated
    shown("D", at(5, 29, 12), 4),  # nothing, 1.5 days ago: open
    shown("E", at(4, 25), 5),  # previous window: lurked by 1 May
    shown("F", at(5, 15), 2),  # marked skip: still lurked
    shown("G", at(5, 1, 12), 6, platform="blog"),  # blog: not answered, lurked
]
MARKS = [MarkFact("C", "done", at(5, 21)), MarkFact("F", "skip", at(5, 16))]
ENGAGEMENTS = [
    eng("A", "reply", at(5, 10, 12), 1),
    eng("X1", "like", at(5, 10, 13), 2),
    eng("X2", "repost", at(5, 15, 8), 1),
    eng("X3", "like", at(5, 20, 9), 3),  # contact 3 was not shown in the window
    eng("Q", "quote", at(4, 30, 23), 5),  # previous window
    eng("B1", "comment", at(5, 2, 10), 6, platform="blog"),
]


def bluesky_window(start: datetime, end: datetime):  # type: ignore[no-untyped-def]
    return score_window(
        "bluesky",
        shown=SHOWN,
        engagements=ENGAGEMENTS,
        marks=MARKS,
        start=start,
        end=end,
        response_window=RESPONSE,
    )


def test_every_component_matches_the_hand_computed_month() -> None:
    c = bluesky_window(NOW - WINDOW, NOW)
    # response: A and C participated, B and F lurked, D open → 25 * 2/4
    assert (c.participated, c.lurked, c.open) == (2, 2, 1)
    assert c.response == pytest.approx(12.5)
    # depth: reply 1 + like .25 + repost .5 + like .25 = 2.0 over 4 engagements → 25 * 0.5
    assert c.depth == pytest.approx(12.5)
    assert c.engagements_by_kind == {"like": 2, "reply": 1, "repost": 1}
    # breadth: shown posts by {1, 2, 4}; engaged {1, 2, 3}; reached {1, 2} → 25 * 2/3
    assert (c.contacts_engaged, c.contacts_posting) == (2, 3)
    assert c.breadth == pytest.approx(50 / 3)
    # consistency: engagements on 10, 15 and 20 May → 25 * 3/30
    assert (c.active_days, c.window_days) == (3, 30)
    assert c.consistency == pytest.approx(2.5)
    assert c.total == pytest.approx(12.5 + 12.5 + 50 / 3 + 2.5)
    assert c.lurk_ratio == pytest.approx(0.5)


def test_previous_window_and_trend() -> None:
    (bluesky, blog) = sorted(
        participation_scores(
            shown=SHOWN,
            engagements=ENGAGEMENTS,
            marks=MARKS,
            now=NOW,
            window=WINDOW,
            response_window=RESPONSE,
        ),
        key=lambda s: s.platform,
        reverse=True,
    )
    assert (bluesky.platform, blog.platform) == ("bluesky", "blog")
    # April: E lurked (response 0), one quote (depth 12.5), contact 5 was shown and quoted
    # (breadth 25), one active day of 30 (consistency 25/30).
    assert bluesky.previous_total == pytest.approx(0 + 12.5 + 25 + 25 / 30)
    assert bluesky.trend == pytest.approx((12.5 + 12.5 + 50 / 3 + 2.5) - (37.5 + 25 / 30))
    assert bluesky.history[-1] == pytest.approx(bluesky.total)
    assert len(bluesky.history) == 6
    # blog: G lurked (response 0), one comment on another of contact 6's posts (depth 25,
    # breadth 25), one active day (consistency 25/30); platforms never mix.
    assert (blog.current.response, blog.current.lurked) == (0, 1)
    assert blog.total == pytest.approx(25 + 25 + 25 / 30)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("comment", 25.0),
        ("reply", 25.0),
        ("quote", 12.5),
        ("share", 12.5),
        ("repost", 12.5),
        ("mention", 12.5),
        ("like", 6.25),
    ],
)
def test_depth_weights_each_kind(kind: str, expected: float) -> None:
    c = score_window(
        "x",
        shown=[],
        engagements=[eng("p", kind, at(5, 5), None, platform="x")],
        marks=[],
        start=NOW - WINDOW,
        end=NOW,
        response_window=RESPONSE,
    )
    assert c.depth == pytest.approx(expected)
    assert c.breadth == 0  # nothing shown: no opportunity, no breadth
    assert c.response == 0  # nothing shown
    assert c.consistency == pytest.approx(25 / 30)


def test_an_empty_history_scores_zero() -> None:
    c = bluesky_window(at(1, 1), at(1, 31))
    assert c.total == 0
    assert c.lurk_ratio == 0


def generated_month() -> tuple[list[ShownItem], list[EngagementFact]]:
    """30 days from 1 May: two posts shown each morning at 08:00.

    Post a of day d is by contact d % 10, post b by contact 10 + d % 4. You reply to a on even
    days (10:00) and like b on days divisible by 3 (11:00).
    """
    start = at(5, 1)
    items, facts = [], []
    for d in range(30):
        day = start + timedelta(days=d)
        items.append(ShownItem(f"a{d}", "mastodon", d % 10, day + timedelta(hours=8), "reply"))
        items.append(ShownItem(f"b{d}", "mastodon", 10 + d % 4, day + timedelta(hours=8), "reply"))
        if d % 2 == 0:
            facts.append(eng(f"a{d}", "reply", day + timedelta(hours=10), d % 10, "mastodon"))
        if d % 3 == 0:
            facts.append(eng(f"b{d}", "like", day + timedelta(hours=11), 10 + d % 4, "mastodon"))
    return items, facts


def test_generated_30_day_history_matches_hand_computed_scores() -> None:
    items, facts = generated_month()
    (score,) = participation_scores(
        shown=items,
        engagements=facts,
        marks=[],
        now=at(5, 31),
        window=WINDOW,
        response_window=RESPONSE,
    )
    c = score.current
    # Participated: 15 replies (even days) + 10 likes (days 0, 3, ..., 27) = 25 posts.
    # Lurked: shown on days 0-26 (≥ 3 days before 31 May 00:00) and untouched:
    #   a on odd days 1..25 = 13, b on days 0-26 not divisible by 3 = 27 - 9 = 18 → 31.
    # Open: untouched posts of days 27-29: a27, a29, b28, b29 = 4.
    assert (c.participated, c.lurked, c.open) == (25, 31, 4)
    assert c.response == pytest.approx(25 * 25 / 56)
    # Depth: (15 x 1 + 10 x 0.25) / 25 engagements = 0.7 → 17.5.
    assert c.depth == pytest.approx(17.5)
    # Breadth: 14 contacts were shown (0-9 for a, 10-13 for b). Replies reach the even ones
    # 0, 2, 4, 6, 8; likes (days 0, 3, 6, 9 → 10, 13, 12, 11, ...) reach 10-13: 9 of 14.
    assert (c.contacts_engaged, c.contacts_posting) == (9, 14)
    assert c.breadth == pytest.approx(25 * 9 / 14)
    # Consistency: even days (15) + multiples of 3 (10) - multiples of 6 (5) = 20 of 30 days.
    assert c.active_days == 20
    assert c.consistency == pytest.approx(25 * 20 / 30)
    assert score.total == pytest.approx(25 * 25 / 56 + 17.5 + 25 * 9 / 14 + 25 * 20 / 30)
    assert c.lurk_ratio == pytest.approx(31 / 56)
    assert c.engagements_by_kind == {"like": 10, "reply": 15}
    # Nothing happened before May: the previous window scores 0.
    assert score.previous_total == 0
    assert score.trend == pytest.approx(score.total)


def reference_window(
    platform: str,
    shown_items: list[ShownItem],
    engagements: list[EngagementFact],
    marks: list[MarkFact],
    start: datetime,
    end: datetime,
) -> tuple[object, ...]:
    """The components computed the plain way (one pass over every fact per window): what the
    indexed `_PlatformFacts` must reproduce exactly."""
    from collections import Counter

    from listen.scoring import COMPONENT_MAX, DEPTH_WEIGHTS
    from listen.tracker import track

    mine = [s for s in shown_items if s.platform == platform]
    ids = {s.post_id for s in mine}
    own = [e for e in engagements if e.platform == platform]
    window_days = max(1, round((end - start) / timedelta(days=1)))
    tracked = [
        t
        for t in track(
            mine, own, [m for m in marks if m.post_id in ids], now=end, response_window=RESPONSE
        )
        if start <= t.first_shown_at < end
    ]
    statuses = Counter(t.status for t in tracked)
    decided = statuses["participated"] + statuses["lurked"]
    in_window = [e for e in own if start <= e.engaged_at < end]
    depth = (
        COMPONENT_MAX * sum(DEPTH_WEIGHTS.get(e.kind, 0.0) for e in in_window) / len(in_window)
        if in_window
        else 0.0
    )
    posting = {s.contact_id for s in mine if s.contact_id is not None and start <= s.shown_at < end}
    reached = {e.contact_id for e in in_window if e.contact_id is not None} & posting
    active = {int((e.engaged_at - start) / timedelta(days=1)) for e in in_window}
    active_days = len({d for d in active if 0 <= d < window_days})
    return (
        COMPONENT_MAX * statuses["participated"] / decided if decided else 0.0,
        depth,
        COMPONENT_MAX * len(reached) / len(posting) if posting else 0.0,
        COMPONENT_MAX * active_days / window_days,
        dict(statuses),
        dict(sorted(Counter(e.kind for e in in_window).items())),
        len(reached),
        len(posting),
        active_days,
    )


@pytest.mark.parametrize("seed", range(12))
def test_indexed_windows_equal_the_plain_computation(seed: int) -> None:
    import random

    rng = random.Random(seed)
    platforms = ("bluesky", "blog", "x")
    kinds = ("like", "reply", "comment", "repost", "quote", "share", "mention", "follow")
    span = 90 * 86400

    def moment() -> datetime:
        # whole seconds and odd microseconds, some exactly on day boundaries of the windows
        if rng.random() < 0.1:
            return NOW - timedelta(days=rng.randrange(90))
        return NOW - timedelta(seconds=rng.randrange(span), microseconds=rng.randrange(2) * 7)

    posts = [f"p{i}" for i in range(60)]
    shown_items = [
        ShownItem(
            rng.choice(posts), rng.choice(platforms), rng.choice((1, 2, 3, None)), moment(), "reply"
        )
        for _ in range(rng.randrange(0, 80))
    ]
    engagements = [
        EngagementFact(
            rng.choice(posts),
            rng.choice(platforms),
            rng.choice(kinds),
            moment(),
            rng.choice((1, 2, 3, 4, None)),
        )
        for _ in range(rng.randrange(0, 400))
    ]
    marks = [
        MarkFact(rng.choice(posts), rng.choice(("done", "skip", "like")), moment())
        for _ in range(rng.randrange(0, 10))
    ]
    for platform in platforms:
        for end in (NOW, NOW - timedelta(days=7), NOW - timedelta(days=30, hours=5)):
            for window in (
                WINDOW,
                timedelta(days=7),
                timedelta(days=2, hours=12),
                timedelta(days=2, hours=18),
            ):
                got = score_window(
                    platform,
                    shown=shown_items,
                    engagements=engagements,
                    marks=marks,
                    start=end - window,
                    end=end,
                    response_window=RESPONSE,
                )
                want = reference_window(
                    platform, shown_items, engagements, marks, end - window, end
                )
                statuses = {
                    k: v
                    for k, v in (
                        ("participated", got.participated),
                        ("lurked", got.lurked),
                        ("open", got.open),
                    )
                    if v
                }
                assert (
                    got.response,
                    got.depth,
                    got.breadth,
                    got.consistency,
                    statuses,
                    got.engagements_by_kind,
                    got.contacts_engaged,
                    got.contacts_posting,
                    got.active_days,
                ) == want
