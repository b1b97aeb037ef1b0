"""Interactions: what people do with the user, and introductions the user makes (table
`interactions`), and what the people views read (the circle, one contact's story)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from listen.clock import parse_iso, to_iso
from listen.errors import InputError
from listen.facts import (
    ContactTouch,
    InteractionFact,
    OutboundFact,
    StoryPost,
    SuggestedActor,
)
from listen.store.base import (
    EXCERPT_CHARS,
    StoreBase,
    chunks,
    load_json_list,
    placeholders,
    post_summary,
)
from listen.store.contacts import normalise_handle
from listen.types import Interaction

# A blog comment's author is matched to a contact by their site's host, only when exactly one
# contact has a feed there (blogs sharing a host are no evidence of one person); a comment
# signed with a name only, by the contact of that name.
_CONTACT_OF_ACTOR = """coalesce(
    (SELECT contact_id FROM identities WHERE platform = ?1 AND handle = ?2),
    (SELECT contact_id FROM identities WHERE platform = ?1 AND resolved_id = ?3 AND ?3 != ''),
    CASE WHEN ?1 = 'blog' AND ?3 != '' THEN (
        SELECT CASE WHEN count(DISTINCT contact_id) = 1 THEN max(contact_id) END
        FROM identities WHERE platform = 'blog' AND (handle LIKE 'https://' || ?3 || '/%'
            OR handle LIKE 'http://' || ?3 || '/%' OR handle LIKE 'https://www.' || ?3 || '/%'
            OR handle LIKE 'http://www.' || ?3 || '/%')) END,
    CASE WHEN ?1 = 'blog' AND ?7 != '' THEN
        (SELECT id FROM contacts WHERE lower(name) = lower(?7)) END)"""

# How much of a post the circle reads to tell a question or a milestone (its opening says).
CUE_CHARS = 280

_FACT_COLUMNS = (
    "i.id, i.platform, i.direction, i.kind, i.contact_id, coalesce(c.name, ''),"
    " i.actor_handle, i.actor_name, i.our_post, i.their_post, i.url, substr(i.text, 1, ?),"
    " i.created_at, i.answered_at, i.detected_by"
)


def _fact(row: Sequence[Any]) -> InteractionFact:
    return InteractionFact(
        id=row[0],
        platform=row[1],
        direction=row[2],
        kind=row[3],
        contact_id=row[4],
        contact=row[5],
        actor_handle=row[6],
        actor_name=row[7],
        our_post=row[8],
        their_post=row[9],
        url=row[10],
        text=row[11] or "",
        created_at=parse_iso(row[12]) or datetime.min,
        answered_at=parse_iso(row[13]),
        detected_by=row[14],
    )


class InteractionStore(StoreBase):
    """Who talks to the user and how, and the facts the circle and a contact's story read."""

    def insert_interactions(
        self, interactions: Sequence[Interaction], *, now: datetime, source_id: int | None = None
    ) -> int:
        """Insert interactions, each linked to the contact whose identity made it; one seen
        before (by another path: a notification and a public listing) is not stored twice."""
        if not interactions:
            return 0
        before = self._conn.total_changes
        rows = []
        for i in interactions:
            handle = (
                i.actor_handle
                if i.platform == "blog"
                else normalise_handle(i.platform, i.actor_handle)
            )
            rows.append(
                (
                    i.platform,
                    handle,
                    i.actor_id,
                    i.direction,
                    i.kind,
                    i.dedupe_key,
                    i.actor_name,
                    i.our_post,
                    i.their_post,
                    i.url,
                    i.text,
                    to_iso(i.created_at or now),
                    to_iso(now),
                    i.detected_by,
                    source_id,
                )
            )
        self._conn.executemany(
            "INSERT INTO interactions (platform, actor_handle, actor_id, direction, kind,"
            " dedupe_key, actor_name, our_post, their_post, url, text, created_at, recorded_at,"
            f" detected_by, source_id, contact_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
            f" ?10, ?11, ?12, ?13, ?14, ?15, {_CONTACT_OF_ACTOR})"
            " ON CONFLICT (platform, direction, dedupe_key) DO NOTHING",
            rows,
        )
        return self._conn.total_changes - before

    def record_intro(self, post_id: str, *, now: datetime) -> None:
        """The user introduced the author of a stored post to someone (`listen mark POST intro`)."""
        row = self._conn.execute(
            "SELECT platform, contact_id, coalesce(author_handle, ''), url FROM posts WHERE id = ?",
            (post_id,),
        ).fetchone()
        if row is None:
            raise InputError(f"no stored post with id {post_id!r}")
        if row[1] is None:
            raise InputError("that post is by nobody in your contacts: an intro needs a contact")
        with self.transaction():
            self._conn.execute(
                "INSERT INTO interactions (platform, direction, kind, dedupe_key, contact_id,"
                " actor_handle, their_post, url, created_at, recorded_at, detected_by)"
                " VALUES (?, 'out', 'intro', ?, ?, ?, ?, ?, ?, ?, 'manual')"
                " ON CONFLICT (platform, direction, dedupe_key) DO UPDATE SET"
                " created_at = excluded.created_at",
                (
                    row[0],
                    f"intro:{post_id}",
                    row[1],
                    row[2],
                    post_id,
                    row[3],
                    to_iso(now),
                    to_iso(now),
                ),
            )

    def answer_interaction(self, ref: str, *, now: datetime) -> str | None:
        """Mark the inbound interaction `ref` names (their post's id or link) answered;
        returns its post id, or None when no interaction has it."""
        row = self._conn.execute(
            "SELECT id, coalesce(their_post, url) FROM interactions WHERE direction = 'in'"
            " AND (their_post = ?1 OR url = ?1) LIMIT 1",
            (ref,),
        ).fetchone()
        if row is None:
            return None
        with self.transaction():
            self._conn.execute(
                "UPDATE interactions SET answered_at = ? WHERE id = ?", (to_iso(now), row[0])
            )
        return str(row[1])

    def unanswered(
        self, start: datetime, end: datetime, *, contact_id: int | None = None, limit: int = 100
    ) -> list[InteractionFact]:
        """Contacts' replies, mentions and blog comments made in [start, end) (one contact's,
        when given) that the user neither answered (an engagement on that post) nor marked;
        the `limit` oldest."""
        one = " AND i.contact_id = ?" if contact_id is not None else ""
        index = "interactions_contact_time" if contact_id is not None else "interactions_time"
        params: list[Any] = [EXCERPT_CHARS, to_iso(start), to_iso(end)]
        rows = self._conn.execute(
            f"SELECT {_FACT_COLUMNS} FROM interactions i INDEXED BY {index}"
            " JOIN contacts c ON c.id = i.contact_id"
            " WHERE i.created_at >= ? AND i.created_at < ? AND i.direction = 'in'"
            " AND i.kind IN ('reply', 'mention', 'comment') AND i.answered_at IS NULL"
            f" AND NOT EXISTS (SELECT 1 FROM engagements e WHERE e.post_id = i.their_post){one}"
            " ORDER BY i.created_at LIMIT ?",
            [*params, *([contact_id] if contact_id is not None else []), limit],
        ).fetchall()
        return [_fact(row) for row in rows]

    def contacts_touched(self, start: datetime, end: datetime) -> int:
        """How many distinct contacts the user and they interacted with, either way, in
        [start, end): two index range scans (the circle asks once per week)."""
        row = self._conn.execute(
            "SELECT count(DISTINCT contact_id) FROM (SELECT contact_id FROM engagements"
            " INDEXED BY engagements_time WHERE engaged_at >= ?1 AND engaged_at < ?2"
            " AND contact_id IS NOT NULL UNION ALL SELECT contact_id FROM interactions"
            " INDEXED BY interactions_time WHERE created_at >= ?1 AND created_at < ?2"
            " AND contact_id IS NOT NULL)",
            (to_iso(start), to_iso(end)),
        ).fetchone()
        return int(row[0])

    def contact_touches(
        self, contact_id: int | None = None, *, quiet_since: datetime | None = None
    ) -> list[ContactTouch]:
        """Every contact (or one; or those with no interaction either way since `quiet_since`)
        with when the user last touched them and they the user. Index seeks per contact and
        direction; introductions (rare) in one pass of an index."""
        where: str = ""
        params: list[object] = []
        if contact_id is not None:
            where, params = " WHERE c.id = ?", [contact_id]
        elif quiet_since is not None:
            where = (
                " WHERE NOT EXISTS (SELECT 1 FROM interactions i INDEXED BY"
                " interactions_contact_time WHERE i.contact_id = c.id AND i.created_at >= ?1)"
                " AND NOT EXISTS (SELECT 1 FROM engagements e INDEXED BY"
                " engagements_contact_engaged WHERE e.contact_id = c.id AND e.engaged_at >= ?1)"
            )
            params = [to_iso(quiet_since)]
        rows = self._conn.execute(
            "SELECT c.id, c.name, c.priority, (SELECT max(created_at) FROM interactions i"
            " INDEXED BY interactions_contact_time WHERE i.contact_id = c.id"
            " AND i.direction = 'in'), (SELECT max(engaged_at) FROM engagements e"
            " INDEXED BY engagements_contact_engaged WHERE e.contact_id = c.id)"
            f" FROM contacts c{where}",
            params,
        ).fetchall()
        intros = dict(
            self._conn.execute(
                "SELECT contact_id, max(created_at) FROM interactions INDEXED BY interactions_time"
                " WHERE direction = 'out' AND contact_id IS NOT NULL GROUP BY contact_id"
            ).fetchall()
        )
        return [
            ContactTouch(
                row[0],
                row[1],
                int(row[2]),
                parse_iso(row[3]),
                parse_iso(max(row[4] or "", intros.get(row[0]) or "") or None),
            )
            for row in rows
        ]

    def identities_of(self, contact_id: int) -> tuple[tuple[str, str], ...]:
        """(platform, handle) of one contact's identities."""
        rows = self._conn.execute(
            "SELECT platform, handle FROM identities WHERE contact_id = ?"
            " ORDER BY platform, handle",
            (contact_id,),
        ).fetchall()
        return tuple((str(p), str(h)) for p, h in rows)

    def outbound_between(self, start: datetime, end: datetime) -> list[OutboundFact]:
        """What the user did for contacts in [start, end) beyond a like: engagements on their
        posts (a reply or comment with the classifier's reasons, or the post's opening when
        it was not scored, to tell an answered question from small talk) and introductions.
        Names are left out (`contact_names` gives those of the few shown)."""
        rows = self._conn.execute(
            "SELECT e.contact_id, e.kind, e.engaged_at, e.post_id,"
            " coalesce(p.title, '') || ' ' || substr(coalesce(p.text, ''), 1, ?3), k.reasons"
            " FROM engagements e INDEXED BY engagements_time"
            " LEFT JOIN classifications k ON k.post_id = e.post_id"
            "  AND e.kind IN ('reply', 'comment')"
            " LEFT JOIN posts p ON p.id = e.post_id AND e.kind IN ('reply', 'comment')"
            "  AND k.post_id IS NULL"
            " WHERE e.engaged_at >= ?1 AND e.engaged_at < ?2 AND e.kind != 'like'"
            " AND e.contact_id IS NOT NULL"
            " UNION ALL SELECT contact_id, kind, created_at, their_post, '', NULL"
            " FROM interactions INDEXED BY interactions_time"
            " WHERE created_at >= ?1 AND created_at < ?2 AND direction = 'out'"
            " AND contact_id IS NOT NULL",
            (to_iso(start), to_iso(end), CUE_CHARS),
        ).fetchall()
        facts = []
        for contact_id, kind, at, post_id, text, reasons in rows:
            moment = parse_iso(at)
            if moment is not None:
                facts.append(
                    OutboundFact(
                        contact_id, "", kind, moment, post_id, text.strip(), None, reasons or ""
                    )
                )
        return facts

    def contact_names(self, contact_ids: Sequence[int]) -> dict[int, str]:
        """id → name of these contacts."""
        found: dict[int, str] = {}
        for chunk in chunks(str(i) for i in contact_ids):
            found.update(
                self._conn.execute(
                    f"SELECT id, name FROM contacts WHERE id IN ({placeholders(chunk)})",
                    [int(i) for i in chunk],
                ).fetchall()
            )
        return found

    def contact_interactions(
        self, contact_id: int, *, limit: int, since: datetime | None = None
    ) -> list[InteractionFact]:
        """One contact's interactions, either way, newest first."""
        rows = self._conn.execute(
            f"SELECT {_FACT_COLUMNS} FROM interactions i"
            " LEFT JOIN contacts c ON c.id = i.contact_id WHERE i.contact_id = ?"
            " AND i.created_at >= ? ORDER BY i.created_at DESC LIMIT ?",
            (EXCERPT_CHARS, contact_id, to_iso(since) or "", limit),
        ).fetchall()
        return [_fact(row) for row in rows]

    def contact_engagements(
        self, contact_id: int, *, limit: int, since: datetime | None = None
    ) -> list[OutboundFact]:
        """The user's engagements with one contact's posts, newest first."""
        rows = self._conn.execute(
            "SELECT e.contact_id, '', e.kind, coalesce(e.engaged_at, e.recorded_at), e.post_id,"
            " coalesce(nullif(e.text, ''), p.title, substr(p.text, 1, ?)), coalesce(e.url, p.url)"
            " FROM engagements e INDEXED BY engagements_contact_engaged"
            " LEFT JOIN posts p ON p.id = e.post_id WHERE e.contact_id = ? AND e.engaged_at >= ?"
            " ORDER BY e.engaged_at DESC LIMIT ?",
            (EXCERPT_CHARS, contact_id, to_iso(since) or "", limit),
        ).fetchall()
        facts = []
        for contact_id_, _name, kind, at, post_id, text, url in rows:
            moment = parse_iso(at)
            if moment is not None:
                facts.append(OutboundFact(contact_id_, "", kind, moment, post_id, text or "", url))
        return facts

    def contact_posts(self, contact_id: int, *, limit: int) -> list[StoryPost]:
        """One contact's newest posts with the classifier's verdict and whether the user acted."""
        rows = self._conn.execute(
            "SELECT p.id, p.platform, p.contact_id, c.name, c.priority, p.url, p.title,"
            " substr(p.text, 1, ?), p.kind, p.created_at, p.author_handle,"
            " k.action, k.reasons, EXISTS (SELECT 1 FROM engagements e WHERE e.post_id = p.id),"
            " (SELECT m.label FROM marks m WHERE m.post_id = p.id)"
            " FROM posts p INDEXED BY posts_contact_created JOIN contacts c ON c.id = p.contact_id"
            " LEFT JOIN classifications k ON k.post_id = p.id"
            " WHERE p.contact_id = ? ORDER BY p.created_at DESC LIMIT ?",
            (EXCERPT_CHARS, contact_id, limit),
        ).fetchall()
        return [
            StoryPost(
                post_summary(row[:11]),
                row[11],
                tuple(str(r) for r in load_json_list(row[12])),
                bool(row[13]),
                row[14],
            )
            for row in rows
        ]

    def monthly_counts(self, contact_id: int, since: datetime) -> list[tuple[str, str, int]]:
        """(month, in | out, count) of one contact's interactions and engagements since then."""
        rows = self._conn.execute(
            "SELECT substr(created_at, 1, 7), direction, count(*) FROM interactions"
            " INDEXED BY interactions_contact_time WHERE contact_id = ?1 AND created_at >= ?2"
            " GROUP BY 1, 2 UNION ALL SELECT substr(engaged_at, 1, 7), 'out', count(*)"
            " FROM engagements INDEXED BY engagements_contact_engaged"
            " WHERE contact_id = ?1 AND engaged_at >= ?2 GROUP BY 1",
            (contact_id, to_iso(since)),
        ).fetchall()
        return [(str(m), str(d), int(n)) for m, d, n in rows]

    def suggested_actors(self, since: datetime, *, limit: int) -> list[SuggestedActor]:
        """People who are not contacts and engaged with the user since then, most first."""
        rows = self._conn.execute(
            "SELECT platform, max(actor_handle), max(actor_name), count(*), max(created_at),"
            " group_concat(kind) FROM interactions INDEXED BY interactions_time"
            " WHERE created_at >= ? AND contact_id IS NULL AND direction = 'in'"
            " AND actor_handle != '' GROUP BY platform, coalesce(nullif(actor_id, ''),"
            " actor_handle) ORDER BY count(*) DESC, max(created_at) DESC LIMIT ?",
            (to_iso(since), limit),
        ).fetchall()
        return [
            SuggestedActor(
                row[0],
                row[1],
                row[2] or "",
                int(row[3]),
                parse_iso(row[4]),
                tuple(str(row[5] or "").split(",")),
            )
            for row in rows
        ]

    def recent_interactions(
        self, *, limit: int, contact_id: int | None = None
    ) -> list[InteractionFact]:
        """The newest inbound interactions, everyone's or one contact's."""
        where = "i.direction = 'in'" + (" AND i.contact_id = ?" if contact_id is not None else "")
        params: list[Any] = [EXCERPT_CHARS]
        params += [contact_id] if contact_id is not None else []
        rows = self._conn.execute(
            f"SELECT {_FACT_COLUMNS} FROM interactions i"
            f" LEFT JOIN contacts c ON c.id = i.contact_id WHERE {where}"
            " ORDER BY i.created_at DESC LIMIT ?",
            [*params, limit],
        ).fetchall()
        return [_fact(row) for row in rows]

    def contact_by_name(self, name: str) -> tuple[int, str, int, str] | None:
        """(id, name, priority, notes) of the contact called `name` (any case), or None."""
        row = self._conn.execute(
            "SELECT id, name, priority, notes FROM contacts WHERE name = ?1"
            " UNION ALL SELECT id, name, priority, notes FROM contacts"
            " WHERE lower(name) = lower(?1) LIMIT 1",
            (name,),
        ).fetchone()
        return (int(row[0]), str(row[1]), int(row[2]), str(row[3])) if row else None
