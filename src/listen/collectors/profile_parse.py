"""Platform account JSON → `Profile` (pure): what follows imports return and identity resolution
reads. Links come from where each platform keeps them: Mastodon profile fields (with
`verified_at` when the instance checked the rel=me link back) and the bio, Bluesky's description
text, X's `entities.url` / `entities.description` (t.co links expanded).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from listen.text import cap, html_to_text, printable
from listen.types import Profile, ProfileLink

MAX_BIO_CHARS = 1_000
MAX_NAME_CHARS = 200
MAX_LINKS = 20

_HREF = re.compile(r"<a\s[^>]*?href=\"([^\"]+)\"[^>]*>", re.IGNORECASE)
_CLASS = re.compile(r"class=\"([^\"]*)\"", re.IGNORECASE)
# A URL with a scheme, or a bare domain with an optional path ("ada.example/blog"); not an
# email address or an @handle (those are preceded by "@").
_TEXT_URL = re.compile(
    r"(?<![@\w.\-/])((?:https?://)?(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+[a-z]{2,24}"
    r"(?::\d+)?(?:/[^\s<>\"')\]]*)?)",
    re.IGNORECASE,
)
_TRAILING_PUNCTUATION = ".,;:!?)"


def links_in_text(text: str) -> list[str]:
    """URLs and bare domains written in free text (a bio), with a scheme added when missing."""
    found = []
    for match in _TEXT_URL.finditer(text):
        candidate = match.group(1).rstrip(_TRAILING_PUNCTUATION)
        after = text[match.end(1) : match.end(1) + 1]
        if after == "@":  # the local part of an email address
            continue
        if not candidate.lower().startswith(("http://", "https://")):
            candidate = "https://" + candidate
        found.append(candidate)
    return found


def _clean(value: Any, limit: int) -> str:
    return cap(printable(value), limit).strip() if isinstance(value, str) else ""


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _unique(links: list[ProfileLink]) -> tuple[ProfileLink, ...]:
    """One entry per URL (a verified copy wins), capped."""
    by_url: dict[str, ProfileLink] = {}
    for link in links:
        if link.url not in by_url or link.verified:
            by_url[link.url] = link
    return tuple(by_url.values())[:MAX_LINKS]


def _hrefs(markup: str) -> list[str]:
    """Link targets in Mastodon HTML, leaving out @mentions and #hashtags."""
    found = []
    for match in _HREF.finditer(markup):
        classes = _CLASS.search(match.group(0))
        if classes and ("mention" in classes.group(1) or "hashtag" in classes.group(1)):
            continue
        found.append(html.unescape(match.group(1)))
    return found


def mastodon_profile(account: Any, instance: str) -> Profile | None:
    """A Mastodon account object as a `Profile`; `user@instance` for local accounts."""
    if not isinstance(account, dict) or not isinstance(account.get("acct"), str):
        return None
    acct = account["acct"].strip().lstrip("@")
    handle = acct if "@" in acct else f"{acct}@{instance}"
    links: list[ProfileLink] = []
    for field in account.get("fields") or []:
        if not isinstance(field, dict) or not isinstance(field.get("value"), str):
            continue
        verified = bool(field.get("verified_at"))
        urls = _hrefs(field["value"]) or links_in_text(html_to_text(field["value"]))
        links.extend(ProfileLink(url, verified) for url in urls)
    note = account["note"] if isinstance(account.get("note"), str) else ""
    links.extend(ProfileLink(url) for url in _hrefs(note))
    return Profile(
        platform="mastodon",
        handle=handle.lower(),
        account_id=str(account.get("id") or ""),
        display_name=_clean(account.get("display_name"), MAX_NAME_CHARS),
        bio=cap(html_to_text(note), MAX_BIO_CHARS),
        avatar_url=account.get("avatar") if isinstance(account.get("avatar"), str) else None,
        links=_unique(links),
        followers_count=_count(account.get("followers_count")),
    )


def bluesky_profile(view: Any) -> Profile | None:
    """A Bluesky `profileView` (getFollows, getList items) as a `Profile`."""
    if not isinstance(view, dict) or not isinstance(view.get("handle"), str):
        return None
    bio = _clean(view.get("description"), MAX_BIO_CHARS)
    return Profile(
        platform="bluesky",
        handle=view["handle"].lower(),
        account_id=str(view.get("did") or ""),
        display_name=_clean(view.get("displayName"), MAX_NAME_CHARS),
        bio=bio,
        avatar_url=view.get("avatar") if isinstance(view.get("avatar"), str) else None,
        links=_unique([ProfileLink(url) for url in links_in_text(bio)]),
        followers_count=_count(view.get("followersCount")),
    )


def _x_urls(entities: Any, key: str) -> list[str]:
    block = entities.get(key) if isinstance(entities, dict) else None
    urls = block.get("urls") if isinstance(block, dict) else None
    found = []
    for entry in urls if isinstance(urls, list) else []:
        url = entry.get("expanded_url") or entry.get("url") if isinstance(entry, dict) else None
        if isinstance(url, str):
            found.append(url)
    return found


def x_profile(user: Any) -> Profile | None:
    """An X API v2 user object as a `Profile` (t.co links expanded from `entities`)."""
    if not isinstance(user, dict) or not isinstance(user.get("username"), str):
        return None
    entities = user.get("entities")
    urls = _x_urls(entities, "url") + _x_urls(entities, "description")
    metrics = user["public_metrics"] if isinstance(user.get("public_metrics"), dict) else {}
    image = user.get("profile_image_url")
    return Profile(
        platform="x",
        handle=user["username"].lower(),
        account_id=str(user.get("id") or ""),
        display_name=_clean(user.get("name"), MAX_NAME_CHARS),
        bio=_clean(user.get("description"), MAX_BIO_CHARS),
        avatar_url=image if isinstance(image, str) else None,
        links=_unique([ProfileLink(url) for url in urls]),
        followers_count=_count(metrics.get("followers_count")),
    )


def parsed_profiles(
    items: Any, parse: Callable[[Any], Profile | None]
) -> tuple[list[Profile], int]:
    """`parse` applied to each listed account; those it refuses (gone, malformed) are counted."""
    profiles: list[Profile] = []
    skipped = 0
    for item in items if isinstance(items, list) else []:
        profile = parse(item)
        if profile is None:
            skipped += 1
        else:
            profiles.append(profile)
    return profiles, skipped


def blog_profile(feed_url: str, title: str = "") -> Profile:
    """A contact's blog as a `Profile`: its site is evidence of who runs the other accounts."""
    return Profile(
        platform="blog",
        handle=feed_url,
        display_name=_clean(title, MAX_NAME_CHARS),
        links=(ProfileLink(feed_url),),
    )
