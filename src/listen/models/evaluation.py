"""How well a scorer ranks and labels posts, and whether a new model should replace the old.

Per head (comment, share): precision@10 and ROC AUC of the ranking. The install rule compares
a candidate with the current model head by head on the posts the current model has not learned
from, each scored by a candidate that did not see it (cross-validation), with a paired bootstrap
over them, so a small test set cannot decide by one post, and refuses a model that ranks worse
than chance.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from listen.models.classifier import LabelledPost
from listen.models.linear import HEADS, LinearModel, predict
from listen.models.rules import Prediction, predict_rules

BOOTSTRAP_RESAMPLES = 1_000
FOLDS = 5  # cross-validation folds over the posts a candidate is judged on
CONFIDENT = 0.9  # a head is better (worse) when it wins (loses) in this share of resamples
MATERIAL = 0.02  # an AUC difference smaller than this is no difference, however consistent
MIN_CLASS = 2  # positives and negatives a head needs on the hold-out to be measured


@dataclass(frozen=True, slots=True)
class HeadMetrics:
    """How well one head ranks a hold-out set."""

    precision_at_10: float
    roc_auc: float | None
    examples: int
    positives: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision_at_10": self.precision_at_10,
            "roc_auc": self.roc_auc,
            "examples": self.examples,
            "positives": self.positives,
        }


def head_labels(examples: Sequence[LabelledPost], head: str) -> list[int]:
    """1 where the user did what the head predicts; likes (weak labels) are left out."""
    return [int(e.label == head) for e in examples if e.label != "like"]


def head_scores(
    predictions: Sequence[Prediction], examples: Sequence[LabelledPost], head: str
) -> list[float]:
    by_id = {p.post_id: p for p in predictions}
    h = HEADS.index(head)
    return [
        (by_id[e.post.id].comment_probability, by_id[e.post.id].share_probability)[h]
        for e in examples
        if e.label != "like"
    ]


def roc_auc(scores: Any, labels: Any) -> float | None:
    """Area under the ROC curve (ties count half); None without both classes."""
    import numpy as np  # numpy: only when a model is evaluated

    scores, labels = np.asarray(scores, dtype=float), np.asarray(labels, dtype=int)
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return None
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    # average ranks over ties
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_scores)) + 1]
    ends = np.r_[starts[1:], len(scores)]
    for start, end in zip(starts, ends, strict=True):
        ranks[order[start:end]] = (start + end + 1) / 2.0
    return float(
        (ranks[labels == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives)
    )


def precision_at(scores: Sequence[float], labels: Sequence[int], k: int = 10) -> float:
    """Share of the top `k` by score that are positive (ties broken by order, stably)."""
    ranked = sorted(range(len(scores)), key=lambda i: -scores[i])[:k]
    return sum(labels[i] for i in ranked) / len(ranked) if ranked else 0.0


def evaluate_heads(
    predictions: Sequence[Prediction], examples: Sequence[LabelledPost]
) -> dict[str, HeadMetrics]:
    """Precision@10 and ROC AUC of each head on `examples`."""
    found = {}
    for head in HEADS:
        labels = head_labels(examples, head)
        scores = head_scores(predictions, examples, head)
        found[head] = HeadMetrics(
            round(precision_at(scores, labels), 4),
            roc_auc(scores, labels),
            len(labels),
            sum(labels),
        )
    return found


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


def cross_validated(
    fit: Callable[[list[LabelledPost]], LinearModel],
    examples: Sequence[LabelledPost],
    pool: Sequence[LabelledPost],
    *,
    folds: int = FOLDS,
    seed: int = 0,
) -> list[Prediction]:
    """Every post of `pool` scored by a model `fit` on all `examples` but its fold's.

    On a few weeks of history, one time-ordered hold-out holds a handful of replies and its
    candidate learns from three quarters of the history; it refused models that did far better
    on the weeks after (docs/classifier.md). Pooling `folds` folds judges on every post, each
    scored by a model that never saw it.
    """
    shuffled = sorted(pool, key=lambda e: e.post.id)
    random.Random(seed).shuffle(shuffled)
    k = max(1, min(folds, len(shuffled)))
    predictions: list[Prediction] = []
    for i in range(k):
        fold = shuffled[i::k]
        held = {e.post.id for e in fold}
        model = fit([e for e in examples if e.post.id not in held])
        predictions.extend(predict_examples(model, fold))
    return predictions


# -- the install rule ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HeadComparison:
    """A candidate against the current model on one head, and what that says."""

    head: str
    examples: int
    positives: int
    candidate_auc: float | None
    current_auc: float | None
    wins: float | None  # share of bootstrap resamples where the candidate ranks better
    verdict: str  # better, worse, unclear, unmeasured, below chance

    def explain(self) -> str:
        """One line in plain words."""
        what = "replies" if self.head == "comment" else "shares"
        if self.verdict == "unmeasured":
            return (
                f"{self.head}: cannot be measured: the newest posts hold {self.positives} "
                f"{what} among {self.examples}"
            )
        figures = f"ranking quality (AUC) {self.candidate_auc:.2f} vs {self.current_auc:.2f}"
        if self.verdict == "below chance":
            return f"{self.head}: the new model ranks worse than chance ({figures})"
        if self.verdict == "unclear" and (self.candidate_auc or 0) <= 0.5:
            return f"{self.head}: the new model ranks no better than chance ({figures})"
        share = f"better in {self.wins:.0%} of {BOOTSTRAP_RESAMPLES:,} resamples"
        verdicts = {
            "better": "the new model is better",
            "worse": "the new model is worse",
            "unclear": "no clear difference",
        }
        return f"{self.head}: {verdicts[self.verdict]} ({figures}, {share})"


def compare_head(
    head: str,
    candidate: Sequence[float],
    current: Sequence[float],
    labels: Sequence[int],
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
) -> HeadComparison:
    """Paired bootstrap over the hold-out posts: how often the candidate's AUC beats the
    current model's, and how often it falls below chance (0.5).

    Verdicts: *below chance* when the candidate ranks below chance in at least 90 % of
    resamples (a veto); *better* / *worse* when it wins / loses in at least 90 % and by at
    least `MATERIAL` (two models that differ in a few posts' order agree in every resample
    on a difference nobody would notice); else *unclear*. A head at or below 0.5 is never
    *better*, however bad the current one is.
    """
    import numpy as np  # numpy: only when a model is evaluated

    y = np.asarray(labels, dtype=int)
    positives = int(y.sum())
    new_auc, old_auc = roc_auc(candidate, y), roc_auc(current, y)
    if new_auc is None or old_auc is None or min(positives, len(y) - positives) < MIN_CLASS:
        return HeadComparison(head, len(y), positives, new_auc, old_auc, None, "unmeasured")
    wins, below = _resampled(np, candidate, current, y, resamples, seed)
    if below >= CONFIDENT:
        verdict = "below chance"
    elif wins >= CONFIDENT and new_auc > 0.5 and new_auc - old_auc >= MATERIAL:
        verdict = "better"
    elif wins <= 1 - CONFIDENT and old_auc - new_auc >= MATERIAL:
        verdict = "worse"
    else:
        verdict = "unclear"
    return HeadComparison(head, len(y), positives, new_auc, old_auc, wins, verdict)


def _resampled(
    np: Any, candidate: Sequence[float], current: Sequence[float], y: Any, n: int, seed: int
) -> tuple[float, float]:
    """(share of resamples where the candidate's AUC beats the current one's, ties half;
    share where it is below 0.5)."""
    a, b = np.asarray(candidate, dtype=float), np.asarray(current, dtype=float)
    rng = np.random.default_rng(seed)
    wins = below = valid = 0.0
    for _ in range(n):
        pick = rng.integers(0, len(y), len(y))
        new, old = roc_auc(a[pick], y[pick]), roc_auc(b[pick], y[pick])
        if new is None or old is None:
            continue
        valid += 1
        wins += 1.0 if new > old else 0.5 if new == old else 0.0
        below += new < 0.5
    return (wins / valid, below / valid) if valid else (0.5, 0.0)


def compare_models(
    candidate: Sequence[Prediction], current: Sequence[Prediction], examples: Sequence[LabelledPost]
) -> list[HeadComparison]:
    """Both heads compared on `examples`."""
    return [
        compare_head(
            head,
            head_scores(candidate, examples, head),
            head_scores(current, examples, head),
            head_labels(examples, head),
        )
        for head in HEADS
    ]


NO_HEAD_ABOVE_CHANCE = "neither head could show the new one above chance"


@dataclass(frozen=True, slots=True)
class InstallDecision:
    """Which heads the new model replaces, and why, in plain words."""

    heads: tuple[str, ...]  # the new model's heads to install; the others stay as they are
    reason: str

    @property
    def installed(self) -> bool:
        return bool(self.heads)


def head_veto(comparison: HeadComparison, recent: HeadComparison | None) -> str | None:
    """Why the new model's head must not replace the current one's, or None."""
    head = comparison.head
    if comparison.verdict == "below chance":
        return f"ranks worse than chance on {head}"
    if comparison.verdict == "worse":
        return f"is worse on {head}"
    if recent is not None and recent.verdict in ("worse", "below chance"):
        return f"is worse on {head} on your newest posts (have your habits changed lately?)"
    if comparison.verdict == "unclear" and (comparison.candidate_auc or 0.0) <= 0.5:
        return f"ranks no better than chance on {head}"
    return None


def install_decision(
    comparisons: Sequence[HeadComparison],
    recent: Sequence[HeadComparison] = (),
    *,
    mixable: bool = True,
) -> InstallDecision:
    """Head by head: install the new model's head unless it is worse or at or below chance on
    all compared posts, or worse on their newest quarter (`recent`); install nothing unless some
    head was measured with the new model above chance. `mixable`: whether the current model's
    heads can be kept beside new ones (built on the same base model); if not, any veto keeps
    the whole current model.

    The burden of proof is on *worse*: the new model has seen more of your history, and on a
    few dozen test posts "not clearly better" is what a better model usually looks like
    (refusing such models kept worse ones, issue 15). The newest quarter is checked on its own
    because cross-validation over months of history would average away a habit you dropped.
    """
    newest = {c.head: c for c in recent}
    vetoes = {c.head: why for c in comparisons if (why := head_veto(c, newest.get(c.head)))}
    measured = [
        c.head for c in comparisons if c.head not in vetoes and c.verdict in ("better", "unclear")
    ]
    better = [c.head for c in comparisons if c.head not in vetoes and c.verdict == "better"]
    refused = "; ".join(vetoes.values())
    if not measured or (vetoes and not mixable):
        why = f"the new one {refused}" if vetoes else NO_HEAD_ABOVE_CHANCE
        if measured:  # a head would have been installed, but cannot sit beside the old one
            why += " (the current model was built on another base model: its heads go together)"
        return InstallDecision((), f"kept the current model: {why}")
    if not vetoes:
        if better:
            why = f"the new model is better on {', '.join(better)}, worse on neither"
        else:
            why = "the new model, trained on more of your history, is worse on neither"
        return InstallDecision(tuple(c.head for c in comparisons), f"installed: {why}")
    taken = tuple(c.head for c in comparisons if c.head not in vetoes)
    gain = f"better on {', '.join(better)}" if better else "no worse there"
    return InstallDecision(
        taken,
        f"installed: the new model's {' and '.join(taken)} head ({gain}); kept the current "
        f"{' and '.join(vetoes)} head: the new one {refused}",
    )


# -- labelling quality (the test-set tables) ------------------------------------------------------

LABELS = ("comment", "share", "skip")


def policy_label(action: str) -> str:
    """A suggestion as a label of the policy: a like is neither a reply nor a share."""
    return "skip" if action == "like" else action


def label_report(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """Per-label precision, recall, F1, support; macro-F1 and accuracy."""
    rows: dict[str, Any] = {}
    for label in LABELS:
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t == p == label)
        predicted_n = sum(1 for p in predicted if p == label)
        support = sum(1 for t in truth if t == label)
        precision = tp / predicted_n if predicted_n else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows[label] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    correct = sum(1 for t, p in zip(truth, predicted, strict=True) if t == p)
    return {
        "labels": rows,
        "macro_f1": sum(r["f1"] for r in rows.values()) / len(LABELS),
        "accuracy": correct / len(truth) if truth else 0.0,
    }
