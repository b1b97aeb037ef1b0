#!/usr/bin/env python3
"""Fault injection: run the real `listen` CLI against misbehaving loopback servers.

Every scenario polls one healthy feed (a real recorded feed, the control) next to the fault, then
checks what the user would see (exit code, stderr, `sources.last_error`) and what the database
holds: rows lost (control posts missing) and duplicates must both be 0.

    .venv/bin/python scripts/faults.py          # prints a table; exit 1 if any row fails
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

# The fault server is test support (tests/), not part of the package: import it from the repo.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fault_server import (  # test support, not shipped in the package
    Behaviour,
    FaultRequest,
    FaultServer,
    Wire,
    delayed,
    feed,
    gzip_bomb,
    hang,
    refused_url,
    respond,
    trickle,
    truncated,
)
from tests.helpers import read_data, recordings  # tests/data and the demo's recordings

from listen.clock import parse_iso
from listen.collectors.feeds import parse_feed
from listen.errors import SourceError

ROOT = Path(__file__).resolve().parents[1]
CONTROL_FILE = "feed-rs_atom_mediarss_reddit_1.xml"
CONTROL = read_data(f"feeds/{CONTROL_FILE}")
SECRET = "sekrit-token-0123456789"


@dataclass(frozen=True)
class Row:
    scenario: str
    expected: str
    observed: str
    ok: bool
    lost: int
    duplicates: int


@dataclass
class Workspace:
    """A config + database in a temp dir, with the control feed and the given fault feeds."""

    root: Path
    server: FaultServer
    feeds: dict[str, str]
    collect: Mapping[str, object]
    control: bool = True  # the healthy control feed is in the config
    compared: tuple[int, int] = (0, 0)  # (lost, extra) rows against a never-killed reference

    @property
    def config(self) -> Path:
        return self.root / "config.toml"

    @property
    def db(self) -> Path:
        return self.root / "listen.db"

    def write(self) -> None:
        control = self.server.add("/control.xml", feed(CONTROL, "application/atom+xml"))
        lines = ["[collect]"]
        settings = {"timeout_seconds": 2.0, "concurrency": 8, **self.collect}
        lines += [f"{key} = {value!r}" for key, value in settings.items()]
        for name, url in {"Control": control, **self.feeds}.items():
            lines += ["", "[[contacts]]", f'name = "{name}"', f'blog = ["{url}"]']
        self.config.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def argv(self, *args: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "listen",
            "--config",
            str(self.config),
            "--db",
            str(self.db),
            *args,
        ]

    def listen(
        self, *args: str, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(*args),
            capture_output=True,
            text=True,
            env=cli_env(env),
            timeout=120,
            check=False,
        )

    def sql(self, query: str, *params: object) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(query, params).fetchall()

    def last_error(self, name: str) -> str:
        rows = self.sql("SELECT last_error FROM sources WHERE target = ?", self.feeds[name])
        return str(rows[0][0]) if rows else "(no source)"

    def lost_and_duplicates(self) -> tuple[int, int]:
        control_url = self.server.base_url + "/control.xml"
        expected = {p.id for p in parse_feed(CONTROL, control_url).posts} if self.control else set()
        stored = {str(r[0]) for r in self.sql("SELECT id FROM posts")}
        total, distinct = self.sql(
            "SELECT count(*), count(DISTINCT platform || '|' || coalesce(url, '') || '|'"
            " || coalesce(title, '') || '|' || coalesce(created_at, '')) FROM posts"
        )[0]
        lost, extra = self.compared
        return len(expected - stored) + lost, int(str(total)) - int(str(distinct)) + extra


def cli_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LISTEN_")}
    env["PYTHONPATH"] = str(ROOT / "src")
    env.update(extra or {})
    return env


Scenario = Callable[[Path, FaultServer], tuple[str, bool, Workspace]]


def single_fault(
    name: str,
    behaviour_or_url: Behaviour | str,
    *,
    expect_exit: int,
    expect_error: str | None,
    collect: Mapping[str, object] | None = None,
    check: Callable[[Workspace], tuple[bool, str]] | None = None,
) -> Scenario:
    """One fault feed next to the control feed; `listen run` once."""

    def scenario(root: Path, server: FaultServer) -> tuple[str, bool, Workspace]:
        url = (
            behaviour_or_url
            if isinstance(behaviour_or_url, str)
            else server.add(f"/{name}", behaviour_or_url)
        )
        ws = Workspace(root, server, {"Fault": url}, collect or {})
        ws.write()
        result = ws.listen("run")
        error = ws.last_error("Fault")
        observed = (
            f"exit {result.returncode}; {'error: ' + error if error != 'None' else 'no error'}"
        )
        ok = result.returncode == expect_exit and "Traceback" not in result.stderr
        wanted_error = error == "None" if expect_error is None else expect_error in error
        ok = ok and wanted_error
        if check:
            extra_ok, extra = check(ws)
            ok, observed = ok and extra_ok, f"{observed}; {extra}"
        return observed, ok, ws

    return scenario


def backed_off(at_least_hours: float) -> Callable[[Workspace], tuple[bool, str]]:
    def check(ws: Workspace) -> tuple[bool, str]:
        (next_poll,) = ws.sql(
            "SELECT next_poll_at FROM sources WHERE target = ?", ws.feeds["Fault"]
        )[0]
        moment = parse_iso(str(next_poll))
        waited = (moment.timestamp() - time.time()) / 3600 if moment else 0.0
        return waited >= at_least_hours - 0.01, f"next poll in {waited:.1f}h"

    return check


def stored_text(contains: str, absent: str) -> Callable[[Workspace], tuple[bool, str]]:
    def check(ws: Workspace) -> tuple[bool, str]:
        rows = ws.sql(
            "SELECT title || ' | ' || text FROM posts"
            " WHERE source_id = (SELECT id FROM sources WHERE target = ?)",
            ws.feeds["Fault"],
        )
        text = str(rows[0][0]) if rows else ""
        return (contains in text and absent not in text), f"stored {text[:40]!r}"

    return check


def rss(title: str, description: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<item><guid>http://example.org/1</guid><title>{title}</title>"
        f"<description>{description}</description></item></channel></rss>"
    ).encode()


LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    + ']><rss version="2.0"><channel><title>&j;</title>'
    + "<item><title>&j;</title></item></channel></rss>"
).encode()


def db_locked(root: Path, server: FaultServer) -> tuple[str, bool, Workspace]:
    ws = Workspace(root, server, {}, {"db_busy_timeout_seconds": 0.5})
    ws.write()
    ws.listen("run")
    ws.sql("UPDATE sources SET next_poll_at = NULL")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, time\n"
            f"c = sqlite3.connect({str(ws.db)!r}, isolation_level=None)\n"
            "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        holder.stdout.readline()
        result = ws.listen("run")
    finally:
        holder.kill()
        holder.wait()
    message = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
    ok = (
        result.returncode == 1
        and "database is busy" in message
        and "Traceback" not in result.stderr
    )
    after = ws.listen("run")
    ok = ok and after.returncode == 0
    return f"exit {result.returncode}: {message[:45]}; next run exit {after.returncode}", ok, ws


def concurrent_runs(root: Path, server: FaultServer) -> tuple[str, bool, Workspace]:
    ws = Workspace(
        root,
        server,
        {
            "Slow": server.add(
                "/slow-concurrent",
                delayed(3.0, feed(read_data("feeds/feed-rs_rss_2.0_heated.xml"))),
            )
        },
        {"timeout_seconds": 10.0},
    )
    ws.write()
    first = subprocess.Popen(
        ws.argv("run"), env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 20
    while not server.hits.get("/slow-concurrent") and time.monotonic() < deadline:
        time.sleep(0.02)
    second = ws.listen("run")
    first.communicate(timeout=60)
    ok = first.returncode == 0 and second.returncode == 3 and second.stdout == ""
    return f"first exit {first.returncode}, second exit {second.returncode}", ok, ws


def kill_and_resume(saved_sources: int) -> Scenario:
    """SIGKILL `listen run` once `saved_sources` are stored (0: at once), rerun, compare."""

    def scenario(root: Path, server: FaultServer) -> tuple[str, bool, Workspace]:
        feeds = {}
        for i, path in enumerate(p for p in parseable_feeds() if p.name != CONTROL_FILE):
            content_type = (
                "application/feed+json" if path.suffix == ".json" else "application/rss+xml"
            )
            behaviour = feed(path.read_bytes(), content_type)
            route = f"/kill{saved_sources}/{path.name}"
            feeds[f"Contact {i}"] = server.add(route, delayed(0.2 + 0.3 * (i % 4), behaviour))
        reference = Workspace(root / "reference", server, feeds, {"concurrency": 4})
        reference.root.mkdir()
        reference.write()
        reference.listen("run")
        ws = Workspace(root / "killed", server, feeds, {"concurrency": 4})
        ws.root.mkdir()
        ws.write()
        victim = subprocess.Popen(ws.argv("run"), env=cli_env())
        wait_for_saved_sources(ws, saved_sources)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        partial = ws.sql("SELECT count(*) FROM posts")[0][0] if ws.db.exists() else 0
        resumed = ws.listen("run")
        want = snapshot(reference.db)
        got = snapshot(ws.db)
        lost = len(want - got)
        extra = len(got - want)
        integrity = ws.sql("PRAGMA integrity_check")[0][0]
        ws.compared = (lost, extra)
        ok = resumed.returncode == 0 and lost == 0 and extra == 0 and integrity == "ok"
        observed = (
            f"{partial} rows at kill, {len(got)}/{len(want)} after resume; integrity {integrity}"
        )
        return observed, ok, ws

    return scenario


def wait_for_saved_sources(ws: Workspace, wanted: int, timeout: float = 30) -> None:
    """Until `wanted` sources have been polled and stored (0: until the run has started)."""
    query = (
        "SELECT count(*) FROM runs"
        if wanted == 0
        else "SELECT count(*) FROM sources WHERE last_polled_at IS NOT NULL"
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.01)
        with contextlib.suppress(sqlite3.Error):
            if ws.db.exists() and int(str(ws.sql(query)[0][0])) >= max(wanted, 1):
                return


def demo_kill_and_resume(root: Path, server: FaultServer) -> tuple[str, bool, Workspace]:
    """The demo's blogs, Bluesky, Mastodon and X (posts and your engagements), killed mid-run."""
    from listen.config import config_to_toml
    from listen.demo import demo_workspace
    from listen.demo.server import DemoRequest, DemoResponse, Handler

    def slow(handler: Handler, seconds: float) -> Handler:
        def respond_later(request: DemoRequest) -> DemoResponse:
            time.sleep(seconds)
            return handler(request)

        return respond_later

    with demo_workspace(root / "demo") as demo:
        for i, path in enumerate(sorted(demo.server.routes)):
            demo.server.routes[path] = slow(demo.server.routes[path], 0.1 + 0.3 * (i % 3))
        env = dict(demo.config.env)  # the demo's fake X bearer token
        spaces = []
        for name in ("reference", "killed"):
            ws = Workspace(root / name, server, {}, {}, control=False)
            ws.root.mkdir()
            ws.config.write_text(config_to_toml(demo.config), encoding="utf-8")
            spaces.append(ws)
        reference, ws = spaces
        first = reference.listen("run", env=env)
        victim = subprocess.Popen(ws.argv("run"), env=cli_env(env))
        deadline = time.monotonic() + 30
        partial = 0
        while not partial and time.monotonic() < deadline:
            time.sleep(0.02)
            with contextlib.suppress(sqlite3.Error):
                partial = (
                    int(str(ws.sql("SELECT count(*) FROM posts")[0][0])) if ws.db.exists() else 0
                )
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        resumed = ws.listen("run", env=env)
    want, got = snapshot(reference.db), snapshot(ws.db)
    ws.compared = (len(want - got), len(got - want))
    engagements = sum(1 for row in want if row[0] == "engagement")
    ok = resumed.returncode == first.returncode and want == got and engagements > 0
    observed = (
        f"{partial} posts at kill; {len(got)}/{len(want)} rows after resume "
        f"({engagements} engagements)"
    )
    return observed, ok, ws


def parseable_feeds() -> list[Path]:
    """The recorded feeds that yield posts (some are recorded broken on purpose)."""
    found = []
    for path in recordings("feeds"):
        content_type = "application/feed+json" if path.suffix == ".json" else ""
        try:
            parse_feed(path.read_bytes(), f"http://127.0.0.1/{path.name}", content_type)
        except SourceError:
            continue
        found.append(path)
    return found


def snapshot(db: Path) -> set[tuple[object, ...]]:
    """Rows to compare across runs; a post dated when first seen compares by that fact."""
    with sqlite3.connect(db) as conn:
        posts = conn.execute(
            "SELECT id, url, title, text,"
            " CASE WHEN date_estimated THEN 'first seen' ELSE created_at END, contact_id"
            " FROM posts"
        ).fetchall()
        engagements = conn.execute("SELECT id, post_id, kind FROM engagements").fetchall()
    return set(posts) | {("engagement", *e) for e in engagements}


def secrets_stay_out(root: Path, server: FaultServer) -> tuple[str, bool, Workspace]:
    ws = Workspace(
        root,
        server,
        {
            "Leaky": server.add("/leaky", respond(500, b"no")) + f"?access_token={SECRET}",
            "Refused": refused_url() + f"?k={SECRET}",
        },
        {},
    )
    ws.write()
    result = ws.listen("-vv", "run", env={"LISTEN_MASTODON_ACCESS_TOKEN": SECRET})
    places = {
        "stderr": result.stderr,
        "log": (ws.root / "listen.log").read_text(),
        "sources.last_error": json.dumps(ws.sql("SELECT last_error FROM sources")),
        "runs.errors": json.dumps(ws.sql("SELECT errors FROM runs")),
    }
    leaked = [where for where, text in places.items() if SECRET in text]
    ok = result.returncode == 1 and not leaked and "[REDACTED]" in places["log"]
    return f"exit {result.returncode}; leaked in: {', '.join(leaked) or 'nowhere'}", ok, ws


# -- issue 13: data that must be neither lost nor doubled ----------------------------------------


def atom(entries: list[tuple[str, str, str]]) -> bytes:
    """A hand-made Atom feed: (id, title, updated) per entry."""
    items = "".join(
        f"<entry><id>{i}</id><title>{t}</title><updated>{u}</updated></entry>"
        for i, t, u in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>t</title>{items}</feed>"
    ).encode()


def fault_posts(ws: Workspace) -> list[tuple[object, ...]]:
    return ws.sql(
        "SELECT id, title, text, url, created_at FROM posts WHERE source_id IN"
        " (SELECT id FROM sources WHERE target != ?)",
        ws.server.base_url + "/control.xml",
    )


def same_atom_id_on_one_host(root: Path, server: FaultServer) -> tuple[str, bool, Workspace]:
    feeds = {
        name: server.add(f"/ids-{name}.xml", feed(atom([("post1", f"{name}'s post", STAMP)])))
        for name in ("Ada", "Bob")
    }
    ws = Workspace(root, server, feeds, {})
    ws.write()
    result = ws.listen("run")
    titles = sorted(str(r[1]) for r in fault_posts(ws))
    wanted = ["Ada's post", "Bob's post"]
    ws.compared = (len(set(wanted) - set(titles)), len(titles) - len(set(titles)))
    ok = result.returncode == 0 and titles == wanted
    return f"exit {result.returncode}; stored {titles}", ok, ws


STAMP = "2026-04-30T13:53:00Z"


def redirected_feed(root: Path, server: FaultServer) -> tuple[str, bool, Workspace]:
    def rss(*guids: str) -> bytes:
        items = "".join(
            f'<item><guid isPermaLink="false">{g}</guid><title>Post {g}</title></item>'
            for g in guids
        )
        return f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()

    old = server.add("/moving/old.xml", feed(rss("1", "2")))
    ws = Workspace(root, server, {"Moving": old}, {})
    ws.write()
    ws.listen("run")
    new = server.add("/moving/new.xml", feed(rss("1", "2", "3")))
    server.add("/moving/old.xml", respond(301, b"", {"Location": new}))
    codes = []
    for _ in range(2):
        ws.sql("UPDATE sources SET next_poll_at = NULL")
        codes.append(ws.listen("run").returncode)
    ids = sorted(str(r[0]) for r in fault_posts(ws))
    guids = sorted(i.rsplit("#", 1)[-1] for i in ids)
    ws.compared = (len({"1", "2", "3"} - set(guids)), len(guids) - len(set(guids)))
    ok = codes == [0, 0] and guids == ["1", "2", "3"] and all(i.startswith(old) for i in ids)
    return f"exits {codes}; {len(ids)} posts, ids on the first URL: {ok}", ok, ws


def hostile_text(root: Path, server: FaultServer) -> tuple[str, bool, Workspace]:
    document = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "items": [
                {
                    "id": "1",
                    "url": "javascript:alert(1)",
                    "title": "\u001b[31mRed\u001b[0m",
                    "content_text": "a\u001b]0;pwned\u0007b\u202ec",
                }
            ],
        }
    ).encode()
    ws = Workspace(root, server, {"Hostile": server.add("/hostile.json", feed(document))}, {})
    ws.write()
    result = ws.listen("run")
    rows = fault_posts(ws)
    stored = "|".join(str(v) for row in rows for v in row[1:4])
    ws.compared = (1 - len(rows), 0)
    ok = result.returncode == 0 and stored == "Red|abc|None"
    return f"exit {result.returncode}; stored {stored!r}", ok, ws


def same_second(root: Path, server: FaultServer) -> tuple[str, bool, Workspace]:
    entries = [
        ("tag:x,2026:early", "early", "2026-04-30T13:53:00.250Z"),
        ("tag:x,2026:late", "late", "2026-04-30T13:53:00.550Z"),
    ]
    ws = Workspace(root, server, {"Quick": server.add("/quick.xml", feed(atom(entries)))}, {})
    ws.write()
    result = ws.listen("run")
    order = [str(r[1]) for r in sorted(fault_posts(ws), key=lambda r: str(r[4]), reverse=True)]
    ws.compared = (2 - len(order), 0)
    ok = result.returncode == 0 and order == ["late", "early"]
    return f"exit {result.returncode}; newest first: {order}", ok, ws


def undated_and_future(root: Path, server: FaultServer) -> tuple[str, bool, Workspace]:
    entries = [
        ("tag:x,2026:undated", "undated", "not a date"),
        ("tag:x,2026:future", "future", "2999-01-01T00:00:00Z"),
    ]
    ws = Workspace(root, server, {"Dates": server.add("/dates.xml", feed(atom(entries)))}, {})
    ws.write()
    result = ws.listen("run")
    rows = ws.sql(
        "SELECT title, created_at = collected_at AND date_estimated = 1 FROM posts"
        " WHERE title IN ('undated', 'future')"
    )
    ws.compared = (2 - len(rows), 0)
    ok = result.returncode == 0 and len(rows) == 2 and all(r[1] for r in rows)
    return f"exit {result.returncode}; dated when first seen: {sorted(rows)}", ok, ws


def x_second_page_fails(root: Path, server: FaultServer) -> tuple[str, bool, Workspace]:
    """@Twitter's recorded timeline: page 1, then page 2 answers 503 once."""
    user = json.loads(read_data("twitter/get_user.json"))[0]["body"]
    page1 = json.loads(read_data("twitter/get_users_tweets.json"))[0]["body"]
    page2 = json.loads(read_data("twitter/twarc-csv_two_tweets.jsonl").decode().splitlines()[0])
    failures = [1]

    def timeline(request: FaultRequest, wire: Wire) -> None:
        if "pagination_token" in request.query and failures:
            failures.pop()
            respond(503, b"upstream broke")(request, wire)
            return
        body = page2 if "pagination_token" in request.query else page1
        respond(200, json.dumps(body).encode(), {"Content-Type": "application/json"})(request, wire)

    server.add("/2/users/by/username/twitter", respond(200, json.dumps(user).encode()))
    server.add(f"/2/users/{user['data']['id']}/tweets", timeline)
    ws = Workspace(root, server, {}, {}, control=False)
    ws.config.write_text(
        f'[blog]\nenabled = false\n[x]\nbase_url = "{server.base_url}"\nmax_pages = 3\n'
        '\n[[contacts]]\nname = "Twitter"\nx = "twitter"\n',
        encoding="utf-8",
    )
    env = {"LISTEN_X_BEARER_TOKEN": SECRET}
    first = ws.listen("run", env=env)
    after_failure = {str(r[0]) for r in ws.sql("SELECT id FROM posts")}
    ws.sql("UPDATE sources SET next_poll_at = NULL")
    second = ws.listen("run", env=env)
    wanted = {t["id"] for t in page1["data"]} | {t["id"] for t in page2["data"]}
    stored = [str(r[0]) for r in ws.sql("SELECT id FROM posts")]
    ws.compared = (len(wanted - set(stored)), len(stored) - len(set(stored)))
    lookups = server.hits.get("/2/users/by/username/twitter", 0)
    ok = (first.returncode, second.returncode, lookups) == (1, 0, 1) and set(stored) == wanted
    observed = (
        f"exits {first.returncode}, {second.returncode}; {len(after_failure)} kept after the 503,"
        f" {len(stored)}/{len(wanted)} after the rerun; {lookups} user lookup"
    )
    return observed, ok, ws


def unwritable_log(root: Path, server: FaultServer) -> tuple[str, bool, Workspace]:
    ws = Workspace(root, server, {}, {})
    ws.write()
    (root / "listen.log").mkdir()
    result = ws.listen("run")
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    ok = result.returncode == 0 and len(lines) == 1 and "Traceback" not in result.stderr
    return (
        f"exit {result.returncode}; stderr {len(lines)} line: {lines[0][:50] if lines else ''}",
        ok,
        ws,
    )


# -- inbound interactions (people, issue 16) ----------------------------------------------------

BLUESKY_DATA = "bluesky/appview_"
VIEWER_DID = "did:plc:nkjx3ufzu6baprhrf474eltp"  # whose notifications the recordings are


def _json_route(body: object, status: int = 200, seen: list[str] | None = None) -> Behaviour:
    """Answer JSON; note the Authorization header each request carried (in `seen`)."""

    def behaviour(request: FaultRequest, wire: Wire) -> None:
        if seen is not None:
            seen.append(f"{request.path} {request.headers.get('authorization', '-')[:6]}")
        payload = json.dumps(body).encode()
        respond(status, payload, {"Content-Type": "application/json"})(request, wire)

    return behaviour


def _bluesky_inbound(
    server: FaultServer, prefix: str, notifications: object, seen: list[str], likes: int = 200
) -> str:
    """An AppView + PDS under `prefix`: a session, notifications (or an error status), the
    viewer's post and its recorded listings (getLikes answers `likes`)."""
    base = server.base_url + prefix
    thread = json.loads(read_data(BLUESKY_DATA + "getPostThread.json"))
    notes = json.loads(read_data(BLUESKY_DATA + "listNotifications.json"))
    liked = next(n["reasonSubject"] for n in notes["notifications"] if n["reason"] == "like")
    view = {**thread["thread"]["post"], "uri": liked, "quoteCount": 0}  # relabelled (hand-made)
    jwt = "e30.eyJzdWIiOiJkaWQ6cGxjOm1lIiwiZXhwIjo0MTAyNDQ0ODAwfQ.c2ln"  # unsigned, far expiry
    document = json.loads(read_data("bluesky/atproto-sdk_did_doc.json"))["didDoc"]
    document["service"][0]["serviceEndpoint"] = base + "/pds"
    session = {
        "accessJwt": jwt,
        "refreshJwt": jwt,
        "handle": "alice.test",
        "did": VIEWER_DID,
        "didDoc": document,
        "active": True,
    }
    listings = {
        "getLikes": (json.loads(read_data(BLUESKY_DATA + "getLikes_viewer.json")), likes),
        "getRepostedBy": (json.loads(read_data(BLUESKY_DATA + "getRepostedBy.json")), 200),
        "getPostThread": (thread, 200),
    }
    routes: dict[str, Behaviour] = {
        "/xrpc/com.atproto.identity.resolveHandle": _json_route({"did": VIEWER_DID}, seen=seen),
        "/xrpc/com.atproto.server.createSession": _json_route(session, seen=seen),
        "/pds/xrpc/app.bsky.notification.listNotifications": (
            _json_route(notifications, seen=seen)
            if not isinstance(notifications, int)
            else _json_route({"error": "ExpiredToken"}, notifications, seen)
        ),
        "/xrpc/app.bsky.feed.getAuthorFeed": _json_route({"feed": [{"post": view}]}, seen=seen),
        "/pds/xrpc/com.atproto.repo.listRecords": _json_route({"records": []}, seen=seen),
        "/xrpc/com.atproto.repo.listRecords": _json_route({"records": []}, seen=seen),
    }
    for name, (body, status) in listings.items():
        routes[f"/xrpc/app.bsky.feed.{name}"] = _json_route(body, status, seen)
    for path, behaviour in routes.items():
        server.add(prefix + path, behaviour)
    return base


def _people_workspace(root: Path, server: FaultServer, base: str) -> Workspace:
    ws = Workspace(root, server, {}, {}, control=False)
    ws.config.write_text(
        "[collect]\ninbound_days = 3650\n[blog]\nenabled = false\n[x]\nenabled = false\n"
        f'[mastodon]\nenabled = false\n[bluesky]\nhandle = "alice.test"\nbase_url = "{base}"\n'
        f'pds_url = "{base}"\nplc_url = "{base}/plc"\n',
        encoding="utf-8",
    )
    return ws


def _interaction_counts(ws: Workspace) -> tuple[int, int]:
    ((total, distinct),) = ws.sql(
        "SELECT count(*), count(DISTINCT platform || kind || actor_id || coalesce(our_post, '')"
        " || coalesce(their_post, '')) FROM interactions"
    )
    return int(str(total)), int(str(distinct))


def bluesky_notifications_401(root: Path, server: FaultServer) -> tuple[str, bool, Workspace]:
    seen: list[str] = []
    ws = _people_workspace(root, server, _bluesky_inbound(server, "/p401", 401, seen))
    run = ws.listen("run", env={"LISTEN_BLUESKY_APP_PASSWORD": SECRET})
    status = ws.listen("status")
    stored, distinct = _interaction_counts(ws)
    ws.compared = (0, stored - distinct)
    note = "notifications refused (HTTP 401" in " ".join(status.stdout.split())
    tokens = [line.split()[0].rsplit("/", 1)[1] for line in seen if not line.endswith(" -")]
    ok = (
        run.returncode == 0
        and stored > 0
        and note
        and tokens == ["app.bsky.notification.listNotifications"]
    )
    observed = (
        f"exit {run.returncode}; {stored} interactions from public listings; status note:"
        f" {note}; token sent to: {', '.join(tokens) or 'nowhere'}"
    )
    return observed, ok, ws


def bluesky_two_paths(root: Path, server: FaultServer) -> tuple[str, bool, Workspace]:
    seen: list[str] = []
    notes = json.loads(read_data(BLUESKY_DATA + "listNotifications.json"))
    ws = _people_workspace(root, server, _bluesky_inbound(server, "/p2", notes, seen))
    first = ws.listen("run", env={"LISTEN_BLUESKY_APP_PASSWORD": SECRET})
    before = _interaction_counts(ws)[0]
    ws.sql("UPDATE sources SET next_poll_at = NULL")
    second = ws.listen("run")  # no app password now: the public listings
    stored, distinct = _interaction_counts(ws)
    ws.compared = (0, stored - distinct)
    ((uncollected,),) = ws.sql(
        "SELECT count(*) FROM interaction_log WHERE our_post IS NOT NULL"
        " AND our_post NOT IN (SELECT id FROM posts)"
    )
    ok = (first.returncode, second.returncode) == (0, 0) and stored == distinct and before > 0
    observed = (
        f"exits {first.returncode}, {second.returncode}; {before} by notification, "
        f"{stored} after the public pass ({stored - distinct} twice); {uncollected} on "
        "posts never collected"
    )
    return observed, ok and int(str(uncollected)) > 0, ws


def bluesky_deleted(root: Path, server: FaultServer) -> tuple[str, bool, Workspace]:
    seen: list[str] = []
    notes = json.loads(read_data(BLUESKY_DATA + "listNotifications.json"))
    gone = notes["notifications"][0]["author"]
    gone.update(handle="handle.invalid")  # an account deleted since (hand-made)
    notes["notifications"].append({"reason": "like", "author": {"handle": "handle.invalid"}})
    base = _bluesky_inbound(server, "/pdel", notes, seen, likes=400)
    ws = _people_workspace(root, server, base)
    first = ws.listen("run", env={"LISTEN_BLUESKY_APP_PASSWORD": SECRET})
    ws.sql("UPDATE sources SET next_poll_at = NULL")
    second = ws.listen("run")  # public: getLikes of a deleted post answers 400
    stored, distinct = _interaction_counts(ws)
    ws.compared = (0, stored - distinct)
    errors = ws.sql("SELECT count(*) FROM sources WHERE last_error IS NOT NULL")[0][0]
    ok = (first.returncode, second.returncode) == (0, 0) and errors == 0 and stored > 0
    observed = (
        f"exits {first.returncode}, {second.returncode}; {stored} stored, the deleted "
        f"account's by DID, the nameless one skipped; source errors: {errors}"
    )
    return observed, ok and "Traceback" not in first.stderr + second.stderr, ws


def mastodon_notifications_401(root: Path, server: FaultServer) -> tuple[str, bool, Workspace]:
    seen: list[str] = []
    two = "117020566092212359"  # mastodonpy_test_2: their recorded status, admin's reply
    reply_file = json.loads(read_data("mastodon/status_reply.json"))
    status = {**reply_file[0]["body"], "replies_count": 1, "favourites_count": 1}
    liked_by = json.loads(read_data("mastodon/status_favourited_by.json"))[2]["body"]
    context = {"ancestors": [], "descendants": [reply_file[2]["body"]]}  # hand-made envelope
    routes = {
        "/api/v1/notifications": _json_route({"error": "The access token is invalid"}, 401, seen),
        f"/api/v1/accounts/{two}/statuses": _json_route([status], seen=seen),
        f"/api/v1/statuses/{status['id']}/favourited_by": _json_route(liked_by, seen=seen),
        f"/api/v1/statuses/{status['id']}/context": _json_route(context, seen=seen),
        "/api/v1/accounts/lookup": _json_route({"id": two}, seen=seen),
        "/api/v1/favourites": _json_route([], seen=seen),
    }
    for path, behaviour in routes.items():
        server.add(path, behaviour)
    host = server.base_url.split("://", 1)[1]
    ws = Workspace(root, server, {}, {}, control=False)
    ws.config.write_text(
        "[collect]\ninbound_days = 3650\n[blog]\nenabled = false\n[x]\nenabled = false\n"
        '[bluesky]\nenabled = false\n[mastodon]\nscheme = "http"\n'
        f'account = "mastodonpy_test_2@{host}"\n',
        encoding="utf-8",
    )
    run = ws.listen("collect", env={"LISTEN_MASTODON_ACCESS_TOKEN": SECRET})
    status_out = ws.listen("status").stdout
    stored, distinct = _interaction_counts(ws)
    ws.compared = (0, stored - distinct)
    tokens = sorted({line.split()[0] for line in seen if not line.endswith(" -")})
    note = "notifications refused (HTTP 401" in " ".join(status_out.split())
    public = [t for t in tokens if t.endswith(("/favourited_by", "/context"))]
    ok = run.returncode == 0 and stored == 2 and note and not public
    observed = (
        f"exit {run.returncode}; {stored} from favourited_by/context; note: {note}; "
        f"token on the public listings: {len(public)} (refused once, not sent again)"
    )
    return observed, ok, ws


SCENARIOS: list[tuple[str, str, Scenario]] = [
    (
        "HTTP 500",
        "exit 1, error kept, backoff >= 1.6h",
        single_fault(
            "500",
            respond(500, b"boom"),
            expect_exit=1,
            expect_error="HTTP 500",
            check=backed_off(1.6),
        ),
    ),
    (
        "HTTP 503 + Retry-After: 7200",
        "exit 1, rate limited, next poll >= 2h",
        single_fault(
            "503",
            respond(503, b"", {"Retry-After": "7200"}),
            expect_exit=1,
            expect_error="rate limited",
            check=backed_off(2.0),
        ),
    ),
    (
        "HTTP 429 + Retry-After: 30",
        "exit 1, rate limited, backoff",
        single_fault(
            "429",
            respond(429, b"", {"Retry-After": "30"}),
            expect_exit=1,
            expect_error="rate limited",
            check=backed_off(1.6),
        ),
    ),
    (
        "connection refused",
        "exit 1, cannot connect",
        single_fault("refused", refused_url(), expect_exit=1, expect_error="cannot connect"),
    ),
    (
        "server never answers",
        "exit 1, timed out",
        single_fault(
            "hang",
            hang(),
            expect_exit=1,
            expect_error="timed out",
            collect={"timeout_seconds": 1.0},
        ),
    ),
    (
        "slow-loris body",
        "exit 1, too slow (deadline)",
        single_fault(
            "loris",
            trickle(0.2),
            expect_exit=1,
            expect_error="too slow",
            collect={"timeout_seconds": 1.0},
        ),
    ),
    (
        "truncated body",
        "exit 1, connection broken",
        single_fault(
            "cut",
            truncated(b"<rss><channel><item><title>half", 10_000),
            expect_exit=1,
            expect_error="connection broken",
        ),
    ),
    (
        "gzip bomb (500 MB inflated)",
        "exit 1, too large",
        single_fault("bomb", gzip_bomb(500_000_000), expect_exit=1, expect_error="too large"),
    ),
    (
        "oversize body (20 MB)",
        "exit 1, too large",
        single_fault(
            "huge", respond(200, b"x" * 20_000_000), expect_exit=1, expect_error="too large"
        ),
    ),
    (
        "invalid UTF-8",
        "exit 0, post stored",
        single_fault(
            "utf8",
            respond(200, rss("caf\u00e9 ok", "x").replace("caf\u00e9".encode(), b"caf\xff")),
            expect_exit=0,
            expect_error=None,
            check=stored_text("ok", "\x00"),
        ),
    ),
    (
        "billion laughs (XML entities)",
        "exit 1, refused before parsing",
        single_fault(
            "laughs", respond(200, LAUGHS), expect_exit=1, expect_error="declares XML entities"
        ),
    ),
    (
        "HTML/script injected in a post",
        "exit 0, stored as plain text",
        single_fault(
            "inject",
            respond(
                200,
                rss(
                    "Hi &lt;b&gt;there&lt;/b&gt;",
                    "&lt;script&gt;alert(1)&lt;/script&gt;Hello &lt;img src=x onerror=alert(2)&gt;",
                ),
            ),
            expect_exit=0,
            expect_error=None,
            check=stored_text("Hi there | Hello", "<"),
        ),
    ),
    ("database locked by another process", "exit 1, one-line error, no traceback", db_locked),
    ("two `listen run` at once", "one exits 0, the other exits 3", concurrent_runs),
    ("SIGKILL as the run starts, rerun", "same rows as a never-killed run", kill_and_resume(0)),
    ("SIGKILL after 1 source saved, rerun", "same rows as a never-killed run", kill_and_resume(1)),
    (
        "SIGKILL after 12 sources saved, rerun",
        "same rows as a never-killed run",
        kill_and_resume(12),
    ),
    (
        "SIGKILL mid-run: demo blogs, Bluesky, Mastodon, X",
        "posts + engagements = never-killed run",
        demo_kill_and_resume,
    ),
    ("secrets in URLs and env", "in no log, stderr or DB row", secrets_stay_out),
    (
        "two feeds, one host, Atom <id>post1</id>",
        "both posts kept, apart",
        same_atom_id_on_one_host,
    ),
    ("301 of a feed whose guids are not URIs", "no post twice, ids unchanged", redirected_feed),
    ("X: page 2 answers 503 once, rerun", "page 1 kept, rest on rerun", x_second_page_fails),
    ("escapes and javascript: in a post", "stored clean, no link", hostile_text),
    ("two posts in the same second", "kept in order (ms kept)", same_second),
    ("undated post, post dated 2999", "dated when seen, flagged", undated_and_future),
    ("listen.log is a directory", "exit 0, one line on stderr", unwritable_log),
    (
        "Bluesky notifications answer 401",
        "public listings read; status note; token to the PDS only",
        bluesky_notifications_401,
    ),
    (
        "one like seen by notification and by getLikes",
        "stored once; posts never collected kept",
        bluesky_two_paths,
    ),
    (
        "deleted account; deleted post (getLikes 400)",
        "exit 0, no source error, the rest kept",
        bluesky_deleted,
    ),
    (
        "Mastodon notifications answer 401",
        "public listings read; status note; token to own instance",
        mastodon_notifications_401,
    ),
]


def main() -> int:
    console = Console(width=max(Console().width, 170))
    rows: list[Row] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="listen-faults-") as tmp, FaultServer() as server:
        for i, (name, expected, scenario) in enumerate(SCENARIOS):
            root = Path(tmp) / f"s{i}"
            root.mkdir()
            try:
                observed, ok, ws = scenario(root, server)
                lost, duplicates = ws.lost_and_duplicates() if ws.db.exists() else (0, 0)
            except Exception as exc:  # a broken scenario is a failed row, not a crash
                observed, ok, lost, duplicates = (
                    f"scenario crashed: {type(exc).__name__}: {exc}",
                    False,
                    -1,
                    -1,
                )
            rows.append(
                Row(
                    name, expected, observed, ok and lost == 0 and duplicates == 0, lost, duplicates
                )
            )
    table = Table(
        title=f"listen fault injection ({time.monotonic() - started:.0f}s)", title_justify="left"
    )
    for column in ("scenario", "expected", "observed", "rows lost", "duplicates", "result"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row.scenario,
            row.expected,
            row.observed,
            str(row.lost),
            str(row.duplicates),
            "[green]PASS[/green]" if row.ok else "[red]FAIL[/red]",
        )
    console.print(table)
    failed = [row for row in rows if not row.ok]
    console.print(f"{len(rows) - len(failed)}/{len(rows)} scenarios passed.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
