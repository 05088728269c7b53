"""Login sessions of the console, the admin page and the rating tablets, in the database.

A login opens a session: a random token goes into the cookie, and a row of the
``sessions`` table keeps the token's SHA-256, the session's CSRF token and a
*binding*, an HMAC keyed with ``[server] secret_key`` of the PIN or password it
was opened with. Nothing in a cookie is derived from a PIN or password, so a
cookie read off a citizen-facing tablet or the Wi-Fi cannot be checked against
guesses offline. A session ends:

- on logout (the row is deleted: the cookie opens nothing, also after a restart);
- when the PIN, the admin password or the secret key changes (its binding no longer
  matches; the rows go at the next start);
- by time: a console session at the end of its business day, an admin session
  after ``ADMIN_HOURS``; a rating tablet's stays until the PIN or key changes (only
  the newest ``TABLETS_PER_COUNTER`` per counter are kept).

Login forms carry single-use tokens (``FormTokens``).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from counter_api.service import QueueService
from counter_api.store import sessions as rows

log = logging.getLogger(__name__)

CONSOLE = "console"
ADMIN = "admin"
TABLET = "tablet"

#: An admin session lasts a working day at most.
ADMIN_HOURS = 12
#: Rating tablets set up per counter that stay signed in (the oldest go first).
TABLETS_PER_COUNTER = 10


@dataclass(frozen=True)
class Session:
    """An open session: what it may do (``kind``, ``counter``) and its CSRF token."""

    kind: str
    counter: int | None
    csrf: str
    token_hash: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


class Sessions:
    """Opens, finds and ends sessions on the queue service's store and clock."""

    def __init__(self, service: QueueService) -> None:
        self._svc = service

    def _secret(self, kind: str, counter: int | None) -> str | None:
        """The PIN or password a session of this kind is opened with; None: none can be."""
        config = self._svc.config
        if kind == ADMIN:
            return config.server.admin_password or None
        c = config.counter(counter) if counter is not None else None
        return c.pin if c is not None else None

    def _binding(self, kind: str, counter: int | None, secret: str) -> str:
        key = self._svc.config.server.secret_key.encode()
        msg = f"{kind}\n{counter if counter is not None else ''}\n{secret}".encode()
        return hmac.new(key, msg, hashlib.sha256).hexdigest()

    def _bindings(self) -> list[str]:
        """The bindings a session may have with the config as it is now."""
        out = []
        for kind in (CONSOLE, TABLET):
            for c in self._svc.config.counters:
                out.append(self._binding(kind, c.number, c.pin))
        if self._svc.config.server.admin_password:
            out.append(self._binding(ADMIN, None, self._svc.config.server.admin_password))
        return out

    def open(self, kind: str, counter: int | None = None) -> tuple[str, Session]:
        """A new session after a right PIN or password: (the cookie's token, the session)."""
        secret = self._secret(kind, counter)
        if secret is None:
            raise ValueError(f"no {kind} session can be opened for {counter}")
        token = secrets.token_urlsafe(32)
        now = self._svc.clock.now().timestamp()
        today = self._svc.today().isoformat()
        row = rows.SessionRow(
            token_hash=_hash(token),
            kind=kind,
            counter=counter,
            csrf=secrets.token_urlsafe(24),
            binding=self._binding(kind, counter, secret),
            created=now,
            expires=now + ADMIN_HOURS * 3600 if kind == ADMIN else None,
            business_date=today if kind == CONSOLE else None,
        )
        with self._svc.store.write() as tx:
            rows.delete_stale(tx.db, now, today)
            rows.insert(tx.db, row)
            if kind == TABLET:
                rows.keep_newest(tx.db, TABLET, counter, TABLETS_PER_COUNTER)
        return token, Session(kind, counter, row.csrf, row.token_hash)

    def find(self, kind: str, token: str | None, counter: int | None = None) -> Session | None:
        """The open session of ``token`` when it is of ``kind`` (and ``counter``) and
        still valid; None otherwise."""
        if not token or len(token) > 200:
            return None
        with self._svc.store.read() as db:
            row = rows.get(db, _hash(token))
        if row is None or row.kind != kind:
            return None
        if counter is not None and row.counter != counter:
            return None
        secret = self._secret(kind, row.counter)
        if secret is None or not hmac.compare_digest(
            row.binding, self._binding(kind, row.counter, secret)
        ):
            return None
        if row.expires is not None and self._svc.clock.now().timestamp() >= row.expires:
            return None
        if row.business_date is not None and row.business_date != self._svc.today().isoformat():
            return None
        return Session(row.kind, row.counter, row.csrf, row.token_hash)

    def end(self, session: Session) -> None:
        """Log out: the session's token opens nothing any more."""
        with self._svc.store.write() as tx:
            rows.delete(tx.db, session.token_hash)

    def tidy(self) -> int:
        """At start: forget sessions of a changed PIN, password or key, and stale ones."""
        now = self._svc.clock.now().timestamp()
        today = self._svc.today().isoformat()
        with self._svc.store.write() as tx:
            gone = rows.delete_unbound(tx.db, self._bindings())
            gone += rows.delete_stale(tx.db, now, today)
        if gone:
            log.info("%d login sessions ended (expired, or a PIN, password or key changed)", gone)
        return gone


class FormTokens:
    """Single-use tokens for login forms.

    A token is signed with a key made when the server starts (a restart voids every
    form handed out before it) and carries its issue time (an hour's life). Tokens
    that were used are remembered until they would expire; when too many are
    remembered, the oldest are forgotten and every token issued before them is
    refused from then on, so no token is ever accepted twice.
    """

    def __init__(
        self, now: Callable[[], float], *, lifetime: float = 3600.0, remember: int = 10_000
    ) -> None:
        self._now = now
        self._key = secrets.token_bytes(32)
        self.lifetime = lifetime
        self.remember = remember
        self._used: OrderedDict[str, float] = OrderedDict()
        self._floor = float("-inf")
        self._lock = threading.Lock()

    def _mac(self, body: str) -> str:
        return hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self) -> str:
        body = f"{secrets.token_urlsafe(12)}.{round(self._now() * 1e6)}"
        return f"{body}.{self._mac(body)}"

    def use(self, token: str) -> bool:
        """True the first time a valid, unexpired token is presented; else False."""
        body, _, mac = token.rpartition(".")
        if not body or not hmac.compare_digest(mac.encode(), self._mac(body).encode()):
            return False
        issued = int(body.rpartition(".")[2]) / 1e6
        with self._lock:
            now = self._now()
            if issued <= self._floor or not (issued <= now < issued + self.lifetime):
                return False
            if token in self._used:
                return False
            while self._used:
                first, first_issued = next(iter(self._used.items()))
                if first_issued + self.lifetime > now and len(self._used) < self.remember:
                    break
                del self._used[first]
                if first_issued + self.lifetime > now:
                    self._floor = max(self._floor, first_issued)
            self._used[token] = issued
        return True
