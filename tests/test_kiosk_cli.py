"""``python -m kiosk``: print-test, config errors naming the key, start and stop."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from sothutu.client import ApiClient, Unreachable
from sothutu.config import ConfigError, load_config
from tests.kiosk_support import (
    FakeNetworkPrinter,
    kiosk_extra,
    ocr,
    preview_files,
    raster_image,
)
from tests.support import (
    ARTIFACTS,
    KIOSK_KEY,
    ROOT,
    ServerProcess,
    free_port,
    terminate,
    wait_for,
    write_config,
)


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
        assert terminate(proc) == 0, log.read_text()
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


@pytest.mark.parametrize(
    ("kiosk", "message"),
    [
        ("keyboard = 'azerty'", "kiosk.keyboard: must be one of 'abc', 'qwerty'"),
        ("printer_fault = 'ignore'", "kiosk.printer_fault: must be one of 'show', 'stop'"),
        ("screen_mm = [154]", "kiosk.screen_mm: must be [] or [width, height]"),
        ("screen_inches = 1", "kiosk.screen_inches: must be 0 or 3 to 100"),
    ],
)
def test_screen_keyboard_and_printer_policy_checks(tmp_path: Path, kiosk: str, message) -> None:
    cfg = write_config(tmp_path, extra=kiosk_extra("preview:t", kiosk=kiosk))
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_config(cfg)


def screenshot(cfg: Path, out: Path, *size: str) -> subprocess.CompletedProcess:
    extra = ["--size", size[0]] if size else []
    return run_kiosk("--config", str(cfg), "--screenshot", str(out), *extra)


def shot_words(path: Path) -> str:
    """What a technician reads on the screenshot (tesseract, Vietnamese), one line."""
    return " ".join(ocr(path).split())


@pytest.mark.debian
def test_screenshot_on_a_closed_day(tmp_path: Path) -> None:
    """A holiday ([centre] closed_days: today and tomorrow): the real server says so
    in its hours and the kiosk's start screen shows the closed day and the day after
    the holidays, read back by OCR at 800×480."""
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    holidays = [today, today + timedelta(days=1)]
    port = free_port()
    cfg = write_config(
        tmp_path,
        port=port,
        hours=["07:00-11:30", "13:00-17:00"],
        centre_extra=f"closed_days = {[d.isoformat() for d in holidays]!r}".replace("'", '"'),
        extra=kiosk_extra("preview:t"),
    )
    server = ServerProcess(cfg, port).start()
    try:
        out = ARTIFACTS / "kiosk" / "cli-screenshot-closed-day-800x480.png"
        done = screenshot(cfg, out, "800x480")
        assert done.returncode == 0, done.stderr
        again = (today + timedelta(days=2)).strftime("%d/%m")
        assert "start screen, closed day, tickets again from 07:00" in done.stdout, done.stdout
        assert again in done.stdout
        text = shot_words(out)
        for expected in ("Hôm nay trung tâm nghỉ", "Hôm nay không lấy số", "lấy số từ 07:00"):
            assert expected in text, text
        assert "Ngoài giờ" not in text
    finally:
        server.stop()


@pytest.mark.debian
def test_screenshot_says_what_the_server_says(tmp_path: Path) -> None:
    """A technician checks a kiosk from afar: outside the hours the picture is the
    closed start screen with when tickets are issued again; with the printer out of
    paper (as this kiosk reported it) the warning; the server gone, its own screen.
    800×480 and 1024×600, read back by OCR."""
    hour = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).hour
    start = (hour + 2) % 22
    port = free_port()
    closed = write_config(
        tmp_path,
        port=port,
        hours=[f"{start:02d}:00-{start + 1:02d}:00"],
        extra=kiosk_extra("preview:t"),
    )
    server = ServerProcess(closed, port).start()
    try:
        for size in ("800x480", "1024x600"):
            out = ARTIFACTS / "kiosk" / f"cli-screenshot-closed-{size}.png"
            done = screenshot(closed, out, size)
            assert done.returncode == 0, done.stderr
            assert "start screen, closed, tickets again from" in done.stdout
            with Image.open(out) as image:
                assert image.size == tuple(map(int, size.split("x")))
            text = shot_words(out)
            when = "hôm nay" if start > hour else "ngày mai"
            for expected in ("Ngoài giờ lấy số", f"lấy số từ {start:02d}:00 {when}"):
                assert expected in text, text
    finally:
        server.stop()
    port = free_port()
    (tmp_path / "open").mkdir()
    open_cfg = write_config(tmp_path / "open", port=port, extra=kiosk_extra("preview:t"))
    server = ServerProcess(open_cfg, port).start()
    try:
        server.client(KIOSK_KEY).kiosk_status("paper_out", "Máy in hết giấy")
        out = ARTIFACTS / "kiosk" / "cli-screenshot-printer-800x480.png"
        done = screenshot(open_cfg, out)
        assert done.returncode == 0, done.stderr
        assert "printer paper_out (number shown)" in done.stdout
        text = shot_words(out)
        for expected in ("Máy in đang gặp sự cố", "Số sẽ hiện trên màn hình", "Hộ tịch"):
            assert expected in text, text
    finally:
        server.stop()
    out = ARTIFACTS / "kiosk" / "cli-screenshot-server-away-800x480.png"
    done = screenshot(open_cfg, out)  # that server is gone now
    assert done.returncode == 1 and "server unreachable" in done.stderr
    text = shot_words(out)
    for expected in ("Hệ thống đang tạm dừng", "Vui lòng hỏi Quầy hướng dẫn"):
        assert expected in text, text
