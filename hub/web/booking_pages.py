"""The citizens' booking pages under /dat-lich: phone first, Vietnamese, no CDN.

- ``/dat-lich``: find the centre (commune or ward name, with or without accents),
  or look up a booking by its code;
- ``/dat-lich/trung-tam/ID``: the field (and a procedure, if wanted), the day, the
  slot with its free places, then name, phone and CCCD number;
- ``/dat-lich/CODE``: the booking: its code, QR code, centre and address, slot, what
  to bring, and cancelling (with the phone number it was made with).

Every page works without JavaScript (plain forms, server-drawn QR code);
``booking.js`` only spares page loads (slots as the field or day changes, the centre
list filtered as one types). Each request counts against the address's limits, as
the API does; forms refuse another site's Origin.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, redirect, render_template, request
from markupsafe import Markup

from hub import booking_rules as rules
from hub import bookings, qr
from hub.web.booking_api import Refused, limit
from hub.web.common import hub
from sothutu.booking import normalize_code
from sothutu.procedures.checklist import HEADING, ITEM, TEXT, checklist
from sothutu.procedures.model import Procedure
from sothutu.procedures.text import fold

log = logging.getLogger("hub")

bp = Blueprint("booking_pages", __name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'"
)
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
STATUS_WORDS = {
    "booked": "Đã đặt lịch",
    "cancelled": "Đã hủy",
    "checked_in": "Đã đến và lấy số",
    "late": "Đến muộn, đã lấy số thường",
    "no_show": "Không đến theo lịch hẹn",
}
#: The one sentence about personal data (Decree 13/2023/NĐ-CP).
PRIVACY = (
    "Số CCCD chỉ được lưu dưới dạng mã hóa để giới hạn số lịch mỗi người được đặt, "
    "còn họ tên và số điện thoại được xóa vào ngày hôm sau ngày hẹn."
)


def _page(template: str, status: int = 200, **ctx: Any) -> Response:
    ctx.setdefault("province", hub().config.hub.name)
    resp = Response(render_template(template, **ctx), status=status)
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Frame-Options"] = "DENY"
    return resp


def _message(text: str, status: int, title: str = "Không thực hiện được") -> Response:
    return _page("booking/message.html", status, title=title, message=text)


@bp.errorhandler(Refused)
def _refused(exc: Refused) -> Response:
    resp = _message(exc.error.vi, exc.error.status)
    if exc.retry_after:
        resp.headers["Retry-After"] = str(exc.retry_after)
    return resp


def day_text(d: date, today: date) -> str:
    """``Hôm nay, Thứ Ba 24/11`` / ``Thứ Tư 25/11/2026``."""
    text = f"{WEEKDAYS[d.weekday()]} {d.strftime('%d/%m')}"
    if d == today:
        return f"Hôm nay, {text}"
    if d == today + timedelta(days=1):
        return f"Ngày mai, {text}"
    return text


def _foreign_origin() -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    return origin == "null" or urlsplit(origin).netloc != request.host


# --- finding the centre --------------------------------------------------------------------


@bp.get("/dat-lich")
def index() -> Any:
    """The centres taking bookings, searched by name without caring for accents."""
    limit("read")
    typed = request.args.get("ma", "").strip()
    if typed:
        code = normalize_code(typed)
        if code is None:
            return _index(error="Mã đặt lịch gồm 6 ký tự, ví dụ K7M3PX.", typed=typed)
        return redirect(f"/dat-lich/{code}", code=303)
    return _index()


def _index(error: str = "", typed: str = "") -> Response:
    h = hub()
    q = request.args.get("q", "")[:100]
    words = fold(q).split()
    centres = []
    for c in bookings.bookable_centres(h.db, h.config):
        key = " " + fold(f"{c.name} {c.address} {c.id.replace('-', ' ')}")
        # each word typed starts a word of the name or address ("an" is not in "thanh")
        centres.append({"c": c, "key": key, "shown": all(" " + w in key for w in words)})
    return _page(
        "booking/index.html",
        status=400 if error else 200,
        centres=centres,
        q=q,
        shown=sum(1 for x in centres if x["shown"]),
        error=error,
        typed=typed,
    )


# --- booking at one centre ------------------------------------------------------------------


def _centre(centre_id: str) -> bookings.Centre:
    from hub.web.booking_api import bookable

    return bookable(centre_id)


@bp.get("/dat-lich/trung-tam/<centre_id>")
def centre(centre_id: str) -> Any:
    limit("read")
    c = _centre(centre_id)
    return _form(c, dict(request.args))


def _form(
    c: bookings.Centre, values: dict[str, str], error: str = "", status: int = 200, field: str = ""
) -> Response:
    h = hub()
    now = h.now()
    today = now.astimezone(c.plan.tz).date()
    days = rules.bookable_days(today, c.plan, c.settings)
    service = values.get("service", "")
    if c.plan.service_name(service) is None:
        service = c.plan.services[0][0] if len(c.plan.services) == 1 else ""
    chosen_day = None
    with contextlib.suppress(ValueError):
        chosen_day = date.fromisoformat(values.get("date", ""))
    if chosen_day not in days:
        chosen_day = days[0] if days else None
    free: list[tuple[int, int, int]] = []
    if service and chosen_day is not None:
        taken = bookings.taken(h.db, c.id, chosen_day, service)
        free = rules.open_slots(chosen_day, c.plan, c.settings, service, taken, now)
    procs = bookings.procedures(h.db, c.id)
    return _page(
        "booking/centre.html",
        status,
        c=c,
        services=c.plan.services,
        service=service,
        procedures=procs,
        procedure=values.get("procedure", ""),
        days=[(d.isoformat(), day_text(d, today)) for d in days],
        day=chosen_day.isoformat() if chosen_day else "",
        slots=[(rules.hhmm(s), rules.hhmm(e), n) for s, e, n in free],
        start=values.get("start", ""),
        name=values.get("name", ""),
        phone=values.get("phone", ""),
        error=error,
        field=field,
        privacy=PRIVACY,
        early=c.plan.early,
        late=c.plan.late,
        has_hours=bool(c.plan.windows),
    )


@bp.post("/dat-lich/trung-tam/<centre_id>")
def book(centre_id: str) -> Any:
    limit("write")
    if _foreign_origin():
        return _message("Yêu cầu không hợp lệ.", 403)
    c = _centre(centre_id)
    h = hub()
    form = {k: request.form.get(k, "") for k in ("service", "procedure", "date", "start")}
    form |= {k: request.form.get(k, "") for k in ("name", "phone", "cccd")}
    try:
        req = bookings.check(c, h.db, form)
        made = bookings.create(h.db, h.config, c, req, h.now())
    except bookings.BookingError as exc:
        kept = {k: v for k, v in form.items() if k != "cccd"}  # never echoed back
        if exc.code in ("slot_full", "booking_closed"):
            kept.pop("start", None)
        return _form(c, kept, exc.vi, 409 if exc.status == 409 else exc.status, exc.field)
    return redirect(f"/dat-lich/{made.code}?moi=1", code=303)


# --- one booking --------------------------------------------------------------------------------


def _booking(code: str) -> tuple[bookings.Booking, bookings.Centre]:
    try:
        return bookings.find(hub().db, hub().config, code)
    except bookings.BookingError as exc:
        raise Refused(exc) from None


@bp.get("/dat-lich/<code>")
def show(code: str) -> Any:
    limit("read")
    b, c = _booking(code)
    if b.code != code:
        return redirect(f"/dat-lich/{b.code}", code=303)
    return _show(b, c, fresh=request.args.get("moi") == "1")


def _show(
    b: bookings.Booking,
    c: bookings.Centre,
    *,
    fresh: bool = False,
    error: str = "",
    status: int = 200,
    notice: str = "",
) -> Response:
    h = hub()
    now = h.now()
    data = b.json(c)
    today = now.astimezone(c.plan.tz).date()
    start = rules.local_at(b.day, b.start, c.plan.tz)
    blocks: list[Any] = []
    if b.procedure:
        p = bookings.procedure(h.db, c.id, b.procedure)
        if p is not None:
            try:
                proc = Procedure.from_json(p)
            except (KeyError, TypeError, ValueError):
                proc = None
            if proc is not None:
                blocks = [x for x in checklist(proc) if x.kind in (HEADING, ITEM, TEXT)]
    return _page(
        "booking/show.html",
        status,
        b=b,
        c=c,
        data=data,
        fresh=fresh,
        status_text=STATUS_WORDS.get(b.status, b.status),
        day=day_text(b.day, today) + f"/{b.day.year}",
        window=(
            rules.hhmm(max(0, b.start - c.plan.early)),
            rules.hhmm(min(24 * 60 - 1, b.start + c.plan.late)),
        ),
        qr_svg=Markup(qr.svg(data["qr"], f"Mã QR của lịch hẹn {b.code}")),
        blocks=blocks,
        can_cancel=b.status == "booked" and now < start,
        error=error,
        notice=notice,
    )


@bp.get("/dat-lich/<code>/qr.png")
def qr_png(code: str) -> Any:
    limit("read")
    b, c = _booking(code)
    resp = Response(qr.png(b.json(c)["qr"]), mimetype="image/png")
    resp.headers["Content-Disposition"] = f'attachment; filename="dat-lich-{b.code}.png"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.post("/dat-lich/<code>/huy")
def cancel(code: str) -> Any:
    limit("write")
    if _foreign_origin():
        return _message("Yêu cầu không hợp lệ.", 403)
    b, c = _booking(code)
    h = hub()
    try:
        done = bookings.cancel(h.db, c, b.code, request.form.get("phone", ""), h.now())
    except bookings.BookingError as exc:
        return _show(b, c, error=exc.vi, status=exc.status)
    return _show(done, c, notice="Đã hủy lịch hẹn. Chỗ này đã được trả lại cho người khác.")
