"""Every route of the web app through Starlette's test client, on a real SQLite database."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from listen.store import Store
from listen.web import pages
from listen.web.server import SECURITY_HEADERS, create_app
from listen.web.settings import WebSettings
from tests.helpers import add_contact_posts, sql
from tests.web.conftest import ANN_REPLY, CY_MENTION, NOW, post

PAGES = ["/", "/posts?q=lighthouse", "/score", "/sources", "/contact?name=Ann"]


def mark(client: TestClient, settings: WebSettings, post: str, label: str, **extra: str):
    form = {"csrf": settings.csrf_secret, "post": post, "label": label, "next": "/", **extra}
    return client.post("/mark", data=form, follow_redirects=False)


def marks(db_path: Path) -> dict[str, str]:
    return dict(sql(db_path, "SELECT post_id, label FROM marks"))


def on_today(client: TestClient) -> set[str]:
    return set(re.findall(r'data-post="([^"]+)"', client.get("/").text))


# -- pages --------------------------------------------------------------------------------------


def test_today_shows_the_digest_with_buttons(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    for heading in ("Reply to these", "Worth sharing", "Going cold", "Yesterday", "Participation"):
        assert heading in page.text
    assert on_today(client) >= {"a1", "a2", "b1", "c1"}  # c1: Cy is going cold
    for text in ("Replied", "Shared", "Liked", "Skip", "Not relevant"):
        assert f">{text}</button>" in page.text
    assert "asks a question" in page.text  # the classifier's reason


def test_today_answers_at_once_while_its_digest_is_built(
    settings: WebSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first build over a large database takes seconds: the page says so, reloads itself,
    and shows the digest once it is there."""
    release = threading.Event()
    build = pages.today

    def slow_today(store: Store, settings: WebSettings) -> pages.TodayView:
        release.wait(30)
        return build(store, settings)

    monkeypatch.setattr(pages, "today", slow_today)
    quick = replace(settings, today_wait=0.05)
    with TestClient(create_app(quick), base_url="http://127.0.0.1:8150") as client:
        began = time.perf_counter()
        first = client.get("/")
        assert time.perf_counter() - began < 5
        assert first.status_code == 200 and "Reading today's digest" in first.text
        assert '<meta http-equiv="refresh" content="1">' in first.text
        assert "data-post" not in first.text
        release.set()
        for _ in range(300):
            page = client.get("/")
            if "Reply to these" in page.text:
                break
            time.sleep(0.05)
        assert "Which lighthouse should I visit first?" in page.text
        assert "http-equiv" not in page.text


def test_post_text_is_escaped_and_only_http_links_are_links(client: TestClient) -> None:
    page = client.get("/").text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "javascript:" not in page


def test_today_records_what_it_shows_once(client: TestClient, db_path: Path) -> None:
    client.get("/")
    first = sql(db_path, "SELECT count(*) FROM digest_items")[0][0]
    client.get("/")
    assert first > 0
    assert sql(db_path, "SELECT count(*) FROM digest_items")[0][0] == first


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_a_strict_csp_and_loads_nothing_from_elsewhere(
    client: TestClient, url: str
) -> None:
    page = client.get(url)
    assert page.status_code == 200
    for name, value in SECURITY_HEADERS.items():
        assert page.headers[name] == value
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    fetched = re.findall(r'<(?:script|link|img|iframe)[^>]*(?:src|href)="([^"]+)"', page.text)
    assert fetched and all(src.startswith("/static/") for src in fetched)
    assert " style=" not in page.text and "<script>" not in page.text  # CSP would block them


def test_static_files(client: TestClient) -> None:
    assert "addEventListener" in client.get("/static/app.js").text
    assert ":focus-visible" in client.get("/static/style.css").text


def section(page: str, heading_id: str) -> str:
    """The HTML of the <section> whose heading has `heading_id`."""
    found = re.search(rf'<section aria-labelledby="{heading_id}".*?</section>', page, re.S)
    assert found, heading_id
    return found.group()


def test_contact_page_tells_the_story(client: TestClient) -> None:
    """`app.contact_story` as a page: identities, priority, the next step, when each of you
    last reached the other, the months' sparkline, what is open, one timeline both ways."""
    page = client.get("/contact?name=Ann").text
    assert "ann.bsky.social" in section(page, "s-ids")
    assert '<option value="3" selected>' in page
    next_step = section(page, "s-next")  # her reply waits: answering it comes first
    assert '<span class="tag">answer</span>' in next_step
    assert '<a href="https://example.org/a3"' in next_step and "replied to you" in next_step
    assert 'id="last-out">9 d ago (22 May 2024)<' in page  # your comment on a0
    assert 'id="last-in">30 h ago (30 May 2024)<' in page  # her reply
    assert ">▁▁▁▁▁█</span>" in page and "oldest first: 0, 0, 0, 0, 0, 2" in page
    months = section(page, "s-touch")
    assert '<th scope="col">2023-12</th>' in months and months.count('<th scope="col">') == 7
    assert '<th scope="row">Them → you</th>' + "<td>0</td>" * 5 + "<td>1</td>" in months
    opened = section(page, "s-open")
    assert re.findall(r'data-post="([^"]+)"', opened) == ["a1", "a2"]
    assert opened.count(">Replied</button>") == 2 and "asks a question" in opened
    timeline = section(page, "s-timeline")
    said = re.findall(r'<li class="(\w+)">.*?<strong>([^<]+)</strong>', timeline, re.S)
    assert said == [
        ("theirs", "They posted"),
        ("theirs", "They posted"),
        ("in", "Them → you"),  # a3 is her reply: shown once, as that
        ("out", "You → them"),
        ("theirs", "They posted"),
    ]
    assert "The harbour one has the best view" in timeline


def test_contact_page_marks_an_opening_and_comes_back(
    client: TestClient, settings: WebSettings, db_path: Path
) -> None:
    done = mark(client, settings, "a1", "comment", next="/contact?name=Ann")
    assert done.headers["location"] == "/contact?name=Ann"
    opened = section(client.get("/contact?name=Ann").text, "s-open")
    assert re.findall(r'data-post="([^"]+)"', opened) == ["a2"]
    assert marks(db_path) == {"a1": "comment"}


def test_contact_page_folds_an_older_timeline(client: TestClient, db_path: Path) -> None:
    posts = [post(f"e{n}", "blog", 24 * n, f"Note {n}") for n in range(1, 16)]
    with Store.open(db_path) as store:
        add_contact_posts(store, "Eve", "blog", "https://eve.example/feed", posts, now=NOW)
    timeline = section(client.get("/contact?name=Eve").text, "s-timeline")
    shown, older = timeline.split("<details>")
    assert shown.count("<li ") == 12 and "Note 1<" in shown and "Note 12<" in shown
    assert "<summary>3 older</summary>" in older and older.count("<li ") == 3


def test_contact_page_masks_a_feed_password(client: TestClient, db_path: Path) -> None:
    with Store.open(db_path) as store:
        store.upsert_contact("Dee", identities=[("blog", "https://dee:hunter2@dee.example/f")])
    page = client.get("/contact?name=Dee")
    assert page.status_code == 200 and "dee.example/f" in page.text
    assert "hunter2" not in page.text
    assert "Nothing yet between you." in page.text


def test_contact_priority_is_a_post_with_csrf(
    client: TestClient, settings: WebSettings, db_path: Path
) -> None:
    form = {"csrf": settings.csrf_secret, "name": "Ann", "priority": "1"}
    done = client.post("/contact/priority", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/contact?name=Ann"
    assert sql(db_path, "SELECT priority FROM contacts WHERE name = 'Ann'") == [(1,)]
    refused = client.post("/contact/priority", data={**form, "csrf": "x", "priority": "3"})
    assert refused.status_code == 403
    assert client.post("/contact/priority", data={**form, "priority": "9"}).status_code == 400
    assert sql(db_path, "SELECT priority FROM contacts WHERE name = 'Ann'") == [(1,)]


def test_unknown_contact_is_a_400_page(client: TestClient) -> None:
    page = client.get("/contact?name=Nobody")
    assert page.status_code == 400
    assert "no contact named &#39;Nobody&#39;" in page.text


def test_score_page_draws_components_and_the_12_week_trend(client: TestClient) -> None:
    client.get("/")  # the score needs a digest shown: Today records one
    page = client.get("/score").text
    assert page.count('<svg class="chart bars"') == page.count('<svg class="chart trend"') >= 1
    trend = re.search(r'<svg class="chart trend".*?</svg>', page, re.S)
    assert trend and trend.group().count('class="point"') == 12
    for component in ("response", "depth", "breadth", "consistency"):
        assert f'class="label">{component}</text>' in page
    assert "/ 25</text>" in page  # values written out: readable without colour


def test_score_page_has_the_people_line(client: TestClient, settings: WebSettings) -> None:
    """`app.people_score`: the circle this week against the goal, its 12 weeks as a chart
    with the goal line and as numbers, and the people you did good for."""
    people = section(client.get("/score").text, "p-people")
    assert "People: 2 / 50 this week" in people  # Ann's reply and Cy's mention, both in
    assert "(+1 against last week)" in people
    circle = re.search(r'<svg class="chart trend circle".*?</svg>', people, re.S)
    assert circle and circle.group().count('class="point"') == 12
    assert 'class="goal"' in circle.group() and ">goal 50</text>" in circle.group()
    weeks = re.findall(r"<tr><td>[^<]+</td><td>(\d+)</td></tr>", people)
    assert weeks == ["0"] * 9 + ["1", "1", "2"]  # Cy (a reply 20 days ago), Ann (9 days)
    assert "You did good for <strong>0</strong> people" in people
    assert "2 waiting for your answer" in people
    mark(client, settings, "a2", "share")  # sharing her post does her good
    people = section(client.get("/score").text, "p-people")
    assert "You did good for <strong>1</strong> person" in people
    assert "by week: 0 " in people and re.search(r", 1 <span class=\"muted\">\(to 31 May\)", people)


def test_sources_page_lists_failing_sources_first(client: TestClient, db_path: Path) -> None:
    with Store.open(db_path) as store:
        (source,) = [s for s in store.sources() if s.target == "https://bob.example/feed"]
        for _ in range(6):
            store.record_source_error(
                source, "HTTP 500 from bob.example", now=NOW, next_poll_at=NOW
            )
    page = client.get("/sources").text
    rows = re.findall(r"<tr( class=\"failing\")?>\s*<td>", page)
    assert rows[0] == ' class="failing"' and rows.count(' class="failing"') == 1
    assert "HTTP 500 from bob.example" in page


def test_search_with_filters(client: TestClient) -> None:
    found = client.get("/posts?q=lighthouse").text
    assert 'data-post="a1"' in found and 'data-post="b2"' in found
    only_blog = client.get("/posts?q=lighthouse&platform=blog").text
    assert 'data-post="b2"' in only_blog and 'data-post="a1"' not in only_blog
    by_contact = client.get("/posts?contact=Ann").text
    assert set(re.findall(r'data-post="([^"]+)"', by_contact)) == {"a0", "a1", "a2", "a3"}
    shares = client.get("/posts?action=share").text
    assert re.findall(r'data-post="([^"]+)"', shares) == ["a2"]


def test_search_input_is_never_syntax_and_bad_filters_say_why(client: TestClient) -> None:
    assert client.get('/posts?q=lighthouse" OR NEAR(*').status_code == 200
    assert client.get("/posts?platform=myspace").status_code == 400
    assert "no contact named" in client.get("/posts?contact=Zed").text


# -- marking ------------------------------------------------------------------------------------


def test_mark_without_javascript_redirects_and_the_post_leaves_today(
    client: TestClient, settings: WebSettings, db_path: Path
) -> None:
    assert "a1" in on_today(client)
    done = mark(client, settings, "a1", "comment")
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert marks(db_path) == {"a1": "comment"}
    assert sql(db_path, "SELECT kind FROM engagements WHERE post_id = 'a1'") == [("comment",)]
    assert "a1" not in on_today(client)


def talked(client: TestClient) -> dict[str, list[str]]:
    """The "They talked to you" cards on Today: each one's reference and its buttons."""
    cards = re.findall(
        r'<article class="card" data-post="([^"]*)">(.*?)</article>',
        section(client.get("/").text, "s-talked"),
        re.S,
    )
    return {ref: re.findall(r'name="label" value="(\w+)"', body) for ref, body in cards}


def test_they_talked_to_you_offers_only_the_answers_that_work(client: TestClient) -> None:
    """Ann's reply was collected as a post (its id); Cy's mention is known by its link only:
    liking, sharing, skipping it would have nothing to record, so neither shows them."""
    assert talked(client) == {CY_MENTION: ["comment", "done"], ANN_REPLY: ["comment", "done"]}


@pytest.mark.parametrize("ref", [ANN_REPLY, CY_MENTION], ids=["collected", "by its link"])
@pytest.mark.parametrize("label", ["comment", "done"])
def test_every_answer_button_clears_the_card(
    client: TestClient, settings: WebSettings, db_path: Path, ref: str, label: str
) -> None:
    done = mark(client, settings, ref, label)
    assert done.status_code == 303
    answered = sql(
        db_path,
        "SELECT answered_at FROM interactions WHERE their_post = ? OR url = ?",
        (ref, ref),
    )
    assert answered == [(NOW.isoformat(),)]
    assert ref not in talked(client) and len(talked(client)) == 1
    if ref == ANN_REPLY:  # a stored post: the mark is kept as well
        assert marks(db_path) == {ANN_REPLY: label}
    else:
        assert marks(db_path) == {}


def test_answering_by_link_from_script_answers_json(
    client: TestClient, settings: WebSettings
) -> None:
    form = {"csrf": settings.csrf_secret, "post": CY_MENTION, "label": "comment"}
    done = client.post("/mark", data=form, headers={"accept": "application/json"})
    assert done.json() == {"post": CY_MENTION, "label": "comment", "said": "Replied"}


def test_a_like_needs_a_stored_post(client: TestClient, settings: WebSettings) -> None:
    """Why the mention's card has no Liked button: there is no post to record it on."""
    refused = mark(client, settings, CY_MENTION, "like")
    assert refused.status_code == 400 and "no stored post" in refused.text
    assert CY_MENTION in talked(client)


def test_mark_from_script_answers_json(client: TestClient, settings: WebSettings) -> None:
    form = {"csrf": settings.csrf_secret, "post": "a2", "label": "share"}
    done = client.post("/mark", data=form, headers={"accept": "application/json"})
    assert done.json() == {"post": "a2", "label": "share", "said": "Shared"}


def test_not_relevant_records_an_irrelevant_mark(
    client: TestClient, settings: WebSettings, db_path: Path
) -> None:
    mark(client, settings, "b1", "irrelevant")
    assert marks(db_path) == {"b1": "irrelevant"}
    assert "b1" not in on_today(client)


@pytest.mark.parametrize(
    ("csrf", "headers"),
    [(None, {}), ("forged", {}), ("ok", {"origin": "http://evil.example"})],
    ids=["no token", "wrong token", "other origin"],
)
def test_marks_need_this_page_s_token_and_origin(
    client: TestClient, settings: WebSettings, db_path: Path, csrf: str | None, headers: dict
) -> None:
    form = {"post": "a1", "label": "comment"}
    if csrf is not None:
        form["csrf"] = settings.csrf_secret if csrf == "ok" else csrf
    refused = client.post("/mark", data=form, headers=headers)
    assert refused.status_code == 403
    assert marks(db_path) == {}


def test_marking_is_never_a_get(client: TestClient, db_path: Path) -> None:
    assert client.get("/mark?post=a1&label=comment").status_code == 405
    assert marks(db_path) == {}


def test_after_a_mark_only_local_paths(client: TestClient, settings: WebSettings) -> None:
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        done = mark(client, settings, "a2", "like", next=target)
        assert done.headers["location"] == "/"
    assert mark(client, settings, "a2", "like", next="/posts?q=x").headers["location"] == (
        "/posts?q=x"
    )


def test_bad_marks_are_400_pages(client: TestClient, settings: WebSettings) -> None:
    assert mark(client, settings, "a1", "love").status_code == 400
    missing = mark(client, settings, "nope", "comment")
    assert missing.status_code == 400 and "no stored post" in missing.text


def test_confirm_page_asks_and_only_the_post_records(
    client: TestClient, settings: WebSettings, db_path: Path
) -> None:
    page = client.get("/confirm?post=a1&action=comment")
    assert page.status_code == 200 and "Yes: Replied" in page.text
    assert marks(db_path) == {}  # a GET (a mail client's link preview) records nothing
    assert client.get("/confirm?post=a1&action=delete").status_code == 400
    mark(client, settings, "a1", "comment")
    assert marks(db_path) == {"a1": "comment"}


# -- access -------------------------------------------------------------------------------------


def test_a_loopback_server_refuses_other_host_names(settings: WebSettings) -> None:
    with TestClient(create_app(settings), base_url="http://attacker.example:8150") as other:
        assert other.get("/").status_code == 400  # DNS rebinding
    with TestClient(create_app(settings), base_url="http://localhost:8150") as local:
        assert local.get("/").status_code == 200


def test_off_loopback_the_token_comes_in_the_url_once_then_a_cookie(
    settings: WebSettings,
) -> None:
    guarded = replace(settings, host="0.0.0.0", token="t" * 43)
    with TestClient(create_app(guarded), base_url="http://192.0.2.1:8150") as browser:
        assert browser.get("/").status_code == 401
        assert browser.get("/?token=wrong").status_code == 401
        first = browser.get("/posts?q=tide&token=" + "t" * 43, follow_redirects=False)
        assert first.status_code == 303 and first.headers["location"] == "/posts?q=tide"
        cookie = first.headers["set-cookie"]
        assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
        assert browser.get("/posts?q=tide").status_code == 200  # the cookie now
    with TestClient(create_app(guarded), base_url="http://192.0.2.1:8150") as stranger:
        assert stranger.get("/sources").status_code == 401
