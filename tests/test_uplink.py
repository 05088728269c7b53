"""The centre's side of the hub link: the outbox numbers every row once, the pusher's
cursor follows the hub's answers and never moves past what the centre has, and
GET /api/v1/hub shows the link. The hub here is a small stand-in HTTP server (the
real hub is in test_hub_sync.py)."""

from __future__ import annotations

import gzip
import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from counter_api.service import QueueService
from counter_api.store import Store
from counter_api.uplink import outbox
from counter_api.uplink.pusher import Pusher, PushError
from sothutu.clock import ManualClock
from sothutu.config import ConfigError, load_config
from tests.support import ADMIN_KEY, KIOSK_KEY, ROOT, config_text, counter_key, write_config


class StandIn:
    """An HTTP server answering pushes as told; it keeps what it received."""

    def __init__(self) -> None:
        self.answer: tuple[int, Any] = (200, {"ack": 0})
        self.received: list[dict] = []
        self.headers: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                outer.headers.append(dict(self.headers))
                body = json.loads(gzip.decompress(raw))
                outer.received.append(body)
                status, answer = outer.answer
                if callable(answer):
                    answer = answer(body)
                data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def standin() -> Iterator[StandIn]:
    s = StandIn()
    yield s
    s.close()


@pytest.fixture
def linked(tmp_path: Path, standin: StandIn, clock: ManualClock) -> Iterator[QueueService]:
    extra = (
        f'\n[hub]\nurl = "{standin.url}"\ncentre_id = "test-centre"\n'
        'token = "a-token-from-the-hub-0123456789"\npush_seconds = 1\n'
    )
    config = load_config(write_config(tmp_path, extra=extra))
    svc = QueueService(config, Store(config.database_path), clock)
    yield svc
    svc.bus.close()
    svc.store.close()


def test_rows_go_in_order_and_the_cursor_follows_the_ack(linked, standin) -> None:
    svc = linked
    for _ in range(3):
        svc.issue("ho-tich", kiosk="kiosk-1")
    svc.next(1)
    svc.transfer(1, "dat-dai")
    pusher = Pusher(svc)
    answers: list[dict] = []
    pusher.contributors.append(lambda: {"since": {"bookings": 7}})
    pusher.handlers.append(answers.append)
    standin.answer = (200, lambda body: {"ack": body["rows"][-1]["seq"], "future": {"x": 1}})
    assert pusher.push_once() is False
    assert answers == [{"ack": 5, "future": {"x": 1}}]  # later features read their keys
    assert standin.received[-1]["since"] == {"bookings": 7}
    body = standin.received[-1]
    assert standin.headers[-1]["Authorization"] == "Bearer a-token-from-the-hub-0123456789"
    assert standin.headers[-1]["Content-Encoding"] == "gzip"
    assert body["centre"] == "test-centre" and body["after"] == 0
    actions = [r["action"] for r in body["rows"]]
    assert actions == ["issued", "issued", "issued", "called", "transferred"]
    assert [r["seq"] for r in body["rows"]] == [1, 2, 3, 4, 5]
    moved = body["rows"][-1]
    assert moved["ticket"]["service"] == "dat-dai" and moved["ticket"]["code"] == "A001"
    assert moved["ticket"]["date"] == "2026-11-24" and moved["at"].endswith("+07:00")
    assert body["health"]["waiting"] == {"ho-tich": 2, "chung-thuc": 0, "dat-dai": 1}
    assert [k["name"] for k in body["health"]["kiosks"]] == ["kiosk-1", "kiosk-2"]
    assert body["setup"]["services"][0] == {"id": "ho-tich", "name": "Hộ tịch"}
    assert outbox.acked(svc.store) == 5
    svc.next(2)
    pusher.push_once()
    assert standin.received[-1]["after"] == 5 and len(standin.received[-1]["rows"]) == 1


def test_the_push_is_what_the_hubs_document_says_it_takes(
    tmp_path: Path, standin: StandIn, clock: ManualClock
) -> None:
    """A real push (rows of every kind a day makes, health, setup, the booking rider's
    keys and the sample procedure catalogue) validates against the hub's hand-written
    schema of it and says nothing the schema does not name (the hub's OpenAPI document,
    built from the hub's app)."""
    from openapi_schema_validator import OAS31Validator

    from counter_api.procedures.catalogue import sync_configured_file
    from counter_api.uplink.bookings import BookingLink
    from hub.web import create_app
    from hub.web.openapi import document
    from tests.openapi_support import undocumented
    from tests.procedures_fixtures import SAMPLE, write_procedures_config

    extra = f'\n[hub]\nurl = "{standin.url}"\ncentre_id = "c"\ntoken = "{"t" * 32}"\n'
    config = load_config(write_procedures_config(tmp_path, SAMPLE, extra=extra))
    svc = QueueService(config, Store(config.database_path), clock)
    try:
        assert sync_configured_file(svc.store, config) is None
        svc.issue("ho-tich", kiosk="kiosk-1")
        svc.issue("ho-tich", priority=True, kiosk="kiosk-1")
        svc.next(1)
        svc.done(1)
        svc.rate(1, 5)
        svc.next(1)
        svc.no_show(1)
        svc.pause(2, "Nghỉ trưa")
        pusher = Pusher(svc)
        pusher.contributors.append(BookingLink(svc).contribute)
        pusher.push_once()
    finally:
        svc.bus.close()
        svc.store.close()
    body = standin.received[-1]
    assert {r["action"] for r in body["rows"]} >= {"issued", "called", "done", "rated", "paused"}
    assert body["catalogue"][0]["documents"] and "bookings_after" in body
    doc = document(create_app(None, None))  # type: ignore[arg-type]
    schema = doc["paths"]["/ingest"]["post"]["requestBody"]["content"]["application/json"]
    OAS31Validator({**schema["schema"], "components": doc["components"]}).validate(body)
    assert undocumented(doc, body, schema["schema"], "push") == []


def test_a_backlog_goes_in_batches_of_1000(linked, standin) -> None:
    svc = linked
    for _ in range(1200):
        svc.issue("chung-thuc")
    standin.answer = (200, lambda body: {"ack": body["rows"][-1]["seq"]})
    pusher = Pusher(svc)
    assert pusher.push_once() is True  # more to send
    assert pusher.push_once() is False
    assert [len(b["rows"]) for b in standin.received] == [1000, 200]


def test_failures_are_kept_and_the_cursor_stays(linked, standin) -> None:
    svc = linked
    svc.issue("ho-tich")
    pusher = Pusher(svc)
    standin.answer = (401, {"error": {"code": "unauthorized", "message": "unknown token"}})
    with pytest.raises(PushError, match="401: unknown token"):
        pusher.push_once()
    standin.answer = (200, b"<html>proxy error</html>")
    with pytest.raises(PushError, match="not JSON"):
        pusher.push_once()
    standin.answer = (200, {"ack": 10**6})  # a hub that claims rows this centre never had
    with pytest.raises(PushError, match="older backup"):
        pusher.push_once()
    assert outbox.acked(svc.store) == 1  # never past the centre's own newest row
    status = outbox.status(svc.store, svc.tz)
    assert "older backup" in status["last_error"] and status["pending"] == 0
    standin.answer = (200, {"ack": 0})  # a hub restored from an older backup: send again
    pusher.push_once()
    assert outbox.acked(svc.store) == 0 and outbox.status(svc.store, svc.tz)["pending"] == 1
    assert outbox.status(svc.store, svc.tz)["last_error"] is None


def test_a_dead_hub_never_holds_up_the_queue(linked) -> None:
    svc = linked
    pusher = Pusher(svc)
    pusher.link = type(svc.config.hub)(
        url="http://127.0.0.1:9", centre_id="x", token="t" * 20, push_seconds=1
    )
    with pytest.raises(PushError, match="cannot reach the hub"):
        pusher.push_once()
    assert svc.issue("ho-tich")["code"] == "A001"


def test_get_hub_shows_the_link_to_the_admin_only(client, api) -> None:
    assert client.get("/api/v1/hub").status_code == 401
    assert (
        client.get("/api/v1/hub", headers={"Authorization": f"Bearer {KIOSK_KEY}"}).status_code
        == 403
    )
    api.issue()
    api.issue()
    api.act(1, "next")
    client.post("/api/v1/counters/1/next", headers={"Authorization": f"Bearer {counter_key(1)}"})
    client.post(
        "/api/v1/counters/1/rating",
        json={"score": 5},
        headers={"Authorization": f"Bearer {counter_key(1)}"},
    )
    body = client.get("/api/v1/hub", headers={"Authorization": f"Bearer {ADMIN_KEY}"}).get_json()
    assert body["configured"] is False and body["url"] is None
    assert (
        body["pending"] == body["newest"] == 6 and body["acked"] == 0
    )  # 2 issued, 2 calls, done, rated


def test_an_old_database_numbers_its_history(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    shutil.copy(ROOT / "tests/data/queue-v1.db", db)
    store = Store(db)
    try:
        with store.read() as conn:
            logs = conn.execute("SELECT count(*) FROM ticket_log").fetchone()[0]
            ratings = conn.execute("SELECT count(*) FROM ratings").fetchone()[0]
        assert outbox.newest_seq(store) == logs + ratings > 0
        rows = outbox.read_batch(store, 0, load_config(write_config(tmp_path)).centre.tz)
        ats = [r["at"] for r in rows]
        assert ats == sorted(ats)
    finally:
        store.close()


@pytest.mark.parametrize(
    ("hub", "message"),
    [
        ('url = "https://hub.example"\ncentre_id = "x"', "hub.token: missing"),
        ('url = "https://hub.example"\ntoken = "t0123456789abcdefgh"', "hub.centre_id: missing"),
        ('token = "t0123456789abcdefgh"', "hub.url: missing"),
        ('url = "ftp://x"', "hub.url: must be an http"),
        ('url = "https://h"\ncentre_id = "X Y"\ntoken = "t0123456789abcdefgh"', "hub.centre_id"),
        (
            'url = "https://h"\ncentre_id = "x"\ntoken = "t0123456789abcdefgh"\npush_seconds = 0',
            "hub.push_seconds",
        ),
    ],
)
def test_a_bad_hub_section_names_the_key(tmp_path: Path, hub: str, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(config_text(extra=f"\n[hub]\n{hub}\n"), encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_the_admin_page_shows_the_link(tmp_path: Path, clock: ManualClock) -> None:
    from counter_api.web import create_app

    extra = (
        '\n[hub]\nurl = "http://127.0.0.1:9"\ncentre_id = "x"\n'
        'token = "a-token-from-the-hub-0123456789"\n'
    )
    path = write_config(
        tmp_path, extra=extra, server_extra='admin_password = "mat-khau-quan-tri-2026"'
    )
    app = create_app(load_config(path), clock=clock)
    try:
        client = app.test_client()
        client.post("/admin/login", data={"password": "mat-khau-quan-tri-2026"})
        client.post(
            "/api/v1/tickets",
            json={"service": "ho-tich"},
            headers={"Authorization": f"Bearer {KIOSK_KEY}"},
        )
        html = client.get("/admin").get_data(as_text=True)
        assert "Kết nối với hệ thống của tỉnh" in html
        assert "Chưa gửi số liệu lên tỉnh lần nào" in html and "<span data-pending>1</span>" in html
        svc = app.extensions["sothutu"].service
        with pytest.raises(PushError):
            Pusher(svc).push_once()
        html = client.get("/admin").get_data(as_text=True)
        assert "Chưa gửi được số liệu lên tỉnh" in html and "cannot reach the hub" in html
    finally:
        app.extensions["sothutu"].service.bus.close()
        app.extensions["sothutu"].service.store.close()
