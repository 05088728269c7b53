"""SQL for the bookings the centre holds: the hub's (with its answers to the pushes) and
the ones first seen as a signed QR code at the kiosk. Functions take a database already
inside a transaction of the store, as ``repo``'s do.

The hub's word and the centre's differ in one way: what happened here (a check-in, a
no-show) is the centre's fact and is never undone by a later message from the hub; a
cancellation from the hub applies to a booking still waiting.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from counter_api.core.booking import BOOKED, CANCELLED, Booking
from counter_api.store.repo import DB, to_epoch
from sothutu.reports.compute import BookingRow

_COLUMNS = (
    "code, service, day, slot_start, slot_end, status, procedure_code, procedure_name, ticket_id"
)


def _booking(row: tuple) -> Booking:
    return Booking(
        code=row[0],
        service=row[1],
        day=date.fromisoformat(row[2]),
        slot_start=datetime.fromtimestamp(row[3], UTC),
        slot_end=datetime.fromtimestamp(row[4], UTC),
        status=row[5],
        procedure=(row[6], row[7] or "") if row[6] else None,
        ticket_id=row[8],
    )


def get(db: DB, code: str) -> Booking | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM bookings WHERE code = ?", (code,)).fetchone()
    return _booking(row) if row else None


def local_time(day: date, hhmm: str, tz: ZoneInfo) -> datetime:
    """``2026-11-24``, ``"08:30"`` → that local time (24:00 is the next midnight)."""
    h, m = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(0), tzinfo=tz) + timedelta(hours=h, minutes=m)


def from_hub(item: dict[str, Any], tz: ZoneInfo) -> Booking:
    """A booking of the hub's answer (``KeyError``/``ValueError`` when malformed)."""
    day = date.fromisoformat(item["date"])
    proc = item.get("procedure")
    return Booking(
        code=str(item["code"]),
        service=str(item["service"]),
        day=day,
        slot_start=local_time(day, item["start"], tz),
        slot_end=local_time(day, item["end"], tz),
        status=CANCELLED if item.get("status") == "cancelled" else BOOKED,
        procedure=(str(proc["code"]), str(proc.get("name") or "")) if proc else None,
    )


def merge(db: DB, b: Booking, seq: int | None, source: str, now: datetime) -> None:
    """Keep ``b`` as the hub sent it: a new booking is added; a known one takes the
    hub's slot and field, and its cancellation while it still waits here."""
    db.execute(
        "INSERT INTO bookings (code, service, procedure_code, procedure_name, day, slot_start, "
        "slot_end, status, seq, source, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (code) DO UPDATE SET service = excluded.service, "
        "procedure_code = excluded.procedure_code, procedure_name = excluded.procedure_name, "
        "day = excluded.day, slot_start = excluded.slot_start, slot_end = excluded.slot_end, "
        "seq = excluded.seq, changed_at = excluded.changed_at, "
        "status = CASE WHEN bookings.status = 'booked' AND bookings.ticket_id IS NULL "
        "THEN excluded.status ELSE bookings.status END",
        (
            b.code,
            b.service,
            b.procedure[0] if b.procedure else None,
            b.procedure[1] if b.procedure else None,
            b.day.isoformat(),
            to_epoch(b.slot_start),
            to_epoch(b.slot_end),
            b.status,
            seq,
            source,
            to_epoch(now),
        ),
    )


def checked_in(db: DB, b: Booking, status: str, ticket_id: int, now: datetime, source: str) -> None:
    """Record the check-in of ``b`` (held already, or known only from its QR code)."""
    if get(db, b.code) is None:
        merge(db, b, None, source, now)
    db.execute(
        "UPDATE bookings SET status = ?, ticket_id = ?, arrived_at = ?, changed_at = ? "
        "WHERE code = ?",
        (status, ticket_id, to_epoch(now), to_epoch(now), b.code),
    )


def of_day(db: DB, day: date) -> list[tuple[Booking, str, str | None]]:
    """A day's bookings by slot: each with its source and its ticket's code."""
    cols = ", ".join(f"b.{c.strip()}" for c in _COLUMNS.split(","))
    rows = db.execute(
        f"SELECT {cols}, b.source, t.code FROM bookings b LEFT JOIN tickets t "
        "ON t.id = b.ticket_id WHERE b.day = ? ORDER BY b.slot_start, b.code",
        (day.isoformat(),),
    ).fetchall()
    return [(_booking(r[:9]), r[9], r[10]) for r in rows]


def waiting_before(db: DB, limit: datetime) -> list[Booking]:
    """Bookings nobody checked in whose slot ended before ``limit``."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM bookings WHERE status = 'booked' AND ticket_id IS NULL "
        "AND slot_end <= ? ORDER BY slot_end, code",
        (to_epoch(limit),),
    ).fetchall()
    return [_booking(r) for r in rows]


def set_status(db: DB, code: str, status: str, now: datetime) -> None:
    db.execute(
        "UPDATE bookings SET status = ?, changed_at = ? WHERE code = ?",
        (status, to_epoch(now), code),
    )


def day_counts(db: DB, day: date) -> dict[str, int]:
    """Bookings of a day by state (for the admin page)."""
    rows = db.execute(
        "SELECT status, COUNT(*) FROM bookings WHERE day = ? GROUP BY status", (day.isoformat(),)
    ).fetchall()
    return dict(rows)


def report_rows(db: DB, first: date, last: date) -> list[BookingRow]:
    """The period's bookings for the report (cancelled ones left out)."""
    rows = db.execute(
        "SELECT code, day, service, status, slot_start FROM bookings "
        "WHERE day BETWEEN ? AND ? AND status <> 'cancelled' ORDER BY day, slot_start, code",
        (first.isoformat(), last.isoformat()),
    ).fetchall()
    return [BookingRow(*r) for r in rows]
