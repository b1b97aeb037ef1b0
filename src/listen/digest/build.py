"""Facts → `Digest`: what to reply to, what to share, who is going cold, what you did.

Pure: everything comes in as data (with `now` explicit), so the same inputs give the same digest.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from listen.facts import Candidate, EngagementFact, MarkFact, PostSummary, ShownItem
from listen.people.circle import CircleReport, ReplyBack
from listen.scoring import PlatformScore
from listen.text import cap
from listen.tracker import ColdContact, track

# An unclassified post gets this predicted value, so the digest works before the classifier.
NEUTRAL_PROBABILITY = 0.5
EXCERPT_LIMIT = 280
COLD_LIMIT = 5
PER_CONTACT = 2
LURKED_LIMIT = 10
FRESHNESS_HALF_DAY = 24.0  # hours: a post this old scores 1/2 for freshness, twice as old 1/3


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One post to act on, with why and how."""

    post_id: str
    platform: str
    contact: str
    priority: int
    url: str | None
    title: str | None
    excerpt: str
    created_at: datetime | None
    age_hours: float
    action: str  # comment, share, like
    reason: str
    value: float  # predicted probability behind the suggestion
    score: float  # value x priority x freshness: the ranking key
    explore: bool = False  # shown because the model is unsure, so the user's answer teaches it


@dataclass(frozen=True, slots=True)
class LurkedItem:
    """A post shown earlier that got no response within the window."""

    post_id: str
    platform: str
    contact: str
    title: str | None
    url: str | None
    shown_at: datetime


@dataclass(frozen=True, slots=True)
class Activity:
    """What the user did in the digest's period."""

    by_platform: dict[str, dict[str, int]] = field(default_factory=dict)
    lurked: tuple[LurkedItem, ...] = ()  # the first LURKED_LIMIT
    lurked_total: int = 0

    @property
    def total(self) -> int:
        return sum(sum(kinds.values()) for kinds in self.by_platform.values())


@dataclass(frozen=True, slots=True)
class QuietReason:
    """Why a digest is empty although posts exist: so the one line can say so."""

    in_window: int = 0  # contacts' posts created in the window
    skipped: int = 0  # of those, the ones the classifier scored skip
    collected: int = 0  # contacts' posts stored at all
    newest_at: datetime | None = None  # the newest of them


@dataclass(frozen=True, slots=True)
class Digest:
    """Everything one digest shows, ready to render."""

    generated_at: datetime
    since: datetime
    reply: tuple[DigestItem, ...]
    share: tuple[DigestItem, ...]
    cold: tuple[ColdContact, ...]
    activity: Activity
    scores: tuple[PlatformScore, ...]
    quiet: QuietReason | None = None
    talked: tuple[ReplyBack, ...] = ()  # contacts waiting for your answer: the digest opens here
    circle: CircleReport | None = None

    @property
    def empty(self) -> bool:
        """Nothing to act on and nothing done: the renderers say so in one line."""
        return not (self.reply or self.share or self.cold or self.activity.total or self.talked)

    def shown_rows(self) -> list[tuple[str, str, int, str | None]]:
        """(post_id, section, rank, action) for `digest_items`, so lurking becomes a fact."""
        rows: list[tuple[str, str, int, str | None]] = [
            (item.post_id, "reply", rank, item.action)
            for rank, item in enumerate(self.reply, start=1)
        ]
        rows += [
            (item.post_id, "share", rank, item.action)
            for rank, item in enumerate(self.share, start=1)
        ]
        rows += [
            (c.opening.id, "cold", rank, "comment") for rank, c in enumerate(self.cold, start=1)
        ]
        return rows


def freshness(age_hours: float) -> float:
    """1 for a brand-new post, 1/2 after a day, 1/3 after two: gentle, never zero."""
    return 1.0 / (1.0 + max(0.0, age_hours) / FRESHNESS_HALF_DAY)


def priority_weight(priority: int) -> float:
    """Contact priority 1 (low) .. 3 (high) → 0.5 .. 1.5."""
    return max(1, min(3, priority)) / 2.0


def rank_candidates(
    candidates: Sequence[Candidate], *, now: datetime, top: int, explore_share: float = 0.0
) -> tuple[list[DigestItem], list[DigestItem]]:
    """Split into (reply, share), each ranked by value × priority × freshness, top `top` each.

    Posts already engaged with or marked, and those the classifier says to skip, are left out.
    A share of each section's slots (`explore_share`, rounded) goes to the posts the model is
    least sure about, skipped ones included: if only its top picks were ever shown, only they
    could become labels, and `listen train` could never learn what it does not already believe.
    """
    open_candidates = [
        c
        for c in candidates
        if not (c.engaged or c.mark) and c.post.created_at is not None and c.post.created_at <= now
    ]
    reply: list[DigestItem] = []
    share: list[DigestItem] = []
    for candidate in open_candidates:
        item = _item(candidate, now)
        if item is not None:
            (share if item.action == "share" else reply).append(item)
    explore = explore_slots(top, explore_share)
    picks = _top(reply, top - explore, now), _top(share, top - explore, now)
    if explore:
        listed = {item.post_id for items in picks for item in items}
        unsure_reply = _unsure(open_candidates, "comment", explore, now, listed)
        listed |= {item.post_id for item in unsure_reply}
        return picks[0] + unsure_reply, picks[1] + _unsure(
            open_candidates, "share", explore, now, listed
        )
    return picks


def explore_slots(top: int, share: float) -> int:
    """How many of `top` slots go to exploring: `share` of them, rounded half up."""
    return min(top - 1, int(top * share + 0.5)) if top > 1 and share > 0 else 0


def _item(candidate: Candidate, now: datetime) -> DigestItem | None:
    """The digest line for a candidate, or None when the classifier says skip."""
    c = candidate.classification
    if c is None:
        action, value = "comment", NEUTRAL_PROBABILITY
        reason = "not classified yet: ranked by contact priority and freshness"
    elif c.action == "skip":
        return None
    elif c.action == "share":
        action, value = "share", c.share_probability
        reason = "; ".join(c.reasons) or f"share probability {c.share_probability:.0%}"
    else:
        action, value = c.action, c.comment_probability
        reason = "; ".join(c.reasons) or f"comment probability {c.comment_probability:.0%}"
    return _line(candidate, now, action, value, reason)


def _line(
    candidate: Candidate, now: datetime, action: str, value: float, reason: str
) -> DigestItem:
    post = candidate.post
    assert post.created_at is not None  # candidates without a time are left out before
    age = (now - post.created_at) / timedelta(hours=1)
    return DigestItem(
        post_id=post.id,
        platform=post.platform,
        contact=post.contact_name or post.author_handle or "someone",
        priority=post.priority,
        url=post.url,
        title=post.title,
        excerpt=excerpt(post),
        created_at=post.created_at,
        age_hours=age,
        action=action,
        reason=cap(reason, 200),
        value=value,
        score=value * priority_weight(post.priority) * freshness(age),
    )


UNSURE_REASONS = {
    "comment": "listen is unsure whether this is worth a reply: what you do with it teaches it",
    "share": "listen is unsure whether this is worth sharing: what you do with it teaches it",
}


def _unsure(
    candidates: Sequence[Candidate], head: str, slots: int, now: datetime, listed: set[str]
) -> list[DigestItem]:
    """The `slots` classified posts whose `head` probability is nearest 1/2, not listed yet."""
    scored = []
    for candidate in candidates:
        c = candidate.classification
        if c is None or candidate.post.id in listed:
            continue
        p = c.comment_probability if head == "comment" else c.share_probability
        scored.append((abs(p - 0.5), candidate.post.id, candidate, p))
    scored.sort(key=lambda entry: entry[:2])
    action = "comment" if head == "comment" else "share"
    return [
        dataclasses.replace(_line(cand, now, action, p, UNSURE_REASONS[head]), explore=True)
        for _, _, cand, p in scored[:slots]
    ]


def _top(items: list[DigestItem], top: int, now: datetime) -> list[DigestItem]:
    """The best `top` items, at most `PER_CONTACT` per contact so one feed cannot fill a section."""
    items.sort(key=lambda i: (-i.score, -(i.created_at or now).timestamp(), i.post_id))
    per_contact: Counter[str] = Counter()
    chosen = []
    for item in items:
        if per_contact[item.contact] >= PER_CONTACT:
            continue
        per_contact[item.contact] += 1
        chosen.append(item)
        if len(chosen) == top:
            break
    return chosen


def excerpt(post: PostSummary, limit: int = EXCERPT_LIMIT) -> str:
    """The post's text on one line, capped; the title when there is no text."""
    text = " ".join((post.excerpt or "").split())
    if post.title and text.startswith(post.title):
        text = text[len(post.title) :].strip()
    return cap(text or (post.title or ""), limit)


def summarise_activity(
    *,
    engagements: Sequence[EngagementFact],
    shown: Sequence[ShownItem],
    shown_engagements: Sequence[EngagementFact],
    marks: Sequence[MarkFact],
    since: datetime,
    now: datetime,
    response_window: timedelta,
) -> Activity:
    """Engagements in [since, now) by platform and kind, and posts that became lurked then."""
    by_platform: dict[str, Counter[str]] = {}
    for e in engagements:
        if since <= e.engaged_at < now:
            by_platform.setdefault(e.platform, Counter())[e.kind] += 1
    details = {s.post_id: s for s in shown}
    lurked = []
    for t in track(shown, shown_engagements, marks, now=now, response_window=response_window):
        lurked_at = t.first_shown_at + response_window
        if t.status == "lurked" and since <= lurked_at <= now:
            d = details[t.post_id]
            lurked.append(
                LurkedItem(t.post_id, t.platform, d.contact_name, d.title, d.url, t.first_shown_at)
            )
    return Activity(
        by_platform={p: dict(sorted(k.items())) for p, k in sorted(by_platform.items())},
        lurked=tuple(lurked[:LURKED_LIMIT]),
        lurked_total=len(lurked),
    )


def build_digest(
    *,
    candidates: Sequence[Candidate],
    cold: Sequence[ColdContact],
    activity: Activity,
    scores: Sequence[PlatformScore],
    now: datetime,
    since: datetime,
    top: int,
    explore_share: float = 0.0,
) -> Digest:
    """Assemble the digest; cold contacts whose opening is already listed are not repeated."""
    reply, share = rank_candidates(candidates, now=now, top=top, explore_share=explore_share)
    listed = {i.post_id for i in (*reply, *share)}
    cold_contacts = tuple(c for c in cold if c.opening.id not in listed)[:COLD_LIMIT]
    return Digest(
        generated_at=now,
        since=since,
        reply=tuple(reply),
        share=tuple(share),
        cold=cold_contacts,
        activity=activity,
        scores=tuple(scores),
        quiet=QuietReason(
            in_window=len(candidates),
            skipped=sum(
                1 for c in candidates if c.classification and c.classification.action == "skip"
            ),
        ),
    )
