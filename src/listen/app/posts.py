"""Posts: the newest ones, the classifier's suggestions, and what the user did with a post."""

from __future__ import annotations

from datetime import datetime

from listen.clock import utcnow
from listen.errors import InputError
from listen.facts import RecentPost, Suggestion
from listen.store import Store


def recent_posts(store: Store, limit: int = 20) -> list[RecentPost]:
    """The newest collected posts, newest first."""
    return store.recent_posts(limit)


def has_posts(store: Store) -> bool:
    """Whether anything was collected yet."""
    return store.count("posts") > 0


def suggestions(store: Store, limit: int = 10) -> list[Suggestion]:
    """The most promising posts not yet handled, with the classifier's reasons."""
    return store.top_classified(limit)


ANSWERING_LABELS = frozenset({"comment", "done"})


def mark_post(store: Store, ref: str, label: str, *, now: datetime | None = None) -> str:
    """Record what the user did with the post `ref` names (its id, or its link as the digest
    shows it); returns the post's id. `comment`, `share` and `like` also record an engagement,
    `done` counts as taking part, `skip` says it was not worth it, `intro` that you introduced
    its author to someone. A contact's reply to you that listen did not collect as a post (its
    link, as "They talked to you" shows it) is answered by `comment` or `done`."""
    now = now or utcnow()
    try:
        post_id = store.resolve_post(ref)
    except InputError:
        answered = store.answer_interaction(ref, now=now) if label in ANSWERING_LABELS else None
        if answered is None:
            raise
        return answered
    if label == "intro":
        store.record_intro(post_id, now=now)
        return post_id
    store.mark_post(post_id, label, now=now)
    if label in ANSWERING_LABELS:
        store.answer_interaction(post_id, now=now)
    return post_id
