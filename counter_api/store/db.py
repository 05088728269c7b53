"""SQLite connections: WAL, synchronous=FULL, a small pool, one writer at a time.

Every read-then-write runs in ``Store.write()``: a process-wide lock, then
``BEGIN IMMEDIATE`` on a pooled connection, then ``COMMIT``. Callbacks
registered on the transaction run after the commit *while the lock is still
held*, so events reach the in-process bus in exactly the order they were
committed. Threads that only wait (event streams) hold no connection.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from counter_api.store.migrations import migrate

log = logging.getLogger(__name__)


class StoreError(RuntimeError):
    """The database cannot be used (disk full, unreadable file, newer schema)."""


class Tx:
    """An open write transaction: the connection and after-commit callbacks."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._after: list[Callable[[], None]] = []

    def execute(self, sql: str, params: tuple | list | dict = ()) -> sqlite3.Cursor:
        return self.db.execute(sql, params)

    def after_commit(self, fn: Callable[[], None]) -> None:
        self._after.append(fn)


class Store:
    """Owns the SQLite file: opens it, migrates it, lends connections."""

    def __init__(self, path: Path | str, pool_size: int = 4) -> None:
        self.path = Path(path)
        self._pool: queue.LifoQueue[sqlite_utils.Database] = queue.LifoQueue()
        self._created = 0
        self._pool_size = pool_size
        self._pool_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._closed = False
        if str(self.path) != ":memory:":
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create {self.path.parent}: {exc.strerror}") from None
        with self._checkout() as db:
            try:
                migrate(db)
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self.path}: {exc}") from None

    @property
    def pool_size(self) -> int:
        """The most connections the store opens (threads beyond it wait for one)."""
        return self._pool_size

    def _connect(self) -> sqlite_utils.Database:
        try:
            conn = sqlite3.connect(
                str(self.path), isolation_level=None, check_same_thread=False, timeout=30
            )
            conn.execute("PRAGMA busy_timeout = 30000")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal" and str(self.path) != ":memory:":
                raise StoreError(f"{self.path}: cannot switch to WAL (got {mode})")
            conn.execute("PRAGMA synchronous = FULL")
            # 1 MiB of page cache per pooled connection (SQLite's default is 2): the
            # hot pages are few, the OS caches the file anyway, and RAM on a Pi is dear.
            conn.execute("PRAGMA cache_size = -1024")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: {exc}") from None
        return sqlite_utils.Database(conn, execute_plugins=False)

    @contextmanager
    def _checkout(self) -> Iterator[sqlite_utils.Database]:
        if self._closed:
            raise StoreError("the store is closed")
        try:
            db = self._pool.get_nowait()
        except queue.Empty:
            with self._pool_lock:
                create = self._created < self._pool_size
                if create:
                    self._created += 1
            db = self._connect() if create else self._pool.get(timeout=30)
        try:
            yield db
        finally:
            if db.conn.in_transaction:  # a failed ROLLBACK; never lend a dirty connection
                with contextlib.suppress(sqlite3.Error):
                    db.conn.execute("ROLLBACK")
            self._pool.put(db)

    @contextmanager
    def read(self) -> Iterator[sqlite_utils.Database]:
        """A consistent read snapshot (a deferred transaction)."""
        with self._checkout() as db:
            db.execute("BEGIN")
            try:
                yield db
            finally:
                db.execute("COMMIT")

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """One atomic read-then-write; after-commit callbacks run under the lock."""
        with self._write_lock, self._checkout() as db:
            tx = Tx(db)
            db.execute("BEGIN IMMEDIATE")
            try:
                yield tx
                db.execute("COMMIT")
            except BaseException:
                if db.conn.in_transaction:
                    db.execute("ROLLBACK")
                raise
            for fn in tx._after:
                try:
                    fn()
                except Exception:  # a callback must never undo a commit
                    log.exception("after-commit callback failed")

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                db = self._pool.get_nowait()
            except queue.Empty:
                break
            with contextlib.suppress(sqlite3.Error):
                db.conn.close()
