"""When to poll a source next: the regular interval, or backoff with jitter after failures."""

from __future__ import annotations

import math
import random

# A server may ask us to wait, but not forever: a bogus Retry-After is capped at a week.
MAX_RETRY_AFTER_SECONDS = 7 * 24 * 3600.0


def next_poll_delay(
    *,
    interval_minutes: float,
    error_count: int = 0,
    retry_after: float | None = None,
    max_backoff_hours: float = 24.0,
    rng: random.Random | None = None,
) -> float:
    """Seconds until the next poll.

    Healthy sources wait the interval. After `error_count` consecutive failures the wait doubles
    each time (capped at `max_backoff_hours`), with ±20 % jitter so failed sources don't retry in
    lockstep. A server's Retry-After always wins when it asks for longer.
    """
    base = interval_minutes * 60.0
    if error_count <= 0:
        delay = base
    else:
        delay = min(base * (2 ** min(error_count, 30)), max_backoff_hours * 3600.0)
        jitter = (rng or random).uniform(0.8, 1.2)
        delay *= jitter
    if retry_after is not None and not math.isnan(retry_after):
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER_SECONDS))
    return delay
