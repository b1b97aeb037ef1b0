"""The user's own history → labelled examples for `listen train` (pure; no I/O).

Labels: a mark (`listen mark`) wins; else replied/commented → comment, shared/quoted/reposted
→ share, liked → like (a weak positive); else shown in a digest and not engaged with within the
response window → skip; anything else is unknown and left out. Each example's contact features
(last engagement, engagement rate) are computed from what happened *before* the moment it would
have been scored, never from later events.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from listen.clock import parse_iso
from listen.facts import TrainingHistory
from listen.models.classifier import LabelledPost
from listen.models.features import PostForScoring

ENGAGEMENT_LABELS = {
    "reply": "comment",
    "comment": "comment",
    "quote": "share",
    "repost": "share",
    "share": "share",
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
    """Labelled examples from `Store.training_history()`."""
    window = timedelta(days=response_window_days)
    engagements: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    for post_id, kind, at in history.engagements:
        moment = parse_iso(at)
        if moment is not None:
            engagements[post_id].append((kind, moment))
    marks: Mapping[str, str] = history.marks
    first_shown: Mapping[str, str] = history.first_shown

    rows = []
    for row in history.posts:
        created = parse_iso(row.created_at) or parse_iso(row.collected_at)
        if created is None:
            continue
        collected = parse_iso(row.collected_at) or created
        as_of = max(created, min(collected, created + SCORING_DELAY))
        rows.append((row, created, as_of))

    # Per contact: when each of their posts appeared, and when the user engaged with them.
    post_times: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    first_engaged: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    engaged_events: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for row, created, _ in rows:
        contact = row.contact_id
        if contact is None:
            continue
        post_times[contact].append((created, row.id))
        times = sorted(t for _, t in engagements.get(row.id, []))
        if times:
            first_engaged[contact].append((times[0], row.id))
            engaged_events[contact].extend((t, row.id) for t in times)
    for table in (post_times, first_engaged, engaged_events):
        for events in table.values():
            events.sort()

    examples = []
    for row, created, as_of in rows:
        label = label_for(
            [k for k, _ in engagements.get(row.id, [])],
            marks.get(row.id),
            parse_iso(first_shown.get(row.id)),
            now,
            window,
        )
        if label is None:
            continue
        contact = row.contact_id
        earlier = engaged = 0
        last = None
        if contact is not None:
            own_engagements = sorted(t for _, t in engagements.get(row.id, []))
            earlier = _count_before(post_times[contact], as_of, created)
            engaged = _count_before(
                first_engaged.get(contact, []),
                as_of,
                own_engagements[0] if own_engagements else None,
            )
            last = _last_before(engaged_events.get(contact, []), as_of, row.id)
        post = PostForScoring(
            id=row.id,
            platform=row.platform,
            text=row.text or "",
            title=row.title,
            kind=row.kind or "post",
            url=row.url,
            created_at=created,
            reply_to=row.reply_to,
            contact_id=contact,
            contact_name=row.contact_name,
            contact_priority=int(row.contact_priority or 2),
            last_engaged_at=last,
            contact_posts=earlier,
            contact_engaged_posts=engaged,
        )
        examples.append(LabelledPost(post=post, label=label, at=created, as_of=as_of))
    return examples


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
