"""What the kiosk is doing, as plain data, and the pure rules that change it.

``update(state, message, now)`` returns the next state and the effects to run
(issue a ticket, beep, search the procedure catalogue, print a checklist). It
never touches pygame, the network or the printer,
so the touchscreen app and the headless button loop share it, and tests can
walk every screen without hardware. ``now`` is a monotonic time in seconds.

Rules that protect citizens live here: one tap is one action (taps too soon
after another tap or after a screen change are ignored), nothing happens on
a tap while a ticket is being issued, a failed or timed-out request is never
repeated by itself, and a ticket the server issued is always shown.

The start screen says before the tap what a tap would bring: outside the server's
opening hours it shows "closed" with today's hours and when tickets are issued
again (no field buttons); with the printer known broken it warns that the number
will show on screen, or, when the centre chose ``printer_fault = "stop"``, stops
issuing and sends citizens to the guidance counter.

A number booked ahead on the province hub checks in from "Đã đặt lịch" (BOOKING:
the code typed on the screen's keys) or by a QR scanner typing like a keyboard,
in any screen state (``Scanned``); the server decides (a ticket, or
BOOKING_REFUSED saying why and, when too early, when to come back).

The procedure look-up (LOOKUP → SEARCH or RESULTS → DETAIL) follows the same
rules; its typed search is debounced here (``Timing.debounce``), each search is
numbered so that a late answer to an older query is dropped, and its screens
return to the start after ``Timing.lookup_idle`` without a touch.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from kiosk.lookup import FAULT, IDLE, PRINTED, PRINTING, Catalogue, Hit, Lookup, clamp, typed
from kiosk.opening import Opening, opening_of
from sothutu.booking import ALPHABET, CODE_LENGTH

PRINTER_OK = ("ok", "paper_low")
PRINTER_BROKEN = ("paper_out", "offline")


class Screen(enum.StrEnum):
    START = "start"  # the field buttons (or "closed", or "printer broken: stopped")
    PRIORITY = "priority"  # the field buttons for a priority ticket
    ISSUING = "issuing"  # "Đang in phiếu…" (request, then printing)
    DONE = "done"  # the code large, "Vui lòng nhận phiếu"
    PRINTER_FAULT = "printer_fault"  # the code large, "Máy in đang gặp sự cố…"
    LIMIT = "limit"  # the field's daily limit is reached
    OFFLINE = "offline"  # the server does not answer
    ERROR = "error"  # the server refused for another reason
    LOOKUP = "lookup"  # procedure look-up: the fields, and "type a name"
    SEARCH = "search"  # the on-screen keyboard with the first results
    RESULTS = "results"  # a list of procedures (one field's, or a search's)
    DETAIL = "detail"  # one procedure: documents, time, fees; take a number; print
    BOOKING = "booking"  # "Đã đặt lịch": type the booking's code (or scan its QR code)
    BOOKING_REFUSED = "booking_refused"  # a booking without a ticket, and why


LOOKUP_SCREENS = frozenset({Screen.LOOKUP, Screen.SEARCH, Screen.RESULTS, Screen.DETAIL})


@dataclass(frozen=True)
class Field:
    """A field (lĩnh vực) button; ``waiting`` is None until the server told us."""

    id: str
    name: str
    prefix: str = ""
    waiting: int | None = None


@dataclass(frozen=True)
class Shown:
    """The issued ticket as the screen shows it."""

    id: int
    code: str
    service_name: str
    priority: bool
    ahead: int | None = None
    minutes: int | None = None
    procedure: str = ""  # the procedure's name when the ticket was issued for one
    booked: str = ""  # a booked ticket: its slot's start, "08:30"
    late: str = ""  # checked in after its window: the slot's start (an ordinary ticket)

    @classmethod
    def of(cls, ticket: Mapping[str, Any]) -> Shown:
        procedure = ticket.get("procedure")
        booking = ticket.get("booking")
        slot = ""
        if isinstance(booking, Mapping) and isinstance(booking.get("slot_start"), str):
            slot = booking["slot_start"][11:16]  # written in the centre's offset
        late = bool(booking.get("late")) if isinstance(booking, Mapping) else False
        return cls(
            id=int(ticket["id"]),
            code=str(ticket["code"]),
            service_name=str(ticket.get("service_name", ticket.get("service", ""))),
            priority=bool(ticket.get("priority", False)),
            ahead=ticket.get("waiting_ahead"),
            minutes=ticket.get("estimated_wait_minutes"),
            procedure=str(procedure.get("name", "")) if isinstance(procedure, Mapping) else "",
            booked="" if late else slot,
            late=slot if late else "",
        )


@dataclass(frozen=True)
class Timing:
    """Seconds each screen lasts (0 for a headless kiosk: straight back to start)."""

    idle: float = 20.0
    done: float = 6.0
    fault: float = 30.0
    message: float = 8.0
    tap_guard: float = 0.4
    fault_min: float = 5.0  # the fault screen ignores taps this long: the code must be seen
    issuing_limit: float = 30.0  # safety net: a worker that never answered
    lookup_idle: float = 90.0  # the look-up screens: time to read a procedure
    debounce: float = 0.3  # after the last key, before the search goes out


# --- messages ----------------------------------------------------------------------


@dataclass(frozen=True)
class Tap:
    """A tap or a button press on ``target``: ("field", id), ("priority",),
    ("back",), ("lookup",), the look-up's ("search",), ("browse", id), ("key", k),
    ("result", code), ("issue",), ("print",), or None (nowhere in particular)."""

    target: tuple[str, ...] | None


@dataclass(frozen=True)
class Scroll:
    """Move the results list or the detail by ``delta`` pixels (positive: further
    down), within 0..``limit`` (the app measures the content). ``tap``: the ▲/▼
    buttons, under the tap rules; otherwise a finger dragging the content."""

    delta: int
    limit: int
    tap: bool = False


@dataclass(frozen=True)
class Issued:
    ticket: Mapping[str, Any]


@dataclass(frozen=True)
class IssueFailed:
    """``reason``: closed, limit, unreachable or error."""

    reason: str
    detail: str = ""
    maybe_sent: bool = False


@dataclass(frozen=True)
class Printed:
    """A print job ended; ``status`` is ok, paper_low, paper_out or offline."""

    ticket_id: int
    status: str
    reprint: bool = False
    code: str = ""


@dataclass(frozen=True)
class PrinterStatus:
    status: str


@dataclass(frozen=True)
class ServerStatus:
    up: bool


@dataclass(frozen=True)
class Waiting:
    counts: Mapping[str, int]


@dataclass(frozen=True)
class Hours:
    """The server's ``hours`` object (GET /api/v1/services, docs/api.md)."""

    data: Mapping[str, Any]


@dataclass(frozen=True)
class Tick:
    """Time passed; screens with a timeout may change."""


@dataclass(frozen=True)
class CatalogueInfo:
    catalogue: Catalogue


@dataclass(frozen=True)
class Found:
    """The answer to ``Search`` number ``seq``."""

    seq: int
    hits: tuple[Hit, ...]
    total: int
    query: str = ""
    service: str = ""
    catalogue: Catalogue | None = None


@dataclass(frozen=True)
class Loaded:
    """One procedure's API JSON (GET /api/v1/procedures/CODE)."""

    code: str
    procedure: Mapping[str, Any]


@dataclass(frozen=True)
class LookupFailed:
    """A catalogue request failed: ``reason`` is unreachable or error."""

    reason: str
    detail: str = ""


@dataclass(frozen=True)
class Scanned:
    """What a QR or barcode scanner typed, up to its Enter (``kiosk.scanner``)."""

    text: str


@dataclass(frozen=True)
class BookingRefused:
    """The server gave a booking no ticket: its error ``code``, and when known the
    booking's slot start and when it may check in (ISO times, the centre's offset)."""

    code: str
    slot: str = ""
    opens: str = ""


@dataclass(frozen=True)
class ChecklistPrinted:
    """A checklist print ended; ``remote`` when a clerk asked for it (not this screen)."""

    code: str
    status: str
    remote: bool = False


Message = (
    Tap
    | Issued
    | IssueFailed
    | Printed
    | PrinterStatus
    | ServerStatus
    | Waiting
    | Hours
    | Tick
    | Scroll
    | CatalogueInfo
    | Found
    | Loaded
    | LookupFailed
    | ChecklistPrinted
    | Scanned
    | BookingRefused
)


# --- effects -------------------------------------------------------------------------


@dataclass(frozen=True)
class IssueTicket:
    service: str
    priority: bool
    procedure: str = ""  # a procedure's code: the server issues in its field


@dataclass(frozen=True)
class Beep:
    pass


@dataclass(frozen=True)
class FetchCatalogue:
    """Ask how many procedures each field has (and whether it is the sample)."""


@dataclass(frozen=True)
class Search:
    """Search (``query``) or list one field's (``service``) procedures; answered by
    ``Found`` with the same ``seq``."""

    seq: int
    query: str
    service: str = ""


@dataclass(frozen=True)
class FetchProcedure:
    code: str


@dataclass(frozen=True)
class PrintChecklist:
    """Print the documents checklist of ``procedure`` (its API JSON)."""

    procedure: Mapping[str, Any]


@dataclass(frozen=True)
class CheckIn:
    """Ask the server for a booking's ticket: its code, or its QR code's text."""

    text: str


@dataclass(frozen=True)
class CheckServer:
    """Ask the server now (its hours changed, or it refused a ticket as closed)."""


Effect = (
    IssueTicket
    | Beep
    | FetchCatalogue
    | Search
    | FetchProcedure
    | PrintChecklist
    | CheckServer
    | CheckIn
)


# --- the state -------------------------------------------------------------------------


@dataclass(frozen=True)
class KioskState:
    fields: tuple[Field, ...]
    timing: Timing = field(default_factory=Timing)
    priority_enabled: bool = True
    hours_text: str = ""
    screen: Screen = Screen.OFFLINE
    since: float = 0.0
    last_tap: float = float("-inf")
    pending: tuple[str, bool] | None = None  # (service, priority) being issued
    shown: Shown | None = None
    refused_service: str = ""  # the field whose limit was reached
    uncertain: bool = False  # a request timed out: a ticket may exist unprinted
    server_up: bool = False
    printer: str = "unknown"
    lookup_enabled: bool = True  # offer "Tra cứu thủ tục" on the start screen
    catalogue: Catalogue | None = None  # None until the server told us
    lookup: Lookup = field(default_factory=Lookup)
    touched: float = float("-inf")  # last drag (keeps the look-up from timing out)
    opening: Opening | None = None  # the server's hours; None until it told us
    printer_fault: str = "show"  # [kiosk] printer_fault: "show" or "stop"
    keyboard: str = "abc"  # the look-up's keyboard layout (kiosk.lookup.KEYBOARDS)
    booking_enabled: bool = False  # the centre takes bookings ([hub] centre_id is set)
    code: str = ""  # the booking code typed so far
    checking: bool = False  # ISSUING a booking's ticket (not a field's)
    refusal: BookingRefused | None = None  # on BOOKING_REFUSED

    def field_named(self, service_id: str) -> Field | None:
        for f in self.fields:
            if f.id == service_id:
                return f
        return None

    @property
    def priority_mode(self) -> bool:
        return self.screen is Screen.PRIORITY

    @property
    def closed(self) -> bool:
        """Outside the server's opening hours: no tickets now."""
        return self.opening is not None and not self.opening.open

    @property
    def printer_broken(self) -> bool:
        """The printer is known out of paper or offline (before anyone taps)."""
        return self.printer in PRINTER_BROKEN

    @property
    def stopped(self) -> bool:
        """No tickets now: closed, or the printer is broken and the centre stops then."""
        return self.closed or (self.printer_broken and self.printer_fault == "stop")

    @property
    def booking_available(self) -> bool:
        """Whether a booking may check in now: the centre takes bookings and the printer
        does not stop the kiosk (a booking checks in outside hours, within its window:
        the server decides)."""
        return self.booking_enabled and not (self.printer_broken and self.printer_fault == "stop")

    @property
    def lookup_available(self) -> bool:
        """Whether the start screen offers the look-up: enabled, and the catalogue
        is not known to be empty (unknown: offer it; the look-up screen then asks)."""
        return self.lookup_enabled and (self.catalogue is None or self.catalogue.total > 0)


def initial(
    fields: tuple[Field, ...],
    timing: Timing,
    *,
    priority: bool = True,
    hours_text: str = "",
    now: float = 0.0,
    lookup: bool = True,
    printer_fault: str = "show",
    keyboard: str = "abc",
    booking: bool = False,
) -> KioskState:
    """The state at start: offline until the server answered once."""
    return KioskState(
        fields=fields,
        timing=timing,
        priority_enabled=priority,
        hours_text=hours_text,
        since=now,
        lookup_enabled=lookup,
        printer_fault=printer_fault,
        keyboard=keyboard,
        booking_enabled=booking,
    )


def _go(state: KioskState, screen: Screen, now: float, **changes: Any) -> KioskState:
    return replace(state, screen=screen, since=now, **changes)


def _start(state: KioskState, now: float) -> KioskState:
    screen = Screen.START if state.server_up else Screen.OFFLINE
    return _go(
        state,
        screen,
        now,
        pending=None,
        shown=None,
        refused_service="",
        uncertain=False,
        lookup=Lookup(),
        code="",
        checking=False,
        refusal=None,
    )


def update(state: KioskState, msg: Message, now: float) -> tuple[KioskState, tuple[Effect, ...]]:
    """The next state after ``msg`` at time ``now``, and the effects to run."""
    if isinstance(msg, Tap):
        return _tap(state, msg.target, now)
    if isinstance(msg, Tick):
        return _tick(state, now)
    if isinstance(msg, Issued):
        if state.screen is not Screen.ISSUING or state.shown is not None:
            return state, ()
        return replace(state, shown=Shown.of(msg.ticket), server_up=True), (Beep(),)
    if isinstance(msg, IssueFailed):
        failed = _failed(state, msg, now)
        return failed, (CheckServer(),) if failed.closed and not state.closed else ()
    if isinstance(msg, Printed):
        state = replace(state, printer=msg.status)
        if (
            msg.reprint
            or state.screen is not Screen.ISSUING
            or state.shown is None
            or state.shown.id != msg.ticket_id
        ):
            return _halt(state, now), ()  # a reprint, or a ticket of an earlier screen
        screen = Screen.DONE if msg.status in PRINTER_OK else Screen.PRINTER_FAULT
        return _go(state, screen, now, pending=None), ()
    if isinstance(msg, PrinterStatus):
        return _halt(replace(state, printer=msg.status), now), ()
    if isinstance(msg, Hours):
        opening = opening_of(msg.data, now)
        if opening is None or _same_hours(state.opening, opening):
            return state, ()  # nothing new: no redraw every poll
        return _halt(replace(state, opening=opening), now), ()
    if isinstance(msg, ServerStatus):
        ask = msg.up and not state.server_up and state.lookup_enabled
        return _server(state, msg.up, now), (FetchCatalogue(),) if ask else ()
    if isinstance(msg, Waiting):
        fields = tuple(
            replace(f, waiting=int(msg.counts[f.id])) if f.id in msg.counts else f
            for f in state.fields
        )
        return replace(state, fields=fields), ()
    if isinstance(msg, Scroll):
        return _scroll(state, msg, now), ()
    if isinstance(msg, CatalogueInfo):
        return replace(state, catalogue=msg.catalogue), ()
    if isinstance(msg, Found):
        return _found(state, msg), ()
    if isinstance(msg, Loaded):
        lk = state.lookup
        if state.screen is not Screen.DETAIL or lk.code != msg.code or lk.procedure is not None:
            return state, ()
        return replace(state, lookup=replace(lk, procedure=msg.procedure)), ()
    if isinstance(msg, LookupFailed):
        return _lookup_failed(state, msg, now), ()
    if isinstance(msg, ChecklistPrinted):
        return _checklist_printed(state, msg, now), ()
    if isinstance(msg, Scanned):
        return _scanned(state, msg.text, now)
    if isinstance(msg, BookingRefused):
        if state.screen is not Screen.ISSUING or not state.checking or state.shown is not None:
            return state, ()
        return _go(state, Screen.BOOKING_REFUSED, now, checking=False, refusal=msg), ()
    raise TypeError(f"not a kiosk message: {msg!r}")


def _tap(
    state: KioskState, target: tuple[str, ...] | None, now: float
) -> tuple[KioskState, tuple[Effect, ...]]:
    if now - max(state.last_tap, state.since) < state.timing.tap_guard:
        return state, ()  # the second half of a double tap, or touch + mouse
    screen = state.screen
    if screen in (Screen.ISSUING, Screen.OFFLINE):
        return state, ()
    if screen is Screen.PRINTER_FAULT and now - state.since < state.timing.fault_min:
        return state, ()
    if screen in (
        Screen.DONE,
        Screen.PRINTER_FAULT,
        Screen.LIMIT,
        Screen.ERROR,
        Screen.BOOKING_REFUSED,
    ):
        return replace(_start(state, now), last_tap=now), ()
    if screen is Screen.BOOKING:
        return _booking_tap(replace(state, last_tap=now), target, now)
    if screen in LOOKUP_SCREENS:
        return _lookup_tap(replace(state, last_tap=now), target, now)
    kind = target[0] if target else None
    if kind == "booking" and screen is Screen.START and state.booking_available:
        return replace(_go(state, Screen.BOOKING, now, code=""), last_tap=now), ()
    if kind == "lookup" and screen is Screen.START and state.lookup_available:
        nxt = _go(state, Screen.LOOKUP, now, lookup=Lookup())
        return replace(nxt, last_tap=now), (FetchCatalogue(),)
    if kind in ("field", "priority") and state.stopped:
        return state, ()  # closed, or the printer is broken and the centre stops then
    if kind == "field" and target is not None and state.field_named(target[1]) is not None:
        priority = screen is Screen.PRIORITY
        nxt = _go(state, Screen.ISSUING, now, pending=(target[1], priority), shown=None)
        return replace(nxt, last_tap=now), (IssueTicket(target[1], priority),)
    if kind == "priority" and state.priority_enabled:
        to = Screen.START if screen is Screen.PRIORITY else Screen.PRIORITY
        return replace(_go(state, to, now), last_tap=now), ()
    if kind == "back" and screen is Screen.PRIORITY:
        return replace(_go(state, Screen.START, now), last_tap=now), ()
    if screen is Screen.PRIORITY:
        return replace(state, last_tap=now), ()  # a tap beside the buttons still counts as use
    return state, ()


def _same_hours(old: Opening | None, new: Opening) -> bool:
    """The same hours, the next change due within a second of what we knew."""
    if old is None or replace(old, due=None) != replace(new, due=None):
        return False
    if old.due is None or new.due is None:
        return old.due is None and new.due is None
    return abs(old.due - new.due) < 1.0


def _halt(state: KioskState, now: float) -> KioskState:
    """Leave the priority choice when tickets stop (closed, or a broken printer the
    centre stops for): the start screen says why."""
    if state.stopped and state.screen is Screen.PRIORITY:
        return _go(state, Screen.START, now)
    return state


def _failed(state: KioskState, msg: IssueFailed, now: float) -> KioskState:
    if state.screen is not Screen.ISSUING or state.shown is not None:
        return state
    if msg.reason == "closed":
        # The server closed before its hours told us: the start screen shows it, and
        # the server is asked for its hours at once (the CheckServer effect).
        known = state.opening if state.opening is not None else Opening(False)
        closed = replace(known, open=False, due=None)
        return replace(_start(state, now), opening=closed)
    if msg.reason == "limit" and not state.checking:
        f = state.field_named(state.pending[0]) if state.pending else None
        return _go(state, Screen.LIMIT, now, pending=None, refused_service=f.name if f else "")
    if msg.reason == "unreachable":
        return _go(
            state,
            Screen.OFFLINE,
            now,
            pending=None,
            server_up=False,
            uncertain=msg.maybe_sent,
        )
    return _go(state, Screen.ERROR, now, pending=None)


def _server(state: KioskState, up: bool, now: float) -> KioskState:
    if up == state.server_up:
        return state
    state = replace(state, server_up=up)
    if not up and (
        state.screen in (Screen.START, Screen.PRIORITY, Screen.BOOKING) or _looking(state)
    ):
        return _go(state, Screen.OFFLINE, now, lookup=Lookup())
    if up and state.screen is Screen.OFFLINE and not state.uncertain:
        return _start(state, now)
    return state  # an uncertain request's message stays its full time (see _tick)


def _tick(state: KioskState, now: float) -> tuple[KioskState, tuple[Effect, ...]]:
    asked: tuple[Effect, ...] = ()
    op = state.opening
    if op is not None and op.due is not None and now >= op.due:
        # The hours change now (by the server's clock): ask the server, once.
        state, asked = replace(state, opening=replace(op, due=None)), (CheckServer(),)
    if _looking(state):
        state, effects = _lookup_tick(state, now)
        return state, asked + effects
    deadline = _screen_deadline(state)
    if deadline is None or now < deadline:
        return state, asked
    return _timeout(state, now), asked


def _timeout(state: KioskState, now: float) -> KioskState:
    if state.screen is Screen.ISSUING:
        # A worker never answered: show what we have, never lose an issued code.
        if state.shown is not None:
            return _go(state, Screen.PRINTER_FAULT, now, pending=None, printer="offline")
        return _go(state, Screen.ERROR, now, pending=None, uncertain=True)
    return _start(state, now)


def next_deadline(state: KioskState) -> float | None:
    """When the state next changes by itself (monotonic seconds): the screen times
    out, or the opening hours change; None when neither is due."""
    hours = state.opening.due if state.opening is not None else None
    due = [d for d in (_screen_deadline(state), hours) if d is not None]
    return min(due) if due else None


def _screen_deadline(state: KioskState) -> float | None:
    t = state.timing
    screen = state.screen
    if _looking(state):
        return min(_lookup_deadlines(state))
    if screen in (Screen.PRIORITY, Screen.BOOKING):
        return max(state.since, state.last_tap) + t.idle
    if screen is Screen.BOOKING_REFUSED:
        return state.since + t.message * 1.5  # two lines to read, maybe a time to remember
    if screen is Screen.DONE:
        return state.since + t.done
    if screen is Screen.PRINTER_FAULT:
        return state.since + t.fault
    if screen in (Screen.LIMIT, Screen.ERROR):
        return state.since + t.message
    if screen is Screen.ISSUING:
        return state.since + t.issuing_limit
    if screen is Screen.OFFLINE and state.uncertain and state.server_up:
        return state.since + t.message
    return None


# --- booked numbers -------------------------------------------------------------------


def _scanned(state: KioskState, text: str, now: float) -> tuple[KioskState, tuple[Effect, ...]]:
    """A scanner typed something and Enter: check it in as a booking, whatever the
    screen shows, unless a request is on its way, the server is away, a printer fault
    must stay readable, or the kiosk takes no bookings."""
    text = text.strip()
    screen = state.screen
    if not text or not state.booking_available or screen in (Screen.ISSUING, Screen.OFFLINE):
        return state, ()
    if screen is Screen.PRINTER_FAULT and now - state.since < state.timing.fault_min:
        return state, ()
    return _check_in(state, text, now)


def _check_in(state: KioskState, text: str, now: float) -> tuple[KioskState, tuple[Effect, ...]]:
    nxt = _go(
        state,
        Screen.ISSUING,
        now,
        pending=None,
        shown=None,
        checking=True,
        refusal=None,
        lookup=Lookup(),
    )
    return replace(nxt, last_tap=now), (CheckIn(text),)


def _booking_tap(
    state: KioskState, target: tuple[str, ...] | None, now: float
) -> tuple[KioskState, tuple[Effect, ...]]:
    """A tap on the code's keys (``state`` already counts it as the last tap)."""
    kind = target[0] if target else None
    arg = target[1] if target and len(target) > 1 else ""
    if kind == "back":
        return _start(state, now), ()
    if kind == "key":
        return replace(state, code=typed_code(state.code, arg)), ()
    if kind == "go" and len(state.code) == CODE_LENGTH:
        return _check_in(state, state.code, now)
    return state, ()


def typed_code(code: str, key: str) -> str:
    """The booking code after a key: a character of the code's alphabet (at most six),
    backspace, or clear."""
    if key == "backspace":
        return code[:-1]
    if key == "clear":
        return ""
    if len(key) == 1 and key.upper() in ALPHABET and len(code) < CODE_LENGTH:
        return code + key.upper()
    return code


# --- the procedure look-up ----------------------------------------------------------


def _looking(state: KioskState) -> bool:
    return state.screen in LOOKUP_SCREENS


def _lookup_tap(
    state: KioskState, target: tuple[str, ...] | None, now: float
) -> tuple[KioskState, tuple[Effect, ...]]:
    """A tap on a look-up screen (``state`` already counts it as the last tap)."""
    kind = target[0] if target else None
    arg = target[1] if target and len(target) > 1 else ""
    lk = state.lookup
    screen = state.screen
    if kind == "back":
        return _lookup_back(state, now), ()
    if screen is Screen.LOOKUP:
        if kind == "search":
            return _go(state, Screen.SEARCH, now, lookup=Lookup(seq=lk.seq)), ()
        if kind == "browse" and state.field_named(arg) is not None:
            seq = lk.seq + 1
            found = Lookup(service=arg, seq=seq)
            return _go(state, Screen.RESULTS, now, lookup=found), (Search(seq, "", arg),)
    elif screen is Screen.SEARCH:
        if kind == "key" and arg == "results":
            if not lk.hits:
                return state, ()
            return _go(state, Screen.RESULTS, now, lookup=replace(lk, list_scroll=0)), ()
        if kind == "key":
            return _typed(state, typed(lk.query, arg), now), ()
        if kind == "result":
            return _open(state, arg, now)
    elif screen is Screen.RESULTS:
        if kind == "result":
            return _open(state, arg, now)
    elif screen is Screen.DETAIL and lk.procedure is not None:
        if kind == "issue" and not state.stopped:
            service = str(lk.procedure.get("service", ""))
            nxt = _go(state, Screen.ISSUING, now, pending=(service, False), shown=None)
            return nxt, (IssueTicket(service, False, lk.code),)
        if kind == "print" and lk.printing != PRINTING:
            printing = replace(lk, printing=PRINTING, printing_since=now)
            return replace(state, lookup=printing), (PrintChecklist(lk.procedure),)
    return state, ()


def _typed(state: KioskState, query: str, now: float) -> KioskState:
    lk = state.lookup
    if query == lk.query:
        return state
    if not query.strip():
        # Nothing to search: no results, and an answer still on its way is dropped.
        empty = replace(lk, query=query, hits=(), total=0, answered=("", ""), due=None)
        return replace(state, lookup=replace(empty, seq=lk.seq + 1))
    return replace(state, lookup=replace(lk, query=query, due=now + state.timing.debounce))


def _open(state: KioskState, code: str, now: float) -> tuple[KioskState, tuple[Effect, ...]]:
    lk = state.lookup
    if not any(h.code == code for h in lk.hits):
        return state, ()
    detail = replace(
        lk, came_from=state.screen.value, code=code, procedure=None, scroll=0, printing=IDLE
    )
    return _go(state, Screen.DETAIL, now, lookup=detail), (FetchProcedure(code),)


def _lookup_back(state: KioskState, now: float) -> KioskState:
    lk = state.lookup
    screen = state.screen
    if screen is Screen.LOOKUP:
        return _start(state, now)
    if screen is Screen.SEARCH or (screen is Screen.RESULTS and lk.service):
        return _go(state, Screen.LOOKUP, now, lookup=Lookup(seq=lk.seq))
    if screen is Screen.RESULTS:
        return _go(state, Screen.SEARCH, now)
    back = Screen(lk.came_from) if lk.came_from else Screen.LOOKUP
    kept = replace(lk, code="", procedure=None, scroll=0, printing=IDLE)
    return _go(state, back, now, lookup=kept)


def _scroll(state: KioskState, msg: Scroll, now: float) -> KioskState:
    if state.screen not in (Screen.RESULTS, Screen.DETAIL):
        return state
    if msg.tap:
        if now - max(state.last_tap, state.since) < state.timing.tap_guard:
            return state
        state = replace(state, last_tap=now)
    else:
        state = replace(state, touched=now)
    lk = state.lookup
    if state.screen is Screen.RESULTS:
        lk = replace(lk, list_scroll=clamp(lk.list_scroll + msg.delta, msg.limit))
    else:
        lk = replace(lk, scroll=clamp(lk.scroll + msg.delta, msg.limit))
    return replace(state, lookup=lk)


def _found(state: KioskState, msg: Found) -> KioskState:
    if msg.catalogue is not None:
        state = replace(state, catalogue=msg.catalogue)
    lk = state.lookup
    if not _looking(state) or msg.seq != lk.seq:
        return state  # an answer to an older query, or the citizen has left
    answer = replace(lk, hits=msg.hits, total=msg.total, answered=(msg.query, msg.service))
    return replace(state, lookup=answer)


def _lookup_failed(state: KioskState, msg: LookupFailed, now: float) -> KioskState:
    if not _looking(state):
        return state
    if msg.reason == "unreachable":
        return _go(state, Screen.OFFLINE, now, server_up=False, lookup=Lookup())
    return _go(state, Screen.ERROR, now, lookup=Lookup())


def _checklist_printed(state: KioskState, msg: ChecklistPrinted, now: float) -> KioskState:
    state = replace(state, printer=msg.status)
    lk = state.lookup
    if (
        msg.remote
        or state.screen is not Screen.DETAIL
        or lk.printing != PRINTING
        or lk.code != msg.code
    ):
        return state
    result = PRINTED if msg.status in PRINTER_OK else FAULT
    return replace(state, lookup=replace(lk, printing=result, printing_since=now))


def _lookup_deadlines(state: KioskState) -> list[float]:
    t = state.timing
    lk = state.lookup
    out = [max(state.since, state.last_tap, state.touched) + t.lookup_idle]
    if lk.due is not None:
        out.append(lk.due)
    if lk.printing in (PRINTED, FAULT):
        out.append(lk.printing_since + t.done)
    elif lk.printing == PRINTING:
        out.append(lk.printing_since + t.issuing_limit)
    return out


def _lookup_tick(state: KioskState, now: float) -> tuple[KioskState, tuple[Effect, ...]]:
    t = state.timing
    lk = state.lookup
    if now >= max(state.since, state.last_tap, state.touched) + t.lookup_idle:
        return _start(state, now), ()
    effects: tuple[Effect, ...] = ()
    if lk.due is not None and now >= lk.due:
        seq = lk.seq + 1
        lk = replace(lk, due=None, seq=seq)
        effects = (Search(seq, lk.query.strip(), lk.service),)
    if lk.printing in (PRINTED, FAULT) and now >= lk.printing_since + t.done:
        lk = replace(lk, printing=IDLE)
    elif lk.printing == PRINTING and now >= lk.printing_since + t.issuing_limit:
        lk = replace(lk, printing=FAULT, printing_since=now)  # a print job never answered
    return replace(state, lookup=lk), effects
