"""request_id: a request sent again after a lost answer is answered, not done twice.

The rules with Flask's test client on a temp database and an injected clock; the
same across a real server's kill -9 and restart at the end.
"""

from __future__ import annotations

from pathlib import Path

from sothutu.client import ClientError
from tests.support import (
    ADMIN_KEY,
    KIOSK2_KEY,
    KIOSK_KEY,
    ServerProcess,
    counter_key,
    free_port,
    write_config,
)

RID = "4b8f5c2e-1d3a-4f6b-9e07-2c5d8a1f3b6e"


def post(client, path: str, body: dict, key: str):
    return client.post(path, json=body, headers={"Authorization": f"Bearer {key}"})


def test_the_same_request_id_from_the_same_kiosk_gets_the_same_ticket(client, api) -> None:
    first = post(client, "/api/v1/tickets", {"service": "ho-tich", "request_id": RID}, KIOSK_KEY)
    assert first.status_code == 201
    again = post(client, "/api/v1/tickets", {"service": "ho-tich", "request_id": RID}, KIOSK_KEY)
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    # Another kiosk's request with the same id is its own request.
    other = post(client, "/api/v1/tickets", {"service": "ho-tich", "request_id": RID}, KIOSK2_KEY)
    assert other.status_code == 201 and other.get_json()["code"] == "A002"
    # One ticket for the first kiosk's two requests, one for the other kiosk's.
    assert api.state()["services"][0]["waiting"] == 2
    # The ticket answered again is the ticket as it is now (called, no longer waiting).
    api.act(1, "next")
    later = post(client, "/api/v1/tickets", {"service": "ho-tich", "request_id": RID}, KIOSK_KEY)
    assert later.status_code == 200
    assert later.get_json()["id"] == first.get_json()["id"]
    assert later.get_json()["status"] == "called"
    # Without request_id every request is a new ticket, as before.
    assert api.issue().get_json()["code"] == "A003"


def test_a_request_id_used_for_something_else_is_refused(client) -> None:
    ok = post(client, "/api/v1/tickets", {"service": "ho-tich", "request_id": RID}, KIOSK_KEY)
    assert ok.status_code == 201
    for body in (
        {"service": "chung-thuc", "request_id": RID},
        {"service": "ho-tich", "priority": True, "request_id": RID},
    ):
        r = post(client, "/api/v1/tickets", body, KIOSK_KEY)
        assert r.status_code == 409, body
        assert r.get_json()["error"]["code"] == "request_id_reused"
    r = post(client, "/api/v1/tickets", {"service": "ho-tich", "request_id": "  "}, KIOSK_KEY)
    assert r.status_code == 400 and "request_id" in r.get_json()["error"]["message"]
    r = post(client, "/api/v1/tickets", {"service": "ho-tich", "request_id": 7}, KIOSK_KEY)
    assert r.status_code == 400


def test_a_request_id_lasts_the_business_day(client, clock) -> None:
    first = post(client, "/api/v1/tickets", {"service": "ho-tich", "request_id": RID}, KIOSK_KEY)
    clock.advance(days=1)
    again = post(client, "/api/v1/tickets", {"service": "ho-tich", "request_id": RID}, KIOSK_KEY)
    assert again.status_code == 201
    assert again.get_json()["id"] != first.get_json()["id"]
    assert again.get_json()["business_date"] == "2026-11-25"


def test_a_refused_request_is_not_remembered(client, clock) -> None:
    """Only a request that changed something is remembered: the same id after the
    refusal's cause went away is done."""
    body = {"service": "dat-dai", "request_id": RID}
    for _ in range(3):  # daily_limit = 3
        assert post(client, "/api/v1/tickets", {"service": "dat-dai"}, KIOSK_KEY).status_code == 201
    r = post(client, "/api/v1/tickets", body, KIOSK_KEY)
    assert r.get_json()["error"]["code"] == "daily_limit_reached"
    r = post(client, "/api/v1/counters/1/next", {"request_id": RID}, counter_key(1))
    assert r.status_code == 200 and r.get_json()["ticket"] is None
    clock.advance(days=1)
    assert post(client, "/api/v1/tickets", body, KIOSK_KEY).status_code == 201


def test_counter_actions_with_the_same_request_id_are_done_once(client, api) -> None:
    for _ in range(3):
        api.issue()
    key = counter_key(1)
    first = post(client, "/api/v1/counters/1/next", {"request_id": RID}, key)
    assert first.status_code == 200 and first.get_json()["ticket"]["code"] == "A001"
    # The console drove the counter meanwhile: A002 is current now.
    assert api.act(1, "next").get_json()["ticket"]["code"] == "A002"
    # The keypad's retry of its lost "next" gets its own first answer; nothing moves.
    again = post(client, "/api/v1/counters/1/next", {"request_id": RID}, key)
    assert again.get_json() == first.get_json()
    state = api.state()
    assert state["counters"][0]["current"]["code"] == "A002"
    assert state["services"][0]["waiting"] == 1
    # The admin key acting on counter 1 shares counter 1's request ids.
    admin = post(client, "/api/v1/counters/1/next", {"request_id": RID}, ADMIN_KEY)
    assert admin.get_json() == first.get_json()
    # The same id on another counter is another request.
    other = post(client, "/api/v1/counters/2/next", {"request_id": RID}, counter_key(2))
    assert other.get_json()["ticket"]["code"] == "A003"
    # An id used for "next" is not a "recall".
    r = post(client, "/api/v1/counters/1/recall", {"request_id": RID}, key)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "request_id_reused"
    # Every action takes one: recall twice with one id announces once.
    recall = {"request_id": "recall-1"}
    calls = post(client, "/api/v1/counters/1/recall", recall, key).get_json()["ticket"]["calls"]
    assert post(client, "/api/v1/counters/1/recall", recall, key).get_json()["ticket"]["calls"] == (
        calls
    )
    assert api.state()["counters"][0]["current"]["calls"] == calls
    pause = {"reason": "Nghỉ", "request_id": "p-1"}
    assert post(client, "/api/v1/counters/1/pause", pause, key).status_code == 200
    assert post(client, "/api/v1/counters/1/resume", {"request_id": "r-1"}, key).status_code == 200
    # the pause sent again is the first answer (paused), and the counter stays open
    again = post(client, "/api/v1/counters/1/pause", pause, key).get_json()
    assert again["counter"]["status"] == "paused"
    assert api.state()["counters"][0]["status"] == "serving"


def test_a_reprint_sent_again_prints_once(client, api, config) -> None:
    """A console's "In lại" whose answer got lost is sent again with its request_id: one
    reprint reaches the kiosk, and the clerk gets the first answer."""
    t = api.issue().get_json()
    key = counter_key(1)
    path = f"/api/v1/tickets/{t['id']}/reprint"
    first = post(client, path, {"request_id": "reprint-1"}, key)
    assert first.status_code == 200 and first.get_json()["kiosk"] == "kiosk-1"
    again = post(client, path, {"request_id": "reprint-1"}, key)
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert _count(config, "events", "type", "ticket.reprint") == 1
    assert _count(config, "ticket_log", "action", "reprint") == 1
    # another ticket with the same id is something else; without an id, each prints
    other = api.issue().get_json()
    r = post(client, f"/api/v1/tickets/{other['id']}/reprint", {"request_id": "reprint-1"}, key)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "request_id_reused"
    assert post(client, path, {}, key).status_code == 200
    assert post(client, path, {}, key).status_code == 200
    assert _count(config, "events", "type", "ticket.reprint") == 3


def _count(config, table: str, column: str, value: str) -> int:
    import sqlite3

    with sqlite3.connect(config.database_path) as db:
        return db.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?", (value,)).fetchone()[
            0
        ]


def test_a_retry_after_a_kill_and_restart_finds_the_first_answer(tmp_path: Path) -> None:
    port = free_port()
    server = ServerProcess(write_config(tmp_path, port=port), port).start()
    try:
        kiosk = server.client(KIOSK_KEY)
        body = {"service": "chung-thuc", "request_id": RID}
        first = kiosk.request("POST", "/api/v1/tickets", body)
        keypad = server.client(counter_key(2))
        called = keypad.request("POST", "/api/v1/counters/2/next", {"request_id": RID})
        server.kill()  # a power cut right after the answers left
        server.start()
        again = kiosk.request("POST", "/api/v1/tickets", body)
        assert again["id"] == first["id"] and again == called["ticket"]  # as it is now
        assert keypad.request("POST", "/api/v1/counters/2/next", {"request_id": RID}) == called
        try:
            kiosk.request("POST", "/api/v1/tickets", {"service": "ho-tich", "request_id": RID})
            raise AssertionError("an id reused for another field was accepted")
        except ClientError as exc:
            assert exc.code == "request_id_reused"
    finally:
        server.stop()
