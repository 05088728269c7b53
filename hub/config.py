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
        help='Address of the reverse proxy (e.g. "127.0.0.1"), whose X-Forwarded-For and '
        'X-Forwarded-Proto are believed; "" believes none.',
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
class HubConfig:
    path: Path
    server: ServerSection
    database: DatabaseSection
    hub: HubSection = field(default_factory=HubSection)
    reports: ReportsSection = field(default_factory=ReportsSection)


SECTIONS: dict[str, tuple[type, bool]] = {
    "server": (ServerSection, True),
    "database": (DatabaseSection, True),
    "hub": (HubSection, False),
    "reports": (ReportsSection, False),
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
