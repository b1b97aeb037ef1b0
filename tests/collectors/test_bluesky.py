"""The Bluesky collector against a loopback AppView/PDS replaying recorded atproto responses."""

from __future__ import annotations

import base64
import copy
import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from listen.cli import cli
from listen.collectors.bluesky import BlueskyCollector
from listen.collectors.bluesky_parse import parse_feed_item
from listen.config import Config, parse_config
from listen.errors import AuthError, RateLimited, SourceError
from listen.http import HttpSettings
from listen.store import Store
from listen.types import CollectResult, Source
from tests.collectors.bluesky_fixtures import (
    ALICE_DID,
    ALICE_HANDLE,
    FEED,
    LIST_RECORDS,
    MARSHAL_DID,
    MARSHAL_HANDLE,
    ME_DID,
    ME_HANDLE,
    RESOLVE,
    Atproto,
    like_record,
    marshal_feed,
    page1,
    page2,
    plain_post_record,
    quote_record,
    recorded,
    reply_record,
    repo_records,
    repost_record,
)
from tests.helpers import sql


@pytest.fixture
def atproto(httpserver: HTTPServer) -> Atproto:
    return Atproto(httpserver)


def bluesky_config(atproto: Atproto, **values: Any) -> Config:
    section = {
        "handle": ME_HANDLE,
        "base_url": atproto.url,
        "pds_url": atproto.url,
        "plc_url": atproto.url + "/plc",
        **values,
    }
    return parse_config({"bluesky": section}, path=None, env={})


def make_collector(atproto: Atproto, client: httpx.Client, settings: HttpSettings, **values: Any):
    return BlueskyCollector(bluesky_config(atproto, **values), client, settings)


def author(target: str, state: dict[str, Any] | None = None) -> Source:
    return Source(id=1, platform="bluesky", kind="author", target=target, state=state or {})


def me(state: dict[str, Any] | None = None) -> Source:
    return Source(id=2, platform="bluesky", kind="self", target=ME_HANDLE, state=state or {})


def seen_from(index: int) -> dict[str, Any]:
    """The state after a run that saw alice's recorded first page from item `index` on."""
    items = page1()["feed"][index:]
    return {
        "did": ALICE_DID,
        "seen": [item["post"]["uri"] for item in items],
        "newest_at": items[0]["post"]["indexedAt"],
    }


def uris(result: CollectResult) -> list[str]:
    return [post.id for post in result.posts]


# -- author feeds ---------------------------------------------------------------------------


def test_pagination_follows_cursors_and_keeps_each_post_once(atproto, client, settings) -> None:
    atproto.feeds[ALICE_DID] = [page1(), page2()]
    result = make_collector(atproto, client, settings).collect(author(ALICE_DID))
    first_page = [item["post"]["uri"] for item in page1()["feed"]]
    only_on_page2 = [
        item["post"]["uri"] for item in page2()["feed"] if item["post"]["uri"] not in first_page
    ]
    assert only_on_page2  # the recorded second page adds posts the first did not have
    assert uris(result) == first_page + only_on_page2
    cursors = [request.args.get("cursor") for request in atproto.requests(FEED)]
    assert cursors == [None, "page-1"]
    assert result.reads == 2
    assert result.bytes_received > 50_000


def test_max_pages_caps_the_requests(atproto, client, settings) -> None:
    atproto.feeds[ALICE_DID] = [page1(), page2()]
    result = make_collector(atproto, client, settings, max_pages=1).collect(author(ALICE_DID))
    assert len(atproto.requests(FEED)) == 1
    assert len(result.posts) == len(page1()["feed"])


def test_the_page_cap_leaves_a_gap_that_the_next_poll_fills(atproto, client, settings) -> None:
    """Issue 13, item 4: posts beyond `max_pages` since the last poll are read later, not lost."""
    atproto.feeds[ALICE_DID] = [page1(), page2()]
    collector = make_collector(atproto, client, settings, max_pages=1)
    before = {"did": ALICE_DID, "seen": ["at://gone/1"], "newest_at": "2001-01-01T00:00:00Z"}
    first = collector.collect(author(ALICE_DID, before))
    assert first.state["gaps"] == [{"newer_than": "2001-01-01T00:00:00Z", "resume_from": "page-1"}]
    second = collector.collect(author(ALICE_DID, first.state))
    first_page = [item["post"]["uri"] for item in page1()["feed"]]
    only_on_page2 = [
        item["post"]["uri"] for item in page2()["feed"] if item["post"]["uri"] not in first_page
    ]
    assert uris(first) == first_page
    assert uris(second) == only_on_page2
    assert "gaps" not in second.state
    assert [r.args.get("cursor") for r in atproto.requests(FEED)] == [None, None, "page-1"]


def test_a_cursor_that_repeats_stops_paging(httpserver: HTTPServer, client, settings) -> None:
    """The recorded pages carry the same cursor: following it again would loop."""
    atproto = Atproto(httpserver)

    def recorded_pages(request: Request) -> Response:
        body = page2() if request.args.get("cursor") else page1()
        return Response(json.dumps(body), content_type="application/json")

    httpserver.clear_all_handlers()
    httpserver.expect_request(FEED).respond_with_handler(recorded_pages)
    result = make_collector(atproto, client, settings).collect(author(ALICE_DID))
    assert page1()["cursor"] == page2()["cursor"]
    assert len(atproto.requests(FEED)) == 2
    assert len(result.posts) == 14


def test_a_routine_run_stops_at_the_posts_already_seen(atproto, client, settings) -> None:
    earlier = page1()
    earlier["feed"] = earlier["feed"][6:]  # the same feed before its six newest posts
    atproto.feeds[ALICE_DID] = [earlier]
    collector = make_collector(atproto, client, settings)
    first = collector.collect(author(ALICE_DID))
    assert len(first.posts) == 6

    atproto.feeds[ALICE_DID] = [page1(), page2()]
    second = collector.collect(author(ALICE_DID, first.state))
    newest_six = [item["post"]["uri"] for item in page1()["feed"][:6]]
    assert uris(second) == newest_six
    assert len(atproto.requests(FEED)) == 2  # one per run: page 2 was never asked for
    third = collector.collect(author(ALICE_DID, second.state))
    assert third.posts == ()
    assert len(atproto.requests(FEED)) == 3


def test_a_post_indexed_late_below_a_seen_one_is_still_collected(atproto, client, settings) -> None:
    """The feed is in creation order; a post indexed after the last run can sit below the
    newest post that run saw. The rest of the page is read, then paging stops."""
    feed = page1()["feed"]
    lagging = feed[1]["post"]["uri"]
    state = {
        "seen": [item["post"]["uri"] for item in feed if item["post"]["uri"] != lagging],
        "newest_at": feed[0]["post"]["indexedAt"],
    }
    atproto.feeds[ALICE_DID] = [page1(), page2()]
    result = make_collector(atproto, client, settings).collect(author(ALICE_DID, state))
    assert uris(result) == [lagging]
    assert len(atproto.requests(FEED)) == 1
    assert result.state["seen"][0] == lagging


def test_a_handle_is_resolved_once_and_the_did_kept(atproto, client, settings) -> None:
    resolved = recorded("atproto-sdk_resolve_handle.json")["did"]
    atproto.handles["bsky.app"] = resolved
    atproto.feeds[resolved] = [marshal_feed()]
    collector = make_collector(atproto, client, settings)
    first = collector.collect(author("@bsky.app"))
    assert first.state["did"] == resolved
    assert [r.args["actor"] for r in atproto.requests(FEED)] == [resolved]
    collector.collect(author("bsky.app", first.state))
    assert len(atproto.requests(RESOLVE)) == 1
    assert [r.args["actor"] for r in atproto.requests(FEED)] == [resolved, resolved]


def test_an_unknown_handle_is_a_source_error(atproto, client, settings) -> None:
    with pytest.raises(SourceError, match="HTTP 400"):
        make_collector(atproto, client, settings).collect(author("nobody.test"))


def test_replies_quotes_and_reposts_are_kept_apart(atproto, client, settings) -> None:
    from atproto_client import models
    from atproto_client.models.utils import get_model_as_dict

    feed = page1()
    reply_item, quote_item = feed["feed"][8], feed["feed"][9]
    # A repost by alice of bob's (recorded) post, as the AppView shows it in alice's feed.
    bob_post = reply_item["reply"]["parent"]
    reason = models.AppBskyFeedDefs.ReasonRepost(
        by=models.AppBskyActorDefs.ProfileViewBasic(did=ALICE_DID, handle=ALICE_HANDLE),
        indexed_at="2024-11-18T09:00:00.000Z",
        uri=f"at://{ALICE_DID}/app.bsky.feed.repost/3lbrepostaaaa",
        cid=bob_post["cid"],
    )
    repost_item = {"post": bob_post, "reason": get_model_as_dict(reason)}
    atproto.feeds[ALICE_DID] = [{"feed": [repost_item, *feed["feed"]]}]
    result = make_collector(atproto, client, settings).collect(author(ALICE_DID))
    by_id = {post.id: post for post in result.posts}

    repost = by_id[f"at://{ALICE_DID}/app.bsky.feed.repost/3lbrepostaaaa"]
    assert (repost.raw_kind, repost.repost_of) == ("repost", bob_post["uri"])
    assert repost.author_handle == ALICE_HANDLE
    assert repost.url == "https://bsky.app/profile/bob.test/post/aabrhh2y7c3mi"

    reply = by_id[reply_item["post"]["uri"]]
    assert (reply.raw_kind, reply.reply_to, reply.quote_of) == ("reply", bob_post["uri"], None)
    assert reply.text == "thanks bob"

    quote = by_id[quote_item["post"]["uri"]]
    quoted = quote_item["post"]["record"]["embed"]["record"]["uri"]
    assert (quote.raw_kind, quote.quote_of, quote.reply_to) == ("quote", quoted, None)
    assert quote.metrics["likes"] == 2

    plain = by_id[feed["feed"][0]["post"]["uri"]]
    assert (plain.raw_kind, plain.reply_to, plain.quote_of, plain.repost_of) == (
        "post",
        None,
        None,
        None,
    )
    assert plain.url == "https://bsky.app/profile/alice.test/post/aabrhh2wmaqaa"
    assert plain.created_at is not None and plain.created_at.isoformat().startswith("2024-11-18")


def test_a_quote_with_media_names_the_quoted_post(atproto, client, settings) -> None:
    atproto.feeds[MARSHAL_DID] = [marshal_feed()]
    (post,) = make_collector(atproto, client, settings).collect(author(MARSHAL_DID)).posts
    assert post.raw_kind == "quote"
    assert post.quote_of == f"at://{MARSHAL_DID}/app.bsky.feed.post/3kahesw26il2z"
    assert post.url == "https://bsky.app/profile/test.marshal.dev/post/3kaheyt6vpc22"


def test_deleted_and_blocked_parents_and_quotes_do_not_lose_the_post(
    atproto, client, settings
) -> None:
    from atproto_client import models
    from atproto_client.models.utils import get_model_as_dict

    feed = page1()
    reply_item, quote_item = feed["feed"][8], feed["feed"][9]
    parent_uri = reply_item["reply"]["parent"]["uri"]
    root_uri = reply_item["reply"]["root"]["uri"]
    reply_item["reply"]["parent"] = get_model_as_dict(
        models.AppBskyFeedDefs.NotFoundPost(uri=parent_uri, not_found=True)
    )
    reply_item["reply"]["root"] = get_model_as_dict(
        models.AppBskyFeedDefs.BlockedPost(
            uri=root_uri,
            blocked=True,
            author=models.AppBskyFeedDefs.BlockedAuthor(did=ALICE_DID),
        )
    )
    quoted_uri = quote_item["post"]["embed"]["record"]["uri"]
    quote_item["post"]["embed"] = get_model_as_dict(
        models.AppBskyEmbedRecord.View(
            record=models.AppBskyEmbedRecord.ViewNotFound(uri=quoted_uri, not_found=True)
        )
    )
    atproto.feeds[ALICE_DID] = [{"feed": [reply_item, quote_item]}]
    reply, quote = make_collector(atproto, client, settings).collect(author(ALICE_DID)).posts
    assert (reply.raw_kind, reply.reply_to) == ("reply", parent_uri)
    assert (quote.raw_kind, quote.quote_of) == ("quote", quoted_uri)


def test_an_unreadable_item_is_skipped_not_the_page(atproto, client, settings) -> None:
    feed = page1()
    broken = {"post": {"uri": 42, "record": "nonsense"}}
    atproto.feeds[ALICE_DID] = [{"feed": [broken, *feed["feed"][:3], "not even an object"]}]
    result = make_collector(atproto, client, settings).collect(author(ALICE_DID))
    assert uris(result) == [item["post"]["uri"] for item in feed["feed"][:3]]
    assert parse_feed_item(broken) is None


@pytest.mark.parametrize(
    "body",
    [b'{"feed": [', b"<html>Bad gateway</html>", b'["feed"]', b'{"cursor": "x"}'],
)
def test_malformed_json_is_a_source_error(
    httpserver: HTTPServer, client, settings, body: bytes
) -> None:
    atproto = Atproto(httpserver)
    httpserver.clear_all_handlers()
    httpserver.expect_request(FEED).respond_with_data(body, content_type="application/json")
    with pytest.raises(SourceError, match="malformed"):
        make_collector(atproto, client, settings).collect(author(ALICE_DID))


def test_429_raises_rate_limited_with_the_reset_time(atproto, client, settings) -> None:
    reset = int(time.time()) + 120
    atproto.feed_failures[ALICE_DID] = Response(
        json.dumps({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}),
        status=429,
        headers={"ratelimit-limit": "3000", "ratelimit-remaining": "0", "ratelimit-reset": reset},
        content_type="application/json",
    )
    with pytest.raises(RateLimited) as caught:
        make_collector(atproto, client, settings).collect(author(ALICE_DID))
    assert caught.value.retry_after is not None
    assert 100 < caught.value.retry_after <= 120


def test_a_spent_budget_stops_before_the_next_page(httpserver: HTTPServer, client, settings):
    atproto = Atproto(httpserver)
    reset = int(time.time()) + 300

    def spent(request: Request) -> Response:
        body = page1()
        body["cursor"] = "page-1"
        return Response(
            json.dumps(body),
            content_type="application/json",
            headers={"ratelimit-remaining": "0", "ratelimit-reset": str(reset)},
        )

    httpserver.clear_all_handlers()
    httpserver.expect_request(FEED).respond_with_handler(spent)
    collector = make_collector(atproto, client, settings)
    with pytest.raises(RateLimited) as caught:
        collector.collect(author(ALICE_DID))
    assert caught.value.retry_after is not None and caught.value.retry_after > 250
    assert len(atproto.requests(FEED)) == 1
    # When no further page is needed the posts are kept and the next poll waits for the reset.
    result = collector.collect(author(ALICE_DID, seen_from(3)))
    assert len(result.posts) == 3
    assert result.next_poll_after is not None and result.next_poll_after > 250


# -- the user's own activity ----------------------------------------------------------------


def my_activity(atproto: Atproto) -> dict[str, str]:
    """The user replied to, quoted, reposted and liked alice's recorded posts."""
    posts = [item["post"] for item in page1()["feed"]]
    atproto.handles[ME_HANDLE] = ME_DID
    atproto.repos[(ME_DID, "app.bsky.feed.post")] = repo_records(
        ME_DID,
        "app.bsky.feed.post",
        [
            (40, reply_record(posts[0], "Great point, Alice", "2024-11-18T10:00:00.000Z")),
            (30, quote_record(posts[1], "Worth reading", "2024-11-18T09:00:00.000Z")),
            (20, plain_post_record("Just my own thought", "2024-11-18T08:00:00.000Z")),
        ],
    )
    atproto.repos[(ME_DID, "app.bsky.feed.repost")] = repo_records(
        ME_DID, "app.bsky.feed.repost", [(35, repost_record(posts[2], "2024-11-18T09:30:00Z"))]
    )
    atproto.repos[(ME_DID, "app.bsky.feed.like")] = repo_records(
        ME_DID,
        "app.bsky.feed.like",
        [
            (38, like_record(posts[3], "2024-11-18T09:45:00.000Z")),
            (37, like_record(posts[4], "2024-11-18T09:44:00.000Z")),
        ],
    )
    return {
        "reply": posts[0]["uri"],
        "quote": posts[1]["uri"],
        "repost": posts[2]["uri"],
        "like": posts[3]["uri"],
    }


def test_each_kind_of_engagement_is_detected(atproto, client, settings) -> None:
    targets = my_activity(atproto)
    result = make_collector(atproto, client, settings).collect(me())
    found = {(e.kind, e.post_id) for e in result.engagements}
    assert found == {(kind, uri) for kind, uri in targets.items()} | {
        ("like", page1()["feed"][4]["post"]["uri"])
    }
    reply = next(e for e in result.engagements if e.kind == "reply")
    assert reply.id.startswith(f"at://{ME_DID}/app.bsky.feed.post/")
    assert reply.text == "Great point, Alice"
    assert reply.url is not None and reply.url.startswith("https://bsky.app/profile/me.test/post/")
    assert reply.engaged_at is not None and reply.engaged_at.isoformat() == (
        "2024-11-18T10:00:00+00:00"
    )
    assert all(e.platform == "bluesky" and e.detected_by == "api" for e in result.engagements)
    assert len({e.id for e in result.engagements}) == len(result.engagements)
    collections = [r.args["collection"] for r in atproto.requests(LIST_RECORDS)]
    assert collections == ["app.bsky.feed.post", "app.bsky.feed.repost", "app.bsky.feed.like"]


def test_engagement_ids_are_stable_and_routine_runs_read_only_new_records(
    atproto, client, settings
) -> None:
    my_activity(atproto)
    collector = make_collector(atproto, client, settings, page_limit=2)
    first = collector.collect(me())
    reads_first = len(atproto.requests(LIST_RECORDS))
    assert reads_first == 4  # the three posts span two pages of two

    second = collector.collect(me(first.state))
    assert second.engagements == ()
    assert len(atproto.requests(LIST_RECORDS)) - reads_first == 3  # one page per collection

    posts = [item["post"] for item in page1()["feed"]]
    atproto.repos[(ME_DID, "app.bsky.feed.like")] = (
        repo_records(ME_DID, "app.bsky.feed.like", [(50, like_record(posts[5], "2024-11-19"))])
        + atproto.repos[(ME_DID, "app.bsky.feed.like")]
    )
    third = collector.collect(me(second.state))
    assert [(e.kind, e.post_id) for e in third.engagements] == [("like", posts[5]["uri"])]
    again = make_collector(atproto, client, settings).collect(me())
    assert {e.id for e in first.engagements} < {e.id for e in again.engagements}


def test_unreadable_records_are_skipped_and_a_malformed_listing_is_an_error(
    atproto, client, settings
) -> None:
    my_activity(atproto)
    likes = atproto.repos[(ME_DID, "app.bsky.feed.like")]
    likes.insert(1, {"uri": f"at://{ME_DID}/app.bsky.feed.like/3lbbrokenaaaa", "value": 7})
    likes.insert(0, {"uri": "not an at uri", "value": {}})
    result = make_collector(atproto, client, settings).collect(me())
    kinds = sorted(e.kind for e in result.engagements)
    assert kinds == ["like", "like", "quote", "reply", "repost"]

    atproto.repos[(ME_DID, "app.bsky.feed.repost")] = {"oops": 1}  # type: ignore[assignment]
    with pytest.raises(SourceError, match="malformed listRecords"):
        make_collector(atproto, client, settings).collect(me())


def test_replies_in_my_own_threads_are_not_participation(atproto, client, settings) -> None:
    atproto.handles[ME_HANDLE] = ME_DID
    own_post = {"uri": f"at://{ME_DID}/app.bsky.feed.post/3lbownpostaaa", "cid": "bafyreiabc"}
    atproto.repos[(ME_DID, "app.bsky.feed.post")] = repo_records(
        ME_DID, "app.bsky.feed.post", [(2, reply_record(own_post, "1/2 continued", "2024-11-18"))]
    )
    assert make_collector(atproto, client, settings).collect(me()).engagements == ()


def test_the_pds_is_found_in_the_did_document(atproto, client, settings) -> None:
    """The recorded describeRepo of test.marshal.dev carries its DID document."""
    described = recorded("atproto-sdk_did_doc.json")
    document = described["didDoc"]
    assert document["service"][0]["serviceEndpoint"].startswith("https://")
    document["service"][0]["serviceEndpoint"] = atproto.url + "/pds"  # the loopback PDS
    atproto.did_documents[MARSHAL_DID] = document
    atproto.handles[described["handle"]] = MARSHAL_DID
    own_like = recorded("atproto-sdk_like_record.json")  # a real like (of their own post)

    def pds(request: Request) -> Response:
        records = [own_like] if request.args["collection"] == "app.bsky.feed.like" else []
        return Response(json.dumps({"records": records}), content_type="application/json")

    atproto.server.expect_request("/pds/xrpc/com.atproto.repo.listRecords").respond_with_handler(
        pds
    )
    config = bluesky_config(atproto, pds_url="http://127.0.0.1:9/unused")
    source = Source(id=3, platform="bluesky", kind="self", target=described["handle"])
    result = BlueskyCollector(config, client, settings).collect(source)
    assert result.state["pds"] == atproto.url + "/pds"
    assert result.engagements == ()  # liking your own post is not participation
    assert len(atproto.requests("/pds/xrpc/com.atproto.repo.listRecords")) == 3
    assert result.state["newest_rkey:app.bsky.feed.like"] == "3k5u7c7j7a52v"


def test_without_a_did_document_the_configured_pds_is_used(atproto, client, settings) -> None:
    my_activity(atproto)
    result = make_collector(atproto, client, settings).collect(me())
    assert "pds" not in result.state
    assert len(atproto.requests(f"/plc/{ME_DID}")) == 1
    assert len(atproto.requests(LIST_RECORDS)) == 3


# -- end to end: `listen collect` with a real store ---------------------------------------


def write_bluesky_config(
    path: Path, atproto: Atproto, contacts: dict[str, str], interval_minutes: int = 60
) -> Path:
    lines = [
        "[collect]",
        f"interval_minutes = {interval_minutes}",
        "inbound = false",  # what people do with your posts: tests/collectors/test_bluesky_inbound
        "[bluesky]",
        f'handle = "{ME_HANDLE}"',
        f'base_url = "{atproto.url}"',
        f'pds_url = "{atproto.url}"',
        f'plc_url = "{atproto.url}/plc"',
        "page_limit = 12",
    ]
    for name, handle in contacts.items():
        lines += ["[[contacts]]", f'name = "{name}"', f'bluesky = "{handle}"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_collect(config: Path, db: Path) -> Result:
    return CliRunner().invoke(
        cli, ["--config", str(config), "--db", str(db), "collect", "--all"], env={}
    )


def engaged(db: Path) -> set[tuple[str, str, str | None]]:
    """(kind, post id, the engaged post's author) for every engagement; author None = unseen."""
    with Store.open(db) as store:
        rows = sql(
            store,
            "SELECT e.kind, e.post_id, p.author_handle FROM engagements e"
            " LEFT JOIN posts p ON p.id = e.post_id",
        )
    return {(kind, post_id, handle) for kind, post_id, handle in rows}


def serve_two_contacts_and_me(atproto: Atproto) -> dict[str, str]:
    atproto.handles.update({ALICE_HANDLE: ALICE_DID, MARSHAL_HANDLE: MARSHAL_DID})
    atproto.feeds[ALICE_DID] = [page1(), page2()]
    atproto.feeds[MARSHAL_DID] = [marshal_feed()]
    return my_activity(atproto)


def test_collect_stores_posts_once_and_matches_each_engagement(
    atproto: Atproto, tmp_path: Path
) -> None:
    targets = serve_two_contacts_and_me(atproto)
    contacts = {"Alice": ALICE_HANDLE, "Marshal": MARSHAL_HANDLE}
    config = write_bluesky_config(tmp_path / "config.toml", atproto, contacts)
    db = tmp_path / "listen.db"

    first = run_collect(config, db)
    assert first.exit_code == 0, first.output
    with Store.open(db) as store:
        assert store.count("posts") == 14 + 1
        assert store.count("engagements") == 5
        by_author = dict(
            sql(
                store,
                "SELECT c.name, count(*) FROM posts p JOIN contacts c ON c.id = p.contact_id"
                " GROUP BY c.name",
            )
        )
    assert by_author == {"Alice": 14, "Marshal": 1}
    with Store.open(db) as store:
        resolved = sql(store, "SELECT handle, resolved_id FROM identities ORDER BY handle")
    assert resolved == [(ALICE_HANDLE, ALICE_DID), (MARSHAL_HANDLE, MARSHAL_DID)]
    assert {(kind, post_id) for kind, post_id, _ in engaged(db)} >= set(targets.items())
    assert all(handle == ALICE_HANDLE for _, _, handle in engaged(db))
    feed_requests = len(atproto.requests(FEED))
    assert feed_requests == 3  # alice: two pages; marshal: one
    record_requests = len(atproto.requests(LIST_RECORDS))

    # A new post appears on alice's feed; the next run reads one page per source.
    newer = page1()
    fresh = copy.deepcopy(newer["feed"][0])
    fresh["post"]["uri"] = f"at://{ALICE_DID}/app.bsky.feed.post/3lbnewpostaaa"
    fresh["post"]["indexedAt"] = "2024-11-19T08:00:00.000Z"
    fresh["post"]["record"]["text"] = "a brand new post"
    newer["feed"].insert(0, fresh)
    atproto.feeds[ALICE_DID] = [newer, page2()]
    second = run_collect(config, db)
    assert second.exit_code == 0, second.output
    assert len(atproto.requests(FEED)) - feed_requests == 2
    assert len(atproto.requests(LIST_RECORDS)) - record_requests == 3
    assert len(atproto.requests(RESOLVE)) == 3  # each handle resolved once, in the first run
    with Store.open(db) as store:
        assert store.count("posts") == 16
        assert store.count("engagements") == 5
        assert sql(store, "SELECT text FROM posts WHERE id = ?", (fresh["post"]["uri"],))[0] == (
            "a brand new post",
        )


def test_an_engagement_seen_before_its_post_matches_once_the_post_arrives(
    atproto: Atproto, tmp_path: Path
) -> None:
    targets = serve_two_contacts_and_me(atproto)
    db = tmp_path / "listen.db"
    only_marshal = write_bluesky_config(tmp_path / "a.toml", atproto, {"Marshal": MARSHAL_HANDLE})
    assert run_collect(only_marshal, db).exit_code == 0
    before = engaged(db)
    assert ("like", targets["like"], None) in before  # stored, its post not collected yet
    assert all(handle is None for _, _, handle in before)

    with_alice = write_bluesky_config(
        tmp_path / "b.toml", atproto, {"Marshal": MARSHAL_HANDLE, "Alice": ALICE_HANDLE}
    )
    assert run_collect(with_alice, db).exit_code == 0
    after = engaged(db)
    assert {(kind, post_id) for kind, post_id, _ in after} == {
        (kind, post_id) for kind, post_id, _ in before
    }
    for kind, uri in targets.items():
        assert (kind, uri, ALICE_HANDLE) in after


def test_a_rate_limited_account_is_deferred_and_the_others_collected(
    atproto: Atproto, tmp_path: Path
) -> None:
    serve_two_contacts_and_me(atproto)
    reset = int(time.time()) + 600
    atproto.feed_failures[ALICE_DID] = Response(
        "{}", status=429, headers={"ratelimit-remaining": "0", "ratelimit-reset": str(reset)}
    )
    contacts = {"Alice": ALICE_HANDLE, "Marshal": MARSHAL_HANDLE}
    # A one-minute interval: the two-minute error backoff is shorter than the server's reset.
    config = write_bluesky_config(tmp_path / "config.toml", atproto, contacts, interval_minutes=1)
    db = tmp_path / "listen.db"
    result = run_collect(config, db)
    assert result.exit_code == 1  # one source failed
    assert "rate limited" in result.output
    with Store.open(db) as store:
        assert store.count("posts") == 1
        assert store.count("engagements") == 5
        rows = {row.target: row for row in store.source_rows()}
    alice = rows[ALICE_HANDLE]
    assert alice.error_count == 1 and "429" in (alice.last_error or "")
    deferred = datetime.fromisoformat(alice.next_poll_at or "").timestamp()
    assert reset - 60 <= deferred <= reset + 60
    assert rows[MARSHAL_HANDLE].error_count == 0


# -- optional login -------------------------------------------------------------------------


def fake_jwt(did: str) -> str:
    """An unsigned JWT of the shape a PDS issues; the SDK reads its expiry, never checks it."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    claims = {"scope": "com.atproto.appPass", "sub": did, "exp": int(time.time()) + 7200}
    return f"{part({'typ': 'at+jwt', 'alg': 'ES256K'})}.{part(claims)}.c2lnbmF0dXJl"


def with_password(atproto: Atproto, password: str) -> Config:
    section = {"handle": ME_HANDLE, "base_url": atproto.url, "pds_url": atproto.url}
    return parse_config(
        {"bluesky": section}, path=None, env={"LISTEN_BLUESKY_APP_PASSWORD": password}
    )


def test_with_an_app_password_feeds_are_read_through_the_users_pds(
    atproto, client, settings
) -> None:
    token = fake_jwt(ME_DID)
    document = recorded("atproto-sdk_did_doc.json")["didDoc"]
    document["service"][0]["serviceEndpoint"] = atproto.url + "/pds"
    logins: list[dict[str, Any]] = []

    def create_session(request: Request) -> Response:
        logins.append(json.loads(request.data))
        session = {"accessJwt": token, "refreshJwt": fake_jwt(ME_DID), "handle": ME_HANDLE}
        session |= {"did": ME_DID, "didDoc": document, "active": True}
        return Response(json.dumps(session), content_type="application/json")

    atproto.server.expect_request(
        "/xrpc/com.atproto.server.createSession", method="POST"
    ).respond_with_handler(create_session)
    atproto.server.expect_request("/pds/xrpc/app.bsky.feed.getAuthorFeed").respond_with_json(
        page1()
    )
    collector = BlueskyCollector(with_password(atproto, "app-pass-word"), client, settings)
    first = collector.collect(author(ALICE_DID, seen_from(2)))
    collector.collect(author(ALICE_DID, seen_from(0)))
    assert len(first.posts) == 2
    assert logins == [{"identifier": ME_HANDLE, "password": "app-pass-word"}]
    proxied = atproto.requests("/pds/xrpc/app.bsky.feed.getAuthorFeed")
    assert [r.headers["Authorization"] for r in proxied] == [f"Bearer {token}"] * 2
    assert atproto.requests(FEED) == []  # the public AppView was not used


def test_a_refused_login_fails_the_feeds_once_without_retrying(atproto, client, settings):
    atproto.server.expect_request("/xrpc/com.atproto.server.createSession").respond_with_json(
        {"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
        status=401,
    )
    atproto.feeds[ALICE_DID] = [page1()]
    collector = BlueskyCollector(with_password(atproto, "wrong"), client, settings)
    for _ in range(2):
        with pytest.raises(AuthError, match="LISTEN_BLUESKY_APP_PASSWORD"):
            collector.collect(author(ALICE_DID))
    assert len(atproto.requests("/xrpc/com.atproto.server.createSession")) == 1
    assert atproto.requests(FEED) == []
