"""Plain records that cross layers: collectors return them, the store saves them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Platform = Literal["blog", "bluesky", "x", "mastodon", "linkedin"]
PLATFORMS: tuple[str, ...] = ("blog", "bluesky", "x", "mastodon", "linkedin")
COLLECTABLE_PLATFORMS: tuple[str, ...] = ("blog", "bluesky", "x", "mastodon")

EngagementKind = Literal["reply", "comment", "quote", "repost", "like", "share", "mention"]
ENGAGEMENT_KINDS: tuple[str, ...] = (
    "reply",
    "comment",
    "quote",
    "repost",
    "like",
    "share",
    "mention",
)
DETECTION_METHODS: tuple[str, ...] = ("api", "comment-feed", "manual", "import")

# Source kinds: what a source polls.
#   feed     - a blog's RSS/Atom/JSON feed (target: URL)
#   author   - one contact's posts on a social platform (target: handle / DID / username / acct)
#   self     - the user's own activity on a platform, for participation detection
#   comments - a blog post's comment feed, for participation detection
#   inbound  - what people do with the user's own posts (notifications, or the public listings
#              of likes, reposts, replies and quotes; comments on the user's own blog)
SOURCE_KINDS: tuple[str, ...] = ("feed", "author", "self", "comments", "inbound")

# Interactions: what someone did with the user (direction "in"), or the user did for someone
# beyond engaging with a post (direction "out": an introduction).
INTERACTION_KINDS: tuple[str, ...] = (
    "reply",
    "mention",
    "quote",
    "repost",
    "like",
    "follow",
    "comment",
    "intro",
)
INTERACTION_DIRECTIONS: tuple[str, ...] = ("in", "out")
INTERACTION_DETECTION: tuple[str, ...] = ("notification", "public", "comment-feed", "manual")
# Kinds whose interaction is a post of theirs: one post is one interaction, whichever path saw it.
POST_INTERACTIONS = frozenset({"reply", "mention", "quote", "comment"})

MAX_TEXT_CHARS = 20_000
MAX_TITLE_CHARS = 500


@dataclass(frozen=True, slots=True)
class Contact:
    """A person the user follows, with a priority (1 = low, 3 = high)."""

    name: str
    priority: int = 2
    notes: str = ""
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Identity:
    """A contact's handle on one platform (a feed URL for blogs)."""

    platform: str
    handle: str
    contact_name: str = ""


@dataclass(frozen=True, slots=True)
class Source:
    """Something polled: its identity plus the state the collector keeps between runs."""

    id: int
    platform: str
    kind: str
    target: str
    contact_id: int | None = None
    state: dict[str, Any] = field(default_factory=dict)
    error_count: int = 0
    priority: int = 2
    post_id: str | None = None  # the blog post a `comments` source belongs to


@dataclass(frozen=True, slots=True)
class Post:
    """One post, article or status by a contact, normalised across platforms."""

    id: str
    platform: str
    url: str | None = None
    author_handle: str | None = None
    title: str | None = None
    text: str = ""
    created_at: datetime | None = None
    reply_to: str | None = None
    quote_of: str | None = None
    repost_of: str | None = None
    comment_feed_url: str | None = None
    metrics: dict[str, int] = field(default_factory=dict)
    raw_kind: str = "post"  # post, reply, quote, repost, article
    date_estimated: bool = False  # created_at is when it was first seen (no usable date)


@dataclass(frozen=True, slots=True)
class Engagement:
    """Something the user did with a post: replied, liked, shared..."""

    id: str
    post_id: str
    platform: str
    kind: str
    engaged_at: datetime | None = None
    detected_by: str = "api"
    url: str | None = None
    text: str = ""


@dataclass(frozen=True, slots=True)
class Interaction:
    """Someone's reply, mention, quote, repost, like or follow of the user (or a comment on the
    user's blog); `our_post` is the user's post it was on, `their_post` the post it made."""

    platform: str
    kind: str
    actor_handle: str
    actor_id: str = ""  # a stable id (DID, account id, user id) when the platform gives one
    our_post: str | None = None
    their_post: str | None = None
    created_at: datetime | None = None
    url: str | None = None
    text: str = ""
    direction: str = "in"
    detected_by: str = "notification"
    actor_name: str = ""  # their display name, for `contacts suggest`

    @property
    def dedupe_key(self) -> str:
        """What makes two sightings (a notification, a public listing) one interaction."""
        if self.kind in POST_INTERACTIONS and self.their_post:
            return f"post:{self.their_post}"
        actor = (self.actor_id or self.actor_handle).lower()
        return f"{self.kind}:{actor}:{self.our_post or self.their_post or ''}"


@dataclass(frozen=True, slots=True)
class CollectResult:
    """What one poll of one source produced; the app stores it in one transaction."""

    posts: tuple[Post, ...] = ()
    engagements: tuple[Engagement, ...] = ()
    state: dict[str, Any] = field(default_factory=dict)
    not_modified: bool = False
    interactions: tuple[Interaction, ...] = ()  # what people did with the user's posts
    new_target: str | None = None  # permanent redirect: poll this from now on
    disabled_reason: str | None = None  # e.g. 410 Gone: stop polling
    reads: int = 1  # API requests spent
    bytes_received: int = 0
    next_poll_after: float | None = None  # seconds; a collector's hint (rate limits)
    resolved_id: str | None = None  # the target's stable id (a DID, a user id) for its identity
    metered_ids: tuple[str, ...] = ()  # X posts billed by this poll (once per UTC day each)


@dataclass(frozen=True, slots=True)
class SourceOutcome:
    """How polling one source went, for the run summary."""

    source_id: int
    platform: str
    target: str
    new_posts: int = 0
    new_engagements: int = 0
    error: str | None = None
    not_modified: bool = False
    bytes_received: int = 0
    reads: int = 0
    new_interactions: int = 0


@dataclass(frozen=True, slots=True)
class RunSummary:
    """The result of one `listen collect`."""

    run_id: int
    outcomes: tuple[SourceOutcome, ...]
    started_at: datetime
    finished_at: datetime
    elapsed_seconds: float = 0.0  # monotonic; the timestamps above are whole seconds

    @property
    def failed(self) -> tuple[SourceOutcome, ...]:
        return tuple(o for o in self.outcomes if o.error)

    def new_posts_by_platform(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for o in self.outcomes:
            counts[o.platform] = counts.get(o.platform, 0) + o.new_posts
        return counts


@dataclass(frozen=True, slots=True)
class ProfileLink:
    """A link a profile shows; `verified` when the platform checked it links back (rel=me)."""

    url: str
    verified: bool = False


@dataclass(frozen=True, slots=True)
class Profile:
    """One account as its platform describes it: what identity resolution and `contacts list` use.

    `handle` is the platform's address (Bluesky handle, Mastodon user@instance, X username, a
    blog's feed URL); `account_id` its stable id (DID, numeric id) when known.
    """

    platform: str
    handle: str
    account_id: str = ""
    display_name: str = ""
    bio: str = ""
    avatar_url: str | None = None
    links: tuple[ProfileLink, ...] = ()
    followers_count: int | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.platform, self.handle.lower())
