"""A centre's report as a file: CSV (two dialects) or .xlsx, with the same tables.

The centre's admin page, its API and command line, and the province hub's page of a
centre all download these.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sothutu.reports import sheets
from sothutu.reports.sheets import XLSX_TYPE
from sothutu.reports.table import tables

#: The title of a report file's first line.
TITLE = "Báo cáo số thứ tự"


def book(report: dict[str, Any]) -> sheets.Book:
    """The title lines (centre, period, service level) and every table of the report:
    by field, by counter, by hour and, for a period, by day."""
    return sheets.Book(
        [
            [TITLE, report["centre"]],
            ["Từ ngày", date.fromisoformat(report["from"])],
            ["Đến ngày", date.fromisoformat(report["to"])],
            ["Ngưỡng chờ (phút)", report["service_level_minutes"]],
        ],
        tables(report),
    )


def to_csv(report: dict[str, Any], dialect: str = "plain") -> bytes:
    """The report as CSV in ``dialect`` (``sheets.DIALECTS``)."""
    return sheets.to_csv(book(report), dialect)


def to_xlsx(report: dict[str, Any]) -> bytes:
    """The report as an Excel workbook, a sheet per table."""
    return sheets.to_xlsx(book(report), f"{TITLE} — {report['centre']}")


def filename(report: dict[str, Any], ext: str = "csv") -> str:
    """``bao-cao-2026-11-24.csv`` or ``bao-cao-2026-11-01-den-2026-11-30.xlsx``."""
    a, b = report["from"], report["to"]
    return f"bao-cao-{a}.{ext}" if a == b else f"bao-cao-{a}-den-{b}.{ext}"


def download(report: dict[str, Any], fmt: str, dialect: str = "plain") -> tuple[bytes, str, str]:
    """(bytes, Content-Type, file name) of the report as ``fmt`` ("csv" in ``dialect``,
    or "xlsx"), for the centre's and the hub's download answers."""
    if fmt == "xlsx":
        return to_xlsx(report), XLSX_TYPE, filename(report, "xlsx")
    return to_csv(report, dialect), "text/csv; charset=utf-8", filename(report, "csv")
