"""The kiosk's blocking work, on threads that post messages back to the loop.

- ``Issuer``: one thread per ticket request (at most one at a time, by the
  state rules): POST /api/v1/tickets, then hands the ticket to the printer.
- ``PrintWorker``: one thread that prints tickets in order (new ones and
  reprints) and asks an idle printer its status now and then.
- ``StatusReporter``: sends the printer status to POST /api/v1/kiosks/status,
  retrying until the server has it.
- ``ServerMonitor``: polls /api/v1/health; says when the server comes or goes.
- ``EventFeed``: follows the event stream for waiting counts and reprints.

None of them touches the state or the screen: they call ``post(message)``.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from counter_api.client import ApiClient, ClientError, EventStream, StreamEvent, Unreachable
from kiosk import state as st
from kiosk.printer import Printer, PrinterFault, build_job
from kiosk.ticket import Header, ticket_image

log = logging.getLogger(__name__)

Post = Callable[[Any], None]

REFUSALS = {"closed": "closed", "daily_limit_reached": "limit"}


@dataclass(frozen=True)
class PrintJob:
    ticket: Mapping[str, Any]
    reprint: bool = False


class PrintWorker:
    """Prints jobs one after another on its own thread; posts ``Printed``."""

    def __init__(
        self,
        printer: Printer,
        header: Header,
        width: int,
        post: Post,
        probe_seconds: float = 60.0,
    ) -> None:
        self.printer = printer
        self.header = header
        self.width = width
        self.post = post
        self.probe_seconds = probe_seconds
        self.jobs: queue.Queue[PrintJob | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="printer", daemon=True)

    def start(self) -> PrintWorker:
        self._thread.start()
        return self

    def put(self, job: PrintJob) -> None:
        self.jobs.put(job)

    def stop(self, timeout: float = 5.0) -> None:
        self.jobs.put(None)
        if self._thread.is_alive():
            self._thread.join(timeout)

    def print_ticket(self, ticket: Mapping[str, Any]) -> str:
        """Render and print one ticket now (this thread); returns the status."""
        rendered = ticket_image(ticket, self.header, self.width)
        for problem in rendered.overflows:
            log.warning("ticket text does not fit: %s", problem)
        job = build_job(rendered.image, self.printer.profile)
        name = f"{ticket.get('code', 'ticket')}-{ticket.get('id', 0)}"
        try:
            return self.printer.send(job, rendered.image, name)
        except PrinterFault as fault:
            log.error("ticket %s not printed: %s", ticket.get("code"), fault)
            return fault.status

    def _run(self) -> None:
        # Warm up (imports, fonts) so the first citizen's ticket is as fast as any.
        try:
            ticket_image({"code": "A000", "service_name": "x"}, self.header, self.width)
            build_job(
                ticket_image({"code": "0"}, self.header, self.width).image, self.printer.profile
            )
        except Exception:
            log.exception("warming up the ticket renderer failed")
        self.post(st.PrinterStatus(self.printer.probe()))
        while True:
            timeout = self.probe_seconds if self.probe_seconds > 0 else None
            try:
                job = self.jobs.get(timeout=timeout)
            except queue.Empty:
                self.post(st.PrinterStatus(self.printer.probe()))
                continue
            if job is None:
                return
            try:
                status = self.print_ticket(job.ticket)
            except Exception:  # a bug must not stop the printer thread
                log.exception("printing failed")
                status = "offline"
            self.post(
                st.Printed(
                    int(job.ticket.get("id", 0)),
                    status,
                    reprint=job.reprint,
                    code=str(job.ticket.get("code", "")),
                )
            )


class Issuer:
    """Requests tickets on worker threads; never retries a request by itself."""

    def __init__(self, client: ApiClient, printer: PrintWorker, post: Post) -> None:
        self.client = client
        self.printer = printer
        self.post = post

    def issue(self, service: str, priority: bool) -> threading.Thread:
        t = threading.Thread(target=self._run, args=(service, priority), name="issue", daemon=True)
        t.start()
        return t

    def _run(self, service: str, priority: bool) -> None:
        try:
            ticket = self.client.issue(service, priority)
        except ClientError as exc:
            log.warning("ticket for %s refused: %s", service, exc)
            self.post(st.IssueFailed(REFUSALS.get(exc.code, "error"), str(exc)))
            return
        except Unreachable as exc:
            if exc.maybe_sent:
                log.error(
                    "ticket request for %s got no answer (%s): the server may have issued "
                    "a ticket that was not printed; not retrying",
                    service,
                    exc,
                )
            else:
                log.warning("server unreachable: %s", exc)
            self.post(st.IssueFailed("unreachable", str(exc), maybe_sent=exc.maybe_sent))
            return
        log.info("issued %s (id %s)", ticket.get("code"), ticket.get("id"))
        self.post(st.Issued(ticket))  # first, so the screen knows the code before Printed
        self.printer.put(PrintJob(ticket))


class StatusReporter:
    """Keeps the server told of the printer's status (latest wins, retried)."""

    def __init__(self, client: ApiClient, retry_seconds: float = 2.0) -> None:
        self.client = client
        self.retry_seconds = retry_seconds
        self._wanted: tuple[str, str] | None = None
        self._sent: tuple[str, str] | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="status", daemon=True)

    def start(self) -> StatusReporter:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(2)

    def report(self, printer: str, message: str) -> None:
        with self._lock:
            self._wanted = (printer, message)
        self._wake.set()

    def resend(self) -> None:
        """The server came back: send again (it may have restarted)."""
        with self._lock:
            self._sent = None
        self._wake.set()

    @property
    def sent(self) -> tuple[str, str] | None:
        return self._sent

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
            while not self._stop.is_set():
                with self._lock:
                    wanted = self._wanted
                if wanted is None or wanted == self._sent:
                    break
                try:
                    self.client.kiosk_status(*wanted)
                    self._sent = wanted
                    log.info("printer status reported: %s %s", *wanted)
                except Unreachable:
                    if self._stop.wait(self.retry_seconds):
                        return
                except ClientError as exc:
                    log.error("the server refused the printer status: %s", exc)
                    self._sent = wanted
                    break


class ServerMonitor:
    """Polls /health: every ``down_seconds`` while down, ``up_seconds`` while up.
    Posts ``ServerStatus`` when it changes (or after ``poke``)."""

    def __init__(
        self,
        client: ApiClient,
        post: Post,
        up_seconds: float = 15.0,
        down_seconds: float = 2.0,
        on_up: Callable[[], None] | None = None,
    ) -> None:
        self.client = client
        self.post = post
        self.up_seconds = up_seconds
        self.down_seconds = down_seconds
        self.on_up = on_up
        self._last: bool | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="health", daemon=True)

    def start(self) -> ServerMonitor:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(2)

    def poke(self) -> None:
        """Check now and post the result even when unchanged."""
        self._last = None
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.client.health()
                up = True
            except (Unreachable, ClientError):
                up = False
            if up != self._last:
                self._last = up
                self.post(st.ServerStatus(up))
                if up and self.on_up is not None:
                    self.on_up()
            self._wake.wait(self.up_seconds if up else self.down_seconds)
            self._wake.clear()


class EventFeed:
    """Waiting counts and this kiosk's reprints from the event stream."""

    def __init__(
        self,
        base_url: str,
        kiosk_name: str,
        post: Post,
        printer: PrintWorker,
        on_status: Callable[[bool], None] | None = None,
    ) -> None:
        self.kiosk_name = kiosk_name
        self.post = post
        self.printer = printer
        self.stream = EventStream(base_url, self._on_event, on_status)

    def start(self) -> EventFeed:
        self.stream.start()
        return self

    def stop(self) -> None:
        self.stream.stop()

    def _on_event(self, event: StreamEvent) -> None:
        data = event.data if isinstance(event.data, dict) else {}
        if event.type == "snapshot":
            counts = {s["id"]: s["waiting"] for s in data.get("services", []) if "id" in s}
            self.post(st.Waiting(counts))
        elif event.type == "ticket.reprint":
            if data.get("kiosk") == self.kiosk_name and isinstance(data.get("ticket"), dict):
                log.info("reprint of %s requested", data["ticket"].get("code"))
                self.printer.put(PrintJob(data["ticket"], reprint=True))
        elif event.type.startswith("ticket.") and isinstance(data.get("waiting"), dict):
            self.post(st.Waiting(data["waiting"]))


def wait_until(predicate: Callable[[], bool], timeout: float, step: float = 0.01) -> bool:
    """Poll ``predicate`` until true or ``timeout`` (tools and tests)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
