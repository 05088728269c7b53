"""Every change a ticket or counter can go through, as pure functions.

Each takes the data the store loaded and returns a ``Change`` (or raises a
``QueueError``) without touching anything; the store saves the change and
its events in one transaction. The checks follow the API's order: things
named but unknown (404) before state conflicts (409).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime

from counter_api.core.codes import check_daily_limit, format_code, next_number
from counter_api.core.model import (
    OPEN_STATUSES,
    BookingRef,
    Change,
    Conflict,
    CoreEvent,
    CounterState,
    NotFound,
    Status,
    Ticket,
)
from counter_api.core.order import pick_next

#: Statuses a ticket can be called back from by its code.
CALLABLE_BY_CODE = (Status.WAITING, Status.HELD, Status.NO_SHOW)


def issue(
    *,
    service_id: str,
    prefix: str,
    start: int,
    width: int,
    daily_limit: int,
    last_number: int | None,
    issued_today: int,
    priority: bool,
    now: datetime,
    day: date,
    kiosk: str | None = None,
    procedure: tuple[str, str] | None = None,
    booking: BookingRef | None = None,
) -> Change:
    """A new waiting ticket (id 0 until the store assigns one), optionally for a
    procedure ``(code, name)`` of the catalogue, or checked in with a ``booking``
    (a booked place is kept even when the field's daily limit is reached)."""
    if booking is None or booking.late:
        check_daily_limit(daily_limit, issued_today, service_id)
    number = next_number(start, last_number)
    ticket = Ticket(
        id=0,
        business_date=day,
        service=service_id,
        original_service=service_id,
        number=number,
        code=format_code(prefix, number, width),
        priority=priority,
        status=Status.WAITING,
        issued_at=now,
        kiosk=kiosk,
        procedure=procedure,
        booking=booking,
    )
    return Change(tickets=(ticket,), events=(CoreEvent("ticket.issued", ticket),), result=ticket)


def _called(ticket: Ticket, counter: int, now: datetime) -> Ticket:
    return ticket.evolve(
        status=Status.CALLED,
        counter=counter,
        calls=ticket.calls + 1,
        called_at=now,
        first_called_at=ticket.first_called_at or now,
        finished_at=None,
    )


def _require_current(counter: CounterState, current: Ticket | None) -> Ticket:
    if current is None or counter.current is None:
        raise Conflict("no_current_ticket", f"counter {counter.number} has no current ticket")
    return current


def _finish_current(
    counter: CounterState, current: Ticket | None, now: datetime
) -> tuple[Ticket | None, list[CoreEvent]]:
    if current is None or counter.current is None:
        return None, []
    done = current.evolve(status=Status.DONE, finished_at=now)
    return done, [CoreEvent("ticket.done", done, counter.number)]


def call_next(
    counter: CounterState,
    current: Ticket | None,
    waiting: Iterable[Ticket],
    services: Collection[str],
    now: datetime,
) -> Change:
    """Finish the counter's current ticket (done), then call the next in order."""
    if counter.paused:
        raise Conflict("counter_paused", f"counter {counter.number} is paused")
    finished, events = _finish_current(counter, current, now)
    nxt = pick_next(waiting, services)
    tickets = [finished] if finished else []
    called = None
    if nxt is not None:
        called = _called(nxt, counter.number, now)
        tickets.append(called)
        events.append(CoreEvent("ticket.called", called, counter.number))
    new_counter = counter
    if finished is not None or called is not None:
        new_counter = replace(counter, current=called.id if called else None, since=now)
    return Change(tuple(tickets), new_counter, tuple(events), result=called, finished=finished)


def recall(counter: CounterState, current: Ticket | None, now: datetime) -> Change:
    """Announce the current ticket again; it stays current, ``calls`` + 1."""
    ticket = _require_current(counter, current)
    again = ticket.evolve(calls=ticket.calls + 1)
    return Change(
        (again,), counter, (CoreEvent("ticket.recalled", again, counter.number),), result=again
    )


_ENDINGS = {
    Status.DONE: "ticket.done",
    Status.NO_SHOW: "ticket.no_show",
    Status.HELD: "ticket.held",
}


def end_current(
    counter: CounterState, current: Ticket | None, status: Status, now: datetime
) -> Change:
    """Current ticket → done, no_show or held; the counter is left without one."""
    ticket = _require_current(counter, current)
    ended = ticket.evolve(status=status, finished_at=None if status is Status.HELD else now)
    return Change(
        (ended,),
        replace(counter, current=None, since=now),
        (CoreEvent(_ENDINGS[status], ended, counter.number),),
        result=ended,
    )


def transfer(
    counter: CounterState,
    current: Ticket | None,
    target: str,
    known_services: Collection[str],
    now: datetime,
) -> Change:
    """Current ticket → waiting in ``target``, keeping its id, code and issue time."""
    if target not in known_services:
        raise NotFound("unknown_service", f"no service {target!r}")
    ticket = _require_current(counter, current)
    if target == ticket.service:
        raise Conflict("same_service", f"ticket {ticket.code} is already in {target!r}")
    moved = ticket.evolve(
        status=Status.WAITING, service=target, counter=None, transfers=ticket.transfers + 1
    )
    return Change(
        (moved,),
        replace(counter, current=None, since=now),
        (CoreEvent("ticket.transferred", moved, counter.number),),
        result=moved,
    )


def call_by_code(
    counter: CounterState,
    current: Ticket | None,
    matches: Sequence[Ticket],
    counter_services: Collection[str],
    now: datetime,
    service: str | None = None,
) -> Change:
    """Finish the current ticket, then call a given ticket of today by its code.

    ``matches`` are all of today's tickets with that code, in any service.
    """
    if not matches:
        raise NotFound("unknown_ticket", "no ticket of today has that code")
    if counter.paused:
        raise Conflict("counter_paused", f"counter {counter.number} is paused")
    mine = [t for t in matches if t.service in counter_services]
    if service is not None:
        mine = [t for t in mine if t.service == service]
    if len(mine) > 1:
        raise Conflict(
            "ambiguous_code",
            "several services have a ticket with that code today; say which with 'service'",
        )
    if not mine:
        raise Conflict("not_callable", "that ticket is not in this counter's services")
    target = mine[0]
    if target.id == counter.current:
        raise Conflict("not_callable", f"{target.code} is already this counter's ticket; recall it")
    if target.status not in CALLABLE_BY_CODE:
        raise Conflict("not_callable", f"{target.code} is {target.status.value}")
    finished, events = _finish_current(counter, current, now)
    called = _called(target, counter.number, now)
    events.append(CoreEvent("ticket.called", called, counter.number))
    tickets = (finished, called) if finished else (called,)
    return Change(
        tickets,
        replace(counter, current=called.id, since=now),
        tuple(events),
        result=called,
        finished=finished,
    )


def pause(counter: CounterState, reason: str, now: datetime) -> Change:
    """Stop calling; a paused counter keeps its current ticket. Idempotent."""
    if counter.paused:
        return Change(counter=counter)
    return Change(
        counter=replace(counter, paused=True, reason=reason, since=now),
        events=(CoreEvent("counter.paused", None, counter.number),),
    )


def resume(counter: CounterState, now: datetime) -> Change:
    """Call again after a pause. Idempotent."""
    if not counter.paused:
        return Change(counter=counter)
    return Change(
        counter=replace(counter, paused=False, reason="", since=now),
        events=(CoreEvent("counter.resumed", None, counter.number),),
    )


def expire(tickets: Iterable[Ticket]) -> Change:
    """At the rollover: every waiting, called or held ticket of an earlier day expires."""
    expired = []
    events = []
    for t in tickets:
        if t.status in OPEN_STATUSES:
            e = t.evolve(status=Status.EXPIRED)
            expired.append(e)
            events.append(
                CoreEvent("ticket.expired", e, t.counter if t.status is Status.CALLED else None)
            )
    return Change(tuple(expired), None, tuple(events))
