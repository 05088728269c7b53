"""A report as Vietnamese tables (headings and text cells), for CSV and the admin page."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sothutu import spreadsheet
from sothutu.ratings import LEVELS


@dataclass(frozen=True)
class Table:
    title: str
    headings: list[str]
    rows: list[list[str]]


def vn_date(iso: str) -> str:
    """``2026-11-24`` → ``24/11/2026``."""
    d = date.fromisoformat(iso)
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def period_text(report: dict[str, Any]) -> str:
    a, b = vn_date(report["from"]), vn_date(report["to"])
    return f"ngày {a}" if a == b else f"từ ngày {a} đến ngày {b}"


def _num(x: float | int | None, digits: int = 1) -> str:
    if x is None:
        return ""
    if isinstance(x, int):
        return str(x)
    return f"{x:.{digits}f}"


def _pct(x: float | None) -> str:
    return "" if x is None else f"{x * 100:.1f}"


Column = tuple[str, Callable[[dict[str, Any]], str]]


def metric_columns(level: float) -> list[Column]:
    lvl = _num(level, 0) if float(level).is_integer() else _num(level)
    cols: list[Column] = [
        ("Số phiếu", lambda r: _num(r["issued"])),
        ("Đã gọi", lambda r: _num(r["called"])),
        ("Đã phục vụ", lambda r: _num(r["served"])),
        ("Vắng mặt", lambda r: _num(r["no_show"])),
        ("Hết hạn", lambda r: _num(r["expired"])),
        ("Tỷ lệ vắng mặt (%)", lambda r: _pct(r["no_show_rate"])),
        ("Chờ trung bình (phút)", lambda r: _num(r["waiting"]["mean"])),
        ("Chờ trung vị (phút)", lambda r: _num(r["waiting"]["median"])),
        ("Chờ P90 (phút)", lambda r: _num(r["waiting"]["p90"])),
        ("Chờ lâu nhất (phút)", lambda r: _num(r["waiting"]["max"])),
        ("Phục vụ trung bình (phút)", lambda r: _num(r["service"]["mean"])),
        ("Phục vụ trung vị (phút)", lambda r: _num(r["service"]["median"])),
        (f"Chờ quá {lvl} phút", lambda r: _num(r["over_service_level"]["count"])),
        (f"Tỷ lệ chờ quá {lvl} phút (%)", lambda r: _pct(r["over_service_level"]["share"])),
        ("Số đánh giá", lambda r: _num(r["ratings"]["count"])),
        ("Điểm hài lòng (1–5)", lambda r: _num(r["ratings"]["mean"], 2)),
    ]
    for score, words in LEVELS.items():
        cols.append((words, lambda r, s=str(score): _num(r["ratings"]["levels"][s])))
    return cols


COUNTER_COLUMNS: list[Column] = [
    ("Gọi lại", lambda r: _num(r["recalls"])),
    ("Tạm giữ", lambda r: _num(r["held"])),
    ("Chuyển lĩnh vực", lambda r: _num(r["transferred"])),
    ("Mở quầy (phút)", lambda r: _num(r["open_minutes"])),
    ("Đang phục vụ (phút)", lambda r: _num(r["serving_minutes"])),
    ("Thời gian rảnh (phút)", lambda r: _num(r["idle_minutes"])),
]


BOOKING_COLUMNS: list[Column] = [
    ("Số phiếu", lambda r: _num(r["issued"])),
    ("Đặt lịch, đến đúng giờ", lambda r: _num(r["booking"]["booked"])),
    ("Đặt lịch, đến muộn", lambda r: _num(r["booking"]["late"])),
    ("Không đặt lịch", lambda r: _num(r["booking"]["walk_in"])),
    ("Số lịch hẹn", lambda r: _num(r["booking"]["bookings"])),
    ("Lịch hẹn không đến", lambda r: _num(r["booking"]["no_show"])),
    ("Đến so với giờ hẹn, trung bình (phút)", lambda r: _num(r["booking"]["arrival"]["mean"])),
    ("Tỷ lệ đến đúng giờ (%)", lambda r: _pct(r["booking"]["arrival"]["on_time_share"])),
]


def has_bookings(report: dict[str, Any]) -> bool:
    """Whether the period saw any booking (the booking table is left out otherwise)."""
    b = report["total"].get("booking") or {}
    return bool(b.get("bookings") or b.get("booked") or b.get("late"))


def _table(
    title: str, first: str, rows: list[tuple[str, dict[str, Any]]], cols: list[Column]
) -> Table:
    return Table(
        title,
        [first, *(name for name, _ in cols)],
        [[label, *(fn(r) for _, fn in cols)] for label, r in rows],
    )


#: Headings of the tables shown on screen and printed (A4 landscape); the CSV has all.
COMPACT = {
    "services": [
        "Số phiếu", "Đã gọi", "Đã phục vụ", "Vắng mặt", "Hết hạn", "Tỷ lệ vắng mặt (%)",
        "Chờ trung bình (phút)", "Chờ trung vị (phút)", "Chờ P90 (phút)", "Chờ lâu nhất (phút)",
        "Phục vụ trung bình (phút)", "Phục vụ trung vị (phút)", "Tỷ lệ chờ quá {L} phút (%)",
        "Điểm hài lòng (1–5)",
    ],
    "counters": [
        "Đã gọi", "Gọi lại", "Đã phục vụ", "Vắng mặt", "Tạm giữ", "Chuyển lĩnh vực",
        "Chờ trung bình (phút)", "Phục vụ trung bình (phút)", "Phục vụ trung vị (phút)",
        "Tỷ lệ chờ quá {L} phút (%)", "Mở quầy (phút)", "Đang phục vụ (phút)",
        "Thời gian rảnh (phút)", "Điểm hài lòng (1–5)",
    ],
    "hours": [
        "Số phiếu", "Đã gọi", "Đã phục vụ", "Vắng mặt", "Hết hạn", "Chờ trung bình (phút)",
        "Chờ P90 (phút)", "Phục vụ trung bình (phút)", "Tỷ lệ chờ quá {L} phút (%)",
        "Điểm hài lòng (1–5)",
    ],
    "ratings": ["Số đánh giá", *LEVELS.values(), "Điểm hài lòng (1–5)"],
}  # fmt: skip


def _pick(cols: list[Column], names: list[str], level: str) -> list[Column]:
    by_name = dict(cols)
    return [(n, by_name[n]) for n in (x.replace("{L}", level) for x in names)]


def tables(report: dict[str, Any], compact: bool = False) -> list[Table]:
    """The report's tables: by field (with the total), by counter, by hour, by day.
    ``compact`` keeps the columns that fit a screen or a printed page and adds a table
    of the ratings by counter."""
    level = report["service_level_minutes"]
    lvl = _num(level, 0) if float(level).is_integer() else _num(level)
    cols = metric_columns(level)
    counter_cols = [c for c in cols if c[0] != "Số phiếu"] + COUNTER_COLUMNS
    hour_cols = cols
    if compact:
        counter_cols = _pick(counter_cols, COMPACT["counters"], lvl)
        hour_cols = _pick(cols, COMPACT["hours"], lvl)
        cols = _pick(cols, COMPACT["services"], lvl)
    out = [
        _table(
            "Theo lĩnh vực",
            "Lĩnh vực",
            [(s["name"], s) for s in report["services"]] + [("Tổng cộng", report["total"])],
            cols,
        ),
        *(
            [
                _table(
                    "Đặt lịch trước theo lĩnh vực",
                    "Lĩnh vực",
                    [(s["name"], s) for s in report["services"]] + [("Tổng cộng", report["total"])],
                    BOOKING_COLUMNS,
                )
            ]
            if has_bookings(report)
            else []
        ),
        _table("Theo quầy", "Quầy", [(c["name"], c) for c in report["counters"]], counter_cols),
        _table(
            "Theo giờ",
            "Giờ",
            [(f"{h['hour']:02d}:00–{h['hour'] + 1:02d}:00", h) for h in report["hours"]],
            hour_cols,
        ),
    ]
    if report["from"] != report["to"]:
        out.append(
            _table(
                "Theo ngày", "Ngày", [(vn_date(d["date"]), d) for d in report["days"]], hour_cols
            )
        )
    if compact:
        out.append(
            _table(
                "Mức độ hài lòng theo quầy",
                "Quầy",
                [(c["name"], c) for c in report["counters"]] + [("Tổng cộng", report["total"])],
                _pick(metric_columns(level), COMPACT["ratings"], lvl),
            )
        )
    return out


def today_table(report: dict[str, Any]) -> Table:
    """The few figures of today shown on the admin page's live view."""
    level = report["service_level_minutes"]
    lvl = _num(level, 0) if float(level).is_integer() else _num(level)
    names = [
        "Số phiếu", "Đã phục vụ", "Vắng mặt", "Chờ trung bình (phút)", "Chờ lâu nhất (phút)",
        "Phục vụ trung bình (phút)", "Tỷ lệ chờ quá {L} phút (%)", "Điểm hài lòng (1–5)",
    ]  # fmt: skip
    return _table(
        "Hôm nay",
        "Lĩnh vực",
        [(s["name"], s) for s in report["services"]] + [("Tổng cộng", report["total"])],
        _pick(metric_columns(level), names, lvl),
    )


def to_csv(report: dict[str, Any]) -> bytes:
    """The whole report as CSV in UTF-8 with a byte-order mark (Excel shows the
    diacritics), comma-separated, a title block then one block per table. Names that
    a spreadsheet would run as formulas get a leading ``'`` (``sothutu.spreadsheet``)."""
    buf = io.StringIO()
    w = spreadsheet.writer(buf, lineterminator="\r\n")
    w.writerow(["Báo cáo số thứ tự", report["centre"]])
    w.writerow(["Từ ngày", vn_date(report["from"])])
    w.writerow(["Đến ngày", vn_date(report["to"])])
    w.writerow(["Ngưỡng chờ (phút)", _num(report["service_level_minutes"], 0)])
    for t in tables(report):
        w.writerow([])
        w.writerow([t.title])
        w.writerow(t.headings)
        w.writerows(t.rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def csv_filename(report: dict[str, Any]) -> str:
    a, b = report["from"], report["to"]
    return f"bao-cao-{a}.csv" if a == b else f"bao-cao-{a}-den-{b}.csv"
