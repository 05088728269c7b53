"""Run the hub under waitress; a maintenance thread prunes and prepares partitions.

Every hub process may run it: each step takes an advisory lock or is idempotent.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import timedelta
from types import FrameType
from zoneinfo import ZoneInfo

import waitress

from hub import __version__, bookings, ratelimit
from hub.config import HubConfig
from hub.db import Database, DatabaseError, month_start, next_month
from hub.web import create_app
from sothutu.clock import SystemClock

log = logging.getLogger("hub")

#: A finished ticket's folded state is dropped this many days after its business day;
#: one still open (its "expired" row has not come: the centre is offline) is kept
#: until it comes, or at most MAX_OPEN_DAYS.
TICKET_STATE_DAYS = 2
MAX_OPEN_DAYS = 60


def maintain(db: Database, clock: SystemClock, tz: ZoneInfo) -> None:
    """Partitions for this month and the next; drop stale ticket states and sessions;
    erase the personal data of bookings whose day is over (every hour: so the day
    after a slot, its name and phone are gone); forget old request counts."""
    now = clock.now()
    this = month_start(now.date())
    db.ensure_months([this, next_month(this)])
    with db.connection() as conn:
        conn.execute(
            "DELETE FROM tickets WHERE (status IN ('done', 'expired', 'no_show') AND day < %s) "
            "OR day < %s",
            (
                now.date() - timedelta(days=TICKET_STATE_DAYS),
                now.date() - timedelta(days=MAX_OPEN_DAYS),
            ),
        )
        conn.execute("DELETE FROM sessions WHERE expires_at < %s", (now,))
    bookings.forget(db, now, tz)
    ratelimit.prune(db, now)


class _Stop(KeyboardInterrupt):
    pass


def serve(config: HubConfig, host: str | None = None, port: int | None = None) -> int:
    host = host or config.server.host
    port = port if port is not None else config.server.port
    try:
        db = Database(config.database.url, config.database.pool_size)
        db.check_schema()
    except DatabaseError as exc:
        log.error("%s", exc)
        return 1
    clock = SystemClock()
    app = create_app(config, db, clock)
    try:
        server = waitress.create_server(
            app,
            host=host,
            port=port,
            threads=config.server.threads,
            ident="sothutu-hub",
            channel_timeout=120,
            max_request_body_size=8 << 20,
            connection_limit=1000,
            clear_untrusted_proxy_headers=False,
        )
    except OSError as exc:
        log.error("cannot listen on %s:%s: %s", host, port, exc.strerror or exc)
        db.close()
        return 1
    stop = threading.Event()

    def keeper() -> None:
        while not stop.is_set():
            try:
                maintain(db, clock, config.hub.tz)
            except Exception:
                log.exception("maintenance failed")
            stop.wait(3600)

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            return
        stop.set()
        raise _Stop

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    threading.Thread(target=keeper, name="maintenance", daemon=True).start()
    log.info(
        "Sothutu hub %s serving on http://%s:%s",
        __version__,
        host,
        server.effective_port,  # type: ignore[union-attr]
    )
    try:
        server.run()
    except _Stop:
        pass
    finally:
        stop.set()
        server.close()
        db.close()
    log.info("stopped")
    return 0
