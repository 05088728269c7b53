"""Read a report's rows from the store: tickets, ticket_log and ratings of a period.

The events table is pruned after two days; these three tables are kept forever.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date, timedelta
from typing import Any, TypeVar

import sqlite_utils

from counter_api.store import Store
from sothutu.config import Config
from sothutu.reports.compute import LogRow, RatingRow, Setup, TicketRow, compute
from sothutu.reports.period import MAX_DAYS

T = TypeVar("T")

#: The days a report may name (pages step a day either side of them).
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2999, 12, 31)


class PeriodError(ValueError):
    """A bad date or period; the message says which."""


def parse_period(
    day: str | None, start: str | None, end: str | None, today: date
) -> tuple[date, date]:
    """``date=D`` or ``from=A&to=B`` (either end may be missing: one day) → (first, last)."""

    def one(text: str, name: str) -> date:
        try:
            day = date.fromisoformat(text) if len(text) <= 10 else None
        except ValueError:
            day = None
        if day is None or not FIRST_DAY <= day <= LAST_DAY:
            raise PeriodError(
                f"{name} must be a date like 2026-11-24 from {FIRST_DAY} to {LAST_DAY}, "
                f"got {text[:20]!r}"
            )
        return day

    if day and (start or end):
        raise PeriodError("give either date or from/to, not both")
    if day:
        first = last = one(day, "date")
    elif start or end:
        first = one(start, "from") if start else one(end, "to")  # type: ignore[arg-type]
        last = one(end, "to") if end else first
    else:
        first = last = today
    if last < first:
        raise PeriodError("to is before from")
    if (last - first) > timedelta(days=MAX_DAYS - 1):
        raise PeriodError(f"a report covers at most {MAX_DAYS} days")
    return first, last


def setup_of(config: Config) -> Setup:
    return Setup(
        centre=config.centre.name,
        tz=config.centre.tz,
        services=[(s.id, s.name) for s in config.services],
        counters=[(c.number, c.label) for c in config.counters],
        service_level_minutes=config.reports.service_level_minutes,
    )


def _rows(
    db: sqlite_utils.Database,
    table: str,
    kind: type[T],
    where: str,
    span: tuple[str, str],
    order: str,
) -> list[T]:
    """Rows of ``table`` as ``kind``, a dataclass whose fields are the columns to read."""
    select = ", ".join(f.name for f in fields(kind))
    return [kind(**r) for r in db[table].rows_where(where, span, order_by=order, select=select)]


def load_rows(
    db: sqlite_utils.Database, first: date, last: date
) -> tuple[list[TicketRow], list[LogRow], list[RatingRow]]:
    span = (first.isoformat(), last.isoformat())
    period = "business_date BETWEEN ? AND ?"
    return (
        _rows(db, "tickets", TicketRow, period, span, "id"),
        _rows(db, "ticket_log", LogRow, f"{period} AND counter IS NOT NULL", span, "id"),
        _rows(db, "ratings", RatingRow, period, span, "ticket_id"),
    )


def build_report(config: Config, store: Store, first: date, last: date) -> dict[str, Any]:
    """The report of ``first`` … ``last`` from one consistent read of the store."""
    from counter_api.store.bookings import report_rows

    with store.read() as db:
        rows = load_rows(db, first, last)
        booked = report_rows(db, first, last)
    return compute(*rows, setup=setup_of(config), date_from=first, date_to=last, bookings=booked)
