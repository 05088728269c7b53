"""The public booking API under /api/v1 (no key: citizens' phones and apps call it).

Every call counts against its address's limits first (429 with Retry-After):
``[booking] reads_per_minute`` for look-ups, ``writes_per_hour`` for bookings and
cancellations. Errors are ``{"error": {"code", "message", "message_vi"}}``, the last
a sentence to show a citizen. docs/hub.md, "Booking", lists every code.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask import Blueprint, Response, jsonify, request

from hub import booking_rules as rules
from hub import bookings, ratelimit
from hub.web.common import ApiError, client_address, hub

bp = Blueprint("booking_api", __name__, url_prefix="/api/v1")

#: The largest booking or cancellation body.
MAX_BODY = 16 << 10


def limit(kind: str) -> None:
    """Count this request against its address's ``kind`` limit; ApiError 429 beyond it."""
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


def _json_body() -> dict[str, Any]:
    if (request.content_length or 0) > MAX_BODY:
        raise ApiError(413, "too_large", f"the body is over {MAX_BODY >> 10} KiB")
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BODY:
        raise ApiError(413, "too_large", f"the body is over {MAX_BODY >> 10} KiB")
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "the body must be application/json")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError(400, "invalid_request", "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request", "the body must be a JSON object")
    return body


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


@bp.get("/centres/<centre_id>/booking")
def centre_booking(centre_id: str) -> Any:
    """What a booking form needs of a centre: name, address, fields, the bookable days."""
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


@bp.get("/centres/<centre_id>/slots")
def slots(centre_id: str) -> Any:
    """The slots of a field on a day still open for booking, with their free places."""
    limit("read")
    c = bookable(centre_id)
    service = request.args.get("service", "")
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
def book() -> Any:
    """Book a place: 201 the booking with the text of its QR code."""
    limit("write")
    body = _json_body()
    centre_id = body.get("centre")
    if not isinstance(centre_id, str) or not centre_id:
        raise Refused(
            bookings.BookingError(
                400,
                "invalid_request",
                "missing field 'centre'",
                "Vui lòng chọn trung tâm.",
                "centre",
            )
        )
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
def one(code: str) -> Any:
    """A booking and its state (booked, cancelled, checked_in, late, no_show)."""
    limit("read")
    b, c = _found(code)
    return b.json(c)


@bp.delete("/bookings/<code>")
def cancel(code: str) -> Any:
    """Cancel with the phone number the booking was made with; the place is free again."""
    limit("write")
    body = _json_body()
    b, c = _found(code)
    phone = body.get("phone")
    if not isinstance(phone, str) or not phone.strip():
        raise Refused(
            bookings.BookingError(
                400,
                "invalid_request",
                "missing field 'phone'",
                "Vui lòng nhập số điện thoại đã dùng khi đặt lịch.",
                "phone",
            )
        )
    h = hub()
    try:
        done = bookings.cancel(h.db, c, b.code, phone, h.now())
    except bookings.BookingError as exc:
        raise Refused(exc) from None
    return done.json(c)
