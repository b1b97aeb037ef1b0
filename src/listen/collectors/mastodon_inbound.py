"""What people do with the user's Mastodon statuses (source kind `inbound`, target = own acct).

With `LISTEN_MASTODON_ACCESS_TOKEN` (sent to the user's own instance only), `/api/v1/notifications`
for mentions, favourites, reblogs, quotes and follows, newer than the last one seen (`since_id`,
`Link` paging). Without it, or when the instance says 401/403, the user's statuses of the last
`collect.inbound_days`, and for each whose counts moved, `favourited_by`, `reblogged_by` and
`context` (direct replies). A status is named by its web URL (`https://instance/@user/ID`) on
both paths, so one interaction seen by both is stored once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

from listen.clock import parse_iso, utcnow
from listen.collectors.mastodon_parse import (
    Acct,
    is_newer,
    json_list,
    newest_id,
    parse_link_header,
)
from listen.errors import SourceError
from listen.http import Fetched
from listen.text import html_to_text
from listen.types import MAX_TEXT_CHARS, Interaction

log = logging.getLogger(__name__)

NOTIFICATION_TYPES = {"mention": "mention", "favourite": "like", "reblog": "repost",
                      "quote": "quote", "follow": "follow"}  # fmt: skip
COUNTS = (("favourites_count", "like"), ("reblogs_count", "repost"), ("replies_count", "reply"))
GONE = {404, 410}  # a deleted status's listings: skip it, keep the poll

# GET on the user's instance: (url, params, auth) → response; raises SourceError.
Get = Callable[[str, dict[str, Any] | None, bool], Fetched]


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def full_acct(account: dict[str, Any], home: str) -> str:
    """`user@instance` for an account as the user's instance shows it (local ones lack @)."""
    acct = str(account.get("acct") or "").lstrip("@").lower()
    return acct if "@" in acct or not acct else f"{acct}@{home.lower()}"


def status_url(base: str, user: str, status_id: str) -> str:
    """The web URL of one of the user's statuses on their instance, as its API gives it."""
    return f"{base}/@{user}/{status_id}"


def notification_interaction(
    raw: Any, *, home: str, own_id: str, base: str, user: str
) -> Interaction | None:
    """One notification → an `Interaction`; None for other types, or a deleted status."""
    note = _obj(raw)
    kind = NOTIFICATION_TYPES.get(str(note.get("type")))
    account = _obj(note.get("account"))
    if kind is None or not account:
        return None
    status = _obj(note.get("status"))
    if kind != "follow" and not status:
        return None  # the status was deleted: nothing to point at
    our_post = their_post = None
    if kind in ("like", "repost"):
        our_post = str(status.get("url") or "") or None
    elif kind in ("mention", "quote"):
        their_post = str(status.get("uri") or "") or None
        replied = status.get("in_reply_to_id")
        if kind == "mention" and status.get("in_reply_to_account_id") == own_id and replied:
            kind, our_post = "reply", status_url(base, user, str(replied))
        quoted = _obj(_obj(status.get("quote")).get("quoted_status"))
        if kind == "quote" and quoted:
            our_post = str(quoted.get("url") or "") or None
    return Interaction(
        platform="mastodon",
        kind=kind,
        actor_handle=full_acct(account, home),
        actor_id=str(account.get("uri") or account.get("url") or ""),
        our_post=our_post,
        their_post=their_post,
        created_at=parse_iso(str(note.get("created_at") or "")),
        url=str(status.get("url") or "") or None,
        text=html_to_text(str(status.get("content") or ""), MAX_TEXT_CHARS) if their_post else "",
        detected_by="notification",
        actor_name=str(account.get("display_name") or ""),
    )


def listing_interactions(
    kind: str, body: Any, status: dict[str, Any], *, home: str, own_id: str
) -> list[Interaction]:
    """`favourited_by` / `reblogged_by` (accounts) or `context` (replies) of one own status."""
    our_post = str(status.get("url") or "")
    if kind == "reply":
        replies = [
            s for s in _obj(body).get("descendants") or []
            if isinstance(s, dict) and s.get("in_reply_to_id") == status.get("id")
        ]  # fmt: skip
        items = [(_obj(s.get("account")), s) for s in replies]
    else:
        items = [(a, {}) for a in body if isinstance(a, dict)] if isinstance(body, list) else []
    found = []
    for account, reply in items:
        if not account or str(account.get("id")) == own_id:
            continue  # the user's own favourite, boost or self-reply
        their = str(reply.get("uri") or "") or None
        found.append(
            Interaction("mastodon", kind, full_acct(account, home),
                        str(account.get("uri") or account.get("url") or ""), our_post, their,
                        parse_iso(str(reply.get("created_at") or "")) if reply else None,
                        str(reply.get("url") or "") or our_post or None,
                        html_to_text(str(reply.get("content") or ""), MAX_TEXT_CHARS),
                        detected_by="public", actor_name=str(account.get("display_name") or ""))
        )  # fmt: skip
    return found


class MastodonInboundReader:
    """One inbound poll of the user's own account on their instance."""

    def __init__(self, get: Get, acct: Acct, base: str, own_id: str, page_limit: int,
                 max_pages: int, inbound_days: int) -> None:  # fmt: skip
        self.get = get
        self.acct = acct
        self.base = base
        self.own_id = own_id
        self.page_limit = page_limit
        self.max_pages = max(1, max_pages)
        self.inbound_days = inbound_days

    def notifications(self, state: dict[str, Any]) -> list[Interaction]:
        """Notifications newer than the newest seen, following `Link: rel="next"` (older)."""
        since = state.get("notifications_since_id")
        params: dict[str, Any] | None = {
            "limit": self.page_limit,
            "types[]": list(NOTIFICATION_TYPES),
            **({"since_id": since} if since else {}),
        }
        url = f"{self.base}/api/v1/notifications"
        found: list[Interaction] = []
        newest = since
        for _page in range(self.max_pages):
            response = self.get(url, params, True)
            items = [n for n in json_list(response.content, url) if is_newer(n.get("id"), since)]
            newest = newest_id([str(n["id"]) for n in items if n.get("id")], newest)
            for raw in items:
                found.extend(i for i in [self._notification(raw)] if i is not None)
            following = parse_link_header(_link(response)).get("next")
            if not items or not following or not following.startswith(self.base):
                break
            url, params = following, None
        if newest:
            state["notifications_since_id"] = newest
        return found

    def _notification(self, raw: Any) -> Interaction | None:
        return notification_interaction(
            raw, home=self.acct.instance, own_id=self.own_id, base=self.base, user=self.acct.user
        )

    def public(self, state: dict[str, Any]) -> list[Interaction]:
        """For each recent own status whose counts moved, the listings that moved."""
        before = _obj(state.get("counts"))
        counts: dict[str, list[int]] = {}
        found: list[Interaction] = []
        for status in self._own_statuses():
            status_id = str(status["id"])
            now_counts = [int(status.get(field) or 0) for field, _ in COUNTS]
            counts[status_id] = now_counts
            old = before.get(status_id)
            seen = [int(n) for n in old if isinstance(n, int)] if isinstance(old, list) else []
            seen += [0] * len(COUNTS)
            for (_, kind), new, was in zip(COUNTS, now_counts, seen, strict=False):
                if new > was:
                    found.extend(self._listing(kind, status))
        state["counts"] = counts
        return found

    def _own_statuses(self) -> Iterator[dict[str, Any]]:
        """The user's own statuses (not boosts) of the last `inbound_days`, newest first."""
        oldest = utcnow() - timedelta(days=self.inbound_days)
        url = f"{self.base}/api/v1/accounts/{self.own_id}/statuses"
        params: dict[str, Any] | None = {"limit": self.page_limit, "exclude_reblogs": "true"}
        for _page in range(self.max_pages):
            response = self.get(url, params, False)
            statuses = json_list(response.content, url)
            for status in statuses:
                created = parse_iso(str(status.get("created_at") or ""))
                if created is not None and created < oldest:
                    return
                if isinstance(status.get("id"), str) and not status.get("reblog"):
                    yield status
            following = parse_link_header(_link(response)).get("next")
            if not statuses or not following or not following.startswith(self.base):
                return
            url, params = following, None

    def _listing(self, kind: str, status: dict[str, Any]) -> list[Interaction]:
        path = {"like": "favourited_by", "repost": "reblogged_by", "reply": "context"}[kind]
        url = f"{self.base}/api/v1/statuses/{status['id']}/{path}"
        try:
            response = self.get(url, {"limit": 80} if kind != "reply" else None, False)
        except SourceError as exc:
            if exc.status not in GONE:
                raise
            log.info("mastodon: skipping the %ss of %s: %s", kind, status.get("url"), exc.reason)
            return []
        try:
            body = json.loads(response.content)
        except ValueError:
            raise SourceError(url, "malformed JSON in a listing") from None
        return listing_interactions(kind, body, status, home=self.acct.instance, own_id=self.own_id)


def _link(response: Fetched) -> str:
    for key, value in response.headers.items():
        if key.lower() == "link":
            return value
    return ""
