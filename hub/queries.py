"""What the pages and the JSON API read: the overview, one centre, the province report.

The overview and the province report read the rollups (``centre_day``,
``daily``), never raw rows, so they cost the same at the end of a year as on
the first day. A centre's own report is computed from its raw rows of the
period by ``sothutu.reports.compute``, exactly as the centre computes it.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub import fold
from hub.db import Database
from sothutu.ratings import LEVELS, SATISFIED
from sothutu.reports.compute import BookingRow, Setup, compute

#: PostgreSQL's sort memory for one province report (its percentiles sort waiting times).
REPORT_WORK_MEM = "256MB"


# --- the overview ----------------------------------------------------------------------


_CENTRES = """
SELECT coalesce(json_agg(json_build_object(
    'id', c.id,
    'name', c.name,
    'district', c.district,
    'online', coalesce(c.last_seen >= %(since)s, false),
    'last_seen', c.last_seen,
    'waiting', CASE WHEN c.last_seen >= %(since)s AND jsonb_typeof(c.health->'waiting') = 'object'
        THEN (SELECT sum(value::text::bigint) FROM jsonb_each(c.health->'waiting')
              WHERE jsonb_typeof(value) = 'number' AND value::text ~ '^[0-9]+$') END,
    'issued_today', coalesce(cd.issued, 0),
    'served_today', coalesce(cd.served, 0),
    'wait_avg_s', round(cd.wait_avg_s::numeric, 1),
    'wait_p90_s', round(cd.wait_p90_s::numeric, 1),
    'printers', CASE WHEN jsonb_typeof(c.health->'kiosks') = 'array' THEN
        (SELECT coalesce(json_agg(json_build_object(
             'name', k->>'name', 'printer', k->>'printer', 'at', k->>'at')), '[]'::json)
         FROM jsonb_array_elements(c.health->'kiosks') k WHERE jsonb_typeof(k) = 'object')
        ELSE '[]'::json END,
    'version', nullif(c.version, ''),
    'last_backup_at', c.health->>'last_backup_at',
    'business_date', c.health->>'business_date',
    'counters', c.health->'counters',
    'disk_free_bytes', c.health->'disk_free_bytes',
    'pending_rows', c.health->'pending_rows',
    'clock_offset_s', c.clock_offset_s,
    'rows', c.acked
) ORDER BY c.name, c.id), '[]'::json)::text
FROM centres c LEFT JOIN centre_day cd ON cd.centre_id = c.id AND cd.day = %(today)s
{where}
"""


_NUMBER = {"type": ["number", "null"]}
_TEXT = {"type": ["string", "null"]}
_WHOLE = {"type": ["integer", "null"]}
#: One centre of the overview (``_CENTRES`` builds it); figures of today, the rest from
#: the centre's last push.
CENTRE_SCHEMA: dict[str, Any] = {
    "title": "CentreOverview",
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "district": {"type": "string"},
        "online": {"type": "boolean", "description": "heard from within [hub] online_seconds"},
        "last_seen": {**_TEXT, "format": "date-time"},
        "waiting": {**_WHOLE, "description": "tickets waiting; null for an offline centre"},
        "issued_today": {"type": "integer"},
        "served_today": {"type": "integer"},
        "wait_avg_s": _NUMBER,
        "wait_p90_s": _NUMBER,
        "printers": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": _TEXT, "printer": _TEXT, "at": _TEXT},
            },
        },
        "version": _TEXT,
        "last_backup_at": _TEXT,
        "business_date": _TEXT,
        "counters": {
            "type": ["object", "null"],
            "properties": {k: {"type": "integer"} for k in ("total", "open", "serving", "paused")},
        },
        "disk_free_bytes": _WHOLE,
        "pending_rows": _WHOLE,
        "clock_offset_s": {**_NUMBER, "description": "the centre's clock minus the hub's"},
        "rows": {"type": "integer", "description": "the rows the hub holds (its cursor)"},
    },
}
CENTRES_SCHEMA: dict[str, Any] = {
    "title": "Centres",
    "type": "object",
    "properties": {
        "centres": {"type": "array", "items": CENTRE_SCHEMA},
        "time": {"type": "string", "format": "date-time"},
    },
}


def centres_json(
    db: Database, today: date, now: datetime, online_seconds: int, only: str | None = None
) -> str:
    """The overview's rows as a JSON array, built by PostgreSQL (3,321 centres in a few
    tens of milliseconds): link, queue, today's figures, printers, backup, version."""
    where = "WHERE c.id = %(only)s" if only is not None else ""
    with db.connection() as conn, conn.transaction():
        conn.execute("SET LOCAL TIME ZONE 'UTC'")
        row = conn.execute(
            _CENTRES.format(where=where),
            {"since": now - timedelta(seconds=online_seconds), "today": today, "only": only},
        ).fetchone()
    return row[0] if row else "[]"


def centres(
    db: Database,
    today: date,
    now: datetime,
    online_seconds: int,
    only: str | None = None,
) -> list[dict[str, Any]]:
    """``centres_json`` as Python data."""
    return json.loads(centres_json(db, today, now, online_seconds, only))


def districts(db: Database) -> list[str]:
    with db.connection() as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT district FROM centres WHERE district <> '' ORDER BY 1"
            ).fetchall()
        ]


def centre_info(db: Database, centre_id: str) -> dict[str, Any] | None:
    with db.connection() as conn:
        row = conn.execute(
            "SELECT id, name, district, setup, health, last_seen FROM centres WHERE id = %s",
            (centre_id,),
        ).fetchone()
    if row is None:
        return None
    return {
        "id": row[0],
        "name": row[1],
        "district": row[2],
        "setup": row[3] or {},
        "health": row[4] or {},
        "last_seen": row[5],
    }


# --- one centre's report, as the centre computes it --------------------------------------


def setup_of(info: dict[str, Any], default_tz: ZoneInfo) -> Setup:
    s = info["setup"]
    try:
        tz = ZoneInfo(s.get("timezone") or "")
    except (ZoneInfoNotFoundError, ValueError):
        tz = default_tz
    return Setup(
        centre=s.get("name") or info["name"],
        tz=tz,
        services=[(x["id"], x.get("name") or x["id"]) for x in s.get("services", [])],
        counters=[
            (x["number"], x.get("name") or f"Quầy {x['number']}") for x in s.get("counters", [])
        ],
        service_level_minutes=float(s.get("service_level_minutes") or 15.0),
    )


def load_rows(db: Database, centre_id: str, first: date, last: date) -> list[fold.Row]:
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT seq, day, business_date, extract(epoch FROM at)::float8, action, ticket_id, "
            "code, service, counter, calls, priority, procedure, score, booking, slot_start, "
            "slot_end, booking_late FROM rows "
            "WHERE centre_id = %s AND day BETWEEN %s AND %s ORDER BY seq",
            (centre_id, first, last),
        ).fetchall()
    return [fold.Row(*r) for r in rows]


def centre_report(
    db: Database, info: dict[str, Any], first: date, last: date, default_tz: ZoneInfo
) -> dict[str, Any]:
    """The centre's report of ``first`` … ``last``: the same JSON as its own
    ``GET /api/v1/reports/daily`` gives."""
    rows = load_rows(db, info["id"], first, last)
    tickets, log, ratings = fold.report_rows(rows, first, last)
    setup = setup_of(info, default_tz)
    return compute(
        tickets,
        log,
        ratings,
        setup,
        first,
        last,
        bookings_of(db, info["id"], first, last, setup.tz),
    )


def bookings_of(
    db: Database, centre_id: str, first: date, last: date, tz: ZoneInfo
) -> list[BookingRow]:
    """A centre's bookings for the report's days (as the centre's report reads its own)."""
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT code, day, service, status, start_min FROM bookings WHERE centre_id = %s "
            "AND day BETWEEN %s AND %s AND status <> 'cancelled' ORDER BY day, start_min, code",
            (centre_id, first, last),
        ).fetchall()
    return [
        BookingRow(
            code,
            day.isoformat(),
            service,
            status,
            (datetime.combine(day, time(0), tzinfo=tz) + timedelta(minutes=start)).timestamp(),
        )
        for code, day, service, status, start in rows
    ]


# --- the province report, from rollups -------------------------------------------------------

_PROVINCE = """
-- An empty period still gives the province's line (the empty grouping set): zeros.
WITH base AS (
    SELECT centre_id, service, issued, served, no_show, waits, ratings, booked, late,
           arrival_sum_s,
           cardinality(served_waits) AS n,
           (SELECT count(*) FROM unnest(served_waits) x WHERE x <= %(level)s) AS within,
           (SELECT sum(x) FROM unnest(waits) x) AS wait_sum, cardinality(waits) AS wait_n
    FROM daily WHERE day BETWEEN %(a)s AND %(b)s {where}
), counts AS (
    SELECT coalesce(centre_id, '') AS ck, coalesce(service, '') AS sk,
           centre_id, service, coalesce(sum(issued), 0)::int AS issued,
           coalesce(sum(served), 0)::int AS served, coalesce(sum(no_show), 0)::int AS no_show,
           coalesce(sum(n), 0)::int AS n, coalesce(sum(within), 0)::int AS within,
           sum(wait_sum) / nullif(sum(wait_n), 0) AS avg_s,
           coalesce(sum(ratings[1]), 0)::int AS r1, coalesce(sum(ratings[2]), 0)::int AS r2,
           coalesce(sum(ratings[3]), 0)::int AS r3, coalesce(sum(ratings[4]), 0)::int AS r4,
           coalesce(sum(ratings[5]), 0)::int AS r5,
           coalesce(sum(booked), 0)::int AS booked, coalesce(sum(late), 0)::int AS late,
           sum(arrival_sum_s) AS arrival_sum_s
    FROM base GROUP BY GROUPING SETS ((centre_id, service), (centre_id), ())
), waits AS (
    SELECT coalesce(centre_id, '') AS ck, coalesce(service, '') AS sk,
           percentile_disc(0.9) WITHIN GROUP (ORDER BY w) AS p90_s
    FROM base, unnest(waits) w GROUP BY GROUPING SETS ((centre_id, service), (centre_id), ())
)
SELECT c.centre_id, c.service, c.issued, c.served, c.no_show, c.avg_s, w.p90_s,
       c.n, c.within, c.booked, c.late, c.arrival_sum_s, c.r1, c.r2, c.r3, c.r4, c.r5
FROM counts c LEFT JOIN waits w USING (ck, sk)
"""


def _bookings_made(
    conn: Any, first: date, last: date, centre: str | None, district: str | None
) -> dict[tuple[str | None, str | None], tuple[int, int]]:
    """Bookings made for the period's days and their no-shows, per (centre, field), per
    centre (field None) and in all (both None), as the province report groups them."""
    where = "AND centre_id = %(c)s" if centre else ""
    if district:
        where += " AND centre_id IN (SELECT id FROM centres WHERE district = %(d)s)"
    rows = conn.execute(
        "SELECT centre_id, service, count(*), count(*) FILTER (WHERE status = 'no_show') "
        f"FROM bookings WHERE day BETWEEN %(a)s AND %(b)s AND status <> 'cancelled' {where} "
        "GROUP BY GROUPING SETS ((centre_id, service), (centre_id), ())",
        {"a": first, "b": last, "c": centre, "d": district},
    ).fetchall()
    return {(c, s): (n, ns) for c, s, n, ns in rows}


#: One line of the province report: a centre's field, a centre, or the province.
PROVINCE_ROW_SCHEMA: dict[str, Any] = {
    "title": "ProvinceFigures",
    "type": "object",
    "properties": {
        "centre": {**_TEXT, "description": "null for the province's total"},
        "centre_name": {"type": "string"},
        "district": {"type": "string"},
        "service": {**_TEXT, "description": "null for a total"},
        "service_name": {"type": "string"},
        "issued": _WHOLE,
        "served": _WHOLE,
        "no_show": _WHOLE,
        "wait_avg_s": {**_NUMBER, "description": "mean wait, seconds"},
        "wait_p90_s": {**_NUMBER, "description": "90th percentile (nearest rank), seconds"},
        "service_level": {
            **_NUMBER,
            "description": "the share of served tickets that waited at most "
            "[reports] service_level_minutes",
        },
        "ratings": {
            "type": "object",
            "properties": {
                "count": {"type": "integer"},
                "mean": _NUMBER,
                "satisfied": {**_NUMBER, "description": "share of 4 and 5"},
                "levels": {"type": "object", "description": "score → count"},
            },
        },
        "booking": {
            "type": "object",
            "properties": {
                "booked": _WHOLE,
                "late": _WHOLE,
                "walk_in": _WHOLE,
                "bookings": {"type": "integer"},
                "no_show": {"type": "integer"},
                "arrival_avg_s": {
                    **_NUMBER,
                    "description": "check-in against the slot's start (negative: early)",
                },
            },
        },
    },
}
PROVINCE_SCHEMA: dict[str, Any] = {
    "title": "ProvinceReport",
    "type": "object",
    "properties": {
        "from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"},
        "district": _TEXT,
        "service_level_minutes": {"type": "number"},
        "rows": {
            "type": "array",
            "items": PROVINCE_ROW_SCHEMA,
            "description": "per centre and field",
        },
        "centres": {"type": "array", "items": PROVINCE_ROW_SCHEMA, "description": "per centre"},
        "total": {
            "oneOf": [PROVINCE_ROW_SCHEMA, {"type": "null"}],
            "description": "the province's",
        },
    },
}


def province_report(
    db: Database,
    first: date,
    last: date,
    level_minutes: float,
    centre: str | None = None,
    district: str | None = None,
) -> dict[str, Any]:
    """Per centre and field (plus each centre's total and the province total): issued,
    served, no-show, mean and 90th-percentile wait (seconds), the share of served tickets
    waiting at most the service level, ratings and the satisfied share (4 or 5)."""
    where = "AND centre_id = %(c)s" if centre else ""
    if district:
        where += " AND centre_id IN (SELECT id FROM centres WHERE district = %(d)s)"
    with db.connection() as conn, conn.transaction():
        # The percentiles sort every waiting time of the period: in memory, not on disk.
        conn.execute(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'")
        conn.execute("SET LOCAL jit = off")  # compiling costs more than it saves here
        rows = conn.execute(
            _PROVINCE.format(where=where),
            {"a": first, "b": last, "level": level_minutes * 60, "c": centre, "d": district},
        ).fetchall()
        names = {
            r[0]: (r[1], r[2], r[3] or {})
            for r in conn.execute("SELECT id, name, district, setup FROM centres").fetchall()
        }
        made = _bookings_made(conn, first, last, centre, district)
    out_rows, totals, province = [], {}, None
    for cid, service, issued, served, no_show, avg, p90, n, within, bk, lt, arr, *rs in rows:
        scores = dict(zip(range(1, 6), rs, strict=True))
        count = sum(scores.values())
        item = {
            "centre": cid,
            "service": service,
            "issued": issued,
            "served": served,
            "no_show": no_show,
            "wait_avg_s": round(avg, 1) if avg is not None else None,
            "wait_p90_s": round(p90, 1) if p90 is not None else None,
            "service_level": round(within / n, 4) if n else None,
            "ratings": {
                "count": count,
                "mean": round(sum(k * v for k, v in scores.items()) / count, 2) if count else None,
                "satisfied": (
                    round(sum(v for k, v in scores.items() if k >= SATISFIED) / count, 4)
                    if count
                    else None
                ),
                "levels": {str(k): scores[k] for k in LEVELS},
            },
            "booking": {
                "booked": bk,
                "late": lt,
                "walk_in": issued - bk - lt,
                "bookings": made.get((cid, service), (0, 0))[0],
                "no_show": made.get((cid, service), (0, 0))[1],
                "arrival_avg_s": round(arr / (bk + lt), 1) if bk + lt else None,
            },
        }
        if cid is None:
            province = item
            continue
        name, district, setup = names.get(cid, (cid, "", {}))
        item["centre_name"] = name
        item["district"] = district
        if service is None:
            totals[cid] = item
        else:
            services = {s.get("id"): s.get("name") for s in setup.get("services", [])}
            item["service_name"] = services.get(service) or service
            out_rows.append(item)
    order = sorted(names, key=lambda c: (names[c][0], c))
    rank = {c: i for i, c in enumerate(order)}
    out_rows.sort(key=lambda r: (rank.get(r["centre"], 0), r["service_name"]))
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "district": district,
        "service_level_minutes": level_minutes,
        "rows": out_rows,
        "centres": [totals[c] for c in order if c in totals],
        "total": province,
    }
