"""Kiosk latency: from a press to the first byte at the printer.

A real server on loopback, the kiosk in this process (headless with gpiozero
mock pins, and the touchscreen app under SDL's dummy driver), and a TCP
listener standing in for a network printer. Measures, per ticket, the time
from the press to the printer's first byte (the paper status request) and to
the first byte of the ticket image (GS v 0). Target: first byte < 300 ms.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from sothutu.config import load_config
from tests.kiosk_support import FakeNetworkPrinter, drive, kiosk_extra
from tests.support import ServerProcess, free_port, write_config

TICKETS = 20


def _stats(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"{statistics.median(ms):.0f} / {p95:.0f} / {ms[-1]:.0f}"


def _measure(
    kiosk, press, fake: FakeNetworkPrinter, wait: float
) -> tuple[list[float], list[float]]:
    """``wait``: the loop's own step, as in production (the app polls input)."""
    from kiosk.state import Screen

    first, raster = [], []
    # the kiosk asks the printer's status once at start: let that connection pass
    assert drive(
        lambda: kiosk.step(0.01),
        lambda: bool(fake.connections) and fake.connections[-1].closed,
        10,
    )
    for _ in range(TICKETS):
        assert drive(
            lambda: kiosk.step(0.01), lambda: kiosk.controller.state.screen is Screen.START, 10
        )
        time.sleep(kiosk.controller.state.timing.tap_guard + 0.05)
        kiosk.step(0.0)
        n = len(fake.connections)
        t0 = time.monotonic()
        press()
        assert drive(
            lambda: kiosk.step(wait),
            lambda n=n: len(fake.connections) > n and fake.connections[n].raster_at is not None,
            10,
        )
        rec = fake.connections[n]
        first.append(rec.first_byte_at - t0)
        raster.append(rec.raster_at - t0)
        drive(
            lambda: kiosk.step(0.01),
            lambda: kiosk.controller.state.screen is not Screen.ISSUING,
            10,
        )
    return first, raster


def run() -> list[str]:
    from gpiozero.pins.mock import MockFactory

    from kiosk.headless import Headless

    lines = [
        "## Kiosk: press → printer",
        "",
        f"{TICKETS} tickets each; server on loopback, TCP printer stand-in, 576-dot ticket.",
        "",
        "| path | first byte ms (median / p95 / max) | ticket image ms (median / p95 / max) |",
        "|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        port = free_port()
        server = ServerProcess(write_config(d, port=port), port).start()
        fake = FakeNetworkPrinter()
        try:
            kdir = d / "headless"
            kdir.mkdir()
            cfg = write_config(
                kdir,
                port=port,
                extra=kiosk_extra(
                    fake.connection,
                    kiosk='button_pins = ["GPIO17"]\npress_lockout_seconds = 0.05',
                    printer="probe_seconds = 0",
                ),
            )
            fake.connections.clear()
            factory = MockFactory()
            k = Headless(load_config(cfg), factory=factory).start()

            def press() -> None:
                factory.pin(17).drive_low()
                factory.pin(17).drive_high()

            try:
                first, raster = _measure(k, press, fake, 1.0)
            finally:
                k.close()
            lines.append(f"| push button (headless) | {_stats(first)} | {_stats(raster)} |")

            import pygame

            from kiosk import layout
            from kiosk.app import POLL, App

            adir = d / "app"
            adir.mkdir()
            cfg = write_config(
                adir,
                port=port,
                extra=kiosk_extra(
                    fake.connection, kiosk="done_seconds = 1", printer="probe_seconds = 0"
                ),
            )
            fake.connections.clear()
            app = App(load_config(cfg), windowed=True, size=(800, 480)).start()

            def tap() -> None:
                box = layout.buttons(app.controller.state, (800, 480))[0]
                x, y, w, h = box.rect
                pygame.event.post(
                    pygame.event.Event(
                        pygame.FINGERDOWN,
                        x=(x + w / 2) / 800,
                        y=(y + h / 2) / 480,
                        dx=0,
                        dy=0,
                        touch_id=1,
                        finger_id=0,
                        pressure=1.0,
                    )
                )

            try:
                first, raster = _measure(app, tap, fake, POLL)
            finally:
                app.close()
            lines.append(f"| touchscreen tap (pygame) | {_stats(first)} | {_stats(raster)} |")
        finally:
            fake.close()
            server.stop()
    lines.append("")
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
