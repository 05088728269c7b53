"""Drawing the wall display: ``draw(surface, view)`` paints one whole frame.

Landscape (1920×1080, 1366×768) and portrait (1080×1920) layouts are
computed from the surface's size in units of 1% of its height, so the same
proportions hold on every TV. Every text goes through ``fit.Painter`` and
shrinks to its box; what cannot fit is reported in ``Report.overflows``.
The scrolling notice has its own ``draw_notice`` so the loop can repaint just
that strip between full frames.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pygame

from display.fit import Fonts, Overflow, Painter
from display.state import (
    TEXT_BOOKED,
    TEXT_CALL,
    TEXT_COUNTER,
    TEXT_NO_CALL,
    TEXT_PAUSED,
    TEXT_RECENT,
    TEXT_SERVING,
    TEXT_STALE,
    TEXT_TO_COUNTER,
    TEXT_WAITING,
    View,
)

# Colours: navy ground, white words, yellow codes; red only for trouble.
BG = (7, 20, 43)
PANEL = (16, 38, 74)
PANEL_ALT = (22, 48, 90)
EDGE = (44, 78, 130)
HEADER = (11, 61, 145)
NOTICE_BG = (4, 12, 28)
WHITE = (255, 255, 255)
SOFT = (190, 205, 230)
YELLOW = (255, 204, 0)
LIT_BG = (255, 204, 0)
LIT_FG = (7, 20, 43)
FRESH_ROW = (120, 92, 0)
RED = (200, 30, 30)
PAUSED = (255, 160, 90)
STALE = (120, 132, 150)
STALE_CODE = (150, 150, 120)
BOOKED = (31, 95, 168)  # the "ĐẶT LỊCH" pill


@dataclass(frozen=True)
class Layout:
    """Boxes of one screen size (and counts of counters and fields)."""

    size: tuple[int, int]
    portrait: bool
    unit: float  # 1% of the height
    header: pygame.Rect
    centre: pygame.Rect
    clock: pygame.Rect
    date: pygame.Rect
    headline: pygame.Rect
    recent: pygame.Rect
    counters: pygame.Rect
    waiting: pygame.Rect
    notice: pygame.Rect
    counter_columns: int
    waiting_columns: int
    recent_chips: int


def layout(size: tuple[int, int], counters: int, fields: int) -> Layout:
    """The boxes for a ``size`` screen showing ``counters`` counters and ``fields`` fields."""
    w, h = size
    u = h / 100
    portrait = h > w
    m = round(1.2 * u) if not portrait else round(0.9 * u)
    head_h = round((11 if not portrait else 9) * u)
    notice_h = round((8 if not portrait else 6) * u)
    header = pygame.Rect(0, 0, w, head_h)
    clock_w = round(w * (0.17 if not portrait else 0.30))
    clock = pygame.Rect(w - clock_w - m, round(0.06 * head_h), clock_w, round(0.6 * head_h))
    date = pygame.Rect(clock.x, clock.bottom, clock_w, round(0.30 * head_h))
    centre = pygame.Rect(m, round(0.08 * head_h), w - clock_w - 3 * m, round(0.84 * head_h))
    notice = pygame.Rect(0, h - notice_h, w, notice_h)
    top, bottom = head_h + m, h - notice_h - m
    counter_cols = 1 if counters <= 8 else 2
    waiting_cols = 1 if fields <= (6 if not portrait else 2) else 2
    waiting_rows = max(1, math.ceil(fields / waiting_cols))
    if not portrait:
        split = round(w * 0.57)
        left = pygame.Rect(m, top, split - m - m // 2, bottom - top)
        right = pygame.Rect(split + m // 2, top, w - split - m - m // 2, bottom - top)
        head_panel = pygame.Rect(left.x, left.y, left.w, round(left.h * 0.70))
        recent = pygame.Rect(
            left.x, head_panel.bottom + m, left.w, left.bottom - head_panel.bottom - m
        )
        wait_h = min(round(right.h * 0.45), round((5.5 + 5 * waiting_rows) * u))
        waiting = pygame.Rect(right.x, right.bottom - wait_h, right.w, wait_h)
        counters_box = pygame.Rect(right.x, right.y, right.w, waiting.y - m - right.y)
        chips = 5
    else:
        # Portrait: everything stacked; the headline takes what the lists leave.
        counter_cols = 1 if counters <= 4 else (2 if counters <= 10 else 3)
        counter_rows = max(1, math.ceil(counters / counter_cols))
        body = pygame.Rect(m, top, w - 2 * m, bottom - top)
        wait_h = round((4.5 + 4.6 * waiting_rows) * u)
        count_h = round((4.5 + 3.3 * counter_rows) * u)
        recent_h = round(8.5 * u)
        head_h = body.h - wait_h - count_h - recent_h - 3 * m
        if head_h > 34 * u:  # few counters: their rows get the room
            count_h += head_h - round(34 * u)
            head_h = round(34 * u)
        head_panel = pygame.Rect(body.x, body.y, body.w, head_h)
        recent = pygame.Rect(body.x, head_panel.bottom + m, body.w, recent_h)
        counters_box = pygame.Rect(body.x, recent.bottom + m, body.w, count_h)
        waiting = pygame.Rect(body.x, counters_box.bottom + m, body.w, wait_h)
        chips = 4
    return Layout(
        size=size,
        portrait=portrait,
        unit=u,
        header=header,
        centre=centre,
        clock=clock,
        date=date,
        headline=head_panel,
        recent=recent,
        counters=counters_box,
        waiting=waiting,
        notice=notice,
        counter_columns=counter_cols,
        waiting_columns=waiting_cols,
        recent_chips=chips,
    )


@dataclass
class Report:
    """What a draw did: texts that overflowed and the ink boxes of named texts."""

    overflows: list[Overflow] = field(default_factory=list)
    boxes: dict[str, pygame.Rect] = field(default_factory=dict)
    notice_scrolls: bool = False
    notice_width: int = 0


class Renderer:
    """Draws views on surfaces of any size; keeps fonts and caches between frames."""

    def __init__(self, fonts: Fonts | None = None) -> None:
        self.fonts = fonts or Fonts()
        self._layouts: dict[tuple[tuple[int, int], int, int], Layout] = {}

    def layout_for(self, surface: pygame.Surface, view: View) -> Layout:
        key = (surface.get_size(), len(view.counters), len(view.waiting))
        lay = self._layouts.get(key)
        if lay is None:
            lay = self._layouts[key] = layout(*key)
        return lay

    # --- whole frame -------------------------------------------------------------------

    def draw(
        self, surface: pygame.Surface, view: View, notice_offset: float | None = 0.0
    ) -> Report:
        """Paint the whole frame for ``view``; a notice too long for its strip scrolls,
        moved by ``notice_offset`` px (None: it does not scroll but shrinks to fit)."""
        lay = self.layout_for(surface, view)
        p = Painter(surface, self.fonts)
        surface.fill(BG)
        self._header(p, lay, view)
        self._headline(p, lay, view)
        self._recent(p, lay, view)
        self._counters(p, lay, view)
        self._waiting(p, lay, view)
        report = Report(p.overflows, p.boxes)
        self._notice(p, lay, view, notice_offset, report)
        return report

    def draw_notice(self, surface: pygame.Surface, view: View, offset: float | None) -> pygame.Rect:
        """Repaint only the notice strip (between full frames); returns its box."""
        lay = self.layout_for(surface, view)
        self._notice(Painter(surface, self.fonts), lay, view, offset, Report())
        return lay.notice

    def notice_metrics(self, surface: pygame.Surface, view: View) -> tuple[bool, int]:
        """(whether the notice must scroll to be read whole, its width in px at scroll size)."""
        lay = self.layout_for(surface, view)
        if not view.notice:
            return False, 0
        size = self._notice_size(lay)
        width = self.fonts.ink("regular", view.notice, size).width
        return width > lay.notice.width - 2 * self._margin(lay), width

    # --- parts -------------------------------------------------------------------------

    @staticmethod
    def _margin(lay: Layout) -> int:
        return round(1.5 * lay.unit)

    def _header(self, p: Painter, lay: Layout, view: View) -> None:
        u = lay.unit
        pygame.draw.rect(p.surface, HEADER, lay.header)
        p.text(
            "centre",
            view.centre,
            lay.centre,
            WHITE,
            max_size=round(4.6 * u),
            min_size=round(2.2 * u),
            align="left",
            max_lines=2,
        )
        p.text("clock", view.clock, lay.clock, WHITE, max_size=round(6.5 * u), align="right")
        p.text(
            "date", view.date, lay.date, SOFT, kind="regular", max_size=round(3 * u), align="right"
        )

    def _panel(self, p: Painter, box: pygame.Rect, color=PANEL, edge=EDGE, width: int = 2) -> None:
        radius = max(4, box.height // 20, round(min(box.size) * 0.04))
        pygame.draw.rect(p.surface, color, box, border_radius=radius)
        if edge is not None:
            pygame.draw.rect(p.surface, edge, box, width=width, border_radius=radius)

    def _headline(self, p: Painter, lay: Layout, view: View) -> None:
        box = lay.headline
        u = lay.unit
        pad = round(1.5 * u)
        inner = box.inflate(-2 * pad, -2 * pad)
        if view.banner is not None:
            lost = view.link == "lost"
            self._panel(p, box, RED if lost else PANEL, edge=WHITE if lost else EDGE, width=3)
            top = pygame.Rect(inner.x, inner.y + inner.h * 0.18, inner.w, inner.h * 0.34)
            p.text("banner", view.banner, top, WHITE, max_size=round(9 * u), max_lines=2)
            if view.banner_detail:
                low = pygame.Rect(inner.x, inner.y + inner.h * 0.56, inner.w, inner.h * 0.16)
                p.text(
                    "banner_detail",
                    view.banner_detail,
                    low,
                    WHITE,
                    kind="regular",
                    max_size=round(5 * u),
                )
            if lost:
                low = pygame.Rect(inner.x, inner.y + inner.h * 0.78, inner.w, inner.h * 0.14)
                p.text(
                    "banner_stale", TEXT_STALE, low, WHITE, kind="regular", max_size=round(4 * u)
                )
            return
        h = view.headline
        if h is None:
            self._panel(p, box)
            p.text("no_call", TEXT_NO_CALL, inner, SOFT, kind="regular", max_size=round(5 * u))
            return
        if h.lit:
            self._panel(p, box, LIT_BG, edge=WHITE, width=4)
            label_c, code_c, counter_c = LIT_FG, LIT_FG, LIT_FG
        else:
            self._panel(p, box, PANEL, edge=YELLOW if h.fresh else EDGE, width=4 if h.fresh else 2)
            label_c, code_c, counter_c = WHITE, YELLOW, WHITE
        label = pygame.Rect(inner.x, inner.y, inner.w, inner.h * 0.15)
        code = pygame.Rect(inner.x, label.bottom, inner.w, inner.h * 0.61).inflate(0, -u * 2)
        counter = pygame.Rect(inner.x, code.bottom + u, inner.w, inner.bottom - code.bottom - u)
        if h.booked:  # a pill on the right of the label: why it goes before earlier numbers
            pill = pygame.Rect(0, 0, round(label.w * 0.3), label.h).move(
                label.right - round(label.w * 0.3), label.y
            )
            label = pygame.Rect(label.x, label.y, pill.x - label.x - u, label.h)
            pygame.draw.rect(p.surface, BOOKED, pill, border_radius=max(4, pill.h // 4))
            p.text("booked", TEXT_BOOKED, pill.inflate(-u, -u // 2), WHITE, max_size=round(5 * u))
        p.text("call_label", TEXT_CALL, label, label_c, max_size=round(6 * u))
        # The code: about a fifth of the screen's height (at least 12%), readable from 8 m.
        p.text(
            "code",
            h.code,
            code,
            code_c,
            kind="condensed",
            max_size=round((27 if not lay.portrait else 20) * u),
            min_size=round(8 * u),
            plain=True,
        )
        p.text(
            "call_counter",
            f"{TEXT_TO_COUNTER} {h.counter}",
            counter,
            counter_c,
            max_size=round(12 * u),
        )

    def _recent(self, p: Painter, lay: Layout, view: View) -> None:
        area, pad = self._titled(p, lay, lay.recent, "recent_title", TEXT_RECENT)
        shown = view.recent[: lay.recent_chips]
        n = lay.recent_chips
        gap = pad
        chip_w = (area.w - gap * (n - 1)) / n
        for i, r in enumerate(shown):
            chip = pygame.Rect(round(area.x + i * (chip_w + gap)), area.y, round(chip_w), area.h)
            pygame.draw.rect(p.surface, PANEL_ALT, chip, border_radius=max(4, chip.h // 10))
            if lay.portrait:  # one line: code, then the counter
                inner = chip.inflate(-pad, -pad // 2)
                code_box = pygame.Rect(inner.x, inner.y, inner.w * 0.5, inner.h)
                ctr_box = pygame.Rect(inner.centerx + pad // 3, inner.y, inner.w * 0.48, inner.h)
            else:
                code_box = pygame.Rect(chip.x, chip.y, chip.w, chip.h * 0.6).inflate(-2 * pad, -pad)
                ctr_box = pygame.Rect(
                    chip.x, chip.y + chip.h * 0.58, chip.w, chip.h * 0.38
                ).inflate(-pad, 0)
            code_c, ctr_c = (STALE_CODE, STALE) if view.stale else (YELLOW, WHITE)
            p.text(f"recent_code_{i}", r.code, code_box, code_c, kind="condensed", plain=True)
            p.text(
                f"recent_counter_{i}",
                f"{TEXT_COUNTER} {r.counter}",
                ctr_box,
                ctr_c,
                kind="regular",
            )

    def _grid(
        self, box: pygame.Rect, count: int, columns: int, gap: int, max_h: float
    ) -> list[pygame.Rect]:
        """Equal cells filling ``box`` down each column, at most ``max_h`` tall."""
        rows = max(1, math.ceil(count / columns))
        cell_w = (box.w - gap * (columns - 1)) / columns
        cell_h = min((box.h - gap * (rows - 1)) / rows, max_h)
        cells = []
        for i in range(count):
            col, row = divmod(i, rows)  # fill down the first column, then the next
            cells.append(
                pygame.Rect(
                    round(box.x + col * (cell_w + gap)),
                    round(box.y + row * (cell_h + gap)),
                    round(cell_w),
                    round(cell_h),
                )
            )
        return cells

    def _titled(
        self, p: Painter, lay: Layout, box: pygame.Rect, name: str, text: str
    ) -> tuple[pygame.Rect, int]:
        """A panel with its title at the top left; returns the area below the title
        and the panel's padding."""
        u = lay.unit
        self._panel(p, box)
        pad = round(1.2 * u)
        title_h = round(4 * u) if not lay.portrait else round(3.4 * u)
        title = pygame.Rect(box.x + pad, box.y + pad // 2, box.w - 2 * pad, title_h)
        title_size = round((3.2 if not lay.portrait else 2.4) * u)
        p.text(name, text, title, SOFT, max_size=title_size, align="left")
        return pygame.Rect(
            box.x + pad, title.bottom + pad // 2, box.w - 2 * pad, box.bottom - title.bottom - pad
        ), pad

    def _cells(
        self,
        p: Painter,
        lay: Layout,
        box: pygame.Rect,
        name: str,
        text: str,
        count: int,
        columns: int,
    ) -> tuple[list[pygame.Rect], int]:
        """A titled panel cut into ``count`` cells (at most 9 units tall) in ``columns``;
        returns the cells and the panel's padding."""
        area, pad = self._titled(p, lay, box, name, text)
        return self._grid(area, count, columns, max(2, pad // 2), lay.unit * 9), pad

    def _counters(self, p: Painter, lay: Layout, view: View) -> None:
        cells, pad = self._cells(
            p,
            lay,
            lay.counters,
            "serving_title",
            TEXT_SERVING,
            len(view.counters),
            lay.counter_columns,
        )
        if not cells:
            return
        inner0 = cells[0].inflate(-pad, -max(2, cells[0].h // 7))
        name_w, code_w = round(inner0.w * 0.54), round(inner0.w * 0.44)
        name_probe = pygame.Rect(0, 0, name_w, inner0.h)
        code_probe = pygame.Rect(0, 0, code_w, inner0.h)
        name_size = p.common_size("regular", [c.name for c in view.counters], name_probe)
        codes = [c.code for c in view.counters if c.code] + ["A000"]
        code_size = p.common_size("condensed", codes, code_probe, plain=True)
        for i, (c, cell) in enumerate(zip(view.counters, cells, strict=True)):
            bg = FRESH_ROW if c.fresh else (PANEL_ALT if i % 2 == 0 else PANEL)
            pygame.draw.rect(p.surface, bg, cell, border_radius=max(3, cell.h // 8))
            inner = cell.inflate(-pad, -max(2, cell.h // 7))
            name_box = pygame.Rect(inner.x, inner.y, name_w, inner.h)
            code_box = pygame.Rect(inner.right - code_w, inner.y, code_w, inner.h)
            name_c = STALE if view.stale else WHITE
            p.text(
                f"counter_name_{c.number}",
                c.name,
                name_box,
                name_c,
                kind="regular",
                align="left",
                max_size=name_size,
            )
            if c.status == "paused" and not c.code:
                text, color, kind = TEXT_PAUSED, (STALE if view.stale else PAUSED), "regular"
            elif c.code:
                text, color, kind = c.code, (STALE_CODE if view.stale else YELLOW), "condensed"
            else:
                text, color, kind = "—", STALE if view.stale else SOFT, "regular"
            p.text(
                f"counter_code_{c.number}",
                text,
                code_box,
                color,
                kind=kind,
                align="right",
                max_size=code_size,
                plain=kind == "condensed",
            )

    def _waiting(self, p: Painter, lay: Layout, view: View) -> None:
        cells, pad = self._cells(
            p,
            lay,
            lay.waiting,
            "waiting_title",
            TEXT_WAITING,
            len(view.waiting),
            lay.waiting_columns,
        )
        if not cells:
            return
        inner0 = cells[0].inflate(-pad, -2)
        name_w, count_w = round(inner0.w * 0.80), round(inner0.w * 0.18)
        probe = pygame.Rect(0, 0, name_w, inner0.h)
        u = lay.unit
        name_size = p.common_size(
            "regular",
            [w.name for w in view.waiting],
            probe,
            max_size=round((3.6 if not lay.portrait else 2.8) * u),
            min_size=round(1.4 * u),
            max_lines=2,
        )
        for i, (wr, cell) in enumerate(zip(view.waiting, cells, strict=True)):
            if lay.waiting_columns > 1 or i % 2 == 0:
                pygame.draw.rect(p.surface, PANEL_ALT, cell, border_radius=max(3, cell.h // 8))
            inner = cell.inflate(-pad, -2)
            name_box = pygame.Rect(inner.x, inner.y, name_w, inner.h)
            count_box = pygame.Rect(inner.right - count_w, inner.y, count_w, inner.h)
            name_c, count_c = (STALE, STALE) if view.stale else (WHITE, YELLOW)
            p.text(
                f"waiting_name_{i}",
                wr.name,
                name_box,
                name_c,
                kind="regular",
                align="left",
                max_size=name_size,
                min_size=round(1.4 * u),
                max_lines=2,
            )
            p.text(
                f"waiting_count_{i}",
                str(wr.count),
                count_box,
                count_c,
                align="right",
                max_size=round(name_size * 1.2),
                plain=True,
            )

    def _notice_size(self, lay: Layout) -> int:
        return round(lay.notice.height * 0.5)

    def _notice(
        self, p: Painter, lay: Layout, view: View, offset: float | None, report: Report
    ) -> None:
        strip = lay.notice
        pygame.draw.rect(p.surface, NOTICE_BG, strip)
        pygame.draw.line(p.surface, YELLOW, strip.topleft, (strip.right, strip.top), 2)
        if not view.notice:
            return
        margin = self._margin(lay)
        size = self._notice_size(lay)
        inner = strip.inflate(-2 * margin, -round(strip.height * 0.2))
        width = self.fonts.ink("regular", view.notice, size).width
        report.notice_width = width
        if width <= inner.width or offset is None:
            p.text(
                "notice",
                view.notice,
                inner,
                WHITE,
                kind="regular",
                max_size=size,
                min_size=round(size * 0.4),
                max_lines=2,
            )
            return
        report.notice_scrolls = True
        # A loop: the text, a gap, the text again, moving left by ``offset`` pixels.
        cycle = width + strip.width // 3
        x = strip.left + margin - (offset % cycle)
        clip = p.surface.get_clip()
        p.surface.set_clip(strip)
        cap, _, _ = self.fonts.metrics("regular", size)
        ink = self.fonts.ink("regular", view.notice, size)
        top = strip.centery + cap // 2 - ink.y
        surf = self.fonts.render("regular", view.notice, size, WHITE)
        p.surface.blit(surf, (round(x), top))
        if x + cycle < strip.right:
            p.surface.blit(surf, (round(x + cycle), top))
        p.surface.set_clip(clip)
        p.boxes["notice"] = pygame.Rect(round(x), top, ink.width, ink.height)
