"""What `listen status` and `listen contacts list` show (issue 13, items 4, 9 and 10): no
password from a feed URL, the gaps still to backfill, and the contacts the config declares."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from listen.cli import cli
from listen.store import Store
from listen.types import CollectResult

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
FEED = "https://reader:hunter2secret@feeds.example/private.xml"


def listen(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_password_in_a_feed_url_is_masked_in_status_and_contacts_list(tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    listen("--db", db, "contacts", "add", "Ada", "--blog", FEED)
    with Store.open(db) as store:
        store.sync_sources({}, ["blog"])
    shown = [
        listen("--db", db, "status"),
        listen("--db", db, "status", "--format", "json"),
        listen("--db", db, "contacts", "list"),
        listen("--db", db, "contacts", "list", "--format", "json"),
    ]
    for output in shown:
        assert "hunter2secret" not in output
    assert "reader:[REDACTED]@feeds.example" in shown[1] + shown[3]


def test_status_says_when_older_posts_are_still_to_be_read(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    listen("--db", str(db), "contacts", "add", "Ann", "--mastodon", "ann@social.example")
    with Store.open(db) as store:
        store.sync_sources({}, ["mastodon"])
        (source,) = store.sources()
        gap = {"newer_than": "1", "resume_from": "2"}
        store.save_result(source, CollectResult(state={"gaps": [gap]}), now=NOW, next_poll_at=NOW)
    text = listen("--db", str(db), "status")
    assert "backfilling 1 range of older posts" in text
    (row,) = json.loads(listen("--db", str(db), "status", "--format", "json"))["sources"]
    assert row["backlog"].startswith("backfilling")


def test_contacts_declared_in_the_config_are_listed_before_the_first_collect(
    tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    config = write_config(
        '[[contacts]]\nname = "Cfg"\npriority = 3\nblog = ["https://cfg.example/feed"]\n'
    )
    db = str(tmp_path / "l.db")
    listen("--db", db, "contacts", "add", "Cli", "--x", "cli")
    rows = json.loads(
        listen("--config", str(config), "--db", db, "contacts", "list", "--format", "json")
    )
    assert [(r["name"], r["identities"]) for r in rows] == [
        ("Cfg", [{"platform": "blog", "handle": "https://cfg.example/feed"}]),
        ("Cli", [{"platform": "x", "handle": "cli"}]),
    ]


def test_collect_reports_failed_sources_on_stderr(tmp_path: Path) -> None:
    from tests.fault_server import refused_url
    from tests.reliability_helpers import run_listen, write_feeds_config

    config = write_feeds_config(tmp_path / "c.toml", {"Gone": refused_url()})
    result = run_listen(config, tmp_path / "l.db", "collect")
    assert result.returncode == 1
    assert "failed blog" in result.stderr and "cannot connect" in result.stderr
    assert "cannot connect" not in result.stdout  # the summary table stays on stdout
