"""The hub's OpenAPI 3.1 document, served at /api/v1/openapi.json, generated from the app.

Paths, parameters, security and request bodies come from ``app.url_map`` and what
each JSON view declared (``hub.web.declare``): who may call it, its body (the
booking's fields with their limits, a centre's push as a JSON Schema written next to
its parser), its query, path and header parameters, its refusals, its docstring.
Response schemas are written by hand next to the code that makes each answer. This
module says what the hub's tokens, keys, sessions and limits mean; ``sothutu.openapi``
(shared with the centre's server) writes the document.

Only the routes under /api/v1 are in it; the hub's pages (the province's overview and
reports, the citizens' booking pages) are for people and listed in docs/hub.md.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app
from werkzeug.routing import Rule

from hub import __version__
from hub.web.common import COOKIE, hub
from hub.web.declare import CENTRE, PUBLIC, STAFF, Route, api, route_of
from sothutu.openapi import Answer, Operation, Spec, error_schema, rule_methods
from sothutu.openapi import document as build

API_PREFIX = "/api/v1"

bp = Blueprint("openapi", __name__, url_prefix=API_PREFIX)

TAGS = (
    ("link", "What the centres' queue servers push, and what the hub answers them."),
    ("province", "The province's figures and reports, for its staff and their scripts."),
    ("booking", "Booking a number ahead, for citizens' phones and apps (public)."),
    ("document", "This document."),
)

#: The body of every error answer.
ERROR_SCHEMA = error_schema(
    message_vi={
        "type": "string",
        "description": "the booking API: a sentence to show the citizen",
    },
    field={
        "type": "string",
        "description": "the booking API's 400: the body field or query parameter at fault",
    },
)

#: What each error status means, after the codes the operation names.
ERROR_TEXT = {
    400: "a malformed body, a missing or bad field or parameter (the booking API names it "
    "in `field`)",
    401: "no key, token or session, an unknown one, or a malformed Authorization header",
    403: "this token, key or account may not do this",
    404: "the thing named does not exist",
    409: "the state does not allow it",
    413: "the body is over its limit: 4 MiB for a push (32 MiB unpacked), 16 KiB otherwise",
    415: "the body must be application/json (a push: gzip or no Content-Encoding)",
    429: "too many requests from this address: [booking] reads_per_minute look-ups a "
    "minute, writes_per_hour bookings and cancellations an hour",
    503: "the hub's database is unavailable; ask again later",
}

SECURITY_SCHEMES = {
    "centreToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "A centre's token, which `python -m hub centre add` printed (the "
        "centre's [hub] token); the hub keeps only its SHA-256.",
    },
    "adminKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "The hub's [server] admin_key: a province user's rights, for scripts.",
    },
    "staffSession": {
        "type": "apiKey",
        "in": "cookie",
        "name": COOKIE,
        "description": "A staff account's login (POST /login): province staff see every "
        "centre, a centre's head only their own.",
    },
}

WHO = {
    PUBLIC: "Public: no key needed.",
    CENTRE: "Who: a centre, with its token.",
    STAFF: "Who: the admin key, or a staff member's session (a centre's head: only their "
    "own centre).",
}
RATES = {
    "read": "It counts against the caller's address: [booking] reads_per_minute.",
    "write": "It counts against the caller's address: [booking] writes_per_hour.",
}

SPEC = Spec(
    title="Sothutu province hub API",
    version=__version__,
    description="The province's hub: the centres' queue servers push their rows to it and "
    "receive their bookings; the province's staff and scripts read every centre's "
    "figures; citizens' phones and apps book a number ahead. New paths, fields and codes "
    "may be added; none is renamed. The push, the booking rules and the pages: the "
    "project's docs/hub.md.",
    tags=TAGS,
    security_schemes=SECURITY_SCHEMES,
    error_schema=ERROR_SCHEMA,
    error_text=ERROR_TEXT,
    api_prefix=API_PREFIX,
)


@bp.get("/openapi.json")
@api(
    PUBLIC,
    tag="document",
    answer=Answer({"type": "object"}, description="OpenAPI 3.1"),
    database=False,
)
def openapi() -> Any:
    """This document, generated from the hub's routes and their declarations.

    Its server is relative (/api/v1): the document is right behind a reverse proxy too.
    """
    h = hub()
    if h.openapi is None:
        h.openapi = document(current_app)
    return {**h.openapi, "servers": [{"url": API_PREFIX}]}


def document(app: Flask) -> dict[str, Any]:
    """The OpenAPI document of the hub's JSON API: every route under /api/v1."""
    return build(
        SPEC,
        (
            _operation(rule, method, app.view_functions[rule.endpoint])
            for rule, method in rule_methods(app.url_map.iter_rules())
            if rule.rule.startswith(API_PREFIX + "/")
        ),
    )


def _operation(rule: Rule, method: str, view: Any) -> Operation:
    route = route_of(view)
    if route is None:
        raise ValueError(f"{rule.rule} ({rule.endpoint}) declares nothing: see hub.web.declare")
    errors = _errors(route)
    return Operation(
        rule=rule.rule,
        method=method,
        tag=route.tag,
        doc=route.doc,
        operation_id=rule.endpoint.replace(".", "_"),
        who=" ".join([WHO[route.who], *([RATES[route.rate]] if route.rate else [])]),
        security=_security(route),
        path=route.path,
        query=route.query,
        body=route.body,
        body_schema=route.body_schema,
        answer=route.answer,
        errors=errors,
        retry_after=tuple(s for s in (429, 503) if s in errors),
    )


def _security(route: Route) -> list[dict[str, list]]:
    if route.who == CENTRE:
        return [{"centreToken": []}]
    if route.who == STAFF:
        return [{"adminKey": []}, {"staffSession": []}]
    return []


def _errors(route: Route) -> dict[int, tuple[str, ...]]:
    """The error codes by status: those its kind of route gives, then those it names."""
    codes: dict[int, tuple[str, ...]] = {}
    takes_body = route.body is not None or route.body_schema is not None
    if takes_body or route.query:
        codes[400] = ("invalid_request",)
    if route.who != PUBLIC:
        codes[401] = ("unauthorized",)
    if takes_body:
        codes[413] = ("too_large",)
        codes[415] = ("unsupported_media_type",)
    if route.rate:
        codes[429] = ("rate_limited",)
    if route.database:
        codes[503] = ("unavailable",)
    for status, named in route.refuses.items():
        codes[status] = tuple(dict.fromkeys(codes.get(status, ()) + named))
    return codes
