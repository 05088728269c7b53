"""Rectangles on the kiosk screen and the buttons laid out in them (no pygame).

A rectangle is ``(x, y, w, h)`` in pixels. Every screen is cut the same way,
as proportions of its size, so 800×480 and 1920×1080 get the same layout;
``kiosk.layout`` and ``kiosk.lookup_layout`` build the screens' buttons from
these parts, the renderer draws them and ``hit`` tests taps against the very
same boxes, so what a citizen sees is what a tap hits.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

Rect = tuple[int, int, int, int]  # x, y, w, h


@dataclass(frozen=True)
class ButtonBox:
    """One tappable box: what a tap on it means (``target``), where, and its words."""

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


def pad_of(size: tuple[int, int]) -> int:
    """The gap between boxes and around the screen's edge: 2.5 % of the short side."""
    return max(6, round(min(size) * 0.025))


#: A row of buttons as a share of the screen's height: 16.3 mm on a 7" panel
#: (85.9 mm high), over the 15 mm a finger needs (``kiosk.panel``).
TARGET_SHARE = 0.19
HEADER_SHARE = 0.15


def frame(size: tuple[int, int], footer: bool) -> Frame:
    w, h = size
    pad = pad_of(size)
    header_h = round(h * HEADER_SHARE)
    footer_h = round(h * TARGET_SHARE) if footer else 0
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


def rows_of(rects: list[Rect]) -> list[list[int]]:
    """The indexes of ``rects`` by row (same top), top to bottom."""
    rows: dict[int, list[int]] = {}
    for i, r in enumerate(rects):
        rows.setdefault(r[1], []).append(i)
    return [rows[y] for y in sorted(rows)]


def widths(needs: list[float], total: float, least: float = 0) -> list[float]:
    """Share ``total`` among boxes that need at least ``needs``: equal shares when
    every need fits its share, else each box that needs more gets its need and the
    rest share what is left equally (in proportion to the needs when they cannot all
    be met); none narrower than ``least``."""
    n = len(needs)
    if n == 0:
        return []
    want = [max(x, least) for x in needs]
    if sum(want) > total:
        scale = total / sum(want)
        return [x * scale for x in want]
    fixed: dict[int, float] = {}
    while True:
        free = [i for i in range(n) if i not in fixed]
        share = (total - sum(fixed.values())) / len(free)
        big = [i for i in free if want[i] > share]
        if not big:
            return [fixed.get(i, share) for i in range(n)]
        for i in big:
            fixed[i] = want[i]


def shared_grid(needs: list[float], area: Rect, gap: int) -> list[Rect]:
    """``grid``'s rows for buttons whose words need ``needs`` pixels of width: each
    row fills the area's width, shared by ``widths`` (equal unless a name needs more),
    none narrower than an eighth of the area."""
    rects = grid(len(needs), area, gap)
    out = list(rects)
    for row in rows_of(rects):
        total = area[2] - gap * (len(row) - 1)  # a short last row is as wide as the rest
        x = float(area[0])
        for i, w in zip(row, widths([needs[i] for i in row], total, area[2] / 8), strict=True):
            _, y, _, rh = rects[i]
            out[i] = (round(x), y, round(x + w) - round(x), rh)
            x += w + gap
    return out


def split(body: Rect, side_share: float, gap: int) -> tuple[Rect, Rect]:
    """``body`` as a main area on the left and a column of buttons on the right."""
    x, y, w, h = body
    side_w = round(w * side_share)
    return (x, y, w - side_w - gap, h), (x + w - side_w, y, side_w, h)


def stack(area: Rect, shares: list[float], gap: int) -> list[Rect]:
    """``area`` cut into rows of the given shares of its height, top to bottom."""
    x, y, w, h = area
    free = h - gap * (len(shares) - 1)
    total = sum(shares)
    out = []
    for share in shares:
        rh = round(free * share / total)
        out.append((x, y, w, rh))
        y += rh + gap
    last = out[-1]
    out[-1] = (last[0], last[1], last[2], area[1] + h - last[1])  # no rounding gap at the end
    return out


def halves(area: Rect, gap: int) -> tuple[Rect, Rect]:
    """``area`` cut into a left and a right half with ``gap`` between them."""
    x, y, w, h = area
    left = (w - gap) // 2
    return (x, y, left, h), (x + left + gap, y, w - left - gap, h)


def clip(rect: Rect, area: Rect) -> Rect:
    """The part of ``rect`` inside ``area``'s height (a list row scrolled half out)."""
    x, y, w, h = rect
    _, ay, _, ah = area
    top, bottom = max(y, ay), min(y + h, ay + ah)
    return (x, top, w, max(0, bottom - top))


def inside(pos: tuple[float, float], rect: Rect) -> bool:
    x, y, w, h = rect
    return x <= pos[0] < x + w and y <= pos[1] < y + h


def hit(boxes: Iterable[ButtonBox], pos: tuple[float, float]) -> tuple[str, ...] | None:
    """The target of the enabled box under ``pos``, or None."""
    for b in boxes:
        if b.enabled and inside(pos, b.rect):
            return b.target
    return None
