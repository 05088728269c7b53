"""A counter keypad: buttons → counter actions; the LED follows the counter and the server.

Presses arrive on gpiozero's threads and are handed to one worker thread, so
a press never blocks the pins. While a press is in flight, and for
``quiet_ms`` after it, other presses are ignored (bounce, double presses). The
LED follows the event stream: on while the counter is open, off while it is
paused, blinking while the stream is down; ``EventStream`` reconnects by itself.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any

from keypads.counter.panel import KeypadPanel
from keypads.counter.presser import Presser, Result
from sothutu.client import ApiClient, EventStream, StreamEvent
from sothutu.config import Config

log = logging.getLogger(__name__)

ALARM_SECONDS = 2.0


class Keypad:
    """One counter's keypad; ``start()`` it, ``close()`` it."""

    def __init__(self, config: Config, counter: int, pin_factory: Any = None) -> None:
        cfg = config.keypad(counter)
        counter_cfg = config.counter(counter)
        if cfg is None or counter_cfg is None:
            raise ValueError(f"no [[keypads]] for counter {counter}")
        self.cfg = cfg
        self.counter = counter
        url = config.server.client_url()
        self.client = ApiClient(url, counter_cfg.key, timeout=5.0)
        self.presser = Presser(self.client, counter, cfg.retry_seconds)
        self.panel = KeypadPanel(cfg, pin_factory)
        self.stream = EventStream(
            url, self._on_event, self._on_status, backoff=0.3, max_backoff=3, key=counter_cfg.key
        )
        self.results: list[Result] = []  # what became of each accepted press, in order
        self._lock = threading.Lock()
        self._busy = False
        self._quiet_until = 0.0
        self._alarm_until = 0.0
        self._accepted_at = 0.0
        self._alarm_timer: threading.Timer | None = None
        self._connected = False
        self._paused = False
        self._jobs: queue.Queue[str | None] = queue.Queue()
        self._worker = threading.Thread(target=self._work, name="keypad", daemon=True)

    # --- life --------------------------------------------------------------------

    def start(self) -> Keypad:
        self.panel.show("blink")  # until the stream says the server is there
        self.panel.on_press(self._pressed)
        self._worker.start()
        self.stream.start()
        return self

    def close(self) -> None:
        self.stream.stop()
        self._jobs.put(None)
        self._worker.join(timeout=self.cfg.retry_seconds + 6)
        if self._alarm_timer is not None:
            self._alarm_timer.cancel()
        self.panel.close()

    @property
    def busy(self) -> bool:
        return self._busy

    # --- presses ----------------------------------------------------------------------

    def _pressed(self, button: str) -> None:
        with self._lock:
            if self._busy or time.monotonic() < self._quiet_until:
                log.debug("press of %s ignored (busy or too soon)", button)
                return
            self._busy = True
            self._accepted_at = time.monotonic()
        self.panel.beep()
        self._jobs.put(button)

    def _work(self) -> None:
        while True:
            button = self._jobs.get()
            if button is None:
                return
            try:
                result = self.presser.press(button)
            except Exception:  # a bug must not leave the keypad dead
                log.exception("press of %s failed", button)
                result = Result(False, "internal")
            log.info("counter %s: %s → %s", self.counter, button, result.code)
            self.results.append(result)
            if not result.ok:
                # let the press's beep end first, so the three beeps stand apart
                time.sleep(max(0.0, self._accepted_at + 0.25 - time.monotonic()))
                self._alarm_until = time.monotonic() + ALARM_SECONDS
                self.panel.beep(3)
                self.panel.show("alarm")
                self._alarm_timer = threading.Timer(ALARM_SECONDS + 0.05, self._show_state)
                self._alarm_timer.start()
            with self._lock:
                self._busy = False
                self._quiet_until = time.monotonic() + self.cfg.quiet_ms / 1000
            self._show_state()

    # --- the LED follows the stream ----------------------------------------------------

    def _on_status(self, connected: bool) -> None:
        self._connected = connected
        self._show_state()

    def _on_event(self, event: StreamEvent) -> None:
        data = event.data if isinstance(event.data, dict) else {}
        if event.type == "snapshot":
            for c in data.get("counters", []):
                if c.get("number") == self.counter:
                    self._paused = c.get("status") == "paused"
        elif event.type in ("counter.paused", "counter.resumed"):
            c = data.get("counter") or {}
            if c.get("number") == self.counter:
                self._paused = event.type == "counter.paused"
        else:
            return
        self._show_state()

    def _show_state(self) -> None:
        if time.monotonic() < self._alarm_until:
            return
        if not self._connected:
            self.panel.show("blink")
        else:
            self.panel.show("off" if self._paused else "on")
