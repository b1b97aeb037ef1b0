"""Table `interactions`: stored once whichever path saw it, linked to contacts by identity
(even identities added later), answered, introductions; the views people open in Datasette."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from listen.store import Store
from listen.types import CollectResult, Engagement, Interaction, Post
from tests.helpers import add_contact_posts, sql
from tests.test_store_views import open_at_version

NOW = datetime(2024, 11, 20, 12, 0, tzinfo=UTC)
DID = "did:plc:7sqxh4mfnyysmuu34o2bn7fz"
OUR = "at://did:plc:me/app.bsky.feed.post/3l1"


def like(path: str, handle: str = "eve.test", did: str = DID) -> Interaction:
    return Interaction(
        "bluesky", "like", handle, did, our_post=OUR, created_at=NOW, detected_by=path
    )


def reply(their: str, handle: str = "eve.test", at: datetime = NOW) -> Interaction:
    return Interaction(
        "bluesky",
        "reply",
        handle,
        DID,
        our_post=OUR,
        their_post=their,
        created_at=at,
        url="https://bsky.app/profile/eve.test/post/x",
        text="Nice\x1b[2J one",
        detected_by="notification",
    )


def test_the_same_like_seen_by_notification_and_public_listing_is_stored_once(
    store: Store,
) -> None:
    assert store.insert_interactions([like("notification")], now=NOW) == 1
    assert store.insert_interactions([like("public"), like("public")], now=NOW) == 0
    # the same reply: from notifications (mention-less) and from getPostThread
    assert store.insert_interactions([reply("at://eve/post/1")], now=NOW) == 1
    public = Interaction(
        "bluesky", "reply", "EVE.test", DID, OUR, "at://eve/post/1", NOW, detected_by="public"
    )
    assert store.insert_interactions([public], now=NOW) == 0
    assert sql(store, "SELECT count(*) FROM interactions") == [(2,)]


def test_interactions_join_their_contact_by_handle_or_did_even_when_added_later(
    store: Store,
) -> None:
    store.insert_interactions([like("public"), reply("at://eve/post/1")], now=NOW)
    assert sql(store, "SELECT DISTINCT contact_id FROM interactions") == [(None,)]
    eve = store.upsert_contact("Eve", identities=[("bluesky", "eve.test")])
    assert sql(store, "SELECT DISTINCT contact_id FROM interactions") == [(eve,)]
    # a handle change: the DID still names her
    later = replace(like("public", handle="eve.new"), our_post="at://did:plc:me/post/2")
    store.insert_interactions([later], now=NOW + timedelta(1))
    renamed = sql(store, "SELECT contact_id FROM interactions WHERE actor_handle = 'eve.new'")
    assert renamed == [(None,)]  # her DID is not known yet
    store.set_resolved_id("bluesky", "eve.test", DID)
    renamed = sql(store, "SELECT contact_id FROM interactions WHERE actor_handle = 'eve.new'")
    assert renamed == [(eve,)]
    store.remove_contact("Eve")
    assert sql(store, "SELECT DISTINCT contact_id FROM interactions") == [(None,)]


def test_a_blog_commenter_joins_the_only_contact_on_their_host(store: Store) -> None:
    grace = store.upsert_contact("Grace", identities=[("blog", "https://grace.example.org/feed")])
    store.upsert_contact("Ann", identities=[("blog", "https://shared.example.com/ann/feed")])
    store.upsert_contact("Bob", identities=[("blog", "https://shared.example.com/bob/feed")])

    def comment(n: int, host: str) -> Interaction:
        return Interaction(
            "blog",
            "comment",
            f"https://{host}/",
            host,
            "https://me/p",
            f"https://me/p#c{n}",
            NOW,
            detected_by="comment-feed",
        )

    store.insert_interactions(
        [comment(1, "grace.example.org"), comment(2, "shared.example.com")], now=NOW
    )
    rows = sql(store, "SELECT their_post, contact_id FROM interactions ORDER BY their_post")
    assert rows == [("https://me/p#c1", grace), ("https://me/p#c2", None)]


def test_a_poll_stores_its_interactions_in_its_transaction_cleaned(store: Store) -> None:
    store.sync_sources({"bluesky": "me.test"}, ["bluesky"], {"bluesky": "me.test"})
    (source,) = store.sources(kinds=["inbound"])
    result = CollectResult(interactions=(reply("at://eve/post/1"),))
    from listen.app.collection import as_stored

    counts = store.save_result(source, as_stored(result, NOW), now=NOW, next_poll_at=NOW)
    assert counts.new_interactions == 1
    assert sql(store, "SELECT text, source_id FROM interactions") == [("Nice one", source.id)]


def test_an_answer_or_a_mark_takes_a_reply_off_the_unanswered(store: Store) -> None:
    eve = store.upsert_contact("Eve", identities=[("bluesky", "eve.test")])
    old = NOW - timedelta(days=2)
    store.insert_interactions(
        [reply("at://eve/post/1", at=old), reply("at://eve/post/2", at=old), like("public")],
        now=NOW,
    )
    waiting = store.unanswered(NOW - timedelta(days=14), NOW)
    assert [(i.their_post, i.contact_id, i.contact) for i in waiting] == [
        ("at://eve/post/1", eve, "Eve"),
        ("at://eve/post/2", eve, "Eve"),
    ]
    answer = Engagement("at://me/reply/9", "at://eve/post/1", "bluesky", "reply", NOW)
    store.insert_engagements([answer], now=NOW)
    assert store.answer_interaction("at://eve/post/2", now=NOW) == "at://eve/post/2"
    assert store.answer_interaction("at://nobody", now=NOW) is None
    assert store.unanswered(NOW - timedelta(days=14), NOW) == []


def test_an_intro_is_an_outbound_interaction_with_the_posts_author(store: Store) -> None:
    post = Post("at://eve/post/7", "bluesky", author_handle="eve.test", created_at=NOW)
    eve = add_contact_posts(store, "Eve", "bluesky", "eve.test", [post], now=NOW)
    store.record_intro(post.id, now=NOW)
    store.record_intro(post.id, now=NOW + timedelta(hours=1))  # marked again: still one
    rows = sql(store, "SELECT direction, kind, contact_id, created_at FROM interactions")
    assert rows == [("out", "intro", eve, "2024-11-20T13:00:00+00:00")]
    (fact,) = store.outbound_between(NOW - timedelta(days=1), NOW + timedelta(days=1))
    assert (fact.kind, fact.contact_id) == ("intro", eve)
    assert store.contact_names([eve]) == {eve: "Eve"}


def test_the_views_show_interactions_with_contacts_and_the_circle(store: Store) -> None:
    eve = store.upsert_contact("Eve", priority=3, identities=[("bluesky", "eve.test")])
    store.upsert_contact("Quiet", identities=[("bluesky", "quiet.test")])
    recent = datetime.now(UTC) - timedelta(days=1)
    store.insert_interactions([reply("at://eve/post/1", at=recent)], now=recent)
    log = sql(store, "SELECT contact, kind, their_post_collected FROM interaction_log")
    assert log == [("Eve", "reply", 0)]
    circle = sql(
        store,
        "SELECT contact, priority, last_in IS NOT NULL, touches_7d FROM circle ORDER BY contact",
    )
    assert circle == [("Eve", 3, 1, 1), ("Quiet", 2, 0, 0)]
    assert eve


def test_migration_13_arrives_on_an_older_database(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = open_at_version(path, 12)
    old.close()
    with Store.open(path) as upgraded:
        upgraded.upsert_contact("Eve", identities=[("bluesky", "eve.test")])
        assert upgraded.insert_interactions([like("public")], now=NOW) == 1
        assert sql(
            upgraded, "SELECT c.name FROM interactions i JOIN contacts c ON c.id = i.contact_id"
        ) == [("Eve",)]
