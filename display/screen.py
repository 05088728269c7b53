"""The display's screen: opened at start, and tried again, less and less often, when
its video driver cannot open it (no TV plugged in, no GPU, a driver missing).

A display without a screen keeps following the server and announcing calls through
the speakers; the first failure is logged once, later ones only at debug level, and
the screen is taken as soon as it opens (the TV was switched on, the cable plugged).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pygame

log = logging.getLogger(__name__)

FIRST_RETRY = 5.0  # seconds before the first new try
MAX_RETRY = 300.0  # then doubling up to this


class Screen:
    """Opens pygame's display; ``surface()`` is None while there is none."""

    def __init__(
        self,
        size: tuple[int, int] | None,
        *,
        windowed: bool = False,
        default_window: tuple[int, int] = (1280, 720),
        caption: str = "",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.size = size
        self.windowed = windowed
        self.default_window = default_window
        self.caption = caption
        self.clock = clock
        self.failures = 0
        self.error = ""  # the last reason it did not open
        self.retry_at: float | None = None
        self._delay = FIRST_RETRY

    @property
    def is_open(self) -> bool:
        return pygame.display.get_init() and pygame.display.get_surface() is not None

    def surface(self) -> pygame.Surface | None:
        return pygame.display.get_surface() if pygame.display.get_init() else None

    def open(self) -> bool:
        """Try to open the screen now; on failure plan the next try (see ``due``)."""
        try:
            pygame.display.init()
            if self.windowed:
                pygame.display.set_mode(self.size or self.default_window, pygame.RESIZABLE)
            else:
                pygame.display.set_mode(self.size or (0, 0), pygame.FULLSCREEN)
                pygame.mouse.set_visible(False)
            if self.caption:
                pygame.display.set_caption(self.caption)
        except pygame.error as exc:
            pygame.display.quit()  # a half-open video subsystem would keep the device
            self._failed(str(exc) or "unknown error")
            return False
        if self.failures:
            w, h = pygame.display.get_surface().get_size()
            log.info("screen opened after %d failed tries: %dx%d", self.failures, w, h)
        self.failures = 0
        self.retry_at = None
        self._delay = FIRST_RETRY
        return True

    def due(self) -> bool:
        """Whether a closed screen should be tried again now."""
        return self.retry_at is not None and self.clock() >= self.retry_at

    def seconds_to_retry(self) -> float | None:
        return None if self.retry_at is None else max(0.0, self.retry_at - self.clock())

    def _failed(self, error: str) -> None:
        self.failures += 1
        self.error = error
        self.retry_at = self.clock() + self._delay
        if self.failures > 1:  # the first failure is the caller's to tell, once
            log.debug("screen still not open (%s); next try in %.0f s", error, self._delay)
        self._delay = min(self._delay * 2, MAX_RETRY)
