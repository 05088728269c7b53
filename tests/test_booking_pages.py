"""The citizens' booking pages (/dat-lich) in Chromium at a cheap phone's size, on a real
hub process and PostgreSQL: find the centre without accents, choose field, procedure,
day and slot, book, see the code, QR code and checklist, cancel; the same without
JavaScript; refusals said in Vietnamese with the form kept. Screenshots in
tests/artifacts/booking/."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub import qr
from tests.hub_support import (
    HubProcess,
    centre_keys,
    fresh_database,
    hub_cli,
    request,
    write_hub_config,
)
from tests.support import ARTIFACTS, free_port

pytestmark = pytest.mark.slow

SHOTS = ARTIFACTS / "booking"
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
CATALOGUE = [
    {
        "code": "1.001193",
        "name": "Đăng ký khai sinh",
        "service": "ho-tich",
        "documents": [
            {"name": "Giấy chứng sinh", "originals": 1, "copies": 0, "form": None},
            {"name": "Tờ khai đăng ký khai sinh", "originals": 1, "copies": 0, "form": "TK-01"},
        ],
        "processing_time": "Ngay trong ngày làm việc",
        "fees": "Miễn lệ phí",
    },
    {"code": "2.000908", "name": "Chứng thực bản sao từ bản chính", "service": "chung-thuc"},
]


def setup(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "timezone": "Asia/Ho_Chi_Minh",
        "services": [
            {"id": "ho-tich", "name": "Hộ tịch"},
            {"id": "chung-thuc", "name": "Chứng thực"},
            {"id": "dat-dai", "name": "Đất đai"},
        ],
        "hours": ["00:00-24:00"],
        "days": [1, 2, 3, 4, 5, 6, 7],
        "catalogue_digest": "d",
    }


@pytest.fixture(scope="module")
def hub(pg_cluster, tmp_path_factory) -> Iterator[HubProcess]:
    tmp = tmp_path_factory.mktemp("booking-pages")
    h = HubProcess(write_hub_config(tmp, fresh_database(pg_cluster)), free_port()).start()
    for cid, name, district in [
        ("cu-lao-dung", "Trung tâm Phục vụ hành chính công xã Cù Lao Dung", "Cù Lao Dung"),
        ("an-thanh", "Trung tâm Phục vụ hành chính công xã An Thạnh", "Cù Lao Dung"),
    ]:
        keys = centre_keys(h.config, cid, name, district)
        out = hub_cli(
            h.config,
            "centre",
            "set",
            cid,
            "--booking",
            "on",
            "--lead-minutes",
            "0",
            "--address",
            f"Ấp Phạm Thành Hơn, xã {name.rsplit('xã ', 1)[1]}",
        )
        assert out.returncode == 0, out.stderr
        status, answer, _ = request(
            h.url + "/api/v1/ingest",
            "POST",
            body={
                "centre": cid,
                "after": 0,
                "rows": [],
                "setup": setup(name),
                "catalogue": CATALOGUE,
            },
            headers={"Authorization": f"Bearer {keys['token']}"},
        )
        assert status == 200, answer
    yield h
    h.stop()


def shot(page: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_a_citizen_books_from_a_phone_in_under_a_minute(hub: HubProcess, pages) -> None:
    began = time.monotonic()
    page = pages.open(hub.url + "/dat-lich", **PHONE)
    page.fill("#q", "cu lao dung")  # no accents, as people type on a phone
    visible = page.locator("#centres li:visible")
    assert visible.count() == 1 and "Cù Lao Dung" in visible.inner_text()
    page.fill("#q", "an thanh")
    assert "An Thạnh" in page.locator("#centres li:visible").inner_text()
    page.fill("#q", "cù lao")
    shot(page, "1-centres")
    page.locator("#centres li:visible a").first.click()
    page.wait_for_url(re.compile(r"/dat-lich/trung-tam/cu-lao-dung"))
    page.get_by_label("Hộ tịch").check()
    options = page.locator("#procedure optgroup:not([hidden]) option").all_inner_texts()
    assert options == ["Đăng ký khai sinh"]
    page.select_option("#procedure", "1.001193")
    page.locator("input[name=date]").nth(1).check()  # tomorrow
    page.locator("#slots input[name=start]").first.wait_for()
    first = page.locator("#slots label").first.inner_text()
    assert re.fullmatch(r"00:00\s+đến 00:30\s+còn 2 chỗ", first.strip()), first
    page.locator("#slots input[name=start]").nth(18).check()  # 09:00
    page.fill("#name", "Nguyễn Thị Hoa")
    page.fill("#phone", "0912 345 678")
    page.fill("#cccd", "079 184 012 345")
    assert "Số CCCD chỉ được lưu dưới dạng mã hóa" in page.inner_text("form#book")
    shot(page, "2-form")
    page.click("#submit")
    page.wait_for_url(re.compile(r"/dat-lich/[A-Z0-9]{6}\?moi=1"))
    assert time.monotonic() - began < 60
    text = page.inner_text("main")
    assert "Đặt lịch thành công" in text and "09:00–09:30" in text
    assert "Đăng ký khai sinh" in text and "Giấy chứng sinh" in text
    assert "Ấp Phạm Thành Hơn" in text and "Giấy tờ cần mang theo" in text
    code = page.inner_text("#code")
    assert "Nguyễn Thị Hoa" not in text and "0912" not in text
    shot(page, "3-confirmation")
    status, booking, _ = request(f"{hub.url}/api/v1/bookings/{code}")
    assert status == 200 and booking["status"] == "booked"
    svg = page.locator(".qrbox svg").evaluate("e => e.outerHTML")
    assert _modules(svg) == _modules(qr.svg(booking["qr"]))
    assert (
        page.evaluate("document.querySelector('.qrbox svg').getBoundingClientRect().width") >= 250
    )
    png = page.request.get(f"{hub.url}/dat-lich/{code}/qr.png")
    assert png.ok and png.body()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not page.js_errors
    # the booking is found again by its code, and cancelled with the phone number
    page.goto(hub.url + "/dat-lich")
    page.fill("#ma", code.lower())
    page.press("#ma", "Enter")
    page.wait_for_url(f"{hub.url}/dat-lich/{code}")
    page.fill("#phone", "0900000000")
    page.click("#huy button")
    assert "Số điện thoại không đúng" in page.inner_text(".error")
    page.fill("#phone", "+84912345678")
    page.click("#huy button")
    assert "Đã hủy lịch hẹn" in page.inner_text(".done")
    assert page.inner_text("#state") == "Đã hủy"
    shot(page, "4-cancelled")
    assert not page.js_errors


def _modules(svg: str) -> str:
    return re.search(r' d="([^"]+)"', svg)[1]  # type: ignore[index]


def test_refusals_keep_the_form_and_never_echo_the_cccd(hub: HubProcess, pages) -> None:
    page = pages.open(hub.url + "/dat-lich/trung-tam/an-thanh", **PHONE)
    page.get_by_label("Chứng thực").check()
    page.locator("input[name=date]").nth(2).check()
    page.locator("#slots input[name=start]").nth(20).wait_for()

    def book(slot: int, service: str = "Chứng thực") -> None:
        page.get_by_label(service).check()
        page.locator("input[name=date]").nth(2).check()
        page.locator("#slots input[name=start]").nth(slot).wait_for()
        page.locator("#slots input[name=start]").nth(slot).check()
        page.fill("#name", "Lê Văn Tám")
        page.fill("#phone", "0987654321")
        page.fill("#cccd", "079200000001")
        page.click("#submit")

    book(20)
    page.wait_for_url(re.compile(r"/dat-lich/[A-Z0-9]{6}\?moi=1"))
    page.goto(hub.url + "/dat-lich/trung-tam/an-thanh")
    book(22)  # the same person, the same field, the same day
    error = page.inner_text("#error")
    assert "tối đa 2 lịch trong một ngày và 1 lịch cho mỗi lĩnh vực" in error
    assert page.input_value("#name") == "Lê Văn Tám" and page.input_value("#cccd") == ""
    shot(page, "5-refused")
    page.fill("#cccd", "12345")
    page.locator("#slots input[name=start]").nth(22).check()
    page.click("#submit")
    assert "Số CCCD gồm đúng 12 chữ số" in page.inner_text("#error")
    assert not page.js_errors


def test_booking_works_without_javascript(hub: HubProcess, pages) -> None:
    page = pages.open(hub.url + "/dat-lich?q=AN+THANH", java_script_enabled=False, **PHONE)
    assert page.locator("#centres li:visible").count() == 1
    page.click("#centres li:visible a")
    page.get_by_label("Đất đai").check()
    page.locator("input[name=date]").nth(3).check()
    page.get_by_role("button", name="Xem giờ còn chỗ").click()
    page.wait_for_url(re.compile(r"service=dat-dai"))
    page.locator("#slots input[name=start]").nth(30).check()
    page.fill("#name", "Phạm Văn Bảy")
    page.fill("#phone", "0911222333")
    page.fill("#cccd", "079300000003")
    shot(page, "6-no-script")
    page.click("#submit")
    page.wait_for_url(re.compile(r"/dat-lich/[A-Z0-9]{6}\?moi=1"))
    assert "Đặt lịch thành công" in page.inner_text("main")
    assert page.locator(".qrbox svg").count() == 1


def test_a_foreign_site_cannot_post_the_form(hub: HubProcess) -> None:
    status, body, _ = request(
        hub.url + "/dat-lich/trung-tam/an-thanh",
        "POST",
        data=b"service=ho-tich&date=2026-01-01&start=09:00",
        headers={
            "Origin": "https://evil.example",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert status == 403
    status, body, _ = request(hub.url + "/dat-lich/trung-tam/nowhere")
    assert status == 404 and "chưa nhận đặt lịch" in body.decode()
    status, body, _ = request(hub.url + "/dat-lich/ZZZZZZ")
    assert status == 404 and "Không tìm thấy lịch hẹn" in body.decode()
