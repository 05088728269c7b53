"""Read a report's rows from the store: tickets, ticket_log and ratings of a period.

The events table is pruned after two days; these three tables are kept forever.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from typing import Any, TypeVar

import sqlite_utils

from counter_api.store import Store
from sothutu.config import Config
from sothutu.reports.compute import LogRow, RatingRow, Setup, TicketRow, compute

T = TypeVar("T")


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
