"""Labels and as-of features from the user's own history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from listen.models.history import history_examples, label_for
from listen.store import Store
from tests.models.classifier_history import START, History, add_posts, make_contacts

NOW = datetime(2026, 3, 1, tzinfo=UTC)
WINDOW = timedelta(days=3)


def test_label_rules() -> None:
    assert label_for(["like", "reply"], None, None, NOW, WINDOW) == "comment"
    assert label_for(["repost"], None, None, NOW, WINDOW) == "share"
    assert label_for(["quote", "like"], None, None, NOW, WINDOW) == "share"
    assert label_for(["like"], None, None, NOW, WINDOW) == "like"
    assert label_for(["reply"], "skip", None, NOW, WINDOW) == "skip"  # a mark wins
    assert label_for([], "done", None, NOW, WINDOW) == "comment"
    shown = NOW - timedelta(days=4)
    assert label_for([], None, shown, NOW, WINDOW) == "skip"
    assert label_for([], None, NOW - timedelta(days=1), NOW, WINDOW) is None  # still open
    assert label_for([], None, None, NOW, WINDOW) is None  # never shown: unknown


def test_history_examples_from_a_store(tmp_path: Path) -> None:
    with Store.open(tmp_path / "listen.db") as store:
        contacts = make_contacts(store)
        add_posts(store, contacts, 0, [("zoe", "Hive check", True), ("ann", "Lunch", False)])
        add_posts(store, contacts, 1, [("zoe", "Honey harvest", True)])
        add_posts(store, contacts, 2, [("ann", "Coffee", False)], engaged_kind="like")
        store.mark_post("at://ann/post/0-1", "share", now=START + timedelta(days=5))
        examples = history_examples(store.training_history(), START + timedelta(days=3))
    by_id = {e.post.id: e for e in examples}
    assert by_id["at://zoe/post/0-0"].label == "comment"
    assert by_id["at://ann/post/0-1"].label == "share"  # marked, overriding the digest skip
    assert "at://ann/post/2-0" not in by_id  # shown less than three days ago: unknown yet
    second = by_id["at://zoe/post/1-0"].post
    # As of the second Zoe post, the first existed and was replied to; nothing later counts.
    assert second.contact_posts == 1
    assert second.contact_engaged_posts == 1
    assert second.last_engaged_at == START + timedelta(hours=3)
    first = by_id["at://zoe/post/0-0"].post
    assert first.contact_posts == 0
    assert first.contact_engaged_posts == 0
    assert first.last_engaged_at is None  # its own reply came later


def test_no_example_sees_the_future(history: History) -> None:
    history_rows = history.store.training_history()
    examples = history_examples(history_rows, history.last_post_at + timedelta(days=5))
    engagement_times = sorted(datetime.fromisoformat(at) for _, _, at in history_rows.engagements)
    for example in examples:
        post = example.post
        if post.last_engaged_at is not None:
            assert post.last_engaged_at < example.as_of
        known = sum(1 for t in engagement_times if t < example.as_of)
        assert post.contact_engaged_posts <= known


def test_replies_and_shares_are_counted_per_contact(tmp_path: Path) -> None:
    """As of each post, and now for scoring: how many of the author's posts the user replied
    to and how many it passed on (a quote counts as a share, a like as neither)."""
    with Store.open(tmp_path / "listen.db") as store:
        contacts = make_contacts(store)
        add_posts(store, contacts, 0, [("zoe", "Hive check", True)])
        add_posts(store, contacts, 0, [("ann", "Slides are up", True)], engaged_kind="quote")
        add_posts(store, contacts, 0, [("bob", "Lunch", True)], engaged_kind="like")
        later = add_posts(store, contacts, 1, [("zoe", "Honey", False), ("ann", "Notes", False)])
        add_posts(store, contacts, 1, [("bob", "Coffee", False)])
        examples = history_examples(store.training_history(), START + timedelta(days=6))
        scoring = {row.id: row for row in store.posts_for_scoring()}
    counts = {
        e.post.id: (e.post.contact_replied_posts, e.post.contact_shared_posts) for e in examples
    }
    assert counts[later[0]] == (1, 0)  # Zoe: replied to once
    assert counts[later[1]] == (0, 1)  # Ann: shared once
    assert counts["at://bob/post/1-0"] == (0, 0)  # Bob: only liked
    assert counts["at://zoe/post/0-0"] == (0, 0)  # its own reply is not its author's history
    now = {i: (r.contact_replied_posts, r.contact_shared_posts) for i, r in scoring.items()}
    assert now[later[0]] == (1, 0) and now[later[1]] == (0, 1)
    assert now["at://bob/post/1-0"] == (0, 0)
