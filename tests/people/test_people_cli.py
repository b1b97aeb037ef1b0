"""People through the app and the CLI on a real database: one contact's story, the circle in
the digest (text, Markdown, HTML, JSON), reply-back first, suggestions, intros."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from listen import app
from listen.cli import cli
from listen.config import Config
from listen.store import Store
from listen.types import Engagement, Interaction, Post
from tests.helpers import add_contact_posts, classify, sql

NOW = datetime(2024, 11, 20, 12, 0, tzinfo=UTC)
NOW_ARG = "2024-11-20T12:00:00Z"
DAY = timedelta(days=1)
ME = "at://did:plc:me/app.bsky.feed.post/"


def reply(n: int, handle: str, at: datetime, kind: str = "reply", name: str = "") -> Interaction:
    return Interaction(
        "bluesky",
        kind,
        handle,
        f"did:plc:{handle.split('.')[0]}",
        our_post=ME + "1",
        their_post=f"at://{handle}/post/{n}",
        created_at=at,
        url=f"https://bsky.app/profile/{handle}/post/{n}",
        text=f"<b>reply {n}</b>",
        detected_by="notification",
        actor_name=name,
    )  # one line per field would be longer than the test


def fill(db: Path) -> None:
    """Ann (priority 3): posts, your reply to her question, her reply to you 2 days ago;
    Bob: silent for long; Cy: a like from a non-contact who engages a lot."""
    with Store.open(db) as store:
        posts = [
            Post(
                "at://ann/q",
                "bluesky",
                url="https://bsky.app/profile/ann/post/q",
                text="Anyone know a good SQLite book?",
                created_at=NOW - 3 * DAY,
            ),
            Post(
                "at://ann/new",
                "bluesky",
                url="https://bsky.app/profile/ann/post/new",
                text="Started my new role at the library today",
                created_at=NOW - 5 * 3600 * timedelta(seconds=1),
            ),
        ]
        add_contact_posts(store, "Ann", "bluesky", "ann.test", posts, priority=3, now=NOW)
        classify(
            store, "at://ann/new", "comment", 0.9, 0.1, '["announces a new role: congratulate"]'
        )
        add_contact_posts(store, "Bob", "bluesky", "bob.test", [], priority=3, now=NOW)
        answer = Engagement("at://me/r1", "at://ann/q", "bluesky", "reply", NOW - 2 * DAY)
        store.insert_engagements([answer], now=NOW)
        store.insert_interactions(
            [
                reply(1, "ann.test", NOW - 2 * DAY),
                reply(2, "ann.test", NOW - 3 * 3600 * timedelta(seconds=1)),
                reply(3, "cy.test", NOW - DAY, "like", "Cy Young"),
                reply(4, "cy.test", NOW - DAY, "reply", "Cy Young"),
            ],
            now=NOW,
        )


def invoke(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), *args])
    return result.exit_code, result.output


def test_a_contacts_story_shows_both_ways_and_says_to_answer_first(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    fill(db)
    code, out = invoke(db, "contacts", "show", "ann", "--now", NOW_ARG)
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "Ann (priority 3)"
    assert "  bluesky: ann.test" in lines
    assert "you → them: 2 days ago; them → you: 3 hours ago" in lines
    assert "next step: they replied to you 2 days ago: answer" in lines
    assert "  https://bsky.app/profile/ann.test/post/1" in lines
    timeline = lines[lines.index("timeline (newest first):") + 1 :]
    assert [line.split(":")[0].strip() for line in timeline if line.startswith("  20")] == [
        "2024-11-20 they replied · bluesky",
        "2024-11-20 they posted · bluesky",
        "2024-11-18 you replied to",  # the same moment: yours first
        "2024-11-18 they replied · bluesky",
        "2024-11-17 they posted · bluesky",
    ]
    code, out = invoke(db, "contacts", "show", "Ann", "--format", "json", "--now", NOW_ARG)
    story = json.loads(out)
    assert story["months"][-1] == {"month": "2024-11", "inbound": 2, "outbound": 1}
    assert story["sparkline"] == "▁▁▁▁▁█"
    assert [o["post_id"] for o in story["opportunities"]] == ["at://ann/new"]
    assert story["timeline"][0]["text"] == "<b>reply 2</b>"  # JSON carries it as it came


def test_unknown_contact_is_one_line_and_exit_2(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    fill(db)
    code, out = invoke(db, "contacts", "show", "Nobody")
    assert code == 2
    assert out.strip() == "Error: no contact named 'Nobody' (see `listen contacts list`)"


def test_the_digest_opens_with_who_talked_to_you_and_ends_with_your_circle(
    tmp_path: Path,
) -> None:
    db = tmp_path / "l.db"
    fill(db)
    code, text = invoke(db, "digest", "--now", NOW_ARG, "--since", "7d")
    assert code == 0, text
    assert text.index("They talked to you") < text.index("1. Reply to these")
    talked = text.split("They talked to you\n")[1].split("\n\n")[0]
    assert "Ann · bluesky · replied 2 days ago — answer" in talked
    assert "reply 2" not in talked  # 3 hours old: still within digest.reply_back_hours
    circle = text.split("6. Your circle\n")[1]
    assert "1 / 50 people this week" in circle  # Cy is not a contact
    assert "you did good for 1 person" in circle and "Ann: answered" in circle
    assert "untouched, high priority: Bob (never)" in circle
    code, md = invoke(db, "digest", "--now", NOW_ARG, "--since", "7d", "--format", "markdown")
    assert md.index("## They talked to you") < md.index("## 1. Reply to these")
    assert "&lt;b&gt;reply 1&lt;/b&gt;" in md and "## 6. Your circle" in md
    code, html = invoke(db, "digest", "--now", NOW_ARG, "--since", "7d", "--format", "html")
    assert html.index("They talked to you") < html.index("1. Reply to these")
    assert "&lt;b&gt;reply 1&lt;/b&gt;" in html and "<b>reply" not in html
    code, out = invoke(db, "digest", "--now", NOW_ARG, "--since", "7d", "--format", "json")
    data = json.loads(out)
    assert [t["their_post"] for t in data["talked_to_you"]] == ["at://ann.test/post/1"]
    assert data["circle"]["week_count"] == 1 and data["circle"]["untouched_total"] == 1


def test_answering_by_mark_clears_reply_back(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    fill(db)
    code, out = invoke(db, "mark", "https://bsky.app/profile/ann.test/post/1", "done")
    assert code == 0, out
    with Store.open(db) as store:
        assert app.talked_to_you(Config(), store, now=NOW) == []
    code, out = invoke(db, "mark", "https://nowhere.example/x", "done")
    assert code == 2 and "no stored post" in out


def test_an_intro_counts_as_doing_good(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    fill(db)
    code, out = invoke(db, "mark", "at://ann/new", "intro")
    assert code == 0, out
    with Store.open(db) as store:
        report = app.circle_report(Config(), store)  # the intro is dated now
        assert [(p.name, p.how) for p in report.helped] == [("Ann", ("introduced",))]


def test_suggest_lists_who_engages_but_is_not_a_contact(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    fill(db)
    with Store.open(db) as store:
        (cy,) = app.suggest_contacts(store, now=NOW)
    assert (cy.handle, cy.interactions, cy.kinds) == ("cy.test", 2, {"like": 1, "reply": 1})
    assert cy.command == "listen contacts add 'Cy Young' --bluesky cy.test"
    # the one-line command works, and Cy's interactions join her
    code, out = invoke(db, *cy.command.split(" ", 1)[1].replace("'Cy Young'", "Cy").split())
    assert code == 0, out
    with Store.open(db) as store:
        assert app.suggest_contacts(store, now=NOW) == []
        assert sql(
            store,
            "SELECT count(*) FROM interactions i JOIN contacts c"
            " ON c.id = i.contact_id WHERE c.name = 'Cy'",
        ) == [(2,)]


def test_contacts_show_as_a_user_runs_it(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    fill(db)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "listen",
            "--db",
            str(db),
            "contacts",
            "show",
            "Ann",
            "--now",
            NOW_ARG,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    assert "next step: they replied to you 2 days ago: answer" in done.stdout


@pytest.mark.parametrize("label", ["comment", "done"])
def test_answering_detected_as_an_engagement_or_a_mark_on_the_collected_reply(
    tmp_path: Path, label: str
) -> None:
    db = tmp_path / "l.db"
    fill(db)
    with Store.open(db) as store:  # Ann's reply also arrived as a post from her feed
        (source,) = [s for s in store.sources() if s.target == "ann.test"]
        from listen.types import CollectResult

        reply_post = Post("at://ann.test/post/1", "bluesky", created_at=NOW - 2 * DAY)
        store.save_result(source, CollectResult(posts=(reply_post,)), now=NOW, next_poll_at=NOW)
    code, out = invoke(db, "mark", "at://ann.test/post/1", label)
    assert code == 0, out
    with Store.open(db) as store:
        assert app.talked_to_you(Config(), store, now=NOW) == []
