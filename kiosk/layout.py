"""Where things go on the kiosk screen, as plain rectangles (no pygame).

Everything is a proportion of the screen, so 800×480 and 1920×1080 get the
same layout. The renderer draws these boxes and the app hit-tests taps
against the same ones, so what a citizen sees is what a tap hits.

The start screen's bottom row holds "extra" buttons: priority and the
procedure look-up ("Tra cứu thủ tục"). The look-up's own screens are laid out
in ``kiosk.lookup_layout``; ``buttons`` and ``hit`` cover every screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kiosk import words
from kiosk.state import LOOKUP_SCREENS, KioskState, Screen

Rect = tuple[int, int, int, int]  # x, y, w, h


@dataclass(frozen=True)
class ButtonBox:
    target: tuple[str, ...]
    rect: Rect
    label: str
    detail: str = ""  # second line, e.g. the waiting count
    style: str = "field"  # field, priority, back, lookup, and the look-up's styles
    enabled: bool = True  # drawn greyed when False (a tap on it does nothing)


@dataclass(frozen=True)
class Frame:
    """The screen split into header, body and footer bands."""

    size: tuple[int, int]
    pad: int
    header: Rect
    body: Rect
    footer: Rect | None


def frame(size: tuple[int, int], footer: bool) -> Frame:
    w, h = size
    pad = max(6, round(min(w, h) * 0.025))
    header_h = round(h * 0.2)
    footer_h = round(h * 0.17) if footer else 0
    body_y = header_h + pad
    body_h = h - body_y - (footer_h + 2 * pad if footer else pad)
    foot = (pad, h - pad - footer_h, w - 2 * pad, footer_h) if footer else None
    return Frame(size, pad, (0, 0, w, header_h), (pad, body_y, w - 2 * pad, body_h), foot)


def grid(n: int, area: Rect, gap: int, aspect: float = 3.0) -> list[Rect]:
    """``n`` equal buttons filling ``area``: the column count that gives the
    largest buttons near ``aspect`` (width / height); a short last row is centred."""
    if n <= 0:
        return []
    x, y, w, h = area
    best: tuple[float, int] = (-1.0, 1)
    for cols in range(1, n + 1):
        rows = math.ceil(n / cols)
        cw = (w - (cols - 1) * gap) / cols
        ch = (h - (rows - 1) * gap) / rows
        score = min(cw / aspect, ch)
        if score > best[0]:
            best = (score, cols)
    cols = best[1]
    rows = math.ceil(n / cols)
    cw = (w - (cols - 1) * gap) / cols
    ch = (h - (rows - 1) * gap) / rows
    rects: list[Rect] = []
    for i in range(n):
        r, c = divmod(i, cols)
        in_row = min(cols, n - r * cols)
        offset = (w - (in_row * cw + (in_row - 1) * gap)) / 2
        rects.append(
            (round(x + offset + c * (cw + gap)), round(y + r * (ch + gap)), round(cw), round(ch))
        )
    return rects


def extra_buttons(state: KioskState) -> list[tuple[tuple[str, ...], str, str, str]]:
    """The bottom row: (target, label, detail, style)."""
    if state.screen is Screen.START:
        out = []
        if state.priority_enabled:
            out.append((("priority",), words.PRIORITY_BUTTON, "", "priority"))
        if state.lookup_available:
            out.append((("lookup",), words.LOOKUP_BUTTON, words.LOOKUP_DETAIL, "lookup"))
        return out
    if state.screen is Screen.PRIORITY:
        return [(("back",), words.BACK, "", "back")]
    return []


def buttons(state: KioskState, size: tuple[int, int]) -> list[ButtonBox]:
    """Every tappable box of the current screen."""
    if state.screen in LOOKUP_SCREENS:
        from kiosk import lookup_layout  # it builds on this module

        return lookup_layout.buttons(state, size)
    if state.screen not in (Screen.START, Screen.PRIORITY):
        return []
    extras = extra_buttons(state)
    fr = frame(size, footer=bool(extras))
    out = []
    for f, rect in zip(state.fields, grid(len(state.fields), fr.body, fr.pad), strict=True):
        detail = words.WAITING_ON_BUTTON.format(n=f.waiting) if f.waiting is not None else ""
        style = "priority_field" if state.screen is Screen.PRIORITY else "field"
        out.append(ButtonBox(("field", f.id), rect, f.name, detail, style))
    if extras and fr.footer is not None:
        fx, fy, fw, fh = fr.footer
        gap = fr.pad
        # Priority's long label gets more of the row than the look-up's short one.
        shares = [1.25 if e[3] == "priority" and len(extras) > 1 else 1.0 for e in extras]
        free = fw - gap * (len(extras) - 1)
        x = float(fx)
        for share, (target, label, detail, style) in zip(shares, extras, strict=True):
            bw = free * share / sum(shares)
            out.append(ButtonBox(target, (round(x), fy, round(bw), fh), label, detail, style))
            x += bw + gap
    return out


def hit(
    state: KioskState, size: tuple[int, int], pos: tuple[float, float]
) -> tuple[str, ...] | None:
    """The target under ``pos``, or None."""
    px, py = pos
    for b in buttons(state, size):
        if not b.enabled:
            continue
        x, y, w, h = b.rect
        if x <= px < x + w and y <= py < y + h:
            return b.target
    return None
