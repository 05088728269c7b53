"""The API with Flask's test client on a temp database and an injected clock."""

from __future__ import annotations

import contextlib
from datetime import datetime

import pytest

from tests.conftest import VN
from tests.support import ADMIN_KEY, KIOSK2_KEY, KIOSK_KEY, counter_key, write_config


def codes(resp) -> str:
    return resp.get_json()["ticket"]["code"] if resp.get_json()["ticket"] else None


def test_health_services_and_openapi(client) -> None:
    h = client.get("/api/v1/health").get_json()
    assert h["status"] == "ok" and h["time"].endswith("+07:00") and h["version"]
    s = client.get("/api/v1/services").get_json()["services"]
    assert [x["id"] for x in s] == ["ho-tich", "chung-thuc", "dat-dai"]
    assert s[0] == {
        "id": "ho-tich",
        "name": "Hộ tịch",
        "prefix": "A",
        "waiting": 0,
        "priority_waiting": 0,
    }
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")


def test_every_api_route_is_in_the_openapi_document(app) -> None:
    from counter_api.web.openapi import document

    paths = document(app)["paths"]
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = rule.rule.removeprefix("/api/v1").replace("<n>", "{n}").replace("<id>", "{id}")
        path = path.replace("<int:n>", "{n}").replace("<code>", "{code}")
        assert path in paths, f"{rule.rule} is not documented"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in paths[path], f"{method} {rule.rule} is not documented"


def test_issue_ticket_object(api) -> None:
    r = api.issue("ho-tich")
    assert r.status_code == 201
    t = r.get_json()
    assert r.headers["Location"] == f"/api/v1/tickets/{t['id']}"
    assert t == {
        "id": t["id"],
        "code": "A001",
        "number": 1,
        "service": "ho-tich",
        "service_name": "Hộ tịch",
        "priority": False,
        "status": "waiting",
        "counter": None,
        "calls": 0,
        "business_date": "2026-11-24",
        "issued_at": "2026-11-24T08:00:00+07:00",
        "called_at": None,
        "finished_at": None,
        "waiting_ahead": 0,
        "estimated_wait_minutes": 0,
    }
    assert [api.issue("ho-tich").get_json()["code"] for _ in range(3)] == ["A002", "A003", "A004"]
    assert api.issue("chung-thuc").get_json()["code"] == "B001"  # numbered per field


def test_calling_order_priority_then_earliest_across_services(api, clock) -> None:
    api.issue("ho-tich")  # A001
    clock.advance(60)
    api.issue("chung-thuc")  # B001
    clock.advance(60)
    api.issue("chung-thuc", priority=True)  # B002 priority
    clock.advance(60)
    api.issue("ho-tich", priority=True)  # A002 priority
    got = [codes(api.act(1, "next")) for _ in range(5)]
    assert got == ["B002", "A002", "A001", "B001", None]


def test_next_answers_finished_and_ticket(api, clock) -> None:
    api.issue()
    api.issue()
    first = api.act(1, "next").get_json()
    assert first["finished"] is None and first["ticket"]["code"] == "A001"
    assert first["ticket"]["status"] == "called" and first["ticket"]["calls"] == 1
    assert first["ticket"]["counter"] == 1
    clock.advance(300)
    second = api.act(1, "next").get_json()
    assert second["finished"]["code"] == "A001" and second["finished"]["status"] == "done"
    assert second["finished"]["finished_at"] == "2026-11-24T08:05:00+07:00"
    assert second["ticket"]["code"] == "A002"


def test_recall_done_no_show_hold(api) -> None:
    for _ in range(4):
        api.issue()
    api.act(1, "next")
    r = api.act(1, "recall").get_json()["ticket"]
    assert (r["code"], r["calls"], r["status"]) == ("A001", 2, "called")
    assert api.act(1, "done").get_json()["ticket"]["status"] == "done"
    assert api.act(1, "done").status_code == 409
    api.act(1, "next")
    assert api.act(1, "no-show").get_json()["ticket"]["status"] == "no_show"
    api.act(1, "next")
    held = api.act(1, "hold").get_json()["ticket"]
    assert held["status"] == "held" and held["finished_at"] is None
    for action in ("recall", "done", "no-show", "hold"):
        r = api.act(1, action)
        assert r.status_code == 409 and r.get_json()["error"]["code"] == "no_current_ticket"
    st = api.state()
    assert st["counters"][0]["status"] == "open" and st["counters"][0]["current"] is None


def test_held_and_no_show_called_back_by_code(api) -> None:
    api.issue()
    api.issue()
    api.act(1, "next")
    api.act(1, "hold")  # A001 held
    api.act(1, "next")
    api.act(1, "no-show")  # A002 no-show
    api.issue()
    api.act(1, "next")  # A003 current
    back = api.act(1, "call", {"code": "a001"}).get_json()["ticket"]
    assert (back["code"], back["status"], back["calls"]) == ("A001", "called", 2)
    assert api.c.get("/api/v1/tickets/3").get_json()["status"] == "done"  # A003 finished first
    assert api.act(2, "call", {"code": "A002"}).get_json()["ticket"]["counter"] == 2
    r = api.act(1, "call", {"code": "A001"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "not_callable"
    r = api.act(1, "call", {"code": "A002"})  # called at counter 2
    assert r.get_json()["error"]["code"] == "not_callable"
    assert api.act(1, "call", {"code": "A999"}).get_json()["error"]["code"] == "unknown_ticket"
    api.issue("dat-dai")
    assert api.act(1, "call", {"code": "C001"}).get_json()["error"]["code"] == "not_callable"


def two_fields(tmp_path, clock, first_prefix: str, second: str):
    """An app whose counter 1 calls Hộ tịch (``first_prefix``) and Tư pháp (``second``:
    its prefix and width lines): the client, a kiosk's and counter 1's headers."""
    from counter_api.web import create_app
    from sothutu.config import load_config

    services = f"""
[[services]]
id = "ho-tich"
name = "Hộ tịch"
prefix = "{first_prefix}"
[[services]]
id = "tu-phap"
name = "Tư pháp"
{second}
"""
    counters = f"""
[[counters]]
number = 1
services = ["ho-tich", "tu-phap"]
key = "{counter_key(1)}"
pin = "11148"
"""
    app = create_app(
        load_config(write_config(tmp_path, services=services, counters=counters)), clock=clock
    )
    kh = {"Authorization": f"Bearer {KIOSK_KEY}"}
    ch = {"Authorization": f"Bearer {counter_key(1)}"}
    return app, app.test_client(), kh, ch


def test_call_by_code_with_shared_prefix(tmp_path, clock) -> None:
    app, c, kh, ch = two_fields(tmp_path, clock, "A", 'prefix = "A"')
    c.post("/api/v1/tickets", json={"service": "ho-tich"}, headers=kh)
    c.post("/api/v1/tickets", json={"service": "tu-phap"}, headers=kh)
    r = c.post("/api/v1/counters/1/call", json={"code": "A001"}, headers=ch)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "ambiguous_code"
    r = c.post("/api/v1/counters/1/call", json={"code": "A001", "service": "tu-phap"}, headers=ch)
    assert r.get_json()["ticket"]["service"] == "tu-phap"
    app.extensions["sothutu"].service.store.close()


def test_call_by_code_as_the_clerk_types_it(api) -> None:
    """ "a5" calls A005 (the voice says "A năm"), in any case, with spaces."""
    for _ in range(15):
        api.issue("ho-tich")
    api.act(1, "next")  # A001
    api.act(1, "hold")
    r = api.act(2, "call", {"code": "a1"})
    assert r.status_code == 200 and codes(r) == "A001"
    r = api.act(2, "call", {"code": " a 5 "})
    assert codes(r) == "A005"
    assert api.act(2, "call", {"code": "a015"}).get_json()["ticket"]["code"] == "A015"
    assert api.act(2, "call", {"code": "a16"}).get_json()["error"]["code"] == "unknown_ticket"
    assert api.act(2, "call", {"code": "5a"}).get_json()["error"]["code"] == "unknown_ticket"
    assert api.act(2, "call", {"code": "  "}).get_json()["error"]["code"] == "invalid_request"
    # the counter's own current ticket, typed loosely: still "use recall"
    assert api.act(2, "call", {"code": "A15"}).get_json()["error"]["code"] == "not_callable"


def test_a_loose_code_naming_two_tickets_is_ambiguous(tmp_path, clock) -> None:
    """Two fields without a prefix (widths 3 and 2): "5" names 005 and 05."""
    app, c, kh, ch = two_fields(tmp_path, clock, "", 'prefix = ""\nwidth = 2')
    for _ in range(5):
        c.post("/api/v1/tickets", json={"service": "ho-tich"}, headers=kh)
        c.post("/api/v1/tickets", json={"service": "tu-phap"}, headers=kh)
    r = c.post("/api/v1/counters/1/call", json={"code": "5"}, headers=ch)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "ambiguous_code"
    near = c.get("/api/v1/counters/1/callable?code=5", headers=ch).get_json()["tickets"]
    assert [(t["code"], t["service"]) for t in near[:2]] == [
        ("005", "ho-tich"),
        ("05", "tu-phap"),
    ]
    r = c.post("/api/v1/counters/1/call", json={"code": "5", "service": "tu-phap"}, headers=ch)
    assert r.get_json()["ticket"]["code"] == "05"
    r = c.post("/api/v1/counters/1/call", json={"code": "005"}, headers=ch)  # exact: one
    assert r.get_json()["ticket"]["code"] == "005"
    app.extensions["sothutu"].service.store.close()


def test_callable_suggests_near_codes_for_the_counter(api, client, clock) -> None:
    for _ in range(20):
        api.issue("ho-tich")
    api.issue("dat-dai")  # C001: not counter 1's field
    api.act(1, "call", {"code": "A15"})
    api.act(1, "hold")  # A015 held
    clock.advance(60)
    api.act(1, "call", {"code": "A5"})
    api.act(1, "no-show")  # A005 absent
    api.act(1, "call", {"code": "A20"})  # A020 is counter 1's current ticket

    def near(code: str = "", n: int = 1, **extra) -> list[str]:
        q = "&".join(f"{k}={v}" for k, v in {"code": code, **extra}.items())
        r = client.get(f"/api/v1/counters/{n}/callable?{q}", headers=api._h(counter_key(n)))
        assert r.status_code == 200, r.get_json()
        return [t["code"] for t in r.get_json()["tickets"]]

    assert near() == ["A005", "A015"]  # nothing typed: held and absent, latest first
    # the same code, then one slip away: held before waiting, then in issue order
    assert near("a5") == ["A005", "A015", "A001", "A002", "A003", "A004", "A006", "A007"]
    assert near("a5", limit=2) == ["A005", "A015"]
    assert near("a51") == ["A015", "A005", "A001", "A011"]  # swapped; one left out; changed
    assert near("a012")[:4] == ["A012", "A015", "A001", "A002"]
    assert "A020" not in near("a20")  # the counter's own current ticket
    assert "C001" not in near("c1") and near("c1", n=3) == ["C001"]  # not its field
    headers = api._h(counter_key(2))
    assert client.get("/api/v1/counters/1/callable", headers=headers).status_code == 403
    assert client.get("/api/v1/counters/1/callable").status_code == 401
    r = client.get("/api/v1/counters/1/callable?limit=0", headers=api._h(counter_key(1)))
    assert r.status_code == 400


def test_transfer_keeps_code_and_place(api, clock) -> None:
    api.issue("ho-tich")  # A001 at 08:00
    clock.advance(600)
    api.issue("chung-thuc")  # B001 at 08:10
    api.act(1, "next")  # A001 called at counter 1 (earliest across its services)
    r = api.act(1, "transfer", {"service": "chung-thuc"}).get_json()["ticket"]
    assert (r["code"], r["service"], r["status"], r["issued_at"], r["original_service"]) == (
        "A001",
        "chung-thuc",
        "waiting",
        "2026-11-24T08:00:00+07:00",
        "ho-tich",
    )
    assert r["waiting_ahead"] == 0  # keeps its 08:00 place, before B001
    st = api.state()
    assert st["counters"][0]["current"] is None
    assert {s["id"]: s["waiting"] for s in st["services"]}["chung-thuc"] == 2
    assert codes(api.act(2, "next")) == "A001"  # counter 2 calls it first
    assert api.act(2, "transfer", {"service": "chung-thuc"}).get_json()["error"]["code"] == (
        "same_service"
    )
    assert api.act(2, "transfer", {"service": "nope"}).status_code == 404
    back = api.act(2, "call", {"code": "A001"})
    assert back.status_code == 409  # it is the counter's own current ticket


def test_calls_count_every_announcement(api) -> None:
    api.issue()
    api.act(1, "next")  # 1
    api.act(1, "recall")  # 2
    api.act(1, "hold")
    api.act(1, "call", {"code": "A001"})  # 3
    api.act(1, "transfer", {"service": "chung-thuc"})
    t = api.act(2, "next").get_json()["ticket"]  # 4
    assert t["calls"] == 4


def test_pause_resume(api) -> None:
    api.issue()
    api.issue()
    api.act(1, "next")
    p = api.act(1, "pause", {"reason": "Nghỉ trưa"}).get_json()["counter"]
    assert p["status"] == "paused" and p["reason"] == "Nghỉ trưa" and p["current"]["code"] == "A001"
    r = api.act(1, "next")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "counter_paused"
    assert api.c.get("/api/v1/tickets/1").get_json()["status"] == "called"  # unchanged
    assert api.act(1, "call", {"code": "A002"}).get_json()["error"]["code"] == "counter_paused"
    assert api.act(1, "recall").status_code == 200
    assert api.act(1, "done").status_code == 200
    events_before = api.state()["last_event_id"]
    assert api.act(1, "pause").get_json()["counter"]["status"] == "paused"
    assert api.state()["last_event_id"] == events_before  # idempotent, no event
    assert api.act(1, "resume").get_json()["counter"]["status"] == "open"
    assert api.act(1, "resume").status_code == 200
    assert codes(api.act(1, "next")) == "A002"


def test_estimated_wait(api, clock) -> None:
    # counters 1, 2 and 4 serve ho-tich; default 5 minutes until 3 services are finished
    for _ in range(7):
        api.issue()
    t = api.c.get("/api/v1/tickets/7").get_json()
    assert t["waiting_ahead"] == 6
    assert t["estimated_wait_minutes"] == 10  # ceil(6 × 5 / 3)
    api.act(2, "pause")
    api.act(4, "pause")
    assert api.c.get("/api/v1/tickets/7").get_json()["estimated_wait_minutes"] == 30
    for _ in range(3):  # three services of 2 minutes each at counter 1
        api.act(1, "next")
        clock.advance(120)
    api.act(1, "done")
    t = api.c.get("/api/v1/tickets/7").get_json()
    assert t["waiting_ahead"] == 3 and t["estimated_wait_minutes"] == 6  # 3 × 2 min ÷ 1


def test_daily_limit_and_hours(api, tmp_path, clock) -> None:
    for i in range(3):
        assert api.issue("dat-dai").get_json()["code"] == f"C00{i + 1}"
    r = api.issue("dat-dai")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "daily_limit_reached"
    from counter_api.web import create_app
    from sothutu.config import load_config

    d = tmp_path / "hours"
    d.mkdir()
    app = create_app(
        load_config(write_config(d, hours=["07:00-11:30", "13:00-17:00"])), clock=clock
    )
    c = app.test_client()
    kh = {"Authorization": f"Bearer {KIOSK_KEY}"}
    clock.set(datetime(2026, 11, 24, 12, 0, tzinfo=VN))
    r = c.post("/api/v1/tickets", json={"service": "ho-tich"}, headers=kh)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "closed"
    assert c.get("/api/v1/state").get_json()["open"] is False
    r = c.post("/api/v1/tickets", json={"service": "nope"}, headers=kh)
    assert r.status_code == 404  # unknown service before closed
    clock.set(datetime(2026, 11, 24, 13, 0, tzinfo=VN))
    assert c.post("/api/v1/tickets", json={"service": "ho-tich"}, headers=kh).status_code == 201
    app.extensions["sothutu"].service.store.close()


def test_hours_say_when_tickets_are_issued_again(tmp_path, clock) -> None:
    """/services and /state say whether tickets are issued now, today's windows and
    the next change by the server's clock; the days of the week count."""
    from counter_api.web import create_app
    from sothutu.config import load_config

    cfg = write_config(
        tmp_path, hours=["07:00-11:30", "13:00-17:00"], centre_extra="days = [1, 2, 3, 4, 5]"
    )
    app = create_app(load_config(cfg), clock=clock)
    c = app.test_client()
    kh = {"Authorization": f"Bearer {KIOSK_KEY}"}
    clock.set(datetime(2026, 11, 27, 12, 0, tzinfo=VN))  # Friday lunch
    hours = c.get("/api/v1/services").get_json()["hours"]
    assert hours == {
        "open": False,
        "today": ["07:00-11:30", "13:00-17:00"],
        "days": [1, 2, 3, 4, 5],
        "opens_at": "2026-11-27T13:00:00+07:00",
        "closes_at": None,
        "closed_days": [],
        "at": "2026-11-27T12:00:00+07:00",
    }
    assert c.get("/api/v1/state").get_json()["hours"] == hours
    clock.set(datetime(2026, 11, 27, 16, 0, tzinfo=VN))
    state = c.get("/api/v1/state").get_json()
    assert state["open"] is True and state["hours"]["open"] is True
    assert state["hours"]["closes_at"] == "2026-11-27T17:00:00+07:00"
    assert state["hours"]["opens_at"] is None
    clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=VN))  # Saturday morning: no windows today
    hours = c.get("/api/v1/services").get_json()["hours"]
    assert hours["open"] is False and hours["today"] == []
    assert hours["opens_at"] == "2026-11-30T07:00:00+07:00"  # Monday
    r = c.post("/api/v1/tickets", json={"service": "ho-tich"}, headers=kh)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "closed"
    app.extensions["sothutu"].service.store.close()


def test_a_closed_day_refuses_tickets_and_the_hours_say_so(tmp_path, clock) -> None:
    """[centre] closed_days (holidays): 409 closed all day, saying it is a closed day;
    /services and /state list the closed days ahead and the next opening after them."""
    from counter_api.web import create_app
    from sothutu.config import load_config

    cfg = write_config(
        tmp_path,
        hours=["07:00-11:30", "13:00-17:00"],
        centre_extra='days = [1, 2, 3, 4, 5]\nclosed_days = ["2026-11-20", "2026-11-24", '
        '"2026-11-25", "2027-09-02"]',
    )
    app = create_app(load_config(cfg), clock=clock)
    c = app.test_client()
    kh = {"Authorization": f"Bearer {KIOSK_KEY}"}
    clock.set(datetime(2026, 11, 23, 17, 30, tzinfo=VN))  # Monday evening, before the holiday
    hours = c.get("/api/v1/services").get_json()["hours"]
    assert hours["closed_days"] == ["2026-11-24", "2026-11-25"]  # past and far ones left out
    assert hours["opens_at"] == "2026-11-26T07:00:00+07:00"
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=VN))  # Tuesday 9:00, inside the windows
    r = c.post("/api/v1/tickets", json={"service": "ho-tich"}, headers=kh)
    error = r.get_json()["error"]
    assert r.status_code == 409 and error["code"] == "closed"
    assert "closed today" in error["message"] and "holiday" in error["message"]
    state = c.get("/api/v1/state").get_json()
    assert state["open"] is False and state["hours"]["open"] is False
    assert state["hours"]["today"] == [] and state["hours"]["opens_at"].startswith("2026-11-26T07")
    clock.set(datetime(2026, 11, 26, 7, 0, tzinfo=VN))  # the day after: tickets again
    assert c.post("/api/v1/tickets", json={"service": "ho-tich"}, headers=kh).status_code == 201
    assert c.get("/api/v1/services").get_json()["hours"]["closed_days"] == []
    app.extensions["sothutu"].service.store.close()


def test_hours_of_a_centre_always_open(client) -> None:
    hours = client.get("/api/v1/services").get_json()["hours"]
    assert hours["open"] is True and hours["today"] == ["00:00-24:00"]
    assert hours["opens_at"] is None and hours["closes_at"] is None


def test_rollover_at_midnight(api, app, clock) -> None:
    api.issue()
    api.issue()
    api.issue()
    api.issue("chung-thuc")
    api.act(1, "next")  # A001 called
    api.act(2, "next")  # A002 called
    api.act(2, "hold")  # A002 held
    api.act(2, "next")  # A003 called
    api.act(2, "no-show")  # A003 no-show
    svc = app.extensions["sothutu"].service
    last = svc.bus.last_id
    clock.set(datetime(2026, 11, 24, 23, 59, 59, tzinfo=VN))
    assert api.state()["business_date"] == "2026-11-24"
    clock.set(datetime(2026, 11, 25, 0, 0, 1, tzinfo=VN))
    st = api.state()  # the first request of the new day rolls over
    assert st["business_date"] == "2026-11-25"
    assert all(c["current"] is None for c in st["counters"])
    assert all(s["waiting"] == 0 for s in st["services"])
    statuses = {i: api.c.get(f"/api/v1/tickets/{i}").get_json()["status"] for i in range(1, 5)}
    assert statuses == {1: "expired", 2: "expired", 3: "no_show", 4: "expired"}
    events = svc.events_after(last)
    assert [e.type for e in events] == ["ticket.expired"] * 3 + ["day.rollover"]
    assert '"expired":3' in events[-1].data and "2026-11-25" in events[-1].data
    assert api.issue().get_json()["code"] == "A001"  # numbering restarts
    assert api.act(1, "call", {"code": "A002"}).status_code == 404  # yesterday's code
    assert svc.events_after(events[-1].id)[0].type == "ticket.issued"


def test_rollover_by_timer_without_requests(app, api, clock) -> None:
    api.issue()
    svc = app.extensions["sothutu"].service
    clock.set(datetime(2026, 11, 25, 0, 0, 0, tzinfo=VN))
    assert svc.seconds_to_midnight() == 24 * 3600
    svc.ensure_day()  # what the server's housekeeping thread calls at midnight
    assert [e.type for e in svc.events_after(0)][-2:] == ["ticket.expired", "day.rollover"]


def test_clock_going_back_keeps_the_later_day(app, api, clock) -> None:
    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=VN))
    assert api.issue().get_json()["code"] == "A001"
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=VN))  # a Pi without RTC after a power cut
    t = api.issue().get_json()
    assert (t["code"], t["business_date"]) == ("A002", "2026-11-25")


def test_event_log_keeps_current_and_previous_day(app, api, clock) -> None:
    svc = app.extensions["sothutu"].service
    api.issue()
    clock.advance(days=1)
    api.issue()
    first_day2 = svc.bus.last_id
    clock.advance(days=1)
    api.issue()
    with svc.store.read() as db:
        days = [r[0] for r in db.execute("SELECT DISTINCT business_date FROM events ORDER BY 1")]
    assert days == ["2026-11-25", "2026-11-26"]
    assert svc.can_replay_from(first_day2 - 1)
    assert svc.can_replay_from(1)  # event 1 was seen; 2 onwards are kept
    assert not svc.can_replay_from(0)  # event 1 (day one) was pruned


def test_kiosk_status_and_state(api) -> None:
    kh = {"Authorization": f"Bearer {KIOSK_KEY}"}
    st = api.state()
    unknown = {"printer": "unknown", "message": "", "at": None, "seen": None, "unprinted": []}
    assert st["kiosks"] == [{"name": "kiosk-1", **unknown}, {"name": "kiosk-2", **unknown}]
    r = api.c.post(
        "/api/v1/kiosks/status",
        json={"printer": "paper_low", "message": "Sắp hết giấy"},
        headers=kh,
    )
    assert r.status_code == 200
    k = r.get_json()["kiosk"]
    assert (k["name"], k["printer"], k["message"]) == ("kiosk-1", "paper_low", "Sắp hết giấy")
    assert api.state()["kiosks"][0]["printer"] == "paper_low"
    bad = api.c.post("/api/v1/kiosks/status", json={"printer": "on fire"}, headers=kh)
    assert bad.status_code == 400
    r = api.c.post(
        "/api/v1/kiosks/status", json={"printer": "ok", "kiosk": "kiosk-2"}, headers=api.admin()
    )
    assert r.get_json()["kiosk"]["name"] == "kiosk-2"
    r = api.c.post(
        "/api/v1/kiosks/status", json={"printer": "ok", "kiosk": "zzz"}, headers=api.admin()
    )
    assert r.status_code == 404


def test_kiosk_reports_its_unprinted_tickets(api, app, clock) -> None:
    kh = {"Authorization": f"Bearer {KIOSK_KEY}"}
    a1, a2 = (api.issue().get_json()["id"] for _ in range(2))
    b1 = api.issue("chung-thuc").get_json()["id"]
    svc = app.extensions["sothutu"].service

    def report(**body):
        r = api.c.post("/api/v1/kiosks/status", json={"printer": "paper_out", **body}, headers=kh)
        assert r.status_code == 200, r.get_json()
        return r.get_json()["kiosk"]

    before = svc.bus.last_id
    k = report(unprinted=[a2, b1, 999, a2])  # an unknown id and a repeat are dropped
    assert k["unprinted"] == [
        {"id": a2, "code": "A002", "service": "ho-tich"},
        {"id": b1, "code": "B001", "service": "chung-thuc"},
    ]
    assert api.state()["kiosks"][0]["unprinted"] == k["unprinted"]
    assert k["seen"] == "2026-11-24T08:00:00+07:00"
    clock.advance(20)
    report(unprinted=[a2, b1])  # a heartbeat: nothing new, no event
    assert svc.bus.last_id == before + 1
    assert api.state()["kiosks"][0]["seen"] == "2026-11-24T08:00:20+07:00"
    assert api.state()["kiosks"][0]["at"] == "2026-11-24T08:00:00+07:00"
    k = report(unprinted=[a1, a2, b1])
    assert [u["code"] for u in k["unprinted"]] == ["A001", "A002", "B001"]
    events = svc.events_after(before)
    assert [e.type for e in events] == ["kiosk.status", "kiosk.status"]
    assert '"code":"A001"' in events[-1].data
    for bad in ([0], ["A001"], [True], list(range(1, 30)), "1,2"):
        r = api.c.post(
            "/api/v1/kiosks/status", json={"printer": "ok", "unprinted": bad}, headers=kh
        )
        assert r.status_code == 400, bad
        assert "unprinted" in r.get_json()["error"]["message"]


def test_a_second_kiosk_under_one_name_is_refused(app, clock, caplog) -> None:
    """A copied config: two machines report as kiosk-1. The first keeps its name; the
    second gets 409 kiosk_name_in_use (and the server logs it); a restart of the first
    (same address) takes over at once; after 60 s of silence anyone may."""
    svc = app.extensions["sothutu"].service
    c = app.test_client()
    kh = {"Authorization": f"Bearer {KIOSK_KEY}"}

    def report(instance: str, address: str, printer: str = "ok"):
        return c.post(
            "/api/v1/kiosks/status",
            json={"printer": printer, "instance": instance},
            headers=kh,
            environ_base={"REMOTE_ADDR": address},
        )

    assert report("first", "192.168.1.21").status_code == 200
    clock.advance(5)
    with caplog.at_level("ERROR", logger="counter_api.service"):
        r = report("copy", "192.168.1.22", "offline")
    assert r.status_code == 409
    err = r.get_json()["error"]
    assert err["code"] == "kiosk_name_in_use"
    assert "192.168.1.21" in err["message"] and "[[kiosks]]" in err["message"]
    assert "second kiosk at 192.168.1.22" in caplog.text and "'kiosk-1'" in caplog.text
    kiosk = svc.state()["kiosks"][0]
    assert kiosk["printer"] == "ok"  # the copy's "offline" changed nothing
    assert kiosk["conflict"] == {
        "address": "192.168.1.22",
        "since": "2026-11-24T08:00:05+07:00",
        "at": "2026-11-24T08:00:05+07:00",
    }
    ev = svc.events_after(0)[-1]
    assert ev.type == "kiosk.status" and "192.168.1.22" in ev.data
    # the first keeps working; the copy keeps being refused (logged once, not each time)
    caplog.clear()
    for _ in range(3):
        clock.advance(20)
        assert report("first", "192.168.1.21").status_code == 200
        assert report("copy", "192.168.1.22").status_code == 409
    assert "second kiosk" not in caplog.text
    assert svc.state()["kiosks"][0]["conflict"]["at"] == "2026-11-24T08:01:05+07:00"
    # the first machine restarts (a new instance, same address): it takes over at once
    assert report("first-again", "192.168.1.21").status_code == 200
    assert report("first", "192.168.1.21").status_code == 409  # the old one never returns
    # the copy is switched off: after 60 s its conflict is no longer shown
    clock.advance(61)
    assert report("first-again", "192.168.1.21").status_code == 200
    assert "conflict" not in svc.state()["kiosks"][0]
    # the first is switched off; 60 s later a new kiosk elsewhere may take the name
    clock.advance(30)
    assert report("moved", "192.168.1.30").status_code == 409
    clock.advance(31)
    assert report("moved", "192.168.1.30").status_code == 200
    # an admin's report (no instance) is never refused
    r = c.post(
        "/api/v1/kiosks/status",
        json={"printer": "paper_low", "kiosk": "kiosk-1"},
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
    )
    assert r.status_code == 200


def test_a_guidance_counter_prints_at_its_kiosk(tmp_path, clock) -> None:
    """print_kiosk: the ticket it issues is sent to that kiosk in the same transaction
    (ticket.reprint right after ticket.issued); its reprints go there too."""
    from counter_api.web import create_app
    from sothutu.config import load_config

    path = write_config(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("guidance = true", 'guidance = true\nprint_kiosk = "kiosk-2"'))
    config = load_config(path)
    app = create_app(config, clock=clock)
    svc = app.extensions["sothutu"].service
    c = app.test_client()
    before = svc.bus.last_id
    r = c.post(
        "/api/v1/tickets",
        json={"service": "dat-dai"},
        headers={"Authorization": f"Bearer {counter_key(4)}"},
    )
    assert r.status_code == 201
    events = svc.events_after(before)
    assert [e.type for e in events] == ["ticket.issued", "ticket.reprint"]
    assert '"kiosk":"kiosk-2"' in events[1].data and '"code":"C001"' in events[1].data
    r = c.post(
        f"/api/v1/tickets/{r.get_json()['id']}/reprint",
        headers={"Authorization": f"Bearer {counter_key(4)}"},
    )
    assert r.get_json()["kiosk"] == "kiosk-2"
    # a kiosk's own ticket still goes back to that kiosk; a counter without print_kiosk
    # sends a counter's ticket to the first kiosk, as before
    mine = c.post(
        "/api/v1/tickets",
        json={"service": "ho-tich"},
        headers={"Authorization": f"Bearer {KIOSK_KEY}"},
    ).get_json()
    assert [e.type for e in svc.events_after(svc.bus.last_id - 1)] == ["ticket.issued"]
    r = c.post(
        f"/api/v1/tickets/{mine['id']}/reprint",
        headers={"Authorization": f"Bearer {counter_key(4)}"},
    )
    assert r.get_json()["kiosk"] == "kiosk-1"
    svc.bus.close()
    svc.store.close()


def test_reprint_goes_to_the_issuing_kiosk(api, app) -> None:
    api.issue(key=KIOSK2_KEY)
    r = api.c.post(
        "/api/v1/tickets/1/reprint", headers={"Authorization": f"Bearer {counter_key(3)}"}
    )
    assert r.status_code == 200 and r.get_json()["kiosk"] == "kiosk-2"
    ev = app.extensions["sothutu"].service.events_after(0)[-1]
    assert ev.type == "ticket.reprint" and '"kiosk":"kiosk-2"' in ev.data
    api.issue(key=ADMIN_KEY)  # no kiosk: the first configured one prints
    r = api.c.post("/api/v1/tickets/2/reprint", headers=api.admin())
    assert r.get_json()["kiosk"] == "kiosk-1"
    r = api.c.post("/api/v1/tickets/2/reprint", json={"kiosk": "kiosk-2"}, headers=api.admin())
    assert r.get_json()["kiosk"] == "kiosk-2"
    assert api.c.post("/api/v1/tickets/99/reprint", headers=api.admin()).status_code == 404


def test_state_recent_calls_newest_first_one_per_ticket(api, clock) -> None:
    for _ in range(12):
        api.issue()
    for _ in range(11):
        api.act(1, "next")
        clock.advance(10)
    api.act(2, "next")  # A012 at counter 2
    api.act(1, "recall")  # A011 again
    rc = api.state()["recent_calls"]
    assert len(rc) == 10
    assert [r["code"] for r in rc[:3]] == ["A011", "A012", "A010"]
    assert rc[0] == {
        "code": "A011",
        "counter": 1,
        "service": "ho-tich",
        "called_at": rc[0]["called_at"],
        "calls": 2,
        "booked": False,
    }


def test_ticket_events_carry_waiting_counts(app, api) -> None:
    api.issue()
    api.issue("chung-thuc")
    import json

    ev = app.extensions["sothutu"].service.events_after(0)[-1]
    data = json.loads(ev.data)
    assert ev.type == "ticket.issued"
    assert data["waiting"] == {"ho-tich": 1, "chung-thuc": 1, "dat-dai": 0}
    assert data["counter"] is None and data["ticket"]["code"] == "B001"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nope",
        "/api/v1/tickets/0",
        "/api/v1/tickets/abc",
        "/api/v1/tickets/99999999999999999999",
        "/api/v1/tickets/٣",
    ],
)
def test_unknown_things_are_json_404(client, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404 and r.is_json
    assert r.get_json()["error"]["code"] in ("not_found", "unknown_ticket")


def test_wrong_method_is_json_405(client) -> None:
    r = client.delete("/api/v1/tickets")
    assert r.status_code == 405 and r.get_json()["error"]["code"] == "method_not_allowed"
    assert "POST" in r.headers["Allow"]


def test_snapshot_matches_state(app, api) -> None:
    import json

    api.issue()
    api.act(1, "next")
    snap = app.extensions["sothutu"].service.snapshot()
    body = json.loads(snap.data)
    assert snap.type == "snapshot" and snap.id == body["last_event_id"] == 2
    st = api.state()
    body.pop("time"), st.pop("time")
    assert body == st


def test_state_after_a_busy_day(api, clock) -> None:
    for i in range(300):
        api.issue(["ho-tich", "chung-thuc"][i % 2])
    for _ in range(250):
        api.act(1, "next")
        clock.advance(30)
    st = api.state()
    assert sum(s["waiting"] for s in st["services"]) == 50
    assert st["counters"][0]["current"]["code"] == "B125"
    assert len(st["recent_calls"]) == 10


def test_a_full_disk_answers_503_and_loses_nothing(app, api) -> None:
    for _ in range(3):
        api.issue()
    store = app.extensions["sothutu"].service.store
    with contextlib.ExitStack() as held:  # every connection the store lends: no growth
        for _ in range(store.pool_size):
            db = held.enter_context(store.read())
            pages = db.execute("PRAGMA page_count").fetchone()[0]
            db.execute(f"PRAGMA max_page_count = {pages}")
    answers = [api.issue() for _ in range(400)]
    refused = [r for r in answers if r.status_code == 503]
    assert refused, "the database never filled up"
    assert all(r.get_json()["error"]["code"] == "unavailable" for r in refused)
    assert all(r.status_code in (201, 503) for r in answers)
    issued = [r.get_json()["code"] for r in answers if r.status_code == 201]
    st = api.state()
    assert st["services"][0]["waiting"] == 3 + len(issued)  # every 201 is in the database
    assert api.c.get("/api/v1/health").status_code == 200


def test_a_page_that_fails_says_so_in_vietnamese(app, caplog) -> None:
    """A bug behind a page: a Vietnamese page (500) with a way back, logged; under /api/
    the JSON error as before."""

    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_url_rule("/thu-loi", "boom_page", boom)
    app.add_url_rule("/api/v1/thu-loi", "boom_api", boom)
    c = app.test_client()
    r = c.get("/thu-loi")
    assert r.status_code == 500 and r.mimetype == "text/html"
    assert "Hệ thống gặp lỗi" in r.text and 'href="/"' in r.text and "a bug" not in r.text
    assert "default-src 'none'" in r.headers["Content-Security-Policy"]
    r = c.get("/api/v1/thu-loi")
    assert r.status_code == 500 and r.get_json()["error"]["code"] == "internal"
    assert "unexpected error on GET /thu-loi" in caplog.text
    # a method a page does not take
    r = c.delete("/console")
    assert r.status_code == 405 and "Không thực hiện được yêu cầu" in r.text
    assert "GET" in r.headers["Allow"]
