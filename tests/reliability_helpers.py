"""Helpers for the reliability tests: configs pointing at loopback feeds, CLI subprocesses."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.helpers import recordings

SRC = Path(__file__).parents[1] / "src"


def write_feeds_config(
    path: Path, feeds: Mapping[str, str], collect: Mapping[str, object] | None = None
) -> Path:
    """A config whose contacts each have one blog feed (name → URL)."""
    lines = ["[collect]"]
    for key, value in {"timeout_seconds": 5.0, "concurrency": 4, **(collect or {})}.items():
        lines.append(f"{key} = {value!r}" if not isinstance(value, str) else f'{key} = "{value}"')
    for name, url in feeds.items():
        lines += ["", "[[contacts]]", f'name = "{name}"', f'blog = ["{url}"]']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def listen_argv(config: Path, db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "listen", "--config", str(config), "--db", str(db), *args]


def cli_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LISTEN_")}
    env["PYTHONPATH"] = str(SRC)
    env.update(extra or {})
    return env


def run_listen(
    config: Path, db: Path, *args: str, env: Mapping[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI as a user would, in a subprocess."""
    return subprocess.run(
        listen_argv(config, db, *args),
        capture_output=True,
        text=True,
        env=cli_env(env),
        timeout=timeout,
        check=False,
    )


def snapshot(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Posts and engagements as comparable rows (without collection timestamps, so a post
    dated when first seen compares by that fact, not by the moment)."""
    with sqlite3.connect(db) as conn:
        posts = conn.execute(
            "SELECT p.id, p.platform, p.url, p.title, p.text,"
            " CASE WHEN p.date_estimated THEN 'first seen' ELSE p.created_at END, p.author_handle,"
            " p.kind, c.name FROM posts p LEFT JOIN contacts c ON c.id = p.contact_id ORDER BY p.id"
        ).fetchall()
        engagements = conn.execute(
            "SELECT id, post_id, platform, kind, engaged_at FROM engagements ORDER BY id"
        ).fetchall()
    return {"posts": posts, "engagements": engagements}


def recorded_feeds() -> dict[str, bytes]:
    """Every real recorded feed that yields posts, by file name."""
    from listen.collectors.feeds import parse_feed
    from listen.errors import SourceError

    found = {}
    for path in recordings("feeds"):
        content_type = "application/feed+json" if path.suffix == ".json" else ""
        try:
            parse_feed(path.read_bytes(), f"http://127.0.0.1/{path.name}", content_type)
        except SourceError:
            continue
        found[path.name] = path.read_bytes()
    return found
