"""Read-only records the store hands to the pure tracker, scorer and digest builder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class PostSummary:
    """Enough of a post to show it: who, where, when, a capped excerpt and the link."""

    id: str
    platform: str
    contact_id: int | None
    contact_name: str
    priority: int
    url: str | None
    title: str | None
    excerpt: str
    kind: str
    created_at: datetime | None
    author_handle: str | None = None


@dataclass(frozen=True, slots=True)
class Classification:
    """What the classifier said about a post (table `classifications`)."""

    comment_probability: float
    share_probability: float
    action: str  # comment, share, like, skip
    reasons: tuple[str, ...] = ()
    model_version: str = ""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A recent post that might go in the digest, with what is known about it."""

    post: PostSummary
    classification: Classification | None = None
    engaged: bool = False
    mark: str | None = None


@dataclass(frozen=True, slots=True)
class ShownItem:
    """One post shown in a digest (table `digest_items`)."""

    post_id: str
    platform: str
    contact_id: int | None
    shown_at: datetime
    section: str
    contact_name: str = ""
    title: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class EngagementFact:
    """Something the user did, with the contact whose post it was (when the post is stored)."""

    post_id: str
    platform: str
    kind: str
    engaged_at: datetime
    contact_id: int | None = None


@dataclass(frozen=True, slots=True)
class MarkFact:
    """The user's own label on a post (table `marks`)."""

    post_id: str
    label: str
    marked_at: datetime


@dataclass(frozen=True, slots=True)
class ContactActivity:
    """A contact's latest post and when the user last engaged with any of their posts."""

    contact_id: int
    name: str
    priority: int
    last_engaged_at: datetime | None
    latest_post: PostSummary | None
