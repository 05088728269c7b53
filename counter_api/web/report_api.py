"""GET /api/v1/reports/daily (admin): a day's or a period's figures as JSON, CSV or .xlsx."""

from __future__ import annotations

from typing import Any

from flask import Response

from counter_api.reports.load import PeriodError, build_report, parse_period
from counter_api.web.endpoint import ADMIN, Answer, Call, api_blueprint, endpoint, service
from counter_api.web.errors import ApiError
from counter_api.web.params import Param
from sothutu.reports import files
from sothutu.reports.sheets import DIALECTS, XLSX_TYPE

bp = api_blueprint("reports", __name__)

_NUMBER_OR_NULL = {"type": ["number", "null"]}

#: The figures of one row of a report (``sothutu.reports.compute`` makes them;
#: definitions in docs/reports.md). Minutes as numbers, null when nothing to average.
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


#: ``format`` and ``dialect``: the report as JSON, CSV or .xlsx.
FILE_FORMATS = ("json", "csv", "xlsx")


def dialect_param(default: str) -> Param:
    return Param(
        str,
        "the CSV's dialect: excel-vn (';' between cells, decimal comma: a double click "
        "opens it in columns in Excel under Vietnamese regional settings) or plain (',' "
        "and decimal point, for other tools)",
        choices=tuple(DIALECTS),
        default=default,
    )


def file_response(report: dict[str, Any], fmt: str, dialect: str = "plain") -> Response:
    """A report as a download: CSV in ``dialect`` (UTF-8 with a BOM, Vietnamese
    headings) or .xlsx."""
    data, mimetype, name = files.download(report, fmt, dialect)
    resp = Response(data, mimetype=mimetype.split(";")[0])
    resp.headers["Content-Type"] = mimetype
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/reports/daily")
@endpoint(
    ADMIN,
    query={
        **PERIOD,
        "format": Param(str, "json, csv or xlsx", choices=FILE_FORMATS, default="json"),
        "dialect": dialect_param("plain"),
    },
    answer=Answer(
        REPORT_SCHEMA,
        description="the report",
        also={"text/csv": {"type": "string"}, XLSX_TYPE: {"type": "string", "format": "binary"}},
    ),
)
def daily_report(c: Call) -> Any:
    """A day's or a period's figures.

    Per field, per counter, per hour and per day: issued, called, served, no-show,
    expired, waiting time (first call − issued) mean/median/p90/max, service time
    (finished − last call) mean/median, share of served tickets over [reports]
    service_level_minutes, ratings and the satisfied share; counters also open,
    serving and idle minutes. Definitions: docs/reports.md. format=csv gives CSV in
    UTF-8 with a BOM and Vietnamese headings, dates dd/mm/yyyy, comma-separated with
    a decimal point (dialect=plain, the default) or for Excel under Vietnamese
    regional settings (dialect=excel-vn: ';' and a decimal comma); format=xlsx an
    Excel workbook with the same tables, numbers and dates typed.
    """
    report = report_from_args(c.query)
    if c.query["format"] == "json":
        return report
    return file_response(report, c.query["format"], c.query["dialect"])
