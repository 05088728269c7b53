"""The touchscreen kiosk: the pygame loop.

The loop only waits for events, turns taps into ``Tap`` messages, hands
every message to the controller and redraws when the state changed; HTTP,
printing and the event stream run on worker threads that post pygame
events. Between taps it sleeps on its message queue, looking at touch input about
30 times a second, so an idle kiosk uses next to no CPU.

Touch arrives twice (a finger event and a mouse event synthesized from
it); mouse events flagged as coming from touch are dropped, and the state's
tap guard drops whatever duplicate is left. Escape does nothing; a
technician closes the kiosk with ``[kiosk] exit_keys`` (default Ctrl+Shift+Q).
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame

from counter_api.config import Config
from kiosk import layout, render
from kiosk import state as st
from kiosk.controller import Kiosk

log = logging.getLogger(__name__)

WINDOW_SIZE = (1024, 600)
POLL = 0.03  # seconds between looks at touch input while idle


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


class App:
    """One kiosk window (or full screen) driven by a ``Kiosk``."""

    def __init__(
        self,
        config: Config,
        *,
        windowed: bool = False,
        size: tuple[int, int] | None = None,
        panel_factory: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.clock = clock
        self.windowed = windowed or not config.kiosk.fullscreen
        pygame.display.init()
        pygame.font.init()
        self.messages: queue.Queue[Any] = queue.Queue()
        self.surface = self._open_display(size)
        pygame.display.set_caption("Sothutu — LẤY SỐ THỨ TỰ")
        self.exit_mods, self.exit_key = parse_keys(config.kiosk.exit_keys)
        self.panel = None
        if any(config.kiosk.button_pins) or config.kiosk.priority_pin or config.kiosk.led_pin:
            from kiosk.buttons import Panel

            self.panel = Panel(
                config.kiosk, [s.id for s in config.services], self.post, panel_factory
            )
        self.kiosk = Kiosk(
            config, self.post, beep=self.panel.beep if self.panel else None, clock=clock
        )
        self.controller = self.kiosk.controller
        self.dirty = True
        self.frames = 0
        self.overflows: list[Any] = []
        self._stop = threading.Event()

    def _open_display(self, size: tuple[int, int] | None) -> pygame.Surface:
        k = self.config.kiosk
        want = size or ((k.width, k.height) if k.width and k.height else None)
        if self.windowed:
            return pygame.display.set_mode(want or WINDOW_SIZE, pygame.RESIZABLE)
        pygame.mouse.set_visible(False)
        return pygame.display.set_mode(want or (0, 0), pygame.FULLSCREEN | pygame.NOFRAME)

    # --- the loop ----------------------------------------------------------------------

    def post(self, msg: Any) -> None:
        """Called from worker threads: queue ``msg`` for the loop (wakes it at once)."""
        self.messages.put(msg)

    def start(self) -> App:
        self.kiosk.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> int:
        """Run until a technician exits or the process is told to stop."""
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_: self.stop())
        self.start()
        try:
            while not self._stop.is_set():
                self.step(POLL)
        except KeyboardInterrupt:
            pass
        finally:
            self.close()
        return 0

    def close(self) -> None:
        self.kiosk.stop()
        if self.panel is not None:
            self.panel.close()
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
            self.handle(event)
        wait = min(max_wait, POLL)
        deadline = self.controller.deadline()
        if deadline is not None:
            wait = min(wait, max(0.0, deadline - self.clock()))
        try:
            msg: Any = self.messages.get(timeout=wait) if wait > 0 else self.messages.get_nowait()
            while True:
                self._message(msg)
                msg = self.messages.get_nowait()
        except queue.Empty:
            pass
        if self.controller.tick():
            self.dirty = True
        if self.dirty:
            self.redraw()

    def handle(self, event: pygame.event.Event) -> None:
        if event.type == pygame.FINGERDOWN:
            w, h = self.surface.get_size()
            self.tap((event.x * w, event.y * h))
        elif event.type == pygame.MOUSEBUTTONDOWN:
            if event.button == 1 and not getattr(event, "touch", False):
                self.tap(event.pos)
        elif event.type == pygame.KEYDOWN:
            if (
                event.key == self.exit_key
                and (event.mod & self.exit_mods)
                and all(event.mod & m for m in self._required_mods())
            ):
                log.info("technician exit (%s)", self.config.kiosk.exit_keys)
                self.stop()
        elif event.type == pygame.QUIT and self.windowed:
            self.stop()
        elif event.type in (pygame.VIDEORESIZE, pygame.WINDOWSIZECHANGED, pygame.VIDEOEXPOSE):
            self.surface = pygame.display.get_surface()
            self.dirty = True

    def _required_mods(self) -> list[int]:
        groups = [pygame.KMOD_CTRL, pygame.KMOD_SHIFT, pygame.KMOD_ALT, pygame.KMOD_META]
        return [g for g in groups if self.exit_mods & g]

    def _message(self, msg: Any) -> None:
        if self.controller.handle(msg):
            self.dirty = True
        if self.panel is not None:
            self.panel.show(self.controller.state)

    def tap(self, pos: tuple[float, float]) -> None:
        target = layout.hit(self.controller.state, self.surface.get_size(), pos)
        self._message(st.Tap(target))

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
