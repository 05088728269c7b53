"""Numbers and dates as Vietnamese readers write them: 1.234 and 2,1; 16,7 %; 24/11/2026.

The screen groups thousands with a dot and writes decimals with a comma, whatever the
browser's language. Files for spreadsheets pick their own style (``Style``): Excel under
Vietnamese regional settings reads ``1234,5`` (no grouping, a decimal comma); other
tools read ``1234.5``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

#: A thin no-break space between a number and its % sign (16,7 %), as Vietnamese
#: typography writes it, kept on one line.
PERCENT_GAP = "\u202f"


@dataclass(frozen=True)
class Style:
    """How a number is written: decimal mark and thousands mark ("" for none)."""

    decimal: str
    thousands: str


#: The pages: 1.234,5
SCREEN = Style(decimal=",", thousands=".")
#: CSV for Excel under Vietnamese regional settings: 1234,5
EXCEL_VN = Style(decimal=",", thousands="")
#: CSV for other tools (and Excel elsewhere): 1234.5
PLAIN = Style(decimal=".", thousands="")


def number(x: float | int | None, digits: int = 1, style: Style = SCREEN) -> str:
    """``x`` with ``digits`` decimals (a whole number ``int`` has none); "" for None."""
    if x is None:
        return ""
    text = f"{x:,}" if isinstance(x, int) else f"{x:,.{digits}f}"
    whole, _, frac = text.partition(".")
    whole = whole.replace(",", style.thousands)
    return whole + (style.decimal + frac if frac else "")


def percent(share: float | None, digits: int = 1, style: Style = SCREEN) -> str:
    """A share 0…1 as a percentage without the sign: 0.1667 → ``16,7``; "" for None."""
    return "" if share is None else number(share * 100, digits, style)


def percent_sign(share: float | None, digits: int = 1) -> str:
    """A share as the pages write it with its sign: 0.1667 → ``16,7 %``; "—" for None."""
    return "—" if share is None else percent(share, digits) + PERCENT_GAP + "%"


def short(x: float | int | None) -> str:
    """A figure on a chart's axis or a card: whole numbers without decimals (``12``),
    others with one (``2,5``); "—" for None."""
    if x is None:
        return "—"
    if float(x).is_integer():
        return number(int(x))
    return number(float(x), 1)


def vn_date(day: date | str) -> str:
    """``2026-11-24`` (or the date) → ``24/11/2026``."""
    d = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{d.day:02d}/{d.month:02d}/{d.year}"
