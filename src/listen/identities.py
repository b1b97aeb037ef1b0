"""What a contact's handle must look like per platform, checked the same way wherever it
comes from (`contacts add`, `contacts import`)."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean_name(name: str) -> str:
    """A contact name without control characters (names come from imported files too, and a
    terminal escape in one must not reach the screen)."""
    return _CONTROL.sub("", name).strip()


def identity_problem(platform: str, handle: str) -> str | None:
    """Why `handle` cannot be a `platform` identity, or None when it can."""
    if platform == "blog" and not handle.lower().startswith(("http://", "https://")):
        return f"needs an http(s) feed URL, not {handle!r}"
    if platform == "mastodon" and "@" not in handle.lstrip("@"):
        return f"needs user@instance, not {handle!r}"
    return None
