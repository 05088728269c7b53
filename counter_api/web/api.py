"""The queue's JSON API under /api/v1: thin views over the service.

Each view declares who may call it, what it takes and what it answers
(``counter_api.web.endpoint``); its docstring is its description in the
OpenAPI document. The meanings and the order of checks: docs/api.md.
"""

from __future__ import annotations

from datetime import datetime

from flask import Response, jsonify

from counter_api import __version__
from counter_api.core.model import Status
from counter_api.present import (
    COUNTER_SCHEMA,
    HOURS_SCHEMA,
    KIOSK_SCHEMA,
    PRINTER_STATES,
    TICKET_SCHEMA,
)
from counter_api.procedures.ticket import ticket_procedure
from counter_api.recovery import storage_status
from counter_api.service import SERVICE_SCHEMA, STATE_SCHEMA, RequestKey
from counter_api.web import auth
from counter_api.web.bodies import REQUEST_ID, Field, path_id, request_id
from counter_api.web.endpoint import (
    COUNTER,
    ISSUERS_OR_GUIDANCE,
    KIOSK,
    PUBLIC,
    TICKET_ID,
    Allow,
    Answer,
    Call,
    api_blueprint,
    endpoint,
    service,
)
from counter_api.web.errors import ApiError
from counter_api.web.params import Param
from counter_api.web.parts import parts
from counter_api.web.signed import client_address

bp = api_blueprint("api", __name__)

#: Statuses GET /counters/N/tickets may filter on.
TICKET_STATUSES = tuple(s.value for s in Status)

HEALTH_SCHEMA = {
    "title": "Health",
    "type": "object",
    "properties": {
        "status": {"const": "ok"},
        "time": {"type": "string", "format": "date-time"},
        "version": {"type": "string"},
        "business_date": {"type": "string", "format": "date"},
        "storage": {
            "type": "object",
            "description": "`recovered` after the server found its database damaged at "
            "start and recovered it, until the admin page acknowledges it",
            "properties": {
                "status": {"enum": ["ok", "recovered"]},
                "at": {"type": "string", "format": "date-time"},
                "message": {"type": "string"},
            },
        },
    },
}
TICKET_ANSWER = Answer(
    {"title": "TicketResult", "type": "object", "properties": {"ticket": TICKET_SCHEMA}}
)
NULLABLE_TICKET = {"oneOf": [TICKET_SCHEMA, {"type": "null"}]}
COUNTER_ANSWER = Answer(
    {"title": "CounterResult", "type": "object", "properties": {"counter": COUNTER_SCHEMA}}
)
NO_CURRENT = {409: ("no_current_ticket", "request_id_reused")}
#: The body of a counter action that takes nothing but a request_id.
ACTION_BODY = {"request_id": REQUEST_ID}


def _ticket_id(text: str) -> int:
    ticket_id = path_id(text)
    if ticket_id is None:
        raise ApiError(404, "unknown_ticket", "no such ticket")
    return ticket_id


# --- public ------------------------------------------------------------------------


@bp.get("/health")
@endpoint(PUBLIC, answer=Answer(HEALTH_SCHEMA))
def health(_c: Call) -> dict:
    """Liveness: the server answers and its database is readable.

    `storage` says `recovered` (with when and one line of what was done) after the
    database was found damaged at start and recovered from a backup and what was
    readable of it, until the admin page acknowledges it.
    """
    svc = service()
    svc.today()
    now: datetime = svc.clock.now()
    return {
        "status": "ok",
        "time": now.astimezone(svc.tz).isoformat(timespec="seconds"),
        "version": __version__,
        "business_date": svc.today().isoformat(),
        "storage": storage_status(svc.store),
    }


@bp.get("/services")
@endpoint(
    PUBLIC,
    answer=Answer(
        {
            "type": "object",
            "properties": {
                "services": {"type": "array", "items": SERVICE_SCHEMA},
                "hours": HOURS_SCHEMA,
            },
        }
    ),
)
def services(_c: Call) -> dict:
    """The fields (lĩnh vực) in kiosk order, how many wait in each, and the opening
    hours: whether tickets are issued now and when that changes (the kiosk's start
    screen shows "closed" from it)."""
    svc = service()
    return {"services": svc.services(), "hours": svc.hours()}


@bp.get("/state")
@endpoint(PUBLIC, answer=Answer(STATE_SCHEMA))
def state(_c: Call) -> dict:
    """Counters, recent calls, queues and kiosks: what a display or console starts from."""
    return service().state()


@bp.get("/tickets/<id>")
@endpoint(
    PUBLIC, path={"id": TICKET_ID}, answer=Answer(TICKET_SCHEMA), refuses={404: ("unknown_ticket",)}
)
def get_ticket(_c: Call, id: str) -> dict:
    """One ticket, with its place in the queue while it waits."""
    return service().ticket(_ticket_id(id))


# --- kiosks ------------------------------------------------------------------------


def _print_kiosk(p: auth.Principal) -> str | None:
    """The kiosk that prints for a counter (its ``print_kiosk``), if it has one."""
    if p.kind != "counter" or p.counter is None:
        return None
    counter = service().config.counter(p.counter)
    return (counter.print_kiosk or None) if counter is not None else None


@bp.post("/tickets")
@endpoint(
    ISSUERS_OR_GUIDANCE,
    allow=Allow(
        lambda p: p.kind != "counter" or p.guidance,
        "only a guidance counter (guidance = true)",
    ),
    body={
        "service": Field(str, description="the field's id", example="ho-tich"),
        "priority": Field(bool, description="a priority ticket (default false)"),
        "procedure": Field(
            str,
            max_length=60,
            description="a procedure's code in the catalogue, instead of or with `service`",
        ),
        "booking": Field(
            str,
            max_length=200,
            description="check in a booking made on the province hub: its 6-character code "
            "or its QR code's text; `service`, `priority` and `procedure` are then ignored",
            example="K7M3PX",
        ),
        "request_id": REQUEST_ID,
    },
    answer=Answer(
        TICKET_SCHEMA,
        status=201,
        description="the new ticket",
        statuses={200: "the ticket issued earlier today for the same `request_id`, as it is now"},
    ),
    refuses={
        403: ("wrong_centre", "booking_forged"),
        404: ("unknown_service", "unknown_procedure", "unknown_booking"),
        409: (
            "service_mismatch",
            "closed",
            "daily_limit_reached",
            "request_id_reused",
            "booking_used",
            "booking_cancelled",
            "too_early",
        ),
    },
)
def issue_ticket(c: Call) -> tuple[Response, int]:
    """Issue a ticket.

    `service` is required unless `procedure` (a catalogue code) is given; the ticket
    is then for that procedure, in its field, and carries `procedure` {code, name}.
    409 `service_mismatch`: `service` is not the procedure's field; `closed`: outside
    [centre] hours; `daily_limit_reached`: the field's daily_limit is reached.
    The answer's `Location` header is the ticket's URL.

    With `request_id`, a request sent again by the same issuer (kiosk, counter or
    admin key) on the same business day answers 200 with the ticket it issued the
    first time (a client that lost the answer retries safely); 409
    `request_id_reused` when that id asked for another field or priority.
    A guidance counter with a `print_kiosk` has the ticket printed there at once
    (`ticket.reprint` to it).

    With `booking` (a code or a QR code's text) it checks a booked number in: within
    its window (`[booking] early_minutes` before to `late_minutes` after the slot's
    start) the ticket carries `booking` and is called after priority tickets and before
    walk-ins of its field, in slot order; after it, an ordinary ticket with
    `booking.late` true. 409 `too_early` (the error has `opens_at`), `booking_used`,
    `booking_cancelled`; 403 `wrong_centre`, `booking_forged`; 404 `unknown_booking`.
    Booking errors carry the `booking` they are about when it is known.
    """
    p = c.who
    assert p is not None
    kiosk = p.name if p.kind == "kiosk" else None
    rid = request_id(c.body)
    issuer = p.counter if p.kind == "counter" else p.name
    request = RequestKey(f"tickets:{p.kind}:{issuer}", rid) if rid else None
    if c.body.get("booking"):
        ticket, again = service().check_in_once(
            c.body["booking"], kiosk=kiosk, request=request, print_at=_print_kiosk(p)
        )
        resp = jsonify(ticket)
        resp.headers["Location"] = f"/api/v1/tickets/{ticket['id']}"
        return resp, 200 if again else 201
    find = parts().catalogue.view().get
    service_id, procedure = ticket_procedure(
        service().config, find, c.body.get("service"), c.body.get("procedure")
    )
    ticket, again = service().issue_once(
        service_id,
        bool(c.body.get("priority", False)),
        kiosk=kiosk,
        procedure=procedure,
        request=request,
        print_at=_print_kiosk(p),
    )
    resp = jsonify(ticket)
    resp.headers["Location"] = f"/api/v1/tickets/{ticket['id']}"
    return resp, 200 if again else 201


@bp.post("/kiosks/status")
@endpoint(
    KIOSK,
    body={
        "printer": Field(str, required=True, choices=PRINTER_STATES),
        "message": Field(str, max_length=500, description="shown to clerks as it is"),
        "kiosk": Field(
            str,
            description="which kiosk: the admin key names it, a kiosk key is its own",
            example="kiosk-1",
        ),
        "unprinted": Field(
            list,
            items=int,
            minimum=1,
            description="ids of tickets the kiosk issued but could not print, oldest first",
            example=[41, 42],
        ),
        "instance": Field(
            str,
            max_length=64,
            description=(
                "the kiosk process's own random id, the same in every report it sends: "
                "a second process under the same kiosk name elsewhere is refused"
            ),
            example="3f2a9c0e5b7d4e1f",
        ),
    },
    answer=Answer({"type": "object", "properties": {"kiosk": KIOSK_SCHEMA}}),
    refuses={404: ("unknown_kiosk",), 409: ("kiosk_name_in_use",)},
)
def kiosk_status(c: Call) -> dict:
    """A kiosk reports its printer: shown to clerks and in /state under `kiosks`.

    Emits `kiosk.status` when the state, the message or the unprinted tickets
    changed. A kiosk repeats its report at least every 20 s with its `instance`;
    while one instance reports under a name (heard within 60 s), another one from
    another address is refused with 409 `kiosk_name_in_use` (a copied config), and
    `/state` shows the name's `conflict`. A new instance from the same address (a
    restart) takes over at once; after 60 s of silence any new instance does.
    """
    p = c.who
    assert p is not None
    if p.kind == "kiosk":
        name = p.name
    else:
        name = c.body.get("kiosk")
        if not name:
            raise ApiError(400, "invalid_request", "missing field 'kiosk' (the admin key names it)")
    return {
        "kiosk": service().kiosk_status(
            name,
            c.body["printer"],
            c.body.get("message", ""),
            unprinted=c.body.get("unprinted"),
            instance=c.body.get("instance") or None,
            address=client_address(),
        )
    }


@bp.post("/tickets/<id>/reprint")
@endpoint(
    COUNTER,
    path={"id": TICKET_ID},
    body={
        "kiosk": Field(str, description="the kiosk to print on", example="kiosk-1"),
        "request_id": REQUEST_ID,
    },
    answer=Answer(
        {
            "type": "object",
            "properties": {"ticket": TICKET_SCHEMA, "kiosk": {"type": "string"}},
        }
    ),
    refuses={404: ("unknown_ticket", "unknown_kiosk"), 409: ("no_kiosk", "request_id_reused")},
)
def reprint(c: Call, id: str) -> dict:
    """Print a ticket again: emits `ticket.reprint` for the kiosk that printed it.

    `kiosk` picks another kiosk; without it the ticket's own kiosk, else (a ticket a
    counter issued) the asking counter's `print_kiosk`, else the first configured.
    409 `no_kiosk`: no kiosk is configured. With `request_id`, the same request sent
    again by the same caller that day prints nothing more and gets the first answer
    (409 `request_id_reused` when that id asked for something else).
    """
    p = c.who
    assert p is not None
    rid = request_id(c.body)
    caller = p.counter if p.kind == "counter" else p.name
    request = RequestKey(f"reprint:{p.kind}:{caller}", rid) if rid else None
    return service().reprint(_ticket_id(id), c.body.get("kiosk"), _print_kiosk(p), request)


# --- counters ------------------------------------------------------------------------


@bp.post("/counters/<n>/next")
@endpoint(
    COUNTER,
    body=ACTION_BODY,
    counter_path=True,
    answer=Answer(
        {
            "title": "NextResult",
            "type": "object",
            "properties": {"ticket": NULLABLE_TICKET, "finished": NULLABLE_TICKET},
        }
    ),
    refuses={409: ("counter_paused", "request_id_reused")},
)
def counter_next(c: Call, number: int) -> dict:
    """Finish the current ticket (done) and call the next.

    The next is the earliest-issued waiting priority ticket of the counter's
    services, else the earliest-issued ordinary one; ties by lower id. `ticket` is
    null when none waits.

    Every counter action takes an optional `request_id`: the same id for the same
    counter on the same business day answers what the first request answered and
    does nothing again (a keypad or console that lost the answer retries safely);
    409 `request_id_reused` when that id was used for another action.
    """
    return service().next(number, request_id(c.body))


@bp.post("/counters/<n>/recall")
@endpoint(COUNTER, body=ACTION_BODY, counter_path=True, answer=TICKET_ANSWER, refuses=NO_CURRENT)
def counter_recall(c: Call, number: int) -> dict:
    """Announce the current ticket again: `calls` + 1; it stays current."""
    return service().recall(number, request_id(c.body))


@bp.post("/counters/<n>/done")
@endpoint(COUNTER, body=ACTION_BODY, counter_path=True, answer=TICKET_ANSWER, refuses=NO_CURRENT)
def counter_done(c: Call, number: int) -> dict:
    """The current ticket → done."""
    return service().done(number, request_id(c.body))


@bp.post("/counters/<n>/no-show")
@endpoint(COUNTER, body=ACTION_BODY, counter_path=True, answer=TICKET_ANSWER, refuses=NO_CURRENT)
def counter_no_show(c: Call, number: int) -> dict:
    """The current ticket → no_show (called back later by code)."""
    return service().no_show(number, request_id(c.body))


@bp.post("/counters/<n>/hold")
@endpoint(COUNTER, body=ACTION_BODY, counter_path=True, answer=TICKET_ANSWER, refuses=NO_CURRENT)
def counter_hold(c: Call, number: int) -> dict:
    """The current ticket → held: the citizen completes the dossier; called back by code."""
    return service().hold(number, request_id(c.body))


@bp.post("/counters/<n>/transfer")
@endpoint(
    COUNTER,
    body={
        "service": Field(str, required=True, description="the field's id", example="ho-tich"),
        "request_id": REQUEST_ID,
    },
    counter_path=True,
    answer=TICKET_ANSWER,
    refuses={
        404: ("unknown_service",),
        409: ("no_current_ticket", "same_service", "request_id_reused"),
    },
)
def counter_transfer(c: Call, number: int) -> dict:
    """The current ticket → waiting in another field.

    It keeps its id, code and issue time (so its place in the calling order); the
    counter is left with no current ticket.
    """
    return service().transfer(number, c.body["service"], request_id(c.body))


@bp.post("/counters/<n>/call")
@endpoint(
    COUNTER,
    body={
        "code": Field(str, required=True, max_length=20, example="A015"),
        "service": Field(str, description="picks one when two fields share a prefix"),
        "request_id": REQUEST_ID,
    },
    counter_path=True,
    answer=TICKET_ANSWER,
    refuses={
        404: ("unknown_ticket",),
        409: ("counter_paused", "ambiguous_code", "not_callable", "request_id_reused"),
    },
)
def counter_call(c: Call, number: int) -> dict:
    """Call a ticket of today by its code, after finishing the current one.

    Callable: waiting, held and no_show tickets of the counter's fields. The code is
    matched exactly (any case, spaces ignored); when no ticket has exactly that code,
    by its letters and number without leading zeros ("a5" calls A005). Two tickets
    matching: 409 `ambiguous_code` (`service` picks one).
    """
    code = c.body["code"]
    if not "".join(code.split()):
        raise ApiError(400, "invalid_request", "field 'code' is empty")
    return service().call(number, code, c.body.get("service"), request_id(c.body))


@bp.get("/counters/<n>/callable")
@endpoint(
    COUNTER,
    counter_path=True,
    query={
        "code": Param(str, "what the clerk typed so far, e.g. a5", max_length=20),
        "limit": Param(int, "at most this many", default=8, minimum=1, maximum=50),
    },
    answer=Answer(
        {"type": "object", "properties": {"tickets": {"type": "array", "items": TICKET_SCHEMA}}}
    ),
)
def counter_callable(c: Call, number: int) -> dict:
    """Today's tickets counter N may call by code whose code is near `code`: suggestions.

    Waiting, held and no_show tickets of the counter's fields, nearest first: the
    same code (leading zeros and case aside), then one slip away (a digit added, left
    out, changed or swapped; another letter; the letters left out); among equals held,
    then no_show, then waiting. Without `code`: the held and no_show ones, latest call
    first.
    """
    return {"tickets": service().callable(number, c.query.get("code", ""), c.query["limit"])}


@bp.get("/counters/<n>/tickets")
@endpoint(
    COUNTER,
    counter_path=True,
    query={
        "status": Param(
            list,
            "the statuses to list",
            choices=TICKET_STATUSES,
            default=("held", "no_show"),
        )
    },
    answer=Answer(
        {"type": "object", "properties": {"tickets": {"type": "array", "items": TICKET_SCHEMA}}}
    ),
)
def counter_tickets(c: Call, number: int) -> dict:
    """Today's tickets whose last counter is N in the given statuses, latest call first.

    For calling back by code the tickets the counter held or marked absent; at most 200.
    """
    return {"tickets": service().counter_tickets(number, list(c.query["status"]))}


@bp.post("/counters/<n>/pause")
@endpoint(
    COUNTER,
    body={
        "reason": Field(str, max_length=200, description="shown on the counter's screen"),
        "request_id": REQUEST_ID,
    },
    counter_path=True,
    answer=COUNTER_ANSWER,
    refuses={409: ("request_id_reused",)},
)
def counter_pause(c: Call, number: int) -> dict:
    """Stop calling; the current ticket stays. Pausing a paused counter changes nothing."""
    return service().pause(number, c.body.get("reason", ""), request_id(c.body))


@bp.post("/counters/<n>/resume")
@endpoint(
    COUNTER,
    body=ACTION_BODY,
    counter_path=True,
    answer=COUNTER_ANSWER,
    refuses={409: ("request_id_reused",)},
)
def counter_resume(c: Call, number: int) -> dict:
    """Call again. Resuming an open counter changes nothing."""
    return service().resume(number, request_id(c.body))
