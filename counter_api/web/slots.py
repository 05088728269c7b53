"""A counting limit on open streams, so streams never take every worker thread."""

from __future__ import annotations

import threading


class StreamSlots:
    """At most ``limit`` open streams; ``take`` never blocks."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open = 0
        self._lock = threading.Lock()

    @property
    def open(self) -> int:
        return self._open

    def take(self) -> bool:
        """A slot, or False when all are taken."""
        with self._lock:
            if self._open >= self.limit:
                return False
            self._open += 1
            return True

    def give(self) -> None:
        """Give a slot back (when a stream ends)."""
        with self._lock:
            self._open -= 1
