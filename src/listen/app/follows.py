"""`listen contacts import --from bluesky|mastodon|x`: whom you follow becomes your contacts.

Page by page: each page's new contacts, profiles and the next cursor are stored in one
transaction, so an import stopped by a network error or `kill -9` resumes at the page it had
not finished, and a re-import adds nothing twice. X bills every user it returns: the import is
priced first, refused when the month's budget cannot pay for it, and needs a confirmation when
it takes more than a tenth of what is left.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from listen.app.collection import http_settings
from listen.app.people import (
    MergeDone,
    MergeSuggestion,
    merge_verified,
    planned_merges,
    resolve_people,
)
from listen.clock import utcnow
from listen.collectors.follows import FollowsCollector, FollowsPage, FollowsQuery
from listen.errors import InputError
from listen.people.identity import ProfileKey, Resolution
from listen.store import FollowImport, PersonIdentity, Store
from listen.types import Profile
from listen.x_pricing import XPrices, dollars

if TYPE_CHECKING:
    from listen.config import Config

FOLLOWS_PLATFORMS = ("bluesky", "mastodon", "x")
CONFIRM_SHARE = 0.10  # an X import costing more than this share of what is left asks first
_OWN_ACCOUNT = {"bluesky": "handle", "mastodon": "account", "x": "username"}


@dataclass(frozen=True, slots=True)
class ImportQuote:
    """What an X import will cost, shown before it starts."""

    follows: int
    cost: int  # micro-dollars
    left: int  # micro-dollars left this month
    budget: int

    @property
    def line(self) -> str:
        return (
            f"Importing {self.follows:,} X follows costs about {dollars(self.cost)} "
            f"({dollars(self.left)} left of this month's {dollars(self.budget)})."
        )


@dataclass(frozen=True, slots=True)
class FollowsImportReport:
    """What an import did (or, with `dry_run`, would do)."""

    platform: str
    account: str
    added: tuple[str, ...]
    already_known: int
    skipped: int
    pages: int
    requests: int
    resumed: bool
    dry_run: bool
    merges: tuple[MergeDone, ...] = ()
    suggestions: tuple[MergeSuggestion, ...] = ()
    quote: ImportQuote | None = None
    cancelled: bool = False
    spent: int = 0  # micro-dollars (X)
    notes: tuple[str, ...] = field(default_factory=tuple)


def own_account(config: Config, platform: str) -> str:
    """The user's configured account on `platform`, or an input error saying where to set it."""
    if platform not in FOLLOWS_PLATFORMS:
        raise InputError(f"--from takes bluesky, mastodon or x, not {platform!r}")
    key = _OWN_ACCOUNT[platform]
    value = str(getattr(getattr(config, platform), key)).strip()
    if not value:
        raise InputError(f"no {platform} account given: name one, or set [{platform}] {key}")
    return value


def _quote(config: Config, store: Store, query: FollowsQuery, done: int) -> ImportQuote | None:
    if query.platform != "x" or not config.x.in_dollars:
        return None
    from listen.app.x_budget import x_budget_status  # with the X collector: X imports only

    status = x_budget_status(config, store, utcnow())
    follows = max(0, (query.expected_total or 0) - done)
    return ImportQuote(follows, follows * status.prices.user_read, status.left, status.allowance)


def _check_quote(
    quote: ImportQuote | None, yes: bool, confirm: Callable[[ImportQuote], bool]
) -> bool:
    """False when the user declined; an input error when the budget cannot pay."""
    if quote is None:
        return True
    if quote.cost > quote.left:
        raise InputError(
            f"X import of {quote.follows:,} follows costs {dollars(quote.cost)}, more than the "
            f"{dollars(quote.left)} left of this month's budget ({dollars(quote.budget)}); "
            "raise x.monthly_budget_usd or wait for next month"
        )
    if yes or quote.cost <= CONFIRM_SHARE * quote.left:
        return True
    return confirm(quote)


def _charge_users(config: Config, store: Store, platform: str, users: int) -> int:
    """X bills each user it returns (lookups and follows pages)."""
    if platform != "x" or users <= 0 or not config.x.in_dollars:
        return 0
    from listen.budget import month_key  # pulls in the X collector: X imports only

    price = XPrices.from_config(config.x).user_read
    return store.charge_x_poll(month_key(utcnow()), users * price, (), 0, now=utcnow())


def import_follows(
    config: Config,
    store: Store,
    platform: str,
    account: str | None = None,
    *,
    list_id: str | None = None,
    dry_run: bool = False,
    yes: bool = False,
    confirm: Callable[[ImportQuote], bool] = lambda quote: False,
    on_page: Callable[[int, int | None], None] | None = None,
    collector: FollowsCollector | None = None,
) -> FollowsImportReport:
    """Import whom `account` (default: your own) follows, or the members of a list."""
    if platform not in FOLLOWS_PLATFORMS:
        raise InputError(f"--from takes bluesky, mastodon or x, not {platform!r}")
    needs_account = not list_id or platform == "mastodon"  # Mastodon lists live on your instance
    account = (account or "").strip() or (own_account(config, platform) if needs_account else "")
    source = collector or _collector(config, platform)
    query = FollowsQuery(platform, account, list_id)
    progress = None if dry_run else store.follow_import(platform, account, list_id)
    requests = spent = 0
    if progress is not None:
        query = FollowsQuery(
            platform, account, list_id, progress.account_id, progress.expected_total
        )
    else:
        query, requests = source.resolve(query)
        spent = _charge_users(config, store, platform, requests if not list_id else 0)
    quote = _quote(config, store, query, progress.imported if progress else 0)
    if not _check_quote(quote, yes, confirm):
        return FollowsImportReport(platform, account, (), 0, 0, 0, requests, False, dry_run,
                                   quote=quote, cancelled=True)  # fmt: skip
    if dry_run:
        return _dry_run(config, store, source, query, requests, quote)
    resumed = progress is not None
    if progress is None:
        progress = store.start_follow_import(
            platform, account, list_id, query.account_id, query.expected_total, now=utcnow()
        )
    walked = _walk_pages(config, store, source, query, progress, requests, quote, resumed, on_page)
    return dataclasses.replace(walked, spent=walked.spent + spent)


def _collector(config: Config, platform: str) -> FollowsCollector:
    # httpx and the collectors: only when an import runs
    from listen.collectors.follows import make_follows_collector
    from listen.http import make_client

    settings = http_settings(config)
    return make_follows_collector(platform, config, make_client(settings), settings)


def _walk_pages(
    config: Config,
    store: Store,
    source: FollowsCollector,
    query: FollowsQuery,
    progress: FollowImport,
    requests: int,
    quote: ImportQuote | None,
    resumed: bool,
    on_page: Callable[[int, int | None], None] | None,
) -> FollowsImportReport:
    added: list[str] = []
    known = 0
    spent = 0
    cursor = progress.cursor
    while not progress.finished:
        page = source.page(query, cursor)
        requests += page.requests
        spent += _charge_users(config, store, query.platform, len(page.profiles))
        progress, names = store.save_follows_page(
            progress, page.profiles, cursor=page.cursor, skipped=page.skipped, now=utcnow()
        )
        added += names
        known += len(page.profiles) - len(names)
        if on_page:
            on_page(progress.imported + known, query.expected_total)
        cursor = page.cursor
    merges, suggestions = merge_verified(store)
    return FollowsImportReport(
        query.platform, query.account or query.label, tuple(added), known, progress.skipped,
        progress.pages, requests, resumed, False, tuple(merges), tuple(suggestions), quote,
        spent=spent,
    )  # fmt: skip


def _dry_run(
    config: Config,
    store: Store,
    source: FollowsCollector,
    query: FollowsQuery,
    requests: int,
    quote: ImportQuote | None,
) -> FollowsImportReport:
    """Every page read, nothing stored: who would be added, and which contacts merged."""
    profiles: list[Profile] = []
    skipped = pages = 0
    cursor = None
    while True:
        page: FollowsPage = source.page(query, cursor)
        pages += 1
        requests += page.requests
        _charge_users(config, store, query.platform, len(page.profiles))
        profiles += page.profiles
        skipped += page.skipped
        if page.cursor is None:
            break
        cursor = page.cursor
    known = {(i.platform, i.handle.lower()) for i in store.people_identities()}
    new = [p for p in profiles if p.key not in known]
    resolution, owners = resolve_people(store, extra=new)
    merges = [
        MergeDone(keep.contact_name, other.contact_name, why)
        for keep, other, why in planned_merges(resolution, owners)
    ]
    merges += _new_joining_known(resolution, owners, new)
    names = tuple(p.display_name or p.handle for p in new)
    return FollowsImportReport(
        query.platform, query.account or query.label, names, len(profiles) - len(new), skipped,
        pages, requests, False, True, tuple(merges), (), quote,
    )  # fmt: skip


def _new_joining_known(
    resolution: Resolution, owners: dict[ProfileKey, PersonIdentity], new: list[Profile]
) -> list[MergeDone]:
    """New accounts verified evidence would put on an existing contact (dry run)."""
    person = resolution.person_of()
    found = []
    for profile in new:
        group = resolution.people[person[profile.key]]
        owner = next((owners[k] for k in group if k in owners), None)
        if owner is not None:
            name = profile.display_name or profile.handle
            found.append(MergeDone(owner.contact_name, name, "verified evidence"))
    return found
