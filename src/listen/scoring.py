"""Participation score per platform: 0-100 over a window, four components of 0-25 each.

- response: of the posts shown to you (in a digest) in the window whose fate is known, the
  share you acted on: participated / (participated + lurked). Open items do not count yet.
- depth: the mean weight of your engagements in the window: a comment or reply 1, a quote,
  share, repost or mention 0.5, a like 0.25.
- breadth: of the contacts whose posts were shown to you (in a digest) in the window, the share
  you engaged with (on any of their posts) in the window.
- consistency: the share of the window's days with at least one engagement.

Pure functions over facts from the store; `now` is always explicit.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate
from operator import attrgetter

from listen.facts import EngagementFact, MarkFact, ShownItem
from listen.tracker import track

COMPONENT_MAX = 25.0
DEPTH_WEIGHTS = {
    "comment": 1.0,
    "reply": 1.0,
    "quote": 0.5,
    "share": 0.5,
    "repost": 0.5,
    "mention": 0.5,
    "like": 0.25,
}
HISTORY_POINTS = 6
HISTORY_STEP = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class ScoreComponents:
    """One platform's score over one window, with the counts behind it."""

    response: float
    depth: float
    breadth: float
    consistency: float
    participated: int = 0
    lurked: int = 0
    open: int = 0
    engagements_by_kind: dict[str, int] = field(default_factory=dict)
    contacts_engaged: int = 0
    contacts_posting: int = 0
    active_days: int = 0
    window_days: int = 0

    @property
    def total(self) -> float:
        return self.response + self.depth + self.breadth + self.consistency

    @property
    def lurk_ratio(self) -> float:
        """Lurked / (participated + lurked) among shown posts; 0 when none is decided."""
        decided = self.participated + self.lurked
        return self.lurked / decided if decided else 0.0


@dataclass(frozen=True, slots=True)
class PlatformScore:
    """The current window's score, the previous window's total and a short history."""

    platform: str
    window_start: datetime
    window_end: datetime
    current: ScoreComponents
    previous_total: float
    history: tuple[float, ...] = ()  # totals of windows ending HISTORY_STEP apart, oldest first

    @property
    def total(self) -> float:
        return self.current.total

    @property
    def trend(self) -> float:
        """Change against the previous window (positive: participating more)."""
        return self.current.total - self.previous_total


def score_window(
    platform: str,
    *,
    shown: Sequence[ShownItem],
    engagements: Sequence[EngagementFact],
    marks: Sequence[MarkFact],
    start: datetime,
    end: datetime,
    response_window: timedelta,
) -> ScoreComponents:
    """The four components for `platform` over [start, end), judged as of `end`."""
    return _PlatformFacts.of(platform, shown, engagements, marks).score(start, end, response_window)


@dataclass(frozen=True, slots=True)
class _PlatformFacts:
    """One platform's facts, indexed once so many windows can be scored cheaply: engagements
    sorted by time (a window is a slice found by bisection), and apart the few on shown posts
    (the only ones the tracker can use)."""

    platform: str
    shown: list[ShownItem]
    times: list[datetime]  # every engagement's engaged_at, sorted
    depth_sums: list[float]  # depth_sums[k]: the depth weights of the first k engagements
    kind_times: dict[str, list[datetime]]  # per kind, sorted
    contact_times: dict[int, list[datetime]]  # per contact, sorted
    on_shown: list[EngagementFact]
    marks: list[MarkFact]

    @classmethod
    def of(
        cls,
        platform: str,
        shown: Iterable[ShownItem],
        engagements: Iterable[EngagementFact],
        marks: Iterable[MarkFact],
    ) -> _PlatformFacts:
        mine = [s for s in shown if s.platform == platform]
        ids = {s.post_id for s in mine}
        shown_contacts = {s.contact_id for s in mine}
        ordered = sorted(
            (e for e in engagements if e.platform == platform), key=attrgetter("engaged_at")
        )
        times = [e.engaged_at for e in ordered]
        kind_times: dict[str, list[datetime]] = {}
        contact_times: dict[int, list[datetime]] = {}  # only contacts shown (breadth asks)
        for e in ordered:
            kind_times.setdefault(e.kind, []).append(e.engaged_at)
            if e.contact_id in shown_contacts and e.contact_id is not None:
                contact_times.setdefault(e.contact_id, []).append(e.engaged_at)
        # weights are multiples of 1/4: these sums are exact, as sum() over a slice is
        depth_sums = list(
            accumulate((DEPTH_WEIGHTS.get(e.kind, 0.0) for e in ordered), initial=0.0)
        )
        return cls(
            platform,
            mine,
            times,
            depth_sums,
            kind_times,
            contact_times,
            [e for e in ordered if e.post_id in ids],
            [m for m in marks if m.post_id in ids],
        )

    def score(self, start: datetime, end: datetime, response_window: timedelta) -> ScoreComponents:
        window_days = max(1, round((end - start) / timedelta(days=1)))
        tracked = [
            t
            for t in track(
                self.shown, self.on_shown, self.marks, now=end, response_window=response_window
            )
            if start <= t.first_shown_at < end
        ]
        statuses = Counter(t.status for t in tracked)
        participated, lurked = statuses["participated"], statuses["lurked"]
        decided = participated + lurked
        response = COMPONENT_MAX * participated / decided if decided else 0.0

        first, stop = _span(self.times, start, end)
        count = max(0, stop - first)
        by_kind = {
            kind: n
            for kind, times in sorted(self.kind_times.items())
            if (n := _count(times, start, end))
        }
        depth = (
            COMPONENT_MAX * (self.depth_sums[stop] - self.depth_sums[first]) / count
            if count
            else 0.0
        )

        posting = {
            s.contact_id
            for s in self.shown
            if s.contact_id is not None and start <= s.shown_at < end
        }
        reached = {c for c in posting if _count(self.contact_times.get(c, []), start, end)}
        breadth = COMPONENT_MAX * len(reached) / len(posting) if posting else 0.0

        # Day d of the window is active when an engagement falls in
        # [start + d days, start + d + 1 days) and before `end`.
        day = timedelta(days=1)
        active_days = sum(
            1
            for d in range(window_days)
            if _count(self.times, start + d * day, min(end, start + (d + 1) * day))
        )
        consistency = COMPONENT_MAX * active_days / window_days

        return ScoreComponents(
            response=response,
            depth=depth,
            breadth=breadth,
            consistency=consistency,
            participated=participated,
            lurked=lurked,
            open=statuses["open"],
            engagements_by_kind=by_kind,
            contacts_engaged=len(reached),
            contacts_posting=len(posting),
            active_days=active_days,
            window_days=window_days,
        )


def _span(times: list[datetime], start: datetime, end: datetime) -> tuple[int, int]:
    """The slice of sorted `times` with start <= time < end."""
    return bisect_left(times, start), bisect_left(times, end)


def _count(times: list[datetime], start: datetime, end: datetime) -> int:
    first, stop = _span(times, start, end)
    return max(0, stop - first)


def participation_scores(
    *,
    shown: Sequence[ShownItem],
    engagements: Iterable[EngagementFact],
    marks: Sequence[MarkFact],
    now: datetime,
    window: timedelta,
    response_window: timedelta,
    platforms: Iterable[str] | None = None,
    history_points: int = HISTORY_POINTS,
    history_step: timedelta = HISTORY_STEP,
) -> list[PlatformScore]:
    """A `PlatformScore` per platform that has any activity (or per platform asked for)."""
    facts = list(dict.fromkeys(engagements))
    start = now - window
    if platforms is None:
        earliest = history_start(now, window, history_points, history_step)
        seen = {s.platform for s in shown if earliest <= s.shown_at < now}
        seen |= {e.platform for e in facts if earliest <= e.engaged_at < now}
        wanted = sorted(seen)
    else:
        wanted = list(platforms)

    by_platform: dict[str, list[EngagementFact]] = {}
    for fact in facts:
        by_platform.setdefault(fact.platform, []).append(fact)
    scores = []
    for platform in wanted:
        facts_of = _PlatformFacts.of(platform, shown, by_platform.get(platform, []), marks)
        current = facts_of.score(start, now, response_window)
        history = tuple(
            current.total
            if i == 0
            else facts_of.score(
                now - i * history_step - window, now - i * history_step, response_window
            ).total
            for i in reversed(range(history_points))
        )
        scores.append(
            PlatformScore(
                platform=platform,
                window_start=start,
                window_end=now,
                current=current,
                previous_total=facts_of.score(start - window, start, response_window).total,
                history=history,
            )
        )
    return scores


def history_start(
    now: datetime,
    window: timedelta,
    history_points: int = HISTORY_POINTS,
    history_step: timedelta = HISTORY_STEP,
) -> datetime:
    """The earliest moment `participation_scores` looks at: load facts from here."""
    return min(now - 2 * window, now - window - (history_points - 1) * history_step)
