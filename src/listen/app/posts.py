"""Posts: the newest ones, the classifier's suggestions, and what the user did with a post."""

from __future__ import annotations

from datetime import datetime

from listen.clock import utcnow
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


def mark_post(store: Store, ref: str, label: str, *, now: datetime | None = None) -> str:
    """Record what the user did with the post `ref` names (its id, or its link as the digest
    shows it); returns the post's id. `comment`, `share` and `like` also record an engagement,
    `done` counts as taking part, `skip` says it was not worth it."""
    post_id = store.resolve_post(ref)
    store.mark_post(post_id, label, now=now or utcnow())
    return post_id
