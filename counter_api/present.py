"""The API's JSON shapes for tickets, counters and kiosks."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from counter_api.core.model import CounterState, Status, Ticket
from sothutu.config import Config
from sothutu.hours import Opening, window_text


def iso(dt: datetime | None, tz: ZoneInfo) -> str | None:
    """ISO 8601 in the centre's offset, to the second: ``2026-11-24T08:42:10+07:00``."""
    return None if dt is None else dt.astimezone(tz).isoformat(timespec="seconds")


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
    if t.status is Status.WAITING:
        out["waiting_ahead"] = ahead if ahead is not None else 0
        out["estimated_wait_minutes"] = estimate if estimate is not None else 0
    return out


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


def kiosk_json(
    name: str, printer: str, message: str, at: datetime | None, config: Config
) -> dict[str, Any]:
    return {"name": name, "printer": printer, "message": message, "at": iso(at, config.centre.tz)}


#: JSON Schema of ``hours_json`` (in /services and /state).
HOURS_SCHEMA: dict[str, Any] = {
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
        "at": {
            "type": "string",
            "format": "date-time",
            "description": "the server's time of this answer (count the next change from it)",
        },
    },
}


def hours_json(o: Opening, days: tuple[int, ...], now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    """The opening hours as the kiosk's start screen needs them: open now or not,
    today's windows, the days, and the next change by the server's clock (``at``)."""
    return {
        "open": o.open,
        "today": [window_text(w) for w in o.today],
        "days": list(days),
        "opens_at": iso(o.opens_at, tz),
        "closes_at": iso(o.closes_at, tz),
        "at": iso(now, tz),
    }
