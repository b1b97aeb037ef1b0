"""A digest with hostile post text, shared by the render and send tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from listen.digest.build import Activity, Digest, LurkedItem, build_digest
from listen.facts import Candidate, Classification, PostSummary
from listen.scoring import PlatformScore, ScoreComponents
from listen.tracker import ColdContact

NOW = datetime(2024, 5, 31, 8, tzinfo=UTC)
HOSTILE = (
    '<script>alert("x")</script><img src=x onerror=alert(1)> & [link](javascript:x)'
    "\x1b[2J\x1b]0;pwned\x07"  # terminal escapes: clear screen, set the window title
)


def summary(post_id: str, contact: str, text: str, title: str | None = None) -> PostSummary:
    return PostSummary(
        id=post_id,
        platform="bluesky",
        contact_id=1,
        contact_name=contact,
        priority=3,
        url=f"https://bsky.app/profile/ann/post/{post_id}",
        title=title,
        excerpt=text,
        kind="post",
        created_at=NOW - timedelta(hours=3),
    )


def sample_digest() -> Digest:
    candidates = [
        Candidate(
            summary("p1", "Ann <Admin>", "Who is going to the meetup on Thursday? " + HOSTILE),
            Classification(0.9, 0.1, "comment", ("asks a question",)),
        ),
        Candidate(
            summary("p2", "Ann <Admin>", "A guide to following up after events", "Follow-up guide"),
            Classification(0.2, 0.8, "share", ("useful guide",)),
        ),
    ]
    score = PlatformScore(
        platform="bluesky",
        window_start=NOW - timedelta(days=30),
        window_end=NOW,
        current=ScoreComponents(
            12.5, 12.5, 50 / 3, 2.5, 2, 2, 1, {"like": 2, "reply": 1}, 2, 3, 3, 30
        ),
        previous_total=30.0,
        history=(10.0, 20.0, 30.0, 35.0, 40.0, 44.0),
    )
    return build_digest(
        candidates=candidates,
        cold=[ColdContact(2, "Bob Cold", 2, 21, summary("p3", "Bob Cold", "Still here"))],
        activity=Activity(
            {"bluesky": {"like": 2, "reply": 1}},
            (LurkedItem("p9", "blog", "Cy", "An essay <b>bold</b>", "https://cy.example/e", NOW),),
        ),
        scores=[score],
        now=NOW,
        since=NOW - timedelta(hours=24),
        top=10,
    )
