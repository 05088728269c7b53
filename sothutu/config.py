"""The one config file (TOML), read with tomllib and validated at start.

Every setting is declared once, here, with its default and help text: the
dataclass fields below *are* the schema. ``load_config`` turns a file into a
frozen ``Config`` or raises ``ConfigError`` whose one-line message names the
file and the key (``config.toml: services[2].prefix: ...``). Programs call
``load_or_exit`` so a bad config stops them with exit status 2 and no
traceback.

This module is shared by the server, the kiosk, the display and the keypad,
so it imports nothing heavy.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import sys
import tomllib
import types
import typing
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sothutu import gpio
from sothutu.hours import parse_hours
from sothutu.safetext import unsafe_char

_REQUIRED: Any = dataclasses.MISSING


class ConfigError(ValueError):
    """An invalid config file; ``str()`` is one line naming the file and key."""


Check = Callable[[Any], "str | None"]


def setting(default: Any = _REQUIRED, *, help: str, check: Check | None = None) -> Any:
    """Declare a config key: its default (omit for a required key), help and check.

    ``check`` returns an error text, or None when the value is fine.
    """
    meta = {"help": help, "check": check}
    if isinstance(default, list | dict):
        return field(default_factory=lambda d=default: type(d)(d), metadata=meta)
    return field(default=default, metadata=meta)


# --- checks ---------------------------------------------------------------

_SERVICE_ID = re.compile(r"[a-z0-9-]+")
_PREFIX = re.compile(r"(?:[A-ZĐ]{1,2})?")


def _positive(v: int) -> str | None:
    return None if v >= 1 else f"must be at least 1, got {v}"


def _non_negative(v: int) -> str | None:
    return None if v >= 0 else f"must be 0 or more, got {v}"


def _between(lo: float, hi: float) -> Check:
    def check(v: float) -> str | None:
        return None if lo <= v <= hi else f"must be between {lo} and {hi}, got {v}"

    return check


def _one_of(*choices: Any) -> Check:
    def check(v: Any) -> str | None:
        if v in choices:
            return None
        return f"must be one of {', '.join(repr(c) for c in choices)}, got {v!r}"

    return check


def _non_empty(v: str) -> str | None:
    return None if v.strip() else "must not be empty"


def _shown(v: str) -> str | None:
    """Text people see (names, notices): no control character or direction override."""
    bad = unsafe_char(v)
    return f"holds {bad}; delete it" if bad else None


def _shown_name(v: str) -> str | None:
    return _non_empty(v) or _shown(v)


def _timezone(v: str) -> str | None:
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown timezone {v!r} (use an IANA name such as 'Asia/Ho_Chi_Minh')"
    return None


def _dates(v: list[str]) -> str | None:
    for d in v:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", d):
            return f"must be dates like 2026-09-02, got {d!r}"
        try:
            date.fromisoformat(d)
        except ValueError:
            return f"{d!r} is not a date"
    return None


def _hours(v: list[str]) -> str | None:
    try:
        spans = sorted(parse_hours(w) for w in v)
    except ValueError as exc:
        return str(exc)
    for (_, end), (start, _) in itertools.pairwise(spans):
        if start < end:
            return "windows overlap"
    return None


def _days(v: list[int]) -> str | None:
    if not v:
        return "must name at least one day (1 = Monday … 7 = Sunday)"
    bad = [d for d in v if not isinstance(d, int) or isinstance(d, bool) or not 1 <= d <= 7]
    if bad:
        return f"days are 1 (Monday) to 7 (Sunday), got {bad[0]!r}"
    if len(set(v)) != len(v):
        return "the same day appears twice"
    return None


def _url(v: str) -> str | None:
    if v and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", v):
        return f"must be an http:// or https:// address, got {v!r}"
    return None


def _clock_time(v: str) -> str | None:
    if v and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", v):
        return f'must be a local time like "22:00" or "" (off), got {v!r}'
    return None


def _gpio_pins(v: list[str]) -> str | None:
    if not v:
        return None
    if len(v) != 5:
        return f"must list 5 pins (one per rating level) or none, got {len(v)}"
    for pin in v:
        if not pin or gpio.bcm(pin) is None:
            return f'each must be a GPIO pin such as "GPIO5" or "BOARD29", got {pin!r}'
    if len({gpio.canonical(p) for p in v}) != 5:
        return "the same pin appears twice"
    return None


def _pin(v: str) -> str | None:
    if not re.fullmatch(r"\d{4,12}", v):
        return "must be 4 to 12 digits"
    return None


# --- sections ---------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CentreConfig:
    name: str = setting(
        help="The centre's name, shown on tickets, the display and reports.", check=_shown
    )
    timezone: str = setting(
        "Asia/Ho_Chi_Minh",
        help="IANA timezone; the business day rolls over at local midnight.",
        check=_timezone,
    )
    hours: list[str] = setting(
        [],
        help='Windows when tickets may be issued, e.g. ["07:00-11:30", "13:00-17:00"]; '
        "empty means always.",
        check=_hours,
    )
    days: list[int] = setting(
        [1, 2, 3, 4, 5, 6, 7],
        help="Days of the week when tickets may be issued, 1 = Monday (Thứ Hai) … "
        "7 = Sunday (Chủ nhật), e.g. [1, 2, 3, 4, 5] for Monday to Friday; default every day.",
        check=_days,
    )
    closed_days: list[str] = setting(
        [],
        help="Days the centre is closed (holidays: Tết, 30/4, 1/5, 2/9 …), e.g. "
        '["2027-02-05", "2027-02-06"]: no tickets, the kiosk says so and when it opens '
        "again; no bookings either (sent to the hub with [booking] closed_days).",
        check=_dates,
    )
    authority: str = setting(
        "",
        help='First line of the ticket, e.g. "UBND XÃ CÙ LAO DUNG"; empty leaves it out.',
        check=_shown,
    )
    notice: str = setting(
        "",
        help="A notice scrolled on the display, e.g. the working hours.",
        check=_shown,
    )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, kw_only=True)
class ServerConfig:
    host: str = setting(
        "127.0.0.1",
        help='Address to listen on; "0.0.0.0" serves the LAN (needs real keys, demo = false).',
    )
    port: int = setting(8080, help="TCP port to listen on.", check=_between(1, 65535))
    url: str = setting(
        "",
        help="How the kiosk, display and keypads reach the server; "
        'default "http://127.0.0.1:PORT".',
        check=_url,
    )
    public_url: str = setting(
        "",
        help="How phones on the centre's Wi-Fi reach the server (QR codes on tickets), "
        'e.g. "http://192.168.1.10:8080"; default: url.',
        check=_url,
    )
    database: str = setting(
        "/var/lib/sothutu/queue.db",
        help="SQLite file; a relative path is relative to this config file.",
        check=_non_empty,
    )
    admin_key: str = setting(help="Bearer key with every right.", check=_non_empty)
    admin_password: str = setting(
        "",
        help="Password of the admin page (/admin: live view, reports); empty turns the page off.",
    )
    secret_key: str = setting(
        help="Keys the login sessions (console, admin, tablets); long and random; "
        "changing it signs everyone out.",
        check=_non_empty,
    )
    demo: bool = setting(
        False,
        help="Demo mode: allows the example's weak keys and PINs, and then only on 127.0.0.1.",
    )
    threads: int = setting(
        80,
        help="Worker threads; each open event stream (display, console) holds one.",
        check=_between(8, 500),
    )
    max_streams: int = setting(
        64,
        help="Event streams served at once; more are refused with 503 so the API keeps threads.",
        check=_between(1, 490),
    )
    phone_streams: int = setting(
        8,
        help="Live streams of citizens' status pages (/t/ID) at once, apart from max_streams.",
        check=_between(0, 400),
    )
    ping_seconds: float = setting(
        10.0,
        help="Seconds between ': ping' comments on an idle event stream (at most 15).",
        check=_between(0.05, 15),
    )
    streams_per_address: int = setting(
        4,
        help="Event streams one address may hold without a key or console session (a TV "
        "needs one or two); more get 503. Programs on this Pi (127.0.0.1, ::1) are exempt.",
        check=_between(1, 490),
    )
    reserved_streams: int = setting(
        24,
        help="Slots of max_streams that only keyed clients (kiosks, keypads), clerks' "
        "consoles and programs on this Pi may take; streams without a key get the rest "
        "(at least one).",
        check=_between(0, 490),
    )
    phone_streams_per_address: int = setting(
        2,
        help="Citizens' status-page streams (/t/ID) one address may hold; 127.0.0.1 and ::1 "
        "are exempt.",
        check=_between(1, 400),
    )
    replay_events: int = setting(
        1000,
        help="Most events a client without a key or console session may ask to replay "
        "(Last-Event-ID); one further behind gets a fresh snapshot instead.",
        check=_between(1, 10**9),
    )
    connections_per_address: int = setting(
        20,
        help="Open TCP connections one address may hold (a browser uses up to 6); more are "
        "closed at once. 127.0.0.1 and ::1 are exempt.",
        check=_between(4, 1000),
    )
    head_seconds: float = setting(
        5.0,
        help="A request's head must arrive within this many seconds of the connection "
        "opening (or of its first byte); a slower one is closed, even when it trickles.",
        check=_between(0.5, 60),
    )
    dead_client_seconds: float = setting(
        30.0,
        help="A connection whose client acknowledges nothing for this long (a TV unplugged "
        "or out of Wi-Fi) is closed and its stream slot freed (TCP keepalive and user "
        "timeout).",
        check=_between(2, 600),
    )

    def client_url(self) -> str:
        """The base URL local clients use when ``url`` is not set."""
        if self.url:
            return self.url.rstrip("/")
        host = self.host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def phone_url(self) -> str:
        return (self.public_url or self.client_url()).rstrip("/")


@dataclass(frozen=True, kw_only=True)
class Service:
    id: str = setting(
        help="Identifier, [a-z0-9-]+, used by the API.",
        check=lambda v: None if _SERVICE_ID.fullmatch(v) else f"must match [a-z0-9-]+, got {v!r}",
    )
    name: str = setting(help="Field name citizens see, e.g. 'Hộ tịch'.", check=_shown_name)
    prefix: str = setting(
        help='Code prefix: "" or 1-2 capital letters.',
        check=lambda v: (
            None if _PREFIX.fullmatch(v) else f'must be "" or 1-2 capital letters, got {v!r}'
        ),
    )
    start: int = setting(1, help="First number of the business day.", check=_non_negative)
    width: int = setting(
        3, help="Zero padding of the printed code (3 → A001).", check=_between(1, 6)
    )
    daily_limit: int = setting(
        0, help="Most tickets per business day; 0 means no limit.", check=_non_negative
    )
    service_minutes: float = setting(
        5.0,
        help="Minutes one citizen takes, used for the estimated wait until today has figures.",
        check=_between(0.1, 240),
    )


@dataclass(frozen=True, kw_only=True)
class Counter:
    number: int = setting(help="Counter number, what the display and voice say.", check=_positive)
    name: str = setting("", help='Label, e.g. "Quầy 1"; default "Quầy N".', check=_shown)
    services: list[str] = setting(help="Ids of the services this counter calls from.")
    key: str = setting(help="Bearer key for this counter only.", check=_non_empty)
    pin: str = setting(help="Clerk console PIN, 4-12 digits.", check=_pin)
    guidance: bool = setting(
        False, help="Quầy hướng dẫn: may issue tickets for citizens and sees every queue."
    )
    print_kiosk: str = setting(
        "",
        help=(
            "A [[kiosks]] name: the kiosk whose printer prints, at once, the tickets this "
            "guidance counter issues (and reprints of tickets issued at a counter). Empty: "
            "the console shows the new number large for the citizen to read."
        ),
    )

    @property
    def label(self) -> str:
        return self.name or f"Quầy {self.number}"


@dataclass(frozen=True, kw_only=True)
class Kiosk:
    name: str = setting(help="Kiosk name, unique.", check=_shown_name)
    key: str = setting(help="Bearer key that may issue tickets.", check=_non_empty)


_gpio_pin = gpio.check_pin


@dataclass(frozen=True, kw_only=True)
class KeypadConfig:
    counter: int = setting(help="Number of the counter whose buttons these are.", check=_positive)
    next: str = setting(
        help='Pin of the "next" button (finish the current ticket, call the next), e.g. "GPIO17".',
        check=_gpio_pin,
    )
    recall: str = setting(
        "", help='Pin of the "recall" button; "" when not wired.', check=_gpio_pin
    )
    no_show: str = setting(
        "", help='Pin of the "no-show" button; "" when not wired.', check=_gpio_pin
    )
    done: str = setting("", help='Pin of the "done" button; "" when not wired.', check=_gpio_pin)
    led: str = setting(
        "",
        help="Pin of the LED: on while the counter is open, off while paused, blinking while "
        'the server is unreachable; "" for none.',
        check=_gpio_pin,
    )
    buzzer: str = setting(
        "",
        help='Pin of an active buzzer: one beep per accepted press, three on failure; "" for none.',
        check=_gpio_pin,
    )
    pull_up: bool = setting(
        True, help="Buttons connect the pin to ground (internal pull-up); false: to 3.3 V."
    )
    bounce_ms: int = setting(
        50, help="Contact bounce shorter than this is ignored.", check=_between(0, 1000)
    )
    quiet_ms: int = setting(
        600,
        help="Presses this soon after the previous one finished are ignored (a double press "
        "calls one ticket).",
        check=_between(0, 10000),
    )
    retry_seconds: float = setting(
        20.0,
        help="How long a press keeps trying while the server restarts before it gives up "
        "and signals failure.",
        check=_between(0, 300),
    )


@dataclass(frozen=True, kw_only=True)
class PrinterConfig:
    connection: str = setting(
        "preview:var/tickets",
        help="usb:VID:PID, network:HOST:PORT, serial:DEVICE:BAUD, file:PATH or preview:DIR.",
        check=_non_empty,
    )
    width: int = setting(
        576, help="Dots: 384 for 58 mm paper, 512 or 576 for 80 mm.", check=_one_of(384, 512, 576)
    )
    profile: str = setting("TM-T20II", help="python-escpos printer profile.")
    timeout: float = setting(
        3.0,
        help="Seconds allowed for connecting, for each status answer and for sending a ticket; "
        "past it the printer counts as offline.",
        check=_between(0.2, 30),
    )
    paper_status: bool = setting(
        True,
        help="Ask the printer for its paper status before each ticket (usb, network, serial); "
        "turn off for printers that never answer.",
    )
    probe_seconds: float = setting(
        60.0,
        help="How often an idle kiosk asks the printer its status; 0 never.",
        check=_between(0, 3600),
    )


_KEY_NAMES = re.compile(r"(?:(?:ctrl|alt|shift|meta)\+)+[a-z0-9]")


@dataclass(frozen=True, kw_only=True)
class KioskConfig:
    name: str = setting(
        "", help="Which [[kiosks]] entry this machine is (its key); empty means the first."
    )
    fullscreen: bool = setting(
        True, help="Full screen without a window frame; --windowed overrides it."
    )
    width: int = setting(
        0,
        help="Screen width in pixels; 0 means the screen's own (1024 in a window).",
        check=_between(0, 7680),
    )
    height: int = setting(
        0,
        help="Screen height in pixels; 0 means the screen's own (600 in a window).",
        check=_between(0, 4320),
    )
    screen_inches: float = setting(
        0.0,
        help="The touchscreen's diagonal in inches (square pixels assumed), to keep touch "
        'targets at least 15 mm; 0: the panel usual at the resolution (800x480: the 7" '
        'Raspberry Pi display, 1024x600: 7", 1280x800: 10.1", 1920x1080: 15.6").',
        check=lambda v: None if v == 0 or 3 <= v <= 100 else f"must be 0 or 3 to 100, got {v}",
    )
    screen_mm: list[float] = setting(
        [],
        help="The touchscreen's active area [width, height] in millimetres, from its "
        "datasheet; overrides screen_inches. [] means not given.",
        check=lambda v: (
            None
            if v == [] or (len(v) == 2 and all(20 <= x <= 3000 for x in v))
            else f"must be [] or [width, height] in mm (20 to 3000 each), got {v}"
        ),
    )
    keyboard: str = setting(
        "abc",
        help='The look-up\'s on-screen keyboard: "abc" (the letters of the Vietnamese '
        'alphabet in order, for people who never typed) or "qwerty" (used only where its '
        "ten keys a row are at least 15 mm wide; else abc).",
        check=_one_of("abc", "qwerty"),
    )
    printer_fault: str = setting(
        "show",
        help='When the printer is known broken (out of paper, offline): "show" keeps issuing '
        "and shows each number large on screen (the start screen says so before the tap); "
        '"stop" stops issuing and sends citizens to the guidance counter.',
        check=_one_of("show", "stop"),
    )
    priority: bool = setting(True, help="Offer the priority (ƯU TIÊN) choice.")
    lookup: bool = setting(
        True,
        help="Offer the procedure look-up (Tra cứu thủ tục) on the start screen when the "
        "server has a catalogue.",
    )
    lookup_idle_seconds: float = setting(
        90.0,
        help="Back to the start screen after this long without a touch on the look-up "
        "screens (citizens read the documents to bring).",
        check=_between(10, 3600),
    )
    idle_seconds: float = setting(
        20.0, help="Back to the start screen after this long without a tap.", check=_positive
    )
    done_seconds: float = setting(
        6.0, help="How long the code stays on screen after the ticket printed.", check=_positive
    )
    fault_seconds: float = setting(
        30.0,
        help="How long the code stays on screen when the printer failed.",
        check=_positive,
    )
    message_seconds: float = setting(
        8.0,
        help="How long 'outside hours' and other refusals stay on screen.",
        check=_positive,
    )
    tap_guard_seconds: float = setting(
        0.4,
        help="Taps this soon after a tap or a screen change are ignored (double taps).",
        check=_between(0, 3),
    )
    exit_keys: str = setting(
        "ctrl+shift+q",
        help="Key combination with which a technician closes the kiosk; Escape never does.",
        check=lambda v: (
            None
            if _KEY_NAMES.fullmatch(v.lower())
            else f"must be modifiers and one key like 'ctrl+shift+q', got {v!r}"
        ),
    )
    request_timeout: float = setting(
        5.0, help="Seconds to wait for the server when issuing a ticket.", check=_between(0.5, 60)
    )
    retry_seconds: float = setting(
        20.0,
        help="A ticket request that got no answer is sent again (with the same request_id, "
        "so the server issues one ticket) for this many seconds before the kiosk says so.",
        check=_between(0, 120),
    )
    state_dir: str = setting(
        "",
        help="Folder where the kiosk keeps what must survive a restart (the last event it "
        'saw, so reprints asked while it was off are printed); "" means a "kiosk" folder '
        "beside the database.",
    )
    button_pins: list[str] = setting(
        [],
        help='GPIO pin of each field\'s push button, in [[services]] order, e.g. "GPIO17"; '
        '"" for a field without one.',
        check=lambda v: next((p for p in map(_gpio_pin, v) if p), None),
    )
    priority_pin: str = setting(
        "",
        help='Pin of the priority button (press it, then a field); "" when not wired.',
        check=_gpio_pin,
    )
    led_pin: str = setting(
        "",
        help='Pin of the ready LED (on: ready, blinking: fault); "" when not wired.',
        check=_gpio_pin,
    )
    buzzer_pin: str = setting(
        "", help='Pin of a buzzer that beeps per ticket; "" when not wired.', check=_gpio_pin
    )
    beep_seconds: float = setting(
        0.15, help="Length of the buzzer's beep.", check=_between(0.01, 2)
    )
    press_lockout_seconds: float = setting(
        1.0,
        help="After a button press, further presses are ignored this long (bounce, double "
        "presses).",
        check=_between(0.02, 10),
    )
    pin_factory: str = setting(
        "",
        help='gpiozero pin factory: "" picks the board\'s, or the mock one where there is none; '
        '"mock", "lgpio", "rpigpio", "pigpio" or "native" force one.',
        check=_one_of("", "mock", "lgpio", "rpigpio", "pigpio", "native"),
    )


@dataclass(frozen=True, kw_only=True)
class VoiceConfig:
    dialect: str = setting(
        "north",
        help='"north" (linh, nghìn) or "south" (lẻ, ngàn).',
        check=_one_of("north", "south"),
    )
    announce: str = setting(
        "voice",
        help='What the display plays for a call: "voice" (chime, then the sentence), '
        '"chime" (the chime only) or "off".',
        check=_one_of("voice", "chime", "off"),
    )
    chime: bool = setting(True, help="Play the chime before the sentence.")
    repeat: int = setting(
        1, help="How many times the sentence is said: 1 or 2.", check=_one_of(1, 2)
    )
    pack: str = setting(
        "/var/lib/sothutu/voice",
        help="Voice pack folder: one WAV per word or phrase and manifest.json; "
        "a relative path is relative to this config file.",
        check=_non_empty,
    )
    volume: float = setting(1.0, help="Loudness, 0.0 to 1.0.", check=_between(0.0, 1.0))
    gap: float = setting(
        0.8, help="Seconds of silence between two announcements.", check=_between(0.0, 10.0)
    )
    max_age: float = setting(
        60.0,
        help="A call older than this many seconds when its turn comes is shown but not spoken.",
        check=_between(1.0, 3600.0),
    )
    espeak: bool = setting(
        True, help="Say a clip missing from the pack with espeak-ng, when it is installed."
    )


_SIZE = re.compile(r"[1-9]\d{2,4}x[1-9]\d{2,4}")


def parse_size(text: str) -> tuple[int, int]:
    """``"1366x768"`` → (1366, 768), a screen's size for ``--size`` and ``[display]
    size``; ValueError names what is wrong."""
    w, _, h = text.lower().partition("x")
    try:
        size = (int(w), int(h))
    except ValueError:
        raise ValueError(f"not a size like 1920x1080: {text!r}") from None
    if min(size) < 100 or max(size) > 9999:
        raise ValueError(f"not a screen size (100 to 9999 pixels a side): {text!r}")
    return size


@dataclass(frozen=True, kw_only=True)
class DisplayConfig:
    size: str = setting(
        "",
        help='Window or screenshot size, e.g. "1366x768"; "" means the whole screen '
        "(1920x1080 for screenshots).",
        check=lambda v: (
            None if not v or _SIZE.fullmatch(v) else f"must be like 1920x1080, got {v!r}"
        ),
    )
    highlight_seconds: float = setting(
        10.0,
        help="Seconds the newest call blinks after a call or a recall.",
        check=_between(0.0, 120.0),
    )
    scroll_speed: float = setting(
        90.0,
        help="Speed of the scrolling notice in pixels per second on a 1080-line screen "
        "(scaled to others); 0 shows the notice still.",
        check=_between(0.0, 1000.0),
    )
    scroll_fps: int = setting(
        30, help="Frames per second while the notice scrolls.", check=_between(5, 60)
    )


@dataclass(frozen=True, kw_only=True)
class ProceduresConfig:
    catalogue: str = setting(
        "",
        help="CSV catalogue of procedures (README, 'Procedures'); the server imports it at "
        "start when the database has not imported this content of it yet; a relative path "
        'is relative to this config file; "" means none.',
    )
    synonyms: str = setting(
        "",
        help="A file of the province's own words for procedures, added to the shipped "
        "list for the look-up (README, 'Procedures': 'sổ đỏ => giấy chứng nhận quyền "
        'sử dụng đất\'); a relative path is relative to this config file; "" means none.',
    )


@dataclass(frozen=True, kw_only=True)
class ReportsConfig:
    service_level_minutes: float = setting(
        15.0,
        help="Waiting longer than this counts in the share over the service level.",
        check=_between(1, 600),
    )
    head_title: str = setting(
        "Giám đốc",
        help='Who signs the monthly summary beside "Người lập biểu", e.g. "Giám đốc" or '
        '"Trưởng bộ phận".',
    )


@dataclass(frozen=True, kw_only=True)
class RatingsConfig:
    window_seconds: int = setting(
        90,
        help="Seconds after a ticket is done during which the citizen may rate it; "
        "the rating page shows the faces this long.",
        check=_between(10, 3600),
    )
    keypad_pins: list[str] = setting(
        [],
        help='GPIO pins (gpiozero names, e.g. "GPIO5") of a five-button rating keypad, '
        "from Rất hài lòng to Rất không hài lòng; [] means no keypad.",
        check=_gpio_pins,
    )


@dataclass(frozen=True, kw_only=True)
class BackupConfig:
    dir: str = setting(
        "",
        help='Folder for backups; "" means a "backups" folder beside the database.',
    )
    keep: int = setting(
        14, help="How many backups to keep; older ones are deleted.", check=_positive
    )
    time: str = setting(
        "22:00",
        help='Local time of the nightly backup by the server ("" turns it off); a server that '
        "was off then makes one as soon as the newest backup is over a day old.",
        check=_clock_time,
    )


_CENTRE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


def _centre_id(v: str) -> str | None:
    if v and not _CENTRE_ID.fullmatch(v):
        return f"must be lower-case letters, digits and '-' (as registered at the hub), got {v!r}"
    return None


@dataclass(frozen=True, kw_only=True)
class HubLinkConfig:
    """The outbound link to the province hub; without ``url`` nothing is pushed."""

    url: str = setting(
        "",
        help='The province hub, e.g. "https://hub.example.gov.vn"; "" (the default) means '
        "no hub. An https hub's certificate is verified.",
        check=_url,
    )
    centre_id: str = setting(
        "", help="This centre's id at the hub (python -m hub centre add ID).", check=_centre_id
    )
    token: str = setting(
        "", help="The token the hub printed when it registered this centre (a secret)."
    )
    push_seconds: float = setting(
        30.0,
        help="Seconds between pushes of new ticket rows and health to the hub.",
        check=_between(0.2, 3600),
    )
    timeout_seconds: float = setting(
        20.0, help="How long one push may take before it counts as failed.", check=_between(1, 300)
    )
    ca_file: str = setting(
        "",
        help="A CA bundle (PEM) to verify the hub's certificate with, for a province CA; "
        '"" uses the system\'s certificates.',
    )
    booking_key: str = setting(
        "",
        help="The booking key the hub printed with centre add (python -m hub centre key ID "
        "shows it again): the kiosk checks the QR code of a booking the centre has not "
        'received yet (its link is down) against it. "" accepts only bookings received.',
    )

    @property
    def enabled(self) -> bool:
        return bool(self.url)


@dataclass(frozen=True, kw_only=True)
class BookingConfig:
    """Numbers booked ahead on the province hub and checked in here (README, "Booking")."""

    early_minutes: int = setting(
        15,
        help="A booking checks in from this many minutes before its slot starts "
        "(earlier: the kiosk says when to come back).",
        check=_between(0, 240),
    )
    late_minutes: int = setting(
        15,
        help="… until this many minutes after it starts; later, the citizen gets an "
        "ordinary ticket and the kiosk says so.",
        check=_between(0, 240),
    )
    no_show_minutes: int = setting(
        15,
        help="A booking not checked in by this many minutes after its slot ends is a "
        "no-show (the hub bars a person after repeated no-shows).",
        check=_between(0, 1440),
    )
    closed_days: list[str] = setting(
        [],
        help='Days the centre takes no bookings, e.g. ["2026-09-01", "2026-09-02"] '
        "(holidays); sent to the hub, which adds the province's own.",
        check=_dates,
    )


@dataclass(frozen=True, kw_only=True)
class Config:
    """The whole validated config. ``path`` is the file it came from."""

    path: Path
    centre: CentreConfig
    server: ServerConfig
    services: tuple[Service, ...]
    counters: tuple[Counter, ...]
    kiosks: tuple[Kiosk, ...]
    printer: PrinterConfig
    kiosk: KioskConfig
    voice: VoiceConfig
    display: DisplayConfig
    keypads: tuple[KeypadConfig, ...] = ()
    procedures: ProceduresConfig = field(default_factory=ProceduresConfig)
    reports: ReportsConfig = field(default_factory=ReportsConfig)
    ratings: RatingsConfig = field(default_factory=RatingsConfig)
    backup: BackupConfig = field(default_factory=BackupConfig)
    hub: HubLinkConfig = field(default_factory=HubLinkConfig)
    booking: BookingConfig = field(default_factory=BookingConfig)

    def service(self, service_id: str) -> Service | None:
        for s in self.services:
            if s.id == service_id:
                return s
        return None

    def counter(self, number: int) -> Counter | None:
        for c in self.counters:
            if c.number == number:
                return c
        return None

    def keypad(self, counter: int) -> KeypadConfig | None:
        for k in self.keypads:
            if k.counter == counter:
                return k
        return None

    def resolve(self, path: str) -> Path:
        """A path from the config; relative ones are relative to the config file."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self.path.parent / p)

    @property
    def database_path(self) -> Path:
        return self.resolve(self.server.database)

    @property
    def kiosk_state_dir(self) -> Path:
        if self.kiosk.state_dir:
            return self.resolve(self.kiosk.state_dir)
        return self.database_path.parent / "kiosk"

    @property
    def backup_dir(self) -> Path:
        if self.backup.dir:
            return self.resolve(self.backup.dir)
        return self.database_path.parent / "backups"


# Sections: name → (dataclass, "table" | "array", required).
SECTIONS: dict[str, tuple[type, str, bool]] = {
    "centre": (CentreConfig, "table", True),
    "server": (ServerConfig, "table", True),
    "services": (Service, "array", True),
    "counters": (Counter, "array", True),
    "kiosks": (Kiosk, "array", False),
    "printer": (PrinterConfig, "table", False),
    "kiosk": (KioskConfig, "table", False),
    "voice": (VoiceConfig, "table", False),
    "display": (DisplayConfig, "table", False),
    "keypads": (KeypadConfig, "array", False),
    "procedures": (ProceduresConfig, "table", False),
    "reports": (ReportsConfig, "table", False),
    "ratings": (RatingsConfig, "table", False),
    "backup": (BackupConfig, "table", False),
    "hub": (HubLinkConfig, "table", False),
    "booking": (BookingConfig, "table", False),
}


def settings_of(cls: type) -> list[dataclasses.Field]:
    """The declared keys of a section, in order."""
    return [f for f in dataclasses.fields(cls) if "help" in f.metadata]


# --- loading ----------------------------------------------------------------


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is list:
        (inner,) = typing.get_args(tp)
        return f"a list of {_type_name(inner)}"
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}.get(
        tp, str(tp)
    )


def _coerce(value: Any, tp: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _coerce(value, args[0], where)
    if origin is list:
        (inner,) = typing.get_args(tp)
        if not isinstance(value, list):
            raise ConfigError(f"{where}: must be {_type_name(tp)}, got {_describe(value)}")
        return [_coerce(v, inner, f"{where}[{i}]") for i, v in enumerate(value)]
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if tp is float and is_number:
        return float(value)
    if tp is int and is_number and isinstance(value, int):
        return value
    if tp is bool and isinstance(value, bool):
        return value
    if tp is str and isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    raise ConfigError(f"{where}: must be {_type_name(tp)}, got {_describe(value)}")


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the string {value!r}"
    return f"{type(value).__name__} {value!r}"


def _build(cls: type, raw: Any, where: str) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: must be a table, got {_describe(raw)}")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in settings_of(cls)}
    for key in raw:
        if key not in known:
            raise ConfigError(f"{where}.{key}: unknown key (known: {', '.join(sorted(known))})")
    values = {}
    for f in settings_of(cls):
        key_where = f"{where}.{f.name}"
        if f.name not in raw:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ConfigError(f"{key_where}: missing required key")
            continue
        value = _coerce(raw[f.name], hints[f.name], key_where)
        check = f.metadata.get("check")
        if check is not None:
            problem = check(value)
            if problem:
                raise ConfigError(f"{key_where}: {problem}")
        values[f.name] = value
    return cls(**values)


def build_section(cls: type, raw: Any, where: str) -> Any:
    """Validate one TOML table against a dataclass of ``setting()`` fields (other programs'
    configs, e.g. the province hub's, are built from the same parts)."""
    return _build(cls, raw, where)


def read_toml(path: str | Path) -> tuple[Path, dict[str, Any]]:
    """Read a TOML file; ``ConfigError`` naming the file when it cannot be read or parsed."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            return p, tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{p}: no such config file") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{p}: not valid UTF-8") from None


def parse_config(data: dict[str, Any], path: Path) -> Config:
    """Validate parsed TOML ``data``; errors are ``ConfigError`` without the file name."""
    for key in data:
        if key not in SECTIONS:
            raise ConfigError(f"{key}: unknown section (known: {', '.join(SECTIONS)})")
    built: dict[str, Any] = {}
    for name, (cls, kind, required) in SECTIONS.items():
        raw = data.get(name)
        if raw is None:
            if required:
                raise ConfigError(f"{name}: missing required section")
            built[name] = () if kind == "array" else cls()
            continue
        if kind == "array":
            if not isinstance(raw, list):
                raise ConfigError(f"{name}: must be an array of tables ([[{name}]])")
            built[name] = tuple(_build(cls, item, f"{name}[{i}]") for i, item in enumerate(raw))
        else:
            built[name] = _build(cls, raw, name)
    config = Config(path=path, **built)
    _cross_check(config)
    return config


def _duplicates(values: list[Any]) -> Any:
    seen = set()
    for v in values:
        if v in seen:
            return v
        seen.add(v)
    return None


_WEAK_MARK = "demo"

#: The pin keys of a [[keypads]] entry (buttons, then outputs).
KEYPAD_PINS = ("next", "recall", "no_show", "done", "led", "buzzer")


def weak_pin(pin: str) -> bool:
    """A PIN anyone would try first: one digit repeated, or digits counting up or down."""
    digits = [int(c) for c in pin]
    steps = {b - a for a, b in itertools.pairwise(digits)}
    return len(set(digits)) == 1 or steps in ({1}, {-1})


def _cross_check(config: Config) -> None:
    if not config.services:
        raise ConfigError("services: at least one [[services]] is required")
    if not config.counters:
        raise ConfigError("counters: at least one [[counters]] is required")
    ids = [s.id for s in config.services]
    dup = _duplicates(ids)
    if dup is not None:
        raise ConfigError(
            f"services[{ids.index(dup, ids.index(dup) + 1)}].id: duplicate id {dup!r}"
        )
    for i, s in enumerate(config.services):
        if s.daily_limit and len(str(s.start + s.daily_limit - 1)) > 6:
            raise ConfigError(f"services[{i}].daily_limit: numbers would exceed 6 digits")
    numbers = [c.number for c in config.counters]
    dup = _duplicates(numbers)
    if dup is not None:
        i = numbers.index(dup, numbers.index(dup) + 1)
        raise ConfigError(f"counters[{i}].number: duplicate counter number {dup}")
    for i, c in enumerate(config.counters):
        if not c.services:
            raise ConfigError(f"counters[{i}].services: must name at least one service")
        for j, sid in enumerate(c.services):
            if sid not in ids:
                raise ConfigError(
                    f"counters[{i}].services[{j}]: unknown service {sid!r} "
                    f"(configured: {', '.join(ids)})"
                )
    server = config.server
    if server.max_streams + server.phone_streams > server.threads - 8:
        raise ConfigError(
            f"server.phone_streams: max_streams ({server.max_streams}) + phone_streams "
            f"({server.phone_streams}) must leave 8 of the {server.threads} threads for "
            "the API; raise threads or lower one of them"
        )
    if server.connections_per_address <= server.streams_per_address + (
        server.phone_streams_per_address
    ):
        raise ConfigError(
            f"server.connections_per_address: {server.connections_per_address} must exceed "
            f"streams_per_address ({server.streams_per_address}) + phone_streams_per_address "
            f"({server.phone_streams_per_address}), so a device with its streams open can "
            "still make requests"
        )
    names = [k.name for k in config.kiosks]
    dup = _duplicates(names)
    if dup is not None:
        raise ConfigError(
            f"kiosks[{names.index(dup, names.index(dup) + 1)}].name: duplicate {dup!r}"
        )
    _check_kiosk(config, names)
    for i, c in enumerate(config.counters):
        if c.print_kiosk and c.print_kiosk not in names:
            known = ", ".join(names) or "none configured"
            raise ConfigError(
                f"counters[{i}].print_kiosk: no [[kiosks]] named {c.print_kiosk!r} (known: {known})"
            )

    for i, k in enumerate(config.keypads):
        if config.counter(k.counter) is None:
            raise ConfigError(
                f"keypads[{i}].counter: no [[counters]] with number {k.counter} "
                f"(configured: {', '.join(str(n) for n in numbers)})"
            )
        pins = [(name, getattr(k, name)) for name in KEYPAD_PINS if getattr(k, name)]
        used: dict[str, str] = {}
        for name, pin in pins:
            canon = gpio.canonical(pin)
            if canon in used:
                raise ConfigError(f"keypads[{i}].{name}: pin {pin} is also {used[canon]}")
            used[canon] = name
    dup = _duplicates([k.counter for k in config.keypads])
    if dup is not None:
        raise ConfigError(f"keypads: two [[keypads]] for counter {dup}")

    _check_hub(config.hub)
    secrets: list[tuple[str, str]] = [
        ("server.admin_key", config.server.admin_key),
        ("server.secret_key", config.server.secret_key),
    ]
    secrets += [(f"counters[{i}].key", c.key) for i, c in enumerate(config.counters)]
    secrets += [(f"kiosks[{i}].key", k.key) for i, k in enumerate(config.kiosks)]
    if config.server.admin_password:
        secrets.append(("server.admin_password", config.server.admin_password))
    if config.hub.token:
        secrets.append(("hub.token", config.hub.token))
    if config.hub.booking_key:
        secrets.append(("hub.booking_key", config.hub.booking_key))
    seen: dict[str, str] = {}
    for where, value in secrets:
        if value in seen:
            raise ConfigError(f"{where}: same value as {seen[value]}; every key must differ")
        seen[value] = where

    if config.server.demo:
        if config.server.host not in ("127.0.0.1", "localhost", "::1"):
            raise ConfigError(
                f"server.host: demo = true only serves 127.0.0.1, not {config.server.host!r}; "
                "generate real keys and PINs (deploy/install.sh does) and set demo = false"
            )
        return
    for where, value in secrets:
        if len(value) < 16 or value.lower().startswith(_WEAK_MARK):
            raise ConfigError(
                f"{where}: too weak for production (at least 16 characters, not a demo value); "
                "deploy/install.sh generates random keys"
            )
    for i, c in enumerate(config.counters):
        if weak_pin(c.pin):
            raise ConfigError(f"counters[{i}].pin: too easy to guess (same or consecutive digits)")


def _check_hub(hub: HubLinkConfig) -> None:
    if not hub.url:
        if hub.centre_id or hub.token:
            raise ConfigError("hub.url: missing; give the hub's address or remove [hub]")
        return
    if not hub.centre_id:
        raise ConfigError("hub.centre_id: missing required key (the id registered at the hub)")
    if not hub.token:
        raise ConfigError("hub.token: missing required key (printed by the hub's centre add)")


def _check_kiosk(config: Config, names: list[str]) -> None:
    k = config.kiosk
    if k.name and k.name not in names:
        known = ", ".join(names) or "none configured"
        raise ConfigError(f"kiosk.name: no [[kiosks]] named {k.name!r} (known: {known})")
    if len(k.button_pins) > len(config.services):
        raise ConfigError(
            f"kiosk.button_pins: {len(k.button_pins)} pins for {len(config.services)} services"
        )
    pins = [("kiosk.priority_pin", k.priority_pin), ("kiosk.led_pin", k.led_pin)]
    pins += [("kiosk.buzzer_pin", k.buzzer_pin)]
    pins += [(f"kiosk.button_pins[{i}]", p) for i, p in enumerate(k.button_pins)]
    used: dict[str, str] = {}
    for where, pin in pins:
        if not pin:
            continue
        canon = gpio.canonical(pin)
        if canon in used:
            raise ConfigError(f"{where}: pin {pin} is already {used[canon]}")
        used[canon] = where


def load_config(path: str | Path) -> Config:
    """Read and validate a config file; raises ``ConfigError`` naming file and key."""
    p, data = read_toml(path)
    try:
        return parse_config(data, p.resolve())
    except ConfigError as exc:
        raise ConfigError(f"{p}: {exc}") from None


def load_or_exit(path: str | Path, program: str = "sothutu") -> Config:
    """``load_config`` for a program's start: a bad config prints one line, exits 2."""
    try:
        return load_config(path)
    except ConfigError as exc:
        print(f"{program}: config error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
