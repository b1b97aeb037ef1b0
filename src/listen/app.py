"""The facade the CLI and the tests call: collect, list, and (later) classify, digest, score."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from listen.clock import utcnow
from listen.collectors.base import Collector, available_platforms, make_collector
from listen.config import Config
from listen.errors import ConfigError, InputError, ListenError, SourceError
from listen.health import SourceHealth, assess_sources
from listen.lock import run_lock
from listen.logfile import FILE_ONLY
from listen.redact import Redactor
from listen.schedule import next_poll_delay
from listen.store import Store
from listen.text import one_line
from listen.types import COLLECTABLE_PLATFORMS, CollectResult, RunSummary, Source, SourceOutcome

if TYPE_CHECKING:  # httpx takes ~60 ms to import: an idle run (nothing due) never needs it
    import httpx

    from listen.budget import XReadBudget
    from listen.digest.build import Digest
    from listen.facts import EngagementFact, MarkFact, ShownItem
    from listen.http import HttpSettings
    from listen.models.classifier import Metrics
    from listen.scoring import PlatformScore

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
        if source.kind == "comments":
            collector = self._comment_feeds()
        else:
            collector = self.get(source.platform)
        with self._host_slot(server_of(source)):
            return collector.collect(source)

    def _comment_feeds(self) -> Collector:
        from listen.collectors.comments import CommentFeedCollector

        with self._lock:
            if "comments" not in self._collectors:
                self._collectors["comments"] = CommentFeedCollector(
                    self.config, self.client, self.settings
                )
            return self._collectors["comments"]

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
        return _record_failure(
            config, store, source, exc.reason, exc.retry_after, now, reads=exc.reads
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
        not_modified=result.not_modified,
        bytes_received=result.bytes_received,
        reads=result.reads,
        error=f"disabled: {Redactor.from_env(config.env)(result.disabled_reason)}"
        if result.disabled_reason
        else None,
    )


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
    from listen.budget import XReadBudget

    return XReadBudget(config, store, now)


def x_read_status(config: Config, store: Store, now: datetime | None = None) -> tuple[int, int]:
    """(reads spent, monthly cap) on the X API this month, for the run summary."""
    from listen.budget import month_key

    return store.api_reads("x", month_key(now or utcnow())), config.x.monthly_read_cap


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


# -- `listen run`: the cron pipeline, one source-failure-tolerant pass -------------------------


@contextmanager
def exclusive_run(store: Store) -> Iterator[None]:
    """Hold the run lock beside the database (LockHeld if taken); tidy up after killed runs."""
    with run_lock(store.path) if store.path else nullcontext():
        interrupted = store.mark_interrupted_runs(utcnow())
        if interrupted:
            log.warning("%d earlier run(s) were interrupted (killed?); resuming", interrupted)
        yield


@dataclass(frozen=True, slots=True)
class StepResult:
    """How one post-collection step of `listen run` went."""

    name: str
    detail: str = ""
    error: str | None = None


@dataclass(frozen=True, slots=True)
class PipelineReport:
    """What `listen run` did: the collection, then each step."""

    collect: RunSummary
    steps: tuple[StepResult, ...]

    @property
    def failed(self) -> bool:
        return bool(self.collect.failed) or any(step.error for step in self.steps)


PipelineStep = Callable[[Config, Store], str]


def _classify_step(config: Config, store: Store) -> str:
    """Score the posts collected since the last run."""
    summary = classify(config, store, data_dir(store))
    return f"{summary.scored} posts scored"


# Steps after collection. Collection itself detects participation: it polls your own accounts
# (`self` sources) and blog comment feeds. LEAD: extend this list; each step gets
# (config, store), returns a one-line summary and raises ListenError on failure (the run goes
# on to the next step and exits 1).
RUN_STEPS: list[tuple[str, PipelineStep]] = [
    ("classify", _classify_step),
]


def run_pipeline(
    config: Config, store: Store, *, on_outcome: OutcomeCallback | None = None
) -> PipelineReport:
    """Collect due sources, then run `RUN_STEPS`, under the run lock (raises LockHeld)."""
    redact = Redactor.from_env(config.env)
    with exclusive_run(store):
        summary = collect(config, store, CollectOptions(command="run"), on_outcome=on_outcome)
        steps = []
        for name, step in RUN_STEPS:
            try:
                steps.append(StepResult(name, step(config, store)))
            except ListenError as exc:
                steps.append(StepResult(name, error=one_line(redact(str(exc)))))
            except Exception as exc:  # a bug in one step must not hide the others' results
                log.exception("step %s crashed", name, extra=FILE_ONLY)
                error = one_line(redact(f"internal error: {exc!r}"))
                steps.append(StepResult(name, error=error))
            if steps[-1].error:
                log.error("step %s failed: %s", name, steps[-1].error, extra=FILE_ONLY)
        failed_steps = [{"step": s.name, "error": s.error} for s in steps if s.error]
        if failed_steps:  # beside the sources' errors, so Datasette shows every failure
            try:
                store.add_run_errors(summary.run_id, failed_steps)
            except ListenError as exc:  # e.g. a busy database: still report the steps
                log.error("could not record step errors: %s", exc)
    return PipelineReport(summary, tuple(steps))


@dataclass(frozen=True, slots=True)
class StatusReport:
    """`listen status`: every source's health, the last run, and read budgets."""

    sources: tuple[SourceHealth, ...]
    last_run: dict[str, object] | None
    budgets: dict[str, object]  # platform → budget details (e.g. X monthly reads)

    @property
    def alerts(self) -> tuple[SourceHealth, ...]:
        return tuple(s for s in self.sources if s.alert)


def status_report(config: Config, store: Store) -> StatusReport:
    """Source health with long-failing sources flagged, plus budgets when a platform has one."""
    health = assess_sources(
        store.source_rows(),
        utcnow(),
        failing_after_errors=config.collect.failing_after_errors,
        failing_after=timedelta(hours=config.collect.failing_after_hours),
    )
    budgets: dict[str, object] = {}
    if config.x.enabled and any(h.platform == "x" for h in health):
        spent, cap = x_read_status(config, store)
        budgets["x"] = {
            "reads_this_month": spent,
            "monthly_cap": cap,
            "left": max(0, cap - spent),
            "unit": config.x.read_unit,
        }
    last_run = store.last_run()
    if last_run is not None:  # the `errors` column holds a JSON list: give it as one
        last_run["errors"] = _json_list(last_run.get("errors"))
    return StatusReport(tuple(health), last_run, budgets)


def _json_list(text: object) -> list[object]:
    import json

    try:
        value = json.loads(str(text or "[]"))
    except ValueError:
        return [str(text)]
    return value if isinstance(value, list) else [value]


# -- digest, participation score, LinkedIn import (issue 7) -----------------------------------


def participation(
    config: Config,
    store: Store,
    *,
    now: datetime,
    window: timedelta | None = None,
    platforms: Iterable[str] | None = None,
) -> list[PlatformScore]:
    """Participation score per platform over `window` (default digest.score_window_days)."""
    return _participation_facts(config, store, now=now, window=window).scores(platforms)


def daily_digest(
    config: Config,
    store: Store,
    *,
    now: datetime,
    since: timedelta | None = None,
    record: bool = True,
) -> Digest:
    """Build the digest for [now - since, now] and record what it shows (so lurking is a fact)."""
    from listen.digest.build import build_digest, summarise_activity
    from listen.tracker import going_cold

    since = since or timedelta(hours=config.digest.since_hours)
    facts = _participation_facts(config, store, now=now)
    activity = summarise_activity(
        engagements=facts.engagements,
        shown=facts.shown,
        shown_engagements=facts.engagements,
        marks=facts.marks,
        since=now - since,
        now=now,
        response_window=facts.response_window,
    )
    digest = build_digest(
        candidates=store.digest_candidates(now - since, now),
        cold=going_cold(
            store.contact_activity(),
            now=now,
            cold_after=timedelta(days=config.digest.cold_after_days),
        ),
        activity=activity,
        scores=facts.scores(None),
        now=now,
        since=now - since,
        top=config.digest.top,
    )
    if digest.empty and digest.quiet is not None:  # say why, when posts were collected
        import dataclasses

        collected, newest_at = store.contact_posts_collected()
        quiet = dataclasses.replace(digest.quiet, collected=collected, newest_at=newest_at)
        digest = dataclasses.replace(digest, quiet=quiet)
    if record:
        store.record_digest_items(digest.shown_rows(), shown_at=now)
    return digest


@dataclass(frozen=True)
class _ParticipationFacts:
    shown: list[ShownItem]
    engagements: list[EngagementFact]
    marks: list[MarkFact]
    now: datetime
    window: timedelta
    response_window: timedelta

    def scores(self, platforms: Iterable[str] | None) -> list[PlatformScore]:
        from listen.scoring import participation_scores

        return participation_scores(
            shown=self.shown,
            engagements=self.engagements,
            marks=self.marks,
            now=self.now,
            window=self.window,
            response_window=self.response_window,
            platforms=platforms,
        )


def _participation_facts(
    config: Config, store: Store, *, now: datetime, window: timedelta | None = None
) -> _ParticipationFacts:
    """Everything the tracker and scorer need, each read by an indexed time range."""
    from listen.scoring import history_start

    window = window or timedelta(days=config.digest.score_window_days)
    response_window = timedelta(days=config.digest.response_window_days)
    start = history_start(now, window) - response_window
    # Times are stored to the second: what happened in the current second happened by `now`.
    until = now + timedelta(seconds=1)
    shown = store.shown_items(start, until)
    shown_ids = [s.post_id for s in shown]
    engagements = list(
        dict.fromkeys([*store.engagements_between(start, until), *store.engagements_on(shown_ids)])
    )
    return _ParticipationFacts(
        shown=shown,
        engagements=engagements,
        marks=store.marks_on(shown_ids),
        now=now,
        window=window,
        response_window=response_window,
    )


def import_linkedin_export(store: Store, directory: Path, *, now: datetime) -> ImportSummary:
    """Record a LinkedIn export's comments, shares and reactions as engagements."""
    from listen.linkedin_export import read_linkedin_export

    reading = read_linkedin_export(directory)
    with store.transaction():
        added = store.insert_engagements(reading.engagements, now=now)
    kinds: dict[str, int] = {}
    for engagement in reading.engagements:
        kinds[engagement.kind] = kinds.get(engagement.kind, 0) + 1
    return ImportSummary(reading.files, len(reading.engagements), added, kinds, reading.skipped)


@dataclass(frozen=True)
class ImportSummary:
    """What `listen import linkedin` read and stored."""

    files: tuple[str, ...]
    read: int
    added: int
    by_kind: dict[str, int]
    skipped: dict[str, int]


# -- classify and train (models/) ---------------------------------------------------------------

MIN_TRAINING_EXAMPLES = 20
SEED_WEIGHT = 0.5  # the seed set is prior knowledge; the user's own history counts double


@dataclass(frozen=True, slots=True)
class ClassifySummary:
    """What `classify` did."""

    scored: int
    model_version: str
    model_origin: str  # installed or default; none when there was nothing to score
    model_problem: str | None  # why the installed model was not used
    actions: dict[str, int]
    seconds: float


def data_dir(store: Store) -> Path | None:
    """Where model files live: next to the database (None for an in-memory store)."""
    return store.path.parent if store.path is not None else None


def classify(
    config: Config,
    store: Store,
    directory: Path | None,
    *,
    rescore: bool = False,
    now: datetime | None = None,
    batch_size: int = 2_000,
    on_total: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ClassifySummary:
    """Score every unscored post (every post if `rescore`) and store the classifications."""
    import time

    from listen.models.features import post_from_row
    from listen.models.linear import predict
    from listen.models.model_file import load_current_model

    started = time.perf_counter()
    now = now or utcnow()
    if not rescore and store.all_posts_scored():
        # An idle cron run: no model to load (numpy alone is ~0.1 s).
        if on_total:
            on_total(0)
        return ClassifySummary(0, "", "none", None, {}, time.perf_counter() - started)
    loaded = load_current_model(directory)
    if loaded.problem:
        log.warning("using the default model: %s", loaded.problem)
    rows = store.posts_for_scoring(rescore=rescore)
    if on_total:
        on_total(len(rows))
    actions: dict[str, int] = {}
    for start in range(0, len(rows), batch_size):
        posts = [post_from_row(row) for row in rows[start : start + batch_size]]
        predictions = predict(loaded.model, posts, now)
        store.save_classifications(
            [
                (
                    p.post_id,
                    loaded.model.version,
                    p.comment_probability,
                    p.share_probability,
                    p.action,
                    p.reasons,
                )
                for p in predictions
            ],
            now=now,
        )
        for p in predictions:
            actions[p.action] = actions.get(p.action, 0) + 1
        if on_progress:
            on_progress(len(posts))
    return ClassifySummary(
        scored=len(rows),
        model_version=loaded.model.version,
        model_origin=loaded.origin,
        model_problem=loaded.problem,
        actions=actions,
        seconds=time.perf_counter() - started,
    )


@dataclass(frozen=True)
class TrainReport:
    """The comparison `listen train` prints, and whether the new model was installed."""

    labels: dict[str, int]
    train_examples: int
    test_examples: int
    split_at: datetime
    rules: Metrics
    current: Metrics
    candidate: Metrics
    current_version: str
    candidate_version: str
    installed: bool
    path: Path | None
    current_saw_test: bool = False  # the current model was trained on some of the test posts


def train(
    config: Config,
    store: Store,
    directory: Path | None,
    *,
    now: datetime | None = None,
    test_fraction: float = 0.25,
) -> TrainReport:
    """Learn from the user's history; install the new model only if it beats the current one
    on a time-ordered hold-out (trained on the past, tested on the newest posts)."""
    import dataclasses

    from listen.clock import parse_iso
    from listen.errors import InputError
    from listen.models.classifier import (
        evaluate,
        fit_model,
        has_variety,
        holdout_split,
        is_improvement,
        new_version,
        predict_examples,
        seed_examples,
    )
    from listen.models.history import history_examples
    from listen.models.model_file import install_model, load_current_model

    if directory is None:
        raise InputError("training needs a database file: model files are saved next to it")
    now = now or utcnow()
    examples = history_examples(store.training_history(), now, config.digest.response_window_days)
    labels: dict[str, int] = {}
    for example in examples:
        labels[example.label] = labels.get(example.label, 0) + 1
    if len(examples) < MIN_TRAINING_EXAMPLES:
        raise InputError(
            f"not enough history to train: {len(examples)} labelled posts, need "
            f"{MIN_TRAINING_EXAMPLES} (engage, or `listen mark POST skip|comment|share`)"
        )
    current = load_current_model(directory).model
    past, future, current_saw_test = holdout_split(
        examples, test_fraction, parse_iso(current.training.get("trained_until"))
    )
    if not has_variety(future):
        raise InputError(
            "not enough variety to evaluate: the newest posts need both some you engaged "
            "with and some you skipped"
        )
    seeds = seed_examples()
    version = new_version(now)
    candidate = fit_model(
        [*seeds, *past], version=version, weights=[SEED_WEIGHT] * len(seeds) + [1.0] * len(past)
    )
    rules_metrics = evaluate(predict_examples(None, future), future)
    current_metrics = evaluate(predict_examples(current, future), future)
    candidate_metrics = evaluate(predict_examples(candidate, future), future)
    path = None
    installed = is_improvement(candidate_metrics, current_metrics) and is_improvement(
        candidate_metrics, rules_metrics, min_gain=0.0
    )
    if installed:
        final = fit_model(
            [*seeds, *examples],
            version=version,
            weights=[SEED_WEIGHT] * len(seeds) + [1.0] * len(examples),
        )
        final = dataclasses.replace(
            final,
            metrics={
                "evaluation": f"time-ordered hold-out: the {len(future)} newest labelled posts",
                "model": candidate_metrics.as_dict(),
                "replaced": {"version": current.version, **current_metrics.as_dict()},
                "rules": rules_metrics.as_dict(),
            },
        )
        path = install_model(final, directory)
    return TrainReport(
        labels=labels,
        train_examples=len(past),
        test_examples=len(future),
        split_at=future[0].at,
        rules=rules_metrics,
        current=current_metrics,
        candidate=candidate_metrics,
        current_version=current.version,
        candidate_version=version,
        installed=installed,
        path=path,
        current_saw_test=current_saw_test,
    )
