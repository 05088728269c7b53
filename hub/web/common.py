"""What the API and the pages share: the hub's parts, who is asking, JSON errors."""

from __future__ import annotations

import hmac
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg
from flask import Flask, Response, current_app, jsonify, request
from psycopg_pool import PoolTimeout
from werkzeug.exceptions import HTTPException

from hub import accounts
from hub.config import HubConfig
from hub.db import Database
from sothutu.clock import Clock

log = logging.getLogger("hub")

COOKIE = "hub_session"
_BEARER = re.compile(r"[Bb][Ee][Aa][Rr][Ee][Rr] +([\x21-\x7e]+) *")


@dataclass
class Hub:
    config: HubConfig
    db: Database
    clock: Clock
    #: the generated OpenAPI document, built on its first request
    openapi: dict[str, Any] | None = None

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return self.clock.now().astimezone(self.config.hub.tz).date()


def hub() -> Hub:
    return current_app.extensions["hub"]


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_json(status: int, code: str, message: str) -> Response:
    resp = jsonify({"error": {"code": code, "message": message}})
    resp.status_code = status
    return resp


def register_errors(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api(exc: ApiError) -> Response:
        return error_json(exc.status, exc.code, exc.message)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        if request.path.startswith("/api/"):
            code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
                exc.code or 500, "invalid_request"
            )
            return error_json(exc.code or 500, code, exc.description or code)
        return exc

    @app.errorhandler(psycopg.OperationalError)
    @app.errorhandler(PoolTimeout)
    def _database_down(exc: Exception) -> Response:
        log.error("PostgreSQL unavailable on %s %s: %s", request.method, request.path, exc)
        if request.path.startswith("/api/"):
            resp = error_json(503, "unavailable", "the hub's database is unavailable; retry later")
        else:
            resp = Response(
                "Hệ thống tạm thời không truy cập được cơ sở dữ liệu. Vui lòng thử lại sau.",
                503,
                mimetype="text/plain",
            )
        resp.headers["Retry-After"] = "30"
        return resp

    @app.errorhandler(Exception)
    def _crash(exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        if request.path.startswith("/api/"):
            return error_json(500, "internal", "the hub failed; see its log")
        return Response("Hệ thống gặp lỗi. Vui lòng thử lại sau.", 500, mimetype="text/plain")


def client_address() -> str:
    """The caller's address; behind ``[server] trusted_proxy`` the one nginx saw."""
    addr = request.remote_addr or "?"
    proxy = hub().config.server.trusted_proxy
    if proxy and addr == proxy:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or addr
    return addr


def bearer() -> str | None:
    """The bearer key of the request; None without an Authorization header;
    ApiError 401 when the header is malformed."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    m = _BEARER.fullmatch(header)
    if not m:
        raise ApiError(401, "unauthorized", "malformed Authorization header; use 'Bearer KEY'")
    return m.group(1)


def is_admin_key(key: str) -> bool:
    return hmac.compare_digest(
        key.encode("utf-8", "surrogateescape"), hub().config.server.admin_key.encode()
    )


def session() -> accounts.Session | None:
    h = hub()
    token = request.cookies.get(COOKIE, "")
    if not token:
        return None
    return accounts.find_session(h.db, h.config.server.secret_key, token, h.now())


#: The admin key acts as a province user.
ADMIN = accounts.User("admin-key", "province", None)


def staff() -> accounts.User:
    """The caller of a read API: admin key or a staff session; else ApiError 401."""
    key = bearer()
    if key is not None:
        if is_admin_key(key):
            return ADMIN
        raise ApiError(401, "unauthorized", "unknown key")
    s = session()
    if s is None:
        raise ApiError(401, "unauthorized", "log in, or send the admin key: Bearer KEY")
    return s.user
