"""The X budget: plan polls so a month's X API bill never exceeds `x.monthly_budget_usd`.

X is pay-per-use (listen.x_pricing): each post and user it returns is billed, your own timeline
and likes at the owned-read price, and a post returned twice in a UTC day once. Amounts are
micro-dollars (or, with the deprecated `x.monthly_read_cap`, posts or requests: the planner
does not care which). The planner is a pure function: given the budget, what is already spent
and the X sources, it spreads what is left over the rest of the month, polling high-priority
contacts (and your own activity) more often, and gives each due source a hard allowance so a
run can never overshoot. It reads and writes nothing: `listen.app.x_budget` does the
bookkeeping (what was spent, deferring sources, X's own usage figure) through the store.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from listen.x_limits import LIKES_MIN_RESULTS, LIKES_POSTS_PAGE, TIMELINE_MIN_RESULTS
from listen.x_pricing import MICRO, XPrices, dollars

if TYPE_CHECKING:
    from listen.types import Source

PRIORITY_WEIGHTS = {1: 1.0, 2: 2.0, 3: 4.0}
SELF_WEIGHT = 4.0  # your own activity counts as much as a high-priority contact


@dataclass(frozen=True, slots=True)
class XPollCandidate:
    """One X source as the planner sees it; costs are in the budget's unit (micro-dollars)."""

    source_id: int
    kind: str = "author"  # author | self | inbound (your mentions)
    priority: int = 2
    due: bool = True
    minimum: int = 1  # what a poll needs to make any progress
    typical: float = 1.0  # what a poll usually spends
    maximum: int = 3  # what a poll may spend at most

    @property
    def weight(self) -> float:
        if self.kind in ("self", "inbound"):  # your activity, and who talks to you
            return SELF_WEIGHT
        return PRIORITY_WEIGHTS.get(self.priority, 2.0)

    @property
    def allowance(self) -> int:
        """What to let a poll spend: room for three typical polls' worth, within its bounds."""
        return min(self.maximum, max(self.minimum, math.ceil(3 * self.typical)))


def x_candidate(
    source: Source,
    *,
    due: bool,
    unit: str,
    page_limit: int,
    max_pages: int,
    prices: XPrices | None = None,
) -> XPollCandidate:
    """A source's poll costs: what X bills (`unit`), its pages, and what it spent before."""
    is_self = source.kind == "self"
    lookup = 0 if source.state.get("user_id") else 1
    pages = max(1, max_pages)
    if unit == "usd":
        prices = prices or XPrices()
        per_post = prices.post_price(owned=is_self)
        page = min(100, max(TIMELINE_MIN_RESULTS, page_limit))
        like_page = min(LIKES_POSTS_PAGE, max(LIKES_MIN_RESULTS, page_limit))
        likes_min = LIKES_MIN_RESULTS if is_self else 0
        lookup_cost = lookup * prices.user_read
        minimum = (TIMELINE_MIN_RESULTS + likes_min) * per_post + lookup_cost
        maximum = (pages * page + (like_page if is_self else 0)) * per_post + lookup_cost
    elif unit == "requests":
        minimum = (2 if is_self else 1) + lookup
        maximum = pages + (1 if is_self else 0) + lookup
    else:
        page = min(100, max(TIMELINE_MIN_RESULTS, page_limit))
        like_page = min(LIKES_POSTS_PAGE, max(LIKES_MIN_RESULTS, page_limit))
        minimum = TIMELINE_MIN_RESULTS + (LIKES_MIN_RESULTS if is_self else 0) + lookup
        maximum = pages * page + (like_page if is_self else 0) + lookup
    seen = source.state.get("reads_per_poll")
    typical = float(seen) if isinstance(seen, int | float) and seen > 0 else float(minimum)
    return XPollCandidate(
        source_id=source.id,
        kind=source.kind,
        priority=source.priority,
        due=due,
        minimum=minimum,
        typical=max(typical, 1.0),
        maximum=maximum,
    )


@dataclass(frozen=True, slots=True)
class XPollPlan:
    """What to do this run: poll (with a request allowance), defer, and how often to poll."""

    allowances: dict[int, int] = field(default_factory=dict)
    deferred: dict[int, datetime] = field(default_factory=dict)
    intervals: dict[int, float] = field(default_factory=dict)  # seconds, per source
    remaining: int = 0


def month_key(moment: datetime) -> str:
    """`2026-11`: the budget period a moment falls in (UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m")


def next_month_start(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return datetime(year, month, 1, tzinfo=UTC)


def plan_x_polls(
    *,
    cap: int,
    spent: int,
    now: datetime,
    candidates: Sequence[XPollCandidate],
    min_interval_seconds: float = 3600.0,
) -> XPollPlan:
    """Spread the month's remaining reads over the sources, weighted by priority.

    Each source's interval is chosen so that, if every source keeps polling at its interval until
    the month ends, the typical reads add up to what is left; recomputed every run, so a poll
    that cost more than usual makes later intervals longer. Independently of that estimate, due
    sources get allowances (highest weight first) whose sum never exceeds what is left, and the
    collector stops at its allowance: the cap holds even if every poll is as costly as possible.
    """
    remaining = max(0, cap - spent)
    month_end = next_month_start(now)
    seconds_left = max(1.0, (month_end - now).total_seconds())
    weighted_reads = sum(c.weight * c.typical for c in candidates)
    intervals: dict[int, float] = {}
    for c in candidates:
        if remaining <= 0:
            intervals[c.source_id] = seconds_left
        else:
            # Polls of c over the rest of the month ≈ seconds_left / interval_c; choose
            # interval_c = scale / weight_c so that Σ typical_c · polls_c = remaining.
            scale = seconds_left * weighted_reads / remaining
            intervals[c.source_id] = max(min_interval_seconds, scale / c.weight)
    allowances: dict[int, int] = {}
    deferred: dict[int, datetime] = {}
    left = remaining
    for c in sorted((c for c in candidates if c.due), key=lambda c: (-c.weight, c.source_id)):
        if left >= c.minimum:
            allowance = min(left, c.allowance)
            allowances[c.source_id] = allowance
            left -= allowance
        elif remaining >= c.minimum:
            # Reads are left this month but this run's share went to higher priorities.
            deferred[c.source_id] = min(month_end, now + timedelta(seconds=min_interval_seconds))
        else:
            deferred[c.source_id] = month_end
    return XPollPlan(allowances, deferred, intervals, remaining)


@dataclass(frozen=True, slots=True)
class XBudgetStatus:
    """This month's X spending against the budget, for `listen status` and `collect`."""

    spent: int
    allowance: int
    unit: str  # usd (amounts in micro-dollars), posts, requests
    prices: XPrices = field(default_factory=XPrices)
    reported: int | None = None  # X's own figure (GET /2/usage/tweets), in the same unit

    @property
    def left(self) -> int:
        return max(0, self.allowance - self.spent)

    @property
    def posts_left(self) -> int:
        """Posts what is left buys at the current post price."""
        return self.prices.posts_for(self.left) if self.unit == "usd" else self.left

    def as_dict(self) -> dict[str, object]:
        if self.unit != "usd":
            return {"reads_this_month": self.spent, "monthly_cap": self.allowance,
                    "left": self.left, "unit": self.unit}  # fmt: skip
        found: dict[str, object] = {
            "spent_usd": self.spent / MICRO,
            "budget_usd": self.allowance / MICRO,
            "left_usd": self.left / MICRO,
            "posts_left": self.posts_left,
            "post_price_usd": self.prices.post_read / MICRO,
        }
        if self.reported is not None:
            found["x_reported_usd"] = self.reported / MICRO
        return found

    def lines(self) -> list[str]:
        """One line; two when X's own usage figure differs from ours by more than 10 %."""
        if self.unit != "usd":
            return [reads_line("x", self.spent, self.allowance, self.unit)]
        price = dollars(self.prices.post_read)
        shown = [
            f"X budget this month: {dollars(self.spent)} / {dollars(self.allowance)} "
            f"({dollars(self.left)} left: {self.posts_left:,} posts at {price})"
        ]
        if self.reported is not None and abs(self.reported - self.spent) > 0.1 * max(
            self.spent, self.reported, 1
        ):
            shown.append(f"X reports {dollars(self.reported)} of post reads this month")
        return shown


def reads_line(platform: str, spent: int, cap: int, unit: str) -> str:
    """The one wording `listen collect` and `listen status` both use for a monthly read cap."""
    name = {"x": "X"}.get(platform, platform)
    return f"{name} reads this month: {spent} / {cap} {unit} ({max(0, cap - spent)} left)"
