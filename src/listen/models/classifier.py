"""Train the engagement classifier; the bundled corpus; a speed measurement.

Training fits TF-IDF over word 1-2 grams and over character 2-5 grams inside words (so
misspellings and languages other than English carry signal), standardised engineered feature
groups, and two logistic-regression heads (worth a comment, worth a share), each calibrated
with a sigmoid fitted on cross-validated scores. It exports a `LinearModel` (plain arrays, see
`linear.py`; files in `model_file.py`). What is in a model (`ModelSpec`) was chosen by
cross-validation on the corpus (scripts/build_default_model.py --select), never on the test set.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from listen.clock import to_iso, utcnow
from listen.errors import InputError
from listen.models.features import (
    PostForScoring,
    char_terms,
    engineered_matrix,
    engineered_names,
    model_text,
    text_terms,
)
from listen.models.linear import CLIP_KWARGS, HEADS, LinearModel, TermBlock, predict
from listen.models.model_file import default_model
from listen.models.rules import Thresholds

LIKE_WEIGHT = 0.3  # a like is a weak positive for both heads
CORPUS_MOMENT = datetime(2026, 1, 15, 9, tzinfo=UTC)  # corpus posts have no time of their own


@dataclass(frozen=True, slots=True)
class LabelledPost:
    """A training or evaluation example: a post, what the user did, and when."""

    post: PostForScoring
    label: str  # comment, share, like, skip
    at: datetime  # when the post appeared: orders the time split
    as_of: datetime  # the moment features are computed for (what a scorer would have known)


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """What a model is made of. The default was chosen by leave-one-writer-out
    cross-validation on the corpus (docs/classifier.md)."""

    groups: tuple[str, ...] = ("shape", "contact")
    words: bool = True
    chars: bool = True
    c: float = 64.0  # inverse L2 strength of both heads
    max_word_terms: int = 20_000
    max_char_terms: int = 40_000
    char_ngrams: tuple[int, int] = (2, 5)
    min_df: int = 2
    calibration_folds: int = 3

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @property
    def feature_groups(self) -> tuple[str, ...]:
        """The engineered groups of a model: the chosen ones and the corpus indicator."""
        return (*self.groups, "corpus")


DEFAULT_SPEC = ModelSpec()


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


@dataclass
class Fitted:
    """The fitted parts: scikit-learn vectorizers, the engineered features' standardisation,
    calibrated heads."""

    spec: ModelSpec
    vectorizers: dict[str, Any]  # "word" / "char" → TfidfVectorizer
    mean: Any  # np.ndarray per engineered feature
    scale: Any
    heads: list[Any]  # CalibratedClassifierCV (or LogisticRegression when data is too small)

    def matrix(self, posts: Sequence[PostForScoring], moments: Sequence[datetime]) -> Any:
        """The model input for `posts`: TF-IDF blocks, then scaled engineered features."""
        import numpy as np  # numpy and SciPy: only when a model is fitted
        from scipy import sparse

        texts = [model_text(p) for p in posts]
        parts = [self.vectorizers[kind].transform(texts) for kind in self.vectorizers]
        engineered = np.asarray(
            engineered_matrix(posts, moments, self.spec.feature_groups), dtype=float
        ).reshape(len(posts), -1)
        scaled = np.clip(
            (engineered - self.mean) / self.scale, CLIP_KWARGS["a_min"], CLIP_KWARGS["a_max"]
        )
        return sparse.hstack([*parts, sparse.csr_matrix(scaled)], format="csr")


def _vectorizers(spec: ModelSpec) -> dict[str, Any]:
    # scikit-learn: ~0.5 s, only when a model is fitted
    from sklearn.feature_extraction.text import TfidfVectorizer

    found = {}
    if spec.words:
        found["word"] = TfidfVectorizer(
            analyzer=text_terms, min_df=spec.min_df, sublinear_tf=True,
            max_features=spec.max_word_terms,
        )  # fmt: skip
    if spec.chars:
        found["char"] = TfidfVectorizer(
            analyzer=functools.partial(char_terms, ngrams=spec.char_ngrams),
            min_df=spec.min_df, sublinear_tf=True,
            max_features=spec.max_char_terms,
        )  # fmt: skip
    return found


def logistic_head(c: float) -> Any:
    """One head: L2 logistic regression, classes balanced (liblinear: about twice as fast as
    lbfgs on these sparse, wide matrices)."""
    from sklearn.linear_model import LogisticRegression  # scikit-learn: only when fitting

    return LogisticRegression(
        C=c, class_weight="balanced", solver="liblinear", max_iter=5000, random_state=0
    )


def _head(spec: ModelSpec, y: Any) -> Any:
    """A logistic regression, calibrated by a sigmoid on cross-validated scores when each class
    has enough examples for the folds."""
    # scikit-learn: only when a model is fitted
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import StratifiedKFold

    base = logistic_head(spec.c)
    smallest = min(int(y.sum()), int(len(y) - y.sum()))
    folds = min(spec.calibration_folds, smallest)
    if folds < 2:
        return base
    cv = StratifiedKFold(folds, shuffle=True, random_state=0)
    return CalibratedClassifierCV(base, method="sigmoid", cv=cv, ensemble=False)


# Placeholders in the corpus: scaled on the user's own posts.
USER_SCALED_GROUPS = ("contact", "follow_up")


def standardisation(
    np: Any, engineered: Any, posts: Sequence[PostForScoring], groups: Sequence[str]
) -> tuple[Any, Any]:
    """Mean and scale of each engineered feature (as StandardScaler; a constant feature gets
    scale 1). Corpus posts have no contact and no history, only placeholder values: scaled
    with them, a user's contact features would be extreme and clipped alike (a contact you
    always answer and one you sometimes answer both at +3), so those columns are scaled on
    the user's own posts when there are some."""
    mean, scale = engineered.mean(axis=0), engineered.std(axis=0)
    own = np.asarray([not p.corpus_example for p in posts], dtype=bool)
    if own.sum() >= 2:
        columns = [
            i
            for i, name in enumerate(engineered_names(groups))
            if name in engineered_names([g for g in groups if g in USER_SCALED_GROUPS])
        ]
        mean[columns] = engineered[own][:, columns].mean(axis=0)
        scale[columns] = engineered[own][:, columns].std(axis=0)
    scale[scale < 1e-12] = 1.0
    return mean, scale


def fit_pipeline(
    examples: Sequence[LabelledPost],
    weights: Sequence[float] | None = None,
    spec: ModelSpec = DEFAULT_SPEC,
) -> Fitted:
    """Fit the features and the comment and share heads on `examples`."""
    import numpy as np  # numpy: only when a model is fitted

    labels = [e.label for e in examples]
    y = np.array([targets(label)[:2] for label in labels]).reshape(len(labels), 2)
    for h, head in enumerate(HEADS):
        if len(set(y[:, h].tolist())) < 2:
            raise InputError(f"cannot train: need posts worth a {head} and posts that are not")
    sample_weight = np.array([targets(label)[2] for label in labels])
    if weights is not None:
        sample_weight = sample_weight * np.asarray(weights, dtype=float)
    from scipy import sparse  # SciPy (with scikit-learn): only when a model is fitted

    posts = [e.post for e in examples]
    texts = [model_text(p) for p in posts]
    vectorizers = _vectorizers(spec)
    parts = [vectorizer.fit_transform(texts) for vectorizer in vectorizers.values()]
    engineered = np.asarray(
        engineered_matrix(posts, [e.as_of for e in examples], spec.feature_groups), dtype=float
    ).reshape(len(posts), -1)
    mean, scale = standardisation(np, engineered, posts, spec.feature_groups)
    fitted = Fitted(spec, vectorizers, mean, scale, [])
    scaled = np.clip((engineered - mean) / scale, CLIP_KWARGS["a_min"], CLIP_KWARGS["a_max"])
    matrix = sparse.hstack([*parts, sparse.csr_matrix(scaled)], format="csr")
    for h in range(2):
        head = _head(spec, y[:, h])
        head.fit(matrix, y[:, h], sample_weight=sample_weight)
        fitted.heads.append(head)
    return fitted


def _linear_head(head: Any) -> tuple[Any, float]:
    """(coefficients, intercept) whose logistic is the head's calibrated probability."""
    if not hasattr(head, "calibrated_classifiers_"):
        return head.coef_[0], float(head.intercept_[0])
    (pair,) = head.calibrated_classifiers_
    sigmoid = pair.calibrators[0]  # P = 1 / (1 + exp(a·f + b)), f the decision function
    a, b = float(sigmoid.a_), float(sigmoid.b_)
    return -a * pair.estimator.coef_[0], -(a * float(pair.estimator.intercept_[0]) + b)


def export_model(
    fitted: Fitted, *, version: str, thresholds: Thresholds | None = None
) -> LinearModel:
    """The fitted pipeline as plain arrays."""
    import numpy as np  # numpy: only when a model is fitted

    linear = [_linear_head(head) for head in fitted.heads]
    coef = np.vstack([c for c, _ in linear])
    blocks, offset = [], 0
    for kind, vectorizer in fitted.vectorizers.items():
        vocabulary: dict[str, int] = vectorizer.vocabulary_
        terms = tuple(sorted(vocabulary, key=vocabulary.__getitem__))
        block_coef = coef[:, offset : offset + len(terms)]
        idf = np.asarray(vectorizer.idf_, dtype=float)
        ngrams = fitted.spec.char_ngrams if kind == "char" else (1, 2)
        blocks.append(TermBlock(kind, terms, idf, block_coef, ngrams=ngrams))
        offset += len(terms)
    return LinearModel(
        version=version,
        created_at=to_iso(utcnow()) or "",
        blocks=tuple(blocks),
        groups=fitted.spec.feature_groups,
        engineered_mean=np.asarray(fitted.mean, dtype=float),
        engineered_scale=np.asarray(fitted.scale, dtype=float),
        engineered_coef=coef[:, offset:],
        intercept=np.asarray([i for _, i in linear], dtype=float),
        thresholds=thresholds or Thresholds(),
    )


def fit_model(
    examples: Sequence[LabelledPost],
    *,
    version: str,
    weights: Sequence[float] | None = None,
    thresholds: Thresholds | None = None,
    spec: ModelSpec = DEFAULT_SPEC,
) -> LinearModel:
    """Fit on `examples` (optionally weighted) and export the model."""
    model = export_model(
        fit_pipeline(examples, weights, spec), version=version, thresholds=thresholds
    )
    training: dict[str, Any] = {
        "examples": len(examples),
        "labels": dict(Counter(e.label for e in examples)),
        "spec": spec.as_dict(),
    }
    own = [e.at for e in examples if not e.post.corpus_example]
    if own:
        training["trained_until"] = to_iso(max(own))
    return dataclasses.replace(model, training=training)


def spec_of(model: LinearModel) -> ModelSpec:
    """The spec a model was trained with (the default one if it does not say)."""
    stored = model.training.get("spec")
    if not isinstance(stored, dict):
        return DEFAULT_SPEC
    try:
        fields = {f.name for f in dataclasses.fields(ModelSpec)}
        values: dict[str, Any] = {
            k: tuple(v) if k in ("groups", "char_ngrams") else v
            for k, v in stored.items()
            if k in fields
        }
        return ModelSpec(**values)
    except TypeError:
        return DEFAULT_SPEC


# -- time-ordered hold-outs ---------------------------------------------------------------------


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


def evaluation_pool(
    examples: Sequence[LabelledPost], test_fraction: float, trained_until: datetime | None
) -> tuple[list[LabelledPost], bool]:
    """(the posts a candidate and the current model are compared on, whether the current model
    saw some of them).

    A current model that never learned from the user (the bundled one) is compared on every
    labelled post; a model learned from the history, on what arrived after it was trained when
    there is enough of it, else on the newest `test_fraction`.
    """
    if trained_until is None:
        return sorted(examples, key=lambda e: e.at), False
    return holdout_split(examples, test_fraction, trained_until)[1:]


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


# -- the corpus ---------------------------------------------------------------------------------

CORPUS_DIR = "data/corpus"
EXCLUDED_FILE = "data/corpus_excluded.json"


def corpus_rows(*, excluded: bool = True) -> list[dict[str, Any]]:
    """The bundled, hand-written labelled posts (docs/seed-set.md), writer by writer; without
    those `scripts/corpus_report.py` excluded (near-duplicates) unless `excluded=False`."""
    folder = resources.files("listen.models").joinpath(CORPUS_DIR)
    names = sorted(f.name for f in folder.iterdir() if f.name.endswith(".jsonl"))
    drop = excluded_ids() if excluded else set()
    rows = []
    for name in names:
        for line in folder.joinpath(name).read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if row["id"] not in drop:
                    rows.append({**row, "writer": name.removesuffix(".jsonl")})
    return rows


def excluded_ids() -> set[str]:
    """Corpus posts left out: near-duplicates of another corpus post or of a test post."""
    path = resources.files("listen.models").joinpath(EXCLUDED_FILE)
    if not path.is_file():
        return set()
    return {item["id"] for item in json.loads(path.read_text("utf-8"))["excluded"]}


def labelled_from_row(row: dict[str, Any], *, corpus: bool = True) -> LabelledPost:
    """A corpus or test-set row as a labelled post (no time or contact of its own)."""
    platform = row["platform"]
    post = PostForScoring(
        id=row["id"],
        platform=platform,
        text=row.get("text") or "",
        title=row.get("title") or None,
        kind="article" if platform == "blog" else "post",
        created_at=CORPUS_MOMENT,
        corpus_example=corpus,
    )
    return LabelledPost(post=post, label=row["label"], at=CORPUS_MOMENT, as_of=CORPUS_MOMENT)


def corpus_examples() -> list[LabelledPost]:
    """The corpus as training examples."""
    return [labelled_from_row(row) for row in corpus_rows()]


def new_version(now: datetime) -> str:
    return "user-" + now.strftime("%Y%m%dT%H%M%S")


# -- measurement --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScoringPerformance:
    """What `measure_scoring` found: model load time and scoring throughput on one core."""

    load_seconds: float  # wall clock: read + validate the model file
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
    """Time loading the default model and scoring `posts` corpus posts in one batch, with
    their reasons, for scripts/bench.py."""
    started = time.perf_counter()
    model = load()
    loaded = time.perf_counter()
    pool = [e.post for e in corpus_examples()]
    batch = [dataclasses.replace(pool[i % len(pool)], corpus_example=False) for i in range(posts)]
    predict(model, batch[:200], CORPUS_MOMENT)  # warm up: first calls into numpy and the regexes
    begin, begin_cpu = time.perf_counter(), time.process_time()
    predict(model, batch, CORPUS_MOMENT)
    end, end_cpu = time.perf_counter(), time.process_time()
    return ScoringPerformance(loaded - started, posts, end - begin, end_cpu - begin_cpu)
