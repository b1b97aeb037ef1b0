"""`listen contacts import --from …`, merge, split and prioritize, through the CLI, against
loopback servers replaying recorded follows (tests/collectors/follows_replay.py)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer

from listen.cli import cli
from listen.clock import utcnow
from listen.store import Store
from listen.types import Engagement, Interaction, Post
from tests.collectors.follows_replay import ALICE, TOKEN, serve_bluesky, serve_mastodon, serve_x
from tests.helpers import add_contact_posts, sql


def invoke(tmp_path: Path, server: HTTPServer, *args: str, budget: float = 5.0,
           input: str | None = None) -> Result:  # fmt: skip
    base = server.url_for("/").rstrip("/")
    config = tmp_path / "c.toml"
    config.write_text(
        f'[bluesky]\nbase_url = "{base}"\n[x]\nbase_url = "{base}"\n'
        f'monthly_budget_usd = {budget}\n[mastodon]\nscheme = "http"\n'
    )
    env = {"LISTEN_X_BEARER_TOKEN": TOKEN}
    argv = ["--config", str(config), "--db", str(tmp_path / "l.db"), *args]
    return CliRunner(env=env).invoke(cli, argv, input=input)


def contact_names(tmp_path: Path) -> list[str]:
    return [r[0] for r in sql(tmp_path / "l.db", "SELECT name FROM contacts ORDER BY name")]


def test_bluesky_import_then_reimport_adds_nothing_twice(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    serve_bluesky(httpserver)
    first = invoke(tmp_path, httpserver, "contacts", "import", "--from", "bluesky", ALICE)
    assert first.exit_code == 0, first.output
    assert "Imported 4 new contacts from bluesky alice.test (0 already known" in first.stdout
    again = invoke(tmp_path, httpserver, "contacts", "import", "--from", "bluesky", ALICE)
    assert "Imported 0 new contacts from bluesky alice.test (4 already known" in again.stdout
    assert contact_names(tmp_path) == ["display-bob", "display-carol", "display-dan", "display-eve"]
    profiles = sql(
        tmp_path / "l.db", "SELECT handle, display_name, bio FROM profiles ORDER BY handle"
    )
    assert profiles[0] == ("bob.test", "display-bob", "descript-bob")
    listed = json.loads(invoke(tmp_path, httpserver, "contacts", "list", "--format", "json").stdout)
    assert {c["name"]: c["platforms"] for c in listed}["display-eve"] == ["bluesky"]


def test_an_interrupted_import_resumes_without_duplicates(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    broken = {"on": True}
    serve_bluesky(httpserver, broken_cursor=broken)
    first = invoke(tmp_path, httpserver, "contacts", "import", "--from", "bluesky", ALICE)
    assert first.exit_code == 1
    assert "HTTP 502" in first.stderr
    assert len(contact_names(tmp_path)) == 2  # page 1 was kept, with its cursor
    broken["on"] = False
    second = invoke(tmp_path, httpserver, "contacts", "import", "--from", "bluesky", ALICE)
    assert second.exit_code == 0, second.output
    assert "Imported 2 new contacts" in second.stdout and "resumed" in second.stdout
    assert len(contact_names(tmp_path)) == 4
    cursors = [r.args.get("cursor") for r, _ in httpserver.log if "getFollows" in r.path]
    assert cursors[-1] == "2"  # the resumed run asked only for page 2
    assert sum(1 for c in cursors if c is None) == 1


def test_unknown_handle_exits_2_naming_it(tmp_path: Path, httpserver: HTTPServer) -> None:
    serve_bluesky(httpserver)
    result = invoke(tmp_path, httpserver, "contacts", "import", "--from", "bluesky", "ghost.test")
    assert result.exit_code == 2
    assert "ghost.test" in result.stderr and "Traceback" not in result.output


def test_hidden_mastodon_follows_exit_2(tmp_path: Path, httpserver: HTTPServer) -> None:
    host = serve_mastodon(httpserver, hidden=True)
    result = invoke(
        tmp_path, httpserver, "contacts", "import", "--from", "mastodon", f"mastodonpy_test@{host}"
    )
    assert result.exit_code == 2
    assert "hides whom it follows" in result.stderr


def test_x_import_prints_the_cost_first_and_asks(tmp_path: Path, httpserver: HTTPServer) -> None:
    serve_x(httpserver)
    declined = invoke(
        tmp_path,
        httpserver,
        "contacts",
        "import",
        "--from",
        "x",
        "Twitter",
        budget=1.0,
        input="n\n",
    )
    assert declined.exit_code == 0
    assert declined.stdout.startswith("Importing 35 X follows costs about $0.35 ($0.99 left")
    assert "Nothing imported." in declined.stdout
    assert contact_names(tmp_path) == []
    done = invoke(
        tmp_path, httpserver, "contacts", "import", "--from", "x", "Twitter", "--yes", budget=1.0
    )
    assert done.exit_code == 0, done.output
    assert "Imported 35 new contacts from x twitter" in done.stdout
    assert "X: this import cost $0.36." in done.stdout  # the lookup and 35 users
    status = json.loads(
        invoke(tmp_path, httpserver, "status", "--format", "json", budget=1.0).stdout
    )
    assert status["budgets"]["x"]["spent_usd"] == 0.37  # two lookups and 35 users at $0.010


def test_x_import_the_budget_cannot_pay_for_exits_2(tmp_path: Path, httpserver: HTTPServer) -> None:
    serve_x(httpserver)
    result = invoke(
        tmp_path, httpserver, "contacts", "import", "--from", "x", "Twitter", "--yes", budget=0.2
    )
    assert result.exit_code == 2
    assert "costs $0.35, more than the $0.19 left of this month's budget ($0.20)" in result.stderr
    assert contact_names(tmp_path) == []


def test_dry_run_shows_additions_and_verified_merges_and_saves_nothing(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    serve_bluesky(httpserver)
    invoke(tmp_path, httpserver, "contacts", "add", "Bob", "--blog", "https://bob.test/feed.xml")
    dry = invoke(
        tmp_path, httpserver, "contacts", "import", "--from", "bluesky", ALICE, "--dry-run"
    )
    assert dry.exit_code == 0, dry.output
    assert "Would add 4 new contacts" in dry.stdout and "  + display-eve" in dry.stdout
    assert "would merge display-bob into Bob: verified evidence" in dry.stdout
    assert contact_names(tmp_path) == ["Bob"]


def test_blog_domain_merges_on_import_and_split_sticks(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    serve_bluesky(httpserver)
    invoke(tmp_path, httpserver, "contacts", "add", "Bob", "--blog", "https://bob.test/feed.xml")
    result = invoke(tmp_path, httpserver, "contacts", "import", "--from", "bluesky", ALICE)
    assert (
        "merged display-bob into Bob: Bluesky handle bob.test is the website on blog"
        in result.stdout
    )
    assert "display-bob" not in contact_names(tmp_path)
    rows = sql(
        tmp_path / "l.db",
        "SELECT i.platform FROM identities i JOIN contacts c ON c.id = i.contact_id"
        " WHERE c.name = 'Bob' ORDER BY 1",
    )
    assert rows == [("blog",), ("bluesky",)]
    split = invoke(tmp_path, httpserver, "contacts", "split", "Bob", "bluesky")
    assert split.exit_code == 0 and "now display-bob" in split.stdout
    again = invoke(tmp_path, httpserver, "contacts", "import", "--from", "bluesky", ALICE)
    assert "merged" not in again.stdout
    assert "display-bob" in contact_names(tmp_path)
    merged = invoke(tmp_path, httpserver, "contacts", "merge", "Bob", "display-bob")
    assert merged.exit_code == 0 and "Merged display-bob into Bob." in merged.stdout


def test_merge_suggestions_never_from_a_name_alone(tmp_path: Path, httpserver: HTTPServer) -> None:
    invoke(tmp_path, httpserver, "contacts", "add", "Ann Lee", "--bluesky", "annlee.bsky.social")
    invoke(tmp_path, httpserver, "contacts", "add", "Ann Lee (x)", "--x", "annlee")
    invoke(tmp_path, httpserver, "contacts", "add", "Zed", "--x", "zed")
    result = invoke(tmp_path, httpserver, "contacts", "merge", "--suggest")
    assert result.exit_code == 0
    assert "No suggestions" in result.stdout  # no profiles stored: no names to compare at all
    bad = invoke(tmp_path, httpserver, "contacts", "merge", "Ann Lee")
    assert bad.exit_code == 2


def test_prioritize_proposes_then_applies(tmp_path: Path, httpserver: HTTPServer) -> None:
    now = utcnow()
    with Store.open(tmp_path / "l.db") as store:
        post = Post("p1", "blog", url="https://ann.example/p1", text="hi", created_at=now)
        add_contact_posts(store, "Ann", "blog", "https://ann.example/feed", [post], now=now)
        store.upsert_contact("Quiet", identities=[("x", "quiet")])
        store.insert_engagements(
            [Engagement("e1", "p1", "blog", "comment", engaged_at=now - timedelta(hours=1))],
            now=now,
        )
    shown = invoke(tmp_path, httpserver, "contacts", "prioritize")
    assert "Ann: 2 → 3 (1 interaction)" in shown.stdout and "Quiet: 2 → 1" in shown.stdout
    assert "--yes" in shown.stdout
    assert sql(tmp_path / "l.db", "SELECT name, priority FROM contacts ORDER BY name") == [
        ("Ann", 2),
        ("Quiet", 2),
    ]
    invoke(tmp_path, httpserver, "contacts", "prioritize", "--yes")
    assert sql(tmp_path / "l.db", "SELECT name, priority FROM contacts ORDER BY name") == [
        ("Ann", 3),
        ("Quiet", 1),
    ]


def test_prioritize_counts_what_contacts_do_for_you(tmp_path: Path, httpserver: HTTPServer) -> None:
    """A contact who only replies to and likes your posts is close, not untouched."""
    now = utcnow()
    with Store.open(tmp_path / "l.db") as store:
        store.upsert_contact("Fan", identities=[("bluesky", "fan.bsky.social")])
        store.upsert_contact("Stranger", identities=[("bluesky", "far.bsky.social")])
        store.insert_interactions(
            [
                Interaction("bluesky", "reply", "fan.bsky.social", their_post="at://fan/1"),
                Interaction("bluesky", "like", "fan.bsky.social", our_post="at://me/1"),
            ],
            now=now,
        )
    shown = invoke(tmp_path, httpserver, "contacts", "prioritize")
    assert "Fan: 2 → 3 (2 interactions)" in shown.stdout
    assert "Stranger: 2 → 1" in shown.stdout
