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

from listen.clock import parse_iso, to_iso, utcnow
from listen.collectors.x_parse import (
    EXPANSIONS,
    TWEET_FIELDS,
    USER_FIELDS,
    like_engagements,
    newer_id,
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
                posts, engagements = self._collect_author(api, source.target, state)
            elif source.kind == "self":
                posts, engagements = self._collect_self(api, source.target, state)
            else:
                raise SourceError(source.target, f"unknown X source kind {source.kind!r}", reads=0)
        except SourceError as exc:
            exc.reads = api.reads
            if isinstance(exc, AuthError) and not isinstance(exc, XAccessDenied):
                self._auth_failure = exc.reason  # a bad token fails every poll alike
            raise
        previous = state.get("reads_per_poll")
        typical = api.reads if not isinstance(previous, int | float) else previous
        state["reads_per_poll"] = round(0.7 * typical + 0.3 * api.reads, 2)  # for the planner
        return CollectResult(
            posts=tuple(posts),
            engagements=tuple(engagements),
            state=state,
            reads=api.reads,
            bytes_received=client.session.bytes_received,
            metered_ids=tuple(api.post_ids),
        )

    def _client(self) -> Any:
        return x_client(self.credentials or {}, self.x, self.settings)

    def _collect_author(
        self, api: XApi, username: str, state: dict[str, Any]
    ) -> tuple[list[Post], list[Engagement]]:
        user_id = state.get("user_id") or api.resolve(username)
        state["user_id"] = user_id
        posts, newest = api.timeline(user_id, state.get("since_id"), username)
        if newest:
            state["since_id"] = newer_id(state.get("since_id"), newest)
        return posts, []

    def _collect_self(
        self, api: XApi, username: str, state: dict[str, Any]
    ) -> tuple[list[Post], list[Engagement]]:
        user_id = state.get("user_id") or api.resolve(username)
        state["user_id"] = user_id
        retry_at = parse_iso(state.get("likes_forbidden_until"))
        likes_due = retry_at is None or retry_at <= utcnow()
        own, newest = api.timeline(
            user_id, state.get("since_id"), username, keep_for_likes=likes_due
        )
        if newest:
            state["since_id"] = newer_id(state.get("since_id"), newest)
        engagements = own_engagements(own)
        if likes_due:
            try:
                engagements.extend(like_engagements(api.liked(user_id)))
                state.pop("likes_forbidden_until", None)
            except XAccessDenied as exc:
                # Keep the replies and quotes; try likes again in a week, not every poll.
                log.warning("X likes unavailable for @%s: %s", username, exc.reason)
                state["likes_forbidden_until"] = to_iso(utcnow() + LIKES_RETRY_AFTER)
        return [], engagements


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
        self, user_id: str, since_id: str | None, username: str, *, keep_for_likes: bool = False
    ) -> tuple[list[Post], str | None]:
        """Tweets newer than `since_id`, following next_token up to `max_pages` pages."""
        posts: list[Post] = []
        newest: str | None = None
        token: str | None = None
        reserve = LIKES_MIN_RESULTS if keep_for_likes else 0
        for _ in range(max(1, self.x.max_pages)):
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
            if since_id:
                params["since_id"] = since_id
            if token:
                params["pagination_token"] = token
            payload = self.call(self.client.get_users_tweets, user_id, **params)
            self._receive(payload)
            page = parse_tweet_page(payload, fallback_username=username)
            posts.extend(page.posts)
            newest = newer_id(newest, page.newest_id)
            token = page.next_token
            if not token:
                break
        return posts, newest

    def liked(self, user_id: str) -> list[Post]:
        """The newest liked tweets (one page: likes are read often, and X has no since_id here)."""
        largest = 100 if self.x.read_unit == "requests" else LIKES_POSTS_PAGE
        try:
            size = self._page_size(LIKES_MIN_RESULTS, largest=largest)
        except _OutOfReads:
            return []
        payload = self.call(
            self.client.get_liked_tweets,
            user_id,
            tweet_fields=TWEET_FIELDS,
            expansions=EXPANSIONS,
            user_fields=USER_FIELDS,
            max_results=size,
        )
        self._receive(payload)
        return list(parse_tweet_page(payload).posts)

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
