"""What each view of the hub's JSON API declares: who may call it, what it takes, what
it answers, which refusals it gives.

``api`` records the declaration on the view (``route_of``) and changes nothing else:
the view keeps its own checks, and what it checks is declared where the check is made
(the booking's fields in ``hub.bookings``, a centre's push in ``hub.ingest``), so the
view and the document read the same limits. ``hub.web.openapi`` writes the OpenAPI
document from these records and the app's URL map (docs/hub.md).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sothutu.openapi import Answer, Field, Param

#: Who may call: anyone (citizens' phones, apps); a centre with its token; province or
#: centre staff with the admin key or a staff session.
PUBLIC = "public"
CENTRE = "centre"
STAFF = "staff"

ROUTE_ATTR = "hub_route"


@dataclass(frozen=True)
class Route:
    """A view's declaration, as the OpenAPI document reads it."""

    doc: str
    who: str
    #: the tag of the document's operation (its group)
    tag: str
    path: Mapping[str, Param] = field(default_factory=dict)
    #: query parameters and headers (``Param.header``)
    query: Mapping[str, Param] = field(default_factory=dict)
    #: a JSON body of flat fields, checked against these declarations ...
    body: Mapping[str, Field] | None = None
    #: ... or a JSON Schema written by hand next to the body's parser
    body_schema: Mapping[str, Any] | None = None
    answer: Answer = field(default_factory=Answer)
    #: error codes the view gives, by status, beyond those its kind of route gives
    refuses: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    #: "read" or "write": the call counts against its address's ``[booking]`` limit
    rate: str | None = None
    #: it reads PostgreSQL (503 with Retry-After when the database is down)
    database: bool = True


def route_of(view: Callable[..., Any]) -> Route | None:
    """The declaration ``api`` recorded on a view, if any."""
    return getattr(view, ROUTE_ATTR, None)


def api(
    who: str,
    *,
    tag: str,
    path: dict[str, Param] | None = None,
    query: dict[str, Param] | None = None,
    body: Mapping[str, Field] | None = None,
    body_schema: Mapping[str, Any] | None = None,
    answer: Answer | None = None,
    refuses: dict[int, tuple[str, ...]] | None = None,
    rate: str | None = None,
    database: bool = True,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Record what a JSON view is (its docstring says what it does); it runs unchanged."""
    if who not in (PUBLIC, CENTRE, STAFF) or rate not in (None, "read", "write"):
        raise ValueError(f"who {who!r}, rate {rate!r}")

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        route = Route(
            doc=inspect.getdoc(view) or "",
            who=who,
            tag=tag,
            path=path or {},
            query=query or {},
            body=body,
            body_schema=body_schema,
            answer=answer or Answer(),
            refuses=refuses or {},
            rate=rate,
            database=database,
        )
        view.__dict__[ROUTE_ATTR] = route
        return view

    return mark
