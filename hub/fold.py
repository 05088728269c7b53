"""From pushed rows to report rows and rollups, as pure functions (no database).

A centre pushes every ``ticket_log`` row and every rating in order. Folding a
ticket's rows in order rebuilds the ticket as the centre's ``tickets`` table has
it (the same rules as the centre's queue core: a call sets ``first_called_at``
once, a hold clears ``finished_at``, a transfer moves the ticket back to waiting
in another field…), so ``sothutu.reports.compute`` gives the same figures at
the hub as at the centre. ``Rollup`` keeps what the overview and the province
report need per (day, field), updated by the change each new row makes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from sothutu.reports.compute import LogRow, RatingRow, TicketRow


@dataclass(frozen=True, slots=True)
class Row:
    """One pushed row; times are epoch seconds."""

    seq: int
    day: date  # the ticket's business date, or the row's own when it has no ticket
    business_date: date
    at: float
    action: str
    ticket_id: int | None = None
    code: str | None = None
    service: str | None = None
    counter: int | None = None
    calls: int | None = None
    priority: bool | None = None
    procedure: str | None = None
    score: int | None = None
    #: a booking's code: on an ``issued`` row of a checked-in ticket, or on a
    #: ``booking_no_show`` row (a booking nobody checked in)
    booking: str | None = None
    slot_start: float | None = None
    slot_end: float | None = None
    #: checked in after its window: the ticket is an ordinary one
    booking_late: bool | None = None


@dataclass(frozen=True, slots=True)
class TicketState:
    ticket_id: int
    day: date
    code: str
    original_service: str
    service: str
    status: str
    issued_at: float
    counter: int | None = None
    calls: int = 0
    priority: bool = False
    first_called_at: float | None = None
    called_at: float | None = None
    finished_at: float | None = None
    booking: str | None = None
    slot_start: float | None = None
    booking_late: bool = False


def apply(t: TicketState | None, r: Row) -> TicketState | None:
    """The ticket after row ``r`` (None when it is not a ticket row or its issue is unknown)."""
    if r.ticket_id is None or r.action == "rated":
        return t
    if r.action == "issued":
        return TicketState(
            ticket_id=r.ticket_id,
            day=r.day,
            code=r.code or "",
            original_service=r.service or "",
            service=r.service or "",
            status="waiting",
            issued_at=r.at,
            priority=bool(r.priority),
            booking=r.booking,
            slot_start=r.slot_start,
            booking_late=bool(r.booking_late),
        )
    if t is None:
        return None
    a = r.action
    if a == "called":
        return replace(
            t,
            status="called",
            counter=r.counter,
            calls=r.calls if r.calls is not None else t.calls + 1,
            called_at=r.at,
            first_called_at=t.first_called_at if t.first_called_at is not None else r.at,
            finished_at=None,
        )
    if a == "recalled":
        return replace(t, calls=r.calls if r.calls is not None else t.calls + 1)
    if a == "done":
        return replace(t, status="done", finished_at=r.at)
    if a == "no_show":
        return replace(t, status="no_show", finished_at=r.at)
    if a == "held":
        return replace(t, status="held", finished_at=None)
    if a == "transferred":
        return replace(t, status="waiting", service=r.service or t.service, counter=None)
    if a == "expired":
        return replace(t, status="expired")
    return t


def ticket_row(t: TicketState) -> TicketRow:
    return TicketRow(
        id=t.ticket_id,
        business_date=t.day.isoformat(),
        service=t.service,
        original_service=t.original_service,
        code=t.code,
        status=t.status,
        counter=t.counter,
        issued_at=t.issued_at,
        first_called_at=t.first_called_at,
        called_at=t.called_at,
        finished_at=t.finished_at,
        booking=t.booking,
        slot_start=t.slot_start,
        booking_late=int(t.booking_late),
    )


def report_rows(
    rows: Iterable[Row], first: date, last: date
) -> tuple[list[TicketRow], list[LogRow], list[RatingRow]]:
    """The rows ``compute`` takes for business days ``first`` … ``last``, from the pushed
    rows of those days in ``seq`` order (as the centre's reports load them)."""
    tickets: dict[int, TicketState] = {}
    log: list[LogRow] = []
    ratings: list[RatingRow] = []
    for r in rows:
        if r.action == "rated":
            if r.ticket_id is not None and r.counter is not None and r.score is not None:
                ratings.append(
                    RatingRow(
                        r.ticket_id, r.day.isoformat(), r.service or "", r.counter, r.score, r.at
                    )
                )
            continue
        if r.counter is not None and first <= r.business_date <= last:
            log.append(LogRow(r.at, r.business_date.isoformat(), r.action, r.ticket_id, r.counter))
        if r.ticket_id is not None:
            t = apply(tickets.get(r.ticket_id), r)
            if t is not None:
                tickets[r.ticket_id] = t
    out = [ticket_row(t) for _, t in sorted(tickets.items()) if first <= t.day <= last]
    ratings.sort(key=lambda g: g.ticket_id)
    return out, log, [g for g in ratings if first <= date.fromisoformat(g.business_date) <= last]


# --- rollups -------------------------------------------------------------------------

COUNTS = ("issued", "called", "served", "no_show", "expired", "booked", "late")


@dataclass
class Delta:
    """What new rows add to one (day, field) rollup."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    waits: list[float] = field(default_factory=list)  # seconds, tickets first called
    served_waits: list[float] = field(default_factory=list)  # seconds, tickets served
    ratings: list[int] = field(default_factory=lambda: [0] * 5)  # count per score 1..5
    arrival_s: float = 0.0  # booked citizens' check-in minus slot start, summed

    def empty(self) -> bool:
        return not (
            any(self.counts.values())
            or self.waits
            or self.served_waits
            or any(self.ratings)
            or self.arrival_s
        )


def _contribution(t: TicketState | None) -> dict[tuple[str, str], int]:
    """The counts a ticket in state ``t`` adds, by (field, figure) — the same attribution
    as the reports: issued to the field it was issued in, outcomes to the field it ended in."""
    if t is None:
        return {}
    c: dict[tuple[str, str], int] = defaultdict(int)
    c[(t.original_service, "issued")] += 1
    if t.booking is not None:
        c[(t.original_service, "late" if t.booking_late else "booked")] += 1
    if t.first_called_at is not None:
        c[(t.service, "called")] += 1
    if t.status == "done":
        c[(t.service, "served")] += 1
    elif t.status == "no_show" and t.finished_at is not None:
        c[(t.service, "no_show")] += 1
    elif t.status == "expired":
        c[(t.service, "expired")] += 1
    return c


def rollup(
    states: dict[int, TicketState], rows: Iterable[Row]
) -> tuple[dict[int, TicketState], dict[tuple[date, str], Delta]]:
    """Fold new rows into the known ticket states; returns the changed states and the
    rollup deltas by (day, field). ``states`` is not modified."""
    changed: dict[int, TicketState] = {}
    deltas: dict[tuple[date, str], Delta] = defaultdict(Delta)
    for r in rows:
        if r.action == "rated":
            if r.score is not None and 1 <= r.score <= 5 and r.service:
                deltas[(r.day, r.service)].ratings[r.score - 1] += 1
            continue
        if r.ticket_id is None:
            continue
        before = changed.get(r.ticket_id, states.get(r.ticket_id))
        after = apply(before, r)
        if after is None or after is before:
            continue
        changed[r.ticket_id] = after
        if before is None and after.booking is not None and after.slot_start is not None:
            deltas[(after.day, after.original_service)].arrival_s += (
                after.issued_at - after.slot_start
            )
        old, new = _contribution(before), _contribution(after)
        for key in set(old) | set(new):
            diff = new.get(key, 0) - old.get(key, 0)
            if diff:
                deltas[(after.day, key[0])].counts[key[1]] += diff
        first_call = after.first_called_at is not None and (
            before is None or before.first_called_at is None
        )
        if first_call:
            deltas[(after.day, after.original_service)].waits.append(
                after.first_called_at - after.issued_at  # type: ignore[operator]
            )
        served_now = after.status == "done" and (before is None or before.status != "done")
        if served_now and after.first_called_at is not None:
            deltas[(after.day, after.original_service)].served_waits.append(
                after.first_called_at - after.issued_at
            )
    return changed, {k: v for k, v in deltas.items() if not v.empty()}
