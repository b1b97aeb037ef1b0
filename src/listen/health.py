"""Per-source health for `listen status`: which sources have been failing for too long (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from listen.backfill import gap_note
from listen.clock import parse_iso
from listen.facts import SourceRow
from listen.redact import without_url_password


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """One source's polling health."""

    id: int
    platform: str
    kind: str
    target: str
    contact: str | None
    enabled: bool
    last_success_at: str | None
    error_count: int
    last_error: str | None
    next_poll_at: str | None
    failing_since: str | None
    alert: str | None  # why the user should look at this source; None when healthy
    backlog: str | None = None  # older posts still to read (page cap, failed page)
    note: str | None = None  # skipped or read another way, and why (e.g. budget, refused token)


def assess_sources(
    rows: Iterable[SourceRow],
    now: datetime,
    *,
    failing_after_errors: int = 5,
    failing_after: timedelta = timedelta(days=1),
) -> list[SourceHealth]:
    """Flag sources disabled, or failing `failing_after_errors` times / for over `failing_after`."""
    result = []
    for row in rows:
        errors = int(row.error_count or 0)
        enabled = bool(row.enabled)
        failing_since = None
        if errors:
            failing_since = row.last_success_at or row.created_at
        alert = None
        if not enabled:
            alert = f"disabled: {row.disabled_reason or 'unknown reason'}"
        elif errors:
            since = parse_iso(failing_since)
            long_failing = since is not None and now - since > failing_after
            if errors >= failing_after_errors or long_failing:
                when = f" since {failing_since}" if failing_since else ""
                alert = f"failing: {errors} errors in a row{when}"
        result.append(
            SourceHealth(
                id=row.id,
                platform=row.platform,
                kind=row.kind,
                target=without_url_password(row.target),
                contact=row.contact,
                enabled=enabled,
                last_success_at=row.last_success_at,
                error_count=errors,
                last_error=row.last_error,
                next_poll_at=row.next_poll_at,
                failing_since=failing_since,
                alert=alert,
                backlog=gap_note(row.state),
                note=str(row.state["note"]) if row.state.get("note") else None,
            )
        )
    return result
