"""Table tests of the pure queue core: codes, day, order, transitions, estimate."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from counter_api.core import transitions as tr
from counter_api.core.codes import (
    check_daily_limit,
    distance,
    format_code,
    matching,
    next_number,
    split_typed,
    suggest,
)
from counter_api.core.day import business_date, check_open, next_midnight
from counter_api.core.estimate import average_service_minutes, estimate_wait_minutes
from counter_api.core.model import Conflict, CounterState, NotFound, Status, Ticket
from counter_api.core.order import calling_key, pick_next, waiting_ahead
from sothutu.hours import hours_text, is_open, opening, upcoming

VN = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 11, 24, 8, 0, tzinfo=VN)
DAY = date(2026, 11, 24)


def ticket(
    id: int,
    service: str = "a",
    *,
    priority: bool = False,
    minute: float = 0,
    status: Status = Status.WAITING,
    counter: int | None = None,
    calls: int = 0,
    code: str | None = None,
) -> Ticket:
    return Ticket(
        id=id,
        business_date=DAY,
        service=service,
        original_service=service,
        number=id,
        code=code or f"A{id:03d}",
        priority=priority,
        status=status,
        issued_at=T0 + timedelta(minutes=minute),
        counter=counter,
        calls=calls,
    )


# --- codes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "number", "width", "code"),
    [
        ("A", 1, 3, "A001"),
        ("A", 15, 3, "A015"),
        ("AB", 7, 2, "AB07"),
        ("", 42, 4, "0042"),
        ("Đ", 3, 3, "Đ003"),
        ("A", 1000, 3, "A1000"),
        ("B", 0, 1, "B0"),
    ],
)
def test_format_code(prefix: str, number: int, width: int, code: str) -> None:
    assert format_code(prefix, number, width) == code


def test_next_number_starts_at_start_then_counts() -> None:
    assert next_number(1, None) == 1
    assert next_number(101, None) == 101
    assert next_number(101, 101) == 102


@pytest.mark.parametrize(("limit", "issued", "ok"), [(0, 10**6, True), (3, 2, True), (3, 3, False)])
def test_daily_limit(limit: int, issued: int, ok: bool) -> None:
    if ok:
        check_daily_limit(limit, issued, "a")
    else:
        with pytest.raises(Conflict) as exc:
            check_daily_limit(limit, issued, "a")
        assert exc.value.code == "daily_limit_reached"


# --- business day and hours ------------------------------------------------------


@pytest.mark.parametrize(
    ("utc", "day"),
    [
        (datetime(2026, 11, 24, 16, 59, 59, tzinfo=UTC), date(2026, 11, 24)),  # 23:59:59 +07
        (datetime(2026, 11, 24, 17, 0, 0, tzinfo=UTC), date(2026, 11, 25)),  # 00:00 +07
        (datetime(2026, 11, 24, 0, 30, tzinfo=UTC), date(2026, 11, 24)),
        (datetime(2026, 12, 31, 17, 0, tzinfo=UTC), date(2027, 1, 1)),
    ],
)
def test_business_date_rolls_at_local_midnight(utc: datetime, day: date) -> None:
    assert business_date(utc, VN) == day


def test_next_midnight() -> None:
    now = datetime(2026, 11, 24, 23, 59, 30, tzinfo=VN)
    assert next_midnight(now, VN) == datetime(2026, 11, 25, 0, 0, tzinfo=VN)
    assert next_midnight(datetime(2026, 11, 25, 0, 0, tzinfo=VN), VN) == datetime(
        2026, 11, 26, tzinfo=VN
    )


WINDOWS = [(7 * 60, 11 * 60 + 30), (13 * 60, 17 * 60)]


@pytest.mark.parametrize(
    ("hhmm", "open_"),
    [
        ("06:59", False),
        ("07:00", True),
        ("11:29", True),
        ("11:30", False),
        ("12:00", False),
        ("13:00", True),
        ("16:59", True),
        ("17:00", False),
        ("23:00", False),
    ],
)
def test_opening_hours(hhmm: str, open_: bool) -> None:
    h, m = map(int, hhmm.split(":"))
    now = datetime(2026, 11, 24, h, m, tzinfo=VN)
    assert is_open(now, VN, WINDOWS) is open_
    assert is_open(now, VN, []) is True
    if not open_:
        with pytest.raises(Conflict) as exc:
            check_open(now, VN, WINDOWS)
        assert exc.value.code == "closed"
        assert "07:00–11:30, 13:00–17:00" in exc.value.message


def test_hours_text() -> None:
    assert hours_text(WINDOWS) == "07:00–11:30, 13:00–17:00"


WEEKDAYS = (1, 2, 3, 4, 5)  # Monday to Friday


def at(day: int, hhmm: str) -> datetime:
    """A local time in November 2026 (the 23rd is a Monday)."""
    h, m = map(int, hhmm.split(":"))
    return datetime(2026, 11, day, h, m, tzinfo=VN)


@pytest.mark.parametrize(
    ("now", "open_", "opens", "closes"),
    [
        (at(23, "06:00"), False, at(23, "07:00"), None),  # Monday before opening
        (at(23, "07:00"), True, None, at(23, "11:30")),
        (at(23, "11:30"), False, at(23, "13:00"), None),  # lunch
        (at(23, "16:59"), True, None, at(23, "17:00")),
        (at(23, "17:00"), False, at(24, "07:00"), None),  # evening: tomorrow
        (at(27, "17:30"), False, at(30, "07:00"), None),  # Friday evening: Monday
        (at(28, "09:00"), False, at(30, "07:00"), None),  # Saturday
    ],
)
def test_opening_says_when_it_changes(now, open_, opens, closes) -> None:
    o = opening(now, VN, WINDOWS, WEEKDAYS)
    assert (o.open, o.opens_at, o.closes_at) == (open_, opens, closes)
    assert o.changes_at == (closes if open_ else opens)
    assert is_open(now, VN, WINDOWS, WEEKDAYS) is open_
    assert o.today == (() if now.isoweekday() > 5 else tuple(WINDOWS))
    if not open_:
        with pytest.raises(Conflict) as exc:
            check_open(now, VN, WINDOWS, WEEKDAYS)
        assert "weekdays 1, 2, 3, 4, 5" in exc.value.message


def test_opening_without_windows_and_across_midnight() -> None:
    always = opening(at(28, "03:00"), VN, [])
    assert always.open and always.changes_at is None and always.today == ((0, 1440),)
    weekdays = opening(at(27, "23:00"), VN, [], WEEKDAYS)  # Friday night: open to midnight
    assert weekdays.open and weekdays.closes_at == at(28, "00:00")
    assert opening(at(28, "00:00"), VN, [], WEEKDAYS).opens_at == at(30, "00:00")
    # a night window to midnight and one from midnight are one opening
    night = [(0, 6 * 60), (22 * 60, 24 * 60)]
    o = opening(at(23, "23:00"), VN, night)
    assert o.open and o.closes_at == at(24, "06:00")
    assert opening(at(23, "12:00"), VN, night).opens_at == at(23, "22:00")


def test_closed_days_close_the_whole_day_and_are_skipped_for_the_next_opening() -> None:
    """A holiday: closed all day, even inside the windows; the next opening is the
    first window of the next working day that is not a closed day (a long Tết break
    spanning a weekend, longer than a week, included)."""
    holiday = {date(2026, 11, 24), date(2026, 11, 25)}  # Tuesday, Wednesday
    o = opening(at(24, "09:00"), VN, WINDOWS, WEEKDAYS, holiday)
    assert (o.open, o.today, o.closed_day) == (False, (), True)
    assert o.opens_at == at(26, "07:00")
    assert not is_open(at(24, "09:00"), VN, WINDOWS, WEEKDAYS, holiday)
    with pytest.raises(Conflict) as exc:
        check_open(at(24, "09:00"), VN, WINDOWS, WEEKDAYS, holiday)
    assert exc.value.code == "closed" and "closed today, 2026-11-24" in exc.value.message
    assert "holiday" in exc.value.message
    # the evening before: the next opening skips the closed days
    eve = opening(at(23, "17:30"), VN, WINDOWS, WEEKDAYS, holiday)
    assert (eve.open, eve.closed_day, eve.opens_at) == (False, False, at(26, "07:00"))
    # a day after the holidays is an ordinary day
    check_open(at(26, "09:00"), VN, WINDOWS, WEEKDAYS, holiday)
    assert opening(at(26, "09:00"), VN, WINDOWS, WEEKDAYS, holiday).closes_at == at(26, "11:30")
    # Tết: ten days from Monday 30/11 to Wednesday 9/12, a weekend among them
    tet = {date(2026, 11, 30) + timedelta(days=i) for i in range(10)}
    long = opening(at(27, "17:30"), VN, WINDOWS, WEEKDAYS, tet)
    assert long.opens_at == datetime(2026, 12, 10, 7, 0, tzinfo=VN)
    # always open (no windows, every day): closed only on the closed day, to midnight
    always = opening(at(23, "10:00"), VN, [], (1, 2, 3, 4, 5, 6, 7), holiday)
    assert always.open and always.closes_at == at(24, "00:00")
    assert opening(at(24, "10:00"), VN, [], (1, 2, 3, 4, 5, 6, 7), holiday).opens_at == at(
        26, "00:00"
    )
    # past closed days change nothing
    assert opening(at(27, "10:00"), VN, [], (1, 2, 3, 4, 5, 6, 7), holiday).changes_at is None
    # the server lists the ones ahead, within its horizon, in order
    far = {date(2027, 5, 1), *holiday, date(2026, 11, 20)}
    assert upcoming(at(24, "09:00"), VN, far, 60) == [date(2026, 11, 24), date(2026, 11, 25)]
    assert upcoming(at(24, "09:00"), VN, far, 200)[-1] == date(2027, 5, 1)


# --- calling order -----------------------------------------------------------------


def test_priority_first_then_earliest_across_services() -> None:
    tickets = [
        ticket(1, "a", minute=0),
        ticket(2, "b", minute=1),
        ticket(3, "b", minute=2, priority=True),
        ticket(4, "a", minute=3, priority=True),
    ]
    assert pick_next(tickets, {"a", "b"}).id == 3
    assert pick_next(tickets, {"a"}).id == 4
    rest = [t for t in tickets if t.id not in (3, 4)]
    assert pick_next(rest, {"a", "b"}).id == 1
    assert pick_next(rest, {"b"}).id == 2
    assert pick_next(rest, {"c"}) is None


def test_ties_break_by_lower_id_and_only_waiting_count() -> None:
    tickets = [ticket(9, minute=0), ticket(5, minute=0), ticket(1, status=Status.HELD, minute=-5)]
    assert pick_next(tickets, {"a"}).id == 5


def test_transferred_ticket_keeps_its_place() -> None:
    early = ticket(1, "a", minute=0)
    moved = tr.transfer(
        CounterState(1, current=1),
        early.evolve(status=Status.CALLED, counter=1),
        "b",
        {"a", "b"},
        T0 + timedelta(minutes=30),
    ).result
    later = ticket(2, "b", minute=10)
    assert moved.issued_at == early.issued_at
    assert pick_next([later, moved], {"b"}).id == 1


def test_waiting_ahead_counts_same_service_in_calling_order() -> None:
    tickets = [
        ticket(1, minute=0),
        ticket(2, minute=1),
        ticket(3, minute=2, priority=True),
        ticket(4, "b", minute=0),
        ticket(5, minute=3),
    ]
    assert waiting_ahead(tickets[0], tickets) == 1  # the priority ticket 3
    assert waiting_ahead(tickets[2], tickets) == 0
    assert waiting_ahead(tickets[4], tickets) == 3
    assert waiting_ahead(tickets[3], tickets) == 0
    assert calling_key(tickets[2]) < calling_key(tickets[0])


# --- transitions ---------------------------------------------------------------------

NOW = T0 + timedelta(minutes=20)


def test_issue_numbers_and_event() -> None:
    change = tr.issue(
        service_id="a",
        prefix="A",
        start=1,
        width=3,
        daily_limit=0,
        last_number=14,
        issued_today=14,
        priority=True,
        now=NOW,
        day=DAY,
        kiosk="k1",
    )
    t = change.result
    assert (t.code, t.number, t.status, t.priority, t.kiosk) == (
        "A015",
        15,
        Status.WAITING,
        True,
        "k1",
    )
    assert [e.type for e in change.events] == ["ticket.issued"]


def test_next_finishes_current_then_calls() -> None:
    cur = ticket(1, status=Status.CALLED, counter=1, calls=1)
    c = CounterState(1, current=1)
    change = tr.call_next(c, cur, [ticket(2), ticket(3, priority=True, minute=5)], {"a"}, NOW)
    assert change.finished.status is Status.DONE and change.finished.finished_at == NOW
    assert change.result.id == 3 and change.result.status is Status.CALLED
    assert change.result.calls == 1 and change.result.counter == 1
    assert change.result.called_at == NOW == change.result.first_called_at
    assert change.counter.current == 3
    assert [e.type for e in change.events] == ["ticket.done", "ticket.called"]


def test_next_with_empty_queue_finishes_and_leaves_counter_open() -> None:
    cur = ticket(1, status=Status.CALLED, counter=1)
    change = tr.call_next(CounterState(1, current=1), cur, [], {"a"}, NOW)
    assert change.result is None and change.counter.current is None
    assert change.counter.status == "open"
    idle = tr.call_next(CounterState(1), None, [], {"a"}, NOW)
    assert idle.events == () and idle.result is None


def test_paused_counter_cannot_call_but_can_finish() -> None:
    c = CounterState(1, paused=True, current=1)
    cur = ticket(1, status=Status.CALLED, counter=1)
    for fn in (
        lambda: tr.call_next(c, cur, [ticket(2)], {"a"}, NOW),
        lambda: tr.call_by_code(c, cur, [ticket(2)], {"a"}, NOW),
    ):
        with pytest.raises(Conflict) as exc:
            fn()
        assert exc.value.code == "counter_paused"
    assert tr.recall(c, cur, NOW).result.calls == 1
    assert tr.end_current(c, cur, Status.DONE, NOW).counter.paused


def test_recall_adds_one_call_and_stays_current() -> None:
    cur = ticket(1, status=Status.CALLED, counter=1, calls=1)
    change = tr.recall(CounterState(1, current=1), cur, NOW)
    assert change.result.calls == 2 and change.result.status is Status.CALLED
    assert change.counter.current == 1
    assert [e.type for e in change.events] == ["ticket.recalled"]


@pytest.mark.parametrize(
    ("status", "event", "finished"),
    [
        (Status.DONE, "ticket.done", True),
        (Status.NO_SHOW, "ticket.no_show", True),
        (Status.HELD, "ticket.held", False),
    ],
)
def test_end_current(status: Status, event: str, finished: bool) -> None:
    cur = ticket(1, status=Status.CALLED, counter=1, calls=1)
    change = tr.end_current(CounterState(1, current=1), cur, status, NOW)
    assert change.result.status is status
    assert (change.result.finished_at == NOW) is finished
    assert change.counter.current is None
    assert [e.type for e in change.events] == [event]


@pytest.mark.parametrize(
    "fn",
    [
        lambda c: tr.recall(c, None, NOW),
        lambda c: tr.end_current(c, None, Status.DONE, NOW),
        lambda c: tr.end_current(c, None, Status.NO_SHOW, NOW),
        lambda c: tr.end_current(c, None, Status.HELD, NOW),
        lambda c: tr.transfer(c, None, "b", {"a", "b"}, NOW),
    ],
)
def test_no_current_ticket(fn) -> None:
    with pytest.raises(Conflict) as exc:
        fn(CounterState(1))
    assert exc.value.code == "no_current_ticket"


def test_transfer_rules() -> None:
    cur = ticket(1, status=Status.CALLED, counter=1, calls=1)
    c = CounterState(1, current=1)
    with pytest.raises(NotFound) as nf:
        tr.transfer(CounterState(1), None, "zzz", {"a", "b"}, NOW)  # 404 before 409
    assert nf.value.code == "unknown_service"
    with pytest.raises(Conflict) as same:
        tr.transfer(c, cur, "a", {"a", "b"}, NOW)
    assert same.value.code == "same_service"
    moved = tr.transfer(c, cur, "b", {"a", "b"}, NOW)
    t = moved.result
    assert (t.status, t.service, t.original_service, t.code, t.counter, t.calls) == (
        Status.WAITING,
        "b",
        "a",
        "A001",
        None,
        1,
    )
    assert moved.counter.current is None
    assert [e.type for e in moved.events] == ["ticket.transferred"]


def test_call_by_code_rules() -> None:
    c = CounterState(1, current=1)
    cur = ticket(1, status=Status.CALLED, counter=1, calls=1)
    held = ticket(2, status=Status.HELD, calls=1, code="A002")
    change = tr.call_by_code(c, cur, [held], {"a"}, NOW)
    assert change.finished.status is Status.DONE
    assert change.result.status is Status.CALLED and change.result.calls == 2
    assert change.counter.current == 2
    assert [e.type for e in change.events] == ["ticket.done", "ticket.called"]

    def code_of(matches, services=("a",), service=None, counter=c, current=cur):
        with pytest.raises((Conflict, NotFound)) as exc:
            tr.call_by_code(counter, current, matches, services, NOW, service=service)
        return exc.value.code

    assert code_of([]) == "unknown_ticket"
    assert code_of([ticket(5, "b")]) == "not_callable"  # exists, not in my services
    assert code_of([cur]) == "not_callable"  # my own current: use recall
    assert code_of([ticket(6, status=Status.CALLED, counter=2)]) == "not_callable"
    assert code_of([ticket(7, status=Status.DONE)]) == "not_callable"
    assert code_of([ticket(8, status=Status.EXPIRED)]) == "not_callable"
    twins = [ticket(9, "a", code="A009"), ticket(10, "b", code="A009")]
    assert code_of(twins, services=("a", "b")) == "ambiguous_code"
    picked = tr.call_by_code(c, cur, twins, {"a", "b"}, NOW, service="b")
    assert picked.result.id == 10
    no_show = ticket(11, status=Status.NO_SHOW)
    assert tr.call_by_code(CounterState(1), None, [no_show], {"a"}, NOW).finished is None


def test_a_typed_code_names_tickets_without_its_leading_zeros() -> None:
    a5 = ticket(5, "a", code="A005", status=Status.HELD)
    b5 = ticket(6, "b", code="B005")
    bare3 = ticket(7, "c", code="005")  # a service without a prefix, width 3
    bare2 = ticket(8, "d", code="05")  # another one, width 2
    day = [a5, b5, bare3, bare2, ticket(15, "a", code="A015")]
    assert split_typed(" a 5 ") == ("A", 5) and split_typed("đ07") == ("Đ", 7)
    assert split_typed("A5B") is None and split_typed("") is None and split_typed("5") == ("", 5)
    for typed in ("a5", "A5", "A05", "a005", "A0005", " a 5"):
        assert matching(typed, day) == [a5], typed
    assert matching("b5", day) == [b5]
    assert matching("5", day) == [bare3, bare2]  # two tickets: the clerk must choose
    assert matching("005", day) == [bare3]  # an exact code wins over a loose match
    assert matching("05", day) == [bare2]
    assert matching("a6", day) == [] and matching("x", day) == []
    # the core's rule then applies as for an exact code
    c = CounterState(1)
    assert tr.call_by_code(c, None, matching("a5", day), {"a"}, NOW).result.id == 5
    with pytest.raises(Conflict) as exc:
        tr.call_by_code(c, None, matching("5", day), {"c", "d"}, NOW)
    assert exc.value.code == "ambiguous_code"


def test_suggestions_are_codes_one_slip_away() -> None:
    assert distance("a5", "A005") == 0
    assert distance("15", "A015") == 1  # the letters left out
    assert distance("a5", "A015") == 2  # "năm" heard for "mười lăm"
    assert distance("a15", "A051") == 2  # two digits swapped
    assert distance("a5", "A050") == 2
    assert distance("b5", "D005") == 2  # "bê" heard for "dê"
    assert distance("a5", "B015") is None  # two slips
    assert distance("a5", "A555") is None
    assert distance("?", "A005") is None
    held = ticket(15, "a", code="A015", status=Status.HELD, minute=9)
    waiting = ticket(5, "a", code="A005", minute=1)
    absent = ticket(50, "a", code="A050", status=Status.NO_SHOW, minute=5)
    far = ticket(77, "a", code="A077", status=Status.HELD)
    done = ticket(6, "a", code="A006", status=Status.DONE)
    pool = [waiting, held, absent, far, done]
    assert [t.code for t in suggest("a5", pool)] == ["A005", "A015", "A050"]
    assert [t.code for t in suggest("a5", pool, limit=2)] == ["A005", "A015"]
    # nothing typed yet: the held and absent tickets, latest call first
    held2 = held.evolve(called_at=T0 + timedelta(minutes=30))
    absent2 = absent.evolve(called_at=T0 + timedelta(minutes=40))
    assert [t.code for t in suggest("", [waiting, held2, absent2])] == ["A050", "A015"]


def test_pause_and_resume_are_idempotent() -> None:
    c = CounterState(1)
    p = tr.pause(c, "nghỉ trưa", NOW)
    assert p.counter.paused and p.counter.reason == "nghỉ trưa"
    assert [e.type for e in p.events] == ["counter.paused"]
    again = tr.pause(p.counter, "x", NOW)
    assert again.events == () and again.counter.reason == "nghỉ trưa"
    r = tr.resume(p.counter, NOW)
    assert not r.counter.paused and [e.type for e in r.events] == ["counter.resumed"]
    assert tr.resume(r.counter, NOW).events == ()


def test_expire_only_open_tickets() -> None:
    tickets = [
        ticket(1),
        ticket(2, status=Status.CALLED, counter=3),
        ticket(3, status=Status.HELD),
        ticket(4, status=Status.DONE),
        ticket(5, status=Status.NO_SHOW),
    ]
    change = tr.expire(tickets)
    assert [t.id for t in change.tickets] == [1, 2, 3]
    assert all(t.status is Status.EXPIRED for t in change.tickets)
    assert [(e.type, e.counter) for e in change.events] == [
        ("ticket.expired", None),
        ("ticket.expired", 3),
        ("ticket.expired", None),
    ]


# --- estimate ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ahead", "avg", "counters", "minutes"),
    [(0, 5, 1, 0), (1, 5, 1, 5), (4, 3, 2, 6), (3, 5, 2, 8), (10, 2.5, 4, 7), (2, 5, 0, 10)],
)
def test_estimate(ahead: int, avg: float, counters: int, minutes: int) -> None:
    assert estimate_wait_minutes(ahead, avg, counters) == minutes


def test_average_uses_default_until_enough_samples() -> None:
    assert average_service_minutes(600, 2, 5.0) == 5.0
    assert average_service_minutes(3 * 240, 3, 5.0) == 4.0
