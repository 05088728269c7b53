"""Session cookies and same-origin checks for the admin and rating pages.

A cookie holds nothing but a session's random token (``counter_api.web.sessions``
keeps the session in the database). Cookies are HttpOnly and SameSite=Strict;
forms also carry the session's CSRF token, and a POST whose Origin names another
site is refused.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from flask import Response, request

#: The pages' Content-Security-Policy: nothing from elsewhere, no inline script or style.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'"
)


def page_headers(resp: Response) -> Response:
    """Headers of every admin, rating and status page."""
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["Cache-Control"] = "no-store"
    return resp


def same_secret(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode())


class Cookie:
    """One session cookie: its name, path and lifetime in the browser (seconds)."""

    def __init__(self, name: str, path: str, max_age: int | None) -> None:
        self.name = name
        self.path = path
        self.max_age = max_age

    def read(self) -> str | None:
        return request.cookies.get(self.name) or None

    def write(self, resp: Response, token: str) -> None:
        resp.set_cookie(
            self.name,
            token,
            max_age=self.max_age,
            path=self.path,
            httponly=True,
            samesite="Strict",
        )

    def clear(self, resp: Response) -> None:
        resp.delete_cookie(self.name, path=self.path, httponly=True, samesite="Strict")


def client_address() -> str:
    return request.remote_addr or "?"


def foreign_origin() -> bool:
    """True when the request says it comes from a page of another site."""
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return origin == "null"
    return urlsplit(origin).netloc != request.host
