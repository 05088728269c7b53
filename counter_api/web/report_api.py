"""GET /api/v1/reports/daily (admin): a day's or a period's figures as JSON or CSV."""

from __future__ import annotations

from typing import Any

from flask import Response

from counter_api.reports.load import PeriodError, build_report, parse_period
from counter_api.reports.table import csv_filename, to_csv
from counter_api.web.endpoint import ADMIN, Answer, Call, api_blueprint, endpoint, service
from counter_api.web.errors import ApiError
from counter_api.web.params import Param

bp = api_blueprint("reports", __name__)

_NUMBER_OR_NULL = {"type": ["number", "null"]}

#: One row of a report (``counter_api.reports.compute`` makes them; docs/reports.md).
FIGURES_SCHEMA: dict[str, Any] = {
    "title": "Figures",
    "type": "object",
    "description": "One row of a report; minutes as numbers, null when nothing to average.",
    "properties": {
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
            },
        },
    },
}

REPORT_SCHEMA: dict[str, Any] = {
    "title": "Report",
    "type": "object",
    "properties": {
        "centre": {"type": "string"},
        "from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"},
        "service_level_minutes": {"type": "number"},
        "levels": {"type": "object", "description": "score → Vietnamese words"},
        "total": FIGURES_SCHEMA,
        "services": {"type": "array", "items": FIGURES_SCHEMA},
        "counters": {
            "type": "array",
            "items": FIGURES_SCHEMA,
            "description": "plus number, name, recalls, held, transferred, "
            "open_minutes, serving_minutes, idle_minutes",
        },
        "hours": {"type": "array", "items": FIGURES_SCHEMA},
        "days": {"type": "array", "items": FIGURES_SCHEMA},
    },
}

#: ``date`` or ``from``/``to``: the period of a report (``parse_period`` checks them).
PERIOD: dict[str, Param] = {
    "date": Param(str, "business day YYYY-MM-DD (default: today)", format="date"),
    "from": Param(str, "first day of a period (instead of date)", format="date"),
    "to": Param(str, "last day of a period (at most 366 days)", format="date"),
}


def report_from_args(args: dict[str, Any]) -> dict[str, Any]:
    """The report for a period (``date`` or ``from``/``to``); 400 when it is bad."""
    svc = service()
    try:
        first, last = parse_period(args.get("date"), args.get("from"), args.get("to"), svc.today())
    except PeriodError as exc:
        raise ApiError(400, "invalid_request", str(exc)) from None
    return build_report(svc.config, svc.store, first, last)


def csv_response(report: dict[str, Any]) -> Response:
    """A report as a CSV download (UTF-8 with a BOM, Vietnamese headings)."""
    resp = Response(to_csv(report), mimetype="text/csv")
    resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    resp.headers["Content-Disposition"] = f'attachment; filename="{csv_filename(report)}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/reports/daily")
@endpoint(
    ADMIN,
    query={**PERIOD, "format": Param(str, choices=("json", "csv"), default="json")},
    answer=Answer(REPORT_SCHEMA, description="the report", also={"text/csv": {"type": "string"}}),
)
def daily_report(c: Call) -> Any:
    """A day's or a period's figures.

    Per field, per counter, per hour and per day: issued, called, served, no-show,
    expired, waiting time (first call − issued) mean/median/p90/max, service time
    (finished − last call) mean/median, share of served tickets over [reports]
    service_level_minutes, ratings; counters also open, serving and idle minutes.
    Definitions: docs/reports.md. format=csv gives CSV in UTF-8 with a BOM and
    Vietnamese headings, dates dd/mm/yyyy.
    """
    report = report_from_args(c.query)
    return csv_response(report) if c.query["format"] == "csv" else report
