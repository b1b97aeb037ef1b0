"""The follows-import benchmark: 5,000 follows across Bluesky, Mastodon and X from loopback
servers with 50 ms latency, through the real collectors, app and store.

The accounts are copies of real recorded shapes (tests/data/: an AppView profileView, a
Mastodon account, an X user with `entities`) with numbered handles; the servers page them as
each platform does (cursor, Link: rel="next", next_token) at each platform's page size.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bench_server import _Counter, make_server
from tests.helpers import data_path

from listen.demo.server import DemoRequest, DemoResponse

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SHARE = {"bluesky": 0.4, "mastodon": 0.3, "x": 0.3}
_JSON = {"Content-Type": "application/json; charset=utf-8"}


def _json(body: Any, headers: dict[str, str] | None = None) -> DemoResponse:
    return DemoResponse(200, json.dumps(body).encode(), {**_JSON, **(headers or {})})


def _args(request: DemoRequest) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(request.path).query).items()}


def _templates() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    view = json.loads(data_path("bluesky/appview_getFollows.json").read_text())["alice.test"][
        "follows"
    ][0]
    account = json.loads(data_path("mastodon/account_lookup.json").read_text())[0]["body"]
    line = data_path("twitter/twarc-csv_quoted_edit.jsonl").read_text().splitlines()[0]
    user = next(u for u in json.loads(line)["includes"]["users"] if "entities" in u)
    return view, account, user


def _people(total: int) -> dict[str, list[dict[str, Any]]]:
    view, account, user = _templates()
    counts = {p: int(total * share) for p, share in SHARE.items()}
    counts["bluesky"] += total - sum(counts.values())
    bluesky = [
        {
            **copy.deepcopy(view),
            "did": f"did:plc:bench{i:019d}",
            "handle": f"b{i}.bench.test",
            "displayName": f"Bluesky Person {i}",
        }
        for i in range(counts["bluesky"])
    ]
    mastodon = [
        {
            **copy.deepcopy(account),
            "id": str(10_000 + i),
            "username": f"m{i}",
            "acct": f"m{i}@elsewhere.example",
            "display_name": f"Mastodon Person {i}",
        }
        for i in range(counts["mastodon"])
    ]
    x = [
        {**copy.deepcopy(user), "id": str(90_000 + i), "username": f"x{i}", "name": f"X Person {i}"}
        for i in range(counts["x"])
    ]
    return {"bluesky": bluesky, "mastodon": mastodon, "x": x}


def _routes(people: dict[str, list[dict[str, Any]]], base: list[str]) -> dict[str, Any]:
    bsky, masto, xs = people["bluesky"], people["mastodon"], people["x"]

    def profile(request: DemoRequest) -> DemoResponse:
        return _json(
            {
                "did": "did:plc:benchbenchbenchbenchbenc",
                "handle": "bench.test",
                "followsCount": len(bsky),
            }
        )

    def follows(request: DemoRequest) -> DemoResponse:
        args = _args(request)
        start, size = int(args.get("cursor") or 0), int(args.get("limit", 50))
        body: dict[str, Any] = {
            "subject": {"did": "did:plc:benchbenchbenchbenchbenc", "handle": "bench.test"},
            "follows": bsky[start : start + size],
        }
        if start + size < len(bsky):
            body["cursor"] = str(start + size)
        return _json(body)

    def lookup(request: DemoRequest) -> DemoResponse:
        return _json(
            {"id": "1", "username": "bench", "acct": "bench", "following_count": len(masto)}
        )

    def following(request: DemoRequest) -> DemoResponse:
        args = _args(request)
        start, size = int(args.get("max_id") or 0), int(args.get("limit", 40))
        headers = {}
        if start + size < len(masto):
            headers["Link"] = (
                f'<{base[0]}/api/v1/accounts/1/following?limit={size}&max_id={start + size}>; rel="next"'  # noqa: E501
            )
        return _json(masto[start : start + size], headers)

    def x_user(request: DemoRequest) -> DemoResponse:
        return _json(
            {
                "data": {
                    "id": "42",
                    "username": "bench",
                    "name": "Bench",
                    "public_metrics": {"following_count": len(xs)},
                }
            }
        )

    def x_following(request: DemoRequest) -> DemoResponse:
        args = _args(request)
        start, size = int(args.get("pagination_token") or 0), int(args.get("max_results", 100))
        meta: dict[str, Any] = {"result_count": len(xs[start : start + size])}
        if start + size < len(xs):
            meta["next_token"] = str(start + size)
        return _json({"data": xs[start : start + size], "meta": meta})

    return {
        "/xrpc/app.bsky.actor.getProfile": profile,
        "/xrpc/app.bsky.graph.getFollows": follows,
        "/api/v1/accounts/lookup": lookup,
        "/api/v1/accounts/1/following": following,
        "/2/users/by/username/bench": x_user,
        "/2/users/42/following": x_following,
    }


def run(total: int, latency_ms: float, folder: Path) -> dict[str, Any]:
    """Import `total` follows across the three platforms; returns the figures."""
    from listen import app
    from listen.config import parse_config

    people = _people(total)
    counter = _Counter()
    base: list[str] = []
    server = make_server("127.0.0.1", _routes(people, base), counter, latency_ms / 1000)
    host = f"127.0.0.1:{server.server_address[1]}"
    base.append(f"http://{host}")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        config = parse_config(
            {
                "bluesky": {"base_url": base[0]},
                "x": {"base_url": base[0], "monthly_budget_usd": 1000.0},
                "mastodon": {"scheme": "http"},
            },
            path=None,
            env={"LISTEN_X_BEARER_TOKEN": "bench-token"},
        )
        accounts = {"bluesky": "bench.test", "mastodon": f"bench@{host}", "x": "bench"}
        start = time.perf_counter()
        with app.open_store(folder / "follows.db") as store:
            imported = 0
            for platform, account in accounts.items():
                report = app.import_follows(config, store, platform, account, yes=True)
                imported += len(report.added)
            contacts = len(store.list_contacts())
        elapsed = time.perf_counter() - start
    finally:
        server.shutdown()
    requests = counter.snapshot()["requests"]
    return {
        "follows": total,
        "imported": imported,
        "contacts": contacts,
        "requests": requests,
        "requests_per_100": 100 * requests / total,
        "seconds": elapsed,
        "latency_ms": latency_ms,
    }
