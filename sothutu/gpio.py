"""The one GPIO policy: pin names and the gpiozero pin factory, for every device.

The kiosk's buttons, the counter keypads and the rating keypads all name pins
the way gpiozero does (``"GPIO17"``, ``"BCM17"``, ``"BOARD11"``, ``"J8:11"``,
``"WPI0"``, plain ``"17"``) and get their pin factory here, so a config is
checked the same way for each (two names of one physical pin clash) and every
program falls back to mock pins the same way on a machine without GPIO.
gpiozero is imported only when a factory is asked for.
"""

from __future__ import annotations

import logging
import re
import warnings
from typing import Any

log = logging.getLogger("sothutu.gpio")

_PIN = re.compile(r"(GPIO|BCM|WPI|BOARD|J8:)?(\d{1,2})")

#: Header (BOARD / J8) pin → BCM GPIO number on every 40-pin Raspberry Pi.
_BOARD_TO_BCM = {
    3: 2, 5: 3, 7: 4, 8: 14, 10: 15, 11: 17, 12: 18, 13: 27, 15: 22, 16: 23, 18: 24,
    19: 10, 21: 9, 22: 25, 23: 11, 24: 8, 26: 7, 27: 0, 28: 1, 29: 5, 31: 6, 32: 12,
    33: 13, 35: 19, 36: 16, 37: 26, 38: 20, 40: 21,
}  # fmt: skip

#: wiringPi number → BCM GPIO number.
_WPI_TO_BCM = {
    0: 17, 1: 18, 2: 27, 3: 22, 4: 23, 5: 24, 6: 25, 7: 4, 8: 2, 9: 3, 10: 8, 11: 7,
    12: 10, 13: 9, 14: 11, 15: 14, 16: 15, 21: 5, 22: 6, 23: 13, 24: 19, 25: 26,
    26: 12, 27: 16, 28: 20, 29: 21, 30: 0, 31: 1,
}  # fmt: skip

#: Names of ``[kiosk] pin_factory`` → (module, class) of gpiozero.
FACTORIES = {
    "lgpio": ("gpiozero.pins.lgpio", "LGPIOFactory"),
    "rpigpio": ("gpiozero.pins.rpigpio", "RPiGPIOFactory"),
    "pigpio": ("gpiozero.pins.pigpio", "PiGPIOFactory"),
    "native": ("gpiozero.pins.native", "NativeFactory"),
}


def check_pin(name: str) -> str | None:
    """An error text for a pin name that no Raspberry Pi has, else None ("" is fine)."""
    if name == "" or bcm(name) is not None:
        return None
    return f'must be "" (not wired) or a GPIO pin such as "GPIO17" or "BOARD11", got {name!r}'


def bcm(name: str) -> int | None:
    """The BCM GPIO number a pin name means (``"BOARD11"`` → 17), or None if it is none."""
    m = _PIN.fullmatch(name.strip().upper())
    if not m:
        return None
    kind, number = m[1] or "GPIO", int(m[2])
    if kind in ("GPIO", "BCM"):
        return number if number <= 27 else None
    if kind == "WPI":
        return _WPI_TO_BCM.get(number)
    return _BOARD_TO_BCM.get(number)


def canonical(name: str) -> str:
    """One name per physical pin (``"BOARD11"``, ``"17"`` → ``"GPIO17"``), for clash checks."""
    number = bcm(name)
    return name if number is None else f"GPIO{number}"


class NoGpio(RuntimeError):
    """No pin factory could be loaded: the message says why and what to try."""


def pin_factory(name: str = "", *, fallback: bool) -> Any:
    """The gpiozero pin factory to use: ``name`` from the config, else gpiozero's choice.

    ``"mock"`` gives mock pins; ``""`` lets gpiozero pick (``GPIOZERO_PIN_FACTORY``,
    then lgpio…). When no real factory loads (a PC, the demo): a program whose
    buttons are optional (the kiosk, ``fallback=True``) gets mock pins and one
    warning, so it still runs and says why its buttons are inert; a program that
    is nothing but buttons (a keypad) gets ``NoGpio`` and stops with that line.
    """
    from gpiozero import Device
    from gpiozero.exc import GPIOZeroError
    from gpiozero.pins.mock import MockFactory

    if name == "mock":
        return MockFactory()
    try:
        if name:
            module, cls = FACTORIES[name]
            return getattr(__import__(module, fromlist=[cls]), cls)()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # gpiozero warns for every factory it falls back from
            return Device._default_pin_factory()
    except (GPIOZeroError, ImportError, OSError, RuntimeError) as exc:
        if not fallback:
            raise NoGpio(
                f"cannot use the GPIO pins: {exc} (on a PC, try GPIOZERO_PIN_FACTORY=mock)"
            ) from exc
        log.warning("no GPIO on this machine (%s): using mock pins, the buttons are inert", exc)
        return MockFactory()
