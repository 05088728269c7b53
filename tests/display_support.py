"""Helpers for the display's tests: SDL drivers without hardware, sample server data.

Importing this module first sets SDL's dummy video and audio drivers, so pygame
never needs a screen or a sound card in the test process.
"""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.support import ARTIFACTS

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 24, 8, 42, 5, tzinfo=VN)
SHOTS = ARTIFACTS / "display"
RESOLUTIONS = [(1920, 1080), (1366, 768), (1080, 1920)]
NOTICE = "Thời gian làm việc: Sáng 7h30–11h30, Chiều 13h30–17h00, từ thứ Hai đến thứ Sáu"
CENTRE = "Trung tâm Phục vụ hành chính công xã Cù Lao Dung"
SERVICES = [
    ("ho-tich", "Hộ tịch", "A"),
    ("chung-thuc", "Chứng thực", "B"),
    ("dat-dai", "Đất đai", "C"),
    ("lao-dong-xa-hoi", "Lao động – Thương binh – Xã hội", "D"),
    ("huong-dan", "Hướng dẫn / Khác", "E"),
]


def iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


def ticket(tid: int, code: str, service: str = "ho-tich", counter: int | None = None) -> dict:
    """A ticket object as the API sends it (the fields the display reads, and a few more)."""
    return {
        "id": tid,
        "code": code,
        "number": int(code.lstrip("ABCDEĐ")),
        "service": service,
        "service_name": service,
        "priority": False,
        "status": "called" if counter else "waiting",
        "counter": counter,
        "calls": 1 if counter else 0,
        "business_date": "2026-11-24",
    }


def snapshot(
    counters: int = 4, recent: int = 8, now: datetime = NOW, paused: tuple[int, ...] = ()
) -> dict[str, Any]:
    """A ``/api/v1/state`` body: most counters serving, a few open, calls a minute apart."""
    rows = []
    for n in range(1, counters + 1):
        svc = SERVICES[n % len(SERVICES)]
        current = ticket(100 + n, f"{svc[2]}{n * 3:03d}", svc[0], n) if n % 4 else None
        status = "paused" if n in paused else ("serving" if current else "open")
        rows.append({"number": n, "name": f"Quầy {n}", "status": status, "current": current})
    return {
        "business_date": "2026-11-24",
        "time": iso(now),
        "centre": CENTRE,
        "counters": rows,
        "recent_calls": [
            {
                "code": f"A{15 - i:03d}",
                "counter": i % 4 + 1,
                "service": "ho-tich",
                "called_at": iso(now - timedelta(minutes=i + 1)),
                "calls": 1,
            }
            for i in range(recent)
        ],
        "services": [
            {"id": sid, "name": name, "prefix": p, "waiting": 3 * k + 1}
            for k, (sid, name, p) in enumerate(SERVICES)
        ],
        "kiosks": [],
        "last_event_id": 40,
    }


def called(
    tid: int,
    code: str,
    counter: int,
    at: datetime,
    service: str = "ho-tich",
    kind: str = "called",
    calls: int = 1,
) -> dict[str, Any]:
    """The data of a ``ticket.called`` (or ``recalled``) event; ``calls``: the ticket's
    announcements so far (a second recall has 3)."""
    return {
        "ticket": {**ticket(tid, code, service, counter), "called_at": iso(at), "calls": calls},
        "counter": counter,
        "waiting": {s[0]: 2 for s in SERVICES},
        "at": iso(at),
    }
