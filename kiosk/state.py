"""What the kiosk is doing, as plain data, and the pure rules that change it.

``update(state, message, now)`` returns the next state and the effects to run
(issue a ticket, beep). It never touches pygame, the network or the printer,
so the touchscreen app and the headless button loop share it, and tests can
walk every screen without hardware. ``now`` is a monotonic time in seconds.

Rules that protect citizens live here: one tap is one action (taps too soon
after another tap or after a screen change are ignored), nothing happens on
a tap while a ticket is being issued, a failed or timed-out request is never
repeated by itself, and a ticket the server issued is always shown.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

PRINTER_OK = ("ok", "paper_low")


class Screen(enum.StrEnum):
    START = "start"  # the field buttons
    PRIORITY = "priority"  # the field buttons for a priority ticket
    ISSUING = "issuing"  # "Đang in phiếu…" (request, then printing)
    DONE = "done"  # the code large, "Vui lòng nhận phiếu"
    PRINTER_FAULT = "printer_fault"  # the code large, "Máy in đang gặp sự cố…"
    CLOSED = "closed"  # outside opening hours
    LIMIT = "limit"  # the field's daily limit is reached
    OFFLINE = "offline"  # the server does not answer
    ERROR = "error"  # the server refused for another reason


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

    @classmethod
    def of(cls, ticket: Mapping[str, Any]) -> Shown:
        return cls(
            id=int(ticket["id"]),
            code=str(ticket["code"]),
            service_name=str(ticket.get("service_name", ticket.get("service", ""))),
            priority=bool(ticket.get("priority", False)),
            ahead=ticket.get("waiting_ahead"),
            minutes=ticket.get("estimated_wait_minutes"),
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


# --- messages ----------------------------------------------------------------------


@dataclass(frozen=True)
class Tap:
    """A tap or a button press on ``target``: ("field", id), ("priority",),
    ("back",) or None (nowhere in particular)."""

    target: tuple[str, ...] | None


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
class Tick:
    """Time passed; screens with a timeout may change."""


Message = Tap | Issued | IssueFailed | Printed | PrinterStatus | ServerStatus | Waiting | Tick


# --- effects -------------------------------------------------------------------------


@dataclass(frozen=True)
class IssueTicket:
    service: str
    priority: bool


@dataclass(frozen=True)
class Beep:
    pass


Effect = IssueTicket | Beep


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

    def field_named(self, service_id: str) -> Field | None:
        for f in self.fields:
            if f.id == service_id:
                return f
        return None

    @property
    def priority_mode(self) -> bool:
        return self.screen is Screen.PRIORITY


def initial(
    fields: tuple[Field, ...],
    timing: Timing,
    *,
    priority: bool = True,
    hours_text: str = "",
    now: float = 0.0,
) -> KioskState:
    """The state at start: offline until the server answered once."""
    return KioskState(
        fields=fields, timing=timing, priority_enabled=priority, hours_text=hours_text, since=now
    )


def _go(state: KioskState, screen: Screen, now: float, **changes: Any) -> KioskState:
    return replace(state, screen=screen, since=now, **changes)


def _start(state: KioskState, now: float) -> KioskState:
    screen = Screen.START if state.server_up else Screen.OFFLINE
    return _go(state, screen, now, pending=None, shown=None, refused_service="", uncertain=False)


def update(state: KioskState, msg: Message, now: float) -> tuple[KioskState, tuple[Effect, ...]]:
    """The next state after ``msg`` at time ``now``, and the effects to run."""
    if isinstance(msg, Tap):
        return _tap(state, msg.target, now)
    if isinstance(msg, Tick):
        return _tick(state, now), ()
    if isinstance(msg, Issued):
        if state.screen is not Screen.ISSUING or state.shown is not None:
            return state, ()
        return replace(state, shown=Shown.of(msg.ticket), server_up=True), (Beep(),)
    if isinstance(msg, IssueFailed):
        return _failed(state, msg, now), ()
    if isinstance(msg, Printed):
        state = replace(state, printer=msg.status)
        if (
            msg.reprint
            or state.screen is not Screen.ISSUING
            or state.shown is None
            or state.shown.id != msg.ticket_id
        ):
            return state, ()
        screen = Screen.DONE if msg.status in PRINTER_OK else Screen.PRINTER_FAULT
        return _go(state, screen, now, pending=None), ()
    if isinstance(msg, PrinterStatus):
        return replace(state, printer=msg.status), ()
    if isinstance(msg, ServerStatus):
        return _server(state, msg.up, now), ()
    if isinstance(msg, Waiting):
        fields = tuple(
            replace(f, waiting=int(msg.counts[f.id])) if f.id in msg.counts else f
            for f in state.fields
        )
        return replace(state, fields=fields), ()
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
    if screen in (Screen.DONE, Screen.PRINTER_FAULT, Screen.CLOSED, Screen.LIMIT, Screen.ERROR):
        return replace(_start(state, now), last_tap=now), ()
    kind = target[0] if target else None
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


def _failed(state: KioskState, msg: IssueFailed, now: float) -> KioskState:
    if state.screen is not Screen.ISSUING or state.shown is not None:
        return state
    if msg.reason == "closed":
        return _go(state, Screen.CLOSED, now, pending=None)
    if msg.reason == "limit":
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
    if not up and state.screen in (Screen.START, Screen.PRIORITY):
        return _go(state, Screen.OFFLINE, now)
    if up and state.screen is Screen.OFFLINE and not state.uncertain:
        return _start(state, now)
    return state  # an uncertain request's message stays its full time (see _tick)


def _tick(state: KioskState, now: float) -> KioskState:
    deadline = next_deadline(state)
    if deadline is None or now < deadline:
        return state
    if state.screen is Screen.ISSUING:
        # A worker never answered: show what we have, never lose an issued code.
        if state.shown is not None:
            return _go(state, Screen.PRINTER_FAULT, now, pending=None, printer="offline")
        return _go(state, Screen.ERROR, now, pending=None, uncertain=True)
    return _start(state, now)


def next_deadline(state: KioskState) -> float | None:
    """When the current screen times out (monotonic seconds), or None."""
    t = state.timing
    screen = state.screen
    if screen is Screen.PRIORITY:
        return max(state.since, state.last_tap) + t.idle
    if screen is Screen.DONE:
        return state.since + t.done
    if screen is Screen.PRINTER_FAULT:
        return state.since + t.fault
    if screen in (Screen.CLOSED, Screen.LIMIT, Screen.ERROR):
        return state.since + t.message
    if screen is Screen.ISSUING:
        return state.since + t.issuing_limit
    if screen is Screen.OFFLINE and state.uncertain and state.server_up:
        return state.since + t.message
    return None
