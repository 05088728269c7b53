"""POST /api/v1/procedures/CODE/print: a clerk has a kiosk print a procedure's checklist
(event checklist.print). Flask's test client on the sample catalogue."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sothutu.config import load_config
from tests.procedures_fixtures import SAMPLE, write_procedures_config
from tests.support import ADMIN_KEY, KIOSK_KEY, counter_key

BIRTH = "1.001193"


@pytest.fixture
def papp(tmp_path: Path, clock):
    from counter_api.web import create_app

    app = create_app(load_config(write_procedures_config(tmp_path, SAMPLE)), clock=clock)
    app.testing = True
    yield app
    app.extensions["sothutu"].service.bus.close()
    app.extensions["sothutu"].service.store.close()


def post(app, path: str, key: str | None, body=None, **kw):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return app.test_client().post(path, headers=headers, json=body, **kw)


def events_after(app, last: int) -> list[tuple[str, dict]]:
    return [(e.type, json.loads(e.data)) for e in app.extensions["sothutu"].service.bus.since(last)]


def test_a_counter_sends_a_checklist_to_the_first_kiosk(papp) -> None:
    last = papp.extensions["sothutu"].service.bus.last_id
    r = post(papp, f"/api/v1/procedures/{BIRTH}/print", counter_key(1))
    assert r.status_code == 200
    body = r.get_json()
    assert body == {
        "procedure": {"code": BIRTH, "name": "Đăng ký khai sinh"},
        "kiosk": "kiosk-1",
        "counter": 1,
    }
    # the event says the business day too: a kiosk that was off skips other days'
    event = {**body, "business_date": "2026-11-24"}
    assert events_after(papp, last) == [("checklist.print", event)]
    # the admin names a kiosk; its event has no counter
    r = post(papp, f"/api/v1/procedures/{BIRTH}/print", ADMIN_KEY, {"kiosk": "kiosk-2"})
    assert r.status_code == 200 and r.get_json()["kiosk"] == "kiosk-2"
    assert r.get_json()["counter"] is None


@pytest.mark.parametrize(
    ("key", "body", "status", "code"),
    [
        (None, None, 401, "unauthorized"),
        (KIOSK_KEY, None, 403, "forbidden"),  # a kiosk (or a citizen's phone) may not
        (counter_key(1), {"kiosk": 7}, 400, "invalid_request"),
        (counter_key(1), {"kiosk": "kiosk-9"}, 404, "unknown_kiosk"),
    ],
)
def test_refusals(papp, key, body, status, code) -> None:
    last = papp.extensions["sothutu"].service.bus.last_id
    r = post(papp, f"/api/v1/procedures/{BIRTH}/print", key, body)
    assert (r.status_code, r.get_json()["error"]["code"]) == (status, code)
    assert events_after(papp, last) == []  # nothing printed on a refusal


def test_unknown_procedure_is_named_before_the_kiosk(papp) -> None:
    r = post(papp, "/api/v1/procedures/9.999999/print", counter_key(2), {"kiosk": "kiosk-9"})
    assert (r.status_code, r.get_json()["error"]["code"]) == (404, "unknown_procedure")


def test_non_json_body_and_empty_body(papp) -> None:
    r = papp.test_client().post(
        f"/api/v1/procedures/{BIRTH}/print",
        headers={"Authorization": f"Bearer {counter_key(1)}", "Content-Type": "text/plain"},
        data="kiosk-1",
    )
    assert r.status_code == 415
    r = papp.test_client().post(
        f"/api/v1/procedures/{BIRTH}/print",
        headers={"Authorization": f"Bearer {counter_key(1)}"},
    )
    assert r.status_code == 200  # the body is optional


def test_no_kiosk_configured(tmp_path: Path, clock) -> None:
    from counter_api.web import create_app

    cfg = write_procedures_config(tmp_path, SAMPLE)
    text = cfg.read_text(encoding="utf-8")
    cut = text.index("[[kiosks]]")
    end = text.index("[procedures]")
    cfg.write_text(text[:cut] + text[end:], encoding="utf-8")
    app = create_app(load_config(cfg), clock=clock)
    try:
        r = post(app, f"/api/v1/procedures/{BIRTH}/print", counter_key(1))
        assert (r.status_code, r.get_json()["error"]["code"]) == (409, "no_kiosk")
    finally:
        app.extensions["sothutu"].service.bus.close()
        app.extensions["sothutu"].service.store.close()


def test_the_route_is_in_the_openapi_document(papp) -> None:
    doc = papp.test_client().get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/procedures/{code}/print"]["post"]
    assert "checklist.print" in op["description"]
    assert "checklist.print" in doc["paths"]["/events"]["get"]["description"]
