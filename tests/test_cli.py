"""The CLI as a user drives it: CliRunner for most, a real subprocess for the demo."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from listen.cli import cli
from tests.helpers import read_data

FEEDS = {
    "/heated.xml": "feeds/feed-rs_rss_2.0_heated.xml",
    "/gruber.json": "feeds/feed-rs_jsonfeed_example_1.json",
    "/reddit.atom": "feeds/feed-rs_atom_mediarss_reddit_1.xml",
}


def serve_with_etag(httpserver: HTTPServer, path: str, body: bytes) -> None:
    etag = f'"{abs(hash(body))}"'

    def handle(request: Request) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, headers={"ETag": etag})

    httpserver.expect_request(path).respond_with_handler(handle)


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def feeds_config(httpserver: HTTPServer, write_config) -> Path:
    lines = []
    for i, (path, data) in enumerate(FEEDS.items()):
        serve_with_etag(httpserver, path, read_data(data))
        lines.append(f'[[contacts]]\nname = "Contact {i}"\nblog = ["{httpserver.url_for(path)}"]\n')
    httpserver.expect_request("/broken.xml").respond_with_data(
        read_data("feeds/feed-rs_rss_2.0_invalid_1.xml")
    )
    lines.append(f'[[contacts]]\nname = "Broken"\nblog = ["{httpserver.url_for("/broken.xml")}"]\n')
    return write_config("\n".join(lines))


def test_collect_stores_good_feeds_and_reports_the_broken_one(
    feeds_config: Path, tmp_path: Path, httpserver: HTTPServer
) -> None:
    db = tmp_path / "l.db"
    first = invoke("--config", str(feeds_config), "--db", str(db), "collect")
    assert first.exit_code == 1
    broken_url = httpserver.url_for("/broken.xml")
    assert f"failed blog {broken_url}: malformed feed" in " ".join(first.output.split())
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM posts").fetchone()[0] == 1 + 2 + 25
    per_contact = dict(
        conn.execute(
            "SELECT c.name, count(*) FROM posts p JOIN contacts c ON c.id = p.contact_id"
            " GROUP BY c.name"
        ).fetchall()
    )
    assert per_contact == {"Contact 0": 1, "Contact 1": 2, "Contact 2": 25}

    second = invoke("--config", str(feeds_config), "--db", str(db), "collect", "--all")
    assert second.exit_code == 1
    assert conn.execute("SELECT count(*) FROM posts").fetchone()[0] == 28
    run = conn.execute(
        "SELECT sources_polled, sources_not_modified, sources_failed, new_posts, errors"
        " FROM runs ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert run[:4] == (4, 3, 1, 0)
    assert json.loads(run[4])[0]["target"] == broken_url
    feed_requests = [r for r, _ in httpserver.log if r.path in FEEDS]
    assert len(feed_requests) == 6
    assert all(r.headers.get("If-None-Match") for r in feed_requests[3:])


def test_collect_without_all_skips_sources_not_due(feeds_config: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    invoke("--config", str(feeds_config), "--db", db, "collect")
    again = invoke("--config", str(feeds_config), "--db", db, "collect")
    # Only the broken source (backing off) or nothing is due; no good feed is polled again.
    assert "Contact" not in again.output
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT sources_polled FROM runs ORDER BY id DESC").fetchone()[0] == 0


def test_missing_config_is_one_clear_line(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    result = CliRunner().invoke(cli, ["--config", str(missing), "collect"])
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: {missing}: file not found (see config.example.toml)"


def test_typo_in_config_is_one_clear_line(write_config, tmp_path: Path) -> None:
    path = write_config("[collect]\nintervl_minutes = 5\n")
    result = CliRunner().invoke(
        cli, ["--config", str(path), "--db", str(tmp_path / "d"), "collect"]
    )
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert "collect.intervl_minutes: unknown key; did you mean 'interval_minutes'?" in result.output


def test_contacts_add_list_remove(tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    env = {"LISTEN_CONFIG": ""}
    added = invoke(
        "--db",
        db,
        "contacts",
        "add",
        "Grace Hopper",
        "--priority",
        "3",
        "--blog",
        "https://grace.example/feed",
        "--bluesky",
        "@Grace.bsky.social",
        env=env,
    )
    assert added.exit_code == 0
    listed = invoke("--db", db, "contacts", "list", "--format", "json", env=env)
    (grace,) = json.loads(listed.output)
    assert grace["priority"] == 3
    assert {"platform": "bluesky", "handle": "grace.bsky.social"} in grace["identities"]
    assert invoke("--db", db, "contacts", "remove", "Grace Hopper", env=env).exit_code == 0
    gone = CliRunner().invoke(cli, ["--db", db, "contacts", "remove", "Grace Hopper"], env=env)
    assert gone.exit_code == 2
    assert "no contact named 'Grace Hopper'" in gone.output


def test_contacts_add_rejects_bad_feed_url(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "l.db"), "contacts", "add", "A", "--blog", "feed.xml"]
    )
    assert result.exit_code == 2
    assert "http(s) feed URL" in result.output


LINKEDIN_CSV = """Notes:
"When exporting your connection data, you may notice that some of the email addresses are missing."

First Name,Last Name,URL,Email Address,Company,Position,Connected On
Grace,Hopper,https://www.linkedin.com/in/gracehopper,,US Navy,Rear Admiral,12 Mar 2021
Alan,Turing,https://www.linkedin.com/in/alanturing,alan@example.org,NPL,Researcher,01 Jan 2020
"""

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>subs</title></head><body>
<outline text="Tech"><outline type="rss" text="Cloudflare" title="The Cloudflare Blog"
  xmlUrl="https://blog.cloudflare.com/rss/" htmlUrl="https://blog.cloudflare.com/"/></outline>
<outline type="rss" text="Daring Fireball" xmlUrl="https://daringfireball.net/feeds/json"/>
</body></opml>"""


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        (
            "Connections.csv",
            LINKEDIN_CSV,
            {
                "Grace Hopper": [("linkedin", "https://www.linkedin.com/in/gracehopper")],
                "Alan Turing": [("linkedin", "https://www.linkedin.com/in/alanturing")],
            },
        ),
        (
            "subs.opml",
            OPML,
            {
                "The Cloudflare Blog": [("blog", "https://blog.cloudflare.com/rss/")],
                "Daring Fireball": [("blog", "https://daringfireball.net/feeds/json")],
            },
        ),
        (
            "people.csv",
            "name,priority,twitter,blog\nAda,3,ada,https://ada.example/feed\n",
            {
                "Ada": [("blog", "https://ada.example/feed"), ("x", "ada")],
            },
        ),
    ],
)
def test_contacts_import(tmp_path: Path, filename: str, content: str, expected) -> None:
    path = tmp_path / filename
    path.write_text(content, encoding="utf-8")
    db = str(tmp_path / "l.db")
    result = invoke("--db", db, "contacts", "import", str(path))
    assert result.exit_code == 0, result.output
    assert f"Imported {len(expected)} contacts" in result.output
    listed = json.loads(invoke("--db", db, "contacts", "list", "--format", "json").output)
    got = {c["name"]: sorted((i["platform"], i["handle"]) for i in c["identities"]) for c in listed}
    assert got == {k: sorted(v) for k, v in expected.items()}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("foo,bar\n1,2\n", "needs a 'name' column"),
        ("<?xml version='1.0'?><opml><body><outline", "not valid OPML"),
        ("name,priority\nA,9\n", "priority must be 1, 2 or 3"),
    ],
)
def test_contacts_import_bad_files(tmp_path: Path, content: str, message: str) -> None:
    suffix = ".opml" if content.startswith("<") else ".csv"
    path = tmp_path / f"in{suffix}"
    path.write_text(content)
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "l.db"), "contacts", "import", str(path)]
    )
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_import_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "l.db"), "contacts", "import", str(tmp_path / "nope.csv")]
    )
    assert result.exit_code == 2
    assert "cannot read" in result.output


def test_demo_runs_as_a_subprocess(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "COLUMNS": "120"}
    env.pop("LISTEN_CONFIG", None)
    done = subprocess.run(
        [sys.executable, "-m", "listen", "demo"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "loopback server at http://127.0.0.1:" in out
    assert "blog" in out
    assert "malformed feed" in out  # the broken demo feed is reported, not fatal
    assert "Traceback" not in out + done.stderr
