"""What the wall display shows (pure): events in, display state out.

``apply(state, type, data, id, now)`` folds one event of ``/api/v1/events``
into a ``DisplayState`` and returns the calls to announce; ``connection()``
records the stream coming and going; ``view(state, now)`` is what the screen
shows at ``now`` (texts, blink phase, the clock) and ``next_change()`` when
that changes by itself. No pygame, no I/O, no clock of its own: the browser
display (``counter_api/static/display/display.js``) mirrors this module line by
line, and a test checks that both fold the same events alike.

Times: every ``at`` here is on the display's clock. Server times (a ticket's
``called_at``, an event's ``at``, the snapshot's ``time``) are moved onto it
with ``skew`` (display clock minus server clock), learned from the snapshot and
from events that arrive live, so calls replayed after an outage keep their
real age (and are not announced when too old) even when the two clocks differ.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sothutu.clock import parse_iso
from sothutu.wall import (  # noqa: F401  (re-exported: render and tests read them here)
    BLINK_SECONDS,
    CONNECT_GRACE,
    LIVE_AFTER,
    RECENT_KEPT,
    TEXT_BOOKED,
    TEXT_CALL,
    TEXT_CONNECTING,
    TEXT_COUNTER,
    TEXT_LAST_UPDATE,
    TEXT_LOST,
    TEXT_NO_CALL,
    TEXT_PAUSED,
    TEXT_RECENT,
    TEXT_SERVING,
    TEXT_STALE,
    TEXT_TO_COUNTER,
    TEXT_WAITING,
)

LINK_CONNECTING = "connecting"
LINK_LIVE = "live"
LINK_LOST = "lost"

ENDING_EVENTS = frozenset(
    {"ticket.done", "ticket.no_show", "ticket.held", "ticket.transferred", "ticket.expired"}
)
CALL_EVENTS = frozenset({"ticket.called", "ticket.recalled"})


@dataclass(frozen=True)
class CounterInfo:
    """A counter as the display knows it."""

    number: int
    name: str
    status: str = "open"  # open | serving | paused
    code: str | None = None
    ticket_id: int | None = None


@dataclass(frozen=True)
class Call:
    """One announcement of a ticket at a counter; ``at`` on the display's clock."""

    code: str
    counter: int
    service: str
    at: datetime
    recall: bool = False
    ticket_id: int | None = None
    booked: bool = False  # booked ahead and checked in on time: called before walk-ins


@dataclass(frozen=True)
class Waiting:
    """How many wait in one field."""

    id: str
    name: str
    count: int


@dataclass(frozen=True)
class Spoken:
    """A call to announce: what ``sothutu.voice.announce`` needs, and when it was made.
    ``calls`` is the ticket's count of announcements (a recall's 3 is "lần thứ ba")."""

    code: str
    counter: int
    recall: bool
    at: datetime
    calls: int | None = None


@dataclass(frozen=True)
class DisplayState:
    centre: str
    notice: str = ""
    highlight_seconds: float = 10.0
    link: str = LINK_CONNECTING
    link_since: datetime | None = None
    synced: bool = False  # a snapshot has arrived
    last_update: datetime | None = None  # data known current until then (set when lost)
    business_date: str | None = None
    counters: tuple[CounterInfo, ...] = ()
    calls: tuple[Call, ...] = ()  # newest first
    waiting: tuple[Waiting, ...] = ()
    highlight_until: datetime | None = None
    skew: timedelta | None = None  # display clock − server clock
    last_event_id: int | None = None


def initial(
    centre: str,
    notice: str = "",
    *,
    highlight_seconds: float = 10.0,
    counters: tuple[CounterInfo, ...] = (),
    waiting: tuple[Waiting, ...] = (),
    now: datetime | None = None,
) -> DisplayState:
    """The state before the first snapshot (counters and fields from the config)."""
    return DisplayState(
        centre=centre,
        notice=notice,
        highlight_seconds=highlight_seconds,
        link_since=now,
        counters=counters,
        waiting=waiting,
    )


# --- the event stream ---------------------------------------------------------------


def connection(state: DisplayState, up: bool, now: datetime) -> DisplayState:
    """The event stream connected (``up``) or was lost at ``now``."""
    if up:
        return replace(state, link=LINK_LIVE, link_since=now)
    if state.link == LINK_LIVE:
        return replace(state, link=LINK_LOST, link_since=now, last_update=now)
    return replace(state, link=LINK_LOST, link_since=state.link_since or now)


def _is_live(state: DisplayState, now: datetime) -> bool:
    return (
        state.link == LINK_LIVE
        and state.link_since is not None
        and (now - state.link_since).total_seconds() >= LIVE_AFTER
    )


def _local(state: DisplayState, server_time: datetime | None, now: datetime) -> datetime:
    """A server time on the display's clock; ``now`` when unknown or in the future."""
    if server_time is None or state.skew is None:
        return now
    return min(server_time + state.skew, now)


def _counter_from(c: dict[str, Any]) -> CounterInfo:
    current = c.get("current") or None
    return CounterInfo(
        number=int(c["number"]),
        name=str(c.get("name") or f"{TEXT_COUNTER} {c['number']}"),
        status=str(c.get("status") or ("serving" if current else "open")),
        code=current.get("code") if current else None,
        ticket_id=current.get("id") if current else None,
    )


def _put_counter(counters: tuple[CounterInfo, ...], new: CounterInfo) -> tuple[CounterInfo, ...]:
    out = [c for c in counters if c.number != new.number]
    out.append(new)
    return tuple(sorted(out, key=lambda c: c.number))


def _with_waiting(state: DisplayState, counts: Any) -> DisplayState:
    if not isinstance(counts, dict):
        return state
    known = {w.id for w in state.waiting}
    waiting = tuple(
        replace(w, count=int(counts[w.id])) if isinstance(counts.get(w.id), int) else w
        for w in state.waiting
    )
    extra = tuple(
        Waiting(k, k, v) for k, v in counts.items() if k not in known and isinstance(v, int)
    )
    return replace(state, waiting=waiting + extra)


def _snapshot(state: DisplayState, data: dict[str, Any], now: datetime) -> DisplayState:
    server_now = parse_iso(data.get("time"))
    skew = now - server_now if server_now is not None else state.skew
    state = replace(state, skew=skew)
    names = {w.id: w.name for w in state.waiting}
    waiting = tuple(
        Waiting(str(s["id"]), str(s.get("name") or names.get(s["id"], s["id"])), int(s["waiting"]))
        for s in data.get("services", [])
    )
    calls = []
    for r in data.get("recent_calls", [])[:RECENT_KEPT]:
        at = _local(state, parse_iso(r.get("called_at")), now)
        calls.append(
            Call(
                code=str(r["code"]),
                counter=int(r["counter"]),
                service=str(r.get("service", "")),
                at=at,
                recall=int(r.get("calls") or 1) > 1,
                booked=r.get("booked") is True,
            )
        )
    newest = calls[0] if calls else None
    return replace(
        state,
        centre=str(data.get("centre") or state.centre),
        synced=True,
        business_date=data.get("business_date", state.business_date),
        counters=tuple(sorted((_counter_from(c) for c in data.get("counters", [])), key=_number)),
        calls=tuple(calls),
        waiting=waiting or state.waiting,
        highlight_until=(
            newest.at + timedelta(seconds=state.highlight_seconds) if newest else None
        ),
    )


def _number(c: CounterInfo) -> int:
    return c.number


def _called(
    state: DisplayState, kind: str, data: dict[str, Any], now: datetime
) -> tuple[DisplayState, tuple[Spoken, ...]]:
    t = data["ticket"]
    number = data.get("counter") if data.get("counter") is not None else t.get("counter")
    if number is None:
        return state, ()
    number = int(number)
    recall = kind == "ticket.recalled"
    server_at = parse_iso(data.get("at"))
    if server_at is None and not recall:
        server_at = parse_iso(t.get("called_at"))
    if server_at is not None and _is_live(state, now):
        state = replace(state, skew=now - server_at)  # a live event: the clocks' offset now
    at = _local(state, server_at, now)
    old = next((c for c in state.counters if c.number == number), None)
    counter = CounterInfo(
        number=number,
        name=old.name if old else f"{TEXT_COUNTER} {number}",
        status="paused" if old and old.status == "paused" else "serving",
        code=str(t["code"]),
        ticket_id=t.get("id"),
    )
    call = Call(
        code=str(t["code"]),
        counter=number,
        service=str(t.get("service", "")),
        at=at,
        recall=recall,
        ticket_id=t.get("id"),
        booked=booked(t),
    )
    rest = tuple(
        c
        for c in state.calls
        if not (
            (c.ticket_id is not None and c.ticket_id == call.ticket_id)
            or (c.code == call.code and c.service == call.service)
        )
    )
    state = replace(
        state,
        counters=_put_counter(state.counters, counter),
        calls=(call, *rest)[:RECENT_KEPT],
        highlight_until=at + timedelta(seconds=state.highlight_seconds),
    )
    return state, (Spoken(call.code, number, recall, at, _calls(t)),)


def _calls(ticket: dict[str, Any]) -> int | None:
    """The ticket's ``calls``, when the event says it (a whole number)."""
    n = ticket.get("calls")
    return n if isinstance(n, int) and not isinstance(n, bool) and n > 0 else None


def booked(ticket: dict[str, Any]) -> bool:
    """A ticket of a booking checked in within its window (not a late, ordinary one)."""
    b = ticket.get("booking")
    return isinstance(b, dict) and b.get("late") is False


def _ended(state: DisplayState, data: dict[str, Any]) -> DisplayState:
    tid = data["ticket"].get("id")
    counters = tuple(
        replace(c, code=None, ticket_id=None, status="paused" if c.status == "paused" else "open")
        if c.ticket_id is not None and c.ticket_id == tid
        else c
        for c in state.counters
    )
    return replace(state, counters=counters)


def apply(
    state: DisplayState, kind: str, data: Any, event_id: int | None, now: datetime
) -> tuple[DisplayState, tuple[Spoken, ...]]:
    """Fold one event into the state; returns the new state and the calls to announce.

    Unknown or malformed events change nothing but the last event id.
    """
    if event_id is not None:
        state = replace(state, last_event_id=event_id)
    if not isinstance(data, dict):
        return state, ()
    spoken: tuple[Spoken, ...] = ()
    try:
        if kind == "snapshot":
            state = _snapshot(state, data, now)
        elif kind in CALL_EVENTS:
            state, spoken = _called(state, kind, data, now)
        elif kind in ENDING_EVENTS:
            state = _ended(state, data)
        elif kind in ("counter.paused", "counter.resumed"):
            state = replace(
                state, counters=_put_counter(state.counters, _counter_from(data["counter"]))
            )
        elif kind == "day.rollover":
            state = replace(
                state,
                business_date=data.get("business_date", state.business_date),
                calls=(),
                highlight_until=None,
                counters=tuple(
                    replace(
                        c,
                        code=None,
                        ticket_id=None,
                        status="paused" if c.status == "paused" else "open",
                    )
                    for c in state.counters
                ),
            )
        if kind.startswith("ticket."):
            state = _with_waiting(state, data.get("waiting"))
    except (KeyError, TypeError, ValueError, AttributeError):
        return state, ()
    return state, spoken


# --- what the screen shows at a moment ------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """The newest call, shown largest."""

    code: str
    counter: int
    recall: bool
    fresh: bool  # within the highlight time after the call
    lit: bool  # drawn highlighted in this blink phase
    booked: bool = False  # marked "ĐẶT LỊCH": why it comes before earlier walk-ins


@dataclass(frozen=True)
class CounterRow:
    number: int
    name: str
    code: str | None
    status: str
    fresh: bool  # this counter made the newest call, still highlighted


@dataclass(frozen=True)
class RecentRow:
    code: str
    counter: int


@dataclass(frozen=True)
class WaitingRow:
    name: str
    count: int


@dataclass(frozen=True)
class View:
    """Everything drawn, as texts and flags; equal views draw equal screens."""

    centre: str
    clock: str  # HH:MM
    date: str  # dd/mm/yyyy
    link: str  # live | connecting | lost
    banner: str | None  # "Mất kết nối máy chủ" / "Đang kết nối máy chủ…"
    banner_detail: str | None  # "Cập nhật lần cuối: 08:42 — 24/11/2026"
    stale: bool  # the data below is not current
    headline: Headline | None
    counters: tuple[CounterRow, ...]
    recent: tuple[RecentRow, ...]
    waiting: tuple[WaitingRow, ...]
    notice: str


def _shown_link(state: DisplayState, now: datetime) -> str:
    if (
        state.link == LINK_CONNECTING
        and state.link_since is not None
        and (now - state.link_since).total_seconds() >= CONNECT_GRACE
    ):
        return LINK_LOST
    if state.link == LINK_LIVE and not state.synced:
        return LINK_CONNECTING
    return state.link


def _fmt(t: datetime, tz: tzinfo | None) -> tuple[str, str]:
    local = t.astimezone(tz) if tz is not None else t
    return local.strftime("%H:%M"), local.strftime("%d/%m/%Y")


def view(state: DisplayState, now: datetime, tz: tzinfo | None = None) -> View:
    """What the screen shows at ``now`` (times drawn in ``tz``)."""
    clock, date = _fmt(now, tz)
    link = _shown_link(state, now)
    stale = link != LINK_LIVE
    banner = detail = None
    if link == LINK_LOST:
        banner = TEXT_LOST
        if state.last_update is not None:
            hm, d = _fmt(state.last_update, tz)
            detail = f"{TEXT_LAST_UPDATE}: {hm} — {d}"
    elif link == LINK_CONNECTING:
        banner = TEXT_CONNECTING
    headline = None
    newest = state.calls[0] if state.calls else None
    fresh = bool(
        newest and not stale and state.highlight_until is not None and now < state.highlight_until
    )
    if newest is not None:
        phase = int(max(0.0, (now - newest.at).total_seconds()) / BLINK_SECONDS)
        headline = Headline(
            code=newest.code,
            counter=newest.counter,
            recall=newest.recall,
            fresh=fresh,
            lit=fresh and phase % 2 == 0,
            booked=newest.booked,
        )
    counters = tuple(
        CounterRow(
            number=c.number,
            name=c.name,
            code=c.code,
            status=c.status,
            fresh=fresh and newest is not None and c.number == newest.counter,
        )
        for c in state.counters
    )
    return View(
        centre=state.centre,
        clock=clock,
        date=date,
        link=link,
        banner=banner,
        banner_detail=detail,
        stale=stale,
        headline=headline,
        counters=counters,
        recent=tuple(RecentRow(c.code, c.counter) for c in state.calls[1:]),
        waiting=tuple(WaitingRow(w.name, w.count) for w in state.waiting),
        notice=state.notice,
    )


def next_change(state: DisplayState, now: datetime) -> float:
    """Seconds until ``view(state, ...)`` changes by itself (clock, blink, grace)."""
    local = now
    waits = [60.0 - local.second - local.microsecond / 1e6]
    if state.link == LINK_CONNECTING and state.link_since is not None:
        left = CONNECT_GRACE - (now - state.link_since).total_seconds()
        if left > 0:
            waits.append(left)
    if state.calls and state.highlight_until is not None and now < state.highlight_until:
        since = max(0.0, (now - state.calls[0].at).total_seconds())
        waits.append(BLINK_SECONDS - since % BLINK_SECONDS)
        waits.append((state.highlight_until - now).total_seconds())
    return max(0.01, min(waits))
