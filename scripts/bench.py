#!/usr/bin/env python3
"""Benchmark `listen` against plain baselines on generated data served from loopback servers.

    .venv/bin/python scripts/bench.py [--quick] [--json FILE] [--only SCENARIO ...]

Offline, a few minutes. Every scenario builds its own data (grown from tests/data/ samples) in a
temporary directory, runs listen's real code path and, where there is one, a baseline in the
same process on the same data, then prints one table and optionally writes it as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import bench_data
from bench_data import EPOCH, Corpus

HERE = Path(__file__).resolve().parent
NOT_AVAILABLE = "not yet available"


@dataclass
class Sizes:
    feeds: int = 500
    hosts: int = 50  # loopback addresses the feeds are spread over (10 feeds per server)
    latency_ms: float = 50.0
    ingest_posts: int = 100_000
    classify_posts: int = 100_000
    digest_posts: int = 1_000_000
    digest_contacts: int = 5_000
    digest_engagements: int = 100_000
    idle_repeats: int = 5


QUICK = Sizes(
    feeds=20,
    hosts=4,
    latency_ms=50.0,
    ingest_posts=2_000,
    classify_posts=2_000,
    digest_posts=20_000,
    digest_contacts=200,
    digest_engagements=2_000,
    idle_repeats=2,
)


@dataclass
class Row:
    """One line of the table; numbers stay numbers in the JSON."""

    scenario: str
    listen: str
    baseline: str
    ratio: str
    target: str
    passed: bool | None  # None: not measured
    figures: dict[str, Any] = field(default_factory=dict)
    note: str = ""


@dataclass
class Context:
    sizes: Sizes
    tmp: Path
    corpus: Corpus
    rows: list[Row] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)

    def add(self, row: Row) -> None:
        self.rows.append(row)
        mark = {True: "pass", False: "FAIL", None: "-"}[row.passed]
        print(
            f"  {row.scenario}: {row.listen} vs {row.baseline} → {row.ratio} [{mark}]", flush=True
        )


# -- helpers ------------------------------------------------------------------------------------


@contextmanager
def timed() -> Iterator[list[float]]:
    box: list[float] = []
    start = time.perf_counter()
    yield box
    box.append(time.perf_counter() - start)


def listen_command() -> list[str]:
    script = Path(sys.executable).with_name("listen")
    return [str(script)] if script.exists() else [sys.executable, "-m", "listen"]


# Runs the command from a small process and reports the command's own wall time and peak RSS.
# (Spawned straight from this process, a child's ru_maxrss would start at this process's peak:
# Linux carries the pre-exec high-water mark over, and subprocess uses vfork.)
_MEASURE = """
import os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(time.perf_counter() - start, usage.ru_maxrss * 1024, os.waitstatus_to_exitcode(status))
"""


def run_measured(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int, int]:
    """Run a command; return (wall seconds, peak RSS in bytes, exit code) of that command."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *argv],
        capture_output=True,
        text=True,
        env=env or dict(os.environ),
    )
    try:
        wall, rss, code = done.stdout.split()
    except ValueError:
        raise RuntimeError(f"{argv} could not be measured: {done.stderr[-2000:]}") from None
    if int(code) not in (0, 1):
        raise RuntimeError(f"{argv} failed ({code}): {done.stderr[-2000:]}")
    return float(wall), int(rss), int(code)


class FeedFarm:
    """The loopback feed server, in its own process so it does not share our CPU."""

    def __init__(self, folder: Path, latency_ms: float, hosts: int) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "bench_server.py"),
                str(folder),
                str(latency_ms),
                str(hosts),
            ],
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        assert self.proc.stdout is not None
        self.base_urls = self.proc.stdout.readline().decode().split()
        self.base_url = self.base_urls[0] if self.base_urls else ""
        if not self.base_url.startswith("http"):
            raise RuntimeError("feed server did not start")

    def _get(self, path: str) -> dict[str, int]:
        with urllib.request.urlopen(self.base_url + path) as response:
            return json.loads(response.read())  # type: ignore[no-any-return]

    def reset(self) -> None:
        self._get("/_reset")

    def stats(self) -> dict[str, int]:
        return self._get("/_stats")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def feed_config_document(urls: list[str]) -> dict[str, Any]:
    return {
        "contacts": [{"name": f"Blogger {i:04d}", "blog": [url]} for i, url in enumerate(urls)],
    }


def write_toml(document: dict[str, Any], path: Path) -> None:
    lines = []
    for contact in document["contacts"]:
        lines.append("[[contacts]]")
        lines.append(f"name = {json.dumps(contact['name'])}")
        lines.append(f"blog = {json.dumps(contact['blog'])}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def fmt_seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


# -- scenarios ----------------------------------------------------------------------------------


def bench_feeds(ctx: Context) -> None:
    """poll 500 feeds, re-poll unchanged, idle cron run, memory of collect."""
    import feedparser

    from listen import app
    from listen.config import parse_config
    from listen.store import Store

    sizes = ctx.sizes
    folder = ctx.tmp / "feeds"
    folder.mkdir()
    feeds = bench_data.generate_feeds(ctx.corpus, sizes.feeds)
    for feed in feeds:
        (folder / feed.name).write_bytes(feed.body)
    total_bytes = sum(len(f.body) for f in feeds)
    farm = FeedFarm(folder, sizes.latency_ms, sizes.hosts)
    try:
        urls = [
            f"{farm.base_urls[i % len(farm.base_urls)]}/{feed.name}" for i, feed in enumerate(feeds)
        ]
        document = feed_config_document(urls)
        config_path = ctx.tmp / "feeds.toml"
        write_toml(document, config_path)
        config = parse_config(document, path=config_path, env={})
        db_path = ctx.tmp / "feeds.db"

        farm.reset()
        with Store.open(db_path) as store, timed() as first_time:
            first = app.collect(config, store, app.CollectOptions(only_due=False))
        first_stats = farm.stats()
        new_posts = sum(o.new_posts for o in first.outcomes)
        failed = len(first.failed)

        farm.reset()
        with Store.open(db_path) as store, timed() as second_time:
            second = app.collect(config, store, app.CollectOptions(only_due=False))
        second_stats = farm.stats()

        farm.reset()
        with timed() as base_time:
            base_entries = 0
            for url in urls:
                base_entries += len(feedparser.parse(url).entries)
        base_stats = farm.stats()

        listen_s, base_s = first_time[0], base_time[0]
        speedup = base_s / listen_s
        ctx.add(
            Row(
                f"poll {sizes.feeds} feeds",
                f"{fmt_seconds(listen_s)} ({new_posts} posts, {failed} failed)",
                f"{fmt_seconds(base_s)} (feedparser.parse(url) ×{sizes.feeds})",
                f"{speedup:.1f}× faster",
                "≥ 10× faster",
                speedup >= 10 and failed == 0,
                {
                    "listen_seconds": listen_s,
                    "baseline_seconds": base_s,
                    "speedup": speedup,
                    "new_posts": new_posts,
                    "failed_sources": failed,
                    "baseline_entries": base_entries,
                    "feed_bytes_total": total_bytes,
                    "server_bytes_first": first_stats["bytes"],
                    "server_bytes_baseline": base_stats["bytes"],
                    "latency_ms": sizes.latency_ms,
                    "concurrency": config.collect.concurrency,
                    "per_host_concurrency": config.collect.per_host_concurrency,
                    "servers": len(farm.base_urls),
                },
            )
        )
        answered_304 = second_stats["not_modified"] / max(1, second_stats["requests"])
        bytes_share = second_stats["bytes"] / max(1, first_stats["bytes"])
        ctx.add(
            Row(
                "re-poll unchanged",
                f"{answered_304:.1%} 304, {second_stats['bytes'] / 1024:.0f} KiB"
                f" in {fmt_seconds(second_time[0])}",
                f"first poll {first_stats['bytes'] / 1024:.0f} KiB",
                f"bytes {bytes_share:.1%} of first",
                "≥ 95 % 304, bytes ≤ 5 %",
                answered_304 >= 0.95 and bytes_share <= 0.05,
                {
                    "requests": second_stats["requests"],
                    "not_modified": second_stats["not_modified"],
                    "share_304": answered_304,
                    "bytes": second_stats["bytes"],
                    "bytes_first": first_stats["bytes"],
                    "bytes_share": bytes_share,
                    "seconds": second_time[0],
                    "new_posts": sum(o.new_posts for o in second.outcomes),
                },
            )
        )

        # As cron runs it: a fresh process, nothing due (every source was just polled).
        command = listen_command()
        idle_argv = [*command, "--config", str(config_path), "--db", str(db_path)]
        idle_argv.append("run" if has_command("run") else "collect")
        idle = min(run_measured(idle_argv)[0] for _ in range(sizes.idle_repeats))
        bare = min(run_measured([sys.executable, "-c", "pass"])[0] for _ in range(3))
        ctx.add(
            Row(
                f"idle cron run (`listen {idle_argv[-1]}`)",
                fmt_seconds(idle),
                f"{fmt_seconds(bare)} (python -c pass)",
                f"{idle / bare:.0f}× python startup",
                "< 1.5 s wall",
                idle < 1.5,
                {"seconds": idle, "baseline_seconds": bare, "sources": sizes.feeds},
            )
        )

        fresh_db = ctx.tmp / "feeds-memory.db"
        wall, rss, code = run_measured(
            [*command, "--config", str(config_path), "--db", str(fresh_db), "collect"]
        )
        ctx.cache["collect_rss"] = (rss, wall, code)
    finally:
        farm.close()


def bench_memory(ctx: Context) -> None:
    """Peak RSS of the `listen collect` and `listen digest` subprocesses run above."""
    measured = {
        name: ctx.cache[key]
        for name, key in (("collect", "collect_rss"), ("digest", "digest_rss"))
        if key in ctx.cache
    }
    parts = [f"{name} {rss / 2**20:.0f} MB" for name, (rss, _, _) in measured.items()]
    parts += [f"{name}: not measured" for name in ("collect", "digest") if name not in measured]
    ctx.add(
        Row(
            "memory (peak RSS)",
            ", ".join(parts),
            "—",
            "—",
            "< 300 MB each",
            all(rss < 300 * 2**20 for rss, _, _ in measured.values()) if measured else None,
            {f"{name}_peak_rss_bytes": rss for name, (rss, _, _) in measured.items()},
            "collect: 500 feeds into a fresh database; digest: the 1M-post database"
            if not ctx.sizes.feeds < 500
            else "",
        )
    )


def bench_ingest(ctx: Context) -> None:
    """Store N posts through the Store, then the same again (dedup), against plain sqlite3.

    Like the baseline, the Store run is one transaction (`store.transaction()` around the
    per-source `save_result` calls). The per-source-transaction figure that `collect` pays is
    reported alongside: there every commit rewrites the index pages it touched.
    """
    from listen.store import Store
    from listen.types import PLATFORMS, CollectResult

    n = ctx.sizes.ingest_posts
    posts = bench_data.generate_posts(ctx.corpus, n, seed=11)
    by_platform: dict[str, list[Any]] = {}
    for post in posts:
        by_platform.setdefault(post.platform, []).append(post)
    batch = 100
    now = EPOCH
    later = now + timedelta(hours=1)

    def prepared_store(name: str) -> tuple[Any, list[tuple[Any, tuple[Any, ...]]]]:
        store = Store.open(ctx.tmp / name)
        for platform_name, mine in by_platform.items():
            for k in range(0, len(mine), batch):
                store.upsert_contact(
                    f"{platform_name} contact {k // batch}",
                    identities=[(platform_name, f"{platform_name}-{k // batch}.example")],
                )
        store.sync_sources({}, PLATFORMS)
        sources: dict[str, list[Any]] = {}
        for source in store.sources():
            sources.setdefault(source.platform, []).append(source)
        work = [
            (sources[platform_name][k // batch], tuple(mine[k : k + batch]))
            for platform_name, mine in by_platform.items()
            for k in range(0, len(mine), batch)
        ]
        return store, work

    def ingest(store: Any, work: list[tuple[Any, tuple[Any, ...]]]) -> int:
        return sum(
            store.save_result(
                source, CollectResult(posts=chunk), now=now, next_poll_at=later
            ).new_posts
            for source, chunk in work
        )

    store, work = prepared_store("ingest.db")
    with timed() as first_time, store.transaction():
        first_new = ingest(store, work)
    with timed() as again_time, store.transaction():
        again_new = ingest(store, work)
    stored = store.count("posts")
    store.close()

    per_source, per_source_work = prepared_store("ingest-per-source.db")
    with timed() as per_source_time:
        ingest(per_source, per_source_work)
    per_source.close()

    # Baseline: the same rows, as tuples, into the same schema, with plain sqlite3.
    base_path = ctx.tmp / "ingest-baseline.db"
    Store.open(base_path).close()
    conn = sqlite3.connect(str(base_path), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    rows = [
        (
            p.id,
            p.platform,
            source.contact_id,
            source.id,
            p.author_handle,
            p.url,
            p.title,
            p.text,
            p.raw_kind,
            p.created_at.isoformat(),
            now.isoformat(),
            p.reply_to,
            p.quote_of,
            p.repost_of,
            p.comment_feed_url,
            json.dumps(p.metrics, sort_keys=True) if p.metrics else None,
        )
        for source, chunk in work
        for p in chunk
    ]
    columns = (
        "id, platform, contact_id, source_id, author_handle, url, title, text, kind, created_at,"
        " collected_at, reply_to, quote_of, repost_of, comment_feed_url, metrics"
    )
    marks = ", ".join("?" * 16)
    with timed() as base_time:
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO posts ({columns}) VALUES ({marks})", rows)
        conn.execute("COMMIT")
    with timed() as base_again_time:
        conn.execute("BEGIN")
        conn.executemany(f"INSERT OR IGNORE INTO posts ({columns}) VALUES ({marks})", rows)
        conn.execute("COMMIT")
    conn.close()

    for label, listen_s, base_s, new in (
        (f"ingest {n:,} posts", first_time[0], base_time[0], first_new),
        (f"re-ingest {n:,} posts (dedup)", again_time[0], base_again_time[0], again_new),
    ):
        share = base_s / listen_s
        ok = share >= 0.5 and stored == n and (new == n if "dedup" not in label else new == 0)
        figures = {
            "listen_seconds": listen_s,
            "baseline_seconds": base_s,
            "share": share,
            "new_posts": new,
            "stored": stored,
            "sources": len(work),
        }
        note = ""
        if "dedup" not in label:
            figures["per_source_transactions_seconds"] = per_source_time[0]
            note = (
                f"one transaction per source ({len(work)} commits):"
                f" {n / per_source_time[0]:,.0f} posts/s"
            )
        ctx.add(
            Row(
                label,
                f"{n / listen_s:,.0f} posts/s ({new:,} new)",
                f"{n / base_s:,.0f} posts/s (sqlite3 executemany)",
                f"{share:.0%} of baseline",
                "≥ 50 % of baseline",
                ok,
                figures,
                note,
            )
        )


def has_command(name: str) -> bool:
    from listen.cli import cli

    return name in cli.commands  # type: ignore[attr-defined]


def bench_classify(ctx: Context) -> None:
    """Score N posts with the model `listen classify` would use, on one core."""
    try:
        from listen.app import classify
    except ImportError:
        ctx.add(Row("classify", NOT_AVAILABLE, "—", "—", "≥ 2,000 posts/s; load < 0.5 s", None))
        return
    from listen.config import Config
    from listen.store import Store

    n = ctx.sizes.classify_posts
    folder = ctx.tmp / "classify"
    folder.mkdir()
    db_path = folder / "listen.db"
    bench_data.build_large_db(
        db_path,
        ctx.corpus,
        posts=n,
        contacts=max(8, n // 100),
        engagements=n // 10,
        seed=5,
    )
    # Cold: a fresh process importing the model code and reading the model file.
    probe = (
        "import time; t = time.perf_counter(); "
        "from listen.models.model_file import load_current_model; i = time.perf_counter(); "
        "m = load_current_model(None); e = time.perf_counter(); "
        "print(i - t, e - i, m.origin, m.model.version)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    import_s, load_s, origin, version = float(out[0]), float(out[1]), out[2], out[3]
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cpus)})  # one core, as the target says
    try:
        with Store.open(db_path) as store, timed() as took:
            summary = classify(Config(), store, folder)
    finally:
        os.sched_setaffinity(0, cpus)
    rate = summary.scored / took[0]
    cold = import_s + load_s
    ctx.add(
        Row(
            f"classify {n:,} posts",
            f"{rate:,.0f} posts/s on 1 core; model load {load_s * 1000:.0f} ms"
            f" ({cold * 1000:.0f} ms with imports)",
            "—",
            "—",
            "≥ 2,000 posts/s; load < 0.5 s",
            rate >= 2000 and cold < 0.5 and summary.scored == n,
            {
                "posts": summary.scored,
                "seconds": took[0],
                "posts_per_second": rate,
                "model_load_seconds": load_s,
                "model_import_seconds": import_s,
                "model_origin": origin,
                "model_version": version,
                "actions": summary.actions,
            },
            f"model {version} ({origin}); the time includes reading the posts and storing"
            " the classifications",
        )
    )


DIGEST_TABLES = ("posts", "engagements", "classifications", "digest_items", "marks")


def bench_digest(ctx: Context) -> None:
    """`listen digest` on a database with a million posts, and the plans of its queries: the
    engagements spread over the year, then all of them on the posts of the last 60 days (a
    heavy recent history: every one falls in the score's windows)."""
    digest_at_scale(ctx, engagement_days=None)
    digest_at_scale(ctx, engagement_days=60)


def digest_at_scale(ctx: Context, *, engagement_days: int | None) -> None:
    try:
        from listen.app import daily_digest
    except ImportError:
        ctx.add(Row("digest at scale", NOT_AVAILABLE, "—", "—", "< 1 s wall", None))
        return
    from listen.config import Config
    from listen.store import Store

    sizes = ctx.sizes
    name = "digest" if engagement_days is None else f"digest-{engagement_days}d"
    db_path, build = scale_db(ctx, name, classified_days=3, engagement_days=engagement_days)
    folder = db_path.parent
    config_path = folder / "config.toml"
    config_path.write_text("[digest]\ntop = 10\n", encoding="utf-8")
    now = EPOCH.isoformat()
    argv = [*listen_command(), "--config", str(config_path), "--db", str(db_path), "digest"]
    argv += ["--now", now, "--output", str(folder / "digest.txt")]
    runs = [run_measured(argv) for _ in range(2)]
    wall = runs[0][0]
    rss = max(r[1] for r in runs)
    if engagement_days is None:
        ctx.cache["digest_rss"] = (rss, wall, runs[0][2])
        ctx.cache["digest_db"] = db_path  # the web rows read the same database

    # The statements a digest runs, and how SQLite plans each one.
    with Store.open(db_path) as store:
        with store.traced_statements() as statements:
            daily_digest(Config(), store, now=EPOCH, record=False)
        plans = []
        for sql in statements:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            plans.append({"sql": sql[:400], "plan": store.query_plan(sql)})
    big_scans = [
        line
        for p in plans
        for line in p["plan"]
        if line.startswith("SCAN") and _plan_table(line, p["sql"]) in DIGEST_TABLES
    ]
    indexes = sorted(
        {match for p in plans for line in p["plan"] for match in re.findall(r"INDEX (\w+)", line)}
    )
    spread = "over the year" if engagement_days is None else f"in {engagement_days} days"
    ctx.add(
        Row(
            f"digest at scale ({sizes.digest_posts:,} posts,"
            f" {sizes.digest_engagements:,} engagements {spread})",
            f"{fmt_seconds(wall)} wall (again: {fmt_seconds(runs[1][0])}),"
            f" {len(plans)} queries, {len(big_scans)} full scans",
            "—",
            "—",
            "< 1 s wall; no full scans",
            wall < 1.0 and not big_scans,
            {
                "seconds": wall,
                "seconds_second_run": runs[1][0],
                "peak_rss_bytes": rss,
                "posts": sizes.digest_posts,
                "contacts": sizes.digest_contacts,
                "engagements": sizes.digest_engagements,
                "engagement_days": engagement_days,
                "build_seconds": build[0],
                "indexes_used": indexes,
                "full_scans_of_large_tables": big_scans,
                "query_plans": plans,
            },
            "indexes used: " + ", ".join(indexes),
        )
    )


def scale_db(ctx: Context, name: str, **extra: Any) -> tuple[Path, list[float]]:
    """The digest-sized database (posts, contacts, engagements, 30 days of digests) built in
    its own folder, with `extra` for `build_large_db`; and how long building it took."""
    sizes = ctx.sizes
    folder = ctx.tmp / name
    folder.mkdir()
    db_path = folder / "listen.db"
    with timed() as build:
        bench_data.build_large_db(
            db_path,
            ctx.corpus,
            posts=sizes.digest_posts,
            contacts=sizes.digest_contacts,
            engagements=sizes.digest_engagements,
            shown_days=30,
            **extra,
        )
    print(f"  built the {sizes.digest_posts:,}-post database in {build[0]:.1f} s", flush=True)
    return db_path, build


def _plan_table(line: str, sql: str) -> str:
    """The table a plan line reads: its alias resolved against the statement's FROM/JOINs."""
    name = line.split()[1]
    match = re.search(rf"\b(\w+)\s+(?:AS\s+)?{re.escape(name)}\b", sql)
    candidates = {t for t in (name, match.group(1) if match else "") if t}
    for table in (*DIGEST_TABLES, "contacts", "sources", "identities"):
        if table in candidates:
            return table
    return name


def bench_follows(ctx: Context) -> None:
    """`listen contacts import --from …` for 5,000 follows over the three platforms."""
    import bench_follows as follows

    total = 5_000 if ctx.sizes.feeds >= 500 else 500
    figures = follows.run(total, ctx.sizes.latency_ms, ctx.tmp)
    ok = (
        figures["requests_per_100"] <= 2
        and figures["seconds"] < 30
        and figures["imported"] == total == figures["contacts"]
    )
    ctx.add(
        Row(
            f"import {total:,} follows (3 platforms, {ctx.sizes.latency_ms:g} ms latency)",
            f"{fmt_seconds(figures['seconds'])}, {figures['requests']} requests "
            f"({figures['requests_per_100']:.2f} per 100 follows)",
            "—",
            "—",
            "≤ 2 requests per 100 follows, < 30 s",
            ok,
            figures,
        )
    )


def bench_people(ctx: Context) -> None:
    """`listen contacts show` and the circle on the digest's database grown with 200,000 of
    people's interactions with the user, and a month of posts classified (as `listen run`
    leaves them): in process, warm (what the web app pays per page), and `listen contacts
    show` as a user runs it."""
    from listen import app
    from listen.config import Config
    from listen.store import Store

    sizes = ctx.sizes
    interactions = 200_000 if sizes.digest_posts >= 1_000_000 else 4_000
    db_path, build = scale_db(ctx, "people", classified_days=30, interactions=interactions)
    config = Config()
    with Store.open(db_path) as store:
        name = _busiest_contact(store)
        story_times, circle_times = [], []
        for _ in range(5):
            with timed() as took:
                story = app.contact_story(config, store, name, now=EPOCH)
            story_times.append(took[0])
        for _ in range(3):
            with timed() as took:
                circle = app.circle_report(config, store, now=EPOCH)
            circle_times.append(took[0])
        with store.traced_statements() as statements:
            app.contact_story(config, store, name, now=EPOCH)
            app.circle_report(config, store, now=EPOCH)
        scans = [
            line
            for sql in statements
            if sql.lstrip().upper().startswith(("SELECT", "WITH"))
            for line in store.query_plan(sql)
            if line.startswith("SCAN")
            and _plan_table(line, sql) in (*DIGEST_TABLES, "interactions")
        ]
    argv = [*listen_command(), "--db", str(db_path), "contacts", "show", name]
    argv += ["--now", EPOCH.isoformat()]
    cli_wall, cli_rss, _ = run_measured(argv)
    story_ms, circle_ms = statistics.median(story_times), statistics.median(circle_times)
    scale = (
        f"{sizes.digest_posts:,} posts, {sizes.digest_contacts:,} contacts,"
        f" {interactions:,} interactions"
    )
    figures = {
        "interactions": interactions,
        "timeline": len(story.timeline),
        "circle_this_week": circle.week_count,
        "untouched": circle.untouched_total,
        "full_scans": scans,
        "build_seconds": build[0],
    }
    ctx.add(
        Row(
            f"contacts show ({scale})",
            f"{fmt_seconds(story_ms)} warm;"
            f" {fmt_seconds(cli_wall)} as a command ({cli_rss / 2**20:.0f} MiB)",
            "—",
            "—",
            "< 200 ms",
            story_ms < 0.2,
            {
                **figures,
                "seconds": story_ms,
                "command_seconds": cli_wall,
                "command_peak_rss_bytes": cli_rss,
            },
        )
    )
    ctx.add(
        Row(
            f"circle ({scale})",
            f"{fmt_seconds(circle_ms)} warm, {len(scans)} full scans",
            "—",
            "—",
            "< 300 ms",
            circle_ms < 0.3 and not scans,
            {**figures, "seconds": circle_ms},
        )
    )


def _busiest_contact(store: Any) -> str:
    """The contact with the most interactions: the longest story to tell."""
    counts: dict[str, int] = {}
    for fact in store.recent_interactions(limit=20_000):
        if fact.contact:
            counts[fact.contact] = counts.get(fact.contact, 0) + 1
    return max(sorted(counts), key=lambda name: counts[name])


def bench_web(ctx: Context) -> None:
    """`listen serve` on the 1M-post database, from an HTTP client: start-up, Today, search."""
    import bench_web as web

    db_path = ctx.cache.get("digest_db")
    if db_path is None:  # run alone (`--only web`): build the same database
        db_path, _ = scale_db(ctx, "web")
    f = web.run(db_path, EPOCH.isoformat(), db_path.parent)
    posts = f"{ctx.sizes.digest_posts:,} posts"
    start_ok = f["startup_first_response_seconds"] < 1.0
    ctx.add(
        Row(
            "web: `listen serve` start-up (best of 3)",
            f"URL printed in {fmt_seconds(f['startup_url_printed_seconds'])}, first response"
            f" to GET / in {fmt_seconds(f['startup_first_response_seconds'])}",
            f"{fmt_seconds(f['help_seconds'])} (`listen --help`, best of 3)",
            f"URL {f['startup_url_printed_seconds'] / f['help_seconds']:.1f}×, response"
            f" {f['startup_first_response_seconds'] / f['help_seconds']:.1f}× --help",
            "< 1 s",
            start_ok,
            f,
        )
    )
    ctx.add(
        Row(
            f"web: Today over HTTP ({posts})",
            f"{fmt_seconds(f['today_median_seconds'])} median of {web.TODAY_LOADS}, max"
            f" {fmt_seconds(f['today_max_seconds'])} (digest built"
            f" {fmt_seconds(f['today_built_seconds'])} after start)",
            "—",
            "—",
            "< 150 ms",
            f["today_median_seconds"] < 0.150,
            f,
        )
    )
    slowest = max(f["search_seconds"], key=f["search_seconds"].get)
    ctx.add(
        Row(
            f"web: search over HTTP ({posts}, {len(web.SEARCHES)} queries)",
            f"{fmt_seconds(f['search_median_seconds'])} median, slowest"
            f" {fmt_seconds(f['search_max_seconds'])} ({slowest})",
            "—",
            "—",
            "< 100 ms",
            f["search_max_seconds"] < 0.100,
            f,
            "search: " + ", ".join(f"{q} {fmt_seconds(t)}" for q, t in f["search_seconds"].items()),
        )
    )


SCENARIOS: dict[str, Callable[[Context], None]] = {
    "feeds": bench_feeds,
    "ingest": bench_ingest,
    "classify": bench_classify,
    "digest": bench_digest,
    "memory": bench_memory,
    "follows": bench_follows,
    "web": bench_web,
    "people": bench_people,
}


# -- output -------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def render_table(rows: list[Row]) -> str:
    header = ("scenario", "listen", "baseline", "ratio", "target", "result")
    body = [
        (
            r.scenario,
            r.listen,
            r.baseline,
            r.ratio,
            r.target,
            {
                True: "pass",
                False: "FAIL",
                None: NOT_AVAILABLE if r.listen == NOT_AVAILABLE else "-",
            }[r.passed],
        )
        for r in rows
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    notes = [f"- {r.scenario}: {r.note}" for r in rows if r.note]
    if notes:
        lines += ["", "Notes:", *notes]
    return "\n".join(lines)


def write_doc(path: Path, info: dict[str, Any], table: str, started: float) -> None:
    """Replace the block between the bench-table markers of `path` with this run's table."""
    start, end = "<!-- bench-table -->", "<!-- /bench-table -->"
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    block = (
        f"{start}\nRun {when} on {info['nproc']} CPUs ({info['cpu']}), Python {info['python']},"
        f" SQLite {info['sqlite']}, {info['platform']}; load average {info['load_average_1m']}"
        f" at the end; {time.perf_counter() - started:.0f} s in all.\n\n{table}\n{end}"
    )
    path.write_text(head + block + tail, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--only", action="append", choices=sorted(SCENARIOS), help="repeatable")
    parser.add_argument("--keep", type=Path, help="build data in this folder and keep it")
    parser.add_argument(
        "--write-doc", type=Path, help="put the table into this Markdown file (docs/performance.md)"
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else Sizes()
    chosen = args.only or list(SCENARIOS)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="listen-bench-") as tmp:
        root = args.keep or Path(tmp)
        if args.keep:
            shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True, exist_ok=True)
        ctx = Context(sizes, root, bench_data.load_corpus())
        for name in chosen:
            print(f"[{name}]", flush=True)
            SCENARIOS[name](ctx)
    info = machine()
    print()
    print(
        f"machine: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}, "
        f"SQLite {info['sqlite']}; load average {info['load_average_1m']} at the end;"
        f" total {time.perf_counter() - started:.0f} s"
    )
    print(render_table(ctx.rows))
    if args.write_doc:
        write_doc(args.write_doc, info, render_table(ctx.rows), started)
    if args.json:
        args.json.write_text(
            json.dumps(
                {"machine": info, "sizes": asdict(sizes), "rows": [asdict(r) for r in ctx.rows]},
                indent=2,
                ensure_ascii=False,
            )
            + "\n",
            encoding="utf-8",
        )
    if args.quick:
        return 0  # tiny sizes: the targets are for the full run
    return 0 if all(r.passed is not False for r in ctx.rows) else 1


if __name__ == "__main__":
    sys.exit(main())
