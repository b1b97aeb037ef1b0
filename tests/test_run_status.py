"""`listen run` and `listen status` as cron and their reader see them: failures recorded in
`runs.errors` (steps too), remote error text made harmless, a status that fits 60 columns."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from listen.app import pipeline
from listen.cli import cli
from listen.errors import InputError
from tests.fault_server import FaultServer, feed, respond
from tests.helpers import read_data
from tests.reliability_helpers import SRC, cli_env, listen_argv, run_listen
from tests.reliability_helpers import write_feeds_config as feeds_config

HEATED = read_data("feeds/feed-rs_rss_2.0_heated.xml")
# What a hostile server might put in an error message: set the window title, clear the screen,
# then fake a line of output.
HOSTILE = "\x1b]0;pwned\x07\x1b[2Jservice down\nrun 99: all fine\r\x9b31m"


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as s:
        yield s


def last_run(db: Path) -> tuple[str, list[dict[str, object]]]:
    with sqlite3.connect(db) as conn:
        status, errors = conn.execute(
            "SELECT status, errors FROM runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
    return status, json.loads(errors)


def test_a_failing_step_is_recorded_in_runs_errors(
    tmp_path: Path, server: FaultServer, monkeypatch
):
    def classify(config, store, directory):
        raise InputError("model file is damaged")

    monkeypatch.setattr(pipeline, "classify", classify)
    feeds = {"Ok": server.add("/ok", feed(HEATED)), "Bad": server.add("/bad", respond(500))}
    config = feeds_config(tmp_path / "c.toml", feeds)
    db = tmp_path / "l.db"
    result = CliRunner().invoke(cli, ["--config", str(config), "--db", str(db), "run"])
    assert result.exit_code == 1
    status, errors = last_run(db)
    assert status == "partial"
    assert [(e["step"], e["error"]) for e in errors] == [
        ("collect", "HTTP 500"),
        ("classify", "model file is damaged"),
    ]
    assert errors[0]["target"] == feeds["Bad"]
    document = json.loads(
        CliRunner()
        .invoke(cli, ["--config", str(config), "--db", str(db), "status", "--format", "json"])
        .output
    )
    assert document["last_run"]["errors"] == errors  # nested JSON, not a string inside JSON
    text = CliRunner().invoke(cli, ["--config", str(config), "--db", str(db), "status"])
    assert "partial (classify failed)" in text.output


def test_a_failing_step_marks_an_otherwise_clean_run_partial(
    tmp_path: Path, server: FaultServer, monkeypatch
):
    def classify(config, store, directory):
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(pipeline, "classify", classify)
    config = feeds_config(tmp_path / "c.toml", {"Ok": server.add("/ok", feed(HEATED))})
    db = tmp_path / "l.db"
    CliRunner().invoke(cli, ["--config", str(config), "--db", str(db), "run"])
    assert last_run(db) == (
        "partial",
        [{"step": "classify", "error": "internal error: ZeroDivisionError('bug')"}],
    )


def test_status_fits_60_columns(tmp_path: Path, server: FaultServer):
    long_path = "/feeds/" + "a-rather-long-feed-name-" * 3 + "atom.xml"
    feeds = {
        "Ok": server.add(long_path, feed(HEATED)),
        "Bad": server.add("/bad", respond(500)),
    }
    config = feeds_config(tmp_path / "c.toml", feeds, collect={"failing_after_errors": 2})
    db = tmp_path / "l.db"
    args = ["--config", str(config), "--db", str(db)]
    for _ in range(2):
        CliRunner().invoke(cli, [*args, "collect", "--all"])
    result = CliRunner().invoke(cli, [*args, "status"], env={"COLUMNS": "60"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert all(len(line) <= 60 for line in lines), "\n".join(lines)
    assert lines[0].startswith("Last run 2 (collect): partial, started ")
    header = next(line for line in lines if line.split()[:1] == ["source"])
    assert header.split() == ["source", "last", "ok", "errors", "next", "poll"]
    assert "blog" in [line.strip() for line in lines]  # the platform heading
    rows = [line.split() for line in lines if line.startswith("   127.0.0.1:")]
    assert sorted(row[-3] for row in rows) == ["0", "2"], rows  # the errors column
    # The long feed URL folds in its column instead of being cut off with an ellipsis.
    assert "a-rather-long-feed-name-" * 3 in "".join(line.strip() for line in lines)
    assert "…" not in result.output
    flattened = " ".join(" ".join(lines).split())
    assert f"! blog {feeds['Bad']}: failing: 2 errors in a row since" in flattened
    assert "; last error: HTTP 500" in flattened
    assert lines[-1] == "1 source(s) need attention."


def x_config(tmp_path: Path, httpserver: HTTPServer) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        "[blog]\nenabled = false\n[bluesky]\nenabled = false\n[mastodon]\nenabled = false\n"
        f'[x]\nbase_url = "{httpserver.url_for("/").rstrip("/")}"\n\n'
        '[[contacts]]\nname = "Twitter"\nx = "Twitter"\n',
        encoding="utf-8",
    )
    return path


def test_remote_error_text_is_stripped_of_terminal_escapes(tmp_path: Path, httpserver: HTTPServer):
    httpserver.expect_request("/2/users/by/username/twitter").respond_with_json(
        {"errors": [{"message": HOSTILE}]}, status=503
    )
    config = x_config(tmp_path, httpserver)
    db = tmp_path / "listen.db"
    env = {"LISTEN_X_BEARER_TOKEN": "test-bearer-0123456789"}
    result = run_listen(config, db, "run", env=env)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "failed: x twitter: HTTP 503 from X: service down run 99: all fine"
    ]
    with sqlite3.connect(db) as conn:
        stored = [conn.execute("SELECT last_error FROM sources").fetchone()[0]]
        stored += [
            e["error"] for e in json.loads(conn.execute("SELECT errors FROM runs").fetchone()[0])
        ]
    assert stored == ["HTTP 503 from X: service down run 99: all fine"] * 2
    for command in (("collect", "--all"), ("status",), ("status", "--format", "json")):
        shown = run_listen(config, db, *command, env=env)
        out = shown.stdout + shown.stderr
        assert "service down" in out, command
        assert not any(ch in out for ch in "\x1b\x07\x9b\r"), (command, out)
        assert "pwned" not in out and "[2J" not in out


def test_old_rows_with_escapes_are_cleaned_when_shown(tmp_path: Path, server: FaultServer):
    """Rows stored before errors were cleaned at the source are cleaned on display."""
    feeds = {"Bad": server.add("/bad", respond(500))}
    config = feeds_config(tmp_path / "c.toml", feeds)
    db = tmp_path / "l.db"
    run_listen(config, db, "collect", "--all")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE sources SET last_error = ?", (HOSTILE,))
    shown = run_listen(config, db, "status")
    assert "service down run 99: all fine" in shown.stdout
    assert not any(ch in shown.stdout for ch in "\x1b\x07\x9b\r")
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE sources SET enabled = 0, disabled_reason = 'HTTP 410', last_error = NULL"
        )
    shown = run_listen(config, db, "status")
    assert f"! blog {feeds['Bad']}: disabled: HTTP 410\n" in shown.stdout
    assert "last error" not in shown.stdout and "disabled" in shown.stdout.split("\n!")[0]


def test_a_crashing_collector_is_one_line_on_stderr_and_a_traceback_in_the_log(tmp_path: Path):
    config = feeds_config(tmp_path / "c.toml", {"A": "http://127.0.0.1:9/a"})
    db = tmp_path / "l.db"
    crash = (
        "import sys; from listen.collectors import base;"
        " base.REGISTRY['blog'] = 'tests.test_run_pipeline:ExplodingCollector';"
        " from listen.cli import main; sys.argv[0] = 'listen'; main()"
    )
    argv = listen_argv(config, db, "run")
    env = cli_env()
    env["PYTHONPATH"] = f"{SRC}:{SRC.parent}"
    result = subprocess.run(
        [sys.executable, "-c", crash, *argv[3:]],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "failed: blog http://127.0.0.1:9/a: internal error: KeyError: 'a parser bug'"
    ]
    log = (tmp_path / "listen.log").read_text()
    assert "Traceback" in log and "KeyError: 'a parser bug'" in log


def test_run_takes_v_after_the_command_too(tmp_path: Path, server: FaultServer):
    config = feeds_config(tmp_path / "c.toml", {"Ok": server.add("/ok", feed(HEATED))})
    db = tmp_path / "l.db"
    result = run_listen(config, db, "run", "-v")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("run 1: 1 sources polled (0 failed), ")
    assert run_listen(config, db, "run").stdout == ""  # still silent without it


def test_status_before_the_first_run_says_what_to_do(tmp_path: Path):
    config = feeds_config(
        tmp_path / "c.toml", {"A": "http://127.0.0.1:9/a", "B": "http://127.0.0.1:9/b"}
    )
    args = ["--db", str(tmp_path / "l.db"), "status"]
    configured = CliRunner().invoke(cli, ["--config", str(config), *args])
    assert "No sources polled yet: `listen run` polls your 2 contact(s)." in configured.output
    (tmp_path / "empty.toml").write_text("")
    empty = CliRunner().invoke(cli, ["--config", str(tmp_path / "empty.toml"), *args])
    assert "No sources: add contacts first (`listen contacts add`)." in empty.output


def test_score_with_nothing_to_score_does_not_send_the_user_to_digest(tmp_path: Path):
    (tmp_path / "empty.toml").write_text("")
    args = ["--config", str(tmp_path / "empty.toml"), "--db", str(tmp_path / "l.db"), "score"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0
    assert result.output.startswith("No activity to score yet: no posts from your contacts")
    assert "`listen run` collects both" in result.output and "listen digest" not in result.output


def test_posts_and_suggestions_do_not_pass_terminal_escapes_from_post_text(
    tmp_path: Path, server: FaultServer
):
    items = [
        {
            "id": f"https://evil.example/{n}",
            "url": f"https://evil.example/{n}",
            "title": f"Question {n}?\x1b]0;pwned\x07\x1b[2J what do you think",
            "content_text": "I start a new job on Monday after eight months of searching and I"
            " am nervous: any advice for the first week as a team lead?"
            " \x1b[31mred\x1b[0m",
            "date_published": "2026-11-20T10:00:00Z",
        }
        for n in range(2)
    ]
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "E", "items": items})
    url = server.add("/feed.json", feed(body.encode(), "application/feed+json"))
    config = feeds_config(tmp_path / "c.toml", {"Eve": url})
    args = ["--config", str(config), "--db", str(tmp_path / "l.db")]
    assert CliRunner().invoke(cli, [*args, "run"]).exit_code == 0
    for command in (["posts"], ["classify", "--rescore", "--show", "5"]):
        result = CliRunner().invoke(cli, [*args, *command], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        assert "Question 1? what do you think" in result.output, command
        assert not any(ch in result.output for ch in "\x1b\x07"), (command, result.output)


def test_score_fits_a_60_column_terminal(tmp_path: Path):
    from tests.test_cli_digest import NOW_ARG, fill

    db = tmp_path / "listen.db"
    fill(db)
    args = ["--db", str(db)]
    CliRunner().invoke(cli, [*args, "digest", "--now", NOW_ARG])  # an opportunity shown
    CliRunner().invoke(cli, [*args, "mark", "at://ann/1", "comment"])
    score = [*args, "score", "--now", "2026-12-01T00:00:00Z", "--window", "3650d"]
    narrow = CliRunner().invoke(cli, score, env={"COLUMNS": "60"}).output
    wide = CliRunner().invoke(cli, score, env={"COLUMNS": "200"}).output
    assert max(len(line) for line in narrow.splitlines()) <= 60, narrow
    assert max(len(line) for line in wide.splitlines()) > 60  # the same text, not cut
    assert narrow.split() == wide.split()
    labels = ("bluesky ", "people ")  # each block's first line; the rest wrap under it
    assert all(line.startswith(("          ", *labels)) for line in narrow.splitlines())
    assert [line.split()[0] for line in narrow.splitlines() if line[0] != " "] == [
        "bluesky",
        "people",
    ]


def test_short_times_keep_the_year_when_it_is_not_this_one():
    from listen.cli import _short_time
    from listen.clock import utcnow

    year = utcnow().year
    assert _short_time(f"{year}-03-04T05:06:07+00:00") == "03-04 05:06"
    assert _short_time(f"{year - 1}-03-04T05:06:07+00:00") == f"{year - 1}-03-04"
    assert _short_time(None) is None
