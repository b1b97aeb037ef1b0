"""Digest building: ranking, the neutral fallback, sections, the empty day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from listen.digest.build import (
    NEUTRAL_PROBABILITY,
    Activity,
    build_digest,
    freshness,
    rank_candidates,
)
from listen.facts import Candidate, Classification, PostSummary
from listen.tracker import ColdContact

NOW = datetime(2024, 5, 31, 8, tzinfo=UTC)


def candidate(
    post_id: str,
    *,
    contact: str = "Ann",
    priority: int = 2,
    hours_old: float = 1,
    action: str | None = None,
    comment: float = 0.0,
    share: float = 0.0,
    engaged: bool = False,
    mark: str | None = None,
) -> Candidate:
    post = PostSummary(
        id=post_id,
        platform="bluesky",
        contact_id=1,
        contact_name=contact,
        priority=priority,
        url=f"https://bsky.app/{post_id}",
        title=None,
        excerpt=f"text of {post_id}",
        kind="post",
        created_at=NOW - timedelta(hours=hours_old),
    )
    classification = (
        None
        if action is None
        else Classification(comment, share, action, ("asks a question",) if comment > 0.5 else ())
    )
    return Candidate(post, classification, engaged, mark)


def test_rank_is_value_times_priority_times_freshness() -> None:
    reply, share = rank_candidates(
        [
            candidate("low-prio", contact="A", priority=1, action="comment", comment=0.9),
            candidate("high-prio", contact="B", priority=3, action="comment", comment=0.6),
            candidate("old", contact="C", priority=3, hours_old=72, action="comment", comment=0.9),
            candidate("shareable", contact="D", action="share", share=0.8),
            candidate("skip", contact="E", action="skip", comment=0.99),
            candidate("done", contact="F", action="comment", comment=0.99, engaged=True),
            candidate("marked", contact="G", action="comment", comment=0.99, mark="skip"),
        ],
        now=NOW,
        top=10,
    )
    # high-prio: .6 x 1.5 x 1/(1+1/24); low-prio: .9 x .5 x same; old: .9 x 1.5 x 1/(1+3)
    assert [i.post_id for i in reply] == ["high-prio", "low-prio", "old"]
    assert reply[0].score == pytest.approx(0.6 * 1.5 * freshness(1))
    assert reply[2].score == pytest.approx(0.9 * 1.5 * 0.25)
    assert reply[0].reason == "asks a question"
    assert reply[1].reason == "asks a question"
    assert [(i.post_id, i.action) for i in share] == [("shareable", "share")]
    assert share[0].reason == "share probability 80%"


def test_unclassified_posts_get_a_neutral_value_and_say_so() -> None:
    reply, share = rank_candidates(
        [candidate("new", priority=3), candidate("also-new", contact="B", priority=1)],
        now=NOW,
        top=10,
    )
    assert [i.post_id for i in reply] == ["new", "also-new"]
    assert reply[0].value == NEUTRAL_PROBABILITY
    assert reply[0].action == "comment"
    assert "not classified" in reply[0].reason
    assert share == []


def test_top_n_and_at_most_two_per_contact() -> None:
    many = [candidate(f"ann-{i}", hours_old=i + 1) for i in range(5)]
    others = [candidate(f"bob-{i}", contact="Bob", hours_old=10 + i) for i in range(5)]
    reply, _ = rank_candidates(many + others, now=NOW, top=3)
    assert [i.post_id for i in reply] == ["ann-0", "ann-1", "bob-0"]


def test_cold_contacts_already_listed_are_not_repeated_and_empty_day() -> None:
    listed = candidate("p1", contact="Ann")
    cold = [
        ColdContact(1, "Ann", 3, None, listed.post),
        ColdContact(2, "Bob", 2, 20, candidate("p2", contact="Bob").post),
    ]
    digest = build_digest(
        candidates=[listed],
        cold=cold,
        activity=Activity(),
        scores=[],
        now=NOW,
        since=NOW - timedelta(hours=24),
        top=10,
    )
    assert [c.name for c in digest.cold] == ["Bob"]
    assert digest.shown_rows() == [("p1", "reply", 1, "comment"), ("p2", "cold", 1, "comment")]
    assert not digest.empty

    quiet = build_digest(
        candidates=[],
        cold=[],
        activity=Activity(),
        scores=[],
        now=NOW,
        since=NOW - timedelta(hours=24),
        top=10,
    )
    assert quiet.empty
    assert quiet.shown_rows() == []


def test_yesterday_counts_every_lurk_and_lists_the_first_ten() -> None:
    from listen.digest.build import summarise_activity
    from listen.digest.render import render_text
    from listen.facts import EngagementFact, ShownItem

    shown = [
        ShownItem(f"p{i}", "blog", 1, NOW - timedelta(days=3, hours=i), "reply", "Ann", f"T{i}")
        for i in range(12)
    ]
    activity = summarise_activity(
        engagements=[EngagementFact("x", "blog", "like", NOW - timedelta(hours=2), 1)],
        shown=shown,
        shown_engagements=[EngagementFact("p0", "blog", "comment", NOW - timedelta(days=1), 1)],
        marks=[],
        since=NOW - timedelta(hours=24),
        now=NOW,
        response_window=timedelta(days=3),
    )
    # p0 was answered; p1-p11 became lurked in the last 24 hours (shown 3 days + 1-11 h ago)
    assert activity.lurked_total == 11
    assert [i.post_id for i in activity.lurked] == [f"p{i}" for i in range(11, 1, -1)]
    assert activity.by_platform == {"blog": {"like": 1}}
    digest = build_digest(
        candidates=[],
        cold=[],
        activity=activity,
        scores=[],
        now=NOW,
        since=NOW - timedelta(hours=24),
        top=10,
    )
    assert "you lurked on: 11 posts (the first 10 below)" in render_text(digest)


def test_an_empty_day_of_skipped_posts_says_so_in_one_line() -> None:
    from listen.digest.render import render

    def quiet(*candidates: Candidate):
        return build_digest(
            candidates=candidates,
            cold=[],
            activity=Activity(),
            scores=[],
            now=NOW,
            since=NOW - timedelta(hours=24),
            top=10,
        )

    skipped = quiet(candidate("a", action="skip"), candidate("b", action="skip"))
    assert skipped.empty
    for fmt in ("text", "markdown"):
        assert render(skipped, fmt) == (
            "All quiet: 2 posts from your contacts since Thu 30 May 2024 08:00 UTC, all scored "
            "skip, and nothing waiting for you. Enjoy the day.\n"
        )
    handled = quiet(candidate("a", action="skip"), candidate("b", action="comment", engaged=True))
    assert render(handled, "text") == (
        "All quiet: 2 posts from your contacts since Thu 30 May 2024 08:00 UTC, all already "
        "handled or skipped, and nothing waiting for you. Enjoy the day.\n"
    )


def test_explore_slots_go_to_the_posts_the_model_is_least_sure_about() -> None:
    sure = [
        candidate(f"sure-{i}", contact=f"S{i}", action="comment", comment=0.95 - i / 100)
        for i in range(12)
    ]
    unsure = candidate("unsure", contact="U", action="skip", comment=0.48)  # skipped, so unseen
    fairly = candidate("fairly", contact="V", action="skip", comment=0.3)
    clear_skip = candidate("clear-skip", contact="W", action="skip", comment=0.01)
    shareable = [
        candidate(f"share-{i}", contact=f"T{i}", action="share", share=0.9) for i in range(12)
    ]
    on_the_fence = candidate("fence", contact="X", action="skip", share=0.55)
    pool = [*sure, unsure, fairly, clear_skip, *shareable, on_the_fence]
    reply, share = rank_candidates(pool, now=NOW, top=10, explore_share=0.1)
    assert len(reply) == 10 and len(share) == 10
    assert [i.post_id for i in reply[:9]] == [f"sure-{i}" for i in range(9)]
    assert reply[9].post_id == "unsure" and reply[9].explore
    assert reply[9].action == "comment" and "unsure" in reply[9].reason
    assert share[9].post_id == "fence" and share[9].explore
    assert not any(i.explore for i in (*reply[:9], *share[:9]))
    ids = [i.post_id for i in (*reply, *share)]
    assert len(ids) == len(set(ids))  # a post is shown once, in one section
    digest = build_digest(
        candidates=pool,
        cold=[],
        activity=Activity(),
        scores=[],
        now=NOW,
        since=NOW - timedelta(days=1),
        top=10,
        explore_share=0.1,
    )
    rows = digest.shown_rows()
    assert ("unsure", "reply", 10, "comment") in rows  # shown, so ignoring it becomes a label
    without, _ = rank_candidates(pool, now=NOW, top=10)
    assert [i.post_id for i in without] == [f"sure-{i}" for i in range(10)]


@pytest.mark.parametrize(
    ("top", "share", "slots"), [(10, 0.1, 1), (5, 0.1, 1), (4, 0.1, 0), (20, 0.25, 5), (1, 0.5, 0)]
)
def test_explore_slots_round_half_up_and_leave_one_pick(top: int, share: float, slots: int) -> None:
    from listen.digest.build import explore_slots

    assert explore_slots(top, share) == slots
