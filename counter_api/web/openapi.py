"""The OpenAPI 3.1 document served at /api/v1/openapi.json, generated from the app.

Paths, parameters, security and request bodies come from ``app.url_map`` and
what each view declared (``counter_api.web.endpoint``): who may call it, its
body fields with their limits, its query and path parameters, its docstring.
Only response schemas are written by hand, next to the code that makes each
answer; a schema with a ``title`` becomes a component of that name.

API paths are relative to the server URL ``…/api/v1``. Every other route (the
console, the admin page, the displays, the tablets, the ticket page, the
procedure look-up, static files) is in the document too, tagged ``pages``, with
the server's root as its own server. The meanings, the order of checks and the
events' data: docs/api.md.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, request
from werkzeug.routing import Rule

from counter_api import __version__
from counter_api.web.bodies import MAX_BODY, Field
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

bp = api_blueprint("openapi", __name__)

API_PREFIX = "/api/v1"
PAGES = "pages"

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

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "opens_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "too_early: when the booking may check in",
                },
                "booking": {
                    "type": "object",
                    "description": "booking errors: the booking concerned (code, service, "
                    "service_name, date, slot_start, slot_end, status)",
                },
            },
        }
    },
}

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
#: The header of a refusal that says when to ask again.
RETRY_AFTER = {
    "description": "seconds to wait before asking again",
    "schema": {"type": "integer", "minimum": 1},
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


def document(app: Flask) -> dict[str, Any]:
    """The OpenAPI document of ``app``: every route, its declaration, its answers."""
    schemas: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    api_paths: set[str] = set()
    page_paths: set[str] = set()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        view = app.view_functions[rule.endpoint]
        is_api = rule.rule.startswith(API_PREFIX + "/")
        path = _path(rule.rule)
        (api_paths if is_api else page_paths).add(path)
        item = paths.setdefault(path, {})
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            route = route_of(view) or FLASK_ROUTES.get(rule.endpoint)
            item[method.lower()] = _operation(rule, method, route, view, is_api, schemas)
    if api_paths & page_paths:
        raise ValueError(f"pages and API paths share keys: {sorted(api_paths & page_paths)}")
    for path in page_paths:
        paths[path]["servers"] = [{"url": "/", "description": "the server's root"}]
    schemas.setdefault("Error", _hoist(ERROR_SCHEMA, schemas))
    used = {op["tags"][0] for item in paths.values() for k, op in item.items() if k != "servers"}
    tags = [{"name": name, "description": text} for name, text in TAGS.values() if name in used]
    tags.append({"name": PAGES, "description": PAGES_TAG})
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Sothutu LAN API",
            "version": __version__,
            "description": "The queue server of a commune one-stop centre: the kiosks, the "
            "displays, the clerks' consoles, counter keypads and outside tools speak this "
            "API. Paths, fields, status codes and config keys are a contract: new ones may "
            "be added, none is renamed. The meanings, the order of checks and the events' "
            "data are in the project's docs/api.md.",
        },
        "tags": tags,
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


#: A variable of a URL rule: ``<n>``, ``<path:filename>``.
_VARIABLE = re.compile(r"<(?:[^<>:]+:)?([^<>:]+)>")


def _path(rule: str) -> str:
    """A rule as an OpenAPI path: ``/api/v1/counters/<n>/next`` → ``/counters/{n}/next``."""
    text = _VARIABLE.sub(r"{\1}", rule)
    return text.removeprefix(API_PREFIX) if text.startswith(API_PREFIX + "/") else text


def _operation(
    rule: Rule,
    method: str,
    route: Route | None,
    view: Any,
    is_api: bool,
    schemas: dict[str, Any],
) -> dict[str, Any]:
    doc = route.doc if route is not None else (inspect.getdoc(view) or "")
    summary, _, rest = doc.partition("\n\n")
    blueprint = rule.endpoint.rpartition(".")[0]
    tag = TAGS[blueprint][0] if is_api and blueprint in TAGS else PAGES
    op: dict[str, Any] = {"tags": [tag], "summary": " ".join(summary.split())}
    if route is None:
        route = Route(kind="page", doc=doc, answer=Answer(media="application/octet-stream"))
    if route.kind == "api":
        op["operationId"] = rule.endpoint.replace(".", "_")
    description = " ".join(p for p in (_who(route), _unwrap(rest)) if p)
    if description:
        op["description"] = description
    parameters = [_path_parameter(name, route.path.get(name)) for name in _arguments(rule)]
    parameters += [_parameter(name, p) for name, p in route.query.items()]
    if parameters:
        op["parameters"] = parameters
    op["security"] = _security(route, method)
    if route.body is not None and method in ("POST", "PUT", "PATCH"):
        op["requestBody"] = _request_body(route.body)
    elif route.form and method == "POST":
        op["requestBody"] = _form_body(route.form)
    op["responses"] = _responses(route, method, schemas)
    return op


def _unwrap(text: str) -> str:
    """A docstring's paragraphs as the document's text: lines joined, paragraphs kept."""
    return "\n\n".join(" ".join(p.split()) for p in text.split("\n\n") if p.strip())


def _arguments(rule: Rule) -> list[str]:
    """The rule's variables, in the order of the path."""
    return _VARIABLE.findall(rule.rule)


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


def _path_parameter(name: str, p: Param | None) -> dict[str, Any]:
    out = _parameter(name, p or Param(str), where="path")
    out["required"] = True
    return out


def _parameter(name: str, p: Param, where: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": name,
        "in": where or ("header" if p.header else "query"),
        "required": p.required,
    }
    if p.description:
        out["description"] = p.description
    if p.type is list:
        out["schema"] = {"type": "array", "items": {"enum": list(p.choices or ())}}
        if p.default is not None:
            out["schema"]["default"] = list(p.default)
        out["style"], out["explode"] = "form", False
        return out
    schema: dict[str, Any] = {"type": _JSON_TYPE[p.type]}
    # a lenient parameter's limits answer no 400: they are not in its schema
    limits = {"maxLength": p.max_length, "minimum": p.minimum, "maximum": p.maximum}
    for key, value in {"format": p.format, **({} if p.lenient else limits)}.items():
        if value is not None:
            schema[key] = value
    if p.default is not None:
        schema["default"] = p.default
    if p.choices is not None:
        schema["enum"] = list(p.choices)
    if p.example is not None:
        schema["examples"] = [p.example]
    out["schema"] = schema
    return out


_JSON_TYPE = {str: "string", int: "integer", bool: "boolean", list: "array"}


def _request_body(fields: Mapping[str, Field]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object"}
    if fields:
        schema["properties"] = {name: _field(f) for name, f in fields.items()}
    required = [name for name, f in fields.items() if f.required]
    if required:
        schema["required"] = required
    body: dict[str, Any] = {"required": bool(required)}
    if not required:
        body["description"] = "optional: an empty body is allowed, with any content type"
    body["content"] = {"application/json": {"schema": schema}}
    return body


def _form_body(fields: Mapping[str, Param]) -> dict[str, Any]:
    """A page's HTML form, its fields' schemas as the query's."""
    properties = {}
    for name, p in fields.items():
        described = _parameter(name, p)
        properties[name] = described["schema"] | (
            {"description": p.description} if p.description else {}
        )
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    required = [name for name, p in fields.items() if p.required]
    if required:
        schema["required"] = required
    media = "application/x-www-form-urlencoded"
    return {"required": bool(required), "content": {media: {"schema": schema}}}


def _field(f: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"type": _JSON_TYPE[f.type]}
    if f.type is list:
        out["maxItems"] = f.max_items
        if f.items is not None:
            out["items"] = {"type": _JSON_TYPE[f.items]}
            if f.minimum is not None:
                out["items"]["minimum"] = f.minimum
        if f.description:
            out["description"] = f.description
        if f.example is not None:
            out["examples"] = [f.example]
        return out
    if f.choices is not None:
        out["enum"] = list(f.choices)
    elif f.type is str:
        out["maxLength"] = f.max_length
    if f.minimum is not None:
        out["minimum"] = f.minimum
    if f.maximum is not None:
        out["maximum"] = f.maximum
    if f.description:
        out["description"] = f.description
    if f.example is not None:
        out["examples"] = [f.example]
    return out


def _responses(route: Route, method: str, schemas: dict[str, Any]) -> dict[str, Any]:
    answer = route.answer
    ok: dict[str, Any] = {"description": answer.description}
    media = {answer.media: answer.schema, **answer.also} if answer.media else {}
    if media:
        ok["content"] = {
            m: ({"schema": _hoist(s, schemas)} if s is not None else {}) for m, s in media.items()
        }
    out: dict[str, Any] = {str(answer.status): ok}
    for status, meaning in answer.statuses.items():
        out[str(status)] = {**ok, "description": meaning}
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
    error = _hoist(ERROR_SCHEMA, schemas)
    for status in sorted(codes):
        text = ", ".join(f"`{c}`" for c in codes[status])
        out[str(status)] = {
            "description": f"{text}: {ERROR_TEXT[status]}" if text else ERROR_TEXT[status],
            "content": {"application/json": {"schema": error}},
        }
        if status in route.retry_after:
            out[str(status)]["headers"] = {"Retry-After": RETRY_AFTER}
    return out


def _hoist(schema: Any, schemas: dict[str, Any]) -> Any:
    """A schema with every titled part moved to the components (a ``$ref`` in its place)."""
    if isinstance(schema, Mapping):
        walked = {k: _hoist(v, schemas) for k, v in schema.items()}
        title = schema.get("title")
        if isinstance(title, str):
            if schemas.setdefault(title, walked) != walked:
                raise ValueError(f"two different schemas are titled {title!r}")
            return {"$ref": f"#/components/schemas/{title}"}
        return walked
    if isinstance(schema, list | tuple):
        return [_hoist(v, schemas) for v in schema]
    return schema
