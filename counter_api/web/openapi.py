"""The OpenAPI 3.1 document served at /api/v1/openapi.json.

Written by hand next to the views; a test checks that every route of the API
blueprint appears here with its methods, so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from counter_api import __version__
from counter_api.present import HOURS_SCHEMA

_ERROR = {"$ref": "#/components/schemas/Error"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    text = {
        400: "invalid_request: bad JSON, wrong type, missing field",
        401: "unauthorized: no key, unknown key or malformed Authorization header",
        403: "forbidden: the key may not do this",
        404: "unknown_service, unknown_counter, unknown_ticket, unknown_kiosk, "
        "unknown_procedure or not_found",
        409: "a state conflict; see the operation's description for its codes",
        413: "too_large: the body is over 16 KiB",
        415: "unsupported_media_type: a non-empty body must be application/json",
        503: "unavailable (database) or too_many_streams",
    }
    return {str(c): {"description": text[c], **_json(_ERROR)} for c in codes}


_WRITE = (400, 401, 403, 413, 415)


def _counter_op(
    summary: str,
    description: str,
    response: str,
    body: dict | None = None,
    conflicts: str = "",
    required: bool = False,
) -> dict:
    op: dict[str, Any] = {
        "summary": summary,
        "description": description + (f" 409 codes: {conflicts}." if conflicts else ""),
        "security": [{"bearer": []}],
        "parameters": [
            {
                "name": "n",
                "in": "path",
                "required": True,
                "description": "counter number",
                "schema": {"type": "integer"},
            }
        ],
        "responses": {
            "200": {"description": "OK", **_json(_ref(response))},
            **_errors(*_WRITE, 404, *((409,) if conflicts else ())),
        },
    }
    if body is not None:
        op["requestBody"] = {"required": required, **_json(body)}
    return op


def document(server_url: str = "") -> dict[str, Any]:
    ticket_id = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    paths: dict[str, Any] = {
        "/health": {
            "get": {
                "summary": "Liveness",
                "security": [],
                "responses": {"200": {"description": "OK", **_json(_ref("Health"))}},
            }
        },
        "/services": {
            "get": {
                "summary": "The fields (lĩnh vực) and how many wait in each",
                "security": [],
                "responses": {
                    "200": {
                        "description": "OK",
                        **_json(
                            {
                                "type": "object",
                                "properties": {
                                    "services": {"type": "array", "items": _ref("Service")},
                                    "hours": _ref("Hours"),
                                },
                            }
                        ),
                    }
                },
            }
        },
        "/state": {
            "get": {
                "summary": "Counters, recent calls, queues and kiosks",
                "security": [],
                "responses": {"200": {"description": "OK", **_json(_ref("State"))}},
            }
        },
        "/events": {
            "get": {
                "summary": "Server-sent events",
                "description": "text/event-stream. Without Last-Event-ID the first event is "
                "`snapshot` (the /state body, id = its last_event_id); with Last-Event-ID: K every "
                "event after K is replayed from the durable log, then live events follow. Types: "
                "ticket.issued, ticket.called, ticket.recalled, ticket.done, ticket.no_show, "
                "ticket.held, ticket.transferred, ticket.expired, counter.paused, counter.resumed, "
                "day.rollover, kiosk.status, ticket.reprint, rating.recorded, checklist.print "
                "(data: procedure {code, name}, kiosk, counter). `: ping` at least every 15 s; "
                'with `?heartbeat=S` a `heartbeat` event (no id, data `{"time"}`) instead, '
                "whenever S seconds (or the ping interval, when shorter) pass without another "
                "event: browsers' EventSource hides comments, so a page can see that the stream "
                "lives.",
                "security": [],
                "parameters": [
                    {
                        "name": "Last-Event-ID",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "integer"},
                    },
                    {
                        "name": "lastEventId",
                        "in": "query",
                        "required": False,
                        "description": "as Last-Event-ID, for clients that cannot set headers; "
                        "the header wins",
                        "schema": {"type": "integer"},
                    },
                    {
                        "name": "heartbeat",
                        "in": "query",
                        "required": False,
                        "description": "seconds (1-60) between `heartbeat` events while the "
                        "stream is quiet; absent: `: ping` comments. Anything else is 400.",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 60},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "the stream",
                        "content": {"text/event-stream": {"schema": {"type": "string"}}},
                    },
                    **_errors(400, 503),
                },
            }
        },
        "/voice/announcement": {
            "get": {
                "summary": "The words and voice-pack clips of one call's announcement",
                "description": "What the display says for a call, from the same pure function "
                "as the pygame display (sothutu/voice/announce.py) with the config's [voice] "
                "dialect, "
                "repeat, chime and announce: the sentence, and the clip names in order with the "
                "silence after each (ms). The browser display plays these clips from /voice/clip.",
                "security": [],
                "parameters": [
                    {"name": "code", "in": "query", "required": True, "schema": {"type": "string"}},
                    {
                        "name": "counter",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 0},
                    },
                    {
                        "name": "recall",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "boolean", "default": False},
                    },
                ],
                "responses": {
                    "200": {"description": "OK", **_json(_ref("Announcement"))},
                    **_errors(400),
                },
            }
        },
        "/voice/clip": {
            "get": {
                "summary": "One clip of the voice pack, as WAV",
                "description": "`name` is a clip name of the README's table (`moi-cong-dan`, "
                "`so-5`, `chu-a`, `chime`, ...). Read from [voice] pack on each request (a "
                "clip a centre replaced is served at once), 16-bit files trimmed of their silent "
                "ends. Without a chime in the pack, the synthesized chime; a missing word is said "
                "by espeak-ng when [voice] espeak allows and it is installed, else 404.",
                "security": [],
                "parameters": [
                    {"name": "name", "in": "query", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {
                        "description": "the clip",
                        "content": {
                            "audio/wav": {"schema": {"type": "string", "format": "binary"}}
                        },
                    },
                    "304": {"description": "not modified (If-None-Match)"},
                    **_errors(404),
                },
            }
        },
        "/tickets": {
            "post": {
                "summary": "Issue a ticket (kiosk or admin key, or a guidance counter)",
                "description": "A counter with guidance = true (Quầy hướng dẫn), by its key or "
                "its console session, may issue tickets on a citizen's behalf; other counters "
                "get 403. `service` is required unless `procedure` (a catalogue code) is "
                "given; then the ticket is for that procedure, in its field, and carries "
                "`procedure` {code, name}. 404 codes: unknown_service, unknown_procedure. "
                "409 codes: service_mismatch (`service` is not the procedure's field), closed "
                "(outside [centre] hours), daily_limit_reached.",
                "security": [{"bearer": []}],
                "requestBody": {"required": True, **_json(_ref("IssueRequest"))},
                "responses": {
                    "201": {"description": "the new ticket", **_json(_ref("Ticket"))},
                    **_errors(*_WRITE, 404, 409),
                },
            }
        },
        "/tickets/{id}": {
            "get": {
                "summary": "One ticket, with its place in the queue while it waits",
                "security": [],
                "parameters": ticket_id,
                "responses": {
                    "200": {"description": "OK", **_json(_ref("Ticket"))},
                    **_errors(404),
                },
            }
        },
        "/tickets/{id}/reprint": {
            "post": {
                "summary": "Print a ticket again at its kiosk (counter or admin key)",
                "description": 'Emits ticket.reprint. Optional body {"kiosk": NAME} picks a kiosk.'
                " 409 code: no_kiosk.",
                "security": [{"bearer": []}],
                "parameters": ticket_id,
                "requestBody": {
                    "required": False,
                    **_json({"type": "object", "properties": {"kiosk": {"type": "string"}}}),
                },
                "responses": {
                    "200": {
                        "description": "OK",
                        **_json(
                            {
                                "type": "object",
                                "properties": {
                                    "ticket": _ref("Ticket"),
                                    "kiosk": {"type": "string"},
                                },
                            }
                        ),
                    },
                    **_errors(*_WRITE, 404, 409),
                },
            }
        },
        "/kiosks/status": {
            "post": {
                "summary": "A kiosk reports its printer (kiosk key, or admin naming the kiosk)",
                "security": [{"bearer": []}],
                "requestBody": {"required": True, **_json(_ref("KioskStatusRequest"))},
                "responses": {
                    "200": {
                        "description": "OK",
                        **_json({"type": "object", "properties": {"kiosk": _ref("Kiosk")}}),
                    },
                    **_errors(*_WRITE, 404),
                },
            }
        },
        "/counters/{n}/next": {
            "post": _counter_op(
                "Finish the current ticket (done) and call the next",
                "Calling order: the earliest-issued waiting priority ticket of the counter's "
                "services, else the earliest-issued ordinary one; ties by lower id.",
                "NextResult",
                {"type": "object"},
                "counter_paused",
            )
        },
        "/counters/{n}/recall": {
            "post": _counter_op(
                "Announce the current ticket again",
                "calls + 1; it stays current.",
                "TicketResult",
                {"type": "object"},
                "no_current_ticket",
            )
        },
        "/counters/{n}/done": {
            "post": _counter_op(
                "Current ticket → done", "", "TicketResult", {"type": "object"}, "no_current_ticket"
            )
        },
        "/counters/{n}/no-show": {
            "post": _counter_op(
                "Current ticket → no_show",
                "",
                "TicketResult",
                {"type": "object"},
                "no_current_ticket",
            )
        },
        "/counters/{n}/hold": {
            "post": _counter_op(
                "Current ticket → held (the citizen completes the dossier)",
                "Called back later by code.",
                "TicketResult",
                {"type": "object"},
                "no_current_ticket",
            )
        },
        "/counters/{n}/transfer": {
            "post": _counter_op(
                "Current ticket → waiting in another service",
                "Keeps id, code and issue time (so its place in the calling order).",
                "TicketResult",
                {
                    "type": "object",
                    "required": ["service"],
                    "properties": {"service": {"type": "string"}},
                },
                "no_current_ticket, same_service",
                required=True,
            )
        },
        "/counters/{n}/call": {
            "post": _counter_op(
                "Call a ticket of today by its code",
                "Finishes the current ticket first. Callable: waiting, held, no_show tickets of "
                "the counter's services. `service` picks one when two services share a prefix.",
                "TicketResult",
                {
                    "type": "object",
                    "required": ["code"],
                    "properties": {"code": {"type": "string"}, "service": {"type": "string"}},
                },
                "counter_paused, ambiguous_code, not_callable",
                required=True,
            )
        },
        "/counters/{n}/tickets": {
            "get": {
                "summary": "Today's tickets a counter held or marked absent",
                "description": "For calling them back by code. `status` is a comma-separated "
                "list (default held,no_show) of waiting, called, done, no_show, held, expired; "
                "tickets whose last counter is N, latest call first, at most 200.",
                "security": [{"bearer": []}],
                "parameters": [
                    {
                        "name": "n",
                        "in": "path",
                        "required": True,
                        "description": "counter number",
                        "schema": {"type": "integer"},
                    },
                    {
                        "name": "status",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "default": "held,no_show"},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "OK",
                        **_json(
                            {
                                "type": "object",
                                "properties": {
                                    "tickets": {"type": "array", "items": _ref("Ticket")}
                                },
                            }
                        ),
                    },
                    **_errors(400, 401, 403, 404),
                },
            }
        },
        "/counters/{n}/pause": {
            "post": _counter_op(
                "Stop calling (keeps the current ticket)",
                "Idempotent.",
                "CounterResult",
                {"type": "object", "properties": {"reason": {"type": "string"}}},
            )
        },
        "/counters/{n}/resume": {
            "post": _counter_op("Call again", "Idempotent.", "CounterResult", {"type": "object"})
        },
        "/procedures": {
            "get": {
                "summary": "Search or list the procedure catalogue (tra cứu thủ tục)",
                "description": "With `q`: procedures ranked for the query (accent-insensitive, "
                "đ = d, i = y, word order free, small typos forgiven; a match in the name ranks "
                "before one in the documents). Without `q`: the catalogue in its order. "
                "`service` keeps one field. `total` counts all results before `limit`; "
                "`services` counts each field's procedures (for browsing by field).",
                "security": [],
                "parameters": [
                    {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 200}},
                    {"name": "service", "in": "query", "schema": {"type": "string"}},
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": 1000,
                            "default": 200,
                        },
                    },
                ],
                "responses": {
                    "200": {"description": "OK", **_json(_ref("ProcedureList"))},
                    **_errors(400, 404),
                },
            }
        },
        "/procedures/{code}": {
            "get": {
                "summary": "One procedure: documents, steps, time, fees and its checklist",
                "security": [],
                "parameters": [
                    {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {"description": "OK", **_json(_ref("Procedure"))},
                    **_errors(404),
                },
            }
        },
        "/counters/{n}/rating": {
            "post": _counter_op(
                "Record a citizen's satisfaction rating (keypad: counter key, or admin)",
                "score 5 = Rất hài lòng, 4 = Hài lòng, 3 = Bình thường, 2 = Không hài lòng, "
                "1 = Rất không hài lòng. Only the counter's most recently finished (done) ticket, "
                "within [ratings] window_seconds of finishing, once; `ticket` (optional) must "
                "name that ticket. A clerk's console session may not rate (403). Emits "
                "rating.recorded.",
                "RatingResult",
                _ref("RatingRequest"),
                "nothing_to_rate, not_ratable, rating_closed, already_rated",
                required=True,
            )
        },
        "/reports/daily": {
            "get": {
                "summary": "A day's or a period's figures (admin key)",
                "description": "Per field, per counter, per hour and per day: issued, called, "
                "served, no-show, expired, waiting time (first call − issued) mean/median/p90/max, "
                "service time (finished − last call) mean/median, share of served tickets over "
                "[reports] service_level_minutes, ratings; counters also open, serving and idle "
                "minutes. Definitions: docs/reports.md. format=csv gives CSV in UTF-8 with a BOM "
                "and Vietnamese headings, dates dd/mm/yyyy.",
                "security": [{"bearer": []}],
                "parameters": [
                    {
                        "name": "date",
                        "in": "query",
                        "description": "business day YYYY-MM-DD (default: today)",
                        "schema": {"type": "string", "format": "date"},
                    },
                    {
                        "name": "from",
                        "in": "query",
                        "description": "first day of a period (instead of date)",
                        "schema": {"type": "string", "format": "date"},
                    },
                    {
                        "name": "to",
                        "in": "query",
                        "description": "last day of a period (at most 366 days)",
                        "schema": {"type": "string", "format": "date"},
                    },
                    {
                        "name": "format",
                        "in": "query",
                        "schema": {"enum": ["json", "csv"], "default": "json"},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "the report",
                        "content": {
                            "application/json": {"schema": _ref("Report")},
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    },
                    **_errors(400, 401, 403),
                },
            }
        },
        "/procedures/{code}/print": {
            "post": {
                "summary": "Print a procedure's documents checklist at a kiosk (counter or admin)",
                "description": "For a citizen at the counter: emits checklist.print, on which the "
                'kiosk prints the checklist. Optional body {"kiosk": NAME} picks the kiosk (else '
                "the first configured). 404 codes: unknown_procedure, unknown_kiosk. "
                "409 code: no_kiosk.",
                "security": [{"bearer": []}],
                "parameters": [
                    {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "requestBody": {
                    "required": False,
                    **_json({"type": "object", "properties": {"kiosk": {"type": "string"}}}),
                },
                "responses": {
                    "200": {"description": "OK", **_json(_ref("ChecklistPrint"))},
                    **_errors(*_WRITE, 404, 409),
                },
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "security": [],
                "responses": {"200": {"description": "OK"}},
            }
        },
    }
    nullable_ticket = {"oneOf": [_ref("Ticket"), {"type": "null"}]}
    schemas = {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                }
            },
        },
        "Health": {
            "type": "object",
            "properties": {
                "status": {"const": "ok"},
                "time": {"type": "string", "format": "date-time"},
                "version": {"type": "string"},
                "business_date": {"type": "string", "format": "date"},
            },
        },
        "Announcement": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "counter": {"type": "integer"},
                "recall": {"type": "boolean"},
                "sentence": {"type": "string", "description": "said once"},
                "text": {"type": "string", "description": "all that is said; empty: chime only"},
                "clips": {"type": "array", "items": {"type": "string"}},
                "pauses_ms": {"type": "array", "items": {"type": "integer"}},
            },
        },
        "Service": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "prefix": {"type": "string"},
                "waiting": {"type": "integer"},
                "priority_waiting": {"type": "integer"},
            },
        },
        "Ticket": {
            "type": "object",
            "required": [
                "id",
                "code",
                "number",
                "service",
                "service_name",
                "priority",
                "status",
                "counter",
                "calls",
                "business_date",
                "issued_at",
                "called_at",
                "finished_at",
            ],
            "properties": {
                "id": {"type": "integer"},
                "code": {"type": "string"},
                "number": {"type": "integer"},
                "service": {"type": "string"},
                "service_name": {"type": "string"},
                "priority": {"type": "boolean"},
                "status": {"enum": ["waiting", "called", "done", "no_show", "held", "expired"]},
                "counter": {"type": ["integer", "null"]},
                "calls": {"type": "integer"},
                "business_date": {"type": "string", "format": "date"},
                "issued_at": {"type": "string", "format": "date-time"},
                "called_at": {"type": ["string", "null"], "format": "date-time"},
                "finished_at": {"type": ["string", "null"], "format": "date-time"},
                "original_service": {"type": "string", "description": "present after a transfer"},
                "procedure": {
                    "type": "object",
                    "description": "present when issued for a procedure of the catalogue",
                    "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
                },
                "waiting_ahead": {"type": "integer", "description": "while waiting"},
                "estimated_wait_minutes": {"type": "integer", "description": "while waiting"},
            },
        },
        "Counter": {
            "type": "object",
            "properties": {
                "number": {"type": "integer"},
                "name": {"type": "string"},
                "status": {"enum": ["open", "serving", "paused"]},
                "current": nullable_ticket,
                "services": {"type": "array", "items": {"type": "string"}},
                "reason": {"type": "string"},
                "since": {"type": ["string", "null"]},
            },
        },
        "Kiosk": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "printer": {"enum": ["unknown", "ok", "paper_low", "paper_out", "offline"]},
                "message": {"type": "string"},
                "at": {"type": ["string", "null"]},
            },
        },
        "Hours": HOURS_SCHEMA,
        "State": {
            "type": "object",
            "properties": {
                "business_date": {"type": "string", "format": "date"},
                "open": {"type": "boolean", "description": "inside [centre] hours and days"},
                "hours": _ref("Hours"),
                "counters": {"type": "array", "items": _ref("Counter")},
                "recent_calls": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "code": {"type": "string"},
                            "counter": {"type": "integer"},
                            "service": {"type": "string"},
                            "called_at": {"type": "string"},
                            "calls": {"type": "integer"},
                        },
                    },
                },
                "services": {"type": "array", "items": _ref("Service")},
                "kiosks": {"type": "array", "items": _ref("Kiosk")},
                "last_event_id": {"type": "integer"},
            },
        },
        "IssueRequest": {
            "type": "object",
            "description": "`service`, `procedure` or both",
            "properties": {
                "service": {"type": "string"},
                "priority": {"type": "boolean", "default": False},
                "procedure": {"type": "string", "description": "a code of the catalogue"},
            },
        },
        "ChecklistPrint": {
            "type": "object",
            "properties": {
                "procedure": {
                    "type": "object",
                    "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
                },
                "kiosk": {"type": "string"},
                "counter": {"type": ["integer", "null"]},
            },
        },
        "ProcedureHit": {
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
        },
        "ProcedureList": {
            "type": "object",
            "properties": {
                "query": {"type": "string"},
                "service": {"type": ["string", "null"]},
                "total": {"type": "integer"},
                "procedures": {"type": "array", "items": _ref("ProcedureHit")},
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
        },
        "Procedure": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "name": {"type": "string"},
                "service": {"type": "string"},
                "service_name": {"type": "string"},
                "documents": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string"},
                            "originals": {"type": "integer"},
                            "copies": {"type": "integer"},
                            "form": {"type": ["string", "null"]},
                        },
                    },
                },
                "steps": {"type": "array", "items": {"type": "string"}},
                "processing_time": {"type": "string"},
                "fees": {"type": "string"},
                "applicants": {"type": "string"},
                "legal_basis": {"type": "array", "items": {"type": "string"}},
                "url": {"type": ["string", "null"]},
                "keywords": {"type": "array", "items": {"type": "string"}},
                "checklist": {
                    "type": "array",
                    "description": "what to print or show: title, meta, heading, item "
                    "(a document, its counts and form in detail), text, note",
                    "items": {
                        "type": "object",
                        "properties": {
                            "kind": {"enum": ["title", "meta", "heading", "item", "text", "note"]},
                            "text": {"type": "string"},
                            "detail": {"type": "string"},
                        },
                    },
                },
            },
        },
        "KioskStatusRequest": {
            "type": "object",
            "required": ["printer"],
            "properties": {
                "printer": {"enum": ["ok", "paper_low", "paper_out", "offline"]},
                "message": {"type": "string"},
                "kiosk": {"type": "string", "description": "admin key only: which kiosk"},
            },
        },
        "TicketResult": {"type": "object", "properties": {"ticket": _ref("Ticket")}},
        "NextResult": {
            "type": "object",
            "properties": {"ticket": nullable_ticket, "finished": nullable_ticket},
        },
        "CounterResult": {"type": "object", "properties": {"counter": _ref("Counter")}},
        "RatingRequest": {
            "type": "object",
            "required": ["score"],
            "properties": {
                "score": {"type": "integer", "minimum": 1, "maximum": 5},
                "ticket": {"type": "integer", "description": "the ticket id, to be sure"},
            },
        },
        "RatingResult": {
            "type": "object",
            "properties": {
                "rating": {
                    "type": "object",
                    "properties": {
                        "ticket": {"type": "integer"},
                        "code": {"type": "string"},
                        "service": {"type": "string"},
                        "counter": {"type": "integer"},
                        "score": {"type": "integer"},
                        "level": {"type": "string"},
                        "at": {"type": "string", "format": "date-time"},
                    },
                }
            },
        },
        "Figures": {
            "type": "object",
            "description": "One row of a report; minutes as numbers, null when nothing to average.",
            "properties": {
                "issued": {"type": ["integer", "null"]},
                "called": {"type": "integer"},
                "served": {"type": "integer"},
                "no_show": {"type": "integer"},
                "expired": {"type": "integer"},
                "no_show_rate": {"type": ["number", "null"]},
                "waiting": {
                    "type": "object",
                    "properties": {
                        k: {"type": ["number", "null"]} for k in ("mean", "median", "p90", "max")
                    }
                    | {"count": {"type": "integer"}},
                },
                "service": {
                    "type": "object",
                    "properties": {
                        "count": {"type": "integer"},
                        "mean": {"type": ["number", "null"]},
                        "median": {"type": ["number", "null"]},
                    },
                },
                "over_service_level": {
                    "type": "object",
                    "properties": {
                        "count": {"type": "integer"},
                        "share": {"type": ["number", "null"]},
                    },
                },
                "ratings": {
                    "type": "object",
                    "properties": {
                        "count": {"type": "integer"},
                        "mean": {"type": ["number", "null"]},
                        "levels": {"type": "object", "description": "score → count"},
                    },
                },
            },
        },
        "Report": {
            "type": "object",
            "properties": {
                "centre": {"type": "string"},
                "from": {"type": "string", "format": "date"},
                "to": {"type": "string", "format": "date"},
                "service_level_minutes": {"type": "number"},
                "levels": {"type": "object", "description": "score → Vietnamese words"},
                "total": _ref("Figures"),
                "services": {"type": "array", "items": _ref("Figures")},
                "counters": {
                    "type": "array",
                    "items": _ref("Figures"),
                    "description": "plus number, name, recalls, held, transferred, "
                    "open_minutes, serving_minutes, idle_minutes",
                },
                "hours": {"type": "array", "items": _ref("Figures")},
                "days": {"type": "array", "items": _ref("Figures")},
            },
        },
    }
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Sothutu LAN API",
            "version": __version__,
            "description": "The queue server of a commune one-stop centre.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
    if server_url:
        doc["servers"] = [{"url": server_url + "/api/v1"}]
    return doc
