"""The display against a real server on loopback: follow, lose, find again.

The frame loop runs in this process under SDL's dummy video driver, with the
real event-stream client, reducer and renderer; the server is a real
``python -m counter_api`` process that the tests kill and restart.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

import tests.display_support as ds  # sets the SDL drivers first
from display.app import DisplayApp
from sothutu.clock import ManualClock
from sothutu.config import load_config
from tests.support import (
    KIOSK_KEY,
    ROOT,
    ServerProcess,
    counter_key,
    free_port,
    terminate,
    write_config,
)

pygame = pytest.importorskip("pygame")


@pytest.fixture
def screen():
    pygame.display.init()
    surface = pygame.display.set_mode((1366, 768))
    yield surface
    pygame.display.quit()


def run_until(app: DisplayApp, done: Callable[[], bool], timeout: float) -> float:
    """Step the loop until ``done()``; returns the seconds it took."""
    start = time.monotonic()
    while not done():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not within {timeout} s; view: {app.view}")
        app.step(max_wait=0.05)
    return time.monotonic() - start


def call(server: ServerProcess, service: str, counter: int) -> str:
    code = server.client(KIOSK_KEY).issue(service)["code"]
    got = server.client(counter_key(counter)).counter(counter, "next")["ticket"]["code"]
    assert got == code
    return code


@pytest.mark.slow
def test_follows_loses_and_finds_the_server_again(tmp_path: Path, screen) -> None:
    port = free_port()
    cfg = write_config(tmp_path, port=port, extra='[voice]\nannounce = "off"\n')
    server = ServerProcess(cfg, port).start()
    clock = ManualClock(datetime.now(UTC))  # moved by hand to see the clock tick while lost
    app = DisplayApp(load_config(cfg), clock=clock).start()
    try:
        run_until(app, lambda: app.view is not None and app.view.link == "live", 10)
        code = call(server, "ho-tich", 1)
        run_until(app, lambda: app.view.headline is not None and app.view.headline.code == code, 5)
        assert app.view.headline.lit and app.view.counters[0].code == code

        server.kill()
        took = run_until(app, lambda: app.view.link == "lost", 20)
        assert took <= 20
        assert app.view.banner == "Mất kết nối máy chủ" and app.view.stale
        assert app.view.banner_detail.startswith("Cập nhật lần cuối: ")
        frames, shown = app.frames, app.view.clock
        clock.advance(60)  # the screen never freezes: the clock moves on while lost
        run_until(app, lambda: app.frames > frames and app.view.clock != shown, 2)
        assert app.view.banner == "Mất kết nối máy chủ"

        server.start()
        # Calls right after the restart: made before the display is back, replayed to it.
        second = call(server, "chung-thuc", 2)
        third = call(server, "dat-dai", 3)
        run_until(
            app,
            lambda: (
                app.view.link == "live"
                and app.view.headline is not None
                and app.view.headline.code == third
            ),
            30,
        )
        codes = {c.number: c.code for c in app.view.counters}
        assert codes[1] == code and codes[2] == second and codes[3] == third
        assert [r.code for r in app.view.recent][:2] == [second, code]
        assert not app.view.stale
    finally:
        app.stop()
        server.stop()


def test_screenshot_of_a_running_server(tmp_path: Path, server: ServerProcess) -> None:
    code = call(server, "dat-dai", 3)
    out = tmp_path / "shot.png"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "display",
            "--config",
            str(server.config),
            "--url",
            server.url,
            "--screenshot",
            str(out),
            "--size",
            "1080x1920",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SDL_VIDEODRIVER": "dummy"},
    )
    assert done.returncode == 0, done.stderr
    assert "does not fit" not in done.stderr
    image = pygame.image.load(str(out))
    assert image.get_size() == (1080, 1920)
    ds.SHOTS.mkdir(parents=True, exist_ok=True)
    pygame.image.save(image, str(ds.SHOTS / "cli-screenshot-1080x1920.png"))
    assert code == "C001"
    # The called code is drawn in the headline: yellow ink where the code sits.
    yellow = sum(
        1
        for x in range(0, 1080, 6)
        for y in range(200, 700, 6)
        if image.get_at((x, y))[:3] == (255, 204, 0)
    )
    assert yellow > 500


def test_screenshot_without_a_server_says_so(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, port=free_port())
    out = tmp_path / "lost.png"
    done = subprocess.run(
        [sys.executable, "-m", "display", "--config", str(cfg), "--screenshot", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "server unreachable" in done.stderr
    image = pygame.image.load(str(out))
    assert image.get_size() == (1920, 1080)
    assert image.get_at((300, 400))[:3] == (200, 30, 30)  # the red "Mất kết nối máy chủ" panel


@pytest.mark.slow
def test_no_audio_device_leaves_the_screen_working(tmp_path: Path, server: ServerProcess) -> None:
    log = tmp_path / "display.log"
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "no-such-driver"}
    cmd = [sys.executable, "-m", "display", "--config", str(server.config), "--url", server.url]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*cmd, "--windowed", "--size", "640x360"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 20
        while "event stream connected" not in log.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.1)
        shown = f"call {call(server, 'ho-tich', 1)} to counter 1"
        deadline = time.monotonic() + 10  # the display shows the call, silently
        while shown not in log.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.1)
        assert shown in log.read_text(), log.read_text()
        assert proc.poll() is None, log.read_text()
    finally:
        rc = terminate(proc)
    text = log.read_text()
    lines = [ln for ln in text.splitlines() if "no sound device" in ln]
    assert len(lines) == 1, text
    assert "announcements are off, the screen keeps working" in lines[0]
    assert "Traceback" not in text and rc == 0, text


@pytest.mark.slow
def test_idle_cpu_within_budget() -> None:
    """A real display process: at most 2% of a core idle, 10% with the notice scrolling."""
    from tests.perf.display import measure_idle

    still, rss = measure_idle(scrolling=False, seconds=3.0, warmup=1.5)
    moving, _ = measure_idle(scrolling=True, seconds=3.0, warmup=1.5)
    assert still <= 2.0, f"{still:.2f}% idle"
    assert moving <= 10.0, f"{moving:.2f}% scrolling"
    assert moving > still  # it really scrolled
    assert rss < 200


def test_a_screen_that_does_not_open_is_tried_again_less_and_less_often(
    monkeypatch, caplog
) -> None:
    from display.screen import FIRST_RETRY, MAX_RETRY, Screen

    now = [100.0]
    screen = Screen((640, 360), windowed=True, clock=lambda: now[0])
    monkeypatch.setenv("SDL_VIDEODRIVER", "no-such-driver")
    caplog.set_level("INFO", logger="display.screen")
    assert not screen.open() and not screen.is_open and screen.surface() is None
    assert "no-such-driver" in screen.error
    waits = []
    for _ in range(9):
        wait = screen.seconds_to_retry()
        waits.append(wait)
        now[0] += wait - 0.01
        assert not screen.due()
        now[0] += 0.01
        assert screen.due() and not screen.open()
    assert waits == [FIRST_RETRY, 10, 20, 40, 80, 160, MAX_RETRY, MAX_RETRY, MAX_RETRY]
    assert not caplog.records  # the caller says it once; later tries only at debug level
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")  # the TV came back
    now[0] += MAX_RETRY
    assert screen.due() and screen.open() and screen.is_open
    assert screen.surface().get_size() == (640, 360)
    assert screen.seconds_to_retry() is None
    assert [r.getMessage() for r in caplog.records] == [
        "screen opened after 10 failed tries: 640x360"
    ]
    pygame.display.quit()
