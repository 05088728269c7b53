"""Draw the procedure look-up screens (called by ``kiosk.render.draw``).

The detail screen's text is laid out as a flow (``detail_flow``): the checklist
blocks of ``sothutu.procedures.checklist`` wrapped at the content's width,
with the whole name however long, so nothing is cut. Its height gives the
scroll range (``scroll_limit``), which the app passes to the state with each
scroll. A word wider than the content (a long URL) is an ``Overflow``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import pygame

from kiosk import lookup_layout as ll
from kiosk import typeset, words
from kiosk.geometry import ButtonBox, Rect, frame
from kiosk.lookup import FAULT, PRINTED, PRINTING
from kiosk.paint import (
    AMBER,
    BG,
    GREEN,
    INK,
    KEY_EDGE,
    MUTED,
    NAVY,
    RED,
    SLATE,
    TEAL,
    WHITE,
    Drawn,
    Painter,
)
from kiosk.state import KioskState, Screen
from kiosk.textfit import Overflow, wrap
from kiosk.typeset import font, measure
from sothutu.fonts import BOLD, REGULAR
from sothutu.procedures.checklist import HEADING, ITEM, META, NOTE, TITLE, checklist
from sothutu.procedures.model import Procedure


def draw(p: Painter, state: KioskState) -> None:
    screen = state.screen
    if screen is Screen.LOOKUP:
        _lookup(p, state)
    elif screen is Screen.SEARCH:
        _search(p, state)
    elif screen is Screen.RESULTS:
        _results(p, state)
    elif screen is Screen.DETAIL:
        _detail(p, state)


# --- shared pieces -------------------------------------------------------------------


def _sample(state: KioskState) -> bool:
    return state.catalogue is not None and state.catalogue.sample


def _tag(p: Painter, rect: Rect) -> None:
    """The small "Dữ liệu mẫu" mark of a sample catalogue."""
    p.box(rect, AMBER, max(4, rect[3] // 4))
    x, y, w, h = rect
    pad = max(2, h // 8)
    p.text(
        words.SAMPLE,
        (x + pad, y + pad, w - 2 * pad, h - 2 * pad),
        where="sample tag",
        bold=True,
        color=INK,
        max_lines=1,
    )


def _tag_size(p: Painter) -> tuple[int, int]:
    return round(p.h * 0.07 * 4.8), round(p.h * 0.07)


def _header(p: Painter, state: KioskState, title: str, subtitle: str) -> None:
    """The look-up's teal band; a sample catalogue's mark at its right end, and
    the title kept centred, clear of it."""
    if not _sample(state):
        p.header(title, subtitle, TEAL)
        return
    fr = frame((p.w, p.h), footer=False)
    _, y, w, _ = fr.header
    tw, th = _tag_size(p)
    p.header(title, subtitle, TEAL, clear=tw + fr.pad)
    _tag(p, (w - fr.pad - tw, y + fr.pad // 2, tw, th))


def _row(p: Painter, rect: Rect, name: str, where: str, preview: bool = False) -> None:
    """A result: the procedure's name on a white card with a teal edge, at the list's
    one size. In a ``preview`` (the first result above the keyboard) the row is as
    tall as a finger needs and a longer name ends in "…" (tapping it shows it whole)."""
    x, y, w, h = rect
    r = max(4, round(p.h * 0.012))
    p.box((x, y + 2, w, h), KEY_EDGE, r)
    p.box(rect, WHITE, r)
    bar = max(4, round(p.h * 0.013))
    p.box((x, y, bar, h), TEAL, r)
    tx, ty, tw, th = ll.row_text_box(rect, p.h)
    size = typeset.row_size(p.h)
    lines = typeset.lines_of(name, size, tw, True)
    if preview:
        room = max(
            1, (th - typeset.block_height(1, size, True)) // typeset.line_height(size, True) + 1
        )
        if len(lines) > room:
            lines = (*lines[: room - 1], _elide(lines[room - 1], size, tw))
    p.text(
        "\n".join(lines),
        (tx, ty, tw, th),
        where=where,
        bold=True,
        color=INK,
        max_size=size,
        min_size=size,
        max_lines=len(lines),
        align="left",
    )
    arrow_w = round(p.h * 0.05)
    p.text(
        "›",
        (x + w - arrow_w - (tx - x) // 2, y, arrow_w, h),
        where=where + " arrow",
        bold=True,
        color=TEAL,
        max_size=round(p.h * 0.08),
        max_lines=1,
    )


def _elide(line: str, size: int, width: int) -> str:
    """``line`` with "…" at its end, shortened by words until it fits ``width``."""
    m = measure(BOLD)
    words_ = line.split()
    while words_ and m(" ".join(words_) + " …", size)[0] > width:
        words_.pop()
    return " ".join(words_) + " …"


def _note(p: Painter, rect: Rect, text: str, color: tuple[int, int, int] = MUTED) -> None:
    p.text(text, rect, where="note", color=color, max_size=round(p.h * 0.05), max_lines=3)


# --- the screens ---------------------------------------------------------------------


def _lookup(p: Painter, state: KioskState) -> None:
    _header(p, state, words.LOOKUP_TITLE, words.LOOKUP_PROMPT)
    boxes = ll.buttons(state, (p.w, p.h))
    if state.catalogue is not None and state.catalogue.total == 0:
        _, top, *_ = boxes[0].rect
        x, y, w, h = frame((p.w, p.h), footer=False).body
        below = top + boxes[0].rect[3] + frame((p.w, p.h), footer=False).pad
        _note(p, (x, below, w, y + h - below), words.LOOKUP_EMPTY, INK)
    top_row = [b for b in boxes if b.style in ("back", "search")]
    p.buttons(top_row, max_size=round(p.h * 0.06), detail_size=typeset.body_size(p.h))
    fields = [b for b in boxes if b.style == "field"]
    p.buttons(fields, max_size=round(p.h * 0.065), max_lines=3)


def _search(p: Painter, state: KioskState) -> None:
    size = (p.w, p.h)
    boxes = ll.search_boxes(size, state.keyboard)
    lk = state.lookup
    # the query box: what was typed, with a caret, or a hint
    x, y, w, h = boxes.query
    edge = max(2, round(p.h * 0.006))
    p.box(boxes.query, TEAL, p.radius())
    p.box((x + edge, y + edge, w - 2 * edge, h - 2 * edge), WHITE, p.radius())
    inner_x, inner_w = x + 3 * edge, w - 6 * edge
    if _sample(state):
        tw, th = _tag_size(p)
        _tag(p, (x + w - 2 * edge - tw, y + (h - th) // 2, tw, th))
        inner_w -= tw + 2 * edge
    text_box = (inner_x, y + edge, inner_w, h - 2 * edge)
    if lk.query:
        p.text(
            lk.query + "|",
            text_box,
            where="query",
            bold=True,
            color=INK,
            max_size=round(h * 0.5),
            max_lines=1,
            align="left",
        )
    else:
        p.text(
            words.QUERY_HINT,
            text_box,
            where="query hint",
            color=MUTED,
            max_size=typeset.body_size(p.h),
            max_lines=2,
            align="left",
        )
    # the first result, or what is happening
    rows = ll.strip_rows(state, size)
    if not lk.query.strip():
        _note(p, boxes.strip, words.TYPE_HINT)
    elif not rows:
        _note(p, boxes.strip, words.SEARCHING if lk.searching else words.NOT_FOUND, INK)
    for hit, rect in rows:
        _row(p, rect, hit.name, f"result {hit.code}", preview=True)
    keys = ll.keys(state, size)
    radius = max(4, round(p.h * 0.012))
    letters = [b for b in keys if b.style == "key"]
    p.buttons(letters, max_size=round(letters[0].rect[3] * 0.55), max_lines=1, radius=radius)
    actions = [b for b in keys if b.style != "key"]
    p.buttons(actions, max_size=round(p.h * 0.055), max_lines=2, radius=radius)
    bar = [b for b in ll.buttons(state, size)[:2]]  # back, and "Xem N kết quả"
    p.buttons(bar, max_size=round(p.h * 0.055), max_lines=2)


def _scrollbar(p: Painter, area: Rect, offset: int, limit: int, content: int) -> None:
    if limit <= 0:
        return
    x, y, w, h = area
    bar_w = max(4, round(p.w * 0.006))
    track = (x + w - bar_w, y, bar_w, h)
    p.box(track, (222, 226, 231), bar_w // 2)
    thumb_h = max(bar_w * 3, round(h * h / max(content, 1)))
    thumb_y = y + round((h - thumb_h) * offset / limit)
    p.box((x + w - bar_w, thumb_y, bar_w, thumb_h), SLATE, bar_w // 2)


def _side_buttons(p: Painter, boxes: list[ButtonBox], offset: int, limit: int) -> None:
    """The side column: the actions at one size, ▲ ▼ at another, then "Quay lại"."""
    out = []
    for b in boxes:
        if b.target == ("scroll", "up"):
            b = replace(b, enabled=offset > 0)
        elif b.target == ("scroll", "down"):
            b = replace(b, enabled=offset < limit)
        out.append(b)
    actions = [b for b in out if b.style in ("issue", "print")]
    arrows = [b for b in out if b.style == "scroll"]
    back = [b for b in out if b.style == "back"]
    p.buttons(actions, max_size=round(p.h * 0.06), max_lines=3)
    short = all(len(b.label) == 1 for b in arrows)
    p.buttons(arrows, max_size=round(p.h * (0.065 if short else 0.055)), max_lines=2)
    p.buttons(back, max_size=round(p.h * 0.055), max_lines=2)


def _results(p: Painter, state: KioskState) -> None:
    size = (p.w, p.h)
    lk = state.lookup
    if lk.service:
        field = state.field_named(lk.service)
        title = words.RESULTS_FIELD.format(service=field.name if field else lk.service)
    else:
        title = words.RESULTS_QUERY.format(query=lk.query.strip())
    subtitle = words.SEARCHING if lk.searching else words.RESULTS_COUNT.format(n=lk.total)
    _header(p, state, title, subtitle)
    main, _ = ll.results_area(size)
    limit = ll.results_limit(state, size)
    offset = min(lk.list_scroll, limit)
    if not lk.hits:
        _note(p, main, words.SEARCHING if lk.searching else words.NOT_FOUND, INK)
    p.surface.set_clip(pygame.Rect(main))
    try:
        for hit, rect in ll.result_rows(state, size):
            _row(p, rect, hit.name, f"result {hit.code}")
    finally:
        p.surface.set_clip(None)
    _scrollbar(p, main, offset, limit, ll.results_height(state, size))
    boxes = [b for b in ll.buttons(state, size) if b.target[0] != "result"]
    _side_buttons(p, boxes, offset, limit)


# --- the detail ------------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """One line of the detail's flow (or a checkbox): where, what, how."""

    x: int
    y: int
    text: str
    size: int
    bold: bool = False
    color: tuple[int, int, int] = INK
    box: bool = False  # a checkbox square of side ``size`` instead of text


@dataclass(frozen=True)
class Flow:
    pieces: tuple[Piece, ...]
    height: int
    overflows: tuple[Overflow, ...]


def blocks_of(procedure: Mapping[str, Any]) -> tuple[tuple[str, str, str], ...]:
    """The checklist blocks (kind, text, detail) of a procedure's API JSON."""
    p = Procedure.from_json(dict(procedure))
    service_name = str(procedure.get("service_name", ""))
    return tuple((b.kind, b.text, b.detail) for b in checklist(p, service_name))


def text_size(h: int) -> int:
    """The detail's body text: large, and never below the legible minimum."""
    return max(typeset.min_size(h), round(h * 0.045))


@functools.lru_cache(maxsize=32)
def detail_flow(blocks: tuple[tuple[str, str, str], ...], width: int, screen_h: int) -> Flow:
    """Lay the checklist out at ``width`` px: every line of it, top to bottom."""
    s = text_size(screen_h)
    small = max(typeset.min_size(screen_h), round(s * 0.86))
    title = max(s, round(screen_h * 0.058))
    pieces: list[Piece] = []
    overflows: list[Overflow] = []
    y = 0

    def lines(text, x, size, bold, color, gap_after):
        nonlocal y
        path = BOLD if bold else REGULAR
        m = measure(path)
        for line in wrap(text, m, size, width - x):
            if m(line, size)[0] > width - x:
                overflows.append(Overflow("detail", line, (width - x, 0), size))
            pieces.append(Piece(x, y, line, size, bold, color))
            y += round(m(line or " ", size)[1] * 1.1)
        y += gap_after

    for kind, text, detail in blocks:
        if kind == TITLE:
            lines(text, 0, title, True, NAVY, round(s * 0.4))
        elif kind == META:
            lines(text, 0, small, False, MUTED, round(s * 0.1))
        elif kind == HEADING:
            y += round(s * 0.7)
            lines(text, 0, s, True, TEAL, round(s * 0.3))
        elif kind == ITEM:
            indent = round(s * 1.5)
            box = round(s * 0.8)
            pieces.append(Piece(0, y + round(s * 0.25), "", box, box=True))
            lines(text, indent, s, False, INK, round(s * 0.05))
            if detail:
                lines(detail, indent, small, False, MUTED, 0)
            y += round(s * 0.35)
        elif kind == NOTE:
            y += round(s * 0.6)
            lines(text, 0, s, True, GREEN, 0)
        else:
            lines(text, 0, s, False, INK, round(s * 0.15))
    return Flow(tuple(pieces), y, tuple(overflows))


def _content_box(size: tuple[int, int]) -> tuple[Rect, Rect]:
    """The detail's card and the text area inside it (room for the scrollbar)."""
    card, _ = ll.detail_area(size)
    x, y, w, h = card
    pad = max(8, round(size[1] * 0.03))
    bar = max(4, round(size[0] * 0.006))
    return card, (x + pad, y + pad, w - 2 * pad - bar, h - 2 * pad)


def scroll_limit(state: KioskState, size: tuple[int, int]) -> int:
    """How far the current screen's content scrolls, in pixels (0: it all fits)."""
    if state.screen is Screen.RESULTS:
        return ll.results_limit(state, size)
    if state.screen is not Screen.DETAIL or state.lookup.procedure is None:
        return 0
    if not pygame.font.get_init():
        pygame.font.init()
    _, inner = _content_box(size)
    flow = detail_flow(blocks_of(state.lookup.procedure), inner[2], size[1])
    return max(0, flow.height - inner[3])


def _detail(p: Painter, state: KioskState) -> None:
    size = (p.w, p.h)
    lk = state.lookup
    proc = lk.procedure
    subtitle = words.LOADING
    if proc is not None:
        subtitle = words.RESULTS_FIELD.format(service=proc.get("service_name", ""))
    _header(p, state, words.DETAIL_TITLE, subtitle)
    card, inner = _content_box(size)
    p.box(card, WHITE, p.radius())
    offset = limit = 0
    if proc is None:
        _note(p, inner, words.LOADING)
    else:
        flow = detail_flow(blocks_of(proc), inner[2], p.h)
        p.overflows.extend(flow.overflows)
        limit = max(0, flow.height - inner[3])
        offset = min(lk.scroll, limit)
        ix, iy, _, ih = inner
        p.surface.set_clip(pygame.Rect(card[0], inner[1], card[2], inner[3]))
        try:
            for piece in flow.pieces:
                top = iy + piece.y - offset
                if top > iy + ih or top + piece.size * 2 < iy:
                    continue
                if piece.box:
                    edge = max(2, piece.size // 9)
                    rect = pygame.Rect(ix + piece.x, top, piece.size, piece.size)
                    pygame.draw.rect(p.surface, INK, rect, width=edge)
                else:
                    face = font(BOLD if piece.bold else REGULAR, piece.size)
                    img = face.render(piece.text, True, piece.color)
                    p.surface.blit(img, (ix + piece.x, top))
                    rect = (ix + piece.x, top, img.get_width(), img.get_height())
                    p.texts.append(
                        Drawn("detail", piece.text, (piece.text,), piece.size, rect, piece.bold)
                    )
        finally:
            p.surface.set_clip(None)
        _scrollbar(p, (card[0], inner[1], card[2] - 4, inner[3]), offset, limit, flow.height)
    _side_buttons(p, ll.buttons(state, size), offset, limit)
    _printing(p, state, card)


def _printing(p: Painter, state: KioskState, card: Rect) -> None:
    """The checklist print's progress, over the bottom of the detail."""
    status = state.lookup.printing
    if status not in (PRINTING, PRINTED, FAULT):
        return
    text, bg = {
        PRINTING: (words.LIST_PRINTING, NAVY),
        PRINTED: (words.LIST_PRINTED, GREEN),
        FAULT: (words.LIST_FAULT, RED),
    }[status]
    x, y, w, h = card
    bh = round(p.h * 0.16)
    band = (x, y + h - bh, w, bh)
    p.box((x, y + h - bh - 3, w, bh + 3), BG, p.radius())
    p.box(band, bg, p.radius())
    pad = max(6, round(p.h * 0.02))
    p.text(
        text,
        (x + pad, band[1] + pad // 2, w - 2 * pad, bh - pad),
        where="checklist print",
        bold=True,
        color=WHITE,
        max_size=round(p.h * 0.055),
        max_lines=2,
    )
