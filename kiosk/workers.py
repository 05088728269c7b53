"""The kiosk's blocking work, on threads that post messages back to the loop.

- ``Issuer``: one thread per ticket request (at most one at a time, by the
  state rules): POST /api/v1/tickets, then hands the ticket to the printer.
- ``PrintWorker``: one thread that prints tickets and documents checklists in
  order (new ones and reprints) and asks an idle printer its status now and then.
- ``StatusReporter``: sends the printer status to POST /api/v1/kiosks/status,
  retrying until the server has it.
- ``ServerMonitor``: polls /api/v1/services; says when the server comes or goes,
  and its opening hours (the start screen shows "closed" before anyone taps).
- ``EventFeed``: follows the event stream for waiting counts, reprints and
  checklists a clerk sends to this kiosk.
- ``Librarian``: asks the procedure catalogue (fields' counts, searches, one
  procedure) on one thread; of several searches waiting, only the newest is sent.

None of them touches the state or the screen: they call ``post(message)``.
The ones with a thread of their own are ``sothutu.worker.Worker``s: the same
start, and a stop that wakes the thread and waits for it.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from kiosk import state as st
from kiosk import words
from kiosk.checklist import checklist_image
from kiosk.cursor import EventCursor
from kiosk.lookup import Catalogue, Hit
from kiosk.printer import Printer, PrinterFault, build_job
from kiosk.ticket import Header, ticket_image
from sothutu.client import (
    KIOSK_HEARTBEAT_SECONDS,
    ApiClient,
    ClientError,
    EventStream,
    StreamEvent,
    Unreachable,
)
from sothutu.worker import Worker

log = logging.getLogger(__name__)

Post = Callable[[Any], None]

REFUSALS = {"closed": "closed", "daily_limit_reached": "limit"}


@dataclass(frozen=True)
class Report:
    """What the kiosk tells the server: its printer, a message, unprinted ticket ids."""

    printer: str
    message: str
    unprinted: tuple[int, ...] = ()


@dataclass(frozen=True)
class PrintJob:
    ticket: Mapping[str, Any]
    reprint: bool = False


@dataclass(frozen=True)
class ChecklistJob:
    """A procedure's documents checklist (its API JSON); ``remote`` when a clerk sent it."""

    procedure: Mapping[str, Any]
    sample: bool = False
    remote: bool = False


class PrintWorker(Worker):
    """Prints jobs one after another on its own thread; posts ``Printed``. An idle
    printer is asked its status every ``probe_seconds``, and every
    ``FAULT_PROBE_SECONDS`` while it is out of paper or offline, so the start screen
    stops warning soon after the paper is changed."""

    join_seconds = 5.0  # a job being printed finishes first
    FAULT_PROBE_SECONDS = 5.0

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
        self.jobs: queue.Queue[PrintJob | ChecklistJob | None] = queue.Queue()
        super().__init__("printer")

    def put(self, job: PrintJob | ChecklistJob) -> None:
        self.jobs.put(job)

    def _interrupt(self) -> None:
        self.jobs.put(None)  # after the jobs already queued

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

    def print_checklist(self, job: ChecklistJob) -> str:
        """Render and print one checklist now (this thread); returns the status."""
        today = datetime.now(ZoneInfo(self.header.timezone)).date()
        rendered = checklist_image(
            job.procedure, self.header, self.width, sample=job.sample, today=today
        )
        for problem in rendered.overflows:
            log.warning("checklist text does not fit: %s", problem)
        code = str(job.procedure.get("code", ""))
        try:
            status = self.printer.send(
                build_job(rendered.image, self.printer.profile), rendered.image, f"thu-tuc-{code}"
            )
        except PrinterFault as fault:
            log.error("checklist of %s not printed: %s", code, fault)
            return fault.status
        log.info("checklist of %s printed (%s)", code, "a clerk's" if job.remote else "kiosk")
        return status

    def _run(self) -> None:
        # Warm up (imports, fonts) so the first citizen's ticket is as fast as any.
        try:
            ticket_image({"code": "A000", "service_name": "x"}, self.header, self.width)
            build_job(
                ticket_image({"code": "0"}, self.header, self.width).image, self.printer.profile
            )
        except Exception:
            log.exception("warming up the ticket renderer failed")
        status = self.printer.probe()
        self.post(st.PrinterStatus(status))
        while True:
            timeout = self.probe_seconds if self.probe_seconds > 0 else None
            if timeout is not None and status in st.PRINTER_BROKEN:
                timeout = min(timeout, self.FAULT_PROBE_SECONDS)
            try:
                job = self.jobs.get(timeout=timeout)
            except queue.Empty:
                status = self.printer.probe()
                self.post(st.PrinterStatus(status))
                continue
            if job is None:
                return
            if isinstance(job, ChecklistJob):
                try:
                    status = self.print_checklist(job)
                except Exception:  # a bug must not stop the printer thread
                    log.exception("printing a checklist failed")
                    status = "offline"
                code = str(job.procedure.get("code", ""))
                self.post(st.ChecklistPrinted(code, status, remote=job.remote))
                continue
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
    """Requests tickets on worker threads. A request that gets no answer (refused
    while the server restarts, timed out, cut off, or a 5xx) is sent again with the
    same ``request_id``, 0.5 s then up to 4 s apart, for ``retry_seconds``: the server
    issues one ticket per request id, so a ticket it issued but whose answer was lost
    comes back instead of a second one. Then the kiosk gives up and says so."""

    def __init__(
        self,
        client: ApiClient,
        printer: PrintWorker,
        post: Post,
        retry_seconds: float = 20.0,
        *,
        backoff: float = 0.5,
        max_backoff: float = 4.0,
    ) -> None:
        self.client = client
        self.printer = printer
        self.post = post
        self.retry_seconds = retry_seconds
        self.backoff = backoff
        self.max_backoff = max_backoff

    def issue(self, service: str, priority: bool, procedure: str = "") -> threading.Thread:
        """Request a ticket for ``service``, or for ``procedure`` (a code: the server
        issues it in the procedure's field, and the ticket carries the procedure)."""
        t = threading.Thread(
            target=self._run, args=(service, priority, procedure), name="issue", daemon=True
        )
        t.start()
        return t

    def check_in(self, text: str) -> threading.Thread:
        """Request the ticket of a booking: its code, or its QR code's text."""
        t = threading.Thread(target=self._run_check_in, args=(text,), name="check-in", daemon=True)
        t.start()
        return t

    def _request(self, service: str, priority: bool, procedure: str, request_id: str) -> dict:
        if procedure:
            return self.client.issue_for_procedure(procedure, priority, request_id=request_id)
        return self.client.issue(service, priority, request_id=request_id)

    def _run_check_in(self, text: str) -> None:
        ticket = self._ask(
            "a booking", lambda rid: self.client.check_in(text, request_id=rid), booking=True
        )
        if ticket is None:
            return
        log.info("booking checked in: %s (id %s)", ticket.get("code"), ticket.get("id"))
        self.post(st.Issued(ticket))
        self.printer.put(PrintJob(ticket))

    def _run(self, service: str, priority: bool, procedure: str = "") -> None:
        ticket = self._ask(service, lambda rid: self._request(service, priority, procedure, rid))
        if ticket is None:
            return
        log.info("issued %s (id %s)", ticket.get("code"), ticket.get("id"))
        self.post(st.Issued(ticket))  # first, so the screen knows the code before Printed
        self.printer.put(PrintJob(ticket))

    def _ask(
        self, service: str, send: Callable[[str], dict], *, booking: bool = False
    ) -> dict | None:
        """The ticket ``send(request_id)`` asks for, or None after posting why there is
        none (a booking's refusal as ``BookingRefused``)."""
        request_id = uuid.uuid4().hex
        deadline = time.monotonic() + self.retry_seconds
        pause = self.backoff
        maybe_sent = False
        for tries in itertools.count(1):
            try:
                ticket = send(request_id)
                if tries > 1:
                    log.info("ticket request %s answered on try %d", request_id, tries)
                return ticket
            except ClientError as exc:
                if exc.status < 500:
                    log.warning("ticket for %s refused: %s", service, exc)
                    if booking and exc.code in words.BOOKING_REFUSED:
                        slot = (exc.details.get("booking") or {}).get("slot_start") or ""
                        opens = exc.details.get("opens_at") or ""
                        self.post(st.BookingRefused(exc.code, str(slot), str(opens)))
                    else:
                        self.post(st.IssueFailed(REFUSALS.get(exc.code, "error"), str(exc)))
                    return None
                problem: Exception = exc  # the server could not: asking again is safe
            except Unreachable as exc:
                maybe_sent = maybe_sent or exc.maybe_sent
                problem = exc
            if time.monotonic() + pause >= deadline:
                break
            log.warning(
                "ticket request for %s got no answer (%s); sending it again in %.1f s",
                service,
                problem,
                pause,
            )
            time.sleep(pause)  # then the same request: one ticket whatever happened
            pause = min(pause * 2, self.max_backoff)
        if maybe_sent:
            log.error(
                "ticket request for %s got no answer after %d tries (%s): the server may "
                "have issued a ticket that was not printed (request_id %s)",
                service,
                tries,
                problem,
                request_id,
            )
        else:
            log.warning("server unreachable: %s", problem)
        self.post(st.IssueFailed("unreachable", str(problem), maybe_sent=maybe_sent))
        return None


class StatusReporter(Worker):
    """Keeps the server told of the printer's status and the tickets it could not
    print (latest wins, retried), repeated every ``heartbeat`` seconds with this
    process's ``instance`` id so the server knows the kiosk still runs.

    When the server answers 409 ``kiosk_name_in_use`` (another kiosk runs under
    this name: a copied config), this one logs it, stops printing what clerks send
    to the name (``refused``), and keeps asking at each heartbeat: it takes the
    name over once the other one is gone.
    """

    def __init__(
        self,
        client: ApiClient,
        retry_seconds: float = 2.0,
        heartbeat: float = KIOSK_HEARTBEAT_SECONDS,
        instance: str | None = None,
    ) -> None:
        self.client = client
        self.retry_seconds = retry_seconds
        self.heartbeat = heartbeat
        self.instance = instance or uuid.uuid4().hex
        self.refused = threading.Event()
        self._wanted: Report | None = None
        self._sent: Report | None = None
        self._logged: Report | None = None
        self._wake = threading.Event()
        self._lock = threading.Lock()
        super().__init__("status")

    def _interrupt(self) -> None:
        self._wake.set()

    def report(self, printer: str, message: str, unprinted: Sequence[int] = ()) -> None:
        with self._lock:
            self._wanted = Report(printer, message, tuple(unprinted))
        self._wake.set()

    def resend(self) -> None:
        """The server came back: send again (it may have restarted)."""
        with self._lock:
            self._sent = None
        self._wake.set()

    @property
    def sent(self) -> Report | None:
        return self._sent

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._wake.wait(self.heartbeat):
                self.resend()  # a heartbeat: the same status again
            self._wake.clear()
            while not self._stop.is_set():
                with self._lock:
                    wanted = self._wanted
                if wanted is None or wanted == self._sent:
                    break
                try:
                    self.client.kiosk_status(
                        wanted.printer, wanted.message, wanted.unprinted, self.instance
                    )
                except Unreachable:
                    if self._stop.wait(self.retry_seconds):
                        return
                    continue
                except ClientError as exc:
                    self._sent = wanted
                    if exc.code == "kiosk_name_in_use":
                        self._refused(exc)
                    else:
                        log.error("the server refused the printer status: %s", exc)
                    break
                if self.refused.is_set():
                    self.refused.clear()
                    log.warning("the server accepts this kiosk again (the other one is gone)")
                if wanted != self._logged:
                    self._logged = wanted
                    log.info("printer status reported: %s %s", wanted.printer, wanted.message)
                self._sent = wanted

    def _refused(self, exc: ClientError) -> None:
        if not self.refused.is_set():
            log.error(
                "the server refuses this kiosk: %s. Until then this kiosk still issues "
                "tickets but does not print what clerks send to its name",
                exc.message,
            )
        self.refused.set()


class ServerMonitor(Worker):
    """Polls /services: every ``down_seconds`` while down, ``up_seconds`` while up.
    Posts ``ServerStatus`` when it changes (or after ``poke``), and the ``Hours`` of
    every answer (the state ignores hours that did not change). Waiting counts come
    from the event stream, in order, not from here."""

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
        super().__init__("health")

    def _interrupt(self) -> None:
        self._wake.set()

    def poke(self) -> None:
        """Check now and post the result even when unchanged."""
        self._last = None
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            answer: Any = None
            try:
                answer = self.client.get("/api/v1/services")
                up = True
            except (Unreachable, ClientError):
                up = False
            if isinstance(answer, dict) and isinstance(answer.get("hours"), dict):
                # before the server's coming back: a closed kiosk never shows fields
                self.post(st.Hours(answer["hours"]))
            if up != self._last:
                self._last = up
                self.post(st.ServerStatus(up))
                if up and self.on_up is not None:
                    self.on_up()
            self._wake.wait(self.up_seconds if up else self.down_seconds)
            self._wake.clear()


class EventFeed:
    """Waiting counts, and this kiosk's reprints and checklists, from the event stream.

    With a ``cursor`` the feed starts after the last event the kiosk saw before it
    was stopped, so what clerks sent it meanwhile is printed now; on that first
    connection it reads ``/api/v1/state`` for the waiting counts (a resumed stream
    has no snapshot) and the server's business day, and skips replayed reprints and
    checklists of another day.
    """

    def __init__(
        self,
        base_url: str,
        kiosk_name: str,
        post: Post,
        printer: PrintWorker,
        on_status: Callable[[bool], None] | None = None,
        on_checklist: Callable[[str], None] | None = None,
        cursor: EventCursor | None = None,
        refused: threading.Event | None = None,
        source: str | None = None,
        key: str | None = None,
    ) -> None:
        self.kiosk_name = kiosk_name
        self.post = post
        self.printer = printer
        self.on_checklist = on_checklist
        self.on_status = on_status
        self.cursor = cursor
        resume = cursor.load() if cursor is not None else None
        #: (server's business day, last event id it had) once a resumed stream connected
        self._resumed: tuple[str, int] | None = None
        self._resuming = resume is not None
        self._client = ApiClient(base_url, timeout=5.0, source=source)
        if resume is not None:
            log.info("following events after %s (the last one seen before the stop)", resume)
        # with its key the kiosk keeps a stream (and its whole replay) when displays and
        # phones without one fill theirs: a reprint must not be lost
        self.stream = EventStream(
            base_url,
            self._on_event,
            self._status,
            last_event_id=resume,
            source=source,
            key=key,
        )
        #: set while the server refuses this kiosk its name (another kiosk has it):
        #: what clerks send to the name is that kiosk's to print
        self.refused = refused or threading.Event()

    def start(self) -> EventFeed:
        self.stream.start()
        return self

    def stop(self) -> None:
        self.stream.stop()
        if self.cursor is not None:
            self.cursor.flush()

    def _status(self, connected: bool) -> None:
        if connected and self._resuming:
            self._resuming = False
            try:
                state = self._client.state()
                self._resumed = (str(state["business_date"]), int(state["last_event_id"]))
                counts = {s["id"]: s["waiting"] for s in state.get("services", []) if "id" in s}
                self.post(st.Waiting(counts))
            except (Unreachable, ClientError, KeyError, TypeError, ValueError) as exc:
                log.warning("no state from the server (%s): replayed requests are all done", exc)
        if self.on_status is not None:
            self.on_status(connected)

    def _another_day(self, event: StreamEvent, data: Mapping[str, Any]) -> bool:
        """A replayed request of a business day before the server's current one."""
        if self._resumed is None or event.id is None or event.id > self._resumed[1]:
            return False
        day = data.get("business_date")
        if isinstance(day, str) and day != self._resumed[0]:
            log.info("%s of %s (%s) skipped: not today's", event.type, day, event.id)
            return True
        return False

    def _on_event(self, event: StreamEvent) -> None:
        data = event.data if isinstance(event.data, dict) else {}
        printed = False
        if event.type == "snapshot":
            counts = {s["id"]: s["waiting"] for s in data.get("services", []) if "id" in s}
            self.post(st.Waiting(counts))
        elif event.type in ("ticket.reprint", "checklist.print") and self.refused.is_set():
            if data.get("kiosk") == self.kiosk_name:
                log.warning("%s for %s left to the other kiosk of this name", event.type, data)
        elif event.type == "ticket.reprint":
            mine = data.get("kiosk") == self.kiosk_name and isinstance(data.get("ticket"), dict)
            if mine and not self._another_day(event, data):
                log.info("reprint of %s requested", data["ticket"].get("code"))
                self.printer.put(PrintJob(data["ticket"], reprint=True))
                printed = True
        elif event.type == "checklist.print":
            procedure = data.get("procedure")
            if (
                data.get("kiosk") == self.kiosk_name
                and isinstance(procedure, dict)
                and procedure.get("code")
                and self.on_checklist is not None
                and not self._another_day(event, data)
            ):
                log.info("checklist of %s requested by a clerk", procedure["code"])
                self.on_checklist(str(procedure["code"]))
                printed = True
        elif event.type.startswith("ticket.") and isinstance(data.get("waiting"), dict):
            self.post(st.Waiting(data["waiting"]))
        if self.cursor is not None and event.id is not None:
            self.cursor.note(event.id, now=printed)


class Librarian(Worker):
    """Asks the server's procedure catalogue on its own thread and posts the answers
    (``CatalogueInfo``, ``Found``, ``Loaded`` or ``LookupFailed``).

    A citizen typing fast may queue several searches: only the newest waiting one
    is sent. ``print_remote`` fetches a procedure a clerk chose and hands its
    checklist to the printer."""

    RESULTS = 200  # at most this many results in a list

    def __init__(self, client: ApiClient, post: Post, printer: PrintWorker | None = None) -> None:
        self.client = client
        self.post = post
        self.printer = printer
        self.catalogue_info: Catalogue | None = None
        self._jobs: deque[tuple[Any, ...]] = deque()
        self._cond = threading.Condition()
        super().__init__("catalogue")

    def _interrupt(self) -> None:
        with self._cond:
            self._cond.notify()

    def catalogue(self) -> None:
        self._put(("catalogue",))

    def search(self, seq: int, query: str, service: str = "") -> None:
        with self._cond:
            for job in [j for j in self._jobs if j[0] == "search"]:
                self._jobs.remove(job)  # superseded by this newer search
            self._jobs.append(("search", seq, query, service))
            self._cond.notify()

    def procedure(self, code: str) -> None:
        self._put(("procedure", code))

    def print_remote(self, code: str) -> None:
        self._put(("print", code))

    def _put(self, job: tuple[Any, ...]) -> None:
        with self._cond:
            self._jobs.append(job)
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._jobs and not self._stop.is_set():
                    self._cond.wait()
                if self._stop.is_set():
                    return
                job = self._jobs.popleft()
            try:
                self._do(job)
            except Unreachable as exc:
                log.warning("catalogue %s: server unreachable: %s", job[0], exc)
                if job[0] != "print":
                    self.post(st.LookupFailed("unreachable", str(exc)))
            except ClientError as exc:
                log.warning("catalogue %s refused: %s", job[0], exc)
                if job[0] != "print":
                    self.post(st.LookupFailed("error", str(exc)))
            except Exception:  # a bug must not stop the thread
                log.exception("catalogue %s failed", job[0])
                if job[0] != "print":
                    self.post(st.LookupFailed("error", "internal"))

    def _do(self, job: tuple[Any, ...]) -> None:
        kind = job[0]
        if kind == "catalogue":
            self.post(st.CatalogueInfo(self._catalogue(self.client.procedures(limit=1))))
        elif kind == "search":
            _, seq, query, service = job
            answer = self.client.procedures(query, service or None, limit=self.RESULTS)
            hits = tuple(Hit.of(h) for h in answer.get("procedures", []))
            catalogue = self._catalogue(answer)
            self.post(st.Found(seq, hits, len(hits), query, service, catalogue))
        elif kind == "procedure":
            code = job[1]
            self.post(st.Loaded(code, self.client.procedure(code)))
        elif kind == "print":
            procedure = self.client.procedure(job[1])
            if self.catalogue_info is None:
                self._catalogue(self.client.procedures(limit=1))
            sample = bool(self.catalogue_info and self.catalogue_info.sample)
            if self.printer is not None:
                self.printer.put(ChecklistJob(procedure, sample=sample, remote=True))

    def _catalogue(self, answer: Mapping[str, Any]) -> Catalogue:
        self.catalogue_info = Catalogue.of(answer)
        return self.catalogue_info


def wait_until(predicate: Callable[[], bool], timeout: float, step: float = 0.01) -> bool:
    """Poll ``predicate`` until true or ``timeout`` (tools and tests)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
