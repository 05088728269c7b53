"""Signed cookies and same-origin checks for the admin and rating pages.

A cookie holds a small signed payload (itsdangerous, the server's secret key)
with a fingerprint of the secret it was granted for, so changing the admin
password or a counter's PIN in the config ends the sessions it opened. Cookies
are HttpOnly and SameSite=Strict; forms also carry a per-session CSRF token,
and a POST whose Origin names another site is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import Response, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

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


def fingerprint(secret: str) -> str:
    """A short, one-way mark of a password or PIN (never the secret itself)."""
    return hashlib.sha256(("sothutu:" + secret).encode()).hexdigest()[:16]


def same_secret(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode())


def new_token() -> str:
    return secrets.token_urlsafe(24)


class CookieJar:
    """One kind of signed cookie (its name, path, lifetime and salt)."""

    def __init__(self, secret_key: str, salt: str, max_age: int) -> None:
        self._s = URLSafeTimedSerializer(secret_key, salt=salt)
        self.max_age = max_age

    def read(self, name: str) -> dict[str, Any] | None:
        raw = request.cookies.get(name)
        if not raw:
            return None
        try:
            data = self._s.loads(raw, max_age=self.max_age)
        except BadSignature:
            return None
        return data if isinstance(data, dict) else None

    def write(self, resp: Response, name: str, path: str, data: dict[str, Any]) -> None:
        resp.set_cookie(
            name,
            self._s.dumps(data),
            max_age=self.max_age,
            path=path,
            httponly=True,
            samesite="Strict",
        )

    @staticmethod
    def clear(resp: Response, name: str, path: str) -> None:
        resp.delete_cookie(name, path=path, httponly=True, samesite="Strict")


def client_address() -> str:
    return request.remote_addr or "?"


def foreign_origin() -> bool:
    """True when the request says it comes from a page of another site."""
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return origin == "null"
    return urlsplit(origin).netloc != request.host
