"""The OpenAPI 3.1 document served at /api/v1/openapi.json, generated from the app.

Paths, parameters, security and request bodies come from ``app.url_map`` and
what each view declared (``counter_api.web.endpoint``): who may call it, its
body fields with their limits, its query and path parameters, its docstring.
Only response schemas are written by hand, next to the code that makes each
answer; a schema with a ``title`` becomes a component of that name. This module
says what the centre's keys, sessions and checks mean; ``sothutu.openapi`` (shared
with the province hub) writes the document.

API paths are relative to the server URL ``…/api/v1``. Every other route (the
console, the admin page, the displays, the tablets, the ticket page, the
procedure look-up, static files) is in the document too, tagged ``pages``, with
the server's root as its own server. The meanings, the order of checks and the
events' data: docs/api.md.
"""

from __future__ import annotations

import inspect
from typing import Any

from flask import Flask, current_app, request
from werkzeug.routing import Rule

from counter_api import __version__
from counter_api.web.bodies import MAX_BODY
from counter_api.web.endpoint import (
    PUBLIC,
    Answer,
    Call,
    Route,
    api_blueprint,
    endpoint,
    route_of,
)
from counter_api.web.params import Param
from counter_api.web.parts import parts
from sothutu.openapi import PAGES, Operation, Spec, error_schema, rule_methods
from sothutu.openapi import document as build

bp = api_blueprint("openapi", __name__)

API_PREFIX = "/api/v1"

#: Tags by blueprint: the tag's name and what it holds.
TAGS: dict[str, tuple[str, str]] = {
    "api": ("queue", "Tickets, counters, kiosks and the state of the queue."),
    "events": ("events", "The live event stream (server-sent events)."),
    "procedures_api": ("procedures", "The procedure catalogue (tra cứu thủ tục)."),
    "ratings": ("ratings", "Citizens' satisfaction ratings from keypads."),
    "reports": ("reports", "A day's or a period's figures."),
    "uplink": ("hub", "The outbound link to the province hub."),
    "bookings": ("bookings", "Numbers booked ahead on the province hub, held here."),
    "voice": ("voice", "The browser display's voice: announcements and clips."),
    "openapi": ("document", "This document."),
}
PAGES_TAG = (
    "HTML pages and files outside /api/v1, for people: the clerks' console, the admin "
    "page, the wall and counter displays, the rating tablets, the citizen's ticket page "
    "and the procedure look-up, with their scripts, styles and fonts."
)

ERROR_SCHEMA = error_schema(
    opens_at={
        "type": "string",
        "format": "date-time",
        "description": "too_early: when the booking may check in",
    },
    booking={
        "type": "object",
        "description": "booking errors: the booking concerned (code, service, "
        "service_name, date, slot_start, slot_end, status)",
    },
)

#: What each error status means, after the codes the operation names.
ERROR_TEXT = {
    400: "bad JSON, a wrong type, a missing field or parameter, a value out of its limits",
    401: "no key, an unknown key or a malformed Authorization header",
    403: "this key (or session) may not do this",
    404: "the thing named does not exist",
    409: "the state does not allow it",
    413: f"the body is over {MAX_BODY // 1024} KiB",
    415: "a non-empty body must be application/json",
    503: "the server cannot take it now",
}
ERROR_CODES = {
    400: ("invalid_request",),
    401: ("unauthorized",),
    403: ("forbidden",),
    413: ("too_large",),
    415: ("unsupported_media_type",),
}

SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "A key of the config: [server] admin_key, a counter's key or a "
        "kiosk's key. The scheme name is case-insensitive.",
    },
    "consoleSession": {
        "type": "apiKey",
        "in": "cookie",
        "name": "sothutu_console",
        "description": "A clerk's console login (POST /console/login with the counter's "
        "PIN): that counter's rights, with csrfToken. The cookie holds a random session "
        "token; the session ends at logout, at the end of the business day and when "
        "the PIN or [server] secret_key changes.",
    },
    "csrfToken": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRF-Token",
        "description": "The token of the session, which its page holds.",
    },
    "adminSession": {
        "type": "apiKey",
        "in": "cookie",
        "name": "sothutu_admin",
        "description": "The admin page's login (POST /admin/login with [server] "
        "admin_password); without it the page shows the login form. A random session "
        "token, for 12 hours at most; ended by logout and by a change of the password "
        "or [server] secret_key.",
    },
    "ratingTablet": {
        "type": "apiKey",
        "in": "cookie",
        "name": "sothutu_rate_N",
        "description": "A rating tablet set up for counter N with its PIN (POST "
        "/rate/N/login); without it the page shows the PIN form. A random session "
        "token, valid until the PIN or [server] secret_key changes.",
    },
}
SESSIONS = {"admin": "adminSession", "tablet": "ratingTablet"}

#: Routes Flask makes itself, declared here.
FLASK_ROUTES = {
    "static": Route(
        kind="page",
        doc="The pages' own scripts, styles and images (counter_api/static).",
        path={"filename": Param(str, "a file's path under counter_api/static (slashes allowed)")},
        answer=Answer({"type": "string", "format": "binary"}, media="application/octet-stream"),
    )
}

WHO = {"admin": "the admin key", "kiosk": "a kiosk's key", "counter": "a counter's key"}


@bp.get("/openapi.json")
@endpoint(PUBLIC, answer=Answer({"type": "object"}, description="OpenAPI 3.1"))
def openapi(_c: Call) -> dict:
    """This document, generated from the app's routes and their declarations."""
    p = parts()
    if p.openapi is None:
        p.openapi = document(current_app)
    return {**p.openapi, "servers": [{"url": request.host_url.rstrip("/") + API_PREFIX}]}


SPEC = Spec(
    title="Sothutu LAN API",
    version=__version__,
    description="The queue server of a commune one-stop centre: the kiosks, the "
    "displays, the clerks' consoles, counter keypads and outside tools speak this "
    "API. Paths, fields, status codes and config keys are a contract: new ones may "
    "be added, none is renamed. The meanings, the order of checks and the events' "
    "data are in the project's docs/api.md.",
    tags=tuple(TAGS.values()),
    security_schemes=SECURITY_SCHEMES,
    error_schema=ERROR_SCHEMA,
    error_text=ERROR_TEXT,
    pages=PAGES_TAG,
    api_prefix=API_PREFIX,
)


def document(app: Flask) -> dict[str, Any]:
    """The OpenAPI document of ``app``: every route, its declaration, its answers."""
    return build(
        SPEC,
        (
            _operation(rule, method, app.view_functions[rule.endpoint])
            for rule, method in rule_methods(app.url_map.iter_rules())
        ),
    )


def _operation(rule: Rule, method: str, view: Any) -> Operation:
    """One method of a route, as its view declared it (``route_of``)."""
    route = route_of(view) or FLASK_ROUTES.get(rule.endpoint)
    doc = route.doc if route is not None else (inspect.getdoc(view) or "")
    blueprint = rule.endpoint.rpartition(".")[0]
    is_api = rule.rule.startswith(API_PREFIX + "/")
    tag = TAGS[blueprint][0] if is_api and blueprint in TAGS else PAGES
    if route is None:
        route = Route(kind="page", doc=doc, answer=Answer(media="application/octet-stream"))
    return Operation(
        rule=rule.rule,
        method=method,
        tag=tag,
        doc=doc,
        operation_id=rule.endpoint.replace(".", "_") if route.kind == "api" else None,
        who=_who(route),
        security=_security(route, method),
        path=route.path,
        query=route.query,
        body=route.body if method in ("POST", "PUT", "PATCH") else None,
        form=route.form if method == "POST" else {},
        answer=route.answer,
        errors=_errors(route, method),
        retry_after=route.retry_after,
    )


def _who(route: Route) -> str:
    if route.kind != "api":
        return ""
    if route.who is PUBLIC:
        return "Public: no key needed."
    kinds = [WHO[k] for k in ("admin", "kiosk", "counter") if k in route.who]
    if "counter" in route.who:
        own = " (for its own counter)" if route.counter_path else ""
        session = " or its clerk's console session" if route.console else ""
        kinds[kinds.index(WHO["counter"])] = f"{WHO['counter']}{session}{own}"
    text = "Who: " + "; ".join(kinds) + "."
    if route.allow is not None:
        text += f" Of the counters, {route.allow.says}."
    if not route.console and "counter" in route.who:
        text += " Not a console session."
    return text


def _security(route: Route, method: str) -> list[dict[str, list]]:
    if route.kind == "api":
        if route.who is PUBLIC:
            return []
        out: list[dict[str, list]] = [{"bearer": []}]
        if "counter" in route.who and route.console:
            out.append({"consoleSession": [], "csrfToken": []})
        return out
    if route.session is None:
        return []
    scheme = {SESSIONS[route.session]: []}
    if route.session == "tablet" and method == "POST" and route.body is not None:
        scheme["csrfToken"] = []
    return [scheme]


def _errors(route: Route, method: str) -> dict[int, tuple[str, ...]]:
    """The error codes by status: those the checks give, then those the view names."""
    codes: dict[int, tuple[str, ...]] = {}
    if route.kind == "api":
        if method in ("POST", "PUT", "PATCH"):
            codes[413] = ERROR_CODES[413]
        if route.body is not None or route.query:
            codes[400] = ERROR_CODES[400]
        if route.body is not None:
            codes[415] = ERROR_CODES[415]
        if route.who is not PUBLIC:
            codes[401], codes[403] = ERROR_CODES[401], ERROR_CODES[403]
        if route.counter_path:
            codes[404] = ("unknown_counter",)
    for status, named in route.refuses.items():
        codes[status] = tuple(dict.fromkeys(codes.get(status, ()) + named))
    return codes
