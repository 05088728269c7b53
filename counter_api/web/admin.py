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
from datetime import date, datetime, timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, render_template, request

from counter_api import recovery
from counter_api.backup import BackupError, make_backup
from counter_api.core.model import CounterStatus
from counter_api.present import PRINTER_UNKNOWN
from counter_api.reports.load import build_report
from counter_api.uplink.api import link_status
from counter_api.web.endpoint import REDIRECT, Answer, page
from counter_api.web.endpoint import service as _svc
from counter_api.web.params import Param
from counter_api.web.parts import parts
from counter_api.web.report_api import file_response
from counter_api.web.sessions import ADMIN, ADMIN_HOURS, Session
from counter_api.web.signed import Cookie, client_address, foreign_origin, page_headers, same_secret
from counter_api.web.throttle import ADMIN as ADMIN_TARGET
from counter_api.web.throttle import UNKNOWN, Guessing, LoginThrottle, wait_message
from sothutu.reports import charts, numbers, period
from sothutu.reports.sheets import DIALECTS, XLSX_TYPE
from sothutu.reports.summary import summary
from sothutu.reports.table import level_text, period_text, tables, today_table, vn_date

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
        guessing=[_guessing_words(g) for g in _throttle().guessing()],
    )


def _guessing_words(g: Guessing) -> dict[str, Any]:
    """A target guessed at from many addresses, in the admin page's words."""
    svc = _svc()
    if g.target == ADMIN_TARGET:
        what = "mật khẩu trang quản trị"
    elif g.target == UNKNOWN:
        what = "các số quầy không có"
    else:
        number = g.target.removeprefix("counter ")
        counter = svc.config.counter(int(number)) if number.isdigit() else None
        what = f"mã PIN của {counter.label if counter else 'Quầy ' + number}"

    def hhmm(ts: float) -> str:
        return datetime.fromtimestamp(ts, svc.config.centre.tz).strftime("%H:%M")

    return {"what": what, "tries": g.tries, "since": hhmm(g.since), "last": hhmm(g.last)}


def _period() -> period.Period:
    """The period of the page's query (``date``, or ``from``/``to`` as dd/mm/yyyy or
    ISO); a reversed one swapped; ``period.PeriodError`` with a Vietnamese message."""
    a = request.args
    return period.read_period(a.get("date", ""), a.get("from", ""), a.get("to", ""), _svc().today())


def _query(first: date, last: date, **extra: str) -> str:
    return urlencode({"from": first.isoformat(), "to": last.isoformat(), **extra})


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
    """A day's (`?date=`) or a period's (`?from=&to=`, dd/mm/yyyy or YYYY-MM-DD) report
    with charts, to print; shortcuts to today, this week, month and quarter and last
    month. A reversed period is swapped; a bad date is a message on the page (400)."""
    svc = _svc()
    today = svc.today()
    base: dict[str, Any] = {
        "csrf": session.csrf,
        "centre": svc.config.centre.name,
    }
    try:
        p = _period()
    except period.PeriodError as exc:
        a = request.args
        return _page(
            "pages/admin_report.html",
            400,
            **base,
            error=str(exc),
            report=None,
            from_text=a.get("from", "") or a.get("date", ""),
            to_text=a.get("to", ""),
            shortcuts=_shortcuts(today, None),
        )
    first, last = p.first, p.last
    rep = build_report(svc.config, svc.store, first, last)
    month = first.replace(day=1)
    return _page(
        "pages/admin_report.html",
        **base,
        report=rep,
        notice=p.notice,
        tables=tables(rep, compact=True),
        period=period_text(rep),
        from_text=vn_date(first),
        to_text=vn_date(last),
        shortcuts=_shortcuts(today, p),
        prev_day=(first - timedelta(days=1)).isoformat(),
        next_day=(first + timedelta(days=1)).isoformat(),
        single=p.single,
        xlsx_url=f"{PATH}/report.xlsx?{_query(first, last)}",
        csv_url=f"{PATH}/report.csv?{_query(first, last, dialect='excel-vn')}",
        csv_plain_url=f"{PATH}/report.csv?{_query(first, last, dialect='plain')}",
        dialects=DIALECTS,
        month_url=f"{PATH}/report/month?month={month:%Y-%m}",
        month_text=period.month_text(month),
        cards=_cards(rep),
        chart_hours=charts.tickets_per_hour(rep),
        chart_waits=charts.waiting_per_field(rep),
        generated=svc.clock.now().astimezone(svc.tz).strftime("%H:%M %d/%m/%Y"),
    )


def _shortcuts(today: date, p: period.Period | None) -> list[dict[str, Any]]:
    """The period shortcuts as links, the one showing marked current."""
    return [
        {
            "key": s.key,
            "label": s.label,
            "url": f"{PATH}/report?{_query(s.first, s.last)}",
            "current": p is not None and (s.first, s.last) == (p.first, p.last),
            "title": period_text({"from": s.first.isoformat(), "to": s.last.isoformat()}),
        }
        for s in period.shortcuts(today)
    ]


def _cards(rep: dict[str, Any]) -> list[dict[str, str]]:
    """The report's key figures as the cards above the charts say them."""
    t = rep["total"]
    w, r = t["waiting"], t["ratings"]
    return [
        {"id": "k-issued", "label": "Số phiếu", "value": numbers.number(t["issued"])},
        {"id": "k-served", "label": "Đã phục vụ", "value": numbers.number(t["served"])},
        {"id": "k-no-show", "label": "Vắng mặt", "value": numbers.number(t["no_show"])},
        {
            "id": "k-wait",
            "label": "Chờ trung bình",
            "value": numbers.short(w["mean"]),
            "unit": "phút",
        },
        {
            "id": "k-p90",
            "label": "90% công dân chờ không quá",
            "value": numbers.short(w["p90"]),
            "unit": "phút",
        },
        {
            "id": "k-over",
            "label": f"Chờ quá {level_text(rep['service_level_minutes'])} phút",
            "value": numbers.percent_sign(t["over_service_level"]["share"]),
            "unit": "số đã phục vụ",
        },
        {
            "id": "k-score",
            "label": "Điểm hài lòng",
            "value": numbers.number(r["mean"], 2) if r["mean"] is not None else "—",
            "unit": f"{numbers.number(r['count'])} đánh giá",
        },
        {
            "id": "k-satisfied",
            "label": "Tỷ lệ hài lòng",
            "value": numbers.percent_sign(r.get("satisfied")),
            "unit": "Hài lòng trở lên",
        },
    ]


def _download(fmt: str) -> Response:
    svc = _svc()
    try:
        p = _period()
    except period.PeriodError as exc:
        return Response(str(exc) + "\n", status=400, mimetype="text/plain")
    dialect = request.args.get("dialect", "excel-vn")
    if dialect not in DIALECTS:
        return Response(
            f"dialect phải là một trong: {', '.join(DIALECTS)}\n", status=400, mimetype="text/plain"
        )
    return file_response(build_report(svc.config, svc.store, p.first, p.last), fmt, dialect)


@bp.get("/report.csv")
@admin_only
@page(session="admin", answer=Answer({"type": "string"}, media="text/csv"))
def report_csv(_session: Session) -> Response:
    """The same report as CSV (UTF-8 with a BOM, Vietnamese headings): for Excel under
    Vietnamese regional settings (`;` and a decimal comma) unless `dialect=plain`."""
    return _download("csv")


@bp.get("/report.xlsx")
@admin_only
@page(session="admin", answer=Answer({"type": "string", "format": "binary"}, media=XLSX_TYPE))
def report_xlsx(_session: Session) -> Response:
    """The same report as an Excel workbook: a sheet per table, typed numbers and dates."""
    return _download("xlsx")


@bp.get("/report/month")
@admin_only
@page(session="admin")
def month_summary(session: Session) -> Response:
    """The one-page monthly summary (`?month=2026-11` or `11/2026`; default last month)
    to print on A4 or save as PDF: figures, per field, per counter, ratings, signatures."""
    svc = _svc()
    today = svc.today()
    try:
        first = period.parse_month(request.args.get("month", ""), today)
    except period.PeriodError as exc:
        return _page("pages/admin_message.html", 400, message=str(exc), csrf=session.csrf)
    first, last = period.month_bounds(first)
    rep = build_report(svc.config, svc.store, first, last)
    now = svc.clock.now().astimezone(svc.tz)
    prev_month = period.previous_month(first)
    next_month = last + timedelta(days=1)
    return _page(
        "pages/admin_month.html",
        csrf=session.csrf,
        centre=svc.config.centre.name,
        s=summary(
            rep,
            authority=svc.config.centre.authority,
            head_title=svc.config.reports.head_title,
            made=now,
        ),
        month_value=period.month_text(first),
        prev_url=f"{PATH}/report/month?month={prev_month:%Y-%m}",
        next_url=f"{PATH}/report/month?month={next_month:%Y-%m}" if next_month <= today else "",
        report_url=f"{PATH}/report?{_query(first, last)}",
    )


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
