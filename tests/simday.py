"""A simulated working day at a centre, written into its SQLite database through the
real queue service with a manual clock: tickets in several fields, priority,
calls, recalls, no-shows (some called back), holds, transfers, ratings.

Used by the hub's tests, ``make bench`` and ``make demo-hub``. Deterministic for
a seed.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

from counter_api.core.model import QueueError
from counter_api.service import QueueService
from counter_api.store import Store
from sothutu.clock import ManualClock
from sothutu.config import load_config


def simulate_day(
    config_path: Path, day: date, tickets: int = 200, seed: int = 1, *, until_hour: float = 17.0
) -> dict[str, int]:
    """Play ``tickets`` citizens through ``day`` (07:00 to ``until_hour``) in the centre
    of ``config_path``; returns what happened (issued, served, …)."""
    config = load_config(config_path)
    tz = config.centre.tz
    start = datetime(day.year, day.month, day.day, 7, 0, tzinfo=tz)
    clock = ManualClock(start)
    store = Store(config.database_path)
    svc = QueueService(config, store, clock)
    rnd = random.Random(seed)
    services = [s.id for s in config.services]
    counters = [c.number for c in config.counters]
    span = (until_hour - 7.0) * 3600
    arrivals = sorted(rnd.uniform(0, span * 0.85) for _ in range(tickets))
    stats = dict.fromkeys(("issued", "called", "served", "no_show", "held", "rated"), 0)
    held: list[tuple[int, str]] = []
    t = 0.0
    ai = 0
    step = span / max(1, tickets) / 1.5
    while t < span:
        clock.set(start + timedelta(seconds=t))
        while ai < len(arrivals) and arrivals[ai] <= t:
            try:
                svc.issue(rnd.choice(services), priority=rnd.random() < 0.08, kiosk="kiosk-1")
                stats["issued"] += 1
            except QueueError:
                pass
            ai += 1
        n = rnd.choice(counters)
        roll = rnd.random()
        try:
            if roll < 0.70:
                out = svc.next(n)
                if out.get("ticket"):
                    stats["called"] += 1
                if out.get("finished"):
                    stats["served"] += 1
                    if rnd.random() < 0.3:
                        svc.rate(n, rnd.choice([5, 5, 4, 4, 4, 3, 2, 1]))
                        stats["rated"] += 1
            elif roll < 0.76:
                svc.no_show(n)
                stats["no_show"] += 1
            elif roll < 0.79:
                svc.recall(n)
            elif roll < 0.81:
                out = svc.hold(n)
                held.append((n, out["ticket"]["code"]))
                stats["held"] += 1
            elif roll < 0.83 and len(services) > 1:
                svc.transfer(n, rnd.choice(services))
            elif roll < 0.85 and held:
                c, code = held.pop()
                svc.call(c, code)
            elif roll < 0.86:
                svc.pause(n, "nghỉ")
                t += rnd.uniform(60, 600)
                clock.set(start + timedelta(seconds=t))
                svc.resume(n)
            else:
                svc.done(n)
                stats["served"] += 1
        except QueueError:
            pass
        t += rnd.uniform(0.3, 1.7) * step
    store.close()
    svc.bus.close()
    return stats
