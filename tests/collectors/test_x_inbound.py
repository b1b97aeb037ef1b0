"""The user's X mentions: parsed from real API v2 pages, polled inside the X budget, and
skipped with a note for `listen status` when the budget cannot pay for them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from listen import app
from listen.collectors.x_inbound import mention_interactions
from listen.config import parse_config
from listen.store import Store
from listen.types import CollectResult, Source
from tests.collectors.test_x import (
    DAVID_ID,
    TOKEN,
    collector,
    page_response,
    recorded,
    requests_to,
    twarc_page,
    x_config,
)

JANE_ID = "337119125"  # @wongmjane: @dappdavid99's recorded tweet replies to and quotes hers


def jane_user() -> dict[str, object]:
    users = twarc_page("quoted_edit")["includes"]["users"]
    return {"data": next(u for u in users if u["id"] == JANE_ID)}


def serve_mentions(server: HTTPServer) -> None:
    """@wongmjane's mentions: the real page holding @dappdavid99's reply to her (twarc saved
    it from a search; a mentions page has the same Tweet objects), then the recorded mentions
    page of @Twitter (ids and text only: X sent no author for them), then X's answer at a
    list's end (hand-made, the shape X documents: no data, result_count 0)."""

    def mentions(request: Request) -> Response:
        if request.args.get("pagination_token") == "older":
            return page_response(recorded("get_users_mentions")["body"], request)
        if request.args.get("pagination_token"):
            return page_response({"meta": {"result_count": 0}})
        page = twarc_page("quoted_edit")
        page["meta"] = {**page.get("meta", {}), "next_token": "older"}
        return page_response(page, request)

    server.expect_request("/2/users/by/username/wongmjane").respond_with_handler(
        lambda r: page_response(jane_user())
    )
    server.expect_request(f"/2/users/{JANE_ID}/mentions").respond_with_handler(mentions)


def test_a_reply_to_the_user_is_a_reply_on_their_tweet_and_authorless_ones_are_skipped() -> None:
    found = mention_interactions(twarc_page("quoted_edit"), JANE_ID)
    (reply,) = found
    assert (reply.kind, reply.actor_handle, reply.actor_id) == ("reply", "dappdavid99", DAVID_ID)
    assert reply.our_post == "1576994789110992896" and reply.their_post == "1576995594388000768"
    assert reply.url == "https://x.com/dappdavid99/status/1576995594388000768"
    assert mention_interactions(recorded("get_users_mentions")["body"], "783214") == []
    # the same page seen by someone else it mentions: a quote of another's tweet is a mention
    assert [i.kind for i in mention_interactions(twarc_page("quoted_edit"), "42")] == ["quote"]


def test_mentions_wait_for_the_user_id_your_own_timeline_finds(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    serve_mentions(httpserver)
    httpserver.expect_request(f"/2/users/{JANE_ID}/tweets").respond_with_handler(
        lambda r: page_response({"meta": {"result_count": 0}})
    )
    httpserver.expect_request(f"/2/users/{JANE_ID}/liked_tweets").respond_with_handler(
        lambda r: page_response({"meta": {"result_count": 0}})
    )
    document = {
        "x": {"username": "wongmjane", "base_url": httpserver.url_for("/").rstrip("/")},
        "blog": {"enabled": False},
        "bluesky": {"enabled": False},
        "mastodon": {"enabled": False},
    }
    config = parse_config(document, path=None, env={"LISTEN_X_BEARER_TOKEN": TOKEN})
    with Store.open(tmp_path / "l.db") as store:
        first = app.collect(config, store, app.CollectOptions(only_due=False))
        assert [o.target for o in first.outcomes] == ["wongmjane"]  # your timeline only
        second = app.collect(config, store, app.CollectOptions(only_due=False))
    assert sum(o.new_interactions for o in second.outcomes) == 1
    assert len(requests_to(httpserver, "/2/users/by/username/wongmjane")) == 1  # one lookup


def test_mentions_are_polled_with_since_id_and_every_post_is_metered(httpserver) -> None:
    serve_mentions(httpserver)
    x = collector(x_config(httpserver, read_unit="usd", monthly_budget_usd=5.0))
    source = Source(5, "x", "inbound", "wongmjane", state={"note": "skipped before"})
    result = x.collect(source)
    assert [i.kind for i in result.interactions] == ["reply"]
    assert "note" not in result.state  # polled: the old note goes
    assert result.state["user_id"] == JANE_ID and result.state["since_id"]
    assert len(result.metered_ids) == 1 + len(recorded("get_users_mentions")["body"]["data"])
    # a mention is someone else's post: X's post price, plus the one user lookup
    assert result.reads == len(result.metered_ids) * 5_000 + 10_000
    again = x.collect(Source(5, "x", "inbound", "wongmjane", state=result.state))
    last = requests_to(httpserver, f"/2/users/{JANE_ID}/mentions")[-2]
    assert last.args["since_id"] == result.state["since_id"] and again.reads >= 5_000


def test_the_budget_skips_mentions_it_cannot_pay_for_and_status_says_so(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    serve_mentions(httpserver)
    document = {
        "x": {
            "username": "wongmjane",
            "base_url": httpserver.url_for("/").rstrip("/"),
            "monthly_budget_usd": 0.01,
        },
        "blog": {"enabled": False},
        "bluesky": {"enabled": False},
        "mastodon": {"enabled": False},
    }  # one cent: less than the smallest page of mentions (5 posts at half a cent)
    config = parse_config(document, path=None, env={"LISTEN_X_BEARER_TOKEN": TOKEN})
    with Store.open(tmp_path / "l.db") as store:
        app.sync_contacts(config, store)  # an earlier run found your user id
        (yours,) = store.sources(kinds=["self"])
        found = CollectResult(state={"user_id": JANE_ID})
        store.save_result(yours, found, now=datetime.now(UTC), next_poll_at=datetime.now(UTC))
        app.collect(config, store)
        assert requests_to(httpserver, f"/2/users/{JANE_ID}/mentions") == []
        report = app.status_report(config, store)
    (mentions,) = [s for s in report.sources if s.kind == "inbound"]
    assert mentions.note and mentions.note.startswith("mentions skipped: the X budget cannot pay")
