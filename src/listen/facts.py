"""Read-only records the store hands to the pure tracker, scorer and digest builder."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Engagement kinds that mean "replied to it" and "passed it on", for training labels and for
# how often the user answers or shares a contact.
REPLY_KINDS = ("reply", "comment")
SHARE_KINDS = ("quote", "repost", "share")


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
class PostHit:
    """A post found by search or listed for a contact, with what was said and done about it."""

    post: PostSummary
    action: str | None  # the classifier's suggestion, None when not classified
    mark: str | None  # the user's mark (`listen mark`, the web app's buttons)
    engaged: bool  # any engagement of the user's on it


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


@dataclass(frozen=True, slots=True)
class InteractionFact:
    """One stored interaction (table `interactions`), with its contact's name when known."""

    id: int
    platform: str
    direction: str  # in: they did it; out: the user did (an introduction)
    kind: str
    contact_id: int | None
    contact: str
    actor_handle: str
    actor_name: str
    our_post: str | None
    their_post: str | None
    url: str | None
    text: str
    created_at: datetime
    answered_at: datetime | None = None
    detected_by: str = "notification"


@dataclass(frozen=True, slots=True)
class OutboundFact:
    """Something the user did for a contact: an engagement on their post, or an intro; `text`
    is the post's opening (or the user's own words, in a contact's story)."""

    contact_id: int
    contact: str
    kind: str
    at: datetime
    post_id: str | None
    text: str = ""
    url: str | None = None
    reasons: str = ""  # the classifier's reasons for the post as stored (a JSON list), if scored


@dataclass(frozen=True, slots=True)
class ContactTouch:
    """A contact with the last time each side reached the other."""

    contact_id: int
    name: str
    priority: int
    last_in: datetime | None
    last_out: datetime | None


@dataclass(frozen=True, slots=True)
class StoryPost:
    """One of a contact's posts for their story: the post, the classifier's action and reasons,
    whether the user engaged, and the user's mark."""

    post: PostSummary
    action: str | None
    reasons: tuple[str, ...]
    engaged: bool
    mark: str | None


@dataclass(frozen=True, slots=True)
class SuggestedActor:
    """Someone who is not a contact and engaged with the user."""

    platform: str
    handle: str
    display_name: str
    interactions: int
    last_at: datetime | None
    kinds: tuple[str, ...]


# -- records the store returns to the application layer and the renderers -------------------


@dataclass(frozen=True, slots=True)
class ContactRow:
    """A contact with its identities, as listed by `listen contacts list`."""

    id: int
    name: str
    priority: int
    notes: str
    identities: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class SavedCounts:
    """What one stored `CollectResult` added."""

    new_posts: int
    new_engagements: int
    new_interactions: int = 0


@dataclass(frozen=True, slots=True)
class SourceRow:
    """A source with its polling health, as stored (table `sources`); times are ISO 8601."""

    id: int
    platform: str
    kind: str
    target: str
    contact: str | None
    enabled: bool
    disabled_reason: str | None
    last_success_at: str | None
    error_count: int
    last_error: str | None
    next_poll_at: str | None
    created_at: str
    last_polled_at: str | None
    state: dict[str, Any] = field(default_factory=dict)  # the collector's state (cursors...)


@dataclass(frozen=True, slots=True)
class RecentPost:
    """One of the newest posts, for `listen posts` (field names are its JSON keys)."""

    id: str
    platform: str
    kind: str
    url: str | None
    title: str | None
    text: str
    created_at: str | None  # ISO 8601, as stored
    author_handle: str | None
    contact: str | None


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A classified post worth acting on and not yet handled, for `listen classify --show`."""

    id: str
    platform: str
    url: str | None
    title: str | None
    text: str
    created_at: str | None
    contact: str | None
    author_handle: str | None
    action: str
    comment_probability: float
    share_probability: float
    reasons: tuple[str, ...]
    model_version: str


@dataclass(frozen=True, slots=True)
class PostToScore:
    """A post with what the classifier needs about its author (times ISO 8601, as stored).

    The author statistics are filled for scoring; training computes them as of each post."""

    id: str
    platform: str
    kind: str
    url: str | None
    title: str | None
    text: str
    created_at: str | None
    collected_at: str
    reply_to: str | None
    contact_id: int | None
    contact_name: str | None
    contact_priority: int
    last_engaged_at: str | None = None
    contact_posts: int = 0
    contact_engaged_posts: int = 0
    contact_replied_posts: int = 0
    contact_shared_posts: int = 0


@dataclass(frozen=True, slots=True)
class TrainingHistory:
    """Everything `listen train` learns from."""

    posts: tuple[PostToScore, ...]
    engagements: tuple[tuple[str, str, str], ...]  # (post id, kind, when) on stored posts
    first_shown: dict[str, str]  # post id → when a digest first showed it
    marks: dict[str, str]  # post id → the user's label


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One row of table `runs` (field names are `listen status --format json`'s keys)."""

    id: int
    command: str
    started_at: str
    finished_at: str | None
    status: str
    sources_polled: int
    sources_failed: int
    sources_not_modified: int
    new_posts: int
    new_engagements: int
    bytes_received: int
    reads: int
    errors: list[object]  # what failed: one dict per source or step
