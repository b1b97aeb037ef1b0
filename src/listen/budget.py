"""The X budget: plan polls so a month's X API bill never exceeds `x.monthly_budget_usd`.

X is pay-per-use (listen.x_pricing): each post and user it returns is billed, your own timeline
and likes at the owned-read price, and a post returned twice in a UTC day once. Amounts are
micro-dollars (or, with the deprecated `x.monthly_read_cap`, posts or requests: the planner
does not care which). The planner is a pure function: given the budget, what is already spent
and the X sources, it spreads what is left over the rest of the month, polling high-priority
contacts (and your own activity) more often, and gives each due source a hard allowance so a
run can never overshoot. `XReadBudget` is the small hook `app.collect` calls: it admits or
defers due X sources and records what each poll cost.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from listen.collectors.x import (
    ALLOWANCE_KEY,
    LIKES_MIN_RESULTS,
    LIKES_POSTS_PAGE,
    TIMELINE_MIN_RESULTS,
    x_credentials,
)
from listen.x_pricing import MICRO, XPrices, dollars

if TYPE_CHECKING:
    from listen.config import Config
    from listen.store import Store
    from listen.types import CollectResult, Source, SourceOutcome

PRIORITY_WEIGHTS = {1: 1.0, 2: 2.0, 3: 4.0}
SELF_WEIGHT = 4.0  # your own activity counts as much as a high-priority contact


@dataclass(frozen=True, slots=True)
class XPollCandidate:
    """One X source as the planner sees it; costs are in the budget's unit (micro-dollars)."""

    source_id: int
    kind: str = "author"  # author | self
    priority: int = 2
    due: bool = True
    minimum: int = 1  # what a poll needs to make any progress
    typical: float = 1.0  # what a poll usually spends
    maximum: int = 3  # what a poll may spend at most

    @property
    def weight(self) -> float:
        return SELF_WEIGHT if self.kind == "self" else PRIORITY_WEIGHTS.get(self.priority, 2.0)

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


class XReadBudget:
    """The hook `app.collect` calls around polling: admit due X sources, record their reads."""

    def __init__(self, config: Config, store: Store, now: datetime) -> None:
        self.config = config
        self.store = store
        self.month = month_key(now)
        self.now = now
        self.plan = XPollPlan()

    def spent(self) -> int:
        return x_spent(self.config, self.store, self.month)

    def admit(self, sources: Iterable[Source]) -> list[Source]:
        """Sources to poll: non-X ones untouched; X ones the plan allows, carrying their allowance.

        The others are deferred (not polled, no error counted). Without credentials only one X
        source is polled, so the run reports the missing token once.
        """
        sources = list(sources)
        due_x = [s for s in sources if s.platform == "x"]
        if not due_x:
            return sources
        if x_credentials(self.config) is None:
            later = self.now + timedelta(minutes=self.config.collect.interval_minutes)
            for source in due_x[1:]:
                self.store.defer_source(source.id, later)
            keep = {due_x[0].id}
            return [s for s in sources if s.platform != "x" or s.id in keep]
        due_ids = {s.id for s in due_x}
        x = self.config.x
        candidates = [
            x_candidate(
                s,
                due=s.id in due_ids,
                unit=x.read_unit,
                page_limit=x.page_limit,
                max_pages=x.max_pages,
                prices=XPrices.from_config(x),
            )
            for s in self.store.sources(platforms=["x"])
        ]
        self.plan = plan_x_polls(
            cap=x.monthly_allowance,
            spent=self.spent(),
            now=self.now,
            candidates=candidates,
            min_interval_seconds=self.config.collect.interval_minutes * 60.0,
        )
        for source_id, until in self.plan.deferred.items():
            self.store.defer_source(source_id, until)
        admitted = []
        for source in sources:
            if source.platform != "x":
                admitted.append(source)
            elif source.id in self.plan.allowances:
                state = {**source.state, ALLOWANCE_KEY: self.plan.allowances[source.id]}
                admitted.append(dataclasses.replace(source, state=state))
        return admitted

    def record(
        self,
        source: Source,
        outcome: SourceOutcome,
        result: CollectResult | None,
        now: datetime,
    ) -> None:
        """Count the reads a poll spent; schedule its next poll at the planned interval."""
        if source.platform != "x":
            return
        if self.config.x.in_dollars:
            ids = result.metered_ids if result is not None else ()
            price = XPrices.from_config(self.config.x).post_price(owned=source.kind == "self")
            self.store.charge_x_poll(self.month, outcome.reads, ids, price, now=now)
        else:
            self.store.add_api_reads("x", self.month, outcome.reads, now=now)
        if result is None or outcome.error:
            return
        interval = self.plan.intervals.get(source.id)
        if interval is not None:
            self.store.defer_source(source.id, now + timedelta(seconds=interval))
        user_id = result.state.get("user_id")
        if source.kind == "author" and isinstance(user_id, str):
            self.store.set_resolved_id("x", source.target, user_id)


def x_spent(config: Config, store: Store, month: str) -> int:
    """What X cost this month, in the budget's unit."""
    if config.x.in_dollars:
        return store.api_spend("x", month)
    return store.api_reads("x", month)


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


USAGE_PATH = "/2/usage/tweets"
REPORTED = "x-usage-endpoint"  # api_spend's platform key for X's own figure
RECONCILE_EVERY = timedelta(days=1)


def reconcile_x_usage(config: Config, store: Store, now: datetime) -> int | None:
    """Once a day, ask X what it counts (`GET /2/usage/tweets`: posts read this billing
    period), priced at the post price, and keep it beside our own figure. Needs a bearer token
    (X's usage endpoint takes app-only auth); returns X's figure in micro-dollars, or None."""
    token = config.secret("x_bearer_token")
    if not token or not config.x.in_dollars:
        return None
    month = month_key(now)
    checked = store.api_spend_updated_at(REPORTED, month)
    if checked is not None and now - checked < RECONCILE_EVERY:
        return store.api_spend(REPORTED, month)
    # Deferred: httpx is only needed when X is polled.
    from listen.errors import SourceError
    from listen.http import HttpSettings, fetch, make_client

    settings = HttpSettings(timeout_seconds=config.collect.timeout_seconds)
    url = config.x.base_url.rstrip("/") + USAGE_PATH
    try:
        with make_client(settings) as client:
            body = json.loads(
                fetch(client, url, settings, headers={"Authorization": f"Bearer {token}"}).content
            )
    except (SourceError, ValueError):
        return None  # a tier without the endpoint, or X down: our own figure stands
    usage = body.get("data", {}).get("project_usage") if isinstance(body, dict) else None
    if not str(usage).isdigit():
        return None
    reported = int(str(usage)) * XPrices.from_config(config.x).post_read
    store.set_api_spend(REPORTED, month, reported, now=now)
    return reported


def x_budget_status(
    config: Config, store: Store, now: datetime, reported: int | None = None
) -> XBudgetStatus:
    x = config.x
    if reported is None and store.api_spend_updated_at(REPORTED, month_key(now)) is not None:
        reported = store.api_spend(REPORTED, month_key(now))
    spent = x_spent(config, store, month_key(now))
    return XBudgetStatus(spent, x.monthly_allowance, x.read_unit, XPrices.from_config(x), reported)


def reads_line(platform: str, spent: int, cap: int, unit: str) -> str:
    """The one wording `listen collect` and `listen status` both use for a monthly read cap."""
    name = {"x": "X"}.get(platform, platform)
    return f"{name} reads this month: {spent} / {cap} {unit} ({max(0, cap - spent)} left)"
