"""A report as Vietnamese tables, for the pages, CSV and .xlsx.

A ``Table`` keeps its cells typed (whole numbers, minutes, shares 0…1, scores, dates,
text) with the kind of each column, so each output writes them its own way: the
pages as Vietnamese readers write numbers (``numbers.SCREEN``: 1.234 and 2,1), CSV in
its dialect, .xlsx as numbers with number formats (``sheets``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sothutu.ratings import LEVELS
from sothutu.reports import numbers
from sothutu.reports.numbers import vn_date

__all__ = ["Table", "period_text", "tables", "today_table", "vn_date"]

#: The kinds of cell: how each is written on a page, in CSV and in .xlsx.
COUNT, MINUTES, SHARE, SCORE, TEXT, DAY = "count", "minutes", "share", "score", "text", "date"
#: The labels of the rows that add up the others (shown in bold).
TOTAL_LABELS = frozenset({"Tổng cộng", "Cả trung tâm", "Toàn tỉnh"})


def cell_text(value: Any, kind: str | None, style: numbers.Style = numbers.SCREEN) -> str:
    """One cell as text in ``style``; "" for an empty one. Without a kind, the value's
    type says it (a date, a whole number, a number with one decimal)."""
    if value is None:
        return ""
    if isinstance(value, date):
        return vn_date(value)
    if isinstance(value, str | bool) or not isinstance(value, int | float):
        return str(value)
    if kind == SHARE:
        return numbers.percent(value, 1, style)
    if kind == SCORE:
        return numbers.number(float(value), 2, style)
    if kind == MINUTES:
        return numbers.number(float(value), 1, style)
    if float(value).is_integer():
        return numbers.number(int(value), 0, style)
    return numbers.number(value, 1, style)


@dataclass(frozen=True)
class Table:
    """A titled table: headings, the kind of each column and typed rows. The first
    ``labels`` columns name the row (text, or a date)."""

    title: str
    headings: list[str]
    kinds: list[str]
    rows: list[list[Any]]
    labels: int = 1

    def text(self, style: numbers.Style = numbers.SCREEN) -> list[list[str]]:
        """The rows as text, numbers written in ``style``."""
        return [self.row_text(r, style) for r in self.rows]

    def row_text(self, row: Sequence[Any], style: numbers.Style = numbers.SCREEN) -> list[str]:
        """One row as text, numbers written in ``style``."""
        return [cell_text(v, k, style) for v, k in zip(row, self.kinds, strict=True)]

    def is_total(self, row: Sequence[Any]) -> bool:
        """A row that adds up the others ("Tổng cộng", "Cả trung tâm", "Toàn tỉnh")."""
        return any(isinstance(v, str) and v in TOTAL_LABELS for v in row[: self.labels])


def period_text(report: dict[str, Any]) -> str:
    a, b = vn_date(report["from"]), vn_date(report["to"])
    return f"ngày {a}" if a == b else f"từ ngày {a} đến ngày {b}"


def level_text(level: float) -> str:
    """The service level as its headings say it: ``15`` or ``7,5``."""
    return numbers.short(level)


#: The heading of the 90th percentile of the waiting times, in words a head reads.
P90 = "90% công dân chờ không quá (phút)"
SATISFIED = "Tỷ lệ hài lòng (%)"

#: (heading, kind, the value in a report's row)
Column = tuple[str, str, Callable[[dict[str, Any]], Any]]


def metric_columns(level: float) -> list[Column]:
    lvl = level_text(level)
    cols: list[Column] = [
        ("Số phiếu", COUNT, lambda r: r["issued"]),
        ("Đã gọi", COUNT, lambda r: r["called"]),
        ("Đã phục vụ", COUNT, lambda r: r["served"]),
        ("Vắng mặt", COUNT, lambda r: r["no_show"]),
        ("Hết hạn", COUNT, lambda r: r["expired"]),
        ("Tỷ lệ vắng mặt (%)", SHARE, lambda r: r["no_show_rate"]),
        ("Chờ trung bình (phút)", MINUTES, lambda r: r["waiting"]["mean"]),
        ("Chờ trung vị (phút)", MINUTES, lambda r: r["waiting"]["median"]),
        (P90, MINUTES, lambda r: r["waiting"]["p90"]),
        ("Chờ lâu nhất (phút)", MINUTES, lambda r: r["waiting"]["max"]),
        ("Phục vụ trung bình (phút)", MINUTES, lambda r: r["service"]["mean"]),
        ("Phục vụ trung vị (phút)", MINUTES, lambda r: r["service"]["median"]),
        (f"Chờ quá {lvl} phút", COUNT, lambda r: r["over_service_level"]["count"]),
        (f"Tỷ lệ chờ quá {lvl} phút (%)", SHARE, lambda r: r["over_service_level"]["share"]),
        ("Số đánh giá", COUNT, lambda r: r["ratings"]["count"]),
        ("Điểm hài lòng (1–5)", SCORE, lambda r: r["ratings"]["mean"]),
        (SATISFIED, SHARE, lambda r: r["ratings"].get("satisfied")),
    ]
    for score, words in LEVELS.items():
        cols.append((words, COUNT, lambda r, s=str(score): r["ratings"]["levels"][s]))
    return cols


COUNTER_COLUMNS: list[Column] = [
    ("Gọi lại", COUNT, lambda r: r["recalls"]),
    ("Tạm giữ", COUNT, lambda r: r["held"]),
    ("Chuyển lĩnh vực", COUNT, lambda r: r["transferred"]),
    ("Mở quầy (phút)", MINUTES, lambda r: r["open_minutes"]),
    ("Đang phục vụ (phút)", MINUTES, lambda r: r["serving_minutes"]),
    ("Thời gian rảnh (phút)", MINUTES, lambda r: r["idle_minutes"]),
]


BOOKING_COLUMNS: list[Column] = [
    ("Số phiếu", COUNT, lambda r: r["issued"]),
    ("Đặt lịch, đến đúng giờ", COUNT, lambda r: r["booking"]["booked"]),
    ("Đặt lịch, đến muộn", COUNT, lambda r: r["booking"]["late"]),
    ("Không đặt lịch", COUNT, lambda r: r["booking"]["walk_in"]),
    ("Số lịch hẹn", COUNT, lambda r: r["booking"]["bookings"]),
    ("Lịch hẹn không đến", COUNT, lambda r: r["booking"]["no_show"]),
    ("Đến so với giờ hẹn, trung bình (phút)", MINUTES, lambda r: r["booking"]["arrival"]["mean"]),
    ("Tỷ lệ đến đúng giờ (%)", SHARE, lambda r: r["booking"]["arrival"]["on_time_share"]),
]


def has_bookings(report: dict[str, Any]) -> bool:
    """Whether the period saw any booking (the booking table is left out otherwise)."""
    b = report["total"].get("booking") or {}
    return bool(b.get("bookings") or b.get("booked") or b.get("late"))


def make_table(
    title: str,
    first: tuple[str, str],
    rows: list[tuple[Any, dict[str, Any]]],
    cols: list[Column],
) -> Table:
    return Table(
        title,
        [first[0], *(name for name, _, _ in cols)],
        [first[1], *(kind for _, kind, _ in cols)],
        [[label, *(fn(r) for _, _, fn in cols)] for label, r in rows],
    )


#: Headings of the tables shown on screen and printed (A4 landscape); CSV and .xlsx
#: have all.
COMPACT = {
    "services": [
        "Số phiếu", "Đã gọi", "Đã phục vụ", "Vắng mặt", "Hết hạn", "Tỷ lệ vắng mặt (%)",
        "Chờ trung bình (phút)", "Chờ trung vị (phút)", P90, "Chờ lâu nhất (phút)",
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
        P90, "Phục vụ trung bình (phút)", "Tỷ lệ chờ quá {L} phút (%)", "Điểm hài lòng (1–5)",
    ],
    "ratings": ["Số đánh giá", *LEVELS.values(), "Điểm hài lòng (1–5)", SATISFIED],
}  # fmt: skip


def pick(cols: list[Column], names: list[str], level: float) -> list[Column]:
    """The columns named (``{L}`` stands for the service level), in that order."""
    by_name = {c[0]: c for c in cols}
    lvl = level_text(level)
    return [by_name[n.replace("{L}", lvl)] for n in names]


def tables(report: dict[str, Any], compact: bool = False) -> list[Table]:
    """The report's tables: by field (with the total), by counter, by hour, by day.
    ``compact`` keeps the columns that fit a screen or a printed page and adds a table
    of the ratings by counter."""
    level = report["service_level_minutes"]
    cols = metric_columns(level)
    counter_cols = [c for c in cols if c[0] != "Số phiếu"] + COUNTER_COLUMNS
    hour_cols = cols
    if compact:
        counter_cols = pick(counter_cols, COMPACT["counters"], level)
        hour_cols = pick(cols, COMPACT["hours"], level)
        cols = pick(cols, COMPACT["services"], level)
    out = [
        make_table(
            "Theo lĩnh vực",
            ("Lĩnh vực", TEXT),
            [(s["name"], s) for s in report["services"]] + [("Tổng cộng", report["total"])],
            cols,
        ),
        *(
            [
                make_table(
                    "Đặt lịch trước theo lĩnh vực",
                    ("Lĩnh vực", TEXT),
                    [(s["name"], s) for s in report["services"]] + [("Tổng cộng", report["total"])],
                    BOOKING_COLUMNS,
                )
            ]
            if has_bookings(report)
            else []
        ),
        make_table(
            "Theo quầy",
            ("Quầy", TEXT),
            [(c["name"], c) for c in report["counters"]],
            counter_cols,
        ),
        make_table(
            "Theo giờ",
            ("Giờ", TEXT),
            [(f"{h['hour']:02d}:00–{h['hour'] + 1:02d}:00", h) for h in report["hours"]],
            hour_cols,
        ),
    ]
    if report["from"] != report["to"]:
        out.append(
            make_table(
                "Theo ngày",
                ("Ngày", DAY),
                [(date.fromisoformat(d["date"]), d) for d in report["days"]],
                hour_cols,
            )
        )
    if compact:
        out.append(
            make_table(
                "Mức độ hài lòng theo quầy",
                ("Quầy", TEXT),
                [(c["name"], c) for c in report["counters"]] + [("Tổng cộng", report["total"])],
                pick(metric_columns(level), COMPACT["ratings"], level),
            )
        )
    return out


def today_table(report: dict[str, Any]) -> Table:
    """The few figures of today shown on the admin page's live view."""
    names = [
        "Số phiếu", "Đã phục vụ", "Vắng mặt", "Chờ trung bình (phút)", "Chờ lâu nhất (phút)",
        "Phục vụ trung bình (phút)", "Tỷ lệ chờ quá {L} phút (%)", "Điểm hài lòng (1–5)",
    ]  # fmt: skip
    return make_table(
        "Hôm nay",
        ("Lĩnh vực", TEXT),
        [(s["name"], s) for s in report["services"]] + [("Tổng cộng", report["total"])],
        pick(
            metric_columns(report["service_level_minutes"]), names, report["service_level_minutes"]
        ),
    )
