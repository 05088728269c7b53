"""The generated OpenAPI document: valid, complete, and true about its limits.

One real app (temp database, the sample procedure catalogue, an injected clock)
serves the document; the reference validator checks it against OpenAPI 3.1; every
route of the app must be in it; and every limit it states for a request body or
a query parameter is sent at the limit (not 400) and one past it (400).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from counter_api.web.endpoint import route_of
from counter_api.web.parts import parts_of
from sothutu.config import load_config
from tests.openapi_support import example, limit_cases, openapi_path, undocumented
from tests.procedures_fixtures import SAMPLE, write_procedures_config
from tests.support import ADMIN_KEY, counter_pin

BIRTH = "1.001193"  # a procedure of the sample catalogue


def make_app(tmp: Path):
    """A real app: temp database, the sample catalogue, 09:00 on a Tuesday."""
    from datetime import datetime

    from counter_api.web import create_app
    from sothutu.clock import ManualClock
    from tests.conftest import VN

    config = load_config(write_procedures_config(tmp, SAMPLE))
    app = create_app(config, clock=ManualClock(datetime(2026, 11, 24, 9, 0, tzinfo=VN)))
    app.testing = True
    return app


def close(app) -> None:
    parts_of(app).service.bus.close()
    parts_of(app).service.store.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    app = make_app(tmp_path_factory.mktemp("openapi"))
    yield app
    close(app)


@pytest.fixture(scope="module")
def doc(app) -> dict[str, Any]:
    r = app.test_client().get("/api/v1/openapi.json", base_url="http://192.0.2.10:8080")
    assert r.status_code == 200 and r.mimetype == "application/json"
    return r.get_json()


def test_the_document_is_valid_openapi_3_1(doc) -> None:
    assert doc["openapi"] == "3.1.0"
    assert doc["servers"] == [{"url": "http://192.0.2.10:8080/api/v1"}]
    validate(doc)
    broken = copy.deepcopy(doc)  # the validator does look inside: a typo fails
    broken["paths"]["/health"]["get"]["responses"] = {"200": {"content": {}}}
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_every_route_of_the_app_is_in_it_with_its_methods(app, doc) -> None:
    paths = doc["paths"]
    rules = list(app.url_map.iter_rules())
    assert {"/console", "/admin", "/display", "/thu-tuc", "/t/{tid}", "/rate/{n}"} <= set(paths)
    for rule in rules:
        path, is_api = openapi_path(rule.rule)
        assert path in paths, f"{rule.rule} is not in the document"
        item = paths[path]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            op = item.get(method.lower())
            assert op is not None, f"{method} {rule.rule} is not in the document"
            assert op["summary"], f"{method} {rule.rule} says nothing"
            assert ("pages" in op["tags"]) is not is_api
        # pages are served from the root, API paths from the /api/v1 server
        assert ("servers" in item) is not is_api, rule.rule
    documented = sum(len([m for m in item if m != "servers"]) for item in paths.values())
    served = {(openapi_path(r.rule)[0], m) for r in rules for m in r.methods - {"HEAD", "OPTIONS"}}
    assert documented == len(served)  # and nothing else


def test_every_view_declares_itself(app) -> None:
    """Only Flask's own static route goes without a declaration (endpoint or page)."""
    bare = [e for e, view in app.view_functions.items() if route_of(view) is None]
    assert bare == ["static"]


def test_enums_come_from_the_code(doc) -> None:
    from counter_api.core.model import CounterStatus, Status
    from counter_api.present import PRINTER_STATES

    schemas = doc["components"]["schemas"]
    assert schemas["Ticket"]["properties"]["status"]["enum"] == [s.value for s in Status]
    assert schemas["Counter"]["properties"]["status"]["enum"] == [s.value for s in CounterStatus]
    assert schemas["Kiosk"]["properties"]["printer"]["enum"] == ["unknown", *PRINTER_STATES]
    body = doc["paths"]["/kiosks/status"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["properties"]["printer"]["enum"] == list(PRINTER_STATES)


def test_who_may_call_is_stated_and_secured(doc) -> None:
    paths = doc["paths"]
    assert paths["/state"]["get"]["security"] == []
    nxt = paths["/counters/{n}/next"]["post"]
    assert nxt["security"] == [{"bearer": []}, {"consoleSession": [], "csrfToken": []}]
    assert "its own counter" in nxt["description"]
    rating = paths["/counters/{n}/rating"]["post"]
    assert rating["security"] == [{"bearer": []}]  # a console session may not rate
    assert "guidance" in paths["/tickets"]["post"]["description"]
    assert paths["/admin/report"]["get"]["security"] == [{"adminSession": []}]
    assert paths["/rate/{n}/submit"]["post"]["security"] == [{"ratingTablet": [], "csrfToken": []}]
    assert set(doc["components"]["securitySchemes"]) == {
        "bearer",
        "consoleSession",
        "csrfToken",
        "adminSession",
        "ratingTablet",
    }


# --- limits ------------------------------------------------------------------------------

PATH_VALUES = {"n": "1", "id": "1", "tid": "1", "code": BIRTH}


def tablet_headers(client) -> dict[str, str]:
    """Set a rating tablet up for counter 1 (its PIN), as a clerk would; its CSRF header."""
    assert client.post("/rate/1/login", data={"pin": counter_pin(1)}).status_code == 303
    page = client.get("/rate/1").text
    return {"X-CSRF-Token": re.search(r'data-csrf="([^"]+)"', page).group(1)}


def auth_headers(client, op: dict[str, Any]) -> dict[str, str]:
    schemes = {name for req in op.get("security", []) for name in req}
    if "bearer" in schemes:
        return {"Authorization": f"Bearer {ADMIN_KEY}"}
    if "ratingTablet" in schemes:
        return tablet_headers(client)
    return {}


def test_every_limit_in_the_document_is_what_the_server_enforces(app, doc) -> None:
    client = app.test_client()
    api = {"Authorization": f"Bearer {ADMIN_KEY}"}
    assert (
        client.post("/api/v1/tickets", json={"service": "ho-tich"}, headers=api).status_code == 201
    )
    checked: list[str] = []
    for path, item in doc["paths"].items():
        prefix = "" if "servers" in item else "/api/v1"
        url = prefix + re.sub(r"{(\w+)}", lambda m: PATH_VALUES.get(m.group(1), "x"), path)
        for method, op in item.items():
            if method == "servers":
                continue
            headers = auth_headers(client, op)
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                props = body["schema"].get("properties", {})
                base = {k: example(s) for k, s in props.items() if example(s) is not None}
                for name, schema in props.items():
                    for what, good, bad in limit_cases(schema):
                        where = f"{method.upper()} {path} {name} {what}"
                        r = client.open(
                            url, method=method, json={**base, name: bad}, headers=headers
                        )
                        assert r.status_code == 400, f"{where}: past it gives {r.status_code}"
                        assert r.get_json()["error"]["code"] == "invalid_request"
                        r = client.open(
                            url, method=method, json={**base, name: good}, headers=headers
                        )
                        assert r.status_code not in (400, 500), f"{where}: {r.get_json()}"
                        checked.append(where)
            params = [p for p in op.get("parameters", []) if p["in"] == "query"]
            base_q = {p["name"]: example(p["schema"]) for p in params if p["required"]}
            for p in params:
                schema = p["schema"]
                cases = list(limit_cases(schema))
                if schema.get("type") == "array":
                    cases = [(f"item {v!r}", v, "no-such-value") for v in schema["items"]["enum"]]
                for what, good, bad in cases:
                    where = f"{method.upper()} {path} ?{p['name']} {what}"
                    r = client.open(
                        url, method=method, query_string={**base_q, p["name"]: bad}, headers=headers
                    )
                    assert r.status_code == 400, f"{where}: past it gives {r.status_code}"
                    r = client.open(
                        url,
                        method=method,
                        query_string={**base_q, p["name"]: good},
                        headers=headers,
                        buffered=False,
                    )
                    assert r.status_code not in (400, 500), f"{where}: {r.status_code}"
                    r.close()  # an event stream ends here
                    checked.append(where)
    # the limits views declare are all there, so all were sent
    for expected in (
        "POST /counters/{n}/call code maxLength 20",
        "POST /kiosks/status message maxLength 500",
        "POST /tickets procedure maxLength 60",
        "POST /tickets request_id maxLength 64",
        "POST /counters/{n}/next request_id maxLength 64",
        "POST /counters/{n}/call request_id maxLength 64",
        "POST /counters/{n}/pause reason maxLength 200",
        "POST /procedures/{code}/print kiosk maxLength 100",
        "POST /counters/{n}/rating score maximum 5",
        "POST /rate/{n}/submit score minimum 1",
        "POST /kiosks/status printer enum 'paper_out'",
        "GET /procedures ?limit maximum 1000",
        "GET /procedures ?q maxLength 200",
        "GET /events ?heartbeat maximum 60",
        "GET /reports/daily ?format enum 'csv'",
        "GET /counters/{n}/tickets ?status item 'expired'",
    ):
        assert expected in checked, expected
    assert parts_of(app).streams.open == 0  # the streams opened were given back


def test_every_body_field_has_a_length_limit(doc) -> None:
    """Text a client sends is always bounded, and the document says by how much."""
    for path, item in doc["paths"].items():
        for method, op in item.items():
            content = op.get("requestBody", {}).get("content", {}) if method != "servers" else {}
            for name, schema in (
                content.get("application/json", {}).get("schema", {}).get("properties", {}).items()
            ):
                if schema["type"] == "string":
                    assert "maxLength" in schema or "enum" in schema, (path, name)


def test_api_doc_links_the_document_and_repeats_no_field_list() -> None:
    from tests.support import ROOT

    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert "/api/v1/openapi.json" in text
    assert '{"service": ID, "priority": bool}' not in text  # bodies are the document's


def test_the_document_is_cached_but_names_the_host_asked(app) -> None:
    client = app.test_client()
    a = client.get("/api/v1/openapi.json", base_url="http://queue.local").get_json()
    b = client.get("/api/v1/openapi.json", base_url="http://10.1.2.3:8080").get_json()
    assert a["servers"] == [{"url": "http://queue.local/api/v1"}]
    assert b["servers"] == [{"url": "http://10.1.2.3:8080/api/v1"}]
    assert a["paths"] == b["paths"]


# --- answers -----------------------------------------------------------------------------


def test_answers_match_their_hand_written_schemas(tmp_path: Path, doc) -> None:
    """Real answers of a fresh app, validated against the document's response schemas
    (types, enums, required fields) and with no field the schema does not name."""
    from openapi_schema_validator import OAS31Validator

    app = make_app(tmp_path)
    client = app.test_client()
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    from tests.support import KIOSK_KEY

    kiosk = {"Authorization": f"Bearer {KIOSK_KEY}"}
    calls: list[tuple[str, str, dict[str, Any] | None, dict[str, str]]] = [
        ("POST", "/tickets", {"service": "ho-tich", "priority": True}, kiosk),
        ("POST", "/tickets", {"procedure": BIRTH}, kiosk),
        ("POST", "/tickets", {"service": "ho-tich"}, kiosk),
        ("POST", "/kiosks/status", {"printer": "paper_low", "message": "Sắp hết giấy"}, kiosk),
        ("POST", "/counters/1/next", None, admin),
        ("POST", "/counters/1/recall", None, admin),
        ("POST", "/counters/1/hold", None, admin),
        ("POST", "/counters/1/next", None, admin),
        ("POST", "/counters/1/transfer", {"service": "chung-thuc"}, admin),
        ("POST", "/counters/1/call", {"code": "A002"}, admin),
        ("POST", "/counters/1/no-show", None, admin),
        ("POST", "/counters/1/next", None, admin),
        ("POST", "/counters/1/done", None, admin),
        ("POST", "/counters/1/rating", {"score": 4}, admin),
        ("POST", "/counters/2/pause", {"reason": "Nghỉ trưa"}, admin),
        ("POST", "/counters/2/resume", None, admin),
        ("POST", "/tickets/1/reprint", None, admin),
        ("POST", f"/procedures/{BIRTH}/print", None, admin),
        ("GET", "/counters/1/tickets?status=held,no_show,done", None, admin),
        ("GET", "/tickets/1", None, {}),
        ("GET", "/health", None, {}),
        ("GET", "/services", None, {}),
        ("GET", "/state", None, {}),
        ("GET", "/procedures?q=khai+sinh&limit=3", None, {}),
        ("GET", f"/procedures/{BIRTH}", None, {}),
        ("GET", "/reports/daily", None, admin),
        ("GET", "/voice/announcement?code=A015&counter=3", None, {}),
    ]
    for method, url, body, headers in calls:
        r = client.open("/api/v1" + url, method=method, json=body, headers=headers)
        assert r.status_code in (200, 201), (method, url, r.get_json())
        path = re.sub(r"\?.*", "", url)
        path = re.sub(r"^/tickets/\d+", "/tickets/{id}", path)
        path = re.sub(r"^/counters/\d+", "/counters/{n}", path)
        path = path.replace(BIRTH, "{code}")
        answer = doc["paths"][path][method.lower()]["responses"][str(r.status_code)]
        schema = answer["content"]["application/json"]["schema"]
        OAS31Validator({**schema, "components": doc["components"]}).validate(r.get_json())
        missing = sorted(set(undocumented(doc, r.get_json(), schema, path)))
        assert not missing, (method, url, missing)
    close(app)
