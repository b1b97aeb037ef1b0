"""Did the user take part? Participated / lurked / open per shown post, and who is going cold.

Pure functions over facts read from the store: a post shown in a digest is *participated* once
any engagement (or an action mark) exists for it, *lurked* once the response window has passed
with none, and *open* in between.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from listen.facts import ContactActivity, EngagementFact, MarkFact, PostSummary, ShownItem

Status = Literal["participated", "lurked", "open"]

# Marks that say "I took part"; `skip` does not.
PARTICIPATION_MARKS = frozenset({"comment", "share", "like", "done"})


@dataclass(frozen=True, slots=True)
class TrackedItem:
    """A post the user was shown, and what became of it."""

    post_id: str
    platform: str
    contact_id: int | None
    first_shown_at: datetime
    status: Status
    participated_at: datetime | None = None


def track(
    shown: Iterable[ShownItem],
    engagements: Iterable[EngagementFact],
    marks: Iterable[MarkFact],
    *,
    now: datetime,
    response_window: timedelta,
) -> list[TrackedItem]:
    """One `TrackedItem` per distinct post shown at or before `now`, judged as of `now`.

    Only engagements and marks at or before `now` count, so the same facts can be replayed to
    judge an earlier moment (the previous score window).
    """
    first_shown: dict[str, ShownItem] = {}
    for item in shown:
        if item.shown_at > now:
            continue
        seen = first_shown.get(item.post_id)
        if seen is None or item.shown_at < seen.shown_at:
            first_shown[item.post_id] = item
    acted_at: dict[str, datetime] = {}
    for engagement in engagements:
        if engagement.engaged_at <= now:
            _keep_earliest(acted_at, engagement.post_id, engagement.engaged_at)
    for mark in marks:
        if mark.label in PARTICIPATION_MARKS and mark.marked_at <= now:
            _keep_earliest(acted_at, mark.post_id, mark.marked_at)
    tracked = []
    for post_id, item in first_shown.items():
        status: Status
        if post_id in acted_at:
            status = "participated"
        elif now - item.shown_at >= response_window:
            status = "lurked"
        else:
            status = "open"
        tracked.append(
            TrackedItem(
                post_id=post_id,
                platform=item.platform,
                contact_id=item.contact_id,
                first_shown_at=item.shown_at,
                status=status,
                participated_at=acted_at.get(post_id),
            )
        )
    tracked.sort(key=lambda t: (t.first_shown_at, t.post_id))
    return tracked


def _keep_earliest(found: dict[str, datetime], key: str, moment: datetime) -> None:
    if key not in found or moment < found[key]:
        found[key] = moment


@dataclass(frozen=True, slots=True)
class ColdContact:
    """A contact who kept posting while the user stayed silent."""

    contact_id: int
    name: str
    priority: int
    days_silent: int | None  # None: never engaged with
    opening: PostSummary  # their latest post: something to reply to


def going_cold(
    activity: Iterable[ContactActivity], *, now: datetime, cold_after: timedelta
) -> list[ColdContact]:
    """Contacts not engaged with for `cold_after` whose latest post is within `cold_after`.

    Ordered by priority (high first), then by silence (never engaged first, then longest).
    """
    cold = []
    for contact in activity:
        post = contact.latest_post
        if post is None or post.created_at is None:
            continue
        if post.created_at > now or now - post.created_at > cold_after:
            continue  # not posting lately: nothing to answer
        last = contact.last_engaged_at
        if last is not None and now - last < cold_after:
            continue
        days = None if last is None else (now - last).days
        cold.append(ColdContact(contact.contact_id, contact.name, contact.priority, days, post))
    cold.sort(
        key=lambda c: (
            -c.priority,
            0 if c.days_silent is None else 1,
            -(c.days_silent or 0),
            c.name,
        )
    )
    return cold
