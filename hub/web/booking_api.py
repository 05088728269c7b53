"""The public booking API under /api/v1 (no key: citizens' phones and apps call it).

Every call counts against its address's limits first (429 with Retry-After):
``[booking] reads_per_minute`` for look-ups, ``writes_per_hour`` for bookings and
cancellations. Errors are ``{"error": {"code", "message", "message_vi"}}``, the last
a sentence to show a citizen. docs/hub.md, "Booking", lists every code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, Response, jsonify, request

from hub import booking_rules as rules
from hub import bookings, ratelimit
from hub.web.common import client_address, hub
from hub.web.declare import PUBLIC, api
from sothutu.openapi import Answer, Param

bp = Blueprint("booking_api", __name__, url_prefix="/api/v1")

#: The largest booking or cancellation body.
MAX_BODY = 16 << 10


def limit(kind: str) -> None:
    """Count this request against its address's ``kind`` limit; Refused 429 beyond it."""
    h = hub()
    b = h.config.booking
    most = b.reads_per_minute if kind == "read" else b.writes_per_hour
    wait = ratelimit.hit(h.db, client_address(), kind, most, h.now())
    if wait:
        raise Refused(
            bookings.BookingError(
                429,
                "rate_limited",
                f"too many requests from this address; retry in {wait} s",
                f"Có quá nhiều yêu cầu từ mạng này. Vui lòng thử lại sau {wait} giây.",
            ),
            retry_after=wait,
        )


class Refused(Exception):
    """A ``BookingError`` on its way to the JSON answer."""

    def __init__(self, error: bookings.BookingError, retry_after: int | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.retry_after = retry_after


@bp.errorhandler(Refused)
def _refused(exc: Refused) -> Response:
    e = exc.error
    body: dict[str, Any] = {"code": e.code, "message": e.message, "message_vi": e.vi}
    if e.field:
        body["field"] = e.field
    resp = jsonify({"error": body})
    resp.status_code = e.status
    if exc.retry_after:
        resp.headers["Retry-After"] = str(exc.retry_after)
    return resp


def _bad_body(status: int, code: str, message: str) -> Refused:
    return Refused(
        bookings.BookingError(
            status, code, message, "Yêu cầu không hợp lệ. Vui lòng tải lại trang và thử lại."
        )
    )


def _json_body() -> dict[str, Any]:
    """The request's JSON object; Refused 413, 415 or 400 (with a citizen's sentence)."""
    too_large = _bad_body(413, "too_large", f"the body is over {MAX_BODY >> 10} KiB")
    if (request.content_length or 0) > MAX_BODY:
        raise too_large
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BODY:
        raise too_large
    if request.mimetype != "application/json":
        raise _bad_body(415, "unsupported_media_type", "the body must be application/json")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise _bad_body(400, "invalid_request", "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise _bad_body(400, "invalid_request", "the body must be a JSON object")
    return body


def _checked(check: Callable[[], Any]) -> Any:
    """Run a check of ``hub.bookings``; its ``BookingError`` becomes the answer."""
    try:
        return check()
    except bookings.BookingError as exc:
        raise Refused(exc) from None


def bookable(centre_id: str) -> bookings.Centre:
    """A centre taking bookings; Refused 404 otherwise."""
    h = hub()
    c = bookings.centre(h.db, h.config, centre_id) if len(centre_id) <= 63 else None
    if c is None or not c.settings.enabled:
        raise Refused(
            bookings.BookingError(
                404,
                "unknown_centre",
                f"no centre {centre_id!r} takes bookings",
                "Không có trung tâm này, hoặc trung tâm chưa nhận đặt lịch.",
            )
        )
    return c


CENTRE_ID = {"centre_id": Param(str, "the centre's id", example="cu-lao-dung")}
CODE = {"code": Param(str, "the booking's code (any case; spaces and dashes are ignored)")}
_SERVICE = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
}
CENTRE_SCHEMA: dict[str, Any] = {
    "title": "BookingCentre",
    "type": "object",
    "properties": {
        "centre": {"type": "string"},
        "name": {"type": "string"},
        "address": {"type": ["string", "null"]},
        "services": {"type": "array", "items": _SERVICE, "description": "its fields"},
        "days": {
            "type": "array",
            "items": {"type": "string", "format": "date"},
            "description": "the days that may be booked: today and the next working days",
        },
        "slot_minutes": {"type": "integer"},
        "check_in": {
            "type": "object",
            "description": "the window the centre's kiosk checks a booking in, around its start",
            "properties": {
                "early_minutes": {"type": "integer"},
                "late_minutes": {"type": "integer"},
            },
        },
    },
}


@bp.get("/centres/<centre_id>/booking")
@api(
    PUBLIC,
    tag="booking",
    path=CENTRE_ID,
    answer=Answer(CENTRE_SCHEMA),
    refuses={404: ("unknown_centre",)},
    rate="read",
)
def centre_booking(centre_id: str) -> Any:
    """What a booking form needs of a centre: name, address, fields, the bookable days.

    404 `unknown_centre` also for a centre that takes no bookings.
    """
    limit("read")
    c = bookable(centre_id)
    h = hub()
    today = h.now().astimezone(c.plan.tz).date()
    return {
        "centre": c.id,
        "name": c.name,
        "address": c.address or None,
        "services": [{"id": sid, "name": name} for sid, name in c.plan.services],
        "days": [d.isoformat() for d in rules.bookable_days(today, c.plan, c.settings)],
        "slot_minutes": c.settings.slot_minutes,
        "check_in": {"early_minutes": c.plan.early, "late_minutes": c.plan.late},
    }


SLOTS_QUERY = {
    "service": Param(
        str, "the field: an id of the centre's `services`", True, max_length=63, example="ho-tich"
    ),
    "date": Param(str, "the day", True, format="date", example="2026-11-24"),
}
_SLOT = {
    "type": "object",
    "properties": {
        "start": {"type": "string", "description": "HH:MM, local to the centre"},
        "end": {"type": "string"},
        "free": {"type": "integer", "minimum": 1, "description": "places left"},
    },
}
SLOTS_SCHEMA: dict[str, Any] = {
    "title": "Slots",
    "type": "object",
    "properties": {
        "centre": {"type": "string"},
        "service": {"type": "string"},
        "date": {"type": "string", "format": "date"},
        "slots": {"type": "array", "items": _SLOT},
    },
}


@bp.get("/centres/<centre_id>/slots")
@api(
    PUBLIC,
    tag="booking",
    path=CENTRE_ID,
    query=SLOTS_QUERY,
    answer=Answer(SLOTS_SCHEMA),
    refuses={404: ("unknown_centre", "unknown_service")},
    rate="read",
)
def slots(centre_id: str) -> Any:
    """The slots of a field on a day still open for booking, with their free places.

    Only slots with a free place whose booking has not closed (`lead_minutes` before
    the start); a day that is not bookable (closed, too far ahead) has none.
    """
    limit("read")
    c = bookable(centre_id)
    service = _checked(lambda: bookings.text_field(request.args, "service", SLOTS_QUERY))
    if c.plan.service_name(service) is None:
        raise Refused(
            bookings.BookingError(
                404, "unknown_service", f"no field {service!r} here", "Không có lĩnh vực này."
            )
        )
    try:
        day = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        raise Refused(
            bookings.BookingError(
                400,
                "invalid_request",
                "date: a date like 2026-11-24",
                "Ngày không hợp lệ.",
                "date",
            )
        ) from None
    h = hub()
    free = rules.open_slots(
        day, c.plan, c.settings, service, bookings.taken(h.db, c.id, day, service), h.now()
    )
    return {
        "centre": c.id,
        "service": service,
        "date": day.isoformat(),
        "slots": [{"start": rules.hhmm(s), "end": rules.hhmm(e), "free": n} for s, e, n in free],
    }


@bp.post("/bookings")
@api(
    PUBLIC,
    tag="booking",
    body=bookings.BOOKING_FIELDS,
    answer=Answer(
        bookings.BOOKING_SCHEMA,
        status=201,
        description="Created: the booking, with the text of its QR code",
        headers={
            "Location": {
                "description": "the booking's address: /api/v1/bookings/CODE",
                "schema": {"type": "string"},
            }
        },
    ),
    refuses={
        404: ("unknown_centre", "unknown_service", "unknown_procedure"),
        409: ("service_mismatch", "booking_closed", "booking_banned", "booking_limit", "slot_full"),
    },
    rate="write",
)
def book() -> Any:
    """Book a place: 201 the booking with the text of its QR code.

    The fields are checked in the order of the body's schema (400 names the first bad
    one in `field`), then the rules: `booking_closed` (not a slot of a bookable day,
    or its booking closed `lead_minutes` before it), `booking_banned` (too many
    no-shows lately), `booking_limit` (this CCCD number's bookings of that day, in
    all or in that field), `slot_full`. Of two requests for a slot's last place,
    exactly one gets it.
    """
    limit("write")
    body = _json_body()
    centre_id = _checked(lambda: bookings.text_field(body, "centre"))
    c = bookable(centre_id)
    h = hub()
    try:
        req = bookings.check(c, h.db, body)
        made = bookings.create(h.db, h.config, c, req, h.now())
    except bookings.BookingError as exc:
        raise Refused(exc) from None
    resp = jsonify(made.json(c))
    resp.status_code = 201
    resp.headers["Location"] = f"/api/v1/bookings/{made.code}"
    return resp


def _found(code: str) -> tuple[bookings.Booking, bookings.Centre]:
    try:
        return bookings.find(hub().db, hub().config, code)
    except bookings.BookingError as exc:
        raise Refused(exc) from None


@bp.get("/bookings/<code>")
@api(
    PUBLIC,
    tag="booking",
    path=CODE,
    answer=Answer(bookings.BOOKING_SCHEMA),
    refuses={404: ("unknown_booking",)},
    rate="read",
)
def one(code: str) -> Any:
    """A booking and its state (booked, cancelled, checked_in, late, no_show)."""
    limit("read")
    b, c = _found(code)
    return b.json(c)


@bp.delete("/bookings/<code>")
@api(
    PUBLIC,
    tag="booking",
    path=CODE,
    body=bookings.CANCEL_FIELDS,
    answer=Answer(bookings.BOOKING_SCHEMA, description="the booking, cancelled"),
    refuses={
        403: ("wrong_phone",),
        404: ("unknown_booking",),
        409: ("booking_cancelled", "booking_used", "booking_closed"),
    },
    rate="write",
)
def cancel(code: str) -> Any:
    """Cancel with the phone number the booking was made with; the place is free again.

    Until the slot begins (then 409 `booking_closed`); a booking checked in is
    `booking_used`.
    """
    limit("write")
    body = _json_body()
    b, c = _found(code)
    phone = _checked(
        lambda: bookings.text_field(
            body,
            "phone",
            bookings.CANCEL_FIELDS,
            missing="Vui lòng nhập số điện thoại đã dùng khi đặt lịch.",
        )
    )
    h = hub()
    try:
        done = bookings.cancel(h.db, c, b.code, phone, h.now())
    except bookings.BookingError as exc:
        raise Refused(exc) from None
    return done.json(c)
