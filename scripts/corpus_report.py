#!/usr/bin/env python3
"""Measure the training corpus's diversity and list the posts training must leave out.

    .venv/bin/python scripts/corpus_report.py [--write]

Near-duplicates: two posts whose word 3-gram sets have a Jaccard similarity of 0.6 or more.
Within the corpus the later post of a pair is left out; a corpus post that near-duplicates a
test-set post is always left out (so the test set stays unseen). `--write` saves that list to
src/listen/models/data/corpus_excluded.json (read by `corpus_examples`) and the report to
docs/seed-set.md's measured section is printed as Markdown.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from classifier_lab import ROOT, TEST_SET

from listen.models.classifier import corpus_rows

THRESHOLD = 0.6
EXCLUDED = ROOT / "src" / "listen" / "models" / "data" / "corpus_excluded.json"
_WORD = re.compile(r"\w+")


def shingles(row: dict[str, Any]) -> frozenset[tuple[str, ...]]:
    """Word 3-grams of title and text (a post under three words: its words as one shingle)."""
    words = _WORD.findall(f"{row.get('title') or ''} {row['text']}".lower())
    if len(words) < 3:
        return frozenset([tuple(words)])
    return frozenset(zip(words, words[1:], words[2:], strict=False))


def jaccard(a: frozenset[Any], b: frozenset[Any]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def near_pairs(
    left: Sequence[frozenset[Any]], right: Sequence[frozenset[Any]] | None = None
) -> list[tuple[int, int, float]]:
    """(i, j, similarity) for every pair at or above THRESHOLD, found through shared shingles
    (within `left` when `right` is None, else between the two)."""
    index: dict[Any, list[int]] = defaultdict(list)
    for j, found in enumerate(right if right is not None else left):
        for shingle in found:
            index[shingle].append(j)
    pairs = set()
    for i, found in enumerate(left):
        candidates: Counter[int] = Counter(j for s in found for j in index[s])
        for j, shared in candidates.items():
            if right is None and j <= i:
                continue
            other = (right if right is not None else left)[j]
            if shared / (len(found) + len(other) - shared) >= THRESHOLD:
                pairs.add((i, j, round(jaccard(found, other), 3)))
    return sorted(pairs)


def exclusions(
    rows: Sequence[dict[str, Any]], tests: Sequence[dict[str, Any]]
) -> list[dict[str, str]]:
    """The corpus posts to leave out, each with why."""
    corpus = [shingles(r) for r in rows]
    excluded: dict[str, str] = {}
    for i, j, similarity in near_pairs(corpus, [shingles(t) for t in tests]):
        excluded.setdefault(
            rows[i]["id"], f"near-duplicate of test post {tests[j]['id']} ({similarity})"
        )
    for i, j, similarity in near_pairs(corpus):
        if rows[i]["id"] not in excluded:
            excluded.setdefault(rows[j]["id"], f"near-duplicate of {rows[i]['id']} ({similarity})")
    return [{"id": k, "why": v} for k, v in sorted(excluded.items())]


def table(title: str, counts: Iterable[tuple[str, int]], total: int) -> str:
    lines = [f"| {title} | posts | share |", "|---|---:|---:|"]
    lines += [f"| {k} | {n:,} | {n / total:.1%} |" for k, n in counts]
    return "\n".join(lines)


def words_of(row: dict[str, Any]) -> int:
    return len(f"{row.get('title') or ''} {row['text']}".split())


def report(rows: Sequence[dict[str, Any]], excluded: list[dict[str, str]]) -> str:
    """The measured diversity of the corpus (before exclusions), as Markdown."""
    total = len(rows)
    corpus = [shingles(r) for r in rows]
    within = near_pairs(corpus)
    involved = {i for i, j, _ in within} | {j for i, j, _ in within}
    test_dups = sum(1 for e in excluded if "test post" in e["why"])
    lengths = sorted(words_of(r) for r in rows)
    non_en = sum(1 for r in rows if r["lang"] != "en")
    hard = sum(1 for r in rows if r.get("hard"))
    parts = [
        f"Posts: {total:,} from {len({r['writer'] for r in rows})} writers; "
        f"{len({r['lang'] for r in rows})} languages, {non_en / total:.1%} not in English; "
        f"{len({r['field'] for r in rows})} fields; {hard / total:.1%} hard cases; "
        f"{lengths[0]}–{lengths[-1]} words (median {lengths[len(lengths) // 2]}).",
        f"Near-duplicates (word 3-gram Jaccard ≥ {THRESHOLD}) within the corpus: "
        f"{len(within)} pairs, {len(involved)} posts ({len(involved) / total:.2%}); "
        f"near-duplicates of a test post: {test_dups}. Left out of training: {len(excluded)}.",
    ]
    for key in ("label", "lang", "platform", "kind", "field"):
        counts = Counter(str(r[key]) for r in rows).most_common()
        parts.append(table(key, counts, total))
    buckets = Counter(_length_bucket(n) for n in lengths)
    parts.append(
        table("words", sorted(buckets.items(), key=lambda kv: int(kv[0].split("–")[0])), total)
    )
    return "\n\n".join(parts)


def _length_bucket(words: int) -> str:
    for low, high in ((0, 9), (10, 29), (30, 59), (60, 119), (120, 249)):
        if words <= high:
            return f"{low}–{high}"
    return "250–400+"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--write", action="store_true", help=f"write {EXCLUDED.name}")
    args = parser.parse_args()
    rows = corpus_rows(excluded=False)
    tests = [json.loads(line) for line in TEST_SET.read_text("utf-8").splitlines() if line.strip()]
    excluded = exclusions(rows, tests)
    print(report(rows, excluded))
    if args.write:
        document = {
            "_comment": "scripts/corpus_report.py --write: corpus posts training leaves out",
            "threshold": THRESHOLD,
            "excluded": excluded,
        }
        EXCLUDED.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", "utf-8")
        print(f"\nwrote {EXCLUDED} ({len(excluded)} posts)")


if __name__ == "__main__":
    main()
