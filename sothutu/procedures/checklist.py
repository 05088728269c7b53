"""A procedure's checklist (what to bring, how long, what it costs) as plain blocks.

One pure function feeds both the phone page and, later, the kiosk's printed
checklist: each ``Block`` says what it is (title, heading, item …) and holds
Vietnamese text; the page or the printer decides fonts and wrapping.
"""

from __future__ import annotations

from dataclasses import dataclass

from sothutu.procedures.model import Document, Procedure

TITLE, META, HEADING, ITEM, TEXT, NOTE = "title", "meta", "heading", "item", "text", "note"

DOCUMENTS_HEADING = "GIẤY TỜ CẦN MANG THEO"
TIME_HEADING = "THỜI HẠN GIẢI QUYẾT"
FEES_HEADING = "PHÍ, LỆ PHÍ"
APPLICANTS_HEADING = "ĐỐI TƯỢNG THỰC HIỆN"


@dataclass(frozen=True, slots=True)
class Block:
    """One piece of a checklist. ``kind`` is title, meta, heading, item, text or note;
    an item (a document) has its counts and form in ``detail``."""

    kind: str
    text: str
    detail: str = ""


def counts(d: Document) -> str:
    """ "1 bản chính", "2 bản sao", "1 bản chính, 1 bản sao"."""
    parts = []
    if d.originals:
        parts.append(f"{d.originals} bản chính")
    if d.copies:
        parts.append(f"{d.copies} bản sao")
    return ", ".join(parts)


def document_detail(d: Document) -> str:
    detail = counts(d)
    return f"{detail}; mẫu: {d.form}" if d.form else detail


def checklist(p: Procedure, service_name: str = "") -> list[Block]:
    """The blocks of a procedure's checklist, top to bottom."""
    blocks = [Block(TITLE, p.name), Block(META, f"Mã thủ tục: {p.code}")]
    if service_name:
        blocks.append(Block(META, f"Lĩnh vực: {service_name}"))
    blocks.append(Block(HEADING, DOCUMENTS_HEADING))
    if p.documents:
        blocks += [Block(ITEM, d.name, document_detail(d)) for d in p.documents]
    else:
        blocks.append(Block(TEXT, "Không có giấy tờ nào được liệt kê; hỏi Quầy hướng dẫn."))
    for heading, text in (
        (TIME_HEADING, p.processing_time),
        (FEES_HEADING, p.fees),
        (APPLICANTS_HEADING, p.applicants),
    ):
        if text:
            blocks.append(Block(HEADING, heading))
            blocks += [Block(TEXT, line) for line in text.splitlines()]
    if service_name:
        blocks.append(Block(NOTE, f"Khi đến nộp hồ sơ, lấy số thứ tự lĩnh vực {service_name}."))
    return blocks


def checklist_lines(p: Procedure, service_name: str = "") -> list[str]:
    """The checklist as plain text lines (unwrapped): a box before each document."""
    lines = []
    for b in checklist(p, service_name):
        if b.kind == HEADING:
            lines += ["", b.text]
        elif b.kind == ITEM:
            lines.append(f"☐ {b.text}" + (f" ({b.detail})" if b.detail else ""))
        else:
            lines.append(b.text)
    return lines
