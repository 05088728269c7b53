"""The kiosk's moving parts put together, shared by the touchscreen and headless loops.

``Controller`` owns the current ``KioskState``: it feeds messages to the pure
``state.update``, runs the effects it returns (issue a ticket, beep, ask the
procedure catalogue, print a checklist) and tells
the server about the printer when its status changes, with the codes of any
ticket that could not be printed, so no issued ticket is silently lost.

``Kiosk`` builds the workers from the config and starts and stops them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiosk import state as st
from kiosk import words
from kiosk.cursor import EventCursor
from kiosk.printer import Printer, Target, parse_connection, profile_info
from kiosk.ticket import Header
from kiosk.workers import (
    ChecklistJob,
    EventFeed,
    Issuer,
    Librarian,
    Post,
    PrintWorker,
    ServerMonitor,
    StatusReporter,
)
from sothutu.client import ApiClient
from sothutu.config import Config, ConfigError
from sothutu.hours import hours_text, parse_hours

log = logging.getLogger(__name__)

MAX_UNPRINTED = 10


class Controller:
    """Applies messages to the state and runs their effects."""

    def __init__(
        self,
        state: st.KioskState,
        *,
        issue: Callable[..., Any],
        beep: Callable[[], None] | None = None,
        report: Callable[[str, str, tuple[int, ...]], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        librarian: Librarian | None = None,
        print_checklist: Callable[[ChecklistJob], None] | None = None,
        server_doubt: Callable[[], None] | None = None,
        check_in: Callable[[str], Any] | None = None,
    ) -> None:
        self.state = state
        self.issue = issue
        self.check_in = check_in
        self.beep = beep
        self.report = report
        self.clock = clock
        self.librarian = librarian
        self.print_checklist = print_checklist
        self.server_doubt = server_doubt  # ask the server now (it vanished, or its hours)
        #: (id, code) of tickets issued here that did not print, oldest first
        self.unprinted: list[tuple[int, str]] = []
        self._reported: tuple[str, str, tuple[int, ...]] | None = None

    def handle(self, msg: st.Message) -> bool:
        """Apply one message; True when the state changed (redraw)."""
        old = self.state
        new, effects = st.update(old, msg, self.clock())
        self.state = new
        for effect in effects:
            self._run(effect)
        if isinstance(msg, st.Printed):
            self._printed(msg)
        unreachable = isinstance(msg, st.LookupFailed) and msg.reason == "unreachable"
        if unreachable and self.server_doubt is not None:
            self.server_doubt()
        if new.printer != old.printer or isinstance(
            msg, st.Printed | st.PrinterStatus | st.ChecklistPrinted
        ):
            self._report()
        if new.screen != old.screen:
            log.info("screen %s → %s", old.screen, new.screen)
        return new != old

    def _run(self, effect: st.Effect) -> None:
        lib = self.librarian
        if isinstance(effect, st.IssueTicket):
            if effect.procedure:
                self.issue(effect.service, effect.priority, effect.procedure)
            else:
                self.issue(effect.service, effect.priority)
        elif isinstance(effect, st.Beep):
            if self.beep is not None:
                self.beep()
        elif isinstance(effect, st.FetchCatalogue):
            if lib is not None:
                lib.catalogue()
        elif isinstance(effect, st.Search):
            if lib is not None:
                lib.search(effect.seq, effect.query, effect.service)
        elif isinstance(effect, st.FetchProcedure):
            if lib is not None:
                lib.procedure(effect.code)
        elif isinstance(effect, st.CheckIn):
            if self.check_in is not None:
                self.check_in(effect.text)
        elif isinstance(effect, st.CheckServer):
            if self.server_doubt is not None:
                self.server_doubt()
        elif isinstance(effect, st.PrintChecklist) and self.print_checklist is not None:
            sample = self.state.catalogue is not None and self.state.catalogue.sample
            self.print_checklist(ChecklistJob(effect.procedure, sample=sample))

    def tick(self) -> bool:
        return self.handle(st.Tick())

    def deadline(self) -> float | None:
        return st.next_deadline(self.state)

    def _printed(self, msg: st.Printed) -> None:
        """A ticket that did not print stays listed until it prints (a clerk's reprint);
        the server leaves out those finished meanwhile."""
        others = [u for u in self.unprinted if u[0] != msg.ticket_id]
        if msg.status in st.PRINTER_OK or not msg.code:
            self.unprinted = others
        else:
            self.unprinted = [*others, (msg.ticket_id, msg.code)][-MAX_UNPRINTED:]

    def _report(self) -> None:
        """Tell the server the printer's state and which tickets did not print (by id:
        clerks get a reprint button for each)."""
        status = self.state.printer
        if self.report is None or status == "unknown":
            return
        message = words.PRINTER_MESSAGES.get(status, "")
        ids = tuple(tid for tid, _ in self.unprinted)
        if (status, message, ids) != self._reported:
            self._reported = (status, message, ids)
            self.report(status, message, ids)


@dataclass(frozen=True)
class Setup:
    """What the kiosk needs from the config, checked."""

    kiosk_name: str
    key: str
    target: Target
    header: Header
    fields: tuple[st.Field, ...]
    hours_text: str


def setup(config: Config) -> Setup:
    """Check the kiosk's parts of the config; ``ConfigError`` names the key."""
    if not config.kiosks:
        raise ConfigError("kiosks: no [[kiosks]] entry; the kiosk needs a name and a key")
    name = config.kiosk.name or config.kiosks[0].name
    entry = next(k for k in config.kiosks if k.name == name)
    try:
        target = parse_connection(config.printer.connection, config.path.parent)
    except ValueError as exc:
        raise ConfigError(f"printer.connection: {exc}") from None
    try:
        dots, _ = profile_info(config.printer.profile)
    except ValueError as exc:
        raise ConfigError(f"printer.profile: {exc}") from None
    if dots is not None and config.printer.width > dots:
        raise ConfigError(
            f"printer.width: {config.printer.width} dots is wider than profile "
            f"{config.printer.profile!r} prints ({dots}); use a matching profile or width"
        )
    header = Header(
        authority=config.centre.authority,
        centre=config.centre.name,
        phone_url=config.server.phone_url(),
        timezone=config.centre.timezone,
    )
    fields = tuple(st.Field(s.id, s.name, s.prefix) for s in config.services)
    hours = hours_text([parse_hours(w) for w in config.centre.hours])
    return Setup(name, entry.key, target, header, fields, hours)


def timing(config: Config, headless: bool) -> st.Timing:
    k = config.kiosk
    if headless:  # no screen to read: straight back to waiting for a press
        return st.Timing(idle=k.idle_seconds, done=0, fault=0, message=0, tap_guard=0, fault_min=0)
    return st.Timing(
        idle=k.idle_seconds,
        done=k.done_seconds,
        fault=k.fault_seconds,
        message=k.message_seconds,
        tap_guard=k.tap_guard_seconds,
        fault_min=min(5.0, k.fault_seconds),
        issuing_limit=k.retry_seconds + k.request_timeout + 4 * config.printer.timeout + 10,
        lookup_idle=k.lookup_idle_seconds,
    )


class Kiosk:
    """The controller plus its workers, built from the config."""

    def __init__(
        self,
        config: Config,
        post: Post,
        *,
        headless: bool = False,
        beep: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        source: str | None = None,
        keyboard: str | None = None,
    ) -> None:
        """``source``: the local address to reach the server from (see ``ApiClient``);
        ``keyboard`` overrides ``[kiosk] keyboard`` (the screen decides: see
        ``kiosk.panel``)."""
        self.config = config
        self.setup = s = setup(config)
        url = config.server.client_url()
        self.client = ApiClient(url, s.key, timeout=config.kiosk.request_timeout, source=source)
        self.printer = Printer(
            s.target,
            profile=config.printer.profile,
            timeout=config.printer.timeout,
            paper_status=config.printer.paper_status,
        )
        self.print_worker = PrintWorker(
            self.printer, s.header, config.printer.width, post, config.printer.probe_seconds
        )
        self.issuer = Issuer(self.client, self.print_worker, post, config.kiosk.retry_seconds)
        self.librarian = Librarian(
            ApiClient(url, timeout=config.kiosk.request_timeout, source=source),
            post,
            self.print_worker,
        )
        self.reporter = StatusReporter(ApiClient(url, s.key, timeout=5.0, source=source))
        self.monitor = ServerMonitor(
            ApiClient(url, timeout=3.0, source=source), post, on_up=self.reporter.resend
        )
        self.feed = EventFeed(
            url,
            s.kiosk_name,
            post,
            self.print_worker,
            on_status=lambda _up: self.monitor.poke(),
            on_checklist=self.librarian.print_remote,
            cursor=EventCursor(config.kiosk_state_dir, s.kiosk_name, url),
            refused=self.reporter.refused,
            source=source,
            key=s.key,
        )
        initial = st.initial(
            s.fields,
            timing(config, headless),
            priority=config.kiosk.priority,
            hours_text=s.hours_text,
            now=clock(),
            lookup=config.kiosk.lookup and not headless,
            printer_fault=config.kiosk.printer_fault,
            keyboard=keyboard or config.kiosk.keyboard,
            booking=bool(config.hub.centre_id) and not headless,
        )
        self.controller = Controller(
            initial,
            issue=self.issuer.issue,
            beep=beep,
            report=self.reporter.report,
            clock=clock,
            librarian=self.librarian,
            print_checklist=self.print_worker.put,
            server_doubt=self.monitor.poke,
            check_in=self.issuer.check_in,
        )

    def start(self) -> Kiosk:
        log.info(
            "kiosk %s: server %s, printer %s (%s, %d dots)",
            self.setup.kiosk_name,
            self.client.base_url,
            self.setup.target,
            self.config.printer.profile,
            self.config.printer.width,
        )
        self.reporter.start()
        self.print_worker.start()
        self.librarian.start()
        self.monitor.start()
        self.feed.start()
        return self

    def stop(self) -> None:
        self.feed.stop()
        self.monitor.stop()
        self.librarian.stop()
        self.print_worker.stop()
        self.reporter.stop()
