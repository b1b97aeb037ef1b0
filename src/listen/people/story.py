"""One contact's story: everything between you and them on one timeline, how often you talk
month by month, what is open, and the next step to take. Pure: store records in, records out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from listen.facts import InteractionFact, OutboundFact, StoryPost
from listen.people.circle import ReplyBack
from listen.text import cap

MONTHS = 6
EXCERPT = 200
SPARK = "▁▂▃▄▅▆▇█"
OPENING_DAYS = 14  # a post this recent is an opening to get back in touch
QUIET_AFTER = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One moment between you and a contact: their post ("theirs"), your engagement with them
    ("out"), or their interaction with you ("in")."""

    at: datetime
    direction: str
    kind: str
    platform: str
    text: str
    url: str | None
    post_id: str | None


@dataclass(frozen=True, slots=True)
class MonthCount:
    """Interactions with a contact in one calendar month (UTC), each way."""

    month: str  # 2026-05
    inbound: int
    outbound: int

    @property
    def total(self) -> int:
        return self.inbound + self.outbound


@dataclass(frozen=True, slots=True)
class Opening:
    """A post of theirs worth acting on that you have not acted on yet."""

    post_id: str
    platform: str
    url: str | None
    title: str | None
    excerpt: str
    created_at: datetime | None
    action: str
    reason: str


@dataclass(frozen=True, slots=True)
class NextStep:
    """What to do next with this person, in one line."""

    action: str  # answer, reach-out, reply, share, start, none
    text: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class ContactStory:
    """Everything `listen contacts show` says about one person."""

    name: str
    priority: int
    notes: str
    identities: tuple[tuple[str, str], ...]
    timeline: tuple[TimelineEntry, ...]  # newest first
    last_out: datetime | None  # you → them
    last_in: datetime | None  # them → you
    months: tuple[MonthCount, ...]  # oldest first
    sparkline: str
    opportunities: tuple[Opening, ...]
    next_step: NextStep


def build_timeline(
    posts: Iterable[StoryPost],
    engagements: Iterable[OutboundFact],
    interactions: Iterable[InteractionFact],
    *,
    limit: int,
) -> tuple[TimelineEntry, ...]:
    """Their posts, your engagements and their interactions merged, newest first; a post of
    theirs that is also an interaction with you (a reply to you) is shown once, as that."""
    interactions = list(interactions)
    told = {i.their_post for i in interactions if i.their_post}
    entries = [
        TimelineEntry(
            p.post.created_at,
            "theirs",
            p.post.kind,
            p.post.platform,
            _excerpt(p.post.title or p.post.excerpt),
            p.post.url,
            p.post.id,
        )
        for p in posts
        if p.post.created_at is not None and p.post.id not in told
    ]
    entries += [
        TimelineEntry(e.at, "out", e.kind, "", _excerpt(e.text), e.url, e.post_id)
        for e in engagements
    ]
    entries += [
        TimelineEntry(
            i.created_at,
            i.direction,
            i.kind,
            i.platform,
            _excerpt(i.text),
            i.url,
            i.their_post or i.our_post,
        )
        for i in interactions
    ]
    entries.sort(key=lambda e: (e.at, e.direction, e.post_id or ""), reverse=True)
    return tuple(entries[:limit])


def month_keys(now: datetime, months: int = MONTHS) -> list[str]:
    """The last `months` calendar months up to `now`'s, oldest first (`2026-05`)."""
    year, month = now.year, now.month
    keys = []
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return keys[::-1]


def month_counts(
    counts: Iterable[tuple[str, str, int]], *, now: datetime, months: int = MONTHS
) -> tuple[MonthCount, ...]:
    """(month, in | out, n) rows → one `MonthCount` per month of the last `months`."""
    inbound: dict[str, int] = {}
    outbound: dict[str, int] = {}
    for month, direction, n in counts:
        bucket = inbound if direction == "in" else outbound
        bucket[month] = bucket.get(month, 0) + n
    return tuple(
        MonthCount(m, inbound.get(m, 0), outbound.get(m, 0)) for m in month_keys(now, months)
    )


def sparkline(values: Sequence[int]) -> str:
    """Counts as block characters scaled to the largest (a flat zero stays at the bottom)."""
    top = max(values, default=0)
    if top <= 0:
        return SPARK[0] * len(values)
    return "".join(
        SPARK[min(len(SPARK) - 1, (v * (len(SPARK) - 1) + top - 1) // top)] for v in values
    )


def openings(posts: Iterable[StoryPost], *, now: datetime, limit: int = 3) -> tuple[Opening, ...]:
    """Their recent posts the classifier says to act on that you have neither engaged with
    nor marked, newest first."""
    found = []
    for p in posts:
        post = p.post
        if p.engaged or p.mark or p.action in (None, "skip") or post.created_at is None:
            continue
        if now - post.created_at > timedelta(days=OPENING_DAYS) or post.created_at > now:
            continue
        found.append(
            Opening(
                post.id,
                post.platform,
                post.url,
                post.title,
                _excerpt(post.excerpt),
                post.created_at,
                p.action or "comment",
                "; ".join(p.reasons),
            )
        )
    return tuple(found[:limit])


def duration_text(delta: timedelta) -> str:
    """`3 hours`, `2 days`, `5 weeks`, `4 months`: how long, roughly, in words."""
    hours = delta / timedelta(hours=1)
    for unit, size in (("month", 24 * 30), ("week", 24 * 7), ("day", 24), ("hour", 1)):
        if hours >= size * (2 if unit != "hour" else 1) or unit == "hour":
            n = max(1, int(hours // size))
            return f"{n} {unit}{'' if n == 1 else 's'}"
    return "moments"  # pragma: no cover - the loop always returns


def next_step(
    *,
    waiting: Sequence[ReplyBack],
    opportunities: Sequence[Opening],
    latest_post: StoryPost | None,
    last_in: datetime | None,
    last_out: datetime | None,
    now: datetime,
) -> NextStep:
    """The one thing to do next: answer them first; after a long silence, their latest post is
    an opening; else act on what is open; else nothing pressing."""
    if waiting:
        first = waiting[0]
        verb = {"mention": "mentioned you", "comment": "commented on your blog"}.get(
            first.kind, "replied to you"
        )
        return NextStep(
            "answer", f"they {verb} {duration_text(now - first.at)} ago: answer", first.url
        )
    last = max((t for t in (last_in, last_out) if t is not None), default=None)
    posted = latest_post.post.created_at if latest_post is not None else None
    fresh = posted is not None and now - posted <= timedelta(days=OPENING_DAYS)
    if (last is None or now - last >= QUIET_AFTER) and fresh and latest_post is not None:
        silence = (
            "no contact yet" if last is None else f"no contact for {duration_text(now - last)}"
        )
        url = latest_post.post.url
        return NextStep("reach-out", f"{silence}: their latest post is an opening", url)
    if opportunities:
        top = opportunities[0]
        why = f" ({top.reason})" if top.reason else ""
        return NextStep(top.action, f"their post is open for a {top.action}{why}", top.url)
    if last is None:
        return NextStep("start", "no contact yet and nothing recent from them: say hello")
    if now - last >= QUIET_AFTER:
        return NextStep("reach-out", f"no contact for {duration_text(now - last)}: say hello")
    return NextStep("none", f"in touch ({duration_text(now - last)} ago): nothing pressing")


def _excerpt(text: str | None) -> str:
    return cap(" ".join((text or "").split()), EXCERPT)
