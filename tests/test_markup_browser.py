"""Names full of markup on every page, in real Chromium against a real server.

Service, counter, kiosk and centre names, the notice, procedure names and
documents (an imported catalogue) and a kiosk's message all hold
``</script><script>window.pwned=1</script>`` and ``<img src=x onerror=…>``. On
every page no script of theirs runs (no global set, no dialog, no CSP refusal
either: the page's own data never breaks out of its element), no element of
theirs appears, and the text shows as typed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from counter_api.procedures.csvio import write_catalogue
from sothutu.procedures.model import Document, Procedure
from tests.conftest import VN
from tests.support import (
    KIOSK_KEY,
    ServerProcess,
    counter_key,
    counter_pin,
    free_port,
    write_config,
)

pytestmark = pytest.mark.debian

PASSWORD = "test-admin-password-0123"
SCRIPT = "</script><script>window.pwned=1</script>"
IMG = "<img src=x onerror=\"window.pwned=2;alert('x')\">"
#: What every name holds after its own words.
MARKUP = f"{SCRIPT}{IMG} & <b>'q'</b>"

SERVICE = f"Hộ tịch {MARKUP}"
COUNTER = f"Quầy một {MARKUP}"
KIOSK = f"kiosk {MARKUP}"
CENTRE = f"Trung tâm {MARKUP}"
NOTICE = f"Giờ làm việc {MARKUP}"
PROCEDURE = f"Đăng ký khai sinh {MARKUP}"
DOCUMENT = f"Tờ khai {MARKUP}"
MESSAGE = f"Kẹt giấy {MARKUP}"


def toml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[ServerProcess]:
    tmp = tmp_path_factory.mktemp("markup")
    catalogue = tmp / "thu-tuc.csv"
    catalogue.write_bytes(
        write_catalogue(
            [
                Procedure(
                    code="1.000001",
                    name=PROCEDURE,
                    service="ho-tich",
                    documents=(Document(DOCUMENT, 1, 1, form=f"Mẫu {MARKUP}"),),
                    steps=(f"Nộp hồ sơ {MARKUP}",),
                    fees=f"Miễn phí {MARKUP}",
                )
            ]
        )
    )
    services = f'\n[[services]]\nid = "ho-tich"\nname = {toml(SERVICE)}\nprefix = "A"\n'
    counters = "".join(
        f'\n[[counters]]\nnumber = {n}\nname = {toml(name)}\nservices = ["ho-tich"]\n'
        f'key = "{counter_key(n)}"\npin = "{counter_pin(n)}"\n'
        for n, name in ((1, COUNTER), (2, "Quầy 2"))
    )
    port = free_port()
    path = write_config(
        tmp,
        port=port,
        services=services,
        counters=counters,
        server_extra=f'admin_password = "{PASSWORD}"',
        centre_extra=f"notice = {toml(NOTICE)}",
        extra=f'\n[procedures]\ncatalogue = "{catalogue}"\n',
    )
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        'name = "Trung tâm Phục vụ hành chính công xã Thử Nghiệm"', f"name = {toml(CENTRE)}"
    ).replace('name = "kiosk-1"', f"name = {toml(KIOSK)}")
    path.write_text(text, encoding="utf-8")
    proc = ServerProcess(path, port).start()
    kiosk = proc.client(KIOSK_KEY)
    ticket = kiosk.request("POST", "/api/v1/tickets", {"procedure": "1.000001"})
    kiosk.request("POST", "/api/v1/kiosks/status", {"printer": "paper_low", "message": MESSAGE})
    proc.client(counter_key(1)).request("POST", "/api/v1/counters/1/next")
    proc.ticket = ticket  # type: ignore[attr-defined]
    yield proc
    proc.stop()


def _guard(page: Any) -> list[str]:
    dialogs: list[str] = []

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    return dialogs


def check(page: Any, dialogs: list[str], *shown: str) -> None:
    """Nothing of the markup ran or became an element; ``shown`` texts show as typed."""
    for text in shown:  # the page's script has rendered its data (slowly on a busy machine)
        with contextlib.suppress(Exception):  # the assertion below says which is missing
            page.wait_for_function(
                "t => document.body.innerText.includes(t)", arg=text, timeout=10_000
            )
    page.wait_for_timeout(100)  # and whatever the markup would run has had its chance
    assert page.evaluate("typeof window.pwned") == "undefined", page.url
    assert not dialogs, (page.url, dialogs)
    assert page.locator("img[src=x], b:text-is(\"'q'\")").count() == 0, page.url
    assert not page.js_errors, (page.url, page.js_errors)
    body = page.inner_text("body")
    for text in shown:
        assert text in body, (page.url, text)


def test_citizens_pages(pages, server: ServerProcess) -> None:
    from playwright.sync_api import expect

    t = server.ticket  # type: ignore[attr-defined]
    page = pages.open(viewport={"width": 390, "height": 844})
    dialogs = _guard(page)
    page.goto(f"{server.url}/t/{t['id']}")
    expect(page.locator("#field")).to_have_text(SERVICE)
    expect(page.locator("#state")).to_have_text(f"MỜI ĐẾN {COUNTER.upper()}")
    check(page, dialogs, SERVICE, PROCEDURE, CENTRE)

    for path, shown in (
        ("/thu-tuc", (CENTRE,)),
        ("/thu-tuc?service=ho-tich", (SERVICE, PROCEDURE)),
        ("/thu-tuc/1.000001", (PROCEDURE, DOCUMENT, f"Nộp hồ sơ {MARKUP}")),
    ):
        page.goto(server.url + path)
        check(page, dialogs, *shown)


def test_displays(pages, server: ServerProcess) -> None:
    page = pages.open(viewport={"width": 1280, "height": 720})
    dialogs = _guard(page)
    page.goto(f"{server.url}/display?voice=0")
    page.wait_for_selector("body[data-link='live']")
    check(page, dialogs, SERVICE, CENTRE)
    page.goto(f"{server.url}/display?counter=1&voice=0")
    check(page, dialogs, server.ticket["code"])  # type: ignore[attr-defined]


def test_clerk_and_head_pages(pages, server: ServerProcess) -> None:
    page = pages.open(viewport={"width": 1366, "height": 900})
    dialogs = _guard(page)
    page.goto(f"{server.url}/console")
    check(page, dialogs, CENTRE)
    assert COUNTER in page.locator("#counter option").all_inner_texts()
    page.select_option("#counter", "1")
    page.fill("#pin", counter_pin(1))
    page.keyboard.press("Enter")
    page.wait_for_selector("#code")
    check(page, dialogs, SERVICE, MESSAGE, KIOSK)

    page.goto(f"{server.url}/admin")
    check(page, dialogs, CENTRE)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#queues")
    check(page, dialogs, SERVICE, COUNTER, MESSAGE)
    page.goto(f"{server.url}/admin/report")
    page.wait_for_selector("svg.chart")
    check(page, dialogs, SERVICE, COUNTER)
    page.goto(f"{server.url}/admin/report/month?month={datetime.now(VN):%Y-%m}")
    check(page, dialogs, SERVICE, COUNTER, CENTRE.upper())

    page.goto(f"{server.url}/rate/1")
    check(page, dialogs, COUNTER)
    page.fill("#pin", counter_pin(1))
    page.click("button[type=submit]")
    page.wait_for_selector("#idle")
    check(page, dialogs, COUNTER)


def test_the_api_answers_the_names_as_configured(server: ServerProcess) -> None:
    """The API answers the names exactly as configured (nothing escaped twice)."""
    state = server.client().request("GET", "/api/v1/state")
    assert state["services"][0]["name"] == SERVICE
    assert state["counters"][0]["name"] == COUNTER
    assert state["kiosks"][0]["message"] == MESSAGE
