"""PostgreSQL access: one connection pool per process, monthly partitions of ``rows``.

The hub keeps no state outside PostgreSQL, so any number of hub processes can
serve behind a reverse proxy.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date

import psycopg
from psycopg_pool import ConnectionPool

from hub import schema

log = logging.getLogger(__name__)


class DatabaseError(RuntimeError):
    """PostgreSQL cannot be used; the message says why (never a traceback to users)."""


def month_start(d: date) -> date:
    return d.replace(day=1)


def next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def partition_name(d: date) -> str:
    return f"rows_{d.year:04d}_{d.month:02d}"


class Database:
    """The pool, and the partitions this process knows exist."""

    def __init__(self, url: str, pool_size: int = 8, *, open_timeout: float = 10.0) -> None:
        self.url = url
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            open=False,
            timeout=30.0,
            name="hub",
            kwargs={"application_name": "sothutu-hub"},
        )
        try:
            self.pool.open(wait=True, timeout=open_timeout)
        except Exception as exc:
            self.pool.close()
            raise DatabaseError(f"cannot connect to PostgreSQL ({_safe(url)}): {exc}") from None
        self._months: set[date] = set()
        self._months_lock = threading.Lock()

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        with self.pool.connection() as conn:
            yield conn

    def close(self) -> None:
        self.pool.close()

    def check_schema(self) -> None:
        with self.connection() as conn:
            have = schema.version(conn)
            conn.commit()
        if have < len(schema.MIGRATIONS):
            raise DatabaseError(
                f"the database's schema is at version {have}, this hub needs "
                f"{len(schema.MIGRATIONS)}: run python -m hub --config FILE init-db"
            )

    def ensure_months(self, days: Iterable[date]) -> None:
        """Create the monthly partitions of ``rows`` that ``days`` fall in (own short
        transaction: DDL on the parent must not sit inside a long ingest)."""
        months = {month_start(d) for d in days} - self._months
        if not months:
            return
        with self._months_lock, self.connection() as conn:
            for m in sorted(months):
                create_partition(conn, m)
                self._months.add(m)


def create_partition(conn: psycopg.Connection, month: date) -> None:
    name = partition_name(month)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (schema._LOCK,))
        exists = conn.execute("SELECT to_regclass(%s)", (name,)).fetchone()
        if exists and exists[0] is not None:
            return
        conn.execute(
            f"CREATE TABLE {name} PARTITION OF rows FOR VALUES FROM "
            f"('{month.isoformat()}') TO ('{next_month(month).isoformat()}')"
        )
        log.info("created partition %s", name)


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "the configured URL"
    info.pop("password", None)
    return " ".join(f"{k}={v}" for k, v in info.items())
