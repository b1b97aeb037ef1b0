"""Search over posts (FTS5, migration 14, kept in step by triggers), a contact's page and
priority, and the `irrelevant` mark (migration 15): store and application layer."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from listen import app
from listen.errors import InputError
from listen.store import Store
from listen.store.search import fts_query
from listen.types import CollectResult, Post
from tests.helpers import add_contact_posts, classify, sql, sql_script

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def post(post_id: str, text: str, *, title: str | None = None, hours: float = 1) -> Post:
    return Post(
        post_id,
        "blog",
        url=f"https://ada.example/{post_id}",
        title=title,
        text=text,
        created_at=NOW - timedelta(hours=hours),
    )


@pytest.fixture
def filled(store: Store) -> Store:
    add_contact_posts(
        store,
        "Ada",
        "blog",
        "https://ada.example/feed",
        [
            post("a1", "Notes on SQLite full-text search", title="Search"),
            post("a2", "Café culture in Zürich", hours=2),
            post("a3", "Nothing to see", hours=3),
        ],
        now=NOW,
    )
    add_contact_posts(
        store,
        "Bob",
        "mastodon",
        "bob@example.social",
        [Post("b1", "mastodon", text="search engines and sqlite", created_at=NOW)],
        now=NOW,
    )
    return store


def ids(hits: list) -> list[str]:
    return [h.post.id for h in hits]


def test_fts_query_quotes_every_word_so_nothing_is_syntax() -> None:
    assert fts_query('sqlite OR "x" NEAR(a b) col:val*') == (
        '"sqlite" "OR" "x" "NEAR" "a" "b" "col" "val"'
    )
    assert fts_query("  ") == ""


def test_search_finds_every_word_in_title_or_text(filled: Store) -> None:
    assert sorted(ids(app.search_posts(filled, "sqlite search"))) == ["a1", "b1"]
    assert ids(app.search_posts(filled, "SEARCH notes")) == ["a1"]
    assert ids(app.search_posts(filled, "cafe zurich")) == ["a2"]  # diacritics folded
    assert app.search_posts(filled, "absent") == []


def test_search_survives_hostile_syntax(filled: Store) -> None:
    assert ids(app.search_posts(filled, 'sqlite" OR * NEAR(')) == []  # every word must match
    assert sorted(ids(app.search_posts(filled, "sqlite)(*"))) == ["a1", "b1"]


def test_search_filters_by_contact_platform_and_action(filled: Store) -> None:
    assert ids(app.search_posts(filled, "sqlite", contact="Bob")) == ["b1"]
    assert ids(app.search_posts(filled, "sqlite", platform="blog")) == ["a1"]
    assert ids(app.search_posts(filled, "", contact="Ada")) == ["a1", "a2", "a3"]  # newest first
    classify(filled, "a2", "share", 0.1, 0.8, '["a link"]')
    (hit,) = app.search_posts(filled, "", action="share")
    assert (hit.post.id, hit.action, hit.mark, hit.engaged) == ("a2", "share", None, False)


def test_unknown_filters_are_input_errors(filled: Store) -> None:
    with pytest.raises(InputError, match="no contact named 'Nobody'"):
        app.search_posts(filled, "x", contact="Nobody")
    with pytest.raises(InputError, match="unknown platform"):
        app.search_posts(filled, "x", platform="myspace")
    with pytest.raises(InputError, match="unknown action"):
        app.search_posts(filled, "x", action="shout")


def test_index_follows_edits_and_deletes(filled: Store) -> None:
    source = next(s for s in filled.sources() if s.contact_id is not None and s.platform == "blog")
    edited = post("a3", "Now about lighthouses", hours=3)
    filled.save_result(source, CollectResult(posts=(edited,)), now=NOW, next_poll_at=NOW)
    assert ids(app.search_posts(filled, "lighthouses")) == ["a3"]
    assert app.search_posts(filled, "nothing see") == []
    sql_script(filled, "DELETE FROM posts WHERE id = 'a1'")
    assert ids(app.search_posts(filled, "sqlite")) == ["b1"]
    check = sql(filled, "INSERT INTO posts_fts (posts_fts, rank) VALUES ('integrity-check', 1)")
    assert check == []


def test_migration_indexes_posts_stored_before_it(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with Store.open(path) as store:
        add_contact_posts(
            store, "Ada", "blog", "https://ada.example/feed", [post("a1", "lighthouse")], now=NOW
        )
    sql_script(
        path,
        "DROP TRIGGER posts_fts_insert; DROP TRIGGER posts_fts_delete;"
        " DROP TRIGGER posts_fts_update; DROP TABLE posts_fts;"
        " DELETE FROM _migrations WHERE version >= 14;",
    )
    with Store.open(path) as upgraded:
        assert ids(app.search_posts(upgraded, "lighthouse")) == ["a1"]
        assert upgraded.schema_version() == 15


def test_irrelevant_mark_is_stored_and_trained_as_a_negative(filled: Store) -> None:
    app.mark_post(filled, "a1", "irrelevant", now=NOW)
    assert sql(filled, "SELECT label FROM marks WHERE post_id = 'a1'") == [("irrelevant",)]
    assert app.search_posts(filled, "notes")[0].mark == "irrelevant"
    from listen.app.classifier import training_history

    assert training_history(filled).marks == {"a1": "skip"}
    with pytest.raises(InputError, match="unknown mark 'love'"):
        app.mark_post(filled, "a1", "love", now=NOW)
    with pytest.raises(sqlite3.IntegrityError):  # the schema refuses other labels too
        sql_script(filled, "UPDATE marks SET label = 'love'")


def test_contact_page_and_priority(filled: Store) -> None:
    page = app.contact_page(filled, "Ada")
    assert page.contact.name == "Ada"
    assert [(i.platform, i.handle) for i in page.identities] == [
        ("blog", "https://ada.example/feed")
    ]
    assert [h.post.id for h in page.posts] == ["a1", "a2", "a3"]
    app.mark_post(filled, "a1", "comment", now=NOW)
    assert app.contact_page(filled, "Ada").engagements == 1
    assert app.set_contact_priority(filled, "Ada", 3) == 3
    assert app.contact_named(filled, "Ada").priority == 3
    with pytest.raises(InputError, match="priority must be 1, 2 or 3"):
        app.set_contact_priority(filled, "Ada", 7)
    with pytest.raises(InputError, match="no contact named"):
        app.contact_page(filled, "Zed")
