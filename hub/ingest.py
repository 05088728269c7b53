"""POST /api/v1/ingest: validate a centre's push, store each row once, keep the rollups.

One transaction per push, holding the centre's row lock so two pushes of one
centre (a retry racing a slow first try, two hub processes) never interleave:
rows go in with ``ON CONFLICT DO NOTHING`` on (centre, day, seq), and only the
rows actually inserted are folded into tickets and rollups, so a batch sent
twice is stored and counted once. The answer is an object: ``ack`` is the
cursor (the highest row held for the centre); more keys may come later (the
centre ignores what it does not know).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg

from hub import bookings, fold
from hub.db import Database
from sothutu.booking import normalize_code
from sothutu.procedures.model import JSON_SCHEMA as PROCEDURE_JSON

log = logging.getLogger(__name__)

MAX_ROWS = 1000
#: The longest centre id (the hub's ids, as ``centre add`` takes them) and version.
MAX_CENTRE_ID = 63
MAX_VERSION = 40
#: The most closed days a centre's setup may list.
MAX_CLOSED_DAYS = 1000
#: The largest catalogue one push may carry.
MAX_PROCEDURES = 5000
_TICKET_KEYS = ("id", "date", "code", "service", "priority", "procedure")


class IngestError(ValueError):
    """A malformed push; the message names the field (answered as 400)."""


@dataclass(frozen=True)
class Push:
    centre: str
    after: int
    rows: list[fold.Row]
    gaps: list[int]  # seqs the centre could not send (rows it no longer has)
    health: dict[str, Any]
    setup: dict[str, Any]
    version: str
    sent_at: datetime | None
    #: the centre's cursor of bookings it holds (None: a centre that takes none)
    bookings_after: int | None = None
    #: the centre's procedure catalogue, sent when the hub's digest differs from its own
    catalogue: list[dict[str, Any]] | None = None


def _int(v: Any, where: str, *, optional: bool = False, low: int = 0) -> int | None:
    if v is None and optional:
        return None
    if not isinstance(v, int) or isinstance(v, bool) or v < low or v > 2**62:
        raise IngestError(f"{where}: must be an integer ≥ {low}, got {v!r}")
    return v


def _str(v: Any, where: str, *, optional: bool = False, limit: int = 200) -> str | None:
    if v is None and optional:
        return None
    if not isinstance(v, str) or len(v) > limit:
        raise IngestError(f"{where}: must be a text of at most {limit} characters")
    return v


def _date(v: Any, where: str) -> date:
    try:
        return date.fromisoformat(v)
    except (TypeError, ValueError):
        raise IngestError(f"{where}: must be a date YYYY-MM-DD, got {v!r}") from None


def _time(v: Any, where: str) -> datetime:
    try:
        t = datetime.fromisoformat(v)
    except (TypeError, ValueError):
        raise IngestError(f"{where}: must be an ISO 8601 time with offset, got {v!r}") from None
    if t.tzinfo is None:
        raise IngestError(f"{where}: the time needs its UTC offset, got {v!r}")
    return t


_TIME = {"type": "string", "format": "date-time", "description": "ISO 8601 with its offset"}
_DATE = {"type": "string", "format": "date"}
_COUNT = {"type": ["integer", "null"], "minimum": 0}
_ROW_BOOKING = {
    "type": "object",
    "required": ["code", "slot_start", "slot_end"],
    "properties": {
        "code": {"type": "string"},
        "slot_start": _TIME,
        "slot_end": _TIME,
        "late": {"type": "boolean", "description": "checked in after its window"},
        "date": {**_DATE, "description": "booking_no_show: the booking's day"},
        "service": {"type": "string", "maxLength": 63, "description": "booking_no_show"},
    },
}
#: A row of a push, as ``parse`` reads it (``counter_api/uplink/outbox.py`` writes it).
ROW_SCHEMA: dict[str, Any] = {
    "title": "PushRow",
    "type": "object",
    "required": ["seq", "action"],
    "properties": {
        "seq": {
            "type": "integer",
            "minimum": 1,
            "description": "the row's number at the centre, increasing after `after`",
        },
        "action": {
            "type": "string",
            "maxLength": 40,
            "description": "a ticket_log action (issued, called, recalled, done, no_show, "
            "held, transferred, expired, paused, resumed, rollover, printer_…, reprint, "
            "booking_no_show), rated for a rating, or missing for a row the centre no "
            "longer has (then nothing else is read)",
        },
        "at": _TIME,
        "business_date": _DATE,
        "ticket": {
            "type": ["object", "null"],
            "required": ["id", "date"],
            "properties": {
                "id": {"type": "integer", "minimum": 1},
                "date": {**_DATE, "description": "the ticket's business day"},
                "code": {"type": ["string", "null"], "maxLength": 20},
                "service": {
                    "type": ["string", "null"],
                    "maxLength": 63,
                    "description": "the ticket's field after this row",
                },
                "procedure": {"type": ["string", "null"], "maxLength": 200},
                "priority": {"type": "boolean"},
                "booking": {**_ROW_BOOKING, "type": ["object", "null"]},
            },
        },
        "counter": _COUNT,
        "calls": _COUNT,
        "score": {"type": "integer", "minimum": 1, "maximum": 5, "description": "rated"},
        "booking": {**_ROW_BOOKING, "description": "booking_no_show: the booking"},
    },
}
#: A centre's push: the request body of ``POST /api/v1/ingest``, as ``parse`` reads it
#: (``counter_api/uplink/pusher.py`` sends it). Unknown keys are ignored.
PUSH_SCHEMA: dict[str, Any] = {
    "title": "Push",
    "type": "object",
    "required": ["centre"],
    "properties": {
        "centre": {
            "type": "string",
            "maxLength": MAX_CENTRE_ID,
            "description": "the centre's id; its token must be this centre's",
        },
        "version": {"type": "string", "maxLength": MAX_VERSION},
        "sent_at": {**_TIME, "description": "the centre's clock (the hub keeps the offset)"},
        "after": {
            "type": "integer",
            "minimum": 0,
            "maximum": 2**62,
            "default": 0,
            "description": "the centre's cursor: the last row the hub acknowledged",
        },
        "rows": {"type": "array", "maxItems": MAX_ROWS, "items": ROW_SCHEMA},
        "health": {
            "type": "object",
            "description": "a snapshot for the overview: business_date, time, uptime_s, "
            "waiting {field: n}, counters {total, open, serving, paused}, kiosks [{name, "
            "printer, message, at}], disk_free_bytes, disk_total_bytes, last_backup_at, "
            "pending_rows",
        },
        "setup": {
            "type": "object",
            "description": "what the hub needs to name things, compute reports and offer "
            "bookings as the centre would; an empty one keeps what the hub holds",
            "properties": {
                "name": {"type": "string"},
                "timezone": {"type": "string", "description": "an IANA timezone"},
                "services": {"type": "array", "items": {"type": "object", "required": ["id"]}},
                "counters": {
                    "type": "array",
                    "items": {"type": "object", "required": ["number"]},
                },
                "service_level_minutes": {"type": "number"},
                "hours": {"type": "array", "items": {"type": "string"}},
                "authority": {"type": "string"},
                "head_title": {"type": "string"},
                "days": {
                    "type": "array",
                    "items": {"type": "integer", "minimum": 1, "maximum": 7},
                    "description": "working days of the week, 1 (Monday) to 7",
                },
                "closed_days": {"type": "array", "maxItems": MAX_CLOSED_DAYS, "items": _DATE},
                "booking": {
                    "type": "object",
                    "properties": {
                        "early_minutes": {"type": "integer"},
                        "late_minutes": {"type": "integer"},
                    },
                },
                "catalogue_digest": {"type": "string"},
            },
        },
        "bookings_after": {
            "type": "integer",
            "minimum": 0,
            "description": "the last booking change the centre holds: the answer brings "
            "those after it",
        },
        "catalogue": {
            "type": "array",
            "maxItems": MAX_PROCEDURES,
            "description": "the centre's procedures (the catalogue's JSON), sent while the "
            "hub's catalogue_digest differs from setup.catalogue_digest",
            "items": {
                **PROCEDURE_JSON,
                "required": ["code", "name", "service"],
                "properties": {
                    **PROCEDURE_JSON["properties"],
                    **{
                        k: {"type": "string", "maxLength": 400} for k in ("code", "name", "service")
                    },
                },
            },
        },
    },
}


def parse(body: Any) -> Push:
    """Validate a push body (already JSON-decoded); ``IngestError`` names the bad field."""
    if not isinstance(body, dict):
        raise IngestError("the body must be a JSON object")
    centre = _str(body.get("centre"), "centre", limit=MAX_CENTRE_ID)
    after = _int(body.get("after", 0), "after")
    raw_rows = body.get("rows", [])
    if not isinstance(raw_rows, list):
        raise IngestError("rows: must be a list")
    if len(raw_rows) > MAX_ROWS:
        raise IngestError(f"rows: at most {MAX_ROWS} rows per push, got {len(raw_rows)}")
    rows: list[fold.Row] = []
    gaps: list[int] = []
    last = after
    for i, raw in enumerate(raw_rows):
        where = f"rows[{i}]"
        if not isinstance(raw, dict):
            raise IngestError(f"{where}: must be an object")
        seq = _int(raw.get("seq"), f"{where}.seq", low=1)
        assert seq is not None
        if seq <= last:
            raise IngestError(f"{where}.seq: rows must come in increasing seq after 'after'")
        last = seq
        action = _str(raw.get("action"), f"{where}.action", limit=40)
        if action == "missing":
            gaps.append(seq)
            continue
        at = _time(raw.get("at"), f"{where}.at").timestamp()
        business_date = _date(raw.get("business_date"), f"{where}.business_date")
        ticket = raw.get("ticket")
        tid = code = service = procedure = None
        priority = None
        day = business_date
        booking = slot_start = slot_end = late = None
        if ticket is not None:
            if not isinstance(ticket, dict):
                raise IngestError(f"{where}.ticket: must be an object or null")
            tid = _int(ticket.get("id"), f"{where}.ticket.id", low=1)
            day = _date(ticket.get("date"), f"{where}.ticket.date")
            code = _str(ticket.get("code"), f"{where}.ticket.code", optional=True, limit=20)
            service = _str(
                ticket.get("service"), f"{where}.ticket.service", optional=True, limit=63
            )
            procedure = _str(ticket.get("procedure"), f"{where}.ticket.procedure", optional=True)
            pr = ticket.get("priority", False)
            if not isinstance(pr, bool):
                raise IngestError(f"{where}.ticket.priority: must be true or false")
            priority = pr
            if ticket.get("booking") is not None:
                booking, slot_start, slot_end, late = _booking(
                    ticket["booking"], f"{where}.ticket.booking"
                )
        if action == "booking_no_show":
            booking, slot_start, slot_end, late = _booking(raw.get("booking"), f"{where}.booking")
            b = raw["booking"]
            day = _date(b.get("date"), f"{where}.booking.date")
            service = _str(b.get("service"), f"{where}.booking.service", limit=63)
        counter = _int(raw.get("counter"), f"{where}.counter", optional=True)
        calls = _int(raw.get("calls"), f"{where}.calls", optional=True)
        score = None
        if action == "rated":
            score = _int(raw.get("score"), f"{where}.score", low=1)
            if score is None or score > 5:
                raise IngestError(f"{where}.score: must be 1 to 5")
        if action in ("issued", "called", "rated") and tid is None:
            raise IngestError(f"{where}.ticket: a {action} row needs its ticket")
        rows.append(
            fold.Row(
                seq=seq,
                day=day,
                business_date=business_date,
                at=at,
                action=action,  # type: ignore[arg-type]
                ticket_id=tid,
                code=code,
                service=service,
                counter=counter,
                calls=calls,
                priority=priority,
                procedure=procedure,
                score=score,
                booking=booking,
                slot_start=slot_start,
                slot_end=slot_end,
                booking_late=late,
            )
        )
    health = body.get("health") or {}
    setup = body.get("setup") or {}
    if not isinstance(health, dict):
        raise IngestError("health: must be an object")
    if not isinstance(setup, dict):
        raise IngestError("setup: must be an object")
    _check_setup(setup)
    sent = body.get("sent_at")
    bookings_after = body.get("bookings_after")
    if bookings_after is not None:
        bookings_after = _int(bookings_after, "bookings_after")
    catalogue = body.get("catalogue")
    if catalogue is not None:
        catalogue = _catalogue(catalogue, setup)
    return Push(
        centre=centre or "",
        after=after or 0,
        rows=rows,
        gaps=gaps,
        health=health,
        setup=setup,
        version=_str(body.get("version", ""), "version", limit=MAX_VERSION) or "",
        sent_at=_time(sent, "sent_at") if sent is not None else None,
        bookings_after=bookings_after,
        catalogue=catalogue,
    )


def _booking(b: Any, where: str) -> tuple[str, float, float, bool]:
    """A booking as a row names it: code, slot start and end, checked in late."""
    if not isinstance(b, dict):
        raise IngestError(f"{where}: must be an object")
    code = normalize_code(b.get("code") if isinstance(b.get("code"), str) else "")
    if code is None:
        raise IngestError(f"{where}.code: not a booking code")
    start = _time(b.get("slot_start"), f"{where}.slot_start").timestamp()
    end = _time(b.get("slot_end"), f"{where}.slot_end").timestamp()
    late = b.get("late", False)
    if not isinstance(late, bool):
        raise IngestError(f"{where}.late: must be true or false")
    return code, start, end, late


def _catalogue(items: Any, setup: dict[str, Any]) -> list[dict[str, Any]]:
    """The centre's procedures (each its catalogue JSON, ``sothutu.procedures.model``)."""
    if not isinstance(items, list) or len(items) > MAX_PROCEDURES:
        raise IngestError(f"catalogue: must be a list of at most {MAX_PROCEDURES} procedures")
    out = []
    for i, p in enumerate(items):
        where = f"catalogue[{i}]"
        if not isinstance(p, dict):
            raise IngestError(f"{where}: must be an object")
        for key in ("code", "name", "service"):
            _str(p.get(key), f"{where}.{key}", limit=400)
        out.append(p)
    if not isinstance(setup.get("catalogue_digest"), str):
        raise IngestError("setup.catalogue_digest: a catalogue comes with its digest")
    return out


def _check_setup(setup: dict[str, Any]) -> None:
    for i, s in enumerate(setup.get("services", [])):
        if not isinstance(s, dict) or not isinstance(s.get("id"), str):
            raise IngestError(f"setup.services[{i}]: must be an object with an id")
    for i, c in enumerate(setup.get("counters", [])):
        if not isinstance(c, dict) or not isinstance(c.get("number"), int):
            raise IngestError(f"setup.counters[{i}]: must be an object with a number")
    if "timezone" in setup:
        try:
            ZoneInfo(str(setup["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            raise IngestError("setup.timezone: not an IANA timezone") from None
    days = setup.get("days", [])
    if not isinstance(days, list) or not all(isinstance(d, int) and 1 <= d <= 7 for d in days):
        raise IngestError("setup.days: must be a list of weekdays 1 (Monday) to 7")
    closed = setup.get("closed_days", [])
    if not isinstance(closed, list) or len(closed) > MAX_CLOSED_DAYS:
        raise IngestError(f"setup.closed_days: must be a list of at most {MAX_CLOSED_DAYS} dates")
    for i, d in enumerate(closed):
        _date(d, f"setup.closed_days[{i}]")
    if not isinstance(setup.get("booking", {}), dict):
        raise IngestError("setup.booking: must be an object")


# --- storing -----------------------------------------------------------------------------

# Arrays go as binary parameters (%b): psycopg's text arrays quote every element.
_INSERT_ROWS = """
INSERT INTO rows (centre_id, day, seq, business_date, at, action, ticket_id, code, service,
                  counter, calls, priority, procedure, score, booking, slot_start, slot_end,
                  booking_late)
SELECT %s, * FROM unnest(%b::date[], %b::bigint[], %b::date[], %b::timestamptz[], %b::text[],
                         %b::bigint[], %b::text[], %b::text[], %b::int[], %b::int[],
                         %b::bool[], %b::text[], %b::smallint[], %b::text[], %b::float8[],
                         %b::float8[], %b::bool[])
ON CONFLICT DO NOTHING
RETURNING seq
"""

_UPSERT_TICKETS = """
INSERT INTO tickets (centre_id, ticket_id, day, original_service, service, status, counter,
                     calls, priority, issued_at, first_called_at, called_at, finished_at,
                     booking, slot_start, booking_late, touched_at)
SELECT %s, *, now() FROM unnest(%b::bigint[], %b::date[], %b::text[], %b::text[], %b::text[],
                                %b::int[], %b::int[], %b::bool[], %b::float8[], %b::float8[],
                                %b::float8[], %b::float8[], %b::text[], %b::float8[],
                                %b::bool[])
ON CONFLICT (centre_id, ticket_id) DO UPDATE SET
    service = EXCLUDED.service, status = EXCLUDED.status, counter = EXCLUDED.counter,
    calls = EXCLUDED.calls, first_called_at = EXCLUDED.first_called_at,
    called_at = EXCLUDED.called_at, finished_at = EXCLUDED.finished_at, touched_at = now()
"""

_UPSERT_DAILY = """
INSERT INTO daily AS d (centre_id, day, service, issued, called, served, no_show, expired,
                        booked, late, waits, served_waits, ratings, arrival_sum_s)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (centre_id, day, service) DO UPDATE SET
    issued = d.issued + EXCLUDED.issued, called = d.called + EXCLUDED.called,
    served = d.served + EXCLUDED.served, no_show = d.no_show + EXCLUDED.no_show,
    expired = d.expired + EXCLUDED.expired,
    booked = d.booked + EXCLUDED.booked, late = d.late + EXCLUDED.late,
    arrival_sum_s = d.arrival_sum_s + EXCLUDED.arrival_sum_s,
    waits = d.waits || EXCLUDED.waits, served_waits = d.served_waits || EXCLUDED.served_waits,
    ratings = ARRAY[d.ratings[1] + EXCLUDED.ratings[1], d.ratings[2] + EXCLUDED.ratings[2],
                    d.ratings[3] + EXCLUDED.ratings[3], d.ratings[4] + EXCLUDED.ratings[4],
                    d.ratings[5] + EXCLUDED.ratings[5]]
"""

_CENTRE_DAY = """
INSERT INTO centre_day (centre_id, day, issued, served, waits, wait_avg_s, wait_p90_s)
SELECT %(c)s, %(d)s, t.issued, t.served, w.n, w.avg_s, w.p90_s
FROM (SELECT coalesce(sum(issued), 0) AS issued, coalesce(sum(served), 0) AS served
      FROM daily WHERE centre_id = %(c)s AND day = %(d)s) t,
     (SELECT count(x) AS n, avg(x) AS avg_s,
             percentile_disc(0.9) WITHIN GROUP (ORDER BY x) AS p90_s
      FROM daily, unnest(waits) x WHERE centre_id = %(c)s AND day = %(d)s) w
ON CONFLICT (day, centre_id) DO UPDATE SET
    issued = EXCLUDED.issued, served = EXCLUDED.served, waits = EXCLUDED.waits,
    wait_avg_s = EXCLUDED.wait_avg_s, wait_p90_s = EXCLUDED.wait_p90_s
"""


def _columns(rows: list[Any], names: tuple[str, ...]) -> list[list[Any]]:
    return [[getattr(r, n) for r in rows] for n in names]


#: ``store``'s answer; later versions may add keys (the centre ignores those it does not
#: know).
ANSWER_SCHEMA: dict[str, Any] = {
    "title": "PushAnswer",
    "type": "object",
    "required": ["ack", "stored", "received"],
    "properties": {
        "ack": {
            "type": "integer",
            "description": "the cursor: the highest row the hub holds for the centre",
        },
        "stored": {"type": "integer", "description": "rows of this push stored now"},
        "received": {"type": "integer", "description": "rows (and gaps) this push carried"},
        "bookings": {
            "type": "array",
            "items": bookings.CHANGE_SCHEMA,
            "description": "with bookings_after: the bookings and cancellations after it, "
            f"oldest first, at most {bookings.FEED_BATCH}; no personal data",
        },
        "bookings_seq": {"type": "integer", "description": "the centre's new booking cursor"},
        "bookings_more": {"type": "boolean", "description": "another batch waits"},
        "catalogue_digest": {
            "type": ["string", "null"],
            "description": "the digest of the centre's catalogue the hub holds",
        },
    },
}


def store(db: Database, centre_id: str, push: Push, received: datetime) -> dict[str, Any]:
    """Store a validated push of ``centre_id``; returns the answer."""
    db.ensure_months(r.day for r in push.rows)
    with db.connection() as conn, conn.transaction():
        row = conn.execute(
            "SELECT acked FROM centres WHERE id = %s FOR UPDATE", (centre_id,)
        ).fetchone()
        acked = row[0]
        inserted = 0
        if push.after <= acked and (push.rows or push.gaps):
            inserted = _store_rows(conn, centre_id, push.rows)
            seqs = [r.seq for r in push.rows] + push.gaps
            acked = max(acked, max(seqs))
        offset = None
        if push.sent_at is not None:
            offset = round(push.sent_at.timestamp() - received.timestamp(), 3)
        conn.execute(
            "UPDATE centres SET acked = %s, last_seen = %s, health = %s, setup = CASE WHEN "
            "%s::jsonb = '{}'::jsonb THEN setup ELSE %s::jsonb END, version = %s, "
            "clock_offset_s = %s WHERE id = %s",
            (
                acked,
                received,
                json.dumps(push.health),
                json.dumps(push.setup),
                json.dumps(push.setup),
                push.version,
                offset,
                centre_id,
            ),
        )
        answer: dict[str, Any] = {
            "ack": acked,
            "stored": inserted,
            "received": len(push.rows) + len(push.gaps),
        }
        if push.catalogue is not None:
            bookings.store_catalogue(
                conn, centre_id, push.catalogue, str(push.setup.get("catalogue_digest"))
            )
        if push.bookings_after is not None:
            answer |= bookings.feed(conn, centre_id, push.bookings_after)
            answer["catalogue_digest"] = conn.execute(
                "SELECT catalogue_digest FROM centres WHERE id = %s", (centre_id,)
            ).fetchone()[0]
    return answer


def _store_rows(conn: psycopg.Connection, centre_id: str, rows: list[fold.Row]) -> int:
    if not rows:
        return 0
    cols = _columns(
        rows,
        (
            "day",
            "seq",
            "business_date",
            "at",
            "action",
            "ticket_id",
            "code",
            "service",
            "counter",
            "calls",
            "priority",
            "procedure",
            "score",
            "booking",
            "slot_start",
            "slot_end",
            "booking_late",
        ),
    )
    cols[3] = [datetime.fromtimestamp(t, UTC) for t in cols[3]]
    new = {r[0] for r in conn.execute(_INSERT_ROWS, (centre_id, *cols)).fetchall()}
    if not new:
        return 0
    fresh = [r for r in rows if r.seq in new]
    seen = [
        (
            r.booking,
            "no_show"
            if r.action == "booking_no_show"
            else "late"
            if r.booking_late
            else "checked_in",
            r.at,
            r.code,
        )
        for r in fresh
        if r.booking is not None and r.action in ("issued", "booking_no_show")
    ]
    if seen:
        bookings.arrivals(conn, centre_id, seen)
    ids = sorted({r.ticket_id for r in fresh if r.ticket_id is not None and r.action != "issued"})
    states: dict[int, fold.TicketState] = {}
    if ids:
        for t in conn.execute(
            "SELECT ticket_id, day, original_service, service, status, counter, calls, "
            "priority, issued_at, first_called_at, called_at, finished_at, booking, "
            "slot_start, booking_late FROM tickets WHERE centre_id = %s AND ticket_id = ANY(%s)",
            (centre_id, ids),
        ).fetchall():
            states[t[0]] = fold.TicketState(
                ticket_id=t[0],
                day=t[1],
                code="",
                original_service=t[2],
                service=t[3],
                status=t[4],
                counter=t[5],
                calls=t[6],
                priority=t[7],
                issued_at=t[8],
                first_called_at=t[9],
                called_at=t[10],
                finished_at=t[11],
                booking=t[12],
                slot_start=t[13],
                booking_late=t[14],
            )
    changed, deltas = fold.rollup(states, fresh)
    if changed:
        ts = list(changed.values())
        conn.execute(
            _UPSERT_TICKETS,
            (
                centre_id,
                *_columns(
                    ts,
                    (
                        "ticket_id",
                        "day",
                        "original_service",
                        "service",
                        "status",
                        "counter",
                        "calls",
                        "priority",
                        "issued_at",
                        "first_called_at",
                        "called_at",
                        "finished_at",
                        "booking",
                        "slot_start",
                        "booking_late",
                    ),
                ),
            ),
        )
    if deltas:
        with conn.cursor() as cur:
            cur.executemany(
                _UPSERT_DAILY,
                [
                    (
                        centre_id,
                        day,
                        service,
                        *(d.counts[k] for k in fold.COUNTS),
                        d.waits,
                        d.served_waits,
                        d.ratings,
                        d.arrival_s,
                    )
                    for (day, service), d in sorted(deltas.items())
                ],
            )
        for day in sorted({day for day, _ in deltas}):
            conn.execute(_CENTRE_DAY, {"c": centre_id, "d": day})
    return len(new)
