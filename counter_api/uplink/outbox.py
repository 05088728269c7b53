"""The rows waiting for the hub, and the link's state, in the centre's own database.

Triggers (migration ``_uplink``) append one ``uplink_outbox`` row for every
``ticket_log`` row and every rating in the same transaction as the change, so
``seq`` numbers every row once, in commit order, across restarts and power cuts.
The cursor (the last ``seq`` the hub acknowledged) and the last error live in
``meta``, so the admin page and ``GET /api/v1/hub`` show them from any process.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from counter_api.store import Store, repo

#: The most rows one push carries (the hub refuses more).
BATCH = 1000

ACKED = "hub_acked"
LAST_OK = "hub_last_ok_at"
LAST_TRY = "hub_last_try_at"
LAST_ERROR = "hub_last_error"
LAST_ERROR_AT = "hub_last_error_at"


def _iso(ts: float | None, tz: ZoneInfo) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).astimezone(tz).isoformat(timespec="microseconds")


def read_batch(store: Store, after: int, tz: ZoneInfo, limit: int = BATCH) -> list[dict[str, Any]]:
    """Up to ``limit`` rows after ``after`` in ``seq`` order, as the hub takes them."""
    with store.read() as db:
        outbox = db.execute(
            "SELECT seq, kind, ref FROM uplink_outbox WHERE seq > ? ORDER BY seq LIMIT ?",
            (after, limit),
        ).fetchall()
        if not outbox:
            return []
        log_ids = [ref for _, kind, ref in outbox if kind == "log"]
        rating_ids = [ref for _, kind, ref in outbox if kind == "rating"]
        logs = _by_id(
            db,
            "SELECT id, at, business_date, action, ticket_id, code, service, counter, calls "
            "FROM ticket_log WHERE id IN ({})",
            log_ids,
        )
        ratings = _by_id(
            db,
            "SELECT ticket_id, business_date, service, counter, score, at FROM ratings "
            "WHERE ticket_id IN ({})",
            rating_ids,
        )
        ticket_ids = {r[4] for r in logs.values() if r[4] is not None} | set(ratings)
        tickets = _by_id(
            db,
            "SELECT id, business_date, priority, procedure_code, original_service, number, "
            "booking, slot_start, slot_end, booking_late FROM tickets WHERE id IN ({})",
            list(ticket_ids),
        )
        booked = _by_id(
            db,
            "SELECT code, day, service, slot_start, slot_end FROM bookings WHERE code IN ({})",
            sorted({r[5] for r in logs.values() if r[3] == "booking_no_show" and r[5]}),
        )
    rows = []
    for seq, kind, ref in outbox:
        if kind == "log" and ref in logs and logs[ref][3] == "booking_no_show":
            _, at, day, action, _tid, code, service, _counter, _calls = logs[ref]
            b = booked.get(code)
            if b is None:
                rows.append({"seq": seq, "action": "missing", "business_date": None})
                continue
            rows.append(
                {
                    "seq": seq,
                    "action": action,
                    "at": _iso(at, tz),
                    "business_date": day,
                    "ticket": None,
                    "counter": None,
                    "calls": None,
                    "booking": {
                        "code": code,
                        "date": b[1],
                        "service": b[2],
                        "slot_start": _iso(b[3], tz),
                        "slot_end": _iso(b[4], tz),
                    },
                }
            )
        elif kind == "log" and ref in logs:
            _, at, day, action, ticket_id, code, service, counter, calls = logs[ref]
            rows.append(
                {
                    "seq": seq,
                    "action": action,
                    "at": _iso(at, tz),
                    "business_date": day,
                    "ticket": _ticket(tickets.get(ticket_id), code, service, tz),
                    "counter": counter,
                    "calls": calls,
                }
            )
        elif kind == "rating" and ref in ratings:
            ticket_id, day, service, counter, score, at = ratings[ref]
            t = tickets.get(ticket_id)
            rows.append(
                {
                    "seq": seq,
                    "action": "rated",
                    "at": _iso(at, tz),
                    "business_date": day,
                    "ticket": _ticket(t, None, service, tz),
                    "counter": counter,
                    "score": score,
                }
            )
        else:  # the row it points to is gone (never deleted by Sothutu): send a gap marker
            rows.append({"seq": seq, "action": "missing", "business_date": None})
    return rows


def _by_id(db: Any, sql: str, ids: list[Any]) -> dict[Any, tuple]:
    out: dict[Any, tuple] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        if chunk:
            for row in db.execute(sql.format(",".join("?" * len(chunk))), chunk).fetchall():
                out[row[0]] = row
    return out


def _ticket(
    t: tuple | None, code: str | None, service: str | None, tz: ZoneInfo
) -> dict[str, Any] | None:
    if t is None:
        return None
    ticket_id, day, priority, procedure, _original, _number, booking, start, end, late = t
    out: dict[str, Any] = {
        "id": ticket_id,
        "date": day,
        "code": code,
        "service": service,
        "priority": bool(priority),
        "procedure": procedure,
    }
    if booking:
        out["booking"] = {
            "code": booking,
            "slot_start": _iso(start, tz),
            "slot_end": _iso(end, tz),
            "late": bool(late),
        }
    return out


def newest_seq(store: Store) -> int:
    with store.read() as db:
        row = db.execute("SELECT MAX(seq) FROM uplink_outbox").fetchone()
    return row[0] or 0


def acked(store: Store) -> int:
    with store.read() as db:
        return int(repo.get_meta(db, ACKED) or 0)


def record(store: Store, now: datetime, *, ack: int | None, error: str | None) -> None:
    """Save the outcome of one push: the new cursor, or the error."""
    with store.write() as tx:
        repo.set_meta(tx.db, LAST_TRY, str(now.timestamp()))
        if ack is not None:
            repo.set_meta(tx.db, ACKED, str(ack))
            repo.set_meta(tx.db, LAST_OK, str(now.timestamp()))
        if error is not None:
            repo.set_meta(tx.db, LAST_ERROR, error[:500])
            repo.set_meta(tx.db, LAST_ERROR_AT, str(now.timestamp()))
        else:
            repo.set_meta(tx.db, LAST_ERROR, "")


def status(store: Store, tz: ZoneInfo) -> dict[str, Any]:
    """The link as ``GET /api/v1/hub`` and the admin page show it."""
    with store.read() as db:
        meta = {
            k: repo.get_meta(db, k) for k in (ACKED, LAST_OK, LAST_TRY, LAST_ERROR, LAST_ERROR_AT)
        }
        ack = int(meta[ACKED] or 0)
        pending = db.execute("SELECT COUNT(*) FROM uplink_outbox WHERE seq > ?", (ack,)).fetchone()
        newest = db.execute("SELECT MAX(seq) FROM uplink_outbox").fetchone()

    def when(key: str) -> str | None:
        v = meta[key]
        return _iso(float(v), tz) if v else None

    return {
        "acked": ack,
        "newest": newest[0] or 0,
        "pending": pending[0],
        "last_ok_at": when(LAST_OK),
        "last_try_at": when(LAST_TRY),
        "last_error": meta[LAST_ERROR] or None,
        "last_error_at": when(LAST_ERROR_AT) if meta[LAST_ERROR] else None,
    }
