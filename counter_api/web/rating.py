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

import math
from typing import Any

from flask import Blueprint, Response, jsonify, redirect, render_template, request

from counter_api.core.rating import LEVELS
from counter_api.service import RATING_SCHEMA
from counter_api.web.bodies import Field, parse_body, path_id
from counter_api.web.endpoint import COUNTER, COUNTER_N, Answer, Call, api_blueprint, endpoint
from counter_api.web.endpoint import page as page_route
from counter_api.web.endpoint import service as _svc
from counter_api.web.errors import ApiError
from counter_api.web.parts import parts
from counter_api.web.signed import (
    CookieJar,
    client_address,
    fingerprint,
    foreign_origin,
    new_token,
    page_headers,
    same_secret,
)
from counter_api.web.throttle import LoginThrottle

#: ``POST /api/v1/counters/N/rating``: the keypad's and outside tools' way to rate.
api_bp = api_blueprint("ratings", __name__)
#: The tablet's page ``/rate/N`` and its login and submit.
bp = Blueprint("rating", __name__)

TABLET_DAYS = 400

#: A rating's body: the score, and the ticket it is for (to be sure).
SCORE = Field(
    int,
    required=True,
    minimum=min(LEVELS),
    maximum=max(LEVELS),
    description=", ".join(f"{k} = {v}" for k, v in LEVELS.items()),
    example=max(LEVELS),
)
TICKET = Field(int, description="the ticket's id, to be sure it is the one rated", example=1)
SUBMIT = {
    "score": SCORE,
    "ticket": Field(int, required=True, description=TICKET.description, example=1),
}


def _jar() -> CookieJar:
    return parts().rating_cookies


def _throttle() -> LoginThrottle:
    return parts().login_throttle


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


RATING_ANSWER = Answer(
    {"title": "RatingResult", "type": "object", "properties": {"rating": RATING_SCHEMA}}
)
RATING_REFUSES = {
    404: ("unknown_counter",),
    409: ("nothing_to_rate", "not_ratable", "rating_closed", "already_rated"),
}


@api_bp.post("/counters/<n>/rating")
@endpoint(
    COUNTER,
    console=False,
    body={"score": SCORE, "ticket": TICKET},
    counter_path=True,
    answer=RATING_ANSWER,
    refuses=RATING_REFUSES,
)
def rate_api(c: Call, number: int) -> dict:
    """Record a citizen's satisfaction rating (the five-button keypad, or the admin).

    Only the counter's most recently finished (done) ticket, within [ratings]
    window_seconds of finishing, once; `ticket` (optional) must name that ticket.
    A clerk's console may not rate (403): clerks do not rate themselves. Emits
    `rating.recorded`.
    """
    assert c.who is not None
    source = "keypad" if c.who.kind == "counter" else "admin"
    return {"rating": _svc().rate(number, c.body["score"], c.body.get("ticket"), source=source)}


@bp.get("/rate/<n>")
@page_route(session="tablet", path={"n": COUNTER_N})
def page(n: str) -> Any:
    """The rating tablet at counter N: five faces, after the clerk typed the PIN once."""
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
@page_route(path={"n": COUNTER_N})
def login(n: str) -> Any:
    """Set a tablet up for counter N with the counter's PIN (form field `pin`).

    Wrong PINs are throttled per address, with every other login of the server.
    """
    counter = _counter(n)
    if foreign_origin():
        return _login_page(counter, "Yêu cầu không hợp lệ.", 403)
    who = client_address()
    wait = _throttle().wait_seconds(who)
    if wait:
        return _login_page(
            counter, f"Nhập sai quá nhiều lần. Vui lòng thử lại sau {math.ceil(wait)} giây.", 429
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
@page_route(
    session="tablet",
    path={"n": COUNTER_N},
    body=SUBMIT,
    answer=RATING_ANSWER,
    refuses=RATING_REFUSES,
)
def submit(n: str) -> Any:
    """The tablet's rating of the counter's last finished ticket (with its CSRF token).

    The same rules as the keypad's `POST /api/v1/counters/N/rating`.
    """
    counter = _counter(n)
    session = _session(counter)
    if session is None:
        raise ApiError(401, "unauthorized", "this tablet is not set up for this counter")
    if foreign_origin() or not same_secret(request.headers.get("X-CSRF-Token", ""), session["c"]):
        raise ApiError(403, "forbidden", "missing or wrong CSRF token")
    b = parse_body(SUBMIT)
    return jsonify({"rating": _svc().rate(counter.number, b["score"], b["ticket"], "tablet")})


@bp.errorhandler(ApiError)
def _error(exc: ApiError) -> Response:
    resp = jsonify({"error": {"code": exc.code, "message": exc.message}})
    resp.status_code = exc.status
    return resp
