"""Report figures from plain rows: no Flask, no SQLite, no clock.

Definitions (also in docs/reports.md):

- waiting time = first call − issue time (a recall or a later call by code
  does not restart it); counted for every ticket that was called;
- service time = finished − latest call, for served (done) tickets;
- no-show rate = no-show ÷ called;
- share over the service level = served tickets whose waiting time exceeds
  ``service_level_minutes`` ÷ served tickets;
- satisfied share = ratings of 4 (Hài lòng) or 5 (Rất hài lòng) ÷ ratings;
- a counter's open time = its working span of the day (first to last action)
  minus the time it was paused without a ticket; serving time = time with a
  current ticket; idle time = open − serving.

Fields: "issued", waiting times and the service level go to the field the
ticket was issued in (where the citizen queued before the first call); the
outcome (called, served, no-show, expired, service time, ratings) goes to
the field the ticket ended in, after any transfer.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sothutu.ratings import LEVELS, SATISFIED


@dataclass(frozen=True, slots=True)
class TicketRow:
    """One ticket as the report needs it; times are epoch seconds."""

    id: int
    business_date: str
    service: str
    original_service: str
    code: str
    status: str
    counter: int | None
    issued_at: float
    first_called_at: float | None
    called_at: float | None
    finished_at: float | None
    #: the booking the ticket was checked in with, its slot's start, and whether it came
    #: after its check-in window (then the ticket is an ordinary one)
    booking: str | None = None
    slot_start: float | None = None
    booking_late: int = 0


@dataclass(frozen=True, slots=True)
class BookingRow:
    """A booking made for a day of the report (cancelled ones are left out by the caller
    or counted by nobody); ``status`` is booked, checked_in, late or no_show."""

    code: str
    business_date: str
    service: str
    status: str
    slot_start: float


@dataclass(frozen=True, slots=True)
class LogRow:
    """One line of ticket_log."""

    at: float
    business_date: str
    action: str
    ticket_id: int | None
    counter: int | None


@dataclass(frozen=True, slots=True)
class RatingRow:
    ticket_id: int
    business_date: str
    service: str
    counter: int
    score: int
    at: float


@dataclass(frozen=True, slots=True)
class Setup:
    """What the report needs from the config."""

    centre: str
    tz: ZoneInfo
    services: Sequence[tuple[str, str]]  # (id, name) in the config's order
    counters: Sequence[tuple[int, str]]  # (number, label)
    service_level_minutes: float


#: Actions of a counter that mark its working span (not expiry at the rollover).
COUNTER_ACTIONS = frozenset(
    {"called", "recalled", "done", "no_show", "held", "transferred", "paused", "resumed"}
)
_ENDS = frozenset({"done", "no_show", "held", "transferred"})


@dataclass
class _Acc:
    """Everything one row of a report is computed from."""

    issued: int = 0
    called: int = 0
    served: int = 0
    no_show: int = 0
    expired: int = 0
    waits: list[float] = field(default_factory=list)  # minutes
    served_waits: list[float] = field(default_factory=list)  # minutes, served tickets only
    services: list[float] = field(default_factory=list)  # minutes
    scores: list[int] = field(default_factory=list)
    recalls: int = 0
    held: int = 0
    transferred: int = 0
    open_s: float = 0.0
    serving_s: float = 0.0
    booked: int = 0  # tickets of bookings checked in within their window
    late: int = 0  # tickets of bookings checked in after it (ordinary ones)
    arrivals: list[float] = field(default_factory=list)  # minutes from slot start
    bookings: int = 0  # bookings made for the period (not cancelled)
    booking_no_show: int = 0


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least p % of values ≤ it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def _r(x: float | None, digits: int = 2) -> float | None:
    return None if x is None else round(x, digits)


def _summary(acc: _Acc, level: float) -> dict[str, Any]:
    over = sum(1 for w in acc.served_waits if w > level)
    satisfied = sum(1 for s in acc.scores if s >= SATISFIED)
    waits, services = acc.waits, acc.services
    return {
        "issued": acc.issued,
        "called": acc.called,
        "served": acc.served,
        "no_show": acc.no_show,
        "expired": acc.expired,
        "no_show_rate": _r(acc.no_show / acc.called, 4) if acc.called else None,
        "waiting": {
            "count": len(waits),
            "mean": _r(statistics.fmean(waits)) if waits else None,
            "median": _r(statistics.median(waits)) if waits else None,
            "p90": _r(percentile(waits, 90)),
            "max": _r(max(waits)) if waits else None,
        },
        "service": {
            "count": len(services),
            "mean": _r(statistics.fmean(services)) if services else None,
            "median": _r(statistics.median(services)) if services else None,
        },
        "over_service_level": {
            "count": over,
            "share": _r(over / len(acc.served_waits), 4) if acc.served_waits else None,
        },
        "ratings": {
            "count": len(acc.scores),
            "mean": _r(statistics.fmean(acc.scores)) if acc.scores else None,
            "levels": {str(k): acc.scores.count(k) for k in LEVELS},
            "satisfied": _r(satisfied / len(acc.scores), 4) if acc.scores else None,
        },
        "booking": _booking(acc),
    }


def _booking(acc: _Acc) -> dict[str, Any]:
    arrived = acc.booked + acc.late
    return {
        "booked": acc.booked,
        "late": acc.late,
        "walk_in": acc.issued - arrived,
        "bookings": acc.bookings,
        "no_show": acc.booking_no_show,
        "arrival": {
            "count": len(acc.arrivals),
            "mean": _r(statistics.fmean(acc.arrivals)) if acc.arrivals else None,
            "on_time_share": _r(acc.booked / arrived, 4) if arrived else None,
        },
    }


def _counter_extra(acc: _Acc) -> dict[str, Any]:
    return {
        "recalls": acc.recalls,
        "held": acc.held,
        "transferred": acc.transferred,
        "open_minutes": _r(acc.open_s / 60, 1),
        "serving_minutes": _r(acc.serving_s / 60, 1),
        "idle_minutes": _r((acc.open_s - acc.serving_s) / 60, 1),
    }


def _measure(spans: Iterable[tuple[float, float]]) -> float:
    """Total length of the union of [start, end] spans."""
    total = 0.0
    cur_start = cur_end = None
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if cur_end is None or start > cur_end:
            if cur_end is not None:
                total += cur_end - cur_start  # type: ignore[operator]
            cur_start, cur_end = start, end
        else:
            cur_end = max(cur_end, end)
    if cur_end is not None:
        total += cur_end - cur_start  # type: ignore[operator]
    return total


def counter_time(rows: Sequence[LogRow]) -> tuple[float, float]:
    """(open, serving) seconds of one counter on one business day, from its log rows
    in order. Open = first to last action minus paused time without a ticket; a
    ticket still current at the counter's last action is served until then."""
    acts = [r for r in rows if r.action in COUNTER_ACTIONS]
    if not acts:
        return 0.0, 0.0
    start, end = acts[0].at, acts[-1].at
    serving: list[tuple[float, float]] = []
    paused: list[tuple[float, float]] = []
    current: dict[int | None, float] = {}
    pause_start: float | None = None
    for r in acts:
        if r.action == "called":
            current[r.ticket_id] = r.at
        elif r.action in _ENDS:
            began = current.pop(r.ticket_id, None)
            if began is not None:
                serving.append((began, r.at))
        elif r.action == "paused":
            if pause_start is None:
                pause_start = r.at
        elif r.action == "resumed" and pause_start is not None:
            paused.append((pause_start, r.at))
            pause_start = None
    serving += [(began, end) for began in current.values()]
    if pause_start is not None:
        paused.append((pause_start, end))
    serving_s = _measure(serving)
    idle_s = (end - start) - _measure(serving + paused)
    return serving_s + idle_s, serving_s


def compute(
    tickets: Iterable[TicketRow],
    log: Iterable[LogRow],
    ratings: Iterable[RatingRow],
    setup: Setup,
    date_from: date,
    date_to: date,
    bookings: Iterable[BookingRow] = (),
) -> dict[str, Any]:
    """The report of business days ``date_from`` … ``date_to`` (inclusive), as JSON data.

    Booking figures: a ticket checked in with a booking counts as ``booked`` (within its
    window) or ``late`` (after it: an ordinary ticket) in the field and hour it was
    issued in; ``walk_in`` is the rest of the issued tickets; the arrival is check-in
    minus slot start (negative: early). ``bookings`` and their ``no_show`` count the
    bookings made for the period's days, by their field, day and slot hour."""
    tickets = list(tickets)
    log = list(log)
    tz = setup.tz
    level = setup.service_level_minutes

    def hour(ts: float) -> int:
        return datetime.fromtimestamp(ts, tz).hour

    total = _Acc()
    by_service: dict[str, _Acc] = defaultdict(_Acc)
    by_counter: dict[int, _Acc] = defaultdict(_Acc)
    by_hour: dict[int, _Acc] = defaultdict(_Acc)
    by_day: dict[str, _Acc] = defaultdict(_Acc)

    first_caller: dict[int, int] = {}
    for r in log:
        ticket = r.ticket_id
        if r.action == "called" and ticket is not None and r.counter is not None:
            first_caller.setdefault(ticket, r.counter)

    def add(accs: Iterable[_Acc], fn: Callable[[_Acc], None]) -> None:
        for a in accs:
            fn(a)

    for t in tickets:
        day = by_day[t.business_date]
        issued_in = by_service[t.original_service]
        ended_in = by_service[t.service]
        add((total, issued_in, by_hour[hour(t.issued_at)], day), _inc("issued"))
        if t.booking is not None:
            add(
                (total, issued_in, by_hour[hour(t.issued_at)], day),
                _inc("late" if t.booking_late else "booked"),
            )
            if t.slot_start is not None:
                for a in (total, issued_in, by_hour[hour(t.issued_at)], day):
                    a.arrivals.append((t.issued_at - t.slot_start) / 60)
        if t.status == "expired":
            add((total, ended_in, by_hour[hour(t.issued_at)], day), _inc("expired"))
            if t.counter is not None:
                by_counter[t.counter].expired += 1
        wait = None
        if t.first_called_at is not None:
            wait = (t.first_called_at - t.issued_at) / 60
            add((total, ended_in, by_hour[hour(t.first_called_at)], day), _inc("called"))
            for a in (total, issued_in, by_hour[hour(t.issued_at)], day):
                a.waits.append(wait)
            caller = first_caller.get(t.id)
            if caller is not None:
                by_counter[caller].waits.append(wait)
        if t.status == "done" and t.finished_at is not None:
            fin = by_hour[hour(t.finished_at)]
            add((total, ended_in, fin, day), _inc("served"))
            if t.called_at is not None:
                minutes = (t.finished_at - t.called_at) / 60
                for a in (total, ended_in, fin, day):
                    a.services.append(minutes)
                if t.counter is not None:
                    by_counter[t.counter].services.append(minutes)
            if wait is not None:
                for a in (total, issued_in, by_hour[hour(t.issued_at)], day):
                    a.served_waits.append(wait)
                if t.counter is not None:
                    by_counter[t.counter].served_waits.append(wait)
        if t.status == "no_show" and t.finished_at is not None:
            add((total, ended_in, by_hour[hour(t.finished_at)], day), _inc("no_show"))

    # Counters count their actions (a ticket absent at first and served later counts
    # once in each), and their time from the log, day by day.
    per_counter_day: dict[tuple[int, str], list[LogRow]] = defaultdict(list)
    for r in log:
        if r.counter is None:
            continue
        acc = by_counter[r.counter]
        if r.action == "called":
            acc.called += 1
        elif r.action == "recalled":
            acc.recalls += 1
        elif r.action == "done":
            acc.served += 1
        elif r.action == "no_show":
            acc.no_show += 1
        elif r.action == "held":
            acc.held += 1
        elif r.action == "transferred":
            acc.transferred += 1
        if r.action in COUNTER_ACTIONS:
            per_counter_day[(r.counter, r.business_date)].append(r)
    for (number, _day), rows in per_counter_day.items():
        open_s, serving_s = counter_time(rows)
        by_counter[number].open_s += open_s
        by_counter[number].serving_s += serving_s

    for g in ratings:
        for a in (total, by_service[g.service], by_counter[g.counter], by_hour[hour(g.at)]):
            a.scores.append(g.score)
        by_day[g.business_date].scores.append(g.score)

    for b in bookings:
        accs = (total, by_service[b.service], by_hour[hour(b.slot_start)], by_day[b.business_date])
        add(accs, _inc("bookings"))
        if b.status == "no_show":
            add(accs, _inc("booking_no_show"))

    names = dict(setup.services)
    service_ids = [sid for sid, _ in setup.services]
    service_ids += sorted(set(by_service) - set(service_ids))  # a field since removed
    labels = dict(setup.counters)
    numbers = sorted(set(labels) | set(by_counter))
    hours = sorted(by_hour)
    if hours:
        hours = list(range(hours[0], hours[-1] + 1))
    return {
        "centre": setup.centre,
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "service_level_minutes": level,
        "levels": {str(k): v for k, v in LEVELS.items()},
        "total": _summary(total, level),
        "services": [
            {"id": sid, "name": names.get(sid, sid), **_summary(by_service[sid], level)}
            for sid in service_ids
        ],
        "counters": [
            {
                "number": n,
                "name": labels.get(n, f"Quầy {n}"),
                **{**_summary(by_counter[n], level), "issued": None, "booking": None},
                **_counter_extra(by_counter[n]),
            }
            for n in numbers
        ],
        "hours": [{"hour": h, **_summary(by_hour[h], level)} for h in hours],
        "days": [{"date": d, **_summary(by_day[d], level)} for d in sorted(by_day)],
    }


def _inc(name: str) -> Callable[[_Acc], None]:
    def inc(acc: _Acc) -> None:
        setattr(acc, name, getattr(acc, name) + 1)

    return inc
