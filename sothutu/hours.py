"""Opening hours: windows like ``"07:00-11:30"`` as minutes after local midnight,
on the days of the week the centre issues tickets, except its closed days
(holidays, ``[centre] closed_days``).

One definition for the config's check, the queue core's "closed" rule, the
server's ``hours`` answer and the kiosk's start screen, so they never disagree
about when the centre is open and when it opens next.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_HOURS = re.compile(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)")

#: ISO weekdays, 1 = Monday (Thứ Hai) … 7 = Sunday (Chủ nhật).
EVERY_DAY = (1, 2, 3, 4, 5, 6, 7)
WHOLE_DAY = ((0, 24 * 60),)

Window = tuple[int, int]
NO_DAYS: frozenset[date] = frozenset()


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


def parse_dates(values: Sequence[str]) -> frozenset[date]:
    """``["2027-02-05", …]`` → the dates (the config has checked them)."""
    return frozenset(date.fromisoformat(v) for v in values)


def is_open(
    now: datetime,
    tz: ZoneInfo,
    windows: Sequence[Window],
    days: Sequence[int] = EVERY_DAY,
    closed: Collection[date] = NO_DAYS,
) -> bool:
    """True when ``now`` falls in one of the windows of an opening day that is not a
    closed day; no windows means the whole of every opening day."""
    local = now.astimezone(tz)
    if local.isoweekday() not in days or local.date() in closed:
        return False
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in windows or WHOLE_DAY)


@dataclass(frozen=True)
class Opening:
    """Whether tickets are issued now, and when that changes (local, aware times).

    ``today`` holds today's windows (empty on a day without any, and on a closed
    day); ``opens_at`` is the next opening while closed, ``closes_at`` the end of
    the current window while open; either is None when it never comes (always open,
    or no opening day). ``closed_day``: today is one of the closed days (holiday)."""

    open: bool
    today: tuple[Window, ...]
    opens_at: datetime | None
    closes_at: datetime | None
    closed_day: bool = False

    @property
    def changes_at(self) -> datetime | None:
        return self.closes_at if self.open else self.opens_at


def _windows_on(
    day: date, windows: Sequence[Window], days: Sequence[int], closed: Collection[date]
) -> tuple[Window, ...]:
    if day.isoweekday() not in days or day in closed:
        return ()
    return tuple(sorted(windows or WHOLE_DAY))


def _at(day: date, minute: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz) + timedelta(minutes=minute)


def opening(
    now: datetime,
    tz: ZoneInfo,
    windows: Sequence[Window],
    days: Sequence[int] = EVERY_DAY,
    closed: Collection[date] = NO_DAYS,
) -> Opening:
    """The state of the hours at ``now``: open or not, today's windows, and the next
    change (a window that ends at midnight and one that starts then count as one).
    Closed days are skipped: the next opening is the first window of the next
    opening day that is not one."""
    local = now.astimezone(tz)
    today = local.date()
    minute = local.hour * 60 + local.minute
    ahead_closed = {d for d in closed if d >= today}
    todays = _windows_on(today, windows, days, ahead_closed)
    closed_day = today in ahead_closed
    if not windows and set(days) >= set(EVERY_DAY) and not ahead_closed:
        return Opening(True, todays, None, None)  # always open
    # each closed day ahead can push the next change by a day: look that much further
    horizon = 8 + len(ahead_closed)
    current = next(((s, e) for s, e in todays if s <= minute < e), None)
    if current is not None:
        end_day, end = today, current[1]
        for _ in range(horizon):  # a window to midnight runs on into the next day's first
            if end < 24 * 60:
                break
            end_day += timedelta(days=1)
            nxt = _windows_on(end_day, windows, days, ahead_closed)
            if not nxt or nxt[0][0] != 0:
                end = 0
                break
            end = nxt[0][1]
        else:  # open through the whole horizon (always open, a closed day far off)
            return Opening(True, todays, None, None)
        return Opening(True, todays, None, _at(end_day, end, tz))
    for ahead in range(horizon):
        day = today + timedelta(days=ahead)
        for start, _ in _windows_on(day, windows, days, ahead_closed):
            if ahead or start > minute:
                return Opening(False, todays, _at(day, start, tz), None, closed_day)
    return Opening(False, todays, None, None, closed_day)  # no opening day at all


def upcoming(now: datetime, tz: ZoneInfo, closed: Collection[date], days: int = 60) -> list[date]:
    """The closed days from today (local) to ``days`` ahead, in order."""
    today = now.astimezone(tz).date()
    last = today + timedelta(days=days)
    return sorted(d for d in closed if today <= d <= last)


def hours_text(windows: Sequence[tuple[int, int]]) -> str:
    """``[(420, 690), (780, 1020)]`` → ``"07:00–11:30, 13:00–17:00"``."""
    return ", ".join(f"{hhmm(s)}–{hhmm(e)}" for s, e in sorted(windows))


def window_text(window: Window) -> str:
    """(420, 690) → ``"07:00-11:30"``, as the config writes it."""
    return f"{hhmm(window[0])}-{hhmm(window[1])}"


def hhmm(minutes: int) -> str:
    """420 → ``"07:00"``."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
