"""GET /api/v1/bookings: the day's bookings the centre holds (admin, guidance counter).

Bookings reach the centre with the hub's answers to its pushes
(``counter_api.uplink.bookings``); checking one in is ``POST /api/v1/tickets`` with
``booking`` (``counter_api.web.api``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from counter_api.web.endpoint import (
    ISSUERS_OR_GUIDANCE,
    Allow,
    Answer,
    Call,
    api_blueprint,
    endpoint,
    service,
)
from counter_api.web.errors import ApiError
from counter_api.web.params import Param

bp = api_blueprint("bookings", __name__)

_TIME = {"type": "string", "format": "date-time"}
BOOKING_SCHEMA: dict[str, Any] = {
    "title": "Booking",
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "service": {"type": "string"},
        "service_name": {"type": "string"},
        "procedure": {"type": ["object", "null"], "description": "{code, name} or null"},
        "date": {"type": "string", "format": "date"},
        "slot_start": _TIME,
        "slot_end": _TIME,
        "status": {"enum": ["booked", "cancelled", "checked_in", "late", "no_show"]},
        "ticket": {"type": ["string", "null"], "description": "the code of its ticket"},
        "source": {
            "enum": ["hub", "qr"],
            "description": "received from the hub, or first seen as a signed QR code at the kiosk",
        },
    },
}


@bp.get("/bookings")
@endpoint(
    ISSUERS_OR_GUIDANCE,
    allow=Allow(
        lambda p: p.kind == "admin" or (p.kind == "counter" and p.guidance),
        "the admin key or a guidance counter (guidance = true)",
    ),
    query={"date": Param(str, "the day (default: today)", format="date")},
    answer=Answer(
        {
            "title": "Bookings",
            "type": "object",
            "properties": {
                "date": {"type": "string", "format": "date"},
                "bookings": {"type": "array", "items": BOOKING_SCHEMA},
            },
        }
    ),
)
def day_bookings(c: Call) -> dict[str, Any]:
    """The bookings of a day this centre holds, by slot: booked on the province hub and
    received with its answers, or checked in from their QR code while the link was down.
    """
    text = c.query.get("date")
    try:
        day = date.fromisoformat(text) if text else service().today()
    except ValueError:
        raise ApiError(
            400, "invalid_request", f"date must be like 2026-11-24, got {text!r}"
        ) from None
    return {"date": day.isoformat(), "bookings": service().day_bookings(day)}
