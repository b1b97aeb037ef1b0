"""`listen run` (the cron pipeline: one source-failure-tolerant pass) and `listen status`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import timedelta

from listen.app.classifier import classify, data_dir
from listen.app.collection import CollectOptions, OutcomeCallback, collect, x_read_status
from listen.clock import utcnow
from listen.config import Config
from listen.errors import ListenError
from listen.facts import RunRecord
from listen.health import SourceHealth, assess_sources
from listen.lock import run_lock
from listen.logfile import FILE_ONLY
from listen.redact import Redactor
from listen.store import Store
from listen.text import one_line
from listen.types import RunSummary

log = logging.getLogger(__name__)


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
    last_run: RunRecord | None
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
    spent_on_x = store.api_spend("x", utcnow().strftime("%Y-%m"))  # e.g. an X follows import
    if config.x.enabled and (spent_on_x or any(h.platform == "x" for h in health)):
        status = x_read_status(config, store)
        budgets["x"] = {**status.as_dict(), "lines": status.lines()}
    return StatusReport(tuple(health), store.last_run(), budgets)
