"""A generated user history in a real Store: the user always replies to one contact (Zoe)
and to one topic (beekeeping), and lets everything else shown in the digest go by."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from listen.store import Store
from listen.types import CollectResult, Engagement, Post
from tests.helpers import sql

START = datetime(2026, 1, 1, 8, tzinfo=UTC)

BEEKEEPING = [
    "Checked the hives this morning: the colony is calm and the queen is laying well.",
    "Harvested {n} jars of honey from the orchard hive today.",
    "Varroa mite count after the sugar roll: {n}. Treating the hives this weekend.",
    "Built a new top-bar hive from reclaimed cedar for the spring bees.",
    "Caught a swarm in the apple tree and rehoused the bees in a nuc box.",
    "Rolled beeswax candles from this season's cappings. The hive smell is the best.",
]
GENERIC = [
    "Anyone know a good CI runner for a small team? Looking for recommendations.",
    "A free guide to threat modelling, bookmark it https://example.com/{n}",
    "We just launched our new scheduler! Feedback welcome https://example.com/{n}",
    "Can someone recommend a book on negotiation? Suggestions welcome.",
    "Slides from my talk on data contracts are up: https://example.com/{n}",
    "New blog post: lessons learned from two years of on-call https://example.com/{n}",
]


@dataclass
class History:
    store: Store
    data_dir: Path
    last_post_at: datetime
    contact_ids: dict[str, int]


def fill(template: str, rng: random.Random) -> str:
    return template.format(n=rng.randrange(2, 99))


def add_posts(
    store: Store,
    contact_ids: dict[str, int],
    day: int,
    specs: list[tuple[str, str, bool]],
    *,
    start: datetime = START,
    engaged_kind: str = "reply",
) -> list[str]:
    """Store posts (contact, text, engaged?) for one day; engaged ones get a reply, the rest
    are shown in a digest."""
    sources = {s.contact_id: s for s in store.sources()}
    ids = []
    for i, (name, text, engaged) in enumerate(specs):
        created = start + timedelta(days=day, hours=2 * i)
        post_id = f"at://{name}/post/{day}-{i}"
        post = Post(
            id=post_id, platform="bluesky", author_handle=name, text=text, created_at=created
        )
        engagements = (
            (
                Engagement(
                    id=f"e:{post_id}",
                    post_id=post_id,
                    platform="bluesky",
                    kind=engaged_kind,
                    engaged_at=created + timedelta(hours=3),
                ),
            )
            if engaged
            else ()
        )
        collected = created + timedelta(minutes=30)
        store.save_result(
            sources[contact_ids[name]],
            CollectResult(posts=(post,), engagements=engagements),
            now=collected,
            next_poll_at=collected + timedelta(hours=1),
        )
        if not engaged:
            sql(
                store,
                "INSERT INTO digest_items (post_id, shown_at, section, rank) VALUES (?, ?, ?, ?)",
                (post_id, (created + timedelta(hours=1)).isoformat(), "top", i),
            )
        ids.append(post_id)
    return ids


def make_contacts(store: Store) -> dict[str, int]:
    ids = {}
    for name in ("zoe", "ann", "bob", "cat"):
        ids[name] = store.upsert_contact(
            name.title(), priority=2, identities=[("bluesky", f"{name}.example.com")]
        )
    store.sync_sources({}, ["bluesky"])
    return ids


def generate_history(store: Store, days: int = 40, seed: int = 3) -> datetime:
    """Four posts a day: Zoe (always answered), and others, answered only about bees."""
    rng = random.Random(seed)
    contact_ids = make_contacts(store)
    for day in range(days):
        specs = [("zoe", fill(rng.choice(GENERIC), rng), True)]
        for name in ("ann", "bob", "cat"):
            if rng.random() < 0.3:
                specs.append((name, fill(rng.choice(BEEKEEPING), rng), True))
            else:
                specs.append((name, fill(rng.choice(GENERIC), rng), False))
        add_posts(store, contact_ids, day, specs)
    return START + timedelta(days=days)
