"""Where things go on the procedure look-up screens, as plain rectangles (no pygame).

Like the start screen's (``kiosk.layout``, whose ``buttons`` dispatches here),
every box is a proportion of the screen (``kiosk.geometry``), and the renderer
draws the very boxes that taps are tested against. Result rows have a fixed
height (a long name shrinks, then wraps inside its row), so the list's scroll
range is plain arithmetic; the detail's depends on its wrapped text and is
measured by ``kiosk.lookup_render``.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk import words
from kiosk.geometry import ButtonBox, Rect, clip, frame, grid, halves, pad_of, split, stack
from kiosk.lookup import KEY_ROWS, Hit
from kiosk.state import KioskState, Screen

SEARCH_ROWS = 2  # results shown above the keyboard while typing


@dataclass(frozen=True)
class SearchBoxes:
    """The keyboard screen: back button, query box, result strip, keyboard."""

    back: Rect
    query: Rect
    strip: Rect
    keyboard: Rect


def search_boxes(size: tuple[int, int]) -> SearchBoxes:
    w, h = size
    pad = pad_of(size)
    bar_h = round(h * 0.13)
    back_w = round(w * 0.2)
    kb_h = round(h * 0.46)
    kb_y = h - pad - kb_h
    strip_y = pad + bar_h + pad
    return SearchBoxes(
        back=(pad, pad, back_w, bar_h),
        query=(2 * pad + back_w, pad, w - 3 * pad - back_w, bar_h),
        strip=(pad, strip_y, w - 2 * pad, kb_y - pad - strip_y),
        keyboard=(pad, kb_y, w - 2 * pad, kb_h),
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


def row_height(size: tuple[int, int]) -> int:
    return round(size[1] * 0.2)


def result_rows(state: KioskState, size: tuple[int, int]) -> list[tuple[Hit, Rect]]:
    """The result rows that show in the list's viewport, at their scrolled places
    (the renderer clips them to the viewport)."""
    main, _ = results_area(size)
    x, y, w, h = main
    step = row_height(size) + pad_of(size) // 2
    offset = min(state.lookup.list_scroll, results_limit(state, size))
    out = []
    for i, hit_ in enumerate(state.lookup.hits):
        top = y + i * step - offset
        if top + row_height(size) > y and top < y + h:
            out.append((hit_, (x, top, w, row_height(size))))
    return out


def results_limit(state: KioskState, size: tuple[int, int]) -> int:
    """How far the results list scrolls: its height beyond the viewport."""
    main, _ = results_area(size)
    n = len(state.lookup.hits)
    step = row_height(size) + pad_of(size) // 2
    return max(0, n * step - pad_of(size) // 2 - main[3])


def page(state: KioskState, size: tuple[int, int]) -> int:
    """How far ▲/▼ move: whole rows of the list, most of the detail's viewport."""
    if state.screen is Screen.RESULTS:
        main, _ = results_area(size)
        step = row_height(size) + pad_of(size) // 2
        return max(step, (main[3] // step) * step)
    content, _ = detail_area(size)
    return round(content[3] * 0.8)


def scroll_area(state: KioskState, size: tuple[int, int]) -> Rect | None:
    """The box a finger can drag to scroll, or None on screens that do not scroll."""
    if state.screen is Screen.RESULTS:
        return results_area(size)[0]
    if state.screen is Screen.DETAIL:
        return detail_area(size)[0]
    return None


def key_label(key: str, state: KioskState) -> str:
    if len(key) == 1:
        return key.upper()
    if key == "results":
        n = state.lookup.total
        return words.KEY_RESULTS_N.format(n=n) if state.lookup.hits else words.KEY_RESULTS
    return {
        "backspace": words.KEY_BACKSPACE,
        "clear": words.KEY_CLEAR,
        "space": words.KEY_SPACE,
    }[key]


def keys(state: KioskState, size: tuple[int, int]) -> list[ButtonBox]:
    """The on-screen keyboard: rows of ten units, big keys."""
    x, y, w, h = search_boxes(size).keyboard
    gap = max(3, pad_of(size) // 3)
    rows = len(KEY_ROWS)
    key_h = (h - gap * (rows - 1)) / rows
    step = (w + gap) / 10  # one unit and its gap
    out = []
    for r, row in enumerate(KEY_ROWS):
        at = 0.0
        ky = round(y + r * (key_h + gap))
        for key, units in row:
            kx, kw = x + at * step, units * step - gap
            at += units
            if not key:
                continue
            style = "key" if len(key) == 1 else "key_action"
            enabled = True
            if key == "results":
                style, enabled = "key_go", bool(state.lookup.hits)
            out.append(
                ButtonBox(
                    ("key", key),
                    (round(kx), ky, round(kw), round(key_h)),
                    key_label(key, state),
                    style=style,
                    enabled=enabled,
                )
            )
    return out


def strip_rows(state: KioskState, size: tuple[int, int]) -> list[tuple[Hit, Rect]]:
    """The first results above the keyboard."""
    x, y, w, h = search_boxes(size).strip
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
        boxes = search_boxes(size)
        out = [ButtonBox(("back",), boxes.back, words.BACK, style="back")]
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
    fr = frame(size, footer=True)
    x, y, w, h = fr.body
    out: list[ButtonBox] = []
    fields = visible_fields(state)
    if state.catalogue is None or state.catalogue.total > 0:
        search_h = round(h * 0.32)
        out.append(
            ButtonBox(
                ("search",), (x, y, w, search_h), words.SEARCH_BUTTON, words.NO_ACCENTS, "search"
            )
        )
        area = (x, y + search_h + fr.pad, w, h - search_h - fr.pad)
        for (sid, name, detail), rect in zip(fields, grid(len(fields), area, fr.pad), strict=True):
            out.append(ButtonBox(("browse", sid), rect, name, detail, "field"))
    assert fr.footer is not None
    back, _ = halves(fr.footer, fr.pad)
    out.append(ButtonBox(("back",), back, words.BACK, style="back"))
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
    _, side = detail_area(size)
    gap = pad_of(size) // 2 * 2
    issue, printing, arrows, back = stack(side, [1.5, 1.1, 0.9, 0.8], gap)
    up, down = halves(arrows, gap)
    lk = state.lookup
    loaded = lk.procedure is not None
    return [
        ButtonBox(("issue",), issue, words.ISSUE_FOR_PROCEDURE, style="issue", enabled=loaded),
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
