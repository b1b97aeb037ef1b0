#!/usr/bin/env python3
"""Train the default engagement model from the bundled seed set and write it into the package.

Measures it first on a random 25% hold-out of the seed set (the seed set has no real time
order), against the rule baseline, and stores those metrics in the model file.

    python scripts/make_seed_set.py && python scripts/build_default_model.py
"""

from __future__ import annotations

import argparse
import dataclasses
import random
from pathlib import Path

from listen.models.classifier import evaluate, fit_model, predict_examples, seed_examples
from listen.models.model_file import save_model

DEFAULT_VERSION = "seed-1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--out", type=Path, default=Path("src/listen/models/data/default_model.json")
    )
    parser.add_argument("--version", default=DEFAULT_VERSION)
    args = parser.parse_args()
    examples = seed_examples()
    shuffled = examples[:]
    random.Random(7).shuffle(shuffled)
    cut = len(shuffled) * 3 // 4
    train, test = shuffled[:cut], shuffled[cut:]
    held_out = fit_model(train, version=args.version)
    model_metrics = evaluate(predict_examples(held_out, test), test)
    rule_metrics = evaluate(predict_examples(None, test), test)
    print(f"hold-out ({len(test)} posts): model {model_metrics}")
    print(f"hold-out ({len(test)} posts): rules {rule_metrics}")
    model = fit_model(examples, version=args.version)
    model = dataclasses.replace(
        model,
        metrics={
            "evaluation": "random 25% hold-out of the seed set",
            "model": model_metrics.as_dict(),
            "rules": rule_metrics.as_dict(),
        },
        created_at="2026-01-15T09:00:00+00:00",
    )
    save_model(model, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB, {len(model.terms)} terms)")


if __name__ == "__main__":
    main()
