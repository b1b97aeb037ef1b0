"""The demo's people: what people did with the demo user's posts (recorded listings served
from the loopback AppView and instance) becomes interactions, one story, and the circle."""

from __future__ import annotations

from listen import app
from listen.demo import demo_workspace
from listen.store import Store
from tests.helpers import sql


def test_the_demo_collects_inbound_interactions_and_tells_a_contacts_story() -> None:
    with demo_workspace() as workspace, Store.open(workspace.db_path) as store:
        options = app.CollectOptions(only_due=False, platforms=("bluesky", "mastodon"))
        summary = app.collect(workspace.config, store, options)
        assert not summary.failed
        assert sum(o.new_interactions for o in summary.outcomes) == 4 + 4 + 2 + 1
        linked = sql(
            store,
            "SELECT c.name, i.kind, i.actor_handle FROM interactions i"
            " JOIN contacts c ON c.id = i.contact_id ORDER BY 1, 2",
        )
        # eve.test's DID in the recorded listings is Alice's: her DID names her, not the handle
        assert linked == [
            ("Alice Bluesky", "like", "eve.test"),
            ("Alice Bluesky", "repost", "eve.test"),
            ("Carol Replies", "like", "carol.test"),
            ("Carol Replies", "reply", "carol.test"),
            ("Carol Replies", "repost", "carol.test"),
            ("John Lennon", "like", f"mastodonpy_test@{workspace.server.base_url[7:]}"),
        ]
        # Carol's reply arrived twice: as her post (her feed) and as a reply to you; joined
        assert sql(
            store,
            "SELECT their_post_collected FROM interaction_log"
            " WHERE kind = 'reply' AND contact = 'Carol Replies'",
        ) == [(1,)]
        assert app.most_engaged_contact(store) == "Carol Replies"
        story = app.contact_story(workspace.config, store, "Carol Replies")
        assert story.next_step.action == "answer"
        assert [e.kind for e in story.timeline if e.direction == "in"] == [
            "repost",
            "reply",
            "like",
        ]
        circle = app.circle_report(workspace.config, store)
        assert [t.contact for t in circle.talked] == ["Carol Replies"]
        suggested = {s.handle for s in app.suggest_contacts(store)}
        assert suggested == {"bob.test", "dan.test"}
