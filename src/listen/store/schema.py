"""The schema and its migrations: numbered functions applied once, in order, and recorded in
`_migrations`. The schema is public API (people open it in Datasette); see README "Schema".
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from listen.clock import to_iso, utcnow
from listen.errors import StorageError
from listen.store.base import StoreBase, load_json
from listen.types import (
    DETECTION_METHODS,
    ENGAGEMENT_KINDS,
    INTERACTION_DETECTION,
    INTERACTION_DIRECTIONS,
    INTERACTION_KINDS,
    PLATFORMS,
)

if TYPE_CHECKING:
    import sqlite_utils


def _in(values: Sequence[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


# The first schema, one part per concern; migration 1 runs them as one script.
_CONTACT_TABLES = f"""
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
"""
_SOURCE_TABLE = """
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
            state TEXT NOT NULL DEFAULT '{}',
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
"""
_POST_TABLE = f"""
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
"""
_ENGAGEMENT_TABLE = f"""
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
"""
_RUN_TABLE = """
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
_INITIAL_SCHEMA = (_CONTACT_TABLES, _SOURCE_TABLE, _POST_TABLE, _ENGAGEMENT_TABLE, _RUN_TABLE)


def _migration_1_initial(db: sqlite_utils.Database) -> None:
    db.executescript("".join(_INITIAL_SCHEMA))


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


def _migration_9_x_spend(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS api_spend (
            platform TEXT NOT NULL,
            month TEXT NOT NULL,
            micro_usd INTEGER NOT NULL DEFAULT 0 CHECK (micro_usd >= 0),
            updated_at TEXT NOT NULL,
            PRIMARY KEY (platform, month)
        );
        CREATE TABLE IF NOT EXISTS api_billed_posts (
            platform TEXT NOT NULL,
            day TEXT NOT NULL,
            post_id TEXT NOT NULL,
            micro_usd INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (platform, day, post_id)
        ) WITHOUT ROWID;
        """
    )


def _migration_10_people(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS profiles (
            platform TEXT NOT NULL,
            handle TEXT NOT NULL,
            account_id TEXT NOT NULL DEFAULT '',
            display_name TEXT NOT NULL DEFAULT '',
            bio TEXT NOT NULL DEFAULT '',
            avatar_url TEXT,
            links TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(links)),
            followers_count INTEGER,
            fetched_at TEXT NOT NULL,
            PRIMARY KEY (platform, handle)
        );
        CREATE TABLE IF NOT EXISTS follow_imports (
            id INTEGER PRIMARY KEY,
            platform TEXT NOT NULL,
            account TEXT NOT NULL,
            list_id TEXT NOT NULL DEFAULT '',
            account_id TEXT,
            expected_total INTEGER,
            cursor TEXT,
            imported INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            pages INTEGER NOT NULL DEFAULT 0,
            started_at TEXT NOT NULL,
            finished_at TEXT
        );
        CREATE INDEX IF NOT EXISTS follow_imports_open
            ON follow_imports(platform, account, list_id, finished_at);
        CREATE TABLE IF NOT EXISTS identity_decisions (
            platform_a TEXT NOT NULL,
            handle_a TEXT NOT NULL,
            platform_b TEXT NOT NULL,
            handle_b TEXT NOT NULL,
            decision TEXT NOT NULL CHECK (decision IN ('together', 'apart')),
            decided_at TEXT NOT NULL,
            PRIMARY KEY (platform_a, handle_a, platform_b, handle_b)
        );
        """
    )


def _migration_11_feed_ids_survive_redirects(db: sqlite_utils.Database) -> None:
    """Blog post ids that are not URIs are `FEED_URL#guid`; they used the feed's current URL,
    so after a permanent redirect every such post came back under the new URL. From now on the
    collector scopes them to the URL the feed was first polled at (`id_base` in the source
    state): record it, and fold the redirect's duplicates back into the rows first stored."""
    conn = db.conn
    feeds = conn.execute(
        "SELECT id, target, state FROM sources WHERE platform = 'blog' AND kind = 'feed'"
    ).fetchall()
    for source_id, target, state_text in feeds:
        base = _merge_redirected_post_ids(conn, source_id, target)
        state = load_json(state_text)
        state.setdefault("id_base", base)
        conn.execute(
            "UPDATE sources SET state = ? WHERE id = ?",
            (json.dumps(state, sort_keys=True), source_id),
        )


def _merge_redirected_post_ids(conn: sqlite3.Connection, source_id: int, target: str) -> str:
    """The URL a feed's scoped ids were first built on; ids built on a later URL are renamed to
    it, or dropped (their marks, scores and engagements moved) when the post is already there."""
    by_base: dict[str, dict[str, str]] = {}  # base URL → guid → post id
    for (post_id,) in conn.execute(
        "SELECT id FROM posts WHERE source_id = ? ORDER BY rowid", (source_id,)
    ):
        base, hash_sign, guid = str(post_id).partition("#")
        if hash_sign and guid and base.startswith(("http://", "https://")):
            by_base.setdefault(base, {})[guid] = post_id
    current = by_base.get(target, {})
    # Bases that share a guid with the current URL are what the feed was called before a move.
    earlier = [b for b in by_base if b != target and current.keys() & by_base[b].keys()]
    if not earlier:
        return target
    first = earlier[0]  # posts are read in storage order: the oldest base comes first
    for base in [*earlier[1:], target]:
        for guid, old_id in by_base[base].items():
            kept = f"{first}#{guid}"
            if guid not in by_base[first]:
                _copy_post(conn, old_id, kept)
                by_base[first][guid] = kept
            _move_post_references(conn, old_id, kept)
            conn.execute("DELETE FROM posts WHERE id = ?", (old_id,))
    return first


def _copy_post(conn: sqlite3.Connection, post_id: str, new_id: str) -> None:
    columns = [row[1] for row in conn.execute("PRAGMA table_info(posts)") if row[1] != "id"]
    names = ", ".join(columns)
    conn.execute(
        f"INSERT INTO posts (id, {names}) SELECT ?, {names} FROM posts WHERE id = ?",
        (new_id, post_id),
    )


def _move_post_references(conn: sqlite3.Connection, old_id: str, new_id: str) -> None:
    """Point what refers to a post at another id; where the other already has one (a score,
    a mark, a digest entry), the other's is kept and this one goes with the post."""
    for table in ("classifications", "marks", "digest_items", "engagements", "sources"):
        conn.execute(
            f"UPDATE OR IGNORE {table} SET post_id = ? WHERE post_id = ?", (new_id, old_id)
        )


def _migration_12_estimated_post_dates(db: sqlite_utils.Database) -> None:
    """posts.date_estimated: 1 when created_at is the time the post was first seen, because it
    had no readable date (such posts never reached a digest) or one in the future (a date in
    2999 stayed on top of every list). Existing ones are repaired the same way."""
    columns = {row[1] for row in db.conn.execute("PRAGMA table_info(posts)")}
    if "date_estimated" not in columns:  # (a test may replay migrations on a newer schema)
        db.execute(
            "ALTER TABLE posts ADD COLUMN date_estimated INTEGER NOT NULL DEFAULT 0"
            " CHECK (date_estimated IN (0, 1))"
        )
    db.executescript(
        """
        UPDATE posts SET created_at = collected_at, date_estimated = 1
            WHERE created_at IS NULL
                OR julianday(created_at) > julianday(collected_at) + 10.0 / (24 * 60);
        """
    )


_INTERACTION_TABLE = f"""
        CREATE TABLE IF NOT EXISTS interactions (
            id INTEGER PRIMARY KEY,
            platform TEXT NOT NULL CHECK (platform IN {_in(PLATFORMS)}),
            direction TEXT NOT NULL CHECK (direction IN {_in(INTERACTION_DIRECTIONS)}),
            kind TEXT NOT NULL CHECK (kind IN {_in(INTERACTION_KINDS)}),
            dedupe_key TEXT NOT NULL,
            contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
            actor_handle TEXT NOT NULL DEFAULT '',
            actor_id TEXT NOT NULL DEFAULT '',
            actor_name TEXT NOT NULL DEFAULT '',
            our_post TEXT,
            their_post TEXT,
            url TEXT,
            text TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            detected_by TEXT NOT NULL CHECK (detected_by IN {_in(INTERACTION_DETECTION)}),
            answered_at TEXT,
            source_id INTEGER REFERENCES sources(id) ON DELETE SET NULL,
            UNIQUE (platform, direction, dedupe_key)
        );
        CREATE INDEX IF NOT EXISTS interactions_contact_time
            ON interactions(contact_id, created_at);
        -- What the circle reads of a time range, from the index alone.
        CREATE INDEX IF NOT EXISTS interactions_time
            ON interactions(created_at, contact_id, direction, kind);
        CREATE INDEX IF NOT EXISTS interactions_actor_handle
            ON interactions(platform, actor_handle);
        CREATE INDEX IF NOT EXISTS interactions_actor_id ON interactions(platform, actor_id);
        CREATE INDEX IF NOT EXISTS interactions_their_post ON interactions(their_post);
        CREATE INDEX IF NOT EXISTS interactions_url ON interactions(url);
        CREATE INDEX IF NOT EXISTS identities_resolved ON identities(platform, resolved_id);
"""
# An identity added, renamed, resolved or moved to another contact takes its interactions along:
# each statement is an index seek, so people seen before they became contacts join them at once.
_LINK_IDENTITY = """BEGIN
            UPDATE interactions SET contact_id = NEW.contact_id
                WHERE direction = 'in' AND platform = NEW.platform
                AND actor_handle = NEW.handle;
            UPDATE interactions SET contact_id = NEW.contact_id
                WHERE direction = 'in' AND platform = NEW.platform
                AND actor_id = NEW.resolved_id AND NEW.resolved_id != '';
        END;"""
_INTERACTION_TRIGGERS = f"""
        CREATE TRIGGER IF NOT EXISTS identities_link_interactions
        AFTER INSERT ON identities {_LINK_IDENTITY}
        CREATE TRIGGER IF NOT EXISTS identities_relink_interactions
        AFTER UPDATE OF contact_id, handle, resolved_id ON identities {_LINK_IDENTITY}
"""
# Datasette: every interaction with its contact and the posts it joins (either may arrive
# later, or never: a notification about a post listen did not collect); and one row per
# contact with when you last touched, either way, and how much in the last 7 and 30 days.
_PEOPLE_VIEWS = """
        CREATE VIEW IF NOT EXISTS interaction_log AS
        SELECT i.id AS interaction_id, i.created_at, i.platform, i.direction, i.kind,
            i.contact_id, c.name AS contact, i.actor_handle, i.actor_name, i.our_post,
            i.their_post, i.url, substr(i.text, 1, 280) AS excerpt, i.detected_by,
            i.answered_at, p.id IS NOT NULL AS their_post_collected,
            substr(p.text, 1, 280) AS their_post_excerpt
        FROM interactions i
        LEFT JOIN contacts c ON c.id = i.contact_id
        LEFT JOIN posts p ON p.id = i.their_post;
        CREATE VIEW IF NOT EXISTS circle AS
        SELECT c.id AS contact_id, c.name AS contact, c.priority,
            (SELECT max(i.created_at) FROM interactions i
                WHERE i.contact_id = c.id AND i.direction = 'in') AS last_in,
            max(coalesce((SELECT max(e.engaged_at) FROM engagements e
                WHERE e.contact_id = c.id), ''),
                coalesce((SELECT max(i.created_at) FROM interactions i
                WHERE i.contact_id = c.id AND i.direction = 'out'), '')) AS last_out,
            (SELECT count(*) FROM interactions i WHERE i.contact_id = c.id
                AND i.created_at >= strftime('%Y-%m-%dT%H:%M:%S', 'now', '-7 days'))
                + (SELECT count(*) FROM engagements e WHERE e.contact_id = c.id
                AND e.engaged_at >= strftime('%Y-%m-%dT%H:%M:%S', 'now', '-7 days'))
                AS touches_7d,
            (SELECT count(*) FROM interactions i WHERE i.contact_id = c.id
                AND i.created_at >= strftime('%Y-%m-%dT%H:%M:%S', 'now', '-30 days'))
                + (SELECT count(*) FROM engagements e WHERE e.contact_id = c.id
                AND e.engaged_at >= strftime('%Y-%m-%dT%H:%M:%S', 'now', '-30 days'))
                AS touches_30d
        FROM contacts c;
"""


def _migration_13_interactions(db: sqlite_utils.Database) -> None:
    """Table `interactions`: what people do with the user (replies, mentions, quotes,
    reposts, likes, follows, comments on the user's blog) and introductions the user made,
    stored once however many paths saw them; linked to contacts by identity (triggers keep
    the link when identities change); views `interaction_log` and `circle`. Existing
    identities are linked to nothing yet (the table is new)."""
    db.executescript(_INTERACTION_TABLE + _INTERACTION_TRIGGERS + _PEOPLE_VIEWS)


# Full-text search over posts (the web app's Posts page): an external-content FTS5 index on
# posts.rowid, so post text is stored once; triggers keep it in step with every write.
_POSTS_FTS_TRIGGERS = """
        CREATE TRIGGER IF NOT EXISTS posts_fts_insert AFTER INSERT ON posts BEGIN
            INSERT INTO posts_fts (rowid, title, text) VALUES (new.rowid, new.title, new.text);
        END;
        CREATE TRIGGER IF NOT EXISTS posts_fts_delete AFTER DELETE ON posts BEGIN
            INSERT INTO posts_fts (posts_fts, rowid, title, text)
                VALUES ('delete', old.rowid, old.title, old.text);
        END;
        CREATE TRIGGER IF NOT EXISTS posts_fts_update AFTER UPDATE OF title, text ON posts BEGIN
            INSERT INTO posts_fts (posts_fts, rowid, title, text)
                VALUES ('delete', old.rowid, old.title, old.text);
            INSERT INTO posts_fts (rowid, title, text) VALUES (new.rowid, new.title, new.text);
        END;
"""


def _migration_14_posts_search(db: sqlite_utils.Database) -> None:
    """posts_fts: title and text searchable (English stems, diacritics folded), filled from the
    posts already stored."""
    db.executescript(
        """
        CREATE VIRTUAL TABLE IF NOT EXISTS posts_fts USING fts5(
            title, text, content = 'posts', content_rowid = 'rowid',
            tokenize = 'porter unicode61 remove_diacritics 2'
        );
        INSERT INTO posts_fts (posts_fts) VALUES ('rebuild');
        """
        + _POSTS_FTS_TRIGGERS
    )


def _migration_15_irrelevant_mark(db: sqlite_utils.Database) -> None:
    """marks.label may be `irrelevant`: the suggestion was wrong (trained as a negative).
    The views that read marks are dropped while the table is rebuilt, then made again."""
    views = db.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'").fetchall()
    for name, _ in views:
        db.execute(f"DROP VIEW {name}")
    db.executescript(
        """
        CREATE TABLE marks_new (
            post_id TEXT PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
            label TEXT NOT NULL
                CHECK (label IN ('comment', 'share', 'like', 'skip', 'done', 'irrelevant')),
            marked_at TEXT NOT NULL
        );
        INSERT INTO marks_new (post_id, label, marked_at)
            SELECT post_id, label, marked_at FROM marks;
        DROP TABLE marks;
        ALTER TABLE marks_new RENAME TO marks;
        """
    )
    for _, view_sql in views:
        db.execute(view_sql)


# Append new migrations at the end; never edit or reorder an applied one.
# A None entry is a number reserved for a branch not merged yet: skipped, and applied
# later when it arrives (migrate applies every version not recorded, not only newer ones).
MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]] | None] = [
    ("initial", _migration_1_initial),
    ("classifications, digest items, marks", _migration_2_classify_and_digest),
    ("api reads per month (X read budget)", _migration_3_api_reads),
    ("digest indexes", _migration_4_digest_indexes),
    ("post → contact lookup index", _migration_5_post_contact_lookup),
    ("marks.post_id references posts", _migration_6_marks_reference_posts),
    ("views: opportunities, activity", _migration_7_views),
    ("engagements.contact_id", _migration_8_engagement_contact),
    ("api spend in micro-dollars (X pay-per-use)", _migration_9_x_spend),
    ("profiles, follows imports, identity decisions", _migration_10_people),
    ("blog post ids survive redirects", _migration_11_feed_ids_survive_redirects),
    ("posts.date_estimated", _migration_12_estimated_post_dates),
    ("interactions, views interaction_log and circle", _migration_13_interactions),
    ("posts_fts: full-text search over posts", _migration_14_posts_search),
    ("marks.label may be irrelevant", _migration_15_irrelevant_mark),
]


class SchemaStore(StoreBase):
    """Which migrations a database has, and applying the rest."""

    def schema_version(self) -> int:
        exists = self._conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
        ).fetchone()
        if not exists:
            return 0
        row = self._conn.execute("SELECT max(version) FROM _migrations").fetchone()
        return int(row[0] or 0)

    def migrate(self) -> int:
        """Apply pending migrations; returns the schema version."""
        try:
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS _migrations"
                " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            applied = {row[0] for row in self._conn.execute("SELECT version FROM _migrations")}
            for version, migration in enumerate(MIGRATIONS, start=1):
                if migration is None or version in applied:
                    continue
                name, apply = migration
                with self.transaction():
                    apply(self.db)
                    self._conn.execute(
                        "INSERT INTO _migrations (version, name, applied_at) VALUES (?, ?, ?)",
                        (version, name, to_iso(utcnow())),
                    )
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"cannot prepare database {self.path}: {exc}") from None
        return self.schema_version()
