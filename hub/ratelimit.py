"""Requests per address in fixed windows, counted in PostgreSQL so every hub process
agrees: the booking pages' and API's limits (``[booking] reads_per_minute`` and
``writes_per_hour``).

One upsert per request (``rate_counts``: address, kind, window start, count); the
maintenance thread drops windows older than a day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hub.db import Database

#: kind → window length in seconds.
WINDOWS = {"read": 60, "write": 3600}


def hit(db: Database, address: str, kind: str, limit: int, now: datetime) -> int:
    """Count one request; 0 when it is within ``limit`` for its window, else the
    seconds until the window ends (the answer's Retry-After)."""
    span = WINDOWS[kind]
    epoch = now.timestamp()
    start = datetime.fromtimestamp(epoch - epoch % span, now.tzinfo)
    with db.connection() as conn:
        row = conn.execute(
            "INSERT INTO rate_counts AS r (address, kind, window_start, n) VALUES (%s, %s, %s, 1) "
            "ON CONFLICT (address, kind, window_start) DO UPDATE SET n = r.n + 1 RETURNING n",
            (address[:100], kind, start),
        ).fetchone()
    if row[0] <= limit:
        return 0
    return max(1, int((start + timedelta(seconds=span) - now).total_seconds() + 0.999))


def prune(db: Database, now: datetime) -> None:
    with db.connection() as conn:
        conn.execute("DELETE FROM rate_counts WHERE window_start < %s", (now - timedelta(days=1),))
