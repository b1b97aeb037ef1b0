"""The user's own history → labelled examples for `listen train` (pure; no I/O).

Labels: a mark (`listen mark`) wins; else replied/commented → comment, shared/quoted/reposted
→ share, liked → like (a weak positive); else shown in a digest and not engaged with within the
response window → skip; anything else is unknown and left out. Each example's contact features
(last engagement, engagement rate) are computed from what happened *before* the moment it would
have been scored, never from later events.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from listen.clock import parse_iso
from listen.facts import REPLY_KINDS, SHARE_KINDS, PostToScore, TrainingHistory
from listen.models.classifier import LabelledPost
from listen.models.features import PostForScoring, post_from_row

ENGAGEMENT_LABELS = {
    **dict.fromkeys(REPLY_KINDS, "comment"),
    **dict.fromkeys(SHARE_KINDS, "share"),
    "like": "like",
}
MARK_LABELS = {
    "comment": "comment",
    "share": "share",
    "like": "like",
    "skip": "skip",
    "done": "comment",
}
LABEL_STRENGTH = {"comment": 3, "share": 2, "like": 1}
SCORING_DELAY = timedelta(days=1)  # a post is scored at collection, at most a day after it appears


def label_for(
    kinds: Sequence[str],
    mark: str | None,
    first_shown: datetime | None,
    now: datetime,
    response_window: timedelta,
) -> str | None:
    """The training label of one post, or None when we cannot tell yet."""
    if mark in MARK_LABELS:
        return MARK_LABELS[mark]
    labels = [ENGAGEMENT_LABELS[k] for k in kinds if k in ENGAGEMENT_LABELS]
    if labels:
        return max(labels, key=LABEL_STRENGTH.__getitem__)
    if first_shown is not None and first_shown + response_window <= now:
        return "skip"
    return None


def history_examples(
    history: TrainingHistory, now: datetime, response_window_days: int = 3
) -> list[LabelledPost]:
    """Labelled examples from `Store.training_history()`, each post's author statistics as
    they were when the post was scored (no example sees the future)."""
    window = timedelta(days=response_window_days)
    engagements = _engagements_by_post(history)
    rows = _dated_posts(history)
    timelines = _ContactTimelines.of(rows, engagements)
    examples = []
    for row, created, as_of in rows:
        label = label_for(
            [k for k, _ in engagements.get(row.id, [])],
            history.marks.get(row.id),
            parse_iso(history.first_shown.get(row.id)),
            now,
            window,
        )
        if label is None:
            continue
        post = timelines.post_as_of(row, created, as_of, engagements.get(row.id, []))
        examples.append(LabelledPost(post=post, label=label, at=created, as_of=as_of))
    return examples


Events = list[tuple[datetime, str]]  # (when, post id), sorted


def _engagements_by_post(history: TrainingHistory) -> dict[str, list[tuple[str, datetime]]]:
    """post id → (kind, when) of the user's engagements with it."""
    engagements: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    for post_id, kind, at in history.engagements:
        moment = parse_iso(at)
        if moment is not None:
            engagements[post_id].append((kind, moment))
    return engagements


def _dated_posts(history: TrainingHistory) -> list[tuple[PostToScore, datetime, datetime]]:
    """(post, when it appeared, when it was scored) for every post with a time."""
    rows = []
    for row in history.posts:
        created = parse_iso(row.created_at) or parse_iso(row.collected_at)
        if created is None:
            continue
        collected = parse_iso(row.collected_at) or created
        rows.append((row, created, max(created, min(collected, created + SCORING_DELAY))))
    return rows


# Which engagements each per-contact count is about: any, replies, shares.
COUNTED_KINDS: dict[str, tuple[str, ...] | None] = {
    "engaged": None,
    "replied": REPLY_KINDS,
    "shared": SHARE_KINDS,
}


@dataclass(frozen=True)
class _ContactTimelines:
    """Per contact: when each of their posts appeared, when the user first engaged with each
    (first of any kind, first reply, first share: `COUNTED_KINDS`), and every engagement with
    them."""

    post_times: dict[int, Events]
    first: dict[str, dict[int, Events]]
    engaged_events: dict[int, Events]

    @classmethod
    def of(
        cls,
        rows: Sequence[tuple[PostToScore, datetime, datetime]],
        engagements: Mapping[str, list[tuple[str, datetime]]],
    ) -> _ContactTimelines:
        timelines = cls(
            defaultdict(list), {k: defaultdict(list) for k in COUNTED_KINDS}, defaultdict(list)
        )
        for row, created, _ in rows:
            contact = row.contact_id
            if contact is None:
                continue
            timelines.post_times[contact].append((created, row.id))
            own = engagements.get(row.id, [])
            timelines.engaged_events[contact].extend((t, row.id) for _, t in own)
            for counted, first in timelines.first.items():
                moment = _first_of(own, COUNTED_KINDS[counted])
                if moment is not None:
                    first[contact].append((moment, row.id))
        for table in (timelines.post_times, timelines.engaged_events, *timelines.first.values()):
            for events in table.values():
                events.sort()
        return timelines

    def post_as_of(
        self,
        row: PostToScore,
        created: datetime,
        as_of: datetime,
        own: Sequence[tuple[str, datetime]],
    ) -> PostForScoring:
        """The post as the classifier saw it at `as_of`: its author's history up to then."""
        contact = row.contact_id
        post = dataclasses.replace(post_from_row(row), created_at=created)
        if contact is None:
            return post
        counts = {
            counted: _count_before(
                first.get(contact, []), as_of, _first_of(own, COUNTED_KINDS[counted])
            )
            for counted, first in self.first.items()
        }
        return dataclasses.replace(
            post,
            last_engaged_at=_last_before(self.engaged_events.get(contact, []), as_of, row.id),
            contact_posts=_count_before(self.post_times[contact], as_of, created),
            contact_engaged_posts=counts["engaged"],
            contact_replied_posts=counts["replied"],
            contact_shared_posts=counts["shared"],
        )


def _first_of(
    engagements: Sequence[tuple[str, datetime]], kinds: tuple[str, ...] | None
) -> datetime | None:
    """When the first engagement of `kinds` (any kind if None) happened, if any did."""
    times = [t for kind, t in engagements if kinds is None or kind in kinds]
    return min(times) if times else None


def _count_before(
    events: list[tuple[datetime, str]], moment: datetime, own: datetime | None
) -> int:
    """How many events (one per post) happened strictly before `moment`, not counting the
    post's own event at time `own`."""
    end = bisect.bisect_left(events, (moment, ""))
    return end - (1 if own is not None and own < moment else 0)


def _last_before(
    events: list[tuple[datetime, str]], moment: datetime, exclude: str
) -> datetime | None:
    end = bisect.bisect_left(events, (moment, ""))
    for at, post_id in reversed(events[:end]):
        if post_id != exclude:
            return at
    return None
