"""`collect` polls many sources at once but never more than `per_host_concurrency` per server."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from listen import app
from listen.config import parse_config
from listen.demo.server import DemoRequest, DemoResponse, LoopbackServer
from listen.store import Store
from listen.types import Source
from tests.helpers import read_data

FEED = read_data("feeds/feed-rs_rss_2.0_ghost_2.xml")


class InFlight:
    """A route that counts how many requests the server is answering at the same time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0

    def __call__(self, request: DemoRequest) -> DemoResponse:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(0.15)
        with self.lock:
            self.now -= 1
        return DemoResponse(200, FEED, {"Content-Type": "application/rss+xml"})


def run_collect(tmp_path: Path, per_host: int) -> tuple[int, int]:
    route = InFlight()
    with LoopbackServer() as server:
        urls = [server.add(f"/feed/{i}.xml", route) for i in range(12)]
        config = parse_config(
            {
                "collect": {"concurrency": 8, "per_host_concurrency": per_host},
                "contacts": [{"name": f"Blogger {i}", "blog": [url]} for i, url in enumerate(urls)],
            },
            path=None,
            env={},
        )
        with Store.open(tmp_path / f"listen-{per_host}.db") as store:
            summary = app.collect(config, store, app.CollectOptions(only_due=False))
    assert not summary.failed
    return route.most, sum(o.new_posts for o in summary.outcomes)


def test_per_host_limit_binds(tmp_path: Path) -> None:
    most, new_posts = run_collect(tmp_path, per_host=2)
    assert most == 2
    assert new_posts > 0


def test_without_a_tight_host_limit_polls_run_in_parallel(tmp_path: Path) -> None:
    most, _ = run_collect(tmp_path, per_host=8)
    assert most > 2


def test_server_of() -> None:
    def source(platform: str, target: str) -> Source:
        return Source(id=1, platform=platform, kind="author", target=target)

    assert app.server_of(source("blog", "https://Example.org/feed.xml")) == "example.org"
    assert app.server_of(source("mastodon", "alice@Fosstodon.org")) == "fosstodon.org"
    assert app.server_of(source("bluesky", "alice.bsky.social")) == "bluesky"
