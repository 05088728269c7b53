"""The procedure look-up API (public): search or list the catalogue, one procedure.

``GET /api/v1/procedures?q=&service=&limit=`` ranks procedures for a query
(``q`` empty: the catalogue in its order, optionally one field's);
``GET /api/v1/procedures/CODE`` is one procedure with its checklist;
``POST /api/v1/procedures/CODE/print`` (a counter or the admin) has a kiosk print
that checklist for a citizen. Tickets for a procedure go through
``POST /api/v1/tickets`` (``ticket_procedure``).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, request

from counter_api.procedures.catalogue import Catalogue, View
from counter_api.procedures.search import Hit
from counter_api.web import auth
from counter_api.web.api import COUNTER, PUBLIC, endpoint, service
from counter_api.web.bodies import Field, check_size
from counter_api.web.errors import ApiError
from sothutu.config import Config
from sothutu.procedures.checklist import checklist
from sothutu.procedures.model import Procedure

bp = Blueprint("procedures_api", __name__, url_prefix="/api/v1")

MAX_QUERY = 200
DEFAULT_LIMIT = 200
MAX_LIMIT = 1000
EXTENSION = "sothutu_procedures"


def catalogue() -> Catalogue:
    return current_app.extensions[EXTENSION]


def _config() -> Config:
    return catalogue().config


@bp.before_request
def _size_first() -> None:
    check_size()


def service_name(config: Config, service_id: str) -> str:
    svc = config.service(service_id)
    return svc.name if svc else service_id


def hit_json(config: Config, hit: Hit) -> dict[str, Any]:
    p = hit.procedure
    return {
        "code": p.code,
        "name": p.name,
        "service": p.service,
        "service_name": service_name(config, p.service),
        "matched": hit.matched,
        "snippet": hit.snippet,
        "score": hit.score,
    }


def procedure_json(config: Config, p: Procedure) -> dict[str, Any]:
    name = service_name(config, p.service)
    return {
        **p.to_json(),
        "service_name": name,
        "checklist": [
            {"kind": b.kind, "text": b.text, "detail": b.detail} for b in checklist(p, name)
        ],
    }


def catalogue_json(config: Config, view: View) -> dict[str, Any]:
    updated = None
    if view.imported_at:
        updated = (
            datetime.fromisoformat(view.imported_at)
            .astimezone(config.centre.tz)
            .isoformat(timespec="seconds")
        )
    return {
        "version": view.version,
        "count": len(view.procedures),
        "updated_at": updated,
        "source": view.source,
        "sample": view.sample,
    }


def query_args() -> tuple[str, str | None, int]:
    """``q``, ``service`` and ``limit`` from the query string, checked (400 / 404)."""
    q = unicodedata.normalize("NFC", request.args.get("q", "")).strip()
    if len(q) > MAX_QUERY:
        raise ApiError(400, "invalid_request", f"'q' is over {MAX_QUERY} characters")
    service = request.args.get("service") or None
    limit_text = request.args.get("limit", "")
    limit = DEFAULT_LIMIT
    if limit_text:
        if (
            not limit_text.isascii()
            or not limit_text.isdigit()
            or not 1 <= int(limit_text) <= MAX_LIMIT
        ):
            raise ApiError(400, "invalid_request", f"'limit' must be 1 to {MAX_LIMIT}")
        limit = int(limit_text)
    if service is not None and _config().service(service) is None:
        raise ApiError(404, "unknown_service", f"no service {service!r}")
    return q, service, limit


@bp.get("/procedures")
@endpoint(PUBLIC)
def list_procedures(_p: Any, _b: Any) -> dict:
    q, service, limit = query_args()
    config = _config()
    view = catalogue().view()
    hits = view.search(q, service)
    return {
        "query": q,
        "service": service,
        "total": len(hits),
        "procedures": [hit_json(config, h) for h in hits[:limit]],
        "services": [
            {"id": s.id, "name": s.name, "procedures": view.counts.get(s.id, 0)}
            for s in config.services
        ],
        "catalogue": catalogue_json(config, view),
    }


@bp.get("/procedures/<code>")
@endpoint(PUBLIC)
def get_procedure(_p: Any, _b: Any, code: str) -> dict:
    p = catalogue().view().get(code)
    if p is None:
        raise ApiError(404, "unknown_procedure", f"no procedure {code!r} in the catalogue")
    return procedure_json(_config(), p)


@bp.post("/procedures/<code>/print")
@endpoint(COUNTER, body={"kiosk": Field(str, max_length=100)})
def print_checklist(p: auth.Principal, b: dict, code: str) -> dict:
    """A clerk (any counter, typically the guidance counter) sends a procedure's
    checklist to a kiosk's printer: event ``checklist.print``."""
    proc = catalogue().view().get(code)
    if proc is None:
        raise ApiError(404, "unknown_procedure", f"no procedure {code!r} in the catalogue")
    counter = p.counter if p.kind == "counter" else None
    return service().checklist_print((proc.code, proc.name), b.get("kiosk"), counter)


def ticket_procedure(
    service_id: str | None, code: str | None
) -> tuple[str, tuple[str, str] | None]:
    """The field and procedure of a ticket request: the procedure's field when the
    request names none; 404 unknown_service / unknown_procedure; 409
    service_mismatch when the named field is not the procedure's."""
    if code is None:
        if service_id is None:
            raise ApiError(400, "invalid_request", "missing field 'service'")
        return service_id, None
    config = _config()
    if service_id is not None and config.service(service_id) is None:
        raise ApiError(404, "unknown_service", f"no service {service_id!r}")
    p = catalogue().view().get(code)
    if p is None:
        raise ApiError(404, "unknown_procedure", f"no procedure {code!r} in the catalogue")
    if service_id is not None and service_id != p.service:
        raise ApiError(
            409,
            "service_mismatch",
            f"procedure {code} is queued under {p.service!r}, not {service_id!r}; "
            "omit 'service' to use the procedure's field",
        )
    return p.service, (p.code, p.name)
