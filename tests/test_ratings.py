"""Satisfaction ratings: who may rate what, once, soon; the GPIO keypad on a real server."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest

from sothutu.client import ApiClient
from tests.conftest import VN
from tests.support import ADMIN_KEY, KIOSK_KEY, ServerProcess, counter_key, wait_for


def rate(api, n: int, body: dict, key: str | None = None):
    key = key or counter_key(n)
    return api.c.post(
        f"/api/v1/counters/{n}/rating", json=body, headers={"Authorization": f"Bearer {key}"}
    )


def code(r) -> str:
    return r.get_json()["error"]["code"]


def serve_one(api, n: int = 1) -> dict:
    api.issue()
    api.act(n, "next")
    return api.act(n, "done").get_json()["ticket"]


def test_only_the_counters_last_finished_ticket_once_and_soon(api, clock, app) -> None:
    r = rate(api, 1, {"score": 5})
    assert r.status_code == 409 and code(r) == "nothing_to_rate"
    first = serve_one(api)
    r = rate(api, 2, {"score": 5})  # counter 2 finished nothing
    assert r.status_code == 409 and code(r) == "nothing_to_rate"
    second = serve_one(api)
    r = rate(api, 1, {"score": 5, "ticket": first["id"]})  # not the last one
    assert r.status_code == 409 and code(r) == "not_ratable"
    r = rate(api, 1, {"score": 4, "ticket": second["id"]})
    assert r.status_code == 200, r.get_json()
    got = r.get_json()["rating"]
    assert (got["ticket"], got["code"], got["score"], got["level"]) == (
        second["id"],
        second["code"],
        4,
        "Hài lòng",
    )
    r = rate(api, 1, {"score": 1})
    assert r.status_code == 409 and code(r) == "already_rated"
    third = serve_one(api)
    clock.advance(91)  # [ratings] window_seconds = 90
    r = rate(api, 1, {"score": 1, "ticket": third["id"]})
    assert r.status_code == 409 and code(r) == "rating_closed"
    svc = app.extensions["sothutu"].service
    with svc.store.read() as db:
        rows = db.execute("SELECT ticket_id, counter, score, source FROM ratings").fetchall()
    assert rows == [(second["id"], 1, 4, "keypad")]
    events = [e.type for e in svc.events_after(0)]
    assert events.count("rating.recorded") == 1


def test_no_show_is_not_rated_and_scores_are_checked(api) -> None:
    api.issue()
    api.act(1, "next")
    api.act(1, "no-show")
    r = rate(api, 1, {"score": 3})
    assert r.status_code == 409 and code(r) == "nothing_to_rate"
    serve_one(api)
    for bad in ({"score": 0}, {"score": 6}, {"score": "5"}, {"score": True}, {}):
        r = rate(api, 1, bad)
        assert r.status_code == 400, bad
    assert rate(api, 1, {"score": 3}).status_code == 200


@pytest.mark.parametrize(
    ("key", "status"),
    [(None, 401), ("nope-nope-nope-nope", 401), (KIOSK_KEY, 403), (counter_key(2), 403)],
)
def test_who_may_rate_counter_1(api, key, status) -> None:
    serve_one(api)
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    r = api.c.post("/api/v1/counters/1/rating", json={"score": 5}, headers=headers)
    assert r.status_code == status
    r = rate(api, 1, {"score": 5}, key=ADMIN_KEY)
    assert r.status_code == 200 and r.get_json()["rating"]["counter"] == 1


def test_a_console_session_may_not_rate(api) -> None:
    """Clerks do not rate themselves: a real console login (counter 1) may act for
    counter 1 but gets 403 on its rating."""
    from tests.test_console_auth import logged_in

    serve_one(api)
    h = logged_in(api.c, 1)
    assert api.c.post("/api/v1/counters/1/pause", headers=h).status_code == 200
    r = api.c.post("/api/v1/counters/1/rating", json={"score": 5}, headers=h)
    assert r.status_code == 403


def test_ratings_are_in_the_report(api, clock) -> None:
    serve_one(api)
    rate(api, 1, {"score": 5})
    serve_one(api, 2)
    rate(api, 2, {"score": 1})
    r = api.c.get("/api/v1/reports/daily", headers=api.admin()).get_json()
    assert r["total"]["ratings"] == {
        "count": 2,
        "mean": 3.0,
        "levels": {"5": 1, "4": 0, "3": 0, "2": 0, "1": 1},
        "satisfied": 0.5,  # one of two rated 4 or 5
    }
    c = {x["number"]: x["ratings"]["mean"] for x in r["counters"]}
    assert (c[1], c[2], c[3]) == (5.0, 1.0, None)


def test_gpio_keypad_against_a_real_server(server: ServerProcess, mock_factory) -> None:
    from keypads.rating import RatingKeypad

    pins = ["GPIO5", "GPIO6", "GPIO13", "GPIO19", "GPIO26"]  # as in [ratings] keypad_pins
    factory = mock_factory
    results: list[tuple[int, str]] = []
    got = threading.Event()

    def on_result(score: int, outcome: str) -> None:
        results.append((score, outcome))
        got.set()

    keypad = RatingKeypad(
        ApiClient(server.url, counter_key(1)), 1, pins, pin_factory=factory, on_result=on_result
    )
    try:
        kiosk, c1 = server.client(KIOSK_KEY), server.client(counter_key(1))
        kiosk.request("POST", "/api/v1/tickets", {"service": "ho-tich"})
        c1.request("POST", "/api/v1/counters/1/next")
        done = c1.request("POST", "/api/v1/counters/1/done")["ticket"]

        def press(pin: int) -> None:  # the wire: BCM pin to ground and back
            factory.pin(pin).drive_low()
            factory.pin(pin).drive_high()

        press(6)  # "Hài lòng"
        # Bounce and a second button while the first is in flight: at most one more send.
        press(6)
        press(26)
        assert got.wait(5)
        wait_for(lambda: not keypad.busy, what="every accepted press answered")
        assert results[0] == (4, "recorded")
        assert all(outcome == "already_rated" for _, outcome in results[1:])
        sent = len(results)
        press(5)  # the ticket is rated: the server says so, nothing is stored
        wait_for(lambda: len(results) > sent, what="the answer to the last press")
        report = server.client(ADMIN_KEY).request("GET", "/api/v1/reports/daily")
        assert report["total"]["ratings"]["count"] == 1
        assert report["total"]["ratings"]["levels"]["4"] == 1
        assert results[-1][1] == "already_rated"
        assert done["code"] == "A001"
    finally:
        keypad.close()


def test_keypad_says_unreachable_when_the_server_is_gone(mock_factory) -> None:
    from keypads.rating import RatingKeypad
    from tests.support import free_port

    results: list[tuple[int, str]] = []
    done = threading.Event()
    keypad = RatingKeypad(
        ApiClient(f"http://127.0.0.1:{free_port()}", "k" * 20, timeout=1),
        1,
        [5, 6, 13, 19, 26],
        pin_factory=mock_factory,
        on_result=lambda s, o: (results.append((s, o)), done.set()),
    )
    try:
        assert keypad.press(3)
        assert done.wait(5)
        assert results == [(3, "unreachable")]
    finally:
        keypad.close()


def test_rating_window_is_measured_from_finishing(api, clock) -> None:
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=VN))
    serve_one(api)
    clock.advance(89)
    assert rate(api, 1, {"score": 2}).status_code == 200


def test_the_keypad_loads_no_web_framework() -> None:
    import subprocess
    import sys

    from tests.support import ROOT

    code = (
        "import sys, keypads.rating; "
        "assert 'flask' not in sys.modules and 'werkzeug' not in sys.modules"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
