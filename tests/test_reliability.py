"""`listen run` under faults: failing sources, hostile feeds, locks, kill -9, secrets."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from listen.clock import parse_iso
from listen.config import config_to_toml
from tests.fault_server import FaultServer, delayed, feed, refused_url, respond
from tests.helpers import read_data
from tests.reliability_helpers import (
    cli_env,
    listen_argv,
    recorded_feeds,
    run_listen,
    snapshot,
    write_feeds_config,
)

HEATED = read_data("feeds/feed-rs_rss_2.0_heated.xml")


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as s:
        yield s


def rss(*items: str) -> bytes:
    body = "".join(items)
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<link>http://example.org/</link>{body}</channel></rss>"
    ).encode()


def item(guid: str, title: str, description: str) -> str:
    return (
        f"<item><guid>http://example.org/{guid}</guid><title>{title}</title>"
        f"<description>{description}</description></item>"
    )


def source_rows(db: Path) -> dict[str, dict[str, object]]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return {r["target"]: dict(r) for r in conn.execute("SELECT * FROM sources")}


def test_run_is_silent_on_success_and_one_line_with_v(tmp_path: Path, server: FaultServer):
    config = write_feeds_config(tmp_path / "c.toml", {"Emily": server.add("/heated", feed(HEATED))})
    db = tmp_path / "listen.db"
    first = run_listen(config, db, "run")
    assert (first.returncode, first.stdout, first.stderr) == (0, "", "")
    assert snapshot(db)["posts"], "the run stored the feed's posts"
    second = run_listen(config, db, "-v", "run")
    assert second.returncode == 0
    lines = second.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("run 2: 0 sources polled"), lines
    assert (tmp_path / "listen.log").read_text().count(" INFO listen: run ") == 2


def test_failing_sources_exit_1_and_are_backed_off(tmp_path: Path, server: FaultServer):
    feeds = {
        "Ok": server.add("/ok", feed(HEATED)),
        "Broken": server.add("/500", respond(500, b"boom")),
        "Busy": server.add("/503", respond(503, b"busy", {"Retry-After": "7200"})),
        "Limited": server.add("/429", respond(429, b"slow", {"Retry-After": "120"})),
        "Gone": refused_url(),
    }
    config = write_feeds_config(tmp_path / "c.toml", feeds)
    db = tmp_path / "listen.db"
    before = time.time()
    result = run_listen(config, db, "run")
    assert result.returncode == 1
    assert result.stdout == ""
    failed = [line for line in result.stderr.splitlines() if line.startswith("failed: blog ")]
    assert len(failed) == 4, result.stderr
    assert "Traceback" not in result.stderr
    rows = source_rows(db)
    assert rows[feeds["Ok"]]["error_count"] == 0
    assert rows[feeds["Broken"]]["last_error"] == "HTTP 500: boom"
    assert rows[feeds["Gone"]]["last_error"].startswith("cannot connect")
    # Backoff: the first failure waits 2x the hourly interval (±20 %), Retry-After wins if longer.
    for url, at_least in ((feeds["Broken"], 2 * 3600 * 0.8), (feeds["Busy"], 7200)):
        next_poll = parse_iso(str(rows[url]["next_poll_at"]))
        assert next_poll is not None and next_poll.timestamp() - before >= at_least - 5
    # Nothing is due now: a second run polls nothing and succeeds.
    again = run_listen(config, db, "run")
    assert again.returncode == 0, again.stderr


def test_hostile_feeds_do_not_crash_the_run(tmp_path: Path, server: FaultServer):
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
        + ']><rss version="2.0"><channel><title>&j;</title>'
        + item("1", "&j;", "&j;")
        + "</channel></rss>"
    ).encode()
    bad_utf8 = rss(item("u1", "caf\xe9", "ok")).replace("caf\xe9".encode(), b"caf\xff\xfe")
    injected = rss(
        item(
            "x1",
            "&lt;b&gt;Bold&lt;/b&gt; [red]markup[/red]",
            "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;Hello "
            "&lt;b&gt;world&lt;/b&gt; &amp;lt;i&amp;gt;",
        )
    )
    feeds = {
        "Laughs": server.add("/laughs", respond(200, laughs)),
        "Utf": server.add("/utf", respond(200, bad_utf8)),
        "Inject": server.add("/inject", respond(200, injected)),
    }
    config = write_feeds_config(tmp_path / "c.toml", feeds)
    db = tmp_path / "listen.db"
    result = run_listen(config, db, "run")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    rows = source_rows(db)
    assert "declares XML entities" in str(rows[feeds["Laughs"]]["last_error"])
    posts = {p[0]: p for p in snapshot(db)["posts"]}
    assert "caf" in str(posts["http://example.org/u1"][3])
    title, text = posts["http://example.org/x1"][3:5]
    assert title == "Bold [red]markup[/red]"
    assert text == "Hello world <i>"  # tags and scripts dropped; escaped text kept as text
    shown = run_listen(config, db, "posts")
    assert "Bold [red]markup[/red]" in shown.stdout  # rich markup is not interpreted


def test_two_runs_at_once_one_exits_3(tmp_path: Path, server: FaultServer):
    config = write_feeds_config(
        tmp_path / "c.toml", {"Slow": server.add("/slow", delayed(3.0, feed(HEATED)))}
    )
    db = tmp_path / "listen.db"
    first = subprocess.Popen(
        listen_argv(config, db, "run"),
        env=cli_env(),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while server.hits.get("/slow", 0) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        second = run_listen(config, db, "run")
        assert second.returncode == 3
        assert "another listen run holds the lock" in second.stderr
        assert f"pid {first.pid}" in second.stderr
        assert second.stdout == ""
    finally:
        _out, err = first.communicate(timeout=30)
    assert first.returncode == 0, err
    assert server.hits["/slow"] == 1


def test_collect_takes_the_same_lock(tmp_path: Path, server: FaultServer):
    from listen.lock import run_lock

    config = write_feeds_config(tmp_path / "c.toml", {"E": server.add("/e", feed(HEATED))})
    db = tmp_path / "listen.db"
    with run_lock(db):
        result = run_listen(config, db, "collect")
    assert result.returncode == 3, result.stderr
    assert run_listen(config, db, "collect").returncode == 0


def test_database_locked_by_another_process(tmp_path: Path, server: FaultServer):
    config = write_feeds_config(
        tmp_path / "c.toml",
        {"E": server.add("/e", feed(HEATED))},
        collect={"db_busy_timeout_seconds": 0.5},
    )
    db = tmp_path / "listen.db"
    assert run_listen(config, db, "run").returncode == 0
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            f"c = sqlite3.connect({str(db)!r}, isolation_level=None)\n"
            "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        result = run_listen(config, db, "run", "--help")  # sanity: help needs no database
        assert result.returncode == 0
        result = run_listen(config, db, "run")
        assert result.returncode == 1
        assert "Error: database is busy" in result.stderr
        assert "Traceback" not in result.stderr
        assert time.monotonic() - started < 20
    finally:
        holder.kill()
        holder.wait()
    assert run_listen(config, db, "run").returncode == 0


def kill_once_posts_are_stored(argv: list[str], env: dict[str, str], db: Path) -> None:
    """Start `argv`, SIGKILL it as soon as the first post is committed (30 s at most)."""
    victim = subprocess.Popen(argv, env=env)
    deadline = time.monotonic() + 30
    stored = 0
    while time.monotonic() < deadline and not stored:
        time.sleep(0.02)
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=0.1) as conn:
                    stored = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
            except sqlite3.OperationalError:
                pass
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()


def test_killed_run_then_clean_run_equals_a_never_killed_run(tmp_path: Path, server: FaultServer):
    feeds = {}
    for i, (name, body) in enumerate(sorted(recorded_feeds().items())):
        content_type = "application/feed+json" if name.endswith(".json") else "application/rss+xml"
        behaviour = feed(body, content_type)
        # Half the feeds answer late, so the kill lands while they are in flight.
        feeds[f"Contact {i}"] = server.add(
            f"/{name}", delayed(1.5, behaviour) if i % 2 else behaviour
        )
    config = write_feeds_config(tmp_path / "c.toml", feeds, collect={"concurrency": 8})
    reference_db = tmp_path / "reference.db"
    assert run_listen(config, reference_db, "run").returncode == 0
    reference = snapshot(reference_db)
    assert len(reference["posts"]) > 20

    db = tmp_path / "killed.db"
    kill_once_posts_are_stored(listen_argv(config, db, "run"), cli_env(), db)
    partial = snapshot(db)["posts"]
    assert 0 < len(partial) < len(reference["posts"]), "killed mid-collection"

    resumed = run_listen(config, db, "run")
    assert resumed.returncode == 0, resumed.stderr
    assert snapshot(db) == reference
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        statuses = [r[0] for r in conn.execute("SELECT status FROM runs ORDER BY id")]
    assert statuses == ["interrupted", "ok"]


def test_killed_demo_run_with_engagements_resumes_exactly(tmp_path: Path):
    """Blogs and a Mastodon instance (posts and the user's own engagements), killed mid-run."""
    from listen.demo import demo_workspace
    from listen.demo.server import DemoRequest, DemoResponse, Handler

    def slow(handler: Handler, seconds: float) -> Handler:
        def respond_later(request: DemoRequest) -> DemoResponse:
            time.sleep(seconds)
            return handler(request)

        return respond_later

    with demo_workspace(tmp_path / "demo") as workspace:
        routes = workspace.server.routes
        for i, path in enumerate(sorted(routes)):
            routes[path] = slow(routes[path], 0.1 + 0.4 * (i % 3))
        config = tmp_path / "demo.toml"
        config.write_text(config_to_toml(workspace.config), encoding="utf-8")
        env = dict(workspace.config.env)  # the demo's fake X bearer token
        reference_db = tmp_path / "reference.db"
        first = run_listen(config, reference_db, "run", env=env)
        reference = snapshot(reference_db)
        assert reference["engagements"] and reference["posts"], first.stderr

        db = tmp_path / "killed.db"
        kill_once_posts_are_stored(listen_argv(config, db, "run"), cli_env(env), db)
        assert 0 < len(snapshot(db)["posts"]) < len(reference["posts"])
        resumed = run_listen(config, db, "run", env=env)
        assert resumed.returncode == first.returncode, resumed.stderr
        platforms = {row[1] for row in reference["posts"]}
        assert platforms == {"blog", "bluesky", "mastodon", "x"}, first.stderr
        assert snapshot(db) == reference


def test_secrets_never_reach_the_database_or_the_log(tmp_path: Path, server: FaultServer):
    token = "sekrit-bearer-0123456789"
    feeds = {
        "Leaky": server.add("/500", respond(500, b"nope")) + f"?access_token={token}",
        "Also": refused_url() + f"?x={token}",
    }
    config = write_feeds_config(tmp_path / "c.toml", feeds)
    db = tmp_path / "listen.db"
    result = run_listen(config, db, "-vv", "run", env={"LISTEN_X_BEARER_TOKEN": token})
    assert result.returncode == 1
    assert token not in result.stderr and "[REDACTED]" in result.stderr
    log_text = (tmp_path / "listen.log").read_text()
    assert "failed" in log_text and token not in log_text
    with sqlite3.connect(db) as conn:
        errors = conn.execute("SELECT errors FROM runs").fetchone()[0]
        last_errors = [r[0] for r in conn.execute("SELECT last_error FROM sources")]
    assert len(json.loads(errors)) == 2 and token not in errors
    assert all(token not in (e or "") for e in last_errors)


def test_a_server_echoing_a_secret_in_its_error_is_redacted(tmp_path: Path, server: FaultServer):
    token = "sekrit-bearer-0123456789"
    echo = f'{{"error": "invalid_token", "message": "bad token {token} for /feed"}}'.encode()
    feeds = {"Echo": server.add("/401", respond(401, echo, {"Content-Type": "application/json"}))}
    config = write_feeds_config(tmp_path / "c.toml", feeds)
    db = tmp_path / "listen.db"
    result = run_listen(config, db, "run", env={"LISTEN_X_BEARER_TOKEN": token})
    assert result.returncode == 1
    assert token not in result.stderr
    with sqlite3.connect(db) as conn:
        errors = conn.execute("SELECT errors FROM runs").fetchone()[0]
        (last_error,) = conn.execute("SELECT last_error FROM sources").fetchone()
    assert last_error == "HTTP 401: bad token [REDACTED] for /feed"
    assert token not in errors and token not in (tmp_path / "listen.log").read_text()


def test_status_flags_long_failing_sources(tmp_path: Path, server: FaultServer):
    feeds = {"Ok": server.add("/ok", feed(HEATED)), "Bad": server.add("/bad", respond(500))}
    config = write_feeds_config(tmp_path / "c.toml", feeds, collect={"failing_after_errors": 3})
    db = tmp_path / "listen.db"
    for _ in range(3):
        run_listen(config, db, "collect", "--all")
    result = run_listen(config, db, "status", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    by_target = {s["target"]: s for s in document["sources"]}
    assert by_target[feeds["Bad"]]["error_count"] == 3
    assert by_target[feeds["Bad"]]["alert"].startswith("failing: 3 errors in a row")
    assert by_target[feeds["Ok"]]["alert"] is None
    assert by_target[feeds["Ok"]]["last_success_at"]
    assert document["alerts"] == 1 and document["last_run"]["command"] == "collect"
    assert document["budgets"] == {}
    text = run_listen(config, db, "status")
    assert "1 source(s) need attention" in text.stdout
