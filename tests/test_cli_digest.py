"""`listen digest`, `listen score` and the demo's ending, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from listen.cli import cli, parse_duration
from listen.store import Store
from listen.types import Post
from tests.helpers import add_contact_posts, classify, sql

NOW = datetime(2024, 5, 31, 8, tzinfo=UTC)
NOW_ARG = "2024-05-31T08:00:00Z"


def fill(db: Path) -> None:
    with Store.open(db) as store:
        add_contact_posts(
            store,
            "Ann",
            "bluesky",
            "ann.bsky.social",
            [
                Post(
                    "at://ann/1",
                    "bluesky",
                    url="https://bsky.app/profile/ann/post/1",
                    text="Anyone going to <b>the meetup</b>? & who wants to share a table",
                    created_at=NOW - timedelta(hours=3),
                ),
                Post("at://ann/old", "bluesky", text="old", created_at=NOW - timedelta(days=3)),
            ],
            priority=3,
            now=NOW,
        )
        classify(store, "at://ann/1", "comment", 0.9, 0.2, '["asks a question"]')


def run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_digest_text_json_and_markdown(tmp_path: Path) -> None:
    db = tmp_path / "listen.db"
    fill(db)
    code, text = run(db, "digest", "--now", NOW_ARG)
    assert code == 0
    assert "1. Ann · bluesky · 3 h ago — comment" in text
    assert "why: asks a question" in text
    assert "old" not in text.split("2. Worth sharing")[0]  # 3 days old: outside --since 24h
    code, out = run(
        db, "digest", "--now", "2024-05-31T09:00:00Z", "--since", "4d", "--format", "json"
    )
    data = json.loads(out)
    assert [i["post_id"] for i in data["reply"]] == ["at://ann/1", "at://ann/old"]
    # the first digest showed at://ann/1: an opportunity, so bluesky now has a score
    assert [(s["platform"], s["open"]) for s in data["scores"]] == [("bluesky", 1)]
    code, out = run(db, "digest", "--now", NOW_ARG, "--format", "markdown")
    assert out.startswith("# Your listen digest")
    assert "&lt;b&gt;the meetup&lt;/b&gt;" in out


def test_score_after_taking_part(tmp_path: Path) -> None:
    db = tmp_path / "listen.db"
    fill(db)
    run(db, "digest", "--now", NOW_ARG)  # shows at://ann/1: an opportunity
    run(db, "mark", "at://ann/1", "comment")  # marked now (2026): after the score's "now"...
    with Store.open(db) as store:  # ...so date the mark's engagement to just after the digest
        sql(
            store,
            "UPDATE engagements SET engaged_at = ? WHERE post_id = ?",
            ((NOW + timedelta(hours=1)).isoformat(), "at://ann/1"),
        )
        sql(store, "UPDATE marks SET marked_at = ?", ((NOW + timedelta(hours=1)).isoformat(),))
    code, out = run(
        db, "score", "--now", "2024-05-31T12:00:00Z", "--platform", "bluesky", "--format", "json"
    )
    assert code == 0
    document = json.loads(out)
    (score,) = document["scores"]
    # a comment on Ann's question: one person in the circle this week, and one helped (answered)
    assert document["people"]["circle_this_week"] == 1 and document["people"]["helped"] == 1
    # one shown post, commented on: response 25; one comment: depth 25; Ann posted and was
    # engaged: breadth 25; 1 active day of 30: consistency 25/30
    assert score["response"] == 25 and score["depth"] == 25 and score["breadth"] == 25
    assert score["consistency"] == round(25 / 30, 2)
    assert score["engagements_by_kind"] == {"comment": 1}
    code, text = run(db, "score", "--now", "2024-05-31T12:00:00Z", "--window", "7d")
    assert "bluesky    79/100" in text
    assert "1/7 active days" in text
    assert "people    1/50 this week" in text


def test_bad_options_are_usage_errors(tmp_path: Path) -> None:
    db = tmp_path / "listen.db"
    code, out = run(db, "digest", "--since", "yesterday")
    assert code == 2 and "--since takes a duration like 24h, 30d or 2w" in out
    code, out = run(db, "score", "--window", "0d")
    assert code == 2
    code, out = run(db, "digest", "--now", "soon")
    assert code == 2 and "--now takes an ISO 8601 time" in out
    assert parse_duration("90m", "--since") == timedelta(minutes=90)


def test_html_digest_to_a_file_as_a_subprocess(tmp_path: Path) -> None:
    db = tmp_path / "listen.db"
    fill(db)
    out = tmp_path / "digest.html"
    env = {**os.environ, "LISTEN_CONFIG": "", "LISTEN_DB": str(db)}
    result = subprocess.run(
        [
            *(sys.executable, "-m", "listen", "digest", "--now", NOW_ARG),
            *("--format", "html", "--output", str(out)),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    page = out.read_text()
    assert "Anyone going to &lt;b&gt;the meetup&lt;/b&gt;? &amp; who wants" in page
    assert f"Wrote the digest to {out}." in result.stderr


def test_demo_ends_with_the_digest_and_scores(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "listen", "demo"],
        capture_output=True,
        text=True,
        env={**os.environ, "LISTEN_CONFIG": "", "LISTEN_DB": str(tmp_path / "unused.db")},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    digest = out.index("1. Reply to these")
    assert digest < out.index("5. Participation") < out.index("Participation score per platform")
    tail = out[out.index("Participation score per platform") :]
    assert "/100" in tail
    assert "1 participated" in tail  # the demo marks its top suggestion as commented


def test_an_empty_day_after_collecting_old_posts_says_why(tmp_path: Path) -> None:
    db = tmp_path / "listen.db"
    fill(db)  # Ann's newest post is from 3 h before NOW
    later = "2024-06-20T08:00:00Z"  # 20 days on: nothing in the last 24 h, nobody going cold
    code, text = run(db, "digest", "--now", later)
    assert code == 0
    assert text == (
        "All quiet: nothing new from your contacts since Wed 19 Jun 2024 08:00 UTC; 2 posts "
        "collected, the newest 20 d ago, none newer than 24h — try --since 21d.\n"
    )
    code, wider = run(db, "digest", "--now", later, "--since", "21d")
    assert code == 0 and "1. Ann · bluesky · 20 d ago — comment" in wider


def test_an_empty_database_keeps_the_plain_quiet_line(tmp_path: Path) -> None:
    code, text = run(tmp_path / "listen.db", "digest", "--now", NOW_ARG)
    assert code == 0
    assert text.startswith("All quiet: nothing new from your contacts since Thu 30 May 2024")
    assert text.count("\n") == 1 and "try --since" not in text
