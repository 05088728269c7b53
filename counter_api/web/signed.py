"""Signed cookies, login throttling and same-origin checks for the admin and rating pages.

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
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
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


class Throttle:
    """At most ``limit`` failed logins per ``window`` seconds from one address;
    beyond that, tries from it wait until the oldest failure leaves the window."""

    def __init__(
        self, limit: int = 5, window: float = 60.0, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._now = now
        self._fails: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, q: deque[float], now: float) -> None:
        while q and now - q[0] >= self.window:
            q.popleft()

    def wait_seconds(self, who: str) -> int:
        """0 when ``who`` may try now, else the seconds to wait."""
        with self._lock:
            now = self._now()
            q = self._fails[who]
            self._trim(q, now)
            if len(q) < self.limit:
                return 0
            return max(1, int(self.window - (now - q[0]) + 0.999))

    def failed(self, who: str) -> None:
        with self._lock:
            now = self._now()
            q = self._fails[who]
            self._trim(q, now)
            q.append(now)
            if len(self._fails) > 10000:  # forget idle addresses
                for k in [k for k, v in self._fails.items() if not v]:
                    del self._fails[k]

    def succeeded(self, who: str) -> None:
        with self._lock:
            self._fails.pop(who, None)


def client_address() -> str:
    return request.remote_addr or "?"


def foreign_origin() -> bool:
    """True when the request says it comes from a page of another site."""
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return origin == "null"
    return urlsplit(origin).netloc != request.host
