"""Checking in booked numbers at the centre, on the real app with an injected clock: by
code and by QR text, the window (too early, on time, late), used, cancelled, forged and
other-centre bookings, a QR code never received (the link was down), the calling order
of booked, walk-in and priority tickets, no-shows, the rows for the hub, the report."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from counter_api.core import booking as core
from counter_api.core.model import BookingRef, Status, Ticket
from counter_api.core.order import calling_key, pick_next
from counter_api.store import Store
from counter_api.uplink import outbox
from counter_api.web import create_app
from sothutu import booking as codes
from sothutu.clock import ManualClock
from sothutu.config import load_config
from tests.hub_support import hub_section
from tests.support import ADMIN_KEY, KIOSK_KEY, counter_key, write_config

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 11, 24)
KEY = "booking-key-of-cu-lao-dung-0123456789abcdef"
OTHER_KEY = "booking-key-of-another-centre-0123456789"


def at(hh: int, mm: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=VN)


def hub_item(code: str, start: str, end: str, service: str = "ho-tich", **kw) -> dict:
    return {
        "seq": kw.pop("seq", 1),
        "code": code,
        "service": service,
        "procedure": kw.pop("procedure", None),
        "date": kw.pop("date", DAY.isoformat()),
        "start": start,
        "end": end,
        "status": kw.pop("status", "booked"),
    }


def qr(
    code: str,
    start: int,
    end: int,
    *,
    service: str = "ho-tich",
    centre: str = "cu-lao-dung",
    key: str = KEY,
    day: date = DAY,
) -> str:
    return codes.qr_text(key, codes.Signed(centre, code, service, day, start, end))


@pytest.fixture
def centre(tmp_path: Path):
    path = write_config(
        tmp_path,
        extra=hub_section(
            "http://127.0.0.1:9", "cu-lao-dung", "hub-token-0123456789abcdef", booking_key=KEY
        ),
    )
    clock = ManualClock(at(8, 0))
    app = create_app(load_config(path), clock=clock)
    app.testing = True
    svc = app.extensions["sothutu"].service
    yield app.test_client(), svc, clock
    svc.bus.close()
    svc.store.close()


def post(client, body: dict, key: str = KIOSK_KEY):
    return client.post("/api/v1/tickets", json=body, headers={"Authorization": f"Bearer {key}"})


def test_check_in_by_code_and_by_qr_text_within_the_window(centre) -> None:
    client, svc, clock = centre
    assert (
        svc.sync_bookings(
            [hub_item("K7M3PX", "08:30", "09:00"), hub_item("HXW4NA", "08:00", "08:30", seq=2)], 2
        )
        == 2
    )
    clock.set(at(8, 16))  # 14 minutes before 08:30: inside the 15-minute window
    r = post(client, {"booking": "k7m 3px"})
    assert r.status_code == 201, r.get_json()
    t = r.get_json()
    assert t["code"] == "A001" and t["service"] == "ho-tich" and not t["priority"]
    assert t["booking"] == {
        "code": "K7M3PX",
        "slot_start": "2026-11-24T08:30:00+07:00",
        "slot_end": "2026-11-24T09:00:00+07:00",
        "late": False,
    }
    r = post(client, {"booking": qr("HXW4NA", 480, 510)}, key=counter_key(4))  # guidance
    assert r.status_code == 201 and r.get_json()["booking"]["code"] == "HXW4NA"
    again = post(client, {"booking": "K7M3PX"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "booking_used"
    assert again.get_json()["error"]["booking"]["slot_start"] == "2026-11-24T08:30:00+07:00"
    assert post(client, {"booking": "K7M3PX"}, key=counter_key(1)).status_code == 403


def test_too_early_late_cancelled_unknown_and_the_hubs_late_cancellation(centre) -> None:
    client, svc, clock = centre
    svc.sync_bookings(
        [
            hub_item("ACEF34", "09:00", "09:30"),
            hub_item("ACEF36", "08:00", "08:30", seq=2),
            hub_item("ACEF37", "10:00", "10:30", seq=3),
            hub_item("ACEF39", "10:00", "10:30", seq=4, date="2026-11-25"),
        ],
        4,
    )
    clock.set(at(8, 44))
    r = post(client, {"booking": "ACEF34"})
    assert r.status_code == 409
    err = r.get_json()["error"]
    assert err["code"] == "too_early" and err["opens_at"] == "2026-11-24T08:45:00+07:00"
    tomorrow = post(client, {"booking": "ACEF39"}).get_json()["error"]
    assert tomorrow["code"] == "too_early" and tomorrow["opens_at"].startswith("2026-11-25T09:45")
    late = post(client, {"booking": "ACEF36"})  # 08:00 slot, now 08:44: over 15 minutes late
    assert late.status_code == 201 and late.get_json()["booking"]["late"] is True
    svc.sync_bookings([hub_item("ACEF37", "10:00", "10:30", seq=5, status="cancelled")], 5)
    r = post(client, {"booking": "ACEF37"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "booking_cancelled"
    # a cancellation arriving after the check-in does not undo it
    clock.set(at(8, 45))
    assert post(client, {"booking": "ACEF34"}).status_code == 201
    svc.sync_bookings([hub_item("ACEF34", "09:00", "09:30", seq=6, status="cancelled")], 6)
    r = post(client, {"booking": "ACEF34"})
    assert r.get_json()["error"]["code"] == "booking_used"
    for text, code in [
        ("ZZZZZZ", "unknown_booking"),
        ("AAAAAA", "unknown_booking"),
        ("SOTHUTU.1.garbage", "unknown_booking"),
    ]:
        r = post(client, {"booking": text})
        assert r.status_code == 404 and r.get_json()["error"]["code"] == code, text


def test_a_qr_code_never_received_checks_in_offline_but_not_a_forged_one(centre) -> None:
    client, svc, clock = centre
    clock.set(at(13, 40))
    r = post(client, {"booking": qr("NPRT79", 13 * 60 + 30, 14 * 60, service="chung-thuc")})
    assert r.status_code == 201
    t = r.get_json()
    assert t["service"] == "chung-thuc" and t["booking"]["code"] == "NPRT79"
    assert not t["booking"]["late"]
    used = post(client, {"booking": "NPRT79"})  # known now, from its QR code
    assert used.get_json()["error"]["code"] == "booking_used"
    forged = post(client, {"booking": qr("NPRT7C", 840, 870, key=OTHER_KEY)})
    assert forged.status_code == 403 and forged.get_json()["error"]["code"] == "booking_forged"
    other = post(client, {"booking": qr("NPRT9C", 840, 870, centre="an-thanh", key=OTHER_KEY)})
    assert other.status_code == 403 and other.get_json()["error"]["code"] == "wrong_centre"
    # a received booking whose QR code was altered (another slot, the right code)
    svc.sync_bookings([hub_item("WXY346", "14:00", "14:30")], 1)
    text = qr("WXY346", 14 * 60, 14 * 60 + 30)
    altered = text.replace(".1400.1430.", ".1330.1400.")
    r = post(client, {"booking": altered})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "booking_forged"
    clock.set(at(13, 50))
    assert post(client, {"booking": text.lower()}).status_code == 201  # Caps Lock


def test_without_a_booking_key_only_received_bookings_check_in(tmp_path: Path) -> None:
    path = write_config(
        tmp_path, extra=hub_section("http://127.0.0.1:9", "cu-lao-dung", "hub-token-0123456789ab")
    )
    clock = ManualClock(at(9, 0))
    app = create_app(load_config(path), clock=clock)
    svc = app.extensions["sothutu"].service
    client = app.test_client()
    try:
        r = post(client, {"booking": qr("NPRT79", 540, 570)})
        assert r.status_code == 404 and "booking_key" in r.get_json()["error"]["message"]
        svc.sync_bookings([hub_item("NPRT79", "09:00", "09:30")], 1)
        assert post(client, {"booking": qr("NPRT79", 540, 570)}).status_code == 201
    finally:
        svc.bus.close()
        svc.store.close()


def test_on_a_closed_day_a_booking_checks_in_within_its_window_but_not_late(
    tmp_path: Path,
) -> None:
    """[centre] closed_days: walk-ins are refused; a booking within its window still
    checks in (the hub sold the slot before the holiday was set), a late one follows
    the hours like a walk-in. The hub is sent the union of both closed-day lists, from
    today on."""
    from counter_api.uplink.bookings import BookingLink

    path = write_config(
        tmp_path,
        centre_extra=f'closed_days = ["{DAY.isoformat()}", "2026-12-01"]',
        extra=hub_section(
            "http://127.0.0.1:9", "cu-lao-dung", "hub-token-0123456789abcdef", booking_key=KEY
        )
        + '\n[booking]\nclosed_days = ["2026-12-01", "2026-09-02"]\n',
    )
    app = create_app(load_config(path), clock=ManualClock(at(8, 40)))
    svc = app.extensions["sothutu"].service
    client = app.test_client()
    try:
        assert post(client, {"service": "ho-tich"}).get_json()["error"]["code"] == "closed"
        svc.sync_bookings(
            [hub_item("K7M3PX", "08:30", "09:00"), hub_item("ACEF36", "08:00", "08:20", seq=2)], 2
        )
        r = post(client, {"booking": "K7M3PX"})
        assert r.status_code == 201 and r.get_json()["booking"]["late"] is False
        late = post(client, {"booking": "ACEF36"})  # 20 minutes after its start: late
        assert late.status_code == 409 and late.get_json()["error"]["code"] == "closed"
        setup = BookingLink(svc).contribute()["setup"]
        assert setup["closed_days"] == [DAY.isoformat(), "2026-12-01"]  # not 2 September
    finally:
        svc.bus.close()
        svc.store.close()


def test_booked_tickets_are_called_after_priority_before_walk_ins_in_slot_order(centre) -> None:
    client, svc, clock = centre
    svc.sync_bookings([hub_item("FFFF33", "08:30", "09:00")], 1)
    clock.set(at(8, 20))
    walk1 = post(client, {"service": "ho-tich"}).get_json()
    clock.set(at(8, 31))
    b_0845 = post(client, {"booking": qr("MMMM33", 8 * 60 + 45, 9 * 60 + 15)}).get_json()
    assert b_0845["waiting_ahead"] == 0  # before the walk-in who came earlier
    clock.set(at(8, 32))
    walk2 = post(client, {"service": "ho-tich"}).get_json()
    clock.set(at(8, 40))
    b_0830 = post(client, {"booking": "FFFF33"}).get_json()
    assert b_0830["waiting_ahead"] == 0  # an earlier slot goes first, whatever the arrival
    prio = post(client, {"service": "ho-tich", "priority": True}).get_json()
    other = post(client, {"service": "chung-thuc"}).get_json()
    state = client.get(f"/api/v1/tickets/{walk1['id']}").get_json()
    assert state["waiting_ahead"] == 3  # the priority ticket and both booked ones
    called = []
    for _ in range(7):
        r = client.post(
            "/api/v1/counters/1/next", headers={"Authorization": f"Bearer {counter_key(1)}"}
        ).get_json()
        called.append(r["ticket"]["id"] if r["ticket"] else None)
    assert called == [
        prio["id"],
        b_0830["id"],
        b_0845["id"],
        walk1["id"],
        walk2["id"],
        other["id"],
        None,
    ]


def test_the_core_orders_booked_tickets_by_slot_and_the_rest_as_before() -> None:
    t0 = at(8, 0)

    def t(
        i: int, minute: int, *, priority: bool = False, slot: int | None = None, late: bool = False
    ) -> Ticket:
        ref = None
        if slot is not None:
            ref = BookingRef(
                f"B{i}", at(8) + timedelta(minutes=slot), at(8) + timedelta(minutes=slot + 30), late
            )
        return Ticket(
            i,
            DAY,
            "a",
            "a",
            i,
            f"A{i:03d}",
            priority,
            Status.WAITING,
            t0 + timedelta(minutes=minute),
            booking=ref,
        )

    tickets = [
        t(1, 0),  # walk-in, first to come
        t(2, 5, slot=60),  # booked 09:00
        t(3, 6, slot=30),  # booked 08:30, came after 2
        t(4, 7, priority=True),
        t(5, 8, slot=0, late=True),  # came too late: an ordinary ticket of 08:08
        t(6, 9, slot=30),  # same slot as 3, came later
    ]
    order = sorted(tickets, key=calling_key)
    assert [x.id for x in order] == [4, 3, 6, 2, 1, 5]
    assert pick_next(tickets, {"a"}).id == 4


def test_no_shows_are_marked_logged_and_sent_to_the_hub(centre, tmp_path: Path) -> None:
    client, svc, clock = centre
    svc.sync_bookings(
        [
            hub_item("HHHH44", "08:00", "08:30"),
            hub_item("JJJJ44", "08:30", "09:00", seq=2),
            hub_item("KKKK44", "08:00", "08:30", seq=3),
        ],
        3,
    )
    clock.set(at(8, 5))
    assert post(client, {"booking": "KKKK44"}).status_code == 201
    clock.set(at(8, 44))
    assert svc.mark_booking_no_shows() == 0  # 08:30 + 15 minutes not yet passed
    clock.set(at(8, 45))
    assert svc.mark_booking_no_shows() == 1
    assert svc.mark_booking_no_shows() == 0
    r = post(client, {"booking": "HHHH44"})  # comes after all: an ordinary ticket
    assert r.status_code == 201 and r.get_json()["booking"]["late"] is True
    assert post(client, {"booking": "HHHH44"}).get_json()["error"]["code"] == "booking_used"
    rows = outbox.read_batch(svc.store, 0, VN)
    gone = [r for r in rows if r["action"] == "booking_no_show"]
    assert gone == [
        {
            "seq": gone[0]["seq"],
            "action": "booking_no_show",
            "at": "2026-11-24T08:45:00.000000+07:00",
            "business_date": "2026-11-24",
            "ticket": None,
            "counter": None,
            "calls": None,
            "booking": {
                "code": "HHHH44",
                "date": "2026-11-24",
                "service": "ho-tich",
                "slot_start": "2026-11-24T08:00:00.000000+07:00",
                "slot_end": "2026-11-24T08:30:00.000000+07:00",
            },
        }
    ]
    issued = [r for r in rows if r["action"] == "issued"]
    assert issued[0]["ticket"]["booking"] == {
        "code": "KKKK44",
        "slot_start": "2026-11-24T08:00:00.000000+07:00",
        "slot_end": "2026-11-24T08:30:00.000000+07:00",
        "late": False,
    }
    assert issued[1]["ticket"]["booking"]["late"] is True
    clock.set(at(9, 0))
    report = client.get(
        "/api/v1/reports/daily?date=2026-11-24", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
    ).get_json()
    b = report["total"]["booking"]
    assert (b["booked"], b["late"], b["walk_in"], b["bookings"], b["no_show"]) == (1, 1, 0, 3, 1)
    assert b["arrival"] == {"count": 2, "mean": (5 + 45) / 2, "on_time_share": 0.5}
    csv = client.get(
        "/api/v1/reports/daily?date=2026-11-24&format=csv",
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
    ).data.decode("utf-8-sig")
    assert "Đặt lịch trước theo lĩnh vực" in csv and "Lịch hẹn không đến" in csv


def test_the_pure_check_in_rule() -> None:
    b = core.Booking("K7M3PX", "a", DAY, at(9), at(9, 30))
    with pytest.raises(core.TooEarly) as early:
        core.check_in(b, at(8, 44), 15, 15)
    assert early.value.opens_at == at(8, 45)
    assert not core.check_in(b, at(8, 45), 15, 15).late
    assert not core.check_in(b, at(9, 15), 15, 15).late
    assert core.check_in(b, at(9, 16), 15, 15).late
    with pytest.raises(core.Conflict, match="cancelled"):
        core.check_in(core.Booking("X", "a", DAY, at(9), at(9, 30), "cancelled"), at(9), 15, 15)
    with pytest.raises(core.Conflict, match="checked in"):
        core.check_in(core.Booking("X", "a", DAY, at(9), at(9, 30), ticket_id=3), at(9), 15, 15)
    assert core.no_shows([b], at(9, 44), 15) == [] and core.no_shows([b], at(9, 45), 15) == [b]


def test_the_store_gives_the_centres_own_database_booking_columns(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.db")
    try:
        with store.read() as db:
            cols = {r[1] for r in db.execute("PRAGMA table_info(tickets)").fetchall()}
            assert {
                "booking",
                "slot_start",
                "slot_end",
                "booking_late",
                "booked",
                "order_at",
            } <= cols
            assert db.execute("SELECT COUNT(*) FROM bookings").fetchone()[0] == 0
    finally:
        store.close()


def test_the_link_sends_the_catalogue_until_the_hub_holds_it_and_keeps_the_cursor(
    centre,
) -> None:
    from counter_api.store import repo
    from counter_api.uplink.bookings import CURSOR, BookingLink

    _client, svc, _clock = centre
    link = BookingLink(svc)
    first = link.contribute()
    assert first["bookings_after"] == 0 and isinstance(first["catalogue"], list)
    setup = first["setup"]
    assert setup["booking"] == {"early_minutes": 15, "late_minutes": 15}
    assert setup["closed_days"] == [] and len(setup["days"]) >= 5
    digest = setup["catalogue_digest"]
    answer = {
        "ack": 0,
        "bookings": [hub_item("PPPP33", "09:00", "09:30", seq=7)],
        "bookings_seq": 7,
        "bookings_more": True,
        "catalogue_digest": digest,
    }
    assert link.handle(answer) is True  # more waits at the hub: push again at once
    again = link.contribute()
    assert "catalogue" not in again and again["bookings_after"] == 7
    with svc.store.read() as db:
        assert repo.get_meta(db, CURSOR) == "7"
    assert link.handle({"ack": 0, "bookings": [{"code": 1}], "bookings_seq": 8}) is False
    assert link.contribute()["bookings_after"] == 8  # the malformed one left out, cursor kept


def test_a_check_in_sent_again_with_its_request_id_gives_the_same_ticket(centre) -> None:
    client, svc, clock = centre
    svc.sync_bookings([hub_item("RRRR33", "08:00", "08:30")], 1)
    clock.set(at(8, 5))
    body = {"booking": "RRRR33", "request_id": "kiosk-1-0001"}
    first = post(client, body)
    again = post(client, body)  # the kiosk lost the answer and asks again
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    other = post(client, {"booking": "RRRR33", "request_id": "kiosk-1-0002"})
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "booking_used"
