"""The store: migrations, upserts without duplicates, source state round trips."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from listen.errors import InputError, StorageError
from listen.store import MIGRATIONS, Store
from listen.types import CollectResult, Engagement, Post
from tests.helpers import sql

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def test_migrations_apply_once_and_are_recorded(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    with Store.open(path) as first:
        assert first.schema_version() == len(MIGRATIONS)
    with Store.open(path) as again:
        assert again.schema_version() == len(MIGRATIONS)
        rows = sql(again, "SELECT count(*) FROM _migrations")[0][0]
        assert rows == sum(1 for m in MIGRATIONS if m is not None)  # None: reserved
        assert sql(again, "PRAGMA journal_mode")[0][0] == "wal"


def test_public_tables_exist(store: Store) -> None:
    tables = set(store.db.table_names())
    assert {"contacts", "identities", "sources", "posts", "engagements", "runs"} <= tables


def test_contact_upsert_merges_identities(store: Store) -> None:
    first = store.upsert_contact("Ada", priority=3, identities=[("x", "@Ada")])
    second = store.upsert_contact("Ada", identities=[("blog", "https://ada.example/feed")])
    assert first == second
    (row,) = store.list_contacts()
    assert row.priority == 3
    assert set(row.identities) == {("x", "ada"), ("blog", "https://ada.example/feed")}


def test_identity_cannot_belong_to_two_contacts(store: Store) -> None:
    store.upsert_contact("Ada", identities=[("bluesky", "ada.bsky.social")])
    with pytest.raises(InputError, match="already belongs to 'Ada'"):
        store.upsert_contact("Bob", identities=[("bluesky", "ADA.bsky.social")])
    assert [c.name for c in store.list_contacts()] == ["Ada"]  # rolled back


def test_bad_contact_input(store: Store) -> None:
    with pytest.raises(InputError):
        store.upsert_contact("  ")
    with pytest.raises(InputError):
        store.upsert_contact("A", priority=9)
    with pytest.raises(InputError, match="unknown platform"):
        store.upsert_contact("A", identities=[("myspace", "a")])


def _source(store: Store):
    store.upsert_contact("Ada", identities=[("blog", "https://ada.example/feed")])
    store.sync_sources({}, ["blog"])
    (source,) = store.sources()
    return source


def test_save_result_dedups_posts_and_engagements(store: Store) -> None:
    source = _source(store)
    posts = (Post(id="p1", platform="blog", text="hello"), Post(id="p2", platform="blog"))
    eng = (Engagement(id="e1", post_id="p1", platform="blog", kind="comment"),)
    result = CollectResult(posts=posts, engagements=eng, state={"etag": '"1"', "extra": 5})
    later = NOW + timedelta(hours=1)
    first = store.save_result(source, result, now=NOW, next_poll_at=later)
    second = store.save_result(source, result, now=NOW, next_poll_at=later)
    assert (first.new_posts, first.new_engagements) == (2, 1)
    assert (second.new_posts, second.new_engagements) == (0, 0)
    assert store.count("posts") == 2
    (reloaded,) = store.sources()
    assert reloaded.state == {"etag": '"1"', "extra": 5}
    assert sql(store, "SELECT etag FROM sources")[0][0] == '"1"'


def test_edited_post_text_is_refreshed_not_duplicated(store: Store) -> None:
    source = _source(store)
    later = NOW + timedelta(hours=1)
    store.save_result(
        source, CollectResult(posts=(Post("p", "blog", text="v1"),)), now=NOW, next_poll_at=later
    )
    store.save_result(
        source, CollectResult(posts=(Post("p", "blog", text="v2"),)), now=NOW, next_poll_at=later
    )
    assert sql(store, "SELECT text FROM posts") == [("v2",)]


def test_error_then_success_resets_error_count(store: Store) -> None:
    source = _source(store)
    store.record_source_error(source, "HTTP 500", now=NOW, next_poll_at=NOW + timedelta(hours=2))
    (failed,) = store.sources()
    assert failed.error_count == 1
    assert store.sources(due_at=NOW + timedelta(hours=1)) == []
    assert len(store.sources(due_at=NOW + timedelta(hours=3))) == 1
    store.save_result(failed, CollectResult(), now=NOW, next_poll_at=NOW)
    row = store.source_rows()[0]
    assert (row.error_count, row.last_error) == (0, None)


def test_permanent_redirect_moves_source_and_identity(store: Store) -> None:
    source = _source(store)
    result = CollectResult(new_target="https://ada.example/new-feed")
    store.save_result(source, result, now=NOW, next_poll_at=NOW)
    assert store.sources()[0].target == "https://ada.example/new-feed"
    assert store.list_contacts()[0].identities == (("blog", "https://ada.example/new-feed"),)


def test_gone_source_is_disabled(store: Store) -> None:
    source = _source(store)
    store.save_result(source, CollectResult(disabled_reason="410 Gone"), now=NOW, next_poll_at=NOW)
    assert store.sources() == []
    assert store.source_rows()[0].disabled_reason == "410 Gone"


def test_failed_transaction_leaves_nothing(store: Store) -> None:
    source = _source(store)
    bad = CollectResult(
        posts=(Post("p", "blog"),),
        engagements=(Engagement("e", "p", "blog", kind="teleport"),),  # violates CHECK
    )
    with pytest.raises(StorageError, match="CHECK"):  # a ListenError: one line, no traceback
        store.save_result(source, bad, now=NOW, next_poll_at=NOW)
    assert store.count("posts") == 0


def test_mark_records_label_and_manual_engagement(store: Store) -> None:
    source = _source(store)
    store.save_result(source, CollectResult(posts=(Post("p", "blog"),)), now=NOW, next_poll_at=NOW)
    store.mark_post("p", "comment", now=NOW)
    store.mark_post("p", "comment", now=NOW)
    assert store.marks() == {"p": "comment"}
    kinds = sql(store, "SELECT kind, detected_by FROM engagements")
    assert kinds == [("comment", "manual")]
    store.mark_post("p", "skip", now=NOW)
    assert store.marks() == {"p": "skip"}
    with pytest.raises(InputError, match="no stored post"):
        store.mark_post("nope", "like", now=NOW)


def test_removing_contact_keeps_posts(store: Store) -> None:
    source = _source(store)
    store.save_result(source, CollectResult(posts=(Post("p", "blog"),)), now=NOW, next_poll_at=NOW)
    assert store.remove_contact("Ada")
    assert store.count("posts") == 1
    assert store.count("sources") == 0
    assert not store.remove_contact("Ada")
