"""The hub's config file (TOML): the same style and one-line errors as the centre's.

``load_config`` returns a frozen ``HubConfig`` or raises ``ConfigError`` naming
the file and the key; ``load_or_exit`` stops a program with status 2.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sothutu.config import ConfigError, build_section, read_toml, setting, settings_of

__all__ = ["ConfigError", "HubConfig", "load_config", "load_or_exit", "settings_of"]


def _between(lo: float, hi: float):
    def check(v: float) -> str | None:
        return None if lo <= v <= hi else f"must be between {lo} and {hi}, got {v}"

    return check


def _timezone(v: str) -> str | None:
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown timezone {v!r} (use an IANA name such as 'Asia/Ho_Chi_Minh')"
    return None


def _pg_url(v: str) -> str | None:
    if not (v.startswith("postgresql://") or v.startswith("postgres://")):
        return f"must be a PostgreSQL URL like 'postgresql:///sothutu_hub', got {v!r}"
    return None


def _secret(v: str) -> str | None:
    if len(v) < 16 or v.lower().startswith("demo"):
        return "too weak (at least 16 characters, not a demo value); install.sh --hub makes one"
    return None


@dataclass(frozen=True, kw_only=True)
class ServerSection:
    host: str = setting("127.0.0.1", help="Address to listen on (behind nginx: 127.0.0.1).")
    port: int = setting(8090, help="TCP port to listen on.", check=_between(1, 65535))
    secret_key: str = setting(help="Signs nothing secret but keys session tokens; random, kept.")
    admin_key: str = setting(
        help="Bearer key with every right on the JSON API (scripts, monitoring).", check=_secret
    )
    threads: int = setting(
        16,
        help="waitress worker threads (pushes, pages and API calls at once).",
        check=_between(4, 256),
    )
    trusted_proxy: str = setting(
        "",
        help='Address of the reverse proxy (e.g. "127.0.0.1"), whose X-Forwarded-For is '
        'believed (the caller\'s address for the limits and the logs); "" believes none. '
        "The hub builds no absolute address, so the scheme is not read: behind https, "
        "set secure_cookies.",
    )
    secure_cookies: bool = setting(
        False, help="Mark session cookies Secure (set true when the hub is served over https)."
    )


@dataclass(frozen=True, kw_only=True)
class DatabaseSection:
    url: str = setting(
        help='PostgreSQL URL, e.g. "postgresql:///sothutu_hub" (local socket, peer login).',
        check=_pg_url,
    )
    pool_size: int = setting(
        8, help="Connections this hub process keeps open to PostgreSQL.", check=_between(1, 200)
    )


@dataclass(frozen=True, kw_only=True)
class HubSection:
    name: str = setting(
        "Hệ thống số thứ tự của tỉnh",
        help='The province\'s title on every page, e.g. "Sở Nội vụ tỉnh Sóc Trăng".',
    )
    timezone: str = setting(
        "Asia/Ho_Chi_Minh", help='IANA timezone of "today" on the pages.', check=_timezone
    )
    online_seconds: int = setting(
        120,
        help="A centre heard from within this many seconds counts as online.",
        check=_between(10, 86400),
    )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, kw_only=True)
class ReportsSection:
    service_level_minutes: float = setting(
        15.0,
        help="The province report's service level: waiting up to this long counts as within.",
        check=_between(1, 600),
    )


@dataclass(frozen=True, kw_only=True)
class BookingSection:
    """Booking a number ahead (/dat-lich): the province's defaults for every centre
    (``centre set`` changes one centre's), the caps per person, the no-show rule and the
    per-address limits."""

    slot_minutes: int = setting(
        30, help="Default length of a booking slot, in minutes.", check=_between(5, 240)
    )
    capacity: int = setting(2, help="Default places per slot and field.", check=_between(0, 500))
    lead_minutes: int = setting(
        60,
        help="Default time before a slot when booking it closes, in minutes.",
        check=_between(0, 10080),
    )
    days_ahead: int = setting(
        6,
        help="Citizens book today and this many more working days of the centre.",
        check=_between(0, 60),
    )
    per_person_day: int = setting(
        2,
        help="Bookings one person (one CCCD number) may hold for one day, across the province.",
        check=_between(1, 20),
    )
    per_person_field: int = setting(
        1,
        help="Bookings one person may hold for one day in one field of one centre.",
        check=_between(1, 20),
    )
    no_show_limit: int = setting(
        3,
        help="This many bookings not checked in within no_show_days days bar the person "
        "from booking for ban_days days; 0 turns the rule off.",
        check=_between(0, 100),
    )
    no_show_days: int = setting(30, help="See no_show_limit.", check=_between(1, 366))
    ban_days: int = setting(14, help="See no_show_limit.", check=_between(1, 366))
    reads_per_minute: int = setting(
        120,
        help="Booking pages and slot look-ups one address may ask a minute (429 beyond). "
        "Mobile networks put many phones behind one address: keep it generous.",
        check=_between(5, 100000),
    )
    writes_per_hour: int = setting(
        30,
        help="Bookings and cancellations one address may try an hour (429 beyond).",
        check=_between(1, 100000),
    )
    person_key: str = setting(
        "",
        help="Keys the HMAC under which the hub keeps CCCD numbers (never the numbers "
        'themselves); "" derives it from [server] secret_key. Changing it forgets who '
        "booked what (caps and no-shows start again).",
    )

    def defaults(self) -> Any:
        """The province's default settings of a centre (``booking_rules.Settings``)."""
        from hub.booking_rules import Settings

        return Settings(
            slot_minutes=self.slot_minutes,
            capacity=self.capacity,
            lead_minutes=self.lead_minutes,
            days_ahead=self.days_ahead,
        )


@dataclass(frozen=True, kw_only=True)
class HubConfig:
    path: Path
    server: ServerSection
    database: DatabaseSection
    hub: HubSection = field(default_factory=HubSection)
    reports: ReportsSection = field(default_factory=ReportsSection)
    booking: BookingSection = field(default_factory=BookingSection)


SECTIONS: dict[str, tuple[type, bool]] = {
    "server": (ServerSection, True),
    "database": (DatabaseSection, True),
    "hub": (HubSection, False),
    "reports": (ReportsSection, False),
    "booking": (BookingSection, False),
}


def parse_config(data: dict[str, Any], path: Path) -> HubConfig:
    for key in data:
        if key not in SECTIONS:
            raise ConfigError(f"{key}: unknown section (known: {', '.join(SECTIONS)})")
    built: dict[str, Any] = {}
    for name, (cls, required) in SECTIONS.items():
        raw = data.get(name)
        if raw is None:
            if required:
                raise ConfigError(f"{name}: missing required section")
            continue
        built[name] = build_section(cls, raw, name)
    config = HubConfig(path=path, **built)
    if config.server.secret_key == config.server.admin_key:
        raise ConfigError(
            "server.secret_key: same value as server.admin_key; every key must differ"
        )
    problem = _secret(config.server.secret_key)
    if problem:
        raise ConfigError(f"server.secret_key: {problem}")
    if config.booking.person_key:
        problem = _secret(config.booking.person_key)
        if problem:
            raise ConfigError(f"booking.person_key: {problem}")
    return config


def load_config(path: str | Path) -> HubConfig:
    p, data = read_toml(path)
    try:
        return parse_config(data, p.resolve())
    except ConfigError as exc:
        raise ConfigError(f"{p}: {exc}") from None


def load_or_exit(path: str | Path, program: str = "hub") -> HubConfig:
    try:
        return load_config(path)
    except ConfigError as exc:
        print(f"{program}: config error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
