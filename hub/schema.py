"""The hub's schema as numbered migrations; ``hub_schema`` records the last one applied.

``migrate`` is idempotent and safe to run from several hub processes at once
(an advisory lock serialises them). Never edit a released migration; append.

Tables:

- ``centres``: one row per registered centre, its token's hash, its last health
  snapshot and setup (fields, counters, timezone), the last row it pushed;
- ``rows``: every row a centre pushed, stored once per (centre, seq), partitioned
  by month of ``day`` (the ticket's business date, or the row's own for counter
  rows) so a report of a period reads only its months;
- ``tickets``: each recent ticket's state folded from its rows (a finished ticket is
  dropped two days after its day; an open one when its end arrives), from which
  ingest keeps the rollups;
- ``daily``: per (centre, day, field) counts, waiting times and ratings, kept by
  ingest: the overview and province reports read these, never raw rows;
- ``centre_day``: per (centre, day) totals with the day's mean and 90th-percentile
  wait, for the overview;
- ``users``, ``sessions``, ``login_failures``: logins for the pages;
- ``bookings``: numbers booked ahead (one row per booking, kept for the reports; the
  name and phone are erased the day after the slot, the CCCD is only ever an HMAC and
  goes too after ``PERSON_DAYS``); ``booking_feed``: each centre's change counter,
  which numbers the bookings and cancellations sent back to it; ``procedures``: the
  catalogue each centre pushes (the booking page's procedure choice and checklist);
  ``rate_counts``: requests per address and minute or hour, for the booking limits.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg

V1 = """
CREATE TABLE centres (
    id text PRIMARY KEY,
    name text NOT NULL,
    district text NOT NULL DEFAULT '',
    token_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen timestamptz,
    acked bigint NOT NULL DEFAULT 0,
    version text NOT NULL DEFAULT '',
    health jsonb NOT NULL DEFAULT '{}',
    setup jsonb NOT NULL DEFAULT '{}',
    clock_offset_s double precision
);

CREATE TABLE rows (
    centre_id text NOT NULL,
    day date NOT NULL,
    seq bigint NOT NULL,
    business_date date NOT NULL,
    at timestamptz NOT NULL,
    action text NOT NULL,
    ticket_id bigint,
    code text,
    service text,
    counter integer,
    calls integer,
    priority boolean,
    procedure text,
    score smallint,
    PRIMARY KEY (centre_id, day, seq)
) PARTITION BY RANGE (day);

CREATE TABLE tickets (
    centre_id text NOT NULL,
    ticket_id bigint NOT NULL,
    day date NOT NULL,
    original_service text NOT NULL,
    service text NOT NULL,
    status text NOT NULL,
    counter integer,
    calls integer NOT NULL DEFAULT 0,
    priority boolean NOT NULL DEFAULT false,
    issued_at double precision NOT NULL,
    first_called_at double precision,
    called_at double precision,
    finished_at double precision,
    touched_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (centre_id, ticket_id)
);
CREATE INDEX tickets_day ON tickets (day);

CREATE TABLE daily (
    centre_id text NOT NULL,
    day date NOT NULL,
    service text NOT NULL,
    issued integer NOT NULL DEFAULT 0,
    called integer NOT NULL DEFAULT 0,
    served integer NOT NULL DEFAULT 0,
    no_show integer NOT NULL DEFAULT 0,
    expired integer NOT NULL DEFAULT 0,
    waits double precision[] NOT NULL DEFAULT '{}',
    served_waits double precision[] NOT NULL DEFAULT '{}',
    ratings integer[] NOT NULL DEFAULT '{0,0,0,0,0}',
    PRIMARY KEY (centre_id, day, service)
);
CREATE INDEX daily_day ON daily (day);

CREATE TABLE centre_day (
    centre_id text NOT NULL,
    day date NOT NULL,
    issued integer NOT NULL DEFAULT 0,
    served integer NOT NULL DEFAULT 0,
    waits integer NOT NULL DEFAULT 0,
    wait_avg_s double precision,
    wait_p90_s double precision,
    PRIMARY KEY (day, centre_id)
);

CREATE TABLE users (
    name text PRIMARY KEY,
    password_hash text NOT NULL,
    role text NOT NULL CHECK (role IN ('province', 'centre')),
    centre_id text REFERENCES centres (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'centre') = (centre_id IS NOT NULL))
);

CREATE TABLE sessions (
    token_hash text PRIMARY KEY,
    user_name text NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    csrf text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE login_failures (
    address text NOT NULL,
    at timestamptz NOT NULL
);
CREATE INDEX login_failures_address ON login_failures (address, at);
"""


def _v1(conn: psycopg.Connection) -> None:
    conn.execute(V1)


V2 = """
ALTER TABLE centres
    ADD COLUMN booking_key text,
    ADD COLUMN booking jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN catalogue_digest text NOT NULL DEFAULT '';

CREATE TABLE booking_feed (
    centre_id text PRIMARY KEY REFERENCES centres (id) ON DELETE CASCADE,
    seq bigint NOT NULL DEFAULT 0
);

CREATE TABLE bookings (
    code text PRIMARY KEY,
    centre_id text NOT NULL REFERENCES centres (id) ON DELETE CASCADE,
    service text NOT NULL,
    procedure text,
    procedure_name text,
    day date NOT NULL,
    start_min smallint NOT NULL,
    end_min smallint NOT NULL,
    status text NOT NULL
        CHECK (status IN ('booked', 'cancelled', 'checked_in', 'late', 'no_show')),
    person bytea,
    name text,
    phone text,
    seq bigint NOT NULL,
    created_at timestamptz NOT NULL,
    changed_at timestamptz NOT NULL,
    arrived_at timestamptz,
    ticket_code text,
    UNIQUE (centre_id, seq)
);
CREATE INDEX bookings_slot ON bookings (centre_id, day, service, start_min)
    WHERE status <> 'cancelled';
CREATE INDEX bookings_person ON bookings (person, day) WHERE person IS NOT NULL;
CREATE INDEX bookings_day ON bookings (day, status);

CREATE TABLE procedures (
    centre_id text NOT NULL REFERENCES centres (id) ON DELETE CASCADE,
    code text NOT NULL,
    position integer NOT NULL,
    service text NOT NULL,
    name text NOT NULL,
    data jsonb NOT NULL,
    PRIMARY KEY (centre_id, code)
);

CREATE TABLE rate_counts (
    address text NOT NULL,
    kind text NOT NULL,
    window_start timestamptz NOT NULL,
    n integer NOT NULL,
    PRIMARY KEY (address, kind, window_start)
);
CREATE INDEX rate_counts_window ON rate_counts (window_start);

ALTER TABLE daily
    ADD COLUMN booked integer NOT NULL DEFAULT 0,
    ADD COLUMN late integer NOT NULL DEFAULT 0,
    ADD COLUMN arrival_sum_s double precision NOT NULL DEFAULT 0;
ALTER TABLE rows
    ADD COLUMN booking text,
    ADD COLUMN slot_start double precision,
    ADD COLUMN slot_end double precision,
    ADD COLUMN booking_late boolean;
ALTER TABLE tickets
    ADD COLUMN booking text,
    ADD COLUMN slot_start double precision,
    ADD COLUMN booking_late boolean NOT NULL DEFAULT false;
"""


def _v2(conn: psycopg.Connection) -> None:
    """Booking ahead: every centre gets its booking key (shown by ``centre key``)."""
    from sothutu.booking import new_key

    conn.execute(V2)
    for (centre,) in conn.execute("SELECT id FROM centres").fetchall():
        conn.execute("UPDATE centres SET booking_key = %s WHERE id = %s", (new_key(), centre))
        conn.execute("INSERT INTO booking_feed (centre_id) VALUES (%s)", (centre,))
    conn.execute("ALTER TABLE centres ALTER COLUMN booking_key SET NOT NULL")


#: Index i holds the migration that brings the schema to version i + 1.
MIGRATIONS: list[Callable[[psycopg.Connection], None]] = [_v1, _v2]

_LOCK = 0x50746875  # advisory lock id for migrations and partition creation


def version(conn: psycopg.Connection) -> int:
    conn.execute("CREATE TABLE IF NOT EXISTS hub_schema (version integer NOT NULL)")
    row = conn.execute("SELECT max(version) FROM hub_schema").fetchone()
    return row[0] or 0 if row else 0


def migrate(conn: psycopg.Connection) -> tuple[int, int]:
    """Bring the schema up to date; returns (version before, version after)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
        before = version(conn)
        newest = len(MIGRATIONS)
        if before > newest:
            raise RuntimeError(
                f"the database's schema version {before} is newer than this hub knows "
                f"({newest}); upgrade the hub"
            )
        for v in range(before + 1, newest + 1):
            MIGRATIONS[v - 1](conn)
            conn.execute("INSERT INTO hub_schema (version) VALUES (%s)", (v,))
    return before, newest
