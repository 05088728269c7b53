"""What the pages and the JSON API read: the overview, one centre, the province report.

The overview and the province report read the rollups (``centre_day``,
``daily``), never raw rows, so they cost the same at the end of a year as on
the first day. A centre's own report is computed from its raw rows of the
period by ``sothutu.reports.compute``, exactly as the centre computes it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub import fold
from hub.db import Database
from sothutu.ratings import LEVELS
from sothutu.reports.compute import Setup, compute

#: The longest period one report covers (as at the centre).
MAX_DAYS = 366
#: PostgreSQL's sort memory for one province report (its percentiles sort waiting times).
REPORT_WORK_MEM = "256MB"


class PeriodError(ValueError):
    """A bad date or period; the message says which."""


def parse_period(start: str | None, end: str | None, today: date) -> tuple[date, date]:
    def one(text: str, name: str) -> date:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise PeriodError(f"{name} must be a date like 2026-11-24, got {text!r}") from None

    if start or end:
        first = one(start, "from") if start else one(end, "to")  # type: ignore[arg-type]
        last = one(end, "to") if end else first
    else:
        first = last = today
    if last < first:
        raise PeriodError("to is before from")
    if (last - first) > timedelta(days=MAX_DAYS - 1):
        raise PeriodError(f"a report covers at most {MAX_DAYS} days")
    return first, last


# --- the overview ----------------------------------------------------------------------


def _printers(health: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for k in health.get("kiosks") or []:
        if isinstance(k, dict):
            out.append({"name": k.get("name"), "printer": k.get("printer"), "at": k.get("at")})
    return out


def _waiting(health: dict[str, Any]) -> int | None:
    w = health.get("waiting")
    if not isinstance(w, dict):
        return None
    return sum(v for v in w.values() if isinstance(v, int))


def centres(
    db: Database,
    today: date,
    now: datetime,
    online_seconds: int,
    only: str | None = None,
) -> list[dict[str, Any]]:
    """One row per centre (or only ``only``): link, queue, today's figures, printers."""
    sql = (
        "SELECT c.id, c.name, c.district, c.last_seen, c.health, c.version, c.acked, "
        "c.clock_offset_s, cd.issued, cd.served, cd.wait_avg_s, cd.wait_p90_s "
        "FROM centres c LEFT JOIN centre_day cd ON cd.centre_id = c.id AND cd.day = %s"
    )
    params: list[Any] = [today]
    if only is not None:
        sql += " WHERE c.id = %s"
        params.append(only)
    sql += " ORDER BY c.name, c.id"
    with db.connection() as conn:
        rows = conn.execute(sql, params).fetchall()
    out = []
    for cid, name, district, seen, health, version, acked, offset, issued, served, avg, p90 in rows:
        online = seen is not None and (now - seen).total_seconds() <= online_seconds
        health = health or {}
        out.append(
            {
                "id": cid,
                "name": name,
                "district": district,
                "online": online,
                "last_seen": seen.astimezone(UTC).isoformat() if seen else None,
                "waiting": _waiting(health) if online else None,
                "issued_today": issued or 0,
                "served_today": served or 0,
                "wait_avg_s": round(avg, 1) if avg is not None else None,
                "wait_p90_s": round(p90, 1) if p90 is not None else None,
                "printers": _printers(health),
                "version": version or None,
                "last_backup_at": health.get("last_backup_at"),
                "business_date": health.get("business_date"),
                "counters": health.get("counters"),
                "disk_free_bytes": health.get("disk_free_bytes"),
                "pending_rows": health.get("pending_rows"),
                "clock_offset_s": offset,
                "rows": acked,
            }
        )
    return out


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
            "code, service, counter, calls, priority, procedure, score FROM rows "
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
    return compute(tickets, log, ratings, setup_of(info, default_tz), first, last)


# --- the province report, from rollups -------------------------------------------------------

_PROVINCE = """
WITH base AS (
    SELECT centre_id, service, issued, served, no_show, waits, served_waits, ratings
    FROM daily WHERE day BETWEEN %(a)s AND %(b)s {where}
), counts AS (
    SELECT centre_id, service, sum(issued)::int AS issued, sum(served)::int AS served,
           sum(no_show)::int AS no_show,
           sum(ratings[1])::int AS r1, sum(ratings[2])::int AS r2, sum(ratings[3])::int AS r3,
           sum(ratings[4])::int AS r4, sum(ratings[5])::int AS r5
    FROM base GROUP BY GROUPING SETS ((centre_id, service), (centre_id), ())
), waits AS (
    SELECT centre_id, service, avg(w) AS avg_s,
           percentile_disc(0.9) WITHIN GROUP (ORDER BY w) AS p90_s
    FROM base, unnest(waits) w GROUP BY GROUPING SETS ((centre_id, service), (centre_id), ())
), level AS (
    SELECT centre_id, service, count(*) AS n, count(*) FILTER (WHERE w <= %(level)s) AS within
    FROM base, unnest(served_waits) w
    GROUP BY GROUPING SETS ((centre_id, service), (centre_id), ())
)
SELECT c.centre_id, c.service, c.issued, c.served, c.no_show, w.avg_s, w.p90_s,
       l.n, l.within, c.r1, c.r2, c.r3, c.r4, c.r5
FROM counts c
LEFT JOIN waits w ON w.centre_id IS NOT DISTINCT FROM c.centre_id
                 AND w.service IS NOT DISTINCT FROM c.service
LEFT JOIN level l ON l.centre_id IS NOT DISTINCT FROM c.centre_id
                 AND l.service IS NOT DISTINCT FROM c.service
"""


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
        rows = conn.execute(
            _PROVINCE.format(where=where),
            {"a": first, "b": last, "level": level_minutes * 60, "c": centre, "d": district},
        ).fetchall()
        names = {
            r[0]: (r[1], r[2], r[3] or {})
            for r in conn.execute("SELECT id, name, district, setup FROM centres").fetchall()
        }
    out_rows, totals, province = [], {}, None
    for cid, service, issued, served, no_show, avg, p90, n, within, *rs in rows:
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
                "satisfied": round((scores[4] + scores[5]) / count, 4) if count else None,
                "levels": {str(k): scores[k] for k in LEVELS},
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
