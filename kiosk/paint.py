"""Drawing helpers the kiosk's screens share: colours and a ``Painter``.

``Painter.text`` fits every text into its box with ``kiosk.textfit`` (wrap, then
shrink, never below ``kiosk.typeset.min_size``) in DejaVu Sans, and records an
``Overflow`` when a text does not fit at that size, so tests fail on it instead
of a citizen finding a cut-off word. ``Painter.buttons`` draws a group of
buttons (a row of fields, the keys of a keyboard) with one size for all their
labels. Every text drawn is kept in ``Painter.texts`` with its size, so tests
measure what a citizen sees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pygame

from kiosk import typeset
from kiosk.geometry import ButtonBox, Rect, frame
from kiosk.textfit import Fit, Overflow, fit

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
    "booking": (NAVY, WHITE),
    "search": (TEAL, WHITE),
    "row": (WHITE, INK),
    "key": (KEY, INK),
    "key_action": (SLATE, WHITE),
    "key_go": (GREEN, WHITE),
    "scroll": (SLATE, WHITE),
    "issue": (GREEN, WHITE),
    "print": (BLUE, WHITE),
}

SPACING = 1.08  # line height as a share of the font's


@dataclass(frozen=True)
class Drawn:
    """One text as drawn: where (the caller's name for it), its lines, its size, its box."""

    where: str
    text: str
    lines: tuple[str, ...]
    size: int
    rect: Rect
    bold: bool


class Painter:
    """Draws fitted text and boxes on one surface; collects overflows and texts."""

    def __init__(self, surface: pygame.Surface) -> None:
        typeset.ready()
        self.surface = surface
        self.w, self.h = surface.get_size()
        self.min_size = typeset.min_size(self.h)
        self.overflows: list[Overflow] = []
        self.texts: list[Drawn] = []

    def fit(
        self,
        text: str,
        rect: Rect,
        *,
        bold: bool = False,
        max_size: int | None = None,
        min_size: int | None = None,
        max_lines: int = 2,
    ) -> Fit:
        """How ``text`` fits ``rect`` (the largest size, wrapping first), not drawn."""
        _, _, w, h = rect
        top = max(max_size or h, 1)
        low = min(max(min_size or 0, self.min_size), top)
        return fit(
            text,
            typeset.measure(typeset.face(bold)),
            max(w, 1),
            max(h, 1),
            max_size=top,
            min_size=low,
            max_lines=max_lines,
            spacing=SPACING,
        )

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
    ) -> Fit | None:
        """Fit ``text`` into ``rect`` (wrap up to ``max_lines``, then shrink, never below
        the screen's smallest size), centred or ``align="left"``, in the middle of the
        box or at its top."""
        x, y, w, h = rect
        if not text or w <= 0 or h <= 0:
            return None
        fitted = self.fit(
            text, rect, bold=bold, max_size=max_size, min_size=min_size, max_lines=max_lines
        )
        if fitted.overflow:
            self.overflows.append(Overflow(where, text, (w, h), fitted.size))
        self.texts.append(Drawn(where, text, fitted.lines, fitted.size, rect, bold))
        face = typeset.font(typeset.face(bold), fitted.size)
        ty = y + (h - fitted.height) // 2 if valign == "middle" else y
        for line in fitted.lines:
            img = face.render(line, True, color)
            lx = x if align == "left" else x + (w - img.get_width()) // 2
            self.surface.blit(img, (lx, ty))
            ty += fitted.line_height
        return fitted

    def box(self, rect: Rect, color: tuple[int, int, int], radius: int = 0) -> None:
        pygame.draw.rect(self.surface, color, pygame.Rect(rect), border_radius=radius)

    def header(
        self, title: str, subtitle: str, color: Color, clear: int = 0, bold_subtitle: bool = False
    ) -> None:
        """The screen's top band in ``color``: the title large on one line, the
        subtitle (if any) below it, both white; the title keeps ``clear`` pixels
        free at each end, for a mark drawn there."""
        fr = frame((self.w, self.h), footer=False)
        _, y, w, h = fr.header
        self.box(fr.header, color)
        title_h = round(h * (0.58 if subtitle else 0.8))
        self.text(
            title,
            (fr.pad + clear, y + round(h * 0.05), w - 2 * fr.pad - 2 * clear, title_h),
            where="title",
            bold=True,
            color=WHITE,
            max_lines=1,
        )
        if subtitle:
            top = y + round(h * 0.05) + title_h
            self.text(
                subtitle,
                (fr.pad, top, w - 2 * fr.pad, y + h - top - round(h * 0.04)),
                where="subtitle",
                bold=bold_subtitle,
                color=WHITE,
                max_lines=1,
            )

    def radius(self) -> int:
        return max(6, round(min(self.w, self.h) * 0.02))

    def _inner(self, b: ButtonBox) -> Rect:
        x, y, w, h = b.rect
        padx = min(typeset.pad_x(self.h), max(4, w // 10))
        pady = max(3, round(h * 0.05))
        return x + padx, y + pady, w - 2 * padx, h - 2 * pady

    def _face(self, b: ButtonBox, radius: int | None) -> Color:
        """The button's shadow and box; returns its text colour."""
        x, y, w, h = b.rect
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
        return fg

    def buttons(
        self,
        boxes: Sequence[ButtonBox],
        *,
        max_size: int,
        detail_size: int | None = None,
        max_lines: int = 2,
        detail_lines: int = 1,
        align: str = "center",
        radius: int | None = None,
    ) -> None:
        """A group of buttons as the layout placed them, every label at one size and
        every detail (the line below, e.g. the waiting count) at another: the largest
        at which each fits its own button, so no label is smaller than its
        neighbours'. Greyed when disabled."""
        boxes = [b for b in boxes if b.rect[2] > 0 and b.rect[3] > 0]
        if not boxes:
            return
        dmax = detail_size or typeset.body_size(self.h)
        d = min(
            (
                self.fit(
                    b.detail,
                    (0, 0, self._inner(b)[2], round(self._inner(b)[3] * 0.5)),
                    max_size=dmax,
                    max_lines=detail_lines,
                ).size
                for b in boxes
                if b.detail
            ),
            default=dmax,
        )
        gap = max(2, round(self.h * 0.008))

        def detail_h(b: ButtonBox) -> int:
            if not b.detail:
                return 0
            f = self.fit(b.detail, self._inner(b), max_size=d, min_size=d, max_lines=detail_lines)
            return f.height + gap

        def label_size() -> int:
            return min(
                self.fit(
                    b.label,
                    (0, 0, self._inner(b)[2], self._inner(b)[3] - detail_h(b)),
                    bold=True,
                    max_size=max_size,
                    max_lines=max_lines,
                ).size
                for b in boxes
            )

        s = label_size()
        if d > max(self.min_size, round(s * 0.85)):
            # A detail is secondary: smaller than the label, which then has more room.
            d = max(self.min_size, round(s * 0.85))
            s = label_size()
        for b in boxes:
            fg = self._face(b, radius)
            ix, iy, iw, ih = self._inner(b)
            where = f"button {'/'.join(b.target)}"
            below = detail_h(b)
            avail = ih - below
            label = self.fit(
                b.label, (0, 0, iw, avail), bold=True, max_size=s, min_size=s, max_lines=max_lines
            )
            top = iy + max(0, (avail - label.height) // 2)
            self.text(
                b.label,
                (ix, top, iw, avail - (top - iy)),
                where=where,
                bold=True,
                color=fg,
                max_size=s,
                min_size=s,
                max_lines=max_lines,
                align=align,
                valign="top",
            )
            if b.detail:
                self.text(
                    b.detail,
                    (ix, top + label.height + gap, iw, below - gap),
                    where=where + " detail",
                    color=fg,
                    max_size=d,
                    min_size=d,
                    max_lines=detail_lines,
                    align=align,
                    valign="top",
                )

    def button(self, b: ButtonBox, **kw) -> None:
        """One button (a group of one)."""
        self.buttons([b], **kw)
