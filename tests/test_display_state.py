"""The display's state (pure): events from the stream in, what the screen shows out."""

from __future__ import annotations

from datetime import timedelta

from display import state as st
from tests.display_support import CENTRE, NOW, VN, called, iso, snapshot, ticket


def live(now=NOW - timedelta(minutes=5), **kw) -> st.DisplayState:
    """Connected for a while, snapshot received five minutes before NOW."""
    s = st.initial("Cấu hình", "Thông báo", now=now)
    s = st.connection(s, True, now)
    s, spoken = st.apply(s, "snapshot", snapshot(now=now, **kw), 40, now)
    assert spoken == ()
    return s


def test_snapshot_fills_everything() -> None:
    s = live()
    v = st.view(s, NOW, VN)
    assert v.centre == CENTRE
    assert v.link == "live" and v.banner is None and not v.stale
    assert [c.number for c in v.counters] == [1, 2, 3, 4]
    assert [c.code for c in v.counters] == ["B003", "C006", "D009", None]
    assert v.headline is not None and v.headline.code == "A015" and v.headline.counter == 1
    assert not v.headline.fresh  # an old call from the snapshot does not blink
    assert [r.code for r in v.recent] == ["A014", "A013", "A012", "A011", "A010", "A009", "A008"]
    assert [(w.name, w.count) for w in v.waiting][:2] == [("Hộ tịch", 1), ("Chứng thực", 4)]
    assert v.clock == "08:42" and v.date == "24/11/2026"
    assert s.last_event_id == 40


def test_a_call_is_the_headline_blinks_for_ten_seconds_and_is_announced() -> None:
    s = live()
    s, spoken = st.apply(s, "ticket.called", called(7, "A016", 3, NOW), 41, NOW)
    assert spoken == (st.Spoken("A016", 3, False, NOW, 1),)
    v = st.view(s, NOW, VN)
    assert v.headline == st.Headline("A016", 3, False, fresh=True, lit=True)
    assert [c.code for c in v.counters][2] == "A016" and v.counters[2].fresh
    assert v.recent[0].code == "A015"
    assert [w.count for w in v.waiting] == [2, 2, 2, 2, 2]
    # blinking: lit, dark, lit ... every half second, then steady after 10 s
    phases = [st.view(s, NOW + timedelta(seconds=x / 4), VN).headline.lit for x in range(8)]
    assert phases == [True, True, False, False, True, True, False, False]
    later = st.view(s, NOW + timedelta(seconds=10.01), VN).headline
    assert later is not None and not later.fresh and not later.lit


def test_a_recall_moves_the_ticket_to_the_front_once() -> None:
    s = live()
    s, _ = st.apply(s, "ticket.called", called(7, "A016", 3, NOW), 41, NOW)
    s, _ = st.apply(s, "ticket.called", called(8, "B002", 2, NOW, "chung-thuc"), 42, NOW)
    t = NOW + timedelta(seconds=30)
    s, spoken = st.apply(s, "ticket.recalled", called(7, "A016", 3, t, kind="r", calls=3), 43, t)
    assert spoken == (st.Spoken("A016", 3, True, t, 3),)  # the third call: "lần thứ ba"
    v = st.view(s, t, VN)
    assert v.headline.code == "A016" and v.headline.recall and v.headline.lit
    codes = [r.code for r in v.recent]
    assert "A016" not in codes and codes[0] == "B002"


def test_done_no_show_held_transfer_clear_the_counter() -> None:
    for kind in ("ticket.done", "ticket.no_show", "ticket.held", "ticket.transferred"):
        s = live()
        s, _ = st.apply(s, "ticket.called", called(7, "A016", 3, NOW), 41, NOW)
        data = {"ticket": ticket(7, "A016", counter=3), "counter": 3, "waiting": {"ho-tich": 9}}
        s, spoken = st.apply(s, kind, data, 42, NOW)
        assert spoken == ()
        v = st.view(s, NOW, VN)
        assert v.counters[2].code is None and v.counters[2].status == "open", kind
        assert v.headline.code == "A016"  # the newest call stays the newest call
        assert v.waiting[0].count == 9


def test_issued_updates_the_waiting_counts_only() -> None:
    s = live()
    data = {"ticket": ticket(300, "C010", "dat-dai"), "counter": None, "waiting": {"dat-dai": 12}}
    s2, spoken = st.apply(s, "ticket.issued", data, 41, NOW)
    assert spoken == ()
    assert [w.count for w in s2.waiting] == [1, 4, 12, 10, 13]
    assert s2.counters == s.counters and s2.calls == s.calls


def test_pause_and_resume() -> None:
    s = live()
    c = {"number": 2, "name": "Quầy 2", "status": "paused", "current": None}
    s, _ = st.apply(s, "counter.paused", {"counter": c}, 41, NOW)
    assert st.view(s, NOW, VN).counters[1].status == "paused"
    s, _ = st.apply(s, "counter.resumed", {"counter": {**c, "status": "open"}}, 42, NOW)
    assert st.view(s, NOW, VN).counters[1].status == "open"


def test_rollover_clears_the_day() -> None:
    s = live()
    s, _ = st.apply(s, "day.rollover", {"business_date": "2026-11-25", "expired": 3}, 41, NOW)
    v = st.view(s, NOW, VN)
    assert v.headline is None and v.recent == ()
    assert all(c.code is None for c in v.counters)
    assert s.business_date == "2026-11-25"


def test_malformed_and_unknown_events_change_nothing() -> None:
    s = live()
    for kind, data in [
        ("ticket.called", {"ticket": "x"}),
        ("ticket.called", {"counter": 3}),
        ("ticket.done", {}),
        ("kiosk.status", {"kiosk": {}}),
        ("something.new", {"a": 1}),
        ("ticket.called", "not json"),
    ]:
        s2, spoken = st.apply(s, kind, data, 99, NOW)
        assert spoken == ()
        assert s2.counters == s.counters and s2.calls == s.calls
        assert s2.last_event_id == 99


def test_lost_connection_is_shown_with_the_time_of_the_last_update() -> None:
    s = live()
    lost_at = NOW.replace(hour=9, minute=5)
    s = st.connection(s, False, lost_at)
    v = st.view(s, lost_at + timedelta(minutes=3), VN)
    assert v.link == "lost" and v.stale
    assert v.banner == "Mất kết nối máy chủ"
    assert v.banner_detail == "Cập nhật lần cuối: 09:05 — 24/11/2026"
    assert v.clock == "09:08"  # the clock goes on
    # nothing blinks as if it were new while the data may be stale
    s, _ = st.apply(s, "ticket.called", called(7, "A016", 3, lost_at), 41, lost_at)
    assert not st.view(s, lost_at, VN).headline.lit
    back = st.connection(s, True, lost_at + timedelta(minutes=4))
    v = st.view(back, lost_at + timedelta(minutes=4), VN)
    assert v.link == "live" and v.banner is None and not v.stale


def test_connecting_then_lost_when_the_server_never_answers() -> None:
    s = st.initial("Trung tâm", now=NOW)
    assert st.view(s, NOW, VN).banner == "Đang kết nối máy chủ…"
    v = st.view(s, NOW + timedelta(seconds=st.CONNECT_GRACE), VN)
    assert v.banner == "Mất kết nối máy chủ" and v.banner_detail is None
    # connected but no snapshot yet: still not current
    s = st.connection(s, True, NOW)
    assert st.view(s, NOW, VN).stale


def test_replayed_calls_keep_their_age_across_clock_skew() -> None:
    # The display's clock runs 40 s ahead of the server's.
    skew = timedelta(seconds=40)
    connected = NOW - timedelta(minutes=10)
    s = st.initial("x", now=connected)
    s = st.connection(s, True, connected)
    s, _ = st.apply(s, "snapshot", snapshot(now=connected - skew), 40, connected)
    s = st.connection(s, False, NOW - timedelta(minutes=3))
    back = NOW
    s = st.connection(s, True, back)
    # Replayed at reconnection: a call made 2 minutes ago (server time), a recall 20 s ago.
    server_now = back - skew
    old = server_now - timedelta(minutes=2)
    s, (a,) = st.apply(s, "ticket.called", called(7, "A016", 3, old), 41, back)
    recent = server_now - timedelta(seconds=20)
    s, (b,) = st.apply(s, "ticket.recalled", called(7, "A016", 3, recent), 42, back)
    assert (back - a.at).total_seconds() == 120
    assert (back - b.at).total_seconds() == 20
    # A live call later is dated on arrival and the skew is learned again.
    t = back + timedelta(seconds=5)
    s, (c,) = st.apply(s, "ticket.called", called(9, "B001", 2, t - skew, "chung-thuc"), 43, t)
    assert c.at == t and s.skew == skew


def test_a_call_without_server_times_is_dated_on_arrival() -> None:
    s = live()
    data = called(7, "A016", 3, NOW)
    del data["at"]
    del data["ticket"]["called_at"]
    _, (sp,) = st.apply(s, "ticket.called", data, 41, NOW)
    assert sp.at == NOW


def test_next_change_wakes_for_the_minute_the_blink_and_the_end_of_the_highlight() -> None:
    s = live()
    assert abs(st.next_change(s, NOW) - 55.0) < 1e-6  # 08:42:05 -> 08:43:00
    s, _ = st.apply(s, "ticket.called", called(7, "A016", 3, NOW), 41, NOW)
    assert abs(st.next_change(s, NOW + timedelta(seconds=0.2)) - 0.3) < 1e-6
    # at 9.9 s: 0.1 s to the end of the highlight
    assert abs(st.next_change(s, NOW + timedelta(seconds=9.9)) - 0.1) < 1e-6
    assert st.next_change(s, NOW + timedelta(seconds=11)) > 40
    # equal views between changes: the loop need not redraw
    a = st.view(s, NOW + timedelta(seconds=20), VN)
    assert a == st.view(s, NOW + timedelta(seconds=30), VN)


def test_views_are_plain_data_for_the_browser_display() -> None:
    import dataclasses
    import json

    v = st.view(live(), NOW, VN)
    json.dumps(dataclasses.asdict(v), ensure_ascii=False)  # only JSON-able values
    assert iso(NOW)  # helper sanity
