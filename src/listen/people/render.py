"""People in every output: "They talked to you" and "Your circle" for the digest (text,
Markdown, HTML, JSON), one contact's story, and the people line of `listen score`.

All text is untrusted: HTML escapes every value, Markdown escapes its syntax, links are only
ever http(s), and text output drops control characters.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from listen.clock import to_iso
from listen.digest.markup import e, html_link, md, md_link, safe_url
from listen.people.circle import CircleReport, PeopleScore, ReplyBack
from listen.people.story import ContactStory, duration_text, sparkline
from listen.text import printable

TALKED_TITLE = "They talked to you"
CIRCLE_TITLE = "Your circle"
KIND_VERBS = {
    "reply": "replied",
    "mention": "mentioned you",
    "comment": "commented on your blog",
    "quote": "quoted you",
    "repost": "reposted you",
    "like": "liked your post",
    "follow": "followed you",
    "intro": "you introduced them",
    "share": "you shared their post",
}
_MUTED = "color:#666666;font-size:13px"


def _wrap(text: str, first: str, rest: str, width: int) -> str:
    return textwrap.fill(
        " ".join(text.split()),
        width=max(40, width),
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _waiting(item: ReplyBack) -> str:
    """`Ann · bluesky · replied 2 days ago`."""
    verb = KIND_VERBS.get(item.kind, item.kind)
    ago = duration_text(timedelta(hours=item.waiting_hours))
    return f"{item.contact} · {item.platform} · {verb} {ago} ago"


def week_change(trend: Sequence[int]) -> str:
    """`+3`, `-2` or `±0`: this week against the one before."""
    delta = trend[-1] - trend[-2] if len(trend) > 1 else 0
    return "±0" if delta == 0 else f"{delta:+d}"


def circle_line(report: CircleReport) -> str:
    """`12 / 50 people this week ▁▂▅█ (+3 vs last week)`."""
    return (
        f"{report.week_count} / {report.goal} people this week  {sparkline(report.trend)}  "
        f"({week_change(report.trend)} vs last week)"
    )


def helped_line(report: CircleReport) -> str:
    trend = sparkline(report.helped_trend)
    return f"you did good for {report.helped_count} {_people(report.helped_count)}  {trend}"


def _people(n: int) -> str:
    return "person" if n == 1 else "people"


def _untouched_text(report: CircleReport) -> str:
    names = [
        f"{u.name} ({'never' if u.days is None else f'{u.days} d'})"
        for u in report.untouched
        if u.priority >= 3
    ]
    if not names:
        return f"untouched: {report.untouched_total} (none of high priority)"
    return f"untouched, high priority: {', '.join(names)}"


# -- text -----------------------------------------------------------------------------------


def talked_text(items: Sequence[ReplyBack], width: int) -> list[str]:
    """The digest's opening section, when someone is waiting for an answer."""
    if not items:
        return []
    out = [TALKED_TITLE]
    for n, item in enumerate(items, start=1):
        out.append(_wrap(_waiting(item) + " — answer", f"  {n}. ", "     ", width))
        if item.text:
            out.append(_wrap(f"“{item.text}”", "     ", "     ", width))
        if safe_url(item.url):
            out.append(f"     {item.url}")
    out.append("")
    return out


def circle_text(report: CircleReport | None, width: int, number: int = 6) -> list[str]:
    """The digest's "Your circle" section."""
    if report is None:
        return []
    out = ["", f"{number}. {CIRCLE_TITLE}", _wrap(circle_line(report), "  ", "    ", width)]
    out.append(_wrap(helped_line(report), "  ", "    ", width))
    for person in report.helped[:5]:
        out.append(_wrap(f"{person.name}: {', '.join(person.how)}", "  - ", "    ", width))
    out.append(_wrap(_untouched_text(report), "  ", "    ", width))
    return out


# -- markdown -------------------------------------------------------------------------------


def talked_markdown(items: Sequence[ReplyBack]) -> list[str]:
    if not items:
        return []
    out = [f"## {TALKED_TITLE}", ""]
    for n, item in enumerate(items, start=1):
        quote = md_link(f"“{item.text or item.their_post or ''}”", item.url)
        out.append(
            f"{n}. **{md(item.contact)}** · {md(_waiting(item).split(' · ', 1)[1])} — "
            f"**answer**: {quote}"
        )
    out.append("")
    return out


def circle_markdown(report: CircleReport | None, number: int = 6) -> list[str]:
    if report is None:
        return []
    out = ["", f"## {number}. {CIRCLE_TITLE}", "", f"- {md(circle_line(report))}"]
    out.append(f"- {md(helped_line(report))}")
    for person in report.helped[:5]:
        out.append(f"  - {md(person.name)}: {md(', '.join(person.how))}")
    out.append(f"- {md(_untouched_text(report))}")
    return out


# -- html -----------------------------------------------------------------------------------


def _h2(title: str) -> str:
    return (
        f'<h2 style="font-size:17px;margin:22px 0 8px 0;padding-bottom:4px;'
        f'border-bottom:1px solid #e5e5e5">{e(title)}</h2>'
    )


def talked_html(items: Sequence[ReplyBack]) -> str:
    if not items:
        return ""
    parts = [_h2(TALKED_TITLE)]
    for item in items:
        parts.append(
            '<div style="margin:0 0 14px 0">'
            f'<div style="{_MUTED}"><strong style="color:#222222">{e(item.contact)}</strong> · '
            f"{e(_waiting(item).split(' · ', 1)[1])} · "
            '<span style="background:#fdecea;color:#b3261e;padding:1px 6px;border-radius:3px">'
            "answer</span></div>"
            f'<div style="margin:2px 0">{html_link(f"“{item.text}”", item.url)}</div></div>'
        )
    return "".join(parts)


def circle_html(report: CircleReport | None, number: int = 6) -> str:
    if report is None:
        return ""
    helped = "".join(f"<li>{e(p.name)}: {e(', '.join(p.how))}</li>" for p in report.helped[:5])
    return (
        _h2(f"{number}. {CIRCLE_TITLE}")
        + f"<p>{e(circle_line(report))}</p><p>{e(helped_line(report))}</p>"
        + (f'<ul style="margin:0;padding-left:20px">{helped}</ul>' if helped else "")
        + f'<p style="{_MUTED}">{e(_untouched_text(report))}</p>'
    )


# -- json -----------------------------------------------------------------------------------


def reply_back_to_dict(item: ReplyBack) -> dict[str, Any]:
    return {
        "contact": item.contact,
        "platform": item.platform,
        "kind": item.kind,
        "at": to_iso(item.at),
        "text": item.text,
        "url": item.url,
        "their_post": item.their_post,
        "waiting_hours": round(item.waiting_hours, 1),
    }


def circle_to_dict(report: CircleReport) -> dict[str, Any]:
    return {
        "week_count": report.week_count,
        "goal": report.goal,
        "trend": list(report.trend),
        "helped_count": report.helped_count,
        "helped_trend": list(report.helped_trend),
        "helped": [
            {"contact": p.name, "how": list(p.how), "last_at": to_iso(p.last_at)}
            for p in report.helped
        ],
        "untouched_total": report.untouched_total,
        "untouched": [
            {
                "contact": u.name,
                "priority": u.priority,
                "last_at": to_iso(u.last_at),
                "days": u.days,
            }
            for u in report.untouched
        ],
        "talked": [reply_back_to_dict(t) for t in report.talked],
    }


# -- one contact's story --------------------------------------------------------------------


def _ago(moment: datetime | None, now: datetime) -> str:
    return "never" if moment is None else f"{duration_text(now - moment)} ago"


def story_text(story: ContactStory, *, now: datetime, width: int = 100) -> str:
    """`listen contacts show NAME` in text."""
    out = [f"{story.name} (priority {story.priority})"]
    if story.notes:
        out.append(_wrap(f"notes: {story.notes}", "  ", "    ", width))
    for platform, handle in story.identities:
        out.append(f"  {platform}: {handle}")
    out.append(f"you → them: {_ago(story.last_out, now)}; them → you: {_ago(story.last_in, now)}")
    counts = " ".join(str(m.total) for m in story.months)
    out.append(
        f"per month ({story.months[0].month} to {story.months[-1].month}): "
        f"{story.sparkline}  {counts}"
    )
    out.append(_wrap(f"next step: {story.next_step.text}", "", "  ", width))
    if safe_url(story.next_step.url):
        out.append(f"  {story.next_step.url}")
    if story.opportunities:
        out.append("open:")
        for o in story.opportunities:
            out.append(_wrap(f"{o.action}: {o.title or o.excerpt}", "  - ", "    ", width))
            if safe_url(o.url):
                out.append(f"    {o.url}")
    out.append("timeline (newest first):")
    if not story.timeline:
        out.append("  nothing yet")
    for entry in story.timeline:
        what = _timeline_verb(entry.direction, entry.kind)
        when = entry.at.strftime("%Y-%m-%d")
        line = f"{when} {what}" + (f" · {entry.platform}" if entry.platform else "")
        out.append(_wrap(line + (f": {entry.text}" if entry.text else ""), "  ", "      ", width))
        if safe_url(entry.url):
            out.append(f"      {entry.url}")
    return printable("\n".join(out) + "\n")


OUT_VERBS = {
    "reply": "you replied to",
    "comment": "you commented on",
    "like": "you liked",
    "share": "you shared",
    "repost": "you reposted",
    "quote": "you quoted",
    "mention": "you mentioned them in",
    "intro": "you introduced them, on",
}


def _timeline_verb(direction: str, kind: str) -> str:
    """`they posted`, `they replied`, `you liked`... for one timeline entry."""
    if direction == "theirs":
        return "they posted" if kind in ("post", "article") else f"they posted a {kind}"
    if direction == "out":
        return OUT_VERBS.get(kind, f"you: {kind}")
    return "they " + KIND_VERBS.get(kind, kind).removeprefix("you ")


def story_to_dict(story: ContactStory) -> dict[str, Any]:
    """`listen contacts show NAME --format json`."""
    return {
        "name": story.name,
        "priority": story.priority,
        "notes": story.notes,
        "identities": [{"platform": p, "handle": h} for p, h in story.identities],
        "last_out": to_iso(story.last_out),
        "last_in": to_iso(story.last_in),
        "months": [
            {"month": m.month, "inbound": m.inbound, "outbound": m.outbound} for m in story.months
        ],
        "sparkline": story.sparkline,
        "next_step": {
            "action": story.next_step.action,
            "text": story.next_step.text,
            "url": story.next_step.url,
        },
        "opportunities": [
            {
                "post_id": o.post_id,
                "platform": o.platform,
                "url": o.url,
                "title": o.title,
                "excerpt": o.excerpt,
                "created_at": to_iso(o.created_at),
                "action": o.action,
                "reason": o.reason,
            }
            for o in story.opportunities
        ],
        "timeline": [
            {
                "at": to_iso(t.at),
                "direction": t.direction,
                "kind": t.kind,
                "platform": t.platform,
                "text": t.text,
                "url": t.url,
                "post_id": t.post_id,
            }
            for t in story.timeline
        ],
    }


# -- listen score ---------------------------------------------------------------------------


def people_score_text(score: PeopleScore, *, width: int = 0) -> str:
    """The people line of `listen score` (the circle, then what you did for them), wrapped
    under its label like the platform lines when `width` is set (0: lines stay whole)."""
    circle = (
        f"{score.week_count}/{score.goal} this week  {sparkline(score.trend)}  "
        f"{week_change(score.trend)} vs last week"
    )
    helped = (
        f"helped {score.helped_count} {_people(score.helped_count)} "
        f"{sparkline(score.helped_trend)}; {score.untouched_total} untouched; "
        f"{score.talked} waiting for your answer"
    )
    indent = " " * 10
    if not width:
        return f"people    {circle}\n{indent}{helped}"
    first = textwrap.fill(circle, width, initial_indent="people    ", subsequent_indent=indent)
    rest = textwrap.fill(helped, width, initial_indent=indent, subsequent_indent=indent)
    return f"{first}\n{rest}"


def people_score_to_dict(score: PeopleScore) -> dict[str, Any]:
    return {
        "circle_this_week": score.week_count,
        "weekly_goal": score.goal,
        "circle_trend": list(score.trend),
        "helped": score.helped_count,
        "helped_trend": list(score.helped_trend),
        "untouched": score.untouched_total,
        "waiting_for_answer": score.talked,
    }
