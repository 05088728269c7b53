"""Reports as files for spreadsheets: CSV in two dialects and .xlsx, for the centre and
the province hub alike.

A ``Book`` is a few title lines and tables (``table.Table``, typed cells). CSV writes
the title lines, then each table as a block (a blank line, its title, its headings,
its rows); .xlsx writes a sheet per table, each with the title lines on top, numbers
as numbers with number formats and dates as dates, so it opens right in any
spreadsheet whatever its language.

CSV dialects (docs/reports.md):

- ``excel-vn``: for a double click in Excel under Vietnamese regional settings, whose
  list separator is ``;`` and decimal mark ``,``: ``;`` between cells, ``1234,5``;
- ``plain``: comma-separated, ``1234.5``, for other tools (and Excel elsewhere).

Both are UTF-8 with a byte-order mark (Excel reads the diacritics right), CRLF line
ends, dates dd/mm/yyyy, no thousands separator; a text cell that a spreadsheet would
run as a formula gets a leading ``'`` (``sothutu.spreadsheet.safe_cell``, the one rule
of every CSV writer of the project); in .xlsx every text is a text cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sothutu import spreadsheet
from sothutu.reports import numbers
from sothutu.reports.table import COUNT, DAY, MINUTES, SCORE, SHARE, Table, cell_text

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Dialect:
    """A CSV dialect: the separator between cells and how numbers are written."""

    name: str
    delimiter: str
    style: numbers.Style
    #: what the admin page and the docs call it
    words: str


DIALECTS = {
    d.name: d
    for d in (
        Dialect("excel-vn", ";", numbers.EXCEL_VN, "Excel (Việt Nam): dấu ; và số thập phân 2,5"),
        Dialect("plain", ",", numbers.PLAIN, "dấu phẩy và số thập phân 2.5"),
    )
}


@dataclass(frozen=True)
class Book:
    """What a report file holds: title lines (typed cells) and tables."""

    lines: list[list[Any]]
    tables: list[Table] = field(default_factory=list)


def _csv_row(cells: Sequence[Any], kinds: Sequence[str | None], style: numbers.Style) -> list[str]:
    out = []
    for value, kind in zip(cells, kinds, strict=True):
        text = cell_text(value, kind, style)
        out.append(spreadsheet.safe_cell(text) if isinstance(value, str) else text)
    return out


def to_csv(book: Book, dialect: str = "plain") -> bytes:
    """The book as CSV in ``dialect`` (``DIALECTS``), UTF-8 with a byte-order mark."""
    d = DIALECTS[dialect]
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=d.delimiter, lineterminator="\r\n")
    for line in book.lines:
        w.writerow(_csv_row(line, [None] * len(line), d.style))
    for t in book.tables:
        w.writerow([])
        w.writerow(_csv_row([t.title], [None], d.style))
        w.writerow(_csv_row(t.headings, [None] * len(t.headings), d.style))
        for row in t.rows:
            w.writerow(_csv_row(row, t.kinds, d.style))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


#: Number formats of .xlsx cells by kind (the spreadsheet shows them in its locale).
FORMATS = {
    COUNT: "#,##0",
    MINUTES: "0.0",
    SHARE: "0.0%",
    SCORE: "0.00",
    DAY: "dd/mm/yyyy",
}


def sheet_name(title: str, taken: set[str]) -> str:
    """A sheet name Excel accepts (31 characters, none of []:*?/\\), unique."""
    name = "".join("-" if ch in "[]:*?/\\" else ch for ch in title)[:31] or "Sheet"
    base, n = name, 2
    while name in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def to_xlsx(book: Book, title: str = "") -> bytes:
    """The book as an Excel workbook: a sheet per table, the title lines on top of each."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.properties.title = title or None
    wb.properties.creator = "Sothutu"
    bold, head_fill = Font(bold=True), PatternFill("solid", fgColor="F6F8FA")
    taken: set[str] = set()
    for i, t in enumerate(book.tables or [Table("Báo cáo", [], [], [])]):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = sheet_name(t.title, taken)
        r = 0
        for line in book.lines:
            r += 1
            for col, value in enumerate(line, start=1):
                _put(ws.cell(r, col), value, None)
        if book.lines:
            ws.cell(1, 1).font = Font(bold=True, size=14)
            r += 1  # a blank line under the title lines
        head = r = r + 1
        for col, heading in enumerate(t.headings, start=1):
            cell = ws.cell(head, col)
            _put(cell, heading, None)
            cell.font, cell.fill = bold, head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in t.rows:
            r += 1
            strong = t.is_total(row)
            for col, (value, kind) in enumerate(zip(row, t.kinds, strict=True), start=1):
                cell = ws.cell(r, col)
                _put(cell, value, kind)
                if strong:
                    cell.font = bold
        for col, kind in enumerate(t.kinds, start=1):
            if col <= t.labels:
                longest = max([len(str(cell_text(r[col - 1], kind))) for r in t.rows] + [10])
                width = min(40, longest + 2)
            else:
                width = 13
            ws.column_dimensions[get_column_letter(col)].width = width
        ws.freeze_panes = ws.cell(head + 1, t.labels + 1)
        ws.print_title_rows = f"{head}:{head}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _put(cell: Any, value: Any, kind: str | None) -> None:
    """A typed value into a cell: text stays text (never a formula), numbers and dates
    get the number format of their kind."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl takes "=…" for a formula otherwise
    elif isinstance(value, date):
        cell.number_format = FORMATS[DAY]
    elif isinstance(value, int | float) and kind in FORMATS:
        cell.number_format = FORMATS[kind]
