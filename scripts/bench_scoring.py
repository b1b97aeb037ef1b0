#!/usr/bin/env python3
"""Is listen's own numpy scorer needed? It against scikit-learn on the same model and posts.

    .venv/bin/python scripts/bench_scoring.py [--rounds 3]

listen scores posts with numpy alone (`listen.models.linear`): it reads the model's
vocabularies and IDF weights and computes the TF-IDF columns itself. The alternative is
scikit-learn's own `TfidfVectorizer` given the same vocabulary and IDF (what
`listen.models.personal.base_matrix` builds for training), times the same coefficients. Both
run here, in one process, on one core, on every distinct corpus post (each text new to the
word cache, as a day of new posts is), and must give the same logits. The cold start (a fresh
process importing what it needs and loading the bundled model) is measured for each too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from typing import Any

import numpy as np

from listen.models.classifier import CORPUS_MOMENT, LabelledPost, corpus_rows, labelled_from_row
from listen.models.linear import LinearModel, contributions
from listen.models.model_file import default_model
from listen.models.personal import base_matrix, matrix_logits

ONE_POST = "labelled_from_row({'id': 'a', 'platform': 'x', 'text': 'Hello!', 'label': 'skip'})"
COLD_NUMPY = (  # import, load the bundled model, score one post
    "import time; t = time.perf_counter()\n"
    "from listen.models.classifier import labelled_from_row\n"
    "from listen.models.linear import contributions\n"
    "from listen.models.model_file import default_model\n"
    f"e = {ONE_POST}\n"
    "contributions(default_model(), [e.post], e.as_of)\n"
    "print(time.perf_counter() - t)\n"
)
COLD_SKLEARN = (
    "import time; t = time.perf_counter()\n"
    "import numpy as np\n"
    "from listen.models.classifier import labelled_from_row\n"
    "from listen.models.model_file import default_model\n"
    "from listen.models.personal import base_matrix, matrix_logits\n"
    f"base_matrix(np, default_model(), [{ONE_POST}])\n"
    "print(time.perf_counter() - t)\n"
)


def numpy_logits(model: LinearModel, examples: list[LabelledPost]) -> Any:
    """listen's scorer, its word cache emptied first (every text is new to it)."""
    model.__dict__.pop("_columns", None)
    posts = [e.post for e in examples]
    return contributions(model, posts, [e.as_of for e in examples]).logits


def sklearn_logits(model: LinearModel, examples: list[LabelledPost]) -> Any:
    """scikit-learn's vectorizers with the model's vocabulary and IDF, then the same weights."""
    return matrix_logits(np, model, base_matrix(np, model, examples))


def timed(fn: Any, *args: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    found = fn(*args)
    return time.perf_counter() - started, found


def cold(code: str) -> float:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    model = default_model()
    examples = [labelled_from_row(row) for row in corpus_rows()]
    examples = [LabelledPost(e.post, e.label, CORPUS_MOMENT, CORPUS_MOMENT) for e in examples]
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cpus)})
    ours, theirs = [], []
    try:
        for _ in range(args.rounds):
            seconds, a = timed(numpy_logits, model, examples)
            ours.append(seconds)
            seconds, b = timed(sklearn_logits, model, examples)
            theirs.append(seconds)
        cold_ours = [cold(COLD_NUMPY) for _ in range(args.rounds)]
        cold_theirs = [cold(COLD_SKLEARN) for _ in range(args.rounds)]
    finally:
        os.sched_setaffinity(0, cpus)
    n = len(examples)
    best_ours, best_theirs = min(ours), min(theirs)
    print(f"{n:,} distinct posts, model {model.version}, best of {args.rounds}, one core")
    print(f"largest logit difference: {float(np.abs(a - b).max()):.2e}")
    print("| scorer | posts/s | cold start (import + load) |")
    print("|---|---:|---:|")
    print(
        f"| listen (numpy) | {n / best_ours:,.0f} | {min(cold_ours) * 1000:,.0f} ms |\n"
        f"| scikit-learn vectorizers | {n / best_theirs:,.0f} "
        f"| {min(cold_theirs) * 1000:,.0f} ms |"
    )
    print(
        f"numpy scorer: {best_theirs / best_ours:.1f}× the throughput, cold start "
        f"{min(cold_theirs) / min(cold_ours):.1f}× faster (median rounds: "
        f"{statistics.median(theirs) / statistics.median(ours):.1f}×); load average "
        f"{os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
