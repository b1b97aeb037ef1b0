"""A fitted engagement model as plain arrays, fast batch prediction, and what drove a score.

Prediction re-implements the fitted scikit-learn transform (sublinear TF-IDF with l2
normalisation, once for word 1-2 grams and once for character 2-5 grams inside words;
standardised, clipped engineered features; two calibrated logistic heads), so scoring needs
neither scikit-learn nor SciPy. A test checks it equals the scikit-learn pipeline.

Every logit is a sum of contributions, so the same pass says which words (their word and
character n-grams together) and which features pushed each probability up or down.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from listen.models.features import (
    TOKEN_PATTERN,
    PostForScoring,
    engineered_matrix,
    engineered_names,
    model_text,
    word_char_grams,
)
from listen.models.rules import Prediction, Thresholds, choose_action

if TYPE_CHECKING:
    import numpy as np

HEADS = ("comment", "share")
CLIP_KWARGS = {"a_min": -3.0, "a_max": 3.0}  # standardised features: tame outliers (long posts)
BLOCKS = ("word", "char")


@dataclass(frozen=True)
class TermBlock:
    """One TF-IDF vocabulary (word 1-2 grams or character 2-5 grams) and its coefficients."""

    kind: str  # "word" or "char"
    terms: tuple[str, ...]
    idf: np.ndarray
    coef: np.ndarray  # (2, len(terms)): comment, share
    vocabulary: dict[str, int] = field(default_factory=dict)
    ngrams: tuple[int, int] = (1, 2)  # word 1-2 grams; characters: as fitted (2-5 or 3-5)

    def __post_init__(self) -> None:
        if not self.vocabulary:
            vocabulary = dict(zip(self.terms, range(len(self.terms)), strict=True))
            object.__setattr__(self, "vocabulary", vocabulary)


@dataclass(frozen=True)
class LinearModel:
    """A fitted model in plain arrays: what is saved, loaded and used to predict."""

    version: str
    created_at: str
    blocks: tuple[TermBlock, ...]
    groups: tuple[str, ...]  # engineered feature groups, in order
    engineered_mean: np.ndarray
    engineered_scale: np.ndarray
    engineered_coef: np.ndarray  # (2, number of engineered features)
    intercept: np.ndarray  # (2,)
    thresholds: Thresholds = field(default_factory=Thresholds)
    metrics: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)

    @property
    def engineered_names(self) -> tuple[str, ...]:
        return engineered_names(self.groups)

    @property
    def columns(self) -> _Columns:
        """Both blocks in one column space, and the per-word cache (built on first use)."""
        found = self.__dict__.get("_columns")
        if found is None:
            found = _Columns.of(self.blocks)
            object.__setattr__(self, "_columns", found)
        return found


# -- what drove a score -------------------------------------------------------------------------


@dataclass(frozen=True)
class Contributions:
    """Each post's logits and what its words and features added to them. Words are the
    post's display words (word and character n-grams of the same word summed)."""

    logits: np.ndarray  # (n, 2)
    word_rows: np.ndarray  # (w,): the post of each word
    word_names: list[str]  # (w,)
    word_values: np.ndarray  # (w, 2): what the word added to each head's logit
    features: np.ndarray  # (n, F): raw engineered values
    feature_values: np.ndarray  # (n, 2, F): what each feature added


_EDGE_PUNCTUATION = re.compile(r"^[^\w#@]+|[^\w]+$")
CACHE_LIMIT = 200_000  # words remembered per model (their columns)


def _display(word: str) -> str:
    return _EDGE_PUNCTUATION.sub("", word) or word


class _Word(NamedTuple):
    """What one whitespace-separated word contributes, whatever post it is in: its word
    1-grams and the 2-grams inside it, and its character n-grams, as columns (a named tuple:
    tens of thousands are made in a cold run)."""

    display: str
    cols: Any  # np.ndarray of columns (word block first, then char block)
    first: str | None  # its first and last word token, for 2-grams across words
    last: str | None


@dataclass
class _Columns:
    """Word and char terms in one column space: word terms first, then char terms."""

    words: dict[str, int]
    chars: dict[str, int]
    char_ngrams: tuple[int, int]
    offset: int  # where char columns start
    kinds: Any  # np.ndarray: 0 word column, 1 char column
    idf: Any
    coef: Any  # (2, columns)
    cache: dict[str, _Word] = field(default_factory=dict)

    @classmethod
    def of(cls, blocks: Sequence[TermBlock]) -> _Columns:
        import numpy as np  # numpy: only when a model is used

        by_kind = {b.kind: b for b in blocks}
        word, char = by_kind.get("word"), by_kind.get("char")
        offset = len(word.terms) if word else 0
        sizes = [len(b.terms) for b in (word, char) if b]
        parts = [b for b in (word, char) if b]
        return cls(
            words=word.vocabulary if word else {},
            chars={t: offset + i for t, i in char.vocabulary.items()} if char else {},
            char_ngrams=char.ngrams if char else (2, 5),
            offset=offset,
            kinds=np.repeat(np.arange(2)[: len(sizes)] + (0 if word else 1), sizes).astype(np.intp),
            idf=np.concatenate([b.idf for b in parts]) if parts else np.zeros(0),
            coef=np.hstack([b.coef for b in parts]) if parts else np.zeros((2, 0)),
        )

    def word(self, np: Any, text: str) -> _Word:
        found = self.cache.get(text)
        if found is None:
            if len(self.cache) > CACHE_LIMIT:
                self.cache.clear()
            found = self.cache[text] = self._compile(np, text)
        return found

    def _compile(self, np: Any, text: str) -> _Word:
        tokens = TOKEN_PATTERN.findall(text)
        grams = tokens if len(tokens) < 2 else [*tokens, *map(" ".join, itertools.pairwise(tokens))]
        cols = [*filter(_FOUND, map(self.words.get, grams))]
        if self.chars:
            cols += filter(_FOUND, map(self.chars.get, word_char_grams(text, self.char_ngrams)))
        first, last = (tokens[0], tokens[-1]) if tokens else (None, None)
        return _Word(_display(text), np.asarray(cols, dtype=np.intp), first, last)


_FOUND = functools.partial(operator.is_not, None)  # a vocabulary hit (C-speed filter)


@dataclass(frozen=True)
class _Occurrences:
    """Every matched n-gram of a batch: its post, its column, the word id it belongs to,
    and the share of it that word carries (a 2-gram across two words: half each)."""

    rows: Any
    cols: Any
    words: Any
    shares: Any
    word_rows: list[int]
    word_names: list[str]


def _occurrences(np: Any, columns: _Columns, texts: Sequence[str]) -> _Occurrences:
    arrays: list[Any] = []
    ids: list[int] = []
    names: list[str] = []
    word_rows: list[int] = []
    cross: list[tuple[int, int, int]] = []  # (col, word id, word id) of 2-grams across words
    for i, text in enumerate(texts):
        index: dict[str, int] = {}
        previous: tuple[str | None, int] = (None, -1)
        for raw in text.lower().split():
            word = columns.word(np, raw)
            found = index.get(word.display)
            if found is None:
                found = index[word.display] = len(names)
                names.append(word.display)
                word_rows.append(i)
            arrays.append(word.cols)
            ids.append(found)
            if word.first is None:
                continue
            if previous[0] is not None and columns.words:
                col = columns.words.get(f"{previous[0]} {word.first}")
                if col is not None:
                    cross.append((col, previous[1], found))
            previous = (word.last, found)
    lengths = np.fromiter(map(len, arrays), dtype=np.intp, count=len(arrays))
    cols = np.concatenate([*arrays, np.zeros(0, dtype=np.intp)])
    words = np.repeat(np.asarray(ids, dtype=np.intp), lengths)
    shares = np.ones(len(cols))
    if cross:
        extra = np.asarray(cross, dtype=np.intp)
        cols = np.concatenate([cols, extra[:, 0], extra[:, 0]])
        words = np.concatenate([words, extra[:, 1], extra[:, 2]])
        shares = np.concatenate([shares, np.full(2 * len(extra), 0.5)])
    rows = np.asarray(word_rows, dtype=np.intp)[words]
    return _Occurrences(rows, cols, words, shares, word_rows, names)


def _occurrence_values(np: Any, columns: _Columns, found: _Occurrences, n: int) -> Any:
    """(occurrences, 2): what each matched n-gram occurrence adds to each head's logit, as the
    sublinear TF-IDF of scikit-learn computes it, l2-normalised per post and block."""
    size = max(1, len(columns.idf))
    unique, inverse = np.unique(found.rows * size + found.cols, return_inverse=True)
    counts = np.bincount(inverse, found.shares, minlength=len(unique))
    pair_col = unique % size
    weight = (1.0 + np.log(counts)) * columns.idf[pair_col]
    block = (unique // size) * 2 + columns.kinds[pair_col]  # (post, block)
    norm = np.sqrt(np.bincount(block, weight * weight, minlength=2 * n))
    norm[norm == 0] = 1.0
    per_occurrence = weight[inverse] / counts[inverse] * found.shares / norm[block[inverse]]
    return per_occurrence[:, None] * columns.coef[:, found.cols].T


def contributions(
    model: LinearModel, posts: Sequence[PostForScoring], now: datetime | Sequence[datetime]
) -> Contributions:
    """The logits of each post and what each word and feature added to them."""
    import numpy as np  # numpy: ~0.1 s, only when a model is used

    n = len(posts)
    columns = model.columns
    found = _occurrences(np, columns, [model_text(post) for post in posts])
    values = _occurrence_values(np, columns, found, n)
    word_values = np.zeros((len(found.word_names), 2))
    for h in range(2):
        word_values[:, h] = np.bincount(found.words, values[:, h], minlength=len(word_values))
    word_rows = np.asarray(found.word_rows, dtype=np.intp)
    logits = np.tile(model.intercept, (n, 1)).astype(float)
    for h in range(2):
        logits[:, h] += np.bincount(word_rows, word_values[:, h], minlength=n)
    features = np.zeros((n, len(model.engineered_names)))
    feature_values = np.zeros((n, 2, len(model.engineered_names)))
    if model.groups and n:
        features = np.asarray(engineered_matrix(posts, now, model.groups), dtype=float)
        standardised = (features - model.engineered_mean) / model.engineered_scale
        scaled = np.clip(standardised, CLIP_KWARGS["a_min"], CLIP_KWARGS["a_max"])
        feature_values = scaled[:, None, :] * model.engineered_coef[None, :, :]
        logits += feature_values.sum(axis=2)
    return Contributions(logits, word_rows, found.word_names, word_values, features, feature_values)


def predict_probabilities(
    model: LinearModel, posts: Sequence[PostForScoring], now: datetime | Sequence[datetime]
) -> np.ndarray:
    """(n, 2) probabilities: worth a comment, worth a share. Vectorised over the batch."""
    import numpy as np  # numpy: ~0.1 s, only when a model is used

    if not posts:
        return np.zeros((0, 2))
    logits = contributions(model, posts, now).logits
    return 1.0 / (1.0 + np.exp(-np.clip(logits, -35, 35)))


# -- prediction ---------------------------------------------------------------------------------

LEARNED_PREFIX = "user-"  # versions of models trained on the user's own history


def predict(
    model: LinearModel, posts: Sequence[PostForScoring], now: datetime | Sequence[datetime]
) -> list[Prediction]:
    """Probabilities, a suggested action and reasons for each post (`now`: one time, or the
    time each post is scored at)."""
    import numpy as np  # numpy: ~0.1 s, only when a model is used

    from listen.models.reasons import batch_reasons  # the words of the reasons

    if not posts:
        return []
    moments = [now] * len(posts) if isinstance(now, datetime) else list(now)
    found = contributions(model, posts, moments)
    probabilities = 1.0 / (1.0 + np.exp(-np.clip(found.logits, -35, 35)))
    actions = [
        choose_action(float(c), float(s), model.thresholds) for c, s in probabilities.tolist()
    ]
    reasons = batch_reasons(model, posts, moments, found, actions)
    return [
        Prediction(post.id, round(float(c), 4), round(float(s), 4), action, why)
        for post, (c, s), action, why in zip(
            posts, probabilities.tolist(), actions, reasons, strict=True
        )
    ]
