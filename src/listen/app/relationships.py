"""People, not posts: one contact's story, the circle you keep, who talked to you and waits
for an answer, and who engages with you without being a contact. The rules are pure
(`listen.people.story`, `listen.people.circle`); this module feeds them the store's records.
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from listen.clock import utcnow
from listen.config import Config
from listen.errors import InputError
from listen.facts import InteractionFact, OutboundFact
from listen.people.circle import (
    WEEK,
    CircleReport,
    PeopleScore,
    ReplyBack,
    helped_by_week,
    people_helped,
    reply_backs,
    untouched_contacts,
    week_windows,
)
from listen.people.story import (
    MONTHS,
    ContactStory,
    build_timeline,
    month_counts,
    month_keys,
    next_step,
    openings,
    sparkline,
)
from listen.store import Store

SUGGEST_LOOKBACK = timedelta(days=90)
SOON = timedelta(seconds=1)  # times are stored to the second: what happened now counts


@dataclass(frozen=True, slots=True)
class ContactSuggestion:
    """Someone who engages with you and is not a contact, with the command that adds them."""

    platform: str
    handle: str
    display_name: str
    interactions: int
    kinds: dict[str, int]
    last_at: datetime | None
    command: str


def contact_story(
    config: Config, store: Store, name: str, *, now: datetime | None = None, limit: int = 60
) -> ContactStory:
    """Everything between you and one contact, newest first, and what to do next."""
    now = now or utcnow()
    found = store.contact_by_name(name)
    if found is None:
        raise InputError(f"no contact named {name!r} (see `listen contacts list`)")
    contact_id, real_name, priority, notes = found
    posts = store.contact_posts(contact_id, limit=limit)
    touch = store.contact_touches(contact_id)[0]
    year, month = (int(part) for part in month_keys(now, MONTHS)[0].split("-"))
    first_month = datetime(year, month, 1, tzinfo=now.tzinfo)
    months = month_counts(store.monthly_counts(contact_id, first_month), now=now)
    inbound_since = now - timedelta(days=config.collect.inbound_days)
    waiting = reply_backs(
        store.unanswered(inbound_since, now + SOON, contact_id=contact_id),
        now=now,
        after=timedelta(0),
    )
    opportunities = openings(posts, now=now)
    return ContactStory(
        name=real_name,
        priority=priority,
        notes=notes,
        identities=store.identities_of(contact_id),
        timeline=build_timeline(
            posts,
            store.contact_engagements(contact_id, limit=limit),
            store.contact_interactions(contact_id, limit=limit),
            limit=limit,
        ),
        last_out=touch.last_out,
        last_in=touch.last_in,
        months=months,
        sparkline=sparkline([m.total for m in months]),
        opportunities=opportunities,
        next_step=next_step(
            waiting=waiting,
            opportunities=opportunities,
            latest_post=posts[0] if posts else None,
            last_in=touch.last_in,
            last_out=touch.last_out,
            now=now,
        ),
    )


def talked_to_you(config: Config, store: Store, *, now: datetime | None = None) -> list[ReplyBack]:
    """Contacts' replies and mentions unanswered for `digest.reply_back_hours`, oldest first
    (looking back `collect.inbound_days`)."""
    now = now or utcnow()
    since = now - timedelta(days=config.collect.inbound_days)
    after = timedelta(hours=config.digest.reply_back_hours)
    return reply_backs(store.unanswered(since, now - after + SOON), now=now, after=after)


def circle_report(
    config: Config, store: Store, *, now: datetime | None = None, window: timedelta | None = None
) -> CircleReport:
    """The circle this week against the goal with its 12-week trend, the untouched by priority,
    the people you did good for in the window (default `digest.score_window_days`) with the
    month's weekly trend, and who is waiting for your answer."""
    now = now or utcnow()
    window = window or timedelta(days=config.digest.score_window_days)
    trend = tuple(store.contacts_touched(start, end) for start, end in week_windows(now + SOON, 12))
    quiet = timedelta(days=config.circle.untouched_days)
    untouched = untouched_contacts(
        store.contact_touches(quiet_since=now - quiet), now=now, after=quiet
    )
    outbound = store.outbound_between(now - max(window, 4 * WEEK), now + SOON)
    cues = post_cues_by_id(outbound)
    helped, helped_count = people_helped(outbound, cues, start=now - window, now=now, limit=20)
    names = store.contact_names([p.contact_id for p in helped])
    helped = [dataclasses.replace(p, name=names.get(p.contact_id, p.name)) for p in helped]
    return CircleReport(
        now=now,
        week_count=trend[-1],
        goal=config.circle.weekly_goal,
        trend=trend,
        untouched=tuple(untouched[:10]),
        untouched_total=len(untouched),
        helped=tuple(helped),
        helped_count=helped_count,
        helped_trend=helped_by_week(outbound, cues, now=now),
        talked=tuple(talked_to_you(config, store, now=now)),
    )


# The cues that make a reply an answer or a congratulation (listen.people.circle), and the
# words of the classifier's reasons that name them.
CIRCLE_CUES = ("question", "request", "open_to_work", "anniversary", "new_role", "launch")
REASON_CUES = {
    "question": "question",
    "recommendation": "request",
    "looking for work": "open_to_work",
    "milestone": "anniversary",
    "new role": "new_role",
    "launch": "launch",
}


def post_cues_by_id(outbound: Iterable[OutboundFact]) -> dict[str, frozenset[str]]:
    """What each post the user replied to asks or announces (a question, a new role...): from
    the classifier's reasons when it scored the post, else from the post's opening."""
    # the cue patterns live with the classifier's features (~0.2 s to import): circle only
    from listen.models.features import CUES

    found: dict[str, frozenset[str]] = {}
    for fact in outbound:
        if not fact.post_id or fact.kind not in ("reply", "comment") or fact.post_id in found:
            continue
        if fact.reasons:
            said = fact.reasons.lower()
            found[fact.post_id] = frozenset(c for w, c in REASON_CUES.items() if w in said)
            continue
        text = fact.text.lower()
        found[fact.post_id] = frozenset(n for n in CIRCLE_CUES if CUES[n].search(text))
    return found


def people_score(
    config: Config, store: Store, *, now: datetime | None = None, window: timedelta | None = None
) -> PeopleScore:
    """The circle and the people helped, for `listen score`."""
    report = circle_report(config, store, now=now, window=window)
    return PeopleScore(
        week_count=report.week_count,
        goal=report.goal,
        trend=report.trend,
        helped_count=report.helped_count,
        helped_trend=report.helped_trend,
        untouched_total=report.untouched_total,
        talked=len(report.talked),
    )


def suggest_contacts(
    store: Store, *, now: datetime | None = None, limit: int = 20
) -> list[ContactSuggestion]:
    """People who engaged with you in the last 90 days and are not contacts, most first."""
    now = now or utcnow()
    found = []
    for actor in store.suggested_actors(now - SUGGEST_LOOKBACK, limit=limit):
        kinds: dict[str, int] = {}
        for kind in actor.kinds:
            kinds[kind] = kinds.get(kind, 0) + 1
        name = actor.display_name or actor.handle
        option = "--blog" if actor.platform == "blog" else f"--{actor.platform}"
        command = f"listen contacts add {shlex.quote(name)} {option} {shlex.quote(actor.handle)}"
        found.append(
            ContactSuggestion(
                actor.platform,
                actor.handle,
                actor.display_name,
                actor.interactions,
                kinds,
                actor.last_at,
                command,
            )
        )
    return found


def recent_interactions(
    store: Store, *, limit: int = 50, contact: str | None = None
) -> list[InteractionFact]:
    """The newest interactions with you, everyone's or one contact's (by name)."""
    contact_id = None
    if contact is not None:
        found = store.contact_by_name(contact)
        if found is None:
            raise InputError(f"no contact named {contact!r} (see `listen contacts list`)")
        contact_id = found[0]
    return store.recent_interactions(limit=limit, contact_id=contact_id)
