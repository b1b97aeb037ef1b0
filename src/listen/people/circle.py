"""The circle you keep: how many contacts you interacted with, either way, each week; who went
untouched; whom you did good for; and who talked to you and waits for an answer.

Pure: store records in, records out ("50 people you interact with weekly beat 1,000 you
haven't touched in weeks"; "measure the number of people you do something good for").
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from listen.facts import ContactTouch, InteractionFact, OutboundFact
from listen.text import cap

WEEK = timedelta(days=7)
UNTOUCHED_LIMIT = 10
HELPED_LIMIT = 20
# Cues (listen.models.features) that make a reply an answer, or a congratulation.
ANSWER_CUES = frozenset({"question", "request", "open_to_work"})
MILESTONE_CUES = frozenset({"anniversary", "new_role", "launch"})
SHARE_KINDS = frozenset({"share", "repost", "quote"})
REPLY_KINDS = frozenset({"reply", "comment"})


@dataclass(frozen=True, slots=True)
class UntouchedContact:
    """A contact with no interaction either way for a while (`days` None: never)."""

    contact_id: int
    name: str
    priority: int
    last_at: datetime | None
    days: int | None


@dataclass(frozen=True, slots=True)
class HelpedPerson:
    """A contact you did something good for: shared, answered, congratulated, introduced."""

    contact_id: int
    name: str
    how: tuple[str, ...]
    last_at: datetime


@dataclass(frozen=True, slots=True)
class ReplyBack:
    """A contact's reply or mention you have not answered: the strongest follow-up."""

    contact_id: int
    contact: str
    platform: str
    kind: str
    at: datetime
    text: str
    url: str | None
    their_post: str | None
    waiting_hours: float


@dataclass(frozen=True, slots=True)
class CircleReport:
    """The circle this week against the goal, its trend, the untouched, the helped, and who
    is waiting for an answer."""

    now: datetime
    week_count: int
    goal: int
    trend: tuple[int, ...]  # distinct contacts per week, oldest first; the last is this week
    untouched: tuple[UntouchedContact, ...]
    untouched_total: int
    helped: tuple[HelpedPerson, ...]
    helped_count: int
    helped_trend: tuple[int, ...]  # distinct people helped per week of the month, oldest first
    talked: tuple[ReplyBack, ...] = ()


@dataclass(frozen=True, slots=True)
class PeopleScore:
    """The people line of `listen score`."""

    week_count: int
    goal: int
    trend: tuple[int, ...]
    helped_count: int
    helped_trend: tuple[int, ...]
    untouched_total: int
    talked: int


def week_windows(now: datetime, weeks: int = 12) -> list[tuple[datetime, datetime]]:
    """The last `weeks` 7-day windows [start, end) ending at `now`, oldest first."""
    return [(now - (back + 1) * WEEK, now - back * WEEK) for back in range(weeks - 1, -1, -1)]


def untouched_contacts(
    contacts: Iterable[ContactTouch], *, now: datetime, after: timedelta
) -> list[UntouchedContact]:
    """Contacts with no interaction either way for `after`, high priority first, then the
    longest silence (never touched first)."""
    found = []
    for c in contacts:
        last = max((t for t in (c.last_in, c.last_out) if t is not None), default=None)
        if last is not None and now - last < after:
            continue
        days = None if last is None else (now - last).days
        found.append(UntouchedContact(c.contact_id, c.name, c.priority, last, days))
    found.sort(key=lambda u: (-u.priority, u.days is not None, -(u.days or 0), u.name))
    return found


def how_helped(kind: str, cues: frozenset[str]) -> str | None:
    """What an outbound act did for the person, or None for a plain like or reply."""
    if kind == "intro":
        return "introduced"
    if kind in SHARE_KINDS:
        return "shared"
    if kind in REPLY_KINDS and cues & ANSWER_CUES:
        return "answered"
    if kind in REPLY_KINDS and cues & MILESTONE_CUES:
        return "congratulated"
    return None


def people_helped(
    outbound: Iterable[OutboundFact],
    cues: Mapping[str, frozenset[str]],
    *,
    start: datetime,
    now: datetime,
    limit: int | None = None,
) -> tuple[list[HelpedPerson], int]:
    """The contacts you did good for in [start, now], most recent first (the first `limit`),
    and how many there were; `cues` holds the cues of each post you acted on, by post id."""
    found: dict[int, tuple[str, set[str], datetime]] = {}
    for fact in outbound:
        if not start <= fact.at <= now:
            continue
        how = how_helped(fact.kind, cues.get(fact.post_id or "", frozenset()))
        if how is None:
            continue
        name, ways, last = found.get(fact.contact_id, (fact.contact, set(), fact.at))
        ways.add(how)
        found[fact.contact_id] = (name, ways, max(last, fact.at))
    latest = heapq.nsmallest(
        len(found) if limit is None else limit,
        found.items(),
        key=lambda item: (-item[1][2].timestamp(), item[0]),
    )
    people = [
        HelpedPerson(contact_id, name, tuple(sorted(ways)), last)
        for contact_id, (name, ways, last) in latest
    ]
    return people, len(found)


def helped_by_week(
    outbound: Iterable[OutboundFact],
    cues: Mapping[str, frozenset[str]],
    *,
    now: datetime,
    weeks: int = 4,
) -> tuple[int, ...]:
    """Distinct people helped in each of the last `weeks` weeks, oldest first."""
    helped: list[set[int]] = [set() for _ in range(weeks)]
    for fact in outbound:
        if fact.at > now or now - fact.at >= weeks * WEEK:
            continue
        if how_helped(fact.kind, cues.get(fact.post_id or "", frozenset())) is not None:
            helped[weeks - 1 - int((now - fact.at) / WEEK)].add(fact.contact_id)
    return tuple(len(people) for people in helped)


def reply_backs(
    unanswered: Iterable[InteractionFact], *, now: datetime, after: timedelta
) -> list[ReplyBack]:
    """Contacts' replies and mentions still unanswered `after` they came, oldest first (the
    longest waiting), one per post."""
    found = []
    for i in unanswered:
        if i.direction != "in" or i.contact_id is None or now - i.created_at < after:
            continue
        waiting = (now - i.created_at) / timedelta(hours=1)
        text = cap(" ".join(i.text.split()), 280)
        found.append(
            ReplyBack(
                i.contact_id,
                i.contact,
                i.platform,
                i.kind,
                i.created_at,
                text,
                i.url,
                i.their_post,
                waiting,
            )
        )
    found.sort(key=lambda r: (r.at, r.contact))
    return found
