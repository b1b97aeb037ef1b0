"""What a contact's handle must look like per platform, checked the same way wherever it
comes from (`contacts add`, `contacts import`)."""

from __future__ import annotations


def identity_problem(platform: str, handle: str) -> str | None:
    """Why `handle` cannot be a `platform` identity, or None when it can."""
    if platform == "blog" and not handle.lower().startswith(("http://", "https://")):
        return f"needs an http(s) feed URL, not {handle!r}"
    if platform == "mastodon" and "@" not in handle.lstrip("@"):
        return f"needs user@instance, not {handle!r}"
    return None
