"""`Digest` → text, Markdown, HTML (one self-contained page for mail clients) or JSON.

All post text is untrusted: HTML output escapes every value with `html.escape`, Markdown output
escapes Markdown and HTML syntax, and links are only ever http(s).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from listen.clock import to_iso
from listen.digest.build import Activity, Digest, DigestItem
from listen.digest.markup import e, md, md_url
from listen.digest.markup import html_link as _link
from listen.digest.markup import safe_url as _safe_url
from listen.people.render import (
    circle_html,
    circle_markdown,
    circle_text,
    circle_to_dict,
    reply_back_to_dict,
    talked_html,
    talked_markdown,
    talked_text,
)
from listen.scoring import PlatformScore
from listen.text import printable
from listen.tracker import ColdContact

FORMATS = ("text", "markdown", "html", "json")
SPARK = "▁▂▃▄▅▆▇█"
TITLE = "Your listen digest"


def render(digest: Digest, fmt: str) -> str:
    """Render in one of `FORMATS`."""
    renderers: dict[str, Callable[[Digest], str]] = {
        "text": render_text,
        "markdown": render_markdown,
        "html": render_html,
        "json": render_json,
    }
    return renderers[fmt](digest)


# -- shared wording -------------------------------------------------------------------------


def empty_line(digest: Digest) -> str:
    """One line; it says why the day is empty when posts were collected all the same."""
    quiet = digest.quiet
    since = _when(digest.since)
    if quiet and quiet.in_window and quiet.skipped == quiet.in_window:
        n = quiet.in_window
        return (
            f"All quiet: {n} {_plural('post', n)} from your contacts since {since}, "
            f"{'all' if n > 1 else 'it'} scored skip, and nothing waiting for you. Enjoy the day."
        )
    if quiet and quiet.in_window:
        n = quiet.in_window
        return (
            f"All quiet: {n} {_plural('post', n)} from your contacts since {since}, "
            "all already handled or skipped, and nothing waiting for you. Enjoy the day."
        )
    if quiet and quiet.collected and quiet.newest_at and quiet.newest_at < digest.since:
        n = quiet.collected
        age = (digest.generated_at - quiet.newest_at) / timedelta(hours=1)
        window = (digest.generated_at - digest.since) / timedelta(hours=1)
        return (
            f"All quiet: nothing new from your contacts since {since}; {n} "
            f"{_plural('post', n)} collected, the newest {age_text(age)}, "
            f"none newer than {_hours_text(window)} — try --since {_wider(age)}."
        )
    return (
        f"All quiet: nothing new from your contacts since {since} and nothing "
        "waiting for you. Enjoy the day."
    )


def _hours_text(hours: float) -> str:
    return f"{int(hours)}h" if hours < 48 or hours % 24 else f"{int(hours // 24)}d"


def _wider(age_hours: float) -> str:
    """A --since value that takes in a post this old."""
    days = int(age_hours // 24) + 1
    return f"{days}d"


def age_text(hours: float) -> str:
    if hours < 1:
        return "just now"
    if hours < 48:
        return f"{int(hours)} h ago"
    return f"{int(hours // 24)} d ago"


def sparkline(values: tuple[float, ...]) -> str:
    """Scores 0-100 as block characters (absolute scale, so a flat 0 stays at the bottom)."""
    return "".join(SPARK[min(len(SPARK) - 1, int(max(0.0, v) / 100 * len(SPARK)))] for v in values)


def trend_text(score: PlatformScore) -> str:
    delta = round(score.trend)
    return "±0" if delta == 0 else f"{delta:+d}"


def silence_text(contact: ColdContact) -> str:
    if contact.days_silent is None:
        return "never engaged"
    return f"silent {contact.days_silent} d"


def activity_line(activity: Activity) -> str:
    if not activity.by_platform:
        return "nothing recorded"
    parts = []
    for platform, kinds in activity.by_platform.items():
        counts = ", ".join(f"{n} {_plural(kind, n)}" for kind, n in kinds.items())
        parts.append(f"{platform}: {counts}")
    return "; ".join(parts)


def lurked_text(activity: Activity) -> str:
    total = max(activity.lurked_total, len(activity.lurked))
    if not total:
        return "nothing"
    shown = len(activity.lurked)
    noun = "post" if total == 1 else "posts"
    return f"{total} {noun}" + (f" (the first {shown} below)" if shown < total else "")


def components_line(score: PlatformScore) -> str:
    c = score.current
    return (
        f"response {c.response:.0f} · depth {c.depth:.0f} · breadth {c.breadth:.0f} · "
        f"consistency {c.consistency:.0f} · lurk ratio {c.lurk_ratio:.0%}"
    )


def _plural(kind: str, n: int) -> str:
    if n == 1:
        return kind
    return {"reply": "replies"}.get(kind, kind + "s")


def _when(moment: datetime) -> str:
    return moment.strftime("%a %d %b %Y %H:%M UTC")


def _headline(item: DigestItem) -> str:
    return item.title or item.excerpt or item.post_id


def _body(item: DigestItem) -> str:
    """The excerpt under a title; empty when the excerpt is already the headline."""
    return item.excerpt if item.title and item.excerpt != item.title else ""


# -- text -----------------------------------------------------------------------------------


def render_text(digest: Digest, width: int = 0) -> str:
    """Plain text for the terminal and the text/plain part of the mail; prose wraps at `width`
    columns (default and at most TEXT_WIDTH, for mail), at least 40."""
    width = max(40, min(width or TEXT_WIDTH, TEXT_WIDTH))
    if digest.empty:
        return empty_line(digest) + "\n"
    title = f"{TITLE} — {_when(digest.generated_at)}"
    since = f"(since {_when(digest.since)})"
    out = [f"{title} {since}" if len(title) + 1 + len(since) <= width else f"{title}\n  {since}"]
    out.append("")
    out += talked_text(digest.talked, width)
    out += _text_items("1. Reply to these", digest.reply, "nothing to reply to", width)
    out += _text_items("2. Worth sharing", digest.share, "nothing to share", width)
    out += _text_cold(digest, width)
    out += _text_yesterday(digest, width)
    out += _text_scores(digest, width)
    out += circle_text(digest.circle, width)
    return printable("\n".join(out).rstrip() + "\n")


def _text_items(title: str, entries: tuple[DigestItem, ...], none: str, width: int) -> list[str]:
    """A numbered section of posts: who, where, how old, what to do, the post and why."""
    out = [title]
    if not entries:
        out.append(f"  {none}")
    for n, item in enumerate(entries, start=1):
        head = f"{item.contact} · {item.platform} · {age_text(item.age_hours)} — {item.action}"
        out.append(_fit_text(head, f"  {n}. ", "     ", width))
        out.append(_wrapped(_headline(item), "     ", width))
        if _body(item):
            out.append(_wrapped(item.excerpt, "     ", width))
        if _safe_url(item.url):
            out.append(f"     {item.url}")
        out.append(_wrapped(f"why: {item.reason}", "     ", width))
    out.append("")
    return out


def _text_cold(digest: Digest, width: int) -> list[str]:
    """Contacts going cold, each with their latest post as an opening."""
    out = ["3. Going cold"]
    if not digest.cold:
        out.append("  nobody: no silent contact posted lately")
    for contact in digest.cold:
        post = contact.opening
        line = (
            f"{contact.name} (priority {contact.priority}) · {post.platform} · "
            f"{silence_text(contact)} — latest: {_one_line(post.title or post.excerpt[:80])}"
        )
        out.append(_fit_text(line, "  - ", "    ", width))
        if _safe_url(post.url):
            out.append(f"    {post.url}")
    out.append("")
    return out


def _text_yesterday(digest: Digest, width: int) -> list[str]:
    """What the user did, and the shown posts they lurked on."""
    out = ["4. Yesterday"]
    out.append(_fit_text(f"you did: {activity_line(digest.activity)}", "  ", "    ", width))
    lurked = digest.activity.lurked
    out.append(_fit_text(f"you lurked on: {lurked_text(digest.activity)}", "  ", "    ", width))
    for item in lurked:
        line = f"{item.contact} · {item.platform} · {_one_line(item.title or item.post_id)}"
        out.append(_fit_text(line, "  - ", "    ", width))
    out.append("")
    return out


def _text_scores(digest: Digest, width: int) -> list[str]:
    """One score line per platform with its trend, then its components."""
    out = ["5. Participation"]
    if not digest.scores:
        out.append("  no activity to score yet")
    for score in digest.scores:
        out.append(
            _fit_text(
                f"{score.platform:<9} {score.total:3.0f}/100  {sparkline(score.history)}  "
                f"{trend_text(score)} vs previous window",
                "  ",
                "            ",
                width,
            )
        )
        out.append(_pack(components_line(score).split(" · "), " · ", "            ", width))
    return out


def _one_line(text: str) -> str:
    return " ".join(text.split())


# Plain-text mail and terminals: wrap prose at 78 columns; links are never split.
TEXT_WIDTH = 78


def _fit_text(text: str, first: str, rest: str, width: int) -> str:
    """`first + text` as it is when it fits in `width`, else wrapped with `rest` below;
    words (and links) are never split."""
    if len(first) + len(text) <= width and "\n" not in text:
        return first + text
    return textwrap.fill(
        _one_line(text),
        width=width,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _pack(parts: list[str], sep: str, indent: str, width: int) -> str:
    """`parts` joined by `sep` on as few lines as fit in `width`, never splitting a part;
    a broken line ends with the separator, so the text still reads as one line."""
    tail = sep.rstrip()
    lines: list[str] = []
    for i, part in enumerate(parts):
        room = len(tail) if i < len(parts) - 1 else 0
        if lines and len(lines[-1]) + len(sep) + len(part) + room <= width:
            lines[-1] += sep + part
        else:
            if lines:
                lines[-1] += tail
            lines.append(indent + part)
    return "\n".join(lines)


def _wrapped(text: str, indent: str, width: int = TEXT_WIDTH) -> str:
    return textwrap.fill(
        _one_line(text),
        width=width,
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


# -- markdown -------------------------------------------------------------------------------


def render_markdown(digest: Digest) -> str:
    if digest.empty:
        return empty_line(digest) + "\n"
    out = [f"# {TITLE}", "", f"*{_when(digest.generated_at)} — since {_when(digest.since)}*", ""]

    def items(title: str, entries: tuple[DigestItem, ...], none: str) -> None:
        out.extend([f"## {title}", ""])
        if not entries:
            out.extend([f"_{none}_", ""])
        for n, item in enumerate(entries, start=1):
            headline = md(_headline(item))
            url = md_url(item.url)
            link = f"[{headline}](<{url}>)" if url else headline
            out.append(
                f"{n}. **{md(item.contact)}** · {item.platform} · {age_text(item.age_hours)} — "
                f"**{item.action}**: {link}  "
            )
            if _body(item):
                out.append(f"   {md(item.excerpt)}  ")
            out.append(f"   _why: {md(item.reason)}_")
        out.append("")

    out.extend(talked_markdown(digest.talked))
    items("1. Reply to these", digest.reply, "nothing to reply to")
    items("2. Worth sharing", digest.share, "nothing to share")
    out.extend(["## 3. Going cold", ""])
    if not digest.cold:
        out.append("_nobody: no silent contact posted lately_")
    for contact in digest.cold:
        post = contact.opening
        url = md_url(post.url)
        headline = md(post.title or post.excerpt[:80] or post.id)
        link = f"[{headline}](<{url}>)" if url else headline
        out.append(
            f"- **{md(contact.name)}** (priority {contact.priority}) · {post.platform} · "
            f"{silence_text(contact)} — latest: {link}"
        )
    out.extend(["", "## 4. Yesterday", ""])
    out.append(f"- You did: {md(activity_line(digest.activity))}")
    out.append(f"- You lurked on: {lurked_text(digest.activity)}")
    for item in digest.activity.lurked:
        out.append(f"  - {md(item.contact)} · {item.platform} · {md(item.title or item.post_id)}")
    out.extend(["", "## 5. Participation", ""])
    if not digest.scores:
        out.append("_no activity to score yet_")
    else:
        out.append("| platform | score | trend | history | components |")
        out.append("|---|---:|---:|---|---|")
        for score in digest.scores:
            out.append(
                f"| {score.platform} | {score.total:.0f}/100 | {trend_text(score)} | "
                f"{sparkline(score.history)} | {components_line(score)} |"
            )
    out.extend(circle_markdown(digest.circle))
    return printable("\n".join(out).rstrip() + "\n")


# -- html -----------------------------------------------------------------------------------

_FONT = "font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif"
_MUTED = "color:#666666;font-size:13px"


def render_html(digest: Digest, *, actions_url: str | None = None) -> str:
    """One page, inline CSS only, tables for layout: it survives mail clients. With
    `actions_url` (the web app's `serve.public_url`) each post gets buttons linking to the
    app's confirm page for that post and action (a GET there only asks; a POST records)."""
    if digest.empty:
        body = f'<p style="font-size:16px">{e(empty_line(digest))}</p>'
    else:
        body = "".join(
            [
                f'<p style="{_MUTED}">{e(_when(digest.generated_at))} — since '
                f"{e(_when(digest.since))}</p>",
                talked_html(digest.talked),
                _html_items("1. Reply to these", digest.reply, "Nothing to reply to.", actions_url),
                _html_items("2. Worth sharing", digest.share, "Nothing to share.", actions_url),
                _html_cold(digest.cold),
                _html_activity(digest.activity),
                _html_scores(digest.scores),
                circle_html(digest.circle),
            ]
        )
    return printable(
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(TITLE)}</title></head>"
        f'<body style="margin:0;padding:0;background:#f4f4f4;{_FONT}">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" '
        'style="background:#f4f4f4"><tr><td align="center" style="padding:16px">'
        '<table role="presentation" width="640" cellpadding="0" cellspacing="0" '
        'style="max-width:640px;width:100%;background:#ffffff;border-radius:6px">'
        f'<tr><td style="padding:20px 24px;color:#222222;font-size:15px;line-height:1.45">'
        f'<h1 style="font-size:22px;margin:0 0 4px 0">{e(TITLE)}</h1>'
        f"{body}</td></tr></table></td></tr></table></body></html>\n"
    )


def _h2(title: str) -> str:
    return (
        f'<h2 style="font-size:17px;margin:22px 0 8px 0;padding-bottom:4px;'
        f'border-bottom:1px solid #e5e5e5">{e(title)}</h2>'
    )


# The web app's buttons, as the mailed digest links them: (mark label, text).
MAIL_BUTTONS = (("comment", "Replied"), ("share", "Shared"), ("like", "Liked"), ("skip", "Skip"))


def _html_buttons(item: DigestItem, actions_url: str) -> str:
    from urllib.parse import urlencode  # only for a mailed digest with buttons

    base = actions_url.rstrip("/")
    links = [
        f'<a href="{e(base)}/confirm?{e(urlencode({"post": item.post_id, "action": label}))}" '
        'style="display:inline-block;margin:4px 6px 0 0;padding:3px 10px;border:1px solid '
        f'#1a5fb4;border-radius:4px;color:#1a5fb4;text-decoration:none">{e(text)}</a>'
        for label, text in MAIL_BUTTONS
    ]
    return f"<div>{''.join(links)}</div>"


def _html_items(
    title: str, entries: tuple[DigestItem, ...], none: str, actions_url: str | None = None
) -> str:
    parts = [_h2(title)]
    if not entries:
        parts.append(f'<p style="{_MUTED}">{e(none)}</p>')
    for item in entries:
        parts.append(
            '<div style="margin:0 0 14px 0">'
            f'<div style="{_MUTED}"><strong style="color:#222222">{e(item.contact)}</strong> · '
            f"{e(item.platform)} · {e(age_text(item.age_hours))} · "
            f'<span style="background:#e8f0fe;color:#1a5fb4;padding:1px 6px;border-radius:3px">'
            f"{e(item.action)}</span></div>"
            f'<div style="font-weight:600;margin:2px 0">{_link(_headline(item), item.url)}</div>'
        )
        if _body(item):
            parts.append(f'<div style="margin:2px 0">{e(item.excerpt)}</div>')
        parts.append(f'<div style="{_MUTED};font-style:italic">why: {e(item.reason)}</div>')
        parts.append((_html_buttons(item, actions_url) if actions_url else "") + "</div>")
    return "".join(parts)


def _html_cold(cold: tuple[ColdContact, ...]) -> str:
    parts = [_h2("3. Going cold")]
    if not cold:
        return parts[0] + f'<p style="{_MUTED}">Nobody: no silent contact posted lately.</p>'
    parts.append('<ul style="margin:0;padding-left:20px">')
    for contact in cold:
        post = contact.opening
        parts.append(
            f'<li style="margin:0 0 8px 0"><strong>{e(contact.name)}</strong> '
            f'<span style="{_MUTED}">(priority {contact.priority}) · {e(post.platform)} · '
            f"{e(silence_text(contact))}</span><br>latest: "
            f"{_link(post.title or post.excerpt[:80] or post.id, post.url)}</li>"
        )
    parts.append("</ul>")
    return "".join(parts)


def _html_activity(activity: Activity) -> str:
    parts = [_h2("4. Yesterday"), f"<p>You did: {e(activity_line(activity))}</p>"]
    parts.append(f"<p>You lurked on: {e(lurked_text(activity))}</p>")
    if activity.lurked:
        parts.append('<ul style="margin:0;padding-left:20px">')
        for item in activity.lurked:
            parts.append(
                f"<li>{e(item.contact)} · {e(item.platform)} · "
                f"{_link(item.title or item.post_id, item.url)}</li>"
            )
        parts.append("</ul>")
    return "".join(parts)


def _html_scores(scores: tuple[PlatformScore, ...]) -> str:
    parts = [_h2("5. Participation")]
    if not scores:
        return parts[0] + f'<p style="{_MUTED}">No activity to score yet.</p>'
    parts.append('<table role="presentation" width="100%" cellpadding="4" cellspacing="0">')
    for score in scores:
        filled = max(0, min(100, round(score.total)))
        bar = (
            '<table role="presentation" width="200" cellpadding="0" cellspacing="0" '
            'style="width:200px;height:12px;background:#e5e5e5;border-radius:3px"><tr>'
            + (
                f'<td width="{filled * 2}" style="width:{filled * 2}px;height:12px;'
                'background:#2e8b57;border-radius:3px"></td>'
                if filled
                else ""
            )
            + '<td style="height:12px"></td></tr></table>'
        )
        parts.append(
            f'<tr><td style="font-weight:600;width:90px">{e(score.platform)}</td>'
            f"<td>{bar}</td>"
            f'<td style="white-space:nowrap">{score.total:.0f}/100 '
            f'<span style="{_MUTED}">({e(trend_text(score))})</span></td></tr>'
            f'<tr><td></td><td colspan="2" style="{_MUTED}">{e(components_line(score))}</td></tr>'
        )
    parts.append("</table>")
    return "".join(parts)


# -- json -----------------------------------------------------------------------------------


def item_to_dict(i: DigestItem) -> dict[str, Any]:
    """One post of the reply or share section; `explore`: shown because listen is unsure."""
    return {
        "post_id": i.post_id,
        "platform": i.platform,
        "contact": i.contact,
        "priority": i.priority,
        "url": i.url,
        "title": i.title,
        "excerpt": i.excerpt,
        "created_at": to_iso(i.created_at),
        "age_hours": round(i.age_hours, 1),
        "action": i.action,
        "reason": i.reason,
        "explore": i.explore,
        "value": round(i.value, 4),
        "score": round(i.score, 4),
    }


def digest_to_dict(digest: Digest) -> dict[str, Any]:
    """A JSON-ready dict; times are ISO 8601 UTC."""
    return {
        "generated_at": to_iso(digest.generated_at),
        "since": to_iso(digest.since),
        "empty": digest.empty,
        "reply": [item_to_dict(i) for i in digest.reply],
        "share": [item_to_dict(i) for i in digest.share],
        "going_cold": [
            {
                "contact": c.name,
                "priority": c.priority,
                "days_silent": c.days_silent,
                "latest_post": {
                    "post_id": c.opening.id,
                    "platform": c.opening.platform,
                    "title": c.opening.title,
                    "url": c.opening.url,
                    "created_at": to_iso(c.opening.created_at),
                },
            }
            for c in digest.cold
        ],
        "yesterday": {
            "engagements": digest.activity.by_platform,
            "lurked_total": max(digest.activity.lurked_total, len(digest.activity.lurked)),
            "lurked": [
                {
                    "post_id": i.post_id,
                    "platform": i.platform,
                    "contact": i.contact,
                    "title": i.title,
                    "url": i.url,
                    "shown_at": to_iso(i.shown_at),
                }
                for i in digest.activity.lurked
            ],
        },
        "scores": [score_to_dict(s) for s in digest.scores],
        "talked_to_you": [reply_back_to_dict(t) for t in digest.talked],
        "circle": circle_to_dict(digest.circle) if digest.circle is not None else None,
    }


def score_to_dict(score: PlatformScore) -> dict[str, Any]:
    c = score.current
    return {
        "platform": score.platform,
        "window_start": to_iso(score.window_start),
        "window_end": to_iso(score.window_end),
        "total": round(c.total, 2),
        "response": round(c.response, 2),
        "depth": round(c.depth, 2),
        "breadth": round(c.breadth, 2),
        "consistency": round(c.consistency, 2),
        "lurk_ratio": round(c.lurk_ratio, 4),
        "participated": c.participated,
        "lurked": c.lurked,
        "open": c.open,
        "engagements_by_kind": c.engagements_by_kind,
        "contacts_engaged": c.contacts_engaged,
        "contacts_posting": c.contacts_posting,
        "active_days": c.active_days,
        "window_days": c.window_days,
        "previous_total": round(score.previous_total, 2),
        "trend": round(score.trend, 2),
        "history": [round(v, 2) for v in score.history],
    }


def render_json(digest: Digest) -> str:
    return json.dumps(digest_to_dict(digest), indent=2, ensure_ascii=False) + "\n"


def render_scores_text(scores: list[PlatformScore], width: int = 0) -> str:
    """`listen score` in text; lines longer than `width` (when given) wrap under the indent."""
    if not scores:
        return (
            "No activity to score yet: no posts from your contacts and none of your replies,"
            " likes or shares in this window. `listen run` collects both; `--window 90d` looks"
            " further back.\n"
        )
    out = []
    for score in scores:
        c = score.current
        out.append(
            f"{score.platform:<9} {score.total:3.0f}/100  {sparkline(score.history)}  "
            f"{trend_text(score)} vs previous {c.window_days} {_plural('day', c.window_days)}"
        )
        out.append(f"          {components_line(score)}")
        kinds = ", ".join(f"{n} {_plural(k, n)}" for k, n in c.engagements_by_kind.items())
        out.append(
            f"          {kinds or 'no engagements'}; {c.participated} participated, "
            f"{c.lurked} lurked, {c.open} open; {c.contacts_engaged}/{c.contacts_posting} "
            f"contacts; {c.active_days}/{c.window_days} active days"
        )
    return printable("\n".join(_fit(line, width, " " * 10) for line in out) + "\n")


def _fit(line: str, width: int, continuation: str | None = None) -> str:
    """`line` wrapped at `width` (0: as is), continued under its own indent plus two spaces
    (or `continuation`); a line that is only a link is never split. For `listen score`."""
    stripped = line.lstrip()
    if not width or len(line) <= width or stripped.startswith(("http://", "https://")):
        return line
    indent = line[: len(line) - len(stripped)]
    return textwrap.fill(
        line,
        width=max(40, width),
        subsequent_indent=indent + "  " if continuation is None else continuation,
        break_long_words=False,
        break_on_hyphens=False,
    )
