"""The screenless kiosk: push buttons, LED, buzzer and the printer.

Same controller and state rules as the touchscreen; messages arrive on a
plain queue instead of pygame's event queue, and the loop sleeps on it until
a press, a worker's answer or the next timeout.
"""

from __future__ import annotations

import logging
import queue
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from kiosk.buttons import ButtonPanel
from kiosk.controller import Kiosk
from sothutu.config import Config

log = logging.getLogger(__name__)

MAX_WAIT = 1.0


class Headless:
    def __init__(
        self,
        config: Config,
        *,
        factory: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        self.queue: queue.Queue[Any] = queue.Queue()
        self.panel = ButtonPanel(config.kiosk, [s.id for s in config.services], self.post, factory)
        if not self.panel.buttons:
            log.warning("headless kiosk without buttons: set [kiosk] button_pins")
        self.kiosk = Kiosk(config, self.post, headless=True, beep=self.panel.beep, clock=clock)
        self.controller = self.kiosk.controller
        self._stop = threading.Event()

    def post(self, msg: Any) -> None:
        self.queue.put(msg)

    def start(self) -> Headless:
        self.kiosk.start()
        self.panel.show(self.controller.state)
        return self

    def stop(self) -> None:
        self._stop.set()
        self.queue.put(None)

    def step(self, max_wait: float) -> None:
        wait = max_wait
        deadline = self.controller.deadline()
        if deadline is not None:
            wait = min(wait, max(0.0, deadline - self.clock()))
        try:
            msg = self.queue.get(timeout=wait) if wait > 0 else self.queue.get_nowait()
            while True:
                if msg is not None:
                    self.controller.handle(msg)
                msg = self.queue.get_nowait()
        except queue.Empty:
            pass
        self.controller.tick()
        self.panel.show(self.controller.state)

    def run(self) -> int:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_: self.stop())
        self.start()
        try:
            while not self._stop.is_set():
                self.step(MAX_WAIT)
        except KeyboardInterrupt:
            pass
        finally:
            self.close()
        return 0

    def close(self) -> None:
        self.kiosk.stop()
        self.panel.close()
