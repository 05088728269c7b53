"""The booking rules as pure functions: days and slots, closing time, caps, the no-show
ban, and what a citizen types (name, phone, CCCD). No database, no Flask, no clock:
callers pass ``now``.

A centre's *plan* comes from what it pushes (its timezone, opening hours, days of the
week, closed days, fields and check-in window); its *settings* are what the province
sets on the hub (``python -m hub centre set``: booking on or off, slot length,
places per slot and field, how long before a slot booking closes, closed days, how
many days ahead, its address). docs/hub.md, "Booking", says it in prose.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sothutu.hours import EVERY_DAY, parse_hours

#: The default check-in window at the centre, when its push does not say.
DEFAULT_EARLY = DEFAULT_LATE = 15


class RuleError(ValueError):
    """A value a citizen or staff typed that the rules refuse; the message says which
    (in Vietnamese when ``field`` names a form field a citizen fills in)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# --- the centre's plan and the province's settings ---------------------------------------


@dataclass(frozen=True)
class Plan:
    """What the centre told the hub in its pushes."""

    tz: ZoneInfo
    windows: tuple[tuple[int, int], ...]  # opening hours, minutes after local midnight
    days: tuple[int, ...]  # ISO weekdays it works, 1 = Monday
    closed: frozenset[date]  # the centre's own closed days
    services: tuple[tuple[str, str], ...]  # (id, name) in the centre's order
    early: int = DEFAULT_EARLY  # check-in opens this many minutes before a slot
    late: int = DEFAULT_LATE  # … and closes this many after its start

    def service_name(self, service: str) -> str | None:
        return dict(self.services).get(service)


def plan_of(setup: Mapping[str, Any], default_tz: ZoneInfo) -> Plan:
    """The plan in a centre's pushed ``setup`` (bad parts are left out, never fatal:
    the centre's own config check already passed)."""
    try:
        tz = ZoneInfo(str(setup.get("timezone") or ""))
    except (ZoneInfoNotFoundError, ValueError):
        tz = default_tz
    windows = []
    for w in setup.get("hours") or ():
        try:
            windows.append(parse_hours(str(w)))
        except ValueError:
            continue
    raw_days = setup.get("days")
    days = tuple(
        sorted({d for d in raw_days if isinstance(d, int) and 1 <= d <= 7})
        if isinstance(raw_days, list)
        else ()
    )
    booking = setup.get("booking") if isinstance(setup.get("booking"), dict) else {}
    return Plan(
        tz=tz,
        windows=tuple(sorted(windows)),
        days=days or EVERY_DAY,
        closed=frozenset(parse_days(setup.get("closed_days") or (), strict=False)),
        services=tuple(
            (str(s["id"]), str(s.get("name") or s["id"]))
            for s in setup.get("services") or ()
            if isinstance(s, dict) and isinstance(s.get("id"), str)
        ),
        early=_minutes_or(booking.get("early_minutes"), DEFAULT_EARLY),
        late=_minutes_or(booking.get("late_minutes"), DEFAULT_LATE),
    )


def _minutes_or(v: Any, default: int) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 240 else default


@dataclass(frozen=True)
class Settings:
    """What the province set for one centre on the hub (defaults from ``[booking]``)."""

    enabled: bool = False
    slot_minutes: int = 30
    capacity: int = 2  # places per slot and field
    capacities: Mapping[str, int] = field(default_factory=dict)  # per field, overrides
    lead_minutes: int = 60  # booking closes this long before the slot starts
    days_ahead: int = 6  # today and this many more working days
    closed: frozenset[date] = frozenset()
    address: str = ""

    def capacity_of(self, service: str) -> int:
        return self.capacities.get(service, self.capacity)

    def to_json(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "slot_minutes": self.slot_minutes,
            "capacity": self.capacity,
            "capacities": dict(self.capacities),
            "lead_minutes": self.lead_minutes,
            "days_ahead": self.days_ahead,
            "closed_days": sorted(d.isoformat() for d in self.closed),
            "address": self.address,
        }


#: Limits of each setting: (least, most).
LIMITS = {
    "slot_minutes": (5, 240),
    "capacity": (0, 500),
    "lead_minutes": (0, 7 * 24 * 60),
    "days_ahead": (0, 60),
}


def settings_of(stored: Mapping[str, Any], defaults: Settings) -> Settings:
    """Stored settings (JSON) over the province's defaults."""
    values: dict[str, Any] = {}
    for name in LIMITS:
        v = stored.get(name)
        lo, hi = LIMITS[name]
        if isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi:
            values[name] = v
    caps = stored.get("capacities")
    if isinstance(caps, dict):
        values["capacities"] = {
            str(k): v
            for k, v in caps.items()
            if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 500
        }
    if isinstance(stored.get("enabled"), bool):
        values["enabled"] = stored["enabled"]
    if isinstance(stored.get("address"), str):
        values["address"] = stored["address"]
    if "closed_days" in stored:
        values["closed"] = frozenset(parse_days(stored.get("closed_days") or (), strict=False))
    return Settings(**{**_fields(defaults), **values})


def _fields(s: Settings) -> dict[str, Any]:
    return {k: getattr(s, k) for k in Settings.__dataclass_fields__}


def parse_days(values: Iterable[Any], *, strict: bool = True) -> list[date]:
    """``["2026-01-01", …]`` → dates; a bad one raises ``RuleError`` (``strict``) or is
    left out."""
    out = []
    for v in values:
        try:
            out.append(date.fromisoformat(str(v)))
        except ValueError:
            if strict:
                raise RuleError("closed_days", f"{v!r} is not a date like 2026-09-02") from None
    return out


# --- days and slots --------------------------------------------------------------------


def is_working(day: date, plan: Plan, settings: Settings) -> bool:
    """The centre works that day: a day of its week, closed neither by it nor the province."""
    return (
        day.isoweekday() in plan.days
        and day not in plan.closed
        and day not in settings.closed
        and bool(plan.windows)
    )


def bookable_days(today: date, plan: Plan, settings: Settings) -> list[date]:
    """Today (when the centre works today) and the next ``days_ahead`` working days."""
    out = [today] if is_working(today, plan, settings) else []
    day = today
    for _ in range(366):
        if len(out) - (1 if out and out[0] == today else 0) >= settings.days_ahead:
            break
        day += timedelta(days=1)
        if is_working(day, plan, settings):
            out.append(day)
    return out


def slots(plan: Plan, settings: Settings) -> list[tuple[int, int]]:
    """The slots of a working day: each opening window cut into ``slot_minutes``
    (a window's remainder shorter than a slot is left out)."""
    out = []
    step = settings.slot_minutes
    for start, end in plan.windows:
        t = start
        while t + step <= end:
            out.append((t, t + step))
            t += step
    return out


def local_at(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """The aware time of ``minute`` after local midnight on ``day``."""
    return datetime.combine(day, time(0), tzinfo=tz) + timedelta(minutes=minute)


def closes_at(day: date, start: int, plan: Plan, settings: Settings) -> datetime:
    """When booking a slot closes: ``lead_minutes`` before it starts."""
    return local_at(day, start, plan.tz) - timedelta(minutes=settings.lead_minutes)


def open_slots(
    day: date,
    plan: Plan,
    settings: Settings,
    service: str,
    taken: Mapping[int, int],
    now: datetime,
) -> list[tuple[int, int, int]]:
    """(start, end, free) of the slots of ``day`` that can still be booked for
    ``service``: the day is bookable, the slot has not closed, a place is free."""
    if day not in bookable_days(now.astimezone(plan.tz).date(), plan, settings):
        return []
    cap = settings.capacity_of(service)
    out = []
    for start, end in slots(plan, settings):
        free = cap - taken.get(start, 0)
        if free > 0 and now < closes_at(day, start, plan, settings):
            out.append((start, end, free))
    return out


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_hhmm(text: str) -> int | None:
    m = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)", text or "")
    return int(m[1]) * 60 + int(m[2]) if m else None


# --- people -------------------------------------------------------------------------------


def ban_until(
    no_show_days: Sequence[date], limit: int, window_days: int, ban_days: int
) -> date | None:
    """The first day a person may book again after ``limit`` no-shows within
    ``window_days`` days, or None when no such run of no-shows exists. The ban runs
    ``ban_days`` from the no-show that completed the run (the latest such)."""
    if limit <= 0:
        return None
    ordered = sorted(no_show_days)
    latest = None
    for i in range(limit - 1, len(ordered)):
        if (ordered[i] - ordered[i - limit + 1]).days < window_days:
            latest = ordered[i]
    return latest + timedelta(days=ban_days + 1) if latest is not None else None


_SPACES = re.compile(r"\s+")
_NAME = re.compile(r"[^\W\d_]+(?:['’.-][^\W\d_]+)*\.?", re.UNICODE)


def clean_name(text: str) -> str:
    """A person's name: NFC, single spaces, letters only, 2–100 characters."""
    name = _SPACES.sub(" ", unicodedata.normalize("NFC", text or "")).strip()
    if len(name) < 2:
        raise RuleError("name", "Vui lòng nhập họ và tên.")
    if len(name) > 100:
        raise RuleError("name", "Họ và tên dài quá 100 ký tự.")
    if not all(_NAME.fullmatch(w) for w in name.split(" ")):
        raise RuleError("name", "Họ và tên chỉ gồm chữ cái.")
    return name


def clean_phone(text: str) -> str:
    """A Vietnamese phone number as ten or eleven digits from 0 (``+84`` → ``0``)."""
    digits = re.sub(r"[\s.()-]", "", text or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not re.fullmatch(r"0[1-9]\d{8,9}", digits):
        raise RuleError(
            "phone", "Số điện thoại không hợp lệ (10 chữ số, bắt đầu bằng số 0, ví dụ 0912345678)."
        )
    return digits


def clean_cccd(text: str) -> str:
    """A citizen identity card number (CCCD): 12 digits."""
    digits = re.sub(r"[\s.-]", "", text or "")
    if not re.fullmatch(r"\d{12}", digits) or set(digits) == {"0"}:
        raise RuleError("cccd", "Số CCCD gồm đúng 12 chữ số.")
    return digits


def change_settings(stored: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """Stored settings with ``changes`` applied (what ``centre set`` and the staff page
    send: enabled, slot_minutes, capacity, capacities {field: n or None to drop},
    lead_minutes, days_ahead, closed_days [dates], address); ``RuleError`` names a bad
    one (in English: staff read it in the command's output or beside the form)."""
    out = dict(stored)
    for name, value in changes.items():
        if name in LIMITS:
            lo, hi = LIMITS[name]
            if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
                raise RuleError(name, f"{name} must be a whole number from {lo} to {hi}")
            out[name] = value
        elif name == "enabled":
            if not isinstance(value, bool):
                raise RuleError(name, "enabled must be true or false")
            out[name] = value
        elif name == "capacities":
            caps = dict(out.get("capacities") or {})
            for field_id, n in dict(value).items():
                if n is None:
                    caps.pop(field_id, None)
                elif not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= 500:
                    raise RuleError(name, f"capacity of {field_id} must be from 0 to 500")
                else:
                    caps[field_id] = n
            out[name] = caps
        elif name == "closed_days":
            out[name] = sorted({d.isoformat() for d in parse_days(value)})
        elif name == "address":
            text = _SPACES.sub(" ", unicodedata.normalize("NFC", str(value))).strip()
            if len(text) > 300:
                raise RuleError(name, "the address has at most 300 characters")
            out[name] = text
        else:
            raise RuleError(name, f"unknown setting {name!r}")
    return out
