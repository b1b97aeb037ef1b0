"""Backoff: doubling with jitter, capped; Retry-After wins when longer, within reason."""

from __future__ import annotations

import random

from listen.schedule import MAX_RETRY_AFTER_SECONDS, next_poll_delay


def test_healthy_sources_wait_the_interval():
    assert next_poll_delay(interval_minutes=60) == 3600


def test_failures_double_the_wait_with_jitter_up_to_the_cap():
    rng = random.Random(7)
    for errors, base in ((1, 7200), (2, 14400), (3, 28800), (4, 57600)):
        delays = [
            next_poll_delay(interval_minutes=60, error_count=errors, rng=rng) for _ in range(50)
        ]
        assert all(0.8 * base <= d <= 1.2 * base for d in delays)
        assert len(set(delays)) == 50  # jittered: failed sources do not retry in lockstep
    capped = next_poll_delay(interval_minutes=60, error_count=30, max_backoff_hours=24, rng=rng)
    assert 0.8 * 86400 <= capped <= 1.2 * 86400


def test_retry_after_wins_when_longer_but_is_capped():
    assert next_poll_delay(interval_minutes=60, retry_after=10) == 3600
    assert next_poll_delay(interval_minutes=60, retry_after=7200) == 7200
    assert next_poll_delay(interval_minutes=60, retry_after=1e12) == MAX_RETRY_AFTER_SECONDS
    assert next_poll_delay(interval_minutes=60, retry_after=float("nan")) == 3600
