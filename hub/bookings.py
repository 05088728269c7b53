"""Bookings in PostgreSQL: make one (exactly one winner for a slot's last place), cancel,
read, send them to their centre, learn check-ins and no-shows from its rows, forget
personal data.

Two locks make the rules hold under concurrency, always taken in this order:

1. an advisory lock on the person (the HMAC of the CCCD number), so one person's two
   phones cannot both pass the caps or the no-show ban;
2. the centre's row in ``booking_feed``, bumped for every booking and cancellation:
   it serialises a centre's bookings (two phones taking a slot's last place: the
   second counts the first's booking) and numbers them, so the centre fetching
   "changes after N" never misses one that committed late.

Personal data (Decree 13/2023/NĐ-CP): the CCCD number is kept only as an HMAC keyed
with ``[booking] person_key`` (for the caps and the ban), and that too is dropped
``PERSON_DAYS`` after the slot; name and phone are erased the day after the slot.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

from hub import booking_rules as rules
from hub.config import HubConfig
from hub.db import Database
from sothutu import booking as codes
from sothutu.openapi import Field, Param
from sothutu.safetext import unsafe_char

log = logging.getLogger(__name__)

#: Advisory lock namespace for one person's bookings.
_PERSON_LOCK = 0x50657273
#: The CCCD's HMAC is kept this many days after the slot (the no-show rule looks back
#: ``no_show_days`` and bans for ``ban_days``; both are at most 366).
PERSON_DAYS = 60
#: Bookings and cancellations sent back to a centre with one answer.
FEED_BATCH = 500


class BookingError(Exception):
    """A booking refused: status, API code, an English message and a Vietnamese one."""

    def __init__(self, status: int, code: str, message: str, vi: str, field: str = "") -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.vi, self.field = (
            status,
            code,
            message,
            vi,
            field,
        )


def person_key(config: HubConfig) -> bytes:
    """The key of the CCCD's HMAC: ``[booking] person_key``, else derived from the
    server's secret (a different purpose, so a different key)."""
    if config.booking.person_key:
        return config.booking.person_key.encode()
    return hmac.new(config.server.secret_key.encode(), b"sothutu cccd v1", "sha256").digest()


def person_of(key: bytes, cccd: str) -> bytes:
    return hmac.new(key, cccd.encode(), hashlib.sha256).digest()


# --- a centre, as booking sees it ---------------------------------------------------------


@dataclass(frozen=True)
class Centre:
    id: str
    name: str  # as the centre names itself, else as the province registered it
    district: str
    plan: rules.Plan
    settings: rules.Settings
    key: str  # the booking key shared with the centre (signs QR codes)
    online: bool = False

    @property
    def address(self) -> str:
        return self.settings.address


_CENTRE = (
    "SELECT c.id, c.name, c.district, c.setup, c.booking, c.booking_key, c.last_seen FROM centres c"
)


def _centre(row: tuple, config: HubConfig, now: datetime | None = None) -> Centre:
    cid, name, district, setup, settings, key, seen = row
    setup = setup or {}
    online = bool(now and seen and (now - seen).total_seconds() <= config.hub.online_seconds)
    return Centre(
        id=cid,
        name=str(setup.get("name") or name),
        district=district,
        plan=rules.plan_of(setup, config.hub.tz),
        settings=rules.settings_of(settings or {}, config.booking.defaults()),
        key=key,
        online=online,
    )


def centre(db: Database, config: HubConfig, centre_id: str) -> Centre | None:
    with db.connection() as conn:
        row = conn.execute(_CENTRE + " WHERE c.id = %s", (centre_id,)).fetchone()
    return _centre(row, config) if row else None


def bookable_centres(db: Database, config: HubConfig) -> list[Centre]:
    """Centres taking bookings, by name."""
    with db.connection() as conn:
        rows = conn.execute(
            _CENTRE + " WHERE (c.booking->>'enabled')::boolean IS TRUE ORDER BY c.name, c.id"
        ).fetchall()
    return [_centre(r, config) for r in rows]


def taken(db: Database, centre_id: str, day: date, service: str) -> dict[int, int]:
    """Places held per slot start of one field on one day."""
    with db.connection() as conn:
        return _taken(conn, centre_id, day, service)


def _taken(conn: psycopg.Connection, centre_id: str, day: date, service: str) -> dict[int, int]:
    rows = conn.execute(
        "SELECT start_min, count(*) FROM bookings WHERE centre_id = %s AND day = %s "
        "AND service = %s AND status <> 'cancelled' GROUP BY start_min",
        (centre_id, day, service),
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def procedures(db: Database, centre_id: str, service: str | None = None) -> list[dict[str, Any]]:
    """The centre's catalogue (each procedure's JSON), in its order."""
    where, params = "centre_id = %s", [centre_id]
    if service is not None:
        where += " AND service = %s"
        params.append(service)
    with db.connection() as conn:
        rows = conn.execute(
            f"SELECT data FROM procedures WHERE {where} ORDER BY position", params
        ).fetchall()
    return [r[0] for r in rows]


def procedure(db: Database, centre_id: str, code: str) -> dict[str, Any] | None:
    with db.connection() as conn:
        row = conn.execute(
            "SELECT data FROM procedures WHERE centre_id = %s AND code = %s", (centre_id, code)
        ).fetchone()
    return row[0] if row else None


# --- one booking ---------------------------------------------------------------------------


#: A booking's states: booked; cancelled (online); checked_in (within its window at the
#: centre); late (came after it: an ordinary ticket); no_show (nobody came).
STATUSES = ("booked", "cancelled", "checked_in", "late", "no_show")

_HHMM = {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"}
_PROCEDURE = {
    "type": ["object", "null"],
    "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
    "required": ["code", "name"],
}
#: ``Booking.json``: the public API's booking (no personal data).
BOOKING_SCHEMA: dict[str, Any] = {
    "title": "Booking",
    "type": "object",
    "required": ["code", "centre", "service", "date", "start", "end", "qr", "status"],
    "properties": {
        "code": {
            "type": "string",
            "description": "6 characters of ACEFHJKMNPRTWXY34679; typed in any case, with "
            "spaces or dashes, it is still found",
        },
        "centre": {"type": "string"},
        "service": {"type": "string"},
        "date": {"type": "string", "format": "date"},
        "start": {**_HHMM, "description": "the slot, local to the centre"},
        "end": _HHMM,
        "qr": {
            "type": "string",
            "description": "the text of the booking's QR code, signed for its centre: "
            "SOTHUTU.1.CENTRE.CODE.FIELD.YYYYMMDD.HHMM.HHMM.SIGNATURE",
        },
        "status": {"enum": list(STATUSES)},
        "procedure": _PROCEDURE,
        "centre_name": {"type": "string"},
        "service_name": {"type": "string"},
        "address": {"type": ["string", "null"]},
    },
}


@dataclass(frozen=True)
class Booking:
    code: str
    centre: str
    service: str
    procedure: str | None
    procedure_name: str | None
    day: date
    start: int
    end: int
    status: str
    created_at: datetime
    changed_at: datetime
    arrived_at: datetime | None = None
    ticket_code: str | None = None
    name: str | None = None
    phone: str | None = None

    def json(self, c: Centre) -> dict[str, Any]:
        """The API's booking object (no personal data), with the QR code's text."""
        signed = codes.Signed(self.centre, self.code, self.service, self.day, self.start, self.end)
        return {
            "code": self.code,
            "centre": self.centre,
            "service": self.service,
            "date": self.day.isoformat(),
            "start": rules.hhmm(self.start),
            "end": rules.hhmm(self.end),
            "qr": codes.qr_text(c.key, signed),
            "status": self.status,
            "procedure": (
                {"code": self.procedure, "name": self.procedure_name or ""}
                if self.procedure
                else None
            ),
            "centre_name": c.name,
            "service_name": c.plan.service_name(self.service) or self.service,
            "address": c.address or None,
        }


_BOOKING = (
    "SELECT code, centre_id, service, procedure, procedure_name, day, start_min, end_min, "
    "status, created_at, changed_at, arrived_at, ticket_code, name, phone FROM bookings"
)


def get(db: Database, code: str) -> Booking | None:
    with db.connection() as conn:
        row = conn.execute(_BOOKING + " WHERE code = %s", (code,)).fetchone()
    return Booking(*row) if row else None


def find(db: Database, config: HubConfig, code: str) -> tuple[Booking, Centre]:
    """The booking with this code as typed (case, spaces and dashes do not matter) and its
    centre; 404 ``unknown_booking`` when there is none."""
    normal = codes.normalize_code(code)
    b = get(db, normal) if normal else None
    c = centre(db, config, b.centre) if b else None
    if b is None or c is None:
        raise BookingError(
            404, "unknown_booking", "no such booking", "Không tìm thấy lịch hẹn với mã này."
        )
    return b, c


def day_list(db: Database, centre_id: str, day: date) -> list[Booking]:
    """A centre's bookings of one day, by slot (for its staff)."""
    with db.connection() as conn:
        rows = conn.execute(
            _BOOKING + " WHERE centre_id = %s AND day = %s ORDER BY start_min, created_at",
            (centre_id, day),
        ).fetchall()
    return [Booking(*r) for r in rows]


@dataclass(frozen=True)
class Request:
    """A citizen's booking, checked field by field (``check``)."""

    service: str
    procedure: str | None
    day: date
    start: int
    name: str
    phone: str
    cccd: str


#: A booking's fields: the public API's body and the booking page's form (which takes
#: the centre from its address). ``check`` and ``text_field`` hold them to these limits.
BOOKING_FIELDS: dict[str, Field] = {
    "centre": Field(
        str, True, 63, "the centre's id (as in /dat-lich/trung-tam/ID)", example="cu-lao-dung"
    ),
    "service": Field(
        str, True, 63, "the field (lĩnh vực): an id of the centre's `services`", example="ho-tich"
    ),
    "procedure": Field(
        str,
        max_length=60,
        description="optional: the code of a procedure of the centre's catalogue, in that field",
        example="1.001193",
    ),
    "date": Field(
        str,
        True,
        10,
        "the day, one of the centre's bookable `days`",
        format="date",
        example="2026-11-24",
    ),
    "start": Field(
        str,
        True,
        5,
        "the slot's start, HH:MM local to the centre, as `slots` gives it",
        example="08:00",
    ),
    "name": Field(
        str,
        True,
        100,
        "the citizen's full name: letters, at least 2 characters; erased the day after the slot",
        example="Nguyễn Văn An",
    ),
    "phone": Field(
        str,
        True,
        30,
        "a Vietnamese phone number: 10 or 11 digits from 0 (or +84; spaces, dots and "
        "dashes allowed); erased the day after the slot",
        example="0912345678",
    ),
    "cccd": Field(
        str,
        True,
        30,
        "the citizen's identity card (CCCD) number: 12 digits; kept only as a keyed hash, "
        "for the caps per person",
        example="079123456789",
    ),
}
#: A cancellation's body.
CANCEL_FIELDS: dict[str, Field] = {
    "phone": Field(
        str, True, 30, "the phone number the booking was made with", example="0912345678"
    )
}

#: What a citizen reads when a field is missing, and when it is too long or not text.
_MISSING = {
    "centre": "Vui lòng chọn trung tâm.",
    "service": "Vui lòng chọn lĩnh vực.",
    "date": "Vui lòng chọn ngày.",
    "start": "Vui lòng chọn giờ.",
    "name": "Vui lòng nhập họ và tên.",
    "phone": "Vui lòng nhập số điện thoại.",
    "cccd": "Vui lòng nhập số CCCD.",
}
_INVALID = {
    "centre": "Không có trung tâm này.",
    "service": "Không có lĩnh vực này.",
    "procedure": "Thủ tục không hợp lệ.",
    "date": "Ngày không hợp lệ.",
    "start": "Giờ không hợp lệ.",
    "name": "Họ và tên không hợp lệ.",
    "phone": "Số điện thoại không hợp lệ.",
    "cccd": "Số CCCD gồm đúng 12 chữ số.",
}


def text_field(
    values: Mapping[str, Any],
    name: str,
    fields: Mapping[str, Field | Param] = BOOKING_FIELDS,
    missing: str | None = None,
) -> str | None:
    """The text of ``name`` in a body (or a query) as ``fields`` declares it: NFC,
    trimmed, within its length, no control character; None for an optional one left
    out or empty. ``BookingError`` 400 naming it otherwise (``missing``: what a citizen
    reads when a required one is left out)."""
    f = fields[name]
    what = "parameter" if isinstance(f, Param) else "field"
    v = values.get(name)
    if v is None or (isinstance(v, str) and not v.strip()):
        if not f.required:
            return None
        vi = missing or _MISSING[name]
        raise BookingError(400, "invalid_request", f"missing {what} {name!r}", vi, name)
    if not isinstance(v, str):
        raise BookingError(
            400, "invalid_request", f"{what} {name!r} must be a string", _INVALID[name], name
        )
    v = unicodedata.normalize("NFC", v).strip()
    if f.max_length is not None and len(v) > f.max_length:
        raise BookingError(
            400,
            "invalid_request",
            f"{what} {name!r} is over {f.max_length} characters",
            _INVALID[name],
            name,
        )
    bad = unsafe_char(v)
    if bad:
        raise BookingError(
            400, "invalid_request", f"{what} {name!r} holds {bad}", _INVALID[name], name
        )
    return v


def check(c: Centre, db: Database, body: Mapping[str, Any]) -> Request:
    """The fields of a booking request (``BOOKING_FIELDS`` but the centre), cleaned;
    ``BookingError`` 400 naming the field, 404 or 409 otherwise."""

    def text(name: str) -> str:
        value = text_field(body, name)
        assert value is not None  # a required field
        return value

    service = text("service")
    if c.plan.service_name(service) is None:
        raise BookingError(
            404, "unknown_service", f"no field {service!r} at this centre", "Không có lĩnh vực này."
        )
    proc = text_field(body, "procedure")
    if proc is not None:
        p = procedure(db, c.id, proc)
        if p is None:
            raise BookingError(
                404,
                "unknown_procedure",
                f"no procedure {proc!r} at this centre",
                "Không có thủ tục này.",
            )
        if p.get("service") != service:
            raise BookingError(
                409,
                "service_mismatch",
                f"procedure {proc!r} belongs to field {p.get('service')!r}",
                "Thủ tục này thuộc lĩnh vực khác.",
            )
    try:
        day = date.fromisoformat(text("date"))
    except ValueError:
        raise BookingError(
            400, "invalid_request", "date: YYYY-MM-DD", _INVALID["date"], "date"
        ) from None
    start = rules.parse_hhmm(text("start"))
    if start is None:
        raise BookingError(400, "invalid_request", "start: HH:MM", _INVALID["start"], "start")
    try:
        name = rules.clean_name(text("name"))
        phone = rules.clean_phone(text("phone"))
        cccd = rules.clean_cccd(text("cccd"))
    except rules.RuleError as exc:
        raise BookingError(
            400, "invalid_request", f"{exc.field}: invalid", exc.message, exc.field
        ) from None
    return Request(service, proc, day, start, name, phone, cccd)


def create(db: Database, config: HubConfig, c: Centre, req: Request, now: datetime) -> Booking:
    """Book a place; ``BookingError`` 409 booking_closed, booking_banned, booking_limit or
    slot_full. Exactly one of two requests for a slot's last place wins."""
    if not c.settings.enabled:
        raise BookingError(
            404,
            "unknown_centre",
            f"centre {c.id!r} takes no bookings",
            "Trung tâm này chưa nhận đặt lịch.",
        )
    slot = next(((s, e) for s, e in rules.slots(c.plan, c.settings) if s == req.start), None)
    today = now.astimezone(c.plan.tz).date()
    if (
        slot is None
        or req.day not in rules.bookable_days(today, c.plan, c.settings)
        or now >= rules.closes_at(req.day, req.start, c.plan, c.settings)
    ):
        raise BookingError(
            409,
            "booking_closed",
            "that slot cannot be booked (not a slot of an open day, or booking it has closed)",
            "Khung giờ này không còn nhận đặt lịch. Vui lòng chọn giờ khác.",
        )
    b = config.booking
    person = person_of(person_key(config), req.cccd)
    proc = procedure(db, c.id, req.procedure) if req.procedure else None
    with db.connection() as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_PERSON_LOCK, person.hex()))
        seq = conn.execute(
            "UPDATE booking_feed SET seq = seq + 1 WHERE centre_id = %s RETURNING seq", (c.id,)
        ).fetchone()
        if seq is None:
            raise BookingError(
                404, "unknown_centre", f"no centre {c.id!r}", "Không có trung tâm này."
            )
        days = [
            r[0]
            for r in conn.execute(
                "SELECT day FROM bookings WHERE person = %s AND status = 'no_show' AND day >= %s",
                (person, today - timedelta(days=b.no_show_days + b.ban_days + 1)),
            ).fetchall()
        ]
        until = rules.ban_until(days, b.no_show_limit, b.no_show_days, b.ban_days)
        if until is not None and today < until:
            raise BookingError(
                409,
                "booking_banned",
                f"{b.no_show_limit} bookings not kept within {b.no_show_days} days: "
                f"booking again from {until.isoformat()}",
                f"Đã có {b.no_show_limit} lịch hẹn của số CCCD này không đến trong "
                f"{b.no_show_days} ngày nên tạm thời chưa đặt lịch được; đặt lại được từ ngày "
                f"{until.strftime('%d/%m/%Y')}. Vẫn có thể đến trung tâm lấy số trực tiếp.",
            )
        held = conn.execute(
            "SELECT centre_id, service FROM bookings WHERE person = %s AND day = %s "
            "AND status <> 'cancelled'",
            (person, req.day),
        ).fetchall()
        same_field = sum(1 for cid, s in held if cid == c.id and s == req.service)
        if len(held) >= b.per_person_day or same_field >= b.per_person_field:
            raise BookingError(
                409,
                "booking_limit",
                f"one person may book {b.per_person_day} a day and {b.per_person_field} per "
                "field a day",
                f"Mỗi người được đặt tối đa {b.per_person_day} lịch trong một ngày và "
                f"{b.per_person_field} lịch cho mỗi lĩnh vực; số CCCD này đã đặt đủ trong ngày đó.",
            )
        if _taken(conn, c.id, req.day, req.service).get(req.start, 0) >= c.settings.capacity_of(
            req.service
        ):
            raise BookingError(
                409,
                "slot_full",
                "that slot has no free place left",
                "Khung giờ này vừa hết chỗ. Vui lòng chọn giờ khác.",
            )
        for _ in range(8):
            code = codes.new_code()
            try:
                with conn.transaction():
                    conn.execute(
                        "INSERT INTO bookings (code, centre_id, service, procedure, "
                        "procedure_name, day, start_min, end_min, status, person, name, phone, "
                        "seq, created_at, changed_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, "
                        "'booked', %s, %s, %s, %s, %s, %s)",
                        (
                            code,
                            c.id,
                            req.service,
                            req.procedure,
                            proc.get("name") if proc else None,
                            req.day,
                            slot[0],
                            slot[1],
                            person,
                            req.name,
                            req.phone,
                            seq[0],
                            now,
                            now,
                        ),
                    )
                break
            except psycopg.errors.UniqueViolation:
                continue
        else:  # pragma: no cover - 8 collisions in 64 million codes
            raise RuntimeError("no free booking code")
    log.info("booking %s at %s, %s %s %s", code, c.id, req.service, req.day, rules.hhmm(slot[0]))
    booking = get(db, code)
    assert booking is not None
    return booking


def same_phone(a: str | None, typed: str) -> bool:
    try:
        phone = rules.clean_phone(typed)
    except rules.RuleError:
        return False
    return a is not None and hmac.compare_digest(a.encode(), phone.encode())


def cancel(db: Database, c: Centre, code: str, phone: str, now: datetime) -> Booking:
    """Cancel a booking with the phone number it was made with; the place is free again.
    ``BookingError`` 404 unknown_booking, 403 wrong_phone, 409 booking_used,
    booking_cancelled or booking_closed (its slot has begun)."""
    with db.connection() as conn, conn.transaction():
        seq = conn.execute(
            "UPDATE booking_feed SET seq = seq + 1 WHERE centre_id = %s RETURNING seq", (c.id,)
        ).fetchone()
        row = conn.execute(_BOOKING + " WHERE code = %s FOR UPDATE", (code,)).fetchone()
        if row is None or seq is None:
            raise BookingError(
                404, "unknown_booking", "no such booking", "Không tìm thấy lịch hẹn."
            )
        b = Booking(*row)
        if not same_phone(b.phone, phone):
            raise BookingError(
                403,
                "wrong_phone",
                "the phone number is not the one the booking was made with",
                "Số điện thoại không đúng với số đã dùng khi đặt lịch.",
                "phone",
            )
        if b.status == "cancelled":
            raise BookingError(
                409, "booking_cancelled", "already cancelled", "Lịch hẹn này đã được hủy."
            )
        if b.status != "booked":
            raise BookingError(
                409, "booking_used", "the booking was checked in", "Lịch hẹn này đã được sử dụng."
            )
        if now >= rules.local_at(b.day, b.start, c.plan.tz):
            raise BookingError(
                409,
                "booking_closed",
                "the slot has begun; it can no longer be cancelled",
                "Đã đến giờ hẹn nên không hủy được nữa.",
            )
        conn.execute(
            "UPDATE bookings SET status = 'cancelled', seq = %s, changed_at = %s WHERE code = %s",
            (seq[0], now, code),
        )
    log.info("booking %s at %s cancelled", code, c.id)
    out = get(db, code)
    assert out is not None
    return out


# --- the centre's side of the link ---------------------------------------------------------


#: One booking change ``feed`` sends to its centre.
CHANGE_SCHEMA: dict[str, Any] = {
    "title": "BookingChange",
    "type": "object",
    "properties": {
        "seq": {"type": "integer", "description": "the change's number at its centre"},
        "code": {"type": "string"},
        "service": {"type": "string"},
        "procedure": _PROCEDURE,
        "date": {"type": "string", "format": "date"},
        "start": _HHMM,
        "end": _HHMM,
        "status": {"enum": ["booked", "cancelled"]},
    },
}


def feed(conn: psycopg.Connection, centre_id: str, after: int, limit: int = FEED_BATCH) -> dict:
    """Bookings and cancellations of a centre after its cursor, for the ingest answer:
    ``bookings`` (oldest change first), ``bookings_seq`` (the new cursor) and
    ``bookings_more`` (another batch waits). No personal data goes to the centre."""
    rows = conn.execute(
        "SELECT seq, code, service, procedure, procedure_name, day, start_min, end_min, "
        "status FROM bookings WHERE centre_id = %s AND seq > %s ORDER BY seq LIMIT %s",
        (centre_id, after, limit + 1),
    ).fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        {
            "seq": seq,
            "code": code,
            "service": service,
            "procedure": {"code": proc, "name": pname or ""} if proc else None,
            "date": day.isoformat(),
            "start": rules.hhmm(start),
            "end": rules.hhmm(end),
            "status": "cancelled" if status == "cancelled" else "booked",
        }
        for seq, code, service, proc, pname, day, start, end, status in rows
    ]
    cursor = rows[-1][0] if rows else after
    if not rows:  # a centre whose cursor is beyond the hub's (a restored hub): start over
        top = conn.execute(
            "SELECT seq FROM booking_feed WHERE centre_id = %s", (centre_id,)
        ).fetchone()
        if top is not None and after > top[0]:
            return feed(conn, centre_id, 0, limit)
    return {"bookings": items, "bookings_seq": cursor, "bookings_more": more}


def arrivals(
    conn: psycopg.Connection, centre_id: str, seen: list[tuple[str, str, float, str | None]]
) -> None:
    """What the centre's rows say of its bookings: (code, status, at, ticket code) with
    status checked_in, late or no_show. The centre's word wins over the hub's (a booking
    cancelled online while the centre, offline, checked it in was kept)."""
    for code, status, at, ticket in seen:
        conn.execute(
            "UPDATE bookings SET status = %s, arrived_at = CASE WHEN %s = 'no_show' THEN NULL "
            "ELSE to_timestamp(%s) END, ticket_code = %s, changed_at = now() "
            "WHERE code = %s AND centre_id = %s AND status <> %s",
            (status, status, at, ticket, code, centre_id, status),
        )


def store_catalogue(
    conn: psycopg.Connection, centre_id: str, items: list[dict[str, Any]], digest: str
) -> None:
    """Replace a centre's catalogue (what its push carried) and remember its digest."""
    conn.execute("DELETE FROM procedures WHERE centre_id = %s", (centre_id,))
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO procedures (centre_id, code, position, service, name, data) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            [
                (
                    centre_id,
                    p["code"],
                    i,
                    p["service"],
                    p["name"],
                    json.dumps(p, ensure_ascii=False),
                )
                for i, p in enumerate(items)
            ],
        )
    conn.execute("UPDATE centres SET catalogue_digest = %s WHERE id = %s", (digest, centre_id))


# --- the nightly job --------------------------------------------------------------------------


def forget(db: Database, now: datetime, tz: ZoneInfo) -> tuple[int, int]:
    """Erase the name and phone of every booking whose day is over (from the day after
    its slot), and the CCCD's HMAC ``PERSON_DAYS`` after; returns (erased, forgotten)."""
    today = now.astimezone(tz).date()
    with db.connection() as conn, conn.transaction():
        erased = conn.execute(
            "UPDATE bookings SET name = NULL, phone = NULL WHERE day < %s "
            "AND (name IS NOT NULL OR phone IS NOT NULL)",
            (today,),
        ).rowcount
        forgotten = conn.execute(
            "UPDATE bookings SET person = NULL WHERE day < %s AND person IS NOT NULL",
            (today - timedelta(days=PERSON_DAYS),),
        ).rowcount
    if erased or forgotten:
        log.info(
            "bookings: erased the name and phone of %d, the CCCD's hash of %d", erased, forgotten
        )
    return erased, forgotten


# --- the province's settings of a centre -------------------------------------------------------


def update_settings(
    db: Database, config: HubConfig, centre_id: str, changes: dict[str, Any]
) -> rules.Settings:
    """Change a centre's booking settings (``RuleError`` names a bad value; LookupError
    for an unknown centre); returns them as they now are."""
    with db.connection() as conn, conn.transaction():
        row = conn.execute(
            "SELECT booking FROM centres WHERE id = %s FOR UPDATE", (centre_id,)
        ).fetchone()
        if row is None:
            raise LookupError(f"no centre {centre_id!r}")
        stored = rules.change_settings(row[0] or {}, changes)
        conn.execute(
            "UPDATE centres SET booking = %s WHERE id = %s", (json.dumps(stored), centre_id)
        )
    return rules.settings_of(stored, config.booking.defaults())
