"""Train, predict and evaluate the engagement classifier; save and load model files safely.

A model is two logistic-regression heads (worth a comment, worth a share) over TF-IDF text
features and standardised engineered features, fitted with scikit-learn. It is saved as plain
JSON (vocabulary, idf weights, scaler, coefficients, the metrics that justified it) with a
SHA-256 checksum: loading never executes anything, and a damaged or tampered file is refused.
Prediction re-implements the fitted transform with numpy, so scoring needs neither
scikit-learn nor SciPy and a model loads in a few milliseconds.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from listen.clock import parse_iso, to_iso, utcnow
from listen.errors import InputError, ListenError
from listen.models.features import (
    ENGINEERED_NAMES,
    PostCues,
    PostForScoring,
    engineered_matrix,
    model_text,
    post_cues,
    text_terms,
)
from listen.models.rules import Prediction, Thresholds, choose_action, predict_rules, reasons_for

if TYPE_CHECKING:
    import numpy as np

FORMAT = "listen-engagement-model"
FORMAT_VERSION = 1
MAX_MODEL_BYTES = 50_000_000
MODELS_DIR = "models"
CURRENT_POINTER = "current"
HEADS = ("comment", "share")
LIKE_WEIGHT = 0.3  # a like is a weak positive for both heads
CLIP_KWARGS = {"a_min": -3.0, "a_max": 3.0}  # standardised features: tame outliers (long posts)


class ModelFileError(ListenError):
    """A model file is missing, damaged, tampered with, or made for other features."""


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


@dataclass(frozen=True)
class LinearModel:
    """A fitted model in plain arrays: what is saved, loaded and used to predict."""

    version: str
    created_at: str
    terms: tuple[str, ...]
    idf: np.ndarray
    engineered_mean: np.ndarray
    engineered_scale: np.ndarray
    text_coef: np.ndarray  # (2, len(terms)): comment, share
    engineered_coef: np.ndarray  # (2, len(ENGINEERED_NAMES))
    intercept: np.ndarray  # (2,)
    thresholds: Thresholds = field(default_factory=Thresholds)
    metrics: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    vocabulary: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.vocabulary:
            object.__setattr__(self, "vocabulary", {t: i for i, t in enumerate(self.terms)})


@dataclass(frozen=True, slots=True)
class LoadedModel:
    """The model in use, where it came from, and why the user's model was not used, if so."""

    model: LinearModel
    origin: str  # "installed" or "default"
    problem: str | None = None


# -- prediction ---------------------------------------------------------------------------------


def predict_probabilities(
    model: LinearModel,
    posts: Sequence[PostForScoring],
    now: datetime | Sequence[datetime],
    cues: Sequence[PostCues] | None = None,
) -> np.ndarray:
    """(n, 2) probabilities: worth a comment, worth a share. Vectorised over the batch."""
    import numpy as np

    n = len(posts)
    if n == 0:
        return np.zeros((0, 2))
    vocabulary = model.vocabulary
    rows: list[int] = []
    cols: list[int] = []
    counts: list[int] = []
    for i, post in enumerate(posts):
        found = Counter(
            j for j in map(vocabulary.get, text_terms(model_text(post))) if j is not None
        )
        rows.extend([i] * len(found))
        cols.extend(found.keys())
        counts.extend(found.values())
    row = np.asarray(rows, dtype=np.intp)
    col = np.asarray(cols, dtype=np.intp)
    weight = (1.0 + np.log(np.asarray(counts, dtype=float))) * model.idf[col]  # sublinear tf-idf
    norm = np.sqrt(np.bincount(row, weight * weight, minlength=n))
    norm[norm == 0] = 1.0
    logits = np.empty((n, 2))
    for h in range(2):
        logits[:, h] = np.bincount(row, weight * model.text_coef[h, col], minlength=n) / norm
    engineered = np.asarray(engineered_matrix(posts, now, cues), dtype=float)
    standardised = (engineered - model.engineered_mean) / model.engineered_scale
    scaled = np.clip(standardised, CLIP_KWARGS["a_min"], CLIP_KWARGS["a_max"])
    logits += scaled @ model.engineered_coef.T + model.intercept
    return 1.0 / (1.0 + np.exp(-np.clip(logits, -35, 35)))


def predict(
    model: LinearModel, posts: Sequence[PostForScoring], now: datetime | Sequence[datetime]
) -> list[Prediction]:
    """Probabilities, a suggested action and reasons for each post (`now`: one time, or the
    time each post is scored at)."""
    moments = [now] * len(posts) if isinstance(now, datetime) else list(now)
    cues = [post_cues(post) for post in posts]
    probabilities = predict_probabilities(model, posts, moments, cues)
    result = []
    for post, found, moment, (comment, share) in zip(
        posts, cues, moments, probabilities.tolist(), strict=True
    ):
        action = choose_action(comment, share, model.thresholds)
        reasons = reasons_for(post, found, action, moment)
        result.append(Prediction(post.id, round(comment, 4), round(share, 4), action, reasons))
    return result


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
    import numpy as np

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
    import numpy as np
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
    import numpy as np

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
    labels = Counter(e.label for e in examples)
    return dataclasses.replace(model, training={"examples": len(examples), "labels": dict(labels)})


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
    )
    return LabelledPost(post=post, label=row["label"], at=created, as_of=scored_at)


# -- model files --------------------------------------------------------------------------------


def model_to_document(model: LinearModel) -> dict[str, Any]:
    """The JSON document for a model, with a checksum over its canonical payload."""
    payload = {
        "version": model.version,
        "created_at": model.created_at,
        "kind": "tfidf-logistic",
        "engineered_names": list(ENGINEERED_NAMES),
        "terms": list(model.terms),
        "idf": _floats(model.idf),
        "engineered_mean": _floats(model.engineered_mean),
        "engineered_scale": _floats(model.engineered_scale),
        "heads": {
            head: {
                "text_coef": _floats(model.text_coef[h]),
                "engineered_coef": _floats(model.engineered_coef[h]),
                "intercept": _floats(model.intercept[h : h + 1])[0],
            }
            for h, head in enumerate(HEADS)
        },
        "thresholds": {
            "comment": model.thresholds.comment,
            "share": model.thresholds.share,
            "like": model.thresholds.like,
        },
        "metrics": model.metrics,
        "training": model.training,
    }
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "sha256": _checksum(payload),
        "model": payload,
    }


def _floats(values: Any) -> list[float]:
    return [float(f"{v:.7g}") for v in values.tolist()]


def _checksum(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def save_model(model: LinearModel, path: Path) -> None:
    """Write a model file atomically (a temp file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(model_to_document(model), separators=(",", ":")), "utf-8")
    tmp.replace(path)


def load_model(path: Path) -> LinearModel:
    """Read and fully validate a model file; raises `ModelFileError` on any problem."""
    try:
        size = path.stat().st_size
        if size > MAX_MODEL_BYTES:
            raise ModelFileError(f"{path}: model file too large ({size} bytes)")
        raw = path.read_bytes()
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read model file: {exc.strerror or exc}") from None
    return model_from_bytes(raw, str(path))


def model_from_bytes(raw: bytes, where: str) -> LinearModel:
    """Parse and validate a model document."""
    import numpy as np

    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ModelFileError(f"{where}: not a listen model file (not JSON)") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelFileError(f"{where}: not a listen model file")
    if document.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{where}: model format {document.get('format_version')!r} is not supported"
        )
    payload = document.get("model")
    if not isinstance(payload, dict) or document.get("sha256") != _checksum(payload):
        raise ModelFileError(f"{where}: checksum mismatch: the model file was modified or damaged")
    try:
        if payload["engineered_names"] != list(ENGINEERED_NAMES):
            raise ModelFileError(f"{where}: model was trained on other features; retrain it")
        terms = payload["terms"]
        if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
            raise ValueError("terms")
        n_terms, n_eng = len(terms), len(ENGINEERED_NAMES)
        idf = _array(np, payload["idf"], n_terms)
        mean = _array(np, payload["engineered_mean"], n_eng)
        scale = _array(np, payload["engineered_scale"], n_eng)
        if np.any(scale <= 0):
            raise ValueError("engineered_scale")
        heads = payload["heads"]
        text_coef = np.vstack([_array(np, heads[h]["text_coef"], n_terms) for h in HEADS])
        eng_coef = np.vstack([_array(np, heads[h]["engineered_coef"], n_eng) for h in HEADS])
        intercept = np.array([float(heads[h]["intercept"]) for h in HEADS])
        thresholds = Thresholds(**{k: float(v) for k, v in payload["thresholds"].items()})
        if not np.all(np.isfinite(intercept)):
            raise ValueError("intercept")
        return LinearModel(
            version=str(payload["version"]),
            created_at=str(payload["created_at"]),
            terms=tuple(terms),
            idf=idf,
            engineered_mean=mean,
            engineered_scale=scale,
            text_coef=text_coef,
            engineered_coef=eng_coef,
            intercept=intercept,
            thresholds=thresholds,
            metrics=dict(payload.get("metrics") or {}),
            training=dict(payload.get("training") or {}),
        )
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelFileError(f"{where}: malformed model file ({exc})") from None


def _array(np: Any, values: Any, length: int) -> Any:
    if not isinstance(values, list) or len(values) != length:
        raise ValueError(f"expected {length} numbers")
    array = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(array)):
        raise ValueError("non-finite number")
    return array


def default_model() -> LinearModel:
    """The model trained on the seed set that ships with listen."""
    raw = resources.files("listen.models").joinpath("data/default_model.json").read_bytes()
    return model_from_bytes(raw, "bundled default model")


def models_dir(data_dir: Path) -> Path:
    return data_dir / MODELS_DIR


def install_model(model: LinearModel, data_dir: Path) -> Path:
    """Save a model under the data directory and make it the current one."""
    directory = models_dir(data_dir)
    path = directory / f"{model.version}.json"
    save_model(model, path)
    pointer = directory / CURRENT_POINTER
    tmp = pointer.with_suffix(".tmp")
    tmp.write_text(path.name + "\n", "utf-8")
    tmp.replace(pointer)
    return path


def load_current_model(data_dir: Path | None) -> LoadedModel:
    """The installed model, or the default one (with the reason) if there is none or it is bad."""
    if data_dir is not None:
        pointer = models_dir(data_dir) / CURRENT_POINTER
        if pointer.exists():
            try:
                name = pointer.read_text("utf-8").strip()
                if not name or "/" in name or "\\" in name or name.startswith("."):
                    raise ModelFileError(f"{pointer}: invalid model name {name!r}")
                return LoadedModel(load_model(models_dir(data_dir) / name), "installed")
            except ModelFileError as exc:
                return LoadedModel(default_model(), "default", str(exc))
            except OSError as exc:
                return LoadedModel(default_model(), "default", f"{pointer}: {exc}")
    return LoadedModel(default_model(), "default")


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
    from listen.models.sentiment import sentiment_analyzer

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
