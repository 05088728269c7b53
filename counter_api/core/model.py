"""Plain data of the queue: tickets, counters, the events a change emits, errors."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    DONE = "done"
    NO_SHOW = "no_show"
    HELD = "held"
    EXPIRED = "expired"


class CounterStatus(StrEnum):
    """What ``/state`` says of a counter: no current ticket, one, or stopped calling."""

    OPEN = "open"
    SERVING = "serving"
    PAUSED = "paused"


#: A ticket in one of these states at the rollover becomes expired.
OPEN_STATUSES = (Status.WAITING, Status.CALLED, Status.HELD)


@dataclass(frozen=True, slots=True)
class BookingRef:
    """The booking a ticket was checked in with: its code and slot; ``late`` when it came
    after its check-in window (the ticket is then an ordinary one)."""

    code: str
    slot_start: datetime
    slot_end: datetime
    late: bool = False


@dataclass(frozen=True, slots=True)
class Ticket:
    """One numbered ticket. ``service`` changes on transfer; ``original_service``
    and ``code`` never do."""

    id: int
    business_date: date
    service: str
    original_service: str
    number: int
    code: str
    priority: bool
    status: Status
    issued_at: datetime
    counter: int | None = None
    calls: int = 0
    first_called_at: datetime | None = None
    called_at: datetime | None = None
    finished_at: datetime | None = None
    kiosk: str | None = None
    transfers: int = 0
    #: the procedure (code, name) the ticket was issued for, if any
    procedure: tuple[str, str] | None = None
    #: the booking it was checked in with, if any
    booking: BookingRef | None = None

    def evolve(self, **changes: object) -> Ticket:
        return replace(self, **changes)

    @property
    def booked(self) -> bool:
        """Checked in with a booking within its window: called before walk-ins."""
        return self.booking is not None and not self.booking.late

    @property
    def order_at(self) -> datetime:
        """The time the calling order goes by: a booked ticket's slot start, else the
        issue time (which a transfer keeps)."""
        return self.booking.slot_start if self.booked else self.issued_at  # type: ignore[union-attr]


@dataclass(frozen=True, slots=True)
class CounterState:
    """What the server remembers of a counter between requests."""

    number: int
    paused: bool = False
    reason: str = ""
    current: int | None = None  # id of the ticket being served
    since: datetime | None = None  # when the status last changed

    @property
    def status(self) -> CounterStatus:
        if self.paused:
            return CounterStatus.PAUSED
        return CounterStatus.SERVING if self.current is not None else CounterStatus.OPEN


@dataclass(frozen=True, slots=True)
class CoreEvent:
    """An event a transition emits, before it has an id or JSON form."""

    type: str
    ticket: Ticket | None = None
    counter: int | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """What a transition decided: tickets and counter to save, events to log."""

    tickets: tuple[Ticket, ...] = ()
    counter: CounterState | None = None
    events: tuple[CoreEvent, ...] = ()
    #: the main result (the ticket the request is about), if any
    result: Ticket | None = None
    #: for ``next`` and ``call``: the ticket finished on the way
    finished: Ticket | None = None


class QueueError(Exception):
    """A request the queue refuses; ``code`` is the API's error code."""

    status = 400

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        #: more keys for the error object (JSON values), e.g. when to come back
        self.details = dict(details or {})


class NotFound(QueueError):
    status = 404


class Forbidden(QueueError):
    status = 403


class Conflict(QueueError):
    status = 409
