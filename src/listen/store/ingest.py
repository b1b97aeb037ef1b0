"""Sources and ingest: what is polled, and storing one poll's result in one transaction
(table `sources`, plus the posts and engagements a poll brings)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from listen.clock import to_iso, utcnow
from listen.facts import SavedCounts, SourceRow
from listen.store.base import load_json
from listen.store.contacts import ContactStore
from listen.store.interactions import InteractionStore
from listen.store.posts import PostStore
from listen.types import CollectResult, Source

# Columns of `sources` that mirror well-known keys of a collector's state dict.
STATE_COLUMNS = ("etag", "last_modified", "cursor", "since_id")


class IngestStore(PostStore, ContactStore, InteractionStore):
    """Sources to poll, and what each poll brought."""

    def sync_sources(
        self,
        self_targets: dict[str, str],
        enabled_platforms: Iterable[str],
        inbound_targets: dict[str, str] | None = None,
    ) -> None:
        """Create a source for every collectable identity, for the user's own accounts, and for
        what people do with the user's posts (`inbound`: their account, or their blog)."""
        platforms = set(enabled_platforms)
        now = to_iso(utcnow())
        with self.transaction():
            for identity_id, contact_id, platform, handle in self._conn.execute(
                "SELECT id, contact_id, platform, handle FROM identities"
            ).fetchall():
                if platform not in platforms:
                    continue
                kind = "feed" if platform == "blog" else "author"
                self._conn.execute(
                    "INSERT INTO sources (platform, kind, target, contact_id, identity_id,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (platform, kind, target) DO UPDATE SET"
                    " contact_id = excluded.contact_id, identity_id = excluded.identity_id",
                    (platform, kind, handle, contact_id, identity_id, now),
                )
            own = [("self", p, t) for p, t in self_targets.items()]
            own += [("inbound", p, t) for p, t in (inbound_targets or {}).items()]
            for kind, platform, target in own:
                if platform in platforms and target:
                    self._conn.execute(
                        "INSERT OR IGNORE INTO sources (platform, kind, target, created_at)"
                        " VALUES (?, ?, ?, ?)",
                        (platform, kind, target, now),
                    )

    def add_comment_source(self, post_id: str, url: str) -> None:
        """Register a blog post's comment feed for participation detection."""
        self._conn.execute(
            "INSERT OR IGNORE INTO sources (platform, kind, target, post_id, created_at)"
            " VALUES ('blog', 'comments', ?, ?, ?)",
            (url, post_id, to_iso(utcnow())),
        )

    def sources(
        self,
        *,
        due_at: datetime | None = None,
        platforms: Iterable[str] | None = None,
        kinds: Iterable[str] | None = None,
    ) -> list[Source]:
        """Enabled sources; only those due at `due_at` when given."""
        sql = (
            "SELECT s.id, s.platform, s.kind, s.target, s.contact_id, s.state, s.error_count,"
            " coalesce(c.priority, 2), s.etag, s.last_modified, s.cursor, s.since_id, s.post_id"
            " FROM sources s LEFT JOIN contacts c ON c.id = s.contact_id WHERE s.enabled = 1"
        )
        params: list[Any] = []
        if due_at is not None:
            sql += " AND (s.next_poll_at IS NULL OR s.next_poll_at <= ?)"
            params.append(to_iso(due_at))
        if platforms is not None:
            wanted = list(platforms)
            sql += f" AND s.platform IN ({', '.join('?' * len(wanted))})"
            params.extend(wanted)
        if kinds is not None:
            wanted_kinds = list(kinds)
            sql += f" AND s.kind IN ({', '.join('?' * len(wanted_kinds))})"
            params.extend(wanted_kinds)
        sql += " ORDER BY s.next_poll_at IS NOT NULL, s.next_poll_at, s.id"
        result = []
        for row in self._conn.execute(sql, params):
            state = load_json(row[5])
            for key, value in zip(STATE_COLUMNS, row[8:12], strict=True):
                if value is not None:
                    state[key] = value
            result.append(
                Source(
                    id=row[0],
                    platform=row[1],
                    kind=row[2],
                    target=row[3],
                    contact_id=row[4],
                    state=state,
                    error_count=row[6],
                    priority=row[7],
                    post_id=row[12],
                )
            )
        return result

    def source_rows(self) -> list[SourceRow]:
        """Every source with its health, for `listen status`."""
        rows = self._conn.execute(
            "SELECT s.id, s.platform, s.kind, s.target, c.name, s.enabled,"
            " s.disabled_reason, s.last_success_at, s.error_count, s.last_error, s.next_poll_at,"
            " s.created_at, s.last_polled_at, s.state"
            " FROM sources s LEFT JOIN contacts c ON c.id = s.contact_id"
            " ORDER BY s.platform, s.kind, s.target"
        ).fetchall()
        return [
            SourceRow(
                id=row[0],
                platform=row[1],
                kind=row[2],
                target=row[3],
                contact=row[4],
                enabled=bool(row[5]),
                disabled_reason=row[6],
                last_success_at=row[7],
                error_count=row[8],
                last_error=row[9],
                next_poll_at=row[10],
                created_at=row[11],
                last_polled_at=row[12],
                state=load_json(row[13]),
            )
            for row in rows
        ]

    def save_result(
        self, source: Source, result: CollectResult, *, now: datetime, next_poll_at: datetime
    ) -> SavedCounts:
        """Store one poll's posts, engagements and new state in a single transaction."""
        with self.transaction():
            new_posts = self.insert_posts(source, result.posts, now)
            new_engagements = self.insert_engagements(result.engagements, now=now)
            new_interactions = self.insert_interactions(
                result.interactions, now=now, source_id=source.id
            )
            state = dict(result.state)
            columns = {key: state.pop(key, None) for key in STATE_COLUMNS}
            assignments = {
                **columns,
                "state": json.dumps(state, sort_keys=True),
                "last_polled_at": to_iso(now),
                "last_success_at": to_iso(now),
                "error_count": 0,
                "last_error": None,
                "next_poll_at": to_iso(next_poll_at),
            }
            if result.resolved_id:
                self.set_resolved_id(source.platform, source.target, result.resolved_id)
            if result.disabled_reason:
                assignments["enabled"] = 0
                assignments["disabled_reason"] = result.disabled_reason
            if result.new_target and result.new_target != source.target:
                clash = self._conn.execute(
                    "SELECT 1 FROM sources WHERE platform = ? AND kind = ? AND target = ?",
                    (source.platform, source.kind, result.new_target),
                ).fetchone()
                if not clash:
                    assignments["target"] = result.new_target
                    self._conn.execute(
                        "UPDATE identities SET handle = ? WHERE platform = ? AND handle = ?",
                        (result.new_target, source.platform, source.target),
                    )
            self._update_source(source.id, assignments)
        return SavedCounts(new_posts, new_engagements, new_interactions)

    def record_source_error(
        self, source: Source, error: str, *, now: datetime, next_poll_at: datetime
    ) -> None:
        """Remember a failed poll: bump the error count and defer the next one."""
        with self.transaction():
            self._update_source(
                source.id,
                {
                    "last_polled_at": to_iso(now),
                    "error_count": source.error_count + 1,
                    "last_error": error[:1000],
                    "next_poll_at": to_iso(next_poll_at),
                },
            )

    def defer_source(self, source_id: int, next_poll_at: datetime) -> None:
        """Postpone a source without counting an error (e.g. its budget is spent)."""
        with self.transaction():
            self._update_source(source_id, {"next_poll_at": to_iso(next_poll_at)})

    def note_source(self, source_id: int, note: str | None) -> None:
        """Keep (or, with None, drop) a one-line note on a source for `listen status`: why it
        was skipped, or read another way (e.g. public listings after a refused token)."""
        with self.transaction():
            row = self._conn.execute("SELECT state FROM sources WHERE id = ?", (source_id,))
            state = load_json((row.fetchone() or [None])[0])
            if note is None:
                state.pop("note", None)
            else:
                state["note"] = note
            self._update_source(source_id, {"state": json.dumps(state, sort_keys=True)})

    def _update_source(self, source_id: int, values: dict[str, Any]) -> None:
        sets = ", ".join(f"{key} = ?" for key in values)
        self._conn.execute(f"UPDATE sources SET {sets} WHERE id = ?", [*values.values(), source_id])

    def register_comment_sources(self, created_after: datetime, *, now: datetime) -> int:
        """A `comments` source for every blog post newer than `created_after` with a comment
        feed; retire the ones whose post is older. Returns how many were added."""
        before = self._conn.total_changes
        with self.transaction():
            self._conn.execute(
                "INSERT OR IGNORE INTO sources (platform, kind, target, post_id, contact_id,"
                " created_at) SELECT 'blog', 'comments', comment_feed_url, id, contact_id, ?"
                " FROM posts INDEXED BY posts_platform_created WHERE platform = 'blog'"
                " AND created_at >= ? AND comment_feed_url IS NOT NULL",
                (to_iso(now), to_iso(created_after)),
            )
            added = self._conn.total_changes - before
            self._conn.execute(
                "UPDATE sources SET enabled = 0, disabled_reason = 'post too old to watch'"
                " WHERE kind = 'comments' AND enabled = 1"
                " AND (SELECT created_at FROM posts WHERE id = sources.post_id) < ?",
                (to_iso(created_after),),
            )
        return added
