"""Bluesky collector: contacts' author feeds from the public AppView, and the user's own likes,
reposts, replies and quotes from their repo (participation detection). No login needed.

Sources:
  author  target = a contact's handle or DID → `app.bsky.feed.getAuthorFeed`, newest first,
          stopping at the first item already seen (kept in the source state).
  self    target = the user's handle → `com.atproto.repo.listRecords` on their PDS for posts
          (replies, quotes), reposts and likes → `Engagement`s.

A handle is resolved to its DID once (`com.atproto.identity.resolveHandle`) and the DID kept
in the state, because handles change and DIDs do not.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from listen.backfill import Walk, load_gaps, read_with_gaps, save_gaps
from listen.clock import parse_iso, to_iso, utcnow
from listen.collectors.bluesky_parse import (
    ACTIVITY_COLLECTIONS,
    AtUri,
    FeedEntry,
    engagements_from_record,
    parse_feed_item,
)
from listen.errors import AuthError, RateLimited, SourceError
from listen.http import HttpSettings, fetch, retry_after_seconds
from listen.types import CollectResult, Engagement, Source

if TYPE_CHECKING:
    import httpx

    from listen.collectors.bluesky_xrpc import Xrpc, XrpcReply
    from listen.config import BlueskyConfig, Config

log = logging.getLogger(__name__)

SEEN_KEYS_KEPT = 50  # item keys remembered per source to recognise where the last run stopped
PDS_RECHECK = timedelta(days=7)  # how long a PDS found in the DID document is trusted
TID_LENGTH = 13  # record keys that are TIDs sort by time


@dataclass
class _Tally:
    """Requests and bytes spent by one poll, and which hosts said their budget is spent."""

    reads: int = 0
    bytes_received: int = 0
    skipped: int = 0
    spent: dict[str, float] = field(default_factory=dict)  # host → seconds until reset

    def add(self, reply: XrpcReply, host: str) -> XrpcReply:
        self.reads += 1
        self.bytes_received += reply.size
        remaining = str(reply.headers.get("ratelimit-remaining", "")).strip()
        if remaining == "0":
            self.spent[host] = retry_after_seconds(reply.headers) or 60.0
        return reply

    def check_budget(self, host: str) -> None:
        """Raise `RateLimited` before another request to a host that said none are left."""
        if host in self.spent:
            raise RateLimited(
                host, "rate limit spent (ratelimit-remaining: 0)", retry_after=self.spent[host]
            )

    @property
    def wait(self) -> float | None:
        """Seconds until every spent budget is back, as the next poll's hint."""
        return max(self.spent.values()) if self.spent else None


class BlueskyCollector:
    """Polls Bluesky author feeds and the user's own repo; never touches the database."""

    platform = "bluesky"

    def __init__(self, config: Config, client: httpx.Client, settings: HttpSettings) -> None:
        # atproto: ~1 s, only when Bluesky is polled
        from listen.collectors.bluesky_xrpc import Xrpc

        self.config: BlueskyConfig = config.bluesky
        self.http = client
        self.settings = settings
        self.app_password = config.secret("bluesky_app_password")
        self.appview = Xrpc(self.config.base_url, client, settings)
        self._hosts: dict[str, Xrpc] = {}
        self._lock = threading.Lock()
        self._session: Xrpc | None = None
        self._login_refused: str | None = None
        self.inbound_days = config.collect.inbound_days

    def collect(self, source: Source) -> CollectResult:
        if source.kind == "author":
            return self._collect_author(source)
        if source.kind == "self":
            return self._collect_self(source)
        if source.kind == "inbound":
            return self._collect_inbound(source)
        raise SourceError(source.target, f"unknown Bluesky source kind {source.kind!r}")

    # -- contacts' posts ----------------------------------------------------------------------

    def _collect_author(self, source: Source) -> CollectResult:
        state = dict(source.state)
        tally = _Tally()
        did = self._did(source.target, state, tally)
        seen = [key for key in state.get("seen", []) if isinstance(key, str)]
        known = set(seen)
        host = self._feed_host()

        def pager(newer_than: str | None, cursor: str | None, pages: int) -> Walk:
            return self._author_pages(
                source.target, host, did, known, newer_than, cursor, pages, tally
            )

        pages = max(1, self.config.max_pages)
        found, gaps = read_with_gaps(pager, state.get("newest_at"), load_gaps(state), pages)
        entries: list[FeedEntry] = found.items
        if tally.skipped:
            log.info("bluesky %s: skipped %d unreadable feed items", source.target, tally.skipped)
        save_gaps(state, gaps)
        state["seen"] = ([e.key for e in entries] + seen)[:SEEN_KEYS_KEPT]
        times = [e.sort_at for e in entries if e.sort_at is not None]
        newest = parse_iso(state.get("newest_at"))
        if newest:
            times.append(newest)
        if times:
            state["newest_at"] = to_iso(max(times))
        result = CollectResult(
            posts=tuple(e.post for e in entries),
            resolved_id=did,
            state=state,
            reads=tally.reads,
            bytes_received=tally.bytes_received,
            next_poll_after=tally.wait,
        )
        if found.error is not None:  # keep what arrived and where to resume; then fail
            found.error.partial = result
            raise found.error
        return result

    def _author_pages(
        self,
        target: str,
        host: Xrpc,
        did: str,
        known: set[str],
        newer_than: str | None,
        cursor: str | None,
        pages: int,
        tally: _Tally,
    ) -> Walk:
        """Feed entries from `cursor` (None: the newest) down to one seen before or older than
        `newer_than`. A failed first page of new posts raises; a later one ends the pass."""
        walk = Walk(resume_from=cursor)
        oldest_wanted = parse_iso(newer_than)
        keys: set[str] = set()
        for page in range(pages):
            try:
                if cursor is not None:
                    tally.check_budget(host.base_url)
                reply = tally.add(host.author_feed(did, self._page_limit(), cursor), host.base_url)
            except SourceError as exc:
                if page == 0 and walk.resume_from is None:
                    raise
                walk.error = exc
                break
            feed = reply.body.get("feed")
            if not isinstance(feed, list):
                raise SourceError(target, "malformed getAuthorFeed response: no feed list")
            walk.pages += 1
            reached_known = _take_new(feed, known, oldest_wanted, keys, walk.items, tally)
            next_cursor = reply.body.get("cursor")
            if (
                reached_known
                or not feed
                or not isinstance(next_cursor, str)
                or not next_cursor
                or next_cursor == cursor
            ):
                walk.complete = True
                break
            cursor = walk.resume_from = next_cursor
        return walk

    def _feed_host(self) -> Xrpc:
        """The public AppView; or, with an app password, the user's PDS (which proxies app.bsky
        calls with the account's higher limits). Logs in once per run; a refused login fails
        the sources that need it rather than retrying (and locking the account)."""
        if not self.app_password or not self.config.handle:
            return self.appview
        # atproto's models: ~1 s, only when Bluesky is polled
        from atproto_client.exceptions import AtProtocolError

        # atproto: ~1 s, only when Bluesky is polled
        from listen.collectors.bluesky_xrpc import Xrpc

        with self._lock:
            if self._session is None and self._login_refused is None:
                host = Xrpc(self.config.pds_url, self.http, self.settings)
                try:
                    host.login(self.config.handle.lstrip("@"), self.app_password)
                except SourceError as exc:
                    self._login_refused = exc.reason
                except AtProtocolError as exc:
                    self._login_refused = f"unexpected createSession answer: {type(exc).__name__}"
                else:
                    self._session = host
            if self._session is not None:
                return self._session
        raise AuthError(
            self.config.pds_url,
            f"Bluesky login as {self.config.handle} failed ({self._login_refused}); fix or unset"
            " LISTEN_BLUESKY_APP_PASSWORD to read anonymously",
        )

    def _page_limit(self) -> int:
        return min(100, max(1, self.config.page_limit))

    def _did(self, target: str, state: dict[str, Any], tally: _Tally) -> str:
        """The target's DID: itself, the one resolved before, or resolved now."""
        target = target.strip().lstrip("@")
        if target.startswith("did:"):
            return target
        if isinstance(state.get("did"), str) and state.get("handle") == target:
            return str(state["did"])
        reply = tally.add(self.appview.resolve_handle(target), self.appview.base_url)
        did = reply.body.get("did")
        if not isinstance(did, str) or not did.startswith("did:"):
            raise SourceError(target, "resolveHandle answered without a DID")
        state["did"] = did
        state["handle"] = target
        return did

    # -- what people do with the user's posts ------------------------------------------------

    def _collect_inbound(self, source: Source) -> CollectResult:
        """Notifications with an app password; the public listings without one, or when the
        login or the notifications are refused (a note for `listen status` says so)."""
        from listen.collectors.bluesky_inbound import InboundReader  # with the atproto SDK

        state = dict(source.state)
        tally = _Tally()
        did = self._did(source.target, state, tally)
        reader = InboundReader(tally, self._page_limit(), self.config.max_pages, self.inbound_days)
        refused = None
        if self.app_password and self.config.handle:
            try:
                found = reader.notifications(self._feed_host(), state)
                state.update(via="notifications", note=None)
            except AuthError as exc:
                refused = exc.reason
            except SourceError as exc:
                if exc.status not in (401, 403):
                    raise
                refused = exc.reason
        if not (self.app_password and self.config.handle) or refused is not None:
            found = reader.public(self.appview, did, state)
            state["via"] = "public"
            state["note"] = (
                f"notifications refused ({refused}): reading public likes, reposts, replies"
                " and quotes instead"
                if refused
                else None
            )
        return CollectResult(
            interactions=tuple(found),
            state={k: v for k, v in state.items() if v is not None},
            reads=tally.reads,
            bytes_received=tally.bytes_received,
            next_poll_after=tally.wait,
        )

    # -- the user's own activity --------------------------------------------------------------

    def _collect_self(self, source: Source) -> CollectResult:
        state = dict(source.state)
        tally = _Tally()
        handle = source.target.strip().lstrip("@")
        did = self._did(handle, state, tally)
        repo_host = self._host(self._pds(did, state, tally))
        engagements: list[Engagement] = []
        for collection in ACTIVITY_COLLECTIONS:
            engagements.extend(
                self._read_collection(repo_host, did, handle, collection, state, tally)
            )
        return CollectResult(
            engagements=tuple(engagements),
            state=state,
            reads=tally.reads,
            bytes_received=tally.bytes_received,
            next_poll_after=tally.wait,
        )

    def _read_collection(
        self,
        host: Xrpc,
        did: str,
        handle: str,
        collection: str,
        state: dict[str, Any],
        tally: _Tally,
    ) -> list[Engagement]:
        """New records of one collection, newest first, stopping at the newest one seen before."""
        seen_key, newest_key = f"seen:{collection}", f"newest_rkey:{collection}"
        seen = [uri for uri in state.get(seen_key, []) if isinstance(uri, str)]
        known = set(seen)
        newest_rkey = state.get(newest_key) if isinstance(state.get(newest_key), str) else None
        fresh: list[str] = []
        found: list[Engagement] = []
        cursor: str | None = None
        for _page in range(max(1, self.config.max_pages)):
            tally.check_budget(host.base_url)
            reply = tally.add(
                host.list_records(did, collection, self._page_limit(), cursor), host.base_url
            )
            records = reply.body.get("records")
            if not isinstance(records, list):
                raise SourceError(did, f"malformed listRecords response for {collection}")
            reached_known = False
            for raw in records:
                uri = raw.get("uri") if isinstance(raw, dict) else None
                parts = AtUri.parse(uri)
                if uri is None or parts is None:
                    tally.skipped += 1
                    continue
                if uri in known or _not_newer(parts.rkey, newest_rkey):
                    reached_known = True
                    break
                fresh.append(uri)
                found.extend(
                    engagements_from_record(collection, raw, own_did=did, own_handle=handle)
                )
            next_cursor = reply.body.get("cursor")
            if (
                reached_known
                or not records
                or not isinstance(next_cursor, str)
                or not next_cursor
                or next_cursor == cursor
            ):
                break
            cursor = next_cursor
        state[seen_key] = (fresh + seen)[:SEEN_KEYS_KEPT]
        rkeys = [r for r in (AtUri.parse(u) for u in fresh) if r is not None]
        tids = [r.rkey for r in rkeys if len(r.rkey) == TID_LENGTH]
        if newest_rkey:
            tids.append(newest_rkey)
        if tids:
            state[newest_key] = max(tids)
        return found

    def _pds(self, did: str, state: dict[str, Any], tally: _Tally) -> str:
        """The PDS holding the user's repo: from their DID document, else `[bluesky] pds_url`."""
        checked = parse_iso(state.get("pds_checked_at"))
        if isinstance(state.get("pds"), str) and checked and utcnow() - checked < PDS_RECHECK:
            return str(state["pds"])
        endpoint = self._pds_from_did_document(did, tally)
        if endpoint is None:
            return self.config.pds_url
        state["pds"] = endpoint
        state["pds_checked_at"] = to_iso(utcnow())
        return endpoint

    def _pds_from_did_document(self, did: str, tally: _Tally) -> str | None:
        # atproto: ~1 s, only when Bluesky is polled
        from listen.collectors.bluesky_xrpc import json_object, pds_endpoint

        if did.startswith("did:plc:"):
            url = f"{self.config.plc_url.rstrip('/')}/{did}"
        elif did.startswith("did:web:"):
            url = f"https://{did.removeprefix('did:web:')}/.well-known/did.json"
        else:
            return None
        try:
            fetched = fetch(self.http, url, self.settings)
            tally.reads += 1
            tally.bytes_received += len(fetched.content)
            return pds_endpoint(json_object(url, fetched.content))
        except SourceError as exc:
            log.info("cannot read the DID document of %s (%s); using pds_url", did, exc.reason)
            return None

    def _host(self, base_url: str) -> Xrpc:
        # atproto: ~1 s, only when Bluesky is polled
        from listen.collectors.bluesky_xrpc import Xrpc

        with self._lock:
            if base_url not in self._hosts:
                self._hosts[base_url] = Xrpc(base_url, self.http, self.settings)
            return self._hosts[base_url]


def _not_newer(rkey: str, newest_rkey: str | None) -> bool:
    """Whether a TID record key is not newer than the newest one read before."""
    return (
        newest_rkey is not None
        and len(rkey) == TID_LENGTH
        and len(newest_rkey) == TID_LENGTH
        and rkey <= newest_rkey
    )


def _take_new(
    feed: list[Any],
    known: set[str],
    newest: datetime | None,
    keys: set[str],
    entries: list[FeedEntry],
    tally: _Tally,
) -> bool:
    """Append the page's new items to `entries`; True when it reached what was seen before.

    The feed is sorted by creation time but posts are indexed with a lag, so a page is read to
    its end: an item seen before (or older than the newest seen) ends the paging, not the page.
    """
    reached_known = False
    for raw in feed:
        entry = parse_feed_item(raw)
        if entry is None:
            tally.skipped += 1
            continue
        if entry.key in known:
            reached_known = True
            continue
        if newest and entry.sort_at is not None and entry.sort_at < newest:
            reached_known = True
        if entry.key not in keys:
            keys.add(entry.key)
            entries.append(entry)
    return reached_known
