"""The citizen's status page /t/ID (the QR code on the ticket) and its live stream.

The page shows one ticket: its state, the people ahead, the estimated wait,
the counter when called. It updates from ``/t/ID/events``, a stream that
carries this ticket only (never other citizens' tickets), sent again each
time it changes and closed once the ticket is done or expired. These streams
have their own cap (``[server] phone_streams``) so the phones of a full
waiting room never take the slots of displays, consoles and rating tablets.
Ticket ids are sequential and can be guessed, but a ticket holds nothing
personal: a code, a field and times.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, render_template

from counter_api.core.model import NotFound
from counter_api.procedures.catalogue import Catalogue
from counter_api.service import QueueService
from counter_api.web.bodies import path_id
from counter_api.web.endpoint import TICKET_ID, Answer, page
from counter_api.web.endpoint import service as _svc
from counter_api.web.errors import error_page
from counter_api.web.parts import parts
from counter_api.web.signed import page_headers
from counter_api.web.slots import StreamSlots

bp = Blueprint("status", __name__)

#: After these the ticket never changes again: the stream ends.
FINAL = ("done", "expired")


def _slots() -> StreamSlots:
    return parts().phone_streams


def public_view(
    svc: QueueService, ticket: dict[str, Any], catalogue: Catalogue | None = None
) -> dict[str, Any]:
    """What the page shows of a ticket: the ticket, its counter's name, the field it
    was transferred from, and the links below it: the procedure it was taken for
    (only while it still belongs to the ticket's field) and its field's procedures."""
    config = svc.config
    counter = config.counter(ticket["counter"]) if ticket.get("counter") else None
    moved_from = None
    if ticket.get("original_service") and ticket["original_service"] != ticket["service"]:
        original = config.service(ticket["original_service"])
        moved_from = original.name if original else ticket["original_service"]
    links: list[dict[str, str]] = []
    named = ticket.get("procedure")
    if catalogue is not None and named:
        procedure = catalogue.view().get(named["code"])
        if procedure is not None and procedure.service == ticket["service"]:
            links.append(
                {
                    "url": f"/thu-tuc/{quote(named['code'], safe='')}",
                    "text": f"Thủ tục: {named['name']} — giấy tờ cần mang theo",
                }
            )
    if catalogue is not None:
        links.append(
            {
                "url": f"/thu-tuc?service={quote(ticket['service'], safe='')}",
                "text": "Thủ tục và giấy tờ cần mang theo của lĩnh vực này",
            }
        )
    return {
        "ticket": ticket,
        "counter_name": counter.label if counter else None,
        "moved_from": moved_from,
        "links": links,
    }


#: /t/ID of no ticket (a mistyped address, a QR code of another server).
NO_TICKET = (
    "Không tìm thấy phiếu",
    "Không có phiếu số thứ tự nào ở địa chỉ này. Vui lòng quét lại mã QR trên phiếu, "
    "hoặc hỏi Quầy hướng dẫn.",
)


def _ticket_or_404(tid: str) -> tuple[int, dict[str, Any]]:
    ticket_id = path_id(tid)
    try:
        if ticket_id is None:
            raise NotFound("unknown_ticket", tid)
        return ticket_id, _svc().ticket(ticket_id)
    except NotFound:
        abort(error_page(404, *NO_TICKET))


def _catalogue() -> Catalogue | None:
    """The procedure catalogue, when the app serves its pages (/thu-tuc) to link to."""
    served = any(rule.rule == "/thu-tuc" for rule in current_app.url_map.iter_rules())
    return parts().catalogue if served else None


@bp.get("/t/<tid>")
@page(path={"tid": TICKET_ID})
def ticket_page(tid: str) -> Response:
    """A citizen's ticket (the QR code on it): its state, the people ahead, the wait.

    Public, like the ticket itself; it follows `/t/ID/events`.
    """
    _, ticket = _ticket_or_404(tid)
    svc = _svc()
    view = public_view(svc, ticket, _catalogue())
    resp = Response(
        render_template(
            "pages/status.html",
            t=ticket,
            view=view,
            centre=svc.config.centre.name,
        )
    )
    return page_headers(resp)


def ticket_stream(
    svc: QueueService,
    ticket_id: int,
    ping_seconds: float,
    catalogue: Catalogue | None = None,
) -> Iterator[bytes]:
    """``event: ticket`` each time the ticket's view changes; ends after a final state."""
    yield b"retry: 3000\n\n"
    bus = svc.bus
    last: str | None = None
    while not bus.closed:
        cursor = bus.last_id  # before reading: a change after this wakes the wait below
        view = json.dumps(
            public_view(svc, svc.ticket(ticket_id), catalogue),
            ensure_ascii=False,
            separators=(",", ":"),
        )
        if view != last:
            last = view
            yield f"event: ticket\ndata: {view}\n\n".encode()
        if json.loads(view)["ticket"]["status"] in FINAL:
            return
        if not bus.wait(cursor, ping_seconds) and not bus.closed:
            yield b": ping\n\n"


@bp.get("/t/<tid>/events")
@page(
    path={"tid": TICKET_ID},
    answer=Answer({"type": "string"}, description="the stream", media="text/event-stream"),
)
def events(tid: str) -> Response:
    """This one ticket's changes: `event: ticket` with data {"ticket", "counter_name",
    "moved_from", "links"}.

    Sent again each time it changes, closed once it is done or expired. Capped by
    [server] phone_streams apart from the API's streams (503 when full).
    """
    ticket_id, _ = _ticket_or_404(tid)
    svc = _svc()
    slots = _slots()
    if not slots.take():
        resp = Response("busy\n", status=503, mimetype="text/plain")
        resp.headers["Retry-After"] = "30"
        return resp

    resp = Response(
        ticket_stream(svc, ticket_id, svc.config.server.ping_seconds, _catalogue()),
        mimetype="text/event-stream",
    )
    # The server closes every response it started, also when the phone went away before
    # the first byte: the slot is given back then (a generator's finally would not run).
    resp.call_on_close(slots.give)
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Accel-Buffering"] = "no"
    return resp
