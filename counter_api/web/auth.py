"""Who is asking: bearer keys (admin, counters, kiosks), checked in constant time.

The order of checks is the contract's: 401 (no key, unknown key, malformed
header) before 403 (rights). A request without an ``Authorization`` header may
still be a clerk's console session: the caller passes the function that finds it.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass

from flask import request

from counter_api.web.errors import ApiError
from sothutu.config import Config

_BEARER = re.compile(r"[Bb][Ee][Aa][Rr][Ee][Rr] +([\x21-\x7e]+) *")


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. ``kind`` is "admin", "counter" or "kiosk"."""

    kind: str
    name: str
    counter: int | None = None
    via_session: bool = False
    guidance: bool = False

    def may_act_for_counter(self, number: int | None) -> bool:
        if self.kind == "admin":
            return True
        return self.kind == "counter" and number is not None and self.counter == number


class KeyRing:
    """All bearer keys of the config, looked up without timing leaks."""

    def __init__(self, config: Config) -> None:
        entries: list[tuple[bytes, Principal]] = [
            (config.server.admin_key.encode(), Principal("admin", "admin"))
        ]
        for c in config.counters:
            entries.append(
                (c.key.encode(), Principal("counter", c.label, c.number, guidance=c.guidance))
            )
        for k in config.kiosks:
            entries.append((k.key.encode(), Principal("kiosk", k.name)))
        self._entries = entries

    def lookup(self, key: str) -> Principal | None:
        given = key.encode("utf-8", "surrogateescape")
        found = None
        for secret, principal in self._entries:  # no early exit: constant time
            if hmac.compare_digest(given, secret):
                found = principal
        return found


#: Finds the principal of this request's console session (cookie + CSRF header), or None.
SessionLookup = Callable[[], Principal | None]


def authenticate(keyring: KeyRing, session: SessionLookup | None = None) -> Principal:
    """The caller, or ``ApiError`` 401."""
    header = request.headers.get("Authorization")
    if header is None:
        principal = session() if session is not None else None
        if principal is not None:
            return principal
        raise ApiError(401, "unauthorized", "this action needs a key: Authorization: Bearer KEY")
    m = _BEARER.fullmatch(header)
    if not m:
        raise ApiError(401, "unauthorized", "malformed Authorization header; use 'Bearer KEY'")
    principal = keyring.lookup(m.group(1))
    if principal is None:
        raise ApiError(401, "unauthorized", "unknown key")
    return principal
