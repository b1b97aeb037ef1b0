"""Tracker facts: what the digest, the tracker and the scorer read, each by an indexed time
range or key, so a digest over a large database reads only the rows of its window (tables
`posts`, `engagements`, `marks`, `digest_items`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from listen.clock import parse_iso, to_iso
from listen.facts import (
    Candidate,
    Classification,
    ContactActivity,
    EngagementFact,
    MarkFact,
    PostSummary,
    ShownItem,
)
from listen.store.base import (
    CHUNK,
    EXCERPT_CHARS,
    StoreBase,
    load_json_list,
    placeholders,
    post_summary,
)


class FactStore(StoreBase):
    """Read-only facts for the pure tracker, scorer and digest builder; digest bookkeeping."""

    def digest_candidates(
        self, start: datetime, end: datetime, *, limit: int = 5000
    ) -> list[Candidate]:
        """Contacts' posts created in [start, end] with classification, engagement and mark."""
        rows = self._conn.execute(
            "SELECT p.id, p.platform, p.contact_id, c.name, coalesce(c.priority, 2), p.url,"
            " p.title, substr(p.text, 1, ?), p.kind, p.created_at, p.author_handle,"
            " k.comment_probability, k.share_probability, k.action, k.reasons, k.model_version,"
            " EXISTS (SELECT 1 FROM engagements e WHERE e.post_id = p.id), m.label"
            " FROM posts p INDEXED BY posts_created"
            " JOIN contacts c ON c.id = p.contact_id"
            " LEFT JOIN classifications k ON k.post_id = p.id"
            " LEFT JOIN marks m ON m.post_id = p.id"
            " WHERE p.created_at >= ? AND p.created_at <= ?"
            " ORDER BY p.created_at DESC LIMIT ?",
            (EXCERPT_CHARS, to_iso(start), to_iso(end), limit),
        ).fetchall()
        result = []
        for row in rows:
            post = post_summary(row[:11])
            classification = None
            if row[13] is not None:
                reasons = load_json_list(row[14])
                classification = Classification(
                    comment_probability=float(row[11] or 0.0),
                    share_probability=float(row[12] or 0.0),
                    action=row[13],
                    reasons=tuple(str(r) for r in reasons),
                    model_version=row[15] or "",
                )
            result.append(Candidate(post, classification, bool(row[16]), row[17]))
        return result

    def contact_posts_collected(self) -> tuple[int, datetime | None]:
        """How many contacts' posts are stored, and when the newest was created."""
        count, newest = self._conn.execute(
            "SELECT count(*), max(created_at) FROM posts WHERE contact_id IS NOT NULL"
        ).fetchone()
        return int(count), parse_iso(newest) if newest else None

    def shown_items(self, start: datetime, end: datetime) -> list[ShownItem]:
        """Posts shown in digests in [start, end), oldest first."""
        rows = self._conn.execute(
            "SELECT d.post_id, p.platform, p.contact_id, d.shown_at, d.section,"
            " coalesce(c.name, p.author_handle, ''), p.title, p.url"
            " FROM digest_items d INDEXED BY digest_items_shown"
            " JOIN posts p ON p.id = d.post_id LEFT JOIN contacts c ON c.id = p.contact_id"
            " WHERE d.shown_at >= ? AND d.shown_at < ? ORDER BY d.shown_at",
            (to_iso(start), to_iso(end)),
        ).fetchall()
        items = []
        for row in rows:
            shown_at = parse_iso(row[3])
            if shown_at is not None:
                items.append(ShownItem(row[0], row[1], row[2], shown_at, *row[4:]))
        return items

    def engagements_on(self, post_ids: Iterable[str]) -> list[EngagementFact]:
        """Every engagement recorded on these posts, whenever it happened."""
        ids = list(dict.fromkeys(post_ids))
        facts = []
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i : i + CHUNK]
            facts.extend(
                self._engagement_facts(
                    f"e.post_id IN ({placeholders(chunk)})", chunk, indexed_by=None
                )
            )
        return facts

    def engagements_between(self, start: datetime, end: datetime) -> list[EngagementFact]:
        """Engagements that happened in [start, end)."""
        return self._engagement_facts(
            "e.engaged_at >= ? AND e.engaged_at < ?",
            [to_iso(start), to_iso(end)],
            indexed_by="engagements_time",
        )

    def _engagement_facts(
        self, where: str, params: Sequence[Any], *, indexed_by: str | None
    ) -> list[EngagementFact]:
        hint = f" INDEXED BY {indexed_by}" if indexed_by else ""
        rows = self._conn.execute(
            "SELECT e.post_id, e.platform, e.kind, coalesce(e.engaged_at, e.recorded_at),"
            f" e.contact_id FROM engagements e{hint} WHERE {where}",
            list(params),
        ).fetchall()
        facts = []
        for post_id, platform, kind, engaged_at, contact_id in rows:
            moment = parse_iso(engaged_at)
            if moment is not None:
                facts.append(EngagementFact(post_id, platform, kind, moment, contact_id))
        return facts

    def marks_on(self, post_ids: Iterable[str]) -> list[MarkFact]:
        """The user's marks on these posts."""
        ids = list(dict.fromkeys(post_ids))
        facts = []
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i : i + CHUNK]
            for post_id, label, marked_at in self._conn.execute(
                "SELECT post_id, label, marked_at FROM marks"
                f" WHERE post_id IN ({placeholders(chunk)})",
                chunk,
            ):
                moment = parse_iso(marked_at)
                if moment is not None:
                    facts.append(MarkFact(post_id, label, moment))
        return facts

    def contact_activity(self) -> list[ContactActivity]:
        """Per contact: their latest post and the last time the user engaged with them."""
        # Each contact's newest post id and last engagement: index seeks on
        # posts(contact_id, created_at) and engagements(contact_id, engaged_at).
        contacts = self._conn.execute(
            "SELECT c.id, c.name, c.priority, (SELECT p.id FROM posts p INDEXED BY"
            " posts_contact_created WHERE p.contact_id = c.id AND p.created_at IS NOT NULL"
            " ORDER BY p.created_at DESC LIMIT 1), (SELECT max(e.engaged_at) FROM engagements e"
            " INDEXED BY engagements_contact_engaged WHERE e.contact_id = c.id) FROM contacts c"
        ).fetchall()
        # Engagements without a time count when they were recorded (rare: a seek on NULL).
        undated = dict(
            self._conn.execute(
                "SELECT contact_id, max(recorded_at) FROM engagements INDEXED BY"
                " engagements_time WHERE engaged_at IS NULL AND contact_id IS NOT NULL"
                " GROUP BY contact_id"
            ).fetchall()
        )
        last_engaged = {}
        for contact_id, *_, last in contacts:
            moments = [m for m in (last, undated.get(contact_id)) if m is not None]
            if moments:
                last_engaged[contact_id] = parse_iso(max(moments))
        latest: dict[str, PostSummary] = {}
        ids = [row[3] for row in contacts if row[3] is not None]
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i : i + CHUNK]
            marks = placeholders(chunk)
            for row in self._conn.execute(
                "SELECT p.id, p.platform, p.contact_id, c.name, c.priority, p.url, p.title,"
                " substr(p.text, 1, ?), p.kind, p.created_at, p.author_handle FROM posts p"
                f" JOIN contacts c ON c.id = p.contact_id WHERE p.id IN ({marks})",
                [EXCERPT_CHARS, *chunk],
            ):
                latest[row[0]] = post_summary(row)
        return [
            ContactActivity(
                contact_id,
                name,
                priority,
                last_engaged.get(contact_id),
                latest.get(post_id) if post_id is not None else None,
            )
            for contact_id, name, priority, post_id, _ in contacts
        ]

    def record_digest_items(
        self, items: Sequence[tuple[str, str, int, str | None]], *, shown_at: datetime
    ) -> int:
        """Remember what a digest showed: (post_id, section, rank, action) rows."""
        if not items:
            return 0
        before = self._conn.total_changes
        with self.transaction():
            self._conn.executemany(
                "INSERT OR IGNORE INTO digest_items (post_id, shown_at, section, rank, action)"
                " VALUES (?, ?, ?, ?, ?)",
                [(post_id, to_iso(shown_at), s, rank, a) for post_id, s, rank, a in items],
            )
        return self._conn.total_changes - before
