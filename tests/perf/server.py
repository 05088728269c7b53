"""Queue server benchmarks against a real process on loopback.

Issue latency and throughput with 8 concurrent kiosks; call → event delivery
latency to 20 and 50 stream clients (the 50 half from the server's own Pi, half
from 25 LAN addresses); RSS idle and with 50 streams; cold start to the first
200; /state and a call late in a busy day; what one hostile address costs:
health with 300 unfinished requests from it, memory of clients that ask for a
whole day's replay and never read.
"""

from __future__ import annotations

import http.client
import json
import os
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.support import (
    KIOSK_KEY,
    ROOT,
    ServerProcess,
    counter_key,
    free_port,
    grow_event_log,
    idle_replay_growth,
    rss_mb,
    write_config,
)

TARGETS = {
    "issue_p99_ms": 20.0,
    "issue_per_s": 300.0,
    "delivery20_p99_ms": 50.0,
    "rss50_mb": 60.0,
    "cold_start_s": 1.5,
}


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


class KeepAlive:
    """One kiosk: a kept-alive HTTP/1.1 connection."""

    def __init__(self, port: int, key: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def post(self, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        self.conn.request("POST", path, body=data, headers=self.headers)
        resp = self.conn.getresponse()
        return resp.status, json.loads(resp.read())


def bench_issue(
    srv: ServerProcess, kiosks: int = 8, per_kiosk: int = 250, rate: float | None = None
) -> dict:
    """``kiosks`` threads each issue ``per_kiosk`` tickets on a kept-alive connection.

    With ``rate`` (tickets/s for all kiosks together) each kiosk sends on a fixed
    schedule and latency is measured from the scheduled time (no coordinated
    omission); without it they send as fast as answers come (saturation).
    """
    latencies: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(kiosks + 1)
    t_start = [0.0]

    def run(i: int) -> None:
        k = KeepAlive(srv.port, KIOSK_KEY)
        service = ["ho-tich", "chung-thuc"][i % 2]
        mine = []
        start.wait()
        for j in range(per_kiosk):
            if rate:
                due = t_start[0] + (j * kiosks + i) / rate
                while (now := time.perf_counter()) < due:
                    time.sleep(min(due - now, 0.002))
                t0 = due
            else:
                t0 = time.perf_counter()
            status, _ = k.post("/api/v1/tickets", {"service": service})
            mine.append(time.perf_counter() - t0)
            assert status == 201, status
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(kiosks)]
    for t in threads:
        t.start()
    t_start[0] = time.perf_counter() + 0.05
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return {
        "n": len(latencies),
        "p50_ms": pct(latencies, 50) * 1000,
        "p99_ms": pct(latencies, 99) * 1000,
        "per_s": len(latencies) / elapsed,
    }


class Listeners:
    """N raw SSE connections read by one selector thread (no GIL noise per client);
    ``lan`` of them from distinct LAN-like addresses (127.0.1.x), the rest from the
    server's own Pi."""

    def __init__(self, port: int, n: int, lan: int = 0) -> None:
        self.sel = selectors.DefaultSelector()
        self.arrivals: dict[str, list[float]] = {}
        self.socks = []
        for i in range(n):
            source = f"127.0.1.{i + 1}" if i < lan else "127.0.0.1"
            s = socket.create_connection(("127.0.0.1", port), source_address=(source, 0))
            s.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: bench\r\n\r\n")
            s.setblocking(False)
            self.sel.register(s, selectors.EVENT_READ, bytearray())
            self.socks.append(s)
        self.lock = threading.Lock()
        self.stop = False
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self.stop:
            for key, _ in self.sel.select(0.2):
                now = time.perf_counter()
                try:
                    data = key.fileobj.recv(1 << 16)
                except BlockingIOError:
                    continue
                buf: bytearray = key.data
                buf += data
                while b"\n\n" in buf:
                    block, _, rest = bytes(buf).partition(b"\n\n")
                    buf[:] = rest
                    if b"event: ticket.called" in block:
                        code = json.loads(block.split(b"data: ", 1)[1])["ticket"]["code"]
                        with self.lock:
                            self.arrivals.setdefault(code, []).append(now)

    def close(self) -> None:
        self.stop = True
        self.thread.join()
        for s in self.socks:
            s.close()


def bench_delivery(srv: ServerProcess, clients: int, calls: int = 60, lan: int = 0) -> dict:
    kiosk = KeepAlive(srv.port, KIOSK_KEY)
    for _ in range(calls):
        kiosk.post("/api/v1/tickets", {"service": "ho-tich"})
    listeners = Listeners(srv.port, clients, lan)
    time.sleep(1.0)
    counter = KeepAlive(srv.port, counter_key(1))
    latencies: list[float] = []
    for _ in range(calls):
        t0 = time.perf_counter()
        _, body = counter.post("/api/v1/counters/1/next")
        code = body["ticket"]["code"]
        deadline = time.perf_counter() + 5
        while time.perf_counter() < deadline:
            with listeners.lock:
                got = list(listeners.arrivals.get(code, []))
            if len(got) >= clients:
                break
            time.sleep(0.001)
        latencies += [t - t0 for t in got]
        time.sleep(0.02)
    rss = rss_mb(srv.proc.pid)
    listeners.close()
    return {
        "n": len(latencies),
        "expected": calls * clients,
        "p50_ms": pct(latencies, 50) * 1000,
        "p99_ms": pct(latencies, 99) * 1000,
        "rss_mb": rss,
    }


def bench_cold_start(tmp: Path, runs: int = 5) -> float:
    times = []
    for i in range(runs):
        d = tmp / f"cold{i}"
        d.mkdir()
        port = free_port()
        cfg = write_config(d, port=port)
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "counter_api", "--config", str(cfg)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                c.request("GET", "/api/v1/health")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.01)
        times.append(time.perf_counter() - t0)
        proc.terminate()
        proc.wait(10)
    return statistics.median(times)


def bench_busy_day(srv: ServerProcess) -> dict:
    """/state and a call after 1,000 tickets and 900 calls today."""
    kiosk = KeepAlive(srv.port, KIOSK_KEY)
    for i in range(1000):
        kiosk.post("/api/v1/tickets", {"service": ["ho-tich", "chung-thuc"][i % 2]})
    c1 = KeepAlive(srv.port, counter_key(1))
    c2 = KeepAlive(srv.port, counter_key(2))
    for _ in range(450):
        c1.post("/api/v1/counters/1/next")
        c2.post("/api/v1/counters/2/next")
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    state = []
    for _ in range(200):
        t0 = time.perf_counter()
        conn.request("GET", "/api/v1/state")
        conn.getresponse().read()
        state.append(time.perf_counter() - t0)
    calls = []
    for _ in range(50):
        t0 = time.perf_counter()
        c1.post("/api/v1/counters/1/next")
        calls.append(time.perf_counter() - t0)
    return {
        "state_p50_ms": pct(state, 50) * 1000,
        "state_p99_ms": pct(state, 99) * 1000,
        "next_p50_ms": pct(calls, 50) * 1000,
        "next_p99_ms": pct(calls, 99) * 1000,
    }


def bench_slowloris(srv: ServerProcess, held: int = 300, asks: int = 100) -> dict:
    """GET /health from one address while another holds ``held`` unfinished requests."""
    attack = []
    for i in range(held):
        s = socket.socket()
        s.bind(("127.0.0.9", 0))
        s.connect(("127.0.0.1", srv.port))
        try:
            if i % 3:
                s.sendall(b"GET /api/v1/state HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        except OSError:  # the server resets those over the address's cap
            pass
        attack.append(s)
    conn = http.client.HTTPConnection(
        "127.0.0.1", srv.port, timeout=5, source_address=("127.0.0.5", 0)
    )
    times = []
    for _ in range(asks):
        t0 = time.perf_counter()
        conn.request("GET", "/api/v1/health")
        conn.getresponse().read()
        times.append(time.perf_counter() - t0)
    conn.close()
    for s in attack:
        s.close()
    return {"p50_ms": pct(times, 50) * 1000, "p99_ms": pct(times, 99) * 1000}


def bench_idle_replay(tmp: Path, clients: int = 20) -> dict:
    """RSS of the server per client that asks for a whole day (6,400 events) with a
    kiosk's key (so no replay cap) and never reads."""
    port = free_port()
    srv = ServerProcess(write_config(tmp, port=port), port).start()
    kiosk = KeepAlive(srv.port, KIOSK_KEY)
    for _ in range(200):
        kiosk.post("/api/v1/tickets", {"service": "ho-tich"})
    srv.stop()
    events, size = grow_event_log(tmp / "queue.db", 5)
    srv.start()
    per_client = idle_replay_growth(srv, clients, 3.0)
    srv.stop()
    return {
        "events": events,
        "mb": size / 1e6,
        "clients": clients,
        "per_client_mb": per_client,
    }


def verdict(value: float, target: float, lower_is_better: bool = True) -> str:
    ok = value <= target if lower_is_better else value >= target
    return "met" if ok else "**missed**"


def run() -> list[str]:
    t = TARGETS
    load_before = os.getloadavg()
    tmp = Path(tempfile.mkdtemp(prefix="sothutu-bench-"))
    port = free_port()
    (tmp / "a").mkdir()
    srv = ServerProcess(write_config(tmp / "a", port=port), port).start()
    time.sleep(0.5)
    rss_idle = rss_mb(srv.proc.pid)
    paced = bench_issue(srv, per_kiosk=200, rate=t["issue_per_s"])
    issue = bench_issue(srv)
    d20 = bench_delivery(srv, 20)
    d50 = bench_delivery(srv, 50, lan=25)
    slow = bench_slowloris(srv)
    srv.stop()
    port = free_port()
    (tmp / "b").mkdir()
    srv = ServerProcess(write_config(tmp / "b", port=port), port).start()
    busy = bench_busy_day(srv)
    srv.stop()
    cold = bench_cold_start(tmp)
    (tmp / "c").mkdir()
    idle = bench_idle_replay(tmp / "c")
    load_after = os.getloadavg()
    return [
        "## Queue server",
        "",
        "| measure | result | target | |",
        "|---|---|---|---|",
        f"| issue a ticket, 8 kiosks together at {t['issue_per_s']:.0f} tickets/s "
        f"({paced['n']} tickets): p50 | {paced['p50_ms']:.1f} ms | | |",
        f"| same: p99 | {paced['p99_ms']:.1f} ms | ≤ {t['issue_p99_ms']:.0f} ms | "
        f"{verdict(paced['p99_ms'], t['issue_p99_ms'])} |",
        f"| 8 kiosks issuing as fast as answers come ({issue['n']} tickets): throughput | "
        f"{issue['per_s']:.0f} tickets/s | ≥ {t['issue_per_s']:.0f}/s | "
        f"{verdict(issue['per_s'], t['issue_per_s'], False)} |",
        f"| same, latency at saturation: p50 / p99 | {issue['p50_ms']:.1f} / "
        f"{issue['p99_ms']:.1f} ms | | |",
        f"| call → event at 20 stream clients ({d20['n']}/{d20['expected']} deliveries): p50 | "
        f"{d20['p50_ms']:.1f} ms | | |",
        f"| same: p99 | {d20['p99_ms']:.1f} ms | ≤ {t['delivery20_p99_ms']:.0f} ms | "
        f"{verdict(d20['p99_ms'], t['delivery20_p99_ms'])} |",
        f"| call → event at 50 stream clients, 25 of them from LAN addresses "
        f"({d50['n']}/{d50['expected']} deliveries): p50 | "
        f"{d50['p50_ms']:.1f} ms | | |",
        f"| same: p99 | {d50['p99_ms']:.1f} ms | | |",
        f"| server RSS, idle | {rss_idle:.1f} MB | | |",
        f"| server RSS with 50 streams open | {d50['rss_mb']:.1f} MB | ≤ {t['rss50_mb']:.0f} MB | "
        f"{verdict(d50['rss_mb'], t['rss50_mb'])} |",
        f"| cold start to the first 200 (median of 5) | {cold:.2f} s | ≤ {t['cold_start_s']} s | "
        f"{verdict(cold, t['cold_start_s'])} |",
        f"| GET /state after 1,000 tickets and 900 calls: p50 / p99 | "
        f"{busy['state_p50_ms']:.1f} / {busy['state_p99_ms']:.1f} ms | | |",
        f"| call next after 1,000 tickets: p50 / p99 | "
        f"{busy['next_p50_ms']:.1f} / {busy['next_p99_ms']:.1f} ms | | |",
        f"| GET /health while one address holds 300 unfinished requests: p50 / p99 | "
        f"{slow['p50_ms']:.1f} / {slow['p99_ms']:.1f} ms | < 1000 ms | "
        f"{verdict(slow['p99_ms'], 1000)} |",
        f"| server RSS per client asking for a whole day ({idle['events']} events, "
        f"{idle['mb']:.1f} MB) and never reading, {idle['clients']} clients | "
        f"{idle['per_client_mb']:.2f} MB | ≤ 0.7 MB | {verdict(idle['per_client_mb'], 0.7)} |",
        "",
        f"Load average (1, 5, 15 min) of the shared machine: "
        f"{' / '.join(f'{x:.2f}' for x in load_before)} before the run, "
        f"{' / '.join(f'{x:.2f}' for x in load_after)} after.",
        "",
        "Issue latency is measured at the target rate (each kiosk sends on a fixed",
        "schedule; latency counts from the scheduled time), throughput with the kiosks",
        "sending as fast as answers come: at saturation latency is only queueing",
        "(8 requests in flight × the time of one). Every request is a full issue: one",
        "`BEGIN IMMEDIATE` transaction with the ticket, its event and log row, fsync'd",
        "(`synchronous=FULL`). The load generator runs on the same two cores as the",
        "server; stream clients are raw sockets read by one selector thread.",
        "",
        "Memory has the least margin: about 45 MB is the idle process (Python with",
        "Flask, Jinja, waitress, sqlite-utils and rapidfuzz loaded and 80 worker",
        "threads started); each open stream adds about 0.3 MB, and the figure with 50",
        "streams comes after the busy issue runs above. The server caps glibc's malloc",
        "arenas, SQLite's page cache and the in-memory event ring (the last 1,024 events,",
        "about 0.5 MB; it held 4,096 before, 3 MB of the 60 MB) to stay under the target.",
        "",
        'One hostile address (docs/api.md, "One device cannot take the server"): the',
        "300 unfinished requests come from 127.0.0.9; the server resets those past",
        "`connections_per_address` at once and closes the rest after `head_seconds`.",
        "The idle replay clients hold a kiosk's key, so their replay is not capped: it",
        "goes out page by page as the client takes it, and waitress' output buffer is",
        "replaced every 64 KiB (it kept every byte a stream ever sent: 4 MB per such",
        "client before).",
    ]
