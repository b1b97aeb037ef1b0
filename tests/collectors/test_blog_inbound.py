"""Comments on the user's own blog: the site's feed (found from its home page), each recent
post's comment feed, every comment the user did not write (recorded WordPress feed + the
comment feed in its shape, tests/data/feeds/)."""

from __future__ import annotations

from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from listen import app
from listen.collectors.blog import BlogCollector
from listen.config import Config, parse_config
from listen.store import Store
from listen.types import Source
from tests.helpers import read_data, sql

COMMENTS = read_data("feeds/wordpress_comments_rss2.xml")
POST_PATH = "/2019/08/06/minor-earthquake-3-5-mag-was-detected-near-aris-in-greece/"
RECORDED_ORIGIN = b"http://www.earthquakenewstoday.com"


def serve_blog(server: HTTPServer) -> None:
    """The recorded WordPress feed, its links moved to the loopback server; a home page that
    links to it (hand-made: one <link rel="alternate">); the post's comment feed, answering
    a repeat with 304 like WordPress does."""
    origin = server.url_for("").rstrip("/").encode()
    feed = read_data("feeds/feed-rs_rss_2.0_example_4.xml").replace(RECORDED_ORIGIN, origin)
    home = (
        b'<!doctype html><html><head><link rel="alternate" type="application/rss+xml"'
        b' href="/feed/"></head><body>my blog</body></html>'
    )

    def comments(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"c1"':
            return Response(status=304)
        return Response(COMMENTS, content_type="application/rss+xml", headers={"ETag": '"c1"'})

    server.expect_request("/").respond_with_data(home, content_type="text/html")
    server.expect_request("/feed/").respond_with_data(feed, content_type="application/rss+xml")
    server.expect_request(f"{POST_PATH}feed/").respond_with_handler(comments)


def config(server: HTTPServer, **me: object) -> Config:
    document = {
        "me": {"name": "Sam Writer", "comment_names": ["S. W."], "site": server.url_for("/"), **me},
        "collect": {"inbound_days": 36500},
    }  # the recorded post is from 2019
    return parse_config(document, path=None, env={})


def test_comments_by_others_on_my_posts_become_interactions(httpserver, client, settings) -> None:
    serve_blog(httpserver)
    collector = BlogCollector(config(httpserver), client, settings)
    source = Source(6, "blog", "inbound", httpserver.url_for("/"))
    result = collector.collect(source)
    (comment,) = result.interactions  # Sam Writer and S. W. are the user
    assert (comment.kind, comment.actor_name, comment.detected_by) == (
        "comment",
        "Maria Konstantinou",
        "comment-feed",
    )
    assert comment.our_post and comment.our_post.endswith(POST_PATH)
    assert comment.their_post == "http://www.earthquakenewstoday.com/?p=149732#comment-5120"
    assert result.state["feed_url"] == httpserver.url_for("/feed/")
    again = collector.collect(Source(6, "blog", "inbound", source.target, state=result.state))
    assert again.interactions == ()  # the comment feed answered 304


def test_a_commenter_joins_the_contact_of_that_name_and_waits_for_an_answer(
    httpserver, tmp_path: Path
) -> None:
    serve_blog(httpserver)
    cfg = config(httpserver)
    with Store.open(tmp_path / "l.db") as store:
        store.upsert_contact(
            "Maria Konstantinou", identities=[("blog", "https://maria.example/feed")]
        )
        app.collect(cfg, store, app.CollectOptions(platforms=("blog",)))
        rows = sql(
            store,
            "SELECT c.name, i.kind FROM interactions i JOIN contacts c ON c.id = i.contact_id",
        )
        assert rows == [("Maria Konstantinou", "comment")]
        (waiting,) = app.talked_to_you(cfg, store)
        assert waiting.kind == "comment" and waiting.contact == "Maria Konstantinou"
