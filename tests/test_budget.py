"""The X read budget planner: a simulated month never spends more than the cap."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from listen.budget import XPollCandidate, month_key, next_month_start, plan_x_polls

START = datetime(2026, 11, 1, tzinfo=UTC)
PRIORITIES = [3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1]


def simulate(cap: int, spend: str, seed: int = 0, hours: int = 30 * 24) -> dict[str, object]:
    """Hourly runs through November: poll what the plan allows, spending per `spend`."""
    rng = random.Random(seed)
    kinds = {0: ("self", 2)} | {i + 1: ("author", p) for i, p in enumerate(PRIORITIES)}
    next_poll = dict.fromkeys(kinds, START)
    resolved = dict.fromkeys(kinds, False)
    polls: dict[int, list[datetime]] = {i: [] for i in kinds}
    spent = 0
    for hour in range(hours):
        now = START + timedelta(hours=hour)
        candidates = [
            XPollCandidate(i, kind, priority, next_poll[i] <= now, resolved[i])
            for i, (kind, priority) in kinds.items()
        ]
        plan = plan_x_polls(
            cap=cap,
            spent=spent,
            now=now,
            candidates=candidates,
            max_pages=3,
            min_interval_seconds=3600,
        )
        assert sum(plan.allowances.values()) <= cap - spent
        for i, allowance in plan.allowances.items():
            candidate = next(c for c in candidates if c.source_id == i)
            if spend == "worst":
                cost = allowance
            elif spend == "typical":
                cost = min(allowance, candidate.reads_per_poll)
            else:
                cost = rng.randint(min(allowance, candidate.reads_per_poll), allowance)
            spent += cost
            resolved[i] = True
            polls[i].append(now)
            next_poll[i] = now + timedelta(seconds=plan.intervals[i])
        for i, until in plan.deferred.items():
            assert until > now
            next_poll[i] = until
        assert spent <= cap
    return {"spent": spent, "polls": polls}


@pytest.mark.parametrize("cap", [10, 37, 100, 1500])
@pytest.mark.parametrize("spend", ["worst", "typical", "random"])
def test_a_month_of_hourly_runs_never_exceeds_the_cap(cap: int, spend: str) -> None:
    for seed in range(3):
        assert simulate(cap, spend, seed)["spent"] <= cap  # type: ignore[operator]


def test_typical_polling_uses_the_budget_across_the_whole_month() -> None:
    result = simulate(100, "typical")
    polls: dict[int, list[datetime]] = result["polls"]  # type: ignore[assignment]
    assert result["spent"] >= 80  # type: ignore[operator]  # not stingy
    last_week = START + timedelta(days=23)
    assert any(t >= last_week for times in polls.values() for t in times)  # not front-loaded
    high = len(polls[1])  # priority 3
    normal = len(polls[3])  # priority 2
    low = len(polls[7])  # priority 1
    assert high > normal > low >= 1
    assert len(polls[0]) > normal  # your own activity is polled like a high-priority contact


def test_a_spent_budget_defers_everything_to_next_month() -> None:
    now = datetime(2026, 11, 20, 15, tzinfo=UTC)
    candidates = [XPollCandidate(1), XPollCandidate(2, "self")]
    plan = plan_x_polls(cap=100, spent=100, now=now, candidates=candidates, max_pages=3)
    assert plan.allowances == {}
    assert plan.deferred == {
        1: datetime(2026, 12, 1, tzinfo=UTC),
        2: datetime(2026, 12, 1, tzinfo=UTC),
    }


def test_allowances_go_to_higher_priorities_first_and_sum_to_what_is_left() -> None:
    now = datetime(2026, 11, 20, tzinfo=UTC)
    candidates = [
        XPollCandidate(1, priority=1),
        XPollCandidate(2, priority=3),
        XPollCandidate(3, priority=2),
    ]
    plan = plan_x_polls(cap=100, spent=96, now=now, candidates=candidates, max_pages=3)
    assert plan.allowances == {2: 3, 3: 1}
    assert set(plan.deferred) == {1}
    assert plan.deferred[1] < next_month_start(now)  # reads remain; only this run was full
    assert plan.intervals[2] < plan.intervals[3] < plan.intervals[1]


def test_month_boundaries() -> None:
    assert month_key(datetime(2026, 12, 31, 23, 59, tzinfo=UTC)) == "2026-12"
    assert next_month_start(datetime(2026, 12, 31, tzinfo=UTC)) == datetime(2027, 1, 1, tzinfo=UTC)
