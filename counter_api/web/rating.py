"""Satisfaction ratings: the rating page /rate/N for a tablet at counter N, and the API.

Who may rate: a rating is only ever accepted for counter N's most recently
finished ticket, within ``[ratings] window_seconds`` of "Hoàn thành", once
(see counter_api.core.rating). On top of that:

- the tablet is authorized once by the clerk typing the counter's PIN on it;
  that gives a long-lived signed cookie, valid for ``/rate/N`` only, that can
  do nothing but rate (it is no console login: a citizen holding the tablet
  cannot call or skip anything). Changing the PIN in the config ends it.
- the five-button keypad and outside tools use ``POST /api/v1/counters/N/rating``
  with counter N's bearer key (or the admin key). A clerk's console session
  may not rate: clerks do not rate themselves.

PIN tries share the login throttle (5 wrong tries a minute per address).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request

from counter_api.core.rating import LEVELS
from counter_api.web import auth
from counter_api.web.api import COUNTER, endpoint
from counter_api.web.api import bp as api_bp
from counter_api.web.api import service as _svc
from counter_api.web.bodies import Field, parse_body, path_id
from counter_api.web.errors import ApiError
from counter_api.web.signed import (
    CookieJar,
    Throttle,
    client_address,
    fingerprint,
    foreign_origin,
    new_token,
    page_headers,
    same_secret,
)

bp = Blueprint("rating", __name__)

TABLET_DAYS = 400


def _jar() -> CookieJar:
    return current_app.extensions["sothutu_rating_cookies"]


def _throttle() -> Throttle:
    return current_app.extensions["sothutu_login_throttle"]


def cookie_name(n: int) -> str:
    return f"sothutu_rate_{n}"


def _counter(n: str):
    number = path_id(n)
    counter = _svc().config.counter(number) if number is not None else None
    if counter is None:
        raise ApiError(404, "unknown_counter", "no such counter")
    return counter


def _session(counter) -> dict[str, Any] | None:
    data = _jar().read(cookie_name(counter.number))
    if not data or data.get("n") != counter.number or data.get("p") != fingerprint(counter.pin):
        return None
    return data


@api_bp.post("/counters/<n>/rating")
@endpoint(
    COUNTER,
    body={"score": Field(int, required=True), "ticket": Field(int)},
    counter_path=True,
)
def rate_api(p: auth.Principal, b: dict, number: int) -> dict:
    if p.via_session:
        raise ApiError(403, "forbidden", "a clerk's console may not rate its own service")
    source = "keypad" if p.kind == "counter" else "admin"
    return {"rating": _svc().rate(number, b["score"], b.get("ticket"), source=source)}


@bp.get("/rate/<n>")
def page(n: str) -> Any:
    counter = _counter(n)
    session = _session(counter)
    svc = _svc()
    if session is None:
        return _login_page(counter, "")
    resp = Response(
        render_template(
            "pages/rate.html",
            counter=counter,
            centre=svc.config.centre.name,
            csrf=session["c"],
            window=svc.config.ratings.window_seconds,
            levels=list(LEVELS.items()),
        )
    )
    return page_headers(resp)


def _login_page(counter, error: str, status: int = 200) -> Response:
    resp = Response(
        render_template("pages/rate_login.html", counter=counter, error=error), status=status
    )
    return page_headers(resp)


@bp.post("/rate/<n>/login")
def login(n: str) -> Any:
    counter = _counter(n)
    if foreign_origin():
        return _login_page(counter, "Yêu cầu không hợp lệ.", 403)
    who = client_address()
    wait = _throttle().wait_seconds(who)
    if wait:
        return _login_page(
            counter, f"Nhập sai quá nhiều lần. Vui lòng thử lại sau {wait} giây.", 429
        )
    pin = request.form.get("pin", "")
    if not same_secret(pin, counter.pin):
        _throttle().failed(who)
        return _login_page(counter, "Mã PIN không đúng.", 401)
    _throttle().succeeded(who)
    resp = redirect(f"/rate/{counter.number}", code=303)
    _jar().write(
        resp,
        cookie_name(counter.number),
        f"/rate/{counter.number}",
        {"n": counter.number, "p": fingerprint(counter.pin), "c": new_token()},
    )
    return resp


@bp.post("/rate/<n>/submit")
def submit(n: str) -> Any:
    counter = _counter(n)
    session = _session(counter)
    if session is None:
        raise ApiError(401, "unauthorized", "this tablet is not set up for this counter")
    if foreign_origin() or not same_secret(request.headers.get("X-CSRF-Token", ""), session["c"]):
        raise ApiError(403, "forbidden", "missing or wrong CSRF token")
    b = parse_body({"score": Field(int, required=True), "ticket": Field(int, required=True)})
    return jsonify({"rating": _svc().rate(counter.number, b["score"], b["ticket"], "tablet")})


@bp.errorhandler(ApiError)
def _error(exc: ApiError) -> Response:
    resp = jsonify({"error": {"code": exc.code, "message": exc.message}})
    resp.status_code = exc.status
    return resp
