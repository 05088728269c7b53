"""The hub's booking rules on a real PostgreSQL, through the app with an injected clock:
days and slots from the centre's pushed hours, days and closed days; capacity per slot
and field; the caps per person; the lead time; cancelling; the no-show ban from the
centre's rows; the feed back to the centre; per-address limits; the nightly erasure."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from hub import accounts, bookings
from hub import booking_rules as rules
from hub.config import load_config
from hub.db import Database
from hub.web import create_app
from sothutu import booking as codes
from sothutu.clock import ManualClock
from tests.hub_support import fresh_database, hub_cli, write_hub_config

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = date(2026, 11, 23)
SETUP = {
    "name": "Trung tâm Phục vụ hành chính công xã Cù Lao Dung",
    "timezone": "Asia/Ho_Chi_Minh",
    "services": [{"id": "ho-tich", "name": "Hộ tịch"}, {"id": "dat-dai", "name": "Đất đai"}],
    "counters": [{"number": 1, "name": "Quầy 1"}],
    "hours": ["07:30-11:30", "13:30-17:00"],
    "days": [1, 2, 3, 4, 5],
    "closed_days": ["2026-11-26"],
    "booking": {"early_minutes": 15, "late_minutes": 15},
    "catalogue_digest": "d1",
}
CATALOGUE = [
    {
        "code": "1.001193",
        "name": "Đăng ký khai sinh",
        "service": "ho-tich",
        "documents": [{"name": "Giấy chứng sinh", "originals": 1, "copies": 0, "form": None}],
        "processing_time": "Ngay trong ngày",
    }
]


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=VN)


class Hub:
    def __init__(self, tmp: Path, url: str, extra: str = "") -> None:
        self.url = url
        self.config = load_config(write_hub_config(tmp, url, extra=extra))
        self.db = Database(url, 4)
        self.clock = ManualClock(at(MONDAY, 7, 30))
        self.app = create_app(self.config, self.db, self.clock)
        self.client = self.app.test_client()
        self.token, self.key = accounts.add_centre(self.db, "cu-lao-dung", "Xã Cù Lao Dung")
        bookings.update_settings(
            self.db, self.config, "cu-lao-dung", {"enabled": True, "address": "Ấp Phạm Thành Hơn"}
        )
        self.push(catalogue=CATALOGUE)

    def push(
        self, rows: list | None = None, after: int = 0, bookings_after: int = 0, **extra: Any
    ) -> dict:
        body = {
            "centre": "cu-lao-dung",
            "after": after,
            "rows": rows or [],
            "setup": SETUP,
            "bookings_after": bookings_after,
            **extra,
        }
        r = self.client.post(
            "/api/v1/ingest", json=body, headers={"Authorization": f"Bearer {self.token}"}
        )
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def book(
        self,
        start: str = "08:00",
        day: date = MONDAY,
        cccd: str = "079123456789",
        service: str = "ho-tich",
        phone: str = "0912345678",
        **extra: Any,
    ):
        body = {
            "centre": "cu-lao-dung",
            "service": service,
            "date": day.isoformat(),
            "start": start,
            "name": "Nguyễn Văn An",
            "phone": phone,
            "cccd": cccd,
            **extra,
        }
        return self.client.post("/api/v1/bookings", json=body)

    def sql(self, query: str, *params: Any) -> list[tuple]:
        with psycopg.connect(self.url) as conn:
            return conn.execute(query, params).fetchall()  # type: ignore[arg-type]


@pytest.fixture
def hub(pg_cluster, tmp_path: Path) -> Iterator[Hub]:
    h = Hub(tmp_path, fresh_database(pg_cluster))
    yield h
    h.db.close()


def test_days_and_slots_follow_the_centres_hours_days_and_closed_days(hub: Hub) -> None:
    c = hub.client.get("/api/v1/centres/cu-lao-dung/booking").get_json()
    # today (Monday) and the next 6 working days: not Thursday 26 (closed), no weekend
    assert c["days"] == [
        "2026-11-23",
        "2026-11-24",
        "2026-11-25",
        "2026-11-27",
        "2026-11-30",
        "2026-12-01",
        "2026-12-02",
    ]
    bookings.update_settings(
        hub.db, hub.config, "cu-lao-dung", {"closed_days": ["2026-11-30"], "slot_minutes": 45}
    )
    c = hub.client.get("/api/v1/centres/cu-lao-dung/booking").get_json()
    assert "2026-11-30" not in c["days"] and c["days"][-1] == "2026-12-03"
    day = hub.client.get("/api/v1/centres/cu-lao-dung/slots?service=ho-tich&date=2026-11-24")
    slots = day.get_json()["slots"]
    assert [s["start"] for s in slots] == [
        "07:30",
        "08:15",
        "09:00",
        "09:45",
        "10:30",
        "13:30",
        "14:15",
        "15:00",
        "15:45",
    ]
    assert slots[0] == {"start": "07:30", "end": "08:15", "free": 2}
    # today at 07:30 with a lead time of 60 minutes: 08:15 has closed, 09:00 is open
    today = hub.client.get("/api/v1/centres/cu-lao-dung/slots?service=ho-tich&date=2026-11-23")
    assert today.get_json()["slots"][0]["start"] == "09:00"
    for q, status, code in [
        ("service=ho-tich&date=2026-11-26", 200, None),
        ("service=nope&date=2026-11-24", 404, "unknown_service"),
        ("service=ho-tich&date=24/11/2026", 400, "invalid_request"),
    ]:
        r = hub.client.get(f"/api/v1/centres/cu-lao-dung/slots?{q}")
        assert r.status_code == status and (code is None or r.get_json()["error"]["code"] == code)
        if status == 200:
            assert r.get_json()["slots"] == []
    assert (
        hub.client.get("/api/v1/centres/nowhere/slots?service=x&date=2026-11-24").status_code == 404
    )
    bookings.update_settings(hub.db, hub.config, "cu-lao-dung", {"enabled": False})
    r = hub.client.get("/api/v1/centres/cu-lao-dung/slots?service=ho-tich&date=2026-11-24")
    assert r.status_code == 404 and r.get_json()["error"]["message_vi"]


def test_capacity_caps_lead_time_and_cancelling(hub: Hub) -> None:
    bookings.update_settings(hub.db, hub.config, "cu-lao-dung", {"capacities": {"dat-dai": 1}})
    r = hub.book("09:00", service="dat-dai", procedure="")
    assert r.status_code == 201, r.get_json()
    made = r.get_json()
    assert set(made) >= {"code", "centre", "service", "date", "start", "end", "qr"}
    assert (made["start"], made["end"], made["date"]) == ("09:00", "09:30", "2026-11-23")
    assert codes.verify(hub.key, made["qr"]).code == made["code"]
    full = hub.book("09:00", service="dat-dai", cccd="079000000002")
    assert full.status_code == 409 and full.get_json()["error"]["code"] == "slot_full"
    free = hub.client.get("/api/v1/centres/cu-lao-dung/slots?service=dat-dai&date=2026-11-23")
    assert "09:00" not in [s["start"] for s in free.get_json()["slots"]]
    # one person: one a field a day, two a day across the province
    same_field = hub.book("10:00", service="dat-dai")
    assert same_field.get_json()["error"]["code"] == "booking_limit"
    assert hub.book("10:00", service="ho-tich").status_code == 201
    third = hub.book("14:00", service="ho-tich", cccd="079 123 456 789")
    assert third.status_code == 409 and third.get_json()["error"]["code"] == "booking_limit"
    assert hub.book("14:00", day=MONDAY + timedelta(days=1)).status_code == 201
    # the lead time: 08:30 is within 60 minutes of now (07:30)
    closed = hub.book("08:30", cccd="079000000003")
    assert closed.status_code == 409 and closed.get_json()["error"]["code"] == "booking_closed"
    for start in ("08:10", "12:00", "17:00"):
        assert hub.book(start, cccd="079000000003").get_json()["error"]["code"] == "booking_closed"
    assert hub.book("09:00", day=date(2026, 11, 26), cccd="079000000003").status_code == 409
    # cancelling frees the place, with the phone number it was made with
    code = made["code"]
    wrong = hub.client.delete(f"/api/v1/bookings/{code}", json={"phone": "0900000000"})
    assert wrong.status_code == 403 and wrong.get_json()["error"]["code"] == "wrong_phone"
    ok = hub.client.delete(f"/api/v1/bookings/{code.lower()}", json={"phone": "+84 912 345 678"})
    assert ok.status_code == 200 and ok.get_json()["status"] == "cancelled"
    again = hub.client.delete(f"/api/v1/bookings/{code}", json={"phone": "0912345678"})
    assert again.get_json()["error"]["code"] == "booking_cancelled"
    assert hub.book("09:00", service="dat-dai", cccd="079000000002").status_code == 201
    assert hub.client.get(f"/api/v1/bookings/{code}").get_json()["status"] == "cancelled"
    assert hub.client.get("/api/v1/bookings/ZZZZZZ").status_code == 404
    # once the slot has begun it cannot be cancelled
    later = hub.book("09:30", cccd="079000000004").get_json()["code"]
    hub.clock.set(at(MONDAY, 9, 30))
    r = hub.client.delete(f"/api/v1/bookings/{later}", json={"phone": "0912345678"})
    assert r.get_json()["error"]["code"] == "booking_closed"


def test_bad_fields_are_400_naming_the_field(hub: Hub) -> None:
    for change, field in [
        ({"name": "A"}, "name"),
        ({"name": "Nguyễn 2 An"}, "name"),
        ({"phone": "12345"}, "phone"),
        ({"cccd": "12345678901"}, "cccd"),
        ({"cccd": "000000000000"}, "cccd"),
        ({"start": "9h"}, "start"),
        ({"date": "23/11/2026"}, "date"),
        ({"name": None}, "name"),
    ]:
        r = hub.book(**{"start": "09:00", **change})
        assert r.status_code == 400, change
        err = r.get_json()["error"]
        assert err["code"] == "invalid_request" and err["field"] == field and err["message_vi"]
    assert hub.sql("SELECT count(*) FROM bookings") == [(0,)]


def test_bodies_that_are_not_bookings_never_500(hub: Hub) -> None:
    for data, ctype in [
        (b"x", "application/json"),
        (b"[]", "application/json"),
        (b"{}", "text/plain"),
        (b"{" * 5000, "application/json"),
    ]:
        r = hub.client.post("/api/v1/bookings", data=data, content_type=ctype)
        assert r.status_code in (400, 413, 415), (data[:10], r.status_code)
    r = hub.client.post("/api/v1/bookings", data=b"x" * 20000, content_type="application/json")
    assert r.status_code == 413
    r = hub.client.post(
        "/api/v1/bookings",
        json={
            "centre": "cu-lao-dung",
            "service": "ho-tich",
            "procedure": "9.999",
            "date": "2026-11-23",
            "start": "09:00",
            "name": "An An",
            "phone": "0912345678",
            "cccd": "079123456789",
        },
    )
    assert r.get_json()["error"]["code"] == "unknown_procedure"


def test_the_feed_sends_bookings_and_cancellations_once_in_order(hub: Hub) -> None:
    a = hub.book("09:00").get_json()["code"]
    b = hub.book("09:00", cccd="079000000005", service="dat-dai").get_json()["code"]
    first = hub.push()
    assert [x["code"] for x in first["bookings"]] == [a, b] and first["bookings_seq"] == 2
    assert first["bookings"][0] == {
        "seq": 1,
        "code": a,
        "service": "ho-tich",
        "procedure": None,
        "date": "2026-11-23",
        "start": "09:00",
        "end": "09:30",
        "status": "booked",
    }
    assert "name" not in str(first["bookings"]) and "0912345678" not in str(first)
    hub.client.delete(f"/api/v1/bookings/{a}", json={"phone": "0912345678"})
    nxt = hub.push(bookings_after=2)
    assert [(x["code"], x["status"]) for x in nxt["bookings"]] == [(a, "cancelled")]
    assert hub.push(bookings_after=3)["bookings"] == []
    old = hub.push()  # a centre that lost its database starts again from 0
    assert [x["code"] for x in old["bookings"]] == [b, a]
    assert hub.push(bookings_after=99)["bookings_seq"] == 3  # a restored hub: from the start
    assert (
        "bookings"
        not in hub.client.post(
            "/api/v1/ingest",
            json={"centre": "cu-lao-dung", "after": 0, "rows": []},
            headers={"Authorization": f"Bearer {hub.token}"},
        ).get_json()
    )
    assert hub.push()["catalogue_digest"] == "d1"


def _issued(seq: int, code: str, slot: datetime, late: bool = False) -> dict:
    return {
        "seq": seq,
        "action": "issued",
        "at": "2026-11-23T08:50:00+07:00",
        "business_date": "2026-11-23",
        "ticket": {
            "id": seq,
            "date": "2026-11-23",
            "code": f"A{seq:03d}",
            "service": "ho-tich",
            "priority": False,
            "procedure": None,
            "booking": {
                "code": code,
                "slot_start": slot.isoformat(),
                "slot_end": (slot + timedelta(minutes=30)).isoformat(),
                "late": late,
            },
        },
        "counter": None,
        "calls": 0,
    }


def _no_show(seq: int, code: str, day: date) -> dict:
    return {
        "seq": seq,
        "action": "booking_no_show",
        "at": f"{day.isoformat()}T09:45:00+07:00",
        "business_date": day.isoformat(),
        "ticket": None,
        "counter": None,
        "calls": None,
        "booking": {
            "code": code,
            "date": day.isoformat(),
            "service": "ho-tich",
            "slot_start": f"{day.isoformat()}T09:00:00+07:00",
            "slot_end": f"{day.isoformat()}T09:30:00+07:00",
        },
    }


def test_the_centres_rows_tell_check_ins_and_no_shows_and_three_bar_booking(hub: Hub) -> None:
    made = [
        hub.book("09:00", day=MONDAY + timedelta(days=d)).get_json()["code"] for d in (0, 1, 2, 4)
    ]
    answer = hub.push([_issued(1, made[0], at(MONDAY, 9))])
    assert answer["ack"] == 1
    assert hub.sql("SELECT status, ticket_code FROM bookings WHERE code = %s", made[0]) == [
        ("checked_in", "A001")
    ]
    report = hub.client.get(
        "/api/v1/report?from=2026-11-23&to=2026-11-23",
        headers={"Authorization": "Bearer hub-admin-key-0123456789abcdef"},
    )
    assert report.status_code == 200
    # three no-shows within 30 days (told by the centre, whichever day they come)
    rows = [
        _no_show(2 + i, code, MONDAY + timedelta(days=d))
        for i, (code, d) in enumerate(zip(made[1:], (1, 2, 4), strict=True))
    ]
    hub.clock.set(at(MONDAY + timedelta(days=5), 8))
    hub.push(rows, after=1)
    statuses = hub.sql("SELECT status FROM bookings WHERE code = ANY(%s)", made[1:])
    assert [s for (s,) in statuses] == ["no_show"] * 3
    report = hub.client.get(
        "/api/v1/report?from=2026-11-23&to=2026-11-27",
        headers={"Authorization": "Bearer hub-admin-key-0123456789abcdef"},
    ).get_json()
    b = report["total"]["booking"]
    assert (b["booked"], b["late"], b["walk_in"], b["bookings"], b["no_show"]) == (1, 0, 0, 4, 3)
    assert b["arrival_avg_s"] == -600.0  # checked in at 08:50 for 09:00
    assert report["rows"][0]["booking"]["bookings"] == 4
    # the province's report page and its printed month show the booking columns
    accounts.add_user(hub.db, "tinh-bao-cao", "province", "mat-khau-bao-cao-2026")
    staff = hub.app.test_client()
    r = staff.post(
        "/login", data={"name": "tinh-bao-cao", "password": "mat-khau-bao-cao-2026", "next": "/"}
    )
    assert r.status_code == 303
    page = staff.get("/reports?from=2026-11-23&to=2026-11-27").get_data(as_text=True)
    assert "Lịch hẹn không đến" in page and "Đặt lịch, đến đúng giờ" in page
    printed = staff.get("/reports/print?month=2026-11").get_data(as_text=True)
    assert "Lịch hẹn không đến" in printed
    barred = hub.book("10:00", day=MONDAY + timedelta(days=7))
    assert barred.status_code == 409 and barred.get_json()["error"]["code"] == "booking_banned"
    # barred the 14 days after the third no-show (27/11), free again from 12/12
    assert "12/12/2026" in barred.get_json()["error"]["message_vi"]
    hub.clock.set(at(date(2026, 12, 11), 8))
    assert hub.book("10:00", day=date(2026, 12, 11)).status_code == 409
    hub.clock.set(at(date(2026, 12, 14), 8))
    assert hub.book("10:00", day=date(2026, 12, 14)).status_code == 201


def test_the_ban_rule() -> None:
    d = date(2026, 11, 1)
    days = [d, d + timedelta(days=10), d + timedelta(days=29)]
    assert rules.ban_until(days, 3, 30, 14) == d + timedelta(days=29 + 15)
    assert rules.ban_until(days[:2], 3, 30, 14) is None
    spread = [d, d + timedelta(days=15), d + timedelta(days=30)]
    assert rules.ban_until(spread, 3, 30, 14) is None  # 31 days apart: not within 30
    assert rules.ban_until(days, 0, 30, 14) is None


def test_the_nightly_job_erases_names_and_phones_the_day_after(hub: Hub, tmp_path: Path) -> None:
    today = hub.book("09:00").get_json()["code"]
    tomorrow = hub.book("09:00", day=MONDAY + timedelta(days=1), cccd="079000000009").get_json()
    personal = "SELECT code, name, phone, person IS NOT NULL FROM bookings ORDER BY day"
    assert [r[1] for r in hub.sql(personal)] == ["Nguyễn Văn An"] * 2
    assert bookings.forget(hub.db, at(MONDAY, 23, 59), VN) == (0, 0)
    assert bookings.forget(hub.db, at(MONDAY + timedelta(days=1), 0, 1), VN) == (1, 0)
    assert hub.sql(personal) == [
        (today, None, None, True),
        (tomorrow["code"], "Nguyễn Văn An", "0912345678", True),
    ]
    assert hub.sql("SELECT count(*) FROM bookings WHERE name LIKE '%%079%%'") == [(0,)]
    assert all(b"079" not in bytes(r[0]) for r in hub.sql("SELECT person FROM bookings"))
    later = at(MONDAY + timedelta(days=bookings.PERSON_DAYS + 2), 3)
    assert bookings.forget(hub.db, later, VN) == (1, 2)
    assert hub.sql("SELECT count(*) FROM bookings WHERE person IS NOT NULL") == [(0,)]
    # the page still shows the booking, without personal data
    assert hub.client.get(f"/dat-lich/{today}").status_code == 200
    out = hub_cli(hub.config.path, "nightly")
    assert out.returncode == 0 and "erased" in out.stdout


def test_per_address_limits(pg_cluster, tmp_path: Path) -> None:
    h = Hub(
        tmp_path,
        fresh_database(pg_cluster),
        extra="\n[booking]\nreads_per_minute = 5\nwrites_per_hour = 2\n",
    )
    try:
        url = "/api/v1/centres/cu-lao-dung/slots?service=ho-tich&date=2026-11-24"
        got = [h.client.get(url).status_code for _ in range(6)]
        assert got == [200] * 5 + [429]
        r = h.client.get("/dat-lich")
        assert r.status_code == 429 and "Vui lòng thử lại sau" in r.get_data(as_text=True)
        assert int(r.headers["Retry-After"]) <= 60
        other = h.client.get(url, environ_base={"REMOTE_ADDR": "127.0.0.9"})
        assert other.status_code == 200  # another address
        h.clock.advance(60)
        assert h.client.get(url).status_code == 200
        assert h.book("09:00").status_code == 201
        assert h.book("10:00", cccd="079000000001").status_code == 201
        r = h.book("11:00", cccd="079000000002")
        assert r.status_code == 429 and r.get_json()["error"]["code"] == "rate_limited"
    finally:
        h.db.close()


def test_centre_set_from_the_command_line(pg_cluster, tmp_path: Path) -> None:
    h = Hub(tmp_path, fresh_database(pg_cluster))
    try:
        path = h.config.path
        out = hub_cli(
            path,
            "centre",
            "set",
            "cu-lao-dung",
            "--booking",
            "on",
            "--slot-minutes",
            "20",
            "--capacity",
            "3",
            "--capacity",
            "dat-dai=1",
            "--lead-minutes",
            "30",
            "--days-ahead",
            "3",
            "--closed-days",
            "2026-11-24,2026-11-25",
            "--address",
            "Ấp Phạm  Thành Hơn",
            "--district",
            "Cù Lao Dung",
        )
        assert out.returncode == 0, out.stderr
        assert "slot_minutes = 20" in out.stdout and '"dat-dai": 1' in out.stdout
        c = bookings.centre(h.db, h.config, "cu-lao-dung")
        assert c is not None and c.settings.capacity_of("ho-tich") == 3
        assert c.settings.capacity_of("dat-dai") == 1 and c.address == "Ấp Phạm Thành Hơn"
        assert c.district == "Cù Lao Dung"
        for bad, says in [
            (["--slot-minutes", "2"], "--slot-minutes"),
            (["--closed-days", "24/11"], "--closed-days"),
            (["--capacity", "x=y"], "--capacity"),
        ]:
            out = hub_cli(path, "centre", "set", "cu-lao-dung", *bad)
            assert out.returncode == 1 and says in out.stderr, out.stderr
        assert hub_cli(path, "centre", "set", "nowhere", "--booking", "on").returncode == 1
        key = hub_cli(path, "centre", "key", "cu-lao-dung", "--renew").stdout
        assert h.key not in key and "booking_key = " in key
    finally:
        h.db.close()


def test_staff_set_a_centres_booking_and_see_its_day(hub: Hub) -> None:
    import re

    accounts.add_user(hub.db, "tinh", "province", "mat-khau-tinh-2026")
    accounts.add_user(hub.db, "truong", "centre:cu-lao-dung", "mat-khau-truong-2026")
    made = hub.book("09:00").get_json()["code"]

    def login(name: str, password: str) -> Any:
        c = hub.app.test_client()
        r = c.post("/login", data={"name": name, "password": password, "next": "/"})
        assert r.status_code == 303
        return c

    province = login("tinh", "mat-khau-tinh-2026")
    page = province.get("/centres/cu-lao-dung/dat-lich").get_data(as_text=True)
    assert made in page and "Nguyễn Văn An" in page and "0912345678" in page
    assert "07:30–11:30, 13:30–17:00" in page
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)[1]  # type: ignore[index]
    form = {
        "csrf": csrf,
        "enabled": "on",
        "address": "Ấp 1",
        "slot_minutes": "20",
        "capacity": "4",
        "capacity_dat-dai": "1",
        "capacity_ho-tich": "",
        "lead_minutes": "30",
        "days_ahead": "2",
        "closed_days": "2026-11-24, 2026-11-25",
    }
    r = province.post("/centres/cu-lao-dung/dat-lich", data=form)
    assert r.status_code == 200 and "Đã lưu cài đặt đặt lịch." in r.get_data(as_text=True)
    c = bookings.centre(hub.db, hub.config, "cu-lao-dung")
    assert (
        c is not None and c.settings.slot_minutes == 20 and c.settings.capacity_of("dat-dai") == 1
    )
    assert c.settings.capacity_of("ho-tich") == 4 and c.settings.days_ahead == 2
    bad = province.post("/centres/cu-lao-dung/dat-lich", data={**form, "slot_minutes": "x"})
    assert bad.status_code == 400 and "Không lưu được" in bad.get_data(as_text=True)
    forged = province.post("/centres/cu-lao-dung/dat-lich", data={**form, "csrf": "x"})
    assert forged.status_code == 403
    head = login("truong", "mat-khau-truong-2026")
    assert made in head.get("/centres/cu-lao-dung/dat-lich").get_data(as_text=True)
    assert head.post("/centres/cu-lao-dung/dat-lich", data=form).status_code == 403
    assert hub.app.test_client().get("/centres/cu-lao-dung/dat-lich").status_code == 200  # login
    assert "Đăng nhập" in hub.app.test_client().get("/centres/cu-lao-dung/dat-lich").get_data(
        as_text=True
    )
