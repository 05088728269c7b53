"""Counter keypads: gpiozero MockFactory pins pressed against a real server on loopback.

The keypad runs in the test process on mock pins; the server is a real
``python -m counter_api`` process that the tests kill and restart.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

from keypads.counter.app import Keypad
from sothutu.config import load_config
from tests.support import (
    ADMIN_KEY,
    KIOSK_KEY,
    ROOT,
    LossyProxy,
    ServerProcess,
    counter_key,
    free_port,
    terminate,
    wait_for,
    write_config,
)

#: The request the proxy loses: the keypad's "next".
NEXT = b"POST /api/v1/counters/1/next"

KEYPAD = """
[[keypads]]
counter = 1
next = "GPIO17"
recall = "GPIO27"
no_show = "GPIO22"
done = "GPIO23"
led = "GPIO24"
buzzer = "GPIO25"
quiet_ms = 300
retry_seconds = {retry}
"""


class Rig:
    """A server, a keypad on mock pins, and hands to press its buttons."""

    def __init__(
        self, tmp: Path, factory: MockFactory, retry: float = 15.0, server_extra: str = ""
    ) -> None:
        self.port = free_port()
        self.path = write_config(
            tmp, port=self.port, extra=KEYPAD.format(retry=retry), server_extra=server_extra
        )
        self.server = ServerProcess(self.path, self.port).start()
        self.factory = factory
        self.keypad = Keypad(load_config(self.path), 1, pin_factory=self.factory).start()
        self.kiosk = self.server.client(KIOSK_KEY)
        self.admin = self.server.client(ADMIN_KEY)

    def pin(self, name: str):
        return self.factory.pin(name)

    def press(self, button: str, wait: bool = True) -> None:
        pin = self.pin({"next": "GPIO17", "recall": "GPIO27", "no_show": "GPIO22",
                        "done": "GPIO23"}[button])  # fmt: skip
        before = len(self.keypad.results)
        pin.drive_low()  # pull-up: a press connects the pin to ground
        time.sleep(0.01)
        pin.drive_high()
        if wait:
            wait_for(lambda: len(self.keypad.results) > before, 25, f"{button} to finish")
            time.sleep(0.35)  # quiet time

    def beeps(self) -> int:
        """Rising edges of the buzzer pin: one per beep."""
        states = [s.state for s in self.pin("GPIO25").states]
        return sum(1 for a, b in itertools.pairwise(states) if b and not a)

    def led_toggles(self, seconds: float) -> int:
        start = len(self.pin("GPIO24").states)
        time.sleep(seconds)
        return len(self.pin("GPIO24").states) - start

    def counter(self) -> dict:
        return next(c for c in self.server.client().state()["counters"] if c["number"] == 1)

    def close(self) -> None:
        self.keypad.close()
        self.server.stop()


@pytest.fixture
def rig(tmp_path: Path, mock_factory: MockFactory) -> Iterator[Rig]:
    r = Rig(tmp_path, mock_factory)
    yield r
    r.close()


def test_buttons_act_for_their_counter(rig: Rig) -> None:
    a1 = rig.kiosk.issue("ho-tich")
    a2 = rig.kiosk.issue("ho-tich")
    wait_for(lambda: rig.pin("GPIO24").state, what="LED on once the stream is up")
    rig.press("next")
    assert rig.counter()["current"]["code"] == "A001"
    assert rig.beeps() == 1
    rig.press("recall")
    assert rig.server.client().ticket(a1["id"])["calls"] == 2
    rig.press("no_show")
    assert rig.server.client().ticket(a1["id"])["status"] == "no_show"
    rig.press("next")
    rig.press("done")
    assert rig.server.client().ticket(a2["id"])["status"] == "done"
    assert rig.counter()["current"] is None
    assert [r.ok for r in rig.keypad.results] == [True] * 5
    assert rig.beeps() == 5

    # refused by the server (nothing to recall): three beeps, the LED blinks fast
    rig.press("recall")
    assert rig.keypad.results[-1].code == "no_current_ticket"
    wait_for(lambda: rig.beeps() == 6 + 3, what="three failure beeps")
    assert rig.led_toggles(0.6) >= 4


def test_bounce_and_double_press_call_one_ticket(rig: Rig) -> None:
    for _ in range(3):
        rig.kiosk.issue("ho-tich")
    wait_for(lambda: rig.pin("GPIO24").state, what="LED on")
    pin = rig.pin("GPIO17")
    for _ in range(5):  # a bouncing contact, then a second press right after
        pin.drive_low()
        pin.drive_high()
    time.sleep(0.05)
    pin.drive_low()
    pin.drive_high()
    wait_for(lambda: rig.keypad.results, what="the press")
    time.sleep(0.35)  # quiet time
    rig.press("recall")  # after every earlier press: presses are done one by one, in order
    assert len(rig.keypad.results) == 2
    recalled = rig.keypad.results[1].ticket
    assert (recalled["code"], recalled["calls"]) == ("A001", 2)  # one call, then the recall
    assert rig.counter()["current"]["code"] == "A001"
    waiting = {s["id"]: s["waiting"] for s in rig.server.client().state()["services"]}
    assert waiting["ho-tich"] == 2


def test_led_follows_pause_and_server(rig: Rig) -> None:
    led = rig.pin("GPIO24")
    wait_for(lambda: led.state, what="LED on")
    rig.server.client(counter_key(1)).counter(1, "pause")
    wait_for(lambda: not led.state, what="LED off while paused")
    assert rig.led_toggles(0.6) == 0
    rig.server.client(counter_key(1)).counter(1, "resume")
    wait_for(lambda: led.state, what="LED on again")
    rig.server.kill()
    time.sleep(0.3)
    assert rig.led_toggles(1.5) >= 2, "the LED blinks while the server is away"
    rig.server.start()
    wait_for(lambda: rig.keypad.stream.connected, 10, "the stream to reconnect")
    time.sleep(0.6)
    assert led.state and rig.led_toggles(1.2) == 0


def test_press_during_restart_is_done_once(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    rig.kiosk.issue("ho-tich")
    rig.kiosk.issue("ho-tich")
    wait_for(lambda: rig.pin("GPIO24").state, what="LED on")
    rig.server.kill()
    rig.press("next", wait=False)
    wait_for(
        lambda: any("server unreachable" in r.getMessage() for r in caplog.records),
        what="the press to find no server",
    )
    assert rig.keypad.busy and not rig.keypad.results, "the press waits for the server"
    rig.server.start()
    wait_for(lambda: rig.keypad.results, 20, "the press to finish")
    assert rig.keypad.results == [rig.keypad.results[0]] and rig.keypad.results[0].ok
    assert rig.counter()["current"]["code"] == "A001"
    waiting = {s["id"]: s["waiting"] for s in rig.server.client().state()["services"]}
    assert waiting["ho-tich"] == 1
    assert rig.beeps() == 1  # accepted, no failure signal


def test_press_while_server_stays_away_fails_loudly(
    tmp_path: Path, mock_factory: MockFactory
) -> None:
    r = Rig(tmp_path, mock_factory, retry=1.0)
    try:
        r.kiosk.issue("ho-tich")
        wait_for(lambda: r.pin("GPIO24").state, what="LED on")
        r.server.kill()
        r.press("next")
        assert r.keypad.results[-1].code == "unreachable"
        wait_for(lambda: r.beeps() == 4, what="one beep, then three")
        r.server.start()
        wait_for(lambda: r.keypad.stream.connected, 10, "the stream to reconnect")
        r.press("recall")  # done after anything the keypad might still do
        assert r.keypad.results[-1].code == "no_current_ticket"
        assert r.counter()["current"] is None, "a failed press is not done later behind the back"
    finally:
        r.close()


@contextlib.contextmanager
def behind_proxy(
    tmp_path: Path, factory: MockFactory, proxy_args: dict, retry: float = 10
) -> Iterator[tuple[ServerProcess, Keypad, LossyProxy]]:
    """A server, and a keypad that reaches it through a ``LossyProxy`` losing the
    first "next": (server, keypad not started yet, proxy, the ho-tich waiting count)."""
    server_port = free_port()
    proxy = LossyProxy(server_port, NEXT, **proxy_args)
    path = write_config(
        tmp_path,
        port=server_port,
        extra=KEYPAD.format(retry=retry),
        server_extra=f'url = "http://127.0.0.1:{proxy.port}"',
    )
    server = ServerProcess(path, server_port).start()
    keypad = Keypad(load_config(path), 1, pin_factory=factory)
    try:
        yield server, keypad, proxy
    finally:
        keypad.close()
        server.stop()
        proxy.close()


def counter_one(server: ServerProcess) -> tuple[str | None, int]:
    """(counter 1's current code, how many wait in ho-tich)."""
    state = server.client().state()
    current = next(c for c in state["counters"] if c["number"] == 1)["current"]
    waiting = next(s for s in state["services"] if s["id"] == "ho-tich")["waiting"]
    return (current or {}).get("code"), waiting


def press_next(keypad: Keypad, factory: MockFactory) -> None:
    wait_for(lambda: keypad.stream.connected, what="stream through the proxy")
    factory.pin("GPIO17").drive_low()
    factory.pin("GPIO17").drive_high()


def test_lost_answer_is_not_resent(tmp_path: Path, mock_factory: MockFactory) -> None:
    with behind_proxy(tmp_path, mock_factory, {}) as (server, keypad, proxy):
        keypad.start()
        server.client(KIOSK_KEY).issue("ho-tich")
        server.client(KIOSK_KEY).issue("ho-tich")
        press_next(keypad, mock_factory)
        wait_for(lambda: keypad.results, 15, "the press")
        assert proxy.dropped == 1
        assert keypad.results[0].ok, "the server did it: success, not a failure signal"
        assert counter_one(server) == ("A001", 1)


def test_a_lost_request_is_done_though_the_console_drove_the_counter_meanwhile(
    tmp_path: Path, mock_factory: MockFactory
) -> None:
    """The keypad's "next" never reached the server; meanwhile the clerk called a
    ticket from the console. The press is sent again and done (it is not taken as
    done because the counter changed), and reported with the ticket it called."""
    with behind_proxy(tmp_path, mock_factory, {"lose": "request"}) as (server, keypad, proxy):
        keypad.start()
        for _ in range(3):
            server.client(KIOSK_KEY).issue("ho-tich")
        press_next(keypad, mock_factory)
        assert proxy.held.wait(10), "the press reached the proxy"
        console = server.client(counter_key(1)).counter(1, "next")  # the console, directly
        assert console["ticket"]["code"] == "A001"
        proxy.release.set()
        wait_for(lambda: keypad.results, 15, "the press")
        result = keypad.results[0]
        assert result.ok and result.ticket["code"] == "A002", result
        assert counter_one(server) == ("A002", 1)
        assert server.client().ticket(console["ticket"]["id"])["status"] == "done"


def test_pressing_again_after_a_failure_resends_the_same_request(
    tmp_path: Path, mock_factory: MockFactory
) -> None:
    """A press whose answer never came within retry_seconds fails loudly; the clerk
    presses again and the keypad resends that request: the server did it already, so
    it is reported done and nothing is called twice."""
    with behind_proxy(tmp_path, mock_factory, {}, retry=0.5) as (server, keypad, _proxy):
        keypad.presser.backoff = 1.0  # longer than retry_seconds: one try, then the failure
        keypad.start()
        for _ in range(2):
            server.client(KIOSK_KEY).issue("ho-tich")
        for _ in range(2):
            before = len(keypad.results)
            press_next(keypad, mock_factory)
            wait_for(lambda b=before: len(keypad.results) > b, 15, "the press")
            wait_for(lambda: not keypad.busy, 5, "the keypad to take presses again")
            time.sleep(0.35)  # quiet time
        assert [r.code for r in keypad.results] == ["unreachable", "ok"]
        assert keypad.results[1].ticket["code"] == "A001"
        assert counter_one(server) == ("A001", 1)


def test_keypad_loads_no_flask_and_cli_checks_config(tmp_path: Path) -> None:
    code = (
        "import sys, keypads.counter.app, keypads.counter.__main__\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'werkzeug'))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=30)

    path = write_config(tmp_path, extra=KEYPAD.format(retry=1))
    run = subprocess.run(
        [sys.executable, "-m", "keypads.counter", "--config", str(path), "--counter", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode == 2
    assert "no [[keypads]] with counter = 2" in run.stderr

    env = {**os.environ, "GPIOZERO_PIN_FACTORY": "mock"}
    log = tmp_path / "keypad.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "keypads.counter", "--config", str(path), "--counter", "1"],
            cwd=ROOT,
            env=env,
            stderr=out,
        )
    try:
        wait_for(lambda: "keypad of counter 1 serving" in log.read_text(), 10, "the keypad")
        assert proc.poll() is None, "runs (and waits for its server) until stopped"
        assert terminate(proc) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
