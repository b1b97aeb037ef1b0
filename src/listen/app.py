"""The facade the CLI and the tests call: collect, list, and (later) classify, digest, score."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from listen.clock import utcnow
from listen.collectors.base import Collector, available_platforms, make_collector
from listen.config import Config
from listen.errors import ListenError, SourceError
from listen.schedule import next_poll_delay
from listen.store import Store
from listen.types import COLLECTABLE_PLATFORMS, CollectResult, RunSummary, Source, SourceOutcome

if TYPE_CHECKING:  # httpx takes ~60 ms to import: an idle run (nothing due) never needs it
    import httpx

    from listen.http import HttpSettings

log = logging.getLogger(__name__)

OutcomeCallback = Callable[[SourceOutcome], None]


@dataclass(frozen=True, slots=True)
class CollectOptions:
    """What `collect` polls."""

    only_due: bool = True
    platforms: tuple[str, ...] | None = None
    command: str = "collect"


def open_store(path: Path) -> Store:
    """Open the database, applying migrations."""
    return Store.open(path)


def http_settings(config: Config) -> HttpSettings:
    from listen.http import HttpSettings

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


def sync_contacts(config: Config, store: Store) -> None:
    """Upsert the contacts declared in the config file, and the sources they imply."""
    for contact in config.contacts:
        store.upsert_contact(
            contact.name,
            priority=contact.priority,
            notes=contact.notes or None,
            origin="config",
            identities=contact.identities(),
        )
    store.sync_sources(self_targets(config), enabled_platforms(config))


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
    sync_contacts(config, store)
    platforms = [
        p for p in enabled_platforms(config) if options.platforms is None or p in options.platforms
    ]
    sources = store.sources(due_at=started if options.only_due else None, platforms=platforms)
    if on_total:
        on_total(len(sources))
    run_id = store.start_run(options.command, started)
    outcomes: list[SourceOutcome] = []
    try:
        if sources:
            _poll(config, store, sources, outcomes, on_outcome)
    finally:
        finished = utcnow()
        summary = RunSummary(run_id, tuple(outcomes), started, finished)
        store.finish_run(
            run_id, finished, run_totals(summary, complete=len(outcomes) == len(sources))
        )
    return summary


def _poll(
    config: Config,
    store: Store,
    sources: list[Source],
    outcomes: list[SourceOutcome],
    on_outcome: OutcomeCallback | None,
) -> None:
    """Poll `sources` on a thread pool; store and append each outcome as it completes."""
    from listen.http import make_client

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
                outcome = _store_outcome(config, store, futures.pop(future), future)
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
            {"source_id": o.source_id, "platform": o.platform, "target": o.target, "error": o.error}
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

    def get(self, platform: str) -> Collector:
        with self._lock:
            if platform not in self._collectors:
                self._collectors[platform] = make_collector(
                    platform,
                    self.config,
                    self.client,
                    self.settings,
                )
            return self._collectors[platform]

    def collect(self, source: Source) -> CollectResult:
        collector = self.get(source.platform)
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
        result = future.result()
    except SourceError as exc:
        return _record_failure(config, store, source, exc.reason, exc.retry_after, now)
    except ListenError as exc:
        return _record_failure(config, store, source, str(exc), None, now)
    except Exception as exc:  # a bug in a parser must not stop the other sources
        log.exception("unexpected error polling %s %s", source.platform, source.target)
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
        not_modified=result.not_modified,
        bytes_received=result.bytes_received,
        reads=result.reads,
        error=f"disabled: {result.disabled_reason}" if result.disabled_reason else None,
    )


def _record_failure(
    config: Config,
    store: Store,
    source: Source,
    reason: str,
    retry_after: float | None,
    now: datetime,
) -> SourceOutcome:
    delay = next_poll_delay(
        interval_minutes=config.collect.interval_minutes,
        error_count=source.error_count + 1,
        retry_after=retry_after,
        max_backoff_hours=config.collect.max_backoff_hours,
    )
    store.record_source_error(source, reason, now=now, next_poll_at=now + timedelta(seconds=delay))
    log.warning("%s %s failed: %s", source.platform, source.target, reason)
    return SourceOutcome(source.id, source.platform, source.target, error=reason, reads=1)


def import_contacts(
    store: Store, contacts: Iterable[tuple[str, int | None, str | None, list[tuple[str, str]]]]
) -> int:
    """Upsert imported contacts; returns how many were given."""
    count = 0
    for name, priority, notes, identities in contacts:
        store.upsert_contact(
            name, priority=priority, notes=notes, origin="import", identities=identities
        )
        count += 1
    return count
