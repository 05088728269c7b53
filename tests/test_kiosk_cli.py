"""``python -m kiosk``: print-test, config errors naming the key, start and stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sothutu.client import ApiClient, Unreachable
from sothutu.config import ConfigError, load_config
from tests.kiosk_support import FakeNetworkPrinter, kiosk_extra, preview_files, raster_image
from tests.support import ROOT, free_port, wait_for, write_config


def run_kiosk(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy"}
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_print_test_to_preview(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, extra=kiosk_extra("preview:tickets"))
    out = run_kiosk("--config", str(cfg), "print-test")
    assert out.returncode == 0, out.stderr
    assert "test ticket sent" in out.stdout
    (png,) = preview_files(tmp_path / "tickets", ".png")
    assert "print-test" in png.name


def test_print_test_to_a_network_printer(tmp_path: Path) -> None:
    fake = FakeNetworkPrinter()
    try:
        cfg = write_config(tmp_path, extra=kiosk_extra(fake.connection))
        out = run_kiosk("--config", str(cfg), "print-test")
        assert out.returncode == 0, out.stderr
        assert raster_image(fake.all_bytes()) is not None
    finally:
        fake.close()


def test_print_test_to_a_dead_printer_fails_clearly(tmp_path: Path) -> None:
    fake = FakeNetworkPrinter("close")
    try:
        cfg = write_config(tmp_path, extra=kiosk_extra(fake.connection))
        out = run_kiosk("--config", str(cfg), "print-test")
        assert out.returncode == 1
        assert "print-test failed (offline)" in out.stderr
    finally:
        fake.close()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (kiosk_extra("lpt:1"), "printer.connection: 'lpt:1' is not a printer connection"),
        (kiosk_extra("preview:t").replace("TM-T20II", "NOPE"), "printer.profile: unknown"),
        (
            kiosk_extra("preview:t").replace("TM-T20II", "TM-T88V"),
            "printer.width: 576 dots is wider than profile 'TM-T88V'",
        ),
        (kiosk_extra("preview:t").replace("kiosk-1", "kiosk-9"), "kiosk.name: no [[kiosks]]"),
    ],
)
def test_bad_kiosk_config_names_the_key(tmp_path: Path, extra: str, message: str) -> None:
    cfg = write_config(tmp_path, extra=extra)
    out = run_kiosk("--config", str(cfg), "print-test")
    assert out.returncode == 2
    assert message in out.stderr and str(cfg.name) in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1  # one line, no traceback


@pytest.mark.parametrize(
    ("kiosk", "message"),
    [
        ('button_pins = ["GPIO17", "GPIO17"]', "kiosk.button_pins[1]: pin GPIO17 is already"),
        ('button_pins = ["1", "2", "3", "4"]', "kiosk.button_pins: 4 pins for 3 services"),
        ('led_pin = "pin 40"', "kiosk.led_pin: must be"),
        ("button_pins = [17]", "kiosk.button_pins[0]: must be a string, got int 17"),
        ("exit_keys = 'q'", "kiosk.exit_keys: must be modifiers and one key"),
        ("pin_factory = 'wiringpi'", "kiosk.pin_factory: must be one of"),
        ("idle_seconds = 0", "kiosk.idle_seconds: must be at least 1"),
    ],
)
def test_kiosk_section_checks(tmp_path: Path, kiosk: str, message: str) -> None:
    cfg = write_config(tmp_path, extra=kiosk_extra("preview:t", kiosk=kiosk))
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_config(cfg)


@pytest.mark.parametrize("mode", ["--headless", "--windowed"])
def test_runs_until_sigterm(tmp_path: Path, mode: str) -> None:
    port = free_port()  # no server there: the kiosk waits for it without failing
    cfg = write_config(
        tmp_path, port=port, extra=kiosk_extra("preview:t", kiosk="pin_factory = 'mock'")
    )
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy"}
    log = tmp_path / "kiosk.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "--config", str(cfg), mode],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: "kiosk kiosk-1: server" in log.read_text(), 15, "the kiosk to start")
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0, log.read_text()
        assert "kiosk kiosk-1: server" in log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_client_says_whether_a_request_may_have_been_sent() -> None:
    """A refused connection cannot have issued a ticket; a silent server may have."""
    port = free_port()
    with pytest.raises(Unreachable) as refused:
        ApiClient(f"http://127.0.0.1:{port}", "k", timeout=1).issue("ho-tich")
    assert refused.value.maybe_sent is False
    fake = FakeNetworkPrinter("never_read")  # accepts, never answers
    try:
        with pytest.raises(Unreachable) as silent:
            ApiClient(f"http://127.0.0.1:{fake.port}", "k", timeout=0.5).issue("ho-tich")
        assert silent.value.maybe_sent is True
    finally:
        fake.close()
