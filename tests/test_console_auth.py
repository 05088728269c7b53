"""The console's login, session and CSRF rules, and the API additions it uses.

Flask's test client on a real app and database with a ManualClock (fast); the
browser tests cover the same paths end to end.
"""

from __future__ import annotations

import re

from counter_api.web.throttle import LoginThrottle
from tests.support import ADMIN_KEY, KIOSK_KEY, counter_key, counter_pin


def login_form(client) -> str:
    page = client.get("/console")
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def login(client, n: int, pin: str | None = None, **headers: str):
    token = login_form(client)
    return client.post(
        "/console/login",
        data={"csrf_token": token, "counter": str(n), "pin": pin or counter_pin(n)},
        headers=headers,
    )


def csrf_of(client) -> str:
    page = client.get("/console")
    return re.search(r'"csrf": "([^"]+)"', page.text).group(1)


def logged_in(client, n: int) -> dict[str, str]:
    """Log in; the headers the console's script sends."""
    assert login(client, n).status_code == 303
    return {"X-CSRF-Token": csrf_of(client)}


def test_login_page_and_cookie_flags(client) -> None:
    page = client.get("/console")
    assert "Đăng nhập quầy" in page.text and "Quầy 4 (Quầy hướng dẫn)" in page.text
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    resp = login(client, 1)
    assert resp.status_code == 303 and resp.headers["Location"] == "/console"
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    screen = client.get("/console")
    assert "Gọi số tiếp theo" in screen.text and "Tạm dừng quầy" in screen.text
    for typed in ("/console/", "/console/login"):
        assert client.get(typed).headers["Location"] == "/console"


def test_wrong_pin_message_and_throttle(app, client, clock) -> None:
    for _ in range(5):
        resp = login(client, 1, "99999")
        assert resp.status_code == 401
        assert "Số quầy hoặc mã PIN không đúng" in resp.text
    resp = login(client, 1)  # right PIN, but the address must wait now
    assert resp.status_code == 429
    assert "Vui lòng chờ 60 giây" in resp.text
    clock.advance(30)
    assert login(client, 1).status_code == 429
    clock.advance(31)
    assert login(client, 1).status_code == 303
    # an unknown counter counts as a wrong PIN too
    assert login(app.test_client(), 99, "12345").status_code == 401


def test_throttle_counts_per_address_and_target_and_rounds_up() -> None:
    now = [1000.0]
    t = LoginThrottle(lambda: now[0], per_target=5, per_address=20, window=60)
    for _ in range(5):
        now[0] += 10
        t.failed("10.0.0.5", "counter 2")
    assert t.wait_seconds("10.0.0.5", "counter 2") == 20  # oldest failure at 1010 + 60
    assert t.wait_seconds("10.0.0.5", "counter 1") == 0  # another target
    assert t.wait_seconds("10.0.0.6", "counter 2") == 0  # another address
    t.succeeded("10.0.0.5", "counter 1")  # a right PIN elsewhere forgives nothing
    assert t.wait_seconds("10.0.0.5", "counter 2") == 20
    now[0] += 0.25
    assert t.wait_seconds("10.0.0.5", "counter 2") == 20  # 19.75 s: whole seconds, up
    now[0] += 19.75
    assert t.wait_seconds("10.0.0.5", "counter 2") == 0
    t.failed("10.0.0.5", "counter 2")
    t.succeeded("10.0.0.5", "counter 2")  # its own right PIN clears its own count
    assert t.wait_seconds("10.0.0.5", "counter 2") == 0


def test_throttle_caps_an_address_across_targets() -> None:
    now = [0.0]
    t = LoginThrottle(lambda: now[0], per_target=5, per_address=20, window=60)
    for i in range(20):
        now[0] += 1
        t.failed("10.0.0.9", f"counter {i % 5}")  # 4 per counter: none is locked alone
        t.succeeded("10.0.0.9", "counter 9")  # a right PIN on yet another counter
    assert t.wait_seconds("10.0.0.9", "counter 9") == 41  # locked everywhere: 1 + 60 - 20
    assert t.wait_seconds("10.0.0.9", "admin") == 41
    assert t.wait_seconds("10.0.0.8", "counter 9") == 0


def test_throttle_holds_a_guesser_who_changes_address(caplog) -> None:
    """One phone joining the Wi-Fi again and again (a new address each time) guesses
    counter 2's PIN: after 20 wrong tries within ten minutes, new addresses wait, while
    the counter's own PC, which logged in before, is not locked out."""
    now = [0.0]
    t = LoginThrottle(lambda: now[0])
    t.succeeded("10.0.0.2", "counter 2")  # the clerk's PC, this morning
    now[0] += 3600
    with caplog.at_level("WARNING", logger="counter_api.web.throttle"):
        for i in range(20):
            assert t.wait_seconds(f"10.0.1.{i}", "counter 2") == 0
            t.failed(f"10.0.1.{i}", "counter 2")  # one try each: no address is locked alone
            now[0] += 5
    assert t.wait_seconds("10.0.1.99", "counter 2") == 600 - 100  # the first try + 10 min
    assert t.wait_seconds("10.0.1.99", "counter 1") == 0  # another counter
    assert t.wait_seconds("10.0.0.2", "counter 2") == 0  # the clerk's PC
    assert [r.getMessage() for r in caplog.records] == [
        "20 wrong PINs or passwords for counter 2 within 10 minutes from any address: "
        "addresses that never logged in to it wait (someone may be guessing)"
    ]
    now[0] += 500
    assert t.wait_seconds("10.0.1.99", "counter 2") == 0  # the window moved on
    # an address known 31 days ago is not known any more
    t2 = LoginThrottle(lambda: now[0])
    t2.succeeded("10.0.0.3", "admin")
    now[0] += 31 * 86400
    for i in range(20):
        t2.failed(f"10.0.2.{i}", "admin")
    assert t2.wait_seconds("10.0.0.3", "admin") == 600


def test_a_guesser_who_changes_address_gets_429_on_the_console(app, clock) -> None:
    """The same through the console's login page: a new address gets 429 even with the
    right PIN; the counter's PC that logged in before still logs in."""
    clerk = app.test_client()
    clerk.environ_base["REMOTE_ADDR"] = "192.168.1.12"
    assert login(clerk, 2).status_code == 303
    for i in range(20):
        phone = app.test_client()
        phone.environ_base["REMOTE_ADDR"] = f"192.168.1.{100 + i}"
        assert login(phone, 2, "000000").status_code == 401
        clock.advance(10)
    newcomer = app.test_client()
    newcomer.environ_base["REMOTE_ADDR"] = "192.168.1.200"
    resp = login(newcomer, 2)
    assert resp.status_code == 429 and "Vui lòng chờ" in resp.text
    again = app.test_client()
    again.environ_base["REMOTE_ADDR"] = "192.168.1.12"
    assert login(again, 2).status_code == 303
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.168.1.201"
    assert login(other, 1).status_code == 303  # counter 1 is not under attack


def test_session_acts_for_its_own_counter_only(client, api) -> None:
    api.issue("ho-tich")
    api.issue("ho-tich")
    h = logged_in(client, 1)
    assert client.post("/api/v1/counters/2/next", headers=h).status_code == 403
    assert client.post("/api/v1/counters/abc/next", headers=h).status_code == 403
    resp = client.post("/api/v1/counters/1/next", headers=h)
    assert resp.status_code == 200 and resp.get_json()["ticket"]["code"] == "A001"
    # the same cookie without the header (what a foreign form could send) is nobody
    resp = client.post("/api/v1/counters/1/recall")
    assert resp.status_code == 401
    resp = client.post("/api/v1/counters/1/recall", headers={"X-CSRF-Token": "guess"})
    assert resp.status_code == 401
    resp = client.post(
        "/api/v1/counters/1/next",
        data="x=1",
        content_type="application/x-www-form-urlencoded",
    )
    assert resp.status_code == 401
    assert api.state()["counters"][0]["current"]["code"] == "A001"
    # a non-guidance counter may not issue tickets, before its body is even looked at
    resp = client.post("/api/v1/tickets", data="nonsense", headers=h)
    assert resp.status_code == 403


def test_cross_site_login_and_logout_are_refused(client) -> None:
    resp = login(client, 1, Origin="http://evil.example")
    assert resp.status_code == 403 and "Yêu cầu bị từ chối" in resp.text
    resp = login(client, 1, **{"Sec-Fetch-Site": "cross-site"})
    assert resp.status_code == 403
    # a login form posted without the page's token (no cookie crossed over)
    resp = client.post("/console/login", data={"counter": "1", "pin": counter_pin(1)})
    assert resp.status_code == 403
    h = logged_in(client, 1)
    token = h["X-CSRF-Token"]
    resp = client.post("/console/logout", data={"csrf_token": "x"})
    assert resp.status_code == 403
    resp = client.post(
        "/console/logout", data={"csrf_token": token}, headers={"Origin": "http://evil.example"}
    )
    assert resp.status_code == 403
    assert client.get("/api/v1/counters/1/tickets", headers=h).status_code == 200


def test_logout_and_expiry_end_the_session(app, client, clock) -> None:
    h = logged_in(client, 1)
    cookie = client.get_cookie("sothutu_console").value
    resp = client.post("/console/logout", data={"csrf_token": h["X-CSRF-Token"]})
    assert resp.status_code == 303 and resp.headers["Location"] == "/console?bye=1"
    assert "Đã đăng xuất" in client.get("/console?bye=1").text
    assert client.post("/api/v1/counters/1/next", headers=h).status_code == 401
    # replaying the old cookie after logout does not work either
    replay = app.test_client()
    replay.set_cookie("sothutu_console", cookie)
    assert replay.post("/api/v1/counters/1/next", headers=h).status_code == 401

    h = logged_in(client, 2)
    assert client.post("/api/v1/counters/2/pause", headers=h).status_code == 200
    clock.advance(hours=24)  # the next business day: log in again
    assert client.post("/api/v1/counters/2/resume", headers=h).status_code == 401
    assert "Đăng nhập quầy" in client.get("/console").text


def test_citizen_without_session_can_do_nothing(client, api) -> None:
    api.issue("ho-tich")
    for path in (
        "/api/v1/counters/1/next",
        "/api/v1/counters/1/pause",
        "/api/v1/tickets/1/reprint",
        "/api/v1/tickets",
    ):
        assert client.post(path, json={"service": "ho-tich"}).status_code == 401, path
    assert client.get("/api/v1/counters/1/tickets").status_code == 401
    assert client.post("/console/logout").status_code == 303  # nothing to log out
    assert api.state()["counters"][0]["current"] is None


def test_guidance_counter_issues_tickets(client, api) -> None:
    resp = client.post(
        "/api/v1/tickets",
        json={"service": "dat-dai", "priority": True},
        headers={"Authorization": f"Bearer {counter_key(4)}"},
    )
    assert resp.status_code == 201 and resp.get_json()["priority"] is True
    resp = client.post(
        "/api/v1/tickets",
        json={"service": "dat-dai"},
        headers={"Authorization": f"Bearer {counter_key(1)}"},
    )
    assert resp.status_code == 403
    h = logged_in(client, 4)
    resp = client.post("/api/v1/tickets", json={"service": "ho-tich"}, headers=h)
    assert resp.status_code == 201 and resp.get_json()["code"] == "A001"
    screen = client.get("/console").text
    assert "Cấp số cho công dân" in screen


def test_counter_tickets_lists_todays_held_and_no_show(client, api) -> None:
    for _ in range(3):
        api.issue("ho-tich")
    api.act(1, "next")
    api.act(1, "hold")
    api.act(1, "next")
    api.act(1, "no-show")
    api.act(2, "next")
    api.act(2, "hold")
    key = {"Authorization": f"Bearer {counter_key(1)}"}
    resp = client.get("/api/v1/counters/1/tickets", headers=key)
    got = [(t["code"], t["status"]) for t in resp.get_json()["tickets"]]
    assert got == [("A002", "no_show"), ("A001", "held")]
    resp = client.get("/api/v1/counters/1/tickets?status=held", headers=key)
    assert [t["code"] for t in resp.get_json()["tickets"]] == ["A001"]
    assert client.get("/api/v1/counters/1/tickets?status=gone", headers=key).status_code == 400
    assert client.get("/api/v1/counters/2/tickets", headers=key).status_code == 403
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    assert client.get("/api/v1/counters/9/tickets", headers=admin).status_code == 404
    resp = client.get("/api/v1/counters/2/tickets", headers=admin)
    assert [t["code"] for t in resp.get_json()["tickets"]] == ["A003"]
    kiosk = {"Authorization": f"Bearer {KIOSK_KEY}"}
    assert client.get("/api/v1/counters/1/tickets", headers=kiosk).status_code == 403
