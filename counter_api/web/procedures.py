"""The procedure look-up API (public): search or list the catalogue, one procedure.

``GET /api/v1/procedures?q=&service=&limit=`` ranks procedures for a query
(``q`` empty: the catalogue in its order, optionally one field's);
``GET /api/v1/procedures/CODE`` is one procedure with its checklist;
``POST /api/v1/procedures/CODE/print`` (a counter or the admin) has a kiosk print
that checklist for a citizen. Tickets for a procedure go through
``POST /api/v1/tickets`` (``counter_api.procedures.ticket``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from counter_api.present import PROCEDURE_NAMED_SCHEMA
from counter_api.procedures.catalogue import Catalogue, View
from counter_api.procedures.search import Hit
from counter_api.web.bodies import Field
from counter_api.web.endpoint import (
    COUNTER,
    PUBLIC,
    Answer,
    Call,
    api_blueprint,
    endpoint,
    service,
)
from counter_api.web.errors import ApiError
from counter_api.web.params import Param
from counter_api.web.parts import parts
from sothutu.config import Config
from sothutu.procedures import model
from sothutu.procedures.checklist import HEADING, ITEM, META, NOTE, TEXT, TITLE, checklist
from sothutu.procedures.model import Procedure

bp = api_blueprint("procedures_api", __name__)

MAX_QUERY = 200
DEFAULT_LIMIT = 200
MAX_LIMIT = 1000

PROCEDURE_CODE = Param(str, "a procedure's code in the catalogue")
UNKNOWN_PROCEDURE = {404: ("unknown_procedure",)}


def catalogue() -> Catalogue:
    return parts().catalogue


def _config() -> Config:
    return service().config


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


SEARCH = {
    "q": Param(
        str,
        "words to look for (accents optional, any order, small typos forgiven)",
        default="",
        max_length=MAX_QUERY,
    ),
    "service": Param(str, "keep one field's procedures"),
    "limit": Param(
        int, "at most this many results", default=DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT
    ),
}

HIT_SCHEMA: dict[str, Any] = {
    "title": "ProcedureHit",
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "name": {"type": "string"},
        "service": {"type": "string"},
        "service_name": {"type": "string"},
        "matched": {"enum": ["name", "keywords", "documents", "code", "all"]},
        "snippet": {
            "type": ["string", "null"],
            "description": "the keyword or document that matched",
        },
        "score": {"type": "number", "minimum": 0, "maximum": 1},
    },
}
LIST_SCHEMA: dict[str, Any] = {
    "title": "ProcedureList",
    "type": "object",
    "properties": {
        "query": {"type": "string"},
        "service": {"type": ["string", "null"]},
        "total": {"type": "integer", "description": "all results, before `limit`"},
        "procedures": {"type": "array", "items": HIT_SCHEMA},
        "services": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "name": {"type": "string"},
                    "procedures": {"type": "integer"},
                },
            },
        },
        "catalogue": {
            "type": "object",
            "properties": {
                "version": {"type": "integer"},
                "count": {"type": "integer"},
                "updated_at": {"type": ["string", "null"], "format": "date-time"},
                "source": {"type": ["string", "null"]},
                "sample": {"type": "boolean"},
            },
        },
    },
}
_JSON = model.JSON_SCHEMA["properties"]
PROCEDURE_SCHEMA: dict[str, Any] = {
    "title": "Procedure",
    "type": "object",
    "properties": {
        **{k: _JSON[k] for k in ("code", "name", "service")},
        "service_name": {"type": "string"},
        **{k: v for k, v in _JSON.items() if k not in ("code", "name", "service")},
        "checklist": {
            "type": "array",
            "description": "what to print or show: title, meta, heading, item "
            "(a document, its counts and form in detail), text, note",
            "items": {
                "type": "object",
                "properties": {
                    "kind": {"enum": [TITLE, META, HEADING, ITEM, TEXT, NOTE]},
                    "text": {"type": "string"},
                    "detail": {"type": "string"},
                },
            },
        },
    },
}
PRINT_SCHEMA: dict[str, Any] = {
    "title": "ChecklistPrint",
    "type": "object",
    "properties": {
        "procedure": PROCEDURE_NAMED_SCHEMA,
        "kiosk": {"type": "string"},
        "counter": {"type": ["integer", "null"]},
    },
}


@bp.get("/procedures")
@endpoint(PUBLIC, query=SEARCH, answer=Answer(LIST_SCHEMA), refuses={404: ("unknown_service",)})
def list_procedures(c: Call) -> dict:
    """Search or list the procedure catalogue (tra cứu thủ tục).

    With `q`: procedures ranked for the query (accent-insensitive, đ = d, i = y,
    word order free, small typos forgiven; a match in the name ranks before one in
    the documents). Without `q`: the catalogue in its order. `service` keeps one
    field. `total` counts all results before `limit`; `services` counts each
    field's procedures (for browsing by field).
    """
    q, service, limit = c.query["q"], c.query.get("service"), c.query["limit"]
    config = _config()
    if service is not None and config.service(service) is None:
        raise ApiError(404, "unknown_service", f"no service {service!r}")
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
@endpoint(
    PUBLIC,
    path={"code": PROCEDURE_CODE},
    answer=Answer(PROCEDURE_SCHEMA),
    refuses=UNKNOWN_PROCEDURE,
)
def get_procedure(_c: Call, code: str) -> dict:
    """One procedure: documents, steps, time, fees and its checklist."""
    p = catalogue().view().get(code)
    if p is None:
        raise ApiError(404, "unknown_procedure", f"no procedure {code!r} in the catalogue")
    return procedure_json(_config(), p)


@bp.post("/procedures/<code>/print")
@endpoint(
    COUNTER,
    path={"code": PROCEDURE_CODE},
    body={
        "kiosk": Field(str, max_length=100, description="the kiosk to print on", example="kiosk-1")
    },
    answer=Answer(PRINT_SCHEMA),
    refuses={404: ("unknown_procedure", "unknown_kiosk"), 409: ("no_kiosk",)},
)
def print_checklist(c: Call, code: str) -> dict:
    """Print a procedure's documents checklist at a kiosk, for a citizen at a counter.

    Emits `checklist.print` with the same data as the answer, on which the named
    kiosk (else the first configured) fetches the procedure and prints it. Any
    counter may, typically the guidance counter. 409 `no_kiosk`: none is configured.
    """
    proc = catalogue().view().get(code)
    if proc is None:
        raise ApiError(404, "unknown_procedure", f"no procedure {code!r} in the catalogue")
    p = c.who
    counter = p.counter if p is not None and p.kind == "counter" else None
    return service().checklist_print((proc.code, proc.name), c.body.get("kiosk"), counter)
