"""X (Twitter) collector: contacts' tweets and the user's own activity, via tweepy (API v2).

Two source kinds: `author` (a contact's username: their tweets, newer than the stored since_id)
and `self` (the user's own username: their replies, quotes and retweets, and their likes, which
become engagements). X bills each post and user it returns (listen.x_pricing); your own
timeline and likes at the cheaper owned-read price. The budget (listen.budget) tells each poll
what it may spend (`read_allowance`, in micro-dollars; or, with the deprecated
`x.monthly_read_cap`, in posts or requests), and every page asks for no more posts than the
allowance has left, so a poll cannot overspend.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from listen.backfill import Walk, load_gaps, read_with_gaps, save_gaps
from listen.clock import parse_iso, to_iso, utcnow
from listen.collectors.x_inbound import mention_interactions
from listen.collectors.x_parse import (
    EXPANSIONS,
    TWEET_FIELDS,
    USER_FIELDS,
    like_engagements,
    newer_id,
    older_id,
    own_engagements,
    parse_tweet_page,
    parse_user_id,
)
from listen.errors import AuthError, RateLimited, SourceError
from listen.http import HttpSettings, retry_after_seconds
from listen.types import CollectResult, Engagement, Post, Source
from listen.x_limits import (
    ALLOWANCE_KEY,
    LIKES_MIN_RESULTS,
    LIKES_POSTS_PAGE,
    TIMELINE_MIN_RESULTS,
)
from listen.x_pricing import XPrices

if TYPE_CHECKING:
    import httpx

    from listen.config import Config, XConfig

log = logging.getLogger(__name__)

TWEEPY_HOST = "https://api.twitter.com"  # what tweepy.Client hard-codes; rewritten to base_url
MISSING_CREDENTIALS = (
    "no X API credentials: set LISTEN_X_BEARER_TOKEN (or all four of LISTEN_X_CONSUMER_KEY, "
    "LISTEN_X_CONSUMER_SECRET, LISTEN_X_ACCESS_TOKEN, LISTEN_X_ACCESS_TOKEN_SECRET)"
)
LIKES_RETRY_AFTER = timedelta(days=7)  # after a 403 on likes (tier without the endpoint)
LIKES_SEEN_KEPT = 200  # liked tweet ids remembered to recognise where the last poll stopped
_OAUTH1 = ("x_consumer_key", "x_consumer_secret", "x_access_token", "x_access_token_secret")


class XAccessDenied(AuthError):
    """HTTP 403: the credentials are valid but the access tier lacks this endpoint."""


def x_credentials(config: Config) -> dict[str, str] | None:
    """tweepy.Client keyword arguments from the environment: a bearer token, else OAuth 1.0a."""
    bearer = config.secret("x_bearer_token")
    if bearer:
        return {"bearer_token": bearer}
    values = [config.secret(purpose) for purpose in _OAUTH1]
    if all(values):
        names = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
        return {name: value for name, value in zip(names, values, strict=True) if value}
    return None


class XCollector:
    """Polls one X source; one tweepy client per poll (tweepy clients are not thread-safe).

    tweepy speaks `requests`, not httpx, so the shared httpx client is unused here; the same
    `HttpSettings` (timeout, size cap) apply through `XSession`.
    """

    platform = "x"

    def __init__(self, config: Config, client: httpx.Client, settings: HttpSettings) -> None:
        self.x: XConfig = config.x
        self.settings = settings
        self.credentials = x_credentials(config)
        # After a 401/403 the other polls of this run fail fast, spending no reads.
        self._auth_failure: str | None = None

    def collect(self, source: Source) -> CollectResult:
        if self.credentials is None:
            raise AuthError(source.target, MISSING_CREDENTIALS, reads=0)
        if self._auth_failure:
            raise AuthError(source.target, self._auth_failure, reads=0)
        state = dict(source.state)
        allowance = state.pop(ALLOWANCE_KEY, None)
        client = self._client()
        api = XApi(client, source.target, allowance, self.x, owned=source.kind == "self")
        try:
            if source.kind == "author":
                posts, failure = self._timeline(api, source.target, state)
                engagements: list[Engagement] = []
            elif source.kind == "self":
                posts, engagements, failure = self._collect_self(api, source.target, state)
            elif source.kind == "inbound":
                return self._collect_mentions(api, client, source.target, state)
            else:
                raise SourceError(source.target, f"unknown X source kind {source.kind!r}", reads=0)
        except SourceError as exc:
            exc.reads = api.reads
            self._note_auth_failure(exc)
            raise
        previous = state.get("reads_per_poll")
        typical = api.reads if not isinstance(previous, int | float) else previous
        state["reads_per_poll"] = round(0.7 * typical + 0.3 * api.reads, 2)  # for the planner
        result = CollectResult(
            posts=tuple(posts),
            engagements=tuple(engagements),
            state=state,
            reads=api.reads,
            bytes_received=client.session.bytes_received,
            metered_ids=tuple(api.post_ids),
            resolved_id=state.get("user_id") if source.kind == "author" else None,
        )
        if failure is not None:  # keep what arrived, the cursor and the user id; then fail
            failure.reads = api.reads
            self._note_auth_failure(failure)
            failure.partial = result
            raise failure
        return result

    def _collect_mentions(
        self, api: XApi, client: Any, username: str, state: dict[str, Any]
    ) -> CollectResult:
        """New tweets mentioning the user since the last poll, within the poll's allowance."""
        user_id = state.get("user_id") or api.resolve(username)
        state["user_id"] = user_id
        state.pop("note", None)  # polled: whatever kept it from being polled is over
        payloads, failure = api.mentions(user_id, state.get("since_id"), max(1, self.x.max_pages))
        found = [i for payload in payloads for i in mention_interactions(payload, user_id)]
        newest = [parse_tweet_page(p).newest_id for p in payloads]
        for tweet_id in newest:
            state["since_id"] = newer_id(state.get("since_id"), tweet_id)
        result = CollectResult(
            interactions=tuple(found),
            state={k: v for k, v in state.items() if v is not None},
            reads=api.reads,
            bytes_received=client.session.bytes_received,
            metered_ids=tuple(api.post_ids),
        )
        if failure is not None:
            failure.reads = api.reads
            self._note_auth_failure(failure)
            failure.partial = result
            raise failure
        return result

    def _note_auth_failure(self, exc: SourceError) -> None:
        if isinstance(exc, AuthError) and not isinstance(exc, XAccessDenied):
            self._auth_failure = exc.reason  # a bad token fails every poll alike

    def _client(self) -> Any:
        return x_client(self.credentials or {}, self.x, self.settings)

    def _timeline(
        self, api: XApi, username: str, state: dict[str, Any], *, keep_for_likes: bool = False
    ) -> tuple[list[Post], SourceError | None]:
        """New tweets since `since_id`, then older ones earlier polls left unread (gaps), each
        at most `max_pages` pages per poll. A failed page ends the poll with what arrived."""
        user_id = state.get("user_id") or api.resolve(username)
        state["user_id"] = user_id
        since_id = state.get("since_id")

        def pager(newer_than: str | None, until_id: str | None, pages: int) -> Walk:
            return api.timeline(user_id, username, newer_than, until_id, pages, keep_for_likes)

        found, gaps = read_with_gaps(pager, since_id, load_gaps(state), max(1, self.x.max_pages))
        if found.newest:
            state["since_id"] = newer_id(since_id, found.newest)
        save_gaps(state, gaps)
        return found.items, found.error

    def _collect_self(
        self, api: XApi, username: str, state: dict[str, Any]
    ) -> tuple[list[Post], list[Engagement], SourceError | None]:
        retry_at = parse_iso(state.get("likes_forbidden_until"))
        likes_due = retry_at is None or retry_at <= utcnow()
        own, failure = self._timeline(api, username, state, keep_for_likes=likes_due)
        engagements = own_engagements(own)
        if likes_due and failure is None:
            try:
                likes, failure = self._likes(api, state)
                engagements.extend(like_engagements(likes))
                state.pop("likes_forbidden_until", None)
            except XAccessDenied as exc:
                # Keep the replies and quotes; try likes again in a week, not every poll.
                log.warning("X likes unavailable for @%s: %s", username, exc.reason)
                state["likes_forbidden_until"] = to_iso(utcnow() + LIKES_RETRY_AFTER)
        return [], engagements, failure

    def _likes(self, api: XApi, state: dict[str, Any]) -> tuple[list[Post], SourceError | None]:
        """Liked tweets: the first poll reads the history back as far as its budget allows and
        keeps a cursor to read the rest later; later polls read until a like seen before."""
        user_id = str(state["user_id"])
        seen = [i for i in state.get("likes_seen", []) if isinstance(i, str)]
        first = "likes_seen" not in state
        pages = max(1, self.x.max_pages)
        new = api.liked(user_id, set(seen), None, pages, short_pages=not first)
        state["likes_seen"] = ([p.id for p in new.items] + seen)[:LIKES_SEEN_KEPT]
        if first:
            _set_or_drop(state, "likes_backfill", new.resume_from)
            return new.items, new.error
        cursor = state.get("likes_backfill")
        if not isinstance(cursor, str) or new.error is not None:
            return new.items, new.error
        older = api.liked(user_id, set(state["likes_seen"]), cursor, pages, short_pages=False)
        _set_or_drop(state, "likes_backfill", older.resume_from if older.error is None else cursor)
        return [*new.items, *older.items], older.error


def _set_or_drop(state: dict[str, Any], key: str, value: str | None) -> None:
    if value:
        state[key] = value
    else:
        state.pop(key, None)


class _OutOfReads(Exception):
    """This poll's read allowance is spent; keep what was fetched."""


class XApi:
    """The tweepy calls one poll makes, each metered and mapped to listen errors."""

    def __init__(
        self, client: Any, target: str, allowance: int | None, x: XConfig, *, owned: bool = False
    ) -> None:
        self.client = client
        self.target = target
        self.allowance = allowance
        self.x = x
        self.owned = owned  # your own timeline and likes: X's cheaper owned-read price
        self.prices = XPrices.from_config(x)
        self.requests = 0
        self.posts = 0  # posts received (what X bills, or its old Post cap counted)
        self.users = 0  # user lookups
        self.post_ids: list[str] = []  # the posts received, so a repeat in a day is not billed

    @property
    def reads(self) -> int:
        """What this poll spent, in the budget's unit (micro-dollars, or the old cap's)."""
        if self.x.read_unit == "requests":
            return self.requests
        if self.x.read_unit == "posts":
            return self.posts + self.users
        return self.prices.cost(users=self.users) + self.posts * self._post_price

    @property
    def _post_price(self) -> int:
        return self.prices.post_price(owned=self.owned)

    @property
    def _lookup_cost(self) -> int:
        return self.prices.user_read if self.x.in_dollars else 1

    def _receive(self, payload: Any) -> None:
        data = payload.get("data") if isinstance(payload, dict) else None
        for item in data if isinstance(data, list) else []:
            self.posts += 1
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                self.post_ids.append(item["id"])

    def resolve(self, username: str) -> str:
        """A username's numeric id (one read; the caller keeps it in the source state)."""
        if self.allowance is not None and self.allowance - self.reads < self._lookup_cost:
            raise SourceError(self.target, "no X reads left this poll", reads=self.reads)
        self.users += 1
        payload = self.call(self.client.get_user, username=username.lstrip("@"))
        user_id = parse_user_id(payload)
        if user_id is None:
            raise SourceError(self.target, f"X user @{username} not found", reads=self.reads)
        return user_id

    def timeline(
        self,
        user_id: str,
        username: str,
        since_id: str | None,
        until_id: str | None,
        pages: int,
        keep_for_likes: bool = False,
    ) -> Walk:
        """Tweets newer than `since_id` (and older than `until_id`), newest first, following
        next_token for up to `pages` pages; a failed page ends the walk with what arrived."""
        walk = Walk()
        token: str | None = None
        reserve = LIKES_MIN_RESULTS if keep_for_likes else 0
        for _ in range(pages):
            try:
                size = self._page_size(TIMELINE_MIN_RESULTS, reserve)
            except _OutOfReads:
                break
            params: dict[str, Any] = {
                "tweet_fields": TWEET_FIELDS,
                "expansions": EXPANSIONS,
                "user_fields": USER_FIELDS,
                "max_results": size,
            }
            bounds = {"since_id": since_id, "until_id": until_id, "pagination_token": token}
            params.update({key: value for key, value in bounds.items() if value})
            try:
                payload = self.call(self.client.get_users_tweets, user_id, **params)
            except SourceError as exc:
                walk.error = exc
                break
            self._receive(payload)
            page = parse_tweet_page(payload, fallback_username=username)
            walk.items.extend(page.posts)
            walk.pages += 1
            walk.newest = newer_id(walk.newest, page.newest_id)
            walk.resume_from = older_id(walk.resume_from, page.oldest_id)
            token = page.next_token
            if not token:
                walk.complete = True
                break
        return walk

    def mentions(
        self, user_id: str, since_id: str | None, pages: int
    ) -> tuple[list[Any], SourceError | None]:
        """Pages of the mentions timeline newer than `since_id`, as X sent them; stops at the
        allowance, the last page, or a failure (returned, with what arrived before it)."""
        found: list[Any] = []
        token: str | None = None
        for _ in range(pages):
            try:
                size = self._page_size(TIMELINE_MIN_RESULTS)
            except _OutOfReads:
                break
            bounds = {"since_id": since_id, "pagination_token": token}
            try:
                payload = self.call(
                    self.client.get_users_mentions,
                    user_id,
                    tweet_fields=TWEET_FIELDS,
                    expansions=EXPANSIONS,
                    user_fields=[*USER_FIELDS, "name"],
                    max_results=size,
                    **{key: value for key, value in bounds.items() if value},
                )
            except SourceError as exc:
                return found, exc
            self._receive(payload)
            found.append(payload)
            token = parse_tweet_page(payload).next_token
            if not token:
                break
        return found, None

    def liked(
        self, user_id: str, known: set[str], token: str | None, pages: int, *, short_pages: bool
    ) -> Walk:
        """Liked tweets, newest like first, from `token` on, until a page holds a known one.

        X has no since_id here. When posts are metered, `short_pages` asks for few (new likes
        between two polls are few); when requests are, a full page costs the same.
        """
        largest = LIKES_POSTS_PAGE if short_pages and self.x.read_unit == "posts" else 100
        walk = Walk(resume_from=token)  # here: the next page's token
        for _ in range(pages):
            try:
                size = self._page_size(LIKES_MIN_RESULTS, largest=largest)
            except _OutOfReads:
                break
            params: dict[str, Any] = {"pagination_token": token} if token else {}
            try:
                payload = self.call(
                    self.client.get_liked_tweets,
                    user_id,
                    tweet_fields=TWEET_FIELDS,
                    expansions=EXPANSIONS,
                    user_fields=USER_FIELDS,
                    max_results=size,
                    **params,
                )
            except XAccessDenied:
                raise
            except SourceError as exc:
                walk.error = exc
                break
            self._receive(payload)
            page = parse_tweet_page(payload)
            fresh = [p for p in page.posts if p.id not in known]
            known.update(p.id for p in fresh)
            walk.items.extend(fresh)
            walk.pages += 1
            token = walk.resume_from = page.next_token
            if not token or len(fresh) < len(page.posts):
                walk.resume_from = None if len(fresh) < len(page.posts) else token
                break
        return walk

    def _page_size(self, minimum: int, reserve: int = 0, largest: int = 100) -> int:
        """max_results for the next page, shrunk to what the allowance has left."""
        size = min(largest, max(minimum, self.x.page_limit))
        if self.allowance is None:
            return size
        left = self.allowance - self.reads
        if self.x.read_unit == "requests":
            if left - (1 if reserve else 0) < 1:  # a request is kept for the likes page
                raise _OutOfReads
            return size
        if self.x.in_dollars:
            left //= max(1, self._post_price)  # posts the money left buys
        left -= reserve
        if left < minimum:
            raise _OutOfReads
        return min(size, left)

    def call(self, method: Callable[..., Any], *args: Any, **params: Any) -> Any:
        import requests  # requests (tweepy's HTTP): only when X is polled
        import tweepy  # tweepy: only when X is polled

        self.requests += 1
        target = self.target
        try:
            return method(*args, **params)
        except tweepy.Unauthorized:
            raise AuthError(
                target,
                "X rejected the credentials (HTTP 401): check LISTEN_X_BEARER_TOKEN",
                reads=self.reads,
            ) from None
        except tweepy.Forbidden as exc:
            raise XAccessDenied(
                target,
                "X refused access (HTTP 403): your API access tier may not include this "
                f"endpoint{_api_message(exc)}",
                reads=self.reads,
            ) from None
        except tweepy.TooManyRequests as exc:
            raise RateLimited(
                target,
                "HTTP 429: X rate limit reached",
                retry_after=retry_after_seconds(dict(exc.response.headers)),
                reads=self.reads,
            ) from None
        except tweepy.NotFound:
            raise SourceError(target, "HTTP 404: not found on X", reads=self.reads) from None
        except tweepy.HTTPException as exc:
            status = getattr(exc.response, "status_code", "?")
            raise SourceError(
                target,
                f"HTTP {status} from X{_api_message(exc)}",
                retry_after=retry_after_seconds(dict(exc.response.headers)),
                reads=self.reads,
            ) from None
        except requests.JSONDecodeError as exc:
            raise SourceError(
                target, f"malformed JSON from X: {_first_line(exc)}", reads=self.reads
            ) from None
        except requests.Timeout:
            raise SourceError(target, "X API timed out", reads=self.reads) from None
        except requests.ConnectionError as exc:
            raise SourceError(
                target, f"cannot connect to the X API: {_first_line(exc)}", reads=self.reads
            ) from None
        except requests.RequestException as exc:
            raise SourceError(
                target, f"X API request failed: {_first_line(exc)}", reads=self.reads
            ) from None


def x_client(credentials: dict[str, str], x: XConfig, settings: HttpSettings) -> Any:
    """A tweepy.Client (dict responses) whose requests go to `x.base_url` through `XSession`."""
    client = _client_class()(**credentials, return_type=dict)
    client.session = _session_class()(x.base_url, settings)
    return client


def _api_message(exc: Any) -> str:
    messages = [m for m in getattr(exc, "api_messages", []) if isinstance(m, str)]
    return f": {messages[0][:200]}" if messages else ""


def _first_line(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__).splitlines()[0][:200]


@functools.cache
def _client_class() -> type:
    import tweepy  # tweepy: only when X is polled

    return tweepy.Client


@functools.cache
def _session_class() -> type:
    """A requests.Session sending tweepy's requests to `base_url`, with a timeout and size cap."""
    import requests  # requests (tweepy's HTTP): only when X is polled

    class XSession(requests.Session):
        def __init__(self, base_url: str, settings: HttpSettings) -> None:
            super().__init__()
            self.base_url = base_url.rstrip("/")
            self.settings = settings
            self.bytes_received = 0

        def request(  # type: ignore[override]
            self, method: str, url: str, *args: Any, **kwargs: Any
        ) -> requests.Response:
            if url.startswith(TWEEPY_HOST):
                url = self.base_url + url[len(TWEEPY_HOST) :]
            kwargs.setdefault("timeout", self.settings.timeout_seconds)
            kwargs["stream"] = True
            response = super().request(method, url, *args, **kwargs)
            limit = self.settings.max_response_bytes
            declared = response.headers.get("content-length", "")
            try:
                if declared.isdigit() and int(declared) > limit:
                    raise SourceError(url, f"response too large ({declared} bytes)")
                chunks, size = [], 0
                for chunk in response.iter_content(65536):
                    size += len(chunk)
                    if size > limit:
                        raise SourceError(url, f"response too large (over {limit} bytes)")
                    chunks.append(chunk)
            except BaseException:
                response.close()
                raise
            response._content = b"".join(chunks)
            self.bytes_received += size
            response._content_consumed = True
            return response

    return XSession
