"""How a view is declared: who may call it, what it takes, what it answers.

``endpoint`` wraps a JSON view of the API. It runs the contract's checks in the
contract's order (the blueprint answers 413 first; then 401, 403, 415 and 400
for the body, 400 for the query, 404 for an unknown counter; the service then
answers 404 and 409) and calls the view as ``view(call, **path)``. ``page``
marks an HTML page. Both record their declaration on the view (``route_of``),
and ``counter_api.web.openapi`` writes the OpenAPI document from those records
and the app's URL map: the API is described once, here, next to each view.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, jsonify

from counter_api.service import QueueService
from counter_api.web import auth
from counter_api.web.bodies import Field, check_size, parse_body, path_id
from counter_api.web.errors import ApiError
from counter_api.web.params import MAX_WHOLE, Param, parse_params
from counter_api.web.parts import parts
from sothutu.openapi import Answer

#: Who may call: None is everyone; otherwise the kinds of key (``auth.Principal.kind``).
PUBLIC = None
ADMIN = frozenset({"admin"})
COUNTER = frozenset({"admin", "counter"})
KIOSK = frozenset({"admin", "kiosk"})
#: A guidance counter (Quầy hướng dẫn) may issue tickets on a citizen's behalf.
ISSUERS_OR_GUIDANCE = frozenset({"admin", "kiosk", "counter"})

#: Path parameters many views share.
COUNTER_N = Param(
    int,
    "the counter's number; anything else is an unknown counter",
    minimum=1,
    maximum=MAX_WHOLE,
)
TICKET_ID = Param(
    int, "the ticket's id; anything else is an unknown ticket", minimum=1, maximum=MAX_WHOLE
)

ROUTE_ATTR = "sothutu_route"


@dataclass(frozen=True)
class Allow:
    """Narrows the rights of the kinds in ``who`` (refused with them, as 403)."""

    test: Callable[[auth.Principal], bool]
    #: who is let through, for the document: "a counter only if it is a guidance counter"
    says: str


HTML = Answer({"type": "string"}, description="an HTML page", media="text/html")
REDIRECT = Answer(status=303, description="See Other: the page that shows the outcome", media="")


@dataclass(frozen=True)
class Route:
    """What a view declares: recorded on it, read by the OpenAPI document."""

    #: "api" (``endpoint``) or "page" (``page``)
    kind: str
    doc: str
    who: frozenset[str] | None = None
    allow: Allow | None = None
    #: a clerk's console session acts with its counter's key
    console: bool = True
    #: pages: the cookie session they need ("admin", "tablet"), if any
    session: str | None = None
    body: Mapping[str, Field] | None = None
    #: pages: the fields of the HTML form they take (``parse_params(form, form=True)``)
    form: Mapping[str, Param] = field(default_factory=dict)
    query: Mapping[str, Param] = field(default_factory=dict)
    path: Mapping[str, Param] = field(default_factory=dict)
    answer: Answer = field(default_factory=Answer)
    #: error codes the view may answer, by status, beyond those the checks give
    refuses: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    #: statuses among ``refuses`` whose answers say how long to wait (``Retry-After``)
    retry_after: tuple[int, ...] = ()
    counter_path: bool = False


@dataclass(frozen=True)
class Call:
    """What the checks found: who calls, the body's fields, the query's parameters."""

    who: auth.Principal | None
    body: dict[str, Any]
    query: dict[str, Any]


def service() -> QueueService:
    """The queue service of the app handling this request."""
    return parts().service


def api_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint under /api/v1 that answers 413 for a body over 16 KiB before anything."""
    bp = Blueprint(name, import_name, url_prefix="/api/v1")
    bp.before_request(check_size)
    return bp


def route_of(view: Callable[..., Any]) -> Route | None:
    """The declaration ``endpoint`` or ``page`` recorded on a view, if any."""
    return getattr(view, ROUTE_ATTR, None)


def _record(view: Callable[..., Any], route: Route) -> None:
    view.__dict__[ROUTE_ATTR] = route


def endpoint(
    who: frozenset[str] | None,
    *,
    body: dict[str, Field] | None = None,
    query: dict[str, Param] | None = None,
    path: dict[str, Param] | None = None,
    counter_path: bool = False,
    allow: Allow | None = None,
    console: bool = True,
    answer: Answer | None = None,
    refuses: dict[int, tuple[str, ...]] | None = None,
    retry_after: tuple[int, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Run the contract's checks, then call the view as ``view(call, **path)``.

    ``counter_path``: the path's ``n`` is a counter that a counter key must own (403)
    and that must exist (404); the view gets it as ``number``. ``console=False``
    refuses a clerk's console session (403) where its counter's key would do.
    """
    paths = dict(path or {})
    if counter_path:
        paths.setdefault("n", COUNTER_N)

    def wrap(view: Callable[..., Any]) -> Callable[..., Response]:
        @functools.wraps(view)
        def run(**path_args: str) -> Any:
            principal = None
            if who is not None:
                p = parts()
                principal = auth.authenticate(p.keys, p.console_session)
                if principal.kind not in who or (allow is not None and not allow.test(principal)):
                    raise ApiError(403, "forbidden", f"a {principal.kind} may not do this")
                if principal.via_session and not console:
                    raise ApiError(403, "forbidden", "a clerk's console may not do this")
                if counter_path:
                    number = path_id(path_args["n"])
                    if principal.kind == "counter" and not principal.may_act_for_counter(number):
                        raise ApiError(
                            403, "forbidden", "a counter may act on its own counter only"
                        )
            data = parse_body(body) if body is not None else {}
            args = parse_params(query) if query else {}
            if counter_path:
                number = path_id(path_args.pop("n"))
                if number is None or service().config.counter(number) is None:
                    raise ApiError(404, "unknown_counter", "no such counter")
                path_args["number"] = number  # type: ignore[assignment]
            result = view(Call(principal, data, args), **path_args)
            return result if isinstance(result, Response | tuple) else jsonify(result)

        _record(
            run,
            Route(
                kind="api",
                doc=inspect.getdoc(view) or "",
                who=who,
                allow=allow,
                console=console,
                body=body,
                query=query or {},
                path=paths,
                answer=answer or Answer(),
                refuses=refuses or {},
                retry_after=retry_after,
                counter_path=counter_path,
            ),
        )
        return run

    return wrap


def page(
    *,
    session: str | None = None,
    path: dict[str, Param] | None = None,
    query: dict[str, Param] | None = None,
    form: dict[str, Param] | None = None,
    body: dict[str, Field] | None = None,
    answer: Answer = HTML,
    refuses: dict[int, tuple[str, ...]] | None = None,
    retry_after: tuple[int, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Record what a page is (its docstring says what it shows); it runs unchanged
    and reads its declared ``query`` and ``form`` with ``params.parse_params``.

    ``session``: the cookie it needs ("admin": the admin page's login, "tablet": a
    rating tablet set up with the counter's PIN).
    """

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        _record(
            view,
            Route(
                kind="page",
                doc=inspect.getdoc(view) or "",
                session=session,
                body=body,
                form=form or {},
                query=query or {},
                path=path or {},
                answer=answer,
                refuses=refuses or {},
                retry_after=retry_after,
            ),
        )
        return view

    return mark
