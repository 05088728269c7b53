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
- ``users``, ``sessions``, ``login_failures``: logins for the pages.
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


#: Index i holds the migration that brings the schema to version i + 1.
MIGRATIONS: list[Callable[[psycopg.Connection], None]] = [_v1]

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
