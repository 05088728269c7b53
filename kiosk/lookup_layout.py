"""Where things go on the procedure look-up screens, as plain rectangles.

Like the start screen's (``kiosk.layout``, whose ``buttons`` dispatches here),
every box is a proportion of the screen (``kiosk.geometry``), every tappable one
at least ``geometry.TARGET_SHARE`` of its height (15 mm on a 7" panel: see
``kiosk.panel``), and the renderer draws the very boxes that taps are tested
against. Result rows are as tall as their names at one size for the whole list
(measured with ``kiosk.typeset``), so a long name wraps instead of shrinking;
the detail's text is measured by ``kiosk.lookup_render``.

The keyboard screen is a bar ("Quay lại", the query, "Xem N kết quả"), the first
result, and the keyboard (``kiosk.lookup.KEYBOARDS``), every row as tall as a
finger needs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from kiosk import typeset, words
from kiosk.geometry import (
    TARGET_SHARE,
    ButtonBox,
    Rect,
    clip,
    frame,
    halves,
    pad_of,
    shared_grid,
    split,
    stack,
)
from kiosk.lookup import KEYBOARDS, Hit
from kiosk.state import KioskState, Screen

SEARCH_ROWS = 1  # results shown above the keyboard while typing


@dataclass(frozen=True)
class SearchBoxes:
    """The keyboard screen: back button, query box, results key, result strip, keyboard."""

    back: Rect
    query: Rect
    results: Rect
    strip: Rect
    keyboard: Rect
    key_gap: int


def search_boxes(size: tuple[int, int], keyboard: str = "abc") -> SearchBoxes:
    """Rows of equal height (the bar, the strip, each row of keys), as tall as the
    screen allows: 88 px (15.7 mm on a 7" panel) at 800×480 with the abc keyboard."""
    w, h = size
    pad = max(6, round(h * 0.0167))
    kgap = max(3, round(h * 0.0083))
    k = len(KEYBOARDS[keyboard])
    row = (h - 4 * pad - (k - 1) * kgap) // (2 + k)
    kb_h = k * row + (k - 1) * kgap
    kb_y = h - pad - kb_h
    inner = w - 2 * pad
    back_w = round(inner * 0.19)
    results_w = round(inner * 0.24)
    strip_y = 2 * pad + row
    return SearchBoxes(
        back=(pad, pad, back_w, row),
        query=(2 * pad + back_w, pad, inner - back_w - results_w - 2 * pad, row),
        results=(w - pad - results_w, pad, results_w, row),
        strip=(pad, strip_y, inner, kb_y - pad - strip_y),
        keyboard=(pad, kb_y, inner, kb_h),
        key_gap=kgap,
    )


# --- the screens' parts --------------------------------------------------------------


def visible_fields(state: KioskState) -> list[tuple[str, str, str]]:
    """The fields to browse: (id, name, "N thủ tục"); fields without procedures are
    left out once the server said how many each has."""
    cat = state.catalogue
    out = []
    for f in state.fields:
        if cat is None:
            out.append((f.id, f.name, ""))
        elif cat.count(f.id) > 0:
            out.append((f.id, f.name, words.PROCEDURE_COUNT.format(n=cat.count(f.id))))
    return out


def results_area(size: tuple[int, int]) -> tuple[Rect, Rect]:
    fr = frame(size, footer=False)
    return split(fr.body, 0.22, fr.pad)


def detail_area(size: tuple[int, int]) -> tuple[Rect, Rect]:
    fr = frame(size, footer=False)
    return split(fr.body, 0.3, fr.pad)


def min_row(size: tuple[int, int]) -> int:
    """The least height of anything tapped."""
    return round(size[1] * TARGET_SHARE)


def row_gap(size: tuple[int, int]) -> int:
    return pad_of(size) // 2


def row_text_box(rect: Rect, h: int) -> Rect:
    """Where a result row's name goes: right of its teal bar, left of its arrow."""
    x, y, w, rh = rect
    bar = max(4, round(h * 0.013))
    padx = bar + max(6, round(h * 0.02))
    pady = max(3, round(h * 0.015))
    arrow_w = round(h * 0.05)
    return x + padx, y + pady, w - padx - arrow_w - padx // 2, rh - 2 * pady


@functools.lru_cache(maxsize=64)
def _heights(names: tuple[str, ...], width: int, h: int) -> tuple[int, ...]:
    size = typeset.row_size(h)
    least = round(h * TARGET_SHARE)
    _, _, tw, th = row_text_box((0, 0, width, least), h)
    pads = least - th
    out = []
    for name in names:
        lines = len(typeset.lines_of(name, size, tw, True))
        out.append(max(least, typeset.block_height(lines, size, True) + pads))
    return tuple(out)


def row_heights(state: KioskState, size: tuple[int, int]) -> tuple[int, ...]:
    """Each result row's height: its whole name at the list's one size, at least a
    finger's height."""
    main, _ = results_area(size)
    return _heights(tuple(hit.name for hit in state.lookup.hits), main[2], size[1])


def result_rows(state: KioskState, size: tuple[int, int]) -> list[tuple[Hit, Rect]]:
    """The result rows that show in the list's viewport, at their scrolled places
    (the renderer clips them to the viewport)."""
    main, _ = results_area(size)
    x, y, w, h = main
    offset = min(state.lookup.list_scroll, results_limit(state, size))
    out = []
    top = y - offset
    for hit_, rh in zip(state.lookup.hits, row_heights(state, size), strict=True):
        if top + rh > y and top < y + h:
            out.append((hit_, (x, top, w, rh)))
        top += rh + row_gap(size)
    return out


def results_height(state: KioskState, size: tuple[int, int]) -> int:
    """The whole list's height, gaps between rows included."""
    heights = row_heights(state, size)
    return sum(heights) + row_gap(size) * max(0, len(heights) - 1)


def results_limit(state: KioskState, size: tuple[int, int]) -> int:
    """How far the results list scrolls: its height beyond the viewport."""
    main, _ = results_area(size)
    return max(0, results_height(state, size) - main[3])


def page(state: KioskState, size: tuple[int, int]) -> int:
    """How far ▲/▼ move: most of the viewport, so a row cut at its edge shows whole."""
    if state.screen is Screen.RESULTS:
        main, _ = results_area(size)
        return max(min_row(size), round(main[3] * 0.8))
    content, _ = detail_area(size)
    return round(content[3] * 0.8)


def scroll_area(state: KioskState, size: tuple[int, int]) -> Rect | None:
    """The box a finger can drag to scroll, or None on screens that do not scroll."""
    if state.screen is Screen.RESULTS:
        return results_area(size)[0]
    if state.screen is Screen.DETAIL:
        return detail_area(size)[0]
    return None


def key_label(key: str) -> str:
    if len(key) == 1:
        return key.upper()
    return {
        "backspace": words.KEY_BACKSPACE,
        "clear": words.KEY_CLEAR,
        "space": words.KEY_SPACE,
    }[key]


def results_key(state: KioskState, size: tuple[int, int]) -> ButtonBox:
    """ "Xem N kết quả", beside the query: greyed until there is something to see."""
    lk = state.lookup
    label = words.KEY_RESULTS_N.format(n=lk.total) if lk.hits else words.KEY_RESULTS
    box = search_boxes(size, state.keyboard).results
    return ButtonBox(("key", "results"), box, label, style="key_go", enabled=bool(lk.hits))


def keys(state: KioskState, size: tuple[int, int]) -> list[ButtonBox]:
    """The on-screen keyboard: rows of equal units, big keys."""
    boxes = search_boxes(size, state.keyboard)
    return key_boxes(KEYBOARDS[state.keyboard], boxes.keyboard, boxes.key_gap)


def key_boxes(
    rows: tuple[tuple[tuple[str, float], ...], ...], area: Rect, gap: int
) -> list[ButtonBox]:
    """Keys of ``rows`` ((key, width in units); "" is a gap) filling ``area``: a
    character's label is its capital, the others' their words (``key_label``)."""
    x, y, w, h = area
    units = max(sum(u for _, u in row) for row in rows)
    key_h = (h - gap * (len(rows) - 1)) / len(rows)
    step = (w + gap) / units  # one unit and its gap
    out = []
    for r, row in enumerate(rows):
        at = 0.0
        ky = round(y + r * (key_h + gap))
        for key, width in row:
            kx, kw = x + at * step, width * step - gap
            at += width
            if not key:
                continue
            style = "key" if len(key) == 1 else "key_action"
            out.append(
                ButtonBox(
                    ("key", key),
                    (round(kx), ky, round(kw), round(key_h)),
                    key_label(key),
                    style=style,
                )
            )
    return out


def strip_rows(state: KioskState, size: tuple[int, int]) -> list[tuple[Hit, Rect]]:
    """The first results above the keyboard."""
    x, y, w, h = search_boxes(size, state.keyboard).strip
    gap = pad_of(size) // 2
    row_h = (h - gap * (SEARCH_ROWS - 1)) // SEARCH_ROWS
    hits = state.lookup.hits[:SEARCH_ROWS]
    return [(hit_, (x, y + i * (row_h + gap), w, row_h)) for i, hit_ in enumerate(hits)]


def buttons(state: KioskState, size: tuple[int, int]) -> list[ButtonBox]:
    """Every tappable box of a look-up screen."""
    screen = state.screen
    if screen is Screen.LOOKUP:
        return _lookup(state, size)
    if screen is Screen.SEARCH:
        boxes = search_boxes(size, state.keyboard)
        out = [ButtonBox(("back",), boxes.back, words.BACK, style="back")]
        out.append(results_key(state, size))
        out += [
            ButtonBox(("result", h.code), r, h.name, style="row")
            for h, r in strip_rows(state, size)
        ]
        return out + keys(state, size)
    if screen is Screen.RESULTS:
        main, side = results_area(size)
        out = [
            ButtonBox(("result", h.code), clip(r, main), h.name, style="row")
            for h, r in result_rows(state, size)
        ]
        return out + _scroll_column(side, pad_of(size) // 2 * 2, with_back=True)
    if screen is Screen.DETAIL:
        return _detail(state, size)
    return []


def _lookup(state: KioskState, size: tuple[int, int]) -> list[ButtonBox]:
    """ "Quay lại" and "Gõ tên thủ tục để tìm" in one row, the fields below."""
    fr = frame(size, footer=False)
    x, y, w, h = fr.body
    top_h = min_row(size)
    back_w = round(w * 0.22)
    out = [ButtonBox(("back",), (x, y, back_w, top_h), words.BACK, style="back")]
    if state.catalogue is None or state.catalogue.total > 0:
        out.append(
            ButtonBox(
                ("search",),
                (x + back_w + fr.pad, y, w - back_w - fr.pad, top_h),
                words.SEARCH_BUTTON,
                words.NO_ACCENTS,
                "search",
            )
        )
        fields = visible_fields(state)
        area = (x, y + top_h + fr.pad, w, h - top_h - fr.pad)
        needs = typeset.name_needs([name for _, name, _ in fields], size[1])
        for (sid, name, detail), rect in zip(fields, shared_grid(needs, area, fr.pad), strict=True):
            out.append(ButtonBox(("browse", sid), rect, name, detail, "field"))
    return out


def _scroll_column(side: Rect, gap: int, with_back: bool) -> list[ButtonBox]:
    shares = [1.0, 1.0, 1.0] if with_back else [1.0, 1.0]
    rects = stack(side, shares, gap)
    out = [
        ButtonBox(("scroll", "up"), rects[0], words.UP, style="scroll"),
        ButtonBox(("scroll", "down"), rects[1], words.DOWN, style="scroll"),
    ]
    if with_back:
        out.append(ButtonBox(("back",), rects[2], words.BACK, style="back"))
    return out


def _detail(state: KioskState, size: tuple[int, int]) -> list[ButtonBox]:
    """The side column: take a number, print the list, ▲ ▼, back: four equal rows.
    While no ticket can be taken (closed, a stopped printer) the first is greyed and
    says why."""
    _, side = detail_area(size)
    gap = pad_of(size) // 2 * 2
    issue, printing, arrows, back = stack(side, [1.0, 1.0, 1.0, 1.0], gap)
    up, down = halves(arrows, gap)
    lk = state.lookup
    loaded = lk.procedure is not None
    label = words.ISSUE_FOR_PROCEDURE
    if state.closed:
        label = words.CLOSED_BUTTON
    elif state.stopped:
        label = words.PRINTER_STOPPED_BUTTON
    return [
        ButtonBox(("issue",), issue, label, style="issue", enabled=loaded and not state.stopped),
        ButtonBox(
            ("print",),
            printing,
            words.PRINT_CHECKLIST,
            style="print",
            enabled=loaded and lk.printing != "printing",
        ),
        ButtonBox(("scroll", "up"), up, words.UP_SHORT, style="scroll"),
        ButtonBox(("scroll", "down"), down, words.DOWN_SHORT, style="scroll"),
        ButtonBox(("back",), back, words.BACK, style="back"),
    ]
