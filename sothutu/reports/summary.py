"""The one-page monthly summary a centre's head prints or sends to the commune's
People's Committee: key figures, per field, per counter, ratings, signatures.

Pure: a month's report (``compute``) in, the pieces the page shows out. The page
itself is ``templates/report/month.html`` (shared with the province hub, which renders
a centre's month from the same report).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sothutu.ratings import LEVELS
from sothutu.reports import numbers
from sothutu.reports.period import month_text
from sothutu.reports.table import (
    P90,
    SATISFIED,
    TEXT,
    Table,
    level_text,
    make_table,
    metric_columns,
    pick,
)


@dataclass(frozen=True)
class Figure:
    """One key figure: what it is, its value as the page writes it, its unit."""

    key: str
    label: str
    value: str
    unit: str = ""
    note: str = ""


@dataclass(frozen=True)
class Summary:
    centre: str
    authority: str
    month: str
    period: str
    level: str
    figures: list[Figure]
    fields: Table
    counters: Table
    ratings: Table
    #: business days with at least one ticket
    days: int
    made: str
    head_title: str


FIELD_COLUMNS = [
    "Số phiếu", "Đã phục vụ", "Vắng mặt", "Chờ trung bình (phút)", P90, "Số đánh giá", SATISFIED,
]  # fmt: skip
COUNTER_COLUMNS = [
    "Đã phục vụ", "Vắng mặt", "Chờ trung bình (phút)", "Phục vụ trung bình (phút)",
    "Số đánh giá", "Điểm hài lòng (1–5)", SATISFIED,
]  # fmt: skip


def made_text(when: datetime | date) -> str:
    """``ngày 05 tháng 12 năm 2026``, the date line of a Vietnamese document."""
    return f"ngày {when.day:02d} tháng {when.month:02d} năm {when.year}"


def _share_of(part: int, whole: int) -> str:
    return numbers.percent_sign(part / whole) if whole else "—"


def key_figures(report: dict[str, Any]) -> list[Figure]:
    t = report["total"]
    w, r = t["waiting"], t["ratings"]
    lvl = level_text(report["service_level_minutes"])
    over = t["over_service_level"]["share"]
    return [
        Figure("issued", "Số phiếu đã cấp", numbers.number(t["issued"])),
        Figure(
            "served",
            "Đã phục vụ",
            numbers.number(t["served"]),
            note=f"{_share_of(t['served'], t['issued'])} số phiếu",
        ),
        Figure(
            "no_show",
            "Vắng mặt",
            numbers.number(t["no_show"]),
            note=f"{numbers.percent_sign(t['no_show_rate'])} số đã gọi",
        ),
        Figure("wait_mean", "Thời gian chờ trung bình", numbers.short(w["mean"]), "phút"),
        Figure("wait_p90", "90% công dân chờ không quá", numbers.short(w["p90"]), "phút"),
        Figure(
            "over_level",
            f"Chờ quá {lvl} phút",
            numbers.percent_sign(over),
            note="số đã phục vụ",
        ),
        Figure(
            "service_mean",
            "Thời gian phục vụ trung bình",
            numbers.short(t["service"]["mean"]),
            "phút",
        ),
        Figure(
            "satisfied",
            "Tỷ lệ hài lòng",
            numbers.percent_sign(r.get("satisfied")),
            note=f"{numbers.number(r['count'])} đánh giá, điểm trung bình "
            f"{numbers.number(r['mean'], 2) if r['mean'] is not None else '—'}/5",
        ),
    ]


def ratings_table(report: dict[str, Any]) -> Table:
    """One row: each level's count and share, the total and the satisfied share."""
    r = report["total"]["ratings"]
    count = r["count"]
    cells = [
        f"{numbers.number(r['levels'][str(k)])} ({_share_of(r['levels'][str(k)], count)})"
        for k in LEVELS
    ]
    return Table(
        "Mức độ hài lòng",
        ["", *LEVELS.values(), "Tổng số đánh giá"],
        [TEXT] * (len(LEVELS) + 2),
        [["Số đánh giá (tỷ lệ)", *cells, numbers.number(count)]],
    )


def summary(
    report: dict[str, Any],
    *,
    authority: str,
    head_title: str,
    made: datetime | date,
) -> Summary:
    """The summary of a month's report (``report["from"]`` is the month's first day)."""
    level = report["service_level_minutes"]
    cols = metric_columns(level)
    counter_cols = [c for c in cols if c[0] != "Số phiếu"]
    first, last = date.fromisoformat(report["from"]), date.fromisoformat(report["to"])
    return Summary(
        centre=report["centre"],
        authority=authority,
        month=month_text(first),
        period=f"từ ngày {numbers.vn_date(first)} đến ngày {numbers.vn_date(last)}",
        level=level_text(level),
        figures=key_figures(report),
        fields=make_table(
            "Theo lĩnh vực",
            ("Lĩnh vực", TEXT),
            [(s["name"], s) for s in report["services"]] + [("Tổng cộng", report["total"])],
            pick(cols, FIELD_COLUMNS, level),
        ),
        counters=make_table(
            "Theo quầy",
            ("Quầy", TEXT),
            [(c["name"], c) for c in report["counters"]],
            pick(counter_cols, COUNTER_COLUMNS, level),
        ),
        ratings=ratings_table(report),
        days=sum(1 for d in report["days"] if d["issued"]),
        made=made_text(made),
        head_title=head_title,
    )
