"""Errors: JSON under /api/ (``{"error": {"code", "message"}}`` with the API's codes),
a Vietnamese page everywhere else.

A person who opens a wrong address, or meets a server error, gets a page in
Vietnamese sized for a phone, saying what happened and with a way back (the
start page, or the page a view names), never Flask's English "Not Found".
"""

from __future__ import annotations

import logging
import sqlite3

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from counter_api.core.model import QueueError
from counter_api.store import StoreError

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error answer the API gives on purpose."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        #: extra response headers, e.g. ``Retry-After`` of a 503
        self.headers = headers or {}


def error_response(
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
    details: dict | None = None,
) -> Response:
    """The API's error body; ``details`` are extra keys of the error object (e.g. the
    booking a refusal is about), ``headers`` extra response headers."""
    resp = jsonify({"error": {"code": code, "message": message, **(details or {})}})
    resp.status_code = status
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="sothutu"'
    for name, value in (headers or {}).items():
        resp.headers[name] = value
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


#: What the error page says for a status: a title and a sentence.
PAGE_WORDS = {
    404: (
        "Không tìm thấy trang",
        "Địa chỉ này không có trên hệ thống. Vui lòng kiểm tra lại địa chỉ, "
        "hoặc chọn trang cần dùng từ trang chủ.",
    ),
    405: (
        "Không thực hiện được yêu cầu",
        "Trang này không nhận yêu cầu gửi theo cách này. Vui lòng mở lại trang từ trang chủ.",
    ),
    429: ("Vui lòng thử lại sau", "Có quá nhiều yêu cầu trong thời gian ngắn."),
    500: (
        "Hệ thống gặp lỗi",
        "Đã có lỗi khi xử lý yêu cầu. Vui lòng thử lại sau giây lát; "
        "nếu vẫn lỗi, vui lòng báo Quầy hướng dẫn.",
    ),
    503: ("Hệ thống đang bận", "Vui lòng thử lại sau giây lát."),
}
#: Any other status (400, 413, 415, …).
PAGE_OTHER = ("Yêu cầu không hợp lệ", "Vui lòng mở lại trang từ trang chủ và thử lại.")

#: The error page has no script and loads only the shared stylesheet and fonts.
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def error_page(
    status: int,
    title: str | None = None,
    text: str | None = None,
    *,
    back: tuple[str, str] | None = None,
) -> Response:
    """A Vietnamese error page: ``title`` and ``text`` (the status's own by default), a
    link back (``back`` = (address, label)) and one to the start page."""
    default_title, default_text = PAGE_WORDS.get(status, PAGE_OTHER)
    try:
        centre = current_app.extensions["sothutu"].service.config.centre.name
    except (KeyError, AttributeError):
        centre = ""
    html = render_template(
        "pages/error.html",
        status=status,
        title=title or default_title,
        text=text or default_text,
        centre=centre,
        back_url=back[0] if back else None,
        back_label=back[1] if back else None,
    )
    resp = Response(html, status=status, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = PAGE_CSP
    resp.headers["Cache-Control"] = "no-store"
    return resp


def register(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.errorhandler(QueueError)
    def _queue_error(exc: QueueError) -> Response:
        return error_response(exc.status, exc.code, exc.message, details=exc.details)

    @app.errorhandler(StoreError)
    @app.errorhandler(sqlite3.DatabaseError)
    def _store_error(exc: Exception) -> Response:
        log.error("database unavailable: %s", exc)
        if not _wants_json():
            return error_page(503)
        return error_response(503, "unavailable", f"the database is unavailable: {exc}")

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        if not _wants_json():
            if status < 400:  # a redirect raised as an exception: let it through
                return exc  # type: ignore[return-value]
            resp = error_page(status)
            if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
                resp.headers["Allow"] = ", ".join(exc.valid_methods)
            return resp
        code = _HTTP_CODES.get(status, "error")
        resp = error_response(status, code, exc.description or exc.name)
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            resp.headers["Allow"] = ", ".join(exc.valid_methods)
        return resp

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        if not _wants_json():
            return error_page(500)
        return error_response(500, "internal", "internal error; see the server log")
