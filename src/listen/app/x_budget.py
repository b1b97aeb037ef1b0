"""The X read budget's bookkeeping around a collection: admit or defer due X sources as the
pure planner (`listen.budget`) says, and record the reads each poll spent, through the store."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime, timedelta

from listen.budget import XPollPlan, month_key, plan_x_polls, x_candidate
from listen.collectors.x import x_credentials
from listen.config import Config
from listen.store import Store
from listen.types import CollectResult, Source, SourceOutcome
from listen.x_limits import ALLOWANCE_KEY


class XReadBudget:
    """The hook `collect` calls around polling: admit due X sources, record their reads."""

    def __init__(self, config: Config, store: Store, now: datetime) -> None:
        self.config = config
        self.store = store
        self.month = month_key(now)
        self.now = now
        self.plan = XPollPlan()

    def spent(self) -> int:
        return self.store.api_reads("x", self.month)

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
            )
            for s in self.store.sources(platforms=["x"])
        ]
        self.plan = plan_x_polls(
            cap=x.monthly_read_cap,
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
        self.store.add_api_reads("x", self.month, outcome.reads, now=now)
        if result is None or outcome.error:
            return
        interval = self.plan.intervals.get(source.id)
        if interval is not None:
            self.store.defer_source(source.id, now + timedelta(seconds=interval))
        user_id = result.state.get("user_id")
        if source.kind == "author" and isinstance(user_id, str):
            self.store.set_resolved_id("x", source.target, user_id)
