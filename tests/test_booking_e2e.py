"""Booking ahead end to end: a real hub process on a real PostgreSQL, real centre
processes pushing to it. Bookings reach the centre and check in by code and by QR
text; a QR code checks in while the hub is down; cancellations reach the centre; the
last place of a slot has exactly one winner; a no-show told by the centre bars the
person; the same day gives the same booking figures at the centre and the hub."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from hub import bookings
from hub.config import load_config as load_hub_config
from sothutu import booking as codes
from tests.hub_support import (
    HubProcess,
    centre_keys,
    fresh_database,
    hub_cli,
    hub_section,
    request,
    wait_until,
    write_hub_config,
)
from tests.support import ADMIN_KEY, KIOSK_KEY, ServerProcess, counter_key, free_port, write_config

pytestmark = pytest.mark.slow

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def next_slot(ahead: int = 2) -> tuple[date, str]:
    """A slot ``ahead`` half hours from now (so at least 30 minutes away), its day and
    start: bookable with a lead time of 0, and checked in at once with a 240-minute
    early window."""
    now = datetime.now(VN)
    minute = (now.hour * 60 + now.minute) // 30 * 30 + 30 * ahead
    day = now.date() + timedelta(days=minute // 1440)
    minute %= 1440
    return day, f"{minute // 60:02d}:{minute % 60:02d}"


class Province:
    def __init__(self, tmp: Path, url: str) -> None:
        self.tmp = tmp
        self.db_url = url
        self.hub = HubProcess(write_hub_config(tmp / "hub", url), free_port())
        self.keys: dict[str, dict[str, str]] = {}
        self.hub.start()

    def register(self, centre: str, *settings: str) -> dict[str, str]:
        keys = centre_keys(self.hub.config, centre, f"Xã {centre}", "Thử Nghiệm")
        out = hub_cli(
            self.hub.config,
            "centre",
            "set",
            centre,
            "--booking",
            "on",
            "--lead-minutes",
            "0",
            *settings,
        )
        assert out.returncode == 0, out.stderr
        self.keys[centre] = keys
        # what the centre's first push tells the hub (before any booking can be made)
        setup = {
            "name": f"Trung tâm xã {centre}",
            "timezone": "Asia/Ho_Chi_Minh",
            "services": [
                {"id": "ho-tich", "name": "Hộ tịch"},
                {"id": "chung-thuc", "name": "Chứng thực"},
                {"id": "dat-dai", "name": "Đất đai"},
            ],
            "hours": ["00:00-24:00"],
            "days": [1, 2, 3, 4, 5, 6, 7],
        }
        status, answer, _ = request(
            self.hub.url + "/api/v1/ingest",
            "POST",
            body={"centre": centre, "after": 0, "rows": [], "setup": setup},
            headers={"Authorization": f"Bearer {keys['token']}"},
        )
        assert status == 200, answer
        return keys

    def centre(self, centre: str, *, key: bool = True) -> ServerProcess:
        k = self.keys[centre]
        port = free_port()
        extra = hub_section(
            self.hub.url, centre, k["token"], 0.3, booking_key=k["booking_key"] if key else ""
        )
        extra += "\n[booking]\nearly_minutes = 240\nlate_minutes = 15\n"
        directory = self.tmp / centre
        directory.mkdir(exist_ok=True)
        return ServerProcess(
            write_config(directory, port=port, extra=extra, hours=["00:00-24:00"]), port
        )

    def book(
        self,
        centre: str,
        day: date,
        start: str,
        cccd: str,
        service: str = "ho-tich",
        phone: str = "0912345678",
    ) -> tuple[int, Any]:
        status, body, _ = request(
            self.hub.url + "/api/v1/bookings",
            "POST",
            body={
                "centre": centre,
                "service": service,
                "date": day.isoformat(),
                "start": start,
                "name": "Trần Thị Bình",
                "phone": phone,
                "cccd": cccd,
            },
        )
        return status, body

    def booking(self, code: str) -> dict:
        status, body, _ = request(f"{self.hub.url}/api/v1/bookings/{code}")
        assert status == 200, body
        return body

    def sql(self, query: str, *params: Any) -> list[tuple]:
        with psycopg.connect(self.db_url) as conn:
            return conn.execute(query, params).fetchall()  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def province(pg_cluster, tmp_path_factory) -> Iterator[Province]:
    p = Province(tmp_path_factory.mktemp("booking"), fresh_database(pg_cluster))
    yield p
    p.hub.stop()


def held(server: ServerProcess, code: str) -> dict | None:
    """The centre's record of a booking (GET /api/v1/bookings of its day)."""
    admin = server.client(ADMIN_KEY)
    for d in range(-5, 8):
        day = (datetime.now(VN).date() + timedelta(days=d)).isoformat()
        for b in admin.get(f"/api/v1/bookings?date={day}")["bookings"]:
            if b["code"] == code:
                return b
    return None


def check_in(server: ServerProcess, text: str, key: str = KIOSK_KEY) -> tuple[int, Any]:
    status, body, _ = request(
        server.url + "/api/v1/tickets",
        "POST",
        body={"booking": text},
        headers={"Authorization": f"Bearer {key}"},
    )
    return status, body


def test_bookings_reach_the_centre_and_check_in_by_code_and_qr(province: Province) -> None:
    province.register("dat-lich-a")
    day, start = next_slot()
    s1, one = province.book("dat-lich-a", day, start, "079000000101")
    s2, two = province.book("dat-lich-a", day, start, "079000000102", phone="0987654321")
    assert s1 == s2 == 201, (one, two)
    server = province.centre("dat-lich-a").start()
    try:
        got = wait_until(lambda: held(server, two["code"]))
        assert got["status"] == "booked" and got["source"] == "hub" and got["ticket"] is None
        status, t1 = check_in(server, one["code"].lower())
        assert status == 201 and t1["booking"]["code"] == one["code"], t1
        status, t2 = check_in(server, two["qr"], key=counter_key(4))  # the guidance counter
        assert status == 201 and not t2["booking"]["late"]
        status, again = check_in(server, two["qr"])
        assert status == 409 and again["error"]["code"] == "booking_used"
        walk = server.client(KIOSK_KEY).post("/api/v1/tickets", {"service": "ho-tich"})
        assert walk["waiting_ahead"] == 2  # both booked citizens go first
        wait_until(lambda: province.booking(two["code"])["status"] == "checked_in")
        rows = province.sql("SELECT ticket_code FROM bookings WHERE code = %s", one["code"])
        assert rows == [(t1["code"],)]
        today = datetime.now(VN).date().isoformat()
        if day.isoformat() == today:  # the same day's figures at the centre and at the hub
            newest = server.client(ADMIN_KEY).get("/api/v1/hub")

            def parity() -> bool:
                link = server.client(ADMIN_KEY).get("/api/v1/hub")
                return link["pending"] == 0 and link["acked"] >= newest["newest"]

            wait_until(parity)
            at_centre = server.client(ADMIN_KEY).get(f"/api/v1/reports/daily?date={today}")
            status, at_hub, _ = province.hub.get(
                f"/api/v1/centres/dat-lich-a/report?from={today}&to={today}"
            )
            assert at_hub == at_centre
            b = at_centre["total"]["booking"]
            assert (b["booked"], b["walk_in"], b["bookings"]) == (2, 1, 2)
    finally:
        server.stop()


def test_a_qr_code_checks_in_while_the_hub_is_down(province: Province) -> None:
    province.register("dat-lich-b")
    day, start = next_slot()
    status, made = province.book("dat-lich-b", day, start, "079000000201")
    assert status == 201
    status, other = province.book("dat-lich-b", day, start, "079000000202")
    province.hub.stop()  # the link is down: the centre never heard of these bookings
    server = province.centre("dat-lich-b").start()
    try:
        status, typed = check_in(server, made["code"])
        assert status == 404 and typed["error"]["code"] == "unknown_booking"
        status, ticket = check_in(server, made["qr"])
        assert status == 201 and ticket["booking"]["code"] == made["code"]
        forged = made["qr"].rsplit(".", 1)[0] + ".AAAAAAAAAAAAAAAAAAAA"
        status, refused = check_in(server, forged)
        assert status == 403 and refused["error"]["code"] == "booking_forged"
        link = server.client(ADMIN_KEY).get("/api/v1/hub")
        assert link["last_error"] and "cannot reach" in link["last_error"]
    finally:
        province.hub.start()
    try:
        wait_until(lambda: province.booking(made["code"])["status"] == "checked_in")
        both = wait_until(lambda: (b := held(server, other["code"])) and b)
        assert both["status"] == "booked"
        assert held(server, made["code"])["status"] == "checked_in"  # the centre's word kept
        status, again = check_in(server, made["code"])
        assert status == 409 and again["error"]["code"] == "booking_used"
    finally:
        server.stop()


def test_a_cancellation_reaches_the_centre(province: Province) -> None:
    province.register("dat-lich-c")
    day, start = next_slot()
    status, made = province.book("dat-lich-c", day, start, "079000000301")
    server = province.centre("dat-lich-c").start()
    try:
        wait_until(lambda: held(server, made["code"]))
        status, body, _ = request(
            f"{province.hub.url}/api/v1/bookings/{made['code']}",
            "DELETE",
            body={"phone": "0912 345 678"},
        )
        assert status == 200 and body["status"] == "cancelled"
        wait_until(lambda: held(server, made["code"])["status"] == "cancelled")
        status, refused = check_in(server, made["qr"])
        assert status == 409 and refused["error"]["code"] == "booking_cancelled"
    finally:
        server.stop()


def test_the_last_place_of_a_slot_has_exactly_one_winner(province: Province) -> None:
    province.register("dat-lich-d", "--capacity", "1")
    day, start = next_slot(3)
    results: list[tuple[int, Any]] = []
    gate = threading.Barrier(10)

    def phone(i: int) -> None:
        gate.wait()
        results.append(province.book("dat-lich-d", day, start, f"0790000004{i:02d}"))

    threads = [threading.Thread(target=phone, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(s for s, _ in results)
    assert statuses == [201] + [409] * 9, results
    assert {b["error"]["code"] for s, b in results if s == 409} == {"slot_full"}
    held_places = province.sql(
        "SELECT count(*) FROM bookings WHERE centre_id = 'dat-lich-d' AND status <> 'cancelled'"
    )
    assert held_places == [(1,)]
    # one person on four phones at once, four slots of one field: one booking
    later = [next_slot(4 + i)[1] for i in range(4)]
    days = [next_slot(4 + i)[0] for i in range(4)]
    if len(set(days)) == 1:
        same: list[tuple[int, Any]] = []
        gate4 = threading.Barrier(4)

        def one_person(start_at: str) -> None:
            gate4.wait()
            same.append(province.book("dat-lich-d", days[0], start_at, "079000000499"))

        threads = [threading.Thread(target=one_person, args=(s,)) for s in later]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(s for s, _ in same) == [201, 409, 409, 409]
        assert {b["error"]["code"] for s, b in same if s == 409} == {"booking_limit"}


def test_no_shows_told_by_the_centre_bar_the_person(province: Province) -> None:
    province.register("dat-lich-e")
    config = load_hub_config(province.hub.config)
    cccd = "079000000501"
    person = bookings.person_of(bookings.person_key(config), cccd)
    today = datetime.now(VN).date()
    past = [today - timedelta(days=d) for d in (1, 3, 6)]
    with psycopg.connect(province.db_url) as conn:  # three bookings of days gone by
        for i, d in enumerate(past):
            seq = conn.execute(
                "UPDATE booking_feed SET seq = seq + 1 WHERE centre_id = 'dat-lich-e' RETURNING seq"
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO bookings (code, centre_id, service, day, start_min, end_min, "
                "status, person, name, phone, seq, created_at, changed_at) VALUES "
                "(%s, 'dat-lich-e', 'ho-tich', %s, 540, 570, 'booked', %s, 'Ai Đó', "
                "'0912345678', %s, now(), now())",
                (["NNNN33", "NNNN44", "NNNN66"][i], d, person, seq),
            )
    server = province.centre("dat-lich-e").start()
    try:

        def barred() -> bool:
            rows = province.sql(
                "SELECT status FROM bookings WHERE centre_id = 'dat-lich-e' ORDER BY day"
            )
            return [s for (s,) in rows] == ["no_show"] * 3

        wait_until(barred)
        day, start = next_slot()
        status, body = province.book("dat-lich-e", day, start, cccd)
        assert status == 409 and body["error"]["code"] == "booking_banned", body
        status, _ = province.book("dat-lich-e", day, start, "079000000502")
        assert status == 201
        log = province.sql(
            "SELECT count(*) FROM rows WHERE centre_id = 'dat-lich-e' "
            "AND action = 'booking_no_show'"
        )
        assert log == [(3,)]
    finally:
        server.stop()


def test_the_qr_text_is_what_the_signed_code_says(province: Province) -> None:
    key = province.keys["dat-lich-a"]["booking_key"]
    sql = "SELECT code FROM bookings WHERE centre_id = 'dat-lich-a' LIMIT 1"
    (code,) = province.sql(sql)[0]
    signed = codes.verify(key, province.booking(code)["qr"])
    assert signed.centre == "dat-lich-a" and signed.code == code
