"""The kiosk's requests survive lost answers and restarts: a screenless kiosk on
gpiozero mock pins, a real server, a preview printer.

- A ticket whose answer was lost is asked again with the same request_id and
  printed once (a proxy drops the server's first answer after it issued).
- A tap while the server restarts is answered when it is back; a server that
  stays away makes the kiosk give up, and nothing is issued behind its back.
- The last event id is kept on disk: a reprint asked while the kiosk was off is
  printed when it starts, one of yesterday is not, and none twice.
"""

from __future__ import annotations

import json
import signal
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kiosk.cursor import EventCursor
from kiosk.headless import Headless
from kiosk.state import Screen
from sothutu.config import load_config
from tests.conftest import VN
from tests.kiosk_support import drive, kiosk_extra, preview_files
from tests.support import (
    KIOSK_KEY,
    LossyProxy,
    ServerProcess,
    counter_key,
    free_port,
    write_config,
)

PINS = 'button_pins = ["GPIO17", "GPIO27", "GPIO22"]\nled_pin = "GPIO6"\n'


def kiosk_config(tmp_path: Path, port: int, *, kiosk: str = "", url: str = "") -> Path:
    extra = kiosk_extra("preview:tickets", kiosk=PINS + kiosk)
    server_extra = f'url = "{url}"' if url else ""
    return write_config(tmp_path, port=port, extra=extra, server_extra=server_extra)


def headless(tmp_path: Path, port: int, factory, *, kiosk: str = "", url: str = "") -> Headless:
    cfg = kiosk_config(tmp_path, port, kiosk=kiosk, url=url)
    return Headless(load_config(cfg), factory=factory)


def step(k: Headless) -> None:
    k.step(0.02)


def press(factory, pin: int) -> None:
    p = factory.pin(pin)
    p.drive_low()
    time.sleep(0.05)
    p.drive_high()


def tickets(tmp_path: Path) -> list[str]:
    """Codes of the printed tickets (``…-A001-7.png``), oldest first."""
    return [p.stem.rsplit("-", 2)[1] for p in preview_files(tmp_path / "tickets", ".png")]


def waiting(server: ServerProcess) -> dict[str, int]:
    return {s["id"]: s["waiting"] for s in server.client().services()}


def test_a_ticket_whose_answer_was_lost_is_printed_once(
    tmp_path: Path, mock_factory, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    proxy = LossyProxy(port, b"POST /api/v1/tickets")
    server = ServerProcess(write_config(tmp_path, port=port), port).start()
    kdir = tmp_path / "kiosk"
    kdir.mkdir()
    k = headless(kdir, port, mock_factory, url=f"http://127.0.0.1:{proxy.port}").start()
    try:
        assert drive(lambda: step(k), lambda: k.controller.state.screen is Screen.START, 5)
        press(mock_factory, 17)  # Hộ tịch
        assert drive(lambda: step(k), lambda: tickets(kdir), 15), "no ticket printed"
        assert proxy.dropped == 1, "the first answer was lost"
        assert any("sending it again" in r.getMessage() for r in caplog.records)
        assert tickets(kdir) == ["A001"]
        assert waiting(server)["ho-tich"] == 1  # one ticket issued, one printed
    finally:
        k.close()
        server.stop()
        proxy.close()


def test_a_tap_while_the_server_stalls_prints_one_ticket(
    tmp_path: Path, mock_factory, caplog: pytest.LogCaptureFixture
) -> None:
    """The server stops answering (SIGSTOP) while a citizen taps: the request times
    out and is sent again; when the server goes on (SIGCONT) it handles the first
    request too, and the kiosk still gets and prints one ticket."""
    port = free_port()
    server = ServerProcess(write_config(tmp_path, port=port), port).start()
    kdir = tmp_path / "kiosk"
    kdir.mkdir()
    k = headless(kdir, port, mock_factory, kiosk="request_timeout = 1.0").start()
    try:
        assert drive(lambda: step(k), lambda: k.controller.state.screen is Screen.START, 5)
        assert server.proc is not None
        server.proc.send_signal(signal.SIGSTOP)
        try:
            press(mock_factory, 27)  # Chứng thực
            assert drive(
                lambda: step(k),
                lambda: any("sending it again" in r.getMessage() for r in caplog.records),
                5,
            ), "the request was not sent again"
        finally:
            server.proc.send_signal(signal.SIGCONT)
        assert drive(lambda: step(k), lambda: tickets(kdir), 20), "no ticket printed"
        for _ in range(25):
            step(k)
        assert tickets(kdir) == ["B001"]
        assert waiting(server)["chung-thuc"] == 1  # the stalled request and its retry: one
    finally:
        k.close()
        server.stop()


def test_a_server_that_never_answers_is_given_up_on(
    tmp_path: Path, mock_factory, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    proxy = LossyProxy(port, b"POST /api/v1/tickets", lose="request", times=1000)
    proxy.release.set()  # every ticket request: hung up on at once, never forwarded
    server = ServerProcess(write_config(tmp_path, port=port), port).start()
    kdir = tmp_path / "kiosk"
    kdir.mkdir()
    url = f"http://127.0.0.1:{proxy.port}"
    k = headless(kdir, port, mock_factory, kiosk="retry_seconds = 1.5", url=url).start()
    try:
        assert drive(lambda: step(k), lambda: k.controller.state.screen is Screen.START, 5)
        press(mock_factory, 17)
        assert drive(lambda: step(k), lambda: k.controller.state.screen is Screen.OFFLINE, 6)
        assert k.controller.state.uncertain  # "Vui lòng liên hệ Quầy hướng dẫn"
        assert proxy.dropped >= 2, "sent again before giving up"
        assert any("may have issued" in r.getMessage() for r in caplog.records)
        for _ in range(50):
            step(k)
        assert waiting(server)["ho-tich"] == 0 and tickets(kdir) == []
        assert proxy.dropped == len([r for r in caplog.records if "again" in r.getMessage()]) + 1
    finally:
        k.close()
        server.stop()
        proxy.close()


def seed_yesterday(tmp_path: Path, port: int) -> tuple[Path, int, dict]:
    """A database whose log holds yesterday's ticket and its reprint for kiosk-1 (made
    by the real service with yesterday's clock); returns the config, the last event
    id before that reprint, and the ticket."""
    from counter_api.service import QueueService
    from counter_api.store import Store
    from sothutu.clock import ManualClock

    config_path = write_config(tmp_path, port=port)
    config = load_config(config_path)
    yesterday = datetime.now(VN).replace(hour=16, minute=0) - timedelta(days=1)
    svc = QueueService(config, Store(config.database_path), ManualClock(yesterday))
    try:
        ticket = svc.issue("dat-dai", kiosk="kiosk-1")
        before = svc.bus.last_id
        svc.reprint(ticket["id"])
    finally:
        svc.store.close()
    return config_path, before, ticket


def test_a_reprint_asked_while_the_kiosk_was_off_is_printed_when_it_starts(
    tmp_path: Path, mock_factory
) -> None:
    port = free_port()
    config_path, seen, old = seed_yesterday(tmp_path, port)
    server = ServerProcess(config_path, port).start()
    kdir = tmp_path / "kiosk"
    kdir.mkdir()
    try:
        # The kiosk had seen everything up to `seen` (yesterday) when it was switched off.
        config = load_config(kiosk_config(kdir, port))
        assert config.kiosk_state_dir == kdir / "kiosk"  # beside the database by default
        cursor = EventCursor(config.kiosk_state_dir, "kiosk-1", server.url)
        cursor.note(seen, now=True)
        # While it is off: today's ticket, a clerk asks to reprint it, and another waits.
        kiosk = server.client(KIOSK_KEY)
        today = kiosk.issue("ho-tich")
        kiosk.issue("ho-tich")
        server.client(counter_key(1)).post(f"/api/v1/tickets/{today['id']}/reprint")
        k = headless(kdir, port, mock_factory).start()
        try:
            assert drive(lambda: step(k), lambda: tickets(kdir), 10), "reprint not printed"
            for _ in range(25):  # and nothing else comes
                step(k)
            assert tickets(kdir) == ["A001"], "today's reprint only, not yesterday's C001"
            assert old["code"] == "C001"
            # the waiting counts came though the stream was resumed (no snapshot)
            fields = {f.id: f.waiting for f in k.controller.state.fields}
            assert fields["ho-tich"] == 2, fields
        finally:
            k.close()
        saved = json.loads(cursor.path.read_text())
        assert saved["server"] == server.url and saved["last_event_id"] > seen
        # Started again: nothing is printed twice, and a live reprint still prints.
        k = headless(kdir, port, mock_factory).start()
        try:
            assert drive(lambda: step(k), lambda: k.controller.state.screen is Screen.START, 5)
            server.client(counter_key(1)).post(f"/api/v1/tickets/{today['id']}/reprint")
            assert drive(lambda: step(k), lambda: len(tickets(kdir)) == 2, 10), "live reprint"
            assert tickets(kdir) == ["A001", "A001"]
        finally:
            k.close()
    finally:
        server.stop()


def test_the_cursor_file_is_ours_or_ignored(tmp_path: Path) -> None:
    cursor = EventCursor(tmp_path / "state", "kiosk 1/ü", "http://10.0.0.2:8080/")
    assert cursor.load() is None  # nothing saved yet
    assert cursor.path.parent == tmp_path / "state" and "/" not in cursor.path.name[:-5]
    cursor.note(41, now=True)
    cursor.note(42)  # within the interval: kept for flush
    assert EventCursor(tmp_path / "state", "kiosk 1/ü", "http://10.0.0.2:8080").load() == 41
    cursor.flush()
    assert EventCursor(tmp_path / "state", "kiosk 1/ü", "http://10.0.0.2:8080").load() == 42
    # another server's file (the kiosk was moved) is not used
    assert EventCursor(tmp_path / "state", "kiosk 1/ü", "http://10.0.0.3:8080").load() is None
    for junk in ("", "[1]", '{"server": "http://10.0.0.2:8080", "last_event_id": "7"}'):
        cursor.path.write_text(junk)
        assert cursor.load() is None, junk
    # a folder it cannot write: said once, the kiosk carries on
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    stuck = EventCursor(blocked, "kiosk-1", "http://x")
    stuck.note(5, now=True)
    stuck.note(6, now=True)
    assert stuck.load() is None
