"""Gaps: posts a poll could not read (page cap, read budget, a failed page), kept in the source
state so later polls fetch them, a bounded number of pages per poll.

A timeline is read newest first. When paging stops early, what lies between the oldest post
read and the newest one known before the poll is a gap; moving `since_id` past it would lose it
for good. Pure bookkeeping: the collectors do the fetching.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from listen.errors import SourceError

GAPS_KEY = "gaps"


@dataclass(frozen=True, slots=True)
class Gap:
    """Unread posts newer than `newer_than` (None: back to the start of the history, at most
    `pages_left` pages) and older than where `resume_from` points (an id or a page cursor)."""

    newer_than: str | None
    resume_from: str
    pages_left: int | None = None

    def to_state(self) -> dict[str, Any]:
        found: dict[str, Any] = {"newer_than": self.newer_than, "resume_from": self.resume_from}
        if self.pages_left is not None:
            found["pages_left"] = self.pages_left
        return found

    def after_reading(self, resume_from: str | None, pages: int) -> Gap | None:
        """What is left once `pages` more pages were read and paging can go on at
        `resume_from` (None: the gap is closed)."""
        pages_left = None if self.pages_left is None else self.pages_left - pages
        if resume_from is None or (pages_left is not None and pages_left <= 0):
            return None
        return Gap(self.newer_than, resume_from, pages_left)


@dataclass
class Walk:
    """What one paging pass read, newest first (internal, mutable)."""

    items: list[Any] = field(default_factory=list)
    newest: str | None = None  # the newest id read (the next `since_id`)
    resume_from: str | None = None  # where paging would go on: the oldest id, or a cursor
    pages: int = 0
    complete: bool = False  # paging reached its end (the last page, or what was known)
    error: SourceError | None = None  # the page that failed ends the pass


# (newer_than, resume_from, pages) → the pass: newest first, from `resume_from` (None: the
# newest) down to `newer_than` (None: as far as `pages` go).
Pager = Callable[[str | None, str | None, int], Walk]


def read_with_gaps(
    pager: Pager, newer_than: str | None, gaps: list[Gap], pages: int
) -> tuple[Walk, list[Gap]]:
    """What is new since `newer_than`, then the gaps earlier polls left, each at most `pages`
    pages; returns everything read (the first pass's `newest`, the first error) and the gaps
    still open. Paging that stops early opens a gap (a first poll only when a page failed: its
    history otherwise ends at the page cap); this poll's own gap waits for the next poll."""
    first = pager(newer_than, None, pages)
    left: list[Gap] = []
    if not first.complete and first.resume_from and (newer_than or first.error):
        gap = Gap(newer_than, first.resume_from, None if newer_than else pages)
        if (opened := gap.after_reading(first.resume_from, first.pages)) is not None:
            left.append(opened)
    found = Walk(list(first.items), first.newest, error=first.error, pages=first.pages)
    budget = pages
    for gap in gaps:
        if found.error is not None or budget <= 0:
            left.append(gap)
            continue
        fill = pager(gap.newer_than, gap.resume_from, budget)
        found.items.extend(fill.items)
        found.pages += fill.pages
        found.error = fill.error
        budget -= max(1, fill.pages)
        resume = None if fill.complete else fill.resume_from or gap.resume_from
        if (rest := gap.after_reading(resume, fill.pages)) is not None:
            left.append(rest)
    return found, left


def load_gaps(state: Mapping[str, Any]) -> list[Gap]:
    """The gaps recorded in a source state, newest first (malformed entries are dropped)."""
    gaps = []
    for raw in state.get(GAPS_KEY) or []:
        if not isinstance(raw, dict) or not isinstance(raw.get("resume_from"), str):
            continue
        newer = raw.get("newer_than")
        pages = raw.get("pages_left")
        gaps.append(
            Gap(
                newer if isinstance(newer, str) else None,
                raw["resume_from"],
                pages if isinstance(pages, int) else None,
            )
        )
    return gaps


def save_gaps(state: dict[str, Any], gaps: list[Gap]) -> None:
    if gaps:
        state[GAPS_KEY] = [gap.to_state() for gap in gaps]
    else:
        state.pop(GAPS_KEY, None)


def gap_note(state: Mapping[str, Any]) -> str | None:
    """What `listen status` says about a source's unread gaps, or None when there are none."""
    gaps = load_gaps(state)
    if not gaps:
        return None
    ranges = "1 range" if len(gaps) == 1 else f"{len(gaps)} ranges"
    return f"backfilling {ranges} of older posts (page cap or failed page)"
