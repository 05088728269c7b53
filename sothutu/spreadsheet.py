"""CSV cells a spreadsheet opens as text, never as a formula.

Excel and LibreOffice run a cell that starts with ``=``, ``+``, ``-`` or ``@``
(also after a tab or carriage return) as a formula: a centre's name or a
procedure's name like ``=HYPERLINK("http://…")`` in a downloaded report would
become a live link or worse. ``safe_cell`` puts a ``'`` before such a cell, the
mark spreadsheets read as "this is text"; numbers (``-1.5``, ``-1,5``,
``1.234,5``) stay as they are. ``read_cell`` undoes it, so a file our own
export wrote reads back unchanged. Every CSV writer of the project writes
through ``safe_cell`` (or ``writer``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO, Any

#: What a cell may start with for a spreadsheet to take it for a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A plain number, as we write them or as Vietnamese spreadsheets do (comma decimals,
#: dot thousands), with an optional sign and exponent.
_NUMBER = re.compile(r"[-+]?(?:\d+(?:[.,]\d+)*|[.,]\d+)(?:[eE][-+]?\d+)?%?")


def _needs_mark(text: str) -> bool:
    """True when the text would be taken for a formula, or starts with marks that
    ``read_cell`` would otherwise take off."""
    bare = text.lstrip("'")
    return bare.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(bare)


def safe_cell(value: Any) -> Any:
    """A cell to write: text that would start a formula gets a leading ``'``;
    anything else (numbers, ordinary text) is returned as it is."""
    if isinstance(value, str) and _needs_mark(value):
        return "'" + value
    return value


def read_cell(text: str) -> str:
    """The text ``safe_cell`` was given, from the cell it wrote."""
    if text.startswith("'") and _needs_mark(text[1:]):
        return text[1:]
    return text


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in row]


class SafeWriter:
    """``csv.writer`` whose every cell goes through ``safe_cell``."""

    def __init__(self, out: IO[str], **options: Any) -> None:
        self._w = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._w.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: IO[str], **options: Any) -> SafeWriter:
    """A CSV writer for spreadsheets: ``csv.writer(out, **options)`` with safe cells."""
    return SafeWriter(out, **options)
