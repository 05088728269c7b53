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
from urllib.parse import quote

import psycopg
import pytest

from counter_api.store import Store
from counter_api.uplink import outbox
from sothutu.config import load_config
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
            "cu-lao-dung": add_centre(
                self.hub.config, "cu-lao-dung", "Xã Cù Lao Dung", "Sóc Trăng"
            ),
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
        kiosk.post(
            "/api/v1/tickets", {"service": ["ho-tich", "chung-thuc"][i % 2], "priority": i == 3}
        )
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
        seqs = [
            r[0]
            for r in province.sql(
                "SELECT seq FROM rows WHERE centre_id = 'cu-lao-dung' ORDER BY seq"
            )
        ]
        assert seqs == list(range(1, newest + 1))
        actions = [
            r[0]
            for r in province.sql(
                "SELECT action FROM rows WHERE centre_id = 'cu-lao-dung' ORDER BY seq"
            )
        ]
        assert actions[:6] == ["issued"] * 6 and "rated" in actions and "transferred" in actions

        link = server.client(ADMIN_KEY).get("/api/v1/hub")
        assert link["configured"] and link["pending"] == 0 and link["acked"] == newest
        assert link["last_error"] is None and link["last_ok_at"]

        day = server.client(ADMIN_KEY).get("/api/v1/health")["business_date"]
        at_centre = server.client(ADMIN_KEY).get(f"/api/v1/reports/daily?date={day}")
        status, at_hub, _ = province.hub.get(
            f"/api/v1/centres/cu-lao-dung/report?from={day}&to={day}"
        )
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
            if s["issued"] or s["served"]:
                assert _province_row_matches(by_field[s["id"]], s)
        assert _province_row_matches(rep["total"], at_centre["total"])
        assert _province_row_matches(rep["centres"][0], at_centre["total"])
    finally:
        server.stop()


def _province_row_matches(row: dict, figures: dict) -> bool:
    """A province report row (seconds, shares) against the centre's report (minutes)."""
    assert (row["issued"], row["served"], row["no_show"]) == (
        figures["issued"],
        figures["served"],
        figures["no_show"],
    )
    w = figures["waiting"]
    for mine, theirs in ((row["wait_avg_s"], w["mean"]), (row["wait_p90_s"], w["p90"])):
        assert (mine is None) == (theirs is None)
        if mine is not None:
            assert abs(mine / 60 - theirs) < 0.01
    share = figures["over_service_level"]["share"]
    if share is None:
        assert row["service_level"] is None
    else:
        assert abs(row["service_level"] - (1 - share)) < 1e-3
    assert row["ratings"]["count"] == figures["ratings"]["count"]
    return True


def _yesterday() -> date:
    return datetime.now().astimezone().date() - timedelta(days=1)


def _parity(server: ServerProcess, province: Province, centre: str, day: date) -> dict:
    at_centre = server.client(ADMIN_KEY).get(f"/api/v1/reports/daily?date={day}")
    status, at_hub, _ = province.hub.get(f"/api/v1/centres/{centre}/report?from={day}&to={day}")
    assert status == 200
    assert at_hub == at_centre
    return at_centre


def test_link_down_for_a_day_then_caught_up_in_batches(province: Province, tmp_path: Path) -> None:
    server = centre_server(tmp_path, province, "an-thanh", push=0.2)
    day = _yesterday()
    simulate_day(server.config, day, tickets=450, seed=7)
    province.hub.stop()  # the link is down
    try:
        try:
            server.start()
            link = wait_until(
                lambda: (s := server.client(ADMIN_KEY).get("/api/v1/hub"))["last_error"] and s
            )
            newest = centre_newest(server.config)
            assert "cannot reach the hub" in link["last_error"]
            assert link["pending"] == newest > 1000  # more than one batch
            ticket = server.client(KIOSK_KEY).post("/api/v1/tickets", {"service": "ho-tich"})
            assert ticket["code"]  # the queue does not wait for the hub
        finally:
            province.hub.start()
        newest = centre_newest(server.config)
        wait_until(lambda: province.acked("an-thanh") == newest, timeout=60)
        count = province.sql("SELECT count(*), max(seq) FROM rows WHERE centre_id = 'an-thanh'")
        assert count[0] == (newest, newest)
        report = _parity(server, province, "an-thanh", day)
        assert report["total"]["issued"] >= 250
        assert wait_until(lambda: server.client(ADMIN_KEY).get("/api/v1/hub")["pending"] == 0)
        assert server.client(ADMIN_KEY).get("/api/v1/hub")["last_error"] is None
    finally:
        server.stop()


def test_hub_killed_mid_push_and_restarted(province: Province, tmp_path: Path) -> None:
    token = add_centre(province.hub.config, "long-phu", "Xã Long Phú", "Sóc Trăng")
    province.tokens["long-phu"] = token
    server = centre_server(tmp_path, province, "long-phu", push=0.2)
    day = _yesterday()
    simulate_day(server.config, day, tickets=1800, seed=11)  # four batches and more
    newest = centre_newest(server.config)
    try:
        # One open connection watches the first acknowledgement (a new one per look was
        # too slow on a busy machine: the whole backlog had gone before the first look).
        with psycopg.connect(province.db_url, autocommit=True) as watch:
            server.start()
            seen = wait_until(
                lambda: watch.execute("SELECT acked FROM centres WHERE id = 'long-phu'").fetchone()[
                    0
                ],
                timeout=30,
                interval=0.002,
            )
            province.hub.kill()
        assert 0 < seen < newest, "the hub must die in the middle of the backlog"
        province.hub.start()
        newest = centre_newest(server.config)
        wait_until(lambda: province.acked("long-phu") == newest, timeout=60)
        rows = province.sql(
            "SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM rows "
            "WHERE centre_id = 'long-phu'"
        )
        assert rows[0] == (newest, newest, 1, newest)
        _parity(server, province, "long-phu", day)
    finally:
        server.stop()


def _post(province: Province, token: str, body: dict, gz: bool = True) -> tuple[int, Any]:
    data = json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if gz:
        data = gzip.compress(data)
        headers["Content-Encoding"] = "gzip"
    status, answer, _ = request(
        province.hub.url + "/api/v1/ingest", "POST", data=data, headers=headers
    )
    return status, answer


def test_the_same_batch_replayed_is_stored_once(province: Province, tmp_path: Path) -> None:
    token = add_centre(province.hub.config, "replay", "Xã Phát Lại")
    config = write_config(tmp_path)
    simulate_day(config, _yesterday(), tickets=90, seed=3)
    cfg = load_config(config)
    store = Store(cfg.database_path)
    rows = outbox.read_batch(store, 0, cfg.centre.tz, limit=150)
    store.close()
    assert len(rows) == 150
    body = {"centre": "replay", "after": 0, "rows": rows[:100], "health": {}, "setup": {}}
    status, first = _post(province, token, body)
    assert status == 200 and first["ack"] == 100 and first["stored"] == 100

    def totals() -> tuple:
        return province.sql(
            "SELECT sum(issued), sum(called), sum(served), sum(no_show), "
            "sum(cardinality(waits)), (SELECT count(*) FROM rows WHERE centre_id = 'replay') "
            "FROM daily WHERE centre_id = 'replay'"
        )[0]

    before = totals()
    status, again = _post(province, token, body, gz=False)  # a lost answer: sent again
    assert status == 200 and again == {"ack": 100, "stored": 0, "received": 100}
    assert totals() == before
    overlap = {**body, "after": 50, "rows": rows[50:150]}  # half old, half new
    status, third = _post(province, token, overlap)
    assert third["ack"] == 150 and third["stored"] == 50
    ahead = {**body, "after": 400, "rows": []}  # the hub lacks rows: it asks from its cursor
    assert _post(province, token, ahead)[1]["ack"] == 150


def test_tokens_write_only_their_own_centre(province: Province) -> None:
    row = {
        "seq": 1,
        "action": "issued",
        "at": "2026-11-24T08:00:00+07:00",
        "business_date": "2026-11-24",
        "ticket": {
            "id": 1,
            "date": "2026-11-24",
            "code": "A001",
            "service": "ho-tich",
            "priority": False,
            "procedure": None,
        },
        "counter": None,
        "calls": 0,
    }
    count = lambda: province.sql("SELECT count(*) FROM rows")[0][0]  # noqa: E731
    before = count()
    body = {"centre": "an-thanh", "after": 0, "rows": [row]}
    status, answer = _post(province, "not-a-token", body)
    assert status == 401 and answer["error"]["code"] == "unauthorized"
    status, answer = _post(province, province.tokens["cu-lao-dung"], body)
    assert status == 403 and "cu-lao-dung" in answer["error"]["message"]
    status, answer, _ = request(province.hub.url + "/api/v1/ingest", "POST", body=body)
    assert status == 401
    assert count() == before
    status, _, _ = province.hub.get("/api/v1/centres", key=province.tokens["cu-lao-dung"])
    assert status == 401  # a centre's token reads nothing


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"centre": "cu-lao-dung", "rows": "x"}, "rows"),
        ({"centre": "cu-lao-dung", "rows": [{"seq": 0}]}, "rows[0].seq"),
        (
            {"centre": "cu-lao-dung", "rows": [{"seq": 5, "action": "issued", "at": "yesterday"}]},
            "rows[0].at",
        ),
        ({"centre": "cu-lao-dung", "rows": [{"seq": 1}] * 1001}, "at most 1000"),
        ([1, 2], "JSON object"),
    ],
)
def test_malformed_pushes_are_400_naming_the_field(province: Province, body: Any, field: str):
    status, answer = _post(province, province.tokens["cu-lao-dung"], body)  # type: ignore[arg-type]
    assert status == 400 and field in answer["error"]["message"]


def test_garbage_bodies_never_500(province: Province) -> None:
    token = province.tokens["cu-lao-dung"]
    url = province.hub.url + "/api/v1/ingest"
    auth = {"Authorization": f"Bearer {token}"}
    for data, ctype, enc in [
        (b"\xff\xfe", "application/json", None),
        (b"not gzip", "application/json", "gzip"),
        (b"{}", "text/plain", None),
        (gzip.compress(b"[" * 100000), "application/json", "gzip"),
        (b"{}", "application/json", "br"),
    ]:
        headers = {**auth, "Content-Type": ctype}
        if enc:
            headers["Content-Encoding"] = enc
        status, answer, _ = request(url, "POST", data=data, headers=headers)
        assert status in (400, 413, 415), (data[:20], status)
        assert "error" in answer
    status, answer, _ = request(url, "POST", data=b"x" * (5 << 20), headers=auth)
    assert status == 413


def test_admin_key_reads_and_wrong_key_does_not(province: Province) -> None:
    status, body, _ = province.hub.get("/api/v1/centres")
    assert status == 200 and {c["id"] for c in body["centres"]} >= {"cu-lao-dung", "an-thanh"}
    assert province.hub.get("/api/v1/centres", key="wrong")[0] == 401
    status, body, _ = province.hub.get("/api/v1/report?from=2026-13-01")
    assert status == 400 and "from" in body["error"]["message"]
    assert province.hub.get("/api/v1/report?centre=nowhere")[0] == 404
    status, body, _ = province.hub.get("/api/v1/report?district=" + quote("Cù Lao Dung"))
    assert status == 200 and {r["centre"] for r in body["centres"]} <= {"an-thanh"}
    status, raw, _headers = province.hub.get("/api/v1/report.csv")
    assert status == 200 and raw.startswith("\ufeff".encode()) and b"\r\n" in raw
    assert HUB_ADMIN_KEY not in province.hub.output()
