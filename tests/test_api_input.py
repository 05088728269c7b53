"""The auth matrix and every class of bad input: right 4xx, nothing changed, no 500."""

from __future__ import annotations

import json
import random

import pytest

from tests.support import ADMIN_KEY, KIOSK_KEY, counter_key

KEYS = {
    "none": None,
    "wrong": "not-a-key-at-all-0123456789",
    "kiosk": KIOSK_KEY,
    "other_counter": counter_key(2),
    "own_counter": counter_key(1),
    "admin": ADMIN_KEY,
}

# (path, body, who may)
WRITES = [
    ("/api/v1/tickets", {"service": "ho-tich"}, {"kiosk", "admin"}),
    ("/api/v1/counters/1/next", None, {"own_counter", "admin"}),
    ("/api/v1/counters/1/recall", None, {"own_counter", "admin"}),
    ("/api/v1/counters/1/done", None, {"own_counter", "admin"}),
    ("/api/v1/counters/1/no-show", None, {"own_counter", "admin"}),
    ("/api/v1/counters/1/hold", None, {"own_counter", "admin"}),
    ("/api/v1/counters/1/transfer", {"service": "chung-thuc"}, {"own_counter", "admin"}),
    ("/api/v1/counters/1/call", {"code": "A001"}, {"own_counter", "admin"}),
    ("/api/v1/counters/1/pause", None, {"own_counter", "admin"}),
    ("/api/v1/counters/1/resume", None, {"own_counter", "admin"}),
    ("/api/v1/kiosks/status", {"printer": "ok", "kiosk": "kiosk-1"}, {"kiosk", "admin"}),
    ("/api/v1/tickets/1/reprint", None, {"own_counter", "other_counter", "admin"}),
]


def snapshot(client) -> dict:
    st = client.get("/api/v1/state").get_json()
    st.pop("time")
    tickets = [client.get(f"/api/v1/tickets/{i}").get_json() for i in range(1, 4)]
    return {"state": st, "tickets": tickets}


@pytest.fixture
def seeded(api):
    """Two waiting tickets and one called at counter 1."""
    api.issue()
    api.issue()
    api.issue()
    api.act(1, "next")
    return api


def _post(client, path: str, body, key: str | None, **kw):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    headers.update(kw.pop("headers", {}))
    if body is None:
        return client.post(path, headers=headers, **kw)
    return client.post(path, json=body, headers=headers, **kw)


@pytest.mark.parametrize(("path", "body", "allowed"), WRITES, ids=[w[0][8:] for w in WRITES])
@pytest.mark.parametrize("who", list(KEYS))
def test_auth_matrix(seeded, path: str, body, allowed: set, who: str) -> None:
    client = seeded.c
    before = snapshot(client)
    r = _post(client, path, body, KEYS[who])
    if who in ("none", "wrong"):
        assert r.status_code == 401, r.get_json()
        assert r.get_json()["error"]["code"] == "unauthorized"
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    elif who not in allowed:
        assert r.status_code == 403, r.get_json()
        assert r.get_json()["error"]["code"] == "forbidden"
    else:
        assert r.status_code in (200, 201, 409), r.get_json()
        return
    assert snapshot(client) == before


@pytest.mark.parametrize(
    ("header", "status"),
    [
        (f"bearer {ADMIN_KEY}", 200),
        (f"BEARER {ADMIN_KEY}", 200),
        (f"Bearer  {ADMIN_KEY}", 200),
        (f"Basic {ADMIN_KEY}", 401),
        ("Bearer", 401),
        ("Bearer ", 401),
        (f"Bearer {ADMIN_KEY} extra", 401),
        (f"Bearer {ADMIN_KEY[:-1]}", 401),
        ("Bearer ключ", 401),
        ("", 401),
    ],
)
def test_authorization_header_forms(seeded, header: str, status: int) -> None:
    r = seeded.c.post("/api/v1/counters/1/recall", headers={"Authorization": header})
    assert r.status_code == status


def test_order_of_checks(seeded) -> None:
    c = seeded.c
    big = b'{"service": "' + b"x" * 17000 + b'"}'
    # 413 before 401
    r = c.post("/api/v1/tickets", data=big, content_type="application/json")
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "too_large"
    # 401 before 403/415
    r = c.post("/api/v1/counters/1/next", data="x", content_type="text/plain")
    assert r.status_code == 401
    # 403 before 415/400
    r = _post(c, "/api/v1/counters/1/next", None, KIOSK_KEY, data="x", content_type="text/plain")
    assert r.status_code == 403
    # 415 / 400 before 404
    r = _post(
        c, "/api/v1/counters/99/transfer", None, ADMIN_KEY, data="{", content_type="text/plain"
    )
    assert r.status_code == 415
    r = _post(
        c,
        "/api/v1/counters/99/transfer",
        None,
        ADMIN_KEY,
        data="{",
        content_type="application/json",
    )
    assert r.status_code == 400
    # 404 before 409
    r = _post(c, "/api/v1/counters/99/transfer", {"service": "chung-thuc"}, ADMIN_KEY)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "unknown_counter"
    r = _post(c, "/api/v1/counters/3/transfer", {"service": "nope"}, ADMIN_KEY)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "unknown_service"
    # path ids that are not positive integers
    assert _post(c, "/api/v1/counters/abc/next", None, counter_key(1)).status_code == 403
    r = _post(c, "/api/v1/counters/abc/next", None, ADMIN_KEY)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "unknown_counter"
    assert _post(c, "/api/v1/counters/-1/next", None, ADMIN_KEY).status_code == 404
    assert _post(c, "/api/v1/counters/01/next", None, ADMIN_KEY).status_code == 404
    assert _post(c, "/api/v1/counters/99/next", None, counter_key(1)).status_code == 403
    r = _post(c, "/api/v1/tickets/abc/reprint", None, ADMIN_KEY)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "unknown_ticket"


BAD_BODIES = [
    # (description, raw bytes, content type, status)
    ("malformed json", b'{"service": ', "application/json", 400),
    ("json array", b'["ho-tich"]', "application/json", 400),
    ("json null", b"null", "application/json", 400),
    ("json string", b'"ho-tich"', "application/json", 400),
    ("service not a string", b'{"service": 5}', "application/json", 400),
    ("service null", b'{"service": null}', "application/json", 400),
    ("priority a string", b'{"service": "ho-tich", "priority": "yes"}', "application/json", 400),
    ("priority a number", b'{"service": "ho-tich", "priority": 1}', "application/json", 400),
    ("missing service", b'{"priority": true}', "application/json", 400),
    ("empty object", b"{}", "application/json", 400),
    ("empty body", b"", "application/json", 400),
    ("text/plain", b'{"service": "ho-tich"}', "text/plain", 415),
    ("form", b"service=ho-tich", "application/x-www-form-urlencoded", 415),
    ("no content type", b'{"service": "ho-tich"}', None, 415),
    ("latin-1 charset", b'{"service": "ho-tich"}', "application/json; charset=latin-1", 415),
    ("invalid utf-8", b'{"service": "h\xff\xfe"}', "application/json", 400),
    ("lone surrogate", b'{"service": "\\ud800"}', "application/json", 400),
    ("surrogate in a key", b'{"\\udfff": 1, "service": "ho-tich"}', "application/json", 400),
    ("NUL in text", b'{"service": "ho-tich\\u0000"}', "application/json", 400),
    ("deep nesting", b"[" * 8000 + b"]" * 8000, "application/json", 400),
    ("infinity", b'{"service": 1e999}', "application/json", 400),
    ("too long text", b'{"service": "' + b"a" * 500 + b'"}', "application/json", 400),
    ("BOM", b'\xef\xbb\xbf{"service": "ho-tich"}', "application/json", 400),
    ("unknown service", b'{"service": "ho-tich-x"}', "application/json", 404),
    ("decomposed unknown", '{"service": "Hộ tịch"}'.encode(), "application/json", 404),
]


@pytest.mark.parametrize(
    ("desc", "raw", "ctype", "status"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES]
)
def test_bad_ticket_bodies(seeded, desc: str, raw: bytes, ctype: str | None, status: int) -> None:
    c = seeded.c
    before = snapshot(c)
    headers = {"Authorization": f"Bearer {KIOSK_KEY}"}
    if ctype:
        headers["Content-Type"] = ctype
    r = c.post("/api/v1/tickets", data=raw, headers=headers)
    assert r.status_code == status, (desc, r.get_json())
    assert r.is_json and "error" in r.get_json()
    assert snapshot(c) == before


def test_unknown_fields_are_ignored_and_text_is_normalised(seeded) -> None:
    c = seeded.c
    r = c.post(
        "/api/v1/tickets",
        json={"service": " ho-tich ", "colour": "red"},
        headers={"Authorization": f"Bearer {KIOSK_KEY}"},
    )
    assert r.status_code == 201
    nfd = "Nghỉ trưa".encode().decode()
    import unicodedata

    r = _post(
        c, "/api/v1/counters/1/pause", {"reason": unicodedata.normalize("NFD", nfd)}, counter_key(1)
    )
    assert r.get_json()["counter"]["reason"] == unicodedata.normalize("NFC", nfd)


@pytest.mark.parametrize("action", ["next", "recall", "done", "no-show", "hold", "pause", "resume"])
def test_optional_bodies(seeded, action: str) -> None:
    c = seeded.c
    h = {"Authorization": f"Bearer {counter_key(1)}"}
    r = c.post(
        f"/api/v1/counters/1/{action}", data=b"", headers={**h, "Content-Type": "text/plain"}
    )
    assert r.status_code in (200, 409)
    r = c.post(
        f"/api/v1/counters/1/{action}",
        data=b"[]",
        headers={**h, "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    r = c.post(
        f"/api/v1/counters/1/{action}", data=b"{}", headers={**h, "Content-Type": "text/xml"}
    )
    assert r.status_code == 415


def test_call_and_transfer_need_their_field(seeded) -> None:
    for action in ("call", "transfer"):
        r = _post(seeded.c, f"/api/v1/counters/1/{action}", None, counter_key(1))
        assert r.status_code == 400
        r = _post(
            seeded.c, f"/api/v1/counters/1/{action}", {"code": 15, "service": 3}, counter_key(1)
        )
        assert r.status_code == 400
    r = _post(seeded.c, "/api/v1/counters/1/call", {"code": "   "}, counter_key(1))
    assert r.status_code == 400


def test_random_garbage_never_500s_and_changes_nothing(seeded) -> None:
    c = seeded.c
    before = snapshot(c)
    rng = random.Random(20261124)
    paths = [w[0] for w in WRITES] + ["/api/v1/counters/abc/call", "/api/v1/tickets/0/reprint"]
    alphabet = [
        b"{",
        b"}",
        b"[",
        b"]",
        b'"',
        b":",
        b",",
        b"\\u",
        b"\xff",
        b"\x00",
        b"1e9",
        b"true",
        b"null",
        b"service",
        b"code",
        b"\xe1\xbb\x99",
        b" ",
    ]
    for _ in range(400):
        raw = b"".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        if rng.random() < 0.3:
            raw = json.dumps(
                {
                    "service": rng.choice([1, None, [], {}, "x"]),
                    "priority": rng.choice([0, "x", None]),
                }
            ).encode()
        ctype = rng.choice(["application/json", "text/plain", None, "application/json; x=y"])
        key = rng.choice([KIOSK_KEY, counter_key(2), None])
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        if ctype:
            headers["Content-Type"] = ctype
        r = c.post(rng.choice(paths), data=raw, headers=headers)
        assert 400 <= r.status_code < 500 or r.status_code in (200, 201), (raw, r.status_code)
        if r.status_code >= 400:
            assert r.get_json()["error"]["code"]
    # only a valid ticket, a kiosk status or a reprint could have changed anything
    after = snapshot(c)
    assert after["tickets"][2] == before["tickets"][2]
    assert c.get("/api/v1/health").status_code == 200
