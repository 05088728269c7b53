"""Opening hours: windows like ``"07:00-11:30"`` as minutes after local midnight.

One definition for the config's check, the queue core's "closed" rule and the
kiosk's start screen, so they never disagree about when the centre is open.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

_HOURS = re.compile(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)")


def parse_hours(window: str) -> tuple[int, int]:
    """``"07:00-11:30"`` → (420, 690), minutes after local midnight."""
    m = _HOURS.fullmatch(window.strip())
    if not m:
        raise ValueError(f"{window!r} is not a window like '07:00-11:30'")
    start = int(m[1]) * 60 + int(m[2])
    end = int(m[3]) * 60 + int(m[4])
    if end > 24 * 60 or end <= start:
        raise ValueError(f"{window!r} must end after it starts, within the day")
    return start, end


def is_open(now: datetime, tz: ZoneInfo, windows: Sequence[tuple[int, int]]) -> bool:
    """True when ``now`` falls in one of the windows; no windows means always open."""
    if not windows:
        return True
    local = now.astimezone(tz)
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in windows)


def hours_text(windows: Sequence[tuple[int, int]]) -> str:
    """``[(420, 690), (780, 1020)]`` → ``"07:00–11:30, 13:00–17:00"``."""
    return ", ".join(f"{hhmm(s)}–{hhmm(e)}" for s, e in sorted(windows))


def hhmm(minutes: int) -> str:
    """420 → ``"07:00"``."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
