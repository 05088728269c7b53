"""Satisfaction ratings: the rating page /rate/N for a tablet at counter N, and the API.

Who may rate: a rating is only ever accepted for counter N's most recently
finished ticket, within ``[ratings] window_seconds`` of "Hoàn thành", once
(see counter_api.core.rating). On top of that:

- the tablet is authorized once by the clerk typing the counter's PIN on it;
  that opens a tablet session (``counter_api.web.sessions``) whose cookie, valid
  for ``/rate/N`` only, holds a random token and can do nothing but rate (it is
  no console login: a citizen holding the tablet cannot call or skip anything).
  It lasts until the PIN or the server's secret key changes.
- the five-button keypad and outside tools use ``POST /api/v1/counters/N/rating``
  with counter N's bearer key (or the admin key). A clerk's console session
  may not rate: clerks do not rate themselves.

PIN tries go through the app's one login throttle, counted against counter N
(the same target as its console PIN).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request

from counter_api.core.rating import LEVELS
from counter_api.service import RATING_SCHEMA
from counter_api.web.bodies import Field, parse_body, path_id
from counter_api.web.endpoint import COUNTER, COUNTER_N, Answer, Call, api_blueprint, endpoint
from counter_api.web.endpoint import page as page_route
from counter_api.web.endpoint import service as _svc
from counter_api.web.errors import ApiError, error_page
from counter_api.web.params import MAX_WHOLE, Param
from counter_api.web.parts import parts
from counter_api.web.sessions import TABLET, Session
from counter_api.web.signed import Cookie, client_address, foreign_origin, page_headers, same_secret
from counter_api.web.throttle import LoginThrottle, counter_target, wait_message

#: ``POST /api/v1/counters/N/rating``: the keypad's and outside tools' way to rate.
api_bp = api_blueprint("ratings", __name__)
#: The tablet's page ``/rate/N`` and its login and submit.
bp = Blueprint("rating", __name__)

#: How long the browser keeps a tablet's cookie (browsers cap it at 400 days); each
#: visit of the page renews it. The session itself lasts until the PIN or key changes.
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
TICKET = Field(
    int,
    description="the ticket's id, to be sure it is the one rated",
    minimum=1,
    maximum=MAX_WHOLE,
    example=1,
)
SUBMIT = {
    "score": SCORE,
    "ticket": Field(
        int,
        required=True,
        description=TICKET.description,
        minimum=1,
        maximum=MAX_WHOLE,
        example=1,
    ),
}


def _throttle() -> LoginThrottle:
    return parts().login_throttle


def cookie_name(n: int) -> str:
    return f"sothutu_rate_{n}"


def _cookie(n: int) -> Cookie:
    return Cookie(cookie_name(n), f"/rate/{n}", TABLET_DAYS * 86400)


def _counter(n: str):
    number = path_id(n)
    counter = _svc().config.counter(number) if number is not None else None
    if counter is None:
        raise ApiError(404, "unknown_counter", "no such counter")
    return counter


def _counter_page(n: str):
    """The counter of a tablet's page; a Vietnamese page for one the config lacks."""
    try:
        return _counter(n)
    except ApiError:
        numbers = ", ".join(str(c.number) for c in _svc().config.counters)
        abort(
            error_page(
                404,
                "Quầy không tồn tại",
                f"Trung tâm không có quầy số {n}. Các quầy: {numbers}. Vui lòng kiểm tra "
                "lại địa chỉ trang đánh giá (/rate/ và số của quầy).",
            )
        )


def _session(counter) -> Session | None:
    return parts().sessions.find(TABLET, _cookie(counter.number).read(), counter.number)


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
    counter = _counter_page(n)
    session = _session(counter)
    svc = _svc()
    if session is None:
        return _login_page(counter, "")
    resp = Response(
        render_template(
            "pages/rate.html",
            counter=counter,
            centre=svc.config.centre.name,
            csrf=session.csrf,
            window=svc.config.ratings.window_seconds,
            levels=list(LEVELS.items()),
        )
    )
    cookie = _cookie(counter.number)
    token = cookie.read()
    assert token is not None
    cookie.write(resp, token)  # a tablet in use never reaches the cookie's end
    return page_headers(resp)


def _login_page(counter, error: str, status: int = 200) -> Response:
    resp = Response(
        render_template("pages/rate_login.html", counter=counter, error=error), status=status
    )
    return page_headers(resp)


@bp.post("/rate/<n>/login")
@page_route(
    path={"n": COUNTER_N},
    form={"pin": Param(str, "the counter's PIN", required=True)},
)
def login(n: str) -> Any:
    """Set a tablet up for counter N with the counter's PIN (form field `pin`).

    Wrong PINs are throttled per address and counter N (the console's PIN too) and
    per address, by the throttle of every login of the server.
    """
    counter = _counter_page(n)
    if foreign_origin():
        return _login_page(counter, "Yêu cầu không hợp lệ.", 403)
    who = client_address()
    target = counter_target(counter.number)
    wait = _throttle().wait_seconds(who, target)
    if wait:
        return _login_page(counter, wait_message(wait), 429)
    pin = request.form.get("pin", "")
    if not same_secret(pin, counter.pin):
        _throttle().failed(who, target)
        return _login_page(counter, "Mã PIN không đúng.", 401)
    _throttle().succeeded(who, target)
    token, _opened = parts().sessions.open(TABLET, counter.number)
    resp = redirect(f"/rate/{counter.number}", code=303)
    _cookie(counter.number).write(resp, token)
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
    if foreign_origin() or not same_secret(request.headers.get("X-CSRF-Token", ""), session.csrf):
        raise ApiError(403, "forbidden", "missing or wrong CSRF token")
    b = parse_body(SUBMIT)
    return jsonify({"rating": _svc().rate(counter.number, b["score"], b["ticket"], "tablet")})


@bp.errorhandler(ApiError)
def _error(exc: ApiError) -> Response:
    resp = jsonify({"error": {"code": exc.code, "message": exc.message}})
    resp.status_code = exc.status
    return resp
