"""GET /api/v1/events: server-sent events with snapshot, replay and pings.

``?heartbeat=S`` (1-60 seconds) replaces the ``: ping`` comments by a named
``heartbeat`` event (no ``id:``, data ``{"time": …}``) whenever S seconds (or the
ping interval, when shorter) pass without another event: a browser's EventSource
hides comments, so the browser display needs an event it can see to notice a
connection that died silently.

A stream thread holds no database connection while it waits: it sleeps on
the in-process bus and reads new events from the bus's ring (or the durable
log when it is far behind). The number of open streams is capped so the API
always keeps worker threads of its own.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

from flask import Response

from counter_api.present import iso
from counter_api.service import QueueService
from counter_api.web.endpoint import PUBLIC, Answer, Call, api_blueprint, endpoint, service
from counter_api.web.errors import ApiError
from counter_api.web.params import Param
from counter_api.web.parts import parts
from sothutu.config import Config

log = logging.getLogger(__name__)

bp = api_blueprint("events", __name__)

#: Seconds between ``heartbeat`` events browser pages ask for (``?heartbeat=``): their
#: EventSource hides ``: ping`` comments, so a quiet but live stream needs a visible
#: event to be told from a dead one (a pulled cable sends nothing at all).
PAGE_HEARTBEAT_SECONDS = 5


def page_heartbeat(config: Config) -> int:
    """The heartbeat interval for pages: 5 s, or the ping interval when shorter."""
    return max(1, min(PAGE_HEARTBEAT_SECONDS, round(config.server.ping_seconds)))


def heartbeat_sse(svc: QueueService) -> bytes:
    """A ``heartbeat`` event: no id (the client's Last-Event-ID stays), the server's time."""
    data = json.dumps({"time": iso(svc.clock.now(), svc.tz)}, separators=(",", ":"))
    return f"event: heartbeat\ndata: {data}\n\n".encode()


def event_stream(
    svc: QueueService,
    last_event_id: int | None,
    ping_seconds: float,
    heartbeat: bool = False,
) -> Iterator[bytes]:
    """The bytes of one stream: retry hint, snapshot or replay, then live events.

    When nothing happens for ``ping_seconds`` it sends ``: ping``, or a ``heartbeat``
    event when ``heartbeat`` is set."""
    yield b"retry: 2000\n\n"
    if last_event_id is not None and svc.can_replay_from(last_event_id):
        cursor = last_event_id
    else:
        snap = svc.snapshot()
        cursor = snap.id
        yield snap.sse()
    bus = svc.bus
    while not bus.closed:
        events = svc.events_after(cursor)
        if events:
            if events[0].id != cursor + 1:  # the log was pruned under a slow reader
                snap = svc.snapshot()
                cursor = snap.id
                yield snap.sse()
                continue
            cursor = events[-1].id
            yield b"".join(e.sse() for e in events)
            continue
        if not bus.wait(cursor, ping_seconds) and not bus.closed:
            yield heartbeat_sse(svc) if heartbeat else b": ping\n\n"


@bp.get("/events")
@endpoint(
    PUBLIC,
    query={
        "Last-Event-ID": Param(
            int,
            "replay every event after this id from the durable log (not a number, or "
            "older than the log keeps: a fresh snapshot)",
            minimum=0,
            maximum=10**15 - 1,
            header=True,
            lenient=True,
        ),
        "lastEventId": Param(
            int,
            "as Last-Event-ID, for clients that cannot set headers; the header wins",
            minimum=0,
            maximum=10**15 - 1,
            lenient=True,
        ),
        "heartbeat": Param(
            int,
            "seconds between `heartbeat` events while the stream is quiet; "
            "absent: `: ping` comments",
            minimum=1,
            maximum=60,
        ),
    },
    answer=Answer({"type": "string"}, description="the stream", media="text/event-stream"),
    refuses={503: ("too_many_streams",)},
)
def events(c: Call) -> Response:
    """Server-sent events: a snapshot or the replay, then live events.

    Without Last-Event-ID the first event is `snapshot` (the /state body, id = its
    last_event_id); with Last-Event-ID: K every event after K is replayed from the
    durable log, then live events follow. Types: ticket.issued, ticket.called,
    ticket.recalled, ticket.done, ticket.no_show, ticket.held, ticket.transferred,
    ticket.expired, counter.paused, counter.resumed, day.rollover, kiosk.status,
    ticket.reprint, rating.recorded, checklist.print (data: procedure {code, name},
    kiosk, counter). `: ping` at least every 15 s; with `?heartbeat=S` a
    `heartbeat` event (no id, data `{"time"}`) instead, whenever S seconds (or the
    ping interval, when shorter) pass without another event: browsers' EventSource
    hides comments, so a page can see that the stream lives. Data of each type:
    docs/api.md.
    """
    svc = service()
    slots = parts().streams
    q = c.query
    last = q["Last-Event-ID"] if "Last-Event-ID" in q else q.get("lastEventId")
    heartbeat = q.get("heartbeat")
    if not slots.take():
        raise ApiError(503, "too_many_streams", f"at most {slots.limit} event streams at once")
    ping = svc.config.server.ping_seconds
    if heartbeat is not None:
        ping = min(ping, heartbeat)

    def generate() -> Iterator[bytes]:
        try:
            yield from event_stream(svc, last, ping, heartbeat is not None)
        finally:
            slots.give()

    resp = Response(generate(), mimetype="text/event-stream")
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Accel-Buffering"] = "no"
    return resp
