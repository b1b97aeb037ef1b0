"""Train and evaluate the engagement classifier; the seed set; a speed measurement.

Training fits a scikit-learn pipeline (TF-IDF words and bigrams; standardised engineered
features) with two logistic-regression heads, worth a comment and worth a share, and exports
it as a `LinearModel` (plain arrays, see `linear.py`; files in `model_file.py`). Evaluation
ranks a time-ordered hold-out: precision@10, recall and ROC AUC.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from listen.clock import parse_iso, to_iso, utcnow
from listen.errors import InputError
from listen.models.features import ENGINEERED_NAMES, PostForScoring, engineered_matrix, model_text
from listen.models.linear import CLIP_KWARGS, HEADS, LinearModel, predict
from listen.models.model_file import default_model
from listen.models.rules import Prediction, Thresholds, predict_rules
from listen.models.sentiment import sentiment_analyzer

LIKE_WEIGHT = 0.3  # a like is a weak positive for both heads


@dataclass(frozen=True, slots=True)
class LabelledPost:
    """A training or evaluation example: a post, what the user did, and when."""

    post: PostForScoring
    label: str  # comment, share, like, skip
    at: datetime  # when the post appeared: orders the time split
    as_of: datetime  # the moment features are computed for (what a scorer would have known)


@dataclass(frozen=True, slots=True)
class Metrics:
    """How well a scorer ranks a hold-out set."""

    precision_at_10: float
    recall: float
    roc_auc: float | None
    examples: int
    positives: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision_at_10": self.precision_at_10,
            "recall": self.recall,
            "roc_auc": self.roc_auc,
            "examples": self.examples,
            "positives": self.positives,
        }


# -- training -----------------------------------------------------------------------------------


def targets(label: str) -> tuple[int, int, float]:
    """(comment target, share target, sample weight) for a label."""
    if label == "comment":
        return 1, 0, 1.0
    if label == "share":
        return 0, 1, 1.0
    if label == "like":
        return 1, 1, LIKE_WEIGHT
    return 0, 0, 1.0


def feature_table(posts: Sequence[PostForScoring], moments: Sequence[datetime]) -> Any:
    """The scikit-learn input: column 0 the model text, then the engineered features."""
    import numpy as np  # numpy: ~0.1 s, only when a model is used

    engineered = np.asarray(engineered_matrix(posts, moments), dtype=float)
    table = np.empty((len(posts), 1 + len(ENGINEERED_NAMES)), dtype=object)
    table[:, 0] = [model_text(p) for p in posts]
    table[:, 1:] = engineered.reshape(len(posts), len(ENGINEERED_NAMES))
    return table


def fit_pipeline(
    examples: Sequence[LabelledPost],
    weights: Sequence[float] | None = None,
    max_terms: int = 20_000,
) -> tuple[Any, list[Any]]:
    """Fit the scikit-learn features (TF-IDF; scaled, clipped engineered features) and the
    comment and share logistic-regression heads."""
    import numpy as np  # numpy: ~0.1 s, only when a model is used

    # scikit-learn: ~0.5 s, only when a model is fitted or evaluated
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    labels = [e.label for e in examples]
    y = np.array([targets(label)[:2] for label in labels]).reshape(len(labels), 2)
    for h, head in enumerate(HEADS):
        if len(set(y[:, h].tolist())) < 2:
            raise InputError(f"cannot train: need posts worth a {head} and posts that are not")
    sample_weight = np.array([targets(label)[2] for label in labels])
    if weights is not None:
        sample_weight = sample_weight * np.asarray(weights, dtype=float)
    table = feature_table([e.post for e in examples], [e.as_of for e in examples])
    features = ColumnTransformer(
        [
            (
                "text",
                TfidfVectorizer(
                    ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=max_terms
                ),
                0,
            ),
            (
                "engineered",
                Pipeline(
                    [
                        ("scale", StandardScaler()),
                        ("clip", FunctionTransformer(np.clip, kw_args=CLIP_KWARGS)),
                    ]
                ),
                list(range(1, table.shape[1])),
            ),
        ]
    )
    matrix = features.fit_transform(table)
    heads = []
    for h in range(2):
        head = LogisticRegression(C=1.0, class_weight="balanced", max_iter=3000)
        head.fit(matrix, y[:, h], sample_weight=sample_weight)
        heads.append(head)
    return features, heads


def export_model(
    features: Any, heads: Sequence[Any], *, version: str, thresholds: Thresholds | None = None
) -> LinearModel:
    """The fitted pipeline as plain arrays."""
    import numpy as np  # numpy: ~0.1 s, only when a model is used

    tfidf = features.named_transformers_["text"]
    scaler = features.named_transformers_["engineered"].named_steps["scale"]
    vocabulary: dict[str, int] = tfidf.vocabulary_
    terms = tuple(sorted(vocabulary, key=vocabulary.__getitem__))
    n_terms = len(terms)
    coef = np.vstack([head.coef_[0] for head in heads])
    return LinearModel(
        version=version,
        created_at=to_iso(utcnow()) or "",
        terms=terms,
        idf=np.asarray(tfidf.idf_, dtype=float),
        engineered_mean=np.asarray(scaler.mean_, dtype=float),
        engineered_scale=np.asarray(scaler.scale_, dtype=float),
        text_coef=coef[:, :n_terms],
        engineered_coef=coef[:, n_terms:],
        intercept=np.asarray([head.intercept_[0] for head in heads], dtype=float),
        thresholds=thresholds or Thresholds(),
    )


def fit_model(
    examples: Sequence[LabelledPost],
    *,
    version: str,
    weights: Sequence[float] | None = None,
    thresholds: Thresholds | None = None,
    max_terms: int = 20_000,
) -> LinearModel:
    """Fit on `examples` (optionally weighted) and export the model."""
    features, heads = fit_pipeline(examples, weights, max_terms)
    model = export_model(features, heads, version=version, thresholds=thresholds)
    training: dict[str, Any] = {
        "examples": len(examples),
        "labels": dict(Counter(e.label for e in examples)),
    }
    own = [e.at for e in examples if not e.post.seed_set_example]
    if own:
        training["trained_until"] = to_iso(max(own))
    return dataclasses.replace(model, training=training)


def time_split(
    examples: Sequence[LabelledPost], test_fraction: float = 0.25
) -> tuple[list[LabelledPost], list[LabelledPost]]:
    """Oldest examples for training, newest for testing; nothing in train is later than test."""
    ordered = sorted(examples, key=lambda e: e.at)
    if len(ordered) < 2:
        return ordered, []
    cut = max(1, min(len(ordered) - 1, round(len(ordered) * (1 - test_fraction))))
    boundary = ordered[cut].at
    while cut > 0 and ordered[cut - 1].at >= boundary:  # ties go to the test side
        cut -= 1
    return ordered[:cut], ordered[cut:]


MIN_TEST_EXAMPLES = 10


def has_variety(examples: Sequence[LabelledPost]) -> bool:
    """Both posts worth engaging with and posts that were skipped: a ranking can be measured."""
    labels = {e.label for e in examples if e.label != "like"}
    return bool(labels & {"comment", "share"}) and "skip" in labels


def holdout_split(
    examples: Sequence[LabelledPost], test_fraction: float, trained_until: datetime | None
) -> tuple[list[LabelledPost], list[LabelledPost], bool]:
    """(train, test, whether the current model saw some test posts).

    Tests on what arrived after the current model was trained when there is enough of it, so
    the comparison is fair; else on the newest `test_fraction`.
    """
    if trained_until is not None:
        unseen = [e for e in examples if e.at > trained_until]
        if len(unseen) >= MIN_TEST_EXAMPLES and has_variety(unseen):
            seen = sorted((e for e in examples if e.at <= trained_until), key=lambda e: e.at)
            return seen, sorted(unseen, key=lambda e: e.at), False
    past, future = time_split(examples, test_fraction)
    saw = trained_until is not None and bool(future) and future[0].at <= trained_until
    return past, future, saw


# -- evaluation ---------------------------------------------------------------------------------


def evaluate(predictions: Sequence[Prediction], examples: Sequence[LabelledPost]) -> Metrics:
    """Precision@10, recall and ROC AUC of "worth engaging" (comment or share) on `examples`.

    Likes are weak labels and left out; recall counts positives the scorer did not say skip to.
    """
    by_id = {p.post_id: p for p in predictions}
    pairs = [
        (by_id[e.post.id], e.label in ("comment", "share"))
        for e in examples
        if e.label != "like" and e.post.id in by_id
    ]
    positives = sum(1 for _, positive in pairs if positive)
    if not pairs:
        return Metrics(0.0, 0.0, None, 0, 0)
    ranked = sorted(pairs, key=lambda pair: pair[0].engage_score, reverse=True)
    top = ranked[:10]
    precision = sum(1 for _, positive in top if positive) / len(top)
    found = sum(1 for p, positive in pairs if positive and p.action != "skip")
    recall = found / positives if positives else 0.0
    auc = None
    if 0 < positives < len(pairs):
        # scikit-learn: ~0.5 s, only when a model is fitted or evaluated
        from sklearn.metrics import roc_auc_score

        auc = float(
            roc_auc_score([int(pos) for _, pos in pairs], [p.engage_score for p, _ in pairs])
        )
    return Metrics(round(precision, 4), round(recall, 4), auc, len(pairs), positives)


def predict_examples(
    scorer: LinearModel | None, examples: Sequence[LabelledPost]
) -> list[Prediction]:
    """Predictions for examples, each as of its own time; `None` means the rule baseline."""
    if scorer is not None:
        return predict(scorer, [e.post for e in examples], [e.as_of for e in examples])
    result = []
    for example in examples:
        result.extend(predict_rules([example.post], example.as_of))
    return result


def is_improvement(new: Metrics, current: Metrics, min_gain: float = 0.005) -> bool:
    """Install a new model only if it ranks the hold-out clearly better and is no less precise."""
    if new.roc_auc is None:
        return False
    if current.roc_auc is None:
        return True
    return new.roc_auc >= current.roc_auc + min_gain and (
        new.precision_at_10 >= current.precision_at_10
    )


# -- the seed set -------------------------------------------------------------------------------


def seed_examples() -> list[LabelledPost]:
    """The bundled synthetic, labelled posts (docs/seed-set.md)."""
    text = resources.files("listen.models").joinpath("data/seed_posts.jsonl").read_text("utf-8")
    return [_seed_example(json.loads(line)) for line in text.splitlines() if line.strip()]


def _seed_example(row: dict[str, Any]) -> LabelledPost:
    scored_at = parse_iso(row["scored_at"]) or datetime(2026, 1, 15, tzinfo=UTC)
    created = parse_iso(row.get("created_at")) or scored_at
    post = PostForScoring(
        id=row["id"],
        platform=row["platform"],
        text=row["text"],
        title=row.get("title"),
        kind=row.get("kind", "post"),
        url=row.get("url"),
        created_at=created,
        contact_priority=int(row.get("contact_priority", 2)),
        last_engaged_at=parse_iso(row.get("last_engaged_at")),
        contact_posts=int(row.get("contact_posts", 0)),
        contact_engaged_posts=int(row.get("contact_engaged_posts", 0)),
        seed_set_example=True,
    )
    return LabelledPost(post=post, label=row["label"], at=created, as_of=scored_at)


def new_version(now: datetime) -> str:
    return "user-" + now.strftime("%Y%m%dT%H%M%S")


# -- measurement --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScoringPerformance:
    """What `measure_scoring` found: model load time and scoring throughput on one core."""

    load_seconds: float  # wall clock: read + validate the model file, load the sentiment lexicon
    posts: int
    score_seconds: float  # wall clock for one batch
    score_cpu_seconds: float  # CPU time of this process for the same batch (one core)

    @property
    def posts_per_second(self) -> float:
        """Throughput per core (CPU time): steady on a busy machine, unlike wall time."""
        return self.posts / self.score_cpu_seconds if self.score_cpu_seconds else math.inf

    @property
    def wall_posts_per_second(self) -> float:
        return self.posts / self.score_seconds if self.score_seconds else math.inf


def measure_scoring(
    posts: int = 5_000, load: Callable[[], LinearModel] = default_model
) -> ScoringPerformance:
    """Time loading the default model (on the first call in a process this includes loading
    the sentiment lexicon) and scoring `posts` seed posts in one batch, for scripts/bench.py."""

    started = time.perf_counter()
    model = load()
    sentiment_analyzer()
    loaded = time.perf_counter()
    seeds = [e.post for e in seed_examples()]
    batch = [seeds[i % len(seeds)] for i in range(posts)]
    now = datetime(2026, 1, 15, 9, tzinfo=UTC)
    predict(model, batch[:200], now)  # warm up: first calls into numpy and the regexes
    begin, begin_cpu = time.perf_counter(), time.process_time()
    predict(model, batch, now)
    end, end_cpu = time.perf_counter(), time.process_time()
    return ScoringPerformance(loaded - started, posts, end - begin, end_cpu - begin_cpu)
