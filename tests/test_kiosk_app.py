"""The touchscreen kiosk end to end: taps posted as pygame events, a real server
on loopback, a preview printer or a TCP listener as a network printer."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame

from kiosk import layout, render, words
from kiosk.app import App
from kiosk.state import Screen
from kiosk.ticket import ticket_image
from sothutu.config import load_config
from tests.kiosk_support import (
    PAPER_OK,
    PAPER_OUT,
    FakeNetworkPrinter,
    drive,
    kiosk_extra,
    preview_files,
    raster_image,
    same_pixels,
)
from tests.support import (
    ARTIFACTS,
    KIOSK_KEY,
    ServerProcess,
    counter_key,
    free_port,
    write_config,
)

SIZE = (800, 480)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[ServerProcess]:
    port = free_port()
    proc = ServerProcess(write_config(tmp_path_factory.mktemp("server"), port=port), port)
    proc.start()
    yield proc
    proc.stop()


def make_app(
    tmp_path: Path, port: int, connection: str, *, kiosk: str = "", printer: str = "", **kw
) -> App:
    extra = kiosk_extra(connection, kiosk=kiosk, printer=printer)
    cfg = write_config(tmp_path, port=port, extra=extra, **kw)
    return App(load_config(cfg), windowed=True, size=SIZE)


def step(app: App) -> None:
    app.step(0.02)


def wait_screen(app: App, screen: Screen, timeout: float = 5.0) -> None:
    ok = drive(lambda: step(app), lambda: app.controller.state.screen is screen, timeout)
    assert ok, f"screen {app.controller.state.screen}, wanted {screen}"


def settle(app: App) -> None:
    """Wait out the tap guard, as a citizen's finger does between taps."""

    def quiet() -> bool:
        s = app.controller.state
        return time.monotonic() - max(s.since, s.last_tap) > s.timing.tap_guard

    drive(lambda: step(app), quiet, 2.0)


def tap(app: App, target: tuple[str, ...], twice: bool = True) -> None:
    """A finger on ``target``'s button, plus the mouse event SDL synthesizes."""
    (box,) = [b for b in layout.buttons(app.controller.state, SIZE) if b.target == target]
    x, y, w, h = box.rect
    cx, cy = x + w / 2, y + h / 2
    pygame.event.post(
        pygame.event.Event(
            pygame.FINGERDOWN,
            x=cx / SIZE[0],
            y=cy / SIZE[1],
            dx=0,
            dy=0,
            touch_id=1,
            finger_id=0,
            pressure=1.0,
        )
    )
    if twice:
        pygame.event.post(
            pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(cx, cy), button=1, touch=True)
        )
        # some drivers do not flag the synthesized event: the tap guard catches it
        pygame.event.post(
            pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(cx, cy), button=1, touch=False)
        )


def waiting(server: ServerProcess, service: str) -> int:
    return next(s["waiting"] for s in server.client().services() if s["id"] == service)


def waiting_total(server: ServerProcess) -> int:
    return sum(s["waiting"] for s in server.client().state()["services"])


def kiosk_status(server: ServerProcess) -> dict:
    return next(k for k in server.client().state()["kiosks"] if k["name"] == "kiosk-1")


def shot(app: App, name: str) -> None:
    app.screenshot(ARTIFACTS / "kiosk" / f"app-{name}.png")


def test_a_tap_issues_one_ticket_and_the_printer_gets_it(server, tmp_path) -> None:
    app = make_app(tmp_path, server.port, "preview:tickets").start()
    try:
        wait_screen(app, Screen.START)
        drive(lambda: step(app), lambda: app.controller.state.fields[1].waiting is not None, 3)
        before = waiting(server, "chung-thuc")
        settle(app)
        tap(app, ("field", "chung-thuc"))
        wait_screen(app, Screen.DONE)
        shot(app, "done")
        shown = app.controller.state.shown
        assert shown.code.startswith("B") and shown.service_name == "Chứng thực"
        assert waiting(server, "chung-thuc") == before + 1  # one tap, one ticket
        (png,) = preview_files(tmp_path / "tickets", ".png")
        (binary,) = preview_files(tmp_path / "tickets", ".bin")
        assert shown.code in png.name
        # the printer's raster is the ticket rendered from the server's record
        ticket = server.client().ticket(shown.id)
        expected = ticket_image(ticket, app.kiosk.setup.header, 576).image
        assert same_pixels(raster_image(binary.read_bytes()), expected)
        # the waiting count on the button follows the event stream
        drive(
            lambda: step(app),
            lambda: app.controller.state.fields[1].waiting == before + 1,
            3,
        )
        assert app.controller.state.fields[1].waiting == before + 1
        assert kiosk_status(server)["printer"] == "ok"
        # back to the start screen after done_seconds (a tap skips the wait)
        settle(app)
        pygame.event.post(
            pygame.event.Event(
                pygame.FINGERDOWN, x=0.5, y=0.5, dx=0, dy=0, touch_id=1, finger_id=0, pressure=1.0
            )
        )
        wait_screen(app, Screen.START, 2)
        assert waiting(server, "chung-thuc") == before + 1
    finally:
        app.close()


def test_priority_ticket_and_taps_while_printing(server, tmp_path) -> None:
    fake = FakeNetworkPrinter(answer_delay=0.6)  # a slow printer: issuing lasts > 1 s
    app = make_app(tmp_path, server.port, fake.connection).start()
    try:
        wait_screen(app, Screen.START)
        before = waiting_total(server)
        settle(app)
        tap(app, ("priority",))
        wait_screen(app, Screen.PRIORITY)
        shot(app, "priority")
        settle(app)
        tap(app, ("field", "ho-tich"))
        wait_screen(app, Screen.ISSUING)
        for _ in range(5):  # impatient taps anywhere while the ticket prints
            settle(app)
            pygame.event.post(
                pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(150, 200), button=1, touch=False)
            )
            step(app)
        wait_screen(app, Screen.DONE, 5)
        assert app.controller.state.shown.priority
        assert waiting_total(server) == before + 1
        assert raster_image(fake.all_bytes()) is not None
    finally:
        app.close()
        fake.close()


@pytest.mark.parametrize("mode", ["never_read", "close"])
def test_dead_network_printer_shows_the_code_and_reports(server, tmp_path, mode) -> None:
    fake = FakeNetworkPrinter(mode)
    app = make_app(tmp_path, server.port, fake.connection, printer="probe_seconds = 0").start()
    try:
        wait_screen(app, Screen.START)
        settle(app)
        t0 = time.monotonic()
        tap(app, ("field", "ho-tich"))
        wait_screen(app, Screen.PRINTER_FAULT, 6.0)
        shown = app.controller.state.shown
        assert shown is not None and shown.code.startswith("A")
        # clerks see the printer offline and the code that did not print
        reported = drive(
            lambda: step(app),
            lambda: (
                kiosk_status(server)["printer"] == "offline"
                and {"id": shown.id, "code": shown.code, "service": "ho-tich"}
                in kiosk_status(server)["unprinted"]
            ),
            8.0,
        )
        # The printer's 3 s timeout, then the report: 8 s leaves room for a busy machine.
        assert reported and time.monotonic() - t0 < 8.0, kiosk_status(server)
        shot(app, f"printer-fault-{mode}")
    finally:
        app.close()
        fake.close()


def test_reprint_event_prints_again(server, tmp_path) -> None:
    app = make_app(tmp_path, server.port, "preview:tickets").start()
    try:
        wait_screen(app, Screen.START)
        ticket = server.client(KIOSK_KEY).issue("dat-dai")
        server.client(counter_key(3)).post(f"/api/v1/tickets/{ticket['id']}/reprint")
        assert drive(
            lambda: step(app), lambda: len(preview_files(tmp_path / "tickets", ".png")) == 1, 5
        )
        (png,) = preview_files(tmp_path / "tickets", ".png")
        assert ticket["code"] in png.name
        assert app.controller.state.screen is Screen.START  # nothing on screen changes
    finally:
        app.close()


def said(app: App) -> list[str]:
    """Every text on the kiosk's screen now, as drawn."""
    return [t.text for t in render.paint(app.surface.copy(), app.controller.state).texts]


def closed_window() -> tuple[str, str]:
    """An hour-long window that does not hold the present hour, and when it opens in
    the kiosk's words."""
    hour = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).hour
    start = (hour + 2) % 22
    when = "hôm nay" if start > hour else "ngày mai"
    return f"{start:02d}:00-{start + 1:02d}:00", f"{start:02d}:00 {when}"


def test_outside_hours_the_start_screen_says_so_before_the_tap(tmp_path) -> None:
    window, reopens = closed_window()
    port = free_port()
    proc = ServerProcess(write_config(tmp_path, port=port, hours=[window]), port)
    proc.start()
    try:
        kdir = tmp_path / "kiosk"
        kdir.mkdir()
        app = make_app(kdir, port, "preview:tickets").start()  # its own config has no hours
        try:
            assert drive(lambda: step(app), lambda: app.controller.state.closed, 6)
            state = app.controller.state
            assert state.screen is Screen.START and state.opening.reopens == reopens
            words_now = said(app)
            assert "Ngoài giờ lấy số." in words_now
            assert f"Thời gian làm việc hôm nay: {window.replace('-', '–')}" in words_now
            assert f"Vui lòng quay lại lấy số từ {reopens}." in words_now
            assert not any(b.target[0] == "field" for b in layout.buttons(state, SIZE))
            shot(app, "start-closed")
            settle(app)
            for x, y in ((0.2, 0.4), (0.5, 0.5), (0.8, 0.3)):  # taps where fields were
                pygame.event.post(
                    pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x * 800, y * 480), button=1)
                )
                step(app)
                settle(app)
            assert app.controller.state.screen is Screen.START
            assert waiting_total(proc) == 0 and preview_files(kdir / "tickets", ".png") == []
        finally:
            app.close()
    finally:
        proc.stop()


@pytest.mark.parametrize("policy", ["show", "stop"])
def test_a_printer_out_of_paper_is_said_before_the_tap(server, tmp_path, policy) -> None:
    """The printer answers "paper out" to the kiosk's first status question: the start
    screen warns (and a tap still issues, the code large on screen) or, when the
    centre chose "stop", sends citizens to the guidance counter and issues nothing."""
    fake = FakeNetworkPrinter(paper=PAPER_OUT)
    app = make_app(
        tmp_path, server.port, fake.connection, kiosk=f'printer_fault = "{policy}"'
    ).start()
    try:
        wait_screen(app, Screen.START)
        assert drive(lambda: step(app), lambda: app.controller.state.printer_broken, 6)
        before = waiting_total(server)
        words_now = said(app)
        if policy == "show":
            assert words.PRINTER_WARNING in words_now and "Hộ tịch" in words_now
            shot(app, "start-printer-warning")
            settle(app)
            tap(app, ("field", "ho-tich"))
            wait_screen(app, Screen.PRINTER_FAULT, 8)
            assert app.controller.state.shown.code in said(app)
            assert waiting_total(server) == before + 1
        else:
            assert words.PRINTER_STOPPED in words_now and words.GO_TO_GUIDANCE in words_now
            assert "Hộ tịch" not in words_now
            shot(app, "start-printer-stopped")
            assert not any(
                b.target[0] == "field" for b in layout.buttons(app.controller.state, SIZE)
            )
            # the paper is changed: the kiosk asks again soon and offers the fields
            fake.paper = PAPER_OK
            assert drive(lambda: step(app), lambda: not app.controller.state.stopped, 8)
            assert "Hộ tịch" in said(app) and waiting_total(server) == before
    finally:
        app.close()
        fake.close()


def test_server_down_then_back_and_no_blind_retry(tmp_path) -> None:
    port = free_port()
    proc = ServerProcess(write_config(tmp_path, port=port), port)
    kdir = tmp_path / "kiosk"
    kdir.mkdir()
    # a request is sent again for retry_seconds, then the kiosk gives up
    app = make_app(kdir, port, "preview:tickets", kiosk="retry_seconds = 1.0").start()
    try:
        for _ in range(5):
            step(app)
        assert app.controller.state.screen is Screen.OFFLINE  # no server yet
        shot(app, "offline")
        proc.start()
        wait_screen(app, Screen.START, 6)  # recovers by itself
        settle(app)
        proc.kill()  # gone, and the kiosk has not noticed yet when the citizen taps
        tap(app, ("field", "ho-tich"))
        wait_screen(app, Screen.OFFLINE, 6)
        proc.start()
        wait_screen(app, Screen.START, 6)
        assert waiting_total(proc) == 0  # the failed tap was not re-sent
    finally:
        app.close()
        proc.stop()


def test_citizens_cannot_leave_technicians_can(server, tmp_path) -> None:
    cfg = write_config(tmp_path, port=server.port, extra=kiosk_extra("preview:t"))
    app = App(load_config(cfg), windowed=False, size=SIZE)  # full screen, no frame
    try:
        for event in (
            pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE, mod=0),
            pygame.event.Event(pygame.QUIT),
            pygame.event.Event(pygame.KEYDOWN, key=pygame.K_q, mod=pygame.KMOD_LCTRL),
        ):
            pygame.event.post(event)
            step(app)
            assert not app.stopping
        pygame.event.post(
            pygame.event.Event(
                pygame.KEYDOWN, key=pygame.K_q, mod=pygame.KMOD_LCTRL | pygame.KMOD_RSHIFT
            )
        )
        step(app)
        assert app.stopping
    finally:
        app.close()


def test_idle_kiosk_draws_nothing_and_sleeps(server, tmp_path) -> None:
    app = make_app(tmp_path, server.port, "preview:tickets").start()
    try:
        wait_screen(app, Screen.START)

        def settled() -> bool:  # every answer the start brings is in and drawn
            state = app.controller.state
            known = all(f.waiting is not None for f in state.fields)
            ready = state.printer != "unknown" and state.catalogue is not None
            return known and ready and app.kiosk.reporter.sent is not None and not app.dirty

        assert drive(lambda: step(app), settled, 5)
        frames, cpu, t0 = app.frames, time.process_time(), time.monotonic()
        while time.monotonic() - t0 < 1.5:
            app.step(0.03)
        used = time.process_time() - cpu
        assert app.frames == frames  # nothing changed, nothing redrawn
        assert used < 0.05 * 1.5, f"{used:.3f} s of CPU in 1.5 s idle"
    finally:
        app.close()
