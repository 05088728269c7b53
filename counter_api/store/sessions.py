"""SQL for login sessions (console, admin page, rating tablets): rows in, rows out.

The table keeps a session's token only as its SHA-256; see
``counter_api.web.sessions`` for what a session is and when it ends. Functions
take a ``sqlite_utils.Database`` inside a transaction, like ``repo``.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

DB = sqlite_utils.Database

_COLUMNS = "token_hash, kind, counter, csrf, binding, created, expires, business_date"


@dataclass(frozen=True)
class SessionRow:
    """One open session. ``expires`` (epoch seconds) and ``business_date`` are limits
    some kinds have; ``binding`` ties it to the PIN or password it was opened with."""

    token_hash: str
    kind: str
    counter: int | None
    csrf: str
    binding: str
    created: float
    expires: float | None = None
    business_date: str | None = None


def insert(db: DB, row: SessionRow) -> None:
    db.execute(
        f"INSERT INTO sessions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            row.token_hash,
            row.kind,
            row.counter,
            row.csrf,
            row.binding,
            row.created,
            row.expires,
            row.business_date,
        ),
    )


def get(db: DB, token_hash: str) -> SessionRow | None:
    found = db.execute(
        f"SELECT {_COLUMNS} FROM sessions WHERE token_hash = ?", (token_hash,)
    ).fetchone()
    return SessionRow(*found) if found else None


def delete(db: DB, token_hash: str) -> int:
    return db.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,)).rowcount


def delete_stale(db: DB, now: float, today: str) -> int:
    """Sessions past their time: expired, or opened on an earlier business day."""
    return db.execute(
        "DELETE FROM sessions WHERE expires <= ? OR business_date < ?", (now, today)
    ).rowcount


def delete_unbound(db: DB, bindings: list[str]) -> int:
    """Sessions whose binding is none of ``bindings`` (a PIN, password or key changed)."""
    marks = ", ".join("?" for _ in bindings)
    return db.execute(f"DELETE FROM sessions WHERE binding NOT IN ({marks})", bindings).rowcount


def keep_newest(db: DB, kind: str, counter: int | None, keep: int) -> int:
    """Delete all but the ``keep`` newest sessions of one kind (and counter)."""
    return db.execute(
        "DELETE FROM sessions WHERE kind = ? AND counter IS ? AND token_hash NOT IN "
        "(SELECT token_hash FROM sessions WHERE kind = ? AND counter IS ? "
        "ORDER BY created DESC LIMIT ?)",
        (kind, counter, kind, counter, keep),
    ).rowcount


def count(db: DB, kind: str | None = None) -> int:
    if kind is None:
        return db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
    return db.execute("SELECT COUNT(*) FROM sessions WHERE kind = ?", (kind,)).fetchone()[0]
