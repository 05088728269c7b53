"""Drawing helpers the kiosk's screens share: colours, fonts and a ``Painter``.

``Painter.text`` fits every text into its box with ``kiosk.textfit`` (shrink,
then wrap) in DejaVu Sans, and records an ``Overflow`` when a text does not fit
at the smallest legible size, so tests fail on it instead of a citizen finding
a cut-off word.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pygame

from kiosk.geometry import ButtonBox, Rect, frame
from kiosk.textfit import Overflow, fit
from sothutu.fonts import BOLD, REGULAR

Color = tuple[int, int, int]

BG = (245, 247, 250)
INK = (20, 24, 28)
MUTED = (69, 79, 89)
WHITE = (255, 255, 255)
NAVY = (11, 60, 125)
BLUE = (21, 101, 192)
ORANGE = (191, 54, 12)
SLATE = (69, 90, 100)
GREEN = (27, 94, 32)
RED = (183, 28, 28)
SHADOW = (200, 206, 214)

TEAL = (0, 105, 92)
PAPER = WHITE
GREY = (176, 184, 192)
KEY = (255, 255, 255)
KEY_EDGE = (150, 160, 172)
AMBER = (255, 236, 179)

STYLE = {
    "field": (BLUE, WHITE),
    "priority_field": (ORANGE, WHITE),
    "priority": (ORANGE, WHITE),
    "back": (SLATE, WHITE),
    "lookup": (TEAL, WHITE),
    "search": (TEAL, WHITE),
    "row": (WHITE, INK),
    "key": (KEY, INK),
    "key_action": (SLATE, WHITE),
    "key_go": (GREEN, WHITE),
    "scroll": (SLATE, WHITE),
    "issue": (GREEN, WHITE),
    "print": (BLUE, WHITE),
}


@functools.lru_cache(maxsize=512)
def font(path: Path, size: int) -> pygame.font.Font:
    """A DejaVu font at ``size`` px (cached; cleared when pygame.font restarts)."""
    return pygame.font.Font(str(path), size)


def measure(path: Path):
    """``measure(text, size) -> (width, line height)`` for ``kiosk.textfit``."""

    def measure_text(text: str, size: int) -> tuple[int, int]:
        f = font(path, size)
        w, _ = f.size(text)
        return w, f.get_height()

    return measure_text


class Painter:
    """Draws fitted text and boxes on one surface and collects overflows."""

    def __init__(self, surface: pygame.Surface) -> None:
        if not pygame.font.get_init():
            pygame.font.init()
            font.cache_clear()  # fonts of an earlier pygame.font session are dead
        self.surface = surface
        self.w, self.h = surface.get_size()
        self.min_size = max(16, round(self.h * 0.03))
        self.overflows: list[Overflow] = []

    def text(
        self,
        text: str,
        rect: Rect,
        *,
        where: str,
        bold: bool = False,
        color: tuple[int, int, int] = INK,
        max_size: int | None = None,
        min_size: int | None = None,
        max_lines: int = 2,
        align: str = "center",
        valign: str = "middle",
    ) -> None:
        """Fit ``text`` into ``rect`` (shrink, then wrap up to ``max_lines``), centred
        or ``align="left"``, in the middle of the box or at its top."""
        x, y, w, h = rect
        if not text or w <= 0 or h <= 0:
            return
        path = BOLD if bold else REGULAR
        top = max_size or h
        low = min(min_size or self.min_size, top)
        fitted = fit(
            text,
            measure(path),
            w,
            h,
            max_size=top,
            min_size=low,
            max_lines=max_lines,
            spacing=1.08,
        )
        if fitted.overflow:
            self.overflows.append(Overflow(where, text, (w, h), fitted.size))
        face = font(path, fitted.size)
        ty = y + (h - fitted.height) // 2 if valign == "middle" else y
        for line in fitted.lines:
            img = face.render(line, True, color)
            lx = x if align == "left" else x + (w - img.get_width()) // 2
            self.surface.blit(img, (lx, ty))
            ty += fitted.line_height

    def box(self, rect: Rect, color: tuple[int, int, int], radius: int = 0) -> None:
        pygame.draw.rect(self.surface, color, pygame.Rect(rect), border_radius=radius)

    def header(self, title: str, subtitle: str, color: Color, clear: int = 0) -> None:
        """The screen's top band in ``color``: the title large on one line, the
        subtitle (if any) below it, both white; the title keeps ``clear`` pixels
        free at each end, for a mark drawn there."""
        fr = frame((self.w, self.h), footer=False)
        _, y, w, h = fr.header
        self.box(fr.header, color)
        self.text(
            title,
            (fr.pad + clear, y + round(h * 0.06), w - 2 * fr.pad - 2 * clear, round(h * 0.56)),
            where="title",
            bold=True,
            color=WHITE,
            max_lines=1,
        )
        if subtitle:
            self.text(
                subtitle,
                (fr.pad, y + round(h * 0.62), w - 2 * fr.pad, round(h * 0.32)),
                where="subtitle",
                color=WHITE,
                max_lines=1,
            )

    def radius(self) -> int:
        return max(6, round(min(self.w, self.h) * 0.02))

    def button(
        self,
        b: ButtonBox,
        *,
        max_size: int,
        detail_size: int | None = None,
        max_lines: int = 2,
        align: str = "center",
        radius: int | None = None,
    ) -> None:
        """A button as the layout placed it: a shadow, the box in its style's colours
        (greyed when disabled), the label, and the detail line below it if any."""
        x, y, w, h = b.rect
        if w <= 0 or h <= 0:
            return
        bg, fg = STYLE[b.style]
        light = bg == WHITE
        if not b.enabled:
            bg, fg = (BG, GREY) if light else (GREY, WHITE)
        r = self.radius() if radius is None else radius
        shadow = max(2, round(self.h * 0.006))
        self.box((x, y + shadow, w, h), SHADOW, r)
        self.box(b.rect, bg, r)
        if light:
            edge = max(1, round(self.h * 0.003))
            pygame.draw.rect(
                self.surface, KEY_EDGE, pygame.Rect(b.rect), width=edge, border_radius=r
            )
        padx = max(6, round(min(w * 0.04, self.h * 0.03)))
        pady = max(3, round(h * 0.05))
        ix, iy, iw, ih = x + padx, y + pady, w - 2 * padx, h - 2 * pady
        where = f"button {'/'.join(b.target)}"
        label_h = round(ih * 0.62) if b.detail else ih
        self.text(
            b.label,
            (ix, iy, iw, label_h),
            where=where,
            bold=True,
            color=fg,
            max_size=max_size,
            max_lines=max_lines,
            align=align,
        )
        if b.detail:
            gap = round(ih * 0.04)
            self.text(
                b.detail,
                (ix, iy + label_h + gap, iw, ih - label_h - gap),
                where=where + " detail",
                color=fg,
                max_size=detail_size or round(self.h * 0.05),
                max_lines=1,
                align=align,
            )
