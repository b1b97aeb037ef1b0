"""The demo's X part runs the real collector against the loopback server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from listen import app
from listen.demo import demo_workspace
from listen.store import Store


def test_demo_collects_x_posts_and_engagements_within_the_budget() -> None:
    with demo_workspace() as workspace, Store.open(workspace.db_path) as store:
        options = app.CollectOptions(only_due=False, platforms=("x",))
        first = app.collect(workspace.config, store, options)
        second = app.collect(workspace.config, store, options)

        assert not first.failed and not second.failed
        assert first.new_posts_by_platform() == {"x": 3}
        # Your reply and quote, and the like history as far as the first poll's allowance
        # reaches (64 of the recording's 96 likes); the second poll reads the rest from the
        # kept cursor: nothing lost, nothing twice.
        assert sum(o.new_engagements for o in first.outcomes) == 2 + 64
        assert sum(o.new_posts for o in second.outcomes) == 0
        assert sum(o.new_engagements for o in second.outcomes) == 96 - 64
        status = app.x_read_status(workspace.config, store)
        # Run 1: @Twitter's lookup ($0.010) and 2 + 1 tweets ($0.005 each); your lookup, your
        # 1 own tweet and 64 likes at the owned-read price ($0.001 each).
        assert sum(o.reads for o in first.outcomes) == 10_000 + 3 * 5_000 + 10_000 + 65 * 1_000
        # Posts returned twice in one UTC day are billed once: spent is below what was read.
        read = sum(o.reads for o in first.outcomes + second.outcomes)
        assert status.spent < read and status.allowance == 5_000_000
        timelines = [r for r in workspace.server.requests if r.path.startswith("/2/users/")]
        since = [r.arg("since_id") for r in timelines if r.path.endswith("/tweets")]
        assert len(since) == 5 and all(since[-2:])  # run 2 asked only for newer tweets


def test_listen_demo_shows_the_x_read_budget(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "COLUMNS": "120"}
    env.pop("LISTEN_X_BEARER_TOKEN", None)  # the demo brings its own fake token
    done = subprocess.run(
        [sys.executable, "-m", "listen", "demo"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    # Both collections print the budget in dollars: the first spends $0.100 on reads, less
    # two liked tweets the timeline had already returned that UTC day (billed once); the
    # second reads the rest of the like history from the kept cursor.
    assert "X budget this month: $0.098 / $5.00 ($4.90 left: 980 posts at $0.005)" in done.stdout
    assert "X budget this month: $0.13 / $5.00 ($4.87 left: 974 posts at $0.005)" in done.stdout
    # First day: the follows of one recorded account per platform; a verified rel=me field on
    # mastodonpy_test_2 names bob.test, a Bluesky domain handle alice follows: one person.
    # (alice.test also follows carol.test, a demo contact already)
    assert "Imported 3 new contacts from bluesky alice.test (1 already known" in done.stdout
    assert "merged display-bob into Mastodon.py Tester: Bluesky handle bob.test" in done.stdout
    # People: the digest opens with who talked to you; one contact's story; the circle
    assert "They talked to you\n  1. Carol Replies · bluesky · replied" in done.stdout
    story = done.stdout.split("People: Carol Replies's story")[1]
    assert "next step: they replied to you" in story and "they liked your post" in story
    assert (
        "6. Your circle" in done.stdout and "listen contacts add bobby --bluesky bob.test" in story
    )
    assert "  Mastodon.py Tester: bluesky, mastodon" in done.stdout
    assert "Importing 35 X follows costs about $0.35" in done.stdout
    assert "X: this import cost $0.36." in done.stdout  # the lookup and 35 users at $0.010
    assert done.stdout.rstrip().endswith(
        "X budget this month: $0.49 / $5.00 ($4.51 left: 902 posts at $0.005)"
    )
    assert "failed x" not in done.stdout
