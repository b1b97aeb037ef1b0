#!/usr/bin/env python3
"""Build the default engagement model from the hand-written corpus, deterministically.

    .venv/bin/python scripts/build_default_model.py [--select]

The corpus is src/listen/models/data/corpus/*.jsonl minus the near-duplicates
scripts/corpus_report.py lists in data/corpus_excluded.json. The model's make-up is
`listen.models.classifier.DEFAULT_SPEC`; `--select` reruns the leave-one-writer-out
cross-validation that chose it (regularisation, text blocks, each feature group on and off)
and writes the table to docs/classifier-selection.json. The thresholds are tuned on
out-of-fold predictions of the calibrated model. The test set is never read here.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

from classifier_lab import (
    ROOT,
    Corpus,
    FoldCache,
    cross_validate,
    load_corpus,
    out_of_fold,
    tune_thresholds,
)

from listen.models.classifier import DEFAULT_SPEC, ModelSpec, fit_model
from listen.models.features import ABLATED_GROUPS
from listen.models.model_file import save_model

DEFAULT_VERSION = "corpus-2"
CREATED_AT = "2026-01-15T09:00:00+00:00"  # fixed: the same corpus gives the same file
SELECTION = ROOT / "docs" / "classifier-selection.json"
C_GRID = (1.0, 4.0, 16.0, 64.0)


def selection_configs(c: float) -> dict[str, ModelSpec]:
    """Every configuration the ablation compares, at regularisation `c`."""
    full = ModelSpec(groups=ABLATED_GROUPS, c=c, calibration_folds=0)
    configs = {"all groups": full}
    for group in ABLATED_GROUPS:
        kept = tuple(g for g in ABLATED_GROUPS if g != group)
        configs[f"- {group}"] = dataclasses.replace(full, groups=kept)
    configs["- char n-grams"] = dataclasses.replace(full, chars=False)
    configs["- word n-grams"] = dataclasses.replace(full, words=False)
    configs["text only"] = dataclasses.replace(full, groups=())
    return configs


MIN_GAIN = 0.005  # CV macro-F1 a group must add to be computed for every post scored


def choose_groups(configs: dict[str, Any], full_f1: float) -> list[str]:
    """The groups whose removal costs at least MIN_GAIN of CV macro-F1. Smaller differences
    are within what one writer more or less moves, and every group costs time at scoring.
    Contact history is constant in the corpus (no contact, no history), so the ablation
    cannot see it; it is kept because it is how `listen train` learns a user's people."""
    return [
        g
        for g in ABLATED_GROUPS
        if g == "contact" or full_f1 - configs[f"- {g}"]["macro_f1"] >= MIN_GAIN
    ]


def select(corpus: Corpus) -> dict[str, Any]:
    """Choose C on all groups, then keep each group only if dropping it costs CV macro-F1."""
    results: dict[str, Any] = {"c": {}, "configs": {}}
    cache = FoldCache(corpus)
    for c in C_GRID:
        cv = cross_validate(
            ModelSpec(groups=ABLATED_GROUPS, c=c, calibration_folds=0), corpus, cache
        )
        results["c"][str(c)] = cv
        print(f"C={c:g}: CV macro-F1 {cv['macro_f1']:.3f}", flush=True)
    best_c = max(C_GRID, key=lambda c: (round(results["c"][str(c)]["macro_f1"], 3), -c))
    full_f1 = results["c"][str(best_c)]["macro_f1"]
    for name, spec in selection_configs(best_c).items():
        cv = (
            results["c"][str(best_c)]
            if name == "all groups"
            else cross_validate(spec, corpus, cache)
        )
        results["configs"][name] = {"spec": spec.as_dict(), **cv}
        print(
            f"{name:>16}: CV macro-F1 {cv['macro_f1']:.3f} ({cv['macro_f1'] - full_f1:+.3f})",
            flush=True,
        )
    kept = choose_groups(results["configs"], full_f1)
    results["chosen"] = {"c": best_c, "groups": kept, "min_gain": MIN_GAIN}
    print(f"chosen: C={best_c:g}, groups {kept}")
    return results


def selection_table() -> str:
    """The stored selection as Markdown: C, then each configuration against all groups."""
    results = json.loads(SELECTION.read_text("utf-8"))
    lines = ["| configuration | CV macro-F1 | vs all groups | AUC comment | AUC share |"]
    lines.append("|---|---:|---:|---:|---:|")
    for c, cv in results["c"].items():
        lines.append(
            f"| all groups, C={float(c):g} | {cv['macro_f1']:.3f} | | "
            f"{cv['auc']['comment']:.3f} | {cv['auc']['share']:.3f} |"
        )
    full = results["configs"]["all groups"]["macro_f1"]
    for name, cv in results["configs"].items():
        lines.append(
            f"| {name} (C={results['chosen']['c']:g}) | {cv['macro_f1']:.3f} "
            f"| {cv['macro_f1'] - full:+.3f} | {cv['auc']['comment']:.3f} "
            f"| {cv['auc']['share']:.3f} |"
        )
    chosen = results["chosen"]
    lines.append(
        f"\nChosen: C={chosen['c']:g}; groups {', '.join(chosen['groups'])} (a group is kept "
        f"when removing it costs at least {chosen.get('min_gain', 0):.3f} CV macro-F1; contact "
        "history is constant in the corpus and kept for learning from you)."
    )
    return "\n".join(lines)


def build(corpus: Corpus, version: str, out: Path) -> None:
    started = time.perf_counter()
    spec = DEFAULT_SPEC
    probabilities = out_of_fold(spec, corpus)
    labels = [e.label for e in corpus.examples]
    thresholds, cv_f1 = tune_thresholds(probabilities, labels)
    print(f"leave-one-writer-out CV macro-F1 {cv_f1:.3f} with {thresholds}", flush=True)
    model = fit_model(corpus.examples, version=version, thresholds=thresholds, spec=spec)
    model = dataclasses.replace(
        model,
        created_at=CREATED_AT,
        metrics={
            "evaluation": "leave-one-writer-out cross-validation on the corpus",
            "cv_macro_f1": round(cv_f1, 4),
            "corpus_posts": len(corpus.examples),
        },
    )
    save_model(model, out)
    size = out.stat().st_size // 1024
    terms = sum(len(b.terms) for b in model.blocks)
    print(f"wrote {out} ({size} KiB, {terms} terms) in {time.perf_counter() - started:.0f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "src/listen/models/data/default_model.json"
    )
    parser.add_argument("--version", default=DEFAULT_VERSION)
    parser.add_argument("--select", action="store_true", help="rerun the model selection")
    parser.add_argument("--table", action="store_true", help="print the stored selection")
    args = parser.parse_args()
    if args.table:
        print(selection_table())
        return
    corpus = load_corpus()
    print(f"corpus: {len(corpus.examples)} posts from {len(set(corpus.writers))} writers")
    if args.select:
        SELECTION.write_text(json.dumps(select(corpus), indent=1) + "\n", "utf-8")
        print(f"wrote {SELECTION}; set DEFAULT_SPEC to the chosen spec, then build")
        sys.exit(0)
    build(corpus, args.version, args.out)


if __name__ == "__main__":
    main()
