"""The clerk console at /console: PIN login, one screen per counter, logout.

The page is rendered here; its script (static/console/console.js) calls the
same /api/v1 endpoints as a keypad, with the counter's rights. It
authenticates through the session hook below: the session cookie (HttpOnly,
SameSite=Strict; a random token of a session kept in the database, see
``counter_api.web.sessions``) *and* an ``X-CSRF-Token`` header bound to that
session, which a page of another site can neither read nor send. The console's
own forms (login, logout) carry a token as a hidden field (the login form's is
single-use) and are refused when the request comes from another origin.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    Response,
    make_response,
    redirect,
    render_template,
    request,
    session,
)

from counter_api.web import auth
from counter_api.web.endpoint import REDIRECT, Answer, page
from counter_api.web.endpoint import service as _svc
from counter_api.web.errors import ApiError
from counter_api.web.params import MAX_WHOLE, Param, parse_params
from counter_api.web.parts import parts
from counter_api.web.sessions import CONSOLE, Session
from counter_api.web.signed import same_secret
from counter_api.web.stream import page_heartbeat
from counter_api.web.throttle import LoginThrottle, counter_target, wait_message

bp = Blueprint("console", __name__, url_prefix="/console")

#: The page's own resources only: no inline script, no framing by other pages.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'"
)

MSG_WRONG = "Số quầy hoặc mã PIN không đúng. Vui lòng thử lại."
MSG_BAD_COUNTER = "Số quầy không hợp lệ: counter phải là số quầy."
MSG_FORM = "Phiên đăng nhập đã hết hạn hoặc không hợp lệ. Vui lòng đăng nhập lại."
MSG_FOREIGN = "Yêu cầu bị từ chối: không gửi từ trang của hệ thống."
MSG_BYE = "Đã đăng xuất."
MSG_EXPIRED = "Phiên làm việc đã hết. Vui lòng đăng nhập lại."


def _throttle() -> LoginThrottle:
    return parts().login_throttle


def current() -> Session | None:
    """The console session of this request when it is still valid, else None.

    Valid means: opened with the counter's PIN as it is now, on the current business
    day, and not logged out (``counter_api.web.sessions``).
    """
    sid = session.get("sid")
    return parts().sessions.find(CONSOLE, sid if isinstance(sid, str) else None)


def session_principal() -> auth.Principal | None:
    """The API's session hook: the counter of a valid console session whose request
    also carries its ``X-CSRF-Token``; None otherwise (the API then answers 401)."""
    token = request.headers.get("X-CSRF-Token", "")
    if not token:
        return None
    found = current()
    if found is None or not same_secret(token, found.csrf):
        return None
    counter = _svc().config.counter(found.counter) if found.counter is not None else None
    if counter is None:
        return None
    return auth.Principal(
        "counter", counter.label, counter.number, via_session=True, guidance=counter.guidance
    )


def _same_origin() -> bool:
    """False for a request a page of another site made (Origin or Sec-Fetch-Site say so)."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    return origin is None or origin == request.host_url.rstrip("/")


def _secure(resp: Response) -> Response:
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _login_page(message: str = "", status: int = 200, kind: str = "error") -> Response:
    token = parts().login_forms.issue()
    session["login"] = token
    svc = _svc()
    html = render_template(
        "console/login.html",
        centre=svc.config.centre.name,
        counters=svc.config.counters,
        token=token,
        message=message,
        kind=kind,
        chosen=request.form.get("counter", "") if request.method == "POST" else "",
    )
    return _secure(make_response(html, status))


@bp.get("")
@page()
def screen() -> Response:
    """The clerk's console: the login form, or the counter's screen once logged in.

    Logged in, the page's script calls /api/v1 with the session cookie and its
    `X-CSRF-Token` (see the `consoleSession` security scheme), with the counter's rights.
    """
    data = current()
    if data is None:
        if request.args.get("bye"):
            return _login_page(MSG_BYE, kind="info")
        if request.args.get("expired"):
            return _login_page(MSG_EXPIRED)
        return _login_page()
    svc = _svc()
    counter = svc.config.counter(data.counter) if data.counter is not None else None
    assert counter is not None
    services = [{"id": s.id, "name": s.name, "prefix": s.prefix} for s in svc.config.services]
    boot = {
        "counter": {
            "number": counter.number,
            "name": counter.label,
            "services": list(counter.services),
            "guidance": counter.guidance,
            "print_kiosk": counter.print_kiosk,
        },
        "services": services,
        "csrf": data.csrf,
        "heartbeat": page_heartbeat(svc.config),
        "state": svc.state(),
        "held": svc.counter_tickets(counter.number, ["held", "no_show"]),
    }
    names = {s.id: s.name for s in svc.config.services}
    html = render_template(
        "console/counter.html",
        centre=svc.config.centre.name,
        counter=counter,
        own_services=[(sid, names[sid]) for sid in counter.services],
        services=services,
        token=data.csrf,
        boot=boot,
    )
    return _secure(make_response(html))


@bp.get("/")
@bp.get("/login")
@page(answer=Answer(status=302, description="Found: /console", media=""))
def to_page() -> Response:
    """Typed addresses (``/console/``, a bookmarked ``/console/login``) lead to the page."""
    return redirect("/console", 302)  # type: ignore[return-value]


#: The login form's fields.
LOGIN_FORM = {
    "counter": Param(int, "the counter's number", required=True, minimum=1, maximum=MAX_WHOLE),
    "pin": Param(str, "the counter's PIN", required=True),
    "csrf_token": Param(str, "the form's single-use token", required=True),
}
#: The logout form's field.
LOGOUT_FORM = {"csrf_token": Param(str, "the session's CSRF token", required=True)}


@bp.post("/login")
@page(form=LOGIN_FORM, answer=REDIRECT)
def login() -> Response:
    """Log in a counter: form fields `counter`, `pin` and the form's `csrf_token`.

    The form's token is single-use. A wrong PIN shows the form again (401); wrong
    PINs are throttled per address and counter and per address (429, the page says
    how long to wait) by the throttle of every login of the server; a counter that
    is not a whole number is 400.
    """
    if not _same_origin():
        return _login_page(MSG_FOREIGN, 403)
    expected = session.pop("login", None)
    given = request.form.get("csrf_token", "")
    if not expected or not same_secret(given, str(expected)) or not parts().login_forms.use(given):
        return _login_page(MSG_FORM, 403)
    try:
        number = parse_params({"counter": LOGIN_FORM["counter"]}, form=True)["counter"]
    except ApiError:
        return _login_page(MSG_BAD_COUNTER, 400)
    svc = _svc()
    counter = svc.config.counter(number)
    target = counter_target(counter.number if counter else None)
    address = request.remote_addr or "?"
    wait = _throttle().wait_seconds(address, target)
    if wait > 0:
        return _login_page(wait_message(wait), 429)
    pin = request.form.get("pin", "").strip()
    if counter is None or not same_secret(pin, counter.pin):
        _throttle().failed(address, target)
        return _login_page(MSG_WRONG, 401)
    _throttle().succeeded(address, target)
    token, _opened = parts().sessions.open(CONSOLE, counter.number)
    session.clear()
    session["sid"] = token
    return redirect("/console", 303)  # type: ignore[return-value]


@bp.post("/logout")
@page(form=LOGOUT_FORM, answer=REDIRECT)
def logout() -> Response:
    """End the console session (form field `csrf_token`); it cannot be used again."""
    data = current()
    if data is None:
        session.clear()
        return redirect("/console", 303)  # type: ignore[return-value]
    given = request.form.get("csrf_token", "")
    if not _same_origin() or not same_secret(given, data.csrf):
        return _secure(make_response(MSG_FOREIGN, 403))
    parts().sessions.end(data)
    session.clear()
    return redirect("/console?bye=1", 303)  # type: ignore[return-value]


#: The console's cookie (Flask's signed session, holding the session's token).
COOKIE = "sothutu_console"


def configure(app: Flask) -> None:
    """The console's cookie settings (the factory plugs its sessions into the API's
    authentication through ``Parts.console_session``)."""
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_PATH="/",
    )
