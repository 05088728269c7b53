"""The province report as tables: for the page, CSV (Excel-friendly) and .xlsx.

Columns (docs/hub.md): centre, district, field, issued, served, no-show, mean and
90th-percentile wait in minutes, the share of served tickets within the service
level, ratings, the mean score and the satisfied share (Hài lòng or Rất hài lòng);
tickets of bookings checked in on time, the other tickets (walk-ins and late
arrivals), bookings nobody checked in, and booked citizens' mean arrival against
their slot's start (negative: early).
"""

from __future__ import annotations

import io
from typing import Any

from sothutu import spreadsheet
from sothutu.reports.table import vn_date


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _pct(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def headings(report: dict[str, Any]) -> list[str]:
    lvl = report["service_level_minutes"]
    lvl_text = f"{lvl:.0f}" if float(lvl).is_integer() else f"{lvl}"
    return [
        "Trung tâm",
        "Khu vực",
        "Lĩnh vực",
        "Số phiếu",
        "Đã phục vụ",
        "Vắng mặt",
        "Chờ trung bình (phút)",
        "Chờ P90 (phút)",
        f"Tỷ lệ chờ không quá {lvl_text} phút (%)",
        "Số đánh giá",
        "Điểm hài lòng (1–5)",
        "Tỷ lệ hài lòng (%)",
        "Đặt lịch, đến đúng giờ",
        "Không đặt lịch",
        "Lịch hẹn không đến",
        "Đến so với giờ hẹn, trung bình (phút)",
    ]


def _cells(item: dict[str, Any], centre: str, district: str, field: str) -> list[Any]:
    r = item["ratings"]
    return [
        centre,
        district,
        field,
        item["issued"],
        item["served"],
        item["no_show"],
        _minutes(item["wait_avg_s"]),
        _minutes(item["wait_p90_s"]),
        _pct(item["service_level"]),
        r["count"],
        r["mean"],
        _pct(r["satisfied"]),
        item["booking"]["booked"],
        item["booking"]["walk_in"],
        item["booking"]["no_show"],
        _minutes(item["booking"]["arrival_avg_s"]),
    ]


def rows(report: dict[str, Any], *, per_field: bool = True) -> list[list[Any]]:
    """Each centre's fields then its total (or only the totals), then the province total."""
    by_centre: dict[str, list[dict[str, Any]]] = {}
    for r in report["rows"]:
        by_centre.setdefault(r["centre"], []).append(r)
    out: list[list[Any]] = []
    for total in report["centres"]:
        name, district = total["centre_name"], total["district"]
        if per_field:
            for r in by_centre.get(total["centre"], []):
                out.append(_cells(r, name, district, r["service_name"]))
        out.append(_cells(total, name, district, "Cả trung tâm" if per_field else ""))
    if report["total"] is not None:
        out.append(_cells(report["total"], "Toàn tỉnh", "", ""))
    return out


def title(report: dict[str, Any]) -> str:
    a, b = vn_date(report["from"]), vn_date(report["to"])
    return f"Báo cáo số thứ tự ngày {a}" if a == b else f"Báo cáo số thứ tự từ {a} đến {b}"


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.1f}" if abs(v - round(v, 1)) < 1e-9 else f"{v:.2f}"
    return str(v)


def to_csv(report: dict[str, Any], province: str) -> bytes:
    """UTF-8 with a byte-order mark, comma-separated, CRLF, as the centre's CSV (a name
    a spreadsheet would run as a formula starts with ``'``: ``sothutu.spreadsheet``)."""
    buf = io.StringIO()
    w = spreadsheet.writer(buf, lineterminator="\r\n")
    w.writerow([title(report), province])
    w.writerow(["Từ ngày", vn_date(report["from"])])
    w.writerow(["Đến ngày", vn_date(report["to"])])
    w.writerow(["Ngưỡng chờ (phút)", _text(report["service_level_minutes"])])
    w.writerow([])
    w.writerow(headings(report))
    for row in rows(report):
        w.writerow([_text(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(report: dict[str, Any], province: str) -> bytes:
    """An Excel workbook: "Theo lĩnh vực" (every field) and "Theo trung tâm" (totals).

    Every text is a text cell: openpyxl would store a name starting with ``=`` as a
    formula, which Excel would run."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    sheets = [("Theo lĩnh vực", True), ("Theo trung tâm", False)]
    for i, (name, per_field) in enumerate(sheets):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = name
        ws.append([title(report)])
        ws["A1"].font = Font(bold=True, size=14)
        ws.append([province])
        ws.append([f"Ngưỡng chờ: {_text(report['service_level_minutes'])} phút"])
        ws.append([])
        ws.append(headings(report))
        for cell in ws[5]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in rows(report, per_field=per_field):
            ws.append(row)
            if row[0] == "Toàn tỉnh" or row[2] in ("Cả trung tâm",):
                for cell in ws[ws.max_row]:
                    cell.font = Font(bold=True)
        widths = [38, 18, 22] + [12] * 9
        for col, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = width
        ws.freeze_panes = "D6"
        for line in ws.iter_rows():
            for cell in line:
                if cell.data_type == "f":
                    cell.data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def filename(report: dict[str, Any], ext: str) -> str:
    a, b = report["from"], report["to"]
    return f"bao-cao-tinh-{a}.{ext}" if a == b else f"bao-cao-tinh-{a}-den-{b}.{ext}"
