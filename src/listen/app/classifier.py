"""Classifying posts and training the model on the user's own history (models/)."""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from listen.clock import parse_iso, utcnow
from listen.config import Config
from listen.errors import InputError
from listen.store import Store

if TYPE_CHECKING:  # scikit-learn and numpy load only when a model is used
    from listen.facts import PostToScore, TrainingHistory
    from listen.models.classifier import LabelledPost
    from listen.models.evaluation import HeadComparison, HeadMetrics
    from listen.models.linear import LinearModel

log = logging.getLogger(__name__)


MIN_TRAINING_EXAMPLES = 20
RECENT_FRACTION = 0.25  # the newest share of the compared posts, checked on its own for drift


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

    # numpy: only when posts are classified or a model trained
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
        batch = rows[start : start + batch_size]
        for action in _classify_batch(store, loaded.model, batch, now):
            actions[action] = actions.get(action, 0) + 1
        if on_progress:
            on_progress(len(batch))
    return ClassifySummary(
        scored=len(rows),
        model_version=loaded.model.version,
        model_origin=loaded.origin,
        model_problem=loaded.problem,
        actions=actions,
        seconds=time.perf_counter() - started,
    )


def _classify_batch(
    store: Store, model: LinearModel, rows: list[PostToScore], now: datetime
) -> list[str]:
    """Score `rows` and store their classifications in one transaction; returns the actions."""
    from listen.models.features import post_from_row  # numpy: only when posts are classified
    from listen.models.linear import predict

    predictions = predict(model, [post_from_row(row) for row in rows], now)
    store.save_classifications(
        [
            (
                p.post_id,
                model.version,
                p.comment_probability,
                p.share_probability,
                p.action,
                p.reasons,
            )
            for p in predictions
        ],
        now=now,
    )
    return [p.action for p in predictions]


@dataclass(frozen=True)
class TrainReport:
    """The comparison `listen train` prints, and whether the new model was installed."""

    labels: dict[str, int]
    train_examples: int
    test_examples: int
    split_at: datetime
    rules: dict[str, HeadMetrics]
    current: dict[str, HeadMetrics]
    candidate: dict[str, HeadMetrics]
    comparisons: tuple[HeadComparison, ...]
    recent: tuple[HeadComparison, ...]  # the same, on the newest quarter of the compared posts
    decision: str  # why it was installed or not, in plain words
    current_version: str
    candidate_version: str
    heads: tuple[str, ...]  # the heads the new model replaced (all, some or none)
    path: Path | None
    current_saw_test: bool = False  # the current model was trained on some of the test posts

    @property
    def installed(self) -> bool:
        return bool(self.heads)


def train(
    config: Config,
    store: Store,
    directory: Path | None,
    *,
    now: datetime | None = None,
    test_fraction: float = 0.25,
    base: LinearModel | None = None,
) -> TrainReport:
    """Learn from the user's history; install the new model unless, head by head, it ranks
    worse than the current one or than chance on the posts the current model has not learned
    from, each scored by a candidate trained without it (5-fold cross-validation). `base`: the
    model the user's taste is learned on top of (default: the bundled one; a simulation passes
    one fitted without its own feed's posts)."""
    # numpy and scikit-learn: only when a model is trained
    from listen.models.classifier import evaluation_pool, has_variety, new_version
    from listen.models.evaluation import FOLDS
    from listen.models.history import history_examples
    from listen.models.model_file import default_model, load_current_model

    if directory is None:
        raise InputError("training needs a database file: model files are saved next to it")
    now = now or utcnow()
    examples = history_examples(training_history(store), now, config.digest.response_window_days)
    labels = dict(Counter(example.label for example in examples))
    if len(examples) < MIN_TRAINING_EXAMPLES:
        raise InputError(
            f"not enough history to train: {len(examples)} labelled posts, need "
            f"{MIN_TRAINING_EXAMPLES} (engage, or `listen mark POST skip|comment|share`)"
        )
    current = load_current_model(directory).model
    pool, current_saw_test = evaluation_pool(
        examples, test_fraction, parse_iso(current.training.get("trained_until"))
    )
    if not has_variety(pool):
        raise InputError(
            "not enough variety to evaluate: the newest posts need both some you engaged "
            "with and some you skipped"
        )
    learn_on = base if base is not None else default_model()
    race = _race(current, examples, pool, new_version(now), learn_on)
    path = _install(race, current, examples, pool, directory, learn_on) if race.heads else None
    return TrainReport(
        labels=labels,
        train_examples=len(examples) - math.ceil(len(pool) / FOLDS),  # one fold held out
        test_examples=len(pool),
        split_at=pool[0].at,
        rules=race.rules,
        current=race.current,
        candidate=race.candidate,
        comparisons=race.comparisons,
        recent=race.recent,
        decision=race.decision,
        current_version=current.version,
        candidate_version=race.version,
        heads=race.heads,
        path=path,
        current_saw_test=current_saw_test,
    )


def training_history(store: Store) -> TrainingHistory:
    """The store's history, with the web app's `irrelevant` mark read as the model's `skip`
    (a negative: the suggestion was wrong)."""
    history = store.training_history()
    marks = {p: "skip" if label == "irrelevant" else label for p, label in history.marks.items()}
    return dataclasses.replace(history, marks=marks)


@dataclass(frozen=True)
class _Race:
    """The rule baseline, the current model and a candidate, scored on the same hold-out."""

    version: str
    current_version: str
    rules: dict[str, HeadMetrics]
    current: dict[str, HeadMetrics]
    candidate: dict[str, HeadMetrics]
    comparisons: tuple[HeadComparison, ...]
    recent: tuple[HeadComparison, ...]
    heads: tuple[str, ...]  # the new model's heads to install
    decision: str


def _fit_or_base(examples: list[LabelledPost], version: str, base: LinearModel) -> LinearModel:
    """`base` adjusted to the user's `examples` (listen.models.personal), or `base` itself when
    a fold holds nothing to learn from (what the learner gives then)."""
    from listen.models.personal import fit_on_top  # scikit-learn: only to train

    try:
        return fit_on_top(base, examples, version=version)
    except InputError:
        return base


def _race(
    current: LinearModel,
    examples: list[LabelledPost],
    pool: list[LabelledPost],
    version: str,
    base: LinearModel,
) -> _Race:
    """Score a candidate (cross-validated), the current model and the rules on `pool`; decide
    head by head, on all of `pool` and on its newest quarter
    (listen.models.evaluation.install_decision). A head can be kept beside a new one only
    when both models were built on the same base."""
    # numpy: only when a model is trained
    from listen.models.classifier import time_split
    from listen.models.evaluation import (
        compare_models,
        cross_validated,
        evaluate_heads,
        install_decision,
        predict_examples,
    )
    from listen.models.personal import same_columns, with_groups  # scikit-learn: only to train

    new = cross_validated(lambda train: _fit_or_base(train, version, base), examples, pool)
    old = predict_examples(current, pool)
    comparisons = tuple(compare_models(new, old, pool))
    recent = tuple(compare_models(new, old, time_split(pool, RECENT_FRACTION)[1]))
    mixable = same_columns(with_groups(current), with_groups(base))
    decision = install_decision(comparisons, recent, mixable=mixable)
    return _Race(
        version=version,
        current_version=current.version,
        rules=evaluate_heads(predict_examples(None, pool), pool),
        current=evaluate_heads(old, pool),
        candidate=evaluate_heads(new, pool),
        comparisons=comparisons,
        recent=recent,
        heads=decision.heads,
        decision=decision.reason,
    )


def _install(
    race: _Race,
    current: LinearModel,
    examples: list[LabelledPost],
    pool: list[LabelledPost],
    directory: Path,
    base: LinearModel,
) -> Path:
    """Refit the winner on every example, keep the current model's heads the race kept, record
    how it won, and install it."""
    # numpy: only when a model is trained
    from listen.models.evaluation import FOLDS
    from listen.models.model_file import install_model

    final = dataclasses.replace(
        _final_model(race, current, examples, base),
        metrics={
            "evaluation": (
                f"{FOLDS}-fold cross-validation over {len(pool)} labelled posts the replaced "
                "model had not learned from"
            ),
            "decision": race.decision,
            "heads": [c.explain() for c in race.comparisons],
            "newest": [c.explain() for c in race.recent],
            "model": {h: m.as_dict() for h, m in race.candidate.items()},
            "replaced": {
                "version": race.current_version,
                **{h: m.as_dict() for h, m in race.current.items()},
            },
            "rules": {h: m.as_dict() for h, m in race.rules.items()},
        },
    )
    return install_model(final, directory)


def _final_model(
    race: _Race, current: LinearModel, examples: list[LabelledPost], base: LinearModel
) -> LinearModel:
    """The new model fitted on every example, with the heads the race kept scored exactly as
    the current model scores them (refitted on the current model's feature scaling when the
    kept heads use a feature the two standardise differently)."""
    # numpy and scikit-learn: only to train
    from listen.models.linear import HEADS
    from listen.models.personal import fit_on_top, with_heads_of

    final = fit_on_top(base, examples, version=race.version)
    kept = [head for head in HEADS if head not in race.heads]
    if not kept:
        return final
    mixed = with_heads_of(final, current, kept) or with_heads_of(
        fit_on_top(base, examples, version=race.version, scaling=current), current, kept
    )
    if mixed is None:  # the race only keeps heads of a model with the base's columns
        raise AssertionError("the current model's heads cannot be kept beside the new ones")
    return mixed
