"""Booked numbers in the browsers of a real centre server: the guidance counter checks a
citizen in by the QR code's text (read by a scanner into the field) or by code and
says why not; the clerk who calls the ticket sees "ĐẶT LỊCH"; the browser wall display
marks the call. Screenshots in tests/artifacts/console/ and tests/artifacts/booking/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from sothutu import booking as codes
from tests.console_support import log_in, settle, shot
from tests.hub_support import hub_section
from tests.support import ARTIFACTS, ServerProcess, free_port, write_config

pytestmark = [pytest.mark.debian, pytest.mark.slow]

VN = ZoneInfo("Asia/Ho_Chi_Minh")
KEY = "booking-key-of-thu-nghiem-0123456789abcdef"


def slot_now(offset: int = 0) -> tuple[date, int, int]:
    """A slot starting about now (``offset`` minutes later): within its check-in window."""
    now = datetime.now(VN) + timedelta(minutes=offset)
    start = min(now.hour * 60 + now.minute, 24 * 60 - 30)
    return now.date(), start, start + 30


def qr(code: str, service: str = "ho-tich", offset: int = 0) -> str:
    day, start, end = slot_now(offset)
    return codes.qr_text(KEY, codes.Signed("thu-nghiem", code, service, day, start, end))


@pytest.fixture
def srv(tmp_path: Path) -> Iterator[ServerProcess]:
    port = free_port()
    extra = hub_section(
        "http://127.0.0.1:9", "thu-nghiem", "tok-0123456789abcdefgh", booking_key=KEY
    )
    proc = ServerProcess(write_config(tmp_path, port=port, extra=extra), port).start()
    yield proc
    proc.stop()


def test_guidance_checks_in_a_booking_and_the_clerk_and_the_wall_see_it(pages, srv) -> None:
    guide = log_in(pages, srv, 4)
    shot(guide, "booking-01-guidance")
    walk_in = srv.client("test-kiosk-key-0123456789").post(
        "/api/v1/tickets", {"service": "ho-tich"}
    )
    guide.keyboard.press("KeyB")
    expect(guide.locator("#dialog-title")).to_have_text("Công dân đã đặt lịch")
    guide.fill("#booking-code", qr("K7M3PX"))  # a scanner types the QR text, then Enter
    guide.keyboard.press("Enter")
    expect(guide.locator("#message")).to_contain_text("Đã cấp số A002 (Hộ tịch, đặt lịch")
    expect(guide.locator("#issued-code")).to_have_text("A002")  # no print kiosk: shown large
    expect(guide.locator("#dialog")).to_contain_text("ĐẶT LỊCH — giờ hẹn")
    shot(guide, "booking-02-checked-in")
    guide.keyboard.press("Enter")
    settle(guide)
    guide.keyboard.press("KeyB")
    guide.fill("#booking-code", "k7m3px")
    guide.keyboard.press("Enter")
    expect(guide.locator("#message")).to_have_text("Lịch hẹn này đã được dùng để lấy số.")
    settle(guide)
    guide.keyboard.press("KeyB")
    guide.fill("#booking-code", qr("HXW4NA", offset=120))
    guide.keyboard.press("Enter")
    expect(guide.locator("#message")).to_contain_text("Chưa đến giờ: lịch hẹn lúc")
    expect(guide.locator("#message")).to_contain_text("nhận số từ")
    settle(guide)
    shot(guide, "booking-03-too-early")

    wall = pages.open(srv.url + "/display", viewport={"width": 1366, "height": 768})
    clerk = log_in(pages, srv, 1)
    clerk.keyboard.press("KeyT")  # the booked ticket comes before the earlier walk-in
    expect(clerk.locator("#code")).to_have_text("A002")
    expect(clerk.locator("#booked")).to_be_visible()
    expect(clerk.locator("#booked")).to_have_text(f"ĐẶT LỊCH {_hhmm(slot_now()[1])}")
    shot(clerk, "booking-04-clerk")
    expect(wall.locator("#code")).to_have_text("A002")
    expect(wall.locator("#booked")).to_be_visible()
    (ARTIFACTS / "booking").mkdir(parents=True, exist_ok=True)
    wall.screenshot(path=str(ARTIFACTS / "booking" / "7-wall.png"))
    ink = wall.evaluate(
        """() => { const r = document.createRange();
        r.selectNodeContents(document.getElementById('call-label'));
        return r.getBoundingClientRect().right; }"""
    )
    pill = wall.locator("#booked").bounding_box()
    assert pill and ink <= pill["x"], (ink, pill)  # the label's text ends before the mark
    settle(clerk)
    clerk.keyboard.press("KeyT")
    expect(clerk.locator("#code")).to_have_text(walk_in["code"])
    expect(clerk.locator("#booked")).to_be_hidden()
    expect(wall.locator("#booked")).to_be_hidden()
    assert not guide.js_errors and not clerk.js_errors and not wall.js_errors


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
