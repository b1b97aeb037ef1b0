"""`listen mark` takes what the user can see (a link in the digest), and handled posts leave
`listen classify --show`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from listen.cli import cli
from listen.store import Store
from listen.types import Post
from tests.helpers import add_contact_posts, classify, sql

NOW = datetime(2024, 5, 31, 8, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "listen.db"
    posts = [
        Post(
            f"at://did:plc:ann/app.bsky.feed.post/{n}",
            "bluesky",
            url=f"https://bsky.app/profile/ann.bsky.social/post/{n}",
            text=f"Question {n}: which conference should I speak at?",
            created_at=NOW - timedelta(hours=n),
        )
        for n in range(1, 4)
    ]
    posts.append(Post("dup-a", "bluesky", url="https://example.org/same", created_at=NOW))
    posts.append(Post("dup-b", "bluesky", url="https://example.org/same", created_at=NOW))
    with Store.open(path) as store:
        add_contact_posts(store, "Ann", "bluesky", "ann.bsky.social", posts, now=NOW)
        for n, probability in ((1, 0.9), (2, 0.8), (3, 0.7)):
            classify(
                store,
                f"at://did:plc:ann/app.bsky.feed.post/{n}",
                "comment",
                probability,
                0.1,
                '["asks for a recommendation"]',
            )
    return path


def invoke(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), *args])
    return result.exit_code, result.output


def test_mark_by_the_link_the_digest_shows(db: Path) -> None:
    code, out = invoke(db, "mark", "https://bsky.app/profile/ann.bsky.social/post/2", "comment")
    assert code == 0, out
    assert out == "Marked at://did:plc:ann/app.bsky.feed.post/2 as comment.\n"
    with Store.open(db) as store:
        marks = sql(store, "SELECT post_id, label FROM marks")
        engaged = sql(store, "SELECT post_id, kind FROM engagements")
    assert marks == [("at://did:plc:ann/app.bsky.feed.post/2", "comment")]
    assert engaged == [("at://did:plc:ann/app.bsky.feed.post/2", "comment")]


def test_mark_by_id_still_works_and_unknown_or_ambiguous_refs_are_usage_errors(db: Path) -> None:
    assert invoke(db, "mark", "at://did:plc:ann/app.bsky.feed.post/1", "skip")[0] == 0
    code, out = invoke(db, "mark", "https://nowhere.example/post", "skip")
    assert (code, out) == (
        2,
        "Error: no stored post with id or link 'https://nowhere.example/post'\n",
    )
    code, out = invoke(db, "mark", "https://example.org/same", "skip")
    assert code == 2
    assert "several posts have the link" in out


def test_bad_label_names_the_argument_label(db: Path) -> None:
    code, out = invoke(db, "mark", "dup-a", "bogus")
    assert code == 2
    assert "Invalid value for 'LABEL': 'bogus' is not one of" in out


def test_classify_show_leaves_out_marked_and_engaged_posts(db: Path) -> None:
    def shown() -> list[str]:
        with Store.open(db) as store:
            return [row.id.rsplit("/", 1)[1] for row in store.top_classified(10)]

    assert shown() == ["1", "2", "3"]
    invoke(db, "mark", "at://did:plc:ann/app.bsky.feed.post/1", "skip")
    invoke(db, "mark", "https://bsky.app/profile/ann.bsky.social/post/3", "like")
    assert shown() == ["2"]
    code, out = invoke(db, "classify", "--show", "5")
    assert code == 0, out
    assert "Question 2" in out
    assert "Question 1" not in out and "Question 3" not in out


def test_a_new_mark_replaces_the_previous_manual_engagement(db: Path) -> None:
    post = "https://bsky.app/profile/ann.bsky.social/post/1"

    def engaged() -> list[tuple[str, str]]:
        with Store.open(db) as store:
            return sql(store, "SELECT kind, detected_by FROM engagements")

    def kinds_scored() -> dict[str, int]:
        later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()  # marks are dated now
        code, out = invoke(db, "score", "--platform", "bluesky", "--format", "json", "--now", later)
        assert code == 0, out
        return dict(json.loads(out)["scores"][0]["engagements_by_kind"])

    invoke(db, "mark", post, "comment")
    invoke(db, "mark", post, "like")  # a correction: it was only a like
    assert engaged() == [("like", "manual")]
    assert kinds_scored() == {"like": 1}
    invoke(db, "mark", post, "skip")  # and in the end not even that
    assert engaged() == []
    assert kinds_scored() == {}


def test_a_mark_counts_in_a_score_taken_the_same_second(db: Path) -> None:
    from listen import app
    from listen.config import Config

    moment = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
    with Store.open(db) as store:
        store.mark_post("at://did:plc:ann/app.bsky.feed.post/1", "comment", now=moment)
        # Stored to the second (12:00:00); the score is taken at 12:00:00.9.
        later = moment.replace(microsecond=900_000)
        (score,) = app.participation(Config(), store, now=later, platforms=["bluesky"])
        assert score.current.engagements_by_kind == {"comment": 1}


def test_marking_a_post_whose_id_hides_escape_codes_prints_none(tmp_path: Path) -> None:
    path = tmp_path / "listen.db"
    hostile = "https://evil.example/feed#\x1b]0;pwned\x07\x1b[2J"
    with Store.open(path) as store:
        add_contact_posts(
            store,
            "Eve",
            "blog",
            "https://evil.example/feed",
            [Post(hostile, "blog", url="https://evil.example/p/1", created_at=NOW)],
            now=NOW,
        )
    code, out = invoke(path, "mark", "https://evil.example/p/1", "skip")
    assert code == 0, out
    assert out == "Marked https://evil.example/feed# as skip.\n"  # escapes and their residue gone
