"""The province report as tables: for the pages, CSV and .xlsx (the writers shared with
the centres, ``sothutu.reports.sheets``).

Columns (docs/hub.md): centre, district, field, issued, served, no-show, mean wait and
the wait 90% of citizens stayed within, in minutes, the share of served tickets within
the service level, ratings, the mean score and the satisfied share (Hài lòng or Rất hài
lòng); tickets of bookings checked in on time, the other tickets (walk-ins and late
arrivals), bookings nobody checked in, and booked citizens' mean arrival against their
slot's start (negative: early). Cells are typed: the pages write them as Vietnamese
readers do, CSV in its dialect, .xlsx as numbers with number formats.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sothutu.reports import sheets
from sothutu.reports.table import (
    COUNT,
    MINUTES,
    P90,
    SATISFIED,
    SCORE,
    SHARE,
    TEXT,
    Table,
    level_text,
    vn_date,
)

#: The label columns of the province's tables.
LABELS = 3


#: The booking columns (left out of the printed month when nobody booked).
BOOKING_COLUMNS = [
    ("Đặt lịch, đến đúng giờ", COUNT),
    ("Không đặt lịch", COUNT),
    ("Lịch hẹn không đến", COUNT),
    ("Đến so với giờ hẹn, trung bình (phút)", MINUTES),
]


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def columns(report: dict[str, Any]) -> list[tuple[str, str]]:
    """(heading, kind) of each column."""
    lvl = level_text(report["service_level_minutes"])
    return [
        ("Trung tâm", TEXT),
        ("Khu vực", TEXT),
        ("Lĩnh vực", TEXT),
        ("Số phiếu", COUNT),
        ("Đã phục vụ", COUNT),
        ("Vắng mặt", COUNT),
        ("Chờ trung bình (phút)", MINUTES),
        (P90, MINUTES),
        (f"Tỷ lệ chờ không quá {lvl} phút (%)", SHARE),
        ("Số đánh giá", COUNT),
        ("Điểm hài lòng (1–5)", SCORE),
        (SATISFIED, SHARE),
        *BOOKING_COLUMNS,
    ]


def headings(report: dict[str, Any]) -> list[str]:
    return [h for h, _ in columns(report)]


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
        item["service_level"],
        r["count"],
        r["mean"],
        r["satisfied"],
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


def table(report: dict[str, Any], *, per_field: bool = True) -> Table:
    """The report as a table: "Theo lĩnh vực" (every field) or "Theo trung tâm"."""
    cols = columns(report)
    return Table(
        "Theo lĩnh vực" if per_field else "Theo trung tâm",
        [h for h, _ in cols],
        [k for _, k in cols],
        rows(report, per_field=per_field),
        labels=LABELS,
    )


def booked(report: dict[str, Any]) -> bool:
    """Whether anyone in the report booked (or was booked): else its booking columns are
    left off the page and the print (CSV and .xlsx keep every column)."""
    total = report["total"]
    return total is not None and any(total["booking"][k] for k in ("booked", "late", "bookings"))


def _drop(t: Table, headings: set[str]) -> Table:
    keep = [i for i, h in enumerate(t.headings) if h not in headings]
    return Table(
        t.title,
        [t.headings[i] for i in keep],
        [t.kinds[i] for i in keep],
        [[r[i] for i in keep] for r in t.rows],
        labels=t.labels - sum(1 for i in range(t.labels) if i not in keep),
    )


def page_table(report: dict[str, Any]) -> Table:
    """The table on the report page: every field, the booking columns when anyone booked."""
    t = table(report)
    return t if booked(report) else _drop(t, {h for h, _ in BOOKING_COLUMNS})


def print_table(report: dict[str, Any]) -> Table:
    """The printed month: a numbered line per centre, then the province's total."""
    t = table(report, per_field=False)
    t = _drop(t, {"Lĩnh vực"} | (set() if booked(report) else {h for h, _ in BOOKING_COLUMNS}))
    numbered = [[None if t.is_total(r) else n, *r] for n, r in enumerate(t.rows, start=1)]
    return Table("Theo trung tâm", ["STT", *t.headings], [COUNT, *t.kinds], numbered, labels=LABELS)


def title(report: dict[str, Any]) -> str:
    a, b = vn_date(report["from"]), vn_date(report["to"])
    return f"Báo cáo số thứ tự ngày {a}" if a == b else f"Báo cáo số thứ tự từ {a} đến {b}"


def book(report: dict[str, Any], province: str, tables: list[Table]) -> sheets.Book:
    return sheets.Book(
        [
            [title(report), province],
            ["Từ ngày", date.fromisoformat(report["from"])],
            ["Đến ngày", date.fromisoformat(report["to"])],
            ["Ngưỡng chờ (phút)", report["service_level_minutes"]],
        ],
        tables,
    )


def to_csv(report: dict[str, Any], province: str, dialect: str = "plain") -> bytes:
    """The per-field table (with each centre's and the province's totals) as CSV in
    ``dialect``, UTF-8 with a byte-order mark, as the centre's CSV."""
    return sheets.to_csv(book(report, province, [table(report)]), dialect)


def to_xlsx(report: dict[str, Any], province: str) -> bytes:
    """An Excel workbook: "Theo lĩnh vực" (every field) and "Theo trung tâm" (totals)."""
    tables = [table(report), table(report, per_field=False)]
    return sheets.to_xlsx(book(report, province, tables), title(report))


def filename(report: dict[str, Any], ext: str) -> str:
    a, b = report["from"], report["to"]
    return f"bao-cao-tinh-{a}.{ext}" if a == b else f"bao-cao-tinh-{a}-den-{b}.{ext}"
