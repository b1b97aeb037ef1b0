"""The digest, the participation score, and importing activity from a LinkedIn export."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from listen.app.relationships import circle_report
from listen.config import Config
from listen.digest.build import build_digest, summarise_activity
from listen.errors import InputError
from listen.linkedin_export import read_linkedin_export
from listen.scoring import HISTORY_POINTS, history_start, participation_scores
from listen.store import Store
from listen.tracker import going_cold

if TYPE_CHECKING:
    from listen.digest.build import Digest
    from listen.facts import EngagementFact, MarkFact, ShownItem
    from listen.scoring import PlatformScore

log = logging.getLogger(__name__)


def participation(
    config: Config,
    store: Store,
    *,
    now: datetime,
    window: timedelta | None = None,
    platforms: Iterable[str] | None = None,
    weeks: int = HISTORY_POINTS,
) -> list[PlatformScore]:
    """Participation score per platform over `window` (default digest.score_window_days), with
    the totals of the last `weeks` windows a week apart (the trend)."""
    facts = _participation_facts(config, store, now=now, window=window, weeks=weeks)
    return facts.scores(platforms)


def daily_digest(
    config: Config,
    store: Store,
    *,
    now: datetime,
    since: timedelta | None = None,
    record: bool = True,
    record_repeats: bool = True,
) -> Digest:
    """Build the digest for [now - since, now] and record what it shows (so lurking is a fact).
    With `record_repeats` False a post already shown is not recorded again: a page reloaded
    all day shows the same posts, and the first showing is the one the tracker counts."""

    since = since or timedelta(hours=config.digest.since_hours)
    facts = _participation_facts(config, store, now=now)
    activity = summarise_activity(
        engagements=facts.engagements,
        shown=facts.shown,
        shown_engagements=facts.engagements,
        marks=facts.marks,
        since=now - since,
        now=now,
        response_window=facts.response_window,
    )
    digest = build_digest(
        candidates=store.digest_candidates(now - since, now),
        cold=going_cold(
            store.contact_activity(),
            now=now,
            cold_after=timedelta(days=config.digest.cold_after_days),
        ),
        activity=activity,
        scores=facts.scores(None),
        now=now,
        since=now - since,
        top=config.digest.top,
        explore_share=config.digest.explore_share,
    )
    circle = circle_report(config, store, now=now)
    digest = dataclasses.replace(digest, talked=circle.talked, circle=circle)
    if digest.empty and digest.quiet is not None:  # say why, when posts were collected
        collected, newest_at = store.contact_posts_collected()
        quiet = dataclasses.replace(digest.quiet, collected=collected, newest_at=newest_at)
        digest = dataclasses.replace(digest, quiet=quiet)
    if record:
        rows = digest.shown_rows()
        if not record_repeats:
            shown = {s.post_id for s in facts.shown}
            rows = [row for row in rows if row[0] not in shown]
        store.record_digest_items(rows, shown_at=now)
    return digest


@dataclass(frozen=True)
class _ParticipationFacts:
    shown: list[ShownItem]
    engagements: list[EngagementFact]
    marks: list[MarkFact]
    now: datetime
    window: timedelta
    response_window: timedelta
    weeks: int = HISTORY_POINTS

    def scores(self, platforms: Iterable[str] | None) -> list[PlatformScore]:
        return participation_scores(
            shown=self.shown,
            engagements=self.engagements,
            marks=self.marks,
            now=self.now,
            window=self.window,
            response_window=self.response_window,
            platforms=platforms,
            history_points=self.weeks,
        )


def _participation_facts(
    config: Config,
    store: Store,
    *,
    now: datetime,
    window: timedelta | None = None,
    weeks: int = HISTORY_POINTS,
) -> _ParticipationFacts:
    """Everything the tracker and scorer need, each read by an indexed time range."""

    window = window or timedelta(days=config.digest.score_window_days)
    response_window = timedelta(days=config.digest.response_window_days)
    start = history_start(now, window, weeks) - response_window
    # Times are stored to the second: what happened in the current second happened by `now`.
    until = now + timedelta(seconds=1)
    shown = store.shown_items(start, until)
    shown_ids = [s.post_id for s in shown]
    engagements = list(
        dict.fromkeys([*store.engagements_between(start, until), *store.engagements_on(shown_ids)])
    )
    return _ParticipationFacts(
        shown=shown,
        engagements=engagements,
        marks=store.marks_on(shown_ids),
        now=now,
        window=window,
        response_window=response_window,
        weeks=weeks,
    )


def import_linkedin_export(store: Store, directory: Path, *, now: datetime) -> ImportSummary:
    """Record a LinkedIn export's comments, shares and reactions as engagements."""

    reading = read_linkedin_export(directory)
    with store.transaction():
        added = store.insert_engagements(reading.engagements, now=now)
    kinds: dict[str, int] = {}
    for engagement in reading.engagements:
        kinds[engagement.kind] = kinds.get(engagement.kind, 0) + 1
    return ImportSummary(reading.files, len(reading.engagements), added, kinds, reading.skipped)


@dataclass(frozen=True)
class ImportSummary:
    """What `listen import linkedin` read and stored."""

    files: tuple[str, ...]
    read: int
    added: int
    by_kind: dict[str, int]
    skipped: dict[str, int]


def digest_subject(digest: Digest) -> str:
    """The mail's subject line: what the digest asks of the user today."""
    if digest.empty:
        return "listen: a quiet day"
    talked = f"{len(digest.talked)} talked to you, " if digest.talked else ""
    return (
        f"listen: {talked}{len(digest.reply)} to reply, {len(digest.share)} to share, "
        f"{len(digest.cold)} going cold"
    )


@dataclass(frozen=True, slots=True)
class DigestDelivery:
    """Where a digest goes: a file, the screen, mail (any of them together)."""

    output: Path | None = None
    screen: Callable[[str], None] | None = None  # shows the rendered digest
    email: bool = False


def deliver_digest(
    config: Config,
    store: Store,
    digest: Digest,
    rendered: str,
    delivery: DigestDelivery,
    *,
    now: datetime,
    on_delivered: Callable[[str, str], None] | None = None,
) -> None:
    """Write, show and/or mail the digest, then record what it showed. Recorded only once
    delivered: a failed write or mail must not count as the user lurking on its posts.
    `on_delivered(how, where)` hears each delivery ("written", path; "mailed", recipient)."""
    if delivery.output is not None:
        try:
            delivery.output.write_text(rendered, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write {delivery.output}: {exc.strerror or exc}") from None
        if on_delivered:
            on_delivered("written", str(delivery.output))
    if delivery.screen is not None:
        delivery.screen(rendered)
    if delivery.email:
        from listen.digest.render import render_html, render_text  # only when mailing
        from listen.digest.send import send_digest  # smtplib and ssl: only when mailing

        to = send_digest(
            config,
            subject=digest_subject(digest),
            text=render_text(digest),
            html=render_html(digest, actions_url=config.serve.public_url or None),
        )
        if on_delivered:
            on_delivered("mailed", to)
    store.record_digest_items(digest.shown_rows(), shown_at=now)
