"""Server-rendered SVG charts for the Score page: pure functions from numbers to markup.

Readable without colour: every bar and point carries its value as text, the trend's points are
marked with shapes, and each chart has a title and a description for screen readers. Styling
is by presentation attributes and classes only (the page's CSP forbids inline styles).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

COMPONENTS = ("response", "depth", "breadth", "consistency")
COMPONENT_MAX = 25.0
SCORE_MAX = 100.0


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def component_bars(values: Sequence[tuple[str, float]], *, title: str) -> str:
    """Horizontal bars, one per (label, value out of 25), each labelled with its value."""
    row, label_w, bar_w = 26, 110, 240
    height = row * len(values) + 8
    parts = [
        f'<svg class="chart bars" role="img" viewBox="0 0 {label_w + bar_w + 70} {height}"'
        f' width="{label_w + bar_w + 70}" height="{height}" aria-labelledby="{_id(title)}-t">',
        f'<title id="{_id(title)}-t">{_e(title)}</title>',
    ]
    for i, (label, value) in enumerate(values):
        y = 4 + i * row
        filled = max(0.0, min(1.0, value / COMPONENT_MAX)) * bar_w
        parts += [
            f'<text x="0" y="{y + 15}" class="label">{_e(label)}</text>',
            f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="16" class="track"/>',
            f'<rect x="{label_w}" y="{y + 3}" width="{filled:.1f}" height="16" class="fill"/>',
            f'<text x="{label_w + bar_w + 8}" y="{y + 15}" class="value">'
            f"{value:.0f} / {COMPONENT_MAX:.0f}</text>",
        ]
    parts.append("</svg>")
    return "".join(parts)


def trend_line(
    values: Sequence[float],
    labels: Sequence[str],
    *,
    title: str,
    top: float = SCORE_MAX,
    goal: float | None = None,
    kind: str = "trend",
) -> str:
    """A line of weekly values (0 to `top`, oldest first) with square markers, each value
    written above its point, a 0 / half / top scale, the weeks' labels below, and a dashed,
    labelled line at `goal` when there is one; `kind`: the SVG's classes after "chart"."""
    left, upper, width, height = 36, 18, 520, 140
    step = width / max(1, len(values) - 1)

    def x(i: int) -> float:
        return left + i * step

    def y(v: float) -> float:
        return upper + height - max(0.0, min(top, v)) / top * height

    size_w, size_h = left + width + 30, upper + height + 40
    parts = [
        f'<svg class="chart {kind}" role="img" viewBox="0 0 {size_w} {size_h}"'
        f' width="{size_w}" height="{size_h}" aria-labelledby="{_id(title)}-t">',
        f'<title id="{_id(title)}-t">{_e(title)}</title>',
    ]
    for level in (0, top / 2, top):
        parts += [
            f'<line x1="{left}" x2="{left + width}" y1="{y(level):.1f}" y2="{y(level):.1f}"'
            ' class="grid"/>',
            f'<text x="{left - 6}" y="{y(level) + 4:.1f}" class="axis" text-anchor="end">'
            f"{level:g}</text>",
        ]
    if goal is not None:
        parts += [
            f'<line x1="{left}" x2="{left + width}" y1="{y(goal):.1f}" y2="{y(goal):.1f}"'
            ' class="goal" stroke-dasharray="6 4"/>',
            f'<text x="{left + width}" y="{y(goal) - 5:.1f}" class="axis" text-anchor="end">'
            f"goal {goal:.0f}</text>",
        ]
    points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    parts.append(f'<polyline points="{points}" class="line" fill="none"/>')
    for i, v in enumerate(values):
        parts += [
            f'<rect x="{x(i) - 4:.1f}" y="{y(v) - 4:.1f}" width="8" height="8" class="point"/>',
            f'<text x="{x(i):.1f}" y="{y(v) - 8:.1f}" class="value" text-anchor="middle">'
            f"{v:.0f}</text>",
        ]
    for i, label in enumerate(labels):
        if i % 2 == len(labels) % 2 or i == len(labels) - 1:  # every other week, and the last
            parts.append(
                f'<text x="{x(i):.1f}" y="{upper + height + 22}" class="axis" '
                f'text-anchor="middle">{_e(label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def scale_top(values: Sequence[float], goal: float = 0) -> float:
    """A round top for a chart of counts, with room above the largest value and the goal."""
    largest = max([goal, *values, 1.0]) * 1.2
    for step in (5, 10, 25, 50, 100, 250, 500, 1000):
        if largest <= step * 10:
            return float(-(-largest // step) * step)
    return float(largest)


def _id(title: str) -> str:
    """An id-safe slug of `title` (ids tie each chart to its title for screen readers)."""
    return "c-" + "".join(ch if ch.isalnum() else "-" for ch in title.lower())[:40]
