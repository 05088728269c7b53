"""The server's opening hours as the kiosk's start screen shows them (no pygame).

The server answers ``hours`` in /api/v1/services (docs/api.md): open now or not,
today's windows, the next opening or closing, the closed days (holidays) ahead and
its own time. The kiosk keeps
the words to show ("07:00–11:30, 13:00–17:00", "13:00 hôm nay") and when the
next change is due on its own monotonic clock, counted from the server's time so
that a kiosk whose clock is wrong still changes screen on time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk import words
from sothutu.clock import parse_iso
from sothutu.hours import hours_text, parse_hours


@dataclass(frozen=True)
class Opening:
    """``open``: tickets are issued now. ``today``: today's windows as text ("" on a
    day without any). ``reopens``: when tickets are issued again, in words ("" when
    open or never). ``due``: the monotonic time of the next change, or None.
    ``closed_day``: today is one of the centre's closed days (a holiday)."""

    open: bool
    today: str = ""
    reopens: str = ""
    due: float | None = None
    closed_day: bool = False


def when_words(at: datetime, then: datetime) -> str:
    """``then`` as a citizen says it, seen from the server's ``at`` (both in the
    centre's offset): "13:00 hôm nay", "07:00 ngày mai", "07:00 thứ Hai, 30/11"."""
    hhmm = then.strftime("%H:%M")
    days = (then.date() - at.date()).days
    if days <= 0:
        return words.WHEN_TODAY.format(time=hhmm)
    if days == 1:
        return words.WHEN_TOMORROW.format(time=hhmm)
    weekday = words.WEEKDAYS[then.isoweekday() - 1]
    return words.WHEN_LATER.format(time=hhmm, weekday=weekday, date=then.strftime("%d/%m"))


def opening_of(data: Any, now: float) -> Opening | None:
    """The ``hours`` object of the API at monotonic time ``now``; None when it is
    missing or malformed (the kiosk then learns "closed" from a refused ticket)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("open"), bool):
        return None
    try:
        windows = [parse_hours(str(w)) for w in data.get("today") or []]
    except ValueError:
        windows = []
    today = hours_text(windows)
    at = parse_iso(data.get("at"))
    opens = parse_iso(data.get("opens_at"))
    change = parse_iso(data.get("closes_at")) if data["open"] else opens
    due = None
    if at is not None and change is not None:
        due = now + max(0.0, (change - at).total_seconds())
    reopens = when_words(at, opens) if at is not None and opens is not None else ""
    closed_day = not data["open"] and is_closed_day(at, data.get("closed_days"))
    return Opening(data["open"], today, "" if data["open"] else reopens, due, closed_day)


def is_closed_day(at: datetime | None, closed_days: Any) -> bool:
    """Whether the server's date (of ``at``, in the centre's offset) is one of the
    closed days it listed (``hours.closed_days``, ISO dates); False when unknown."""
    if at is None or not isinstance(closed_days, list):
        return False
    return at.date().isoformat() in {str(d) for d in closed_days}
