"""Slows down PIN and password guessing: after ``limit`` wrong tries within ``window``
seconds from one address, further tries from it wait until the oldest of those
leaves the window.

One throttle serves every login of the app (console PINs, rating tablets' PINs,
the admin password). In memory (a restart forgets it, which costs a guesser a
restart per 5 tries) and clock-injected so tests move time instead of sleeping.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable


class LoginThrottle:
    """Counts wrong PINs and passwords per address in a sliding window."""

    def __init__(
        self,
        now: Callable[[], float],
        *,
        limit: int = 5,
        window: float = 60.0,
        max_addresses: int = 4096,
    ) -> None:
        self._now = now
        self.limit = limit
        self.window = window
        self.max_addresses = max_addresses
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float]:
        times = self._failures.get(address)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[address]
        return times

    def wait_seconds(self, address: str) -> float:
        """Seconds before ``address`` may try again; 0 when it may try now."""
        with self._lock:
            now = self._now()
            times = self._recent(address, now)
            if len(times) < self.limit:
                return 0.0
            return max(0.0, times[-self.limit] + self.window - now)

    def failed(self, address: str) -> None:
        """Record a wrong PIN (or unknown counter) from ``address``."""
        with self._lock:
            now = self._now()
            times = self._recent(address, now)
            if address not in self._failures:
                if len(self._failures) >= self.max_addresses:
                    self._forget_oldest()
                self._failures[address] = times
            times.append(now)

    def succeeded(self, address: str) -> None:
        """A right PIN clears the address's count."""
        with self._lock:
            self._failures.pop(address, None)

    def _forget_oldest(self) -> None:
        oldest = min(self._failures, key=lambda a: self._failures[a][-1])
        del self._failures[oldest]
