"""The screenless kiosk: push buttons, LED, buzzer and the printer.

Same controller and state rules as the touchscreen, and the same loop
(``kiosk.loop``): it sleeps on its message queue until a press, a worker's
answer or the next timeout, then shows the state on the LED.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from kiosk.buttons import ButtonPanel
from kiosk.controller import Kiosk
from kiosk.loop import KioskLoop
from sothutu.config import Config

log = logging.getLogger(__name__)


class Headless(KioskLoop):
    """The kiosk without a screen: its buttons post taps, its LED shows the state."""

    def __init__(
        self,
        config: Config,
        *,
        factory: Any = None,
        clock: Callable[[], float] = time.monotonic,
        source: str | None = None,
    ) -> None:
        super().__init__(clock)
        self.panel = panel = ButtonPanel(
            config.kiosk, [s.id for s in config.services], self.post, factory
        )
        if not panel.buttons:
            log.warning("headless kiosk without buttons: set [kiosk] button_pins")
        self.attach(
            Kiosk(config, self.post, headless=True, beep=panel.beep, clock=clock, source=source)
        )

    def start(self) -> Headless:
        super().start()
        self._show()
        return self

    def handle(self, msg: Any) -> None:
        self.controller.handle(msg)

    def step(self, max_wait: float) -> None:
        self.wait_and_handle(max_wait)
        self._show()

    def _show(self) -> None:
        if self.panel is not None:
            self.panel.show(self.controller.state)
