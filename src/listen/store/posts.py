"""Posts, the user's engagements and marks, and classifications (tables `posts`,
`engagements`, `marks`, `classifications`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from listen.clock import parse_iso, to_iso
from listen.errors import InputError
from listen.facts import (
    REPLY_KINDS,
    SHARE_KINDS,
    PostToScore,
    RecentPost,
    Suggestion,
    TrainingHistory,
)
from listen.store.base import StoreBase, load_json_list, placeholders
from listen.types import Engagement, Post, Source

# Tables `count` may be asked about.
COUNTED_TABLES = frozenset(
    {
        "contacts",
        "identities",
        "sources",
        "posts",
        "engagements",
        "runs",
        "classifications",
        "digest_items",
        "marks",
    }
)


class PostStore(StoreBase):
    """What contacts posted and what the user did with it."""

    def insert_posts(self, source: Source, posts: Sequence[Post], now: datetime) -> int:
        if not posts:
            return 0
        collected = to_iso(now)
        rows = [
            (
                p.id,
                p.platform,
                source.contact_id,
                source.id,
                p.author_handle,
                p.url,
                p.title,
                p.text,
                p.raw_kind,
                to_iso(p.created_at),
                collected,
                p.reply_to,
                p.quote_of,
                p.repost_of,
                p.comment_feed_url,
                json.dumps(p.metrics, sort_keys=True) if p.metrics else None,
                int(p.date_estimated),
            )
            for p in posts
        ]
        # One pass: insert new posts; for known ones refresh what may legitimately change on a
        # re-collect (edits, metrics), never the key. New rows get rowids above the current
        # maximum, which is how the new ones are counted (total_changes counts updates too).
        last_rowid = self._conn.execute("SELECT coalesce(max(rowid), 0) FROM posts").fetchone()[0]
        self._conn.executemany(
            "INSERT INTO posts (id, platform, contact_id, source_id, author_handle, url, title,"
            " text, kind, created_at, collected_at, reply_to, quote_of, repost_of,"
            " comment_feed_url, metrics, date_estimated)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET text = excluded.text, title = excluded.title,"
            " metrics = coalesce(excluded.metrics, posts.metrics)"
            " WHERE posts.text IS NOT excluded.text OR posts.title IS NOT excluded.title",
            rows,
        )
        new = int(
            self._conn.execute(
                "SELECT count(*) FROM posts WHERE rowid > ?", (last_rowid,)
            ).fetchone()[0]
        )
        if new:
            # Engagements recorded before their post arrived learn whose post it was.
            self._conn.execute(
                "UPDATE engagements SET contact_id = (SELECT p.contact_id FROM posts p"
                " WHERE p.id = engagements.post_id) WHERE post_id IN"
                " (SELECT id FROM posts WHERE rowid > ? AND contact_id IS NOT NULL)",
                (last_rowid,),
            )
        return new

    def insert_engagements(self, engagements: Sequence[Engagement], *, now: datetime) -> int:
        """Insert engagements, ignoring ones already recorded; returns how many were new."""
        if not engagements:
            return 0
        before = self._conn.total_changes
        self._conn.executemany(
            "INSERT INTO engagements (id, post_id, platform, kind, engaged_at, detected_by, url,"
            " text, recorded_at, contact_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " (SELECT p.contact_id FROM posts p WHERE p.id = ?2)) ON CONFLICT (id) DO NOTHING",
            [
                (
                    e.id,
                    e.post_id,
                    e.platform,
                    e.kind,
                    to_iso(e.engaged_at),
                    e.detected_by,
                    e.url,
                    e.text,
                    to_iso(now),
                )
                for e in engagements
            ],
        )
        return self._conn.total_changes - before

    def post_platform(self, post_id: str) -> str | None:
        """The platform of a stored post, or None if it is not stored."""
        row = self._conn.execute("SELECT platform FROM posts WHERE id = ?", (post_id,)).fetchone()
        return row[0] if row else None

    def resolve_post(self, ref: str) -> str:
        """The id of the post `ref` names: its id, else its link (as the digest shows it)."""
        if self.post_platform(ref) is not None:
            return ref
        ids = [
            row[0]
            for row in self._conn.execute("SELECT id FROM posts WHERE url = ? LIMIT 2", (ref,))
        ]
        if len(ids) > 1:
            raise InputError(f"several posts have the link {ref!r}: give the post id instead")
        if not ids:
            raise InputError(f"no stored post with id or link {ref!r}")
        return ids[0]

    def mark_post(self, post_id: str, label: str, *, now: datetime) -> None:
        """Record the user's own label for a post; an action label also records an engagement.

        Marks override what is detected when training and tracking; `skip` records no engagement,
        `done` means "I took part somehow" and counts as participation.
        """
        platform = self.post_platform(post_id)
        if platform is None:
            raise InputError(f"no stored post with id {post_id!r}")
        with self.transaction():
            self._conn.execute(
                "INSERT INTO marks (post_id, label, marked_at) VALUES (?, ?, ?)"
                " ON CONFLICT (post_id) DO UPDATE SET label = excluded.label,"
                " marked_at = excluded.marked_at",
                (post_id, label, to_iso(now)),
            )
            # A new mark corrects the previous one: its manual engagement goes with it.
            self._conn.execute(
                "DELETE FROM engagements WHERE post_id = ? AND detected_by = 'manual'", (post_id,)
            )
            if label in ("comment", "share", "like"):
                self.insert_engagements(
                    [
                        Engagement(
                            id=f"manual:{label}:{post_id}",
                            post_id=post_id,
                            platform=platform,
                            kind=label,
                            engaged_at=now,
                            detected_by="manual",
                        )
                    ],
                    now=now,
                )

    def marks(self) -> dict[str, str]:
        """post id → the user's label."""
        return dict(self._conn.execute("SELECT post_id, label FROM marks").fetchall())

    def recent_posts(self, limit: int = 20) -> list[RecentPost]:
        """The newest posts with their contact's name, newest first."""
        rows = self._conn.execute(
            "SELECT p.id, p.platform, p.kind, p.url, p.title, p.text, p.created_at,"
            " p.author_handle, c.name FROM posts p"
            " LEFT JOIN contacts c ON c.id = p.contact_id"
            " ORDER BY p.created_at IS NULL, p.created_at DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [RecentPost(*row) for row in rows]

    def count(self, table: str) -> int:
        """How many rows `table` holds."""
        if table not in COUNTED_TABLES:
            raise ValueError(table)
        return int(self._conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def all_posts_scored(self) -> bool:
        """True when every post has a classification: two counts, not a join (every
        classification is of a distinct stored post: its key, a foreign key with cascade)."""
        posts, scored = self._conn.execute(
            "SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM classifications)"
        ).fetchone()
        return int(posts) <= int(scored)

    def posts_for_scoring(
        self, *, rescore: bool = False, only: str | None = None
    ) -> list[PostToScore]:
        """Posts without a classification (every post if `rescore`; only the post `only` if
        given), with what the classifier needs about their author: priority, the user's last
        engagement with them, and how many of their posts the user engaged with."""
        where = []
        if not rescore:
            where.append("NOT EXISTS (SELECT 1 FROM classifications k WHERE k.post_id = p.id)")
        if only is not None:
            where.append("p.id = ?")
        rows = self._conn.execute(
            "WITH engaged AS (SELECT post_id, max(coalesce(engaged_at, recorded_at)) AS last_at,"
            f"  max(kind IN ({placeholders(REPLY_KINDS)})) AS replied,"
            f"  max(kind IN ({placeholders(SHARE_KINDS)})) AS shared"
            "  FROM engagements GROUP BY post_id),"
            " per_contact AS (SELECT p.contact_id, count(*) AS posts,"
            "  count(e.post_id) AS engaged_posts, max(e.last_at) AS last_engaged_at,"
            "  total(e.replied) AS replied_posts, total(e.shared) AS shared_posts"
            "  FROM posts p LEFT JOIN engaged e ON e.post_id = p.id"
            "  WHERE p.contact_id IS NOT NULL GROUP BY p.contact_id)"
            f" SELECT {_POST_TO_SCORE}, pc.last_engaged_at,"
            " coalesce(pc.posts, 0), coalesce(pc.engaged_posts, 0),"
            " CAST(coalesce(pc.replied_posts, 0) AS INTEGER),"
            " CAST(coalesce(pc.shared_posts, 0) AS INTEGER)"
            " FROM posts p LEFT JOIN contacts c ON c.id = p.contact_id"
            " LEFT JOIN per_contact pc ON pc.contact_id = p.contact_id"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY p.created_at IS NULL, p.created_at, p.id",
            (*REPLY_KINDS, *SHARE_KINDS, *((only,) if only is not None else ())),
        ).fetchall()
        return [_post_to_score(row) for row in rows]

    def save_classifications(
        self, rows: Sequence[tuple[str, str, float, float, str, Sequence[str]]], *, now: datetime
    ) -> int:
        """Upsert (post_id, model_version, comment p, share p, action, reasons) in one batch."""
        scored_at = to_iso(now)
        with self.transaction():
            self._conn.executemany(
                "INSERT INTO classifications (post_id, model_version, comment_probability,"
                " share_probability, action, reasons, scored_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (post_id) DO UPDATE SET model_version = excluded.model_version,"
                " comment_probability = excluded.comment_probability,"
                " share_probability = excluded.share_probability, action = excluded.action,"
                " reasons = excluded.reasons, scored_at = excluded.scored_at",
                [
                    (post_id, version, comment, share, action, json.dumps(list(reasons)), scored_at)
                    for post_id, version, comment, share, action, reasons in rows
                ],
            )
        return len(rows)

    def top_classified(self, limit: int = 10) -> list[Suggestion]:
        """Classified posts worth acting on and not yet handled (engaged or marked), best first."""
        rows = self._conn.execute(
            "SELECT p.id, p.platform, p.url, p.title, p.text, p.created_at,"
            " c.name, p.author_handle, k.action, k.comment_probability,"
            " k.share_probability, k.reasons, k.model_version"
            " FROM classifications k JOIN posts p ON p.id = k.post_id"
            " LEFT JOIN contacts c ON c.id = p.contact_id WHERE k.action != 'skip'"
            " AND NOT EXISTS (SELECT 1 FROM marks m WHERE m.post_id = p.id)"
            " AND NOT EXISTS (SELECT 1 FROM engagements e WHERE e.post_id = p.id)"
            " ORDER BY max(k.comment_probability, k.share_probability) DESC, p.created_at DESC"
            " LIMIT ?",
            (limit,),
        ).fetchall()
        names = [name for name in Suggestion.__dataclass_fields__ if name != "reasons"]
        return [
            Suggestion(
                **dict(zip(names, [*row[:11], row[12]], strict=True)),
                reasons=tuple(str(r) for r in load_json_list(row[11])),
            )
            for row in rows
        ]

    def training_history(self) -> TrainingHistory:
        """Everything `listen train` learns from: posts with their author, the user's
        engagements, when posts were first shown in a digest, and the user's marks."""
        posts = self._conn.execute(
            f"SELECT {_POST_TO_SCORE} FROM posts p LEFT JOIN contacts c ON c.id = p.contact_id"
        ).fetchall()
        engagements = self._conn.execute(
            "SELECT post_id, kind, coalesce(engaged_at, recorded_at) FROM engagements"
            " WHERE post_id IN (SELECT id FROM posts)"
        ).fetchall()
        shown = dict(
            self._conn.execute(
                "SELECT post_id, min(shown_at) FROM digest_items GROUP BY post_id"
            ).fetchall()
        )
        return TrainingHistory(
            posts=tuple(_post_to_score(row) for row in posts),
            engagements=tuple((str(p), str(k), str(at)) for p, k, at in engagements),
            first_shown=shown,
            marks=self.marks(),
        )

    def post_time_range(self) -> tuple[datetime | None, datetime | None]:
        """When the oldest and the newest stored posts were created (the demo's window)."""
        oldest = self._conn.execute("SELECT min(created_at) FROM posts").fetchone()[0]
        newest = self._conn.execute("SELECT max(created_at) FROM posts").fetchone()[0]
        return parse_iso(oldest), parse_iso(newest)


# The columns of a `PostToScore` before its author statistics (posts p, contacts c).
_POST_TO_SCORE = (
    "p.id, p.platform, p.kind, p.url, p.title, p.text, p.created_at, p.collected_at,"
    " p.reply_to, p.contact_id, c.name, coalesce(c.priority, 2)"
)


def _post_to_score(row: Sequence[Any]) -> PostToScore:
    """A `PostToScore` from `_POST_TO_SCORE` columns, then any author statistics."""
    return PostToScore(**dict(zip(PostToScore.__dataclass_fields__, row, strict=False)))
