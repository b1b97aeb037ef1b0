"""The `opportunities` and `activity` views people open in Datasette."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils

from listen.store import MIGRATIONS, Store
from listen.types import Engagement, Post
from tests.helpers import add_contact_posts, classify, sql

NOW = datetime(2024, 5, 31, 8, tzinfo=UTC)


def rows(store: Store, query: str) -> list[dict[str, object]]:
    """What a Datasette user sees: `query`'s rows by column name, from a second connection."""
    assert store.path is not None
    with closing(sqlite3.connect(store.path)) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(query)]


def fill(store: Store) -> None:
    posts = [
        Post(
            f"at://ann/{n}",
            "bluesky",
            url=f"https://bsky.app/profile/ann/post/{n}",
            text=f"post {n} " + "x" * 400,
            created_at=NOW - timedelta(hours=n),
        )
        for n in range(1, 4)
    ]
    add_contact_posts(store, "Ann", "bluesky", "ann.bsky.social", posts, priority=3, now=NOW)
    classify(store, "at://ann/1", "comment", 0.9, 0.1, '["asks a question"]')
    classify(store, "at://ann/2", "share", 0.2, 0.8, '["shares a resource"]')
    classify(store, "at://ann/3", "skip", 0.05, 0.05, "[]")
    store.mark_post("at://ann/2", "share", now=NOW)
    store.insert_engagements(
        [
            Engagement(
                id="at://me/like/1",
                post_id="at://bob/not-collected-yet",
                platform="bluesky",
                kind="like",
                engaged_at=NOW,
                detected_by="api",
            )
        ],
        now=NOW,
    )


def test_opportunities_joins_posts_classifications_contacts_marks(store: Store) -> None:
    fill(store)
    found = {r["post_id"]: r for r in rows(store, "SELECT * FROM opportunities")}
    assert set(found) == {"at://ann/1", "at://ann/2"}  # skip is not an opportunity
    first = found["at://ann/1"]
    assert (first["contact"], first["priority"], first["action"]) == ("Ann", 3, "comment")
    assert (first["mark"], first["engagements"]) == (None, 0)
    assert first["url"] == "https://bsky.app/profile/ann/post/1"
    assert json.loads(str(first["reasons"])) == ["asks a question"]
    assert len(str(first["excerpt"])) == 280
    shared = found["at://ann/2"]
    assert (shared["mark"], shared["engagements"]) == ("share", 1)


def test_activity_lists_engagements_with_their_post_when_collected(store: Store) -> None:
    fill(store)
    found = {r["engagement_id"]: r for r in rows(store, "SELECT * FROM activity")}
    manual = found["manual:share:at://ann/2"]
    assert (manual["contact"], manual["kind"], manual["post_collected"]) == ("Ann", "share", 1)
    assert manual["post_url"] == "https://bsky.app/profile/ann/post/2"
    early = found["at://me/like/1"]
    assert (early["contact"], early["post_collected"], early["engaged_at"]) == (
        None,
        0,
        "2024-05-31T08:00:00+00:00",
    )


def open_at_version(path: Path, version: int) -> Store:
    """A database whose schema stops at migration `version`, as an older listen left it."""
    with closing(sqlite_utils.Database(path)) as db:
        db.execute(
            "CREATE TABLE _migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TEXT NOT NULL)"
        )
        for number, (name, apply) in enumerate(MIGRATIONS[:version], start=1):
            apply(db)
            db.execute(
                "INSERT INTO _migrations VALUES (?, ?, '2024-01-01T00:00:00+00:00')",
                (number, name),
            )
        db.conn.commit()
    return Store.open(path, migrate=False)


def test_views_arrive_by_migration_on_an_existing_database(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    open_at_version(path, 4).close()
    with Store.open(path) as upgraded:
        assert upgraded.schema_version() == len(MIGRATIONS)
    views = sqlite3.connect(path).execute(
        "SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name"
    )
    assert [v[0] for v in views] == ["activity", "circle", "interaction_log", "opportunities"]


def copy_rows(old: Store, source: Path) -> None:
    """Copy every table's rows from `source` into `old`, keeping the columns `old` has."""
    assert old.path is not None
    with closing(sqlite3.connect(old.path)) as conn, conn:
        conn.execute("ATTACH DATABASE ? AS src", (str(source),))
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name != '_migrations'"
            )
        ]
        for table in tables:
            columns = ", ".join(row[1] for row in conn.execute(f"PRAGMA table_info({table})"))
            conn.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM src.{table}")


def test_marks_reference_posts_after_the_upgrade_and_keep_their_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with open_at_version(path, 4) as old:
        # marks at://ann/2 through the real code path (today's schema), then the rows are
        # copied into the old schema's columns, as the code of that time wrote them
        with Store.open(tmp_path / "today.db") as today:
            fill(today)
        copy_rows(old, tmp_path / "today.db")
    with Store.open(path) as upgraded:
        assert upgraded.marks() == {"at://ann/2": "share"}
        foreign = sql(upgraded, "PRAGMA foreign_key_list(marks)")
        assert [(row[2], row[3], row[4]) for row in foreign] == [("posts", "post_id", "id")]
        assert sql(upgraded, "PRAGMA foreign_key_check") == []
        opportunities = rows(upgraded, "SELECT post_id, mark FROM opportunities ORDER BY post_id")
    assert opportunities == [
        {"post_id": "at://ann/1", "mark": None},
        {"post_id": "at://ann/2", "mark": "share"},
    ]
