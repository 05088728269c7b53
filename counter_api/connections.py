"""waitress, guarded so that one device on the LAN cannot take the server.

waitress alone stops accepting anyone once ``connection_limit`` connections are
open, and keeps a connection that trickles its request head for ever: a phone
with a few hundred idle or trickling connections would stop every kiosk and
clerk. This module subclasses waitress' server and channel (documented hooks:
``channel_class``, ``task_class``, ``accept``, ``maintenance``) to add:

- **connections per address**: at most ``[server] connections_per_address``
  open connections from one source address; one more is closed as soon as it
  is accepted. Programs on the server's own Pi (127.0.0.1, ::1) are exempt.
- **request deadlines**: a request head must arrive within ``head_seconds`` of
  the connection's opening (or of its first byte, for the next request on a
  kept-alive connection) and a body within ``BODY_SECONDS``, however the bytes
  trickle; waitress' own ``channel_timeout`` still closes idle connections.
- **vanished clients**: TCP keepalive and ``TCP_USER_TIMEOUT`` close a
  connection whose client acknowledges nothing for ``dead_client_seconds`` (a
  TV unplugged), so its thread and stream slot come back.
- **the connection for streams**: each request's environ holds its channel,
  which answers ``counter_api.web.link.Link`` (has the client left, has it taken
  what was written). A channel whose stream watches it stays readable while the
  stream runs (waitress reads nothing while a request runs), so a client that
  leaves is noticed at once, not at the next write.
"""

from __future__ import annotations

import contextlib
import logging
import resource
import socket
import struct
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import MultiSocketServer, TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher, WSGITask

from counter_api.web.link import ENVIRON_KEY
from counter_api.web.slots import LOCAL, plain_address
from sothutu.config import ServerConfig

log = logging.getLogger("counter_api")

#: Connections open at once, over all addresses (waitress then stops accepting).
CONNECTIONS = 1000
#: Seconds a request body may take once its head has arrived.
BODY_SECONDS = 60.0
#: Seconds between two warnings about the same address being refused.
WARN_EVERY = 60.0
#: A connection's output buffer is replaced once this much went through it (see
#: ``GuardedChannel.write_soon``).
ROTATE_BYTES = 64 * 1024
#: The kernel's send buffer per connection (it doubles it): what a client that stopped
#: reading can leave queued in the kernel (Linux would grow it to 4 MiB).
SEND_BUFFER = 128 * 1024


def address_of(peer: Any) -> str:
    """The source address of a socket peer (``(host, port, …)``)."""
    return plain_address(str(peer[0] if isinstance(peer, tuple) and peer else peer))


def socket_options(dead_client_seconds: float) -> list[tuple[int, int, int]]:
    """Options of every accepted connection: no Nagle delay, a bounded send buffer, and
    a client that acknowledges nothing for ``dead_client_seconds`` is dropped, whether
    the connection is idle (keepalive probes) or has data in flight
    (``TCP_USER_TIMEOUT``; keepalive probes are not sent while data waits for an
    acknowledgement, and a stream always has some)."""
    dead = max(2, int(dead_client_seconds))
    options = [
        (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),
        (socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER),
        (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1),
    ]
    interval = max(1, dead // 6)
    for name, value in (
        ("TCP_KEEPIDLE", max(1, dead - 3 * interval)),
        ("TCP_KEEPINTVL", interval),
        ("TCP_KEEPCNT", 3),
        ("TCP_USER_TIMEOUT", dead * 1000),
    ):
        opt = getattr(socket, name, None)
        if opt is not None:  # Linux has them all; elsewhere keepalive's defaults apply
            options.append((socket.IPPROTO_TCP, opt, value))
    return options


class AddressBook:
    """Open connections per source address, shared by the server's listening sockets."""

    def __init__(self, per_address: int) -> None:
        self.per_address = per_address
        self._open: dict[str, int] = {}
        self._warned: dict[str, float] = {}
        self._lock = threading.Lock()

    def admit(self, address: str) -> bool:
        """May ``address`` open one more connection? Logs a refusal now and then."""
        if address in LOCAL or self._open.get(address, 0) < self.per_address:
            return True
        now = time.monotonic()
        with self._lock:
            if now - self._warned.get(address, -WARN_EVERY) >= WARN_EVERY:
                if len(self._warned) > 1024:
                    self._warned.clear()
                self._warned[address] = now
                log.warning(
                    "%s has %d connections open (server.connections_per_address); "
                    "closing its new ones",
                    address,
                    self._open.get(address, 0),
                )
        return False

    def opened(self, address: str) -> None:
        with self._lock:
            self._open[address] = self._open.get(address, 0) + 1

    def closed(self, address: str) -> None:
        with self._lock:
            left = self._open.get(address, 0) - 1
            if left > 0:
                self._open[address] = left
            else:
                self._open.pop(address, None)


class _Task(WSGITask):
    """A request's task: its environ also carries the channel (``web.link``)."""

    def get_environment(self) -> dict[str, Any]:
        environ = super().get_environment()
        environ[ENVIRON_KEY] = self.channel
        return environ


class GuardedChannel(HTTPChannel):
    """One client connection: counted per address, timed while it sends a request, and
    a ``Link`` for the stream it may carry."""

    task_class = _Task
    server: GuardedServer

    def __init__(self, server: GuardedServer, sock: socket.socket, addr: Any, adj: Any, map=None):
        self.address = address_of(addr)
        self._on_gone: list[Callable[[], None]] = []
        self._counted = False
        super().__init__(server, sock, addr, adj, map=map)
        #: since when it owes a request head (None: it owes none), and a body
        self.head_since: float | None = self.creation_time
        self.body_since: float | None = None

    # --- bookkeeping (the server's loop) -------------------------------------

    def add_channel(self, map=None) -> None:
        super().add_channel(map)
        if not self._counted:
            self._counted = True
            self.server.book.opened(self.address)

    def del_channel(self, map=None) -> None:
        super().del_channel(map)
        if self._counted:
            self._counted = False
            self.server.book.closed(self.address)

    def received(self, data: bytes) -> bool:
        result = super().received(data)
        request = self.request  # the request still arriving, if any
        now = time.time()
        if request is None:
            self.head_since = self.body_since = None
        elif not request.headers_finished:
            if self.head_since is None:
                self.head_since = now
        else:
            self.head_since = None
            if self.body_since is None:
                self.body_since = now
        return result

    def write_soon(self, data: bytes) -> int:
        if self.current_outbuf_count >= ROTATE_BYTES:
            # waitress' buffer keeps every byte written to it until the buffer is replaced
            # (sending only moves its read position), so a stream would hold its whole
            # history in memory: start a new buffer, as waitress itself does past
            # outbuf_high_watermark (16 MiB).
            self.current_outbuf_count = self.adj.outbuf_high_watermark
        return super().write_soon(data)

    def overdue(self, now: float, head_seconds: float) -> str | None:
        """Why this connection must be closed now, or None."""
        if self.requests:  # a request is being served: the stream or answer decides
            return None
        if self.head_since is not None and now - self.head_since > head_seconds:
            return "request head"
        if self.body_since is not None and now - self.body_since > BODY_SECONDS:
            return "request body"
        return None

    def readable(self) -> bool:
        if self._on_gone and len(self.requests) == 1:
            # A stream watches its client: keep reading (waitress would not while a request
            # runs) so that the client leaving is seen at once, not at the next write.
            return not (self.will_close or self.close_when_flushed or self.total_outbufs_len)
        return super().readable()

    def service(self) -> None:
        try:
            super().service()
        finally:
            self._on_gone = []  # the next request on this connection starts unwatched

    def handle_close(self) -> None:
        super().handle_close()
        callbacks, self._on_gone = self._on_gone, []
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("a callback on a closed connection failed")

    # --- Link (stream threads) -----------------------------------------------

    @property
    def gone(self) -> bool:
        return not self.connected or self.will_close

    def drained(self, limit: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.outbuf_lock:
            while self.connected and self.total_outbufs_len > limit:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                # the server's loop writes what the socket takes, then notifies
                self.outbuf_lock.wait(min(left, 0.5))
            return self.connected

    def on_gone(self, callback: Callable[[], None]) -> None:
        self._on_gone.append(callback)
        if not self.connected:  # it left before the callback was there
            with contextlib.suppress(ValueError):
                self._on_gone.remove(callback)
                callback()


class GuardedServer(TcpWSGIServer):
    """waitress' TCP server with per-address caps and request deadlines."""

    channel_class = GuardedChannel

    def __init__(self, *args: Any, book: AddressBook, head_seconds: float, **kw: Any) -> None:
        self.book = book
        self.head_seconds = head_seconds
        super().__init__(*args, **kw)

    def accept(self) -> tuple[socket.socket, Any] | None:
        pair = super().accept()
        if pair is None:
            return None
        conn, addr = pair
        if not self.book.admit(address_of(addr)):
            with contextlib.suppress(OSError):
                # RST instead of FIN: the refused connection leaves no TIME_WAIT here
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
            return None
        return pair

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # idle connections (channel_timeout)
        for channel in list(self.active_channels.values()):
            why = channel.overdue(now, self.head_seconds)
            if why is not None and not channel.will_close:
                log.debug("closing a connection from %s: %s too slow", channel.address, why)
                channel.will_close = True


class Listening:
    """The guarded server on one or more sockets: ``run()`` until stopped, ``close()``."""

    def __init__(self, servers: Sequence[GuardedServer], runner: Any) -> None:
        self.servers = list(servers)
        self._runner = runner

    @property
    def where(self) -> tuple[str, int]:
        first = self.servers[0]
        return str(first.effective_host), int(first.effective_port)

    def run(self) -> None:
        self._runner.run()

    def close(self) -> None:
        self._runner.close()


def _open_files(needed: int) -> int:
    """Raise the soft limit of open files towards ``needed`` (systemd's default is 1024);
    the limit there is now."""
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        if soft != resource.RLIM_INFINITY and soft < want:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
            soft = want
    except (ValueError, OSError):
        return 1024
    return needed if soft == resource.RLIM_INFINITY else soft


def create_server(app: Any, server: ServerConfig, host: str, port: int) -> Listening:
    """The guarded waitress server for ``app`` on ``host:port`` (not yet running)."""
    # waitress stops accepting at connection_limit; past the open-files limit accept()
    # would fail in a loop instead, so keep room for the database, pipes and threads.
    spare = 2 * server.threads + 64
    connections = max(100, min(CONNECTIONS, _open_files(CONNECTIONS + spare) - spare))
    adj = Adjustments(
        host=host,
        port=port,
        threads=server.threads,
        ident="sothutu",
        channel_timeout=60,
        cleanup_interval=1,  # request deadlines are checked every second
        max_request_body_size=1 << 20,
        connection_limit=connections,
        asyncore_use_poll=True,  # select() stops at file descriptor 1024
        clear_untrusted_proxy_headers=True,
    )
    # not a keyword of Adjustments; the server sets these on every accepted socket
    adj.socket_options = socket_options(server.dead_client_seconds)
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    book = AddressBook(server.connections_per_address)
    sockets: dict[int, Any] = {}
    servers = [
        GuardedServer(
            app,
            sockets,
            dispatcher=dispatcher,
            adj=adj,
            sockinfo=info,
            book=book,
            head_seconds=server.head_seconds,
        )
        for info in adj.listen
    ]
    if len(servers) == 1:
        return Listening(servers, servers[0])
    effective = [(s.effective_host, s.effective_port) for s in servers]
    runner = MultiSocketServer(sockets, adj, effective, dispatcher, servers[0].log_info)
    return Listening(servers, runner)
