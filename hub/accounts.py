"""Centres' tokens, staff passwords, sessions and the login throttle, all in PostgreSQL.

- A centre's token is 32 random bytes shown once by ``centre add``; the hub keeps
  only its SHA-256 (a random token needs no slow hash) and finds the centre by it.
- Staff passwords are hashed with scrypt (n=2^14, r=8, p=1, a 16-byte salt).
- A session is a random token in an HttpOnly, SameSite=Strict cookie; the hub
  stores its HMAC (keyed with ``[server] secret_key``), the user and a CSRF token,
  for 12 hours. Changing a password ends that user's sessions.
- Logins: at most 5 wrong passwords a minute per address, then wait (the same rule
  as the centre's pages), counted in the database so every hub process agrees.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg

from hub.db import Database
from sothutu.booking import new_key

SESSION_HOURS = 12
THROTTLE_LIMIT = 5
THROTTLE_WINDOW = timedelta(seconds=60)
CENTRE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
USER_NAME = re.compile(r"[A-Za-z0-9._@-]{1,64}")

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class AccountError(ValueError):
    """A bad name, role or password; the message says which."""


# --- centres ---------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def add_centre(db: Database, centre_id: str, name: str, district: str = "") -> tuple[str, str]:
    """Register a centre; returns its new token (shown once, stored as a hash) and its
    booking key (which signs its bookings' QR codes; ``centre key`` shows it again)."""
    if not CENTRE_ID.fullmatch(centre_id):
        raise AccountError(
            f"centre id {centre_id!r}: use lower-case letters, digits and '-' (e.g. cu-lao-dung)"
        )
    if not name.strip():
        raise AccountError("the centre needs a name (--name)")
    token = secrets.token_urlsafe(32)
    key = new_key()
    with db.connection() as conn, conn.transaction():
        try:
            conn.execute(
                "INSERT INTO centres (id, name, district, token_hash, booking_key) "
                "VALUES (%s, %s, %s, %s, %s)",
                (centre_id, name.strip(), district.strip(), token_hash(token), key),
            )
        except psycopg.errors.UniqueViolation:
            raise AccountError(
                f"centre {centre_id!r} exists already; use 'centre token {centre_id}' for a "
                "new token"
            ) from None
        conn.execute("INSERT INTO booking_feed (centre_id) VALUES (%s)", (centre_id,))
    return token, key


def rename_centre(
    db: Database, centre_id: str, name: str | None = None, district: str | None = None
) -> None:
    """Change how the province names a centre, or its district."""
    if name is not None and not name.strip():
        raise AccountError("the centre needs a name (--name)")
    with db.connection() as conn:
        cur = conn.execute(
            "UPDATE centres SET name = coalesce(%s, name), district = coalesce(%s, district) "
            "WHERE id = %s",
            (
                name.strip() if name else None,
                district.strip() if district is not None else None,
                centre_id,
            ),
        )
        if cur.rowcount != 1:
            raise AccountError(f"no centre {centre_id!r}")


def booking_key(db: Database, centre_id: str, *, renew: bool = False) -> str:
    """A centre's booking key; ``renew`` replaces it (QR codes signed before then no longer
    verify offline at the centre until it has the new key)."""
    with db.connection() as conn:
        if renew:
            conn.execute(
                "UPDATE centres SET booking_key = %s WHERE id = %s", (new_key(), centre_id)
            )
        row = conn.execute("SELECT booking_key FROM centres WHERE id = %s", (centre_id,)).fetchone()
    if row is None:
        raise AccountError(f"no centre {centre_id!r}")
    return row[0]


def new_token(db: Database, centre_id: str) -> str:
    """Replace a centre's token (the old one stops working at once)."""
    token = secrets.token_urlsafe(32)
    with db.connection() as conn:
        cur = conn.execute(
            "UPDATE centres SET token_hash = %s WHERE id = %s", (token_hash(token), centre_id)
        )
        if cur.rowcount != 1:
            raise AccountError(f"no centre {centre_id!r}")
    return token


def centre_of_token(db: Database, token: str) -> str | None:
    with db.connection() as conn:
        row = conn.execute(
            "SELECT id FROM centres WHERE token_hash = %s", (token_hash(token),)
        ).fetchone()
    return row[0] if row else None


# --- passwords and users -------------------------------------------------------------


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT['n']}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        kind, n, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode("utf-8", "surrogateescape"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=8,
            p=1,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return kind == "scrypt" and hmac.compare_digest(got, expected)


#: A hash to check against when the user does not exist (same time as a real check).
_NOBODY = hash_password(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class User:
    name: str
    role: str  # "province" or "centre"
    centre_id: str | None

    def may_see(self, centre_id: str) -> bool:
        return self.role == "province" or self.centre_id == centre_id


def parse_role(role: str) -> tuple[str, str | None]:
    if role == "province":
        return "province", None
    if role.startswith("centre:") and CENTRE_ID.fullmatch(role[7:]):
        return "centre", role[7:]
    raise AccountError(f"role {role!r}: use 'province' or 'centre:ID'")


def check_new_password(password: str) -> None:
    if len(password) < 10:
        raise AccountError("the password must have at least 10 characters")


def add_user(db: Database, name: str, role: str, password: str) -> User:
    if not USER_NAME.fullmatch(name):
        raise AccountError(f"user name {name!r}: letters, digits and . _ @ - (at most 64)")
    kind, centre = parse_role(role)
    check_new_password(password)
    with db.connection() as conn:
        if centre and not conn.execute("SELECT 1 FROM centres WHERE id = %s", (centre,)).fetchone():
            raise AccountError(f"no centre {centre!r}; add it first with 'centre add'")
        try:
            conn.execute(
                "INSERT INTO users (name, password_hash, role, centre_id) VALUES (%s, %s, %s, %s)",
                (name, hash_password(password), kind, centre),
            )
        except psycopg.errors.UniqueViolation:
            raise AccountError(f"user {name!r} exists already; use 'user passwd'") from None
    return User(name, kind, centre)


def set_password(db: Database, name: str, password: str) -> None:
    check_new_password(password)
    with db.connection() as conn, conn.transaction():
        cur = conn.execute(
            "UPDATE users SET password_hash = %s WHERE name = %s", (hash_password(password), name)
        )
        if cur.rowcount != 1:
            raise AccountError(f"no user {name!r}")
        conn.execute("DELETE FROM sessions WHERE user_name = %s", (name,))


def login(db: Database, name: str, password: str) -> User | None:
    with db.connection() as conn:
        row = conn.execute(
            "SELECT name, password_hash, role, centre_id FROM users WHERE name = %s", (name,)
        ).fetchone()
    if row is None:
        check_password(password, _NOBODY)
        return None
    if not check_password(password, row[1]):
        return None
    return User(row[0], row[2], row[3])


# --- sessions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str


def _session_key(secret: str, token: str) -> str:
    return hmac.new(secret.encode(), token.encode("utf-8", "surrogateescape"), "sha256").hexdigest()


def open_session(db: Database, secret: str, user: User, now: datetime) -> tuple[str, Session]:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    with db.connection() as conn:
        conn.execute("DELETE FROM sessions WHERE expires_at < %s", (now,))
        conn.execute(
            "INSERT INTO sessions (token_hash, user_name, csrf, created_at, expires_at) "
            "VALUES (%s, %s, %s, %s, %s)",
            (
                _session_key(secret, token),
                user.name,
                csrf,
                now,
                now + timedelta(hours=SESSION_HOURS),
            ),
        )
    return token, Session(user, csrf)


def find_session(db: Database, secret: str, token: str, now: datetime) -> Session | None:
    if not token or len(token) > 100:
        return None
    with db.connection() as conn:
        row = conn.execute(
            "SELECT u.name, u.role, u.centre_id, s.csrf FROM sessions s "
            "JOIN users u ON u.name = s.user_name WHERE s.token_hash = %s AND s.expires_at > %s",
            (_session_key(secret, token), now),
        ).fetchone()
    return Session(User(row[0], row[1], row[2]), row[3]) if row else None


def close_session(db: Database, secret: str, token: str) -> None:
    with db.connection() as conn:
        conn.execute("DELETE FROM sessions WHERE token_hash = %s", (_session_key(secret, token),))


# --- login throttle --------------------------------------------------------------------


def wait_seconds(db: Database, address: str, now: datetime) -> int:
    """0 when ``address`` may try a password now, else the seconds to wait."""
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT at FROM login_failures WHERE address = %s AND at > %s ORDER BY at DESC "
            "LIMIT %s",
            (address, now - THROTTLE_WINDOW, THROTTLE_LIMIT),
        ).fetchall()
    if len(rows) < THROTTLE_LIMIT:
        return 0
    oldest = rows[-1][0]
    return max(1, int((oldest + THROTTLE_WINDOW - now).total_seconds() + 0.999))


def login_failed(db: Database, address: str, now: datetime) -> None:
    with db.connection() as conn:
        conn.execute("INSERT INTO login_failures (address, at) VALUES (%s, %s)", (address, now))
        conn.execute("DELETE FROM login_failures WHERE at < %s", (now - THROTTLE_WINDOW * 10,))


def login_succeeded(db: Database, address: str) -> None:
    with db.connection() as conn:
        conn.execute("DELETE FROM login_failures WHERE address = %s", (address,))
