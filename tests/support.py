"""Helpers the tests share: test configs, a real server process, Debian tools.

Not a test module. Tests import it as ``from tests.support import ...``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sothutu.client import ApiClient, wait_for_server

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"

ADMIN_KEY = "test-admin-key-0123456789"
SECRET_KEY = "test-secret-key-0123456789abcdef"
KIOSK_KEY = "test-kiosk-key-0123456789"
KIOSK2_KEY = "test-kiosk2-key-0123456789"


def counter_key(n: int) -> str:
    return f"test-counter-{n}-key-0123456789"


def counter_pin(n: int) -> str:
    return f"{n}{n}{n}{(n + 3) % 10}8"


def config_text(
    database: str = "queue.db",
    *,
    port: int = 8080,
    hours: list[str] | None = None,
    extra: str = "",
    services: str | None = None,
    counters: str | None = None,
    centre_extra: str = "",
    server_extra: str = "",
) -> str:
    """A valid non-demo config with three services, four counters and two kiosks."""
    services = (
        services
        if services is not None
        else """
[[services]]
id = "ho-tich"
name = "Hộ tịch"
prefix = "A"

[[services]]
id = "chung-thuc"
name = "Chứng thực"
prefix = "B"
service_minutes = 4

[[services]]
id = "dat-dai"
name = "Đất đai"
prefix = "C"
daily_limit = 3
"""
    )
    counters = (
        counters
        if counters is not None
        else "".join(
            f"""
[[counters]]
number = {n}
services = {svc}
key = "{counter_key(n)}"
pin = "{counter_pin(n)}"
{"guidance = true" if n == 4 else ""}
"""
            for n, svc in [
                (1, '["ho-tich", "chung-thuc"]'),
                (2, '["chung-thuc", "ho-tich"]'),
                (3, '["dat-dai"]'),
                (4, '["ho-tich", "chung-thuc", "dat-dai"]'),
            ]
        )
    )
    hours_line = f"hours = {hours!r}".replace("'", '"') if hours is not None else ""
    return f"""
[centre]
name = "Trung tâm Phục vụ hành chính công xã Thử Nghiệm"
timezone = "Asia/Ho_Chi_Minh"
authority = "UBND XÃ THỬ NGHIỆM"
{hours_line}
{centre_extra}

[server]
host = "127.0.0.1"
port = {port}
database = "{database}"
admin_key = "{ADMIN_KEY}"
secret_key = "{SECRET_KEY}"
ping_seconds = 1.0
{server_extra}
{services}
{counters}

[[kiosks]]
name = "kiosk-1"
key = "{KIOSK_KEY}"

[[kiosks]]
name = "kiosk-2"
key = "{KIOSK2_KEY}"
{extra}
"""


def write_config(directory: Path, **kwargs: Any) -> Path:
    path = directory / "config.toml"
    path.write_text(config_text(**kwargs), encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check: Callable[[], object], timeout: float = 5.0, what: str = "") -> object:
    """Poll ``check`` until it returns something true (returned) or fail after ``timeout``:
    tests wait for a positive signal, never for a fixed time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what or check}")


def debian_tool(name: str, why: str = "") -> str:
    """The path of a Debian-packaged tool, or skip (fail in CI) when it is missing."""
    path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if path:
        return path
    reason = f"needs {name} (Debian package){': ' + why if why else ''}"
    if os.environ.get("SOTHUTU_REQUIRE_DEBIAN") == "1":
        pytest.fail(reason + "; SOTHUTU_REQUIRE_DEBIAN=1 forbids skipping")
    pytest.skip(reason)


@dataclass
class ServerProcess:
    """A real ``python -m counter_api`` on loopback, started from a config file."""

    config: Path
    port: int
    env: dict[str, str] = field(default_factory=dict)
    prefix: list[str] = field(default_factory=list)
    proc: subprocess.Popen | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, key: str | None = None, timeout: float = 5.0) -> ApiClient:
        return ApiClient(self.url, key, timeout)

    def start(self, timeout: float = 15.0) -> ServerProcess:
        self.log = self.config.parent / f"server-{self.port}-{time.monotonic_ns()}.log"
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        argv = [*self.prefix, sys.executable, "-m", "counter_api", "--config", str(self.config)]
        argv += ["--port", str(self.port)]
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        if not wait_for_server(self.client(timeout=1.0), timeout):
            self.stop()
            raise RuntimeError(f"server did not start:\n{self.output()}")
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log and self.log.exists() else ""

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout: float = 10) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode

    def restart(self) -> ServerProcess:
        self.stop()
        return self.start()


def terminate(proc: subprocess.Popen, timeout: float = 10) -> int:
    """SIGTERM, then the exit status. A program that does not stop within ``timeout`` is
    killed (so no process outlives its test) and the test fails saying so."""
    if proc.poll() is None:
        proc.terminate()
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
        raise AssertionError(f"{proc.args!r} did not stop within {timeout} s of SIGTERM") from None


def grow_event_log(db: Path, doublings: int) -> tuple[int, int]:
    """Copy the log's events onto its end until it has 2**doublings times as many: a long,
    busy day with real payloads and fresh ids (the server must be stopped). Returns
    (events, bytes of their data)."""
    with sqlite3.connect(db) as conn:
        for _ in range(doublings):
            conn.execute(
                "INSERT INTO events (type, data, at, business_date) "
                "SELECT type, data, at, business_date FROM events"
            )
        return conn.execute("SELECT COUNT(*), SUM(LENGTH(data)) FROM events").fetchone()


def rss_mb(pid: int) -> float:
    """The resident memory of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def idle_replay_growth(server: ServerProcess, clients: int, seconds: float) -> float:
    """MB the server grows per client asking, with a kiosk's key, for the whole log
    (``Last-Event-ID: 1``) and never reading: the peak over ``seconds``."""
    time.sleep(0.5)
    assert server.proc is not None
    before = rss_mb(server.proc.pid)
    stuck = []
    for _ in range(clients):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", server.port))
        s.sendall(
            b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 1\r\n"
            + f"Authorization: Bearer {KIOSK_KEY}\r\n\r\n".encode()
        )
        stuck.append(s)
    peak = before
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        peak = max(peak, rss_mb(server.proc.pid))
        time.sleep(0.1)
    for s in stuck:
        s.close()
    return (peak - before) / clients


def csv_rows(data: bytes, delimiter: str = ",") -> list[list[str]]:
    """The rows of a report's CSV, which starts with a byte-order mark and ends its
    lines with CRLF (asserted)."""
    import csv
    import io

    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))


def csv_block(rows: list[list[str]], title: str) -> dict[str, dict[str, str]]:
    """A block of a report's CSV (its title line, headings, rows up to a blank line):
    the rows by their first cell, each by heading."""
    head = rows.index([title]) + 1
    out = {}
    for r in rows[head + 1 :]:
        if not r:
            break
        out[r[0]] = dict(zip(rows[head], r, strict=True))
    return out


class LossyProxy:
    """A loopback TCP proxy that forwards everything, except the first (``times``)
    requests whose head starts with ``lost`` (e.g. ``b"POST /api/v1/tickets"``): the
    answer is thrown away after the server did the work, or (``lose="request"``) the
    request itself never reaches the server: the proxy sets ``held``, waits for
    ``release`` and hangs up. The client sees a connection closed without an answer
    either way."""

    def __init__(self, target_port: int, lost: bytes, lose: str = "answer", times: int = 1) -> None:
        self.target = target_port
        self.lost = lost
        self.lose = lose
        self.times = times
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.dropped = 0
        self.held = threading.Event()
        self.release = threading.Event()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client, socket.create_connection(("127.0.0.1", self.target)) as upstream:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(65536)
                if not chunk:
                    return
                head += chunk
            first = head.startswith(self.lost) and self.dropped < self.times
            if first and self.lose == "request":
                self.dropped += 1
                self.held.set()
                self.release.wait(10)
                return  # hang up: the server never saw it
            upstream.sendall(head)
            if first:
                self.dropped += 1
                # the rest of the request (a body sent apart) goes on; once the answer
                # starts (the server did the work) the proxy hangs up on both sides
                threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
                upstream.recv(65536)
                return
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            self._pump(upstream, client)

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self._closed = True
        self.listener.close()
