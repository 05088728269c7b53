"""JSON errors: ``{"error": {"code": "...", "message": "..."}}`` with the API's codes."""

from __future__ import annotations

import logging
import sqlite3

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from counter_api.core.model import QueueError
from counter_api.store import StoreError

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error answer the API gives on purpose."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_response(status: int, code: str, message: str, details: dict | None = None) -> Response:
    resp = jsonify({"error": {"code": code, "message": message, **(details or {})}})
    resp.status_code = status
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="sothutu"'
    return resp


_HTTP_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message)

    @app.errorhandler(QueueError)
    def _queue_error(exc: QueueError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(StoreError)
    @app.errorhandler(sqlite3.DatabaseError)
    def _store_error(exc: Exception) -> Response:
        log.error("database unavailable: %s", exc)
        return error_response(503, "unavailable", f"the database is unavailable: {exc}")

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        if not _wants_json():
            return exc  # type: ignore[return-value]
        status = exc.code or 500
        code = _HTTP_CODES.get(status, "error")
        resp = error_response(status, code, exc.description or exc.name)
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            resp.headers["Allow"] = ", ".join(exc.valid_methods)
        return resp

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "internal", "internal error; see the server log")
