"""The in-process event bus that wakes event streams after each commit.

Committed events are appended to a bounded ring in commit order (the store
publishes them while it still holds the write lock). Streams read from the
ring and fall back to the durable log in SQLite when they are further behind
than the ring reaches. Waiting uses ``Condition.wait`` with a timeout, except
under libfaketime where timed waits on a faked monotonic clock can hang; then
it polls with ``select`` (relative timeouts, which libfaketime leaves alone).
"""

from __future__ import annotations

import itertools
import os
import select
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

#: Under libfaketime, timed Condition waits may never time out (see module doc).
FAKETIME = "faketime" in os.environ.get("LD_PRELOAD", "")


#: Events the ring keeps in memory: live streams lag a few events at most; a replay
#: from further back pages through the durable log instead. Each event is about half a
#: kilobyte, so the ring costs about 0.5 MB when full.
RING_EVENTS = 1024


@dataclass(frozen=True, slots=True)
class Event:
    """A committed event: its durable id, type and JSON data (one line)."""

    id: int
    type: str
    data: str

    def sse(self) -> bytes:
        return f"id: {self.id}\nevent: {self.type}\ndata: {self.data}\n\n".encode()


def pause(seconds: float) -> None:
    """Sleep that works under libfaketime too (no absolute-deadline waits)."""
    if seconds > 0:
        select.select([], [], [], seconds)


class EventBus:
    """Fan-out of committed events to any number of waiting stream threads."""

    def __init__(self, last_id: int = 0, capacity: int = RING_EVENTS) -> None:
        self._cond = threading.Condition()
        self._ring: deque[Event] = deque(maxlen=capacity)
        self._last_id = last_id
        self._closed = False

    @property
    def last_id(self) -> int:
        return self._last_id

    @property
    def closed(self) -> bool:
        return self._closed

    def publish(self, events: Iterable[Event]) -> None:
        with self._cond:
            for e in events:
                self._ring.append(e)
                self._last_id = max(self._last_id, e.id)
            self._cond.notify_all()

    def since(self, last_id: int, limit: int | None = None) -> list[Event] | None:
        """Up to ``limit`` events after ``last_id`` from the ring, or None when the ring
        does not reach back that far (the caller reads the durable log instead)."""
        with self._cond:
            if last_id >= self._last_id:
                return []
            if not self._ring or self._ring[0].id > last_id + 1:
                return None
            # ids in the ring are consecutive: the first wanted one is at a known place
            start = max(0, last_id + 1 - self._ring[0].id)
            stop = len(self._ring) if limit is None else min(len(self._ring), start + limit)
            got = list(itertools.islice(self._ring, start, stop))
            if got and got[0].id != last_id + 1:  # not consecutive after all: search
                got = [e for e in self._ring if e.id > last_id][:limit]
            return got

    def wait(self, last_id: int, timeout: float, until: Callable[[], bool] | None = None) -> bool:
        """Wait until an event after ``last_id`` exists (True), or the timeout, the bus
        closing or ``until()`` turning true (False); ``wake()`` makes waiters look at
        their ``until`` again."""
        if FAKETIME:
            return self._poll(last_id, timeout, until)
        with self._cond:
            self._cond.wait_for(
                lambda: self._last_id > last_id or self._closed or (until is not None and until()),
                timeout=timeout,
            )
            return self._last_id > last_id and not self._closed

    def _poll(self, last_id: int, timeout: float, until: Callable[[], bool] | None) -> bool:
        deadline = time.monotonic() + timeout
        while not self._closed and not (until is not None and until()):
            if self._last_id > last_id:
                return True
            if time.monotonic() >= deadline:
                return False
            pause(0.02)
        return False

    def wake(self) -> None:
        """Wake every waiter to look at its ``until`` again (a client left)."""
        with self._cond:
            self._cond.notify_all()

    def close(self) -> None:
        """Wake every stream so it ends (server shutdown)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
