"""Comment feeds: the user's own comments on a contact's WordPress post become engagements."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from listen import app
from listen.collectors.comments import CommentFeedCollector, Me, find_my_comments
from listen.config import parse_config
from listen.errors import SourceError
from listen.http import HttpSettings, make_client
from listen.store import Store
from listen.types import Source
from tests.helpers import read_data, sql

DATA = Path(__file__).parent.parent / "data" / "feeds"
COMMENTS = (DATA / "wordpress_comments_rss2.xml").read_bytes()
ATOM_COMMENTS = (DATA / "wordpress_comments_atom.xml").read_bytes()  # hand-made, see README
POST_FEED = read_data("feeds/feed-rs_rss_2.0_example_4.xml")
ORIGIN = b"http://www.earthquakenewstoday.com"
POST_PATH = "/2019/08/06/minor-earthquake-3-5-mag-was-detected-near-aris-in-greece/"
POST_ID = "http://www.earthquakenewstoday.com" + POST_PATH


def me(names: tuple[str, ...] = ("Sam Writer",), site: str = "https://samwrites.example/") -> Me:
    config = parse_config(
        {"me": {"name": names[0] if names else "", "comment_names": list(names[1:]), "site": site}},
        path=None,
        env={},
    )
    return Me.from_config(config)


def test_finds_comments_by_name_and_by_a_link_to_my_site() -> None:
    found = find_my_comments(COMMENTS, "https://x/feed/", POST_ID, me())
    assert [(e.id, e.kind, e.detected_by, e.post_id) for e in found] == [
        (
            "comment-feed:http://www.earthquakenewstoday.com/?p=149732#comment-5121",
            "comment",
            "comment-feed",
            POST_ID,
        ),
        (
            "comment-feed:http://www.earthquakenewstoday.com/?p=149732#comment-5124",
            "comment",
            "comment-feed",
            POST_ID,
        ),
    ]
    assert found[0].engaged_at is not None and found[0].engaged_at.isoformat() == (
        "2019-08-06T08:15:31+00:00"
    )
    assert found[0].text.startswith("Thanks for the quick write-up.")
    assert found[0].url == POST_ID + "#comment-5121"


@pytest.mark.parametrize(
    ("names", "site", "expected"),
    [
        (("sam writer",), "", ["5121"]),  # case and spacing do not matter; no site: no link match
        (("Someone Else", "S. W."), "", ["5124"]),  # comment_names
        (("Nobody",), "https://samwrites.example/2019", ["5124"]),  # a path prefix of the site
        (("Nobody",), "https://samwrites.example.org/", []),  # another site
        (("Nobody",), "https://samwrites.example/20", []),  # not a path boundary
    ],
)
def test_matching_rules(names: tuple[str, ...], site: str, expected: list[str]) -> None:
    found = find_my_comments(COMMENTS, "https://x/feed/", POST_ID, me(names, site))
    assert [e.id.rsplit("-", 1)[1] for e in found] == expected


def test_atom_comment_feed_matches_the_commenters_site() -> None:
    """WordPress's Atom comment feed gives a commenter's site as <author><uri> (here the only
    link to the user's site): it goes through the same `parse_feed` as every feed."""
    found = find_my_comments(ATOM_COMMENTS, "https://x/feed/atom/", POST_ID, me(("Nobody",)))
    assert [(e.id, e.url) for e in found] == [
        (
            "comment-feed:http://www.earthquakenewstoday.com/?p=149732#comment-5124",
            POST_ID + "#comment-5124",
        )
    ]
    assert found[0].text == "The USGS has the data for this one too."
    assert found[0].engaged_at is not None
    assert found[0].engaged_at.isoformat() == "2019-08-07T09:12:44+00:00"
    by_name = find_my_comments(ATOM_COMMENTS, "https://x/feed/atom/", POST_ID, me(site=""))
    assert [e.id.rsplit("-", 1)[1] for e in by_name] == ["5121"]


def test_comment_feed_gets_the_same_refusals_as_any_feed() -> None:
    """One parser for every feed: a DOCTYPE declaring entities is refused here too."""
    declared = COMMENTS.replace(
        b"<rss version", b'<!DOCTYPE rss [<!ENTITY me "Sam Writer">]><rss version', 1
    )
    with pytest.raises(SourceError, match="declares XML entities"):
        find_my_comments(declared, "https://x/feed/", POST_ID, me())


def serve_with_etag(httpserver: HTTPServer, path: str, body: bytes, etag: str) -> list[str]:
    """Serve `body` with an ETag; answer 304 to a matching If-None-Match. Returns seen tags."""
    seen: list[str] = []

    def handler(request: Request) -> Response:
        tag = request.headers.get("If-None-Match", "")
        seen.append(tag)
        if tag == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(
            body, content_type="application/rss+xml; charset=UTF-8", headers={"ETag": etag}
        )

    httpserver.expect_request(path).respond_with_handler(handler)
    return seen


def test_collector_uses_conditional_get(httpserver: HTTPServer) -> None:
    seen = serve_with_etag(httpserver, "/feed/", COMMENTS, '"c1"')
    config = parse_config({"me": {"name": "Sam Writer"}}, path=None, env={})
    settings = HttpSettings(timeout_seconds=5)
    with make_client(settings) as client:
        collector = CommentFeedCollector(config, client, settings)
        source = Source(1, "blog", "comments", httpserver.url_for("/feed/"), post_id=POST_ID)
        first = collector.collect(source)
        assert [e.post_id for e in first.engagements] == [POST_ID]
        assert first.state["etag"] == '"c1"'
        again = collector.collect(
            Source(1, "blog", "comments", source.target, state=first.state, post_id=POST_ID)
        )
    assert again.not_modified and again.engagements == ()
    assert seen == ["", '"c1"']


def test_collect_registers_comment_feeds_and_records_my_comment(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    base = httpserver.url_for("").rstrip("/").encode()
    httpserver.expect_request("/feed/").respond_with_data(
        POST_FEED.replace(ORIGIN, base), content_type="application/rss+xml"
    )
    serve_with_etag(httpserver, POST_PATH + "feed/", COMMENTS.replace(ORIGIN, base), '"c1"')
    config = parse_config(
        {
            "me": {"name": "Sam Writer", "site": "https://samwrites.example"},
            "blog": {"comment_feed_days": 100_000},  # the recorded post is from 2019
            "collect": {"inbound": False},  # comments on your own blog: test_blog_inbound
            "contacts": [{"name": "Earthquake News", "blog": [httpserver.url_for("/feed/")]}],
        },
        path=None,
        env={},
    )
    with Store.open(tmp_path / "listen.db") as store:
        first = app.collect(config, store, app.CollectOptions(only_due=False))
        assert [o.new_posts for o in first.outcomes] == [1]
        second = app.collect(config, store, app.CollectOptions(only_due=False))
        comments = [o for o in second.outcomes if o.target.endswith(POST_PATH + "feed/")]
        assert [(o.new_engagements, o.error) for o in comments] == [(2, None)]
        rows = sql(
            store, "SELECT post_id, platform, kind, detected_by FROM engagements ORDER BY id"
        )
        post_id = base.decode() + POST_PATH
        assert rows == [(post_id, "blog", "comment", "comment-feed")] * 2
        third = app.collect(config, store, app.CollectOptions(only_due=False))
        unchanged = {o.target: o.not_modified for o in third.outcomes}
        # the comment feed answered 304 to its stored ETag; the post feed sends no validators
        assert unchanged == {
            httpserver.url_for("/feed/"): False,
            httpserver.url_for(POST_PATH + "feed/"): True,
        }


def test_old_posts_get_no_comment_source(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/feed/").respond_with_data(
        POST_FEED, content_type="application/rss+xml"
    )
    config = parse_config(
        {"contacts": [{"name": "Earthquake News", "blog": [httpserver.url_for("/feed/")]}]},
        path=None,
        env={},
    )
    with Store.open(tmp_path / "listen.db") as store:
        app.collect(config, store, app.CollectOptions(only_due=False))
        app.collect(config, store, app.CollectOptions(only_due=False))
        assert store.sources(kinds=["comments"]) == []
