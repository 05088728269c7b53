"""The touchscreen kiosk: the pygame loop.

The loop only waits for events, turns taps into ``Tap`` messages, hands
every message to the controller and redraws when the state changed; HTTP,
printing and the event stream run on worker threads that post pygame
events. Between taps it sleeps on its message queue, looking at touch input about
30 times a second, so an idle kiosk uses next to no CPU.

Touch arrives twice (a finger event and a mouse event synthesized from
it); mouse events flagged as coming from touch are dropped, and the state's
tap guard drops whatever duplicate is left. A tap counts when the finger
touches, except inside a list or text that scrolls: there it counts when the
finger lifts without having moved, and a moving finger drags the content. Escape does nothing; a
technician closes the kiosk with ``[kiosk] exit_keys`` (default Ctrl+Shift+Q).

Every other key goes to ``kiosk.scanner``: a USB QR scanner types a booking's QR text
and Enter, whatever the screen shows, and the scan checks the booking in.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame

from kiosk import layout, lookup_layout, lookup_render, render
from kiosk import state as st
from kiosk.buttons import ButtonPanel
from kiosk.controller import Kiosk
from kiosk.geometry import hit, inside
from kiosk.loop import KioskLoop
from kiosk.panel import Panel, keyboard_for, panel_for, too_small
from kiosk.scanner import ScanBuffer
from sothutu.config import Config

log = logging.getLogger(__name__)

WINDOW_SIZE = (1024, 600)
POLL = 0.03  # seconds between looks at touch input while idle
DRAG = 0.02  # share of the screen's height a finger moves before it drags, not taps


def screen_panel(config: Config, size: tuple[int, int]) -> Panel:
    """The touchscreen's physical size (``[kiosk] screen_mm`` or ``screen_inches``, else
    the panel usual at ``size``)."""
    k = config.kiosk
    panel = panel_for(size, k.screen_mm, k.screen_inches)
    log.info("screen %dx%d px, %.1f x %.1f mm (%s)", *size, panel.mm[0], panel.mm[1], panel.source)
    return panel


def parse_keys(combo: str) -> tuple[int, int]:
    """``"ctrl+shift+q"`` → (pygame modifier mask, key code)."""
    *mods, key = combo.lower().split("+")
    masks = {
        "ctrl": pygame.KMOD_CTRL,
        "shift": pygame.KMOD_SHIFT,
        "alt": pygame.KMOD_ALT,
        "meta": pygame.KMOD_META,
    }
    mask = 0
    for m in mods:
        mask |= masks[m]
    return mask, pygame.key.key_code(key)


class App(KioskLoop):
    """One kiosk window (or full screen) driven by a ``Kiosk``."""

    max_wait = POLL

    def __init__(
        self,
        config: Config,
        *,
        windowed: bool = False,
        size: tuple[int, int] | None = None,
        panel_factory: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(clock)
        self.config = config
        self.windowed = windowed or not config.kiosk.fullscreen
        pygame.display.init()
        pygame.font.init()
        self.surface = self._open_display(size)
        pygame.display.set_caption("Sothutu — LẤY SỐ THỨ TỰ")
        self.exit_mods, self.exit_key = parse_keys(config.kiosk.exit_keys)
        if any(config.kiosk.button_pins) or config.kiosk.priority_pin or config.kiosk.led_pin:
            self.panel = ButtonPanel(
                config.kiosk, [s.id for s in config.services], self.post, panel_factory
            )
        beep = self.panel.beep if self.panel else None
        self.screen = screen_panel(config, self.surface.get_size())
        keyboard = keyboard_for(config.kiosk.keyboard, self.screen)
        if keyboard != config.kiosk.keyboard:
            log.warning(
                "[kiosk] keyboard = %r: its keys are under 15 mm on this %s; using %r",
                config.kiosk.keyboard,
                self.screen.source,
                keyboard,
            )
        self.attach(Kiosk(config, self.post, beep=beep, clock=clock, keyboard=keyboard))
        for problem in too_small(self.controller.state, self.screen):
            log.warning("touch target under 15 mm (%s): %s", self.screen.source, problem)
        self.dirty = True
        self.frames = 0
        self.overflows: list[Any] = []
        self._press: tuple[float, float] | None = None  # where a finger went down in a list
        self.scanner = ScanBuffer()  # a USB QR scanner types like a keyboard
        self._drag_y: float | None = None  # the finger's last height while dragging

    def _open_display(self, size: tuple[int, int] | None) -> pygame.Surface:
        k = self.config.kiosk
        want = size or ((k.width, k.height) if k.width and k.height else None)
        if self.windowed:
            return pygame.display.set_mode(want or WINDOW_SIZE, pygame.RESIZABLE)
        pygame.mouse.set_visible(False)
        return pygame.display.set_mode(want or (0, 0), pygame.FULLSCREEN | pygame.NOFRAME)

    # --- the loop ----------------------------------------------------------------------

    def close(self) -> None:
        super().close()
        pygame.display.quit()

    def step(self, max_wait: float = POLL) -> None:
        """Handle pending input, wait up to ``max_wait`` seconds (at most ``POLL``,
        less when a screen times out sooner) for a worker's message, handle it,
        redraw if anything changed.

        pygame.event.wait would be the obvious sleep, but SDL's video drivers
        without a native wait poll every millisecond inside it; sleeping on our
        own queue and pumping input ~30 times a second costs far less."""
        if self.dirty:
            self.redraw()
        for event in pygame.event.get():
            self.handle_event(event)
        if self.wait_and_handle(min(max_wait, POLL)):
            self.dirty = True
        if self.dirty:
            self.redraw()

    def handle_event(self, event: pygame.event.Event) -> None:
        w, h = self.surface.get_size()
        mouse = event.type in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP, pygame.MOUSEMOTION)
        if mouse and getattr(event, "touch", False):
            return  # SDL's copy of a finger event
        if event.type == pygame.FINGERDOWN:
            self.press((event.x * w, event.y * h))
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self.press(event.pos)
        elif event.type == pygame.FINGERMOTION:
            self.move((event.x * w, event.y * h))
        elif event.type == pygame.MOUSEMOTION and event.buttons[0]:
            self.move(event.pos)
        elif event.type == pygame.FINGERUP or (
            event.type == pygame.MOUSEBUTTONUP and event.button == 1
        ):
            self.release()
        elif event.type == pygame.KEYDOWN:
            if (
                event.key == self.exit_key
                and (event.mod & self.exit_mods)
                and all(event.mod & m for m in self._required_mods())
            ):
                log.info("technician exit (%s)", self.config.kiosk.exit_keys)
                self.stop()
            else:
                self.typed(event)
        elif event.type == pygame.QUIT and self.windowed:
            self.stop()
        elif event.type in (pygame.VIDEORESIZE, pygame.WINDOWSIZECHANGED, pygame.VIDEOEXPOSE):
            self.surface = pygame.display.get_surface()
            self.dirty = True

    def typed(self, event: pygame.event.Event) -> None:
        """A key from a QR scanner typing like a keyboard (in any screen state): a scan
        ends with Enter and goes to the state as ``Scanned``."""
        enter = event.key in (pygame.K_RETURN, pygame.K_KP_ENTER)
        done = self.scanner.feed("\r" if enter else getattr(event, "unicode", ""), self.clock())
        if done:
            log.info("scanned %d characters", len(done))
            self.handle(st.Scanned(done))

    def _required_mods(self) -> list[int]:
        groups = [pygame.KMOD_CTRL, pygame.KMOD_SHIFT, pygame.KMOD_ALT, pygame.KMOD_META]
        return [g for g in groups if self.exit_mods & g]

    def handle(self, msg: Any) -> None:
        if self.controller.handle(msg):
            self.dirty = True
        if self.panel is not None:
            self.panel.show(self.controller.state)

    def press(self, pos: tuple[float, float]) -> None:
        """A finger (or the mouse) went down: a tap, or the start of a drag in a list."""
        area = lookup_layout.scroll_area(self.controller.state, self.surface.get_size())
        if area is not None and inside(pos, area):
            self._press, self._drag_y = pos, None
        else:
            self._press = self._drag_y = None
            self.tap(pos)

    def move(self, pos: tuple[float, float]) -> None:
        if self._press is None:
            return
        size = self.surface.get_size()
        if self._drag_y is None:
            if abs(pos[1] - self._press[1]) < max(8, size[1] * DRAG):
                return
            self._drag_y = self._press[1]
        delta = round(self._drag_y - pos[1])  # finger up: the content moves up
        self._drag_y -= delta  # the rounding's remainder carries to the next move
        limit = lookup_render.scroll_limit(self.controller.state, size)
        self.handle(st.Scroll(delta, limit))

    def release(self) -> None:
        pressed, dragged = self._press, self._drag_y is not None
        self._press = self._drag_y = None
        if pressed is not None and not dragged:
            self.tap(pressed)

    def tap(self, pos: tuple[float, float]) -> None:
        size = self.surface.get_size()
        state = self.controller.state
        target = hit(layout.buttons(state, size), pos)
        if target is not None and target[0] == "scroll":
            step = lookup_layout.page(state, size)
            limit = lookup_render.scroll_limit(state, size)
            self.handle(st.Scroll(step if target[1] == "down" else -step, limit, tap=True))
            return
        self.handle(st.Tap(target))

    def redraw(self) -> None:
        self.overflows = render.draw(self.surface, self.controller.state)
        for problem in self.overflows:
            log.warning("text does not fit: %s", problem)
        pygame.display.flip()
        self.frames += 1
        self.dirty = False

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        pygame.image.save(self.surface, str(path))
        return path
