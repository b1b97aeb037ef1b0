"""`listen collect` end to end on X: real collector, real Store, loopback server, read budget."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from listen import app
from listen.budget import month_key
from listen.cli import cli
from listen.config import parse_config
from listen.store import Store
from tests.collectors.test_x import TOKEN, TWITTER_ID, collector, serve_all, x_config

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def write_config(tmp_path: Path, server: HTTPServer, cap: int, unit: str = "requests") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[collect]
inbound = false  # these tests count the reads of contacts' and your own tweets
[blog]
enabled = false
[bluesky]
enabled = false
[mastodon]
enabled = false
[x]
username = "dappdavid99"
base_url = "{server.url_for("/").rstrip("/")}"
monthly_read_cap = {cap}
read_unit = "{unit}"
max_pages = 3

[[contacts]]
name = "Twitter"
priority = 3
x = "Twitter"
""",
        encoding="utf-8",
    )
    return path


def run_collect(tmp_path: Path, config: Path) -> str:
    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "--db", str(tmp_path / "listen.db"), "collect", "--all"],
        env={"LISTEN_X_BEARER_TOKEN": TOKEN},
    )
    assert result.exit_code == 0, result.output
    return result.output


def reads_line(output: str) -> tuple[int, int]:
    match = re.search(
        r"X reads this month: (\d+) / (\d+) (?:posts|requests) \((\d+) left\)", output
    )
    assert match, output
    assert int(match[3]) == max(0, int(match[2]) - int(match[1]))
    return int(match[1]), int(match[2])


def test_collect_stores_posts_once_detects_engagements_and_counts_reads(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    serve_all(httpserver)
    config = write_config(tmp_path, httpserver, cap=100)

    first = run_collect(tmp_path, config)
    second = run_collect(tmp_path, config)

    with Store.open(tmp_path / "listen.db") as store:
        assert store.count("posts") == 3
        assert store.count("engagements") == 2 + 96  # reply + quote + likes, each once
        posts = {row["id"]: row for row in store.db["posts"].rows}
        assert posts["1394735776701816833"]["kind"] == "repost"
        liked = {row["post_id"] for row in store.db["engagements"].rows_where("kind = 'like'")}
        assert {"1577730467436138524", "1565318587736285184"} <= liked
        identity = next(store.db["identities"].rows_where("platform = 'x'"))
        assert identity["resolved_id"] == TWITTER_ID
        spent = store.api_reads("x", month_key(datetime.now(UTC)))
    # Run 1: 2 lookups, 2 timeline pages for @Twitter, own timeline, 2 pages of likes (the
    # history, to its end); run 2: no lookups, and likes stop at the first page (all known).
    assert reads_line(first) == (7, 100)
    assert reads_line(second) == (7 + 3, 100)
    assert spent == 10
    lookups = [r for r, _ in httpserver.log if r.path.startswith("/2/users/by/username/")]
    assert len(lookups) == 2  # usernames are resolved once


def test_reads_never_exceed_a_small_cap_over_many_runs(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    serve_all(httpserver)
    config = write_config(tmp_path, httpserver, cap=7)
    for _ in range(4):
        output = run_collect(tmp_path, config)
        spent, cap = reads_line(output)
        assert spent <= cap == 7
    assert len(httpserver.log) == spent <= 7


def test_without_a_token_the_run_reports_it_once(tmp_path: Path, httpserver: HTTPServer) -> None:
    config = write_config(tmp_path, httpserver, cap=100)
    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "--db", str(tmp_path / "listen.db"), "collect", "--all"],
        env={"LISTEN_X_BEARER_TOKEN": ""},
    )
    assert result.exit_code == 1
    assert result.output.count("LISTEN_X_BEARER_TOKEN") == 1
    assert "Traceback" not in result.output
    assert httpserver.log == []


def test_engagements_found_before_the_post_join_it_later(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """Order independence: the likes arrive first, the liked post is collected afterwards."""
    serve_all(httpserver)
    x = collector(x_config(httpserver))
    with Store.open(tmp_path / "listen.db") as store:
        contact = store.upsert_contact("Twitter", identities=[("x", "Twitter")])
        store.sync_sources({"x": "dappdavid99"}, ["x"])
        sources = {s.kind: s for s in store.sources(platforms=["x"])}
        assert sources["author"].contact_id == contact

        mine = x.collect(sources["self"])
        store.save_result(sources["self"], mine, now=NOW, next_poll_at=NOW)
        like = store.db["engagements"].get("x:like:1577730467436138524")
        assert store.post_platform(like["post_id"]) is None  # kept, though the post is unknown

        theirs = x.collect(sources["author"])
        store.save_result(sources["author"], theirs, now=NOW, next_poll_at=NOW)
        assert store.post_platform("1577730467436138524") == "x"
        engaged = {row["post_id"] for row in store.db["engagements"].rows}
        collected = {row["id"] for row in store.db["posts"].rows}
        assert engaged & collected == {"1577730467436138524", "1565318587736285184"}


def test_x_read_status_reports_this_month(tmp_path: Path) -> None:
    with Store.open(tmp_path / "listen.db") as store:
        store.add_api_reads("x", "2026-10", 50, now=NOW)
        store.add_api_reads("x", "2026-11", 4, now=NOW)
        store.add_api_reads("x", "2026-11", 3, now=NOW)
        legacy = parse_config({"x": {"monthly_read_cap": 100}}, path=None, env={})
        status = app.x_read_status(legacy, store, NOW)
        assert (status.spent, status.allowance, status.unit) == (7, 100, "posts")
        december = app.x_read_status(legacy, store, datetime(2026, 12, 1, tzinfo=UTC))
        assert (december.spent, december.allowance) == (0, 100)


def test_a_401_is_reported_once_and_stops_spending_reads(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/2/users/by/username/twitter").respond_with_json(
        {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"},
        status=401,
    )
    httpserver.expect_request("/2/users/by/username/dappdavid99").respond_with_json(
        {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"},
        status=401,
    )
    config = write_config(tmp_path, httpserver, cap=100)
    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "--db", str(tmp_path / "listen.db"), "collect", "--all"],
        env={"LISTEN_X_BEARER_TOKEN": "revoked"},
    )
    assert result.exit_code == 1
    assert result.output.count("HTTP 401") == 1
    spent, _ = reads_line(result.output)
    assert spent == len(httpserver.log) <= 2


def test_posts_mode_keeps_a_month_of_runs_under_a_small_post_cap(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """X's real meter: posts received. The loopback, like X, honours max_results."""
    serve_all(httpserver)
    config = write_config(tmp_path, httpserver, cap=40, unit="posts")
    outputs = [run_collect(tmp_path, config) for _ in range(5)]
    spent = [reads_line(output)[0] for output in outputs]
    assert spent == sorted(spent) and 0 < spent[-1] <= 40
    asked = sum(
        int(r.args.get("max_results", 0)) for r, _ in httpserver.log if "max_results" in r.args
    )
    lookups = sum(1 for r, _ in httpserver.log if r.path.startswith("/2/users/by/"))
    assert lookups + asked >= spent[-1]  # never billed for more than was asked for
    with Store.open(tmp_path / "listen.db") as store:
        assert store.count("posts") >= 2  # @Twitter's newest tweets made it in
        assert store.count("engagements") >= 2  # and your reply and quote
