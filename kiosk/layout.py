"""The buttons of every kiosk screen, as plain rectangles.

The start and priority screens are laid out here; the start screen's bottom
row holds "extra" buttons: priority, "Đã đặt lịch" (check a number booked ahead
in, ``kiosk.booking_layout``) and the procedure look-up ("Tra cứu thủ tục").
When no ticket can be issued (outside the opening hours, or the printer is
broken and the centre stops then) the start screen has no field buttons, only
the look-up and "Đã đặt lịch", and the renderer says why in their place. The look-up's own
screens are laid out in ``kiosk.lookup_layout``; ``buttons`` covers every
screen, and ``geometry.hit(buttons(state, size), pos)`` is what a tap at
``pos`` means.

Field buttons sit in a grid whose rows share their width by what the names
need (``geometry.shared_grid``): "Lao động – Thương binh – Xã hội" gets room for two lines
at the size of its neighbours instead of shrinking. Names are measured with
DejaVu (``kiosk.typeset``).
"""

from __future__ import annotations

from kiosk import booking_layout, lookup_layout, typeset, words
from kiosk.geometry import ButtonBox, Rect, frame, shared_grid
from kiosk.state import LOOKUP_SCREENS, KioskState, Screen


def extra_buttons(state: KioskState) -> list[tuple[tuple[str, ...], str, str, str]]:
    """The bottom row: (target, label, detail, style)."""
    if state.screen is Screen.START:
        out = []
        if state.priority_enabled and not state.stopped:
            out.append((("priority",), words.PRIORITY, words.PRIORITY_WHO, "priority"))
        if state.booking_available:
            out.append((("booking",), words.BOOKING_BUTTON, words.BOOKING_DETAIL, "booking"))
        if state.lookup_available:
            out.append((("lookup",), words.LOOKUP_BUTTON, words.LOOKUP_DETAIL, "lookup"))
        if len(out) == 3:  # a narrower row: the short details, priority's still whole
            short = {"booking": words.BOOKING_DETAIL_SHORT, "lookup": words.LOOKUP_DETAIL_SHORT}
            out = [(t, label, short.get(style, detail), style) for t, label, detail, style in out]
        return out
    if state.screen is Screen.PRIORITY:
        return [(("back",), words.BACK, "", "back")]
    return []


def buttons(state: KioskState, size: tuple[int, int]) -> list[ButtonBox]:
    """Every tappable box of the current screen."""
    if state.screen in LOOKUP_SCREENS:
        return lookup_layout.buttons(state, size)
    if state.screen is Screen.BOOKING:
        return booking_layout.buttons(state, size)
    if state.screen not in (Screen.START, Screen.PRIORITY):
        return []
    extras = extra_buttons(state)
    fr = frame(size, footer=bool(extras))
    out = []
    if not state.stopped:
        names = [f.name for f in state.fields]
        style = "priority_field" if state.screen is Screen.PRIORITY else "field"
        rects = shared_grid(typeset.name_needs(names, size[1]), fr.body, fr.pad)
        for f, rect in zip(state.fields, rects, strict=True):
            detail = words.WAITING_ON_BUTTON.format(n=f.waiting) if f.waiting is not None else ""
            out.append(ButtonBox(("field", f.id), rect, f.name, detail, style))
    if extras and fr.footer is not None:
        fx, fy, fw, fh = fr.footer
        gap = fr.pad
        # Priority's long explanation gets more of the row than the others'.
        wide = 1.25 if len(extras) == 2 else 1.7
        shares = [wide if e[3] == "priority" and len(extras) > 1 else 1.0 for e in extras]
        free = fw - gap * (len(extras) - 1)
        x = float(fx)
        for share, (target, label, detail, style) in zip(shares, extras, strict=True):
            bw = free * share / sum(shares)
            out.append(ButtonBox(target, (round(x), fy, round(bw), fh), label, detail, style))
            x += bw + gap
    return out


def message_area(size: tuple[int, int], footer: bool) -> Rect:
    """Where the start screen says why no ticket can be taken now."""
    return frame(size, footer=footer).body
