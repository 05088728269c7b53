"""Centres push to the hub: real centre server processes, a real hub process, a real
PostgreSQL. Rows arrive once and in order, survive a hub killed mid-push, a link
down for a day, a replayed batch; tokens write only their own centre; the same
day gives the same figures at the centre and at the hub."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from counter_api.config import load_config
from counter_api.store import Store
from counter_api.uplink import outbox
from tests.hub_support import (
    HUB_ADMIN_KEY,
    HubProcess,
    add_centre,
    fresh_database,
    hub_section,
    request,
    wait_until,
    write_hub_config,
)
from tests.simday import simulate_day
from tests.support import ADMIN_KEY, KIOSK_KEY, ServerProcess, counter_key, free_port, write_config

VN_TODAY = lambda: datetime.now().astimezone().date()  # noqa: E731

pytestmark = pytest.mark.slow


class Province:
    """The hub, its database and the registered centres' tokens."""

    def __init__(self, tmp: Path, url: str) -> None:
        self.db_url = url
        self.hub = HubProcess(write_hub_config(tmp / "hub", url), free_port())
        self.hub.config.write_text(
            self.hub.config.read_text().replace("port = ", f"port = {self.hub.port} #"), "utf-8"
        )
        self.tokens = {
            "cu-lao-dung": add_centre(self.hub.config, "cu-lao-dung", "Xã Cù Lao Dung", "Sóc Trăng"),
            "an-thanh": add_centre(self.hub.config, "an-thanh", "Xã An Thạnh", "Cù Lao Dung"),
        }
        self.hub.start()

    def sql(self, query: str, *params: Any) -> list[tuple]:
        with psycopg.connect(self.db_url) as conn:
            return conn.execute(query, params).fetchall()  # type: ignore[arg-type]

    def acked(self, centre: str) -> int:
        return self.sql("SELECT acked FROM centres WHERE id = %s", centre)[0][0]


@pytest.fixture(scope="module")
def province(pg_cluster, tmp_path_factory) -> Iterator[Province]:
    p = Province(tmp_path_factory.mktemp("province"), fresh_database(pg_cluster))
    yield p
    p.hub.stop()


def centre_server(tmp: Path, province: Province, centre: str, push: float = 0.3) -> ServerProcess:
    port = free_port()
    extra = hub_section(province.hub.url, centre, province.tokens[centre], push)
    return ServerProcess(write_config(tmp, port=port, extra=extra), port)


def centre_newest(config: Path) -> int:
    store = Store(load_config(config).database_path)
    try:
        return outbox.newest_seq(store)
    finally:
        store.close()


def play(server: ServerProcess, tickets: int = 6) -> None:
    """A few citizens through the real API: issue, call, recall, done, no-show, rate."""
    kiosk = server.client(KIOSK_KEY)
    for i in range(tickets):
        kiosk.post("/api/v1/tickets", {"service": ["ho-tich", "chung-thuc"][i % 2],
                                       "priority": i == 3})
    c1 = server.client(counter_key(1))
    c2 = server.client(counter_key(2))
    c1.post("/api/v1/counters/1/next")
    c1.post("/api/v1/counters/1/recall")
    c2.post("/api/v1/counters/2/next")
    c1.post("/api/v1/counters/1/next")
    c1.post("/api/v1/counters/1/done")
    c2.post("/api/v1/counters/2/no-show")
    c1.post("/api/v1/counters/1/rating", {"score": 5})
    c2.post("/api/v1/counters/2/next")
    current = c2.get("/api/v1/state")["counters"][1]["current"]
    target = "chung-thuc" if current["service"] == "ho-tich" else "ho-tich"
    c2.post("/api/v1/counters/2/transfer", {"service": target})


def test_rows_arrive_once_in_order_and_the_day_matches(province: Province, tmp_path: Path) -> None:
    server = centre_server(tmp_path, province, "cu-lao-dung").start()
    try:
        play(server)
        newest = centre_newest(server.config)
        assert newest >= 15
        wait_until(lambda: province.acked("cu-lao-dung") == newest)
        seqs = [r[0] for r in province.sql(
            "SELECT seq FROM rows WHERE centre_id = 'cu-lao-dung' ORDER BY seq")]
        assert seqs == list(range(1, newest + 1))
        actions = [r[0] for r in province.sql(
            "SELECT action FROM rows WHERE centre_id = 'cu-lao-dung' ORDER BY seq")]
        assert actions[:6] == ["issued"] * 6 and "rated" in actions and "transferred" in actions

        link = server.client(ADMIN_KEY).get("/api/v1/hub")
        assert link["configured"] and link["pending"] == 0 and link["acked"] == newest
        assert link["last_error"] is None and link["last_ok_at"]

        day = server.client(ADMIN_KEY).get("/api/v1/health")["business_date"]
        at_centre = server.client(ADMIN_KEY).get(f"/api/v1/reports/daily?date={day}")
        status, at_hub, _ = province.hub.get(
            f"/api/v1/centres/cu-lao-dung/report?from={day}&to={day}")
        assert status == 200
        assert at_hub == at_centre

        status, overview, _ = province.hub.get("/api/v1/centres")
        row = next(c for c in overview["centres"] if c["id"] == "cu-lao-dung")
        assert row["online"] and row["issued_today"] == at_centre["total"]["issued"]
        assert row["served_today"] == at_centre["total"]["served"]
        state = server.client(ADMIN_KEY).get("/api/v1/state")
        assert row["waiting"] == sum(s["waiting"] for s in state["services"])
        assert [p["name"] for p in row["printers"]] == ["kiosk-1", "kiosk-2"]
        status, rep, _ = province.hub.get(f"/api/v1/report?from={day}&to={day}&centre=cu-lao-dung")
        by_field = {r["service"]: r for r in rep["rows"]}
        for s in at_centre["services"]:
            if s["issued"]:
                assert by_field[s["id"]]["issued"] == s["issued"]
        assert rep["total"]["issued"] == at_centre["total"]["issued"]
    finally:
        server.stop()
