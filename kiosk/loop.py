"""What the touchscreen and the screenless kiosk loops share.

Worker threads ``post`` messages onto a plain queue; the loop sleeps on it
until a message arrives or the state's next timeout is due (so an idle kiosk
uses next to no CPU), hands every message to the controller and ticks it.
``run`` starts the workers, loops until ``stop`` (SIGTERM, a technician's
keys, Ctrl-C) and closes everything.
"""

from __future__ import annotations

import queue
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from kiosk.buttons import ButtonPanel
from kiosk.controller import Controller, Kiosk
from sothutu.signals import on_stop


class KioskLoop:
    """A ``Kiosk`` (controller and workers), an optional button panel and the loop."""

    #: The longest sleep of one ``step`` in ``run``.
    max_wait = 1.0
    kiosk: Kiosk
    controller: Controller

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.messages: queue.Queue[Any] = queue.Queue()
        self.panel: ButtonPanel | None = None
        self._stop = threading.Event()

    def attach(self, kiosk: Kiosk) -> None:
        """The kiosk to drive (made after the panel, whose beep it uses)."""
        self.kiosk = kiosk
        self.controller = kiosk.controller

    def post(self, msg: Any) -> None:
        """Called from worker threads: queue ``msg`` for the loop (wakes it at once)."""
        self.messages.put(msg)

    def start(self) -> KioskLoop:
        self.kiosk.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.messages.put(None)  # wake a loop sleeping on the queue

    @property
    def stopping(self) -> bool:
        """True once something asked the loop to end."""
        return self._stop.is_set()

    def run(self) -> int:
        """Run until a technician exits or the process is told to stop."""
        if threading.current_thread() is threading.main_thread():
            # stop() puts on the queue the loop reads: from a helper thread, never from
            # a handler in the loop's own thread (sothutu.signals)
            on_stop(lambda _signum: self.stop(), (signal.SIGTERM,))
        self.start()
        try:
            while not self._stop.is_set():
                self.step(self.max_wait)
        except KeyboardInterrupt:
            pass
        finally:
            self.close()
        return 0

    def close(self) -> None:
        self.kiosk.stop()
        if self.panel is not None:
            self.panel.close()

    def step(self, max_wait: float) -> None:
        raise NotImplementedError

    def handle(self, msg: Any) -> None:
        """One worker's message (never None)."""
        raise NotImplementedError

    def wait_and_handle(self, max_wait: float) -> bool:
        """Wait up to ``max_wait`` seconds (less when a screen times out sooner) for
        a message, handle it and any others queued, then tick the controller;
        True when the tick changed the state."""
        wait = max_wait
        deadline = self.controller.deadline()
        if deadline is not None:
            wait = min(wait, max(0.0, deadline - self.clock()))
        try:
            msg = self.messages.get(timeout=wait) if wait > 0 else self.messages.get_nowait()
            while True:
                if msg is not None:
                    self.handle(msg)
                msg = self.messages.get_nowait()
        except queue.Empty:
            pass
        return self.controller.tick()
