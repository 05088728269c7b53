"""GET /api/v1/events: server-sent events with snapshot, replay and pings.

``?heartbeat=S`` (1-60 seconds) replaces the ``: ping`` comments by a named
``heartbeat`` event (no ``id:``, data ``{"time": …}``) whenever S seconds (or the
ping interval, when shorter) pass without another event: a browser's EventSource
hides comments, so the browser display needs an event it can see to notice a
connection that died silently.

A stream thread holds no database connection while it waits: it sleeps on
the in-process bus and reads new events from the bus's ring (or the durable
log when it is far behind). Open streams are capped (``counter_api.web.slots``)
so the API always keeps worker threads of its own and one device never takes
them all: a stream without a key or console session has a cap per address and
may replay at most ``[server] replay_events`` events. A slot comes back the
moment its client leaves (``counter_api.web.link``).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator

from flask import Response, request

from counter_api.events import EventBus
from counter_api.present import iso
from counter_api.service import QueueService
from counter_api.web import auth
from counter_api.web.endpoint import PUBLIC, Answer, Call, api_blueprint, endpoint, service
from counter_api.web.errors import ApiError
from counter_api.web.link import NO_LINK, Link, link
from counter_api.web.params import Param
from counter_api.web.parts import parts
from counter_api.web.slots import RETRY_AFTER_SECONDS, Refused
from sothutu.config import Config

log = logging.getLogger(__name__)

bp = api_blueprint("events", __name__)

#: Seconds between ``heartbeat`` events browser pages ask for (``?heartbeat=``): their
#: EventSource hides ``: ping`` comments, so a quiet but live stream needs a visible
#: event to be told from a dead one (a pulled cable sends nothing at all).
PAGE_HEARTBEAT_SECONDS = 5

#: Events per write while replaying.
PAGE = 100
#: The next page is written once the client has taken all but this many bytes, so a
#: client that never reads holds about one page and this much, not the whole day.
UNSENT_LOW = 64 * 1024
#: A client that takes nothing for this long while the stream has more for it is dropped.
STALL_SECONDS = 30


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
    conn: Link = NO_LINK,
    replay_limit: int | None = None,
) -> Iterator[bytes]:
    """The bytes of one stream: retry hint, snapshot or replay, then live events.

    A replay is read in pages of ``PAGE`` events, each written only once the client
    has taken all but ``UNSENT_LOW`` bytes of the one before; a client that takes
    nothing for ``STALL_SECONDS`` is dropped. ``replay_limit`` bounds how far back a
    replay may start (further: a snapshot). The stream ends as soon as the client
    leaves (``conn``). When nothing happens for ``ping_seconds`` it sends ``: ping``,
    or a ``heartbeat`` event when ``heartbeat`` is set."""
    bus = svc.bus
    conn.on_gone(bus.wake)  # a waiting stream looks at ``conn.gone`` again at once
    yield b"retry: 2000\n\n"
    if last_event_id is not None and _replayable(svc, last_event_id, replay_limit):
        cursor = last_event_id
    else:
        snap = svc.snapshot()
        cursor = snap.id
        yield snap.sse()
    while not bus.closed and not conn.gone:
        events = svc.events_after(cursor, PAGE)
        if events:
            if not _taken(conn, bus):
                return
            if events[0].id != cursor + 1:  # the log was pruned under a slow reader
                snap = svc.snapshot()
                cursor = snap.id
                yield snap.sse()
                continue
            cursor = events[-1].id
            yield b"".join(e.sse() for e in events)
            continue
        if not bus.wait(cursor, ping_seconds, until=lambda: conn.gone):
            if bus.closed or conn.gone:
                return
            yield heartbeat_sse(svc) if heartbeat else b": ping\n\n"


def _replayable(svc: QueueService, last_event_id: int, replay_limit: int | None) -> bool:
    """Whether a replay after ``last_event_id`` is possible and within ``replay_limit``."""
    if replay_limit is not None and svc.bus.last_id - last_event_id > replay_limit:
        return False
    return svc.can_replay_from(last_event_id)


def _taken(conn: Link, bus: EventBus) -> bool:
    """Wait until the client has taken what was written, but for ``UNSENT_LOW`` bytes;
    False when it left, the server stops, or it took nothing for ``STALL_SECONDS``."""
    deadline = time.monotonic() + STALL_SECONDS
    while not conn.drained(UNSENT_LOW, 1.0):
        if conn.gone or bus.closed:
            return False
        if time.monotonic() >= deadline:
            log.info("dropping an event stream whose client took nothing for %d s", STALL_SECONDS)
            return False
    return True


def trusted_client() -> bool:
    """A valid bearer key or a clerk's console session: one of the clients that matter.

    A stream is public, so a wrong key is not refused here; it only counts as none."""
    p = parts()
    if request.headers.get("Authorization") is not None:
        try:
            auth.authenticate(p.keys)
        except ApiError:
            return False
        return True
    return p.console_viewer is not None and p.console_viewer()


@bp.get("/events")
@endpoint(
    PUBLIC,
    query={
        "Last-Event-ID": Param(
            int,
            "replay every event after this id from the durable log (not a number, older "
            "than the log keeps, or, without a key or console session, more than [server] "
            "replay_events behind: a fresh snapshot)",
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
    retry_after=(503,),
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

    Public, but capped: at most [server] max_streams at once, of which [server]
    reserved_streams only for a valid key, a clerk's console session or a program on
    the server's own machine; without those, at most [server] streams_per_address per
    source address, and a replay of at most [server] replay_events. A refused stream
    is 503 `too_many_streams` with `Retry-After`. A slot is free again the moment its
    client leaves.
    """
    svc = service()
    q = c.query
    last = q["Last-Event-ID"] if "Last-Event-ID" in q else q.get("lastEventId")
    heartbeat = q.get("heartbeat")
    try:
        slot = parts().streams.take(request.remote_addr or "?", trusted_client())
    except Refused as exc:
        raise ApiError(
            503, "too_many_streams", str(exc), {"Retry-After": str(RETRY_AFTER_SECONDS)}
        ) from None
    server = svc.config.server
    ping = server.ping_seconds
    if heartbeat is not None:
        ping = min(ping, heartbeat)
    replay_limit = server.replay_events if slot.anonymous else None
    resp = Response(
        event_stream(svc, last, ping, heartbeat is not None, link(), replay_limit),
        mimetype="text/event-stream",
    )
    # The server closes every response it started, also when the client left before the
    # first byte: the slot comes back then (a generator's finally would not run).
    resp.call_on_close(slot.give)
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Accel-Buffering"] = "no"
    return resp
