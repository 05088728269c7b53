"""The printed ticket as a pure function: ticket → 1-bit Pillow image.

Thermal printers cannot print Vietnamese in text mode reliably, so the whole
ticket is drawn with DejaVu Sans (shipped with the project) at the printer's
dot width, thresholded (not dithered) for crisp glyphs, and sent as a raster
image. The layout is docs/vietnamese.md's "The ticket, top to bottom": the
centre, SỐ THỨ TỰ, the code in the largest type, the field, priority, the
people ahead and the expected wait, the time, a QR code to follow the ticket.
Long lines shrink, then wrap, and a line that still does not fit is reported
in ``Rendered.overflows`` (tests fail on it) rather than cut off.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import qrcode
from PIL import Image, ImageDraw, ImageFont

from kiosk import words
from kiosk.textfit import Fit, Overflow, fit_one_line_first
from sothutu.fonts import BOLD, REGULAR

WIDTHS = (384, 512, 576)
MIN_SIZE = 15  # px at 203 dpi ≈ 1.9 mm: still readable on thermal paper


@dataclass(frozen=True)
class Header:
    """What every ticket of this centre shares."""

    authority: str  # "UBND XÃ CÙ LAO DUNG"; "" leaves the line out
    centre: str  # the centre's name, printed in capitals
    phone_url: str  # base of the QR code's address (server.phone_url())
    timezone: str = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True)
class Rendered:
    image: Image.Image  # mode "1", width = the printer's dots
    overflows: tuple[Overflow, ...] = field(default=())


@functools.lru_cache(maxsize=256)
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


def _measure(path: Path):
    def measure(text: str, size: int) -> tuple[int, int]:
        font = _font(path, size)
        ascent, descent = font.getmetrics()
        return int(font.getlength(text) + 0.999), ascent + descent

    return measure


def status_url(phone_url: str, ticket_id: int) -> str:
    """The address a phone opens to follow the ticket (the QR code's content)."""
    return f"{phone_url.rstrip('/')}/t/{ticket_id}"


def issued_text(issued_at: str, timezone: str) -> str:
    """ "2026-11-24T08:42:10+07:00" → "Lấy số lúc: 08:42 — 24/11/2026"."""
    when = datetime.fromisoformat(issued_at).astimezone(ZoneInfo(timezone))
    return words.TICKET_ISSUED.format(time=when.strftime("%H:%M"), date=when.strftime("%d/%m/%Y"))


def booking_text(ticket: Mapping[str, Any], timezone: str) -> str | None:
    """The line of a ticket checked in with a booking: "(ĐẶT LỊCH — giờ hẹn 08:30)", or
    for one that came after its window, that it is an ordinary number; None otherwise."""
    b = ticket.get("booking")
    if not isinstance(b, Mapping) or not b.get("slot_start"):
        return None
    try:
        when = datetime.fromisoformat(str(b["slot_start"])).astimezone(ZoneInfo(timezone))
    except ValueError:
        return None
    template = words.TICKET_LATE if b.get("late") else words.TICKET_BOOKED
    return template.format(time=when.strftime("%H:%M"))


# --- blocks --------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    text: str
    size: float  # px at 576 dots; scaled to the paper
    bold: bool = False
    max_lines: int = 2
    gap: float = 6  # px (at 576) below the block
    box_height: float | None = None  # for the code: the height it may fill
    align: str = "center"  # or "left"
    indent: float = 0  # px (at 576) from the left margin, for left-aligned text


@dataclass(frozen=True)
class Item:
    """A checklist line: an empty box to tick, then the text (left-aligned, wrapped)
    and under it the ``detail`` (how many originals and copies, the form) in bold."""

    text: str
    detail: str = ""
    size: float = 24
    gap: float = 8


@dataclass(frozen=True)
class Rule:
    gap: float = 10


@dataclass(frozen=True)
class QrWithText:
    url: str
    text: str
    size: float = 22
    gap: float = 10


Block = Text | Rule | QrWithText | Item


def header_blocks(header: Header, authority_size: int, centre_size: int) -> list[Block]:
    """The top of every printout: the authority (if any) and the centre in capitals,
    then a rule."""
    blocks: list[Block] = []
    if header.authority:
        blocks.append(Text(words.nfc(header.authority.upper()), authority_size, bold=True, gap=2))
    blocks.append(Text(words.nfc(header.centre.upper()), centre_size, bold=True, gap=4))
    blocks.append(Rule(gap=8))
    return blocks


def ticket_blocks(ticket: Mapping[str, Any], header: Header) -> list[Block]:
    """The ticket's content, top to bottom (docs/vietnamese.md)."""
    blocks = header_blocks(header, 27, 24)
    blocks.append(Text(words.TICKET_TITLE, 36, bold=True, gap=0))
    blocks.append(Text(str(ticket["code"]), 150, bold=True, max_lines=1, box_height=150, gap=4))
    service = str(ticket.get("service_name") or ticket.get("service", ""))
    blocks.append(Text(words.TICKET_FIELD.format(service=service), 30, bold=True, gap=6))
    procedure = ticket.get("procedure")
    if isinstance(procedure, Mapping) and procedure.get("name"):
        name = words.nfc(str(procedure["name"]))
        blocks.append(Text(words.TICKET_PROCEDURE.format(name=name), 24, max_lines=10, gap=6))
    if ticket.get("priority"):
        blocks.append(Text(words.TICKET_PRIORITY, 32, bold=True, gap=6))
    booked = booking_text(ticket, header.timezone)
    if booked is not None:
        late = bool(ticket["booking"].get("late"))
        blocks.append(Text(booked, 24 if late else 32, bold=not late, max_lines=3, gap=6))
    if ticket.get("waiting_ahead") is not None:
        blocks.append(Text(words.TICKET_AHEAD.format(n=ticket["waiting_ahead"]), 25, gap=4))
    wait = words.wait_text(ticket.get("estimated_wait_minutes"), ticket.get("waiting_ahead"))
    if wait:
        blocks.append(Text(wait, 25, gap=4))
    if ticket.get("issued_at"):
        blocks.append(Text(issued_text(str(ticket["issued_at"]), header.timezone), 24, gap=8))
    if ticket.get("id") is not None:
        blocks.append(
            QrWithText(status_url(header.phone_url, int(ticket["id"])), words.TICKET_SCAN)
        )
    blocks.append(Rule(gap=8))
    blocks.append(Text(words.TICKET_LISTEN, 22, gap=2))
    blocks.append(Text(words.TICKET_TODAY, 22, gap=0))
    return blocks


def render(blocks: Sequence[Block], width: int) -> Rendered:
    """Draw ``blocks`` at ``width`` dots; returns the thresholded 1-bit image."""
    if width not in WIDTHS:
        raise ValueError(f"printer width must be one of {WIDTHS}, got {width}")
    scale = width / 576
    margin = round(12 * scale)
    inner = width - 2 * margin
    canvas = Image.new("L", (width, 4000), 255)
    draw = ImageDraw.Draw(canvas)
    overflows: list[Overflow] = []
    y = round(8 * scale)
    for block in blocks:
        if canvas.height - y < 2000:  # a long checklist: room for the tallest block
            taller = Image.new("L", (width, canvas.height * 2), 255)
            taller.paste(canvas, (0, 0))
            canvas, draw = taller, ImageDraw.Draw(taller)
        if isinstance(block, Item):
            y = _draw_item(draw, block, margin, inner, y, scale, overflows)
        elif isinstance(block, Rule):
            line = max(2, round(3 * scale))
            draw.rectangle((margin, y, width - margin - 1, y + line - 1), fill=0)
            y += line + round(block.gap * scale)
        elif isinstance(block, Text):
            y = _draw_text(draw, block, margin, inner, y, scale, overflows)
        else:
            y = _draw_qr(draw, canvas, block, margin, inner, y, scale, overflows)
    y += round(8 * scale)
    gray = canvas.crop((0, 0, width, min(y, canvas.height)))
    return Rendered(gray.point([0] * 128 + [255] * 128, "1"), tuple(overflows))


def _fit(text: str, path: Path, box_w: int, box_h: int, size: int, max_lines: int) -> Fit:
    return fit_one_line_first(
        text,
        _measure(path),
        box_w,
        box_h,
        max_size=size,
        min_size=min(MIN_SIZE, size),
        wrap_size=max(min(MIN_SIZE, size), round(size * 0.75)),
        max_lines=max_lines,
        spacing=1.12,
    )


def _draw_text(draw, block: Text, margin, inner, y, scale, overflows) -> int:
    size = max(round(block.size * scale), 1)
    path = BOLD if block.bold else REGULAR
    if block.box_height is not None:
        box_h = round(block.box_height * scale)
        path = BOLD
    else:
        box_h = size * 2 * block.max_lines  # height is not the limit; width is
    indent = round(block.indent * scale)
    fitted = _fit(block.text, path, inner - indent, box_h, size, block.max_lines)
    if fitted.overflow:
        overflows.append(Overflow("ticket", block.text, (inner - indent, box_h), fitted.size))
    font = _font(path, fitted.size)
    for line in fitted.lines:
        w = font.getlength(line)
        x = margin + indent if block.align == "left" else margin + (inner - w) / 2
        draw.text((x, y), line, font=font, fill=0, anchor="la")
        if block.box_height is not None:  # the code: capitals and digits, no descent
            y += font.getbbox(line, anchor="la")[3] + round(6 * scale)
        else:
            y += fitted.line_height
    return y + round(block.gap * scale)


def _draw_item(draw, block: Item, margin, inner, y, scale, overflows) -> int:
    size = max(round(block.size * scale), 1)
    side = round(size * 0.85)
    edge = max(2, round(2.5 * scale))
    top = y + round(size * 0.12)
    draw.rectangle((margin, top, margin + side, top + side), outline=0, width=edge)
    indent = side + round(size * 0.6)
    fitted = _fit(block.text, REGULAR, inner - indent, size * 2 * 12, size, 12)
    if fitted.overflow:
        overflows.append(Overflow("checklist item", block.text, (inner - indent, 0), fitted.size))
    font = _font(REGULAR, fitted.size)
    for line in fitted.lines:
        draw.text((margin + indent, y), line, font=font, fill=0, anchor="la")
        y += fitted.line_height
    if block.detail:
        small = max(round(size * 0.9), 1)
        fitted = _fit(block.detail, BOLD, inner - indent, small * 2 * 6, small, 6)
        if fitted.overflow:
            overflows.append(Overflow("checklist item", block.detail, (inner - indent, 0), small))
        font = _font(BOLD, fitted.size)
        for line in fitted.lines:
            draw.text((margin + indent, y), line, font=font, fill=0, anchor="la")
            y += fitted.line_height
    return y + round(block.gap * scale)


def _draw_qr(draw, canvas, block: QrWithText, margin, inner, y, scale, overflows) -> int:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    qr.add_data(block.url)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    n = len(matrix)
    module = max(3, int(inner * 0.40) // n)
    side = module * n
    x0 = margin + round(4 * scale)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                draw.rectangle(
                    (
                        x0 + c * module,
                        y + r * module,
                        x0 + (c + 1) * module - 1,
                        y + (r + 1) * module - 1,
                    ),
                    fill=0,
                )
    text_x = x0 + side + max(2 * module, round(14 * scale))
    text_w = margin + inner - text_x
    size = max(round(block.size * scale), 1)
    fitted = _fit(block.text, REGULAR, text_w, side, size, 4)
    if fitted.overflow:
        overflows.append(Overflow("ticket qr", block.text, (text_w, side), fitted.size))
    font = _font(REGULAR, fitted.size)
    ty = y + max(0, (side - fitted.height) // 2)
    for line in fitted.lines:
        draw.text((text_x, ty), line, font=font, fill=0, anchor="la")
        ty += fitted.line_height
    return y + side + round(block.gap * scale)


def ticket_image(ticket: Mapping[str, Any], header: Header, width: int) -> Rendered:
    """The ticket for ``ticket`` (the API's ticket object) at ``width`` dots."""
    return render(ticket_blocks(ticket, header), width)


def test_ticket(header: Header, width: int, now: datetime | None = None) -> Rendered:
    """The technician's test ticket: a sample code and every Vietnamese letter."""
    now = now or datetime.now(ZoneInfo(header.timezone))
    sample = {
        "id": 0,
        "code": "A015",
        "service_name": words.TEST_SERVICE,
        "priority": True,
        "waiting_ahead": 4,
        "estimated_wait_minutes": 12,
        "issued_at": now.isoformat(),
    }
    blocks = ticket_blocks(sample, header)
    blocks.insert(0, Text(words.TEST_TITLE, 26, bold=True, gap=6))
    letters: list[Block] = [Rule(gap=6)]
    letters += [Text(line, 22, gap=2) for line in words.TEST_LETTERS]
    return render(blocks[:-3] + letters + blocks[-3:], width)
