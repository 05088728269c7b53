"""GET /api/v1/reports/daily (admin): a day's or a period's figures as JSON, CSV or .xlsx."""

from __future__ import annotations

from typing import Any

from flask import Response

from counter_api.reports.load import build_report
from counter_api.web.endpoint import ADMIN, Answer, Call, api_blueprint, endpoint, service
from counter_api.web.errors import ApiError
from counter_api.web.params import Param
from sothutu.reports import files
from sothutu.reports.period import ApiPeriodError, parse_iso_period
from sothutu.reports.schema import REPORT_SCHEMA
from sothutu.reports.sheets import DIALECTS, XLSX_TYPE

bp = api_blueprint("reports", __name__)

#: ``date`` or ``from``/``to``: the period of a report (``parse_iso_period`` checks them).
PERIOD: dict[str, Param] = {
    "date": Param(str, "business day YYYY-MM-DD (default: today)", format="date"),
    "from": Param(str, "first day of a period (instead of date)", format="date"),
    "to": Param(str, "last day of a period (at most 366 days)", format="date"),
}


def report_from_args(args: dict[str, Any]) -> dict[str, Any]:
    """The report for a period (``date`` or ``from``/``to``); 400 when it is bad."""
    svc = service()
    try:
        first, last = parse_iso_period(
            args.get("date"), args.get("from"), args.get("to"), svc.today()
        )
    except ApiPeriodError as exc:
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
