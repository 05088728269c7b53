"""The business day in the centre's timezone, and the "closed" rule.

Opening-hour windows themselves are ``sothutu.hours`` (shared with the config
check and the kiosk), the one module of ours the core imports: pure, stdlib only.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from counter_api.core.model import Conflict
from sothutu.hours import EVERY_DAY, NO_DAYS, hours_text, is_open


def business_date(now: datetime, tz: ZoneInfo) -> date:
    """The local calendar date of ``now``: numbering restarts when it changes."""
    return now.astimezone(tz).date()


def next_midnight(now: datetime, tz: ZoneInfo) -> datetime:
    """The next local midnight after ``now``, as an aware UTC datetime."""
    tomorrow = business_date(now, tz) + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=tz).astimezone(UTC)


def check_open(
    now: datetime,
    tz: ZoneInfo,
    windows: Sequence[tuple[int, int]],
    days: Sequence[int] = EVERY_DAY,
    closed: Collection[date] = NO_DAYS,
) -> None:
    """Raise 409 ``closed`` outside the opening windows, on a day without any, or on
    one of the centre's closed days (a holiday)."""
    if business_date(now, tz) in closed:
        raise Conflict(
            "closed",
            f"the centre is closed today, {business_date(now, tz).isoformat()} "
            "(a holiday: [centre] closed_days)",
        )
    if not is_open(now, tz, windows, days):
        when = hours_text(windows) or "the whole day"
        if set(days) < set(EVERY_DAY):
            when += f" on weekdays {', '.join(map(str, sorted(days)))} (1 = Monday)"
        raise Conflict("closed", f"tickets are issued only during {when}")
