"""The keypad's hardware through gpiozero: buttons, an LED, an optional buzzer.

The pin factory comes from ``sothutu.gpio`` (lgpio on a Pi, ``GPIOZERO_PIN_FACTORY=mock``
to try it on a PC) unless one is passed (tests pass ``MockFactory()``); a keypad
is nothing but buttons, so without GPIO it stops with ``NoGpio`` instead of
running on mock pins.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sothutu import gpio
from sothutu.config import KeypadConfig

BUTTONS = ("next", "recall", "no_show", "done")


class KeypadPanel:
    """Buttons call ``on_press(name)``; the LED and buzzer show what happens."""

    def __init__(self, cfg: KeypadConfig, pin_factory: Any = None) -> None:
        from gpiozero import LED, Button, Buzzer

        if pin_factory is None:
            pin_factory = gpio.pin_factory(fallback=False)
        bounce = cfg.bounce_ms / 1000 or None
        self.buttons = {
            name: Button(
                getattr(cfg, name), pull_up=cfg.pull_up, bounce_time=bounce, pin_factory=pin_factory
            )
            for name in BUTTONS
            if getattr(cfg, name)
        }
        self.led = LED(cfg.led, pin_factory=pin_factory) if cfg.led else None
        self.buzzer = Buzzer(cfg.buzzer, pin_factory=pin_factory) if cfg.buzzer else None
        self._mode = ""
        self._lock = threading.Lock()
        self._closed = False

    def on_press(self, callback: Callable[[str], None]) -> None:
        for name, button in self.buttons.items():
            button.when_pressed = lambda n=name: callback(n)

    def show(self, mode: str) -> None:
        """LED: "on" (open), "off" (paused), "blink" (server unreachable), "alarm" (a
        press failed: fast blink for two seconds)."""
        with self._lock:
            if self.led is None or mode == self._mode or self._closed:
                return
            self._mode = mode
            self._show(self.led, mode)

    @staticmethod
    def _show(led: Any, mode: str) -> None:
        if mode == "on":
            led.on()
        elif mode == "off":
            led.off()
        elif mode == "blink":
            led.blink(on_time=0.5, off_time=0.5)
        elif mode == "alarm":
            led.blink(on_time=0.1, off_time=0.1, n=10)

    def beep(self, times: int = 1) -> None:
        with self._lock:
            if self.buzzer is not None and not self._closed:
                self.buzzer.beep(on_time=0.08 if times == 1 else 0.15, off_time=0.1, n=times)

    def close(self) -> None:
        with self._lock:
            self._closed = True
        for device in (*self.buttons.values(), self.led, self.buzzer):
            if device is not None:
                device.close()
