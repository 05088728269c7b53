"""The hub's JSON API under /api/v1: ingest from centres, reads for staff and scripts."""

from __future__ import annotations

import json
import zlib
from typing import Any

from flask import Blueprint, Response, request

from hub import __version__, accounts, exports, ingest, queries
from hub.web.common import ApiError, bearer, hub, staff
from hub.web.declare import CENTRE, PUBLIC, STAFF, api
from sothutu.openapi import Answer, Param
from sothutu.reports.period import ApiPeriodError, parse_iso_period
from sothutu.reports.schema import REPORT_SCHEMA
from sothutu.reports.sheets import DIALECTS, XLSX_TYPE

bp = Blueprint("api", __name__, url_prefix="/api/v1")

#: Largest push body on the wire, and once decompressed.
MAX_BODY = 4 << 20
MAX_JSON = 32 << 20


def _body() -> bytes:
    length = request.content_length
    if length is not None and length > MAX_BODY:
        raise ApiError(413, "too_large", f"the body is over {MAX_BODY >> 20} MiB")
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BODY:
        raise ApiError(413, "too_large", f"the body is over {MAX_BODY >> 20} MiB")
    return raw


def _decode(raw: bytes) -> Any:
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding == "gzip":
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            raw = d.decompress(raw, MAX_JSON)
        except zlib.error:
            raise ApiError(400, "invalid_request", "the body is not valid gzip") from None
        if d.unconsumed_tail:
            raise ApiError(413, "too_large", f"the body is over {MAX_JSON >> 20} MiB unpacked")
    elif encoding not in ("identity", ""):
        raise ApiError(415, "unsupported_media_type", f"unknown Content-Encoding {encoding!r}")
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "the body must be application/json")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "invalid_request", f"the body is not valid JSON: {exc}") from None
    except RecursionError:
        raise ApiError(400, "invalid_request", "the body's JSON is nested too deep") from None


@bp.post("/ingest")
@api(
    CENTRE,
    tag="link",
    query={
        "Content-Encoding": Param(
            str,
            "gzip, or none: the body as it is (a push is usually sent compressed)",
            choices=("gzip", "identity"),
            header=True,
        )
    },
    body_schema=ingest.PUSH_SCHEMA,
    answer=Answer(ingest.ANSWER_SCHEMA, description="stored (or held already)"),
    refuses={403: ("forbidden",)},
)
def ingest_push() -> Any:
    """A centre pushes its rows, health and setup; the answer brings its bookings.

    At most 4 MiB on the wire and 32 MiB unpacked, 1,000 rows. Checks in order: 413,
    401 (no or unknown token), 415 (not JSON, an unknown encoding), 400 (the message
    names the field, e.g. `rows[12].at`), 403 (the token is another centre's). Each
    row is stored once, however often it is sent; nothing is stored on an error. The
    push and its answer: docs/hub.md.
    """
    raw = _body()
    h = hub()
    key = bearer()
    if key is None:
        raise ApiError(401, "unauthorized", "send the centre's token: Authorization: Bearer TOKEN")
    centre = accounts.centre_of_token(h.db, key)
    if centre is None:
        raise ApiError(401, "unauthorized", "unknown token")
    body = _decode(raw)
    try:
        push = ingest.parse(body)
    except ingest.IngestError as exc:
        raise ApiError(400, "invalid_request", str(exc)) from None
    if push.centre != centre:
        raise ApiError(
            403, "forbidden", f"this token belongs to centre {centre!r}, not {push.centre!r}"
        )
    return ingest.store(h.db, centre, push, h.now())


HEALTH_SCHEMA: dict[str, Any] = {
    "title": "HubHealth",
    "type": "object",
    "properties": {
        "status": {"const": "ok"},
        "time": {"type": "string", "format": "date-time"},
        "version": {"type": "string"},
    },
}


@bp.get("/health")
@api(PUBLIC, tag="province", answer=Answer(HEALTH_SCHEMA))
def health() -> Any:
    """The hub is up and reaches its database."""
    h = hub()
    with h.db.connection() as conn:
        conn.execute("SELECT 1").fetchone()
    return {"status": "ok", "time": h.now().isoformat(timespec="seconds"), "version": __version__}


def _visible(user: accounts.User, centre: str | None) -> str | None:
    """The centre a user's query is limited to (a centre's head: their own)."""
    if user.role == "province":
        return centre or None
    if centre and centre != user.centre_id:
        raise ApiError(403, "forbidden", "a centre's account sees only its own centre")
    return user.centre_id


@bp.get("/centres")
@api(STAFF, tag="province", answer=Answer(queries.CENTRES_SCHEMA))
def centres() -> Any:
    """Every centre (a centre's head: their own) with its link, queue and today's figures."""
    user = staff()
    h = hub()
    only = _visible(user, None)
    rows = queries.centres_json(h.db, h.today(), h.now(), h.config.hub.online_seconds, only=only)
    time = json.dumps(h.now().isoformat(timespec="seconds"))
    return Response('{"centres": ' + rows + ', "time": ' + time + "}", mimetype="application/json")


def _period() -> tuple[Any, Any]:
    try:
        return parse_iso_period(
            None, request.args.get("from"), request.args.get("to"), hub().today()
        )
    except ApiPeriodError as exc:
        raise ApiError(400, "invalid_request", str(exc)) from None


def province_report() -> dict[str, Any]:
    user = staff()
    centre = _visible(user, request.args.get("centre") or None)
    first, last = _period()
    h = hub()
    if centre and queries.centre_info(h.db, centre) is None:
        raise ApiError(404, "unknown_centre", f"no centre {centre!r}")
    district = request.args.get("district") or None
    return queries.province_report(
        h.db, first, last, h.config.reports.service_level_minutes, centre, district
    )


#: ``from`` and ``to``: a report's period (``parse_iso_period`` checks them).
PERIOD = {
    "from": Param(str, "the first day (default: today, in the hub's timezone)", format="date"),
    "to": Param(str, "the last day (default: from); at most 366 days", format="date"),
}
PROVINCE_QUERY = {
    **PERIOD,
    "centre": Param(str, "only this centre (a centre's head sees only their own)"),
    "district": Param(str, "only the centres of this district"),
}
#: What the province report's routes refuse beyond a bad period and a missing login.
PROVINCE_REFUSES = {
    403: ("forbidden",),
    404: ("unknown_centre",),
}
_FILE = {
    "Content-Disposition": {
        "description": 'attachment; filename="…": the report\'s name and period',
        "schema": {"type": "string"},
    }
}


@bp.get("/report")
@api(
    STAFF,
    tag="province",
    query=PROVINCE_QUERY,
    answer=Answer(queries.PROVINCE_SCHEMA),
    refuses=PROVINCE_REFUSES,
)
def report() -> Any:
    """The province's report of a period, from the daily rollups.

    Per centre and field, per centre and for the province: issued, served, no-show,
    mean and 90th-percentile wait, the service level, ratings, booking figures.
    Definitions: docs/hub.md, "Same definitions as the centre".
    """
    return province_report()


@bp.get("/report.csv")
@api(
    STAFF,
    tag="province",
    query={
        **PROVINCE_QUERY,
        "dialect": Param(
            str,
            "plain (',' and a decimal point) or excel-vn (';' and a decimal comma: a "
            "double click opens it in columns in Excel under Vietnamese regional settings)",
            choices=tuple(DIALECTS),
            default="plain",
        ),
    },
    answer=Answer({"type": "string"}, media="text/csv", description="a download", headers=_FILE),
    refuses=PROVINCE_REFUSES,
)
def report_csv() -> Response:
    """The province's report as CSV (UTF-8 with a BOM, Vietnamese headings)."""
    dialect = request.args.get("dialect") or "plain"
    if dialect not in DIALECTS:
        raise ApiError(400, "invalid_request", f"dialect must be one of {', '.join(DIALECTS)}")
    rep = province_report()
    return download(
        exports.to_csv(rep, hub().config.hub.name, dialect),
        "text/csv; charset=utf-8",
        exports.filename(rep, "csv"),
    )


@bp.get("/report.xlsx")
@api(
    STAFF,
    tag="province",
    query=PROVINCE_QUERY,
    answer=Answer(
        {"type": "string", "format": "binary"},
        media=XLSX_TYPE,
        description="a download",
        headers=_FILE,
    ),
    refuses=PROVINCE_REFUSES,
)
def report_xlsx() -> Response:
    """The province's report as an Excel workbook, numbers and dates typed."""
    rep = province_report()
    return download(
        exports.to_xlsx(rep, hub().config.hub.name),
        XLSX_TYPE,
        exports.filename(rep, "xlsx"),
    )


@bp.get("/centres/<centre_id>/report")
@api(
    STAFF,
    tag="province",
    path={"centre_id": Param(str, "the centre's id")},
    query=PERIOD,
    answer=Answer(REPORT_SCHEMA),
    refuses=PROVINCE_REFUSES,
)
def centre_report(centre_id: str) -> Any:
    """One centre's report, the same JSON as the centre's own /api/v1/reports/daily.

    Computed from the centre's raw rows of the period by the centre's own function,
    so a day gives the same figures at the centre and at the hub.
    """
    user = staff()
    _visible(user, centre_id)
    h = hub()
    info = queries.centre_info(h.db, centre_id)
    if info is None:
        raise ApiError(404, "unknown_centre", f"no centre {centre_id!r}")
    first, last = _period()
    return queries.centre_report(h.db, info, first, last, h.config.hub.tz)


def download(data: bytes, mimetype: str, filename: str) -> Response:
    resp = Response(data, mimetype=mimetype.split(";")[0])
    resp.headers["Content-Type"] = mimetype
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp
