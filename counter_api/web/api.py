"""The JSON API under /api/v1 (see shared/design/api.md): thin views over the service.

Each view declares who may call it and what body it takes; ``endpoint`` runs
the checks in the contract's order (413, 401, 403, 415/400, then the service
answers 404 and 409).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from counter_api import __version__
from counter_api.service import PRINTER_STATES, QueueService
from counter_api.web import auth
from counter_api.web.bodies import Field, check_size, parse_body, path_id
from counter_api.web.errors import ApiError

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC = None
ADMIN = frozenset({"admin"})
ISSUERS = frozenset({"admin", "kiosk"})
COUNTER = frozenset({"admin", "counter"})
KIOSK = frozenset({"admin", "kiosk"})
#: A guidance counter (Quầy hướng dẫn) may issue tickets on a citizen's behalf.
ISSUERS_OR_GUIDANCE = frozenset({"admin", "kiosk", "counter"})
#: Statuses GET /counters/N/tickets may filter on.
TICKET_STATUSES = ("waiting", "called", "done", "no_show", "held", "expired")


def service() -> QueueService:
    return current_app.extensions["sothutu"]


def keyring() -> auth.KeyRing:
    return current_app.extensions["sothutu_keys"]


@bp.before_request
def _size_first() -> None:
    check_size()


def endpoint(
    who: frozenset[str] | None,
    *,
    body: dict[str, Field] | None = None,
    counter_path: bool = False,
    allow: Callable[[auth.Principal], bool] | None = None,
) -> Callable:
    """Run the contract's checks, then call the view as ``view(principal, body, **path)``.

    ``allow`` narrows the rights of the kinds in ``who`` (checked with them, as 403).
    """

    def wrap(view: Callable[..., Any]) -> Callable[..., Response]:
        @functools.wraps(view)
        def run(**path: str) -> Any:
            principal = None
            if who is not None:
                principal = auth.authenticate(keyring())
                if principal.kind not in who or (allow is not None and not allow(principal)):
                    raise ApiError(403, "forbidden", f"a {principal.kind} may not do this")
                if counter_path:
                    number = path_id(path["n"])
                    if principal.kind == "counter" and not principal.may_act_for_counter(number):
                        raise ApiError(
                            403, "forbidden", "a counter may act on its own counter only"
                        )
            data = parse_body(body) if body is not None else {}
            if counter_path:
                number = path_id(path.pop("n"))
                if number is None or service().config.counter(number) is None:
                    raise ApiError(404, "unknown_counter", "no such counter")
                path["number"] = number  # type: ignore[assignment]
            result = view(principal, data, **path)
            return result if isinstance(result, Response | tuple) else jsonify(result)

        return run

    return wrap


# --- public ------------------------------------------------------------------------


@bp.get("/health")
@endpoint(PUBLIC)
def health(_p: Any, _b: Any) -> dict:
    svc = service()
    svc.today()
    now: datetime = svc.clock.now()
    return {
        "status": "ok",
        "time": now.astimezone(svc.tz).isoformat(timespec="seconds"),
        "version": __version__,
        "business_date": svc.today().isoformat(),
    }


@bp.get("/services")
@endpoint(PUBLIC)
def services(_p: Any, _b: Any) -> dict:
    svc = service()
    return {"services": svc.services(), "hours": svc.hours()}


@bp.get("/state")
@endpoint(PUBLIC)
def state(_p: Any, _b: Any) -> dict:
    return service().state()


@bp.get("/tickets/<tid>")
@endpoint(PUBLIC)
def get_ticket(_p: Any, _b: Any, tid: str) -> dict:
    ticket_id = path_id(tid)
    if ticket_id is None:
        raise ApiError(404, "unknown_ticket", "no such ticket")
    return service().ticket(ticket_id)


# --- kiosks ------------------------------------------------------------------------


@bp.post("/tickets")
@endpoint(
    ISSUERS_OR_GUIDANCE,
    allow=lambda p: p.kind != "counter" or p.guidance,
    body={"service": Field(str), "priority": Field(bool), "procedure": Field(str, max_length=60)},
)
def issue_ticket(p: auth.Principal, b: dict) -> tuple[Response, int]:
    from counter_api.web.procedures import ticket_procedure

    kiosk = p.name if p.kind == "kiosk" else None
    service_id, procedure = ticket_procedure(b.get("service"), b.get("procedure"))
    ticket = service().issue(
        service_id, bool(b.get("priority", False)), kiosk=kiosk, procedure=procedure
    )
    resp = jsonify(ticket)
    resp.headers["Location"] = f"/api/v1/tickets/{ticket['id']}"
    return resp, 201


@bp.post("/kiosks/status")
@endpoint(
    KIOSK,
    body={
        "printer": Field(str, required=True),
        "message": Field(str, max_length=500),
        "kiosk": Field(str),
    },
)
def kiosk_status(p: auth.Principal, b: dict) -> dict:
    if b["printer"] not in PRINTER_STATES:
        raise ApiError(
            400, "invalid_request", f"field 'printer' must be one of {', '.join(PRINTER_STATES)}"
        )
    if p.kind == "kiosk":
        name = p.name
    else:
        name = b.get("kiosk")
        if not name:
            raise ApiError(400, "invalid_request", "missing field 'kiosk' (the admin key names it)")
    return {"kiosk": service().kiosk_status(name, b["printer"], b.get("message", ""))}


@bp.post("/tickets/<tid>/reprint")
@endpoint(COUNTER, body={"kiosk": Field(str)})
def reprint(_p: auth.Principal, b: dict, tid: str) -> dict:
    ticket_id = path_id(tid)
    if ticket_id is None:
        raise ApiError(404, "unknown_ticket", "no such ticket")
    return service().reprint(ticket_id, b.get("kiosk"))


# --- counters ------------------------------------------------------------------------


@bp.post("/counters/<n>/next")
@endpoint(COUNTER, body={}, counter_path=True)
def counter_next(_p: Any, _b: Any, number: int) -> dict:
    return service().next(number)


@bp.post("/counters/<n>/recall")
@endpoint(COUNTER, body={}, counter_path=True)
def counter_recall(_p: Any, _b: Any, number: int) -> dict:
    return service().recall(number)


@bp.post("/counters/<n>/done")
@endpoint(COUNTER, body={}, counter_path=True)
def counter_done(_p: Any, _b: Any, number: int) -> dict:
    return service().done(number)


@bp.post("/counters/<n>/no-show")
@endpoint(COUNTER, body={}, counter_path=True)
def counter_no_show(_p: Any, _b: Any, number: int) -> dict:
    return service().no_show(number)


@bp.post("/counters/<n>/hold")
@endpoint(COUNTER, body={}, counter_path=True)
def counter_hold(_p: Any, _b: Any, number: int) -> dict:
    return service().hold(number)


@bp.post("/counters/<n>/transfer")
@endpoint(COUNTER, body={"service": Field(str, required=True)}, counter_path=True)
def counter_transfer(_p: Any, b: dict, number: int) -> dict:
    return service().transfer(number, b["service"])


@bp.post("/counters/<n>/call")
@endpoint(
    COUNTER,
    body={"code": Field(str, required=True, max_length=20), "service": Field(str)},
    counter_path=True,
)
def counter_call(_p: Any, b: dict, number: int) -> dict:
    code = b["code"].upper()
    if not code:
        raise ApiError(400, "invalid_request", "field 'code' is empty")
    return service().call(number, code, b.get("service"))


@bp.get("/counters/<n>/tickets")
@endpoint(COUNTER, counter_path=True)
def counter_tickets(_p: Any, _b: Any, number: int) -> dict:
    raw = request.args.get("status", "held,no_show")
    statuses = [s.strip() for s in raw.split(",") if s.strip()]
    bad = [s for s in statuses if s not in TICKET_STATUSES]
    if bad or not statuses:
        raise ApiError(
            400,
            "invalid_request",
            f"parameter 'status' takes a comma-separated list of {', '.join(TICKET_STATUSES)}",
        )
    return {"tickets": service().counter_tickets(number, statuses)}


@bp.post("/counters/<n>/pause")
@endpoint(COUNTER, body={"reason": Field(str, max_length=200)}, counter_path=True)
def counter_pause(_p: Any, b: dict, number: int) -> dict:
    return service().pause(number, b.get("reason", ""))


@bp.post("/counters/<n>/resume")
@endpoint(COUNTER, body={}, counter_path=True)
def counter_resume(_p: Any, _b: Any, number: int) -> dict:
    return service().resume(number)


@bp.get("/openapi.json")
@endpoint(PUBLIC)
def openapi(_p: Any, _b: Any) -> dict:
    from counter_api.web.openapi import document

    return document(request.host_url.rstrip("/"))
