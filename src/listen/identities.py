"""What a contact's handle must look like per platform, checked the same way wherever it
comes from (`contacts add`, `contacts import`)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# A Bluesky handle is a domain name (atproto's handle syntax); a DID is did:plc: or did:web:.
_BLUESKY_HANDLE = re.compile(
    r"^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$"
)
_BLUESKY_DID = re.compile(r"^did:(plc:[a-z2-7]{24}|web:[a-zA-Z0-9.:%-]+)$")


def identity_problem(platform: str, handle: str) -> str | None:
    """Why `handle` cannot be a `platform` identity, or None when it can."""
    if platform == "blog" and not _is_http_url(handle):
        return f"needs an http(s) feed URL, not {handle!r}"
    if platform == "mastodon" and "@" not in handle.lstrip("@"):
        return f"needs user@instance, not {handle!r}"
    if platform == "bluesky" and not _is_bluesky_handle(handle):
        return f"needs a handle like name.bsky.social (or a did:plc: DID), not {handle!r}"
    return None


def _is_bluesky_handle(text: str) -> bool:
    handle = handle_from_profile_url("bluesky", text).strip().lstrip("@")
    return bool(_BLUESKY_HANDLE.match(handle) or _BLUESKY_DID.match(handle))


_X_HOSTS = {"x.com", "www.x.com", "twitter.com", "www.twitter.com", "mobile.twitter.com"}


def handle_from_profile_url(platform: str, text: str) -> str:
    """The handle in a pasted profile link (`https://bsky.app/profile/ann.bsky.social`,
    `https://x.com/ann`, `https://hachyderm.io/@ann`); anything else is returned unchanged."""

    try:
        url = urlsplit(text.strip())
    except ValueError:  # e.g. "http://[::1": not a link, so not a profile link either
        return text
    if url.scheme not in ("http", "https") or not url.hostname:
        return text
    host = url.hostname.lower()
    parts = [part for part in url.path.split("/") if part]
    if platform == "bluesky" and host in ("bsky.app", "www.bsky.app"):
        if len(parts) >= 2 and parts[0] == "profile":
            return parts[1]
    elif platform == "x" and host in _X_HOSTS and parts:
        return parts[0]
    elif platform == "mastodon" and parts and parts[0].startswith("@") and len(parts[0]) > 1:
        user = parts[0][1:]
        return user if "@" in user else f"{user}@{host}"
    return text


def _is_http_url(text: str) -> bool:
    """An absolute http(s) URL with a host and no spaces or control characters."""

    if any(ch.isspace() or not ch.isprintable() for ch in text):
        return False
    try:
        url = urlsplit(text)
        return url.scheme.lower() in ("http", "https") and bool(url.hostname)
    except ValueError:
        return False
