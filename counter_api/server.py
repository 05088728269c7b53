"""Run the queue server under waitress: one process, threads for the streams.

waitress is guarded so that one device cannot take the server
(``counter_api.connections``: connections per address, request deadlines,
vanished clients). The database is checked before it is opened, and recovered
when it is damaged (counter_api.recovery).

A housekeeping thread rolls the business day over at local midnight (even
when no request comes), marks bookings nobody checked in as no-shows, starts
the nightly backup (counter_api.backup) and
feeds systemd's watchdog after checking that the database answers. SIGTERM
and SIGINT end the streams and stop cleanly.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import sqlite3
import threading
import time
from datetime import datetime
from types import FrameType

from counter_api.backup import Nightly
from counter_api.connections import create_server
from counter_api.events import pause
from counter_api.recovery import explain, open_store
from counter_api.service import QueueService
from counter_api.store import StoreError
from counter_api.web import create_app
from sothutu import systemd
from sothutu.config import Config

log = logging.getLogger("counter_api")


def _limit_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives threads their own malloc arenas (up to 8 per core), each keeping
    freed memory: with a thread per event stream that is megabytes of RSS for
    nothing. Cap them as MALLOC_ARENA_MAX would, unless that is set already."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL(None).mallopt(-8, arenas)  # -8 is M_ARENA_MAX


class _Stop(KeyboardInterrupt):
    """Raised in the main thread by the signal handler to end waitress's loop."""


def housekeeping(svc: QueueService, stop: threading.Event, nightly: Nightly) -> None:
    """The server's background loop until ``stop``: the business day's rollover at
    midnight, bookings not kept becoming no-shows, the nightly backup, and systemd's
    watchdog ping (after a database read)."""
    watchdog = systemd.watchdog_interval()
    last_ping = 0.0
    while not stop.is_set():
        interval = min(svc.seconds_to_midnight() + 0.2, 30.0)
        if watchdog:
            interval = min(interval, watchdog)
        pause(interval)  # not Event.wait: see counter_api.events about libfaketime
        if stop.is_set():
            return
        try:
            svc.ensure_day()
            svc.mark_booking_no_shows()
            nightly.tick(svc.clock.now())
            if watchdog and time.monotonic() - last_ping >= watchdog * 0.9:
                with svc.store.read() as db:
                    db.execute("SELECT 1").fetchone()
                systemd.notify("WATCHDOG=1")
                last_ping = time.monotonic()
        except Exception:
            log.exception("housekeeping failed")


def serve(config: Config, host: str | None = None, port: int | None = None) -> int:
    """Serve until SIGTERM/SIGINT; returns the exit status."""
    host = host or config.server.host
    port = port or config.server.port
    _limit_malloc_arenas()
    try:
        store, _recovered = open_store(config, datetime.now(config.centre.tz))
        svc = QueueService(config, store)
    except (StoreError, sqlite3.Error) as exc:
        log.error("cannot open the database: %s", explain(exc, config.database_path))
        return 1
    app = create_app(config, service=svc)
    try:
        server = create_server(app, config.server, host, port)
    except OSError as exc:
        log.error("cannot listen on %s:%s: %s", host, port, exc.strerror or exc)
        return 1

    stop = threading.Event()

    received: list[str] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():  # a second signal (Ctrl-C in a terminal, then SIGTERM): already stopping
            return
        stop.set()
        svc.bus.close()
        systemd.notify("STOPPING=1")
        received.append(signal.Signals(signum).name)
        raise _Stop

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    keeper = threading.Thread(
        target=housekeeping, args=(svc, stop, Nightly(config)), name="housekeeping", daemon=True
    )
    keeper.start()
    from counter_api.uplink import pusher
    from counter_api.uplink.bookings import BookingLink

    uplink = pusher.start(svc, BookingLink(svc))
    where = f"http://{host}:{server.where[1]}"
    log.info(
        "Sothutu %s serving %s on %s (business day %s)",
        _version(),
        config.centre.name,
        where,
        svc.today(),
    )
    systemd.notify("READY=1")
    try:
        server.run()  # waitress ends its loop on KeyboardInterrupt (our _Stop)
    except _Stop:
        pass
    finally:
        if received:
            log.info("%s received, stopping", received[0])
        stop.set()
        svc.bus.close()
        if uplink is not None:
            uplink.stop()
        server.close()
        store.close()
    log.info("stopped")
    return 0


def _version() -> str:
    from counter_api import __version__

    return __version__
