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
import threading
from collections.abc import Iterator

from flask import Response, current_app, request

from counter_api.present import iso
from counter_api.service import QueueService
from counter_api.web.api import bp
from counter_api.web.errors import ApiError
from sothutu.config import Config

log = logging.getLogger(__name__)


#: Seconds between ``heartbeat`` events browser pages ask for (``?heartbeat=``): their
#: EventSource hides ``: ping`` comments, so a quiet but live stream needs a visible
#: event to be told from a dead one (a pulled cable sends nothing at all).
PAGE_HEARTBEAT_SECONDS = 5


def page_heartbeat(config: Config) -> int:
    """The heartbeat interval for pages: 5 s, or the ping interval when shorter."""
    return max(1, min(PAGE_HEARTBEAT_SECONDS, round(config.server.ping_seconds)))


class StreamSlots:
    """A counting limit on open streams (non-blocking)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open = 0
        self._lock = threading.Lock()

    @property
    def open(self) -> int:
        return self._open

    def take(self) -> bool:
        with self._lock:
            if self._open >= self.limit:
                return False
            self._open += 1
            return True

    def give(self) -> None:
        with self._lock:
            self._open -= 1


def _start_id(raw: str | None) -> int | None:
    if raw is None:
        return None
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 15:
        return None
    return int(raw)


def _heartbeat_seconds(raw: str | None) -> int | None:
    """The ``heartbeat`` query parameter: None when absent, else 1-60 (400 otherwise)."""
    if raw is None:
        return None
    raw = raw.strip()
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 60:
        return int(raw)
    raise ApiError(400, "invalid_request", "heartbeat must be a whole number of seconds, 1 to 60")


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
def events() -> Response:
    svc: QueueService = current_app.extensions["sothutu"]
    slots: StreamSlots = current_app.extensions["sothutu_streams"]
    last = _start_id(request.headers.get("Last-Event-ID") or request.args.get("lastEventId"))
    heartbeat = _heartbeat_seconds(request.args.get("heartbeat"))
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
