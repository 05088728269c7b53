"""Text that fits its box: the largest size that fits, or an overflow report.

Drawn with ``pygame.freetype`` and the shipped DejaVu fonts: ``pygame.font``
clips the stacked marks of capitals such as "Ễ" at the top of its surfaces,
freetype gives the real ink box. ``Painter.text()`` shrinks a text until its
ink fits the box (one line, or wrapped onto a few), places it on a common
baseline, and records an overflow (name, text, box) when even the smallest
allowed size does not fit; tests fail on any overflow. Fits and rendered
glyph surfaces are cached, so redrawing an unchanged screen costs blits only.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import pygame
import pygame.freetype

from sothutu.fonts import FONT_DIR

FONT_FILES = {
    "regular": "DejaVuSans.ttf",
    "bold": "DejaVuSans-Bold.ttf",
    "condensed": "DejaVuSansCondensed-Bold.ttf",
}
Color = tuple[int, int, int]


@dataclass(frozen=True)
class Overflow:
    """A text that did not fit its box even at the smallest allowed size."""

    name: str
    text: str
    box: tuple[int, int, int, int]
    size: int
    needed: tuple[int, int]  # ink width and height at that size

    def __str__(self) -> str:
        return (
            f"{self.name}: {self.text!r} needs {self.needed[0]}x{self.needed[1]} at {self.size}px, "
            f"box is {self.box[2]}x{self.box[3]}"
        )


class _Lru(OrderedDict):
    def __init__(self, capacity: int) -> None:
        super().__init__()
        self.capacity = capacity

    def put(self, key, value) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.capacity:
            self.popitem(last=False)


class Fonts:
    """The three DejaVu faces, with caches of ink boxes, fits and rendered texts."""

    def __init__(self, font_dir: Path = FONT_DIR) -> None:
        if not pygame.freetype.get_init():
            pygame.freetype.init()
        self._faces: dict[str, pygame.freetype.Font] = {}
        for kind, name in FONT_FILES.items():
            face = pygame.freetype.Font(str(font_dir / name), 24)
            face.antialiased = True
            face.kerning = True
            self._faces[kind] = face
        self._ink: _Lru = _Lru(4096)
        self._surfaces: _Lru = _Lru(512)
        self.fits: _Lru = _Lru(2048)
        self._metrics: dict[tuple[str, int], tuple[int, int, int]] = {}

    def ink(self, kind: str, text: str, size: int) -> pygame.Rect:
        """The ink box of ``text``: x from the pen, y = height above the baseline."""
        key = (kind, text, size)
        rect = self._ink.get(key)
        if rect is None:
            rect = self._faces[kind].get_rect(text, size=size)
            self._ink.put(key, rect)
        return rect

    def metrics(self, kind: str, size: int, plain: bool = False) -> tuple[int, int, int]:
        """(cap height, highest mark above the baseline, lowest below) for a line at ``size``.

        The extremes come from the tallest Vietnamese capitals and the deepest
        descenders, so every line of the same size shares one baseline and height.
        ``plain`` is for ticket codes (capitals, Đ and digits): no marks, no descenders.
        """
        key = (kind, size, plain)
        m = self._metrics.get(key)
        if m is None:
            cap = self.ink(kind, "H", size).height
            tall = self.ink(kind, "ĐH0" if plain else "ỄẴỖẪ", size)
            deep = self.ink(kind, "Q0" if plain else "gjpqyỵỹ", size)
            m = (cap, tall.y, max(0, deep.height - deep.y))
            self._metrics[key] = m
        return m

    def render(self, kind: str, text: str, size: int, color: Color) -> pygame.Surface:
        key = (kind, text, size, color)
        surf = self._surfaces.get(key)
        if surf is None:
            surf, _ = self._faces[kind].render(text, color, size=size)
            self._surfaces.put(key, surf)
        return surf


@dataclass
class Painter:
    """Draws fitted texts on a surface and collects overflows and named ink boxes."""

    surface: pygame.Surface
    fonts: Fonts
    overflows: list[Overflow] = field(default_factory=list)
    boxes: dict[str, pygame.Rect] = field(default_factory=dict)

    def _wrap(self, kind: str, text: str, size: int, width: int) -> list[str]:
        words = text.split()
        lines: list[str] = []
        line = ""
        for w in words:
            trial = f"{line} {w}" if line else w
            if not line or self.fonts.ink(kind, trial, size).width <= width:
                line = trial
            else:
                lines.append(line)
                line = w
        if line:
            lines.append(line)
        return lines or [""]

    def _layout(
        self, kind: str, text: str, size: int, box: pygame.Rect, max_lines: int, plain: bool
    ) -> tuple[list[str], bool]:
        """Lines of ``text`` at ``size`` and whether they fit ``box``."""
        _, above, below = self.fonts.metrics(kind, size, plain)
        line_h = above + below
        lines = [text] if max_lines == 1 else self._wrap(kind, text, size, box.width)
        if len(lines) > max_lines:
            return lines, False
        widest = max(self.fonts.ink(kind, ln, size).width for ln in lines)
        gap = int(line_h * 0.08)
        height = line_h * len(lines) + gap * (len(lines) - 1)
        return lines, widest <= box.width and height <= box.height

    def fit(
        self,
        kind: str,
        text: str,
        box: pygame.Rect,
        max_size: int,
        min_size: int,
        max_lines: int = 1,
        plain: bool = False,
    ) -> tuple[int, list[str], bool]:
        """The largest size in [min_size, max_size] at which ``text`` fits ``box``."""
        key = (kind, text, box.width, box.height, max_size, min_size, max_lines, plain)
        hit = self.fonts.fits.get(key)
        if hit is not None:
            return hit
        lo, hi = max(1, min(min_size, max_size)), max(1, max_size)
        lines, ok = self._layout(kind, text, lo, box, max_lines, plain)
        best = (lo, lines, ok)
        if ok:
            while lo < hi:  # fitting is monotonic in size: binary search
                mid = (lo + hi + 1) // 2
                lines, ok = self._layout(kind, text, mid, box, max_lines, plain)
                if ok:
                    lo, best = mid, (mid, lines, True)
                else:
                    hi = mid - 1
        self.fonts.fits.put(key, best)
        return best

    def common_size(
        self,
        kind: str,
        texts: list[str],
        box: pygame.Rect,
        *,
        max_size: int | None = None,
        min_size: int = 8,
        max_lines: int = 1,
        plain: bool = False,
    ) -> int:
        """One size at which every text of a group fits a box of ``box``'s size, so a
        column of names or codes reads evenly (the smallest of their best fits)."""
        box = pygame.Rect(box)
        if max_size is None:
            max_size = max(min_size, box.height * 2)
        sizes = [
            self.fit(kind, t, box, max_size, min_size, max_lines, plain)[0] for t in texts if t
        ]
        return min(sizes, default=max_size)

    def text(
        self,
        name: str,
        text: str,
        box: pygame.Rect,
        color: Color,
        *,
        kind: str = "bold",
        max_size: int | None = None,
        min_size: int = 8,
        align: str = "center",
        max_lines: int = 1,
        plain: bool = False,
    ) -> pygame.Rect:
        """Draw ``text`` as large as fits in ``box``; returns the ink box drawn.

        ``max_size`` defaults to what the box's height allows. A text that does
        not fit at ``min_size`` is drawn clipped to its box and reported. ``plain``
        texts (codes) need no room for marks or descenders.
        """
        box = pygame.Rect(box)
        if not text:
            return pygame.Rect(box.x, box.y, 0, 0)
        if max_size is None:
            max_size = max(min_size, box.height * 2)
        size, lines, ok = self.fit(kind, text, box, max_size, min_size, max_lines, plain)
        cap, above, below = self.fonts.metrics(kind, size, plain)
        line_h = above + below
        gap = int(line_h * 0.08)
        block = line_h * len(lines) + gap * (len(lines) - 1)
        if len(lines) == 1:
            # Centre the capitals in the box, then keep every mark inside it.
            baseline = box.centery + cap // 2
            baseline = max(box.top + above, min(baseline, box.bottom - below))
        else:
            baseline = box.centery - block // 2 + above
        drawn = pygame.Rect(0, 0, 0, 0)
        clip = self.surface.get_clip()
        if not ok:
            widest = max(self.fonts.ink(kind, ln, size).width for ln in lines)
            self.overflows.append(Overflow(name, text, tuple(box), size, (widest, block)))
            self.surface.set_clip(box.clip(clip))
        for ln in lines:
            ink = self.fonts.ink(kind, ln, size)
            if align == "left":
                x = box.left
            elif align == "right":
                x = box.right - ink.width
            else:
                x = box.centerx - ink.width // 2
            top = baseline - ink.y
            self.surface.blit(self.fonts.render(kind, ln, size, color), (x, top))
            r = pygame.Rect(x, top, ink.width, ink.height)
            drawn = r if drawn.width == 0 else drawn.union(r)
            baseline += line_h + gap
        self.surface.set_clip(clip)
        self.boxes[name] = drawn
        return drawn
