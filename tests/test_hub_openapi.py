"""The hub's generated OpenAPI document: valid, complete, and true about its limits and
refusals, on one real hub process over a throwaway PostgreSQL.

The hub believes X-Forwarded-For from loopback here ([server] trusted_proxy), so each
request comes from an address of its own and the tight booking limits set for the
429 check hold nothing else up.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from tests.hub_support import (
    HUB_ADMIN_KEY,
    HubProcess,
    centre_keys,
    fresh_database,
    hub_cli,
    hub_config_text,
    request,
)
from tests.openapi_support import example, limit_cases, openapi_path, undocumented
from tests.support import ROOT, free_port

CENTRE = "cu-lao-dung"  # the booking body's example centre
PROCEDURE = "1.001193"  # the example procedure, of the field ho-tich
SETUP = {
    "name": "Trung tâm Phục vụ hành chính công xã Cù Lao Dung",
    "timezone": "Asia/Ho_Chi_Minh",
    "services": [{"id": "ho-tich", "name": "Hộ tịch"}, {"id": "dat-dai", "name": "Đất đai"}],
    "counters": [{"number": 1, "name": "Quầy 1"}],
    "hours": ["00:00-23:30"],  # a slot to book whenever the test runs
    "days": [1, 2, 3, 4, 5, 6, 7],
    "catalogue_digest": "d1",
}
CATALOGUE = [{"code": PROCEDURE, "name": "Đăng ký khai sinh", "service": "ho-tich"}]
#: The booking limits per address: tight, for the 429 check.
LIMITS = "\n[booking]\nreads_per_minute = 5\nwrites_per_hour = 3\n"
_addresses = (f"198.51.{n // 250}.{n % 250 + 1}" for n in itertools.count())


@dataclass
class Hub:
    proc: HubProcess
    token: str
    other_token: str
    booking: dict[str, Any]  # booked by the fixture: fills its slot (capacity 1)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        data: bytes | None = None,
        address: str | None = None,
    ) -> tuple[int, Any, dict[str, str]]:
        """One request to /api/v1 + ``path`` from an address of its own (or ``address``)."""
        hdrs = {"X-Forwarded-For": address or next(_addresses), **(headers or {})}
        return request(self.proc.url + "/api/v1" + path, method.upper(), body, hdrs, data)

    def push(self, body: dict[str, Any], token: str | None = None) -> tuple[int, Any, dict]:
        return self.call(
            "POST", "/ingest", body, {"Authorization": f"Bearer {token or self.token}"}
        )


def push_body(**extra: Any) -> dict[str, Any]:
    return {"centre": CENTRE, "after": 0, "rows": [], "setup": SETUP, **extra}


def booking_body(**change: Any) -> dict[str, Any]:
    body = {
        "centre": CENTRE,
        "service": "ho-tich",
        "date": "2026-11-24",
        "start": "08:00",
        "name": "Nguyễn Văn An",
        "phone": "0912345678",
        "cccd": "079123456789",
    }
    return {**body, **change}


@pytest.fixture(scope="module")
def hub(pg_cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    tmp = tmp_path_factory.mktemp("hub_openapi")
    port = free_port()
    config = tmp / "hub.toml"
    text = hub_config_text(fresh_database(pg_cluster), port, LIMITS)
    config.write_text(
        text.replace("[server]\n", '[server]\ntrusted_proxy = "127.0.0.1"\n', 1), encoding="utf-8"
    )
    token = centre_keys(config, CENTRE, "Xã Cù Lao Dung")["token"]
    other = centre_keys(config, "an-thanh", "Xã An Thạnh")["token"]
    out = hub_cli(config, "centre", "set", CENTRE, "--booking", "on", "--capacity", "1")
    assert out.returncode == 0, out.stderr
    proc = HubProcess(config, port).start()
    try:
        h = Hub(proc, token, other, {})
        status, answer, _ = h.push(push_body(catalogue=CATALOGUE, bookings_after=0))
        assert status == 200, answer
        days = h.call("GET", f"/centres/{CENTRE}/booking")[1]["days"]
        day = days[-1]  # days ahead: its slots are all open whatever the hour
        slots = h.call("GET", f"/centres/{CENTRE}/slots?service=ho-tich&date={day}")[1]
        status, h.booking, _ = h.call(
            "POST", "/bookings", booking_body(date=day, start=slots["slots"][0]["start"])
        )
        assert status == 201, h.booking
        yield h
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def doc(hub: Hub) -> dict[str, Any]:
    status, body, headers = hub.call("GET", "/openapi.json")
    assert status == 200 and headers["Content-Type"].startswith("application/json"), body
    return body


def test_the_document_is_valid_openapi_3_1(doc) -> None:
    assert doc["openapi"] == "3.1.0"
    assert doc["servers"] == [{"url": "/api/v1"}]  # relative: right behind nginx too
    validate(doc)
    broken = copy.deepcopy(doc)  # the validator does look inside: a typo fails
    broken["paths"]["/health"]["get"]["responses"] = {"200": {"content": {}}}
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def api_rules() -> list[tuple[str, str]]:
    """(document path, method) of every /api/v1 route of the hub's app (the same code the
    process runs; building the app touches no database)."""
    from hub.web import create_app

    app = create_app(None, None)  # type: ignore[arg-type]
    return [
        (openapi_path(r.rule)[0], m)
        for r in app.url_map.iter_rules()
        if openapi_path(r.rule)[1]
        for m in r.methods - {"HEAD", "OPTIONS"}
    ]


def test_every_api_route_and_method_is_in_it_and_nothing_else(doc) -> None:
    served = api_rules()
    assert ("/ingest", "POST") in served and ("/bookings/{code}", "DELETE") in served
    documented = [(p, m.upper()) for p, item in doc["paths"].items() for m in item]
    assert sorted(documented) == sorted(served)
    for path, item in doc["paths"].items():
        for method, op in item.items():
            assert op["summary"] and op["operationId"], (method, path)
            if op["tags"] == ["booking"]:  # public, and rate-limited per address
                assert op["security"] == [] and "429" in op["responses"], (method, path)
                assert "Retry-After" in op["responses"]["429"]["headers"]
    assert doc["paths"]["/ingest"]["post"]["security"] == [{"centreToken": []}]
    staff = [{"adminKey": []}, {"staffSession": []}]
    for path in (
        "/centres",
        "/report",
        "/report.csv",
        "/report.xlsx",
        "/centres/{centre_id}/report",
    ):
        assert doc["paths"][path]["get"]["security"] == staff, path
    assert doc["paths"]["/health"]["get"]["security"] == []


# --- limits ------------------------------------------------------------------------------


def with_items(schema: dict[str, Any]) -> Iterator[tuple[str, Any, Any]]:
    """``limit_cases`` and, for an array, ``maxItems`` items (each its items' example)."""
    yield from limit_cases(schema)
    if "maxItems" in schema:
        n, item = schema["maxItems"], example(schema.get("items", {})) or {}
        yield f"maxItems {n}", [item] * n, [item] * (n + 1)


def names_it(answer: Any, name: str) -> bool:
    """An error names the field or parameter: the booking API in ``field``, the push
    at the start of its message (``rows: …``, ``setup.closed_days: …``)."""
    error = answer["error"] if isinstance(answer, dict) else {}
    top = name.rsplit(".", 1)[-1]
    return error.get("field") == top or error.get("message", "").startswith(name + ":")


def refused_for(status: int, answer: Any, name: str, what: str) -> bool:
    """The answer is the refusal of ``name``'s own limit ``what``."""
    if status != 400 or not names_it(answer, name):
        return False
    message = answer["error"]["message"]
    kind = what.split()[0]
    return kind not in ("maxLength", "maxItems") or str(what.split()[1]) in message


def body_cases(props: dict[str, Any], at: str = "") -> Iterator[tuple[str, str, Any, Any]]:
    """(dotted name, what, at the limit, past it) of a body's properties, one level into
    objects (a push's ``setup``)."""
    for name, schema in props.items():
        for what, good, bad in with_items(schema):
            yield at + name, what, good, bad
        if not at and "properties" in schema:
            yield from body_cases(schema["properties"], f"{name}.")


def nested(base: dict[str, Any], name: str, value: Any) -> dict[str, Any]:
    head, _, rest = name.partition(".")
    if not rest:
        return {**base, head: value}
    return {**base, head: {**base.get(head, {}), rest: value}}


def test_every_limit_in_the_document_is_what_the_hub_enforces(hub: Hub, doc) -> None:
    """Each limit a body or query states: past it 400 naming the field; at it, any other
    answer (another check may refuse it, never for that limit)."""
    values = {"centre_id": CENTRE, "code": hub.booking["code"]}
    bases = {"/ingest": push_body(), "/bookings/{code}": {"phone": "0999999999"}}
    checked: list[str] = []
    for path, item in doc["paths"].items():
        url = re.sub(r"{(\w+)}", lambda m: values[m.group(1)], path)
        for method, op in item.items():
            schemes = {name for req in op["security"] for name in req}
            token = hub.token if "centreToken" in schemes else HUB_ADMIN_KEY
            headers = {"Authorization": f"Bearer {token}"} if schemes else {}
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                schema = body["schema"]
                if "$ref" in schema:
                    schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
                props = schema["properties"]
                base = bases.get(path) or {k: example(s) for k, s in props.items()}
                for name, what, good, bad in body_cases(props):
                    where = f"{method.upper()} {path} {name} {what}"
                    status, answer, _ = hub.call(method, url, nested(base, name, bad), headers)
                    assert refused_for(status, answer, name, what), (where, status, answer)
                    status, answer, _ = hub.call(method, url, nested(base, name, good), headers)
                    assert status != 500 and not refused_for(status, answer, name, what), (
                        where,
                        status,
                        answer,
                    )
                    checked.append(where)
            params = [p for p in op.get("parameters", []) if p["in"] == "query"]
            base_q = {p["name"]: example(p["schema"]) for p in params if p["required"]}
            for p in params:
                for what, good, bad in limit_cases(p["schema"]):
                    where = f"{method.upper()} {path} ?{p['name']} {what}"
                    for value, past in ((bad, True), (good, False)):
                        query = urlencode({**base_q, p["name"]: value})
                        status, answer, _ = hub.call(method, f"{url}?{query}", headers=headers)
                        if past:
                            assert status == 400 and p["name"] in json.dumps(answer), where
                        else:
                            assert status != 500, where
                            assert not refused_for(status, answer, p["name"], what), where
                    checked.append(where)
    for expected in (
        "POST /bookings centre maxLength 63",
        "POST /bookings service maxLength 63",
        "POST /bookings procedure maxLength 60",
        "POST /bookings date maxLength 10",
        "POST /bookings start maxLength 5",
        "POST /bookings name maxLength 100",
        "POST /bookings phone maxLength 30",
        "POST /bookings cccd maxLength 30",
        "DELETE /bookings/{code} phone maxLength 30",
        "POST /ingest centre maxLength 63",
        "POST /ingest version maxLength 40",
        "POST /ingest after minimum 0",
        "POST /ingest rows maxItems 1000",
        "POST /ingest setup.closed_days maxItems 1000",
        "POST /ingest bookings_after minimum 0",
        "POST /ingest catalogue maxItems 5000",
        "GET /centres/{centre_id}/slots ?service maxLength 63",
        "GET /report.csv ?dialect enum 'excel-vn'",
    ):
        assert expected in checked, expected


# --- refusals ----------------------------------------------------------------------------


def documented(op: dict[str, Any], status: int, code: str) -> bool:
    """The operation documents this status with this code (backquoted in its text)."""
    answer = op["responses"].get(str(status))
    return answer is not None and f"`{code}`" in answer["description"]


def doc_path(doc: dict[str, Any], url: str) -> str:
    """The document's path a request's URL (under /api/v1) falls under."""
    bare = url.partition("?")[0]
    for path in doc["paths"]:
        pattern = "".join(
            "[^/]+" if part.startswith("{") else re.escape(part)
            for part in re.split(r"({\w+})", path)
        )
        if re.fullmatch(pattern, bare):
            return path
    raise AssertionError(f"{url} is in no path of the document")


def test_what_the_api_refuses_is_what_the_document_says(hub: Hub, doc) -> None:
    """Bad requests to every booking endpoint (and the push and staff reads): each answer's
    status and code are the operation's documented ones, with Retry-After where it says
    so; a booking refusal carries a sentence for the citizen."""
    code, day, start, end = (hub.booking[k] for k in ("code", "date", "start", "end"))
    admin = {"headers": {"Authorization": f"Bearer {HUB_ADMIN_KEY}"}}
    as_json = {"Content-Type": "application/json"}
    brotli = {"Content-Encoding": "br", "Authorization": f"Bearer {hub.token}"}

    def book(**change: Any) -> tuple[str, str, dict[str, Any]]:
        return "POST", "/bookings", {"body": booking_body(**change)}

    def push(token: str | None, **change: Any) -> tuple[str, str, dict[str, Any]]:
        auth = {"Authorization": f"Bearer {token}"} if token else {}
        return "POST", "/ingest", {"body": push_body(**change), "headers": auth}

    slots = f"/centres/{CENTRE}/slots?"
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/centres/nowhere/booking", {}),
        ("GET", slots + f"date={day}", {}),
        ("GET", slots + f"service=x&date={day}", {}),
        ("GET", slots + "service=ho-tich&date=24/11/2026", {}),
        ("POST", "/bookings", {"data": b"{", "headers": as_json}),
        ("POST", "/bookings", {"data": b"{}", "headers": {"Content-Type": "text/plain"}}),
        ("POST", "/bookings", {"data": b"x" * (17 << 10), "headers": as_json}),
        ("POST", "/bookings", {"body": {}}),
        book(centre="nowhere"),
        book(service="x"),
        book(procedure="9.999"),
        book(service="dat-dai", procedure=PROCEDURE),
        book(name="A"),
        book(date="2020-01-01"),
        # the fixture's booking holds its slot's one place, and its CCCD that day's field
        book(date=day, start=start, cccd="079000000001"),
        book(date=day, start=end),
        ("GET", "/bookings/ZZZZZZ", {}),
        ("DELETE", f"/bookings/{code}", {"body": {}}),
        ("DELETE", f"/bookings/{code}", {"body": {"phone": "0999999999"}}),
        ("DELETE", "/bookings/ZZZZZZ", {"body": {"phone": "0912345678"}}),
        push(None),
        push("nope"),
        push(hub.other_token),
        push(hub.token, after=-1),
        push(hub.token, rows=[{"seq": 1, "action": "issued", "at": "yesterday"}]),
        ("POST", "/ingest", {"data": b"{}", "headers": {**as_json, **brotli}}),
        ("GET", "/centres", {}),
        ("GET", "/report?from=24/11/2026", admin),
        ("GET", "/report?centre=nowhere", admin),
        ("GET", "/report.csv?dialect=excel", admin),
        ("GET", "/centres/nowhere/report", admin),
    ]
    seen: set[tuple[str, int, str]] = set()
    for method, url, sent in calls:
        status, answer, _ = hub.call(method, url, **sent)
        err = answer["error"]
        path = doc_path(doc, url)
        op = doc["paths"][path][method.lower()]
        assert documented(op, status, err["code"]), (method, url, status, err)
        if op["tags"] == ["booking"]:
            assert err["message_vi"], (method, url, err)
        seen.add((path, status, err["code"]))
    # the rules' refusals came as the document names them
    for expected in (
        ("/centres/{centre_id}/slots", 400, "invalid_request"),
        ("/centres/{centre_id}/slots", 404, "unknown_service"),
        ("/bookings", 400, "invalid_request"),
        ("/bookings", 404, "unknown_centre"),
        ("/bookings", 404, "unknown_procedure"),
        ("/bookings", 409, "service_mismatch"),
        ("/bookings", 409, "booking_closed"),
        ("/bookings", 409, "slot_full"),
        ("/bookings", 409, "booking_limit"),
        ("/bookings", 413, "too_large"),
        ("/bookings", 415, "unsupported_media_type"),
        ("/bookings/{code}", 403, "wrong_phone"),
        ("/bookings/{code}", 404, "unknown_booking"),
        ("/ingest", 401, "unauthorized"),
        ("/ingest", 403, "forbidden"),
        ("/ingest", 415, "unsupported_media_type"),
        ("/report", 404, "unknown_centre"),
    ):
        assert expected in seen, expected
    # one address past its writes: 429 with the Retry-After the document promises
    op = doc["paths"]["/bookings"]["post"]
    answers = [hub.call("POST", "/bookings", {}, address="203.0.113.7") for _ in range(4)]
    status, answer, headers = answers[-1]
    assert [a[0] for a in answers] == [400, 400, 400, 429]
    assert documented(op, status, answer["error"]["code"]) and answer["error"]["message_vi"]
    assert "Retry-After" in op["responses"]["429"]["headers"]
    assert 1 <= int(headers["Retry-After"]) <= 3600


# --- answers -----------------------------------------------------------------------------


def check_answer(doc: dict[str, Any], method: str, path: str, status: int, body: Any) -> None:
    """A real answer against the document's hand-written schema: valid, no key unnamed."""
    answer = doc["paths"][path][method.lower()]["responses"][str(status)]
    schema = answer["content"]["application/json"]["schema"]
    OAS31Validator({**schema, "components": doc["components"]}).validate(body)
    missing = sorted(set(undocumented(doc, body, schema, path)))
    assert not missing, (method, path, missing)


def test_answers_match_their_hand_written_schemas(hub: Hub, doc) -> None:
    admin = {"Authorization": f"Bearer {HUB_ADMIN_KEY}"}
    day = hub.booking["date"]
    status, made, headers = hub.call(
        "POST",
        "/bookings",
        booking_body(date=day, start=hub.booking["end"], cccd="079000000002", service="dat-dai"),
    )
    assert status == 201 and headers["Location"] == f"/api/v1/bookings/{made['code']}", made
    check_answer(doc, "POST", "/bookings", 201, made)
    pushed = hub.push(push_body(bookings_after=0))
    assert pushed[0] == 200 and pushed[1]["bookings"], pushed
    check_answer(doc, "POST", "/ingest", 200, pushed[1])
    for path, url, headers in [
        ("/health", "/health", {}),
        ("/centres", "/centres", admin),
        ("/report", f"/report?from={day}&to={day}", admin),
        ("/report", "/report?from=2020-01-01", admin),  # no figures at all
        ("/centres/{centre_id}/report", f"/centres/{CENTRE}/report?from={day}", admin),
        ("/centres/{centre_id}/booking", f"/centres/{CENTRE}/booking", {}),
        ("/centres/{centre_id}/slots", f"/centres/{CENTRE}/slots?service=dat-dai&date={day}", {}),
        ("/bookings/{code}", f"/bookings/{made['code'].lower()}", {}),
    ]:
        status, body, _ = hub.call("GET", url, headers=headers)
        assert status == 200, (url, body)
        check_answer(doc, "GET", path, 200, body)
    status, body, _ = hub.call("DELETE", f"/bookings/{made['code']}", {"phone": "0912 345 678"})
    assert status == 200 and body["status"] == "cancelled", body
    check_answer(doc, "DELETE", "/bookings/{code}", 200, body)
    again = hub.call("DELETE", f"/bookings/{made['code']}", {"phone": "0912345678"})
    assert again[0] == 409 and documented(
        doc["paths"]["/bookings/{code}"]["delete"], 409, again[1]["error"]["code"]
    )
    for path, media in (
        ("/report.csv", "text/csv"),
        (
            "/report.xlsx",
            next(iter(doc["paths"]["/report.xlsx"]["get"]["responses"]["200"]["content"])),
        ),
    ):
        status, body, headers = hub.call("GET", path, headers=admin)
        assert status == 200 and headers["Content-Type"].startswith(media), path
        assert headers["Content-Disposition"].startswith("attachment; filename="), path
    status, body, _ = hub.call("GET", "/centres")
    assert status == 401 and body["error"]["code"] == "unauthorized"


def test_the_docs_point_to_the_document() -> None:
    def section(path: str, start: str, end: str) -> str:
        text = (ROOT / path).read_text(encoding="utf-8")
        return text[text.index(start) : text.index(end, text.index(start))]

    assert "/api/v1/openapi.json" in section("docs/hub.md", "# The province hub", "## The link")
    booked = section("docs/api.md", "**Booked numbers**", "- Pages outside")
    assert "hub's OpenAPI document" in booked and "/api/v1/openapi.json" in booked
    assert "/api/v1/openapi.json" in section("README.md", "## Province hub", "## Booking")
