"""`listen demo`'s steps that touch data: open its throw-away database, pick the digest's
'now' on recorded data, and take part in the top post."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from listen.store import Store

# The recorded demo data spans years (some items carry no real date): look back this far at most.
DEMO_MAX_LOOKBACK_DAYS = 3650


@dataclass(frozen=True, slots=True)
class DemoWindow:
    """When the demo's digest pretends it is, and how far back it looks."""

    now: datetime
    since: timedelta


def demo_window(store: Store) -> DemoWindow | None:
    """An hour after the newest recorded post, looking back to the oldest (capped); None when
    nothing was collected."""
    oldest, newest = store.post_time_range()
    if oldest is None or newest is None:
        return None
    now = newest + timedelta(hours=1)
    return DemoWindow(now, min(now - oldest, timedelta(days=DEMO_MAX_LOOKBACK_DAYS)))


def most_engaged_contact(store: Store) -> str | None:
    """The contact who did the most with the user's posts: whose story the demo tells."""
    counts: dict[str, int] = {}
    for fact in store.recent_interactions(limit=1000):
        if fact.contact:
            counts[fact.contact] = counts.get(fact.contact, 0) + 1
    return max(sorted(counts), key=lambda name: counts[name]) if counts else None
