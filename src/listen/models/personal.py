"""Learn one user's taste on top of the bundled model.

Fitting the user's history together with the corpus cannot learn a taste that contradicts the
label policy: a linear model has one weight per word, so "a nursing milestone is worth a reply"
(the corpus, hundreds of times) outvotes "I never reply to nursing posts" (the user, a dozen
times). Here the user's history is the only training data and the bundled model's score for
each post is one of the inputs: the fit learns how much to trust that score and which words
and features make this user act where it says not to, and the reverse. Because the base score
is linear in the base's own columns, the result is again one linear model over those columns
(`a * base + residual`), saved, loaded and explained like any other.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from typing import Any

from listen.clock import to_iso, utcnow
from listen.errors import InputError
from listen.models.classifier import LabelledPost, targets
from listen.models.features import (
    char_terms,
    engineered_matrix,
    engineered_names,
    model_text,
    text_terms,
)
from listen.models.linear import CLIP_KWARGS, HEADS, LinearModel

USER_C = 4.0  # inverse L2 strength of the residual: a few dozen actions should move it
NOTHING_TO_LEARN = (
    "cannot train yet: the posts to learn from need at least 2 you replied to (or 2 you shared) "
    "and 2 you left alone"
)
MIN_PER_CLASS = 2  # a head learns only from a history with this many positives and negatives
SAVED_PRECISION: dict[str, Any] = {"rtol": 1e-6, "atol": 1e-12}  # model files keep float32
# Features added to the base at zero weight before a personal fit: whom you answer and share
# (the corpus has no contacts to learn it from), and whether a post asks for help or asks a
# question (the bundled model learned asking from words, for the label policy; a user who
# answers only those needs a column that says so).
PERSONAL_GROUPS = ("follow_up", "asks")


def with_groups(model: LinearModel, groups: Sequence[str] = PERSONAL_GROUPS) -> LinearModel:
    """`model` with the engineered `groups` it lacks appended at zero weight: the same scores,
    more columns for a fit to use."""
    import numpy as np  # numpy: only to train

    missing = [g for g in groups if g not in model.groups]
    if not missing:
        return model
    width = len(engineered_names(missing))
    return dataclasses.replace(
        model,
        groups=(*model.groups, *missing),
        engineered_mean=np.concatenate([model.engineered_mean, np.zeros(width)]),
        engineered_scale=np.concatenate([model.engineered_scale, np.ones(width)]),
        engineered_coef=np.hstack([model.engineered_coef, np.zeros((len(HEADS), width))]),
    )


def base_matrix(np: Any, base: LinearModel, examples: Sequence[LabelledPost]) -> Any:
    """The examples in the base model's own columns: its TF-IDF blocks (its vocabulary and
    IDF, through scikit-learn's vectorizer), then its standardised engineered features."""
    # scikit-learn and SciPy: only to train
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [model_text(e.post) for e in examples]
    parts = []
    for block in base.blocks:
        analyzer = (
            text_terms
            if block.kind == "word"
            else functools.partial(char_terms, ngrams=block.ngrams)
        )
        vectorizer = TfidfVectorizer(
            analyzer=analyzer, sublinear_tf=True, vocabulary=block.vocabulary
        )
        vectorizer.idf_ = block.idf
        parts.append(vectorizer.transform(texts))
    if base.groups:
        raw = engineered(np, base, examples)
        scaled = np.clip((raw - base.engineered_mean) / base.engineered_scale, **CLIP_KWARGS)
        parts.append(sparse.csr_matrix(scaled))
    return sparse.hstack(parts, format="csr")


def engineered(np: Any, model: LinearModel, examples: Sequence[LabelledPost]) -> Any:
    posts, moments = [e.post for e in examples], [e.as_of for e in examples]
    return np.asarray(engineered_matrix(posts, moments, model.groups), dtype=float).reshape(
        len(examples), -1
    )


def scaled_on_history(np: Any, base: LinearModel, examples: Sequence[LabelledPost]) -> LinearModel:
    """`base` with the features it gives no weight (a contact's history: only placeholders in
    the corpus) standardised on the user's own posts, so the fit can use them; the base's
    scores do not change."""
    if len(examples) < 2 or not base.groups:
        return base
    raw = engineered(np, base, examples)
    unused = np.flatnonzero(np.all(base.engineered_coef == 0, axis=0))
    mean, scale = base.engineered_mean.copy(), base.engineered_scale.copy()
    mean[unused] = raw[:, unused].mean(axis=0)
    spread = raw[:, unused].std(axis=0)
    scale[unused] = np.where(spread > 1e-12, spread, 1.0)
    return dataclasses.replace(base, engineered_mean=mean, engineered_scale=scale)


def stacked_coef(np: Any, model: LinearModel) -> Any:
    """Both heads' coefficients over the model's columns, in `base_matrix`'s order."""
    return np.hstack([*(b.coef for b in model.blocks), model.engineered_coef])


def matrix_logits(np: Any, model: LinearModel, matrix: Any) -> Any:
    """(n, 2) logits of `model` on a `base_matrix` of its own columns (the numpy scorer's
    logits, to 1e-13)."""
    return np.asarray(matrix @ stacked_coef(np, model).T) + model.intercept


def user_inputs(np: Any, base: LinearModel, examples: Sequence[LabelledPost]) -> Any:
    """What each head learns from: the base's columns, then the base's two logits."""
    from scipy import sparse  # SciPy: only to train

    matrix = base_matrix(np, base, examples)
    return sparse.hstack([matrix, matrix_logits(np, base, matrix)], format="csr")


def fit_head(inputs: Any, y: Any, weights: Any, c: float) -> Any:
    """One head's logistic regression on `user_inputs` (classes balanced, as the base's)."""
    from sklearn.linear_model import LogisticRegression  # scikit-learn: only to train

    return LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit(
        inputs, y, sample_weight=weights
    )


def fit_on_top(
    base: LinearModel,
    examples: Sequence[LabelledPost],
    *,
    version: str,
    c: float = USER_C,
    scaling: LinearModel | None = None,
) -> LinearModel:
    """`base` adjusted to the user's `examples`, head by head; a head whose history lacks
    positives or negatives stays as the base has it. Likes are left out: a like says neither
    "worth a reply" nor "worth passing on" (as weak positives for both heads they taught a
    user who likes most things that everything is worth a reply); they still count as
    engaging with the person in the contact features. `scaling`: a model on the same columns
    whose feature standardisation to use (so one of its heads can be kept beside the new
    ones); by default the features the base gives no weight are standardised on `examples`."""
    import numpy as np  # numpy: only to train

    examples = [e for e in examples if e.label != "like"]
    if not examples:
        raise InputError(NOTHING_TO_LEARN)
    base = with_groups(base)
    scaling = with_groups(scaling) if scaling is not None else None
    if scaling is not None and same_columns(base, scaling):
        base = dataclasses.replace(
            base,
            engineered_mean=scaling.engineered_mean.copy(),
            engineered_scale=scaling.engineered_scale.copy(),
        )
    else:
        base = scaled_on_history(np, base, examples)
    inputs = user_inputs(np, base, examples)
    wanted = np.array([targets(e.label) for e in examples], dtype=float).reshape(-1, 3)
    base_coef = stacked_coef(np, base)
    coef, intercept = base_coef.copy(), np.asarray(base.intercept, dtype=float).copy()
    learned = []
    for h, head in enumerate(HEADS):
        y = wanted[:, h].astype(int)
        if min(int(y.sum()), int(len(y) - y.sum())) < MIN_PER_CLASS:
            continue
        fit = fit_head(inputs, y, wanted[:, 2], c)
        trust, residual = fit.coef_[0][-2:], fit.coef_[0][:-2]
        coef[h] = trust @ base_coef + residual  # a·base + residual, in the base's columns
        intercept[h] = float(trust @ base.intercept) + float(fit.intercept_[0])
        learned.append(head)
    if not learned:
        raise InputError(NOTHING_TO_LEARN)
    return _with_coefficients(base, coef, intercept, version, learned, examples)


def same_columns(a: LinearModel, b: LinearModel) -> bool:
    """Whether two models read posts into the same columns (the same vocabularies, IDF and
    feature groups), so their coefficients mean the same things."""
    import numpy as np  # numpy: only to train

    if a.groups != b.groups or len(a.blocks) != len(b.blocks):
        return False
    return all(
        x.kind == y.kind
        and x.ngrams == y.ngrams
        and x.terms == y.terms
        and np.allclose(x.idf, y.idf, **SAVED_PRECISION)
        for x, y in zip(a.blocks, b.blocks, strict=True)
    )


def with_heads_of(
    model: LinearModel, donor: LinearModel, heads: Sequence[str]
) -> LinearModel | None:
    """`model` with `heads` scored exactly as `donor` scores them, or None when that cannot be
    one model: other columns, or a feature standardised differently that a donated head uses
    (the other head's scores would change; refit with `fit_on_top(scaling=donor)`)."""
    import numpy as np  # numpy: only to train

    donor = with_groups(donor, model.groups)
    if not same_columns(model, donor):
        return None
    rows = [HEADS.index(head) for head in heads]
    differs = ~(
        np.isclose(model.engineered_mean, donor.engineered_mean, **SAVED_PRECISION)
        & np.isclose(model.engineered_scale, donor.engineered_scale, **SAVED_PRECISION)
    )
    if np.any(donor.engineered_coef[rows][:, differs] != 0):
        return None
    coef, intercept = stacked_coef(np, model).copy(), np.asarray(model.intercept).copy()
    coef[rows] = stacked_coef(np, donor)[rows]
    intercept[rows] = np.asarray(donor.intercept)[rows]
    return dataclasses.replace(
        with_stacked_coef(model, coef),
        intercept=intercept,
        training={**model.training, "heads_kept_from": {head: donor.version for head in heads}},
    )


def with_stacked_coef(model: LinearModel, coef: Any) -> LinearModel:
    """`model` with `coef` (both heads over its columns, `stacked_coef`'s order) split back
    into its term blocks and engineered features."""
    blocks, offset = [], 0
    for block in model.blocks:
        width = len(block.terms)
        blocks.append(dataclasses.replace(block, coef=coef[:, offset : offset + width]))
        offset += width
    return dataclasses.replace(model, blocks=tuple(blocks), engineered_coef=coef[:, offset:])


def _with_coefficients(
    base: LinearModel,
    coef: Any,
    intercept: Any,
    version: str,
    heads: list[str],
    examples: Sequence[LabelledPost],
) -> LinearModel:
    """`base` with new coefficients, block by block, and a note of how it was trained."""
    return dataclasses.replace(
        with_stacked_coef(base, coef),
        version=version,
        created_at=to_iso(utcnow()) or "",
        intercept=intercept,
        metrics={},
        training={
            **{k: v for k, v in base.training.items() if k == "spec"},
            "base": base.version,
            "examples": len(examples),
            "heads_learned": heads,
            "trained_until": to_iso(max(e.at for e in examples)),
        },
    )
