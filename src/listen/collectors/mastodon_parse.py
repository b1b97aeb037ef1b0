"""Mastodon API JSON → plain `Post` and `Engagement` values.

Pure functions (no I/O), tested on the real recorded responses. Statuses are matched across
instances by their ActivityPub `uri`, never by an instance's local id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from listen.clock import parse_iso
from listen.errors import SourceError
from listen.text import cap, html_to_text
from listen.types import MAX_TEXT_CHARS, MAX_TITLE_CHARS, Engagement, Post

PLATFORM = "mastodon"


@dataclass(frozen=True, slots=True)
class Acct:
    """A Mastodon account address: `user@instance`, where the instance may carry a port."""

    user: str
    instance: str

    @property
    def address(self) -> str:
        return f"{self.user}@{self.instance}"


def parse_acct(target: str) -> Acct:
    """`user@instance`, `@user@instance` or `https://instance/@user` → `Acct`."""
    text = target.strip()
    if text.startswith(("http://", "https://")):
        parts = urlsplit(text)
        path = parts.path.strip("/")
        if parts.netloc and path.startswith("@") and "/" not in path:
            return Acct(path[1:], parts.netloc.lower())
        raise SourceError(target, "not a Mastodon profile URL (expected https://instance/@user)")
    user, sep, instance = text.lstrip("@").partition("@")
    if not sep or not user or not instance or "/" in instance or "@" in instance:
        raise SourceError(target, "not a Mastodon account (expected user@instance)")
    return Acct(user, instance.lower())


def parse_link_header(value: str | None) -> dict[str, str]:
    """`<url>; rel="next", <url>; rel="prev"` → {"next": url, "prev": url}."""
    links: dict[str, str] = {}
    for part in (value or "").split(","):
        url_part, _, params = part.partition(";")
        url = url_part.strip()
        if not (url.startswith("<") and url.endswith(">")):
            continue
        for param in params.split(";"):
            key, _, rel = param.strip().partition("=")
            if key.strip().lower() == "rel":
                for name in rel.strip().strip('"').split():
                    links[name.lower()] = url[1:-1]
    return links


def query_param(url: str, name: str) -> str | None:
    """One query parameter of a URL, or None."""
    values = parse_qs(urlsplit(url).query).get(name)
    return values[0] if values else None


def is_newer(status_id: Any, since_id: str | None) -> bool:
    """Whether a status id sorts after `since_id` (Mastodon ids are numeric strings)."""
    if not isinstance(status_id, str) or not status_id:
        return False
    if since_id is None:
        return True
    if status_id.isdigit() and since_id.isdigit():
        return int(status_id) > int(since_id)
    return status_id > since_id


def newest_id(ids: list[str], current: str | None) -> str | None:
    """The highest of `ids` and `current`."""
    best = current
    for status_id in ids:
        if is_newer(status_id, best):
            best = status_id
    return best


def json_body(content: bytes, url: str) -> Any:
    """Decode a JSON response; malformed JSON is a source error, not a crash."""
    try:
        return json.loads(content.decode("utf-8", errors="replace"))
    except (json.JSONDecodeError, RecursionError) as exc:
        raise SourceError(url, f"malformed JSON: {exc}") from None


def json_list(content: bytes, url: str) -> list[dict[str, Any]]:
    """A JSON array of objects (a page of statuses); anything else is a source error."""
    body = json_body(content, url)
    if not isinstance(body, list):
        raise SourceError(url, "expected a JSON array of statuses")
    return [item for item in body if isinstance(item, dict)]


def status_to_post(status: dict[str, Any], instance: str) -> Post | None:
    """One status from an account's timeline as a `Post`; boosts and replies kept apart.

    The id is the status `uri` (for a boost, the boost's own uri; `repost_of` is the boosted
    status's uri). A reply's `reply_to` is unknown here (the API gives only a local id), so
    `raw_kind` marks it and `reply_to` stays empty unless the caller resolves it.
    """
    uri = _str(status.get("uri"))
    if not uri:
        return None
    reblog = status.get("reblog")
    shown = reblog if isinstance(reblog, dict) else status
    quoted = quoted_uri(status)
    if isinstance(reblog, dict):
        kind = "repost"
    elif status.get("in_reply_to_id"):
        kind = "reply"
    elif quoted:
        kind = "quote"
    else:
        kind = "post"
    spoiler = _str(shown.get("spoiler_text"))
    return Post(
        id=uri[:2000],
        platform=PLATFORM,
        url=_str(status.get("url")) or _str(shown.get("url")) or None,
        author_handle=account_address(status.get("account"), instance),
        title=cap(spoiler, MAX_TITLE_CHARS) or None,
        text=html_to_text(_str(shown.get("content")), MAX_TEXT_CHARS),
        created_at=parse_iso(_str(status.get("created_at"))),
        repost_of=(_str(reblog.get("uri")) or None) if isinstance(reblog, dict) else None,
        quote_of=quoted,
        metrics=_metrics(shown),
        raw_kind=kind,
    )


def quoted_uri(status: dict[str, Any]) -> str | None:
    """The uri of the status a Mastodon 4.5+ quote post quotes, if it is shown."""
    quote = status.get("quote")
    if not isinstance(quote, dict):
        return None
    quoted = quote.get("quoted_status")
    if isinstance(quoted, dict):
        return _str(quoted.get("uri")) or None
    return None


def account_address(account: Any, instance: str) -> str | None:
    """`user@instance` for an account object (local accounts have a bare `acct`)."""
    if not isinstance(account, dict):
        return None
    acct = _str(account.get("acct"))
    if not acct:
        return None
    return acct.lower() if "@" in acct else f"{acct}@{instance}".lower()


def own_status_engagements(
    status: dict[str, Any], my_account_id: str, reply_target_uri: str | None
) -> list[Engagement]:
    """What one of the user's own statuses says about their participation.

    A boost of someone else's status is a repost; a quote is a quote; a reply to someone else is
    a reply pointing at `reply_target_uri` (resolved by the caller from `in_reply_to_id`).
    Boosts of, replies to and quotes of the user's own statuses are threads, not participation.
    """
    uri = _str(status.get("uri"))
    if not uri:
        return []
    engaged_at = parse_iso(_str(status.get("created_at")))
    url = _str(status.get("url")) or None
    reblog = status.get("reblog")
    if isinstance(reblog, dict):
        target = _str(reblog.get("uri"))
        if not target or _account_id(reblog.get("account")) == my_account_id:
            return []
        return [
            Engagement(
                id=f"mastodon:repost:{target}"[:2000],
                post_id=target,
                platform=PLATFORM,
                kind="repost",
                engaged_at=engaged_at,
                url=_str(reblog.get("url")) or None,
            )
        ]
    text = html_to_text(_str(status.get("content")), MAX_TEXT_CHARS)

    def written(kind: str, target: str) -> Engagement:
        return Engagement(
            id=f"mastodon:{kind}:{uri}"[:2000],
            post_id=target,
            platform=PLATFORM,
            kind=kind,
            engaged_at=engaged_at,
            url=url,
            text=text,
        )

    found = []
    if reply_target_uri and status.get("in_reply_to_account_id") != my_account_id:
        found.append(written("reply", reply_target_uri))
    quote = status.get("quote")
    quoted = quoted_uri(status)
    if quoted and isinstance(quote, dict):
        author = _account_id((quote.get("quoted_status") or {}).get("account"))
        if author != my_account_id:
            found.append(written("quote", quoted))
    return found


def needs_reply_target(status: dict[str, Any], my_account_id: str) -> str | None:
    """The local id of the status this one replies to, when it replies to someone else."""
    if isinstance(status.get("reblog"), dict):
        return None
    target = status.get("in_reply_to_id")
    if not isinstance(target, str) or not target:
        return None
    if status.get("in_reply_to_account_id") == my_account_id:
        return None
    return target


def favourite_engagement(status: dict[str, Any], engaged_at: datetime | None) -> Engagement | None:
    """A status from /api/v1/favourites as a like of that status's uri."""
    uri = _str(status.get("uri"))
    if not uri:
        return None
    return Engagement(
        id=f"mastodon:like:{uri}"[:2000],
        post_id=uri,
        platform=PLATFORM,
        kind="like",
        engaged_at=engaged_at or parse_iso(_str(status.get("created_at"))),
        url=_str(status.get("url")) or None,
    )


def _account_id(account: Any) -> str | None:
    if isinstance(account, dict):
        value = account.get("id")
        return value if isinstance(value, str) else None
    return None


def _metrics(status: dict[str, Any]) -> dict[str, int]:
    names = {"replies_count": "replies", "reblogs_count": "reposts", "favourites_count": "likes"}
    return {
        short: value
        for key, short in names.items()
        if isinstance(value := status.get(key), int) and not isinstance(value, bool)
    }


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""
