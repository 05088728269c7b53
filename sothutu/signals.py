"""Stop a program on SIGTERM or SIGINT without a deadlock.

A Python signal handler runs in the main thread between two bytecodes, possibly
while that thread holds the lock of the very ``threading.Event`` or ``queue.Queue``
the handler would touch to wake the main loop (``Event.wait``, ``Event.clear`` and
``Queue.get`` take a lock that is not re-entrant): the handler then waits for
itself, and the program never stops (systemd kills it 90 s later). So the handler
here does nothing itself: the signal's number goes through the interpreter's wakeup
file descriptor to a helper thread, which runs the program's ``callback`` there, where
taking any lock is safe.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


def on_stop(
    callback: Callable[[int], None],
    signals: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT),
) -> None:
    """Run ``callback(signum)`` in a helper thread when one of ``signals`` arrives.
    Call it from the main thread, once per program (the wakeup descriptor is one)."""
    r, w = os.pipe()
    os.set_blocking(w, False)
    signal.set_wakeup_fd(w, warn_on_full_buffer=False)
    wanted = {int(s) for s in signals}
    for s in signals:
        signal.signal(s, lambda _signum, _frame: None)  # the work is in the helper thread

    def relay() -> None:
        while True:
            got = os.read(r, 64)
            if not got:
                return
            for signum in got:
                if signum in wanted:
                    try:
                        callback(signum)
                    except Exception:
                        log.exception("stopping on signal %d failed", signum)

    threading.Thread(target=relay, name="signals", daemon=True).start()
