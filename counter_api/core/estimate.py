"""Estimated wait: people ahead × average service time ÷ open counters."""

from __future__ import annotations

import math

#: Below this many finished tickets today, the configured default is used.
MIN_SAMPLES = 3


def average_service_minutes(total_seconds: float, samples: int, default_minutes: float) -> float:
    """Today's mean service time of a field, or the configured default while
    today has fewer than ``MIN_SAMPLES`` finished tickets."""
    if samples < MIN_SAMPLES or total_seconds <= 0:
        return default_minutes
    return total_seconds / samples / 60.0


def estimate_wait_minutes(ahead: int, average_minutes: float, open_counters: int) -> int:
    """Whole minutes, rounded up; 0 when nobody is ahead."""
    if ahead <= 0:
        return 0
    return math.ceil(ahead * average_minutes / max(1, open_counters) - 1e-9)
