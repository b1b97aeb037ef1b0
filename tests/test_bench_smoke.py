"""`scripts/bench.py --quick` runs every scenario end to end and writes its table as JSON.

No timing is asserted here (benchmarks live in the script); this only proves the script works.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmark_runs_every_scenario(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench.py"), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    rows = {row["scenario"].split(" ")[0]: row for row in report["rows"]}
    assert {
        "poll",
        "re-poll",
        "idle",
        "ingest",
        "re-ingest",
        "classify",
        "digest",
        "memory",
        "import",
    } <= set(rows)
    follows = rows["import"]["figures"]
    assert follows["imported"] == follows["follows"] == follows["contacts"]
    assert follows["requests_per_100"] <= 2
    poll = rows["poll"]["figures"]
    assert poll["failed_sources"] == 0 and poll["new_posts"] > 0
    assert rows["re-poll"]["figures"]["not_modified"] == rows["re-poll"]["figures"]["requests"]
    assert rows["ingest"]["figures"]["stored"] == report["sizes"]["ingest_posts"]
    assert rows["classify"]["figures"]["posts"] == report["sizes"]["classify_posts"]
    assert rows["digest"]["figures"]["query_plans"]
    assert report["machine"]["nproc"] >= 1
    assert "| scenario | listen | baseline | ratio | target | result |" in done.stdout


def test_feed_parser_benchmark_runs_and_both_parsers_store_the_same_posts() -> None:
    """`scripts/bench_feed_parsers.py --quick` (20 feeds): the three ways of polling run, and
    feedparser alone (in its process pool) stores exactly the posts the shipped path does."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench_feed_parsers.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "(b) and (c) stored the same posts, field for field: yes" in done.stdout
    assert "| (b) feedparser alone, 2-process pool |" in done.stdout
