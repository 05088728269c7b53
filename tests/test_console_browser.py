"""The clerk console in Debian's Chromium, driven by Playwright, against a real server.

One browser per module, a fresh context (cookies) per clerk, a fresh server per
test. Screenshots of the main states go to tests/artifacts/console/.
"""

from __future__ import annotations

import http.server
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from sothutu.client import ApiClient
from tests.browser import Pages
from tests.console_support import VIEWPORT, log_in, posts, settle, shot
from tests.kiosk_support import Running, preview_files
from tests.support import (
    KIOSK2_KEY,
    KIOSK_KEY,
    ServerProcess,
    counter_key,
    counter_pin,
    free_port,
    wait_for,
    write_config,
)

pytestmark = [pytest.mark.debian, pytest.mark.slow]


@pytest.fixture
def srv(tmp_path: Path) -> Iterator[ServerProcess]:
    port = free_port()
    proc = ServerProcess(write_config(tmp_path, port=port), port).start()
    yield proc
    proc.stop()


@pytest.fixture
def clerk(pages: Pages, srv: ServerProcess) -> Callable:
    """``clerk(n)`` opens a new browser context logged in to counter n."""
    return lambda n, pin=None: log_in(pages, srv, n, pin)


def text(page, selector: str, value: str | re.Pattern, timeout: float = 5000) -> None:
    """Wait until the element shows ``value`` (exact text, or a pattern it contains)."""
    loc = page.locator(selector)
    if isinstance(value, str):
        expect(loc).to_have_text(value, timeout=timeout)
    else:
        expect(loc).to_contain_text(value, timeout=timeout)


def kiosk(srv: ServerProcess) -> ApiClient:
    return srv.client(KIOSK_KEY)


def counter_state(srv: ServerProcess, n: int) -> dict:
    return next(c for c in srv.client().state()["counters"] if c["number"] == n)


def waiting(srv: ServerProcess, service: str) -> int:
    return next(s["waiting"] for s in srv.client().state()["services"] if s["id"] == service)


def test_wrong_pin_login_and_logout(browser, srv: ServerProcess) -> None:
    ctx = browser.new_context(viewport=VIEWPORT)
    page = ctx.new_page()
    page.goto(srv.url + "/console")
    shot(page, "01-login")
    page.select_option("#counter", "2")
    page.fill("#pin", "00000")
    page.keyboard.press("Enter")
    assert "Số quầy hoặc mã PIN không đúng" in page.inner_text("#login-message")
    shot(page, "02-wrong-pin")
    # keyboard only: the counter select has focus again, Tab to the PIN, Enter
    page.keyboard.press("Tab")
    page.keyboard.type(counter_pin(2))
    page.keyboard.press("Enter")
    page.wait_for_selector(".counter-name")
    assert page.inner_text(".counter-name") == "Quầy 2"
    cookies = {c["name"]: c for c in ctx.cookies()}
    session = cookies["sothutu_console"]
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    page.click("#logout")
    page.wait_for_selector("#login-message")
    assert "Đã đăng xuất" in page.inner_text("#login-message")
    ctx.close()


def test_serve_a_queue_with_the_keyboard_only(clerk, srv: ServerProcess) -> None:
    k = kiosk(srv)
    a1 = k.issue("ho-tich")
    a2 = k.issue("ho-tich", priority=True)
    k.issue("chung-thuc")
    page = clerk(1)
    assert page.inner_text("#code") == "Chưa có số"
    assert page.inner_text("#waiting [data-service=ho-tich] .count") == "2"
    shot(page, "03-idle")

    # T: next → the priority ticket first, with its mark
    page.keyboard.press("t")
    text(page, "#code", "A002")
    assert page.is_visible("#priority")
    assert "Hộ tịch" in page.inner_text("#field")
    assert "đã gọi 1 lần" in page.inner_text("#since")
    text(page, "#waiting [data-service=ho-tich] .count", "1")
    settle(page)
    shot(page, "04-serving")

    # L: recall
    page.keyboard.press("l")
    text(page, "#since", re.compile("2 lần"))
    assert srv.client().ticket(a2["id"])["calls"] == 2
    settle(page)

    # C: transfer to Đất đai (choices: 1 Chứng thực, 2 Đất đai)
    page.keyboard.press("c")
    page.wait_for_selector("#overlay:not([hidden])")
    shot(page, "05-transfer-dialog")
    page.keyboard.press("2")
    text(page, "#code", "Chưa có số")
    moved = srv.client().ticket(a2["id"])
    assert (moved["service"], moved["status"]) == ("dat-dai", "waiting")
    settle(page)

    # T, then G: hold A001; it appears in today's held list
    page.keyboard.press("t")
    text(page, "#code", "A001")
    settle(page)
    page.keyboard.press("g")
    page.wait_for_selector("#held li[data-code=A001]")
    assert "Tạm giữ" in page.inner_text("#held li[data-code=A001]")
    settle(page)

    # S: call a code that does not exist today → a Vietnamese message in the dialog
    page.keyboard.press("s")
    page.wait_for_selector("#call-code")
    page.keyboard.type("a999")
    page.keyboard.press("Enter")
    text(page, "#call-error", "Hôm nay không có số A999.")
    settle(page)
    page.keyboard.press("Escape")

    # S: call the held ticket back by its code
    page.keyboard.press("s")
    page.keyboard.type("a001")
    page.keyboard.press("Enter")
    text(page, "#code", "A001")
    assert page.query_selector("#held li[data-code=A001]") is None
    assert srv.client().ticket(a1["id"])["calls"] == 2
    settle(page)

    # V: no-show, then one click on "Gọi" in the list calls it again
    page.keyboard.press("v")
    page.wait_for_selector("#held li[data-code=A001]")
    assert "Vắng mặt" in page.inner_text("#held li[data-code=A001]")
    settle(page)
    shot(page, "06-held-list")
    page.click("#held li[data-code=A001] .call-back")
    text(page, "#code", "A001")
    settle(page)

    # H: done
    page.keyboard.press("h")
    text(page, "#code", "Chưa có số")
    assert srv.client().ticket(a1["id"])["status"] == "done"
    settle(page)

    # D: pause; T then does nothing; D again: open
    page.keyboard.press("d")
    text(page, "#counter-status", re.compile("Tạm dừng"))
    assert page.is_disabled("[data-action=next]")
    assert page.inner_text("[data-action=pause] .label") == "Mở lại quầy"
    settle(page)
    shot(page, "07-paused")
    sent = posts(page)
    page.keyboard.press("t")
    assert counter_state(srv, 1)["status"] == "paused"
    page.keyboard.press("d")
    text(page, "#counter-status", re.compile("Đang mở"))
    assert sent == ["/api/v1/counters/1/resume"]  # T sent nothing
    assert waiting(srv, "chung-thuc") == 1
    assert counter_state(srv, 1)["status"] == "open"
    assert page.js_errors == []


def test_call_a_code_as_heard_with_near_codes_offered(clerk, srv: ServerProcess) -> None:
    """The clerk hears "A năm" and types a5: A005 (held) is called; a code that is
    not there keeps the dialog open with the reason and the codes near it."""
    k = kiosk(srv)
    for _ in range(16):
        k.issue("ho-tich")
    c1 = srv.client(counter_key(1))
    c1.counter(1, "call", {"code": "A005"})
    c1.counter(1, "hold")
    c1.counter(1, "call", {"code": "A015"})
    c1.counter(1, "no-show")
    page = clerk(1)
    page.keyboard.press("s")
    # before typing: today's held and absent tickets, latest first
    page.wait_for_selector("#call-suggest .suggestion")
    assert page.locator("#call-suggest .suggest-code").all_inner_texts() == ["A015", "A005"]
    text(page, "#call-suggest-title", "Tạm giữ và vắng mặt hôm nay")
    page.keyboard.type("a50")
    text(page, "#call-suggest-title", "Số gần giống A50")
    assert page.locator("#call-suggest .suggest-code").all_inner_texts()[0] == "A005"
    page.keyboard.press("Enter")
    text(page, "#call-error", "Hôm nay không có số A50.")
    assert not page.locator("#overlay").is_hidden()
    assert "Tạm giữ" in page.inner_text("#call-suggest [data-code=A005]")
    shot(page, "11-call-near-codes")
    page.keyboard.press("ArrowDown")  # the nearest code has the focus: Enter calls it
    page.keyboard.press("Enter")
    text(page, "#code", "A005")
    assert page.locator("#overlay").is_hidden()
    settle(page)

    # a5, as heard, calls A015's neighbour A005 no more (it is current): a015 is typed
    # without its zero
    page.keyboard.press("s")
    page.keyboard.type("A15")
    page.keyboard.press("Enter")
    text(page, "#code", "A015")
    assert srv.client().ticket(srv.client().state()["counters"][0]["current"]["id"])["calls"] == 2
    assert page.js_errors == []


def test_double_click_or_held_key_calls_one_ticket(clerk, srv: ServerProcess) -> None:
    k = kiosk(srv)
    for _ in range(4):
        k.issue("ho-tich")
    page = clerk(1)
    sent = posts(page)
    page.dblclick("[data-action=next]")
    text(page, "#code", "A001")
    settle(page)
    assert sent == ["/api/v1/counters/1/next"]  # one request, answered (settled)
    assert waiting(srv, "ho-tich") == 3

    page.keyboard.down("t")
    for _ in range(8):  # auto-repeat of a held key: repeat = true
        page.keyboard.down("t")
        time.sleep(0.05)
    page.keyboard.up("t")
    text(page, "#code", "A002")
    settle(page)
    assert sent == ["/api/v1/counters/1/next"] * 2
    assert waiting(srv, "ho-tich") == 2
    assert counter_state(srv, 1)["current"]["code"] == "A002"


def test_second_clerk_sees_calls_live_and_reconnects(clerk, srv: ServerProcess) -> None:
    first = clerk(1)
    second = clerk(1)  # the same counter on a second PC
    neighbour = clerk(2)
    kiosk(srv).issue("chung-thuc")
    for page in (first, second, neighbour):
        text(page, "#waiting [data-service=chung-thuc] .count", "1")
    first.keyboard.press("t")
    text(second, "#code", "B001")
    text(neighbour, "#waiting [data-service=chung-thuc] .count", "0")
    assert neighbour.inner_text("#code") == "Chưa có số"

    srv.kill()
    second.wait_for_selector("#banner:not([hidden])")
    assert second.is_disabled("[data-action=recall]")
    shot(second, "08-offline")
    srv.start()
    second.wait_for_selector("#banner", state="hidden", timeout=10000)
    # a call made while reconnecting or after it still shows up
    srv.client(counter_key(1)).counter(1, "recall")
    text(second, "#since", re.compile("2 lần"))
    assert not second.is_disabled("[data-action=recall]")


def test_a_silent_dead_connection_shows_the_banner(clerk, srv: ServerProcess) -> None:
    """A frozen server (or a pulled cable) closes nothing: the page notices the missing
    heartbeats (every 1 s with the tests' ping_seconds = 1) and says so."""
    page = clerk(1)
    page.wait_for_selector("#banner", state="hidden")
    srv.proc.send_signal(signal.SIGSTOP)
    try:
        page.wait_for_selector("#banner:not([hidden])", timeout=10000)
        assert page.is_disabled("[data-action=next]")
    finally:
        srv.proc.send_signal(signal.SIGCONT)
    page.wait_for_selector("#banner", state="hidden", timeout=15000)
    kiosk(srv).issue("ho-tich")
    text(page, "#waiting [data-service=ho-tich] .count", "1")  # once, not twice
    kiosk(srv).issue("chung-thuc")  # an event after it: a doubled one would come first
    text(page, "#waiting [data-service=chung-thuc] .count", "1")
    assert page.inner_text("#waiting [data-service=ho-tich] .count") == "1"


def test_guidance_counter_issues_tickets_and_sees_printers(clerk, srv: ServerProcess) -> None:
    page = clerk(4)
    assert page.inner_text(".tag") == "Quầy hướng dẫn"
    assert page.locator("#waiting li").count() == 3
    page.keyboard.press("p")
    page.wait_for_selector("#issue-priority")
    page.keyboard.press("u")
    assert page.is_checked("#issue-priority")
    shot(page, "09-issue-dialog")
    page.keyboard.press("3")  # Đất đai
    text(page, "#message", "Đã cấp số C001 (Đất đai, ưu tiên).")
    issued = srv.client().state()
    assert next(s for s in issued["services"] if s["id"] == "dat-dai")["waiting"] == 1
    text(page, "#waiting [data-service=dat-dai] .count", "1")
    # no print_kiosk for this counter: the number is shown large for the citizen
    text(page, "#issued-code", "C001")
    assert "Lĩnh vực: Đất đai — ƯU TIÊN" in page.inner_text("#dialog")
    assert page.locator("#issued-code").bounding_box()["height"] > 150
    shot(page, "10-guidance-issued-large")
    page.keyboard.press("Enter")
    page.wait_for_selector("#overlay", state="hidden")

    # printer status is live
    kiosk(srv).kiosk_status("paper_out", "Hết giấy in")
    text(page, "#kiosks", re.compile("Hết giấy"))
    settle(page)
    shot(page, "10-guidance")


def test_printer_panel_names_each_unprinted_ticket_and_greys_when_away(
    clerk, srv: ServerProcess
) -> None:
    k = kiosk(srv)
    a1, a2 = k.issue("ho-tich"), k.issue("chung-thuc")
    long = "Máy in không phản hồi sau ba lần thử; kiểm tra cáp nguồn, cáp mạng và nắp giấy " * 2
    k.kiosk_status("offline", long.strip(), unprinted=[a1["id"], a2["id"]])
    srv.client(KIOSK2_KEY).kiosk_status("ok")
    page = clerk(1)
    row = "#kiosks [data-kiosk=kiosk-1]"
    text(page, row + " .kiosk-state", "Không phản hồi")
    name = page.locator(row + " .kiosk-name")
    assert name.inner_text() == "kiosk-1" and name.bounding_box()["width"] > 40
    assert page.evaluate(
        "e => e.scrollWidth <= e.clientWidth", name.element_handle()
    )  # the name is whole, not cut
    assert "kiểm tra cáp nguồn" in page.inner_text(row + " .kiosk-message")
    buttons = page.locator(row + " .unprinted button")
    assert buttons.all_inner_texts() == ["A001 — In lại", "B001 — In lại"]
    text(page, "#kiosks [data-kiosk=kiosk-2] .kiosk-state", "Bình thường")
    shot(page, "12-printer-panel")
    sent = posts(page)
    buttons.nth(1).click()
    text(page, "#message", "Đã gửi lệnh in lại phiếu B001 tới máy kiosk-1.")
    assert sent == [f"/api/v1/tickets/{a2['id']}/reprint"]
    settle(page)

    srv.kill()
    page.wait_for_selector("#banner:not([hidden])")
    assert "Bình thường" not in page.inner_text("#kiosks")
    text(page, "#kiosks [data-kiosk=kiosk-2] .kiosk-state", "Chưa rõ (mất kết nối máy chủ)")
    assert page.locator("#kiosks li.ok").count() == 0
    assert page.is_disabled(row + " .unprinted button >> nth=0")
    color = page.evaluate(
        "s => getComputedStyle(document.querySelector(s)).color",
        "#kiosks [data-kiosk=kiosk-2] .kiosk-state",
    )
    assert color == "rgb(135, 147, 160)"  # grey, not green
    shot(page, "13-printer-panel-server-away")
    srv.start()
    text(page, "#kiosks [data-kiosk=kiosk-2] .kiosk-state", "Bình thường", timeout=10000)


def test_guidance_counter_prints_at_its_kiosk_at_once(
    pages: Pages, tmp_path: Path, mock_factory
) -> None:
    """[[counters]] print_kiosk = "kiosk-1": the ticket a guidance clerk issues comes
    out of that kiosk's printer, with no second click."""
    port = free_port()
    counters = "".join(
        f"""
[[counters]]
number = {n}
services = ["ho-tich", "chung-thuc", "dat-dai"]
key = "{counter_key(n)}"
pin = "{counter_pin(n)}"
guidance = true
{extra}
"""
        for n, extra in [(1, ""), (4, 'print_kiosk = "kiosk-1"')]
    )
    proc = ServerProcess(write_config(tmp_path, port=port, counters=counters), port).start()
    machine = Running(tmp_path / "kiosk", port, mock_factory)
    try:
        wait_for(lambda: kiosk_1_seen(proc), what="the kiosk's report")
        page = log_in(pages, proc, 4)
        sent = posts(page)
        page.keyboard.press("p")
        page.wait_for_selector("#issue-priority")
        page.keyboard.press("1")  # Hộ tịch
        text(page, "#message", "Đã cấp số A001 (Hộ tịch) — đang in tại máy kiosk-1.")
        assert sent == ["/api/v1/tickets"]  # one click: issued and printed
        (png,) = wait_for(lambda: preview_files(tmp_path / "kiosk" / "tickets", ".png"))
        assert "-A001-" in png.name
        assert page.locator("#overlay").is_hidden()  # printed: nothing to show large
        shot(page, "14-guidance-printed")

        # that printer known broken: the number is also shown large
        proc.client(KIOSK_KEY).kiosk_status("paper_out")
        text(page, "#kiosks [data-kiosk=kiosk-1] .kiosk-state", "Hết giấy")
        settle(page)
        page.keyboard.press("p")
        page.wait_for_selector("#issue-priority")
        page.keyboard.press("1")
        text(page, "#issued-code", "A002")
        assert "đang gặp sự cố" in page.inner_text("#dialog")
        assert page.js_errors == []
    finally:
        machine.close()
        proc.stop()


def kiosk_1_seen(proc: ServerProcess) -> bool:
    return any(k["seen"] for k in proc.client().state()["kiosks"] if k["name"] == "kiosk-1")


class _Evil(http.server.BaseHTTPRequestHandler):
    target = ""

    def do_GET(self) -> None:
        body = (
            "<!doctype html><form id=f method=post action='"
            + self.target
            + "/api/v1/counters/1/next'>"
            "<input name=x value=1></form><script>document.getElementById('f').submit()</script>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_cross_site_form_post_is_refused(clerk, srv: ServerProcess) -> None:
    kiosk(srv).issue("ho-tich")
    page = clerk(1)
    _Evil.target = srv.url
    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Evil)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        # localhost is another site than 127.0.0.1: the SameSite=Strict cookie stays home
        evil_url = f"http://localhost:{evil.server_address[1]}/"
        with page.expect_navigation(url=srv.url + "/api/v1/counters/1/next"):
            page.goto(evil_url)
        assert '"unauthorized"' in page.content()
    finally:
        evil.shutdown()
        evil.server_close()
    assert counter_state(srv, 1)["current"] is None
    assert waiting(srv, "ho-tich") == 1
