"""Escaping untrusted text for Markdown and HTML, and links that are only ever http(s): shared
by the digest's renderers and the people sections (`listen.people.render`)."""

from __future__ import annotations

import html
import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|>~-])")


def safe_url(url: str | None) -> str | None:
    """`url` when it is http(s), else None (no `javascript:` link reaches a page)."""
    if url and url.lower().startswith(("http://", "https://")):
        return url
    return None


def md(text: str) -> str:
    """Escape Markdown syntax and HTML in untrusted text (on one line)."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(" ".join(text.split()), quote=False))


def md_url(url: str | None) -> str | None:
    """An http(s) URL safe inside `(<...>)`."""
    safe = safe_url(url)
    if not safe:
        return None
    return safe.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20").replace("\n", "")


def md_link(text: str, url: str | None) -> str:
    """`[text](<url>)` with both escaped; the escaped text alone without a safe URL."""
    target = md_url(url)
    return f"[{md(text)}](<{target}>)" if target else md(text)


def e(value: object) -> str:
    """Escape anything for HTML text or a quoted attribute."""
    return html.escape(str(value), quote=True)


def html_link(text: str, url: str | None) -> str:
    """An escaped link, or the escaped text alone when the URL is not http(s)."""
    safe = safe_url(url)
    if not safe:
        return e(text)
    return f'<a href="{e(safe)}" style="color:#1a5fb4;text-decoration:none">{e(text)}</a>'
