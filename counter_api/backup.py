"""Online backups of the queue database, and restoring one.

A backup is made with SQLite's backup API in one step, which copies one
consistent snapshot while the server goes on writing (WAL: writers are not
blocked). The copy is written as ``NAME.part``, checked with
``PRAGMA integrity_check``, synced and only then renamed to
``sothutu-YYYY-MM-DD-HHMMSS.db`` in ``[backup] dir``; the oldest beyond
``[backup] keep`` are deleted. A lock file in the folder serializes backups,
so the server's nightly backup and a systemd timer or a person running
``python -m counter_api backup`` at the same moment cannot collide: one waits,
or with ``--nightly`` skips when the other has just made tonight's backup.

``restore`` puts a backup in place of the database (with the server
stopped): it copies the backup, checks the copy (never the backup itself, so
nothing is written beside it), refuses one that would make things worse,
keeps the current database beside it as ``*.before-restore-…`` and moves the
checked copy in. The
commands ``python -m counter_api backup|restore`` are in
``counter_api.backup_cli``.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import sqlite_utils

from sothutu.config import Config
from sothutu.files import fsync

log = logging.getLogger(__name__)

PATTERN = re.compile(r"sothutu-(\d{4}-\d\d-\d\d)-(\d{6})\.db")
LOCK_NAME = ".backup.lock"


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why."""


def backups(folder: Path) -> list[Path]:
    """The backups in ``folder``, oldest first (by the time in their names)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if PATTERN.fullmatch(p.name))


def backup_time(path: Path, tz) -> datetime | None:
    m = PATTERN.fullmatch(path.name)
    if not m:
        return None
    return datetime.strptime(f"{m[1]} {m[2]}", "%Y-%m-%d %H%M%S").replace(tzinfo=tz)


def check_integrity(path: Path) -> None:
    """``PRAGMA integrity_check`` must say ok, and the file must be a Sothutu database.

    The file is opened read-only and immutable: nothing (no ``-wal``, no ``-shm``) is
    ever written beside it, whatever journal mode its header names."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: cannot open: {exc}") from None
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        db = sqlite_utils.Database(conn, recursive_triggers=False, execute_plugins=False)
        tables = set(db.table_names())
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a usable SQLite database: {exc}") from None
    finally:
        conn.close()
    if rows != [("ok",)]:
        problems = "; ".join(r[0] for r in rows[:3])
        raise BackupError(f"{path}: integrity check failed: {problems}")
    if not {"tickets", "ticket_log", "meta"} <= tables:
        raise BackupError(f"{path}: not a Sothutu database (no tickets table)")


@contextlib.contextmanager
def _locked(folder: Path, wait: bool) -> Iterator[bool]:
    """The folder's backup lock; yields False when ``wait`` is off and it is taken."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_NAME, "a+") as fh:
        deadline = time.monotonic() + 120
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait:
                    yield False
                    return
                if time.monotonic() > deadline:
                    raise BackupError(
                        f"{folder}: another backup holds the lock for 2 minutes"
                    ) from None
                time.sleep(0.1)
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def copy_database(source: Path, target: Path) -> None:
    """One consistent copy of ``source`` into a new file ``target`` (SQLite backup API),
    without login sessions."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # pages=-1: the whole database in one step, one snapshot
            dst.execute("PRAGMA journal_mode = DELETE")
            _drop_sessions(dst)
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise BackupError(f"copying {source} failed: {exc}") from None
    finally:
        src.close()


def _drop_sessions(db: sqlite3.Connection) -> None:
    """A copy keeps no login sessions: a backup on a USB stick opens nothing, and a
    restore brings back no session that was logged out since (all log in again)."""
    if db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sessions'"
    ).fetchone():
        db.execute("PRAGMA secure_delete = ON")  # their pages are zeroed, not left behind
        db.execute("DELETE FROM sessions")
        db.commit()


def make_backup(
    config: Config, *, now: datetime | None = None, nightly: bool = False
) -> Path | None:
    """Back the database up into ``config.backup_dir``; returns the new file. With
    ``nightly`` it returns None instead when the nightly backup is not due (see ``due``;
    without ``[backup] time``, once a day) or another backup is running."""
    source = config.database_path
    if not source.exists():
        raise BackupError(f"no database at {source}")
    tz = config.centre.tz
    now = (now or datetime.now(tz)).astimezone(tz)
    folder = config.backup_dir
    try:
        with _locked(folder, wait=not nightly) as got:
            if not got:
                return None
            if nightly:
                found = backups(folder)
                newest = backup_time(found[-1], tz) if found else None
                if not due(now, config.backup.time or "00:00", newest):
                    return None
            name = f"sothutu-{now:%Y-%m-%d-%H%M%S}.db"
            final = folder / name
            while final.exists():  # two backups in one second
                now += timedelta(seconds=1)
                final = folder / f"sothutu-{now:%Y-%m-%d-%H%M%S}.db"
            part = final.with_name(final.name + ".part")
            part.unlink(missing_ok=True)
            try:
                copy_database(source, part)
                check_integrity(part)
                fsync(part)
                os.replace(part, final)
                fsync(folder)
            finally:
                part.unlink(missing_ok=True)
            prune(folder, config.backup.keep)
            return final
    except OSError as exc:
        raise BackupError(f"{folder}: {exc.strerror or exc}") from None


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete the oldest backups beyond ``keep``; returns what was deleted."""
    old = backups(folder)[:-keep] if keep > 0 else []
    for p in old:
        p.unlink(missing_ok=True)
    return old


def due(now: datetime, at: str, newest: datetime | None) -> bool:
    """Whether the nightly backup is due at local time ``now``: today's ``at`` ("HH:MM")
    has passed and no backup was made since, or the newest backup is over a day old
    (the server was off at ``at``). ``at == ""`` turns nightly backups off."""
    if not at:
        return False
    if newest is None or now - newest > timedelta(hours=24):
        return True
    hh, mm = (int(x) for x in at.split(":"))
    at_today = now.replace(hour=hh, minute=mm, second=0, microsecond=0)
    return now >= at_today > newest


class Nightly:
    """The server's nightly backup, checked from its housekeeping thread; the copy
    runs on a thread of its own so housekeeping (rollover, watchdog) never waits."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._thread: threading.Thread | None = None
        self.last: Path | None = None
        self.error: str | None = None

    def newest(self) -> datetime | None:
        found = backups(self.config.backup_dir)
        return backup_time(found[-1], self.config.centre.tz) if found else None

    def tick(self, now: datetime) -> bool:
        """Start a backup when one is due; True when one was started."""
        if self._thread is not None and self._thread.is_alive():
            return False
        local = now.astimezone(self.config.centre.tz)
        if not due(local, self.config.backup.time, self.newest()):
            return False
        self._thread = threading.Thread(
            target=self._run, args=(local,), name="nightly-backup", daemon=True
        )
        self._thread.start()
        return True

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self, now: datetime) -> None:
        try:
            path = make_backup(self.config, now=now, nightly=True)
        except BackupError as exc:
            self.error = str(exc)
            log.error("nightly backup failed: %s", exc)
            return
        if path is not None:
            self.last = path
            self.error = None
            log.info("nightly backup written: %s", path)


class Refused(BackupError):
    """A restore that would make things worse; ``--force`` does it anyway."""


def _expected_tables(version: int) -> set[str]:
    """The tables a database of schema ``version`` has (made by the migrations)."""
    from counter_api.store.migrations import MIGRATIONS

    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        db = sqlite_utils.Database(conn, execute_plugins=False)
        for step in MIGRATIONS[:version]:
            step(db)
        return set(db.table_names())
    finally:
        conn.close()


def _current_day(target: Path, tz) -> tuple[str, dict[str, int], int, str] | None:
    """Of the database about to be replaced: (business day, its last number per
    service, its highest ticket id, its last ticket's code and time); None without
    one. ``BackupError`` when it cannot be read."""
    if not target.exists() or target.stat().st_size == 0:
        return None
    try:
        conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True, timeout=30)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'business_date'").fetchone()
            day = row[0] if row else None
            if day is None:
                return None
            numbers = dict(
                conn.execute(
                    "SELECT original_service, MAX(number) FROM tickets WHERE business_date = ? "
                    "GROUP BY original_service",
                    (day,),
                ).fetchall()
            )
            top = conn.execute("SELECT COALESCE(MAX(id), 0) FROM tickets").fetchone()[0]
            last = conn.execute(
                "SELECT code, issued_at FROM tickets WHERE business_date = ? "
                "ORDER BY issued_at DESC, id DESC LIMIT 1",
                (day,),
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise Refused(
            f"the current database {target} cannot be read ({exc}); start the server instead: "
            "it recovers a damaged database by itself (from the newest backup and what is "
            "still readable)"
        ) from None
    if last is None:
        return None
    at = datetime.fromtimestamp(last[1], tz).strftime("%H:%M")
    return day, numbers, top, f"{last[0]} at {at}"


def _check_backup(copy: Path, current: tuple | None, force: bool) -> list[str]:
    """Refuse a backup that would make things worse; returns warnings for --force."""
    from counter_api.store.migrations import MIGRATIONS

    check_integrity(copy)
    conn = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise BackupError(
                f"{copy.name}: schema version {version} is newer than this Sothutu knows "
                f"({len(MIGRATIONS)}); upgrade Sothutu first"
            )
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        missing = sorted(_expected_tables(version) - tables)
        if missing:
            raise BackupError(f"tables missing from the backup: {', '.join(missing)}")
        tickets = conn.execute("SELECT COUNT(*), MAX(issued_at) FROM tickets").fetchone()
        days = dict(
            conn.execute(
                "SELECT original_service, MAX(number) FROM tickets WHERE business_date = ? "
                "GROUP BY original_service",
                (current[0] if current else "",),
            ).fetchall()
        )
    finally:
        conn.close()
    problems = []
    if tickets[0] == 0:
        problems.append("the backup holds no tickets at all (an empty database)")
    if current is not None:
        day, numbers, _top, last = current
        behind = [s for s, n in numbers.items() if days.get(s, 0) < n]
        if behind:
            problems.append(
                f"the backup is older than today's last ticket ({last} on {day}): restoring "
                "it would issue today's codes again"
            )
    if problems and not force:
        raise Refused("; ".join(problems) + "; --force restores it anyway")
    return problems


def restore(
    config: Config, backup: Path, *, now: datetime | None = None, force: bool = False
) -> tuple[Path | None, list[str]]:
    """Put ``backup`` in place of the database (server stopped); returns where the
    previous database was kept (None when there was none) and what ``force`` overrode.

    The backup is copied first and only the copy is opened and checked, so nothing
    is ever written beside the backup. Refused (``Refused``; ``force`` overrides):
    a backup with no tickets, and one older than the current database's last ticket
    of its day. Always refused: a damaged backup, a newer schema, missing tables.
    With ``force``, today's numbering and the ticket ids still go on after the
    current database's, so no code of the day is issued twice."""
    target = config.database_path
    target.parent.mkdir(parents=True, exist_ok=True)
    if not backup.is_file():
        raise BackupError(f"{backup}: no such file")
    current = _current_day(target, config.centre.tz)
    part = target.with_name(target.name + ".restoring")
    for p in (part, *(part.with_name(part.name + s) for s in ("-wal", "-shm", "-journal"))):
        p.unlink(missing_ok=True)
    try:
        shutil.copyfile(backup, part)
        wal = backup.with_name(backup.name + "-wal")
        if wal.exists():  # a live database's copy: its WAL holds the newest commits
            shutil.copyfile(wal, part.with_name(part.name + "-wal"))
        warnings = _check_backup(part, current, force)
        conn = sqlite3.connect(part, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = DELETE")  # folds a WAL in; one file
            if current is not None:
                _carry_numbering(conn, current)
            # logins of the backup's time (some logged out since) do not come back
            if conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sessions'"
            ).fetchone():
                conn.execute("DELETE FROM sessions")
        finally:
            conn.close()
        check_integrity(part)
        fsync(part)
    except BaseException:
        for p in (part, *(part.with_name(part.name + s) for s in ("-wal", "-shm"))):
            p.unlink(missing_ok=True)
        raise
    stamp = f"{(now or datetime.now()):%Y%m%d-%H%M%S}"
    kept = None
    if target.exists():
        kept = target.with_name(f"{target.name}.before-restore-{stamp}")
        os.replace(target, kept)
        for suffix in ("-wal", "-shm"):
            side = target.with_name(target.name + suffix)
            if side.exists():
                os.replace(side, kept.with_name(kept.name + suffix))
    os.replace(part, target)
    fsync(target.parent)
    return kept, warnings


def _carry_numbering(conn: sqlite3.Connection, current: tuple) -> None:
    """The replaced database's day goes on in the restored one: numbers after its
    last ones (a number floor), ticket ids after its highest."""
    day, numbers, top, _last = current
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.execute("BEGIN IMMEDIATE")
    if "number_floors" in tables:
        for service, number in numbers.items():
            conn.execute(
                "INSERT INTO number_floors (business_date, service, number) VALUES (?, ?, ?) "
                "ON CONFLICT (business_date, service) DO UPDATE SET number = MAX(number, "
                "excluded.number)",
                (day, service, number),
            )
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'tickets'").fetchone()
    if row is None:
        conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('tickets', ?)", (top,))
    elif row[0] < top:
        conn.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'tickets'", (top,))
    conn.execute("COMMIT")
