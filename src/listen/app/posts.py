"""Posts: the newest ones, the classifier's suggestions, and what the user did with a post."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from listen.clock import utcnow
from listen.errors import InputError
from listen.facts import PostHit, RecentPost, Suggestion
from listen.store import Store
from listen.types import PLATFORMS

# What a user can say about a post: `listen mark` and the web app's buttons.
MARK_LABELS = ("comment", "share", "like", "skip", "done", "irrelevant", "intro")
SUGGESTED_ACTIONS = ("comment", "share", "like", "skip")  # what the classifier suggests
SEARCH_LIMIT = 50


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
    `done` counts as taking part, `skip` says it was not worth it, `irrelevant` that it should
    not have been suggested (both train the classifier as a negative), `intro` that you
    introduced its author to someone. A contact's reply to you that listen did not collect as
    a post (its link, as "They talked to you" shows it) is answered by `comment` or `done`."""
    if label not in MARK_LABELS:
        raise InputError(f"unknown mark {label!r}: one of {', '.join(MARK_LABELS)}")
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


def search_posts(
    store: Store,
    text: str = "",
    *,
    contact: str | None = None,
    platform: str | None = None,
    action: str | None = None,
    limit: int = SEARCH_LIMIT,
) -> list[PostHit]:
    """Posts holding every word of `text` (any post when empty), by contact name, platform and
    the classifier's suggested action; an unknown contact, platform or action is an input
    error (a typo must not read as "no posts")."""
    if platform is not None and platform not in PLATFORMS:
        raise InputError(f"unknown platform {platform!r}: one of {', '.join(PLATFORMS)}")
    if action is not None and action not in SUGGESTED_ACTIONS:
        raise InputError(f"unknown action {action!r}: one of {', '.join(SUGGESTED_ACTIONS)}")
    contact_id = None
    if contact is not None:
        row = store.contact_named(contact)
        if row is None:
            raise InputError(f"no contact named {contact!r}")
        contact_id = row.id
    return store.search_posts(
        text, contact_id=contact_id, platform=platform, action=action, limit=limit
    )


def post_hit(store: Store, ref: str) -> PostHit:
    """The post `ref` names (id or link), with what was suggested, marked and done."""
    hit = store.post_hit(store.resolve_post(ref))
    if hit is None:  # removed between the two reads
        raise InputError(f"no stored post with id or link {ref!r}")
    return hit


def marked(store: Store, post_ids: Sequence[str]) -> dict[str, str]:
    """Which of these posts the user marked, and how."""
    return {m.post_id: m.label for m in store.marks_on(list(post_ids))}


def change_marker(store: Store) -> tuple[int, int]:
    """A value that changes whenever the database does (a collect, a mark, anything)."""
    return store.change_marker()
