"""A daemon thread with a stop: how every long-lived worker starts, is woken and ends.

A subclass writes ``_run`` (a loop that ends when ``stopping`` is true) and,
when its thread blocks on something, ``_interrupt`` to unblock it (put a None
on its queue, set its wake-up event, shut a socket), so ``stop`` returns as
soon as the thread has seen the stop, or after ``join_seconds`` at most.
"""

from __future__ import annotations

import threading
from typing import Self


class Worker:
    """One daemon thread running ``_run``; ``start`` and ``stop`` may be called once."""

    #: How long ``stop`` waits for the thread by default.
    join_seconds = 2.0

    def __init__(self, name: str) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        """Ask the thread to end, wake it and wait for it (``timeout`` seconds at most)."""
        self._stop.set()
        self._interrupt()
        if self._thread.is_alive():
            self._thread.join(self.join_seconds if timeout is None else timeout)

    @property
    def stopping(self) -> bool:
        """True once ``stop`` was called."""
        return self._stop.is_set()

    def _interrupt(self) -> None:
        """Wake the thread from whatever it waits on (nothing by default)."""

    def _run(self) -> None:
        raise NotImplementedError
