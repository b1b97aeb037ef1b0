"""The X budget's bookkeeping around a collection: admit or defer due X sources as the pure
planner (`listen.budget`) says, charge what each poll cost (a post once per UTC day), and, once a
day, fetch X's own usage figure, through the store."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from datetime import datetime, timedelta

from listen.budget import (
    XBudgetStatus,
    XPollPlan,
    month_key,
    plan_x_polls,
    x_candidate,
)
from listen.collectors.x import x_credentials
from listen.config import Config
from listen.store import Store
from listen.types import CollectResult, Source, SourceOutcome
from listen.x_limits import ALLOWANCE_KEY
from listen.x_pricing import XPrices


class XReadBudget:
    """The hook `collect` calls around polling: admit due X sources, record their reads."""

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
        sources = self._mentions_with_your_id(sources)
        due_x = [s for s in sources if s.platform == "x"]
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
        kinds = {c.source_id: c.kind for c in candidates}
        for source_id, until in self.plan.deferred.items():
            self.store.defer_source(source_id, until)
            if kinds.get(source_id) == "inbound":  # `listen status` says why
                self.store.note_source(
                    source_id,
                    f"mentions skipped: the X budget cannot pay for them now (next try "
                    f"{until:%Y-%m-%d %H:%M} UTC)",
                )
        admitted = []
        for source in sources:
            if source.platform != "x":
                admitted.append(source)
            elif source.id in self.plan.allowances:
                state = {**source.state, ALLOWANCE_KEY: self.plan.allowances[source.id]}
                admitted.append(dataclasses.replace(source, state=state))
        return admitted

    def _mentions_with_your_id(self, sources: list[Source]) -> list[Source]:
        """Your mentions need your user id, which polling your own timeline looks up (a billed
        lookup): they are given it, or wait for the run after the one that finds it."""
        yours = {
            s.target.lower(): s.state.get("user_id")
            for s in self.store.sources(platforms=["x"], kinds=["self"])
        }
        kept = []
        for source in sources:
            if source.platform != "x" or source.kind != "inbound" or "user_id" in source.state:
                kept.append(source)
                continue
            user_id = yours.get(source.target.lower())
            if isinstance(user_id, str) and user_id:
                kept.append(dataclasses.replace(source, state={**source.state, "user_id": user_id}))
            else:
                later = self.now + timedelta(minutes=self.config.collect.interval_minutes)
                self.store.defer_source(source.id, later)
        return kept

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
