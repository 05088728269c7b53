"""Charts of a report drawn as SVG on the server (no JavaScript, no library, no CDN).

Inline SVG in the admin page: it prints sharply and needs nothing from outside.
Text uses the page's font (DejaVu Sans, shipped), so Vietnamese shows right; numbers
are written as Vietnamese readers do (2,5; 1.200).
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

from sothutu.reports import numbers

ISSUED = "#1f6feb"
SERVED = "#2da44e"
WAIT = "#d4781c"
P90 = "#8c2f00"
GRID = "#d0d7de"
INK = "#24292f"
#: The legend of the 90th percentile's mark, in words a head reads.
P90_WORDS = "90% công dân chờ không quá"


def _axis(value: float, ticks: int = 4, whole: bool = False) -> tuple[float, float]:
    """(axis maximum, step): a round step (1, 2, 2.5, 5 × 10^k; whole numbers when
    ``whole``) so that ``ticks`` steps cover ``value``."""
    if value <= 0:
        return float(ticks), 1.0
    raw = value / ticks
    exp = 10 ** math.floor(math.log10(raw))
    step = exp * 10
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * exp and not (whole and m * exp < 1) and not (whole and m == 2.5):
            step = m * exp
            break
    step = max(step, 1.0) if whole else step
    return step * math.ceil(value / step), step


def _fmt(x: float) -> str:
    return numbers.short(x)


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="chart">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _legend(x: int, y: int, items: list[tuple[str, str]]) -> list[str]:
    out = []
    for color, label in items:
        out.append(f'<rect x="{x}" y="{y - 10}" width="14" height="14" fill="{color}"/>')
        out.append(
            f'<text x="{x + 20}" y="{y + 2}" font-size="14" fill="{INK}">{escape(label)}</text>'
        )
        x += 30 + 9 * len(label)
    return out


def _no_data(x: float, y: float) -> str:
    """ "No figures yet", centred at (x, y), in a chart of an empty period."""
    return (
        f'<text x="{x}" y="{y}" text-anchor="middle" font-size="16" '
        f'fill="{INK}">Chưa có số liệu</text>'
    )


def tickets_per_hour(report: dict[str, Any]) -> str:
    """Grouped bars: tickets issued and served in each hour of the day."""
    hours = report["hours"]
    width, height = 760, 300
    left, right, top, bottom = 48, 16, 40, 36
    title = "Số phiếu theo giờ"
    body = _legend(left, 20, [(ISSUED, "Số phiếu"), (SERVED, "Đã phục vụ")])
    if not hours:
        body.append(_no_data(width / 2, height / 2))
        return _svg(width, height, title, body)
    peak, step = _axis(max(max(h["issued"], h["served"]) for h in hours), whole=True)
    plot_w, plot_h = width - left - right, height - top - bottom
    for i in range(round(peak / step) + 1):
        value = step * i
        y = top + plot_h - plot_h * value / peak
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        body.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="14" '
            f'fill="{INK}">{_fmt(value)}</text>'
        )
    slot = plot_w / len(hours)
    bar = min(28.0, slot * 0.38)
    for i, h in enumerate(hours):
        x0 = left + i * slot + slot / 2
        for offset, color, value, kind in (
            (-bar, ISSUED, h["issued"], "issued"),
            (0.0, SERVED, h["served"], "served"),
        ):
            bh = plot_h * value / peak
            body.append(
                f'<rect x="{x0 + offset:.1f}" y="{top + plot_h - bh:.1f}" width="{bar:.1f}" '
                f'height="{bh:.1f}" fill="{color}" data-hour="{h["hour"]}" data-kind="{kind}" '
                f'data-value="{value}"><title>{h["hour"]:02d}h: {_fmt(value)}</title></rect>'
            )
        body.append(
            f'<text x="{x0:.1f}" y="{height - bottom + 18}" text-anchor="middle" font-size="14" '
            f'fill="{INK}">{h["hour"]:02d}h</text>'
        )
    return _svg(width, height, title, body)


def waiting_per_field(report: dict[str, Any]) -> str:
    """Horizontal bars: mean waiting time per field, a mark where 90% of citizens had
    been called (the 90th percentile), a line at the service level."""
    rows = [s for s in report["services"] if s["waiting"]["count"]]
    level = float(report["service_level_minutes"])
    label_w, right, top = 250, 40, 56
    width = 760
    row_h = 34
    height = top + max(1, len(rows)) * row_h + 30
    title = "Thời gian chờ theo lĩnh vực (phút)"
    body = _legend(label_w, 20, [(WAIT, "Chờ trung bình"), (P90, P90_WORDS)])
    if not rows:
        body.append(_no_data(width / 2, top + 24))
        return _svg(width, height, title, body)
    longest = max(max(s["waiting"]["p90"] or 0, s["waiting"]["mean"] or 0) for s in rows)
    peak, step = _axis(max(longest, level * 1.2))
    plot_w = width - label_w - right
    for i in range(round(peak / step) + 1):
        x = label_w + plot_w * step * i / peak
        body.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 26}" stroke="{GRID}"/>'
        )
        body.append(
            f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" font-size="14" '
            f'fill="{INK}">{_fmt(step * i)}</text>'
        )
    for i, s in enumerate(rows):
        y = top + i * row_h
        mean, p90 = s["waiting"]["mean"] or 0.0, s["waiting"]["p90"] or 0.0
        name = s["name"] if len(s["name"]) <= 28 else s["name"][:27].rstrip() + "…"
        body.append(
            f'<text x="{label_w - 8}" y="{y + 20}" text-anchor="end" font-size="15" '
            f'fill="{INK}">{escape(name)}</text>'
        )
        bw = plot_w * mean / peak
        body.append(
            f'<rect x="{label_w}" y="{y + 6}" width="{bw:.1f}" height="20" fill="{WAIT}" '
            f'data-service="{escape(s["id"])}" data-value="{mean}">'
            f"<title>{escape(s['name'])}: {_fmt(mean)} phút</title></rect>"
        )
        px = label_w + plot_w * p90 / peak
        body.append(
            f'<line x1="{px:.1f}" y1="{y + 3}" x2="{px:.1f}" y2="{y + 29}" stroke="{P90}" '
            f'stroke-width="3" data-p90="{p90}"><title>{escape(s["name"])}: {P90_WORDS} '
            f"{_fmt(p90)} phút</title></line>"
        )
        body.append(
            f'<text x="{label_w + bw + 6:.1f}" y="{y + 21}" font-size="14" '
            f'fill="{INK}">{_fmt(mean)}</text>'
        )
    lx = label_w + plot_w * level / peak
    body.append(
        f'<line x1="{lx:.1f}" y1="{top - 6}" x2="{lx:.1f}" y2="{height - 26}" stroke="#cf222e" '
        f'stroke-dasharray="6 4" stroke-width="2"/>'
    )
    body.append(
        f'<text x="{lx + 4:.1f}" y="{top - 8}" font-size="14" fill="#cf222e">'
        f"ngưỡng {_fmt(level)} phút</text>"
    )
    return _svg(width, height, title, body)
