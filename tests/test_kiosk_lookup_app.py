"""The procedure look-up on the touchscreen kiosk, end to end: taps, drags and keys
posted as pygame events, a real server on loopback with the sample catalogue, and a
preview printer whose ESC/POS bytes are decoded back."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame

from kiosk import layout, lookup_layout, lookup_render
from kiosk.app import App
from kiosk.checklist import checklist_image
from kiosk.lookup import PRINTED
from kiosk.state import Screen
from kiosk.ticket import ticket_image
from sothutu.config import load_config
from tests.kiosk_lookup_support import BIRTH, longest
from tests.kiosk_support import drive, kiosk_extra, preview_files, raster_image, same_pixels
from tests.procedures_fixtures import SAMPLE, write_procedures_config
from tests.support import ARTIFACTS, ServerProcess, counter_key, free_port

GUARD = 0.15  # [kiosk] tap_guard_seconds: shorter than the default so the test types fast
SLOW_TAP = 1.2  # seconds an elderly citizen may take per tap, reading included


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[ServerProcess]:
    port = free_port()
    cfg = write_procedures_config(tmp_path_factory.mktemp("server"), SAMPLE, port=port)
    proc = ServerProcess(cfg, port).start()
    yield proc
    proc.stop()


def make_app(tmp_path: Path, port: int, size: tuple[int, int]) -> App:
    extra = kiosk_extra("preview:tickets", kiosk=f"tap_guard_seconds = {GUARD}")
    cfg = write_procedures_config(tmp_path, port=port, extra=extra)
    return App(load_config(cfg), windowed=True, size=size)


class Citizen:
    """Drives the app as a finger would, counting the taps."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.taps = 0
        self.waited = 0.0  # seconds spent waiting for the kiosk (not for the tap guard)

    @property
    def state(self):
        return self.app.controller.state

    @property
    def size(self) -> tuple[int, int]:
        return self.app.surface.get_size()

    def step(self) -> None:
        self.app.step(0.02)

    def until(self, what, timeout: float = 5.0, counted: bool = True) -> None:
        t0 = time.monotonic()
        assert drive(self.step, what, timeout), f"timed out on screen {self.state.screen}"
        if counted:
            self.waited += time.monotonic() - t0

    def screen(self, screen: Screen, timeout: float = 5.0) -> None:
        self.until(lambda: self.state.screen is screen, timeout)

    def settle(self) -> None:
        def quiet() -> bool:
            s = self.state
            return time.monotonic() - max(s.since, s.last_tap) > s.timing.tap_guard

        self.until(quiet, 2.0, counted=False)

    def _finger(self, kind: int, pos: tuple[float, float]) -> None:
        w, h = self.size
        pygame.event.post(
            pygame.event.Event(
                kind, x=pos[0] / w, y=pos[1] / h, dx=0, dy=0, touch_id=1, finger_id=0, pressure=1.0
            )
        )

    def centre(self, target: tuple[str, ...]) -> tuple[float, float]:
        (box,) = [b for b in layout.buttons(self.state, self.size) if b.target == target]
        x, y, w, h = box.rect
        return x + w / 2, y + h / 2

    def tap(self, *target: str) -> None:
        """Touch and lift, plus the mouse events SDL makes from the finger."""
        self.settle()
        pos = self.centre(target)
        self._finger(pygame.FINGERDOWN, pos)
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1, touch=True))
        self._finger(pygame.FINGERUP, pos)
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1, touch=True))
        self.taps += 1
        for _ in range(3):
            self.step()

    def drag(self, start: tuple[float, float], dy: float, steps: int = 8) -> None:
        self.settle()
        self._finger(pygame.FINGERDOWN, start)
        for i in range(1, steps + 1):
            self._finger(pygame.FINGERMOTION, (start[0], start[1] + dy * i / steps))
        self._finger(pygame.FINGERUP, (start[0], start[1] + dy))
        for _ in range(3):
            self.step()

    def shot(self, name: str) -> None:
        w, h = self.size
        self.app.screenshot(ARTIFACTS / "kiosk" / f"app-lookup-{name}-{w}x{h}.png")


def ready(app: App) -> Citizen:
    c = Citizen(app)
    c.screen(Screen.START)
    c.until(lambda: c.state.catalogue is not None)  # the server said it has a catalogue
    assert c.state.catalogue.total == 22 and c.state.catalogue.sample
    return c


def test_lam_giay_khai_sinh_finds_the_procedure_and_takes_its_number(server, tmp_path) -> None:
    """The issue's "done when": a citizen who only knows "làm giấy khai sinh" types it
    without tone marks, finds Đăng ký khai sinh, sees what to bring and takes a number
    in Hộ tịch, in a bounded number of taps."""
    app = make_app(tmp_path, server.port, (800, 480)).start()
    try:
        c = ready(app)
        c.waited = 0.0
        c.tap("lookup")
        c.screen(Screen.LOOKUP)
        c.tap("search")
        c.screen(Screen.SEARCH)
        for ch in "lam giay khai":
            c.tap("key", "space" if ch == " " else ch)
        # a pause, as a citizen looks up from the keys: the results follow the typing
        c.until(lambda: not c.state.lookup.searching)
        assert c.state.lookup.answered == ("lam giay khai", "")
        assert BIRTH in [h.code for h in c.state.lookup.hits[:2]]  # on screen already
        c.shot("typing")
        for ch in " sinh":
            c.tap("key", "space" if ch == " " else ch)
        assert c.state.lookup.query == "lam giay khai sinh"
        c.until(lambda: not c.state.lookup.searching and c.state.lookup.hits)
        assert c.state.lookup.hits[0].code == BIRTH
        assert c.state.lookup.hits[0].name == "Đăng ký khai sinh"
        c.shot("typed")
        c.tap("result", BIRTH)
        c.screen(Screen.DETAIL)
        c.until(lambda: c.state.lookup.procedure is not None)
        assert c.state.lookup.procedure["name"] == "Đăng ký khai sinh"
        c.step()
        c.shot("detail")
        assert app.overflows == []
        c.tap("issue")
        c.screen(Screen.DONE, 8)
        c.shot("done")
        assert c.taps == 22  # look-up, type a name, 18 keys, the result, take a number
        # at a slow tap each, plus every wait for the kiosk: well under 30 seconds
        assert c.taps * SLOW_TAP + c.waited < 30, (c.taps, c.waited)
        shown = c.state.shown
        ticket = server.client().ticket(shown.id)
        assert ticket["service"] == "ho-tich" and shown.code.startswith("A")
        assert ticket["procedure"] == {"code": BIRTH, "name": "Đăng ký khai sinh"}
        assert shown.procedure == "Đăng ký khai sinh"
        # the printed ticket carries the procedure's name: the raster is the ticket
        # rendered from the server's record, procedure line included
        (binary,) = preview_files(tmp_path / "tickets", ".bin")
        expected = ticket_image(ticket, app.kiosk.setup.header, 576).image
        assert same_pixels(raster_image(binary.read_bytes()), expected)
        assert (
            ticket_image(ticket, app.kiosk.setup.header, 576).image.height
            > ticket_image({**ticket, "procedure": None}, app.kiosk.setup.header, 576).image.height
        )
    finally:
        app.close()


def test_browse_a_field_scroll_by_drag_and_buttons_print_the_checklist(server, tmp_path) -> None:
    app = make_app(tmp_path, server.port, (1920, 1080)).start()
    long = longest()
    try:
        c = ready(app)
        c.tap("lookup")
        c.screen(Screen.LOOKUP)
        c.step()
        c.shot("fields")
        c.tap("browse", long.service)
        c.screen(Screen.RESULTS)
        c.until(lambda: not c.state.lookup.searching)
        codes = [h.code for h in c.state.lookup.hits]
        assert long.code in codes and len(codes) == 2
        # a finger moving over a row drags the list; it does not open the row
        row = c.centre(("result", long.code))
        c.drag(row, -200)
        assert c.state.screen is Screen.RESULTS
        c.tap("result", long.code)
        c.screen(Screen.DETAIL)
        c.until(lambda: c.state.lookup.procedure is not None)
        c.step()
        c.shot("detail-top")
        limit = lookup_render.scroll_limit(c.state, c.size)
        assert limit > 0
        # drag the text up by 150 px
        content, _ = lookup_layout.detail_area(c.size)
        middle = (content[0] + content[2] / 2, content[1] + content[3] / 2)
        c.drag(middle, -150)
        assert c.state.lookup.scroll == 150
        c.tap("scroll", "down")
        page = lookup_layout.page(c.state, c.size)
        assert c.state.lookup.scroll == min(150 + page, limit)
        c.tap("scroll", "down")
        c.tap("scroll", "down")
        assert c.state.lookup.scroll == limit  # not past the end
        c.step()
        c.shot("detail-end")
        c.tap("scroll", "up")
        assert c.state.lookup.scroll == max(0, limit - page)
        # print the documents checklist
        c.tap("print")
        c.until(lambda: c.state.lookup.printing == PRINTED)
        c.step()
        c.shot("checklist-printed")
        assert c.state.screen is Screen.DETAIL and app.overflows == []
        (binary,) = [f for f in preview_files(tmp_path / "tickets", ".bin") if "thu-tuc" in f.name]
        procedure = server.client().procedure(long.code)
        today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
        expected = checklist_image(
            procedure, app.kiosk.setup.header, 576, sample=True, today=today
        ).image
        assert same_pixels(raster_image(binary.read_bytes()), expected)
        c.tap("back")
        c.screen(Screen.RESULTS)
        c.tap("back")
        c.screen(Screen.LOOKUP)
    finally:
        app.close()


def test_a_clerk_sends_a_checklist_to_this_kiosk(server, tmp_path) -> None:
    app = make_app(tmp_path, server.port, (800, 480)).start()
    try:
        c = ready(app)
        sent = server.client(counter_key(2)).post(f"/api/v1/procedures/{BIRTH}/print")
        assert sent == {
            "procedure": {"code": BIRTH, "name": "Đăng ký khai sinh"},
            "kiosk": "kiosk-1",
            "counter": 2,
        }
        c.until(lambda: preview_files(tmp_path / "tickets", ".bin") != [])
        (binary,) = preview_files(tmp_path / "tickets", ".bin")
        procedure = server.client().procedure(BIRTH)
        today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
        expected = checklist_image(
            procedure, app.kiosk.setup.header, 576, sample=True, today=today
        ).image
        assert same_pixels(raster_image(binary.read_bytes()), expected)
        assert c.state.screen is Screen.START  # the citizen's screen is not disturbed
        # another kiosk's checklist is not printed here: one for this kiosk sent after it
        # (same event stream, same print queue) is the only new printout
        server.client(counter_key(2)).post(
            f"/api/v1/procedures/{BIRTH}/print", {"kiosk": "kiosk-2"}
        )
        after = longest().code
        server.client(counter_key(2)).post(f"/api/v1/procedures/{after}/print")
        c.until(lambda: len(preview_files(tmp_path / "tickets", ".bin")) >= 2)
        files = preview_files(tmp_path / "tickets", ".bin")
        assert len(files) == 2
        assert files[-1].name.endswith(re.sub(r"[^A-Za-z0-9-]", "_", f"thu-tuc-{after}") + ".bin")
    finally:
        app.close()


def test_the_lookup_shows_the_offline_message_when_the_server_goes(tmp_path) -> None:
    port = free_port()
    proc = ServerProcess(write_procedures_config(tmp_path, SAMPLE, port=port), port).start()
    kdir = tmp_path / "kiosk"
    kdir.mkdir()
    app = make_app(kdir, port, (800, 480)).start()
    try:
        c = ready(app)
        c.tap("lookup")
        c.tap("search")
        c.screen(Screen.SEARCH)
        proc.kill()
        # the event stream's loss (or the next search, whichever comes first) finds no
        # server: the kiosk's offline message, as on its other screens
        pygame.event.post(
            pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=c.centre(("key", "k")), button=1)
        )
        c.screen(Screen.OFFLINE, 3)
        c.step()
        c.shot("offline")
        proc.start()
        c.screen(Screen.START, 8)  # and back by itself
    finally:
        app.close()
        proc.stop()
