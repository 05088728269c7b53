"""Push buttons, a ready LED and a buzzer on GPIO pins, through gpiozero.

One button per field (``[kiosk] button_pins``, in [[services]] order) and an
optional priority button; each press becomes the same ``Tap`` a finger on
the screen would make. A press is accepted only when the previous accepted
press is ``press_lockout_seconds`` old: contact bounce (several edges within
a few milliseconds) and impatient double presses issue one ticket. Presses
while a ticket is being issued are ignored by the state rules as well.

The LED is on when the kiosk is ready, blinks when the printer has a fault
or the server is unreachable. gpiozero's pin factory is chosen by
``[kiosk] pin_factory`` through ``sothutu.gpio``; with none available (a PC,
the demo) mock pins stand in, so the kiosk still runs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from kiosk import state as st
from sothutu.config import KioskConfig
from sothutu.gpio import pin_factory

log = logging.getLogger(__name__)


class Lockout:
    """Accepts an event only when the last accepted one is ``seconds`` old."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._last = float("-inf")
        self._lock = threading.Lock()

    def accept(self) -> bool:
        with self._lock:
            now = self.clock()
            if now - self._last < self.seconds:
                return False
            self._last = now
            return True


class ButtonPanel:
    """The GPIO devices of one kiosk; presses are posted as ``Tap`` messages."""

    def __init__(
        self,
        kiosk: KioskConfig,
        services: Sequence[str],
        post: Callable[[Any], None],
        factory: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from gpiozero import LED, Button, Buzzer

        self.post = post
        self.beep_seconds = kiosk.beep_seconds
        self.lockout = Lockout(kiosk.press_lockout_seconds, clock)
        self.factory = (
            factory if factory is not None else pin_factory(kiosk.pin_factory, fallback=True)
        )
        self.buttons: dict[tuple[str, ...], Any] = {}
        pins: list[tuple[str, tuple[str, ...]]] = [
            (pin, ("field", sid))
            for pin, sid in zip(kiosk.button_pins, services, strict=False)
            if pin
        ]
        if kiosk.priority_pin:
            pins.append((kiosk.priority_pin, ("priority",)))
        for pin, target in pins:
            button = Button(pin, pull_up=True, bounce_time=None, pin_factory=self.factory)
            button.when_pressed = self._handler(target)
            self.buttons[target] = button
        self.led = LED(kiosk.led_pin, pin_factory=self.factory) if kiosk.led_pin else None
        self.buzzer = (
            Buzzer(kiosk.buzzer_pin, pin_factory=self.factory) if kiosk.buzzer_pin else None
        )
        self._led_mode = ""

    def _handler(self, target: tuple[str, ...]) -> Callable[[], None]:
        def pressed() -> None:
            if self.lockout.accept():
                log.info("button %s pressed", "/".join(target))
                self.post(st.Tap(target))

        return pressed

    def show(self, state: st.KioskState) -> None:
        """Set the LED for ``state``: on when ready, blinking on a fault, off outside
        the opening hours."""
        if self.led is None:
            return
        fault = not state.server_up or state.printer_broken
        mode = "blink" if fault else "off" if state.closed else "on"
        if mode != self._led_mode:
            self._led_mode = mode
            if mode == "blink":
                self.led.blink(on_time=0.5, off_time=0.5)
            elif mode == "off":
                self.led.off()
            else:
                self.led.on()

    def beep(self) -> None:
        if self.buzzer is not None:
            self.buzzer.blink(on_time=self.beep_seconds, off_time=0.01, n=1)

    def close(self) -> None:
        for device in [*self.buttons.values(), self.led, self.buzzer]:
            if device is not None:
                device.close()
