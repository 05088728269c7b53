"""The catalogue file: CSV in UTF-8 with a BOM, one row per procedure, for Excel.

``read_catalogue`` checks every row before it returns anything and raises one
``CatalogueError`` listing every problem (row, column, what is wrong), so an
import is all or nothing. ``write_catalogue`` writes what ``read_catalogue``
reads back unchanged; a cell a spreadsheet would run as a formula is written
with a leading ``'`` (``sothutu.spreadsheet``) and read back without it. The
format is documented in README.md ("Procedures").

A cell of the documents column holds one document per line::

    Tờ khai đăng ký khai sinh | bản chính: 1 | mẫu: Tờ khai đăng ký khai sinh
    Giấy chứng sinh | bản chính: 1
    Căn cước của người đi đăng ký | bản sao: 1

Without counts a document means one original (bản chính: 1, bản sao: 0).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sothutu import spreadsheet
from sothutu.procedures.model import (
    CODE,
    MAX_COUNT,
    MAX_NAME,
    MAX_TEXT,
    Document,
    Procedure,
)
from sothutu.procedures.text import fold, nfc
from sothutu.safetext import unsafe_char


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    required: bool = False


#: The columns, in the order export writes them. Headings are matched without
#: regard to case, tone marks or the order of the columns.
COLUMNS: tuple[Column, ...] = (
    Column("code", "Mã thủ tục", required=True),
    Column("name", "Tên thủ tục", required=True),
    Column("service", "Lĩnh vực", required=True),
    Column("documents", "Giấy tờ cần nộp"),
    Column("processing_time", "Thời hạn giải quyết"),
    Column("fees", "Phí, lệ phí"),
    Column("applicants", "Đối tượng thực hiện"),
    Column("steps", "Trình tự thực hiện"),
    Column("legal_basis", "Căn cứ pháp lý"),
    Column("url", "Đường dẫn"),
    Column("keywords", "Từ khóa tìm kiếm"),
)
HEADING = {c.key: c.heading for c in COLUMNS}
_BY_FOLDED = {fold(c.heading): c for c in COLUMNS}

#: Document parts after the name: folded key → field.
_PART_KEYS = {
    "ban chinh": "originals",
    "chinh": "originals",
    "ban sao": "copies",
    "sao": "copies",
    "mau": "form",
    "mau don": "form",
    "mau to khai": "form",
    "bieu mau": "form",
}
_BULLET = re.compile(r"^\s*(?:[-+•*–—]|\d{1,2}[.)])\s+")
_URL = re.compile(r"https?://[^\s/]+(/\S*)?")
MAX_PROBLEMS_SHOWN = 25


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the file. ``row`` counts as Excel does (the heading row is 1)."""

    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class CatalogueError(ValueError):
    """The file cannot be imported; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: list[Problem], source: str = "") -> None:
        self.problems = problems
        self.source = source
        shown = [str(p) for p in problems[:MAX_PROBLEMS_SHOWN]]
        if len(problems) > MAX_PROBLEMS_SHOWN:
            shown.append(f"… and {len(problems) - MAX_PROBLEMS_SHOWN} more")
        head = f"{source}: " if source else ""
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(
            f"{head}{len(problems)} {noun}, nothing imported:\n  " + "\n  ".join(shown)
        )


# --- reading ------------------------------------------------------------------------


def decode(data: bytes, source: str = "") -> str:
    """UTF-8 text without its BOM, or ``CatalogueError`` saying how to save the file."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CatalogueError(
            [
                Problem(
                    "the file is UTF-16 (Excel's 'Unicode Text'); save it as "
                    "'CSV UTF-8 (Comma delimited) (*.csv)'"
                )
            ],
            source,
        )
    if data.startswith(b"PK\x03\x04"):
        raise CatalogueError(
            [
                Problem(
                    "this is an Excel workbook (.xlsx), not CSV; in Excel use Save As → "
                    "'CSV UTF-8 (Comma delimited) (*.csv)'"
                )
            ],
            source,
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CatalogueError(
            [
                Problem(
                    f"the file is not UTF-8 (byte 0x{data[exc.start]:02X} on line {line}); "
                    "in Excel use Save As → 'CSV UTF-8 (Comma delimited) (*.csv)'"
                )
            ],
            source,
        ) from None
    if "\x00" in text:
        raise CatalogueError(
            [Problem("the file holds NUL bytes; it is not a CSV text file")], source
        )
    return text


def _delimiter(text: str) -> str:
    """Comma, or semicolon (Excel with Vietnamese regional settings), or tab: whichever
    the heading row holds most of."""
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _records(text: str, source: str) -> list[tuple[int, list[str]]]:
    """(row number, cells) of every record, or ``CatalogueError`` for broken CSV."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    out: list[tuple[int, list[str]]] = []
    row = 0
    while True:
        start_line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return out
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                msg = f'broken CSV: a quote (") opened on line {start_line} is never closed'
            else:
                msg = f"broken CSV on line {reader.line_num}: {exc}"
            raise CatalogueError([Problem(msg, row + 1)], source) from None
        row += 1
        out.append((row, [nfc(spreadsheet.read_cell(c)) for c in cells]))


def _single_line(value: str) -> str:
    return " ".join(value.split())


def _lines(value: str) -> list[str]:
    out = []
    for line in value.splitlines():
        line = _BULLET.sub("", line).strip()
        if line:
            out.append(" ".join(line.split()))
    return out


def parse_document(line: str) -> Document:
    """``NAME | bản chính: N | bản sao: N | mẫu: FORM`` → ``Document``; ``ValueError``
    says what is wrong."""
    parts = [p.strip() for p in line.split("|")]
    name = parts[0]
    if not name:
        raise ValueError("the document has no name before '|'")
    values: dict[str, object] = {}
    for part in parts[1:]:
        if not part:
            continue
        key, sep, value = part.partition(":")
        field = _PART_KEYS.get(fold(key)) if sep else None
        if field is None:
            raise ValueError(f"'{part}' is not 'bản chính: N', 'bản sao: N' or 'mẫu: TÊN MẪU'")
        if field in values:
            raise ValueError(f"'{key.strip()}' is given twice")
        value = value.strip()
        if field == "form":
            if not value:
                raise ValueError("'mẫu:' needs the form's name")
            values[field] = value
            continue
        if (
            not value.isascii()
            or not value.isdigit()
            or len(value) > len(str(MAX_COUNT))
            or int(value) > MAX_COUNT
        ):
            raise ValueError(
                f"'{key.strip()}' must be a whole number from 0 to {MAX_COUNT}, got '{value}'"
            )
        values[field] = int(value)
    originals = values.get("originals", 0 if "copies" in values else 1)
    copies = values.get("copies", 0)
    assert isinstance(originals, int) and isinstance(copies, int)
    if originals == 0 and copies == 0:
        raise ValueError("a document needs at least one original (bản chính) or copy (bản sao)")
    form = values.get("form", "")
    assert isinstance(form, str)
    return Document(name=name, originals=originals, copies=copies, form=form)


def format_document(d: Document) -> str:
    """The line ``parse_document`` reads back as ``d``."""
    text = f"{d.name} | bản chính: {d.originals} | bản sao: {d.copies}"
    return text + (f" | mẫu: {d.form}" if d.form else "")


def _service_lookup(services: Mapping[str, str]) -> dict[str, str]:
    """Accept a field's id or its name (any case, with or without marks)."""
    lookup = {fold(name): sid for sid, name in services.items()}
    lookup.update({sid: sid for sid in services})
    return lookup


def read_catalogue(
    data: bytes | str, services: Mapping[str, str], source: str = ""
) -> list[Procedure]:
    """Parse and check a whole catalogue file against the configured fields
    (``{id: name}``); raises ``CatalogueError`` listing every problem."""
    text = data if isinstance(data, str) else decode(data, source)
    text = text.removeprefix("\ufeff")
    records = [(r, cells) for r, cells in _records(text, source) if any(c.strip() for c in cells)]
    if not records:
        raise CatalogueError([Problem("the file is empty: it needs the heading row")], source)
    head_row, headings = records[0]
    problems: list[Problem] = []
    columns: dict[int, Column] = {}
    blank_heading: list[int] = []
    for i, heading in enumerate(headings):
        if not heading.strip():
            blank_heading.append(i)
            continue
        col = _BY_FOLDED.get(fold(heading))
        if col is None:
            known = ", ".join(f"'{c.heading}'" for c in COLUMNS)
            problems.append(
                Problem(f"unknown column '{heading.strip()}' (known: {known})", head_row)
            )
        elif col in columns.values():
            problems.append(Problem(f"column '{col.heading}' appears twice", head_row))
        else:
            columns[i] = col
    present = set(columns.values())
    for col in COLUMNS:
        if col.required and col not in present:
            problems.append(Problem(f"missing column '{col.heading}'", head_row))
    if problems:
        raise CatalogueError(problems, source)

    lookup = _service_lookup(services)
    configured = ", ".join(f"{sid} ({name})" for sid, name in services.items())
    procedures: list[Procedure] = []
    seen: dict[str, int] = {}
    for row, cells in records[1:]:
        extra = [i for i in range(len(headings), len(cells)) if cells[i].strip()]
        extra += [i for i in blank_heading if i < len(cells) and cells[i].strip()]
        if extra:
            problems.append(
                Problem(
                    f"text in column {extra[0] + 1}, which has no heading "
                    "(a stray delimiter or quote?)",
                    row,
                )
            )
            continue
        values = {col.key: (cells[i] if i < len(cells) else "") for i, col in columns.items()}
        before = len(problems)

        def problem(key: str, message: str, row: int = row) -> None:
            problems.append(Problem(message, row, HEADING[key]))

        for key, value in values.items():
            bad = unsafe_char(value, lines=True)
            if bad:
                problem(key, f"holds {bad}; delete it")
        if len(problems) > before:
            continue

        code = _single_line(values.get("code", ""))
        if not code:
            problem("code", "missing: every procedure needs its code, e.g. 1.001193")
        elif not CODE.fullmatch(code):
            problem(
                "code", f"'{code}' is not a code like 1.001193 (letters, digits, '.', '-', '_')"
            )
        elif code in seen:
            problem("code", f"'{code}' is already used on row {seen[code]}")
        else:
            seen[code] = row
        name = _single_line(values.get("name", ""))
        if not name:
            problem("name", "missing: every procedure needs a name")
        elif len(name) > MAX_NAME:
            problem("name", f"longer than {MAX_NAME} characters ({len(name)})")
        service_text = _single_line(values.get("service", ""))
        service = lookup.get(service_text) or lookup.get(fold(service_text))
        if not service_text:
            problem("service", f"missing: name the field (configured: {configured})")
        elif service is None:
            problem(
                "service",
                f"unknown field '{service_text}' (configured: {configured}); "
                "add it to the config's [[services]] or use one of these",
            )
        documents: list[Document] = []
        for n, line in enumerate(_lines(values.get("documents", "")), start=1):
            try:
                documents.append(parse_document(line))
            except ValueError as exc:
                problem("documents", f"line {n} ('{line[:60]}'): {exc}")
        for key in ("processing_time", "fees", "applicants", "steps", "legal_basis", "keywords"):
            if len(values.get(key, "")) > MAX_TEXT:
                problem(key, f"longer than {MAX_TEXT} characters")
        url = _single_line(values.get("url", ""))
        if url and not _URL.fullmatch(url):
            problem("url", f"'{url[:80]}' is not an http:// or https:// address")
        if len(problems) > before:
            continue
        assert service is not None
        procedures.append(
            Procedure(
                code=code,
                name=name,
                service=service,
                documents=tuple(documents),
                steps=tuple(_lines(values.get("steps", ""))),
                processing_time=_text(values.get("processing_time", "")),
                fees=_text(values.get("fees", "")),
                applicants=_text(values.get("applicants", "")),
                legal_basis=tuple(_lines(values.get("legal_basis", ""))),
                url=url,
                keywords=tuple(_keywords(values.get("keywords", ""))),
            )
        )
    if not procedures and not problems:
        problems.append(Problem("the file has no procedures under its heading row"))
    if problems:
        raise CatalogueError(problems, source)
    return procedures


def _text(value: str) -> str:
    """Free text: lines kept (without bullets), spaces tidied."""
    return "\n".join(_lines(value))


def _keywords(value: str) -> list[str]:
    out = []
    for line in value.replace(";", "\n").replace(",", "\n").splitlines():
        line = " ".join(line.split())
        if line:
            out.append(line)
    return out


# --- writing ------------------------------------------------------------------------


def write_catalogue(procedures: Iterable[Procedure]) -> bytes:
    """The catalogue as CSV bytes: UTF-8 with BOM, CRLF rows, one row per procedure."""
    buf = io.StringIO(newline="")
    writer = spreadsheet.writer(buf, lineterminator="\r\n")
    writer.writerow([c.heading for c in COLUMNS])
    for p in procedures:
        writer.writerow(
            [
                p.code,
                p.name,
                p.service,
                "\n".join(format_document(d) for d in p.documents),
                p.processing_time,
                p.fees,
                p.applicants,
                "\n".join(p.steps),
                "\n".join(p.legal_basis),
                p.url,
                ", ".join(p.keywords),
            ]
        )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
