"""A real server process on loopback: concurrency, durability, events, shutdown."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from sothutu.client import ClientError, EventStream, StreamEvent, Unreachable
from tests.support import (
    ADMIN_KEY,
    KIOSK_KEY,
    ServerProcess,
    counter_key,
    debian_tool,
    free_port,
    wait_for,
    write_config,
)


def read_events(url: str, headers: dict | None = None, until: int = 1, timeout: float = 5.0):
    """Read raw SSE from a server until ``until`` events have arrived."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    conn.request("GET", "/api/v1/events", headers=headers or {})
    resp = conn.getresponse()
    events, current = [], {}
    try:
        while len(events) < until:
            line = resp.fp.readline().decode().rstrip("\n")
            if line == "":
                if "data" in current:
                    events.append(current)
                current = {}
            elif not line.startswith(":"):
                k, _, v = line.partition(": ")
                current[k] = v
    finally:
        conn.close()
    return events


def test_eight_kiosks_issue_200_distinct_contiguous_codes(server: ServerProcess) -> None:
    client = server.client(KIOSK_KEY)

    def issue(_: int) -> str:
        return client.issue("ho-tich")["code"]

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(issue, range(200)))
    assert sorted(codes) == [f"A{i:03d}" for i in range(1, 201)]


def test_two_counters_racing_never_get_the_same_ticket(server: ServerProcess) -> None:
    kiosk = server.client(KIOSK_KEY)
    for _ in range(60):
        kiosk.issue("chung-thuc")
    got: dict[int, list[str]] = {1: [], 2: []}

    def run(n: int) -> None:
        c = server.client(counter_key(n))
        for _ in range(40):
            t = c.counter(n, "next")["ticket"]
            if t:
                got[n].append(t["code"])

    threads = [threading.Thread(target=run, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    both = got[1] + got[2]
    assert len(both) == len(set(both)) == 60
    assert got[1] and got[2]


def test_kill_9_loses_no_answered_ticket_and_never_reuses_a_code(tmp_path: Path) -> None:
    port = free_port()
    srv = ServerProcess(write_config(tmp_path, port=port), port).start()
    answered: list[dict] = []
    stop = threading.Event()

    def issuer(service: str) -> None:
        c = srv.client(KIOSK_KEY, timeout=2)
        while not stop.is_set():
            try:
                answered.append(c.issue(service))
            except (Unreachable, ClientError):
                return

    threads = [threading.Thread(target=issuer, args=(s,)) for s in ("ho-tich", "chung-thuc") * 2]
    for t in threads:
        t.start()
    while len(answered) < 150:
        time.sleep(0.01)
    events_before = srv.client().state()["last_event_id"]
    srv.kill()  # SIGKILL in the middle of issuing
    stop.set()
    for t in threads:
        t.join()
    srv.start()
    c = srv.client(KIOSK_KEY)
    for t in answered:
        again = c.ticket(t["id"])
        assert (again["code"], again["service"], again["status"]) == (
            t["code"],
            t["service"],
            "waiting",
        )
    highest = max(t["number"] for t in answered if t["service"] == "ho-tich")
    assert c.issue("ho-tich")["number"] > highest
    codes = [t["code"] for t in answered]
    assert len(codes) == len(set(codes))
    replay = read_events(srv.url, {"Last-Event-ID": str(events_before - 5)}, until=5)
    assert [int(e["id"]) for e in replay] == list(range(events_before - 4, events_before + 1))
    assert all(e["event"] == "ticket.issued" for e in replay)
    srv.stop()


def test_stream_snapshot_then_live_call_then_replay_after_restart(server: ServerProcess) -> None:
    kiosk = server.client(KIOSK_KEY)
    kiosk.issue("ho-tich")
    got: list[StreamEvent] = []
    arrived = threading.Condition()

    def on_event(e: StreamEvent) -> None:
        with arrived:
            got.append(e)
            arrived.notify_all()

    def wait_for(n: int) -> None:
        with arrived:
            assert arrived.wait_for(lambda: len(got) >= n, timeout=10), [e.type for e in got]

    stream = EventStream(server.url, on_event, backoff=0.1).start()
    wait_for(1)
    assert got[0].type == "snapshot" and got[0].id == 1
    assert got[0].data["services"][0]["waiting"] == 1
    t0 = time.monotonic()
    server.client(counter_key(1)).counter(1, "next")
    wait_for(2)
    assert time.monotonic() - t0 < 1.0
    assert got[1].type == "ticket.called" and got[1].data["ticket"]["code"] == "A001"
    assert got[1].data["counter"] == 1 and got[1].id == 2

    server.stop()  # the display keeps its Last-Event-ID across the outage
    server.start()
    kiosk.issue("chung-thuc")
    wait_for(3)
    stream.stop()
    assert got[2].type == "ticket.issued" and got[2].id == 3  # replayed, not a new snapshot
    assert got[2].data["waiting"] == {"ho-tich": 0, "chung-thuc": 1, "dat-dai": 0}


def test_bad_or_stale_last_event_id_gets_a_snapshot(server: ServerProcess) -> None:
    server.client(KIOSK_KEY).issue("ho-tich")
    for header in ("abc", "999999", "-1", ""):
        ev = read_events(server.url, {"Last-Event-ID": header})[0]
        assert ev["event"] == "snapshot" and ev["id"] == "1", header
    ev = read_events(server.url, {"Last-Event-ID": "0"})[0]
    assert ev["event"] == "ticket.issued"


def test_pings_keep_an_idle_stream_alive(server: ServerProcess) -> None:
    host, port = "127.0.0.1", server.port
    with socket.create_connection((host, port), timeout=5) as s:
        s.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
        deadline = time.monotonic() + 4
        data = b""
        while b": ping" not in data and time.monotonic() < deadline:
            data += s.recv(65536)
    assert b"text/event-stream" in data and b": ping" in data  # ping_seconds = 1.0 in tests


def test_fifty_streams_get_a_call_and_a_stuck_client_blocks_nobody(server: ServerProcess) -> None:
    # A client that opens a stream and never reads: its socket buffers fill up.
    stuck = socket.create_connection(("127.0.0.1", server.port))
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stuck.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
    received: list[float] = []
    lock = threading.Lock()
    ready = threading.Barrier(51)

    def on_event(e: StreamEvent) -> None:
        if e.type == "snapshot":
            ready.wait(10)
        elif e.type == "ticket.called":
            with lock:
                received.append(time.monotonic())

    streams = [EventStream(server.url, on_event).start() for _ in range(50)]
    ready.wait(20)
    kiosk = server.client(KIOSK_KEY)
    for _ in range(300):  # lots of events with big payloads towards the stuck client
        kiosk.issue("ho-tich")
    t0 = time.monotonic()
    issue_started = time.monotonic()
    kiosk.issue("ho-tich")
    assert time.monotonic() - issue_started < 1.0  # the API is not blocked
    server.client(counter_key(1)).counter(1, "next")
    deadline = time.monotonic() + 10
    while len(received) < 50 and time.monotonic() < deadline:
        time.sleep(0.01)
    for s in streams:
        s.stop(0.5)
    stuck.close()
    assert len(received) == 50
    assert max(received) - t0 < 3.0


def test_stream_limit_answers_503(tmp_path: Path) -> None:
    port = free_port()
    srv = ServerProcess(write_config(tmp_path, port=port, server_extra="max_streams = 2"), port)
    srv.start()
    socks = []
    for _ in range(2):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
        s.recv(100)
        socks.append(s)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", "/api/v1/events")
    resp = conn.getresponse()
    assert resp.status == 503
    assert json.loads(resp.read())["error"]["code"] == "too_many_streams"
    conn.close()
    assert srv.client().health()["status"] == "ok"
    for s in socks:
        s.close()
    srv.stop()


def test_sigterm_with_open_streams_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    srv = ServerProcess(write_config(tmp_path, port=port), port).start()
    streams = [EventStream(srv.url, lambda e: None).start() for _ in range(5)]
    wait_for(lambda: all(s.connected for s in streams), what="five open streams")
    t0 = time.monotonic()
    assert srv.stop(timeout=10) == 0
    assert time.monotonic() - t0 < 8
    for s in streams:
        s.stop(0.5)
    assert "Traceback" not in srv.output()


def test_unwritable_database_directory_is_one_clear_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cfg = write_config(tmp_path, database=str(blocker / "sub" / "q.db"))
    r = subprocess.run(
        [os.sys.executable, "-m", "counter_api", "--config", str(cfg), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert r.returncode == 1
    assert "cannot" in r.stderr and "Traceback" not in r.stderr


def test_the_server_works_under_libfaketime(tmp_path: Path) -> None:
    """Not how we test time (the core takes a clock); checks the server survives it."""
    debian_tool("faketime", "the server must run under libfaketime")
    libs = sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))
    assert libs, "faketime is installed but libfaketime.so.1 was not found"
    port = free_port()
    # Preload the library ourselves: the faketime wrapper forks, so signals would
    # reach the wrapper and not the server. 16:59:57 UTC is 23:59:57 in Vietnam.
    env = {"LD_PRELOAD": str(libs[0]), "FAKETIME": "@2026-11-24 16:59:57", "TZ": "UTC"}
    srv = ServerProcess(write_config(tmp_path, port=port), port, env=env)
    srv.start(timeout=20)
    c = srv.client(KIOSK_KEY)
    first = c.issue("ho-tich")
    assert first["business_date"] == "2026-11-24"
    ev = read_events(srv.url, {"Last-Event-ID": "1"}, until=2, timeout=15)
    assert [e["event"] for e in ev] == ["ticket.expired", "day.rollover"]  # by the timer
    assert c.issue("ho-tich")["code"] == "A001"
    assert srv.client(ADMIN_KEY).state()["business_date"] == "2026-11-25"
    assert srv.stop() == 0


@pytest.mark.parametrize("sig", [signal.SIGINT])
def test_sigint_also_stops(tmp_path: Path, sig: int) -> None:
    port = free_port()
    srv = ServerProcess(write_config(tmp_path, port=port), port).start()
    srv.proc.send_signal(sig)
    srv.proc.send_signal(signal.SIGTERM)  # Ctrl-C in a terminal, then the demo's SIGTERM
    assert srv.proc.wait(10) == 0
    assert "Traceback" not in srv.output()
    assert "SIGINT received, stopping" in srv.output()


def _raw(port: int, data: bytes, timeout: float = 5.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        with contextlib.suppress(OSError):  # the server may already have closed it
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        out = b""
        try:
            while chunk := s.recv(65536):
                out += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    return out


def test_garbage_on_the_wire_leaves_the_server_healthy(server: ServerProcess) -> None:
    p = server.port
    auth = f"Authorization: Bearer {KIOSK_KEY}\r\n".encode()
    assert _raw(p, b"\x00\xff\xfe garbage \r\n\r\n").startswith(b"HTTP/1.")
    assert b" 400 " in _raw(p, b"GET /api/v1/health HTTP/1.1\r\nHost x\r\n\r\n").split(b"\r\n")[0]
    chunked = b"4000\r\n" + b"a" * 0x4000 + b"\r\n" + b"400\r\n" + b"b" * 0x400 + b"\r\n0\r\n\r\n"
    out = _raw(
        p,
        b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\n"
        + auth
        + b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunked,
    )
    assert b" 413 " in out.split(b"\r\n")[0] and b"too_large" in out
    out = _raw(
        p,
        b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\n"
        + auth
        + b"Content-Type: application/json\r\nContent-Length: 2000000\r\n\r\n"
        + b"{" * 5000,
    )
    assert b" 413 " in out.split(b"\r\n")[0]
    out = _raw(p, b"GET /api/v1/tickets/%ff%fe HTTP/1.1\r\nHost: x\r\n\r\n")
    assert b" 404 " in out.split(b"\r\n")[0]
    out = _raw(
        p, b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n" + b"X-A: " + b"a" * 300000 + b"\r\n\r\n"
    )
    assert out.split(b" ")[1].startswith(b"4")
    body = b'{"service": "ho-tich"}'
    out = _raw(
        p,
        b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\n"
        + auth
        + b"Content-Type: application/json\r\nContent-Length: 40\r\n\r\n"
        + body,
        timeout=3,
    )
    assert not out.startswith(b"HTTP/1.1 201")  # a short body is never taken as a ticket
    assert server.client().health()["status"] == "ok"
    assert server.client().state()["services"][0]["waiting"] == 0
    assert "Traceback" not in server.output()
