"""The business day in the centre's timezone, and opening hours."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from counter_api.core.model import Conflict


def business_date(now: datetime, tz: ZoneInfo) -> date:
    """The local calendar date of ``now``: numbering restarts when it changes."""
    return now.astimezone(tz).date()


def next_midnight(now: datetime, tz: ZoneInfo) -> datetime:
    """The next local midnight after ``now``, as an aware UTC datetime."""
    tomorrow = business_date(now, tz) + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=tz).astimezone(UTC)


def is_open(now: datetime, tz: ZoneInfo, windows: Sequence[tuple[int, int]]) -> bool:
    """True when ``now`` falls in one of the windows (minutes after local midnight).

    No windows means always open.
    """
    if not windows:
        return True
    local = now.astimezone(tz)
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in windows)


def hours_text(windows: Sequence[tuple[int, int]]) -> str:
    """``[(420, 690), (780, 1020)]`` → ``"07:00–11:30, 13:00–17:00"``."""
    return ", ".join(f"{_hhmm(s)}–{_hhmm(e)}" for s, e in sorted(windows))


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def check_open(now: datetime, tz: ZoneInfo, windows: Sequence[tuple[int, int]]) -> None:
    """Raise 409 ``closed`` outside the opening windows."""
    if not is_open(now, tz, windows):
        raise Conflict("closed", f"tickets are issued only during {hours_text(windows)}")
