"""`app.run_pipeline` steps and `listen status` health, in process (CliRunner)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from listen.app import pipeline
from listen.cli import cli
from listen.errors import InputError
from listen.facts import SourceRow
from listen.health import assess_sources
from tests.fault_server import FaultServer, feed
from tests.helpers import read_data
from tests.reliability_helpers import write_feeds_config


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as s:
        yield s


def test_run_classifies_what_it_collected(tmp_path: Path, server: FaultServer):
    import sqlite3

    config = write_feeds_config(
        tmp_path / "c.toml",
        {"E": server.add("/e", feed(read_data("feeds/feed-rs_atom_mediarss_reddit_1.xml")))},
    )
    db = tmp_path / "l.db"
    args = ["--config", str(config), "--db", str(db), "-v", "run"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "; classify: 25 posts scored" in result.output
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM classifications").fetchone()[0] == 25
    again = CliRunner().invoke(cli, args)
    assert "0 new posts" in again.output and "; classify: 0 posts scored" in again.output


def test_a_failing_step_is_reported_and_exits_1(tmp_path: Path, monkeypatch):
    def classify(config, store, directory):
        raise InputError("model file is damaged")

    monkeypatch.setattr(pipeline, "classify", classify)
    config = write_feeds_config(tmp_path / "c.toml", {})
    result = CliRunner().invoke(
        cli, ["--config", str(config), "--db", str(tmp_path / "l.db"), "run"]
    )
    assert result.exit_code == 1
    assert "failed: classify: model file is damaged" in result.output


def test_a_crashing_step_is_reported_without_a_traceback(tmp_path: Path, monkeypatch):
    def classify(config, store, directory):
        raise ZeroDivisionError("model weights are nonsense")

    monkeypatch.setattr(pipeline, "classify", classify)
    config = write_feeds_config(tmp_path / "c.toml", {})
    args = ["--config", str(config), "--db", str(tmp_path / "l.db"), "run"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "failed: classify: internal error: ZeroDivisionError('model weights are nonsense')"
    ]
    assert "Traceback" in (tmp_path / "listen.log").read_text()  # the details are in the log


NOW = datetime(2026, 1, 10, 12, tzinfo=UTC)


def row(**values):
    base = {
        "id": 1,
        "platform": "blog",
        "kind": "feed",
        "target": "u",
        "contact": "A",
        "enabled": True,
        "disabled_reason": None,
        "last_success_at": None,
        "error_count": 0,
        "last_error": None,
        "next_poll_at": None,
        "created_at": "2026-01-01T00:00:00+00:00",
        "last_polled_at": None,
    }
    return SourceRow(**{**base, **values})


def test_health_flags_many_errors_long_failures_and_disabled_sources():
    recent = (NOW - timedelta(hours=2)).isoformat()
    old = (NOW - timedelta(days=2)).isoformat()
    rows = [
        row(id=1, error_count=0, last_success_at=recent),
        row(id=2, error_count=2, last_success_at=recent),  # young failure: not yet
        row(id=3, error_count=5, last_success_at=recent),  # too many
        row(id=4, error_count=1, last_success_at=old),  # too long
        row(id=5, error_count=1, last_success_at=None),  # never worked, created 9 days ago
        row(id=6, enabled=False, disabled_reason="410 Gone"),
    ]
    alerts = {h.id: h.alert for h in assess_sources(rows, NOW, failing_after_errors=5)}
    assert alerts[1] is None and alerts[2] is None
    assert alerts[3] == f"failing: 5 errors in a row since {recent}"
    assert alerts[4] == f"failing: 1 errors in a row since {old}"
    assert alerts[5] == "failing: 1 errors in a row since 2026-01-01T00:00:00+00:00"
    assert alerts[6] == "disabled: 410 Gone"


def test_status_shows_the_x_read_budget(tmp_path: Path):
    from listen.budget import month_key
    from listen.clock import utcnow
    from listen.store import Store

    db = tmp_path / "l.db"
    with Store.open(db) as store:
        store.upsert_contact("Jack", identities=[("x", "jack")])
        store.sync_sources({}, ["x"])
        store.add_api_reads("x", month_key(utcnow()), 80, now=utcnow())
    config = tmp_path / "c.toml"
    config.write_text("[x]\nmonthly_read_cap = 100\n")
    args = ["--config", str(config), "--db", str(db), "status"]
    document = json.loads(CliRunner().invoke(cli, [*args, "--format", "json"]).stdout)
    assert document["budgets"] == {
        "x": {
            "reads_this_month": 80,
            "monthly_cap": 100,
            "left": 20,
            "unit": "posts",
            "lines": ["X reads this month: 80 / 100 posts (20 left)"],
        }
    }
    text = CliRunner().invoke(cli, args)
    assert "X reads this month: 80 / 100 posts (20 left)" in text.output
    blog_only = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "other.db"), "status", "--format", "json"]
    )
    assert json.loads(blog_only.output)["budgets"] == {}


class ExplodingCollector:
    """A blog collector with a bug: stands in for a parser crash on some odd feed."""

    platform = "blog"

    def __init__(self, config, client, settings) -> None:
        pass

    def collect(self, source):
        raise KeyError("a parser bug")


def test_a_collector_bug_fails_the_source_not_the_run(tmp_path: Path, monkeypatch):
    from listen.collectors import base

    monkeypatch.setitem(base.REGISTRY, "blog", f"{__name__}:ExplodingCollector")
    config = write_feeds_config(tmp_path / "c.toml", {"A": "http://127.0.0.1:9/a"})
    result = CliRunner().invoke(
        cli, ["--config", str(config), "--db", str(tmp_path / "l.db"), "run"]
    )
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "failed: blog http://127.0.0.1:9/a: internal error: KeyError: 'a parser bug'"
    ]
    log = (tmp_path / "listen.log").read_text()
    assert "Traceback" in log and "unexpected error polling blog" in log


def test_collect_and_status_word_the_x_reads_alike_in_the_configured_unit(tmp_path: Path):
    from listen.budget import month_key
    from listen.clock import utcnow
    from listen.store import Store

    db = tmp_path / "l.db"
    with Store.open(db) as store:
        store.upsert_contact("Jack", identities=[("x", "jack")])
        store.sync_sources({}, ["x"])
        store.add_api_reads("x", month_key(utcnow()), 7, now=utcnow())
    config = tmp_path / "c.toml"
    config.write_text('[x]\nmonthly_read_cap = 50\nread_unit = "requests"\n')
    base = ["--config", str(config), "--db", str(db)]
    expected = "X reads this month: 7 / 50 requests (43 left)"
    status = CliRunner().invoke(cli, [*base, "status"])
    assert expected in status.output.splitlines(), status.output
    collected = CliRunner().invoke(cli, [*base, "collect", "--platform", "blog"])
    assert expected in collected.output.splitlines(), collected.output
