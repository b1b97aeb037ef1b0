"""Output on a narrow terminal and through a pipe: nothing truncated, no ANSI codes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from rich.console import Console

from listen.cli import cli, render_run_summary
from listen.types import RunSummary, SourceOutcome
from tests.helpers import read_data

HEADERS = ("platform", "sources", "posts", "engagements", "unchanged", "failed")


def test_run_summary_fits_60_columns_with_every_platform_and_header_whole() -> None:
    start = datetime(2024, 5, 31, 8, tzinfo=UTC)
    outcomes = tuple(
        SourceOutcome(n, platform, f"target-{n}", new_posts=12, new_engagements=3)
        for n, platform in enumerate(("blog", "bluesky", "mastodon", "x"))
    )
    out = io.StringIO()
    console = Console(file=out, width=60, force_terminal=False)
    render_run_summary(console, RunSummary(7, outcomes, start, start + timedelta(seconds=2)))
    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 60, out.getvalue()
    header = next(line for line in lines if "platform" in line)
    assert header.split() == list(HEADERS)
    rows = {
        line.split()[0]: line.split()[1:]
        for line in lines
        if line.split()[:1] in (["blog"], ["bluesky"], ["mastodon"], ["x"])
    }
    assert rows["mastodon"] == ["1", "12", "3", "0", "0"]
    assert "…" not in out.getvalue()


def test_collect_on_a_narrow_terminal_and_through_a_pipe(
    httpserver: HTTPServer, write_config, tmp_path: Path
) -> None:
    httpserver.expect_request("/heated.xml").respond_with_data(
        read_data("feeds/feed-rs_rss_2.0_heated.xml")
    )
    config = write_config(
        f'[[contacts]]\nname = "Heated"\nblog = ["{httpserver.url_for("/heated.xml")}"]\n'
    )
    db = tmp_path / "l.db"
    result = CliRunner().invoke(
        cli, ["--config", str(config), "--db", str(db), "collect"], env={"COLUMNS": "60"}
    )
    assert result.exit_code == 0, result.output
    table = [line for line in result.output.splitlines() if line.strip()][:4]
    assert all(len(line) <= 60 for line in table), table
    assert any(line.split() == ["blog", "1", "1", "0", "0", "0"] for line in table), table

    # As a user pipes it: a real process, stdout and stderr not terminals, colours not forced.
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TERM")}
    piped = subprocess.run(
        [sys.executable, "-m", "listen", "--db", str(db), "posts"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    assert "\x1b[" not in piped.stdout + piped.stderr
    assert "Heated" in piped.stdout


def test_post_headlines_link_to_the_post_on_a_terminal_only_for_http_links() -> None:
    from listen.cli import render_posts
    from listen.facts import RecentPost

    rows = [
        RecentPost(
            id="at://ann/1",
            platform="bluesky",
            kind="post",
            url="https://bsky.app/profile/ann/post/1",
            title=None,
            text="Anyone at the meetup?",
            created_at="2024-05-31T08:00:00+00:00",
            author_handle="ann",
            contact="Ann",
        ),
        RecentPost(
            id="https://mallory.example/1",
            platform="blog",
            kind="article",
            url="javascript:alert(1)",
            title="Click me",
            text="",
            created_at="2024-05-31T07:00:00+00:00",
            author_handle=None,
            contact="Mallory",
        ),
    ]
    terminal = io.StringIO()
    render_posts(Console(file=terminal, width=100, force_terminal=True), rows)
    assert "\x1b]8;id=" in terminal.getvalue()
    assert ";https://bsky.app/profile/ann/post/1\x1b\\" in terminal.getvalue()
    assert "javascript:" not in terminal.getvalue()
    piped = io.StringIO()
    render_posts(Console(file=piped, width=100, force_terminal=False), rows)
    assert "\x1b" not in piped.getvalue()
    assert "Anyone at the meetup?" in piped.getvalue() and "Click me" in piped.getvalue()


def test_text_digest_fits_the_terminal_and_files_keep_78_columns(tmp_path: Path) -> None:
    from listen.store import Store
    from listen.types import Post
    from tests.helpers import add_contact_posts

    now = datetime(2024, 5, 31, 8, tzinfo=UTC)
    words = "Anyone here tried running a homelab with three NUCs and a NAS for backups? " * 3
    db = tmp_path / "l.db"
    with Store.open(db) as store:
        add_contact_posts(
            store,
            "Ann",
            "blog",
            "https://ann.example/feed",
            [Post("https://ann.example/p/1", "blog", title="NUCs", text=words, created_at=now)],
            now=now,
        )
    args = ["--db", str(db), "digest", "--now", "2024-05-31T09:00:00Z"]
    narrow = CliRunner().invoke(cli, args, env={"COLUMNS": "60"})
    assert narrow.exit_code == 0, narrow.output
    body = [line for line in narrow.output.splitlines() if line.startswith("     ")]
    assert len(body) > 4 and max(len(line) for line in body) <= 60
    every = narrow.output.splitlines()  # the title and section lines too, links aside
    assert all(len(line) <= 60 for line in every if not line.strip().startswith("https://"))
    out = tmp_path / "digest.txt"
    CliRunner().invoke(cli, [*args, "--output", str(out)], env={"COLUMNS": "60"})
    lines = [line for line in out.read_text().splitlines() if line.startswith("     ")]
    assert max(len(line) for line in lines) > 60 and max(len(line) for line in lines) <= 78


def test_run_summary_reports_elapsed_time_below_a_second() -> None:
    # Stored timestamps are whole seconds; the summary uses the monotonic elapsed time.
    start = datetime(2024, 5, 31, 8, tzinfo=UTC)
    outcomes = (SourceOutcome(1, "blog", "t", new_posts=1),)
    out = io.StringIO()
    summary = RunSummary(7, outcomes, start, start + timedelta(seconds=1), elapsed_seconds=0.234)
    render_run_summary(Console(file=out, width=80), summary)
    assert "polled in 0.2s" in out.getvalue()
