"""Every number a request carries goes through one bounded parser: never a 500.

The test walks the app's own declarations (``endpoint``/``page`` records: path,
query, header, form and JSON body parameters), so a route added later is covered
without touching this file, and sends each numeric parameter numbers that are too
long for Python (over 4,300 digits), too big, negative, fractional, in exponent
form, in other scripts' digits. A bad one is 400 naming the parameter (a path id
is an unknown id: 404); a good one is never refused for it; nothing is a 500.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from counter_api.web.bodies import Field
from counter_api.web.endpoint import Route, route_of
from counter_api.web.params import MAX_WHOLE, Param, whole_number
from tests.support import ADMIN_KEY, ServerProcess, counter_pin, write_config

PASSWORD = "test-admin-password-0123"

#: Texts a query, header, form field or path may carry where a number is expected.
TEXTS = [
    "9" * 5000,
    "-" + "9" * 5000,
    "9" * 16,
    "1" + "0" * 15,
    "-1",
    "-0",
    "0",
    "1",
    "7",
    "1.5",
    "1e3",
    "1E3",
    "0x1f",
    "+1",
    "1_000",
    "１２",
    "١٢",
    "²",
    "",
    " ",
    "NaN",
    "inf",
]
#: JSON texts a body's integer field may hold.
JSON_VALUES = [
    "9" * 5000,
    "1" + "0" * 16,
    "-1",
    "-0",
    "1",
    "3",
    "1.5",
    "1e3",
    "1e400",
    "NaN",
    "Infinity",
    '"12"',
    "true",
]

_PLAIN = re.compile(r"-?[0-9]+")


def good(text: str, low: int | None, high: int | None) -> bool:
    """The reference: plain ASCII digits (optional minus) within the bounds."""
    text = text.strip()
    if not _PLAIN.fullmatch(text) or len(text.lstrip("-")) > 15:
        return False
    value = int(text)
    return (low is None or value >= low) and (high is None or value <= high)


@dataclass(frozen=True)
class Target:
    """One numeric parameter of one route."""

    rule: str
    method: str
    where: str  # "path", "query", "header", "form", "body"
    name: str
    route: Route
    spec: Param | Field


def targets(app) -> list[Target]:
    out = []
    for rule in app.url_map.iter_rules():
        route = route_of(app.view_functions[rule.endpoint])
        if route is None:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            places: list[tuple[str, dict[str, Any]]] = [
                ("path", dict(route.path)),
                ("query", {k: p for k, p in route.query.items() if not p.header}),
                ("header", {k: p for k, p in route.query.items() if p.header}),
                ("form", dict(route.form) if method == "POST" else {}),
                ("body", dict(route.body or {}) if method == "POST" else {}),
            ]
            for where, specs in places:
                for name, spec in specs.items():
                    if spec.type is int:
                        out.append(Target(rule.rule, method, where, name, route, spec))
    return out


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path, server_extra=f'admin_password = "{PASSWORD}"')


@pytest.fixture
def visitor(app, api) -> Iterator[Any]:
    """A client logged in everywhere a route may need: admin page, rating tablet 1;
    API calls carry the admin key. Counter 1 has just finished ticket 1 (ratable)."""
    api.issue()
    api.act(1, "next")
    api.act(1, "done")
    c = app.test_client()
    assert c.post("/admin/login", data={"password": PASSWORD}).status_code == 303
    assert c.post("/rate/1/login", data={"pin": counter_pin(1)}).status_code == 303
    yield c


def _form_token(c, field: str) -> str:
    if field == "csrf_token":  # the console's login form (single-use: fetch each time)
        page = c.get("/console").get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    page = c.get("/admin").get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def _example(spec: Param | Field) -> Any:
    if spec.example is not None:
        return spec.example
    if spec.type is int:
        return max(1, spec.minimum or 1)
    if spec.type is bool:
        return False
    if getattr(spec, "choices", None):
        return spec.choices[0]
    return "1"


def send(c, t: Target, value: str) -> Any:
    """The route's request with ``value`` in ``t``'s place and good values elsewhere."""
    path = t.rule
    for var in re.findall(r"<(?:[^<>:]+:)?([^<>:]+)>", t.rule):
        raw = value if (t.where == "path" and var == t.name) else str(_example(t.route.path[var]))
        path = re.sub(rf"<(?:[^<>:]+:)?{var}>", raw, path)
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"} if t.route.kind == "api" else {}
    if "/rate/" in t.rule:
        page = c.get("/rate/1").get_data(as_text=True)
        headers["X-CSRF-Token"] = re.search(r'data-csrf="([^"]+)"', page).group(1)
    query = {}
    for name, p in t.route.query.items():
        if p.header:
            continue
        if p.required or (t.where == "query" and name == t.name):
            query[name] = value if name == t.name else str(_example(p))
    if t.where == "header":
        headers[t.name] = value
    if t.method == "GET":
        return c.get(path, query_string=query, headers=headers, buffered=False)
    if t.where == "form" or t.route.form:
        form = {k: str(_example(p)) for k, p in t.route.form.items()}
        for field in ("csrf_token", "csrf"):
            if field in form:
                form[field] = _form_token(c, field)
        if t.where == "form":
            form[t.name] = value
        return c.post(path, data=form, query_string=query, headers=headers)
    body = {k: _example(f) for k, f in (t.route.body or {}).items() if f.required}
    text = json.dumps({**body, t.name: "__VALUE__"}).replace('"__VALUE__"', value)
    if t.where != "body":
        text = json.dumps(body) if body else ""
    return c.post(
        path, data=text, headers=headers, content_type="application/json", query_string=query
    )


def _says(resp, name: str) -> bool:
    text = resp.get_data(as_text=True)
    return f"'{name}'" in text or name in text


def test_every_number_is_declared_with_bounds(app) -> None:
    found = targets(app)
    assert {(t.where, t.name) for t in found} >= {
        ("query", "limit"),
        ("query", "heartbeat"),
        ("header", "Last-Event-ID"),
        ("path", "n"),
        ("path", "tid"),
        ("form", "counter"),
        ("body", "score"),
        ("query", "counter"),
    }
    for t in found:
        assert t.spec.minimum is not None and t.spec.maximum is not None, t
        assert t.spec.maximum <= MAX_WHOLE and t.spec.minimum >= -MAX_WHOLE, t
    for rule in app.url_map.iter_rules():
        route = route_of(app.view_functions[rule.endpoint])
        if route is not None:
            for var in re.findall(r"<(?:[^<>:]+:)?([^<>:]+)>", rule.rule):
                assert var in route.path, f"{rule.rule}: path parameter {var} is not declared"


def test_bad_numbers_anywhere_are_400_naming_the_parameter_never_500(app, visitor) -> None:
    problems = []
    for t in targets(app):
        lenient = getattr(t.spec, "lenient", False)
        values = JSON_VALUES if t.where == "body" else TEXTS
        for value in values:
            if t.where == "path" and not value.strip():
                continue  # an empty segment is another URL
            resp = send(visitor, t, value)
            status = resp.status_code
            resp.close()
            where = f"{t.method} {t.rule} {t.where} {t.name}={value[:12]!r}: {status}"
            if status == 500:
                problems.append(where + " (500)")
                continue
            ok = good(value, t.spec.minimum, t.spec.maximum)
            if t.where == "path":
                if not ok and status != 404:
                    problems.append(where + " (a bad path id is an unknown id: 404)")
            elif ok or lenient:
                if status == 400 and _says(resp, t.name):
                    problems.append(where + " (a good value refused)")
            elif status != 400 or not (_says(resp, t.name) or "JSON" in resp.get_data(True)):
                problems.append(where + " (should be 400 naming it)")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("value", "low", "high", "expected"),
    [
        ("42", 1, 100, 42),
        (" 42 ", 1, 100, 42),
        ("-5", -10, 10, -5),
        (7, 1, 10, 7),
        ("0005", 1, 1000, 5),
    ],
)
def test_whole_number_reads_plain_numbers(value, low, high, expected) -> None:
    assert whole_number("x", value, low, high) == expected


@pytest.mark.parametrize(
    "value", ["9" * 5000, "9" * 5, "1.5", "1e3", "１２", "+1", "", True, 10**4000, -(10**16), 1.5]
)
def test_whole_number_refuses_anything_else_naming_it(value) -> None:
    from counter_api.web.errors import ApiError

    with pytest.raises(ApiError) as caught:
        whole_number("limit", value, 1, 1000)
    assert caught.value.status == 400 and "'limit'" in caught.value.message


def test_the_issues_three_500s_on_a_real_server(tmp_path: Path) -> None:
    from tests.support import free_port
    from tests.visitor import Visitor

    port = free_port()
    srv = ServerProcess(write_config(tmp_path, port=port), port).start()
    try:
        phone = Visitor(port, "127.0.0.9")
        huge = "9" * 5000
        r = phone.get(f"/api/v1/procedures?limit={huge}")
        assert r.status == 400 and "'limit'" in r.json()["error"]["message"]
        r = phone.get(f"/api/v1/events?heartbeat={huge}")
        assert r.status == 400 and "'heartbeat'" in r.json()["error"]["message"]
        token = phone.console_form()
        r = phone.post(
            "/console/login", form={"csrf_token": token, "counter": huge, "pin": "12345"}
        )
        assert r.status == 400 and "counter" in r.text
        assert "Traceback" not in srv.output()
        assert phone.get("/api/v1/health").status == 200
    finally:
        srv.stop()


def test_report_dates_at_the_ends_of_the_calendar_are_400(visitor) -> None:
    """A day before which or after which no day exists (the admin page links both)."""
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    for day in ("0001-01-01", "9999-12-31", "1999-12-31", "20261124" * 3):
        for url in (
            f"/admin/report?date={day}",
            f"/admin/report.csv?date={day}",
            f"/api/v1/reports/daily?date={day}",
            f"/api/v1/reports/daily?from={day}&format=csv",
        ):
            resp = visitor.get(url, headers=admin)
            assert resp.status_code == 400, (url, resp.status_code)
    assert visitor.get("/admin/report?date=2026-11-24").status_code == 200
