"""The period of a report as a person picks it on a page: dates typed dd/mm/yyyy,
shortcuts ("Hôm nay", "Tuần này", …), a reversed range put right, a month to print.

Pure (no web framework): the centre's admin page and the province hub's pages use it.
Messages are Vietnamese, for the page. The JSON APIs and the CLI of both read ISO
dates with English messages naming the parameter (``parse_iso_period``).
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

from sothutu.reports.numbers import vn_date

#: The longest period one report covers.
MAX_DAYS = 366
#: The years a page accepts (a mistyped 20026 is a message, not a date).
FIRST_YEAR, LAST_YEAR = 2000, 2999

_DMY = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_MONTH_MY = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{4})")
_MONTH_ISO = re.compile(r"(\d{4})-(\d{1,2})")

EXAMPLE = "24/11/2026"


class PeriodError(ValueError):
    """A date or period a person typed that is not one; the message is Vietnamese."""


#: The days an API or CLI period may name (pages step a day either side of them).
FIRST_DAY = date(FIRST_YEAR, 1, 1)
LAST_DAY = date(LAST_YEAR, 12, 31)


class ApiPeriodError(ValueError):
    """A bad date or period given to an API or a CLI; the English message names it."""


def parse_iso_period(
    day: str | None, start: str | None, end: str | None, today: date
) -> tuple[date, date]:
    """``date=D`` or ``from=A&to=B`` (either end may be missing: one day; none: today),
    ISO dates → (first, last); ``ApiPeriodError`` for a bad date, both forms at once, a
    reversed period or one over ``MAX_DAYS``."""

    def one(text: str, name: str) -> date:
        try:
            day = date.fromisoformat(text) if len(text) <= 10 else None
        except ValueError:
            day = None
        if day is None or not FIRST_DAY <= day <= LAST_DAY:
            raise ApiPeriodError(
                f"{name} must be a date like 2026-11-24 from {FIRST_DAY} to {LAST_DAY}, "
                f"got {text[:20]!r}"
            )
        return day

    if day and (start or end):
        raise ApiPeriodError("give either date or from/to, not both")
    if day:
        first = last = one(day, "date")
    elif start or end:
        first = one(start, "from") if start else one(end, "to")  # type: ignore[arg-type]
        last = one(end, "to") if end else first
    else:
        first = last = today
    if last < first:
        raise ApiPeriodError("to is before from")
    if (last - first) > timedelta(days=MAX_DAYS - 1):
        raise ApiPeriodError(f"a report covers at most {MAX_DAYS} days")
    return first, last


def parse_day(text: str, what: str = "Ngày") -> date:
    """``24/11/2026`` (also ``24-11-2026``, ``24.11.2026``, ``1/2/2026``) or the ISO
    ``2026-11-24`` of links → the date; ``PeriodError`` naming ``what`` otherwise."""
    raw = text.strip()
    m = _DMY.fullmatch(raw)
    if m:
        d, mo, y = (int(x) for x in m.groups())
    elif m := _ISO.fullmatch(raw):
        y, mo, d = (int(x) for x in m.groups())
    else:
        raise PeriodError(f"{what} “{raw[:20]}” không đúng dạng ngày/tháng/năm (ví dụ {EXAMPLE}).")
    if not FIRST_YEAR <= y <= LAST_YEAR:
        raise PeriodError(f"{what} “{raw[:20]}”: năm phải từ {FIRST_YEAR} đến {LAST_YEAR}.")
    try:
        return date(y, mo, d)
    except ValueError:
        raise PeriodError(f"{what} “{raw[:20]}” không có trên lịch.") from None


@dataclass(frozen=True)
class Period:
    """The days of a report and what the page tells about how it read them."""

    first: date
    last: date
    #: the two dates came reversed and were swapped
    swapped: bool = False

    @property
    def single(self) -> bool:
        return self.first == self.last

    @property
    def notice(self) -> str:
        if not self.swapped:
            return ""
        return (
            "Ngày bắt đầu sau ngày kết thúc nên hai ngày đã được đổi chỗ: báo cáo từ ngày "
            f"{vn_date(self.first)} đến ngày {vn_date(self.last)}."
        )


def read_period(day: str, start: str, end: str, today: date) -> Period:
    """The period of a page's query: ``date`` alone, or ``from``/``to`` (a missing end
    is the other one; none at all is today). Reversed dates are swapped; a bad date or
    a period over ``MAX_DAYS`` is a ``PeriodError``."""
    day, start, end = day.strip(), start.strip(), end.strip()
    if day and not (start or end):
        first = last = parse_day(day)
    elif start or end:
        first = parse_day(start, "Từ ngày") if start else parse_day(end, "Đến ngày")
        last = parse_day(end, "Đến ngày") if end else first
    else:
        first = last = today
    swapped = last < first
    if swapped:
        first, last = last, first
    if (last - first).days >= MAX_DAYS:
        raise PeriodError(
            f"Một báo cáo gồm tối đa {MAX_DAYS} ngày; từ {vn_date(first)} đến "
            f"{vn_date(last)} là {(last - first).days + 1} ngày."
        )
    return Period(first, last, swapped)


def month_bounds(first: date) -> tuple[date, date]:
    """The first and last day of ``first``'s month."""
    start = first.replace(day=1)
    return start, start.replace(day=monthrange(start.year, start.month)[1])


def previous_month(today: date) -> date:
    """The first day of the month before ``today``'s."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def parse_month(text: str, today: date) -> date:
    """``11/2026`` or ``2026-11`` → 1 November 2026; empty: the month before ``today``'s
    (the one a head reports on)."""
    raw = text.strip()
    if not raw:
        return previous_month(today)
    if m := _MONTH_MY.fullmatch(raw):
        mo, y = (int(x) for x in m.groups())
    elif m := _MONTH_ISO.fullmatch(raw):
        y, mo = (int(x) for x in m.groups())
    else:
        raise PeriodError(f"Tháng “{raw[:20]}” không đúng dạng tháng/năm (ví dụ 11/2026).")
    if not (1 <= mo <= 12 and FIRST_YEAR <= y <= LAST_YEAR):
        raise PeriodError(f"Tháng “{raw[:20]}” không có trên lịch.")
    return date(y, mo, 1)


@dataclass(frozen=True)
class Shortcut:
    """A period one click away."""

    key: str
    label: str
    first: date
    last: date


def shortcuts(today: date) -> list[Shortcut]:
    """Hôm nay, Tuần này (from Monday), Tháng này, Tháng trước, Quý này: this week,
    month and quarter run up to today."""
    month = today.replace(day=1)
    last_month = previous_month(today)
    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return [
        Shortcut("today", "Hôm nay", today, today),
        Shortcut("week", "Tuần này", today - timedelta(days=today.weekday()), today),
        Shortcut("month", "Tháng này", month, today),
        Shortcut("last-month", "Tháng trước", *month_bounds(last_month)),
        Shortcut("quarter", "Quý này", quarter, today),
    ]


def month_text(first: date) -> str:
    """``11/2026``."""
    return f"{first.month:02d}/{first.year}"
