"""The only module with SQL: schema, migrations, upserts and queries.

The schema is public API (people open it in Datasette); see README "Schema".
Migrations are numbered functions applied once, in order, and recorded in `_migrations`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from listen.clock import parse_iso, to_iso, utcnow
from listen.errors import InputError, StorageError
from listen.facts import (
    Candidate,
    Classification,
    ContactActivity,
    EngagementFact,
    MarkFact,
    PostSummary,
    ShownItem,
)
from listen.identities import clean_name, handle_from_profile_url
from listen.types import (
    DETECTION_METHODS,
    ENGAGEMENT_KINDS,
    PLATFORMS,
    CollectResult,
    Engagement,
    Post,
    Source,
)

if TYPE_CHECKING:
    import sqlite_utils

# How much of a post's text the digest reads (it shows an excerpt, never the whole post).
EXCERPT_CHARS = 600

# Columns of `sources` that mirror well-known keys of a collector's state dict.
STATE_COLUMNS = ("etag", "last_modified", "cursor", "since_id")


def _in(values: Sequence[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _migration_1_initial(db: sqlite_utils.Database) -> None:
    db.executescript(
        f"""
        CREATE TABLE contacts (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            priority INTEGER NOT NULL DEFAULT 2 CHECK (priority BETWEEN 1 AND 3),
            notes TEXT NOT NULL DEFAULT '',
            origin TEXT NOT NULL DEFAULT 'cli',
            created_at TEXT NOT NULL
        );
        CREATE TABLE identities (
            id INTEGER PRIMARY KEY,
            contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            platform TEXT NOT NULL CHECK (platform IN {_in(PLATFORMS)}),
            handle TEXT NOT NULL,
            resolved_id TEXT,
            UNIQUE (platform, handle)
        );
        CREATE INDEX identities_contact ON identities(contact_id);
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            platform TEXT NOT NULL,
            kind TEXT NOT NULL,
            target TEXT NOT NULL,
            contact_id INTEGER REFERENCES contacts(id) ON DELETE CASCADE,
            identity_id INTEGER REFERENCES identities(id) ON DELETE CASCADE,
            post_id TEXT,
            etag TEXT,
            last_modified TEXT,
            cursor TEXT,
            since_id TEXT,
            state TEXT NOT NULL DEFAULT '{{}}',
            enabled INTEGER NOT NULL DEFAULT 1,
            disabled_reason TEXT,
            created_at TEXT NOT NULL,
            last_polled_at TEXT,
            last_success_at TEXT,
            error_count INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            next_poll_at TEXT,
            UNIQUE (platform, kind, target)
        );
        CREATE INDEX sources_due ON sources(enabled, next_poll_at);
        CREATE TABLE posts (
            id TEXT PRIMARY KEY,
            platform TEXT NOT NULL CHECK (platform IN {_in(PLATFORMS)}),
            contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
            source_id INTEGER REFERENCES sources(id) ON DELETE SET NULL,
            author_handle TEXT,
            url TEXT,
            title TEXT,
            text TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL DEFAULT 'post',
            created_at TEXT,
            collected_at TEXT NOT NULL,
            reply_to TEXT,
            quote_of TEXT,
            repost_of TEXT,
            comment_feed_url TEXT,
            metrics TEXT
        );
        CREATE INDEX posts_contact_created ON posts(contact_id, created_at);
        CREATE INDEX posts_platform_created ON posts(platform, created_at);
        CREATE INDEX posts_created ON posts(created_at);
        CREATE INDEX posts_collected ON posts(collected_at);
        CREATE TABLE engagements (
            id TEXT PRIMARY KEY,
            post_id TEXT NOT NULL,
            platform TEXT NOT NULL CHECK (platform IN {_in(PLATFORMS)}),
            kind TEXT NOT NULL CHECK (kind IN {_in(ENGAGEMENT_KINDS)}),
            engaged_at TEXT,
            detected_by TEXT NOT NULL CHECK (detected_by IN {_in(DETECTION_METHODS)}),
            url TEXT,
            text TEXT NOT NULL DEFAULT '',
            recorded_at TEXT NOT NULL
        );
        CREATE INDEX engagements_post ON engagements(post_id);
        CREATE INDEX engagements_platform_time ON engagements(platform, engaged_at);
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            command TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL DEFAULT 'running',
            sources_polled INTEGER NOT NULL DEFAULT 0,
            sources_failed INTEGER NOT NULL DEFAULT 0,
            sources_not_modified INTEGER NOT NULL DEFAULT 0,
            new_posts INTEGER NOT NULL DEFAULT 0,
            new_engagements INTEGER NOT NULL DEFAULT 0,
            bytes_received INTEGER NOT NULL DEFAULT 0,
            reads INTEGER NOT NULL DEFAULT 0,
            errors TEXT NOT NULL DEFAULT '[]'
        );
        """
    )


def _migration_2_classify_and_digest(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE classifications (
            post_id TEXT PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
            model_version TEXT NOT NULL,
            comment_probability REAL NOT NULL,
            share_probability REAL NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('comment', 'share', 'like', 'skip')),
            reasons TEXT NOT NULL DEFAULT '[]',
            scored_at TEXT NOT NULL
        );
        CREATE INDEX classifications_action ON classifications(action, comment_probability);
        CREATE TABLE digest_items (
            id INTEGER PRIMARY KEY,
            post_id TEXT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
            shown_at TEXT NOT NULL,
            section TEXT NOT NULL,
            rank INTEGER NOT NULL,
            action TEXT,
            UNIQUE (post_id, section, shown_at)
        );
        CREATE INDEX digest_items_post ON digest_items(post_id);
        CREATE INDEX digest_items_shown ON digest_items(shown_at);
        CREATE TABLE marks (
            post_id TEXT PRIMARY KEY,
            label TEXT NOT NULL CHECK (label IN ('comment', 'share', 'like', 'skip', 'done')),
            marked_at TEXT NOT NULL
        );
        """
    )


def _migration_3_api_reads(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE api_reads (
            platform TEXT NOT NULL,
            month TEXT NOT NULL,
            reads INTEGER NOT NULL DEFAULT 0 CHECK (reads >= 0),
            updated_at TEXT NOT NULL,
            PRIMARY KEY (platform, month)
        );
        """
    )


def _migration_4_digest_indexes(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE INDEX IF NOT EXISTS engagements_engaged ON engagements(engaged_at);
        CREATE INDEX IF NOT EXISTS sources_post ON sources(post_id);
        """
    )


def _migration_5_post_contact_lookup(db: sqlite_utils.Database) -> None:
    # A digest maps every engagement to its post's contact; with (id, contact_id) in one
    # index that is an index lookup instead of a read of the post's row (5x less I/O at 1M).
    db.executescript("CREATE INDEX IF NOT EXISTS posts_id_contact ON posts(id, contact_id);")


def _migration_6_marks_reference_posts(db: sqlite_utils.Database) -> None:
    """marks.post_id becomes a foreign key to posts (Datasette links it); `listen mark` only
    ever marks stored posts, so no row is lost."""
    db.executescript(
        """
        CREATE TABLE marks_new (
            post_id TEXT PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
            label TEXT NOT NULL CHECK (label IN ('comment', 'share', 'like', 'skip', 'done')),
            marked_at TEXT NOT NULL
        );
        INSERT INTO marks_new (post_id, label, marked_at)
            SELECT post_id, label, marked_at FROM marks
            WHERE post_id IN (SELECT id FROM posts);
        DROP TABLE marks;
        ALTER TABLE marks_new RENAME TO marks;
        """
    )


def _migration_7_views(db: sqlite_utils.Database) -> None:
    """Views for people exploring the database (Datasette): posts worth acting on, and your
    activity next to the post and contact it was on (engagements may precede their post).
    A later migration that rebuilds a table these read must drop and recreate them."""
    db.executescript(
        """
        CREATE VIEW opportunities AS
        SELECT p.id AS post_id, p.platform, p.contact_id, c.name AS contact, c.priority,
            p.kind, p.created_at, p.title, substr(p.text, 1, 280) AS excerpt, p.url,
            k.action, k.comment_probability, k.share_probability, k.reasons, k.model_version,
            k.scored_at,
            (SELECT m.label FROM marks m WHERE m.post_id = p.id) AS mark,
            (SELECT count(*) FROM engagements e WHERE e.post_id = p.id) AS engagements
        FROM classifications k
        JOIN posts p ON p.id = k.post_id
        LEFT JOIN contacts c ON c.id = p.contact_id
        WHERE k.action != 'skip';
        CREATE VIEW activity AS
        SELECT e.id AS engagement_id, e.engaged_at, e.platform, e.kind, e.detected_by,
            e.post_id, p.contact_id, c.name AS contact, p.title AS post_title,
            substr(p.text, 1, 280) AS post_excerpt, p.url AS post_url, e.url AS engagement_url,
            p.id IS NOT NULL AS post_collected
        FROM engagements e
        LEFT JOIN posts p ON p.id = e.post_id
        LEFT JOIN contacts c ON c.id = p.contact_id;
        """
    )


def _migration_8_engagement_contact(db: sqlite_utils.Database) -> None:
    """engagements.contact_id: the contact whose post it was (NULL while the post is not
    stored), kept in step by the store, so "when did I last engage with X" is an index seek
    instead of a scan of every engagement joined to its post; and a covering time index."""
    db.executescript(
        """
        ALTER TABLE engagements ADD COLUMN contact_id INTEGER
            REFERENCES contacts(id) ON DELETE SET NULL;
        UPDATE engagements SET contact_id =
            (SELECT p.contact_id FROM posts p WHERE p.id = engagements.post_id);
        CREATE INDEX engagements_contact_engaged ON engagements(contact_id, engaged_at);
        -- What the tracker and scorer read of a time range, from the index alone (the rows
        -- also hold comment texts); it replaces the plain index on engaged_at.
        CREATE INDEX engagements_time ON engagements(
            engaged_at, platform, kind, post_id, contact_id, recorded_at);
        DROP INDEX IF EXISTS engagements_engaged;
        -- Migration 5's index only served the digest's engagement → post → contact lookup,
        -- which this column replaces: one index less to update for every post stored.
        DROP INDEX IF EXISTS posts_id_contact;
        """
    )


# Append new migrations at the end; never edit or reorder an applied one.
MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = [
    ("initial", _migration_1_initial),
    ("classifications, digest items, marks", _migration_2_classify_and_digest),
    ("api reads per month (X read budget)", _migration_3_api_reads),
    ("digest indexes", _migration_4_digest_indexes),
    ("post → contact lookup index", _migration_5_post_contact_lookup),
    ("marks.post_id references posts", _migration_6_marks_reference_posts),
    ("views: opportunities, activity", _migration_7_views),
    ("engagements.contact_id", _migration_8_engagement_contact),
]


@dataclass(frozen=True, slots=True)
class ContactRow:
    """A contact with its identities, as listed by `listen contacts list`."""

    id: int
    name: str
    priority: int
    notes: str
    identities: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class SavedCounts:
    """What one stored `CollectResult` added."""

    new_posts: int
    new_engagements: int


class Store:
    """A listen database: open it, then call its methods. Not shared between threads."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None = None) -> None:
        self.conn = conn
        self.path = path
        self._db: sqlite_utils.Database | None = None
        conn.execute("PRAGMA recursive_triggers = on")  # as sqlite_utils.Database sets it

    @property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils on this connection, created on first use: importing it costs ~0.2 s
        (it pulls in numpy), which an idle `listen collect` from cron should not pay."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

    @classmethod
    def open(cls, path: Path | str, *, migrate: bool = True, timeout: float = 30.0) -> Store:
        """Open (creating if needed) the database at `path` with WAL and foreign keys on."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"cannot open database {path}: {exc}") from None
        store = cls(conn, path)
        if migrate:
            store.migrate()
        return store

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception."""
        if self.conn.in_transaction:
            yield
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StorageError(f"database is busy: {exc}") from None
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    # -- migrations ---------------------------------------------------------------------------

    def schema_version(self) -> int:
        exists = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
        ).fetchone()
        if not exists:
            return 0
        row = self.conn.execute("SELECT max(version) FROM _migrations").fetchone()
        return int(row[0] or 0)

    def migrate(self) -> int:
        """Apply pending migrations; returns the schema version."""
        try:
            self.conn.execute(
                "CREATE TABLE IF NOT EXISTS _migrations"
                " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            current = self.schema_version()
            for version, (name, apply) in enumerate(MIGRATIONS, start=1):
                if version <= current:
                    continue
                with self.transaction():
                    apply(self.db)
                    self.conn.execute(
                        "INSERT INTO _migrations (version, name, applied_at) VALUES (?, ?, ?)",
                        (version, name, to_iso(utcnow())),
                    )
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"cannot prepare database {self.path}: {exc}") from None
        return self.schema_version()

    # -- contacts -----------------------------------------------------------------------------

    def upsert_contact(
        self,
        name: str,
        *,
        priority: int | None = None,
        notes: str | None = None,
        origin: str = "cli",
        identities: Iterable[tuple[str, str]] = (),
    ) -> int:
        """Create or update a contact by name and attach identities; returns its id."""
        name = clean_name(name)
        if not name:
            raise InputError("a contact needs a name")
        if priority is not None and not 1 <= priority <= 3:
            raise InputError(f"priority must be 1, 2 or 3, not {priority}")
        with self.transaction():
            row = self.conn.execute("SELECT id FROM contacts WHERE name = ?", (name,)).fetchone()
            if row:
                contact_id = int(row[0])
                if priority is not None:
                    self.conn.execute(
                        "UPDATE contacts SET priority = ? WHERE id = ?", (priority, contact_id)
                    )
                if notes is not None:
                    self.conn.execute(
                        "UPDATE contacts SET notes = ? WHERE id = ?", (notes, contact_id)
                    )
            else:
                cur = self.conn.execute(
                    "INSERT INTO contacts (name, priority, notes, origin, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (name, priority or 2, notes or "", origin, to_iso(utcnow())),
                )
                contact_id = int(cur.lastrowid or 0)
            for platform, handle in identities:
                self._attach_identity(contact_id, platform, handle)
        return contact_id

    def _attach_identity(self, contact_id: int, platform: str, handle: str) -> None:
        if platform not in PLATFORMS:
            raise InputError(
                f"unknown platform {platform!r}; expected one of {', '.join(PLATFORMS)}"
            )
        handle = normalise_handle(platform, handle)
        if not handle:
            return
        owner = self.conn.execute(
            "SELECT c.name, i.contact_id FROM identities i JOIN contacts c ON c.id = i.contact_id"
            " WHERE i.platform = ? AND i.handle = ?",
            (platform, handle),
        ).fetchone()
        if owner and owner[1] != contact_id:
            raise InputError(f"{platform} identity {handle!r} already belongs to {owner[0]!r}")
        self.conn.execute(
            "INSERT OR IGNORE INTO identities (contact_id, platform, handle) VALUES (?, ?, ?)",
            (contact_id, platform, handle),
        )

    def remove_contact(self, name: str) -> bool:
        """Delete a contact, its identities and sources; its posts stay, unlinked."""
        with self.transaction():
            cur = self.conn.execute("DELETE FROM contacts WHERE name = ?", (name,))
        return cur.rowcount > 0

    def list_contacts(self) -> list[ContactRow]:
        rows = self.conn.execute(
            "SELECT id, name, priority, notes FROM contacts ORDER BY priority DESC, name"
        ).fetchall()
        idents: dict[int, list[tuple[str, str]]] = {}
        for contact_id, platform, handle in self.conn.execute(
            "SELECT contact_id, platform, handle FROM identities ORDER BY platform, handle"
        ):
            idents.setdefault(contact_id, []).append((platform, handle))
        return [ContactRow(r[0], r[1], r[2], r[3], tuple(idents.get(r[0], ()))) for r in rows]

    def set_resolved_id(self, platform: str, handle: str, resolved_id: str) -> None:
        """Remember what a handle resolved to (a DID, a user id) so it is resolved once."""
        self.conn.execute(
            "UPDATE identities SET resolved_id = ? WHERE platform = ? AND handle = ?",
            (resolved_id, platform, normalise_handle(platform, handle)),
        )

    # -- sources ------------------------------------------------------------------------------

    def sync_sources(self, self_targets: dict[str, str], enabled_platforms: Iterable[str]) -> None:
        """Create a source for every collectable identity and for the user's own accounts."""
        platforms = set(enabled_platforms)
        now = to_iso(utcnow())
        with self.transaction():
            for identity_id, contact_id, platform, handle in self.conn.execute(
                "SELECT id, contact_id, platform, handle FROM identities"
            ).fetchall():
                if platform not in platforms:
                    continue
                kind = "feed" if platform == "blog" else "author"
                self.conn.execute(
                    "INSERT INTO sources (platform, kind, target, contact_id, identity_id,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (platform, kind, target) DO UPDATE SET"
                    " contact_id = excluded.contact_id, identity_id = excluded.identity_id",
                    (platform, kind, handle, contact_id, identity_id, now),
                )
            for platform, target in self_targets.items():
                if platform in platforms and target:
                    self.conn.execute(
                        "INSERT OR IGNORE INTO sources (platform, kind, target, created_at)"
                        " VALUES (?, 'self', ?, ?)",
                        (platform, target, now),
                    )

    def add_comment_source(self, post_id: str, url: str) -> None:
        """Register a blog post's comment feed for participation detection."""
        self.conn.execute(
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
        for row in self.conn.execute(sql, params):
            state = _load_json(row[5])
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

    def source_rows(self) -> list[dict[str, Any]]:
        """Every source with its health, for `listen status`."""
        cur = self.conn.execute(
            "SELECT s.id, s.platform, s.kind, s.target, c.name AS contact, s.enabled,"
            " s.disabled_reason, s.last_success_at, s.error_count, s.last_error, s.next_poll_at,"
            " s.created_at, s.last_polled_at"
            " FROM sources s LEFT JOIN contacts c ON c.id = s.contact_id"
            " ORDER BY s.platform, s.kind, s.target"
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur]

    def save_result(
        self, source: Source, result: CollectResult, *, now: datetime, next_poll_at: datetime
    ) -> SavedCounts:
        """Store one poll's posts, engagements and new state in a single transaction."""
        with self.transaction():
            new_posts = self._insert_posts(source, result.posts, now)
            new_engagements = self.insert_engagements(result.engagements, now=now)
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
                clash = self.conn.execute(
                    "SELECT 1 FROM sources WHERE platform = ? AND kind = ? AND target = ?",
                    (source.platform, source.kind, result.new_target),
                ).fetchone()
                if not clash:
                    assignments["target"] = result.new_target
                    self.conn.execute(
                        "UPDATE identities SET handle = ? WHERE platform = ? AND handle = ?",
                        (result.new_target, source.platform, source.target),
                    )
            self._update_source(source.id, assignments)
        return SavedCounts(new_posts, new_engagements)

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

    def _update_source(self, source_id: int, values: dict[str, Any]) -> None:
        sets = ", ".join(f"{key} = ?" for key in values)
        self.conn.execute(f"UPDATE sources SET {sets} WHERE id = ?", [*values.values(), source_id])

    # -- posts and engagements ---------------------------------------------------------------

    def _insert_posts(self, source: Source, posts: Sequence[Post], now: datetime) -> int:
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
            )
            for p in posts
        ]
        # One pass: insert new posts; for known ones refresh what may legitimately change on a
        # re-collect (edits, metrics), never the key. New rows get rowids above the current
        # maximum, which is how the new ones are counted (total_changes counts updates too).
        last_rowid = self.conn.execute("SELECT coalesce(max(rowid), 0) FROM posts").fetchone()[0]
        self.conn.executemany(
            "INSERT INTO posts (id, platform, contact_id, source_id, author_handle, url, title,"
            " text, kind, created_at, collected_at, reply_to, quote_of, repost_of,"
            " comment_feed_url, metrics) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET text = excluded.text, title = excluded.title,"
            " metrics = coalesce(excluded.metrics, posts.metrics)"
            " WHERE posts.text IS NOT excluded.text OR posts.title IS NOT excluded.title",
            rows,
        )
        new = int(
            self.conn.execute(
                "SELECT count(*) FROM posts WHERE rowid > ?", (last_rowid,)
            ).fetchone()[0]
        )
        if new:
            # Engagements recorded before their post arrived learn whose post it was.
            self.conn.execute(
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
        before = self.conn.total_changes
        self.conn.executemany(
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
        return self.conn.total_changes - before

    def post_platform(self, post_id: str) -> str | None:
        """The platform of a stored post, or None if it is not stored."""
        row = self.conn.execute("SELECT platform FROM posts WHERE id = ?", (post_id,)).fetchone()
        return row[0] if row else None

    def resolve_post(self, ref: str) -> str:
        """The id of the post `ref` names: its id, else its link (as the digest shows it)."""
        if self.post_platform(ref) is not None:
            return ref
        ids = [
            row[0]
            for row in self.conn.execute("SELECT id FROM posts WHERE url = ? LIMIT 2", (ref,))
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
            self.conn.execute(
                "INSERT INTO marks (post_id, label, marked_at) VALUES (?, ?, ?)"
                " ON CONFLICT (post_id) DO UPDATE SET label = excluded.label,"
                " marked_at = excluded.marked_at",
                (post_id, label, to_iso(now)),
            )
            # A new mark corrects the previous one: its manual engagement goes with it.
            self.conn.execute(
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
        return dict(self.conn.execute("SELECT post_id, label FROM marks").fetchall())

    def recent_posts(self, limit: int = 20) -> list[dict[str, Any]]:
        """The newest posts with their contact's name, newest first."""
        cur = self.conn.execute(
            "SELECT p.id, p.platform, p.kind, p.url, p.title, p.text, p.created_at,"
            " p.author_handle, c.name AS contact FROM posts p"
            " LEFT JOIN contacts c ON c.id = p.contact_id"
            " ORDER BY p.created_at IS NULL, p.created_at DESC LIMIT ?",
            (limit,),
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur]

    def count(self, table: str) -> int:
        if table not in {
            "contacts",
            "identities",
            "sources",
            "posts",
            "engagements",
            "runs",
            "classifications",
            "digest_items",
            "marks",
        }:
            raise ValueError(table)
        return int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    # -- classifier ---------------------------------------------------------------------------

    def all_posts_scored(self) -> bool:
        """True when every post has a classification: two counts, not a join (every
        classification is of a distinct stored post: its key, a foreign key with cascade)."""
        posts, scored = self.conn.execute(
            "SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM classifications)"
        ).fetchone()
        return int(posts) <= int(scored)

    def posts_for_scoring(self, *, rescore: bool = False) -> list[dict[str, Any]]:
        """Posts without a classification (every post if `rescore`), with what the classifier
        needs about their author: priority, the user's last engagement with them, and how many
        of their posts the user engaged with."""
        cur = self.conn.execute(
            "WITH engaged AS (SELECT post_id, max(coalesce(engaged_at, recorded_at)) AS last_at"
            "  FROM engagements GROUP BY post_id),"
            " per_contact AS (SELECT p.contact_id, count(*) AS posts,"
            "  count(e.post_id) AS engaged_posts, max(e.last_at) AS last_engaged_at"
            "  FROM posts p LEFT JOIN engaged e ON e.post_id = p.id"
            "  WHERE p.contact_id IS NOT NULL GROUP BY p.contact_id)"
            " SELECT p.id, p.platform, p.kind, p.url, p.title, p.text, p.created_at,"
            " p.collected_at, p.reply_to, p.contact_id, c.name AS contact_name,"
            " coalesce(c.priority, 2) AS contact_priority, pc.last_engaged_at,"
            " coalesce(pc.posts, 0) AS contact_posts,"
            " coalesce(pc.engaged_posts, 0) AS contact_engaged_posts"
            " FROM posts p LEFT JOIN contacts c ON c.id = p.contact_id"
            " LEFT JOIN per_contact pc ON pc.contact_id = p.contact_id"
            + (
                ""
                if rescore
                else " WHERE NOT EXISTS (SELECT 1 FROM classifications k WHERE k.post_id = p.id)"
            )
            + " ORDER BY p.created_at IS NULL, p.created_at, p.id"
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur]

    def save_classifications(
        self, rows: Sequence[tuple[str, str, float, float, str, Sequence[str]]], *, now: datetime
    ) -> int:
        """Upsert (post_id, model_version, comment p, share p, action, reasons) in one batch."""
        scored_at = to_iso(now)
        with self.transaction():
            self.conn.executemany(
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

    def top_classified(self, limit: int = 10) -> list[dict[str, Any]]:
        """Classified posts worth acting on and not yet handled (engaged or marked), best first."""
        cur = self.conn.execute(
            "SELECT p.id, p.platform, p.url, p.title, p.text, p.created_at,"
            " c.name AS contact, p.author_handle, k.action, k.comment_probability,"
            " k.share_probability, k.reasons, k.model_version"
            " FROM classifications k JOIN posts p ON p.id = k.post_id"
            " LEFT JOIN contacts c ON c.id = p.contact_id WHERE k.action != 'skip'"
            " AND NOT EXISTS (SELECT 1 FROM marks m WHERE m.post_id = p.id)"
            " AND NOT EXISTS (SELECT 1 FROM engagements e WHERE e.post_id = p.id)"
            " ORDER BY max(k.comment_probability, k.share_probability) DESC, p.created_at DESC"
            " LIMIT ?",
            (limit,),
        )
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur]
        for row in rows:
            try:
                reasons = json.loads(row["reasons"])
            except json.JSONDecodeError:
                reasons = []
            row["reasons"] = [str(r) for r in reasons] if isinstance(reasons, list) else []
        return rows

    def training_history(self) -> dict[str, Any]:
        """Everything `listen train` learns from: posts with their author, the user's
        engagements, when posts were first shown in a digest, and the user's marks."""
        cur = self.conn.execute(
            "SELECT p.id, p.platform, p.kind, p.url, p.title, p.text, p.created_at,"
            " p.collected_at, p.reply_to, p.contact_id, c.name AS contact_name,"
            " coalesce(c.priority, 2) AS contact_priority"
            " FROM posts p LEFT JOIN contacts c ON c.id = p.contact_id"
        )
        names = [d[0] for d in cur.description]
        posts = [dict(zip(names, row, strict=True)) for row in cur]
        engagements = self.conn.execute(
            "SELECT post_id, kind, coalesce(engaged_at, recorded_at) FROM engagements"
            " WHERE post_id IN (SELECT id FROM posts)"
        ).fetchall()
        shown = dict(
            self.conn.execute(
                "SELECT post_id, min(shown_at) FROM digest_items GROUP BY post_id"
            ).fetchall()
        )
        return {
            "posts": posts,
            "engagements": [tuple(row) for row in engagements],
            "first_shown": shown,
            "marks": self.marks(),
        }

    # -- metered API reads (X read budget) ---------------------------------------------------

    def add_api_reads(self, platform: str, month: str, reads: int, *, now: datetime) -> None:
        """Add `reads` API requests to `platform`'s count for `month` (YYYY-MM)."""
        if reads <= 0:
            return
        with self.transaction():
            self.conn.execute(
                "INSERT INTO api_reads (platform, month, reads, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (platform, month) DO UPDATE SET reads = reads + excluded.reads,"
                " updated_at = excluded.updated_at",
                (platform, month, reads, to_iso(now)),
            )

    def api_reads(self, platform: str, month: str) -> int:
        """API requests spent on `platform` in `month` (YYYY-MM)."""
        row = self.conn.execute(
            "SELECT reads FROM api_reads WHERE platform = ? AND month = ?", (platform, month)
        ).fetchone()
        return int(row[0]) if row else 0

    # -- runs ---------------------------------------------------------------------------------

    def start_run(self, command: str, now: datetime) -> int:
        with self.transaction():
            cur = self.conn.execute(
                "INSERT INTO runs (command, started_at) VALUES (?, ?)", (command, to_iso(now))
            )
        return int(cur.lastrowid or 0)

    def mark_interrupted_runs(self, now: datetime) -> int:
        """Runs still 'running' when the run lock is free were killed: say so; returns how many."""
        with self.transaction():
            cur = self.conn.execute(
                "UPDATE runs SET status = 'interrupted', finished_at = coalesce(finished_at, ?)"
                " WHERE status = 'running'",
                (to_iso(now),),
            )
        return cur.rowcount

    def last_run(self) -> dict[str, Any] | None:
        """The newest `runs` row, for `listen status`."""
        cur = self.conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1")
        row = cur.fetchone()
        if row is None:
            return None
        names = [d[0] for d in cur.description]
        return dict(zip(names, row, strict=True))

    def finish_run(self, run_id: int, now: datetime, totals: dict[str, Any]) -> None:
        values = {**totals, "finished_at": to_iso(now)}
        if "errors" in values:
            values["errors"] = json.dumps(values["errors"])
        sets = ", ".join(f"{key} = ?" for key in values)
        with self.transaction():
            self.conn.execute(f"UPDATE runs SET {sets} WHERE id = ?", [*values.values(), run_id])

    def add_run_errors(self, run_id: int, errors: list[dict[str, Any]]) -> None:
        """Append to a finished run's `errors` (failed steps after collection); an ok run
        becomes partial."""
        with self.transaction():
            row = self.conn.execute("SELECT errors FROM runs WHERE id = ?", (run_id,)).fetchone()
            if row is None:
                return
            try:
                existing = json.loads(row[0] or "[]")
            except ValueError:
                existing = []
            merged = [*(existing if isinstance(existing, list) else []), *errors]
            self.conn.execute(
                "UPDATE runs SET errors = ?,"
                " status = CASE WHEN status = 'ok' THEN 'partial' ELSE status END WHERE id = ?",
                (json.dumps(merged), run_id),
            )

    # -- digest, tracking, participation (issue 7) ------------------------------------------
    # Every query selects by an indexed time range (or primary key) first, so a digest over a
    # large database reads only the rows of its window.

    def digest_candidates(
        self, start: datetime, end: datetime, *, limit: int = 5000
    ) -> list[Candidate]:
        """Contacts' posts created in [start, end] with classification, engagement and mark."""
        rows = self.conn.execute(
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
            post = _post_summary(row[:11])
            classification = None
            if row[13] is not None:
                reasons = _load_json_list(row[14])
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
        count, newest = self.conn.execute(
            "SELECT count(*), max(created_at) FROM posts WHERE contact_id IS NOT NULL"
        ).fetchone()
        return int(count), parse_iso(newest) if newest else None

    def shown_items(self, start: datetime, end: datetime) -> list[ShownItem]:
        """Posts shown in digests in [start, end), oldest first."""
        rows = self.conn.execute(
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
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            facts.extend(
                self._engagement_facts(
                    f"e.post_id IN ({', '.join('?' * len(chunk))})", chunk, indexed_by=None
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
        rows = self.conn.execute(
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
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            for post_id, label, marked_at in self.conn.execute(
                "SELECT post_id, label, marked_at FROM marks"
                f" WHERE post_id IN ({', '.join('?' * len(chunk))})",
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
        contacts = self.conn.execute(
            "SELECT c.id, c.name, c.priority, (SELECT p.id FROM posts p INDEXED BY"
            " posts_contact_created WHERE p.contact_id = c.id AND p.created_at IS NOT NULL"
            " ORDER BY p.created_at DESC LIMIT 1), (SELECT max(e.engaged_at) FROM engagements e"
            " INDEXED BY engagements_contact_engaged WHERE e.contact_id = c.id) FROM contacts c"
        ).fetchall()
        # Engagements without a time count when they were recorded (rare: a seek on NULL).
        undated = dict(
            self.conn.execute(
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
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ", ".join("?" * len(chunk))
            for row in self.conn.execute(
                "SELECT p.id, p.platform, p.contact_id, c.name, c.priority, p.url, p.title,"
                " substr(p.text, 1, ?), p.kind, p.created_at, p.author_handle FROM posts p"
                f" JOIN contacts c ON c.id = p.contact_id WHERE p.id IN ({marks})",
                [EXCERPT_CHARS, *chunk],
            ):
                latest[row[0]] = _post_summary(row)
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

    def post_time_range(self) -> tuple[datetime | None, datetime | None]:
        """When the oldest and the newest stored posts were created (the demo's window)."""
        oldest = self.conn.execute("SELECT min(created_at) FROM posts").fetchone()[0]
        newest = self.conn.execute("SELECT max(created_at) FROM posts").fetchone()[0]
        return parse_iso(oldest), parse_iso(newest)

    def record_digest_items(
        self, items: Sequence[tuple[str, str, int, str | None]], *, shown_at: datetime
    ) -> int:
        """Remember what a digest showed: (post_id, section, rank, action) rows."""
        if not items:
            return 0
        before = self.conn.total_changes
        with self.transaction():
            self.conn.executemany(
                "INSERT OR IGNORE INTO digest_items (post_id, shown_at, section, rank, action)"
                " VALUES (?, ?, ?, ?, ?)",
                [(post_id, to_iso(shown_at), s, rank, a) for post_id, s, rank, a in items],
            )
        return self.conn.total_changes - before

    def register_comment_sources(self, created_after: datetime, *, now: datetime) -> int:
        """A `comments` source for every blog post newer than `created_after` with a comment
        feed; retire the ones whose post is older. Returns how many were added."""
        before = self.conn.total_changes
        with self.transaction():
            self.conn.execute(
                "INSERT OR IGNORE INTO sources (platform, kind, target, post_id, contact_id,"
                " created_at) SELECT 'blog', 'comments', comment_feed_url, id, contact_id, ?"
                " FROM posts INDEXED BY posts_platform_created WHERE platform = 'blog'"
                " AND created_at >= ? AND comment_feed_url IS NOT NULL",
                (to_iso(now), to_iso(created_after)),
            )
            added = self.conn.total_changes - before
            self.conn.execute(
                "UPDATE sources SET enabled = 0, disabled_reason = 'post too old to watch'"
                " WHERE kind = 'comments' AND enabled = 1"
                " AND (SELECT created_at FROM posts WHERE id = sources.post_id) < ?",
                (to_iso(created_after),),
            )
        return added


def normalise_handle(platform: str, handle: str) -> str:
    """Canonical form of a handle, so the same person is not added twice."""
    handle = handle_from_profile_url(platform, handle.strip())
    if platform in ("bluesky", "x", "mastodon"):
        handle = handle.lstrip("@").lower()
    return handle


def _post_summary(row: Sequence[Any]) -> PostSummary:
    """(id, platform, contact_id, name, priority, url, title, text, kind, created_at, author)."""
    return PostSummary(
        id=row[0],
        platform=row[1],
        contact_id=row[2],
        contact_name=row[3] or row[10] or "",
        priority=int(row[4] or 2),
        url=row[5],
        title=row[6],
        excerpt=row[7] or "",
        kind=row[8] or "post",
        created_at=parse_iso(row[9]),
        author_handle=row[10],
    )


def _load_json_list(text: str | None) -> list[Any]:
    try:
        value = json.loads(text or "[]")
    except json.JSONDecodeError:
        return []
    return value if isinstance(value, list) else []


def _load_json(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}
