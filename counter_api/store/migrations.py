"""Numbered schema migrations; ``PRAGMA user_version`` records the last one applied.

A database made by any older version opens and upgrades in place: each
migration runs in its own transaction and bumps the version with it. Never
change what a released migration makes; append a new one (the tests check
that a fresh database and an upgraded old one have the same schema).

Tables, columns and indexes are made with sqlite-utils' table API; plain SQL
stays where that API has no word for the constraint: ``AUTOINCREMENT`` (ids
are never reused, and the event stream's resume relies on it), a ``UNIQUE``
over several columns, ``CHECK``, ``WITHOUT ROWID`` and triggers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import sqlite_utils


def _v1(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE tickets (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            business_date TEXT NOT NULL,
            service TEXT NOT NULL,
            original_service TEXT NOT NULL,
            number INTEGER NOT NULL,
            code TEXT NOT NULL,
            priority INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL,
            counter INTEGER,
            calls INTEGER NOT NULL DEFAULT 0,
            issued_at REAL NOT NULL,
            first_called_at REAL,
            called_at REAL,
            finished_at REAL,
            kiosk TEXT,
            transfers INTEGER NOT NULL DEFAULT 0,
            UNIQUE (business_date, original_service, number)
        )"""
    )
    tickets = db["tickets"]
    tickets.create_index(["business_date", "status", "service"], "tickets_queue")
    tickets.create_index(["business_date", "code"], "tickets_code")
    tickets.create_index(["status", "business_date"], "tickets_open")
    db["counters"].create(
        {"number": int, "paused": int, "reason": str, "current_ticket": int, "since": float},
        pk="number",
        not_null={"paused", "reason"},
        defaults={"paused": 0, "reason": ""},
        foreign_keys=[("current_ticket", "tickets", "id")],
    )
    db.execute(
        """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            type TEXT NOT NULL,
            data TEXT NOT NULL,
            at REAL NOT NULL,
            business_date TEXT NOT NULL
        )"""
    )
    db["events"].create_index(["business_date"], "events_day")
    # A compact, permanent history of every transition (events are pruned
    # after two days; reports need every day).
    db.execute(
        """
        CREATE TABLE ticket_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at REAL NOT NULL,
            business_date TEXT NOT NULL,
            action TEXT NOT NULL,
            ticket_id INTEGER,
            code TEXT,
            service TEXT,
            counter INTEGER,
            calls INTEGER
        )"""
    )
    db["ticket_log"].create_index(["business_date", "action"], "ticket_log_day")
    db["kiosks"].create(
        {"name": str, "printer": str, "message": str, "at": float},
        pk="name",
        not_null={"printer", "message", "at"},
        defaults={"message": ""},
    )
    db["meta"].create({"key": str, "value": str}, pk="key", not_null={"value"})


def _v2(db: sqlite_utils.Database) -> None:
    # Places in the queue (waiting_ahead) counted from the index alone.
    db["tickets"].create_index(
        ["business_date", "service", "status", "priority", "issued_at", "id"], "tickets_order"
    )


def _procedures(db: sqlite_utils.Database) -> None:
    # The procedure catalogue, replaced whole by each import; and the procedure
    # a ticket was issued for, as it was named then.
    db["procedures"].create(
        {"code": str, "position": int, "service": str, "name": str, "data": str},
        pk="code",
        not_null={"position", "service", "name", "data"},
    )
    db["tickets"].add_column("procedure_code", str)
    db["tickets"].add_column("procedure_name", str)


def _ratings(db: sqlite_utils.Database) -> None:
    # Satisfaction ratings: at most one per ticket, with the counter that served it.
    db.execute(
        """
        CREATE TABLE ratings (
            ticket_id INTEGER PRIMARY KEY REFERENCES tickets (id),
            business_date TEXT NOT NULL,
            service TEXT NOT NULL,
            counter INTEGER NOT NULL,
            score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
            at REAL NOT NULL,
            source TEXT NOT NULL
        )"""
    )
    db["ratings"].create_index(["business_date"], "ratings_day")
    # Reports read a day's log per counter.
    db["ticket_log"].create_index(["business_date", "counter"], "ticket_log_counter")


def _queue_counts(db: sqlite_utils.Database) -> None:
    # How many wait per day, service and priority, kept by triggers in the same
    # transaction as every ticket change: /state, /services and every event read
    # a handful of rows instead of counting a long queue.
    db.execute(
        """
        CREATE TABLE queue_counts (
            business_date TEXT NOT NULL,
            service TEXT NOT NULL,
            priority INTEGER NOT NULL,
            waiting INTEGER NOT NULL,
            PRIMARY KEY (business_date, service, priority)
        ) WITHOUT ROWID"""
    )
    add = (
        "INSERT INTO queue_counts (business_date, service, priority, waiting) "
        "VALUES ({t}.business_date, {t}.service, {t}.priority, {n}) "
        "ON CONFLICT (business_date, service, priority) DO UPDATE SET waiting = waiting + {n};"
    )
    db.execute(
        "CREATE TRIGGER queue_counts_insert AFTER INSERT ON tickets "
        "WHEN NEW.status = 'waiting' BEGIN " + add.format(t="NEW", n=1) + " END"
    )
    db.execute(
        "CREATE TRIGGER queue_counts_leave AFTER UPDATE OF status, service, priority, "
        "business_date ON tickets WHEN OLD.status = 'waiting' BEGIN "
        + add.format(t="OLD", n=-1)
        + " END"
    )
    db.execute(
        "CREATE TRIGGER queue_counts_enter AFTER UPDATE OF status, service, priority, "
        "business_date ON tickets WHEN NEW.status = 'waiting' BEGIN "
        + add.format(t="NEW", n=1)
        + " END"
    )
    db.execute(
        "CREATE TRIGGER queue_counts_delete AFTER DELETE ON tickets "
        "WHEN OLD.status = 'waiting' BEGIN " + add.format(t="OLD", n=-1) + " END"
    )
    db.execute(
        "INSERT INTO queue_counts (business_date, service, priority, waiting) "
        "SELECT business_date, service, priority, COUNT(*) FROM tickets "
        "WHERE status = 'waiting' GROUP BY business_date, service, priority"
    )


def _uplink(db: sqlite_utils.Database) -> None:
    # Every row the province hub gets (ticket_log rows and ratings), numbered once in
    # commit order by triggers in the same transaction; the pusher sends them after
    # the cursor the hub acknowledged (meta hub_acked). History is numbered too.
    db.execute(
        """
        CREATE TABLE uplink_outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            ref INTEGER NOT NULL
        )"""
    )
    db.execute(
        "INSERT INTO uplink_outbox (kind, ref) SELECT kind, ref FROM ("
        "SELECT 'log' AS kind, id AS ref, at, 0 AS k FROM ticket_log "
        "UNION ALL SELECT 'rating', ticket_id, at, 1 FROM ratings) ORDER BY at, k, ref"
    )
    db.execute(
        "CREATE TRIGGER uplink_log AFTER INSERT ON ticket_log BEGIN "
        "INSERT INTO uplink_outbox (kind, ref) VALUES ('log', NEW.id); END"
    )
    db.execute(
        "CREATE TRIGGER uplink_rating AFTER INSERT ON ratings BEGIN "
        "INSERT INTO uplink_outbox (kind, ref) VALUES ('rating', NEW.ticket_id); END"
    )


def _sessions(db: sqlite_utils.Database) -> None:
    # Login sessions of the console, the admin page and the rating tablets. A cookie
    # holds a random token; the row keeps only its SHA-256 (a copied backup opens
    # nothing), the session's CSRF token, and ``binding``: an HMAC, keyed with the
    # server's secret key, of the PIN or password it was opened with, so a changed
    # PIN, password or secret key ends the session. Logging out deletes the row.
    db.execute(
        """
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('console', 'admin', 'tablet')),
            counter INTEGER,
            csrf TEXT NOT NULL,
            binding TEXT NOT NULL,
            created REAL NOT NULL,
            expires REAL,
            business_date TEXT
        ) WITHOUT ROWID"""
    )
    db["sessions"].create_index(["kind", "counter"], "sessions_kind")


def _request_ids(db: sqlite_utils.Database) -> None:
    # The first answer to each request a client marked with a request_id, kept for the
    # business day and written in the same transaction as the change it answers: a
    # client that lost the answer sends the request again and gets this one back.
    db.execute(
        """
        CREATE TABLE request_ids (
            business_date TEXT NOT NULL,
            scope TEXT NOT NULL,
            request_id TEXT NOT NULL,
            action TEXT NOT NULL,
            ticket_id INTEGER,
            answer TEXT NOT NULL,
            at REAL NOT NULL,
            PRIMARY KEY (business_date, scope, request_id)
        ) WITHOUT ROWID"""
    )


def _number_floors(db: sqlite_utils.Database) -> None:
    # The highest number a service is known to have issued on a day when its tickets
    # are not all in the table (a damaged database recovered from a backup): the next
    # number comes after it, so no code of that day is issued twice.
    db.execute(
        """
        CREATE TABLE number_floors (
            business_date TEXT NOT NULL,
            service TEXT NOT NULL,
            number INTEGER NOT NULL,
            PRIMARY KEY (business_date, service)
        ) WITHOUT ROWID"""
    )


def _bookings(db: sqlite_utils.Database) -> None:
    # Numbers booked ahead on the province hub: the bookings it sent (and ones checked in
    # from a signed QR code before they arrived), and on each ticket the booking it was
    # checked in with. A booked ticket (checked in within its window) is called after
    # priority tickets and before walk-ins, in slot order: ``booked`` and ``order_at``
    # (the slot's start, or the issue time of any other ticket) join the calling order
    # and its index.
    db.execute(
        """
        CREATE TABLE bookings (
            code TEXT PRIMARY KEY,
            service TEXT NOT NULL,
            procedure_code TEXT,
            procedure_name TEXT,
            day TEXT NOT NULL,
            slot_start REAL NOT NULL,
            slot_end REAL NOT NULL,
            status TEXT NOT NULL CHECK (status IN
                ('booked', 'cancelled', 'checked_in', 'late', 'no_show')),
            seq INTEGER,
            source TEXT NOT NULL,
            ticket_id INTEGER REFERENCES tickets (id),
            arrived_at REAL,
            changed_at REAL NOT NULL
        )"""
    )
    db["bookings"].create_index(["day", "status"], "bookings_day")
    tickets = db["tickets"]
    tickets.add_column("booking", str)
    tickets.add_column("slot_start", float)
    tickets.add_column("slot_end", float)
    tickets.add_column("booking_late", int, not_null_default=0)
    tickets.add_column("booked", int, not_null_default=0)
    tickets.add_column("order_at", float)
    db.execute("UPDATE tickets SET order_at = issued_at")
    db.execute("DROP INDEX tickets_order")
    tickets.create_index(
        ["business_date", "service", "status", "priority", "booked", "order_at", "id"],
        "tickets_order",
    )


#: Index i holds the migration that brings the schema to version i + 1.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _v1,
    _v2,
    _procedures,
    _ratings,
    _queue_counts,
    _uplink,
    _sessions,
    _request_ids,
    _number_floors,
    _bookings,
]


def schema_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite_utils.Database) -> int:
    """Bring the database up to the newest schema; returns the version."""
    current = schema_version(db)
    newest = len(MIGRATIONS)
    if current > newest:
        raise sqlite3.DatabaseError(
            f"schema version {current} is newer than this Sothutu knows ({newest}); "
            "upgrade Sothutu or restore an older backup"
        )
    for version in range(current + 1, newest + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(db) >= version:  # another process migrated meanwhile
                db.execute("COMMIT")
                continue
            MIGRATIONS[version - 1](db)
            db.execute(f"PRAGMA user_version = {version}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return newest
