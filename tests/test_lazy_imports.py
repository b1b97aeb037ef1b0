"""Heavy dependencies load only when a command needs them (cron runs `listen` often)."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from listen.clock import utcnow
from listen.store import Store

HEAVY = ("httpx", "sqlite_utils", "numpy", "feedparser", "sklearn", "tweepy", "atproto")
REPORT = (
    "import atexit, sys\n"
    f"atexit.register(lambda: print(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
)


def loaded_by(code: str) -> tuple[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", REPORT + code], capture_output=True, text=True, timeout=60
    )
    return done.stdout, done.stderr


def test_importing_the_cli_loads_no_heavy_dependency() -> None:
    stdout, _ = loaded_by("import listen.cli")
    assert stdout.strip() == "[]"


def test_an_idle_collect_loads_no_http_stack(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[[contacts]]\nname = "Ada"\nblog = ["http://127.0.0.1:9/feed.xml"]\n')
    db = tmp_path / "listen.db"
    with Store.open(db) as store:
        store.upsert_contact("Ada", identities=[("blog", "http://127.0.0.1:9/feed.xml")])
        store.sync_sources({}, ["blog"])
        (source,) = store.sources()
        store.defer_source(source.id, utcnow() + timedelta(hours=1))
    argv = ["listen", "--config", str(config), "--db", str(db), "collect"]
    stdout, stderr = loaded_by(
        f"import sys\nsys.argv = {argv!r}\nfrom listen.cli import main\nmain()"
    )
    assert "Nothing to poll" in stdout, stderr
    assert stdout.strip().endswith("[]"), stdout
    with Store.open(db) as store:
        assert store.count("runs") == 1  # the idle run is still recorded


def test_an_idle_run_loads_no_model(tmp_path: Path) -> None:
    """`listen run` with nothing due and every post scored: no HTTP stack, no numpy."""
    from listen.types import CollectResult, Post

    config = tmp_path / "config.toml"
    config.write_text('[[contacts]]\nname = "Ada"\nblog = ["http://127.0.0.1:9/feed.xml"]\n')
    db = tmp_path / "listen.db"
    now = utcnow()
    with Store.open(db) as store:
        store.upsert_contact("Ada", identities=[("blog", "http://127.0.0.1:9/feed.xml")])
        store.sync_sources({}, ["blog"])
        (source,) = store.sources()
        post = Post("https://ada.example/1", "blog", text="Hello", created_at=now)
        store.save_result(
            source, CollectResult(posts=(post,)), now=now, next_poll_at=now + timedelta(hours=1)
        )
    argv = ["listen", "--config", str(config), "--db", str(db), "run"]
    code = f"import sys\nsys.argv = {argv!r}\nfrom listen.cli import main\nmain()"
    first, stderr = loaded_by(code)  # scores the new post: the model is loaded
    assert first.strip().endswith("['numpy']"), stderr
    with Store.open(db) as store:
        assert store.count("classifications") == 1
    stdout, stderr = loaded_by(code)
    assert stdout.strip().endswith("[]"), stdout + stderr
    with Store.open(db) as store:
        assert store.count("runs") == 2 and store.last_run().status == "ok"  # type: ignore[union-attr]


def test_the_cli_loads_no_web_framework_until_serving() -> None:
    code = (
        "import sys, listen.cli\n"
        "print(sorted(m for m in ('starlette', 'uvicorn', 'jinja2') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines()[0] == "[]"
