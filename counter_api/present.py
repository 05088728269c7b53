"""The API's JSON shapes for tickets, counters and kiosks, and their JSON Schemas.

Each schema sits next to the function that makes the shape; its ``title`` names
it in the OpenAPI document (``counter_api/web/openapi.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from counter_api.core.model import CounterState, CounterStatus, Status, Ticket
from sothutu.config import Config
from sothutu.hours import Opening, window_text

#: What a kiosk may report of its printer (``POST /api/v1/kiosks/status``).
PRINTER_STATES = ("ok", "paper_low", "paper_out", "offline")
#: A configured kiosk's printer before its first report.
PRINTER_UNKNOWN = "unknown"

_TIME = {"type": "string", "format": "date-time"}
_TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}


def iso(dt: datetime | None, tz: ZoneInfo) -> str | None:
    """ISO 8601 in the centre's offset, to the second: ``2026-11-24T08:42:10+07:00``."""
    return None if dt is None else dt.astimezone(tz).isoformat(timespec="seconds")


#: A procedure as a ticket or a checklist print names it: its code and its name then.
PROCEDURE_NAMED_SCHEMA: dict[str, Any] = {
    "title": "ProcedureNamed",
    "type": "object",
    "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
}

TICKET_SCHEMA: dict[str, Any] = {
    "title": "Ticket",
    "type": "object",
    "required": [
        "id",
        "code",
        "number",
        "service",
        "service_name",
        "priority",
        "status",
        "counter",
        "calls",
        "business_date",
        "issued_at",
        "called_at",
        "finished_at",
    ],
    "properties": {
        "id": {"type": "integer", "description": "unique forever"},
        "code": {"type": "string", "description": "unique per service per business day"},
        "number": {"type": "integer"},
        "service": {"type": "string"},
        "service_name": {"type": "string"},
        "priority": {"type": "boolean"},
        "status": {"enum": [s.value for s in Status]},
        "counter": {"type": ["integer", "null"]},
        "calls": {"type": "integer", "description": "announcements over the ticket's life"},
        "business_date": {"type": "string", "format": "date"},
        "issued_at": _TIME,
        "called_at": _TIME_OR_NULL,
        "finished_at": _TIME_OR_NULL,
        "original_service": {"type": "string", "description": "present after a transfer"},
        "procedure": {
            "description": "present when issued for a procedure of the catalogue",
            "allOf": [PROCEDURE_NAMED_SCHEMA],
        },
        "booking": {
            "description": "present when checked in with a booking made on the province hub",
            "allOf": [
                {
                    "title": "TicketBooking",
                    "type": "object",
                    "properties": {
                        "code": {"type": "string", "description": "the booking's code"},
                        "slot_start": _TIME,
                        "slot_end": _TIME,
                        "late": {
                            "type": "boolean",
                            "description": "checked in after its window: an ordinary ticket",
                        },
                    },
                }
            ],
        },
        "waiting_ahead": {"type": "integer", "minimum": 0, "description": "while waiting"},
        "estimated_wait_minutes": {
            "type": "integer",
            "minimum": 0,
            "description": "while waiting",
        },
    },
}


def ticket_json(
    t: Ticket, config: Config, *, ahead: int | None = None, estimate: int | None = None
) -> dict[str, Any]:
    tz = config.centre.tz
    svc = config.service(t.service)
    out: dict[str, Any] = {
        "id": t.id,
        "code": t.code,
        "number": t.number,
        "service": t.service,
        "service_name": svc.name if svc else t.service,
        "priority": t.priority,
        "status": t.status.value,
        "counter": t.counter,
        "calls": t.calls,
        "business_date": t.business_date.isoformat(),
        "issued_at": iso(t.issued_at, tz),
        "called_at": iso(t.called_at, tz),
        "finished_at": iso(t.finished_at, tz),
    }
    if t.original_service != t.service:
        out["original_service"] = t.original_service
    if t.procedure is not None:
        out["procedure"] = {"code": t.procedure[0], "name": t.procedure[1]}
    if t.booking is not None:
        out["booking"] = {
            "code": t.booking.code,
            "slot_start": iso(t.booking.slot_start, tz),
            "slot_end": iso(t.booking.slot_end, tz),
            "late": t.booking.late,
        }
    if t.status is Status.WAITING:
        out["waiting_ahead"] = ahead if ahead is not None else 0
        out["estimated_wait_minutes"] = estimate if estimate is not None else 0
    return out


COUNTER_SCHEMA: dict[str, Any] = {
    "title": "Counter",
    "type": "object",
    "properties": {
        "number": {"type": "integer"},
        "name": {"type": "string"},
        "status": {"enum": [s.value for s in CounterStatus]},
        "current": {"oneOf": [TICKET_SCHEMA, {"type": "null"}]},
        "services": {"type": "array", "items": {"type": "string"}},
        "reason": {"type": "string", "description": "of a pause"},
        "since": {**_TIME_OR_NULL, "description": "when the status last changed"},
    },
}


def counter_json(c: CounterState, config: Config, current: dict[str, Any] | None) -> dict[str, Any]:
    cfg = config.counter(c.number)
    return {
        "number": c.number,
        "name": cfg.label if cfg else f"Quầy {c.number}",
        "status": c.status,
        "current": current,
        "services": list(cfg.services) if cfg else [],
        "reason": c.reason,
        "since": iso(c.since, config.centre.tz),
    }


KIOSK_SCHEMA: dict[str, Any] = {
    "title": "Kiosk",
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "printer": {"enum": [PRINTER_UNKNOWN, *PRINTER_STATES]},
        "message": {"type": "string"},
        "at": {**_TIME_OR_NULL, "description": "when the printer's state last changed"},
        "seen": {**_TIME_OR_NULL, "description": "the kiosk's last report (a heartbeat too)"},
        "unprinted": {
            "type": "array",
            "description": "tickets of today it issued but could not print, oldest first",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "code": {"type": "string"},
                    "service": {"type": "string"},
                },
            },
        },
        "conflict": {
            "description": (
                "present while a second kiosk with this name is refused "
                "(409 kiosk_name_in_use): where it runs, since when, its last try"
            ),
            "type": "object",
            "properties": {"address": {"type": "string"}, "since": _TIME, "at": _TIME},
        },
    },
}


def kiosk_json(
    name: str,
    printer: str,
    message: str,
    at: datetime | None,
    config: Config,
    *,
    seen: datetime | None = None,
    unprinted: list[dict[str, Any]] | None = None,
    conflict: dict[str, Any] | None = None,
) -> dict[str, Any]:
    tz = config.centre.tz
    out = {
        "name": name,
        "printer": printer,
        "message": message,
        "at": iso(at, tz),
        "seen": iso(seen, tz),
        "unprinted": unprinted or [],
    }
    if conflict is not None:
        out["conflict"] = conflict
    return out


#: JSON Schema of ``hours_json`` (in /services and /state).
#: How far ahead ``hours.closed_days`` lists the centre's closed days.
CLOSED_DAYS_AHEAD = 60

HOURS_SCHEMA: dict[str, Any] = {
    "title": "Hours",
    "type": "object",
    "description": "When tickets are issued ([centre] hours and days), by the server's clock",
    "properties": {
        "open": {"type": "boolean", "description": "tickets are issued now"},
        "today": {
            "type": "array",
            "items": {"type": "string", "pattern": "^\\d\\d:\\d\\d-\\d\\d:\\d\\d$"},
            "description": 'today\'s windows, e.g. "07:00-11:30"; empty on a day without any; '
            '"00:00-24:00" when [centre] hours is empty',
        },
        "days": {
            "type": "array",
            "items": {"type": "integer", "minimum": 1, "maximum": 7},
            "description": "ISO weekdays with windows, 1 = Monday",
        },
        "opens_at": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "while closed: the next opening; null when open or never",
        },
        "closes_at": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "while open: the end of the current window; null when closed or "
            "always open",
        },
        "closed_days": {
            "type": "array",
            "items": {"type": "string", "format": "date"},
            "description": "the centre's closed days ([centre] closed_days, holidays) from "
            f"today to {CLOSED_DAYS_AHEAD} days ahead, in order; today's among them means "
            "closed all day",
        },
        "at": {
            "type": "string",
            "format": "date-time",
            "description": "the server's time of this answer (count the next change from it)",
        },
    },
}


def hours_json(
    o: Opening,
    days: tuple[int, ...],
    now: datetime,
    tz: ZoneInfo,
    closed_days: Sequence[date] = (),
) -> dict[str, Any]:
    """The opening hours as the kiosk's start screen needs them: open now or not,
    today's windows, the days, the closed days ahead, and the next change by the
    server's clock (``at``)."""
    return {
        "open": o.open,
        "today": [window_text(w) for w in o.today],
        "days": list(days),
        "opens_at": iso(o.opens_at, tz),
        "closes_at": iso(o.closes_at, tz),
        "closed_days": [d.isoformat() for d in closed_days],
        "at": iso(now, tz),
    }
