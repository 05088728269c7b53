"""The touchscreen's physical size, so touch targets can be measured in millimetres.

A finger needs about 15 mm: every button, key and row a citizen taps is at least
``MIN_TARGET_MM`` wide and tall. The layout is proportional and designed for the
smallest panel the kiosk ships with (a 7" screen, 800×480 or 1024×600); this
module says what a box measures on the panel really attached, from ``[kiosk]
screen_mm`` or ``screen_inches``, or from the panel usually sold at that
resolution (``DEFAULTS``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from kiosk.geometry import ButtonBox, Rect

if TYPE_CHECKING:
    from kiosk.state import KioskState

MIN_TARGET_MM = 15.0

#: Active areas (width × height, mm, landscape) of the panels usually sold at a
#: resolution: the official Raspberry Pi 7" Touch Display (800×480), 7" HDMI
#: panels (1024×600), 10.1" panels (1280×800) and 15.6" monitors (1920×1080; a
#: 21.5" one is larger, so 15.6" is the cautious guess).
DEFAULTS: dict[tuple[int, int], tuple[float, float, str]] = {
    (800, 480): (154.08, 85.92, '7" (Raspberry Pi Touch Display)'),
    (1024, 600): (154.21, 85.92, '7"'),
    (1280, 800): (216.96, 135.60, '10.1"'),
    (1920, 1080): (344.16, 193.59, '15.6"'),
}


@dataclass(frozen=True)
class Panel:
    """A screen of ``px`` pixels showing an active area of ``mm`` millimetres."""

    px: tuple[int, int]
    mm: tuple[float, float]
    source: str = ""  # where the size comes from, for the log

    @property
    def px_per_mm(self) -> tuple[float, float]:
        return self.px[0] / self.mm[0], self.px[1] / self.mm[1]

    def size_mm(self, rect: Rect) -> tuple[float, float]:
        """A box's width and height in millimetres."""
        sx, sy = self.px_per_mm
        return rect[2] / sx, rect[3] / sy

    def min_px(self, mm: float = MIN_TARGET_MM) -> tuple[int, int]:
        """The fewest pixels (width, height) that measure ``mm`` on this panel."""
        sx, sy = self.px_per_mm
        return math.ceil(mm * sx - 1e-9), math.ceil(mm * sy - 1e-9)


def _diagonal_mm(px: tuple[int, int], inches: float) -> tuple[float, float]:
    """Square pixels on a panel of ``inches`` diagonal."""
    d = inches * 25.4
    hyp = math.hypot(*px)
    return d * px[0] / hyp, d * px[1] / hyp


def default_mm(px: tuple[int, int]) -> tuple[tuple[float, float], str]:
    """The usual panel at this resolution (either orientation); for others, the
    diagonal of the nearest listed size class (7" up to 1024 pixels wide, 10.1" up to
    1366, else 15.6") with square pixels."""
    w, h = px
    for (dw, dh), (mw, mh, name) in DEFAULTS.items():
        if (w, h) == (dw, dh):
            return (mw, mh), f"{name} panel, the usual at {w}x{h}"
        if (w, h) == (dh, dw):
            return (mh, mw), f"{name} panel, the usual at {w}x{h}"
    long = max(px)
    inches = 7.0 if long <= 1024 else 10.1 if long <= 1366 else 15.6
    return _diagonal_mm(px, inches), f'{inches:g}" panel guessed for {w}x{h}'


def panel_for(px: tuple[int, int], screen_mm: Iterable[float] = (), inches: float = 0) -> Panel:
    """The panel from the config's ``screen_mm`` ([width, height] of the active area),
    else ``screen_inches`` (diagonal, square pixels), else the default for ``px``."""
    mm = tuple(screen_mm)
    if len(mm) == 2:
        w, h = mm
        if (w > h) != (px[0] > px[1]) and px[0] != px[1]:
            w, h = h, w  # the config gives the landscape size of a portrait screen
        return Panel(px, (w, h), f"[kiosk] screen_mm = {list(mm)}")
    if inches > 0:
        return Panel(px, _diagonal_mm(px, inches), f"[kiosk] screen_inches = {inches:g}")
    size, source = default_mm(px)
    return Panel(px, size, source)


def small_targets(
    boxes: Iterable[ButtonBox], panel: Panel, mm: float = MIN_TARGET_MM
) -> list[tuple[ButtonBox, float, float]]:
    """The boxes under ``mm`` in either direction (greyed ones too: they are the
    same size when they come alive): (box, width mm, height mm)."""
    out = []
    for b in boxes:
        w, h = panel.size_mm(b.rect)
        if w < mm - 1e-6 or h < mm - 1e-6:
            out.append((b, w, h))
    return out


def keyboard_for(wanted: str, panel: Panel) -> str:
    """``wanted`` when every key of its keyboard screen is at least 15 mm on
    ``panel``; else "abc", whose nine keys a row fit a 7" screen."""
    if wanted == "abc":
        return wanted
    from kiosk import lookup_layout
    from kiosk import state as st

    probe = replace(
        st.initial((), st.Timing(), keyboard=wanted), screen=st.Screen.SEARCH, server_up=True
    )
    return "abc" if small_targets(lookup_layout.buttons(probe, panel.px), panel) else wanted


def too_small(state: KioskState, panel: Panel) -> list[str]:
    """The targets under 15 mm on the screens a citizen meets first (start, priority,
    look-up, keyboard) with this kiosk's fields, as lines for the log."""
    from kiosk import layout
    from kiosk import state as st

    out = []
    for screen in (st.Screen.START, st.Screen.PRIORITY, st.Screen.LOOKUP, st.Screen.SEARCH):
        probe = replace(state, screen=screen, server_up=True, opening=None, printer="ok")
        for b, w, h in small_targets(layout.buttons(probe, panel.px), panel):
            out.append(f"{screen.value}: {b.label!r} is {w:.1f} x {h:.1f} mm")
    return out
