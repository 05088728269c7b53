"""Who may open one more stream: a total cap, room kept for the clients that matter,
and a cap per source address, so one device never takes every stream.

Streams are of two kinds. A *trusted* stream comes with a valid key (kiosk,
keypad), a clerk's console session, or from a program on the server's own Pi
(127.0.0.1, ::1); it may take any free slot. An *anonymous* stream (a TV's
browser, the pygame display on another Pi, a phone) shares the slots left
after ``reserved`` and, unless it comes from the server's own Pi, at most
``per_address`` of them per source address. A slot is given back the moment its
stream ends.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

#: Addresses of programs on the server's own machine: exempt from per-address caps.
LOCAL = frozenset({"127.0.0.1", "::1"})

#: Seconds a refused client is asked to wait (``Retry-After``).
RETRY_AFTER_SECONDS = 10


def plain_address(host: str) -> str:
    """An address as the caps count it: an IPv4-mapped IPv6 address as plain IPv4."""
    return host[7:] if host.startswith("::ffff:") and "." in host else host


def is_local(address: str) -> bool:
    """True for the server's own machine (127.0.0.1 or ::1)."""
    return plain_address(address) in LOCAL


class Refused(Exception):
    """No slot for this stream; ``str()`` says which cap, for the 503's message."""


@dataclass
class Slot:
    """One open stream's place; ``give`` it back once (more calls do nothing)."""

    _slots: StreamSlots
    address: str
    anonymous: bool
    _given: bool = field(default=False, repr=False)

    def give(self) -> None:
        self._slots._give(self)


class StreamSlots:
    """At most ``limit`` open streams; anonymous ones at most ``limit - reserved`` (at
    least one) and ``per_address`` per address. ``take`` never blocks."""

    def __init__(self, limit: int, *, per_address: int | None = None, reserved: int = 0) -> None:
        self.limit = limit
        self.per_address = per_address if per_address is not None else limit
        self.anonymous_limit = max(1, limit - reserved) if limit else 0
        self._open = 0
        self._anonymous = 0
        self._by_address: dict[str, int] = {}
        self._lock = threading.Lock()

    @property
    def open(self) -> int:
        return self._open

    def take(self, address: str, trusted: bool = False) -> Slot:
        """A slot for a stream from ``address``, or ``Refused`` saying why not."""
        address = plain_address(address)
        trusted = trusted or address in LOCAL
        with self._lock:
            if self._open >= self.limit:
                raise Refused(f"at most {self.limit} streams at once")
            if not trusted:
                if self._anonymous >= self.anonymous_limit:
                    raise Refused(
                        f"at most {self.anonymous_limit} streams at once without a key; "
                        "the rest are kept for kiosks, keypads and consoles"
                    )
                if self._by_address.get(address, 0) >= self.per_address:
                    raise Refused(f"at most {self.per_address} streams from one address")
                self._anonymous += 1
                self._by_address[address] = self._by_address.get(address, 0) + 1
            self._open += 1
            return Slot(self, address, not trusted)

    def _give(self, slot: Slot) -> None:
        with self._lock:
            if slot._given:
                return
            slot._given = True
            self._open -= 1
            if slot.anonymous:
                self._anonymous -= 1
                left = self._by_address.get(slot.address, 0) - 1
                if left > 0:
                    self._by_address[slot.address] = left
                else:
                    self._by_address.pop(slot.address, None)
