"""Draw the "Đã đặt lịch" screens: typing a booking's code, and a refusal.

The code screen (``kiosk.booking_layout``) shows the code typed so far in large
capitals over six places, what to do (scan the QR code, or type the code) and the
keys. A refusal says, large, why the booking gets no ticket, and what to do; when
it is too early, the slot and when to come back.
"""

from __future__ import annotations

from datetime import datetime

from kiosk import booking_layout as bl
from kiosk import typeset, words
from kiosk.geometry import frame
from kiosk.paint import INK, MUTED, NAVY, RED, TEAL, WHITE, Painter
from kiosk.state import KioskState, Screen
from sothutu.booking import CODE_LENGTH


def draw(p: Painter, state: KioskState) -> None:
    if state.screen is Screen.BOOKING:
        _typing(p, state)
    else:
        _refused(p, state)


def _typing(p: Painter, state: KioskState) -> None:
    size = (p.w, p.h)
    b = bl.boxes(size)
    x, y, w, h = b.query
    edge = max(2, round(p.h * 0.006))
    p.box(b.query, TEAL, p.radius())
    p.box((x + edge, y + edge, w - 2 * edge, h - 2 * edge), WHITE, p.radius())
    shown = " ".join(state.code.ljust(CODE_LENGTH, "_"))
    p.text(
        shown,
        (x + 3 * edge, y + edge, w - 6 * edge, h - 2 * edge),
        where="booking code",
        bold=True,
        color=INK if state.code else MUTED,
        max_size=round(h * 0.6),
        max_lines=1,
    )
    p.text(
        words.BOOKING_PROMPT,
        b.strip,
        where="booking prompt",
        color=NAVY,
        bold=True,
        max_size=round(p.h * 0.05),
        max_lines=3,
    )
    boxes = bl.buttons(state, size)
    radius = max(4, round(p.h * 0.012))
    keys = [k for k in boxes if k.style == "key"]
    p.buttons(keys, max_size=round(keys[0].rect[3] * 0.55), max_lines=1, radius=radius)
    actions = [k for k in boxes if k.style == "key_action"]
    p.buttons(actions, max_size=round(p.h * 0.055), max_lines=2, radius=radius)
    bar = [k for k in boxes if k.target in (("back",), ("go",))]
    p.buttons(bar, max_size=round(p.h * 0.06), max_lines=2)


def _clock(iso: str) -> str:
    """ "2026-11-24T08:30:00+07:00" → "08:30 ngày 24/11/2026" (as the server wrote it)."""
    try:
        t = datetime.fromisoformat(iso)
    except ValueError:
        return ""
    return f"{t:%H:%M} ngày {t:%d/%m/%Y}"


def refusal_lines(state: KioskState) -> list[tuple[str, bool, tuple[int, int, int]]]:
    """What a refusal says: the headline, then what to do (text, bold, colour)."""
    r = state.refusal
    code = r.code if r is not None else "unknown_booking"
    head, detail = words.BOOKING_REFUSED.get(code, words.BOOKING_REFUSED["unknown_booking"])
    if code == "too_early" and r is not None:
        slot, opens = _clock(r.slot), _clock(r.opens)
        if slot and opens:
            if slot[-10:] == opens[-10:]:
                opens = opens[:5]  # the same day: the time is enough
            detail = detail.format(slot=slot, opens=opens)
        else:
            detail = words.SEE_GUIDANCE
    lines = [(head, True, RED), (detail, True, INK)]
    if code == "unknown_booking" and state.code:
        lines.append((words.BOOKING_TYPED.format(code=state.code), False, MUTED))
    return lines


def _refused(p: Painter, state: KioskState) -> None:
    p.header(words.BOOKING_TITLE, "", NAVY)
    x, y, w, h = frame((p.w, p.h), footer=False).body
    lines = refusal_lines(state)
    size = typeset.body_size(p.h)
    head_h = round(h * 0.45)
    p.text(
        lines[0][0],
        (x, y, w, head_h),
        where="refused",
        bold=True,
        color=lines[0][2],
        max_size=round(p.h * 0.085),
        max_lines=3,
    )
    rest_h = (h - head_h) // max(1, len(lines) - 1)
    for i, (text, bold, color) in enumerate(lines[1:]):
        p.text(
            text,
            (x, y + head_h + i * rest_h, w, rest_h),
            where="refused detail",
            bold=bold,
            color=color,
            max_size=round(size * 1.2),
            max_lines=3,
        )
