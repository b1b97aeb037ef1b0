"""A fitted engagement model as plain arrays, and fast batch prediction with numpy.

Prediction re-implements the fitted scikit-learn transform (sublinear TF-IDF with l2
normalisation; standardised, clipped engineered features; two logistic heads), so scoring
needs neither scikit-learn nor SciPy. A test checks it equals the scikit-learn pipeline.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from listen.models.features import (
    PostCues,
    PostForScoring,
    engineered_matrix,
    model_text,
    post_cues,
    text_terms,
)
from listen.models.rules import Prediction, Thresholds, choose_action, reasons_for

if TYPE_CHECKING:
    import numpy as np

HEADS = ("comment", "share")
CLIP_KWARGS = {"a_min": -3.0, "a_max": 3.0}  # standardised features: tame outliers (long posts)


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


# -- prediction ---------------------------------------------------------------------------------

LEARNED_PREFIX = "user-"  # versions of models trained on the user's own history
SIMILAR_TEXT_LOGIT = 1.0  # the words alone add this much evidence: "like posts you took part in"


def predict_probabilities(
    model: LinearModel,
    posts: Sequence[PostForScoring],
    now: datetime | Sequence[datetime],
    cues: Sequence[PostCues] | None = None,
) -> np.ndarray:
    """(n, 2) probabilities: worth a comment, worth a share. Vectorised over the batch."""
    import numpy as np  # numpy: ~0.1 s, only when a model is used

    _, logits = _logits(model, posts, now, cues)
    return 1.0 / (1.0 + np.exp(-np.clip(logits, -35, 35)))


def _logits(
    model: LinearModel,
    posts: Sequence[PostForScoring],
    now: datetime | Sequence[datetime],
    cues: Sequence[PostCues] | None,
) -> tuple[np.ndarray, np.ndarray]:
    """The text part of the logits, and the full logits, each (n, 2)."""
    import numpy as np  # numpy: ~0.1 s, only when a model is used

    n = len(posts)
    if n == 0:
        return np.zeros((0, 2)), np.zeros((0, 2))
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
    text = np.empty((n, 2))
    for h in range(2):
        text[:, h] = np.bincount(row, weight * model.text_coef[h, col], minlength=n) / norm
    engineered = np.asarray(engineered_matrix(posts, now, cues), dtype=float)
    standardised = (engineered - model.engineered_mean) / model.engineered_scale
    scaled = np.clip(standardised, CLIP_KWARGS["a_min"], CLIP_KWARGS["a_max"])
    return text, text + scaled @ model.engineered_coef.T + model.intercept


def predict(
    model: LinearModel, posts: Sequence[PostForScoring], now: datetime | Sequence[datetime]
) -> list[Prediction]:
    """Probabilities, a suggested action and reasons for each post (`now`: one time, or the
    time each post is scored at)."""
    import numpy as np  # numpy: ~0.1 s, only when a model is used

    moments = [now] * len(posts) if isinstance(now, datetime) else list(now)
    cues = [post_cues(post) for post in posts]
    text, logits = _logits(model, posts, moments, cues)
    probabilities = 1.0 / (1.0 + np.exp(-np.clip(logits, -35, 35)))
    learned = model.version.startswith(LEARNED_PREFIX)
    result = []
    for i, (post, found, moment) in enumerate(zip(posts, cues, moments, strict=True)):
        comment, share = float(probabilities[i, 0]), float(probabilities[i, 1])
        action = choose_action(comment, share, model.thresholds)
        head = 1 if action == "share" else 0
        similar = learned and bool(text[i, head] >= SIMILAR_TEXT_LOGIT)
        reasons = reasons_for(post, found, action, moment, similar=similar)
        result.append(Prediction(post.id, round(comment, 4), round(share, 4), action, reasons))
    return result
