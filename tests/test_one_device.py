"""One device on the LAN must not stop the centre: real server processes on loopback.

Loopback addresses play the devices: 127.0.0.9 a citizen's phone, 127.0.0.5 the
waiting-room TV, 127.0.0.7 a clerk's PC, 127.0.0.6 a kiosk on another Pi;
127.0.0.1 is the server's own Pi (exempt from the per-address caps).
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest

from counter_api.events import RING_EVENTS, Event, EventBus
from counter_api.web.slots import Refused, StreamSlots
from sothutu.client import EventStream
from tests.support import (
    ADMIN_KEY,
    KIOSK_KEY,
    ROOT,
    ServerProcess,
    counter_key,
    counter_pin,
    debian_tool,
    free_port,
    grow_event_log,
    idle_replay_growth,
    write_config,
)

PHONE = "127.0.0.9"
PHONE2 = "127.0.0.8"
TV = "127.0.0.5"
CLERK = "127.0.0.7"
KIOSK_PI = "127.0.0.6"
LOCAL = "127.0.0.1"

#: Clip names the test's empty voice pack lacks, so espeak-ng says them.
SPOKEN = [f"so-{d}" for d in range(10)]


def connect(port: int, source: str, timeout: float = 5.0) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(
        "127.0.0.1", port, timeout=timeout, source_address=(source, 0)
    )


class Stream:
    """A stream request from a device; ``close()`` hangs up (the socket really closes)."""

    def __init__(self, port: int, source: str, path: str, headers: dict | None) -> None:
        self.conn = connect(port, source)
        self.conn.request("GET", path, headers=headers or {})
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        if self.status != 200:
            self.body = self.resp.read()
            self.close()

    def header(self, name: str) -> str | None:
        return self.resp.getheader(name)

    def close(self) -> None:
        self.resp.close()  # its file holds the socket open after the connection's close
        self.conn.close()


def open_stream(
    port: int, source: str, path: str = "/api/v1/events", headers: dict | None = None
) -> Stream:
    """A stream from ``source``; the caller closes it."""
    return Stream(port, source, path, headers)


def next_event(stream: Stream) -> dict[str, str]:
    """The next event of a stream (comments and the retry line skipped)."""
    event: dict[str, str] = {}
    while True:
        line = stream.resp.fp.readline().decode().rstrip("\n")
        if line == "":
            if "data" in event:
                return event
            event = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(": ")
            event[name] = value


def console_cookie(port: int, source: str, n: int = 1) -> str:
    """The session cookie of a clerk logged in to counter ``n`` from ``source``."""
    conn = connect(port, source)
    conn.request("GET", "/console")
    resp = conn.getresponse()
    page = resp.read().decode()
    cookie = resp.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = urlencode({"csrf_token": token, "counter": str(n), "pin": counter_pin(n)})
    conn.request(
        "POST",
        "/console/login",
        form,
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    resp = conn.getresponse()
    resp.read()
    conn.close()
    assert resp.status == 303, resp.status
    return resp.getheader("Set-Cookie").split(";")[0]


def granted(port: int, source: str, path: str = "/api/v1/events") -> Stream:
    """A stream from ``source`` once one is granted (within a second), kept open."""
    t0 = time.monotonic()
    while True:
        stream = open_stream(port, source, path)
        if stream.status == 200 or time.monotonic() - t0 > 1.0:
            assert stream.status == 200, stream.body
            return stream
        time.sleep(0.02)


def first_granted(port: int, source: str, path: str, within: float) -> float | None:
    """Seconds until a stream from ``source`` is granted (closed again at once), or None."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < within:
        stream = open_stream(port, source, path)
        if stream.status == 200:
            stream.close()
            return time.monotonic() - t0
        time.sleep(0.02)
    return None


@contextlib.contextmanager
def closing_all(streams: list[Stream]) -> Iterator[None]:
    try:
        yield
    finally:
        for s in streams:
            s.close()


@pytest.fixture(scope="module")
def espeak_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with ``espeak-ng`` first on PATH: the real one, each run logged."""
    real = debian_tool("espeak-ng", "the voice clips a pack lacks")
    d = tmp_path_factory.mktemp("espeak")
    log = d / "runs.log"
    wrapper = d / "espeak-ng"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'echo "start $$ $(date +%s.%N)" >> {log}\n'
        f'{real} "$@"\nrc=$?\n'
        f'echo "end $$ $(date +%s.%N)" >> {log}\n'
        "exit $rc\n"
    )
    wrapper.chmod(0o755)
    return log


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory, espeak_log: Path) -> Iterator[ServerProcess]:
    """The default caps, an empty voice pack, and espeak-ng runs logged."""
    d = tmp_path_factory.mktemp("one-device")
    (d / "pack").mkdir()
    port = free_port()
    cfg = write_config(
        d,
        port=port,
        server_extra="head_seconds = 2.0",
        extra='\n[voice]\npack = "pack"\nespeak = true\n',
    )
    path = f"{espeak_log.parent}:{os.environ.get('PATH', '')}"
    server = ServerProcess(cfg, port, env={"PATH": path}).start()
    yield server
    server.stop()


def test_one_phone_cannot_take_the_streams_of_tv_consoles_and_kiosks(srv: ServerProcess) -> None:
    held: list[Stream] = []
    with closing_all(held):
        mine = [granted(srv.port, PHONE) for _ in range(4)]  # [server] streams_per_address
        held += mine
        for _ in range(60):
            refused = open_stream(srv.port, PHONE)
            held.append(refused)
            assert refused.status == 503
            assert refused.header("Retry-After") == "10"
        # the waiting-room TV, a kiosk's key (even from the phone's address) and a clerk
        for source, headers in (
            (TV, {}),
            (PHONE, {"Authorization": f"Bearer {KIOSK_KEY}"}),
            (CLERK, {"Cookie": console_cookie(srv.port, CLERK)}),
            (LOCAL, {}),  # the pygame display on the server's own Pi
        ):
            stream = open_stream(srv.port, source, headers=headers)
            held.append(stream)
            assert stream.status == 200, (source, headers)
            assert next_event(stream)["event"] == "snapshot"
        # a phone that leaves gives its slot back at once
        mine[0].close()
        after = first_granted(srv.port, PHONE, "/api/v1/events", within=3.0)
        assert after is not None and after < 1.0, after


def test_a_refused_stream_says_why_and_when_to_come_back(srv: ServerProcess) -> None:
    held = [granted(srv.port, PHONE) for _ in range(4)]
    with closing_all(held):
        refused = open_stream(srv.port, PHONE)
        held.append(refused)
    assert refused.status == 503 and refused.header("Retry-After") == "10"
    error = json.loads(refused.body)["error"]
    assert error["code"] == "too_many_streams"
    assert "4 streams from one address" in error["message"]


def test_phones_status_streams_are_capped_per_address(srv: ServerProcess) -> None:
    ticket = srv.client(KIOSK_KEY).issue("chung-thuc")
    path = f"/t/{ticket['id']}/events"
    held: list[Stream] = []
    with closing_all(held):
        mine = [granted(srv.port, PHONE, path) for _ in range(2)]
        held += mine  # [server] phone_streams_per_address
        for _ in range(3):
            refused = open_stream(srv.port, PHONE, path)
            assert refused.status == 503 and refused.header("Retry-After") == "30"
            assert json.loads(refused.body)["error"]["code"] == "too_many_streams"
        other = open_stream(srv.port, PHONE2, path)  # another phone still follows
        held.append(other)
        assert other.status == 200
        assert json.loads(next_event(other)["data"])["ticket"]["code"] == ticket["code"]
        mine[0].close()
        after = first_granted(srv.port, PHONE, path, within=3.0)
        assert after is not None and after < 1.0, after


def test_slowloris_from_one_address_leaves_kiosks_and_health_answering(
    srv: ServerProcess,
) -> None:
    port = srv.port
    attack: list[socket.socket] = []
    try:
        for i in range(300):  # unfinished request heads, and some that never say anything
            s = socket.socket()
            s.bind((PHONE, 0))
            s.connect(("127.0.0.1", port))
            with contextlib.suppress(OSError):  # refused ones are reset at once
                if i % 3:
                    s.sendall(b"GET /api/v1/state HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            attack.append(s)
        t0 = time.monotonic()
        health = connect(port, TV, timeout=1.0)
        health.request("GET", "/api/v1/health")
        assert health.getresponse().status == 200
        assert time.monotonic() - t0 < 1.0
        t0 = time.monotonic()
        kiosk = connect(port, KIOSK_PI, timeout=1.0)
        kiosk.request(
            "POST",
            "/api/v1/tickets",
            json.dumps({"service": "ho-tich"}),
            {"Authorization": f"Bearer {KIOSK_KEY}", "Content-Type": "application/json"},
        )
        assert kiosk.getresponse().status == 201
        assert time.monotonic() - t0 < 1.0
        health.close()
        kiosk.close()

        # A head that trickles one byte at a time is closed once head_seconds (2) pass.
        trickle = socket.socket()
        trickle.bind((PHONE2, 0))
        trickle.connect(("127.0.0.1", port))
        trickle.settimeout(0.1)
        t0 = time.monotonic()
        closed_after = None
        for byte in b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n" + b"X: " + b"y" * 200:
            try:
                trickle.sendall(bytes([byte]))
                if trickle.recv(1) == b"":
                    closed_after = time.monotonic() - t0
                    break
            except TimeoutError:
                continue
            except OSError:
                closed_after = time.monotonic() - t0
                break
            if time.monotonic() - t0 > 6:
                break
        trickle.close()
        assert closed_after is not None and 1.9 < closed_after < 3.5, closed_after
    finally:
        for s in attack:
            s.close()


def test_programs_on_the_servers_own_pi_are_not_capped_per_address(srv: ServerProcess) -> None:
    socks = [socket.create_connection(("127.0.0.1", srv.port)) for _ in range(30)]
    try:
        last = socks[-1]
        last.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        last.settimeout(2)
        assert last.recv(100).startswith(b"HTTP/1.1 200")
    finally:
        for s in socks:
            s.close()


def test_a_missing_clip_is_said_by_espeak_once_and_two_at_a_time(
    srv: ServerProcess, espeak_log: Path
) -> None:
    def fetch(name: str) -> tuple[str, int, bytes]:
        conn = connect(srv.port, LOCAL, timeout=60)
        conn.request("GET", f"/api/v1/voice/clip?name={name}")
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        return name, resp.status, body

    with ThreadPoolExecutor(80) as pool:
        got = list(pool.map(fetch, [SPOKEN[i % len(SPOKEN)] for i in range(80)]))
    assert all(status == 200 and body.startswith(b"RIFF") for _, status, body in got)
    for name in SPOKEN:  # every asker of a clip got the same sound
        assert len({body for n, _, body in got if n == name}) == 1
    runs = espeak_log.read_text().split("\n")
    starts = [line for line in runs if line.startswith("start")]
    assert len(starts) == len(SPOKEN), runs
    at_once = most = 0
    for _, kind in sorted((float(line.split()[2]), line.split()[0]) for line in runs if line):
        at_once += 1 if kind == "start" else -1
        most = max(most, at_once)
    assert most <= 2, runs


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """Eight stream slots, three of them kept for keys, consoles and this Pi."""
    d = tmp_path_factory.mktemp("small")
    port = free_port()
    cfg = write_config(d, port=port, server_extra="max_streams = 8\nreserved_streams = 3")
    server = ServerProcess(cfg, port).start()
    yield server
    server.stop()


def test_keyed_clients_and_consoles_keep_their_room_when_anonymous_ones_are_full(
    small: ServerProcess,
) -> None:
    port = small.port
    held: list[Stream] = []
    with closing_all(held):
        for source in (PHONE, PHONE, PHONE, PHONE, PHONE2):
            held.append(granted(port, source))
        tv = open_stream(port, TV)  # the five slots without a key are taken
        assert tv.status == 503 and tv.header("Retry-After") == "10"
        for source, headers in (
            (TV, {"Authorization": f"Bearer {counter_key(2)}"}),  # a keypad
            (CLERK, {"Cookie": console_cookie(port, CLERK, 3)}),
            (LOCAL, {}),
        ):
            held.append(open_stream(port, source, headers=headers))
            assert held[-1].status == 200, source
        admin = open_stream(port, TV, headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        assert admin.status == 503  # max_streams holds for everyone
        assert b"at most 8 streams at once" in admin.body
    held = [granted(port, PHONE) for _ in range(4)]  # once the slots above are back
    with closing_all(held):  # a wrong key counts as none: the phone's cap holds
        wrong = open_stream(port, PHONE, headers={"Authorization": "Bearer wrong-key"})
        assert wrong.status == 503 and b"from one address" in wrong.body


def test_replay_is_paged_with_backpressure_and_capped_without_a_key(tmp_path: Path) -> None:
    port = free_port()
    srv = ServerProcess(write_config(tmp_path, port=port), port).start()
    kiosk = srv.client(KIOSK_KEY)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: kiosk.issue("ho-tich"), range(200)))
    srv.stop()
    grow_event_log(tmp_path / "queue.db", 5)  # 6,400 events, about 2.6 MB
    srv.start()
    try:
        last = srv.client().state()["last_event_id"]
        assert last >= 6400
        # without a key: a short outage is replayed, the whole day is a snapshot
        tv = open_stream(port, TV, headers={"Last-Event-ID": str(last - 5)})
        assert [int(next_event(tv)["id"]) for _ in range(5)] == list(range(last - 4, last + 1))
        tv.close()
        tv = open_stream(port, TV, headers={"Last-Event-ID": "1"})
        assert next_event(tv)["event"] == "snapshot"
        tv.close()
        # with a key: every event, in order, across the pages
        keyed = open_stream(port, TV, "/api/v1/events?lastEventId=1", _keyed())
        ids = [int(next_event(keyed)["id"]) for _ in range(last - 1)]
        assert ids == list(range(2, last + 1))
        keyed.close()

        # Clients that ask for the whole day and never read: each holds about a page.
        per_client = idle_replay_growth(srv, 20, 2.5)
        assert per_client <= 0.7, f"{per_client:.2f} MB per idle client"
        # and they leave without a trace: the API still answers at once
        assert srv.client().health()["status"] == "ok"
    finally:
        srv.stop()


def _keyed() -> dict[str, str]:
    return {"Authorization": f"Bearer {KIOSK_KEY}"}


def test_a_vanished_tv_gives_its_stream_back(tmp_path: Path) -> None:
    """A TV unplugged sends nothing, not even a reset; the server must notice by itself
    (TCP keepalive and user timeout). Played in a network namespace of its own where a
    blackhole route swallows what the server sends the TV."""
    debian_tool("ip", "a blackhole route plays the unplugged TV (package iproute2)")
    unshare = debian_tool("unshare", "a network namespace of the test's own (util-linux)")
    if subprocess.run([unshare, "-n", "true"], capture_output=True).returncode != 0:
        pytest.skip("needs the right to make a network namespace (unshare -n; root)")
    done = subprocess.run(
        [unshare, "-n", sys.executable, "-m", "tests.vanish", str(tmp_path), "--dead", "3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr
    freed = json.loads(done.stdout.strip().splitlines()[-1])["freed_after"]
    # dead_client_seconds = 3 after the next ping (1 s in tests), and a little slack
    assert freed is not None and freed < 7.0, freed


def test_two_hundred_streams_come_and_go_without_leaking_slots(srv: ServerProcess) -> None:
    """Slots are counted back exactly: many short streams from a few addresses, closed
    in every way (before and after the first byte), leave every slot free."""
    sources = [f"127.0.0.{20 + i}" for i in range(10)]

    def churn(source: str) -> None:
        for i in range(20):
            stream = open_stream(srv.port, source)
            if stream.status == 200 and i % 2:
                next_event(stream)
            stream.close()

    threads = [threading.Thread(target=churn, args=(s,)) for s in sources]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for source in sources:  # each address has its four slots back, at once
        held = [open_stream(srv.port, source) for _ in range(4)]
        with closing_all(held):
            assert all(h.status == 200 for h in held), source


def test_a_refused_device_sends_its_key_and_waits_as_asked() -> None:
    """The kiosk's and keypad's stream client: its key goes with the request (the
    server keeps slots for keyed clients), and a 503 with Retry-After slows it down
    instead of a retry every half second. A stand-in server that always refuses."""

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    asked: list[tuple[float, bytes]] = []

    def refuse() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                head = b""
                while b"\r\n\r\n" not in head:
                    head += conn.recv(4096)
                asked.append((time.monotonic(), head))
                conn.sendall(
                    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
                )

    threading.Thread(target=refuse, daemon=True).start()
    port = listener.getsockname()[1]
    stream = EventStream(
        f"http://127.0.0.1:{port}", lambda e: None, key=KIOSK_KEY, backoff=0.05, max_backoff=5
    ).start()
    time.sleep(2.6)
    stream.stop(1)
    listener.close()
    assert asked and all(f"Bearer {KIOSK_KEY}".encode() in head for _, head in asked)
    gaps = [b - a for (a, _), (b, _) in itertools.pairwise(asked)]
    assert 2 <= len(asked) <= 4 and min(gaps) >= 0.9, gaps


def test_the_api_document_says_when_to_come_back(srv: ServerProcess) -> None:
    doc = srv.client().get("/api/v1/openapi.json")
    for path in ("/events", "/t/{tid}/events"):  # the API's paths are under its server url
        refused = doc["paths"][path]["get"]["responses"]["503"]
        assert "too_many_streams" in refused["description"]
        assert "Retry-After" in refused["headers"], path


def test_stream_slots_count_every_slot_back_once() -> None:
    """The rules of the slots themselves: a slot given back twice frees one place, an
    IPv4-mapped address is its IPv4 address, and the server's own Pi is trusted."""
    slots = StreamSlots(4, per_address=2, reserved=1)  # three without a key
    first = slots.take("::ffff:192.168.1.20")
    slots.take("192.168.1.20")
    with pytest.raises(Refused, match="2 streams from one address"):
        slots.take("192.168.1.20")
    first.give()
    first.give()
    slots.take("192.168.1.20")
    slots.take("192.168.1.21")
    with pytest.raises(Refused, match="3 streams at once without a key"):
        slots.take("192.168.1.22")
    local = slots.take("::1")
    assert not local.anonymous and slots.open == 4
    with pytest.raises(Refused, match="4 streams at once"):
        slots.take("10.0.0.1", trusted=True)


def test_the_bus_ring_pages_what_it_holds_and_sends_older_asks_to_the_log() -> None:
    """Replays and live streams read the in-memory ring in pages; further back than it
    reaches (RING_EVENTS), the caller reads the durable log (None)."""
    bus = EventBus(last_id=0)
    bus.publish(Event(i, "ticket.issued", "{}") for i in range(1, RING_EVENTS + 501))
    newest = RING_EVENTS + 500
    assert bus.since(100) is None  # evicted: the log has it
    assert [e.id for e in bus.since(600, 100)] == list(range(601, 701))
    assert [e.id for e in bus.since(newest - 1)] == [newest]
    assert bus.since(newest) == []
    assert [e.id for e in bus.since(500)][:2] == [501, 502]  # the ring's oldest
