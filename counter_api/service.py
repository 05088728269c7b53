"""The queue service: each public method is one transaction of the store.

It loads what the pure core needs, lets the core decide, saves the change,
logs it and writes its events, all in one ``BEGIN IMMEDIATE`` transaction;
after the commit the events go to the in-process bus. The business day rolls
over lazily inside the first transaction of a new day, and by a timer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from counter_api.core import booking as core_booking
from counter_api.core import codes, rating, transitions
from counter_api.core.day import business_date, check_open, next_midnight
from counter_api.core.estimate import average_service_minutes, estimate_wait_minutes
from counter_api.core.model import (
    BookingRef,
    Change,
    Conflict,
    CounterState,
    Forbidden,
    NotFound,
    Status,
    Ticket,
)
from counter_api.events import Event, EventBus
from counter_api.kiosks import Roster, Verdict
from counter_api.present import (
    CLOSED_DAYS_AHEAD,
    COUNTER_SCHEMA,
    HOURS_SCHEMA,
    KIOSK_SCHEMA,
    PRINTER_UNKNOWN,
    counter_json,
    hours_json,
    iso,
    kiosk_json,
    ticket_json,
)
from counter_api.store import Store, highwater, repo
from counter_api.store import bookings as store_bookings
from counter_api.store.db import Tx
from counter_api.store.highwater import HighWater
from sothutu import booking as booking_codes
from sothutu.clock import Clock, SystemClock
from sothutu.config import Config
from sothutu.hours import is_open, opening, parse_dates, parse_hours, upcoming

log = logging.getLogger(__name__)

R = TypeVar("R")

# JSON Schemas of what ``services``, ``state`` and ``rate`` answer (the OpenAPI
# document names each by its ``title``).

SERVICE_SCHEMA: dict[str, Any] = {
    "title": "Service",
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "prefix": {"type": "string"},
        "waiting": {"type": "integer"},
        "priority_waiting": {"type": "integer", "description": "in /services only"},
    },
}

STATE_SCHEMA: dict[str, Any] = {
    "title": "State",
    "type": "object",
    "properties": {
        "business_date": {"type": "string", "format": "date"},
        "time": {"type": "string", "format": "date-time"},
        "centre": {"type": "string"},
        "open": {"type": "boolean", "description": "inside [centre] hours and days"},
        "hours": HOURS_SCHEMA,
        "counters": {"type": "array", "items": COUNTER_SCHEMA},
        "recent_calls": {
            "type": "array",
            "description": "newest first, at most 10",
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "counter": {"type": "integer"},
                    "service": {"type": "string"},
                    "called_at": {"type": "string", "format": "date-time"},
                    "calls": {"type": "integer"},
                    "booked": {
                        "type": "boolean",
                        "description": "booked ahead and checked in within its window",
                    },
                },
            },
        },
        "services": {"type": "array", "items": SERVICE_SCHEMA},
        "kiosks": {"type": "array", "items": KIOSK_SCHEMA},
        "last_event_id": {"type": "integer"},
    },
}

RATING_SCHEMA: dict[str, Any] = {
    "title": "Rating",
    "type": "object",
    "properties": {
        "ticket": {"type": "integer"},
        "code": {"type": "string"},
        "service": {"type": "string"},
        "counter": {"type": "integer"},
        "score": {"type": "integer", "enum": sorted(rating.LEVELS)},
        "level": {"enum": list(rating.LEVELS.values())},
        "at": {"type": "string", "format": "date-time"},
    },
}


@dataclass(frozen=True)
class RequestKey:
    """A request a client marked with ``request_id``: within ``scope`` (who sent it, or
    which counter it acts on) and the business day, the same id gets the first answer."""

    scope: str
    id: str


@dataclass
class _Ctx:
    """What one write transaction works with."""

    tx: Tx
    day: date
    now: datetime
    events: list[Event] = field(default_factory=list)
    #: ticket JSON computed for events, by ticket id (reused for the answer)
    json: dict[int, dict[str, Any]] = field(default_factory=dict)

    @property
    def db(self) -> Any:
        return self.tx.db


#: The last change of the hub's bookings the centre holds (``meta``).
CURSOR = "hub_bookings_seq"


def _local(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz) + timedelta(minutes=minutes)


def _same_booking(held: core_booking.Booking, signed: booking_codes.Signed, tz: ZoneInfo) -> bool:
    """Whether a QR code says what the booking received from the hub says."""
    return (
        held.service == signed.service
        and held.day == signed.day
        and held.slot_start == _local(signed.day, signed.start, tz)
        and held.slot_end == _local(signed.day, signed.end, tz)
    )


class QueueService:
    """The only code that changes the queue's state."""

    def __init__(
        self, config: Config, store: Store, clock: Clock | None = None, bus: EventBus | None = None
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock or SystemClock()
        self.tz = config.centre.tz
        self.windows = [parse_hours(w) for w in config.centre.hours]
        self.days = tuple(config.centre.days)
        self.closed_days = parse_dates(config.centre.closed_days)
        self._day: date | None = None
        #: numbers and ticket ids reserved ahead in a file beside the database (a
        #: recovery from a lost database numbers on after them)
        self.highwater = (
            HighWater(highwater.path_for(store.path)) if str(store.path) != ":memory:" else None
        )
        with store.read() as db:
            _, newest = repo.event_id_range(db)
        self.bus = bus or EventBus(last_id=newest)
        #: which kiosk process speaks for each kiosk name (in memory)
        self.roster = Roster()
        #: per kiosk name: its last report ("seen") and unprinted tickets (in memory)
        self._kiosk_live: dict[str, dict[str, Any]] = {}
        self._write(lambda ctx: repo.ensure_counters(ctx.db, [c.number for c in config.counters]))

    # --- transactions ------------------------------------------------------------

    def _write(self, fn: Callable[[_Ctx], R]) -> R:
        with self.store.write() as tx:
            now = self.clock.now()
            ctx = _Ctx(tx, self._roll(tx, now), now)
            result = fn(ctx)
            events = ctx.events
            tx.after_commit(lambda: self.bus.publish(events))
        self._day = ctx.day
        return result

    def _emit(self, ctx: _Ctx, type_: str, data: dict[str, Any]) -> None:
        event_id, payload = repo.insert_event(ctx.db, type_, data, ctx.now, ctx.day)
        ctx.events.append(Event(event_id, type_, payload))

    # --- the business day ----------------------------------------------------------

    def _roll(self, tx: Tx, now: datetime) -> date:
        """The business day for a transaction at ``now``; expires the old day's open
        tickets first when the local date has moved on. A clock that went back
        (a Pi without RTC after a power cut) never reopens an earlier day."""
        today = business_date(now, self.tz)
        stored_text = repo.get_meta(tx.db, "business_date")
        stored = date.fromisoformat(stored_text) if stored_text else None
        if stored is None:
            repo.set_meta(tx.db, "business_date", today.isoformat())
            return today
        if today <= stored:
            if today < stored:
                log.warning(
                    "clock reads %s, before business day %s; keeping %s", today, stored, stored
                )
            return stored
        ctx = _Ctx(tx, today, now)
        expired = repo.open_tickets_before(tx.db, today)
        change = transitions.expire(expired)
        repo.clear_current_tickets(tx.db)
        self._apply(ctx, change)
        self._emit(
            ctx,
            "day.rollover",
            {"business_date": today.isoformat(), "expired": len(change.tickets)},
        )
        repo.log_action(tx.db, now, today, "rollover", None, None)
        repo.prune_events(tx.db, keep_from=stored)
        repo.prune_requests(tx.db, before=today)
        repo.set_meta(tx.db, "business_date", today.isoformat())
        events = ctx.events
        tx.after_commit(lambda: self.bus.publish(events))
        log.info(
            "business day %s begins; %d tickets of %s expired", today, len(change.tickets), stored
        )
        return today

    def today(self) -> date:
        """The current business day, rolling over first when midnight has passed."""
        clock_day = business_date(self.clock.now(), self.tz)
        if self._day is None or clock_day > self._day:
            self._write(lambda ctx: None)
        assert self._day is not None
        return self._day

    ensure_day = today

    # --- applying a change ---------------------------------------------------------

    def _apply(self, ctx: _Ctx, change: Change) -> dict[int, Ticket]:
        """Save a core ``Change``, log it and emit its events; returns saved tickets
        keyed by ``id()`` of the core's objects (new tickets get their id here)."""
        saved: dict[int, Ticket] = {}
        for t in change.tickets:
            if t.id == 0:
                saved[id(t)] = repo.insert_ticket(ctx.db, t)
            else:
                repo.update_ticket(ctx.db, t)
                saved[id(t)] = t
        if change.counter is not None:
            repo.save_counter(ctx.db, change.counter)
        for ev in change.events:
            ticket = saved.get(id(ev.ticket), ev.ticket) if ev.ticket is not None else None
            action = ev.type.split(".", 1)[1]
            repo.log_action(ctx.db, ctx.now, ctx.day, action, ticket, ev.counter)
            if ticket is not None:
                ctx.json[ticket.id] = self._ticket_json(ctx.db, ctx.day, ticket)
                data = {
                    "ticket": ctx.json[ticket.id],
                    "counter": ev.counter,
                    "waiting": self._waiting(ctx.db, ctx.day),
                    "at": iso(ctx.now, self.tz),  # when it happened (a recall's time)
                }
            else:
                data = {"counter": self._counter_json(ctx.db, ev.counter)}
            self._emit(ctx, ev.type, data)
        return saved

    def _result(self, change: Change, saved: dict[int, Ticket]) -> Ticket | None:
        return saved.get(id(change.result)) if change.result is not None else None

    # --- JSON with live figures ---------------------------------------------------

    def _waiting(self, db: Any, day: date) -> dict[str, int]:
        counts = repo.waiting_counts(db, day)
        return {s.id: counts.get(s.id, 0) for s in self.config.services}

    def _open_counters(self, db: Any, service: str) -> int:
        states = repo.all_counters(db)
        serving = [c for c in self.config.counters if service in c.services]
        active = [c for c in serving if not states.get(c.number, CounterState(c.number)).paused]
        return len(active) or len(serving) or 1

    def _ticket_json(self, db: Any, day: date, t: Ticket) -> dict[str, Any]:
        if t.status is not Status.WAITING:
            return ticket_json(t, self.config)
        ahead = repo.count_ahead(db, t)
        svc = self.config.service(t.service)
        total, samples = repo.service_time_stats(db, day, t.service)
        avg = average_service_minutes(total, samples, svc.service_minutes if svc else 5.0)
        estimate = estimate_wait_minutes(ahead, avg, self._open_counters(db, t.service))
        return ticket_json(t, self.config, ahead=ahead, estimate=estimate)

    def _counter_json(self, db: Any, number: int | None) -> dict[str, Any]:
        assert number is not None
        state = repo.get_counter(db, number)
        current = repo.get_ticket(db, state.current) if state.current else None
        return counter_json(
            state,
            self.config,
            self._ticket_json(db, current.business_date, current) if current else None,
        )

    # --- issuing ------------------------------------------------------------------

    def issue(
        self,
        service_id: str,
        priority: bool = False,
        kiosk: str | None = None,
        procedure: tuple[str, str] | None = None,
        request: RequestKey | None = None,
        print_at: str | None = None,
    ) -> dict:
        """A new ticket for a field, optionally for a procedure ``(code, name)``;
        404 unknown service, 409 closed or daily limit."""
        return self.issue_once(service_id, priority, kiosk, procedure, request, print_at)[0]

    def issue_once(
        self,
        service_id: str,
        priority: bool = False,
        kiosk: str | None = None,
        procedure: tuple[str, str] | None = None,
        request: RequestKey | None = None,
        print_at: str | None = None,
    ) -> tuple[dict, bool]:
        """``issue``, and whether the answer is the ticket issued earlier today for the
        same ``request`` (its state now) instead of a new one. ``print_at``: a kiosk that
        prints a new ticket at once (a guidance counter's ``print_kiosk``):
        ``ticket.reprint`` addressed to it, in the same transaction (not again for a
        repeated request)."""
        svc = self.config.service(service_id)
        if svc is None:
            raise NotFound("unknown_service", f"no service {service_id!r}")
        action = f"issue:{svc.id}:{'priority' if priority else 'ordinary'}"

        def work(ctx: _Ctx) -> tuple[dict, bool]:
            again = self._repeated(ctx, request, action)
            if again is not None:
                return again, True
            check_open(ctx.now, self.tz, self.windows, self.days, self.closed_days)
            _, answer = self._new_ticket(ctx, svc, priority, kiosk, procedure, None, print_at)
            self._remember(ctx, request, action, answer["id"], answer)
            return answer, False

        return self._write(work)

    def _repeated(self, ctx: _Ctx, request: RequestKey | None, action: str) -> dict | None:
        """The answer to the same request made earlier today (the ticket as it is now),
        or None."""
        earlier = self._earlier(ctx, request, action)
        if earlier is None:
            return None
        ticket = repo.get_ticket(ctx.db, earlier[0]) if earlier[0] else None
        if ticket is not None:
            return self._ticket_json(ctx.db, ctx.day, ticket)
        return earlier[1]

    def _new_ticket(
        self,
        ctx: _Ctx,
        svc: Any,
        priority: bool,
        kiosk: str | None,
        procedure: tuple[str, str] | None,
        booking: BookingRef | None,
        print_at: str | None,
    ) -> tuple[Ticket, dict]:
        """Number, save and announce a new ticket of ``svc`` (inside ``ctx``); returns it
        and its JSON. ``print_at``: a kiosk told to print it at once."""
        last, count = repo.number_stats(ctx.db, ctx.day, svc.id, svc.start)
        change = transitions.issue(
            service_id=svc.id,
            prefix=svc.prefix,
            start=svc.start,
            width=svc.width,
            daily_limit=svc.daily_limit,
            last_number=last,
            issued_today=count,
            priority=priority,
            now=ctx.now,
            day=ctx.day,
            kiosk=kiosk,
            procedure=procedure,
            booking=booking,
        )
        saved = self._apply(ctx, change)
        ticket = self._result(change, saved)
        assert ticket is not None
        if self.highwater is not None:  # before the commit: never behind the database
            self.highwater.cover(ctx.day, svc.id, ticket.number, ticket.id)
        answer = self._json_of(ctx, ticket)
        assert answer is not None
        if print_at is not None:
            data = {"ticket": answer, "kiosk": print_at, "business_date": ctx.day.isoformat()}
            self._emit(ctx, "ticket.reprint", data)
            repo.log_action(ctx.db, ctx.now, ctx.day, "print", ticket, None)
        return ticket, answer

    # --- booked numbers ------------------------------------------------------------

    def check_in(self, text: str, kiosk: str | None = None) -> dict:
        """``check_in_once``'s ticket."""
        return self.check_in_once(text, kiosk)[0]

    def check_in_once(
        self,
        text: str,
        kiosk: str | None = None,
        request: RequestKey | None = None,
        print_at: str | None = None,
    ) -> tuple[dict, bool]:
        """A ticket for a booking, from its code or its QR code's text (README, "Booking"),
        and whether it is the answer given earlier today to the same ``request`` (a kiosk
        that sent it again); ``print_at`` as for ``issue_once``.

        403 ``wrong_centre`` (another centre's QR code), ``booking_forged`` (a QR code
        whose signature is not the hub's for this centre); 404 ``unknown_booking``,
        ``unknown_service``; 409 ``booking_cancelled``, ``booking_used``, ``too_early``
        (with ``opens_at``), and for a late one (an ordinary ticket) ``closed`` and
        ``daily_limit_reached``. A booking checked in within its window is called after
        priority tickets and before walk-ins of its field, in slot order."""
        link = self.config.hub
        text = (text or "").strip()
        signed: booking_codes.Signed | None = None
        if not link.centre_id:
            raise NotFound(
                "unknown_booking", "this centre takes no bookings ([hub] centre_id is not set)"
            )
        if booking_codes.looks_like_qr(text):
            try:
                signed, _ = booking_codes.parse_qr(text)
            except booking_codes.NotABooking as exc:
                raise NotFound("unknown_booking", f"unreadable booking QR code: {exc}") from None
            if signed.centre != link.centre_id:
                raise Forbidden(
                    "wrong_centre",
                    f"this booking is for centre {signed.centre!r}, not {link.centre_id!r}",
                )
            code = signed.code
        else:
            found = booking_codes.normalize_code(text)
            if found is None:
                raise NotFound("unknown_booking", "not a booking code (6 characters)")
            code = found

        action = f"check_in:{code}"

        def work(ctx: _Ctx) -> tuple[dict, bool]:
            again = self._repeated(ctx, request, action)
            if again is not None:
                return again, True
            held = store_bookings.get(ctx.db, code)
            source = "hub"
            if signed is not None:
                if link.booking_key:
                    try:
                        booking_codes.verify(link.booking_key, text)
                    except booking_codes.Forged:
                        raise Forbidden(
                            "booking_forged", "the QR code's signature is not the hub's"
                        ) from None
                elif held is None:
                    raise NotFound(
                        "unknown_booking",
                        "no such booking received from the hub, and no [hub] booking_key to "
                        "check its QR code with",
                    )
                if held is not None and not _same_booking(held, signed, self.tz):
                    raise Forbidden(
                        "booking_forged", "the QR code does not match the booking received"
                    )
                if held is None:
                    source = "qr"
                    held = core_booking.Booking(
                        code=signed.code,
                        service=signed.service,
                        day=signed.day,
                        slot_start=_local(signed.day, signed.start, self.tz),
                        slot_end=_local(signed.day, signed.end, self.tz),
                    )
            if held is None:
                raise NotFound("unknown_booking", f"no booking {code}")
            details = {"booking": self._booking_json(held)}
            svc = self.config.service(held.service)
            if svc is None:
                raise NotFound("unknown_service", f"no service {held.service!r}", details)
            try:
                decision = core_booking.check_in(
                    held,
                    ctx.now,
                    self.config.booking.early_minutes,
                    self.config.booking.late_minutes,
                )
            except core_booking.TooEarly as exc:
                exc.details = {**details, "opens_at": iso(exc.opens_at, self.tz)}
                raise
            except Conflict as exc:
                exc.details = details
                raise
            if decision.late:  # an ordinary ticket: the hours hold
                check_open(ctx.now, self.tz, self.windows, self.days, self.closed_days)
            ticket, answer = self._new_ticket(
                ctx, svc, False, kiosk, decision.procedure, decision.ref, print_at
            )
            status = core_booking.status_after(held, decision)
            store_bookings.checked_in(ctx.db, held, status, ticket.id, ctx.now, source)
            self._remember(ctx, request, action, ticket.id, answer)
            return answer, False

        return self._write(work)

    def _booking_json(self, b: core_booking.Booking) -> dict[str, Any]:
        svc = self.config.service(b.service)
        return {
            "code": b.code,
            "service": b.service,
            "service_name": svc.name if svc else b.service,
            "date": b.day.isoformat(),
            "slot_start": iso(b.slot_start, self.tz),
            "slot_end": iso(b.slot_end, self.tz),
            "status": b.status,
        }

    def day_bookings(self, day: date) -> list[dict[str, Any]]:
        """The bookings of ``day`` the centre holds, by slot, with their ticket's code."""
        with self.store.read() as db:
            rows = store_bookings.of_day(db, day)
        out = []
        for b, source, ticket in rows:
            item = self._booking_json(b)
            item.pop("date")
            out.append(
                {
                    **item,
                    "date": b.day.isoformat(),
                    "procedure": (
                        {"code": b.procedure[0], "name": b.procedure[1]} if b.procedure else None
                    ),
                    "ticket": ticket,
                    "source": source,
                }
            )
        return out

    def sync_bookings(self, items: list[dict[str, Any]], cursor: int | None = None) -> int:
        """Keep the bookings and cancellations the hub sent and the hub's cursor after
        them (one transaction); returns how many it took (a malformed one is logged and
        left out)."""
        good = []
        for item in items:
            try:
                good.append((store_bookings.from_hub(item, self.tz), item.get("seq")))
            except (KeyError, TypeError, ValueError, AttributeError):
                log.warning("hub sent a malformed booking, left out: %.200r", item)

        def work(ctx: _Ctx) -> int:
            for b, seq in good:
                store_bookings.merge(
                    ctx.db, b, seq if isinstance(seq, int) else None, "hub", ctx.now
                )
            if cursor is not None:
                repo.set_meta(ctx.db, CURSOR, str(cursor))
            return len(good)

        if not good:
            with self.store.read() as db:
                if cursor is None or repo.get_meta(db, CURSOR) == str(cursor):
                    return 0  # nothing new: no write transaction on every push
        return self._write(work)

    def mark_booking_no_shows(self) -> int:
        """Bookings nobody checked in by ``[booking] no_show_minutes`` after their slot
        ended become no-shows; each is logged (``booking_no_show``) and so reaches the
        hub, which applies the province's no-show rule."""
        minutes = self.config.booking.no_show_minutes
        with self.store.read() as db:
            limit = self.clock.now() - timedelta(minutes=minutes)
            if not store_bookings.waiting_before(db, limit):
                return 0  # the usual case: no write transaction every half minute

        def work(ctx: _Ctx) -> int:
            due = store_bookings.waiting_before(ctx.db, ctx.now - timedelta(minutes=minutes))
            for b in due:
                store_bookings.set_status(ctx.db, b.code, core_booking.NO_SHOW, ctx.now)
                repo.log_booking(ctx.db, ctx.now, ctx.day, "booking_no_show", b.code, b.service)
            if due:
                log.info("bookings not kept: %s", ", ".join(b.code for b in due))
            return len(due)

        return self._write(work)

    # --- request ids -------------------------------------------------------------------

    def _earlier(
        self, ctx: _Ctx, request: RequestKey | None, action: str
    ) -> tuple[int | None, dict] | None:
        """(ticket id, answer) of the same request done earlier today, or None; 409
        ``request_id_reused`` when that id was used today for something else."""
        if request is None:
            return None
        found = repo.find_request(ctx.db, ctx.day, request.scope, request.id)
        if found is None:
            return None
        done, ticket_id, answer = found
        if done != action:
            raise Conflict(
                "request_id_reused",
                f"request_id {request.id!r} was used today for another request ({done})",
            )
        log.info("request %s of %s answered again (%s)", request.id, request.scope, action)
        return ticket_id, json.loads(answer)

    def _remember(
        self,
        ctx: _Ctx,
        request: RequestKey | None,
        action: str,
        ticket_id: int | None,
        answer: dict,
    ) -> None:
        if request is not None:
            repo.save_request(
                ctx.db, ctx.day, request.scope, request.id, action, ticket_id, answer, ctx.now
            )

    def is_open_now(self) -> bool:
        return is_open(self.clock.now(), self.tz, self.windows, self.days, self.closed_days)

    def hours(self) -> dict:
        """Whether tickets are issued now, today's windows and the next change
        (``hours`` in /services and /state)."""
        now = self.clock.now()
        o = opening(now, self.tz, self.windows, self.days, self.closed_days)
        ahead = upcoming(now, self.tz, self.closed_days, CLOSED_DAYS_AHEAD)
        return hours_json(o, self.days, now, self.tz, ahead)

    # --- counter actions ---------------------------------------------------------

    def _counter_action(
        self,
        number: int,
        decide: Callable[[_Ctx, CounterState, Ticket | None], Change],
        answer: Callable[[_Ctx, Change, dict[int, Ticket]], dict],
        action: str,
        request_id: str | None = None,
    ) -> dict:
        """Load the counter and its current ticket, let the core decide, save, answer;
        all in one transaction. With ``request_id``, the same id for the same counter
        today gets the first answer again and changes nothing."""
        if self.config.counter(number) is None:
            raise NotFound("unknown_counter", f"no counter {number}")
        request = RequestKey(f"counter:{number}", request_id) if request_id else None

        def work(ctx: _Ctx) -> dict:
            earlier = self._earlier(ctx, request, action)
            if earlier is not None:
                return earlier[1]
            state = repo.get_counter(ctx.db, number)
            current = repo.get_ticket(ctx.db, state.current) if state.current else None
            change = decide(ctx, state, current)
            result = answer(ctx, change, self._apply(ctx, change))
            self._remember(ctx, request, action, None, result)
            return result

        return self._write(work)

    def _json_of(self, ctx: _Ctx, ticket: Ticket | None) -> dict | None:
        if ticket is None:
            return None
        if ticket.id in ctx.json:  # computed for its event, after the whole change
            return ctx.json[ticket.id]
        return self._ticket_json(ctx.db, ctx.day, ticket)

    def _ticket_answer(self, ctx: _Ctx, change: Change, saved: dict[int, Ticket]) -> dict:
        return {"ticket": self._json_of(ctx, self._result(change, saved))}

    def _counter_answer(self, number: int) -> Callable[[_Ctx, Change, dict], dict]:
        return lambda ctx, change, saved: {"counter": self._counter_json(ctx.db, number)}

    def next(self, number: int, request_id: str | None = None) -> dict:
        """Finish the current ticket, call the next one in order."""
        counter = self.config.counter(number)
        services = counter.services if counter else []

        def decide(ctx: _Ctx, state: CounterState, current: Ticket | None) -> Change:
            waiting = repo.first_waiting(ctx.db, ctx.day, services)
            return transitions.call_next(state, current, waiting, services, ctx.now)

        def answer(ctx: _Ctx, change: Change, saved: dict[int, Ticket]) -> dict:
            finished = saved.get(id(change.finished)) if change.finished is not None else None
            return {
                "ticket": self._json_of(ctx, self._result(change, saved)),
                "finished": self._json_of(ctx, finished),
            }

        return self._counter_action(number, decide, answer, "next", request_id)

    def recall(self, number: int, request_id: str | None = None) -> dict:
        return self._counter_action(
            number,
            lambda ctx, s, cur: transitions.recall(s, cur, ctx.now),
            self._ticket_answer,
            "recall",
            request_id,
        )

    def done(self, number: int, request_id: str | None = None) -> dict:
        return self._end(number, Status.DONE, request_id)

    def no_show(self, number: int, request_id: str | None = None) -> dict:
        return self._end(number, Status.NO_SHOW, request_id)

    def hold(self, number: int, request_id: str | None = None) -> dict:
        return self._end(number, Status.HELD, request_id)

    def _end(self, number: int, status: Status, request_id: str | None) -> dict:
        return self._counter_action(
            number,
            lambda ctx, s, cur: transitions.end_current(s, cur, status, ctx.now),
            self._ticket_answer,
            status.value,
            request_id,
        )

    def transfer(self, number: int, service_id: str, request_id: str | None = None) -> dict:
        known = [s.id for s in self.config.services]
        return self._counter_action(
            number,
            lambda ctx, s, cur: transitions.transfer(s, cur, service_id, known, ctx.now),
            self._ticket_answer,
            f"transfer:{service_id}",
            request_id,
        )

    def call(
        self,
        number: int,
        code: str,
        service_id: str | None = None,
        request_id: str | None = None,
    ) -> dict:
        """Call a ticket of today by its code (a late citizen, a held dossier); the code
        as a clerk types it ("a5" names A005: ``codes.matching``)."""
        counter = self.config.counter(number)
        if counter is None:
            raise NotFound("unknown_counter", f"no counter {number}")
        if service_id is not None and self.config.service(service_id) is None:
            raise NotFound("unknown_service", f"no service {service_id!r}")

        parts = codes.split_typed(code)
        typed = codes.normalize_typed(code)

        def decide(ctx: _Ctx, state: CounterState, current: Ticket | None) -> Change:
            found = repo.tickets_by_code(ctx.db, ctx.day, typed, parts[1] if parts else None)
            matches = codes.matching(typed, found)
            return transitions.call_by_code(
                state, current, matches, counter.services, ctx.now, service=service_id
            )

        action = f"call:{code}:{service_id or ''}"
        return self._counter_action(number, decide, self._ticket_answer, action, request_id)

    def callable(self, number: int, typed: str = "", limit: int = 8) -> list[dict]:
        """Today's tickets counter ``number`` may call by code whose code is near
        ``typed`` (``codes.suggest``): what the console offers while a clerk types."""
        counter = self.config.counter(number)
        if counter is None:
            raise NotFound("unknown_counter", f"no counter {number}")
        day = self.today()
        with self.store.read() as db:
            pool = repo.callable_tickets(db, day, counter.services)
            return [self._ticket_json(db, day, t) for t in codes.suggest(typed, pool, limit)]

    def pause(self, number: int, reason: str = "", request_id: str | None = None) -> dict:
        return self._counter_action(
            number,
            lambda ctx, s, cur: transitions.pause(s, reason, ctx.now),
            self._counter_answer(number),
            "pause",
            request_id,
        )

    def resume(self, number: int, request_id: str | None = None) -> dict:
        return self._counter_action(
            number,
            lambda ctx, s, cur: transitions.resume(s, ctx.now),
            self._counter_answer(number),
            "resume",
            request_id,
        )

    # --- kiosks and reprints -------------------------------------------------------

    def kiosk_status(
        self,
        name: str,
        printer: str,
        message: str = "",
        *,
        unprinted: list[int] | None = None,
        instance: str | None = None,
        address: str = "?",
    ) -> dict:
        """Record a kiosk's printer state; an event only when it changed.

        ``unprinted``: ids of tickets it issued but could not print (kept in memory,
        as the kiosk keeps them). ``instance``: the kiosk process's id; a second
        process under the same name elsewhere is refused with 409
        ``kiosk_name_in_use`` while the first runs (``counter_api.kiosks``).
        """
        if not any(k.name == name for k in self.config.kiosks):
            raise NotFound("unknown_kiosk", f"no kiosk {name!r}")

        def work(ctx: _Ctx) -> dict:
            verdict = self.roster.admit(name, instance, address, ctx.now.timestamp())
            if not verdict.accepted:
                return {"refused": self._refused_kiosk(ctx, name, verdict)}
            self._log_admitted(name, verdict, address)
            before = repo.kiosk_rows(ctx.db).get(name)
            changed = before is None or before[:2] != (printer, message)
            at = ctx.now if changed else before[2]
            if changed:
                repo.save_kiosk(ctx.db, name, printer, message, ctx.now)
                repo.log_action(ctx.db, ctx.now, ctx.day, f"printer_{printer}", None, None)
            live = self._kiosk_live.setdefault(name, {})
            live["seen"] = ctx.now
            if unprinted is not None:
                listed = self._unprinted_tickets(ctx, unprinted)
                changed = changed or listed != live.get("unprinted", [])
                live["unprinted"] = listed
            kiosk = self._kiosk_json(name, printer, message, at, ctx.now)
            if changed or verdict.why in ("restarted", "replaced"):
                self._emit(ctx, "kiosk.status", {"kiosk": kiosk})
            return {"kiosk": kiosk}

        result = self._write(work)
        if "refused" in result:
            raise Conflict("kiosk_name_in_use", result["refused"])
        return result["kiosk"]

    def _unprinted_tickets(self, ctx: _Ctx, ids: list[int]) -> list[dict[str, Any]]:
        """The tickets among ``ids`` that a citizen may still need on paper (today's,
        not finished or expired), in the kiosk's order: id, code, field."""
        out = []
        for tid in dict.fromkeys(ids):
            t = repo.get_ticket(ctx.db, tid)
            ended = t is None or t.status in (Status.DONE, Status.EXPIRED)
            if not ended and t.business_date == ctx.day:
                out.append({"id": t.id, "code": t.code, "service": t.service})
        return out

    def _refused_kiosk(self, ctx: _Ctx, name: str, verdict: Verdict) -> str:
        """A second kiosk under a name: log it (when it starts, then every 10 minutes),
        tell the consoles once, and say why in the answer."""
        held = verdict.holder
        assert held is not None and held.conflict is not None  # a refusal always has both
        c = held.conflict
        now = ctx.now.timestamp()
        ago = max(0, round(now - held.seen))
        fix = "give each kiosk its own [[kiosks]] entry (name and key) and set [kiosk] name"
        if now - c.logged >= 600 or c.logged < c.since:
            log.error(
                "kiosk %r: refused a second kiosk at %s using the same name while the one "
                "at %s runs (its last report %d s ago); %s",
                name,
                c.address,
                held.address,
                ago,
                fix,
            )
            if c.logged < c.since:  # a new conflict: consoles and the admin page show it
                row = repo.kiosk_rows(ctx.db).get(name) or (PRINTER_UNKNOWN, "", None)
                self._emit(
                    ctx, "kiosk.status", {"kiosk": self._kiosk_json(name, *row, now=ctx.now)}
                )
            c.logged = now
        return (
            f"kiosk name {name!r} is in use by the kiosk at {held.address} "
            f"(its last report {ago} s ago); {fix}"
        )

    def _log_admitted(self, name: str, verdict: Verdict, address: str) -> None:
        prev = verdict.previous
        if verdict.why == "restarted":
            log.info("kiosk %r restarted at %s (a new instance)", name, address)
        elif verdict.why == "replaced" and prev is not None and verdict.holder is not None:
            log.info(
                "kiosk %r now runs at %s; the one at %s was silent for %d s",
                name,
                address,
                prev.address,
                round(verdict.holder.seen - prev.seen),
            )

    def _kiosk_json(
        self, name: str, printer: str, message: str, at: datetime | None, now: datetime
    ) -> dict:
        live = self._kiosk_live.get(name, {})
        c = self.roster.conflict(name, now.timestamp())
        conflict = None
        if c is not None:
            conflict = {
                "address": c.address,
                "since": iso(datetime.fromtimestamp(c.since, self.tz), self.tz),
                "at": iso(datetime.fromtimestamp(c.at, self.tz), self.tz),
            }
        return kiosk_json(
            name,
            printer,
            message,
            at,
            self.config,
            seen=live.get("seen"),
            unprinted=live.get("unprinted"),
            conflict=conflict,
        )

    def reprint(
        self,
        ticket_id: int,
        kiosk: str | None = None,
        fallback: str | None = None,
        request: RequestKey | None = None,
    ) -> dict:
        """Ask the kiosk that printed a ticket (or a named one) to print it again; a
        ticket no kiosk printed goes to ``fallback`` (the asking counter's
        ``print_kiosk``), else the first kiosk. ``request`` sent again: the first
        answer, and nothing printed again."""
        names = [k.name for k in self.config.kiosks]
        if kiosk is not None and kiosk not in names:
            raise NotFound("unknown_kiosk", f"no kiosk {kiosk!r}")

        action = f"reprint:{ticket_id}:{kiosk or ''}"

        def work(ctx: _Ctx) -> dict:
            earlier = self._earlier(ctx, request, action)
            if earlier is not None:
                return earlier[1]
            ticket = repo.get_ticket(ctx.db, ticket_id)
            if ticket is None:
                raise NotFound("unknown_ticket", f"no ticket {ticket_id}")
            target = (
                kiosk
                or (ticket.kiosk if ticket.kiosk in names else None)
                or (fallback if fallback in names else None)
                or (names[0] if names else None)
            )
            if target is None:
                raise Conflict("no_kiosk", "no kiosk is configured to print on")
            tj = self._ticket_json(ctx.db, ctx.day, ticket)
            # the business day lets a kiosk that was off skip yesterday's requests
            day = ctx.day.isoformat()
            self._emit(ctx, "ticket.reprint", {"ticket": tj, "kiosk": target, "business_date": day})
            repo.log_action(ctx.db, ctx.now, ctx.day, "reprint", ticket, None)
            answer = {"ticket": tj, "kiosk": target}
            self._remember(ctx, request, action, ticket.id, answer)
            return answer

        return self._write(work)

    # --- satisfaction ratings --------------------------------------------------------

    def rate(
        self, number: int, score: int, ticket_id: int | None = None, source: str = "tablet"
    ) -> dict:
        """Record a citizen's rating of the counter's last finished ticket (once, soon after);
        emits ``rating.recorded``. 409 nothing_to_rate, not_ratable, rating_closed,
        already_rated."""
        if self.config.counter(number) is None:
            raise NotFound("unknown_counter", f"no counter {number}")
        rating.check_score(score)

        def work(ctx: _Ctx) -> dict:
            last = repo.last_done_at_counter(ctx.db, ctx.day, number)
            ticket = rating.check_rating(
                last,
                counter=number,
                asked_ticket=ticket_id,
                now=ctx.now,
                window_seconds=self.config.ratings.window_seconds,
                already_rated=last is not None and repo.is_rated(ctx.db, last.id),
            )
            repo.insert_rating(ctx.db, ticket, number, score, ctx.now, source)
            out = {
                "ticket": ticket.id,
                "code": ticket.code,
                "service": ticket.service,
                "counter": number,
                "score": score,
                "level": rating.LEVELS[score],
                "at": iso(ctx.now, self.tz),
            }
            self._emit(ctx, "rating.recorded", {"rating": out, "counter": number})
            return out

        return self._write(work)

    def checklist_print(
        self, procedure: tuple[str, str], kiosk: str | None = None, counter: int | None = None
    ) -> dict:
        """Ask a kiosk (the named one, else the first) to print a procedure's documents
        checklist for a citizen: event ``checklist.print``, which that kiosk follows."""
        names = [k.name for k in self.config.kiosks]
        if kiosk is not None and kiosk not in names:
            raise NotFound("unknown_kiosk", f"no kiosk {kiosk!r}")
        target = kiosk or (names[0] if names else None)
        if target is None:
            raise Conflict("no_kiosk", "no kiosk is configured to print on")
        data = {
            "procedure": {"code": procedure[0], "name": procedure[1]},
            "kiosk": target,
            "counter": counter,
        }

        def work(ctx: _Ctx) -> dict:
            self._emit(ctx, "checklist.print", {**data, "business_date": ctx.day.isoformat()})
            return data

        return self._write(work)

    # --- reads ------------------------------------------------------------------

    def ticket(self, ticket_id: int) -> dict:
        self.today()
        with self.store.read() as db:
            t = repo.get_ticket(db, ticket_id)
            if t is None:
                raise NotFound("unknown_ticket", f"no ticket {ticket_id}")
            return self._ticket_json(db, t.business_date, t)

    def counter(self, number: int) -> dict:
        with self.store.read() as db:
            return self._counter_json(db, number)

    def counter_tickets(self, number: int, statuses: list[str]) -> list[dict]:
        """Today's tickets a counter held or marked absent (or other statuses), for the
        console's call-back list; newest call first."""
        if self.config.counter(number) is None:
            raise NotFound("unknown_counter", f"no counter {number}")
        day = self.today()
        with self.store.read() as db:
            found = repo.counter_tickets(db, day, number, statuses)
            return [self._ticket_json(db, day, t) for t in found]

    def services(self) -> list[dict]:
        day = self.today()
        with self.store.read() as db:
            waiting = self._waiting(db, day)
            prio = repo.priority_waiting_counts(db, day)
        return [
            {
                "id": s.id,
                "name": s.name,
                "prefix": s.prefix,
                "waiting": waiting[s.id],
                "priority_waiting": prio.get(s.id, 0),
            }
            for s in self.config.services
        ]

    def _state(self, db: Any, day: date) -> dict:
        now = self.clock.now()
        states = repo.all_counters(db)
        counters = []
        for c in self.config.counters:
            counters.append(
                self._counter_json(db, c.number)
                if c.number in states
                else counter_json(CounterState(c.number), self.config, None)
            )
        waiting = self._waiting(db, day)
        kiosks = repo.kiosk_rows(db)
        _, last_id = repo.event_id_range(db)
        return {
            "business_date": day.isoformat(),
            "time": iso(self.clock.now(), self.tz),
            "centre": self.config.centre.name,
            "open": is_open(self.clock.now(), self.tz, self.windows, self.days, self.closed_days),
            "hours": self.hours(),
            "counters": counters,
            "recent_calls": [
                {
                    "code": r["code"],
                    "counter": r["counter"],
                    "service": r["service"],
                    "called_at": iso(r["called_at"], self.tz),
                    "calls": r["calls"],
                    "booked": r["booked"],
                }
                for r in repo.recent_calls(db, day)
            ],
            "services": [
                {"id": s.id, "name": s.name, "prefix": s.prefix, "waiting": waiting[s.id]}
                for s in self.config.services
            ],
            "kiosks": [
                self._kiosk_json(
                    k.name, *(kiosks.get(k.name) or (PRINTER_UNKNOWN, "", None)), now=now
                )
                for k in self.config.kiosks
            ],
            "last_event_id": last_id,
        }

    def state(self) -> dict:
        day = self.today()
        with self.store.read() as db:
            return self._state(db, day)

    # --- the event log ------------------------------------------------------------

    def can_replay_from(self, last_id: int) -> bool:
        """True when every event after ``last_id`` is still in the durable log."""
        with self.store.read() as db:
            oldest, newest = repo.event_id_range(db)
        return oldest - 1 <= last_id <= newest

    def events_after(self, last_id: int, limit: int = 500) -> list[Event]:
        got = self.bus.since(last_id, limit)
        if got is not None:
            return got
        with self.store.read() as db:
            rows = repo.events_after(db, last_id, limit)
        return [Event(i, t, d) for i, t, d in rows]

    def snapshot(self) -> Event:
        """The ``snapshot`` event: the state, with the id of the last event in it."""
        day = self.today()
        with self.store.read() as db:
            state = self._state(db, day)
        payload = json.dumps(state, ensure_ascii=False, separators=(",", ":"))
        return Event(state["last_event_id"], "snapshot", payload)

    def seconds_to_midnight(self) -> float:
        now = self.clock.now()
        return max(0.0, (next_midnight(now, self.tz) - now) / timedelta(seconds=1))
