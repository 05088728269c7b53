"""What a stream knows of its client's connection: whether the client left, and
whether it has taken what was written to it.

The server (``counter_api.connections``) puts its connection object in each
request's environ under ``ENVIRON_KEY``. A stream thread uses it to end at once
when the client leaves (its slot is free the same moment) and to write the next
page of a replay only when the client has taken the previous one (socket
backpressure: a client that never reads holds a page, not the whole day).
Without that server (Flask's test client) ``link()`` is a connection that never
leaves and never lags.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from flask import request

#: The environ key under which the server passes the request's connection.
ENVIRON_KEY = "sothutu.link"


class Link(Protocol):
    """The request's client connection, as a stream sees it."""

    @property
    def gone(self) -> bool:
        """True once the client closed the connection, vanished or was dropped."""
        ...

    def drained(self, limit: int, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds until at most ``limit`` written bytes wait to go
        out to the client; True when they do, False on timeout or when the client left."""
        ...

    def on_gone(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (from the server's loop) when the client leaves; at once if
        it has left already."""
        ...


class NoLink:
    """A connection that never leaves and never lags (no guarding server in front)."""

    gone = False

    def drained(self, limit: int, timeout: float) -> bool:
        return True

    def on_gone(self, callback: Callable[[], None]) -> None:
        pass


NO_LINK = NoLink()


def link() -> Link:
    """The connection of the request being handled."""
    found = request.environ.get(ENVIRON_KEY)
    return found if found is not None else NO_LINK
