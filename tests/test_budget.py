"""The X read budget planner: a simulated month never spends more than the cap."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from listen.budget import (
    XPollCandidate,
    month_key,
    next_month_start,
    plan_x_polls,
    x_candidate,
)
from listen.types import Source

START = datetime(2026, 11, 1, tzinfo=UTC)
PRIORITIES = [3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1]


def simulate(cap: int, unit: str, spend: str, seed: int = 0) -> dict[str, Any]:
    """Hourly runs through November: poll what the plan allows, each poll spending per `spend`.

    `worst`: every poll spends its whole allowance; `typical`: a quiet account (one page; in
    posts mode a few new tweets, and the likes page for yourself); `random`: anything allowed.
    """
    rng = random.Random(seed)
    sources = {0: Source(0, "x", "self", "me", priority=2)} | {
        i + 1: Source(i + 1, "x", "author", f"c{i}", priority=p) for i, p in enumerate(PRIORITIES)
    }
    next_poll = dict.fromkeys(sources, START)
    polls: dict[int, list[datetime]] = {i: [] for i in sources}
    spent = 0
    for hour in range(30 * 24):
        now = START + timedelta(hours=hour)
        candidates = [
            x_candidate(s, due=next_poll[i] <= now, unit=unit, page_limit=100, max_pages=3)
            for i, s in sources.items()
        ]
        plan = plan_x_polls(cap=cap, spent=spent, now=now, candidates=candidates)
        assert sum(plan.allowances.values()) <= cap - spent
        for i, allowance in plan.allowances.items():
            source = sources[i]
            lookup = 0 if source.state.get("user_id") else 1
            if spend == "worst":
                cost = allowance
            elif spend == "typical":
                quiet = (2 if source.kind == "self" else 1) if unit == "requests" else 3
                likes = 25 if unit == "posts" and source.kind == "self" else 0
                cost = min(allowance, lookup + quiet + likes)
            else:
                cost = rng.randint(min(allowance, lookup + (unit == "requests")), allowance)
            spent += cost
            seen = source.state.get("reads_per_poll", cost)
            state = {"user_id": "1", "reads_per_poll": round(0.7 * seen + 0.3 * cost, 2)}
            sources[i] = Source(
                i, "x", source.kind, source.target, state=state, priority=source.priority
            )
            polls[i].append(now)
            next_poll[i] = now + timedelta(seconds=plan.intervals[i])
        for i, until in plan.deferred.items():
            assert until > now
            next_poll[i] = until
        assert spent <= cap
    return {"spent": spent, "polls": polls}


@pytest.mark.parametrize(
    ("unit", "cap"),
    [
        ("requests", 10),
        ("requests", 100),
        ("posts", 100),
        ("posts", 1500),
        ("posts", 10000),
        ("usd", 1_000_000),  # $1 in micro-dollars
    ],
)
@pytest.mark.parametrize("spend", ["worst", "typical", "random"])
def test_a_month_of_hourly_runs_never_exceeds_the_cap(unit: str, cap: int, spend: str) -> None:
    for seed in range(3):
        assert simulate(cap, unit, spend, seed)["spent"] <= cap


@pytest.mark.parametrize(("unit", "cap"), [("requests", 100), ("posts", 1500)])
def test_typical_polling_uses_the_budget_across_the_whole_month(unit: str, cap: int) -> None:
    result = simulate(cap, unit, "typical")
    polls: dict[int, list[datetime]] = result["polls"]
    assert result["spent"] >= 0.8 * cap  # not stingy
    last_week = START + timedelta(days=23)
    assert any(t >= last_week for times in polls.values() for t in times)  # not front-loaded
    high, normal, low = len(polls[1]), len(polls[3]), len(polls[7])  # priorities 3, 2, 1
    assert high > normal > low >= 1
    assert len(polls[0]) > normal  # your own activity is polled like a high-priority contact


def test_a_spent_budget_defers_everything_to_next_month() -> None:
    now = datetime(2026, 11, 20, 15, tzinfo=UTC)
    candidates = [XPollCandidate(1), XPollCandidate(2, "self")]
    plan = plan_x_polls(cap=100, spent=100, now=now, candidates=candidates)
    assert plan.allowances == {}
    december = datetime(2026, 12, 1, tzinfo=UTC)
    assert plan.deferred == {1: december, 2: december}


def test_allowances_go_to_higher_priorities_first_and_sum_to_what_is_left() -> None:
    now = datetime(2026, 11, 20, tzinfo=UTC)
    candidates = [
        XPollCandidate(1, priority=1),
        XPollCandidate(2, priority=3),
        XPollCandidate(3, priority=2),
    ]
    plan = plan_x_polls(cap=100, spent=96, now=now, candidates=candidates)
    assert plan.allowances == {2: 3, 3: 1}
    assert set(plan.deferred) == {1}
    assert plan.deferred[1] < next_month_start(now)  # reads remain; only this run was full
    assert plan.intervals[2] < plan.intervals[3] < plan.intervals[1]


def test_poll_costs_follow_the_unit_and_what_a_source_spent_before() -> None:
    fresh = Source(1, "x", "self", "me")
    known = Source(2, "x", "author", "them", state={"user_id": "9", "reads_per_poll": 7.5})
    as_requests = x_candidate(fresh, due=True, unit="requests", page_limit=100, max_pages=3)
    assert (as_requests.minimum, as_requests.maximum) == (3, 5)  # lookup, timeline, likes
    as_posts = x_candidate(fresh, due=True, unit="posts", page_limit=100, max_pages=3)
    assert (as_posts.minimum, as_posts.maximum) == (1 + 5 + 10, 1 + 300 + 25)
    author = x_candidate(known, due=True, unit="posts", page_limit=100, max_pages=3)
    assert (author.minimum, author.typical, author.allowance) == (5, 7.5, 23)


def test_poll_costs_in_dollars_price_your_own_reads_at_the_owned_price() -> None:
    from listen.x_pricing import XPrices

    prices = XPrices(post_read=5_000, user_read=10_000, owned_read=1_000)
    fresh_self = Source(1, "x", "self", "me")
    known = Source(2, "x", "author", "them", state={"user_id": "9"})
    mine = x_candidate(fresh_self, due=True, unit="usd", page_limit=100, max_pages=3, prices=prices)
    # a user lookup, then your own timeline (5) and likes (10) at $0.001 a post
    assert mine.minimum == 10_000 + (5 + 10) * 1_000
    assert mine.maximum == 10_000 + (300 + 25) * 1_000
    theirs = x_candidate(known, due=True, unit="usd", page_limit=100, max_pages=3, prices=prices)
    assert (theirs.minimum, theirs.maximum) == (5 * 5_000, 300 * 5_000)


def test_month_boundaries() -> None:
    assert month_key(datetime(2026, 12, 31, 23, 59, tzinfo=UTC)) == "2026-12"
    assert next_month_start(datetime(2026, 12, 31, tzinfo=UTC)) == datetime(2027, 1, 1, tzinfo=UTC)
