"""Report and backup benchmarks on a database of a busy year.

250 business days × 300 tickets (a big city ward) with their log lines and a
rating for one ticket in three, written straight into a fresh store; then the
time of one day's, one month's and one year's report, and of an online backup.
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from counter_api.backup import make_backup
from counter_api.reports.load import build_report
from counter_api.store import Store
from sothutu.config import load_config
from tests.conftest import VN
from tests.support import write_config

DAYS = 250
PER_DAY = 300
TARGETS = {"day_ms": 200.0, "month_s": 3.0}


def fill(store: Store, first: date) -> int:
    rng = random.Random(6)
    tickets, logs, ratings = [], [], []
    tid = 0
    day = first
    for _ in range(DAYS):
        while day.weekday() >= 5:
            day += timedelta(days=1)
        start = datetime(day.year, day.month, day.day, 7, 30, tzinfo=VN).timestamp()
        for n in range(PER_DAY):
            tid += 1
            service = ("ho-tich", "chung-thuc", "dat-dai")[n % 3]
            counter = 1 + n % 3
            issued = start + n * 90
            called = issued + rng.uniform(60, 1800)
            finished = called + rng.uniform(120, 900)
            status = "done" if n % 20 else "no_show"
            d = day.isoformat()
            tickets.append(
                {
                    "id": tid, "business_date": d, "service": service,
                    "original_service": service, "number": n + 1, "code": f"X{n + 1:03d}",
                    "priority": 0, "status": status, "counter": counter, "calls": 1,
                    "issued_at": issued, "first_called_at": called, "called_at": called,
                    "finished_at": finished,
                }
            )  # fmt: skip
            logs += [
                log(issued, d, "issued", tid, None),
                log(called, d, "called", tid, counter),
                log(finished, d, "done" if status == "done" else "no_show", tid, counter),
            ]
            if status == "done" and n % 3 == 0:
                ratings.append(
                    {
                        "ticket_id": tid, "business_date": d, "service": service,
                        "counter": counter, "score": rng.randint(1, 5), "at": finished + 20,
                        "source": "tablet",
                    }
                )  # fmt: skip
        day += timedelta(days=1)
    with store.write() as tx:
        tx.db["tickets"].insert_all(tickets)
        tx.db["ticket_log"].insert_all(logs)
        tx.db["ratings"].insert_all(ratings)
    return tid


def log(at: float, day: str, action: str, ticket: int, counter: int | None) -> dict:
    return {
        "at": at,
        "business_date": day,
        "action": action,
        "ticket_id": ticket,
        "counter": counter,
    }


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run() -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(write_config(Path(tmp)))
        store = Store(config.database_path)
        first = date(2026, 1, 5)
        count = fill(store, first)
        last_day = first + timedelta(days=DAYS * 7 // 5 - 3)
        day_s = min(timed(lambda: build_report(config, store, first, first)) for _ in range(3))
        month_s = timed(lambda: build_report(config, store, first, first + timedelta(days=30)))
        year_s = timed(lambda: build_report(config, store, first, last_day))
        store.close()
        size_mb = config.database_path.stat().st_size / 1e6
        backup_s = timed(lambda: make_backup(config))
    return [
        f"A year of a busy ward: {count:,} tickets ({DAYS} days × {PER_DAY}), "
        f"database {size_mb:.0f} MB.",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| one day's report | {day_s * 1000:.0f} ms | < {TARGETS['day_ms']:.0f} ms |",
        f"| one month's report | {month_s:.2f} s | < {TARGETS['month_s']:.0f} s |",
        f"| the year's report | {year_s:.2f} s | (information) |",
        f"| online backup with integrity check | {backup_s:.2f} s | (information) |",
    ]


if __name__ == "__main__":
    print("\n".join(run()))
