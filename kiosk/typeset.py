"""The kiosk's type: its sizes, and measuring DejaVu text with pygame's fonts.

Sizes are shares of the screen's height, like the layout, so a 7" screen at
800×480 and one at 1024×600 show the same millimetres. ``min_size`` is the
smallest body text anywhere (18 px at 800×480); texts wrap before they shrink,
and buttons of a group share one size (``kiosk.paint.Painter.buttons``).

The layout measures with these too (a result row is as tall as its name, a
field's button as wide as its name needs), so it draws and hit-tests the same
boxes.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import pygame

from kiosk.textfit import Measure, wrap
from sothutu.fonts import BOLD, REGULAR

MIN_SHARE = 0.0375  # 18 px at 480 px high
BODY_SHARE = 0.046  # 22 px at 480
ROW_SHARE = 0.05  # a result row's name: 24 px at 480


def min_size(h: int) -> int:
    """The smallest text on a screen ``h`` pixels high."""
    return math.ceil(h * MIN_SHARE - 1e-9)


def body_size(h: int) -> int:
    return max(min_size(h), round(h * BODY_SHARE))


def row_size(h: int) -> int:
    return max(min_size(h), round(h * ROW_SHARE))


def pad_x(h: int) -> int:
    """The space left and right of a button's words."""
    return max(6, round(h * 0.03))


@functools.lru_cache(maxsize=512)
def font(path: Path, size: int) -> pygame.font.Font:
    """A DejaVu font at ``size`` px (cached; cleared when pygame.font restarts)."""
    return pygame.font.Font(str(path), size)


def ready() -> None:
    """Start pygame's fonts if they are not (dropping fonts of an earlier start)."""
    if not pygame.font.get_init():
        pygame.font.init()
        font.cache_clear()


def measure(path: Path) -> Measure:
    """``measure(text, size) -> (width, line height)`` for ``kiosk.textfit``."""

    def measure_text(text: str, size: int) -> tuple[int, int]:
        f = font(path, size)
        w, _ = f.size(text)
        return w, f.get_height()

    return measure_text


def face(bold: bool) -> Path:
    return BOLD if bold else REGULAR


@functools.lru_cache(maxsize=4096)
def lines_of(text: str, size: int, width: int, bold: bool) -> tuple[str, ...]:
    """``text`` wrapped at ``width`` pixels in DejaVu at ``size``."""
    ready()
    return tuple(wrap(text, measure(face(bold)), size, width))


def line_height(size: int, bold: bool, spacing: float = 1.08) -> int:
    ready()
    return round(font(face(bold), size).get_height() * spacing)


def block_height(lines: int, size: int, bold: bool, spacing: float = 1.08) -> int:
    """The height of ``lines`` lines as ``kiosk.textfit`` stacks them."""
    if lines <= 0:
        return 0
    ready()
    first = font(face(bold), size).get_height()
    return first + line_height(size, bold, spacing) * (lines - 1)


@functools.lru_cache(maxsize=4096)
def need_width(text: str, size: int, lines: int, bold: bool) -> int:
    """The narrowest width (px) in which ``text`` wraps into at most ``lines`` lines
    at ``size`` (its longest word's width when no width is narrow enough)."""
    ready()
    m = measure(face(bold))
    full = m(text, size)[0]
    widest_word = max((m(w, size)[0] for w in text.split()), default=0)
    lo, hi = widest_word, max(full, widest_word)
    while lo < hi:
        mid = (lo + hi) // 2
        if len(wrap(text, m, size, mid)) <= lines:
            hi = mid
        else:
            lo = mid + 1
    return lo


def name_needs(names: list[str], h: int, lines: int = 2) -> list[float]:
    """The width each button needs for its name in ``lines`` bold lines at the body
    size, with the button's padding (``geometry.shared_grid`` shares rows by it)."""
    size, pad = body_size(h), 2 * pad_x(h)
    return [need_width(n, size, lines, True) + pad for n in names]
