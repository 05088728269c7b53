"""Fixtures: a real app on a temp database with an injected clock; a real server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sothutu.clock import ManualClock
from sothutu.config import Config, load_config
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
    """Monday 24 November 2026, 08:00 in Vietnam."""
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
    app.extensions["sothutu"].bus.close()
    app.extensions["sothutu"].store.close()


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


from tests.hub_support import pg_cluster  # noqa: E402  (session fixture: one PostgreSQL)

__all__ = ["pg_cluster"]
