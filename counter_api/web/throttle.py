"""Slows down PIN and password guessing, for every login of the app.

Wrong tries are counted in a sliding window (a minute) twice over:

- per address and target (counter N's PIN, the admin password): after ``per_target``
  wrong tries at one target, that address waits before trying that target again;
- per address across all targets: after ``per_address`` wrong tries in all, that
  address waits before trying anything, even the right PIN;
- per target across all addresses, over a longer window (``spread_window``, ten
  minutes): after ``per_target_spread`` wrong tries at one target from anywhere (a
  guesser who changes address, e.g. a phone that joins the Wi-Fi again with a new
  MAC), addresses that have not logged in to that target before wait too. Addresses
  that did log in to it (the counter's own PC, the head's office PC) within
  ``known_days`` keep their own counts only, so the attack does not lock the clerk
  out. The first lock of a window is logged as a warning, and the admin page shows
  who is being guessed (``guessing``) for an hour after the last such try.

A right PIN clears only its own target's count from that address, never another
target's and never the address's total: knowing counter 1's PIN buys nothing
against counter 2 or the admin password. No address is exempt, loopback included.

One throttle serves the console, the rating tablets and the admin page, and it
answers whole seconds (rounded up), so every login page says the same wait.
In memory: a restart forgets it, which costs a guesser a restart per
``per_address`` tries. Clock-injected so tests move time instead of sleeping.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

#: What every login page says while its address waits (``seconds`` whole, rounded up).
MSG_WAIT = "Đã nhập sai quá nhiều lần. Vui lòng chờ {seconds} giây rồi thử lại."

#: The admin password's target; counters' PINs are ``counter_target(N)``.
ADMIN = "admin"
#: A counter number that names no counter: one shared target, so made-up numbers
#: count (against the address's total) without growing the table.
UNKNOWN = "counter ?"


def counter_target(number: int | None) -> str:
    """The target of counter ``number``'s PIN (console and rating tablet alike)."""
    return UNKNOWN if number is None else f"counter {number}"


def wait_message(seconds: int) -> str:
    """The words of every login page while its address waits."""
    return MSG_WAIT.format(seconds=seconds)


@dataclass(frozen=True)
class Guessing:
    """Someone guessing one target's PIN or password from many addresses."""

    target: str
    #: wrong tries at it within the spread window, at the latest
    tries: int
    #: when the lock began, and the latest wrong try counted (the throttle's clock)
    since: float
    last: float


class LoginThrottle:
    """Counts wrong PINs and passwords per address and target, per address, and per
    target across addresses."""

    def __init__(
        self,
        now: Callable[[], float],
        *,
        per_target: int = 5,
        per_address: int = 20,
        window: float = 60.0,
        per_target_spread: int = 20,
        spread_window: float = 600.0,
        known_days: float = 30.0,
        max_entries: int = 4096,
    ) -> None:
        self._now = now
        self.per_target = per_target
        self.per_address = per_address
        self.window = window
        self.per_target_spread = per_target_spread
        self.spread_window = spread_window
        self.known_seconds = known_days * 86400
        self.max_entries = max_entries
        #: (address, target) → times of wrong tries; (address, None) → all of the address's
        self._failures: dict[tuple[str, str | None], deque[float]] = {}
        #: target → times of wrong tries at it from any address (spread_window)
        self._spread: dict[str, deque[float]] = {}
        #: target → address → when it last logged in to that target
        self._known: dict[str, dict[str, float]] = {}
        #: target → the guessing seen at it (kept an hour after its last wrong try)
        self._guessing: dict[str, Guessing] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str | None], now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def _wait(self, key: tuple[str, str | None], limit: int, now: float) -> float:
        times = self._recent(key, now)
        if len(times) < limit:
            return 0.0
        return max(0.0, times[-limit] + self.window - now)

    def _spread_recent(self, target: str, now: float) -> deque[float]:
        times = self._spread.setdefault(target, deque())
        while times and times[0] <= now - self.spread_window:
            times.popleft()
        return times

    def _spread_wait(self, address: str, target: str, now: float) -> float:
        seen = self._known.get(target, {}).get(address)
        if seen is not None and seen > now - self.known_seconds:
            return 0.0
        times = self._spread_recent(target, now)
        if len(times) < self.per_target_spread:
            return 0.0
        return max(0.0, times[-self.per_target_spread] + self.spread_window - now)

    def wait_seconds(self, address: str, target: str) -> int:
        """Whole seconds (rounded up) before ``address`` may try ``target``; 0: now."""
        with self._lock:
            now = self._now()
            wait = max(
                self._wait((address, target), self.per_target, now),
                self._wait((address, None), self.per_address, now),
                self._spread_wait(address, target, now),
            )
        return math.ceil(wait)

    def failed(self, address: str, target: str) -> None:
        """Record a wrong PIN or password (or an unknown counter) from ``address``."""
        with self._lock:
            now = self._now()
            for key in ((address, target), (address, None)):
                times = self._recent(key, now)
                if key not in self._failures:
                    if len(self._failures) >= self.max_entries:
                        self._forget_oldest()
                    self._failures[key] = times
                times.append(now)
            spread = self._spread_recent(target, now)
            spread.append(now)
            if len(spread) >= self.per_target_spread:
                seen = self._guessing.get(target)
                since = now if seen is None or seen.last <= now - self.spread_window else seen.since
                self._guessing[target] = Guessing(target, len(spread), since, now)
            if len(spread) == self.per_target_spread:
                log.warning(
                    "%d wrong PINs or passwords for %s within %d minutes from any address: "
                    "addresses that never logged in to it wait (someone may be guessing)",
                    len(spread),
                    target,
                    round(self.spread_window / 60),
                )

    def guessing(self, within: float = 3600.0) -> list[Guessing]:
        """Targets guessed at from many addresses whose last wrong try is at most
        ``within`` seconds old, by target."""
        with self._lock:
            now = self._now()
            return sorted(
                (g for g in self._guessing.values() if g.last > now - within),
                key=lambda g: g.target,
            )

    def succeeded(self, address: str, target: str) -> None:
        """A right PIN clears that target's count from that address, nothing else, and
        makes the address known to that target."""
        with self._lock:
            self._failures.pop((address, target), None)
            known = self._known.setdefault(target, {})
            known.pop(address, None)
            known[address] = self._now()
            while len(known) > 64:  # the oldest first (dicts keep insertion order)
                del known[next(iter(known))]

    def _forget_oldest(self) -> None:
        oldest = min(self._failures, key=lambda k: self._failures[k][-1])
        del self._failures[oldest]
