"""The kiosk's pure state rules: one tap one action, no ticket lost, no blind retry."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kiosk import state as st
from kiosk.state import Screen

FIELDS = (st.Field("ho-tich", "Hộ tịch", "A"), st.Field("dat-dai", "Đất đai", "C"))
TICKET = {
    "id": 7,
    "code": "A015",
    "service": "ho-tich",
    "service_name": "Hộ tịch",
    "priority": False,
    "waiting_ahead": 4,
    "estimated_wait_minutes": 12,
}


def ready(now: float = 0.0, **timing) -> st.KioskState:
    s = st.initial(FIELDS, st.Timing(**timing), hours_text="07:00–11:30", now=now)
    s, _ = st.update(s, st.ServerStatus(True), now)
    return s


def run(s: st.KioskState, *steps: tuple[st.Message, float]):
    effects: list[st.Effect] = []
    for msg, now in steps:
        s, fx = st.update(s, msg, now)
        effects += fx
    return s, effects


def test_starts_offline_until_the_server_answers() -> None:
    s = st.initial(FIELDS, st.Timing())
    assert s.screen is Screen.OFFLINE
    s, fx = st.update(s, st.Tap(("field", "ho-tich")), 5.0)
    assert s.screen is Screen.OFFLINE and fx == ()
    s, _ = st.update(s, st.ServerStatus(True), 6.0)
    assert s.screen is Screen.START


def test_a_tap_issues_then_prints_then_times_out_to_start() -> None:
    s, fx = run(ready(), (st.Tap(("field", "ho-tich")), 1.0))
    assert s.screen is Screen.ISSUING and fx == [st.IssueTicket("ho-tich", False)]
    s, fx = run(s, (st.Issued(TICKET), 1.1))
    assert s.screen is Screen.ISSUING and s.shown and s.shown.code == "A015"
    assert fx == [st.Beep()]
    s, _ = run(s, (st.Printed(7, "ok"), 1.3))
    assert s.screen is Screen.DONE and s.shown.code == "A015" and s.shown.ahead == 4
    assert st.next_deadline(s) == pytest.approx(1.3 + 6.0)
    s, _ = run(s, (st.Tick(), 7.0))
    assert s.screen is Screen.DONE
    s, _ = run(s, (st.Tick(), 7.31))
    assert s.screen is Screen.START and s.shown is None


def test_double_tap_and_touch_plus_mouse_make_one_ticket() -> None:
    _, fx = run(
        ready(),
        (st.Tap(("field", "ho-tich")), 1.0),
        (st.Tap(("field", "ho-tich")), 1.01),  # the synthesized mouse event
        (st.Tap(("field", "dat-dai")), 1.2),
    )
    assert fx == [st.IssueTicket("ho-tich", False)]


def test_taps_while_issuing_do_nothing_however_late() -> None:
    s, _ = run(ready(), (st.Tap(("field", "ho-tich")), 1.0))
    for t in (2.0, 3.0, 9.0):
        s2, fx = st.update(s, st.Tap(("field", "dat-dai")), t)
        assert fx == () and s2 == s


def test_tap_guard_after_a_screen_change() -> None:
    s, _ = run(ready(now=0.0), (st.Tap(("priority",)), 1.0))
    assert s.screen is Screen.PRIORITY
    # the finger lifts and lands again on the field button now under it: ignored
    s, fx = run(s, (st.Tap(("field", "ho-tich")), 1.2))
    assert s.screen is Screen.PRIORITY and fx == []
    s, fx = run(s, (st.Tap(("field", "ho-tich")), 1.6))
    assert fx == [st.IssueTicket("ho-tich", True)]


def test_priority_back_and_idle() -> None:
    s, _ = run(ready(), (st.Tap(("priority",)), 1.0), (st.Tap(("back",)), 2.0))
    assert s.screen is Screen.START
    s, _ = run(s, (st.Tap(("priority",)), 3.0), (st.Tap(None), 10.0))
    assert st.next_deadline(s) == pytest.approx(30.0)  # a tap beside the buttons counts as use
    s, _ = run(s, (st.Tick(), 29.9))
    assert s.screen is Screen.PRIORITY
    s, _ = run(s, (st.Tick(), 30.0))
    assert s.screen is Screen.START


def test_priority_disabled_has_no_priority_mode() -> None:
    s = replace(ready(), priority_enabled=False)
    s, _ = run(s, (st.Tap(("priority",)), 1.0))
    assert s.screen is Screen.START


@pytest.mark.parametrize("status", ["offline", "paper_out"])
def test_printer_fault_still_shows_the_code(status: str) -> None:
    s, _ = run(
        ready(),
        (st.Tap(("field", "ho-tich")), 1.0),
        (st.Issued(TICKET), 1.1),
        (st.Printed(7, status, code="A015"), 4.0),
    )
    assert s.screen is Screen.PRINTER_FAULT and s.shown.code == "A015" and s.printer == status
    # the code must be seen: taps in the first seconds do not dismiss it
    s2, _ = run(s, (st.Tap(None), 6.0))
    assert s2.screen is Screen.PRINTER_FAULT
    s3, _ = run(s, (st.Tap(None), 9.5))
    assert s3.screen is Screen.START
    s4, _ = run(s, (st.Tick(), 34.0))
    assert s4.screen is Screen.START


def test_paper_low_prints_normally() -> None:
    s, _ = run(
        ready(),
        (st.Tap(("field", "ho-tich")), 1.0),
        (st.Issued(TICKET), 1.1),
        (st.Printed(7, "paper_low"), 1.5),
    )
    assert s.screen is Screen.DONE and s.printer == "paper_low"


def test_a_reprint_result_does_not_change_the_screen() -> None:
    s, _ = run(ready(), (st.Tap(("field", "ho-tich")), 1.0), (st.Issued(TICKET), 1.1))
    s, _ = run(s, (st.Printed(3, "ok", reprint=True), 1.2))
    assert s.screen is Screen.ISSUING
    s, _ = run(s, (st.Printed(7, "ok"), 1.3))
    assert s.screen is Screen.DONE


def test_closed_and_limit_messages() -> None:
    """A ticket refused as closed (the server closed before its hours said so): the
    start screen shows "closed" at once and the server is asked for its hours."""
    s, fx = run(
        ready(), (st.Tap(("field", "ho-tich")), 1.0), (st.IssueFailed("closed", "409"), 1.1)
    )
    assert s.screen is Screen.START and s.closed and s.stopped and s.hours_text == "07:00–11:30"
    assert fx == [st.IssueTicket("ho-tich", False), st.CheckServer()]
    s, fx = run(s, (st.Tap(("field", "ho-tich")), 3.0), (st.Tap(("priority",)), 4.0))
    assert fx == [] and s.screen is Screen.START  # no field or priority while closed
    s, _ = run(s, (st.Hours(OPEN), 5.0))
    assert not s.closed
    s, _ = run(s, (st.Tap(("field", "dat-dai")), 10.0), (st.IssueFailed("limit"), 10.1))
    assert s.screen is Screen.LIMIT and s.refused_service == "Đất đai"
    s, _ = run(s, (st.Tap(None), 11.0))
    assert s.screen is Screen.START


OPEN = {
    "open": True,
    "today": ["07:00-11:30", "13:00-17:00"],
    "days": [1, 2, 3, 4, 5],
    "opens_at": None,
    "closes_at": "2026-11-27T11:30:00+07:00",
    "at": "2026-11-27T11:29:00+07:00",
}
LUNCH = {
    **OPEN,
    "open": False,
    "opens_at": "2026-11-27T13:00:00+07:00",
    "closes_at": None,
    "at": "2026-11-27T11:30:00+07:00",
}


def test_the_start_screen_closes_on_the_servers_clock_and_says_when_it_opens() -> None:
    s, _ = run(ready(), (st.Hours(OPEN), 100.0))
    assert not s.closed and s.opening.due == pytest.approx(160.0)  # 60 s by the server
    assert st.next_deadline(s) == pytest.approx(160.0)
    s, _ = run(s, (st.Tap(("priority",)), 101.0))
    assert s.screen is Screen.PRIORITY
    s, fx = run(s, (st.Tick(), 159.9))
    assert fx == []
    s, fx = run(s, (st.Tick(), 160.0))
    assert fx == [st.CheckServer()] and s.opening.due is None  # asked once, not in a loop
    assert run(s, (st.Tick(), 161.0))[1] == []
    s, _ = run(s, (st.Hours(LUNCH), 160.2))
    assert s.closed and s.screen is Screen.START  # out of the priority choice
    assert s.opening.today == "07:00–11:30, 13:00–17:00"
    assert s.opening.reopens == "13:00 hôm nay"
    assert s.opening.due == pytest.approx(160.2 + 90 * 60)
    s, fx = run(s, (st.Tap(("field", "ho-tich")), 170.0))
    assert fx == [] and s.screen is Screen.START
    # the look-up stays open while closed; only taking a number is refused
    s, fx = run(s, (st.Tap(("lookup",)), 171.0))
    assert s.screen is Screen.LOOKUP and fx == [st.FetchCatalogue()]


@pytest.mark.parametrize(
    ("opens_at", "words"),
    [
        ("2026-11-27T13:00:00+07:00", "13:00 hôm nay"),
        ("2026-11-28T07:00:00+07:00", "07:00 ngày mai"),
        ("2026-11-30T07:00:00+07:00", "07:00 thứ Hai, ngày 30/11"),
    ],
)
def test_when_tickets_are_issued_again_in_words(opens_at: str, words: str) -> None:
    s, _ = run(ready(), (st.Hours({**LUNCH, "opens_at": opens_at}), 1.0))
    assert s.opening.reopens == words


def test_a_closed_day_is_known_from_the_servers_date_and_says_when_it_opens() -> None:
    """The server lists its closed days (holidays): today among them is a closed day,
    whose next opening skips them; another date, or an open answer, is not."""
    holiday = {
        **LUNCH,
        "today": [],
        "opens_at": "2026-11-30T07:00:00+07:00",
        "closed_days": ["2026-11-27", "2026-12-24"],
        "at": "2026-11-27T09:00:00+07:00",
    }
    s, _ = run(ready(), (st.Hours(holiday), 1.0))
    assert s.closed and s.stopped and s.opening.closed_day
    assert s.opening.reopens == "07:00 thứ Hai, ngày 30/11" and s.opening.today == ""
    s, fx = run(s, (st.Tap(("field", "ho-tich")), 2.0))
    assert fx == [] and s.screen is Screen.START
    other = {**holiday, "closed_days": ["2026-11-26", "2026-12-24"]}
    s, _ = run(s, (st.Hours(other), 3.0))
    assert s.closed and not s.opening.closed_day  # an ordinary closed spell
    for bad in ("2026-11-27", None, [27]):
        s, _ = run(ready(), (st.Hours({**holiday, "closed_days": bad}), 1.0))
        assert not s.opening.closed_day
    s, _ = run(ready(), (st.Hours({**holiday, "open": True}), 1.0))
    assert not s.closed and not s.opening.closed_day


def test_malformed_hours_are_ignored() -> None:
    for bad in ({}, {"open": "yes"}, None, {"open": False, "today": ["25:00-26:00"], "at": 7}):
        s, _ = run(ready(), (st.Hours(bad), 1.0))  # type: ignore[arg-type]
        assert s.opening is None or (s.opening.today == "" and s.opening.due is None)


@pytest.mark.parametrize("policy", ["show", "stop"])
def test_a_printer_known_broken_warns_or_stops_before_the_tap(policy: str) -> None:
    s = replace(ready(), printer_fault=policy)
    s, _ = run(s, (st.Tap(("priority",)), 1.0), (st.PrinterStatus("paper_out"), 2.0))
    assert s.printer_broken and s.stopped is (policy == "stop")
    if policy == "stop":
        assert s.screen is Screen.START  # out of the priority choice
        s, fx = run(s, (st.Tap(("field", "ho-tich")), 3.0))
        assert fx == [] and s.screen is Screen.START
    else:
        assert s.screen is Screen.PRIORITY
        s, fx = run(s, (st.Tap(("field", "ho-tich")), 3.0))
        assert fx == [st.IssueTicket("ho-tich", True)]  # still issues: the code shows large
    s, _ = run(s, (st.PrinterStatus("ok"), 40.0))
    assert not s.printer_broken and not s.stopped


def test_unreachable_is_not_retried_and_recovers_when_the_server_returns() -> None:
    s, fx = run(
        ready(),
        (st.Tap(("field", "ho-tich")), 1.0),
        (st.IssueFailed("unreachable", "refused", maybe_sent=False), 1.1),
    )
    assert fx == [st.IssueTicket("ho-tich", False)]  # once, never again by itself
    assert s.screen is Screen.OFFLINE and not s.server_up and not s.uncertain
    s, fx = run(s, (st.Tick(), 60.0), (st.Tap(("field", "ho-tich")), 61.0))
    assert fx == [] and s.screen is Screen.OFFLINE
    s, _ = run(s, (st.ServerStatus(True), 62.0))
    assert s.screen is Screen.START


def test_a_timed_out_request_keeps_its_message_and_asks_for_guidance() -> None:
    s, _ = run(
        ready(),
        (st.Tap(("field", "ho-tich")), 1.0),
        (st.IssueFailed("unreachable", "timed out", maybe_sent=True), 6.0),
        (st.ServerStatus(True), 6.5),  # the server answers health again at once
    )
    assert s.screen is Screen.OFFLINE and s.uncertain
    s, _ = run(s, (st.Tick(), 13.9))
    assert s.screen is Screen.OFFLINE
    s, _ = run(s, (st.Tick(), 14.0))
    assert s.screen is Screen.START and not s.uncertain


def test_server_lost_while_idle_shows_offline() -> None:
    s, _ = run(ready(), (st.ServerStatus(False), 1.0))
    assert s.screen is Screen.OFFLINE
    s, _ = run(s, (st.ServerStatus(True), 2.0))
    assert s.screen is Screen.START


def test_issuing_safety_net_never_hides_an_issued_code() -> None:
    s, _ = run(ready(), (st.Tap(("field", "ho-tich")), 1.0), (st.Issued(TICKET), 1.1))
    s, _ = run(s, (st.Tick(), 31.0))
    assert s.screen is Screen.PRINTER_FAULT and s.shown.code == "A015"
    s, _ = run(ready(), (st.Tap(("field", "ho-tich")), 1.0), (st.Tick(), 31.0))
    assert s.screen is Screen.ERROR


def test_waiting_counts_update_the_buttons() -> None:
    s, _ = run(ready(), (st.Waiting({"ho-tich": 3, "other": 9}), 1.0))
    assert [f.waiting for f in s.fields] == [3, None]


def test_unknown_message_is_an_error() -> None:
    with pytest.raises(TypeError):
        st.update(ready(), "tap", 0.0)  # type: ignore[arg-type]
