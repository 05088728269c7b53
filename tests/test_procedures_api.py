"""The procedure API and tickets for a procedure: Flask's test client with an injected
clock, then a real server process (with a catalogue imported while it runs)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from sothutu.client import ClientError
from sothutu.config import load_config
from tests.procedures_fixtures import SAMPLE, write_procedures_config
from tests.support import ADMIN_KEY, KIOSK_KEY, ROOT, ServerProcess, counter_key, free_port

KIOSK = {"Authorization": f"Bearer {KIOSK_KEY}"}
CLI = [sys.executable, "-m", "counter_api", "procedures"]


@pytest.fixture
def papp(tmp_path: Path, clock):
    from counter_api.web import create_app

    app = create_app(load_config(write_procedures_config(tmp_path, SAMPLE)), clock=clock)
    app.testing = True
    yield app
    app.extensions["sothutu"].service.bus.close()
    app.extensions["sothutu"].service.store.close()


@pytest.fixture
def pc(papp):
    return papp.test_client()


def test_search_answers_ranked_results_with_their_field(pc) -> None:
    r = pc.get("/api/v1/procedures?q=lam+giay+khai+sinh")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    body = r.get_json()
    assert body["query"] == "lam giay khai sinh" and body["service"] is None
    first = body["procedures"][0]
    assert first == {
        "code": "1.001193",
        "name": "Đăng ký khai sinh",
        "service": "ho-tich",
        "service_name": "Hộ tịch",
        "matched": "keywords",  # the staff's keyword "giấy khai sinh"
        "snippet": "giấy khai sinh",
        "score": 1.0,
    }
    scores = [p["score"] for p in body["procedures"]]
    assert scores == sorted(scores, reverse=True) and 0 < scores[-1] <= scores[0] <= 1
    assert body["total"] == len(body["procedures"])
    assert body["catalogue"]["count"] == 22 and body["catalogue"]["sample"] is True
    assert body["catalogue"]["source"] == "procedures.sample.csv"
    assert body["catalogue"]["updated_at"].endswith("+07:00")
    assert [s["procedures"] for s in body["services"]] == [10, 4, 2, 4, 2]
    docs = pc.get("/api/v1/procedures?q=căn+cước").get_json()["procedures"]
    assert docs[0]["matched"] == "documents" and docs[0]["snippet"].startswith("Căn cước")


@pytest.mark.parametrize(
    ("query", "first", "absent"),
    [
        # what citizens stumbled on: loose results after the first hit
        ("khai sinh", "1.001193", ["1.004194"]),  # not Đăng ký tạm trú ("sinh viên")
        ("giay khia sinh", "1.001193", ["1.004194", "1.000656", "1.001699"]),
        ("sổ đỏ", "1.012753", ["1.001699"]),  # not the disability certificate
        ("dang ky ket hon", "1.000894", ["1.000689"]),  # not "khai sinh kết hợp …"
        ("cccd", "1.001193", []),  # căn cước: the documents that ask for it
    ],
)
def test_the_api_and_the_phone_page_rank_alike(pc, query: str, first: str, absent: list) -> None:
    """GET /api/v1/procedures (the kiosk's look-up) and /thu-tuc (phones) use one search."""
    body = pc.get("/api/v1/procedures", query_string={"q": query}).get_json()
    codes = [p["code"] for p in body["procedures"]]
    assert codes[0] == first and not set(absent) & set(codes), codes
    assert body["total"] == len(codes) < 22
    html = pc.get("/thu-tuc", query_string={"q": query}).get_data(as_text=True)
    assert f"/thu-tuc/{first}" in html
    for code in absent:
        assert f"/thu-tuc/{code}" not in html


def test_list_by_field_and_limits(pc) -> None:
    body = pc.get("/api/v1/procedures?service=chung-thuc").get_json()
    assert [p["code"] for p in body["procedures"]] == [
        "2.000815",
        "2.000884",
        "2.001035",
        "2.001019",
    ]
    assert all(
        p["matched"] == "all" and p["service_name"] == "Chứng thực" for p in body["procedures"]
    )
    everything = pc.get("/api/v1/procedures").get_json()
    assert everything["total"] == 22 and len(everything["procedures"]) == 22
    two = pc.get("/api/v1/procedures?limit=2").get_json()
    assert two["total"] == 22 and len(two["procedures"]) == 2
    r = pc.get("/api/v1/procedures?q=khai+sinh&service=chung-thuc")
    assert r.status_code == 200 and r.get_json()["procedures"] == []


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("service=tu-phap", 404, "unknown_service"),
        ("q=" + "a" * 201, 400, "invalid_request"),
        ("limit=0", 400, "invalid_request"),
        ("limit=1001", 400, "invalid_request"),
        ("limit=abc", 400, "invalid_request"),
        ("limit=%D9%A3", 400, "invalid_request"),  # an Arabic-Indic digit
    ],
)
def test_bad_queries(pc, query: str, status: int, code: str) -> None:
    r = pc.get(f"/api/v1/procedures?{query}")
    assert r.status_code == status and r.get_json()["error"]["code"] == code


def test_one_procedure_with_its_checklist(pc) -> None:
    p = pc.get("/api/v1/procedures/2.000815").get_json()
    assert p["service"] == "chung-thuc" and p["service_name"] == "Chứng thực"
    assert p["fees"].startswith("2.000 đồng/trang")
    assert p["documents"][0] == {
        "name": "Bản chính giấy tờ, văn bản cần chứng thực",
        "originals": 1,
        "copies": 0,
        "form": None,
    }
    kinds = [b["kind"] for b in p["checklist"]]
    assert kinds[:3] == ["title", "meta", "meta"] and kinds[-1] == "note"
    assert {"kind": "heading", "text": "GIẤY TỜ CẦN MANG THEO", "detail": ""} in p["checklist"]
    from sothutu.procedures.model import Procedure

    assert Procedure.from_json(p).to_json() == {
        k: v for k, v in p.items() if k not in ("service_name", "checklist")
    }  # the kiosk turns the JSON back into the model
    for bad in ("9.999999", "abc", "1.001193x", "%2e%2e"):
        r = pc.get(f"/api/v1/procedures/{bad}")
        assert r.status_code == 404 and r.get_json()["error"]["code"] == "unknown_procedure"


def test_a_ticket_for_a_procedure_takes_its_field_and_carries_it(papp, pc) -> None:
    r = pc.post("/api/v1/tickets", json={"procedure": "2.000815"}, headers=KIOSK)
    assert r.status_code == 201, r.get_json()
    t = r.get_json()
    assert t["code"] == "B001" and t["service"] == "chung-thuc"
    assert t["procedure"] == {
        "code": "2.000815",
        "name": "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có "
        "thẩm quyền của Việt Nam cấp hoặc chứng nhận",
    }
    assert pc.get(f"/api/v1/tickets/{t['id']}").get_json()["procedure"] == t["procedure"]
    svc = papp.extensions["sothutu"].service
    issued = [e for e in svc.events_after(0) if e.type == "ticket.issued"]
    assert json.loads(issued[-1].data)["ticket"]["procedure"]["code"] == "2.000815"
    # the same field named explicitly is fine; a ticket without procedure has no key
    r = pc.post(
        "/api/v1/tickets", json={"service": "chung-thuc", "procedure": "2.000884"}, headers=KIOSK
    )
    assert r.status_code == 201 and r.get_json()["procedure"]["code"] == "2.000884"
    plain = pc.post("/api/v1/tickets", json={"service": "ho-tich"}, headers=KIOSK).get_json()
    assert "procedure" not in plain
    # calling it shows the procedure to the clerk (state and the called event)
    called = pc.post(
        "/api/v1/counters/1/next", headers={"Authorization": f"Bearer {counter_key(1)}"}
    ).get_json()["ticket"]
    assert called["code"] == "B001" and called["procedure"]["code"] == "2.000815"
    current = pc.get("/api/v1/state").get_json()["counters"][0]["current"]
    assert current["procedure"]["code"] == "2.000815"


def _waiting(pc) -> int:
    return sum(s["waiting"] for s in pc.get("/api/v1/services").get_json()["services"])


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        ({"procedure": "9.999999"}, KIOSK, 404, "unknown_procedure"),
        ({"procedure": "1.001193", "service": "chung-thuc"}, KIOSK, 409, "service_mismatch"),
        ({"procedure": "9.999999", "service": "nope"}, KIOSK, 404, "unknown_service"),
        ({"procedure": "1.001193", "service": "nope"}, KIOSK, 404, "unknown_service"),
        ({"procedure": 1001193}, KIOSK, 400, "invalid_request"),
        ({"procedure": "x" * 61}, KIOSK, 400, "invalid_request"),
        ({"priority": True}, KIOSK, 400, "invalid_request"),  # neither service nor procedure
        ({"procedure": "9.999999"}, {}, 401, "unauthorized"),
        (
            {"procedure": "9.999999"},
            {"Authorization": f"Bearer {counter_key(1)}"},
            403,
            "forbidden",
        ),
    ],
)
def test_refused_tickets_issue_nothing(pc, body, headers, status, code) -> None:
    r = pc.post("/api/v1/tickets", json=body, headers=headers)
    assert (r.status_code, r.get_json()["error"]["code"]) == (status, code)
    assert _waiting(pc) == 0


def test_the_order_of_checks_puts_the_body_before_the_procedure(pc) -> None:
    r = pc.post(
        "/api/v1/tickets",
        data="procedure=9.999999",
        headers={**KIOSK, "Content-Type": "text/plain"},
    )
    assert r.status_code == 415
    r = pc.post("/api/v1/tickets", headers=KIOSK)  # empty body: the field is missing
    assert r.status_code == 400 and "service" in r.get_json()["error"]["message"]


def test_a_procedure_hidden_by_the_config_cannot_be_used(tmp_path: Path, clock) -> None:
    from counter_api.web import create_app
    from tests.support import write_config

    # imported with five fields, then the config has only three
    first = create_app(load_config(write_procedures_config(tmp_path, SAMPLE)), clock=clock)
    first.extensions["sothutu"].service.store.close()
    three = write_config(tmp_path)
    app = create_app(load_config(three), clock=clock)
    c = app.test_client()
    r = c.post("/api/v1/tickets", json={"procedure": "1.004222"}, headers=KIOSK)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "unknown_procedure"
    assert c.get("/api/v1/procedures/1.004222").status_code == 404
    assert c.get("/api/v1/procedures/1.001193").status_code == 200
    app.extensions["sothutu"].service.store.close()


# --- a real server ---------------------------------------------------------------------------


@pytest.fixture
def pserver(tmp_path: Path):
    port = free_port()
    proc = ServerProcess(write_procedures_config(tmp_path, SAMPLE, port=port), port)
    proc.start()
    yield proc
    proc.stop()


def test_real_server_search_ticket_and_an_import_while_running(pserver, tmp_path: Path) -> None:
    public = pserver.client()
    hits = public.procedures("dang ki khai sinh")["procedures"]
    assert hits[0]["code"] == "1.001193"
    assert public.procedures(service="dat-dai")["total"] == 2
    assert public.procedure("1.001193")["documents"][1]["name"].startswith("Giấy chứng sinh")
    with pytest.raises(ClientError) as err:
        public.procedure("1.9")
    assert err.value.status == 404 and err.value.code == "unknown_procedure"
    t = pserver.client(KIOSK_KEY).issue_for_procedure("1.000894")
    assert t["code"] == "A001" and t["procedure"]["name"] == "Đăng ký kết hôn"
    # staff import a new catalogue from the command line while the server runs
    changed = tmp_path / "moi.csv"
    changed.write_bytes(SAMPLE.read_bytes().replace("Đăng ký kết hôn".encode(), b"Ket hon moi"))
    r = subprocess.run(
        [*CLI, "import", str(changed), "--config", str(pserver.config)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert public.procedure("1.000894")["name"] == "Ket hon moi"
    body = public.procedures("ket hon moi")
    assert body["procedures"][0]["code"] == "1.000894" and body["catalogue"]["version"] == 2
    assert not body["catalogue"]["sample"]  # moi.csv is not the sample
    # the ticket keeps the name it was issued with
    assert public.ticket(t["id"])["procedure"]["name"] == "Đăng ký kết hôn"
    with urllib.request.urlopen(f"{pserver.url}/thu-tuc?q=ket+hon+moi", timeout=5) as resp:
        html = resp.read().decode()
    assert resp.headers["Content-Type"].startswith("text/html") and "Ket hon moi" in html
    admin = pserver.client(ADMIN_KEY)
    assert admin.issue("ho-tich", procedure="1.000894")["procedure"]["code"] == "1.000894"
