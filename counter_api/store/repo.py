"""SQL for the queue's tables: rows in, core data classes out, and back.

Functions take a ``sqlite_utils.Database`` already inside a transaction
(``Store.read()`` or ``Store.write()``); none of them commits. What issuing,
calling and every page's state read run is plain SQL on the connection;
rare writes (counters at start, a kiosk's printer, the business day) use
sqlite-utils' ``insert_all`` and ``upsert``, which join the open transaction.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from datetime import UTC, date, datetime
from typing import Any

import sqlite_utils

from counter_api.core.model import BookingRef, CounterState, Status, Ticket
from counter_api.core.order import CALLING_ORDER

DB = sqlite_utils.Database

_TICKET_COLUMNS = (
    "id, business_date, service, original_service, number, code, priority, status, counter, "
    "calls, issued_at, first_called_at, called_at, finished_at, kiosk, transfers, "
    "procedure_code, procedure_name, booking, slot_start, slot_end, booking_late"
)


def to_epoch(dt: datetime | None) -> float | None:
    return None if dt is None else dt.timestamp()


def from_epoch(x: float | None) -> datetime | None:
    return None if x is None else datetime.fromtimestamp(x, UTC)


def _ticket(row: tuple) -> Ticket:
    return Ticket(
        id=row[0],
        business_date=date.fromisoformat(row[1]),
        service=row[2],
        original_service=row[3],
        number=row[4],
        code=row[5],
        priority=bool(row[6]),
        status=Status(row[7]),
        counter=row[8],
        calls=row[9],
        issued_at=datetime.fromtimestamp(row[10], UTC),
        first_called_at=from_epoch(row[11]),
        called_at=from_epoch(row[12]),
        finished_at=from_epoch(row[13]),
        kiosk=row[14],
        transfers=row[15],
        procedure=(row[16], row[17] or "") if row[16] else None,
        booking=(
            BookingRef(
                row[18],
                datetime.fromtimestamp(row[19], UTC),
                datetime.fromtimestamp(row[20], UTC),
                bool(row[21]),
            )
            if row[18]
            else None
        ),
    )


def _select(db: DB, where: str, params: Iterable[Any] = ()) -> list[Ticket]:
    sql = f"SELECT {_TICKET_COLUMNS} FROM tickets WHERE {where}"
    return [_ticket(r) for r in db.execute(sql, tuple(params)).fetchall()]


def get_ticket(db: DB, ticket_id: int) -> Ticket | None:
    found = _select(db, "id = ?", (ticket_id,))
    return found[0] if found else None


def insert_ticket(db: DB, t: Ticket) -> Ticket:
    cur = db.execute(
        "INSERT INTO tickets (business_date, service, original_service, number, code, priority, "
        "status, counter, calls, issued_at, first_called_at, called_at, finished_at, kiosk, "
        "transfers, procedure_code, procedure_name, booking, slot_start, slot_end, "
        "booking_late, booked, order_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            t.business_date.isoformat(),
            t.service,
            t.original_service,
            t.number,
            t.code,
            int(t.priority),
            t.status.value,
            t.counter,
            t.calls,
            to_epoch(t.issued_at),
            to_epoch(t.first_called_at),
            to_epoch(t.called_at),
            to_epoch(t.finished_at),
            t.kiosk,
            t.transfers,
            t.procedure[0] if t.procedure else None,
            t.procedure[1] if t.procedure else None,
            t.booking.code if t.booking else None,
            to_epoch(t.booking.slot_start) if t.booking else None,
            to_epoch(t.booking.slot_end) if t.booking else None,
            int(t.booking.late) if t.booking else 0,
            int(t.booked),
            to_epoch(t.order_at),
        ),
    )
    return t.evolve(id=cur.lastrowid)


def update_ticket(db: DB, t: Ticket) -> None:
    """Save the mutable fields of a ticket (never its number, code or issue time)."""
    db.execute(
        "UPDATE tickets SET service = ?, priority = ?, status = ?, counter = ?, calls = ?, "
        "first_called_at = ?, called_at = ?, finished_at = ?, transfers = ? WHERE id = ?",
        (
            t.service,
            int(t.priority),
            t.status.value,
            t.counter,
            t.calls,
            to_epoch(t.first_called_at),
            to_epoch(t.called_at),
            to_epoch(t.finished_at),
            t.transfers,
            t.id,
        ),
    )


def waiting_tickets(db: DB, day: date, services: Collection[str]) -> list[Ticket]:
    if not services:
        return []
    marks = ", ".join("?" for _ in services)
    return _select(
        db,
        f"business_date = ? AND status = 'waiting' AND service IN ({marks})",
        (day.isoformat(), *services),
    )


def _order_sql() -> str:
    return ", ".join(f"{name} {'DESC' if desc else 'ASC'}" for name, desc in CALLING_ORDER)


def _before_sql(fields: tuple[tuple[str, bool], ...], row: str, me: str) -> str:
    """SQL that is true when ``row`` comes before ``me`` in the calling order: a
    lexicographic comparison with plain comparisons, answerable from an index."""
    (name, desc), rest = fields[0], fields[1:]
    first = f"{row}.{name} {'>' if desc else '<'} {me}.{name}"
    if not rest:
        return first
    return f"({first} OR ({row}.{name} = {me}.{name} AND {_before_sql(rest, row, me)}))"


def first_waiting(db: DB, day: date, services: Collection[str]) -> list[Ticket]:
    """The next ticket in the calling order among ``services`` (a list of 0 or 1)."""
    if not services:
        return []
    marks = ", ".join("?" for _ in services)
    return _select(
        db,
        f"business_date = ? AND status = 'waiting' AND service IN ({marks}) "
        f"ORDER BY {_order_sql()} LIMIT 1",
        (day.isoformat(), *services),
    )


def _ahead_sql(fields: tuple[tuple[str, bool], ...], row: str, me: str) -> str:
    """Waiting tickets of ``me``'s service on the ``row`` side of it (``row``/``me``
    swapped: the ones after it), counted from the ``tickets_order`` index."""
    cols = ", ".join(name for name, _ in fields)
    return (
        f"WITH me AS (SELECT {cols} FROM tickets WHERE id = ?) SELECT COUNT(*) FROM "
        "(SELECT 1 FROM tickets AS t, me WHERE t.business_date = ? AND t.service = ? "
        f"AND t.status = 'waiting' AND {_before_sql(fields, row, me)} LIMIT ?)"
    )


_BEFORE_SQL = _ahead_sql(CALLING_ORDER, "t", "me")
_AFTER_SQL = _ahead_sql(CALLING_ORDER, "me", "t")


def count_ahead(db: DB, t: Ticket) -> int:
    """Waiting tickets of ``t``'s service that come before it in the calling order.

    ``t`` must be waiting. An index can count only by walking, so walk the
    shorter side: a ticket just issued has nobody after it (ahead = all the
    others, from ``queue_counts``), one near the front few before it.
    """
    day = t.business_date.isoformat()
    others = waiting_in(db, t.business_date, t.service) - 1
    half = others // 2 + 1
    after = db.execute(_AFTER_SQL, (t.id, day, t.service, half)).fetchone()[0]
    if after < half:
        return others - after
    return db.execute(_BEFORE_SQL, (t.id, day, t.service, -1)).fetchone()[0]


def counter_tickets(
    db: DB, day: date, counter: int, statuses: Collection[str], limit: int = 200
) -> list[Ticket]:
    """Today's tickets last handled at ``counter`` in these statuses, latest call first."""
    if not statuses:
        return []
    marks = ", ".join("?" for _ in statuses)
    return _select(
        db,
        f"business_date = ? AND counter = ? AND status IN ({marks}) "
        "ORDER BY called_at DESC, id DESC LIMIT ?",
        (day.isoformat(), counter, *statuses, limit),
    )


def tickets_by_code(db: DB, day: date, code: str, number: int | None = None) -> list[Ticket]:
    """Today's tickets with this code, and with ``number`` when given (the core then
    keeps the ones a typed code names: ``counter_api.core.codes.matching``)."""
    if number is None:
        return _select(db, "business_date = ? AND code = ?", (day.isoformat(), code))
    return _select(
        db, "business_date = ? AND (code = ? OR number = ?)", (day.isoformat(), code, number)
    )


def callable_tickets(db: DB, day: date, services: Collection[str]) -> list[Ticket]:
    """Today's waiting, held and no-show tickets of these services (call by code)."""
    if not services:
        return []
    marks = ", ".join("?" for _ in services)
    return _select(
        db,
        f"business_date = ? AND status IN ('waiting', 'held', 'no_show') AND service IN ({marks})",
        (day.isoformat(), *services),
    )


def open_tickets_before(db: DB, day: date) -> list[Ticket]:
    """Waiting, called or held tickets of business days before ``day``."""
    return _select(
        db,
        "status IN ('waiting', 'called', 'held') AND business_date < ?",
        (day.isoformat(),),
    )


def number_stats(db: DB, day: date, service: str, start: int = 1) -> tuple[int | None, int]:
    """(last number, tickets issued) of a service on a business day. A number floor
    (``number_floors``: a recovered database lost some of the day's tickets) counts as
    issued: the last number is at least the floor, and so many tickets were issued."""
    row = db.execute(
        "SELECT MAX(number), COUNT(*) FROM tickets "
        "WHERE business_date = ? AND original_service = ?",
        (day.isoformat(), service),
    ).fetchone()
    last, count = row[0], row[1]
    floor = db.execute(
        "SELECT number FROM number_floors WHERE business_date = ? AND service = ?",
        (day.isoformat(), service),
    ).fetchone()
    if floor is not None and (last is None or floor[0] > last):
        last, count = floor[0], max(count, floor[0] - start + 1)
    return last, count


def raise_number_floor(db: DB, day: date, service: str, number: int) -> None:
    """Numbering of ``service`` on ``day`` goes on after ``number`` at least."""
    db.execute(
        "INSERT INTO number_floors (business_date, service, number) VALUES (?, ?, ?) "
        "ON CONFLICT (business_date, service) DO UPDATE SET number = MAX(number, excluded.number)",
        (day.isoformat(), service, number),
    )


def waiting_counts(db: DB, day: date) -> dict[str, int]:
    """How many wait in each service (kept by triggers in ``queue_counts``)."""
    rows = db.execute(
        "SELECT service, SUM(waiting) FROM queue_counts WHERE business_date = ? GROUP BY service",
        (day.isoformat(),),
    ).fetchall()
    return dict(rows)


def priority_waiting_counts(db: DB, day: date) -> dict[str, int]:
    rows = db.execute(
        "SELECT service, waiting FROM queue_counts WHERE business_date = ? AND priority = 1",
        (day.isoformat(),),
    ).fetchall()
    return dict(rows)


def waiting_in(db: DB, day: date, service: str) -> int:
    row = db.execute(
        "SELECT COALESCE(SUM(waiting), 0) FROM queue_counts WHERE business_date = ? "
        "AND service = ?",
        (day.isoformat(), service),
    ).fetchone()
    return row[0]


def service_time_stats(db: DB, day: date, service: str) -> tuple[float, int]:
    """(total seconds, count) of today's finished services in a field."""
    row = db.execute(
        "SELECT COALESCE(SUM(finished_at - called_at), 0), COUNT(*) FROM tickets "
        "WHERE business_date = ? AND status = 'done' AND service = ? "
        "AND called_at IS NOT NULL AND finished_at >= called_at",
        (day.isoformat(), service),
    ).fetchone()
    return float(row[0]), row[1]


# --- counters -------------------------------------------------------------------


def _counter(row: tuple) -> CounterState:
    return CounterState(
        number=row[0], paused=bool(row[1]), reason=row[2], current=row[3], since=from_epoch(row[4])
    )


def ensure_counters(db: DB, numbers: Iterable[int]) -> None:
    db["counters"].insert_all(({"number": n} for n in numbers), pk="number", ignore=True)


def get_counter(db: DB, number: int) -> CounterState:
    row = db.execute(
        "SELECT number, paused, reason, current_ticket, since FROM counters WHERE number = ?",
        (number,),
    ).fetchone()
    return _counter(row) if row else CounterState(number=number)


def all_counters(db: DB) -> dict[int, CounterState]:
    rows = db.execute("SELECT number, paused, reason, current_ticket, since FROM counters")
    return {r[0]: _counter(r) for r in rows.fetchall()}


def save_counter(db: DB, c: CounterState) -> None:
    db.execute(
        "INSERT INTO counters (number, paused, reason, current_ticket, since) "
        "VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (number) DO UPDATE SET paused = excluded.paused, reason = excluded.reason,"
        " current_ticket = excluded.current_ticket, since = excluded.since",
        (c.number, int(c.paused), c.reason, c.current, to_epoch(c.since)),
    )


def clear_current_tickets(db: DB) -> None:
    db.execute("UPDATE counters SET current_ticket = NULL WHERE current_ticket IS NOT NULL")


# --- events and the log ----------------------------------------------------------


def insert_event(db: DB, type_: str, data: dict, at: datetime, day: date) -> tuple[int, str]:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    cur = db.execute(
        "INSERT INTO events (type, data, at, business_date) VALUES (?, ?, ?, ?)",
        (type_, payload, at.timestamp(), day.isoformat()),
    )
    return cur.lastrowid, payload


def events_after(db: DB, last_id: int, limit: int = 500) -> list[tuple[int, str, str]]:
    return db.execute(
        "SELECT id, type, data FROM events WHERE id > ? ORDER BY id LIMIT ?", (last_id, limit)
    ).fetchall()


def event_id_range(db: DB) -> tuple[int, int]:
    """(oldest kept id, newest id ever issued). Replay after K is possible when
    ``oldest - 1 <= K <= newest``; an empty log gives (newest + 1, newest)."""
    oldest, newest = db.execute("SELECT MIN(id), MAX(id) FROM events").fetchone()
    seq = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
    newest_issued = max(newest or 0, seq[0] if seq else 0)
    return (oldest if oldest is not None else newest_issued + 1), newest_issued


def prune_events(db: DB, keep_from: date) -> int:
    return db.execute(
        "DELETE FROM events WHERE business_date < ?", (keep_from.isoformat(),)
    ).rowcount


def log_action(
    db: DB, at: datetime, day: date, action: str, ticket: Ticket | None, counter: int | None
) -> None:
    db.execute(
        "INSERT INTO ticket_log (at, business_date, action, ticket_id, code, service, counter, "
        "calls) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            at.timestamp(),
            day.isoformat(),
            action,
            ticket.id if ticket else None,
            ticket.code if ticket else None,
            ticket.service if ticket else None,
            counter,
            ticket.calls if ticket else None,
        ),
    )


def log_booking(db: DB, at: datetime, day: date, action: str, code: str, service: str) -> None:
    """A line of the log about a booking, not a ticket (``booking_no_show``)."""
    db.execute(
        "INSERT INTO ticket_log (at, business_date, action, ticket_id, code, service, counter, "
        "calls) VALUES (?, ?, ?, NULL, ?, ?, NULL, NULL)",
        (at.timestamp(), day.isoformat(), action, code, service),
    )


def recent_calls(db: DB, day: date, limit: int = 10) -> list[dict[str, Any]]:
    """The newest announcements of the day, one per ticket, newest first."""
    rows = db.execute(
        "SELECT l.ticket_id, l.code, l.counter, l.service, l.at, l.calls, t.booked "
        "FROM ticket_log l LEFT JOIN tickets t ON t.id = l.ticket_id "
        "WHERE l.business_date = ? AND l.action IN ('called', 'recalled') "
        "ORDER BY l.id DESC LIMIT ?",
        (day.isoformat(), limit * 8),
    ).fetchall()
    seen: set[int] = set()
    out = []
    for ticket_id, code, counter, service, at, calls, booked in rows:
        if ticket_id in seen:
            continue
        seen.add(ticket_id)
        out.append(
            {
                "ticket_id": ticket_id,
                "code": code,
                "counter": counter,
                "service": service,
                "called_at": from_epoch(at),
                "calls": calls,
                "booked": bool(booked),
            }
        )
        if len(out) == limit:
            break
    return out


# --- kiosks and meta ---------------------------------------------------------------


def kiosk_rows(db: DB) -> dict[str, tuple[str, str, datetime]]:
    rows = db.execute("SELECT name, printer, message, at FROM kiosks").fetchall()
    return {r[0]: (r[1], r[2], from_epoch(r[3])) for r in rows}


def save_kiosk(db: DB, name: str, printer: str, message: str, at: datetime) -> None:
    row = {"name": name, "printer": printer, "message": message, "at": at.timestamp()}
    db["kiosks"].upsert(row, pk="name")


def get_meta(db: DB, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_meta(db: DB, key: str, value: str) -> None:
    db["meta"].upsert({"key": key, "value": value}, pk="key")


# --- ratings -----------------------------------------------------------------------


def last_done_at_counter(db: DB, day: date, counter: int) -> Ticket | None:
    """The ticket ``counter`` finished (done) most recently on ``day``."""
    found = _select(
        db,
        "business_date = ? AND status = 'done' AND counter = ? "
        "ORDER BY finished_at DESC, id DESC LIMIT 1",
        (day.isoformat(), counter),
    )
    return found[0] if found else None


def is_rated(db: DB, ticket_id: int) -> bool:
    return (
        db.execute("SELECT 1 FROM ratings WHERE ticket_id = ?", (ticket_id,)).fetchone() is not None
    )


def insert_rating(db: DB, t: Ticket, counter: int, score: int, at: datetime, source: str) -> None:
    db.execute(
        "INSERT INTO ratings (ticket_id, business_date, service, counter, score, at, source) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (t.id, t.business_date.isoformat(), t.service, counter, score, at.timestamp(), source),
    )


# --- request ids (idempotent requests) ------------------------------------------------


def find_request(
    db: DB, day: date, scope: str, request_id: str
) -> tuple[str, int | None, str] | None:
    """(action, ticket id, answer JSON) of the first request with this id today, or None."""
    return db.execute(
        "SELECT action, ticket_id, answer FROM request_ids "
        "WHERE business_date = ? AND scope = ? AND request_id = ?",
        (day.isoformat(), scope, request_id),
    ).fetchone()


def save_request(
    db: DB,
    day: date,
    scope: str,
    request_id: str,
    action: str,
    ticket_id: int | None,
    answer: dict,
    at: datetime,
) -> None:
    db.execute(
        "INSERT INTO request_ids (business_date, scope, request_id, action, ticket_id, answer, "
        "at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            day.isoformat(),
            scope,
            request_id,
            action,
            ticket_id,
            json.dumps(answer, ensure_ascii=False, separators=(",", ":")),
            at.timestamp(),
        ),
    )


def prune_requests(db: DB, before: date) -> int:
    """Forget request ids of business days before ``before`` (they only last a day)."""
    db.execute("DELETE FROM number_floors WHERE business_date < ?", (before.isoformat(),))
    return db.execute(
        "DELETE FROM request_ids WHERE business_date < ?", (before.isoformat(),)
    ).rowcount
