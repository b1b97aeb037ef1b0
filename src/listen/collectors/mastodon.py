"""Mastodon collector: contacts' public statuses, and the user's own replies, boosts and likes.

Each account is read on its own instance (`user@instance`): the account id is looked up once and
kept in the source state, then `/api/v1/accounts/:id/statuses` is paged with `since_id` and the
`Link` headers. An instance that refuses the API (401/403/404) is read through its public RSS
feed instead. One slow or rate-limited instance never stalls the run: the first timeout opens
that instance's circuit for the rest of the run, and a rate limit defers its other sources.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from listen.backfill import Walk, load_gaps, read_with_gaps, save_gaps
from listen.clock import parse_iso, to_iso, utcnow
from listen.collectors.feeds import parse_feed
from listen.collectors.mastodon_inbound import MastodonInboundReader
from listen.collectors.mastodon_parse import (
    PLATFORM,
    Acct,
    favourite_engagement,
    is_newer,
    json_body,
    json_list,
    needs_reply_target,
    newest_id,
    own_status_engagements,
    parse_acct,
    parse_link_header,
    query_param,
    status_to_post,
)
from listen.errors import RateLimited, SourceError
from listen.http import Fetched, HttpSettings, fetch, retry_after_seconds
from listen.types import CollectResult, Engagement, Post, Source

if TYPE_CHECKING:
    import httpx

    from listen.config import Config

log = logging.getLogger(__name__)

API_REFUSED = {401, 403, 404}  # statuses endpoint closed to anonymous readers: use RSS
RSS_RETRY_API_AFTER = timedelta(hours=24)
MAX_PAGE_LIMIT = 40  # Mastodon serves at most 40 statuses a page, whatever `limit` asks
DEFAULT_RATE_LIMIT_WAIT = 300.0  # Mastodon's limits reset every 5 minutes
UNREACHABLE_REASONS = ("timed out", "cannot connect", "connection broken", "response too slow")
NO_TOKEN_NOTE = "skipped: set LISTEN_MASTODON_ACCESS_TOKEN to detect favourites"


class InstanceGuard:
    """What this run learned about each instance, shared by the worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down: dict[str, str] = {}
        self._limited_until: dict[str, float] = {}

    def check(self, instance: str, url: str) -> None:
        """Fail fast when the instance already timed out or asked us to wait."""
        with self._lock:
            down = self._down.get(instance)
            until = self._limited_until.get(instance, 0.0)
        if down:
            raise SourceError(url, f"skipped: {instance} is unreachable in this run ({down})")
        wait = until - time.monotonic()
        if wait > 0:
            raise RateLimited(url, f"skipped: {instance} is rate limited", retry_after=wait)

    def mark_down(self, instance: str, reason: str) -> None:
        with self._lock:
            self._down.setdefault(instance, reason)

    def mark_limited(self, instance: str, seconds: float) -> None:
        with self._lock:
            until = time.monotonic() + seconds
            self._limited_until[instance] = max(until, self._limited_until.get(instance, 0.0))


@dataclass
class _Poll:
    """Counters for one `collect` call (internal, mutable)."""

    reads: int = 0
    bytes_received: int = 0
    wait_seconds: float | None = None  # the instance's budget is spent: poll again after this


class MastodonCollector:
    """Polls one Mastodon account: a contact's (`author`) or the user's own (`self`)."""

    platform = PLATFORM

    def __init__(self, config: Config, client: httpx.Client, settings: HttpSettings) -> None:
        self.options = config.mastodon
        self.client = client
        self.settings = settings
        self.token = config.secret("mastodon_access_token")
        self.guard = InstanceGuard()
        self.home_instance = _instance_of(config.mastodon.account)
        self.page_limit = max(1, min(MAX_PAGE_LIMIT, self.options.page_limit))
        self.inbound_days = config.collect.inbound_days

    def collect(self, source: Source) -> CollectResult:
        acct = parse_acct(source.target)
        self.guard.check(acct.instance, source.target)
        if source.kind == "self":
            return self._collect_self(source, acct)
        if source.kind == "author":
            return self._collect_author(source, acct)
        if source.kind == "inbound":
            return self._collect_inbound(source, acct)
        raise SourceError(source.target, f"unknown Mastodon source kind {source.kind!r}")

    # -- a contact's statuses ----------------------------------------------------------------

    def _collect_author(self, source: Source, acct: Acct) -> CollectResult:
        poll = _Poll()
        state = dict(source.state)
        rss_until = parse_iso(state.get("rss_until"))
        if rss_until and rss_until > utcnow():
            return self._collect_rss(acct, state, poll)
        auth = self._may_send_token(acct)
        try:
            account_id = state.get("account_id") or self._lookup(acct, poll, auth=auth)
        except SourceError as exc:
            if exc.status in (401, 403):
                return self._collect_rss(acct, state, poll, f"lookup refused: {exc.reason}")
            raise
        state["account_id"] = account_id
        try:
            statuses, failure = self._statuses(acct, account_id, state, poll, auth=auth)
        except SourceError as exc:
            if exc.status in API_REFUSED:
                if exc.status == 404:
                    state.pop("account_id", None)  # moved or deleted: look it up again later
                return self._collect_rss(acct, state, poll, f"statuses refused: {exc.reason}")
            raise
        posts = _posts_with_reply_targets(statuses, acct.instance)
        for key in ("rss_until", "rss_reason", "etag", "last_modified"):
            state.pop(key, None)
        state["via"] = "api"
        return self._result(posts, (), state, poll, failure=failure)

    def _collect_rss(
        self, acct: Acct, state: dict[str, Any], poll: _Poll, refused: str | None = None
    ) -> CollectResult:
        """The public feed at https://instance/@user.rss, for instances that refuse the API.

        `refused` is why the API just said no: the API is then left alone for a day.
        """
        url = f"{self._base(acct)}/@{quote(acct.user)}.rss"
        response = self._get(
            acct,
            url,
            poll,
            accept="application/rss+xml, application/xml;q=0.9, */*;q=0.1",
            etag=state.get("etag"),
            last_modified=state.get("last_modified"),
        )
        for key, header in (("etag", "etag"), ("last_modified", "last-modified")):
            value = header_value(response, header)
            if value:
                state[key] = value
        if refused:
            log.info("mastodon %s: %s; reading the RSS feed", acct.address, refused)
            state["rss_until"] = to_iso(utcnow() + RSS_RETRY_API_AFTER)
            state["rss_reason"] = refused
        state["via"] = "rss"
        if response.not_modified:
            return self._result((), (), state, poll, not_modified=True)
        feed = parse_feed(response.content, response.url, header_value(response, "content-type"))
        posts = [
            Post(
                id=p.id,
                platform=PLATFORM,
                url=p.url,
                author_handle=acct.address.lower(),
                text=p.text,
                created_at=p.created_at,
                raw_kind="post",
            )
            for p in feed.posts
        ]
        return self._result(posts, (), state, poll)

    # -- what people do with the user's statuses ---------------------------------------------

    def _collect_inbound(self, source: Source, acct: Acct) -> CollectResult:
        """Notifications with the access token; the public listings of recent statuses without
        one, or when the instance refuses it (a note for `listen status` says so)."""
        poll = _Poll()
        state = dict(source.state)
        auth = self._may_send_token(acct)
        account_id = state.get("account_id") or self._lookup(acct, poll, auth=auth)
        state["account_id"] = account_id

        def get(url: str, params: dict[str, Any] | None, with_token: bool) -> Fetched:
            return self._get(acct, url, poll, params=params, auth=with_token and auth)

        reader = MastodonInboundReader(get, acct, self._base(acct), account_id, self.page_limit,
                                       self.options.max_pages, self.inbound_days)  # fmt: skip
        refused = None
        if auth:
            try:
                found = reader.notifications(state)
                state.update(via="notifications", note=None)
            except SourceError as exc:
                if exc.status not in (401, 403):
                    raise
                refused = exc.reason
        if not auth or refused is not None:
            found = reader.public(state)
            state["via"] = "public"
            state["note"] = (
                f"notifications refused ({refused}): reading public favourites, boosts and"
                " replies instead"
                if refused
                else None
            )
        clean = {key: value for key, value in state.items() if value is not None}
        result = self._result((), (), clean, poll)
        return replace(result, interactions=tuple(found))

    # -- the user's own activity -------------------------------------------------------------

    def _collect_self(self, source: Source, acct: Acct) -> CollectResult:
        poll = _Poll()
        state = dict(source.state)
        auth = self._may_send_token(acct)
        account_id = state.get("account_id") or self._lookup(acct, poll, auth=auth)
        state["account_id"] = account_id
        statuses, failure = self._statuses(acct, account_id, state, poll, auth=auth)
        engagements: list[Engagement] = []
        for status in statuses:
            target_id = needs_reply_target(status, account_id)
            target_uri = self._status_uri(acct, target_id, poll) if target_id else None
            engagements.extend(own_status_engagements(status, account_id, target_uri))
        if self.token and failure is None:
            engagements.extend(self._favourites(acct, state, poll))
        elif not self.token and state.get("likes") != NO_TOKEN_NOTE:
            log.warning(
                "mastodon %s: LISTEN_MASTODON_ACCESS_TOKEN is not set, so favourites"
                " (likes) are not detected",
                acct.address,
            )
            state["likes"] = NO_TOKEN_NOTE
        return self._result((), engagements, state, poll, failure=failure)

    def _status_uri(self, acct: Acct, status_id: str, poll: _Poll) -> str | None:
        """The ActivityPub uri of a status known on the user's instance by its local id."""
        url = f"{self._base(acct)}/api/v1/statuses/{quote(status_id)}"
        try:
            response = self._get(acct, url, poll, auth=self._may_send_token(acct))
        except SourceError as exc:
            if exc.status in API_REFUSED:  # deleted, or not visible to us
                log.info("mastodon: cannot see the status %s replied to: %s", status_id, exc)
                return None
            raise
        body = json_body(response.content, url)
        uri = body.get("uri") if isinstance(body, dict) else None
        return uri if isinstance(uri, str) and uri else None

    def _favourites(self, acct: Acct, state: dict[str, Any], poll: _Poll) -> list[Engagement]:
        """New favourites, paged forward with `min_id` from the `Link: rel="prev"` header.

        A first run reads the newest page only; a like's time is not in the API, so a first
        run dates likes by the liked status and later runs by when they were found.
        """
        base_min = state.get("favourites_min_id")
        url = f"{self._base(acct)}/api/v1/favourites"
        first: dict[str, Any] = {"limit": self.page_limit}
        if base_min:
            first["min_id"] = base_min
        params: dict[str, Any] | None = first
        found: list[Engagement] = []
        engaged_at = utcnow() if base_min else None
        for _ in range(max(1, self.options.max_pages)):
            try:
                response = self._get(
                    acct, url, poll, params=params, auth=self._may_send_token(acct)
                )
            except SourceError as exc:
                if exc.status in (401, 403):
                    log.warning("mastodon %s: favourites refused: %s", acct.address, exc.reason)
                    state["likes"] = f"skipped: the access token was refused ({exc.reason})"
                    return found
                raise
            state.pop("likes", None)
            items = json_list(response.content, url)
            for status in items:
                engagement = favourite_engagement(status, engaged_at)
                if engagement:
                    found.append(engagement)
            prev = parse_link_header(header_value(response, "link")).get("prev")
            newer = query_param(prev, "min_id") if prev else None
            if newer:
                state["favourites_min_id"] = newer
            if not base_min or not prev or len(items) < self.page_limit:
                break
            if poll.wait_seconds is not None or not same_origin(prev, self._base(acct)):
                break
            url, params = prev, None
        return found

    # -- shared API plumbing -----------------------------------------------------------------

    def _lookup(self, acct: Acct, poll: _Poll, *, auth: bool) -> str:
        """The account's id on its own instance."""
        url = f"{self._base(acct)}/api/v1/accounts/lookup"
        try:
            response = self._get(acct, url, poll, params={"acct": acct.user}, auth=auth)
        except SourceError as exc:
            if exc.status == 404:
                raise SourceError(
                    acct.address, f"no such account on {acct.instance}", status=404
                ) from None
            raise
        body = json_body(response.content, url)
        account_id = body.get("id") if isinstance(body, dict) else None
        if not isinstance(account_id, str) or not account_id:
            raise SourceError(url, "account lookup returned no id")
        return account_id

    def _statuses(
        self, acct: Acct, account_id: str, state: dict[str, Any], poll: _Poll, *, auth: bool
    ) -> tuple[list[dict[str, Any]], SourceError | None]:
        """Statuses newer than the state's `since_id`, then the gaps earlier polls left (page
        cap, a failed page), each at most `max_pages` pages; moves `since_id` and the gaps."""

        def pager(since_id: str | None, max_id: str | None, pages: int) -> Walk:
            return self._status_pages(acct, account_id, poll, since_id, max_id, pages, auth=auth)

        since_id = state.get("since_id")
        pages = max(1, self.options.max_pages)
        found, gaps = read_with_gaps(pager, since_id, load_gaps(state), pages)
        if found.newest:
            state["since_id"] = newest_id([found.newest], since_id)
        save_gaps(state, gaps)
        return found.items, found.error

    def _status_pages(
        self,
        acct: Acct,
        account_id: str,
        poll: _Poll,
        since_id: str | None,
        max_id: str | None,
        pages: int,
        *,
        auth: bool,
    ) -> Walk:
        """Statuses newer than `since_id` and older than `max_id`, newest first, following
        `Link: rel="next"`. A failed first page of new statuses raises (the caller may read the
        RSS feed instead); any other failed page ends the pass with what arrived."""
        base = self._base(acct)
        url = f"{base}/api/v1/accounts/{quote(account_id)}/statuses"
        bounds = {"since_id": since_id, "max_id": max_id}
        params: dict[str, Any] | None = {
            "limit": self.page_limit,
            **{key: value for key, value in bounds.items() if value},
        }
        walk = Walk()
        for page in range(pages):
            try:
                response = self._get(acct, url, poll, params=params, auth=auth)
            except SourceError as exc:
                if page == 0 and max_id is None:
                    raise
                log.warning("mastodon %s: stopped paging: %s", acct.address, exc)
                walk.error = exc
                break
            items = json_list(response.content, url)
            fresh = [s for s in items if is_newer(s.get("id"), since_id)]
            walk.items.extend(fresh)
            walk.pages += 1
            ids = [s["id"] for s in fresh if isinstance(s.get("id"), str)]
            walk.newest = newest_id(ids, walk.newest) if max_id is None else None
            walk.resume_from = _oldest_id(ids, walk.resume_from)
            next_url = parse_link_header(header_value(response, "link")).get("next")
            walk.complete = (
                not items
                or len(fresh) < len(items)  # reached what we already have
                or len(items) < self.page_limit
                or not next_url
                or not same_origin(next_url, base)
            )
            if walk.complete or not next_url or poll.wait_seconds is not None:
                break
            url, params = next_url, None
        return walk

    def _get(
        self,
        acct: Acct,
        url: str,
        poll: _Poll,
        *,
        params: dict[str, Any] | None = None,
        auth: bool = False,
        accept: str = "application/json",
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Fetched:
        """One GET on the account's instance, minding the instance's circuit and budget.

        `auth` must come from `_may_send_token`: the token only goes to the user's instance.
        """
        self.guard.check(acct.instance, url)
        headers = {"Accept": accept}
        if auth and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        poll.reads += 1
        try:
            response = fetch(
                self.client,
                url,
                self.settings,
                headers=headers,
                params=params,
                etag=etag,
                last_modified=last_modified,
            )
        except RateLimited as exc:
            wait = exc.retry_after or DEFAULT_RATE_LIMIT_WAIT
            self.guard.mark_limited(acct.instance, wait)
            poll.wait_seconds = wait
            raise
        except SourceError as exc:
            if is_unreachable(exc):
                self.guard.mark_down(acct.instance, exc.reason)
            raise
        poll.bytes_received += len(response.content)
        remaining = header_value(response, "x-ratelimit-remaining")
        if remaining.isdigit() and int(remaining) <= 0:
            reset = retry_after_seconds(response.headers)
            reset = DEFAULT_RATE_LIMIT_WAIT if reset is None else reset
            self.guard.mark_limited(acct.instance, reset)
            poll.wait_seconds = reset
        return response

    def _may_send_token(self, acct: Acct) -> bool:
        """The access token goes to the user's own instance, never to anyone else's."""
        return self.token is not None and acct.instance == self.home_instance

    def _base(self, acct: Acct) -> str:
        return f"{self.options.scheme}://{acct.instance}"

    def _result(
        self,
        posts: list[Post] | tuple[Post, ...],
        engagements: list[Engagement] | tuple[Engagement, ...],
        state: dict[str, Any],
        poll: _Poll,
        *,
        not_modified: bool = False,
        failure: SourceError | None = None,
    ) -> CollectResult:
        """The poll's result; with `failure`, raised with the result kept on it (stored
        first, so what arrived and where to resume are not lost)."""
        result = CollectResult(
            posts=tuple(posts),
            engagements=tuple(engagements),
            state=state,
            not_modified=not_modified,
            reads=poll.reads,
            bytes_received=poll.bytes_received,
            next_poll_after=poll.wait_seconds,
        )
        if failure is not None:
            failure.partial = result
            failure.reads = poll.reads
            raise failure
        return result


def _posts_with_reply_targets(statuses: list[dict[str, Any]], instance: str) -> list[Post]:
    """Posts from statuses; a reply to a status in the same batch gets that status's uri."""
    uri_by_id = {
        s["id"]: s["uri"]
        for s in statuses
        if isinstance(s.get("id"), str) and isinstance(s.get("uri"), str)
    }
    posts = []
    for status in statuses:
        post = status_to_post(status, instance)
        if post is None:
            continue
        target = status.get("in_reply_to_id")
        if post.raw_kind == "reply" and isinstance(target, str) and target in uri_by_id:
            post = replace(post, reply_to=uri_by_id[target])
        posts.append(post)
    return posts


def _oldest_id(ids: list[str], current: str | None) -> str | None:
    """The lowest of `ids` and `current` (Mastodon ids are numeric strings)."""
    best = current
    for status_id in ids:
        if best is None or is_newer(best, status_id):
            best = status_id
    return best


def _instance_of(account: str) -> str | None:
    try:
        return parse_acct(account).instance if account else None
    except SourceError:
        return None


def header_value(response: Fetched, name: str) -> str:
    for key, value in response.headers.items():
        if key.lower() == name:
            return value
    return ""


def same_origin(url: str, base: str) -> bool:
    """Only follow pagination links that stay on the instance we asked."""
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.netloc.lower()) == (b.scheme, b.netloc.lower())


def is_unreachable(exc: SourceError) -> bool:
    """A network-level failure (no HTTP status) that says the instance is down or too slow."""
    return exc.status is None and exc.reason.startswith(UNREACHABLE_REASONS)
