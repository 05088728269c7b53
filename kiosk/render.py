"""Draw the kiosk state on a pygame surface: ``draw(surface, state)``.

Pure with respect to the state: the same state and size draw the same
picture. Every text goes through ``kiosk.paint.Painter`` (wrap, then shrink,
never below the screen's smallest size) with DejaVu Sans; a text that does not
fit is drawn as well as it can be and returned as an ``Overflow`` so tests fail
on it. ``paint`` returns the painter itself, with every text drawn and its size.

The start screen says what a tap would bring before the tap: "closed" with
today's hours and when tickets are issued again, or that the printer is broken
(the number will show on screen; or, when the centre stops then, to go to the
guidance counter).
"""

from __future__ import annotations

import pygame

from kiosk import booking_render, layout, lookup_render, typeset, words
from kiosk.geometry import Rect, frame
from kiosk.paint import (
    BG,
    GREEN,
    INK,
    MUTED,
    NAVY,
    ORANGE,
    RED,
    WHITE,
    Painter,
)
from kiosk.state import LOOKUP_SCREENS, KioskState, Screen
from kiosk.textfit import Overflow

Line = tuple[str, bool, tuple[int, int, int]]  # text, bold, colour


def draw(surface: pygame.Surface, state: KioskState) -> list[Overflow]:
    """Draw ``state`` filling ``surface``; returns the texts that did not fit."""
    return paint(surface, state).overflows


def paint(surface: pygame.Surface, state: KioskState) -> Painter:
    """Draw ``state`` filling ``surface``; the painter holds every text drawn."""
    p = Painter(surface)
    surface.fill(BG)
    screen = state.screen
    if screen in LOOKUP_SCREENS:
        lookup_render.draw(p, state)
    elif screen in (Screen.START, Screen.PRIORITY):
        _choose(p, state)
    elif screen is Screen.ISSUING:
        _issuing(p, state)
    elif screen in (Screen.DONE, Screen.PRINTER_FAULT):
        _ticket(p, state)
    elif screen in (Screen.BOOKING, Screen.BOOKING_REFUSED):
        booking_render.draw(p, state)
    else:
        _message(p, state)
    return p


def _choose(p: Painter, state: KioskState) -> None:
    priority = state.screen is Screen.PRIORITY
    title = f"{words.TITLE} — {words.PRIORITY}" if priority else words.TITLE
    if state.closed:
        p.header(title, "", NAVY)
    elif state.printer_broken:
        p.header(title, "" if state.stopped else words.PRINTER_WARNING, RED, bold_subtitle=True)
    else:
        p.header(title, words.PROMPT, ORANGE if priority else NAVY)
    boxes = layout.buttons(state, (p.w, p.h))
    fields = [b for b in boxes if b.style in ("field", "priority_field")]
    others = [b for b in boxes if b not in fields]
    p.buttons(fields, max_size=round(p.h * 0.085), max_lines=3)
    p.buttons(others, max_size=round(p.h * 0.07), max_lines=2, detail_lines=2)
    if state.stopped:
        area = layout.message_area((p.w, p.h), footer=bool(others))
        _stack(p, area, _why_not(state), where="start stopped")


def _why_not(state: KioskState) -> list[Line]:
    """What the start screen says when no ticket can be taken now."""
    if not state.closed:
        return [(words.PRINTER_STOPPED, True, RED), (words.GO_TO_GUIDANCE, True, INK)]
    op = state.opening
    if op is not None and op.closed_day:  # a holiday: no hours today at all
        lines: list[Line] = [
            (words.CLOSED_DAY, True, RED),
            (words.CLOSED_DAY_NO_TICKETS, False, INK),
        ]
        if op.reopens:
            lines.append((words.COME_BACK.format(when=op.reopens), True, NAVY))
        return lines
    lines = [(words.CLOSED, True, RED)]
    if op is not None and op.today:
        lines.append((words.HOURS_TODAY.format(hours=op.today), False, INK))
    elif op is not None and op.reopens:
        lines.append((words.NO_HOURS_TODAY, False, INK))
    elif state.hours_text:
        lines.append((words.HOURS.format(hours=state.hours_text), False, INK))
    if op is not None and op.reopens:
        lines.append((words.COME_BACK.format(when=op.reopens), True, NAVY))
    return lines


def _stack(p: Painter, area: Rect, lines: list[Line], where: str) -> None:
    """A headline and the lines under it (one size for all of those), centred in
    ``area``; each wraps before it shrinks."""
    x, y, w, h = area
    if not lines:
        return
    gap = round(p.h * 0.03)
    head, rest = lines[0], lines[1:]
    head_box = (x, y, w, round(h * (0.45 if rest else 1.0)))
    head_fit = p.fit(head[0], head_box, bold=head[1], max_size=round(p.h * 0.085), max_lines=3)
    rest_h = (h - head_fit.height - gap) // max(1, len(rest)) - gap
    size = min(
        (
            p.fit(t, (x, y, w, rest_h), bold=b, max_size=round(p.h * 0.06), max_lines=3).size
            for t, b, _ in rest
        ),
        default=0,
    )
    fits = [
        p.fit(t, (x, y, w, rest_h), bold=b, max_size=size, min_size=size, max_lines=3)
        for t, b, _ in rest
    ]
    total = head_fit.height + sum(f.height + gap for f in fits)
    top = y + max(0, (h - total) // 2)
    p.text(
        head[0],
        (x, top, w, head_fit.height),
        where=where,
        bold=head[1],
        color=head[2],
        max_size=head_fit.size,
        min_size=head_fit.size,
        max_lines=3,
    )
    top += head_fit.height + gap
    for (text, bold, color), f in zip(rest, fits, strict=True):
        p.text(
            text,
            (x, top, w, max(f.height, rest_h)),
            where=where,
            bold=bold,
            color=color,
            max_size=size,
            min_size=size,
            max_lines=3,
            valign="top",
        )
        top += f.height + gap


def _issuing(p: Painter, state: KioskState) -> None:
    p.header(words.TITLE, "", NAVY)
    fr = frame((p.w, p.h), footer=False)
    x, y, w, h = fr.body
    if state.shown is None:
        text = words.BOOKING_CHECKING if state.checking else words.PRINTING
        p.text(text, fr.body, where="printing", bold=True, max_size=round(p.h * 0.09))
        return
    p.text(
        words.PRINTING,
        (x, y, w, round(h * 0.3)),
        where="printing",
        bold=True,
        max_size=round(p.h * 0.08),
    )
    p.text(
        state.shown.code,
        (x, y + round(h * 0.34), w, round(h * 0.62)),
        where="code",
        bold=True,
        color=NAVY,
        max_lines=1,
    )


def _ticket_lines(state: KioskState) -> list[tuple[str, bool, tuple[int, int, int], int]]:
    """What the screen says under the code: (text, bold, colour, most lines)."""
    shown = state.shown
    assert shown is not None
    out = [(words.TICKET_FIELD.format(service=shown.service_name), True, INK, 2)]
    if shown.procedure:
        out.append((words.TICKET_PROCEDURE.format(name=shown.procedure), False, INK, 4))
    if shown.priority:
        out.append((words.TICKET_PRIORITY, True, ORANGE, 1))
    if shown.booked:
        out.append((words.BOOKED_LINE.format(time=shown.booked), True, NAVY, 1))
    if shown.late:
        out.append((words.LATE_LINE.format(time=shown.late), True, ORANGE, 3))
    if shown.ahead is not None:
        out.append((words.TICKET_AHEAD.format(n=shown.ahead), False, MUTED, 2))
    wait = words.wait_text(shown.minutes, shown.ahead)
    if wait:
        out.append((wait, False, MUTED, 2))
    return out


def _ticket(p: Painter, state: KioskState) -> None:
    """The issued code, large: after printing, or when the printer failed. The words
    under it keep the body size (a long procedure name wraps); the code takes the
    rest of the height."""
    shown = state.shown
    fault = state.screen is Screen.PRINTER_FAULT
    band = RED if fault else GREEN
    pad = max(6, round(min(p.w, p.h) * 0.025))
    top_h = round(p.h * (0.2 if fault else 0.14))
    bottom_h = round(p.h * 0.14)
    p.box((0, 0, p.w, top_h), band)
    p.text(
        words.PRINTER_FAULT if fault else words.TICKET_TITLE,
        (pad, pad // 2, p.w - 2 * pad, top_h - pad),
        where="ticket top",
        bold=True,
        color=WHITE,
        max_lines=2,
    )
    p.box((0, p.h - bottom_h, p.w, bottom_h), band)
    p.text(
        words.SEE_GUIDANCE if fault else words.TAKE_TICKET,
        (pad, p.h - bottom_h + pad // 2, p.w - 2 * pad, bottom_h - pad),
        where="ticket bottom",
        bold=True,
        color=WHITE,
        max_lines=1,
    )
    if shown is None:
        return
    y0 = top_h + pad
    avail = p.h - bottom_h - pad - y0
    width = p.w - 2 * pad
    code_min = round(p.h * 0.2)
    lines = _ticket_lines(state)
    label = [(words.TICKET_TITLE, True, MUTED, 1)] if fault else []
    for size in (typeset.body_size(p.h), p.min_size):
        fits = [
            p.fit(t, (0, 0, width, p.h), bold=b, max_size=size, min_size=size, max_lines=n)
            for t, b, _, n in label + lines
        ]
        used = sum(f.height for f in fits) + pad // 2 * len(fits)
        if avail - used >= code_min:
            break
    code_h = max(code_min, avail - used)
    y = y0
    parts = [*label, (shown.code, True, INK, 1), *lines]
    heights = (
        [f.height for f in fits[: len(label)]] + [code_h] + [f.height for f in fits[len(label) :]]
    )
    for (text, bold, color, n), h in zip(parts, heights, strict=True):
        is_code = text == shown.code
        p.text(
            text,
            (pad, y, width, h),
            where="code" if is_code else "ticket line",
            bold=bold,
            color=color,
            max_lines=n,
            max_size=None if is_code else size,
            min_size=round(p.h * 0.12) if is_code else size,
        )
        y += h + pad // 2


def _message(p: Painter, state: KioskState) -> None:
    """The daily limit, the server unreachable, other refusals."""
    p.header(words.TITLE, "", NAVY)
    lines: list[Line] = []
    if state.screen is Screen.LIMIT:
        lines.append((words.LIMIT.format(service=state.refused_service), True, RED))
        lines.append((words.SEE_GUIDANCE, False, INK))
    else:
        lines.append((words.OFFLINE, True, INK))
        if state.uncertain or state.screen is Screen.ERROR:
            lines.append((words.SEE_GUIDANCE, True, RED))
        else:
            lines.append((words.ASK_GUIDANCE, False, INK))
    _stack(p, frame((p.w, p.h), footer=False).body, lines, where=f"message {state.screen}")
