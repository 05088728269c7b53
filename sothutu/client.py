"""A small client of the LAN API and its event stream, shared by the devices.

Standard library only (``http.client``), so the kiosk, the display and the
keypads load no web framework. ``ApiClient`` makes one JSON request per call
with a timeout; ``EventStream`` follows ``/api/v1/events`` on a worker
thread, reconnecting with back-off and resuming with ``Last-Event-ID``.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import random
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sothutu.worker import Worker

log = logging.getLogger(__name__)


#: A kiosk repeats its status this often, so the server knows it still runs (the server
#: lets another kiosk take its name after three missed heartbeats).
KIOSK_HEARTBEAT_SECONDS = 20.0


class ClientError(Exception):
    """The server answered with an error: ``status`` and the API's ``code``;
    ``details`` holds the error object's other keys (a booking's ``opens_at``…)."""

    def __init__(
        self, status: int, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = dict(details or {})


class Unreachable(Exception):
    """No answer from the server (refused, timed out, cut off, not our server).

    ``maybe_sent`` is False when the connection itself failed, so the server
    cannot have acted on the request; True when it may have (a write that
    timed out may have issued a ticket: do not blindly repeat it).
    """

    def __init__(self, message: str, maybe_sent: bool = True) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent


def _split(base_url: str) -> tuple[str, str, int, str]:
    parts = urllib.parse.urlsplit(base_url.rstrip("/"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {base_url!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, parts.hostname, port, parts.path


def _connection(
    scheme: str, host: str, port: int, timeout: float, source: str | None = None
) -> http.client.HTTPConnection:
    cls = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
    return cls(host, port, timeout=timeout, source_address=(source, 0) if source else None)


class ApiClient:
    """JSON requests to the queue server with an optional bearer key.

    ``source``: the local address to connect from (a machine with several; the
    tests play several devices of the LAN on loopback addresses such as 127.0.0.5).
    """

    def __init__(
        self,
        base_url: str,
        key: str | None = None,
        timeout: float = 5.0,
        *,
        source: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._scheme, self._host, self._port, self._prefix = _split(base_url)
        self.key = key
        self.timeout = timeout
        self.source = source

    def request(self, method: str, path: str, body: dict | None = None) -> Any:
        """One request; returns the decoded JSON answer or raises ``ClientError``
        (the server said no) or ``Unreachable`` (no usable answer)."""
        headers = {"Accept": "application/json", "Connection": "close"}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        payload = None
        if body is not None:
            payload = json.dumps(body, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        conn = _connection(self._scheme, self._host, self._port, self.timeout, self.source)
        try:
            conn.connect()
        except OSError as exc:
            conn.close()
            raise Unreachable(f"{self.base_url}: {exc or type(exc).__name__}", False) from None
        try:
            conn.request(method, self._prefix + path, body=payload, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            raise Unreachable(f"{self.base_url}: {exc or type(exc).__name__}") from None
        finally:
            conn.close()
        try:
            data = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError):
            raise Unreachable(
                f"{self.base_url}{path}: answer is not JSON ({resp.status})"
            ) from None
        if resp.status >= 400:
            err = (data or {}).get("error", {}) if isinstance(data, dict) else {}
            extra = {k: v for k, v in err.items() if k not in ("code", "message")}
            raise ClientError(resp.status, err.get("code", "error"), err.get("message", ""), extra)
        return data

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def post(self, path: str, body: dict | None = None) -> Any:
        return self.request("POST", path, body)

    # conveniences ----------------------------------------------------------------

    def health(self) -> dict:
        return self.get("/api/v1/health")

    def state(self) -> dict:
        return self.get("/api/v1/state")

    def services(self) -> list[dict]:
        return self.get("/api/v1/services")["services"]

    def ticket(self, ticket_id: int) -> dict:
        return self.get(f"/api/v1/tickets/{ticket_id}")

    def issue(self, service: str, priority: bool = False, **extra: Any) -> dict:
        return self.post("/api/v1/tickets", {"service": service, "priority": priority, **extra})

    def counter(self, number: int, action: str, body: dict | None = None) -> dict:
        """A counter action: next, recall, done, no-show, hold, transfer, call, pause, resume."""
        return self.post(f"/api/v1/counters/{number}/{action}", body)

    def kiosk_status(
        self,
        printer: str,
        message: str = "",
        unprinted: Sequence[int] | None = None,
        instance: str | None = None,
    ) -> dict:
        """Report the kiosk's printer, the tickets it could not print (ids) and the id of
        this kiosk process (the server refuses a second process under one kiosk name)."""
        body: dict[str, Any] = {"printer": printer, "message": message}
        if unprinted is not None:
            body["unprinted"] = list(unprinted)
        if instance:
            body["instance"] = instance
        return self.post("/api/v1/kiosks/status", body)

    # the procedure catalogue (tra cứu thủ tục) ------------------------------------------

    def procedures(self, q: str = "", service: str | None = None, limit: int | None = None) -> dict:
        """Search (``q``) or list (all, or one field's) procedures: the API's answer."""
        params = {k: v for k, v in (("q", q), ("service", service), ("limit", limit)) if v}
        query = urllib.parse.urlencode(params)
        return self.get("/api/v1/procedures" + (f"?{query}" if query else ""))

    def procedure(self, code: str) -> dict:
        """One procedure with its documents and checklist blocks."""
        return self.get(f"/api/v1/procedures/{urllib.parse.quote(code, safe='')}")

    def check_in(self, booking: str, **extra: Any) -> dict:
        """A ticket for a booking made on the province hub: its code or QR code's text."""
        return self.post("/api/v1/tickets", {"booking": booking, **extra})

    def issue_for_procedure(self, code: str, priority: bool = False, **extra: Any) -> dict:
        """A ticket in the procedure's field that carries the procedure."""
        return self.post("/api/v1/tickets", {"procedure": code, "priority": priority, **extra})


@dataclass(frozen=True)
class StreamEvent:
    """One server-sent event: ``id`` (None for none), ``type`` and decoded ``data``."""

    id: int | None
    type: str
    data: Any


class EventStream(Worker):
    """Follows the event stream on a daemon thread.

    ``on_event(event)`` is called for every event (first a ``snapshot``, or the
    replayed events after a reconnect); ``on_status(connected)`` when the
    connection comes or goes. A stream silent for ``idle_timeout`` seconds
    (the server pings at least every 15 s) counts as lost. Reconnects wait
    ``backoff`` seconds, doubling up to ``max_backoff``, with jitter; after a
    refusal (503) at least the server's ``Retry-After``, up to ``max_backoff``.
    A client with a ``key`` (a kiosk, a keypad) sends it: the server keeps
    stream slots for keyed clients and replays them all the log keeps.
    """

    def __init__(
        self,
        base_url: str,
        on_event: Callable[[StreamEvent], None],
        on_status: Callable[[bool], None] | None = None,
        *,
        last_event_id: int | None = None,
        idle_timeout: float = 35.0,
        backoff: float = 0.5,
        max_backoff: float = 10.0,
        key: str | None = None,
        source: str | None = None,
    ) -> None:
        super().__init__("event-stream")
        self.source = source
        self.base_url = base_url.rstrip("/")
        self._scheme, self._host, self._port, self._prefix = _split(base_url)
        self.on_event = on_event
        self.on_status = on_status
        self.last_event_id = last_event_id
        self.idle_timeout = idle_timeout
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.key = key
        self._retry_after = 0.0
        self.connected = False
        self._conn: http.client.HTTPConnection | None = None
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()

    def _interrupt(self) -> None:
        """Unblock a read in progress."""
        with self._lock:
            sock = self._sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _set_connected(self, value: bool) -> None:
        if value != self.connected:
            self.connected = value
            if self.on_status is not None:
                try:
                    self.on_status(value)
                except Exception:
                    log.exception("on_status failed")

    def _run(self) -> None:
        delay = self.backoff
        while not self._stop.is_set():
            got_events = False
            try:
                got_events = self._follow()
            except (OSError, http.client.HTTPException, ValueError) as exc:
                if not self._stop.is_set():
                    log.info("event stream lost: %s", exc or type(exc).__name__)
            finally:
                with self._lock:
                    if self._conn is not None:
                        self._conn.close()
                    if self._sock is not None:
                        with contextlib.suppress(OSError):
                            self._sock.close()
                    self._conn = self._sock = None
            self._set_connected(False)
            if got_events:
                delay = self.backoff
            wait = max(delay * random.uniform(0.8, 1.2), min(self._retry_after, self.max_backoff))
            self._retry_after = 0.0
            if self._stop.wait(wait):
                break
            delay = min(delay * 2, self.max_backoff)

    def _follow(self) -> bool:
        """Read one connection until it ends; True when events arrived on it."""
        conn = _connection(self._scheme, self._host, self._port, self.idle_timeout, self.source)
        conn.connect()
        with self._lock:
            # http.client drops conn.sock once a streamed response starts; keep it to
            # be able to cut a blocked read from stop().
            self._conn, self._sock = conn, conn.sock
        if self._stop.is_set():
            return False
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-store"}
        if self.last_event_id is not None:
            headers["Last-Event-ID"] = str(self.last_event_id)
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        conn.request("GET", self._prefix + "/api/v1/events", headers=headers)
        resp = conn.getresponse()
        if resp.status != 200 or not resp.getheader("Content-Type", "").startswith(
            "text/event-stream"
        ):
            retry = resp.getheader("Retry-After", "")
            if resp.status == 503 and retry.isdigit():
                self._retry_after = float(retry)
            raise ValueError(f"event stream answered {resp.status}")
        self._set_connected(True)
        got = False
        event_type, data_lines, event_id = "message", [], None
        while not self._stop.is_set():
            line = resp.fp.readline(1 << 20)
            if not line:
                return got  # the server closed the stream
            text = line.decode("utf-8").rstrip("\r\n")
            if text == "":
                if data_lines:
                    if event_id is not None:
                        self.last_event_id = event_id
                    self._dispatch(event_id, event_type, "\n".join(data_lines))
                    got = True
                event_type, data_lines, event_id = "message", [], None
                continue
            if text.startswith(":"):
                continue
            name, _, value = text.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                data_lines.append(value)
            elif name == "event":
                event_type = value
            elif name == "id" and value.isdigit():
                event_id = int(value)
        return got

    def _dispatch(self, event_id: int | None, event_type: str, data: str) -> None:
        try:
            decoded = json.loads(data)
        except ValueError:
            decoded = data
        try:
            self.on_event(StreamEvent(event_id, event_type, decoded))
        except Exception:
            log.exception("on_event failed for %s", event_type)


def wait_for_server(client: ApiClient, timeout: float) -> bool:
    """Poll /health until it answers or ``timeout`` seconds pass (tools and tests)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            client.health()
            return True
        except (Unreachable, ClientError):
            time.sleep(0.1)
    return False
