#!/usr/bin/env python3
"""Generate the labelled seed set for the default engagement model (synthetic; docs/seed-set.md).

Posts are built from hand-written templates per category (a request for a recommendation, a new
role, a resource, a lunch photo...) filled from topic-specific vocabularies, spread over
platforms, contacts of each priority, histories and ages. Each category has a default label
from the guidelines in docs/seed-set.md; context (a neglected high-priority contact, a
low-priority contact's promo) adjusts it, and a small share of labels is flipped on purpose so
the model does not learn the templates as absolute rules. Deterministic for a given --seed.

    python scripts/make_seed_set.py --out src/listen/models/data/seed_posts.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

SCORED_AT = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)

TOPICS = {
    "python": {
        "tool": ["type checker", "task queue", "ORM", "test runner", "packaging tool", "profiler"],
        "thing": [
            "async generators",
            "typing.Protocol",
            "free-threaded CPython",
            "uv workspaces",
            "pytest fixtures",
            "dataclass slots",
        ],
        "field": "Python",
        "tag": "#python",
    },
    "rust": {
        "tool": [
            "async runtime",
            "web framework",
            "error-handling crate",
            "embedded HAL",
            "serialization crate",
        ],
        "thing": [
            "lifetimes",
            "the borrow checker",
            "trait objects",
            "const generics",
            "unsafe code review",
            "cargo workspaces",
        ],
        "field": "Rust",
        "tag": "#rustlang",
    },
    "ml": {
        "tool": [
            "vector database",
            "experiment tracker",
            "labelling tool",
            "eval harness",
            "feature store",
        ],
        "thing": [
            "retrieval evaluation",
            "small language models",
            "calibration",
            "data drift",
            "fine-tuning on a budget",
            "synthetic data",
        ],
        "field": "machine learning",
        "tag": "#machinelearning",
    },
    "product": {
        "tool": [
            "roadmapping tool",
            "user interview template",
            "analytics stack",
            "feedback board",
            "prioritisation framework",
        ],
        "thing": [
            "discovery interviews",
            "pricing pages",
            "onboarding funnels",
            "north-star metrics",
            "saying no to features",
        ],
        "field": "product management",
        "tag": "#productmanagement",
    },
    "design": {
        "tool": [
            "prototyping tool",
            "design system starter",
            "icon set",
            "colour contrast checker",
            "usability testing service",
        ],
        "thing": [
            "accessible forms",
            "design tokens",
            "empty states",
            "dark mode",
            "typography scales",
        ],
        "field": "design",
        "tag": "#ux",
    },
    "devops": {
        "tool": [
            "log aggregator",
            "CI runner",
            "secrets manager",
            "on-call scheduler",
            "load testing tool",
        ],
        "thing": [
            "incident reviews",
            "SLOs",
            "blue-green deploys",
            "Kubernetes upgrades",
            "cost dashboards",
        ],
        "field": "infrastructure",
        "tag": "#devops",
    },
    "security": {
        "tool": [
            "SBOM generator",
            "password manager for teams",
            "SAST scanner",
            "phishing simulator",
        ],
        "thing": [
            "supply-chain attacks",
            "passkeys",
            "threat modelling",
            "zero trust",
            "dependency pinning",
        ],
        "field": "security",
        "tag": "#infosec",
    },
    "data": {
        "tool": [
            "orchestrator",
            "data catalogue",
            "dbt alternative",
            "columnar file format",
            "reverse ETL tool",
        ],
        "thing": [
            "data contracts",
            "slowly changing dimensions",
            "DuckDB in production",
            "lakehouse table formats",
            "data quality checks",
        ],
        "field": "data engineering",
        "tag": "#dataengineering",
    },
    "marketing": {
        "tool": [
            "newsletter platform",
            "CRM for a small team",
            "SEO audit tool",
            "social scheduler",
        ],
        "thing": [
            "B2B content",
            "community-led growth",
            "case studies",
            "webinars that convert",
            "founder-led sales",
        ],
        "field": "marketing",
        "tag": "#marketing",
    },
    "climate": {
        "tool": ["carbon accounting tool", "grid data API", "LCA database"],
        "thing": [
            "heat pumps",
            "grid batteries",
            "embodied carbon",
            "climate finance",
            "EV charging",
        ],
        "field": "climate tech",
        "tag": "#climatetech",
    },
    "research": {
        "tool": ["reference manager", "LaTeX editor", "preprint server", "survey platform"],
        "thing": [
            "peer review",
            "open data",
            "replication studies",
            "grant writing",
            "research software",
        ],
        "field": "research",
        "tag": "#academia",
    },
    "writing": {
        "tool": ["writing app", "grammar checker", "static site generator", "note-taking app"],
        "thing": [
            "technical writing",
            "documentation",
            "newsletters",
            "editing",
            "writing every day",
        ],
        "field": "writing",
        "tag": "#writing",
    },
}

COMPANIES = [
    "Northwind",
    "Acme Labs",
    "Globex",
    "Initech",
    "Umbrella Health",
    "Hooli",
    "Stark Analytics",
    "Wayne Data",
    "Tyrell Systems",
    "Cyberdyne Cloud",
    "Vandelay",
    "Soylent Foods",
    "Pied Piper",
    "Monarch Energy",
    "Blue Sun",
    "Oscorp Research",
]
ROLES = [
    "Staff Engineer",
    "Head of Product",
    "Engineering Manager",
    "Senior Designer",
    "Principal Data Scientist",
    "Developer Advocate",
    "CTO",
    "Research Lead",
    "VP Marketing",
    "Security Architect",
    "Platform Lead",
    "Founding Engineer",
]
EVENTS = [
    "PyCon",
    "RustConf",
    "KubeCon",
    "NeurIPS",
    "a local meetup",
    "SREcon",
    "Config",
    "the product summit",
    "FOSDEM",
    "Web Summit",
]
PLACES = ["Lisbon", "Berlin", "the office", "Amsterdam", "home", "the train", "Toronto"]

# category → (default label, templates). Placeholders: {tool} {thing} {field} {tag} {company}
# {role} {event} {place} {n} {link}.
CATEGORIES: dict[str, tuple[str, list[str]]] = {
    "request": (
        "comment",
        [
            "Anyone know a good {tool} for a small team? Open to suggestions.",
            "Looking for recommendations: which {tool} do you actually like using?",
            "Can anyone recommend a solid intro to {thing}? Asking for a new teammate.",
            "We're choosing a {tool} this month. What would you use and why?",
            "Has anyone tried moving to a new {tool}? Any tips before we commit?",
            "Need advice: our {thing} setup is a mess. Who should I talk to?",
            "What do you recommend for {thing} in {field}? Books, talks, anything.",
            "Looking for a {tool} that doesn't cost a fortune. Suggestions welcome {tag}",
            "Does anyone have experience with {thing} at scale? Would love to compare notes.",
            "Quick poll: which {tool} does your team use? Need pointers for a migration.",
        ],
    ),
    "question": (
        "comment",
        [
            "Genuine question: is {thing} overrated in {field}, or am I missing something?",
            "How do you explain {thing} to someone new to {field}?",
            "What's the one thing you wish you had known about {thing} earlier?",
            "Curious how other teams handle {thing}. Thoughts?",
            "Is it just me or has {thing} become harder in the last year?",
            "Where do you draw the line with {thing}? Honest answers please.",
        ],
    ),
    "new_role": (
        "comment",
        [
            "Some personal news: I've joined {company} as {role}! Excited for what's next.",
            "Today is my first day at {company}. New role as {role}, new city, lots to learn.",
            "After six great years I'm starting a new chapter: {role} at {company}.",
            "Excited to share that I've been promoted to {role} at {company}.",
            "New job! I'm joining {company} to work on {thing}. Grateful to everyone who helped.",
            "I'm starting a new position as {role} at {company} next week.",
        ],
    ),
    "open_to_work": (
        "comment",
        [
            "I was laid off from {company} this week along with much of my team. I'm open to work "
            "in {field}: {role} roles, remote or {place}.",
            "Looking for my next role in {field}. If you hear of anything, I'd be grateful for an "
            "intro.",
            "Job search update: still looking for a new opportunity as {role}. Shares appreciated.",
            "Lost my job today. Taking a breath, then looking for a new role in {field}.",
        ],
    ),
    "anniversary": (
        "comment",
        [
            "{n} years at {company} today. Still learning something new every week.",
            "Our little {field} newsletter turns {n} this month. Thank you for reading!",
            "Celebrating {n} years of our {tool} project today. What a ride.",
            "Work anniversary: {n} years since I joined {company}. Grateful for this team.",
            "A milestone: our {field} community just passed {n} thousand members.",
        ],
    ),
    "launch": (
        "share",
        [
            "We just launched {company}'s new {tool}. Would love your feedback! {link}",
            "Introducing our open-source {tool} for {thing}. It's live today: {link}",
            "v{n}.0 is out! Big release for our {tool}, with better support for {thing}. {link}",
            "After a year of work, our {tool} is now available to everyone. {link}",
            "Announcing {company} {tool}: {thing} made simple. Launching on Product Hunt today.",
            "Shipped it! The {tool} we've been building for {thing} is live. {link}",
        ],
    ),
    "publication": (
        "share",
        [
            "New paper: what we learned about {thing} in {field}. Preprint here: {link}",
            "I wrote about {thing} and why most {field} teams get it wrong. {link}",
            "My new book on {thing} is out now! {link}",
            "Just published a long post on {thing}: numbers, mistakes and all. {link}",
            "Our paper on {thing} was accepted at {event}! Preprint: {link}",
            "New blog post: a practical look at {thing} for {field} teams. {link}",
            "Latest newsletter issue: {thing}, plus three links worth your time. {link}",
        ],
    ),
    "resource": (
        "share",
        [
            "A free guide to {thing} for {field} teams. Bookmark it. {link}",
            "Slides from my {event} talk on {thing} are up: {link}",
            "I put together a checklist for {thing}. Free to use and adapt. {link}",
            "The best tutorial on {thing} I've read this year: {link}",
            "How to choose a {tool}: a deep dive with benchmarks. {link}",
            "We open-sourced our {thing} templates. Take them: {link}",
            "A reading list on {thing}, from basics to advanced {tag} {link}",
            "Lessons learned from two years of {thing}, written up in one place: {link}",
            "Here's a cheat sheet for {thing} that saved our team hours. {link}",
            "New public dataset for {field} research on {thing}: {link}",
        ],
    ),
    "opinion": (
        "skip",
        [
            "Hot take: {thing} is mostly a people problem, not a tooling problem.",
            "Unpopular opinion: you don't need a {tool} until much later than you think.",
            "{thing} is the most underrated topic in {field} right now.",
            "Every year someone declares {thing} dead. Every year it isn't.",
            "The best {field} people I know are boring in the best way.",
            "Strong opinions, weakly held: {thing} beats everything else for small teams.",
        ],
    ),
    "event": (
        "skip",
        [
            "Great to see so many friendly faces at {event} this week.",
            "On my way to {event}! Say hi if you're around.",
            "Back from {event}. Tired, inspired, full of notes about {thing}.",
            "Day two at {event}. The hallway track is the best track.",
        ],
    ),
    "mundane": (
        "skip",
        [
            "Coffee number three. It's one of those days.",
            "Rainy morning in {place}. Perfect weather for deep work.",
            "Finally fixed the wifi at home. Small victories.",
            "Lunch at my desk again. Don't judge.",
            "The train is late again. Using the time to catch up on email.",
            "Weekend plans: no laptop, a long walk, a good book.",
            "Why does every meeting room have a broken HDMI cable?",
            "Good morning from {place}!",
            "Monday. Let's go.",
        ],
    ),
    "promo": (
        "skip",
        [
            "Last chance: 30% off our {tool} with code SAVE30. Ends Friday!",
            "Join our webinar on {thing} next Tuesday. Register now, seats are limited. {link}",
            "We're hiring! {company} is looking for a {role}. Apply here: {link}",
            "Sign up for our newsletter for weekly {field} tips. {link}",
            "Download our free whitepaper on {thing} (email required). {link}",
            "Book a demo of {company}'s {tool} today. {link}",
        ],
    ),
    "rant": (
        "skip",
        [
            "Spent the whole day fighting our {tool}. Never again.",
            "If one more vendor tells me their {tool} is 'AI-powered' I'm going to scream.",
            "Our {thing} broke in production again. Third time this month.",
            "Tired of {field} discourse that's all hype and no substance.",
        ],
    ),
    "reply_chatter": (
        "skip",
        [
            "@{handle} agreed, 100%.",
            "@{handle} ha, same here.",
            "@{handle} thanks!",
            "@{handle} this is the way.",
            "@{handle} fair point, hadn't thought of it like that.",
            "@{handle} lol",
        ],
    ),
    "link_dump": (
        "skip",
        [
            "{link}",
            "Interesting. {link}",
            "Saving this for later {link}",
            "via @{handle} {link}",
        ],
    ),
}

# Neutral body sentences that make blog articles and long LinkedIn posts article-length.
BODY = [
    "In this post I look at {thing} from the point of view of a small {field} team.",
    "We tried three different approaches over the last six months.",
    "The first one looked great on paper and fell apart as soon as real users arrived.",
    "Our {tool} choice mattered less than the habits around it.",
    "Most of the advice you read about {thing} assumes a budget nobody I know has.",
    "Here is what we measured, what surprised us, and what we would do differently.",
    "The numbers are small, so take them as a story rather than a benchmark.",
    "A lot of this came out of conversations at {event} last year.",
    "I have rewritten this section four times, which tells you something.",
    "None of this is new, but it is easy to forget when deadlines pile up.",
    "If you work in {field}, some of this will sound familiar.",
    "The short version: start simple, write things down, and revisit them every quarter.",
    "Thanks to everyone who read early drafts and pushed back on the weak parts.",
    "There is a longer discussion of {thing} in the appendix for those who want details.",
]

PLATFORM_WEIGHTS = {"bluesky": 3, "x": 3, "mastodon": 3, "linkedin": 2, "blog": 2}
HANDLES = ["alice", "bob", "carol", "dmitri", "esther", "farah", "gus", "hana", "ivo", "jules"]


def fill(template: str, topic: dict[str, object], rng: random.Random) -> str:
    values = {
        "tool": rng.choice(topic["tool"]),  # type: ignore[arg-type]
        "thing": rng.choice(topic["thing"]),  # type: ignore[arg-type]
        "field": topic["field"],
        "tag": topic["tag"] if rng.random() < 0.4 else "",
        "company": rng.choice(COMPANIES),
        "role": rng.choice(ROLES),
        "event": rng.choice(EVENTS),
        "place": rng.choice(PLACES),
        "n": rng.choice([2, 3, 5, 7, 10, 12, 15]),
        "handle": rng.choice(HANDLES),
        "link": f"https://{rng.choice(['example.com', 'example.org', 'blog.example.net'])}/"
        f"{rng.randrange(10_000, 99_999)}",
    }
    text = template.format(**values)
    return " ".join(text.split())


def blog_title(category: str, text: str) -> str:
    first = text.split(". ")[0].split(": ")[-1].rstrip(".!")
    return first[:80] if category != "mundane" else "Notes from the week"


def label_for(
    category: str, default: str, priority: int, days: float | None, rng: random.Random
) -> str:
    label = default
    neglected = priority == 3 and (days is None or days >= 21)
    if category in ("opinion", "event", "rant") and neglected and rng.random() < 0.6:
        label = "comment"  # reconnecting with someone important matters more than the post
    elif category == "opinion" and rng.random() < 0.2:
        label = "comment"
    elif category == "launch" and priority == 3 and rng.random() < 0.4:
        label = "comment"  # congratulate a close contact in person
    elif category == "publication" and rng.random() < 0.3:
        label = "comment"
    elif (
        priority == 1
        and category in ("launch", "resource", "publication", "question")
        and rng.random() < (0.35 if category == "question" else 0.3)
    ):
        label = "skip"  # a distant contact's news matters less
    if rng.random() < 0.06:  # guideline disagreements, on purpose
        label = rng.choice([x for x in ("comment", "share", "skip") if x != label])
    return label


def make_posts(count: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    platforms = [p for p, w in PLATFORM_WEIGHTS.items() for _ in range(w)]
    category_names = list(CATEGORIES)
    weights = [3, 2, 2, 1, 1, 2, 2, 3, 2, 1, 3, 2, 1, 2, 1]
    posts = []
    for i in range(count):
        category = rng.choices(category_names, weights=weights[: len(category_names)])[0]
        default, templates = CATEGORIES[category]
        topic_name = rng.choice(list(TOPICS))
        text = fill(rng.choice(templates), TOPICS[topic_name], rng)
        platform = rng.choice(platforms)
        if category == "reply_chatter" and platform == "blog":
            platform = "mastodon"
        title = None
        kind = "reply" if category == "reply_chatter" else "post"
        if platform == "blog":
            kind = "article"
            title = blog_title(category, text)
            body = [fill(b, TOPICS[topic_name], rng) for b in rng.sample(BODY, rng.randint(4, 12))]
            paragraphs = [text, *[" ".join(body[i : i + 3]) for i in range(0, len(body), 3)]]
            text = "\n\n".join(paragraphs)
        elif platform == "linkedin" and rng.random() < 0.5:
            body = [fill(b, TOPICS[topic_name], rng) for b in rng.sample(BODY, rng.randint(1, 4))]
            text = " ".join([text, *body, str(TOPICS[topic_name]["tag"])])
        priority = rng.choices([1, 2, 3], weights=[2, 5, 3])[0]
        days: float | None = None if rng.random() < 0.2 else round(rng.expovariate(1 / 15), 1)
        contact_posts = rng.randrange(0, 80)
        engaged = 0 if days is None else min(contact_posts, int(rng.expovariate(1 / 4)))
        age_hours = round(rng.expovariate(1 / 20), 1)
        created = SCORED_AT - timedelta(hours=age_hours)
        label = label_for(category, default, priority, days, rng)
        posts.append(
            {
                "id": f"seed-{i:04d}",
                "platform": platform,
                "kind": kind,
                "title": title,
                "text": text,
                "url": f"https://example.com/{platform}/{i}",
                "topic": topic_name,
                "category": category,
                "created_at": created.isoformat(),
                "scored_at": SCORED_AT.isoformat(),
                "contact_priority": priority,
                "last_engaged_at": (SCORED_AT - timedelta(days=days)).isoformat()
                if days is not None
                else None,
                "contact_posts": contact_posts,
                "contact_engaged_posts": engaged,
                "label": label,
            }
        )
    return posts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("src/listen/models/data/seed_posts.jsonl"))
    parser.add_argument("--count", type=int, default=900)
    parser.add_argument("--seed", type=int, default=20260115)
    args = parser.parse_args()
    posts = make_posts(args.count, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for post in posts:
            out.write(json.dumps(post, ensure_ascii=False, sort_keys=True) + "\n")
    counts: dict[str, int] = {}
    for post in posts:
        counts[str(post["label"])] = counts.get(str(post["label"]), 0) + 1
    print(f"wrote {len(posts)} posts to {args.out}: {counts}")


if __name__ == "__main__":
    main()
