"""Benchmark data grown from the real samples in tests/data/: feeds, posts, a large database.

Nothing here is a copy of one sample: every feed and post is recombined from the sentences,
titles and links of the recorded feeds and API responses (several languages, short social posts
and long articles, replies, links), with a seeded RNG so a run is reproducible.
"""

from __future__ import annotations

import html
import json
import os
import random
import re
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from listen.text import html_to_text
from listen.types import Post

# The recordings live in tests/data and in the demo's data (each kept once): read both.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.helpers import recordings

ROOT = Path(__file__).resolve().parent.parent
EPOCH = datetime(2026, 11, 1, tzinfo=UTC)
_SENTENCE = re.compile(r"(?<=[.!?。])\s+")


@dataclass
class Corpus:
    """Sentences, titles, short posts and links taken from the real samples."""

    titles: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    groups: list[list[str]] = field(default_factory=list)  # sentences per sample (one language)
    short_posts: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)


def load_corpus() -> Corpus:
    """Read every feed and JSON sample once and split it into reusable pieces."""
    import feedparser

    corpus = Corpus()
    for path in recordings("feeds"):
        if "illformed" in path.name:
            continue  # deliberately mis-declared encodings: their text is mojibake
        raw = path.read_bytes()
        if path.suffix == ".json":
            try:
                items = json.loads(raw).get("items", [])
            except ValueError:
                continue
            entries = [
                {
                    "title": i.get("title", ""),
                    "body": i.get("content_html") or i.get("content_text") or "",
                    "link": i.get("url", ""),
                }
                for i in items
            ]
        else:
            parsed = feedparser.parse(raw, sanitize_html=False, resolve_relative_uris=False)
            entries = []
            for e in parsed.entries:
                contents = e.get("content") or []
                body = contents[0].get("value", "") if contents else e.get("summary", "")
                entries.append(
                    {"title": e.get("title", ""), "body": body, "link": e.get("link", "")}
                )
                if e.get("author"):
                    corpus.authors.append(e["author"])
        group: list[str] = []
        for entry in entries:
            if entry["title"]:
                corpus.titles.append(html_to_text(entry["title"], 300))
            if entry["link"].startswith("http"):
                corpus.links.append(entry["link"])
            text = html_to_text(entry["body"], 50_000)
            for paragraph in text.split("\n"):
                group.extend(s for s in _SENTENCE.split(paragraph) if len(s) > 20)
        if group:
            corpus.groups.append(sorted(set(group)))
            corpus.sentences.extend(group)
    for folder in ("bluesky", "mastodon", "twitter"):
        for path in recordings(folder, "*.json"):
            for key, value in _walk(json.loads(path.read_text(encoding="utf-8"))):
                if key in ("text", "content") and isinstance(value, str) and len(value) > 3:
                    corpus.short_posts.append(html_to_text(value, 1000))
                elif (
                    key in ("displayName", "display_name", "name")
                    and isinstance(value, str)
                    and 2 < len(value) < 40
                ):
                    corpus.authors.append(value)
    corpus.titles = sorted(set(filter(None, corpus.titles)))
    corpus.sentences = sorted(set(corpus.sentences))
    corpus.short_posts = sorted(set(filter(None, corpus.short_posts)))
    corpus.links = sorted(set(corpus.links))
    corpus.authors = sorted(set(corpus.authors))
    return corpus


def _walk(value: object) -> Iterator[tuple[str, object]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


class PostFactory:
    """Makes varied posts: social posts (some replies, some with links) and articles."""

    def __init__(self, corpus: Corpus, seed: int = 1) -> None:
        self.corpus = corpus
        self.rng = random.Random(seed)
        self._recent_ids: list[str] = []

    def title(self) -> str:
        rng = self.rng
        title = rng.choice(self.corpus.titles)
        if rng.random() < 0.5:
            words = rng.choice(self.corpus.sentences).split()[: rng.randint(2, 6)]
            title = f"{title}: {' '.join(words)}"
        return title[:200]

    def paragraphs(self, count: int) -> list[str]:
        """Paragraphs mostly in the voice (and language) of one sample, some mixed in."""
        rng = self.rng
        group = rng.choice(self.corpus.groups)
        return [
            " ".join(
                rng.choice(group if rng.random() < 0.85 else self.corpus.sentences)
                for _ in range(rng.randint(1, 5))
            )
            for _ in range(count)
        ]

    def link(self, n: int) -> str:
        base = self.rng.choice(self.corpus.links)
        return f"{base.rstrip('/')}/{n}-{self.rng.randrange(10**6)}"

    def article_html(self, n: int, full: bool) -> str:
        """An HTML body: a summary (1-2 paragraphs) or a full article (4-20) with markup."""
        rng = self.rng
        parts = []
        for i, paragraph in enumerate(
            self.paragraphs(rng.randint(4, 20) if full else rng.randint(1, 2))
        ):
            text = html.escape(paragraph)
            if rng.random() < 0.3:
                words = text.split(" ")
                k = rng.randrange(len(words))
                words[k] = f'<a href="{html.escape(self.link(n * 100 + i))}">{words[k]}</a>'
                text = " ".join(words)
            if rng.random() < 0.15:
                text = f"<strong>{text}</strong>"
            parts.append(f"<p>{text}</p>")
            if full and rng.random() < 0.1:
                parts.append(f'<figure><img src="{html.escape(self.link(n))}.png" alt=""></figure>')
            if full and rng.random() < 0.05:
                parts.append(
                    f"<pre><code>{html.escape(rng.choice(self.corpus.sentences))}</code></pre>"
                )
        return "\n".join(parts)

    def social_text(self, n: int) -> str:
        rng = self.rng
        text = rng.choice(self.corpus.short_posts)
        roll = rng.random()
        if roll < 0.4:
            text = f"{text} {rng.choice(self.corpus.sentences)}"
        elif roll < 0.5:
            text = " ".join(self.paragraphs(2))
        if rng.random() < 0.3:
            text = f"{text} {self.link(n)}"
        return text[:3000]

    def post(self, n: int, platform: str, moment: datetime) -> Post:
        """Post number `n`: an article for blogs, else a social post, ~20 % of them replies."""
        rng = self.rng
        if platform == "blog":
            post_id = self.link(n)
            post = Post(
                id=post_id,
                platform="blog",
                url=post_id,
                author_handle=rng.choice(self.corpus.authors),
                title=self.title(),
                text=html_to_text(self.article_html(n, full=rng.random() < 0.3)),
                created_at=moment,
                raw_kind="article",
            )
        else:
            post_id = f"{platform}:{n}:{rng.randrange(10**9)}"
            reply_to = (
                rng.choice(self._recent_ids) if self._recent_ids and rng.random() < 0.2 else None
            )
            post = Post(
                id=post_id,
                platform=platform,
                url=f"https://{platform}.example/p/{n}",
                author_handle=f"user{n % 997}.{platform}",
                text=self.social_text(n),
                created_at=moment,
                reply_to=reply_to,
                metrics={"likes": rng.randrange(200), "reposts": rng.randrange(40)}
                if rng.random() < 0.7
                else {},
                raw_kind="reply" if reply_to else "post",
            )
        self._recent_ids.append(post.id)
        if len(self._recent_ids) > 500:
            del self._recent_ids[:250]
        return post


PLATFORM_MIX = ("blog", "bluesky", "bluesky", "mastodon", "mastodon", "x", "x", "x")


def generate_posts(corpus: Corpus, count: int, seed: int = 1) -> list[Post]:
    """`count` posts over the last 30 days, mixed across platforms."""
    factory = PostFactory(corpus, seed)
    rng = factory.rng
    return [
        factory.post(
            n,
            rng.choice(PLATFORM_MIX),
            EPOCH - timedelta(seconds=rng.randrange(30 * 86400)),
        )
        for n in range(count)
    ]


# -- feeds --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratedFeed:
    name: str
    content_type: str
    body: bytes


def generate_feeds(corpus: Corpus, count: int, seed: int = 2) -> list[GeneratedFeed]:
    """`count` distinct feeds: RSS 2.0, Atom, JSON Feed and RSS 1.0; 10-30 items; some full-text."""
    factory = PostFactory(corpus, seed)
    rng = factory.rng
    feeds = []
    for i in range(count):
        full_text = rng.random() < 0.3
        authors = rng.sample(corpus.authors, rng.choice((1, 1, 1, 2, 3)))
        items = []
        for j in range(rng.randint(10, 30)):
            n = i * 1000 + j
            items.append(
                {
                    "title": factory.title(),
                    "link": factory.link(n),
                    "html": factory.article_html(n, full=full_text),
                    "date": EPOCH
                    - timedelta(hours=j * rng.randint(6, 72), minutes=rng.randrange(60)),
                    "author": rng.choice(authors),
                }
            )
        title = factory.title()
        home = factory.link(i)
        roll = rng.random()
        if roll < 0.55:
            feeds.append(
                GeneratedFeed(f"f{i}.xml", "application/rss+xml", _rss2(title, home, items, rng))
            )
        elif roll < 0.8:
            feeds.append(
                GeneratedFeed(f"f{i}.atom", "application/atom+xml", _atom(title, home, items))
            )
        elif roll < 0.92:
            feeds.append(
                GeneratedFeed(f"f{i}.json", "application/feed+json", _json_feed(title, home, items))
            )
        else:
            feeds.append(
                GeneratedFeed(f"f{i}.rdf", "application/rdf+xml", _rss1(title, home, items))
            )
    return feeds


def _rss2(title: str, home: str, items: list[dict], rng: random.Random) -> bytes:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wfw="http://wellformedweb.org/CommentAPI/">',
        f"<channel><title>{xml_escape(title)}</title><link>{xml_escape(home)}</link>",
        "<description>Generated from real samples</description>",
    ]
    for item in items:
        body = item["html"]
        out.append("<item>")
        out.append(
            f"<title>{xml_escape(item['title'])}</title><link>{xml_escape(item['link'])}</link>"
        )
        out.append(f'<guid isPermaLink="true">{xml_escape(item["link"])}</guid>')
        out.append(f"<pubDate>{format_datetime(item['date'])}</pubDate>")
        out.append(f"<dc:creator>{xml_escape(item['author'])}</dc:creator>")
        if rng.random() < 0.5:
            out.append(f"<description><![CDATA[{body}]]></description>")
        else:
            out.append(f"<description>{xml_escape(body[:300])}</description>")
            out.append(f"<content:encoded><![CDATA[{body}]]></content:encoded>")
        if rng.random() < 0.3:
            out.append(f"<wfw:commentRss>{xml_escape(item['link'])}/feed</wfw:commentRss>")
        out.append("</item>")
    out.append("</channel></rss>")
    return "\n".join(out).encode()


def _atom(title: str, home: str, items: list[dict]) -> bytes:
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{xml_escape(title)}</title><link href={_attr(home)}/><id>{xml_escape(home)}</id>",
        f"<updated>{items[0]['date'].isoformat()}</updated>",
    ]
    for item in items:
        out.append("<entry>")
        out.append(f'<title type="html">{xml_escape(item["title"])}</title>')
        out.append(
            f'<link rel="alternate" href={_attr(item["link"])}/><id>{xml_escape(item["link"])}</id>'
        )
        out.append(f"<published>{item['date'].isoformat()}</published>")
        out.append(f"<updated>{item['date'].isoformat()}</updated>")
        out.append(f"<author><name>{xml_escape(item['author'])}</name></author>")
        out.append(f'<content type="html">{xml_escape(item["html"])}</content>')
        out.append("</entry>")
    out.append("</feed>")
    return "\n".join(out).encode()


def _rss1(title: str, home: str, items: list[dict]) -> bytes:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
        f"<channel rdf:about={_attr(home)}><title>{xml_escape(title)}</title>",
        f"<link>{xml_escape(home)}</link>",
        "<description>Generated from real samples</description></channel>",
    ]
    for item in items:
        out.append(f"<item rdf:about={_attr(item['link'])}>")
        out.append(
            f"<title>{xml_escape(item['title'])}</title><link>{xml_escape(item['link'])}</link>"
        )
        out.append(
            f"<dc:date>{item['date'].isoformat()}</dc:date><dc:creator>{xml_escape(item['author'])}</dc:creator>"
        )
        out.append(f"<content:encoded><![CDATA[{item['html']}]]></content:encoded>")
        out.append("</item>")
    out.append("</rdf:RDF>")
    return "\n".join(out).encode()


def _json_feed(title: str, home: str, items: list[dict]) -> bytes:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "home_page_url": home,
        "items": [
            {
                "id": item["link"],
                "url": item["link"],
                "title": item["title"],
                "content_html": item["html"],
                "date_published": item["date"].isoformat(),
                "authors": [{"name": item["author"]}],
            }
            for item in items
        ],
    }
    return json.dumps(document, ensure_ascii=False).encode()


def _attr(value: str) -> str:
    return '"' + html.escape(value, quote=True) + '"'


# -- a large database ---------------------------------------------------------------------------


def build_large_db(
    path: Path,
    corpus: Corpus,
    *,
    posts: int,
    contacts: int,
    engagements: int,
    classified_days: float = 0,
    shown_days: int = 0,
    days: int = 365,
    engagement_days: int | None = None,
    seed: int = 3,
    interactions: int = 0,
) -> None:
    """A migrated listen database filled in bulk: one transaction, executemany per table.

    Posts span `days` days before EPOCH (a year: 1M posts from 5,000 contacts is about one
    post per contact every two days), numbered newest first but stored oldest first (rowids
    follow collection, as in a real database), generated from a pool of distinct texts
    (varied, not identical) so building a million rows stays fast; ids, dates, contacts and
    reply links are unique per row. Engagements are on posts spread over the whole span, or
    only on posts of the last `engagement_days` days (a heavy, recent history: far more of them
    fall in the digest's score windows). As a daily cron leaves it: posts of the last
    `classified_days` carry a classification, and each of the last `shown_days` days has ten
    posts shown in that day's digest.
    """
    from listen.store import Store

    with Store.open(path):
        pass  # create the schema with the real migrations
    rng = random.Random(seed)
    pool = generate_posts(corpus, min(posts, 5000), seed)
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")
    now = EPOCH.isoformat()
    conn.execute("BEGIN")
    # Secondary indexes are rebuilt once at the end (much faster than a million index updates).
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        " AND tbl_name IN ('posts', 'engagements', 'interactions')"
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    # The search index's triggers likewise: one rebuild of posts_fts at the end.
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'posts'"
    ).fetchall()
    for name, _ in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    conn.executemany(
        "INSERT INTO contacts (id, name, priority, notes, origin, created_at)"
        " VALUES (?, ?, ?, '', 'import', ?)",
        (
            (i, f"{rng.choice(corpus.authors)} #{i}", rng.choice((1, 2, 2, 3)), now)
            for i in range(1, contacts + 1)
        ),
    )
    platforms = ("blog", "bluesky", "x", "mastodon")
    conn.executemany(
        "INSERT INTO identities (id, contact_id, platform, handle) VALUES (?, ?, ?, ?)",
        ((i, i, platforms[i % 4], f"handle{i}.{platforms[i % 4]}") for i in range(1, contacts + 1)),
    )
    conn.executemany(
        "INSERT INTO sources (id, platform, kind, target, contact_id, identity_id, created_at,"
        " next_poll_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                i,
                platforms[i % 4],
                "feed" if i % 4 == 0 else "author",
                f"handle{i}.{platforms[i % 4]}",
                i,
                i,
                now,
                now,
            )
            for i in range(1, contacts + 1)
        ),
    )

    span = days * 86400
    metrics = [json.dumps(p.metrics) if p.metrics else None for p in pool]
    platform_offset = {name: i for i, name in enumerate(platforms)}

    def post_rows() -> Iterator[tuple[object, ...]]:
        # Oldest first, as collection stores them: rowids follow the time posts were collected.
        for n in reversed(range(posts)):
            p = pool[n % len(pool)]
            # contact (and source) i has an identity on platforms[i % 4]: keep posts on it
            contact = 4 * rng.randrange(1, contacts // 4) + platform_offset[p.platform]
            created = (EPOCH - timedelta(seconds=(n * span) // posts)).isoformat()
            older = n < posts - 1 and p.reply_to  # a reply to an older post
            reply_to = f"p{rng.randrange(n + 1, posts):07d}" if older else None
            yield (
                f"p{n:07d}",
                p.platform,
                contact,
                contact,
                p.author_handle,
                p.url,
                p.title,
                p.text,
                p.raw_kind,
                created,
                created,
                reply_to,
                None,
                None,
                None,
                metrics[n % len(pool)],
            )

    conn.executemany(
        "INSERT INTO posts (id, platform, contact_id, source_id, author_handle, url, title, text,"
        " kind, created_at, collected_at, reply_to, quote_of, repost_of, comment_feed_url, metrics)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        post_rows(),
    )
    kinds = ("like", "like", "like", "reply", "repost", "quote", "comment", "share")
    # posts are numbered newest first: the engaged ones are among the first `engaged_span`
    engaged_span = posts if engagement_days is None else min(posts, posts * engagement_days // days)

    def engagement_rows() -> Iterator[tuple[object, ...]]:
        for i in range(engagements):
            n = (i * 7919) % engaged_span
            posted = n * span // posts  # seconds before EPOCH
            # within two days after the post appeared (never after EPOCH)
            engaged = EPOCH - timedelta(seconds=posted - min(rng.randrange(2 * 86400), posted))
            yield (
                f"e{i}",
                f"p{n:07d}",
                pool[n % len(pool)].platform,
                kinds[i % len(kinds)],
                engaged.isoformat(),
                now,
            )

    conn.executemany(
        "INSERT INTO engagements (id, post_id, platform, kind, engaged_at, detected_by, url, text,"
        " recorded_at) VALUES (?, ?, ?, ?, ?, 'api', NULL, '', ?)",
        engagement_rows(),
    )
    recent = min(posts, int(posts * classified_days * 86400 / span))
    actions = ("skip", "skip", "skip", "like", "like", "comment", "share")
    conn.executemany(
        "INSERT INTO classifications (post_id, model_version, comment_probability,"
        " share_probability, action, reasons, scored_at) VALUES (?, 'bench', ?, ?, ?, ?, ?)",
        (
            (
                f"p{n:07d}",
                round(rng.random(), 3),
                round(rng.random() * 0.8, 3),
                rng.choice(actions),
                '["asks a question", "from a close contact"]',
                now,
            )
            for n in range(recent)
        ),
    )
    per_day = posts * 86400 // span
    conn.executemany(
        "INSERT INTO digest_items (post_id, shown_at, section, rank, action)"
        " VALUES (?, ?, ?, ?, ?)",
        (
            (
                f"p{(day * per_day + rank * 97) % posts:07d}",
                (EPOCH - timedelta(days=day, hours=-7)).isoformat(),
                "reply" if rank < 5 else "share",
                rank,
                "comment" if rank < 5 else "share",
            )
            for day in range(1, shown_days + 1)
            for rank in range(10)
        ),
    )
    if interactions:
        conn.execute(
            "UPDATE engagements SET contact_id = (SELECT p.contact_id FROM posts p"
            " WHERE p.id = engagements.post_id)"
        )
        conn.executemany(
            "INSERT INTO interactions (platform, direction, kind, dedupe_key, contact_id,"
            " actor_handle, actor_id, our_post, their_post, url, text, created_at, recorded_at,"
            " detected_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            interaction_rows(interactions, contacts, days, corpus, rng),
        )
    for _, sql in indexes:
        conn.execute(sql)
    if triggers:
        conn.execute("INSERT INTO posts_fts (posts_fts) VALUES ('rebuild')")
    for _, sql in triggers:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.close()
    # Written with synchronous=OFF: flush now, or the first fsync of whoever opens the database
    # next (a checkpoint when `listen digest` closes it) pays for writing the whole file.
    os.sync()


def interaction_rows(
    count: int, contacts: int, days: int, corpus: Corpus, rng: random.Random
) -> Iterator[tuple[object, ...]]:
    """People's interactions with the user over `days` days before EPOCH, newest first: four in
    five by contacts (each interaction on the platform of the contact's identity), the rest by
    people who are not contacts (a pool a tenth as large); likes most, then replies, reposts,
    mentions, quotes, follows; one in a hundred an introduction the user made."""
    platforms = ("blog", "bluesky", "x", "mastodon")
    kinds = ("like", "like", "like", "like", "reply", "reply", "repost", "mention", "quote")
    span = days * 86400
    for n in range(count):
        created = (EPOCH - timedelta(seconds=(n * span) // count)).isoformat()
        contact: int | None = rng.randrange(1, contacts + 1)
        if n % 5 == 4:
            contact = None
        stranger = rng.randrange(max(1, contacts // 10))
        platform = platforms[contact % 4] if contact else platforms[stranger % 4]
        handle = f"handle{contact}.{platform}" if contact else f"stranger{stranger}.{platform}"
        direction, kind = (
            ("out", "intro") if n % 100 == 99 and contact else ("in", rng.choice(kinds))
        )
        makes_post = kind in ("reply", "mention", "quote")
        their = f"i{n:07d}" if makes_post or kind == "intro" else None
        ours = f"mine{n % 2000:05d}" if kind != "mention" else None
        key = f"post:{their}" if makes_post else f"{kind}:{handle}:{ours or their}:{n}"
        text = rng.choice(corpus.short_posts) if makes_post else ""
        yield (
            platform,
            direction,
            kind,
            key,
            contact,
            handle,
            "",
            ours,
            their,
            f"https://example.org/{their or ours}",
            text,
            created,
            created,
            "manual" if kind == "intro" else "notification",
        )
