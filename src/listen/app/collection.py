"""Collecting: poll due sources in parallel, store each result in its own transaction."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from listen.clock import utcnow
from listen.collectors.base import (
    Collector,
    available_platforms,
    collector_for,
    make_collector,
)
from listen.config import Config
from listen.errors import ConfigError, InputError, ListenError, SourceError
from listen.facts import SavedCounts
from listen.logfile import FILE_ONLY
from listen.redact import Redactor
from listen.schedule import next_poll_delay
from listen.store import Store
from listen.text import clean_result, one_line
from listen.types import COLLECTABLE_PLATFORMS, CollectResult, RunSummary, Source, SourceOutcome

if TYPE_CHECKING:  # httpx takes ~60 ms to import: an idle run (nothing due) never needs it
    import httpx

    from listen.app.x_budget import XReadBudget
    from listen.budget import XBudgetStatus
    from listen.http import HttpSettings

log = logging.getLogger(__name__)

OutcomeCallback = Callable[[SourceOutcome], None]


@dataclass(frozen=True, slots=True)
class CollectOptions:
    """What `collect` polls."""

    only_due: bool = True
    platforms: tuple[str, ...] | None = None
    command: str = "collect"


def open_store(path: Path, *, timeout: float = 30.0) -> Store:
    """Open the database, applying migrations; waits up to `timeout` s for a busy database."""
    return Store.open(path, timeout=timeout)


def open_store_for_reading(path: Path, *, timeout: float = 30.0) -> Store:
    """The database for a command that only reads: when there is none yet, an empty one in
    memory (nothing, not even a directory, is created for a listing), unless the path can
    never hold one (a file where a directory should be): then the same error as a write."""
    if path.exists() or _blocked_by_a_file(path):
        return Store.open(path, timeout=timeout)
    return Store.open(":memory:", timeout=timeout)


def _blocked_by_a_file(path: Path) -> bool:
    """True when the nearest existing ancestor of `path` is not a directory."""
    for ancestor in path.parents:
        if ancestor.exists():
            return not ancestor.is_dir()
    return False


def http_settings(config: Config) -> HttpSettings:
    from listen.http import HttpSettings  # httpx: ~60 ms, only when something is polled

    c = config.collect
    return HttpSettings(
        timeout_seconds=c.timeout_seconds,
        max_response_bytes=c.max_response_bytes,
        user_agent=c.user_agent,
    )


def enabled_platforms(config: Config) -> list[str]:
    """Collectable platforms that are enabled in the config and installed."""
    installed = set(available_platforms())
    return [p for p in COLLECTABLE_PLATFORMS if p in installed and getattr(config, p).enabled]


def self_targets(config: Config) -> dict[str, str]:
    """The user's own account per platform, polled for participation detection."""
    return {
        "bluesky": config.bluesky.handle,
        "x": config.x.username,
        "mastodon": config.mastodon.account,
    }


def inbound_targets(config: Config) -> dict[str, str]:
    """What to watch for people's interactions with the user: their own account per platform,
    and their blog (its feed, or the site whose feed is found)."""
    if not config.collect.inbound:
        return {}
    return {**self_targets(config), "blog": config.me.feed or config.me.site}


def sync_contacts(config: Config, store: Store) -> None:
    """Upsert the contacts declared in the config file, and the sources they imply."""
    for index, contact in enumerate(config.contacts):
        try:
            store.upsert_contact(
                contact.name,
                priority=contact.priority,
                notes=contact.notes or None,
                origin="config",
                identities=contact.identities(),
            )
        except InputError as exc:  # e.g. a handle that belongs to another contact: say where
            where = str(config.path or "<config>")
            raise ConfigError(where, str(exc), key=f"contacts[{index}]") from None
    store.sync_sources(self_targets(config), enabled_platforms(config), inbound_targets(config))


def collect(
    config: Config,
    store: Store,
    options: CollectOptions | None = None,
    *,
    on_total: Callable[[int], None] | None = None,
    on_outcome: OutcomeCallback | None = None,
) -> RunSummary:
    """Poll due sources in parallel and store each one's result in its own transaction."""
    options = options or CollectOptions()
    started = utcnow()
    clock_start = time.monotonic()
    sync_contacts(config, store)
    if config.blog.enabled:
        store.register_comment_sources(
            started - timedelta(days=config.blog.comment_feed_days), now=started
        )
    platforms = [
        p for p in enabled_platforms(config) if options.platforms is None or p in options.platforms
    ]
    sources = store.sources(due_at=started if options.only_due else None, platforms=platforms)
    # The budget only acts on due X sources; without any, skip it (and its imports).
    due_x = any(source.platform == "x" for source in sources)
    x_budget = _x_read_budget(config, store, started) if due_x else None
    if x_budget is not None:
        sources = x_budget.admit(sources)  # defers what the month's X read cap cannot afford
    if on_total:
        on_total(len(sources))
    run_id = store.start_run(options.command, started)
    outcomes: list[SourceOutcome] = []
    try:
        if sources:
            _poll(config, store, sources, outcomes, on_outcome, x_budget)
    finally:
        finished = utcnow()
        summary = RunSummary(
            run_id, tuple(outcomes), started, finished, time.monotonic() - clock_start
        )
        store.finish_run(
            run_id, finished, run_totals(summary, complete=len(outcomes) == len(sources))
        )
    if x_budget is not None:
        from listen.app.x_budget import reconcile_x_usage  # with the X collector: X only

        reconcile_x_usage(config, store, finished)  # once a day at most
    return summary


def _poll(
    config: Config,
    store: Store,
    sources: list[Source],
    outcomes: list[SourceOutcome],
    on_outcome: OutcomeCallback | None,
    x_budget: XReadBudget | None,
) -> None:
    """Poll `sources` on a thread pool; store and append each outcome as it completes."""
    from listen.http import make_client  # httpx: ~60 ms, only when something is polled

    settings = http_settings(config)
    client = make_client(settings)
    collectors = _CollectorCache(config, client, settings)
    try:
        with ThreadPoolExecutor(
            max_workers=config.collect.concurrency, thread_name_prefix="collect"
        ) as pool:
            futures: dict[Future[CollectResult], Source] = {
                pool.submit(collectors.collect, source): source for source in sources
            }
            for future in as_completed(futures):
                # pop: a stored result (all its posts) can be freed before the run ends
                source = futures.pop(future)
                outcome = _store_outcome(config, store, source, future)
                if x_budget is not None:
                    result = None if future.exception() else future.result()
                    x_budget.record(source, outcome, result, utcnow())
                outcomes.append(outcome)
                if on_outcome:
                    on_outcome(outcome)
    finally:
        client.close()


def run_totals(summary: RunSummary, *, complete: bool = True) -> dict[str, object]:
    """The `runs` row columns for a finished run."""
    outcomes = summary.outcomes
    return {
        "status": ("ok" if not summary.failed else "partial") if complete else "interrupted",
        "sources_polled": len(outcomes),
        "sources_failed": len(summary.failed),
        "sources_not_modified": sum(o.not_modified for o in outcomes),
        "new_posts": sum(o.new_posts for o in outcomes),
        "new_engagements": sum(o.new_engagements for o in outcomes),
        "bytes_received": sum(o.bytes_received for o in outcomes),
        "reads": sum(o.reads for o in outcomes),
        "errors": [
            {
                "step": "collect",
                "source_id": o.source_id,
                "platform": o.platform,
                "target": o.target,
                "error": o.error,
            }
            for o in summary.failed
        ],
    }


class _CollectorCache:
    """One collector per platform, created on first use, shared by the worker threads.

    Also keeps the run polite: at most `collect.per_host_concurrency` polls at once per server.
    """

    def __init__(self, config: Config, client: httpx.Client, settings: HttpSettings) -> None:
        self.config = config
        self.client = client
        self.settings = settings
        self._collectors: dict[str, Collector] = {}
        self._host_slots: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> Collector:
        """The collector registered as `name` (see `collectors.base.REGISTRY`)."""
        with self._lock:
            if name not in self._collectors:
                self._collectors[name] = make_collector(
                    name, self.config, self.client, self.settings
                )
            return self._collectors[name]

    def collect(self, source: Source) -> CollectResult:
        collector = self.get(collector_for(source))
        with self._host_slot(server_of(source)):
            return collector.collect(source)

    def _host_slot(self, server: str) -> threading.BoundedSemaphore:
        with self._lock:
            slot = self._host_slots.get(server)
            if slot is None:
                slot = threading.BoundedSemaphore(self.config.collect.per_host_concurrency)
                self._host_slots[server] = slot
            return slot


def server_of(source: Source) -> str:
    """Which server a poll hits: a feed's host, a Mastodon instance, else the platform's API."""
    if source.platform == "blog":
        return urlsplit(source.target).hostname or source.target
    if source.platform == "mastodon" and "@" in source.target:
        return source.target.rsplit("@", 1)[-1].lower()
    return source.platform


def _store_outcome(
    config: Config, store: Store, source: Source, future: Future[CollectResult]
) -> SourceOutcome:
    now = utcnow()
    interval = config.collect.interval_minutes
    try:
        result = as_stored(future.result(), now)
    except SourceError as exc:
        saved = SavedCounts(0, 0)
        if exc.partial is not None:  # what arrived before the failure, and where to resume
            saved = store.save_result(
                source, as_stored(exc.partial, now), now=now, next_poll_at=now
            )
        failure = _record_failure(
            config, store, source, exc.reason, exc.retry_after, now, reads=exc.reads
        )
        return replace(
            failure,
            new_posts=saved.new_posts,
            new_engagements=saved.new_engagements,
            new_interactions=saved.new_interactions,
        )
    except ListenError as exc:
        return _record_failure(config, store, source, str(exc), None, now)
    except Exception as exc:  # a bug in a parser must not stop the other sources
        log.exception(
            "unexpected error polling %s %s", source.platform, source.target, extra=FILE_ONLY
        )
        return _record_failure(
            config, store, source, f"internal error: {type(exc).__name__}: {exc}", None, now
        )
    delay = next_poll_delay(interval_minutes=interval, retry_after=result.next_poll_after)
    counts = store.save_result(source, result, now=now, next_poll_at=now + timedelta(seconds=delay))
    return SourceOutcome(
        source_id=source.id,
        platform=source.platform,
        target=source.target,
        new_posts=counts.new_posts,
        new_engagements=counts.new_engagements,
        new_interactions=counts.new_interactions,
        not_modified=result.not_modified,
        bytes_received=result.bytes_received,
        reads=result.reads,
        error=f"disabled: {Redactor.from_env(config.env)(result.disabled_reason)}"
        if result.disabled_reason
        else None,
    )


FUTURE_DATE_TOLERANCE = timedelta(minutes=10)  # servers' clocks run a little ahead


def as_stored(result: CollectResult, now: datetime) -> CollectResult:
    """A collector's result as it may be stored: untrusted text cleaned, and a post without a
    readable date, or dated in the future, dated when first seen (flagged `date_estimated`),
    so it still reaches the digest and does not sit on top of every list for ever."""
    result = clean_result(result)
    latest = now + FUTURE_DATE_TOLERANCE
    if all(p.created_at is not None and p.created_at <= latest for p in result.posts):
        return result
    posts = tuple(
        p
        if p.created_at is not None and p.created_at <= latest
        else replace(p, created_at=now, date_estimated=True)
        for p in result.posts
    )
    return replace(result, posts=posts)


def _record_failure(
    config: Config,
    store: Store,
    source: Source,
    reason: str,
    retry_after: float | None,
    now: datetime,
    *,
    reads: int = 1,
) -> SourceOutcome:
    # sources.last_error must hold no secret, nor a server's terminal escapes
    reason = one_line(Redactor.from_env(config.env)(reason))
    delay = next_poll_delay(
        interval_minutes=config.collect.interval_minutes,
        error_count=source.error_count + 1,
        retry_after=retry_after,
        max_backoff_hours=config.collect.max_backoff_hours,
    )
    store.record_source_error(source, reason, now=now, next_poll_at=now + timedelta(seconds=delay))
    log.info("%s %s failed: %s", source.platform, source.target, reason)
    target = Redactor.from_env(config.env)(source.target)  # runs.errors must hold no secret
    return SourceOutcome(source.id, source.platform, target, error=reason, reads=reads)


# -- X read budget ------------------------------------------------------------------------------


def _x_read_budget(config: Config, store: Store, now: datetime) -> XReadBudget:
    from listen.app.x_budget import XReadBudget  # with the X collector: only when X is due

    return XReadBudget(config, store, now)


def x_read_status(config: Config, store: Store, now: datetime | None = None) -> XBudgetStatus:
    """This month's X spending against the budget (dollars, or the deprecated read cap)."""
    from listen.app.x_budget import x_budget_status  # with the X collector: X only

    return x_budget_status(config, store, now or utcnow())


def x_reads_to_show(config: Config, store: Store, summary: RunSummary) -> XBudgetStatus | None:
    """The X budget when this run or this install polls X, else None."""
    if not any(o.platform == "x" for o in summary.outcomes) and not store.sources(platforms=["x"]):
        return None
    return x_read_status(config, store)
