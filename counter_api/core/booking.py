"""Checking in a booked number, as a pure decision: a ticket, or why not.

A booking booked on the province hub reaches the centre with the hub's answers to its
pushes, or only as the signed QR code the citizen carries (the link was down). Either
way the rules are the same:

- cancelled: refused (409 ``booking_cancelled``); already checked in: refused (409
  ``booking_used``);
- before its window (``early`` minutes before the slot, or another day ahead):
  refused (409 ``too_early``, with the time to come back);
- within its window (until ``late`` minutes after the slot starts): a booked ticket
  of its field, called after priority tickets and before walk-ins, in slot order;
- after its window (or a past day): an ordinary ticket of its field, marked late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from counter_api.core.model import BookingRef, Conflict

#: A booking's states at the centre.
BOOKED, CANCELLED, CHECKED_IN, LATE, NO_SHOW = (
    "booked",
    "cancelled",
    "checked_in",
    "late",
    "no_show",
)


@dataclass(frozen=True, slots=True)
class Booking:
    """A booking as the centre holds it (received from the hub, or read off a signed QR
    code). ``ticket_id`` is the ticket it was checked in with, if any."""

    code: str
    service: str
    day: date
    slot_start: datetime
    slot_end: datetime
    status: str = BOOKED
    procedure: tuple[str, str] | None = None
    ticket_id: int | None = None


@dataclass(frozen=True, slots=True)
class CheckIn:
    """What checking in gives: a ticket of ``service`` carrying ``ref`` (late or not)."""

    service: str
    ref: BookingRef
    procedure: tuple[str, str] | None

    @property
    def late(self) -> bool:
        return self.ref.late


class TooEarly(Conflict):
    """409 ``too_early``; ``opens_at`` is when the booking may check in."""

    def __init__(self, opens_at: datetime) -> None:
        super().__init__(
            "too_early",
            f"check-in opens at {opens_at.isoformat(timespec='minutes')}",
        )
        self.opens_at = opens_at


def check_in(b: Booking, now: datetime, early: int, late: int) -> CheckIn:
    """The ticket a booking gets at ``now``, or a ``Conflict`` saying why none."""
    if b.status == CANCELLED:
        raise Conflict("booking_cancelled", f"booking {b.code} was cancelled")
    if b.status in (CHECKED_IN, LATE) or b.ticket_id is not None:
        raise Conflict("booking_used", f"booking {b.code} was checked in already")
    opens = b.slot_start - timedelta(minutes=early)
    if now < opens:
        raise TooEarly(opens)
    is_late = now > b.slot_start + timedelta(minutes=late)
    return CheckIn(b.service, BookingRef(b.code, b.slot_start, b.slot_end, is_late), b.procedure)


def status_after(b: Booking, c: CheckIn) -> str:
    """The booking's state once checked in (a no-show stays one: the hub was told)."""
    if b.status == NO_SHOW:
        return NO_SHOW
    return LATE if c.late else CHECKED_IN


def no_shows(bookings: list[Booking], now: datetime, minutes: int) -> list[Booking]:
    """Bookings still waiting for their citizen ``minutes`` after their slot ended."""
    limit = now - timedelta(minutes=minutes)
    return [
        b for b in bookings if b.status == BOOKED and b.ticket_id is None and b.slot_end <= limit
    ]
