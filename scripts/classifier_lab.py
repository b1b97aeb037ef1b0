"""Shared by the classifier scripts: the corpus and test set, cross-validation, thresholds.

Model choices are made by leave-one-writer-out cross-validation on the training corpus (each
fold holds out everything one writer wrote, so a model is judged on a voice it has not read).
The test set (tests/data/classifier/test_set.jsonl) is only ever scored, never fitted on or
used to choose anything.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from listen.models.classifier import (
    LabelledPost,
    ModelSpec,
    corpus_rows,
    export_model,
    fit_pipeline,
    labelled_from_row,
)
from listen.models.evaluation import LABELS, label_report, policy_label, precision_at, roc_auc
from listen.models.linear import HEADS, LinearModel, predict, predict_probabilities
from listen.models.rules import Thresholds, choose_action

ROOT = Path(__file__).resolve().parent.parent
TEST_SET = ROOT / "tests" / "data" / "classifier" / "test_set.jsonl"
THRESHOLD_GRID = np.round(np.arange(0.1, 0.91, 0.05), 2)


@dataclass(frozen=True)
class Corpus:
    rows: list[dict[str, Any]]
    examples: list[LabelledPost]
    writers: list[str]


def load_corpus() -> Corpus:
    rows = corpus_rows()
    return Corpus(rows, [labelled_from_row(r) for r in rows], [r["writer"] for r in rows])


def load_test_set() -> tuple[list[dict[str, Any]], list[LabelledPost]]:
    """The test set, as posts of a user's feed (not corpus examples)."""
    rows = [json.loads(line) for line in TEST_SET.read_text("utf-8").splitlines() if line.strip()]
    return rows, [labelled_from_row(r, corpus=False) for r in rows]


def actions_for(probabilities: np.ndarray, thresholds: Thresholds) -> list[str]:
    return [policy_label(choose_action(c, s, thresholds)) for c, s in probabilities.tolist()]


def tune_thresholds(probabilities: np.ndarray, labels: Sequence[str]) -> tuple[Thresholds, float]:
    """The comment and share thresholds with the best macro-F1 on `probabilities` (out-of-fold
    predictions on the corpus); ties go to the threshold nearest 0.5."""
    best: tuple[float, float, Thresholds] | None = None
    for tc in THRESHOLD_GRID:
        for ts in THRESHOLD_GRID:
            thresholds = Thresholds(
                comment=float(tc), share=float(ts), like=round(float(min(0.3, tc, ts)) - 0.05, 2)
            )
            f1 = label_report(labels, actions_for(probabilities, thresholds))["macro_f1"]
            key = (round(f1, 6), -abs(tc - 0.5) - abs(ts - 0.5))
            if best is None or key > best[:2]:
                best = (*key, thresholds)
    assert best is not None
    return best[2], best[0]


def out_of_fold(spec: ModelSpec, corpus: Corpus) -> np.ndarray:
    """(n, 2) probabilities, each post scored by a model fitted without its writer: the
    product pipeline (fit_pipeline, exported, predicted), calibration included."""
    probabilities = np.zeros((len(corpus.examples), 2))
    for writer in sorted(set(corpus.writers)):
        train = [e for e, w in zip(corpus.examples, corpus.writers, strict=True) if w != writer]
        held = [i for i, w in enumerate(corpus.writers) if w == writer]
        model = export_model(fit_pipeline(train, spec=spec), version="cv")
        posts = [corpus.examples[i].post for i in held]
        probabilities[held] = predict_probabilities(model, posts, [p.created_at for p in posts])
    return probabilities


class FoldCache:
    """For the selection's many configurations: each fold's TF-IDF blocks fitted once, and
    every post's engineered groups computed once. The same transforms as `fit_pipeline`,
    without calibration (a monotone map per head; the thresholds are tuned after it)."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.text: dict[tuple[str, str], tuple[Any, Any]] = {}
        self.groups: dict[str, np.ndarray] = {}

    def text_blocks(self, writer: str, kind: str, spec: ModelSpec) -> tuple[Any, Any]:
        from sklearn.feature_extraction.text import TfidfVectorizer

        from listen.models.features import char_terms, model_text, text_terms

        key = (writer, kind if kind == "word" else f"char{spec.char_ngrams}")
        if key not in self.text:
            analyzer, limit = (
                (text_terms, spec.max_word_terms)
                if kind == "word"
                else (functools.partial(char_terms, ngrams=spec.char_ngrams), spec.max_char_terms)
            )
            vectorizer = TfidfVectorizer(
                analyzer=analyzer, min_df=spec.min_df, sublinear_tf=True, max_features=limit
            )
            texts = [model_text(e.post) for e in self.corpus.examples]
            train = [t for t, w in zip(texts, self.corpus.writers, strict=True) if w != writer]
            held = [t for t, w in zip(texts, self.corpus.writers, strict=True) if w == writer]
            self.text[key] = (vectorizer.fit_transform(train), vectorizer.transform(held))
        return self.text[key]

    def engineered(self, group: str) -> np.ndarray:
        from listen.models.features import engineered_matrix

        if group not in self.groups:
            posts = [e.post for e in self.corpus.examples]
            values = engineered_matrix(posts, [e.as_of for e in self.corpus.examples], [group])
            self.groups[group] = np.asarray(values, dtype=float).reshape(len(posts), -1)
        return self.groups[group]

    def out_of_fold(self, spec: ModelSpec) -> np.ndarray:
        from scipy import sparse
        from sklearn.preprocessing import StandardScaler

        from listen.models.classifier import logistic_head, targets

        writers = np.asarray(self.corpus.writers)
        y = np.array([targets(e.label)[:2] for e in self.corpus.examples])
        engineered = np.hstack([self.engineered(g) for g in spec.feature_groups])
        probabilities = np.zeros((len(writers), 2))
        for writer in sorted(set(self.corpus.writers)):
            train, held = writers != writer, writers == writer
            kinds = [k for k, on in (("word", spec.words), ("char", spec.chars)) if on]
            blocks = [self.text_blocks(writer, k, spec) for k in kinds]
            scaler = StandardScaler().fit(engineered[train])
            parts = []
            for rows, b in ((train, 0), (held, 1)):
                scaled = np.clip(scaler.transform(engineered[rows]), -3.0, 3.0)
                parts.append(
                    sparse.hstack(
                        [*(blk[b] for blk in blocks), sparse.csr_matrix(scaled)], format="csr"
                    )
                )
            for h in range(2):
                head = logistic_head(spec.c)
                head.fit(parts[0], y[train, h])
                probabilities[held, h] = head.predict_proba(parts[1])[:, 1]
        return probabilities


def cross_validate(
    spec: ModelSpec, corpus: Corpus, cache: FoldCache | None = None
) -> dict[str, Any]:
    """Leave-one-writer-out macro-F1 (thresholds tuned on the out-of-fold predictions) and
    per-head AUC."""
    probabilities = cache.out_of_fold(spec) if cache else out_of_fold(spec, corpus)
    labels = [e.label for e in corpus.examples]
    thresholds, f1 = tune_thresholds(probabilities, labels)
    aucs = {
        head: roc_auc(probabilities[:, h], [int(label == head) for label in labels])
        for h, head in enumerate(HEADS)
    }
    return {"macro_f1": f1, "thresholds": dataclasses.asdict(thresholds), "auc": aucs}


def test_metrics(model: LinearModel | None, examples: Sequence[LabelledPost]) -> dict[str, Any]:
    """Labels and rankings on the test set: per label P/R/F1, macro-F1, p@10 and AUC per head."""
    from listen.models.evaluation import predict_examples

    predictions = predict_examples(model, examples)
    truth = [e.label for e in examples]
    report = label_report(truth, [policy_label(p.action) for p in predictions])
    for h, head in enumerate(HEADS):
        scores = [(p.comment_probability, p.share_probability)[h] for p in predictions]
        labels = [int(t == head) for t in truth]
        report[f"p@10 {head}"] = precision_at(scores, labels)
        report[f"auc {head}"] = roc_auc(scores, labels)
    return report


def by_language(rows: Sequence[dict[str, Any]]) -> dict[str, list[int]]:
    """Indices of the test posts in English and in other languages."""
    return {
        "en": [i for i, r in enumerate(rows) if r["lang"] == "en"],
        "non-en": [i for i, r in enumerate(rows) if r["lang"] != "en"],
    }


def fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


__all__ = [
    "LABELS",
    "Corpus",
    "actions_for",
    "by_language",
    "cross_validate",
    "fmt",
    "load_corpus",
    "load_test_set",
    "out_of_fold",
    "predict",
    "test_metrics",
    "tune_thresholds",
]
