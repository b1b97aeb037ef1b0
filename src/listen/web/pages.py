"""What each page shows, read through the application layer (never the store): plain data
the templates render. Each function takes the store handle first, so the server can run it on
the thread that owns the database.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from listen import app
from listen.clock import utcnow
from listen.digest.build import Activity, Digest, DigestItem
from listen.digest.render import activity_line, age_text, empty_line, lurked_text, silence_text
from listen.facts import PostHit, PostSummary
from listen.health import SourceHealth
from listen.redact import without_url_password
from listen.scoring import PlatformScore
from listen.text import http_url
from listen.web.charts import COMPONENTS, component_bars, scale_top, trend_line
from listen.web.settings import WebSettings

TREND_WEEKS = 12

# The buttons under a post: (mark label, what the button says). "Not relevant" teaches the
# classifier a negative; "Skip" says it was not worth it this time.
BUTTONS = (
    ("comment", "Replied"),
    ("share", "Shared"),
    ("like", "Liked"),
    ("skip", "Skip"),
    ("irrelevant", "Not relevant"),
)
# Under a reply or mention to you: answering it is the only action. Both clear it from "They
# talked to you", also when listen did not collect it as a post (`app.mark_post` then finds it
# by its link); liking, sharing or skipping needs a stored post.
ANSWER_BUTTONS = (("comment", "Replied"), ("done", "Done"))
BUTTON_TEXT = dict(BUTTONS) | dict(ANSWER_BUTTONS)


@dataclass(frozen=True, slots=True)
class Card:
    """One post as a page shows it: who, where, when, what to do and why."""

    post_id: str
    platform: str
    contact: str
    url: str | None  # http(s) only
    headline: str
    excerpt: str
    when: str
    action: str | None = None
    reason: str = ""
    mark: str | None = None
    engaged: bool = False
    note: str = ""  # e.g. how long the user has been silent
    buttons: tuple[tuple[str, str], ...] = BUTTONS  # (mark label, text) under the card


def now_of(settings: WebSettings) -> datetime:
    """The pages' 'now': fixed for recorded data and benchmarks, else the clock."""
    return settings.now or utcnow()


def _age(created_at: datetime | None, now: datetime) -> str:
    if created_at is None:
        return ""
    return age_text((now - created_at) / timedelta(hours=1))


def card_of_item(item: DigestItem) -> Card:
    body = item.excerpt if item.title and item.excerpt != item.title else ""
    return Card(
        item.post_id,
        item.platform,
        item.contact,
        http_url(item.url),
        item.title or item.excerpt or item.post_id,
        body,
        age_text(item.age_hours),
        item.action,
        item.reason,
    )


def headline_and_body(title: str | None, excerpt: str, fallback: str) -> tuple[str, str]:
    """A card's headline (the title, else the text's start) and the rest of the text."""
    if title:
        return title, excerpt
    return excerpt[:120] or fallback, excerpt[120:]


def card_of_post(
    post: PostSummary, now: datetime, *, action: str | None = None, note: str = ""
) -> Card:
    headline, body = headline_and_body(post.title, post.excerpt, post.id)
    return Card(
        post.id,
        post.platform,
        post.contact_name or post.author_handle or "someone",
        http_url(post.url),
        headline,
        body[:280],
        _age(post.created_at, now),
        action,
        note=note,
    )


def card_of_hit(hit: PostHit, now: datetime) -> Card:
    card = card_of_post(hit.post, now, action=hit.action)
    return replace(card, mark=hit.mark, engaged=hit.engaged)


def card_of_reply(reply: app.ReplyBack) -> Card:
    """A reply or mention waiting for an answer, named by its post's id, else its link (what
    `app.mark_post` accepts for it); with neither, nothing can be recorded: no buttons."""
    ref = reply.their_post or reply.url
    return Card(
        ref or "",
        reply.platform,
        reply.contact,
        http_url(reply.url),
        reply.text[:160] or reply.kind,
        "",
        age_text(reply.waiting_hours),
        reply.kind,
        note="waiting for your answer",
        buttons=ANSWER_BUTTONS if ref else (),
    )


# -- Today --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TodayView:
    now: datetime
    since: datetime
    reply: tuple[Card, ...]
    share: tuple[Card, ...]
    cold: tuple[Card, ...]
    did: str
    lurked: str
    scores: tuple[PlatformScore, ...]
    quiet: str | None
    # The people features' sections (they talked to you, your circle): None until wired in.
    talked_to_you: tuple[Card, ...] | None = None
    circle: tuple[str, ...] | None = None


class TodayCache:
    """Today's page is kept until the database changes (a collect, a mark) or five minutes
    pass: building the digest reads a month of facts, rendering the kept one reads nothing.
    Used on the database thread only."""

    def __init__(self) -> None:
        self.key: tuple[object, ...] | None = None
        self.view: TodayView | None = None

    def today(self, store: app.Store, settings: WebSettings) -> TodayView:
        now = now_of(settings)
        bucket = now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)
        if self.view is not None and self.key == (app.change_marker(store), bucket):
            return self.view
        self.view = today(store, settings)
        self.key = (app.change_marker(store), bucket)  # after its own recording
        return self.view


def today(store: app.Store, settings: WebSettings) -> TodayView:
    """The digest as of now; what it shows is recorded once (reloading records nothing new)."""
    now = now_of(settings)
    digest: Digest = app.daily_digest(
        settings.config, store, now=now, since=settings.since, record_repeats=False
    )
    handled = app.marked(store, [c.opening.id for c in digest.cold])  # e.g. "Not relevant"
    cold = tuple(
        card_of_post(c.opening, now, action="comment", note=silence_text(c))
        for c in digest.cold
        if c.opening.id not in handled
    )
    activity: Activity = digest.activity
    return TodayView(
        now=now,
        since=digest.since,
        reply=tuple(card_of_item(i) for i in digest.reply),
        share=tuple(card_of_item(i) for i in digest.share),
        cold=cold,
        did=activity_line(activity),
        lurked=lurked_text(activity),
        scores=digest.scores,
        quiet=empty_line(digest) if digest.empty else None,
        talked_to_you=tuple(card_of_reply(r) for r in digest.talked),
        circle=(
            tuple(u.name for u in digest.circle.untouched) if digest.circle is not None else None
        ),
    )


# -- Contact ------------------------------------------------------------------------------------

TIMELINE_SHOWN = 12  # timeline entries shown at once; the older ones open on request
# A timeline entry's direction, as the page says it (and not by colour alone).
DIRECTION_TEXT = {"theirs": "They posted", "out": "You → them", "in": "Them → you"}


@dataclass(frozen=True, slots=True)
class IdentityRow:
    """One of the contact's accounts, with what its profile says when a follows import saw it."""

    platform: str
    handle: str  # a feed URL's password masked
    display_name: str = ""
    followers: int | None = None
    bio: str = ""


@dataclass(frozen=True, slots=True)
class Moment:
    """One timeline entry as the page shows it."""

    at: datetime
    direction: str  # theirs, out, in
    said: str  # DIRECTION_TEXT
    kind: str
    platform: str
    text: str
    url: str | None  # http(s) only


@dataclass(frozen=True)
class ContactView:
    story: app.ContactStory
    identities: tuple[IdentityRow, ...]
    last_out: str  # "3 days ago" or "never"
    last_in: str
    next_url: str | None  # http(s) only
    openings: tuple[Card, ...]  # with the mark buttons
    timeline: tuple[Moment, ...]  # newest first; the page folds all but TIMELINE_SHOWN


def contact(store: app.Store, settings: WebSettings, name: str) -> ContactView:
    """One person's story (`app.contact_story`: the same as `listen contacts show`), with the
    profiles of their accounts (`app.contact_page`)."""
    now = now_of(settings)
    story = app.contact_story(settings.config, store, name, now=now)
    return ContactView(
        story,
        identity_rows(story, app.contact_page(store, story.name)),
        _ago(story.last_out, now),
        _ago(story.last_in, now),
        http_url(story.next_step.url),
        tuple(card_of_opening(o, story.name, now) for o in story.opportunities),
        tuple(
            Moment(
                t.at,
                t.direction,
                DIRECTION_TEXT.get(t.direction, t.direction),
                t.kind,
                t.platform,
                t.text,
                http_url(t.url),
            )
            for t in story.timeline
        ),
    )


def identity_rows(story: app.ContactStory, page: app.ContactPage) -> tuple[IdentityRow, ...]:
    """The story's identities, with the profile `page` holds for each, if any."""
    profiles = {(i.platform, i.handle): i.profile for i in page.identities if i.profile}
    rows = []
    for platform, handle in story.identities:
        profile = profiles.get((platform, handle))
        row = IdentityRow(platform, without_url_password(handle))
        if profile is not None:
            row = replace(
                row,
                display_name=profile.display_name,
                followers=profile.followers_count,
                bio=profile.bio[:200],
            )
        rows.append(row)
    return tuple(rows)


def card_of_opening(opening: app.Opening, name: str, now: datetime) -> Card:
    """A post of theirs that is open for an action, with the buttons to record it."""
    headline, body = headline_and_body(opening.title, opening.excerpt, opening.post_id)
    return Card(
        opening.post_id,
        opening.platform,
        name,
        http_url(opening.url),
        headline,
        body,
        _age(opening.created_at, now),
        opening.action,
        opening.reason,
    )


def _ago(moment: datetime | None, now: datetime) -> str:
    return "never" if moment is None else f"{_age(moment, now)} ({moment:%d %b %Y})"


def set_priority(store: app.Store, settings: WebSettings, name: str, priority: int) -> int:
    return app.set_contact_priority(store, name, priority)


# -- Score --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreChart:
    score: PlatformScore
    components_svg: str
    trend_svg: str
    weeks: tuple[tuple[str, float], ...]  # the trend as a table too


@dataclass(frozen=True)
class PeopleChart:
    """The people line (`app.people_score`): the circle against its goal, week by week."""

    score: app.PeopleScore
    circle_svg: str
    weeks: tuple[tuple[str, int], ...]  # the circle's 12 weeks as a table too
    helped_weeks: tuple[tuple[str, int], ...]  # people helped, the last 4 weeks


@dataclass(frozen=True)
class ScoreView:
    people: PeopleChart
    platforms: tuple[ScoreChart, ...]


def week_labels(now: datetime, weeks: int) -> tuple[str, ...]:
    """The day each of the last `weeks` weeks ends, oldest first ("31 May")."""
    return tuple((now - timedelta(weeks=i)).strftime("%d %b") for i in reversed(range(weeks)))


def score(store: app.Store, settings: WebSettings) -> ScoreView:
    """The people line, then each platform's four components and its 12-week trend, as SVG
    and as numbers."""
    now = now_of(settings)
    charts = []
    for s in app.participation(settings.config, store, now=now, weeks=TREND_WEEKS):
        labels = week_labels(now, len(s.history))
        values = [(name, getattr(s.current, name)) for name in COMPONENTS]
        charts.append(
            ScoreChart(
                s,
                component_bars(values, title=f"{s.platform}: the four components"),
                trend_line(s.history, labels, title=f"{s.platform}: weekly score, 12 weeks"),
                tuple(zip(labels, s.history, strict=True)),
            )
        )
    return ScoreView(
        people_chart(app.people_score(settings.config, store, now=now), now), tuple(charts)
    )


def people_chart(people: app.PeopleScore, now: datetime) -> PeopleChart:
    """The circle's weeks against the goal (scaled to fit both), and the people helped."""
    labels = week_labels(now, len(people.trend))
    circle = trend_line(
        people.trend,
        labels,
        title=f"Your circle: people in touch each week, goal {people.goal}",
        top=scale_top(people.trend, people.goal),
        goal=people.goal,
        kind="trend circle",
    )
    helped = week_labels(now, len(people.helped_trend))
    return PeopleChart(
        people,
        circle,
        tuple(zip(labels, people.trend, strict=True)),
        tuple(zip(helped, people.helped_trend, strict=True)),
    )


# -- Sources ------------------------------------------------------------------------------------


def sources(store: app.Store, settings: WebSettings) -> app.StatusReport:
    return app.status_report(settings.config, store)


def sources_in_order(report: app.StatusReport) -> list[SourceHealth]:
    """Failing sources first, then by platform and target."""
    return sorted(report.sources, key=lambda s: (s.alert is None, s.platform, s.target))


# -- Posts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchView:
    text: str
    contact: str
    platform: str
    action: str
    cards: tuple[Card, ...]
    searched: bool


def search(
    store: app.Store, settings: WebSettings, text: str, contact: str, platform: str, action: str
) -> SearchView:
    hits = app.search_posts(
        store, text, contact=contact or None, platform=platform or None, action=action or None
    )
    now = now_of(settings)
    cards = tuple(card_of_hit(h, now) for h in hits)
    return SearchView(text, contact, platform, action, cards, True)


def confirm(store: app.Store, settings: WebSettings, post_id: str) -> Card:
    """The post an e-mailed button names, for its confirm page."""
    return card_of_hit(app.post_hit(store, post_id), now_of(settings))


def mark(store: app.Store, settings: WebSettings, post_id: str, label: str) -> str:
    return app.mark_post(store, post_id, label, now=now_of(settings))
