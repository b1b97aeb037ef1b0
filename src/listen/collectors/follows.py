"""Whom an account follows (or who is on a list), one page at a time, on each platform.

A follows collector answers one page per call and returns the cursor of the next, so the app
can store each page with its cursor in one transaction: an import killed between pages resumes
where it stopped, and nothing is added twice. Like the post collectors, these never touch the
database. Suspended and deleted accounts are counted (`skipped`) and left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from listen.collectors.base import instantiate
from listen.types import Profile

if TYPE_CHECKING:
    import httpx

    from listen.config import Config
    from listen.http import HttpSettings


@dataclass(frozen=True, slots=True)
class FollowsQuery:
    """What to list: the follows of `account`, or the members of list `list_id`."""

    platform: str
    account: str = ""
    list_id: str | None = None
    account_id: str | None = None  # the platform's id for `account`, once resolved
    expected_total: int | None = None  # how many it follows (or the list holds), when known

    @property
    def label(self) -> str:
        return f"list {self.list_id}" if self.list_id else self.account


@dataclass(frozen=True, slots=True)
class FollowsPage:
    """One page of followed accounts and where the next page starts (None: this was the last)."""

    profiles: tuple[Profile, ...]
    cursor: str | None
    account_id: str | None = None
    skipped: int = 0  # suspended or deleted accounts left out
    requests: int = 1
    expected_total: int | None = None  # following count, when the platform says


class FollowsCollector(Protocol):
    """Lists followed accounts page by page; raises `UnknownAccount` / `FollowsHidden` for bad
    input and `SourceError` for a failed request (the page can be asked for again)."""

    platform: str

    def resolve(self, query: FollowsQuery) -> tuple[FollowsQuery, int]:
        """The query with the account's id and follow count filled in, and requests spent;
        `UnknownAccount` when the handle does not resolve."""
        ...

    def page(self, query: FollowsQuery, cursor: str | None) -> FollowsPage: ...


# platform → "module:Class"; imported lazily (the atproto SDK and tweepy are slow to import).
FOLLOWS_REGISTRY: dict[str, str] = {
    "bluesky": "listen.collectors.bluesky_follows:BlueskyFollows",
    "mastodon": "listen.collectors.mastodon_follows:MastodonFollows",
    "x": "listen.collectors.x_follows:XFollows",
}


def make_follows_collector(
    platform: str, config: Config, client: httpx.Client, settings: HttpSettings
) -> FollowsCollector:
    """Instantiate the follows collector registered for `platform`."""
    collector: FollowsCollector = instantiate(FOLLOWS_REGISTRY[platform], config, client, settings)
    return collector
