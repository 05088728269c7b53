"""The clerk console at /console: PIN login, one screen per counter, logout.

The page is rendered here; its script (static/console/console.js) calls the
same /api/v1 endpoints as a keypad, with the counter's rights. It
authenticates through the session hook below: the signed session cookie
(HttpOnly, SameSite=Strict) *and* an ``X-CSRF-Token`` header bound to that
session, which a page of another site can neither read nor send. The console's
own forms (login, logout) carry the token as a hidden field and are refused
when the request comes from another origin.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from typing import Any

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
from counter_api.web.parts import parts
from counter_api.web.stream import page_heartbeat
from counter_api.web.throttle import LoginThrottle
from sothutu.config import Config

bp = Blueprint("console", __name__, url_prefix="/console")

#: The page's own resources only: no inline script, no framing by other pages.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'"
)

MSG_WRONG = "Số quầy hoặc mã PIN không đúng. Vui lòng thử lại."
MSG_THROTTLED = "Đã nhập sai mã PIN quá nhiều lần. Vui lòng chờ {seconds} giây rồi thử lại."
MSG_FORM = "Phiên đăng nhập đã hết hạn hoặc không hợp lệ. Vui lòng đăng nhập lại."
MSG_FOREIGN = "Yêu cầu bị từ chối: không gửi từ trang của hệ thống."
MSG_BYE = "Đã đăng xuất."
MSG_EXPIRED = "Phiên làm việc đã hết. Vui lòng đăng nhập lại."


def _throttle() -> LoginThrottle:
    return parts().login_throttle


def _fingerprint(config: Config, number: int) -> str:
    """Binds a session to the counter's PIN: changing the PIN logs its sessions out."""
    counter = config.counter(number)
    pin = counter.pin if counter else ""
    msg = f"{number}:{pin}".encode()
    return hmac.new(config.server.secret_key.encode(), msg, hashlib.sha256).hexdigest()[:24]


def logged_in() -> dict[str, Any] | None:
    """The console session of this request when it is still valid, else None.

    Valid means: a counter that still exists with the same PIN, logged in on the
    current business day, and not logged out.
    """
    data = session.get("console")
    if not isinstance(data, dict):
        return None
    svc = _svc()
    number = data.get("n")
    if not isinstance(number, int) or svc.config.counter(number) is None:
        return None
    if not hmac.compare_digest(str(data.get("f", "")), _fingerprint(svc.config, number)):
        return None
    if data.get("d") != svc.today().isoformat():
        return None
    if data.get("s") in parts().revoked_sessions:
        return None
    return data


def session_principal() -> auth.Principal | None:
    """The API's session hook: the counter of a valid console session whose request
    also carries its ``X-CSRF-Token``; None otherwise (the API then answers 401)."""
    data = logged_in()
    if data is None:
        return None
    token = request.headers.get("X-CSRF-Token", "")
    if not token or not hmac.compare_digest(token.encode(), str(data.get("t", "")).encode()):
        return None
    counter = _svc().config.counter(data["n"])
    assert counter is not None
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
    token = secrets.token_urlsafe(24)
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
    data = logged_in()
    if data is None:
        if request.args.get("bye"):
            return _login_page(MSG_BYE, kind="info")
        if request.args.get("expired"):
            return _login_page(MSG_EXPIRED)
        return _login_page()
    svc = _svc()
    counter = svc.config.counter(data["n"])
    assert counter is not None
    services = [{"id": s.id, "name": s.name, "prefix": s.prefix} for s in svc.config.services]
    boot = {
        "counter": {
            "number": counter.number,
            "name": counter.label,
            "services": list(counter.services),
            "guidance": counter.guidance,
        },
        "services": services,
        "csrf": data["t"],
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
        token=data["t"],
        boot=boot,
    )
    return _secure(make_response(html))


@bp.get("/")
@bp.get("/login")
@page(answer=Answer(status=302, description="Found: /console", media=""))
def to_page() -> Response:
    """Typed addresses (``/console/``, a bookmarked ``/console/login``) lead to the page."""
    return redirect("/console", 302)  # type: ignore[return-value]


@bp.post("/login")
@page(answer=REDIRECT)
def login() -> Response:
    """Log in a counter: form fields `counter`, `pin` and the form's `csrf_token`.

    A wrong PIN shows the form again (401); wrong PINs are throttled per address (429,
    the page says how long to wait), with every other login of the server.
    """
    if not _same_origin():
        return _login_page(MSG_FOREIGN, 403)
    expected = session.pop("login", None)
    given = request.form.get("csrf_token", "")
    if not expected or not hmac.compare_digest(given.encode(), str(expected).encode()):
        return _login_page(MSG_FORM, 403)
    address = request.remote_addr or "?"
    wait = _throttle().wait_seconds(address)
    if wait > 0:
        return _login_page(MSG_THROTTLED.format(seconds=math.ceil(wait)), 429)
    svc = _svc()
    raw = request.form.get("counter", "").strip()
    counter = svc.config.counter(int(raw)) if raw.isascii() and raw.isdigit() else None
    pin = request.form.get("pin", "").strip()
    if counter is None or not hmac.compare_digest(pin.encode(), counter.pin.encode()):
        _throttle().failed(address)
        return _login_page(MSG_WRONG, 401)
    _throttle().succeeded(address)
    session.clear()
    session["console"] = {
        "n": counter.number,
        "t": secrets.token_urlsafe(24),
        "f": _fingerprint(svc.config, counter.number),
        "d": svc.today().isoformat(),
        "s": secrets.token_urlsafe(12),
    }
    return redirect("/console", 303)  # type: ignore[return-value]


@bp.post("/logout")
@page(answer=REDIRECT)
def logout() -> Response:
    """End the console session (form field `csrf_token`); it cannot be used again."""
    data = logged_in()
    if data is None:
        return redirect("/console", 303)  # type: ignore[return-value]
    given = request.form.get("csrf_token", "")
    if not _same_origin() or not hmac.compare_digest(given.encode(), str(data["t"]).encode()):
        return _secure(make_response(MSG_FOREIGN, 403))
    revoked = parts().revoked_sessions
    revoked[str(data.get("s"))] = None
    while len(revoked) > 10_000:
        revoked.popitem(last=False)
    session.clear()
    return redirect("/console?bye=1", 303)  # type: ignore[return-value]


#: The console's session cookie (Flask's signed session).
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
