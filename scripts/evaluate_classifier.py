#!/usr/bin/env python3
"""Score the default model (or any model file) and the keyword rules on the test set.

    .venv/bin/python scripts/evaluate_classifier.py [--model FILE] [--ablation]

The test set (tests/data/classifier/test_set.jsonl, written by hand before any model was
fitted) is only scored here: nothing is fitted on it or chosen with it. Prints Markdown: per
label precision/recall/F1, macro-F1, precision@10 of each head, by language group (English /
other) and for the hard cases. `--ablation` refits each configuration of the selection
(docs/classifier-selection.json: each feature group off, each text block off) on the whole
corpus, with the thresholds its cross-validation tuned, and reports it on the test set too.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from classifier_lab import ROOT, by_language, fmt, load_corpus, load_test_set, test_metrics

from listen.models.classifier import LabelledPost, ModelSpec, fit_model
from listen.models.linear import LinearModel
from listen.models.model_file import default_model, load_model
from listen.models.rules import Thresholds

SELECTION = ROOT / "docs" / "classifier-selection.json"


def overall_table(scorers: dict[str, LinearModel | None], examples: Sequence[LabelledPost]) -> str:
    head = (
        "| scorer | macro-F1 | accuracy | comment P / R / F1 | share P / R / F1 "
        "| skip P / R / F1 | p@10 comment | p@10 share | AUC comment | AUC share |"
    )
    lines = [head, "|---|" + "---:|" * 9]
    for name, scorer in scorers.items():
        m = test_metrics(scorer, examples)
        per_label = [
            " / ".join(f"{m['labels'][label][k]:.2f}" for k in ("precision", "recall", "f1"))
            for label in ("comment", "share", "skip")
        ]
        lines.append(
            f"| {name} | {m['macro_f1']:.3f} | {m['accuracy']:.3f} | {' | '.join(per_label)} "
            f"| {m['p@10 comment']:.2f} | {m['p@10 share']:.2f} "
            f"| {fmt(m['auc comment'])} | {fmt(m['auc share'])} |"
        )
    return "\n".join(lines)


def group_table(
    scorers: dict[str, LinearModel | None],
    examples: Sequence[LabelledPost],
    groups: dict[str, list[int]],
) -> str:
    lines = [
        "| group | posts | scorer | macro-F1 | comment R | share R | p@10 comment | p@10 share |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for group, indices in groups.items():
        subset = [examples[i] for i in indices]
        for name, scorer in scorers.items():
            m = test_metrics(scorer, subset)
            lines.append(
                f"| {group} | {len(subset)} | {name} | {m['macro_f1']:.3f} "
                f"| {m['labels']['comment']['recall']:.2f} | {m['labels']['share']['recall']:.2f} "
                f"| {m['p@10 comment']:.2f} | {m['p@10 share']:.2f} |"
            )
    return "\n".join(lines)


def ablation_table(examples: Sequence[LabelledPost]) -> str:
    """Each configuration of the selection, refitted on the corpus, scored on the test set."""
    selection = json.loads(SELECTION.read_text("utf-8"))
    corpus = load_corpus()
    lines = [
        "| configuration | CV macro-F1 (chose) | test macro-F1 | comment R | share R "
        "| p@10 comment | p@10 share |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, found in selection["configs"].items():
        spec = _spec(found["spec"])
        thresholds = Thresholds(**found["thresholds"])
        model = fit_model(corpus.examples, version=name, spec=spec, thresholds=thresholds)
        m = test_metrics(model, examples)
        lines.append(
            f"| {name} | {found['macro_f1']:.3f} | {m['macro_f1']:.3f} "
            f"| {m['labels']['comment']['recall']:.2f} | {m['labels']['share']['recall']:.2f} "
            f"| {m['p@10 comment']:.2f} | {m['p@10 share']:.2f} |"
        )
        print(lines[-1], flush=True)
    return "\n".join(lines)


def _spec(stored: dict[str, Any]) -> ModelSpec:
    values = {**stored, "groups": tuple(stored["groups"])}
    if "char_ngrams" in values:
        values["char_ngrams"] = tuple(values["char_ngrams"])
    return ModelSpec(**values)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--model", type=Path, help="a model file (default: the bundled model)")
    parser.add_argument("--ablation", action="store_true", help="also the ablation table")
    args = parser.parse_args()
    rows, examples = load_test_set()
    model = load_model(args.model) if args.model else default_model()
    scorers: dict[str, LinearModel | None] = {f"model {model.version}": model, "rules": None}
    print(
        f"Test set: {len(examples)} posts ({sum(r['lang'] != 'en' for r in rows)} not in English)\n"
    )
    print(overall_table(scorers, examples) + "\n")
    groups = {**by_language(rows), "hard cases": [i for i, r in enumerate(rows) if r["hard"]]}
    print(group_table(scorers, examples, groups) + "\n")
    if args.ablation:
        print(ablation_table(examples))


if __name__ == "__main__":
    main()
