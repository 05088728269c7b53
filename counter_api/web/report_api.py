"""GET /api/v1/reports/daily (admin): a day's or a period's figures as JSON or CSV."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from counter_api.reports.load import PeriodError, build_report, parse_period
from counter_api.web.api import ADMIN, bp, endpoint, service
from counter_api.web.errors import ApiError
from sothutu.reports.table import csv_filename, to_csv


def report_from_args(args: Any) -> dict[str, Any]:
    """The report a query string asks for (``date`` or ``from``/``to``); 400 when bad."""
    svc = service()
    try:
        first, last = parse_period(args.get("date"), args.get("from"), args.get("to"), svc.today())
    except PeriodError as exc:
        raise ApiError(400, "invalid_request", str(exc)) from None
    return build_report(svc.config, svc.store, first, last)


def csv_response(report: dict[str, Any]) -> Response:
    resp = Response(to_csv(report), mimetype="text/csv")
    resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    resp.headers["Content-Disposition"] = f'attachment; filename="{csv_filename(report)}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/reports/daily")
@endpoint(ADMIN)
def daily_report(_p: Any, _b: Any) -> Any:
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "csv"):
        raise ApiError(400, "invalid_request", "format must be json or csv")
    report = report_from_args(request.args)
    return csv_response(report) if fmt == "csv" else report
