"""Classifying posts and training the model on the user's own history (models/)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from listen.clock import utcnow
from listen.config import Config
from listen.errors import InputError
from listen.store import Store

if TYPE_CHECKING:  # scikit-learn and numpy load only when a model is used
    from listen.models.classifier import Metrics

log = logging.getLogger(__name__)


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
