"""Draw the kiosk state on a pygame surface: ``draw(surface, state)``.

Pure with respect to the state: the same state and size draw the same
picture. Every text goes through ``kiosk.textfit`` (shrink, then wrap) with
DejaVu Sans; a text that does not fit at the smallest legible size is drawn
as well as it can be and returned as an ``Overflow`` so tests fail on it.
"""

from __future__ import annotations

import pygame

from kiosk import layout, lookup_render, words
from kiosk.geometry import frame
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


def draw(surface: pygame.Surface, state: KioskState) -> list[Overflow]:
    """Draw ``state`` filling ``surface``; returns the texts that did not fit."""
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
    else:
        _message(p, state)
    return p.overflows


def _choose(p: Painter, state: KioskState) -> None:
    priority = state.screen is Screen.PRIORITY
    title = f"{words.TITLE} — {words.PRIORITY}" if priority else words.TITLE
    p.header(title, words.PROMPT, ORANGE if priority else NAVY)
    for b in layout.buttons(state, (p.w, p.h)):
        if b.style in ("field", "priority_field"):
            p.button(b, max_size=round(p.h * 0.085), max_lines=3)
        elif b.style == "lookup":
            p.button(b, max_size=round(p.h * 0.06), detail_size=round(p.h * 0.04), max_lines=1)
        else:
            p.button(b, max_size=round(p.h * 0.06), max_lines=3)


def _issuing(p: Painter, state: KioskState) -> None:
    p.header(words.TITLE, "", NAVY)
    fr = frame((p.w, p.h), footer=False)
    x, y, w, h = fr.body
    if state.shown is None:
        p.text(words.PRINTING, fr.body, where="printing", bold=True, max_size=round(p.h * 0.09))
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


def _ticket(p: Painter, state: KioskState) -> None:
    """The issued code, large: after printing, or when the printer failed."""
    shown = state.shown
    fault = state.screen is Screen.PRINTER_FAULT
    band = RED if fault else GREEN
    pad = max(6, round(min(p.w, p.h) * 0.025))
    top_h = round(p.h * (0.22 if fault else 0.16))
    bottom_h = round(p.h * 0.16)
    p.box((0, 0, p.w, top_h), band)
    top_text = words.PRINTER_FAULT if fault else words.TICKET_TITLE
    p.text(
        top_text,
        (pad, pad // 2, p.w - 2 * pad, top_h - pad),
        where="ticket top",
        bold=True,
        color=WHITE,
        max_lines=2,
    )
    p.box((0, p.h - bottom_h, p.w, bottom_h), band)
    bottom_text = words.SEE_GUIDANCE if fault else words.TAKE_TICKET
    p.text(
        bottom_text,
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
    lines: list[tuple[str, float, bool, tuple[int, int, int]]] = []
    if fault:
        lines.append((words.TICKET_TITLE, 0.11, True, MUTED))
    lines.append((shown.code, 0.50, True, INK))
    lines.append((words.TICKET_FIELD.format(service=shown.service_name), 0.14, True, INK))
    if shown.procedure:
        lines.append((words.TICKET_PROCEDURE.format(name=shown.procedure), 0.2, False, INK))
    if shown.priority:
        lines.append((words.TICKET_PRIORITY, 0.11, True, ORANGE))
    if shown.ahead is not None:
        lines.append((words.TICKET_AHEAD.format(n=shown.ahead), 0.11, False, MUTED))
    procedure_prefix = words.TICKET_PROCEDURE.format(name="")  # no larger than the field's
    total = sum(share for _, share, _, _ in lines)
    y = y0
    for text, share, bold, color in lines:
        h = round(avail * share / total)
        is_code = text == shown.code
        p.text(
            text,
            (pad, y, p.w - 2 * pad, h),
            where="code" if is_code else "ticket line",
            bold=bold,
            color=color,
            max_lines=1 if is_code else 4,
            min_size=round(p.h * 0.12) if is_code else None,
            max_size=round(p.h * 0.06) if text.startswith(procedure_prefix) else None,
        )
        y += h


def _message(p: Painter, state: KioskState) -> None:
    """Outside hours, daily limit, server unreachable, other refusals."""
    p.header(words.TITLE, "", NAVY)
    fr = frame((p.w, p.h), footer=False)
    x, y, w, h = fr.body
    lines: list[tuple[str, bool, tuple[int, int, int]]] = []
    if state.screen is Screen.CLOSED:
        lines.append((words.CLOSED, True, RED))
        if state.hours_text:
            lines.append((words.HOURS.format(hours=state.hours_text), False, INK))
    elif state.screen is Screen.LIMIT:
        lines.append((words.LIMIT.format(service=state.refused_service), True, RED))
        lines.append((words.SEE_GUIDANCE, False, INK))
    else:
        lines.append((words.OFFLINE, True, INK))
        if state.uncertain or state.screen is Screen.ERROR:
            lines.append((words.SEE_GUIDANCE, False, INK))
    each = h // len(lines)
    for i, (text, bold, color) in enumerate(lines):
        p.text(
            text,
            (x, y + i * each, w, each),
            where=f"message {state.screen}",
            bold=bold,
            color=color,
            max_size=round(p.h * 0.085),
            max_lines=3,
        )
