"""A damaged database found at start: kept aside, said, and recovered.

At start (``open_store``, before the server opens the database) the file is
checked: ``PRAGMA quick_check`` must say ok. A file that fails it, that is not
an SQLite database, or that is empty or missing while backups exist (a
database with tickets existed: this is damage, not a new install) is

1. moved aside with its ``-wal`` and ``-shm`` as ``queue.db.damaged-YYYYMMDD-HHMMSS``;
2. replaced by the newest backup that passes its integrity check (or by a new
   database when there is none);
3. completed with every row still readable in the damaged file (and its WAL):
   Debian's ``sqlite3 .recover`` when that build has it, else row by row through
   the readable parts of each table (a scribbled header magic and a truncated
   file are mended on a scratch copy first). Rows of the damaged file win over
   the backup's (they are newer);
4. made safe to go on with: the day's numbering continues after the highest
   number seen in any readable row (tickets, their log, their events) or in the
   high-water marks the server keeps beside the database
   (``counter_api.store.highwater``), stored as a number floor; id sequences
   jump ``ID_MARGIN`` past anything seen, so no ticket id, event id or hub row
   number lost in the damage is used again;
5. checked (``PRAGMA integrity_check``) and put in place atomically.

What happened is kept in ``meta`` (``storage_recovery``) until the admin page
acknowledges it: the log, ``/api/v1/health``, the admin page and the clerks'
consoles say it in one line.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from counter_api.backup import BackupError, backups, check_integrity, copy_database
from counter_api.store import Store, StoreError, highwater
from counter_api.store.migrations import migrate
from sothutu.config import Config
from sothutu.files import fsync

log = logging.getLogger(__name__)

#: The meta key that holds the last recovery until it is acknowledged.
META_KEY = "storage_recovery"
#: Id sequences jump this far past the highest id seen after a recovery.
ID_MARGIN = 1000
#: Tables whose rows only ever get added: a row of the damaged file never replaces one.
APPEND_ONLY = ("ticket_log", "events", "uplink_outbox")
#: Rebuilt from the tickets after the merge, never copied.
DERIVED = ("queue_counts",)
SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass
class Recovery:
    """What a recovery did (kept in meta as JSON, shown by health and the admin page)."""

    at: str
    reason: str
    kept: str | None = None
    backup: str | None = None
    salvaged: dict[str, int] = field(default_factory=dict)
    floors: dict[str, int] = field(default_factory=dict)
    business_date: str | None = None
    method: str = ""

    def line(self) -> str:
        """The one line the log says."""
        source = f"the backup {self.backup}" if self.backup else "no backup (a new database)"
        rows = sum(self.salvaged.values())
        kept = f"; the damaged file is kept as {self.kept}" if self.kept else ""
        floors = ", ".join(f"{s} after {n}" for s, n in sorted(self.floors.items()))
        numbering = f"; numbering of {self.business_date} goes on: {floors}" if floors else ""
        return (
            f"DATABASE DAMAGED ({self.reason}): recovered from {source} and {rows} rows "
            f"still readable in the damaged file{kept}{numbering}"
        )


def damage(path: Path, backup_dir: Path) -> str | None:
    """Why the database at ``path`` cannot be used as it is, or None when it can (a
    sound file, or no file and no backup: a new install)."""
    has_backups = bool(backups(backup_dir))
    if not path.exists():
        return "the database file is missing though backups exist" if has_backups else None
    if path.stat().st_size == 0:
        wal = path.with_name(path.name + "-wal")
        if has_backups or (wal.exists() and wal.stat().st_size > 0):
            return "the database file is empty (0 bytes) though a database existed"
        return None
    try:
        conn = sqlite3.connect(path, timeout=30)
    except sqlite3.Error as exc:
        return f"cannot open: {exc}"
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        if _disk_full(exc, path):
            raise StoreError(disk_full_message(path)) from None
        return str(exc)
    finally:
        conn.close()
    if rows != [("ok",)]:
        return "quick_check: " + "; ".join(str(r[0]) for r in rows[:3])
    if has_backups and "tickets" not in tables:
        return "the database file holds no Sothutu tables though backups exist"
    return None


def _disk_full(exc: BaseException, path: Path) -> bool:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    text = str(exc).lower()
    if "disk is full" in text:
        return True
    if "disk i/o error" in text or "unable to open" in text:
        return free_bytes(path) < 256 * 1024
    return False


def explain(exc: BaseException, path: Path) -> str:
    """An error of the database at ``path`` in one line: "disk full" when it is that."""
    return disk_full_message(path) if _disk_full(exc, path) else str(exc)


def free_bytes(path: Path) -> int:
    """Bytes free for us on the file system of ``path`` (its folder)."""
    folder = path if path.is_dir() else path.parent
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return 1 << 62


def disk_full_message(path: Path) -> str:
    return (
        f"disk full: {free_bytes(path)} bytes free on the file system of {path.parent}; "
        "free some space (old files, logs) or move the database ([server] database)"
    )


#: Below this much free space the server does not start (it could not write for long).
MIN_FREE = 1 << 20


def open_store(config: Config, now: datetime) -> tuple[Store, Recovery | None]:
    """Check the database, recover it when damaged, then open it. ``StoreError`` says
    "disk full" when the file system has less than ``MIN_FREE`` bytes free."""
    path = config.database_path
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
    if path.parent.is_dir() and free_bytes(path) < MIN_FREE:
        raise StoreError(disk_full_message(path))
    try:
        reason = damage(path, config.backup_dir)
    except OSError as exc:
        raise StoreError(f"{path}: {exc.strerror or exc}") from None
    recovery = None
    if reason is not None:
        log.error("%s: DATABASE DAMAGED (%s); recovering", path, reason)
        try:
            recovery = recover(config, reason, now)
        except OSError as exc:
            if _disk_full(exc, path):
                raise StoreError(disk_full_message(path)) from None
            raise StoreError(f"recovering {path} failed: {exc.strerror or exc}") from None
        except sqlite3.Error as exc:
            if _disk_full(exc, path):
                raise StoreError(disk_full_message(path)) from None
            raise StoreError(f"recovering {path} failed: {exc}") from None
        log.error("%s", recovery.line())
    try:
        return Store(path), recovery
    except StoreError as exc:
        if _disk_full(exc, path):
            raise StoreError(disk_full_message(path)) from None
        raise


def _sides(path: Path) -> list[Path]:
    return [path.with_name(path.name + s) for s in ("-wal", "-shm")]


def _move_aside(path: Path, stamp: str) -> Path | None:
    """Rename the damaged file and its -wal/-shm to ``*.damaged-STAMP``; the kept name."""
    kept = path.with_name(f"{path.name}.damaged-{stamp}")
    moved = None
    if path.exists():
        os.replace(path, kept)
        moved = kept
    for side, suffix in zip(_sides(path), ("-wal", "-shm"), strict=True):
        if side.exists():
            os.replace(side, kept.with_name(kept.name + suffix))
            moved = kept
    return moved


def _newest_good_backup(folder: Path) -> Path | None:
    for candidate in reversed(backups(folder)):
        try:
            check_integrity(candidate)
        except BackupError as exc:
            log.error("backup %s not used: %s", candidate, exc)
            continue
        return candidate
    return None


def recover(config: Config, reason: str, now: datetime) -> Recovery:
    """Keep the damaged database aside and put a recovered one in its place."""
    path = config.database_path
    stamp = f"{now:%Y%m%d-%H%M%S}"
    kept = _move_aside(path, stamp)
    result = Recovery(at=now.isoformat(timespec="seconds"), reason=reason)
    result.kept = str(kept) if kept else None
    fresh = path.with_name(path.name + ".recovering")
    for p in (fresh, *_sides(fresh)):
        p.unlink(missing_ok=True)
    backup = _newest_good_backup(config.backup_dir)
    if backup is not None:
        copy_database(backup, fresh)
        result.backup = str(backup)
    conn = sqlite3.connect(fresh, isolation_level=None)
    try:
        import sqlite_utils

        migrate(sqlite_utils.Database(conn, execute_plugins=False))
        if kept is not None and kept.exists() and kept.stat().st_size + _wal_size(kept) > 0:
            _salvage(kept, conn, result, backup)
        _make_safe(conn, result, highwater.read(highwater.path_for(path)))
        _put_meta(conn, META_KEY, json.dumps(asdict(result), ensure_ascii=False))
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        if rows != [("ok",)]:
            raise StoreError(f"the recovered database fails its check: {rows[:3]}")
        conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        conn.close()
    fsync(fresh)
    os.replace(fresh, path)
    fsync(path.parent)
    return result


def _wal_size(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


# --- reading what is left of the damaged file ---------------------------------------


def _mended_copy(kept: Path) -> Path:
    """A scratch copy of the damaged file (and its WAL) that SQLite can open: the header's
    magic written back, the page count set to the file's, the size a whole number of
    pages. The damaged file itself is never written."""
    scratch = kept.with_name(kept.name + ".scratch")
    for p in (scratch, *_sides(scratch)):
        p.unlink(missing_ok=True)
    data = bytearray(kept.read_bytes())
    if len(data) >= 100:
        if data[:16] != SQLITE_MAGIC:
            data[:16] = SQLITE_MAGIC
        size = int.from_bytes(data[16:18], "big")
        page = 65536 if size == 1 else size
        if page < 512 or page > 65536 or page & (page - 1):
            page = 4096
            data[16:18] = page.to_bytes(2, "big")
        pages = -(-len(data) // page)
        data += bytes(pages * page - len(data))
        data[28:32] = pages.to_bytes(4, "big")
    scratch.write_bytes(bytes(data))
    wal = kept.with_name(kept.name + "-wal")
    if wal.exists():
        shutil.copyfile(wal, scratch.with_name(scratch.name + "-wal"))
    return scratch


def _schema_readable(path: Path) -> bool:
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            conn.execute("SELECT name, rootpage, sql FROM sqlite_master").fetchall()
            rows = conn.execute("SELECT id, business_date, code FROM tickets LIMIT 20").fetchall()
    except sqlite3.DatabaseError:
        return False
    day = re.compile(r"\d{4}-\d\d-\d\d")
    return all(
        isinstance(i, int) and isinstance(d, str) and day.fullmatch(d) and isinstance(c, str)
        for i, d, c in rows
    )


def _transplant_schema(scratch: Path, backup: Path) -> bool:
    """Write the backup's schema pages into ``scratch`` when its own are unreadable.

    A backup is a page-for-page copy of the database, so at the same schema version
    (``user_version``) its schema table lies on the same pages and names the same
    root pages. Kept only when the tables then read as Sothutu's do."""
    data = bytearray(scratch.read_bytes())
    original = bytes(data)
    theirs = backup.read_bytes()
    size = int.from_bytes(data[16:18], "big")
    if len(theirs) < 100 or theirs[16:18] != data[16:18] or theirs[60:64] != data[60:64]:
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as conn:
            pages = [
                r[0]
                for r in conn.execute(
                    "SELECT DISTINCT pageno FROM dbstat WHERE name IN ('sqlite_schema', "
                    "'sqlite_master')"
                )
            ]
    except sqlite3.DatabaseError as exc:
        log.info("the backup's schema pages are not known: %s", exc)
        return False
    for n in pages:
        start = (n - 1) * size + (100 if n == 1 else 0)  # page 1: keep the file's header
        end = n * size
        if end > len(data):
            data += bytes(end - len(data))
        data[start:end] = theirs[start:end]
    scratch.write_bytes(bytes(data))
    if _schema_readable(scratch):
        log.info("the damaged file's schema was unreadable: read it with the backup's")
        return True
    scratch.write_bytes(original)
    return False


def _salvage(
    kept: Path, conn: sqlite3.Connection, result: Recovery, backup: Path | None = None
) -> None:
    """Copy into ``conn`` what is readable of the damaged file's tables."""
    scratch = _mended_copy(kept)
    if backup is not None and not _schema_readable(scratch):
        _transplant_schema(scratch, backup)
    try:
        source = _recover_with_cli(scratch)
        result.method = "sqlite3 .recover" if source is not None else "row by row"
        if source is None:
            source = scratch
        _merge(conn, source, result)
    finally:
        for p in (scratch, *_sides(scratch), scratch.with_name(scratch.name + ".recovered")):
            with contextlib.suppress(OSError):
                p.unlink()


def _recover_with_cli(scratch: Path) -> Path | None:
    """The rows of ``scratch`` through Debian's ``sqlite3 .recover`` into a new file, or
    None when the tool is missing or cannot (Debian builds SQLite without the
    ``sqlite_dbpage`` table .recover needs; then the row-by-row salvage runs)."""
    tool = shutil.which("sqlite3")
    if tool is None:
        return None
    out = scratch.with_name(scratch.name + ".recovered")
    out.unlink(missing_ok=True)
    try:
        dump = subprocess.run(
            [tool, str(scratch), ".recover"], capture_output=True, timeout=600, check=False
        )
        if dump.returncode != 0 or b"sql error" in dump.stderr:
            log.info("sqlite3 .recover cannot: %s", dump.stderr.decode(errors="replace")[:200])
            return None
        load = subprocess.run(
            [tool, str(out)], input=dump.stdout, capture_output=True, timeout=600, check=False
        )
        if load.returncode != 0:
            log.warning("loading .recover's output: %s", load.stderr.decode(errors="replace")[:200])
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("sqlite3 .recover failed: %s", exc)
        return None
    return out if out.exists() else None


def _readable_rows(src: sqlite3.Connection, table: str, cols: list[str]) -> list[tuple]:
    """Every row of ``table`` SQLite can still reach, in rowid order: a range the damage
    makes unreadable is stepped over (probing further and further ahead)."""
    names = ", ".join(f'"{c}"' for c in cols)
    try:
        return src.execute(f'SELECT {names} FROM "{table}"').fetchall()  # all readable
    except sqlite3.DatabaseError:
        pass
    try:
        src.execute(f'SELECT rowid FROM "{table}" LIMIT 0').fetchall()
    except sqlite3.DatabaseError:
        return []  # WITHOUT ROWID and damaged: nothing by rowid
    out: list[tuple] = []
    last, step = -(1 << 62), 1
    while True:
        try:
            got = src.execute(
                f'SELECT rowid, {names} FROM "{table}" WHERE rowid > ? ORDER BY rowid LIMIT 500',
                (last,),
            ).fetchall()
        except sqlite3.DatabaseError:
            if last < 0:
                last = 0
            probe = last + step
            step *= 2
            if step > 1 << 40:
                return out
            with contextlib.suppress(sqlite3.DatabaseError):
                src.execute(
                    f'SELECT rowid FROM "{table}" WHERE rowid > ? ORDER BY rowid LIMIT 1', (probe,)
                ).fetchall()
                last, step = probe, 1
            continue
        if not got:
            return out
        out.extend(r[1:] for r in got)
        last, step = got[-1][0], 1


def _columns(conn: sqlite3.Connection, table: str, schema: str = "main") -> list[str]:
    return [r[1] for r in conn.execute(f'PRAGMA "{schema}".table_info("{table}")').fetchall()]


def _merge(conn: sqlite3.Connection, source: Path, result: Recovery) -> None:
    """Rows of ``source`` into ``conn``: newer rows replace the backup's, log rows are
    added; triggers are off meanwhile (derived tables are rebuilt afterwards)."""
    try:
        src = sqlite3.connect(source, timeout=30)
        src_tables = {
            r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    except sqlite3.DatabaseError as exc:
        log.error("nothing readable in the damaged file: %s", exc)
        return
    try:
        triggers = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL"
        ).fetchall()
        sequences = _sequences(src)
        conn.execute("BEGIN IMMEDIATE")
        for name, _ in triggers:
            conn.execute(f'DROP TRIGGER "{name}"')
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in tables:
            if table not in src_tables or table in DERIVED:
                continue
            try:
                cols = [c for c in _columns(conn, table) if c in set(_columns(src, table))]
            except sqlite3.DatabaseError:
                continue
            if not cols:
                continue
            rows = _readable_rows(src, table, cols)
            verb = "INSERT OR IGNORE" if table in APPEND_ONLY else "INSERT OR REPLACE"
            if table == "meta":
                rows = _merged_meta(conn, rows, cols)
            marks = ", ".join("?" for _ in cols)
            names = ", ".join(f'"{c}"' for c in cols)
            before = conn.total_changes
            conn.executemany(f'{verb} INTO "{table}" ({names}) VALUES ({marks})', rows)
            result.salvaged[table] = conn.total_changes - before
        for table, seq in sequences.items():
            _raise_sequence(conn, table, seq)
        for _, sql in triggers:
            conn.execute(sql)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        src.close()


def _merged_meta(conn: sqlite3.Connection, rows: list[tuple], cols: list[str]) -> list[tuple]:
    """The damaged file's meta rows, except that the business day never goes back."""
    if cols != ["key", "value"]:
        return rows
    mine = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    out = []
    for key, value in rows:
        if key == "business_date" and mine.get(key) and str(mine[key]) > str(value):
            continue
        if key == META_KEY:
            continue
        out.append((key, value))
    return out


def _sequences(src: sqlite3.Connection) -> dict[str, int]:
    try:
        return dict(src.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    except sqlite3.DatabaseError:
        return {}


def _raise_sequence(conn: sqlite3.Connection, table: str, seq: int) -> None:
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).fetchone()
    if row is None:
        conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, seq))
    elif row[0] < seq:
        conn.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (seq, table))


def _put_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


# --- going on safely -------------------------------------------------------------------

_NUMBER = re.compile(r"(\d+)$")


def _make_safe(conn: sqlite3.Connection, result: Recovery, marks: highwater.Marks) -> None:
    """Derived tables rebuilt, counters consistent, numbering and ids past all seen
    (the rows and the server's high-water ``marks``)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Logins: a session logged out after the backup would live again; everyone
        # logs in anew instead.
        if conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sessions'"
        ).fetchone():
            conn.execute("DELETE FROM sessions")
        conn.execute("DELETE FROM queue_counts")
        conn.execute(
            "INSERT INTO queue_counts (business_date, service, priority, waiting) "
            "SELECT business_date, service, priority, COUNT(*) FROM tickets "
            "WHERE status = 'waiting' GROUP BY business_date, service, priority"
        )
        conn.execute(
            "UPDATE counters SET current_ticket = NULL WHERE current_ticket IS NOT NULL AND "
            "NOT EXISTS (SELECT 1 FROM tickets t WHERE t.id = current_ticket "
            "AND t.status = 'called' AND t.counter = counters.number)"
        )
        day = _last_day(conn)
        if day is not None:
            _put_meta(conn, "business_date", day)
        # The marks the server kept beside the database are never below what it issued
        # (their day may be after every row left: a file lost whole since last night).
        if marks.business_date and (day is None or marks.business_date >= day):
            day = marks.business_date
        result.business_date = day
        if day is not None:
            result.floors = _floors(conn, day)
            if marks.business_date == day:
                for service, number in marks.numbers.items():
                    result.floors[service] = max(result.floors.get(service, 0), number)
            for service, number in result.floors.items():
                conn.execute(
                    "INSERT INTO number_floors (business_date, service, number) VALUES (?, ?, ?) "
                    "ON CONFLICT (business_date, service) "
                    "DO UPDATE SET number = MAX(number, excluded.number)",
                    (day, service, number),
                )
        for table, column in _autoincrement(conn):
            seen = conn.execute(f'SELECT MAX("{column}") FROM "{table}"').fetchone()[0] or 0
            if table == "tickets":
                seen = max(seen, marks.ticket_id)
            row = conn.execute(
                "SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)
            ).fetchone()
            _raise_sequence(conn, table, max(seen, row[0] if row else 0) + ID_MARGIN)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _autoincrement(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    out = []
    for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"):
        m = re.search(r"(\w+) INTEGER PRIMARY KEY AUTOINCREMENT", sql or "", re.I)
        if m:
            out.append((name, m.group(1)))
    return out


def _last_day(conn: sqlite3.Connection) -> str | None:
    days = [
        conn.execute("SELECT value FROM meta WHERE key = 'business_date'").fetchone(),
        conn.execute("SELECT MAX(business_date) FROM tickets").fetchone(),
        conn.execute("SELECT MAX(business_date) FROM ticket_log").fetchone(),
        conn.execute("SELECT MAX(business_date) FROM events").fetchone(),
    ]
    found = [str(d[0]) for d in days if d and d[0]]
    return max(found) if found else None


def _floors(conn: sqlite3.Connection, day: str) -> dict[str, int]:
    """The highest number seen per service on ``day``: in the tickets, in their log
    (its codes) and in their ``ticket.issued`` events."""
    floors: dict[str, int] = {}

    def see(service: Any, number: Any) -> None:
        if isinstance(service, str) and isinstance(number, int) and number > 0:
            floors[service] = max(floors.get(service, 0), number)

    for service, number in conn.execute(
        "SELECT original_service, MAX(number) FROM tickets WHERE business_date = ? "
        "GROUP BY original_service",
        (day,),
    ):
        see(service, number)
    for service, code in conn.execute(
        "SELECT service, code FROM ticket_log WHERE business_date = ? AND action = 'issued'",
        (day,),
    ):
        m = _NUMBER.search(code or "")
        if m:
            see(service, int(m.group(1)))
    for (data,) in conn.execute(
        "SELECT data FROM events WHERE business_date = ? AND type = 'ticket.issued'", (day,)
    ):
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            ticket = json.loads(data)["ticket"]
            see(ticket.get("service"), ticket.get("number"))
    return floors


# --- what the server says about it --------------------------------------------------------


def pending(store: Store) -> dict[str, Any] | None:
    """The recovery not yet acknowledged, or None."""
    with store.read() as db:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (META_KEY,)).fetchone()
    if not row:
        return None
    try:
        data = json.loads(row[0])
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def acknowledge(store: Store) -> None:
    """The admin has seen it: the warnings end."""
    with store.write() as tx:
        tx.execute("DELETE FROM meta WHERE key = ?", (META_KEY,))


def storage_status(store: Store) -> dict[str, Any]:
    """What health says of the database: ``{"status": "ok"}``, or ``recovered`` with
    when and one line of what was done (file names only, no folders)."""
    found = pending(store)
    if found is None:
        return {"status": "ok"}
    backup = Path(found["backup"]).name if found.get("backup") else None
    rows = sum(found.get("salvaged", {}).values())
    source = f"backup {backup}" if backup else "no backup (a new database)"
    floors = found.get("floors") or {}
    numbering = (
        "; numbering goes on after " + ", ".join(f"{s} {n}" for s, n in sorted(floors.items()))
        if floors
        else ""
    )
    return {
        "status": "recovered",
        "at": found.get("at", ""),
        "message": f"the database was damaged at start ({found.get('reason', '?')}); recovered "
        f"from {source} and {rows} readable rows of the damaged file{numbering}; the admin "
        "page has the details",
    }
