"""Checking a booked number in at the kiosk: the pure rules (a scanner's text in any
screen, the code's keys, refusals), and the touchscreen end to end under SDL's dummy
driver at 800×480 against a real server: a USB scanner typing a QR code on the start
and the priority screens, the typed code, too early, used, forged and another
centre's bookings. The ticket printed says "ĐẶT LỊCH" (read back by OCR). Screenshots
in tests/artifacts/kiosk/booking-*.png."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame

from kiosk import booking_render, layout
from kiosk import state as st
from kiosk.app import App
from kiosk.scanner import ScanBuffer
from kiosk.state import Screen
from sothutu import booking as codes
from sothutu.config import load_config
from tests.hub_support import hub_section
from tests.kiosk_support import drive, kiosk_extra, ocr, preview_files
from tests.support import ARTIFACTS, ServerProcess, free_port, write_config

VN = ZoneInfo("Asia/Ho_Chi_Minh")
KEY = "booking-key-of-thu-nghiem-0123456789abcdef"
SIZE = (800, 480)
SHOTS = ARTIFACTS / "kiosk"


# --- the pure rules ---------------------------------------------------------------------


def ready(**changes) -> st.KioskState:
    base = st.initial((st.Field("ho-tich", "Hộ tịch", "A"),), st.Timing(), booking=True)
    return replace(base, **{"server_up": True, "screen": Screen.START, **changes})


def test_a_scan_checks_in_from_any_screen_but_not_while_busy() -> None:
    text = "SOTHUTU.1.X.K7M3PX.HO-TICH.20261124.0830.0900.AAAAAAAAAAAAAAAAAAAA"
    for screen in (
        Screen.START,
        Screen.PRIORITY,
        Screen.DONE,
        Screen.DETAIL,
        Screen.BOOKING,
        Screen.LIMIT,
        Screen.BOOKING_REFUSED,
    ):
        s, effects = st.update(ready(screen=screen, since=0.0), st.Scanned(f"  {text}\n"), 10.0)
        assert s.screen is Screen.ISSUING and s.checking, screen
        assert effects == (st.CheckIn(text),)
    for screen in (Screen.ISSUING, Screen.OFFLINE):
        s, effects = st.update(ready(screen=screen), st.Scanned(text), 10.0)
        assert s.screen is screen and effects == ()
    fault = ready(screen=Screen.PRINTER_FAULT, since=8.0)
    assert st.update(fault, st.Scanned(text), 10.0)[1] == ()  # the code must stay readable
    off = replace(ready(), booking_enabled=False)
    assert st.update(off, st.Scanned(text), 10.0) == (off, ())
    stopped = ready(printer="paper_out", printer_fault="stop")
    assert st.update(stopped, st.Scanned(text), 10.0)[1] == ()


def test_typing_a_code_and_what_the_server_says() -> None:
    s, _ = st.update(ready(), st.Tap(("booking",)), 1.0)
    assert s.screen is Screen.BOOKING
    t = 1.0
    for key in ("k", "7", "0", "O", "m", "backspace", "M", "3", "P", "X", "Z", "A", "C"):
        t += 1
        s, effects = st.update(s, st.Tap(("key", key)), t)
        assert effects == ()
    assert s.code == "K7M3PX"  # 0, O and Z are no code's; six at most
    s, effects = st.update(s, st.Tap(("go",)), t + 1)
    assert s.screen is Screen.ISSUING and effects == (st.CheckIn("K7M3PX"),)
    refused = st.BookingRefused(
        "too_early", "2026-11-24T09:00:00+07:00", "2026-11-24T08:45:00+07:00"
    )
    s2, _ = st.update(s, refused, t + 2)
    assert s2.screen is Screen.BOOKING_REFUSED and s2.refusal == refused
    lines = booking_render.refusal_lines(s2)
    assert lines[1][0] == "Lịch hẹn lúc 09:00 ngày 24/11/2026. Vui lòng quay lại lấy số từ 08:45."
    assert st.next_deadline(s2) == (t + 2) + 8.0 * 1.5
    back, _ = st.update(s2, st.Tick(), t + 2 + 12.1)
    assert back.screen is Screen.START and back.code == "" and back.refusal is None
    ticket = {
        "id": 9,
        "code": "A009",
        "service_name": "Hộ tịch",
        "booking": {
            "code": "K7M3PX",
            "slot_start": "2026-11-24T08:30:00+07:00",
            "slot_end": "2026-11-24T09:00:00+07:00",
            "late": False,
        },
    }
    s3, effects = st.update(s, st.Issued(ticket), t + 3)
    assert s3.shown is not None and s3.shown.booked == "08:30" and not s3.shown.late
    late = st.Shown.of({**ticket, "booking": {**ticket["booking"], "late": True}})
    assert (late.booked, late.late) == ("", "08:30")
    empty, _ = st.update(ready(screen=Screen.BOOKING, code="K7M"), st.Tap(("go",)), 5.0)
    assert empty.screen is Screen.BOOKING  # "Lấy số" waits for six characters


def test_the_scanner_buffer() -> None:
    b = ScanBuffer()
    got = [b.feed(c, 0.01 * i) for i, c in enumerate("K7M3PX\r")]
    assert got[-1] == "K7M3PX" and got[:-1] == [None] * 6
    assert b.feed("A", 1.0) is None and b.feed("\r", 2.0) is None  # a pause: thrown away
    assert b.feed("\r", 2.01) is None  # Enter alone is no scan
    assert [b.feed(c, 3.0) for c in ("\x1b", "", "B", "\n")][-1] == "B"


# --- the kiosk end to end --------------------------------------------------------------


@pytest.fixture(scope="module")
def centre(tmp_path_factory) -> Iterator[tuple[ServerProcess, Path]]:
    tmp = tmp_path_factory.mktemp("booking-kiosk")
    port = free_port()
    hub = hub_section("http://127.0.0.1:9", "thu-nghiem", "tok-0123456789abcdefgh", booking_key=KEY)
    extra = hub + "\n[booking]\nearly_minutes = 60\nlate_minutes = 15\n"
    extra += kiosk_extra(f"preview:{tmp / 'tickets'}")
    config = write_config(tmp, port=port, extra=extra)
    server = ServerProcess(config, port).start()
    yield server, config
    server.stop()


def qr(code: str, minutes_from_now: int = 0, *, centre: str = "thu-nghiem", key: str = KEY) -> str:
    now = datetime.now(VN) + timedelta(minutes=minutes_from_now)
    start = min(now.hour * 60 + now.minute, 24 * 60 - 30)
    signed = codes.Signed(centre, code, "ho-tich", now.date(), start, start + 30)
    return codes.qr_text(key, signed)


@pytest.fixture
def app(centre) -> Iterator[App]:
    _server, config = centre
    a = App(load_config(config), windowed=True, size=SIZE)
    a.start()
    try:
        wait(a, Screen.START)
        yield a
    finally:
        a.close()


def wait(app: App, screen: Screen, timeout: float = 8.0) -> None:
    ok = drive(lambda: app.step(0.02), lambda: app.controller.state.screen is screen, timeout)
    assert ok, f"screen {app.controller.state.screen}, wanted {screen}"


def scan(app: App, text: str) -> None:
    """A USB scanner: one key event per character, then Enter."""
    drive(lambda: app.step(0.02), lambda: False, 0.05)  # since, in the monotonic clock, moves
    for ch in text:
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=0, mod=0, unicode=ch))
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode="\r"))
    before = app.controller.state.since
    # the loop reads the keys and sends the request (its answer may follow at once)
    assert drive(lambda: app.step(0.02), lambda: app.controller.state.since > before, 2.0)


def tap(app: App, target: tuple[str, ...]) -> None:
    drive(lambda: app.step(0.02), lambda: False, app.controller.state.timing.tap_guard + 0.05)
    (box,) = [b for b in layout.buttons(app.controller.state, SIZE) if b.target == target]
    x, y, w, h = box.rect
    pygame.event.post(
        pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x + w / 2, y + h / 2), button=1)
    )
    app.step(0.02)


def touch_anywhere(app: App) -> None:
    drive(lambda: app.step(0.02), lambda: False, app.controller.state.timing.tap_guard + 0.05)
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(400, 240), button=1))
    app.step(0.02)


def test_a_scanned_qr_code_gets_a_booked_ticket_printed(app: App, centre) -> None:
    _server, config = centre
    tickets = config.parent / "tickets"
    before = len(preview_files(tickets, ".png"))
    scan(app, qr("K7M3PX"))
    wait(app, Screen.DONE)
    shown = app.controller.state.shown
    assert shown is not None and shown.booked and shown.code.startswith("A")
    app.screenshot(SHOTS / "booking-done-800x480.png")
    printed = drive(lambda: app.step(0.02), lambda: len(preview_files(tickets, ".png")) > before, 5)
    assert printed
    text = " ".join(ocr(preview_files(tickets, ".png")[-1]).split())
    assert "ĐẶT LỊCH" in text and f"giờ hẹn {shown.booked}" in text, text
    # on the priority screen, a second citizen scans: the scan wins over the choice
    wait(app, Screen.START, timeout=10)
    tap(app, ("priority",))
    assert app.controller.state.screen is Screen.PRIORITY
    scan(app, qr("HXW4NA").lower())  # Caps Lock on: the same text
    wait(app, Screen.DONE)
    assert app.controller.state.shown.booked


def test_refusals_on_the_screen(app: App) -> None:
    scan(app, qr("PPPP33", minutes_from_now=120))
    wait(app, Screen.BOOKING_REFUSED)
    r = app.controller.state.refusal
    assert r is not None and r.code == "too_early" and r.opens
    app.screenshot(SHOTS / "booking-too-early-800x480.png")
    text = " ".join(ocr(SHOTS / "booking-too-early-800x480.png").split())
    assert "Chưa đến giờ nhận số" in text and "Vui lòng quay lại lấy số từ" in text, text
    for code, expected in [
        (qr("NNNN44", centre="an-thanh", key="another-centres-key-0123456789"), "wrong_centre"),
        (qr("NNNN66", key="not-the-hubs-key-0123456789abcdef"), "booking_forged"),
    ]:
        scan(app, code)
        wait(app, Screen.BOOKING_REFUSED)
        assert app.controller.state.refusal.code == expected
    app.screenshot(SHOTS / "booking-forged-800x480.png")
    # typed on the screen's keys: a code checked in already, then one unknown here
    scan(app, qr("MMMM33"))
    wait(app, Screen.DONE)
    wait(app, Screen.START, timeout=10)
    tap(app, ("booking",))
    assert app.controller.state.screen is Screen.BOOKING
    for ch in "MMMM33":
        tap(app, ("key", ch))
    app.screenshot(SHOTS / "booking-typed-800x480.png")
    tap(app, ("go",))
    wait(app, Screen.BOOKING_REFUSED)
    assert app.controller.state.refusal.code == "booking_used"
    app.screenshot(SHOTS / "booking-used-800x480.png")
    touch_anywhere(app)  # back to the start
    wait(app, Screen.START)
    tap(app, ("booking",))
    for ch in "ACEF79":
        tap(app, ("key", ch))
    tap(app, ("go",))
    wait(app, Screen.BOOKING_REFUSED)
    assert app.controller.state.refusal.code == "unknown_booking"
    text = " ".join(t for t, _, _ in booking_render.refusal_lines(app.controller.state))
    assert "Không tìm thấy lịch hẹn" in text and "ACEF79" in text
