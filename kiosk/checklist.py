"""The printed documents checklist as a pure function: procedure → 1-bit image.

Its content is ``sothutu.procedures.checklist`` (the same blocks the phone
page and the kiosk's detail screen show): the procedure's whole name, its code
and field, a box to tick before each document with how many originals and
copies, the processing time, the fees and who may submit. It is drawn by the
ticket's raster renderer (``kiosk.ticket.render``), so it prints on every
printer that prints tickets, with a QR code to the procedure's phone page.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from datetime import date
from typing import Any

from kiosk import words
from kiosk.ticket import (
    Block,
    Header,
    Item,
    QrWithText,
    Rendered,
    Rule,
    Text,
    header_blocks,
    render,
)
from sothutu.procedures.checklist import HEADING, ITEM, META, NOTE, TITLE, checklist
from sothutu.procedures.model import Procedure


def procedure_url(phone_url: str, code: str) -> str:
    """The procedure's page on the server (``/thu-tuc/CODE``): the QR code's content."""
    return f"{phone_url.rstrip('/')}/thu-tuc/{urllib.parse.quote(code, safe='')}"


def checklist_blocks(
    procedure: Mapping[str, Any],
    header: Header,
    *,
    sample: bool = False,
    today: date | None = None,
) -> list[Block]:
    """The checklist of ``procedure`` (the API's JSON), top to bottom."""
    p = Procedure.from_json(dict(procedure))
    blocks = header_blocks(header, 24, 22)
    blocks.append(Text(words.CHECKLIST_TITLE, 32, bold=True, gap=8))
    if sample:
        blocks.append(Text(words.CHECKLIST_SAMPLE, 20, bold=True, max_lines=3, gap=8))
    for b in checklist(p, words.nfc(str(procedure.get("service_name", "")))):
        text = words.nfc(b.text)
        if b.kind == TITLE:
            blocks.append(Text(text, 30, bold=True, max_lines=12, gap=6))
        elif b.kind == META:
            blocks.append(Text(text, 22, gap=2))
        elif b.kind == HEADING:
            blocks.append(Rule(gap=8))
            blocks.append(Text(text, 26, bold=True, align="left", gap=8))
        elif b.kind == ITEM:
            blocks.append(Item(text, words.nfc(b.detail), 25))
        elif b.kind == NOTE:
            blocks.append(Rule(gap=8))
            blocks.append(Text(text, 24, bold=True, max_lines=4, gap=8))
        else:
            blocks.append(Text(text, 24, align="left", max_lines=12, gap=4))
    blocks.append(QrWithText(procedure_url(header.phone_url, p.code), words.CHECKLIST_SCAN))
    if today is not None:
        blocks.append(Text(words.CHECKLIST_PRINTED.format(date=today.strftime("%d/%m/%Y")), 20))
    return blocks


def checklist_image(
    procedure: Mapping[str, Any],
    header: Header,
    width: int,
    *,
    sample: bool = False,
    today: date | None = None,
) -> Rendered:
    """The checklist for ``procedure`` at ``width`` dots (384, 512 or 576)."""
    return render(checklist_blocks(procedure, header, sample=sample, today=today), width)
