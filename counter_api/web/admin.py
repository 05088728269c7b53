"""The admin page /admin: password login, today live, reports with charts, print.

Login with ``[server] admin_password`` (the app's login throttle,
``counter_api.web.throttle``: the admin password is one target). The session is kept in the database
(``counter_api.web.sessions``); its cookie (HttpOnly, SameSite=Strict, path
/admin) holds only a random token. It lasts 12 hours at most, ends on logout
(also across restarts) and when the password or the secret key changes. Forms
that change something carry the session's CSRF token, and a POST from a page
of another site is refused. "Today" is live through the public event stream;
reports are rendered on the server, charts as inline SVG.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request

from counter_api import recovery
from counter_api.backup import BackupError, make_backup
from counter_api.core.model import CounterStatus
from counter_api.present import PRINTER_UNKNOWN
from counter_api.reports.load import PeriodError, build_report, parse_period
from counter_api.uplink.api import link_status
from counter_api.web.endpoint import REDIRECT, Answer, page
from counter_api.web.endpoint import service as _svc
from counter_api.web.params import Param
from counter_api.web.parts import parts
from counter_api.web.report_api import csv_response
from counter_api.web.sessions import ADMIN, ADMIN_HOURS, Session
from counter_api.web.signed import Cookie, client_address, foreign_origin, page_headers, same_secret
from counter_api.web.throttle import ADMIN as ADMIN_TARGET
from counter_api.web.throttle import LoginThrottle, wait_message
from sothutu.reports import charts
from sothutu.reports.table import (
    period_text,
    tables,
    today_table,
    vn_date,
)

log = logging.getLogger(__name__)

bp = Blueprint("admin", __name__, url_prefix="/admin")

COOKIE = "sothutu_admin"
PATH = "/admin"
#: The browser forgets the cookie when the session would end anyway.
_COOKIE = Cookie(COOKIE, PATH, ADMIN_HOURS * 3600)
#: The forms that change something carry the session's CSRF token.
CSRF_FORM = {"csrf": Param(str, "the session's CSRF token", required=True)}

#: What the page says of each printer state (``PRINTER_STATES`` and "unknown").
PRINTER_WORDS = {
    "ok": "Bình thường",
    "paper_low": "Sắp hết giấy",
    "paper_out": "Hết giấy",
    "offline": "Không phản hồi",
    PRINTER_UNKNOWN: "Chưa rõ",
}
#: A second kiosk refused under a kiosk's name (409 kiosk_name_in_use): what to do.
CONFLICT_TEXT = (
    "Có hai máy lấy số cùng tên {name}: máy ở địa chỉ {address} bị từ chối từ {since}. "
    "Mỗi máy cần một mục [[kiosks]] riêng (tên và khóa) và đặt [kiosk] name cho đúng."
)
#: What the page says of each counter status.
COUNTER_WORDS = {
    CounterStatus.OPEN: "Đang mở",
    CounterStatus.SERVING: "Đang phục vụ",
    CounterStatus.PAUSED: "Tạm dừng",
}


def _throttle() -> LoginThrottle:
    return parts().login_throttle


def _password() -> str:
    return _svc().config.server.admin_password


def _session() -> Session | None:
    """The admin session of this request, while it is valid."""
    if not _password():
        return None
    return parts().sessions.find(ADMIN, _COOKIE.read())


def _page(template: str, status: int = 200, **ctx: Any) -> Response:
    resp = Response(render_template(template, **ctx), status=status)
    resp.headers["X-Frame-Options"] = "DENY"
    return page_headers(resp)


def _login_page(error: str = "", status: int = 200) -> Response:
    svc = _svc()
    return _page(
        "pages/admin_login.html",
        status,
        error=error,
        enabled=bool(_password()),
        centre=svc.config.centre.name,
    )


def admin_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """Pages that need the admin session; without it, the login form."""

    @wraps(view)
    def run(*args: Any, **kwargs: Any) -> Any:
        session = _session()
        if session is None:
            return _login_page(status=401 if request.method == "POST" else 200)
        if request.method == "POST" and (
            foreign_origin() or not same_secret(request.form.get("csrf", ""), session.csrf)
        ):
            return _page("pages/admin_message.html", 403, message="Yêu cầu không hợp lệ.", csrf="")
        return view(session, *args, **kwargs)

    return run


@bp.post("/login")
@page(form={"password": Param(str, "[server] admin_password", required=True)}, answer=REDIRECT)
def login() -> Any:
    """Log in with [server] admin_password (form field `password`): a cookie for /admin.

    Wrong passwords are throttled per address, by the throttle of every login of the
    server (429, the page says how long to wait).
    """
    if not _password():
        return _login_page(status=403)
    if foreign_origin():
        return _login_page("Yêu cầu không hợp lệ.", 403)
    who = client_address()
    wait = _throttle().wait_seconds(who, ADMIN_TARGET)
    if wait:
        return _login_page(wait_message(wait), 429)
    if not same_secret(request.form.get("password", ""), _password()):
        _throttle().failed(who, ADMIN_TARGET)
        log.warning("wrong admin password from %s", who)
        return _login_page("Mật khẩu không đúng.", 401)
    _throttle().succeeded(who, ADMIN_TARGET)
    token, _opened = parts().sessions.open(ADMIN)
    resp = redirect(PATH, code=303)
    _COOKIE.write(resp, token)
    return resp


@bp.post("/logout")
@admin_only
@page(session="admin", form=CSRF_FORM, answer=REDIRECT)
def logout(session: Session) -> Any:
    """End the admin session (form field `csrf`): its cookie opens nothing any more."""
    parts().sessions.end(session)
    resp = redirect(PATH, code=303)
    _COOKIE.clear(resp)
    return resp


@bp.get("")
@bp.get("/")
@admin_only
@page(session="admin")
def today(session: Session) -> Response:
    """The admin page: today live (counters, printers, figures), backups; else the login."""
    svc = _svc()
    state = svc.state()
    day = svc.today()
    report = build_report(svc.config, svc.store, day, day)
    return _page(
        "pages/admin_today.html",
        csrf=session.csrf,
        centre=svc.config.centre.name,
        state=state,
        report=report,
        figures=today_table(report),
        day_text=vn_date(day.isoformat()),
        printer_words=PRINTER_WORDS,
        counter_words=COUNTER_WORDS,
        conflict_text=CONFLICT_TEXT,
        backup_dir=str(svc.config.backup_dir),
        message=request.args.get("msg", ""),
        hub=link_status(),
        recovery=recovery.pending(svc.store),
    )


def _period_args() -> tuple[dict[str, str], Any]:
    args = {k: v for k in ("date", "from", "to") if (v := request.args.get(k, "").strip())}
    return args, parse_period(args.get("date"), args.get("from"), args.get("to"), _svc().today())


@bp.get("/figures")
@page(session="admin")
def figures() -> Response:
    """Today's figures table alone (the live view reloads it after events)."""
    if _session() is None:
        return Response("", status=401)
    svc = _svc()
    day = svc.today()
    rep = build_report(svc.config, svc.store, day, day)
    return _page("pages/admin_figures.html", t=today_table(rep))


@bp.get("/report")
@admin_only
@page(session="admin")
def report(session: Session) -> Response:
    """A day's (`?date=`) or a period's (`?from=&to=`) report with charts, to print."""
    svc = _svc()
    try:
        _args, (first, last) = _period_args()
    except PeriodError as exc:
        return _page(
            "pages/admin_message.html",
            400,
            message=f"Khoảng ngày không hợp lệ ({exc}).",
            csrf=session.csrf,
        )
    rep = build_report(svc.config, svc.store, first, last)
    query = "&".join(f"{k}={v}" for k, v in (("from", first.isoformat()), ("to", last.isoformat())))
    return _page(
        "pages/admin_report.html",
        csrf=session.csrf,
        centre=svc.config.centre.name,
        report=rep,
        tables=tables(rep, compact=True),
        period=period_text(rep),
        first=first.isoformat(),
        last=last.isoformat(),
        prev_day=(first - timedelta(days=1)).isoformat(),
        next_day=(first + timedelta(days=1)).isoformat(),
        single=first == last,
        csv_url=f"{PATH}/report.csv?{query}",
        chart_hours=charts.tickets_per_hour(rep),
        chart_waits=charts.waiting_per_field(rep),
        generated=svc.clock.now().astimezone(svc.tz).strftime("%H:%M %d/%m/%Y"),
    )


@bp.get("/report.csv")
@admin_only
@page(session="admin", answer=Answer({"type": "string"}, media="text/csv"))
def report_csv(_session: Session) -> Response:
    """The same report as CSV (UTF-8 with a BOM, Vietnamese headings)."""
    svc = _svc()
    try:
        _args, (first, last) = _period_args()
    except PeriodError as exc:
        return Response(str(exc) + "\n", status=400, mimetype="text/plain")
    return csv_response(build_report(svc.config, svc.store, first, last))


@bp.post("/backup")
@admin_only
@page(session="admin", form=CSRF_FORM, answer=REDIRECT)
def backup_now(_session: Session) -> Any:
    """Make a backup of the database now (form field `csrf`); the page says how it went."""
    try:
        path = make_backup(_svc().config)
    except BackupError as exc:
        log.error("backup from the admin page failed: %s", exc)
        return redirect(f"{PATH}?msg=backup-failed", code=303)
    log.info("backup from the admin page: %s", path)
    return redirect(f"{PATH}?msg=backup-ok", code=303)


@bp.post("/storage-ack")
@admin_only
@page(session="admin", form=CSRF_FORM, answer=REDIRECT)
def storage_ack(_session: Session) -> Any:
    """Acknowledge the database recovery the page shows (form field `csrf`): the
    warnings on health, this page and the consoles end."""
    recovery.acknowledge(_svc().store)
    log.info("the database recovery was acknowledged on the admin page")
    return redirect(PATH, code=303)
