"""The user's X mentions timeline (`GET /2/users/:id/mentions`) → interactions: replies to the
user's tweets, quotes of them, and mentions (pure functions over the API's JSON)."""

from __future__ import annotations

import html
from typing import Any

from listen.clock import parse_iso
from listen.collectors.x_parse import referenced, tweet_url
from listen.text import cap
from listen.types import MAX_TEXT_CHARS, Interaction


def _users(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    includes = payload.get("includes")
    users = includes.get("users") if isinstance(includes, dict) else None
    listed: list[Any] = users if isinstance(users, list) else []
    return {u["id"]: u for u in listed if isinstance(u, dict) and isinstance(u.get("id"), str)}


def mention_interactions(payload: Any, own_id: str) -> list[Interaction]:
    """A mentions page → interactions. A tweet replying to the user is a reply on the tweet it
    answers; quoting one of theirs (not replying) a quote; anything else a mention. A tweet
    whose author X does not name (no `author_id` expansion) is skipped: nobody to point at."""
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        return []
    users = _users(payload)
    found = []
    for item in payload["data"]:
        if not isinstance(item, dict) or not str(item.get("id", "")).isdigit():
            continue
        author = users.get(str(item.get("author_id")))
        if author is None or author.get("id") == own_id:
            continue
        refs = dict(referenced(item))
        username = str(author.get("username") or "")
        kind, our_post = "mention", None
        if item.get("in_reply_to_user_id") == own_id and "replied_to" in refs:
            kind, our_post = "reply", refs["replied_to"]
        elif "quoted" in refs:
            kind, our_post = "quote", refs["quoted"]  # a quote of someone else's: a mention still
        text = str(item.get("text") or "")
        found.append(
            Interaction("x", kind, username.lower(), str(author["id"]), our_post, str(item["id"]),
                        parse_iso(str(item.get("created_at") or "")),
                        tweet_url(username, str(item["id"])),
                        cap(html.unescape(text), MAX_TEXT_CHARS), detected_by="notification",
                        actor_name=str(author.get("name") or ""))
        )  # fmt: skip
    return found
