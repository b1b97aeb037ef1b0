"""The Bluesky part of `listen demo`: real collectors against the loopback AppView/PDS."""

from __future__ import annotations

from listen import app
from listen.demo import demo_workspace
from listen.store import Store
from tests.helpers import sql


def test_demo_collects_bluesky_posts_and_the_demo_users_engagements() -> None:
    with demo_workspace() as workspace, Store.open(workspace.db_path) as store:
        options = app.CollectOptions(only_due=False, platforms=("bluesky",))
        first = app.collect(workspace.config, store, options)
        assert not first.failed
        # 15 by Alice and Marshal, and Carol's reply to the demo user
        assert first.new_posts_by_platform() == {"bluesky": 16}
        matched = sql(
            store,
            "SELECT e.kind, p.author_handle FROM engagements e JOIN posts p ON p.id = e.post_id"
            " ORDER BY e.kind, p.author_handle",
        )
        assert matched == [
            ("like", "alice.test"),
            ("like", "alice.test"),
            ("quote", "alice.test"),
            ("reply", "alice.test"),
            ("repost", "test.marshal.dev"),
        ]
        requests_before = len(workspace.server.requests)
        again = app.collect(workspace.config, store, options)
        assert sum(o.new_posts + o.new_engagements for o in again.outcomes) == 0
        # A routine run: one feed page per contact, one listRecords page per collection, and
        # the demo user's own feed (the demo AppView sends a cursor with its one page: two
        # requests) whose counts did not move: no listing is read again.
        paths = sorted(
            r.path.rsplit(".", 1)[1] for r in workspace.server.requests[requests_before:]
        )
        assert paths == ["getAuthorFeed"] * (3 + 2) + ["listRecords"] * 3
