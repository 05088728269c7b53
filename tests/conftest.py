"""Fixtures: a real app on a temp database with an injected clock; a real server;
gpiozero's mock pins; Debian's Chromium for the page tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sothutu.clock import ManualClock
from sothutu.config import Config, load_config
from tests.browser import Pages, chromium
from tests.support import (
    ADMIN_KEY,
    KIOSK_KEY,
    ServerProcess,
    counter_key,
    free_port,
    write_config,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def clock() -> ManualClock:
    """Tuesday 24 November 2026, 08:00 in Vietnam."""
    return ManualClock(datetime(2026, 11, 24, 8, 0, tzinfo=VN))


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path)


@pytest.fixture
def config(config_path: Path) -> Config:
    return load_config(config_path)


@pytest.fixture
def app(config: Config, clock: ManualClock):
    from counter_api.web import create_app

    app = create_app(config, clock=clock)
    app.testing = True
    yield app
    app.extensions["sothutu"].service.bus.close()
    app.extensions["sothutu"].service.store.close()


@pytest.fixture
def client(app):
    return app.test_client()


class Api:
    """Test-client calls with the right keys, for readable tests."""

    def __init__(self, client) -> None:
        self.c = client

    def _h(self, key: str | None) -> dict:
        return {"Authorization": f"Bearer {key}"} if key else {}

    def issue(self, service: str = "ho-tich", priority: bool = False, key: str = KIOSK_KEY):
        return self.c.post(
            "/api/v1/tickets", json={"service": service, "priority": priority}, headers=self._h(key)
        )

    def act(self, n: int, action: str, body: dict | None = None, key: str | None = None):
        key = key if key is not None else counter_key(n)
        if body is None:
            return self.c.post(f"/api/v1/counters/{n}/{action}", headers=self._h(key))
        return self.c.post(f"/api/v1/counters/{n}/{action}", json=body, headers=self._h(key))

    def state(self) -> dict:
        return self.c.get("/api/v1/state").get_json()

    def admin(self) -> dict:
        return self._h(ADMIN_KEY)


@pytest.fixture
def api(client) -> Api:
    return Api(client)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A real server process on a free loopback port."""
    port = free_port()
    proc = ServerProcess(write_config(tmp_path, port=port), port)
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def browser(request: pytest.FixtureRequest) -> Iterator:
    """Debian's Chromium, one per test module; a module's ``CHROMIUM_SWITCHES``
    adds command-line switches (e.g. autoplay for the display's voice)."""
    name = request.module.__name__.rpartition(".")[2]
    switches = getattr(request.module, "CHROMIUM_SWITCHES", ())
    with chromium(f"{name} drives Debian's Chromium", switches) as b:
        yield b


@pytest.fixture
def pages(browser) -> Iterator[Pages]:
    """``pages.open(url, **context_options)``: fresh contexts, closed after the test."""
    opened = Pages(browser)
    yield opened
    opened.close()


@pytest.fixture
def mock_factory() -> Iterator:
    """gpiozero's ``MockFactory`` for one test, also as ``Device.pin_factory`` (for a
    device made without a factory); afterwards its pins and reservations are cleared
    and ``Device.pin_factory`` is what it was, so no pin state reaches the next test."""
    from gpiozero import Device
    from gpiozero.pins.mock import MockFactory

    before = Device.pin_factory
    factory = MockFactory()
    Device.pin_factory = factory
    try:
        yield factory
    finally:
        factory.reset()
        Device.pin_factory = before


from tests.hub_support import pg_cluster  # noqa: E402  (session fixture: one PostgreSQL)

__all__ = ["pg_cluster"]
