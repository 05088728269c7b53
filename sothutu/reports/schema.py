"""The JSON Schema of a report as ``compute.compute`` makes it: the centre's
``GET /api/v1/reports/daily`` and the province hub's ``GET
/api/v1/centres/ID/report`` answer the same JSON, and their OpenAPI documents say
so with this one schema. Definitions of the figures: docs/reports.md.
"""

from __future__ import annotations

from typing import Any

_NUMBER_OR_NULL = {"type": ["number", "null"]}

#: The figures of one row of a report (``compute._summary`` makes them): minutes as
#: numbers, null when there is nothing to average.
FIGURES: dict[str, Any] = {
    "issued": {"type": ["integer", "null"]},
    "called": {"type": "integer"},
    "served": {"type": "integer"},
    "no_show": {"type": "integer"},
    "expired": {"type": "integer"},
    "no_show_rate": _NUMBER_OR_NULL,
    "waiting": {
        "type": "object",
        "properties": {k: _NUMBER_OR_NULL for k in ("mean", "median", "p90", "max")}
        | {"count": {"type": "integer"}},
    },
    "service": {
        "type": "object",
        "properties": {
            "count": {"type": "integer"},
            "mean": _NUMBER_OR_NULL,
            "median": _NUMBER_OR_NULL,
        },
    },
    "over_service_level": {
        "type": "object",
        "properties": {"count": {"type": "integer"}, "share": _NUMBER_OR_NULL},
    },
    "ratings": {
        "type": "object",
        "properties": {
            "count": {"type": "integer"},
            "mean": _NUMBER_OR_NULL,
            "levels": {"type": "object", "description": "score → count"},
            "satisfied": {
                **_NUMBER_OR_NULL,
                "description": "share of ratings of 4 (Hài lòng) or 5 (Rất hài lòng)",
            },
        },
    },
    "booking": {
        "type": ["object", "null"],
        "description": "numbers booked ahead (null for counters)",
        "properties": {
            "booked": {"type": "integer", "description": "checked in within their window"},
            "late": {"type": "integer", "description": "checked in after it (ordinary tickets)"},
            "walk_in": {"type": "integer", "description": "the other tickets issued"},
            "bookings": {"type": "integer", "description": "bookings made for these days"},
            "no_show": {"type": "integer", "description": "bookings nobody checked in"},
            "arrival": {
                "type": "object",
                "properties": {
                    "count": {"type": "integer"},
                    "mean": {
                        **_NUMBER_OR_NULL,
                        "description": "minutes from the slot's start (negative: early)",
                    },
                    "on_time_share": _NUMBER_OR_NULL,
                },
            },
        },
    },
}


def _rows(title: str, **key: Any) -> dict[str, Any]:
    """A report's row schema: what the row is about, then its figures."""
    return {"title": title, "type": "object", "properties": {**key, **FIGURES}}


_MINUTES = {"type": "number"}
REPORT_SCHEMA: dict[str, Any] = {
    "title": "Report",
    "type": "object",
    "properties": {
        "centre": {"type": "string"},
        "from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"},
        "service_level_minutes": {"type": "number"},
        "levels": {"type": "object", "description": "score → Vietnamese words"},
        "total": _rows("Figures"),
        "services": {
            "type": "array",
            "items": _rows("ServiceFigures", id={"type": "string"}, name={"type": "string"}),
        },
        "counters": {
            "type": "array",
            "items": _rows(
                "CounterFigures",
                number={"type": "integer"},
                name={"type": "string"},
                recalls={"type": "integer"},
                held={"type": "integer"},
                transferred={"type": "integer"},
                open_minutes=_MINUTES,
                serving_minutes=_MINUTES,
                idle_minutes=_MINUTES,
            ),
        },
        "hours": {
            "type": "array",
            "items": _rows("HourFigures", hour={"type": "integer", "minimum": 0, "maximum": 23}),
        },
        "days": {
            "type": "array",
            "items": _rows("DayFigures", date={"type": "string", "format": "date"}),
        },
    },
}
