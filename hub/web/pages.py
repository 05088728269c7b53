"""The province's pages: login, the overview of every centre, one centre, reports.

Sessions live in PostgreSQL (see hub.accounts); the cookie is HttpOnly,
SameSite=Strict. Forms that change something carry the session's CSRF token,
and a POST whose Origin names another site is refused, as on the centre's pages.
A centre's head sees only their own centre. The overview refreshes itself every
15 s from ``/overview/rows``.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from functools import wraps
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, redirect, render_template, request, send_from_directory
from markupsafe import Markup

from hub import accounts, bookings, exports, queries
from hub import booking_rules as rules
from hub.web.api import download
from hub.web.common import COOKIE, client_address, hub, session
from sothutu.fonts import FONT_DIR
from sothutu.reports import STATIC as REPORT_STATIC
from sothutu.reports import charts, files, period
from sothutu.reports.sheets import DIALECTS
from sothutu.reports.summary import made_text, summary
from sothutu.reports.table import level_text, period_text, tables, vn_date

log = logging.getLogger("hub")

bp = Blueprint("pages", __name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'"
)
PRINTER_WORDS = {
    "ok": "Bình thường",
    "paper_low": "Sắp hết giấy",
    "paper_out": "Hết giấy",
    "offline": "Mất kết nối",
    "unknown": "Chưa rõ",
}
#: A last backup older than this is shown as a warning.
BACKUP_OLD_HOURS = 48


@bp.get("/fonts/<path:name>")
def fonts(name: str) -> Response:
    resp = send_from_directory(FONT_DIR, name, max_age=86400)
    return resp


@bp.get("/static/report/<name>")
def report_static(name: str) -> Response:
    """The printed reports' stylesheet shared with the centres (sothutu/reports/static)."""
    return send_from_directory(REPORT_STATIC, name)


def _page(template: str, status: int = 200, **ctx: Any) -> Response:
    h = hub()
    ctx.setdefault("province", h.config.hub.name)
    resp = Response(render_template(template, **ctx), status=status)
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Frame-Options"] = "DENY"
    return resp


def _foreign_origin() -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    if origin == "null":
        return True
    return urlsplit(origin).netloc != request.host


def _login_page(error: str = "", status: int = 200, name: str = "") -> Response:
    nxt = (
        request.full_path.rstrip("?") if request.method == "GET" else request.form.get("next", "/")
    )
    return _page("login.html", status, user=None, error=error, name=name, next=nxt)


def staff_page(view: Any) -> Any:
    """Pages that need a staff session; without one, the login form."""

    @wraps(view)
    def run(*args: Any, **kwargs: Any) -> Any:
        s = session()
        if s is None:
            return _login_page(status=401 if request.method == "POST" else 200)
        if request.method == "POST" and (
            _foreign_origin() or not _same(request.form.get("csrf", ""), s.csrf)
        ):
            return _message(s, "Yêu cầu không hợp lệ.", 403)
        return view(s, *args, **kwargs)

    return run


def _same(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode("utf-8", "surrogateescape"), b.encode())


def _message(s: accounts.Session | None, message: str, status: int) -> Response:
    return _page(
        "message.html",
        status,
        user=s.user if s else None,
        csrf=s.csrf if s else "",
        message=message,
    )


def _safe_next(target: str) -> str:
    ok = target.startswith("/") and not target.startswith("//") and "\\" not in target
    return "/" if not ok or target.startswith("/login") else target


@bp.post("/login")
def login() -> Any:
    h = hub()
    if _foreign_origin():
        return _login_page("Yêu cầu không hợp lệ.", 403)
    who = client_address()
    now = h.now()
    wait = accounts.wait_seconds(h.db, who, now)
    name = request.form.get("name", "").strip()
    if wait:
        return _login_page(f"Nhập sai quá nhiều lần. Vui lòng thử lại sau {wait} giây.", 429, name)
    user = accounts.login(h.db, name, request.form.get("password", ""))
    if user is None:
        accounts.login_failed(h.db, who, now)
        log.warning("wrong password for %r from %s", name[:64], who)
        return _login_page("Tên đăng nhập hoặc mật khẩu không đúng.", 401, name)
    accounts.login_succeeded(h.db, who)
    token, _s = accounts.open_session(h.db, h.config.server.secret_key, user, now)
    target = _safe_next(request.form.get("next", "/"))
    if user.role == "centre" and target == "/":
        target = f"/centres/{user.centre_id}"
    resp = redirect(target, code=303)
    resp.set_cookie(
        COOKIE,
        token,
        max_age=accounts.SESSION_HOURS * 3600,
        path="/",
        httponly=True,
        samesite="Strict",
        secure=h.config.server.secure_cookies,
    )
    log.info("%s logged in from %s", user.name, who)
    return resp


@bp.get("/login")
def login_form() -> Any:
    if session() is not None:
        return redirect("/", code=303)
    return _login_page()


@bp.post("/logout")
@staff_page
def logout(_s: accounts.Session) -> Any:
    h = hub()
    accounts.close_session(h.db, h.config.server.secret_key, request.cookies.get(COOKIE, ""))
    resp = redirect("/login", code=303)
    resp.delete_cookie(COOKIE, path="/", httponly=True, samesite="Strict")
    return resp


# --- the overview ----------------------------------------------------------------------


def _local(iso: str | None) -> datetime | None:
    if not iso:
        return None
    try:
        t = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return t.astimezone(hub().config.hub.tz) if t.tzinfo else None


@bp.get("/")
@staff_page
def overview(s: accounts.Session) -> Any:
    """The shell of the overview with the rows' data inside; overview.js draws the table
    (3,321 centres are 2 MB of HTML but 1 MB of JSON built by PostgreSQL) and refreshes it
    from /api/v1/centres every 15 s."""
    if s.user.role != "province":
        return redirect(f"/centres/{s.user.centre_id}", code=303)
    h = hub()
    rows = queries.centres_json(h.db, h.today(), h.now(), h.config.hub.online_seconds)
    offset = h.now().astimezone(h.config.hub.tz).utcoffset()
    return _page(
        "overview.html",
        user=s.user,
        csrf=s.csrf,
        rows_json=Markup(rows.replace("</", "<\\/")),
        districts=queries.districts(h.db),
        words=PRINTER_WORDS,
        tz_minutes=int(offset.total_seconds() // 60) if offset else 0,
        backup_old_hours=BACKUP_OLD_HOURS,
        updated=h.now().astimezone(h.config.hub.tz).strftime("%H:%M:%S %d/%m/%Y"),
    )


# --- one centre ------------------------------------------------------------------------


def _visible_centre(s: accounts.Session, centre_id: str) -> dict[str, Any] | Response:
    if not s.user.may_see(centre_id):
        return _message(s, "Tài khoản này chỉ xem được trung tâm của mình.", 403)
    info = queries.centre_info(hub().db, centre_id)
    if info is None:
        return _message(s, "Không có trung tâm này.", 404)
    return info


def _period(s: accounts.Session) -> tuple[date, date] | Response:
    """The page's ``from``/``to`` (dd/mm/yyyy or ISO; reversed ones swapped), or the
    Vietnamese message of a bad one."""
    try:
        p = period.read_period(
            "", request.args.get("from", ""), request.args.get("to", ""), hub().today()
        )
    except period.PeriodError as exc:
        return _message(s, str(exc), 400)
    return p.first, p.last


@bp.get("/centres/<centre_id>")
@staff_page
def centre(s: accounts.Session, centre_id: str) -> Any:
    info = _visible_centre(s, centre_id)
    if isinstance(info, Response):
        return info
    span = _period(s)
    if isinstance(span, Response):
        return span
    first, last = span
    h = hub()
    rep = queries.centre_report(h.db, info, first, last, h.config.hub.tz)
    (row,) = queries.centres(h.db, h.today(), h.now(), h.config.hub.online_seconds, only=centre_id)
    seen = _local(row["last_seen"])
    backup = _local(row["last_backup_at"])
    health = info["health"]
    query = f"from={first.isoformat()}&to={last.isoformat()}"
    return _page(
        "centre.html",
        user=s.user,
        csrf=s.csrf,
        c=row,
        info=info,
        health=health,
        waiting=[
            (name, (health.get("waiting") or {}).get(sid))
            for sid, name in queries.setup_of(info, h.config.hub.tz).services
        ],
        seen_text=seen.strftime("%H:%M:%S %d/%m/%Y") if seen else "chưa bao giờ",
        backup_text=backup.strftime("%H:%M %d/%m/%Y") if backup else "chưa có",
        printer_words=PRINTER_WORDS,
        report=rep,
        tables=tables(rep, compact=True),
        period=period_text(rep),
        first_text=vn_date(first),
        last_text=vn_date(last),
        csv_url=f"/centres/{centre_id}/report.csv?{query}&dialect=excel-vn",
        csv_plain_url=f"/centres/{centre_id}/report.csv?{query}&dialect=plain",
        xlsx_url=f"/centres/{centre_id}/report.xlsx?{query}",
        month_url=f"/centres/{centre_id}/month?month={first:%Y-%m}",
        month_text=period.month_text(first),
        chart_hours=charts.tickets_per_hour(rep),
        chart_waits=charts.waiting_per_field(rep),
    )


def _centre_file(s: accounts.Session, centre_id: str, fmt: str) -> Any:
    info = _visible_centre(s, centre_id)
    if isinstance(info, Response):
        return info
    dialect = request.args.get("dialect") or "excel-vn"
    if dialect not in DIALECTS:
        return _message(s, f"Kiểu CSV không hợp lệ: {dialect[:20]!r}.", 400)
    p = _period(s)
    if isinstance(p, Response):
        return p
    rep = queries.centre_report(hub().db, info, *p, hub().config.hub.tz)
    data, mimetype, name = files.download(rep, fmt, dialect)
    return download(data, mimetype, f"{centre_id}-{name}")


@bp.get("/centres/<centre_id>/report.csv")
@staff_page
def centre_csv(s: accounts.Session, centre_id: str) -> Any:
    """A centre's report as CSV: for Excel under Vietnamese settings unless dialect=plain."""
    return _centre_file(s, centre_id, "csv")


@bp.get("/centres/<centre_id>/report.xlsx")
@staff_page
def centre_xlsx(s: accounts.Session, centre_id: str) -> Any:
    """A centre's report as an Excel workbook, the same as the centre's own."""
    return _centre_file(s, centre_id, "xlsx")


@bp.get("/centres/<centre_id>/month")
@staff_page
def centre_month(s: accounts.Session, centre_id: str) -> Any:
    """A centre's one-page monthly summary, the same page the centre prints."""
    info = _visible_centre(s, centre_id)
    if isinstance(info, Response):
        return info
    h = hub()
    try:
        first = period.parse_month(request.args.get("month", ""), h.today())
    except period.PeriodError as exc:
        return _message(s, str(exc), 400)
    first, last = period.month_bounds(first)
    rep = queries.centre_report(h.db, info, first, last, h.config.hub.tz)
    return _page(
        "month.html",
        user=s.user,
        csrf=s.csrf,
        s=summary(
            rep,
            authority=str(info["setup"].get("authority") or ""),
            head_title=str(info["setup"].get("head_title") or "Giám đốc"),
            made=h.now().astimezone(h.config.hub.tz),
        ),
        back_url=f"/centres/{centre_id}?from={first.isoformat()}&to={last.isoformat()}",
    )


# --- a centre's booking settings and bookings --------------------------------------------------


BOOKING_STATUS = {
    "booked": "Đã đặt",
    "cancelled": "Đã hủy",
    "checked_in": "Đã đến",
    "late": "Đến muộn",
    "no_show": "Không đến",
}


@bp.get("/centres/<centre_id>/dat-lich")
@staff_page
def centre_booking(s: accounts.Session, centre_id: str) -> Any:
    """A centre's booking settings (province staff change them) and a day's bookings."""
    return _booking_page(s, centre_id)


def _booking_page(
    s: accounts.Session, centre_id: str, error: str = "", notice: str = "", status: int = 200
) -> Response:
    info = _visible_centre(s, centre_id)
    if isinstance(info, Response):
        return info
    h = hub()
    c = bookings.centre(h.db, h.config, centre_id)
    assert c is not None
    today = h.now().astimezone(c.plan.tz).date()
    try:
        day = date.fromisoformat(request.args.get("date") or today.isoformat())
    except ValueError:
        day = today
    listed = bookings.day_list(h.db, centre_id, day)
    names = dict(c.plan.services)
    return _page(
        "booking_settings.html",
        status,
        user=s.user,
        csrf=s.csrf,
        c=c,
        info=info,
        settings=c.settings,
        services=c.plan.services,
        hours=", ".join(f"{rules.hhmm(a)}–{rules.hhmm(b)}" for a, b in c.plan.windows),
        days=" ".join(str(d) for d in c.plan.days),
        centre_closed=", ".join(sorted(d.strftime("%d/%m/%Y") for d in c.plan.closed)),
        closed=", ".join(sorted(d.isoformat() for d in c.settings.closed)),
        bookable=[d.strftime("%d/%m") for d in rules.bookable_days(today, c.plan, c.settings)],
        day=day.isoformat(),
        rows=[
            {
                "code": b.code,
                "slot": f"{rules.hhmm(b.start)}–{rules.hhmm(b.end)}",
                "service": names.get(b.service, b.service),
                "procedure": b.procedure_name or "",
                "status": BOOKING_STATUS.get(b.status, b.status),
                "ticket": b.ticket_code or "",
                "name": b.name or "",
                "phone": b.phone or "",
            }
            for b in listed
        ],
        editable=s.user.role == "province",
        error=error,
        notice=notice,
    )


@bp.post("/centres/<centre_id>/dat-lich")
@staff_page
def centre_booking_save(s: accounts.Session, centre_id: str) -> Any:
    if s.user.role != "province":
        return _message(s, "Chỉ cán bộ của tỉnh được đổi cài đặt đặt lịch.", 403)
    h = hub()
    c = bookings.centre(h.db, h.config, centre_id)
    if c is None:
        return _message(s, "Không có trung tâm này.", 404)
    f = request.form
    changes: dict[str, Any] = {"enabled": f.get("enabled") == "on", "address": f.get("address", "")}
    try:
        for name in ("slot_minutes", "capacity", "lead_minutes", "days_ahead"):
            changes[name] = int(f.get(name, "").strip())
        caps = {}
        for sid, _ in c.plan.services:
            v = f.get(f"capacity_{sid}", "").strip()
            caps[sid] = int(v) if v else None
        changes["capacities"] = caps
        changes["closed_days"] = [
            d.strip() for d in re.split(r"[,\s]+", f.get("closed_days", "")) if d.strip()
        ]
        bookings.update_settings(h.db, h.config, centre_id, changes)
    except ValueError as exc:
        text = exc.message if isinstance(exc, rules.RuleError) else "phải là số nguyên"
        return _booking_page(s, centre_id, error=f"Không lưu được: {text}.", status=400)
    log.info("%s changed the booking settings of %s", s.user.name, centre_id)
    return _booking_page(s, centre_id, notice="Đã lưu cài đặt đặt lịch.")


# --- the province report -------------------------------------------------------------------


@bp.get("/reports")
@staff_page
def reports(s: accounts.Session) -> Any:
    h = hub()
    today = h.today()
    if request.args.get("from") or request.args.get("to"):
        span = _period(s)
        if isinstance(span, Response):
            return span
        first, last = span
    else:
        first, last = today.replace(day=1), today
    only = None if s.user.role == "province" else s.user.centre_id
    district = request.args.get("district") or None
    rep = queries.province_report(
        h.db, first, last, h.config.reports.service_level_minutes, only, district
    )
    query = urlencode(
        {
            "from": first.isoformat(),
            "to": last.isoformat(),
            **({"district": district} if district else {}),
        }
    )
    last_month, last_month_end = period.month_bounds(period.previous_month(today))
    return _page(
        "reports.html",
        user=s.user,
        csrf=s.csrf,
        report=rep,
        table=exports.page_table(rep),
        title=exports.title(rep),
        first_text=vn_date(first),
        last_text=vn_date(last),
        csv_url=f"/api/v1/report.csv?{query}&dialect=excel-vn",
        xlsx_url=f"/api/v1/report.xlsx?{query}",
        print_url=f"/reports/print?month={first.strftime('%Y-%m')}",
        last_month_url=f"/reports/print?month={last_month.strftime('%Y-%m')}",
        last_month_xlsx=(
            f"/api/v1/report.xlsx?from={last_month.isoformat()}&to={last_month_end.isoformat()}"
        ),
        last_month_text=period.month_text(last_month),
        districts=queries.districts(h.db) if s.user.role == "province" else [],
        district=district or "",
    )


@bp.get("/reports/print")
@staff_page
def print_summary(s: accounts.Session) -> Any:
    """The printable monthly summary: one line per centre, the province's total, signatures."""
    h = hub()
    try:
        first, last = period.month_bounds(
            period.parse_month(request.args.get("month", ""), h.today())
        )
    except period.PeriodError as exc:
        return _message(s, str(exc), 400)
    only = None if s.user.role == "province" else s.user.centre_id
    rep = queries.province_report(h.db, first, last, h.config.reports.service_level_minutes, only)
    now = h.now().astimezone(h.config.hub.tz)
    return _page(
        "print.html",
        user=s.user,
        csrf=s.csrf,
        report=rep,
        table=exports.print_table(rep),
        month_text=period.month_text(first),
        period=f"từ ngày {vn_date(first.isoformat())} đến ngày {vn_date(last.isoformat())}",
        made=made_text(now),
        level_text=level_text(rep["service_level_minutes"]),
    )


@bp.app_errorhandler(404)
def _not_found(exc: Any) -> Any:
    if request.path.startswith("/api/"):
        from hub.web.common import error_json

        return error_json(404, "not_found", "no such path")
    return Response("Không tìm thấy trang.", 404, mimetype="text/plain")
