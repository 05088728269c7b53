"""The admin page, the rating tablet and the citizen's status page in real Chromium
(Playwright driving Debian's chromium) against a real server process on loopback.

Screenshots go to tests/artifacts/ (admin-today.png, admin-report.png,
admin-report-print.png, rate-*.png, status-*.png).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import watch_errors
from tests.support import (
    ADMIN_KEY,
    ARTIFACTS,
    KIOSK_KEY,
    ROOT,
    ServerProcess,
    counter_key,
    counter_pin,
    free_port,
    wait_for,
    write_config,
)

pytestmark = pytest.mark.debian

PASSWORD = "test-admin-password-0123"


def sample_catalogue(folder: Path) -> Path:
    """The shipped sample catalogue, cut to the test config's three fields."""
    with (ROOT / "deploy" / "procedures.sample.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    path = folder / "procedures.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        keep = [r for r in rows[1:] if r[2] in ("ho-tich", "chung-thuc", "dat-dai")]
        csv.writer(f).writerows([rows[0], *keep])
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[ServerProcess]:
    tmp = tmp_path_factory.mktemp("pages")
    port = free_port()
    path = write_config(
        tmp,
        port=port,
        server_extra=f'admin_password = "{PASSWORD}"',
        extra=f"\n[procedures]\ncatalogue = '{sample_catalogue(tmp)}'\n",
    )
    proc = ServerProcess(path, port).start()
    yield proc
    proc.stop()


def watch(page) -> list[str]:
    """Collect the page's console errors (a CSP refusal, a script error, a file that
    did not load)."""
    return watch_errors(page, failed_loads=True)


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def login_admin(page, server: ServerProcess) -> None:
    page.goto(f"{server.url}/admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#queues")


def test_admin_login_and_today_live(browser, server: ServerProcess) -> None:
    from playwright.sync_api import expect

    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    page = ctx.new_page()
    errors = watch(page)
    page.goto(f"{server.url}/admin")
    page.fill("#password", "wrong-password-here")
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_have_text("Mật khẩu không đúng.")
    login_admin(page, server)
    cookie = next(c for c in ctx.cookies() if c["name"] == "sothutu_admin")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/admin"
    expect(page.locator("#live")).to_have_text("● Trực tiếp")

    kiosk, c1 = server.client(KIOSK_KEY), server.client(counter_key(1))
    waiting = page.locator('[data-service="ho-tich"] [data-waiting]')
    before = int(waiting.inner_text())
    kiosk.request("POST", "/api/v1/tickets", {"service": "ho-tich"})
    kiosk.request("POST", "/api/v1/tickets", {"service": "ho-tich"})
    expect(waiting).to_have_text(str(before + 2))  # live: no reload
    called = c1.request("POST", "/api/v1/counters/1/next")["ticket"]
    row = page.locator('[data-counter="1"]')
    expect(row.locator("[data-current]")).to_have_text(called["code"])
    expect(row.locator("[data-status]")).to_have_text("Đang phục vụ")
    server.client(counter_key(3)).request("POST", "/api/v1/counters/3/pause", {"reason": "Họp"})
    expect(page.locator('[data-counter="3"] [data-status]')).to_have_text("Tạm dừng (Họp)")
    kiosk.request("POST", "/api/v1/kiosks/status", {"printer": "paper_out", "message": "Hết giấy"})
    expect(page.locator('[data-kiosk="kiosk-1"] [data-printer]')).to_have_text("Hết giấy")
    total = server.client(ADMIN_KEY).request("GET", "/api/v1/reports/daily")["total"]
    assert total["issued"] >= 2
    issued_cell = page.locator("#figures tr.total td").nth(1)
    expect(issued_cell).to_have_text(str(total["issued"]))  # today's figures follow live
    shot(page, "admin-today.png")

    # "Sao lưu ngay" posts with the session's CSRF token.
    page.click("text=Sao lưu ngay")
    expect(page.locator(".notice")).to_have_text("Đã sao lưu cơ sở dữ liệu.")

    page.click("text=Đăng xuất")
    page.wait_for_selector("#password")
    assert page.goto(f"{server.url}/admin/report").status == 200
    assert page.locator("#password").count() == 1  # logged out: the login form again
    server.client(counter_key(3)).request("POST", "/api/v1/counters/3/resume")
    assert not [e for e in errors if "401" not in e], errors
    ctx.close()


def test_admin_report_charts_csv_and_print(browser, server: ServerProcess) -> None:
    c2 = server.client(counter_key(2))
    kiosk = server.client(KIOSK_KEY)
    for _ in range(2):
        kiosk.request("POST", "/api/v1/tickets", {"service": "chung-thuc"})
        c2.request("POST", "/api/v1/counters/2/next")
        c2.request("POST", "/api/v1/counters/2/done")
    c2.request("POST", "/api/v1/counters/2/rating", {"score": 5})
    report = server.client(ADMIN_KEY).request("GET", "/api/v1/reports/daily")

    ctx = browser.new_context(
        viewport={"width": 1366, "height": 900}, accept_downloads=True, locale="vi-VN"
    )
    page = ctx.new_page()
    errors = watch(page)
    login_admin(page, server)
    page.click("text=Xem báo cáo đầy đủ")
    page.wait_for_selector("svg.chart")
    assert page.inner_text("#k-issued") == str(report["total"]["issued"])
    bars = page.locator('svg.chart rect[data-kind="issued"]')
    assert sum(int(b.get_attribute("data-value")) for b in bars.all()) == report["total"]["issued"]
    assert page.locator('svg.chart rect[data-service="chung-thuc"]').count() == 1
    assert "Thời gian chờ theo lĩnh vực" in page.content()
    heads = page.locator("table").first.locator("th").all_inner_texts()
    assert heads[:4] == ["Lĩnh vực", "Số phiếu", "Đã gọi", "Đã phục vụ"]
    shot(page, "admin-report.png")

    with page.expect_download() as info:
        page.click("#csv")
    data = Path(info.value.path()).read_bytes()
    assert data.startswith("\ufeffBáo cáo số thứ tự".encode())
    assert "Chờ trung bình (phút)".encode() in data

    page.emulate_media(media="print")
    assert not page.locator("header").is_visible()
    assert not page.locator("form.period").is_visible()
    assert page.locator("svg.chart").first.is_visible()
    shot(page, "admin-report-print.png")
    page.emulate_media(media="screen")

    # A bad period is a Vietnamese message, not a crash.
    assert not errors, errors
    resp = page.goto(f"{server.url}/admin/report?from=2026-12-31&to=2026-01-01")
    assert resp.status == 400 and "Khoảng ngày không hợp lệ" in page.inner_text("main")
    ctx.close()


def test_rating_tablet(browser, server: ServerProcess) -> None:
    from playwright.sync_api import expect

    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True)
    page = ctx.new_page()
    errors = watch(page)
    page.clock.install()
    page.goto(f"{server.url}/rate/2")
    page.fill("#pin", "0000")
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_have_text("Mã PIN không đúng.")
    page.fill("#pin", counter_pin(2))
    page.click("button[type=submit]")
    page.wait_for_selector("#idle")
    cookie = next(c for c in ctx.cookies() if c["name"] == "sothutu_rate_2")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/rate/2"
    expect(page.locator("#live")).to_have_text("Đã kết nối")
    shot(page, "rate-idle.png")

    kiosk, c2 = server.client(KIOSK_KEY), server.client(counter_key(2))
    admin = server.client(ADMIN_KEY)
    kiosk.request("POST", "/api/v1/tickets", {"service": "chung-thuc"})
    c2.request("POST", "/api/v1/counters/2/next")
    done = c2.request("POST", "/api/v1/counters/2/done")["ticket"]
    expect(page.locator("#ask")).to_be_visible()  # shows itself on ticket.done at counter 2
    expect(page.locator("#ask-code")).to_have_text(done["code"])
    assert page.locator(".face").count() == 5
    assert page.locator(".face span").all_inner_texts() == [
        "Rất hài lòng",
        "Hài lòng",
        "Bình thường",
        "Không hài lòng",
        "Rất không hài lòng",
    ]
    shot(page, "rate-faces.png")
    before = admin.request("GET", "/api/v1/reports/daily")["total"]["ratings"]
    page.click('.face[data-score="4"]')
    expect(page.locator("#thanks")).to_be_visible()
    expect(page.locator("#thanks-text")).to_have_text("Xin cảm ơn!")

    def rated() -> dict | None:  # the page thanks once the server said yes
        now = admin.request("GET", "/api/v1/reports/daily")["total"]["ratings"]
        return now if now["count"] > before["count"] else None

    after = wait_for(rated, what="the rating in the report")
    assert after["count"] == before["count"] + 1
    assert after["levels"]["4"] == before["levels"]["4"] + 1
    page.clock.fast_forward(5000)
    expect(page.locator("#idle")).to_be_visible()

    # A ticket nobody rates: the faces go away after the window (90 s).
    kiosk.request("POST", "/api/v1/tickets", {"service": "chung-thuc"})
    c2.request("POST", "/api/v1/counters/2/next")
    c2.request("POST", "/api/v1/counters/2/done")
    expect(page.locator("#ask")).to_be_visible()
    page.clock.fast_forward(91_000)
    expect(page.locator("#idle")).to_be_visible()

    # A finish at another counter does not wake this tablet.
    c1 = server.client(counter_key(1))
    kiosk.request("POST", "/api/v1/tickets", {"service": "ho-tich"})
    c1.request("POST", "/api/v1/counters/1/next")
    c1.request("POST", "/api/v1/counters/1/done")
    page.wait_for_timeout(500)
    expect(page.locator("#idle")).to_be_visible()
    assert not [e for e in errors if "401" not in e], errors  # the wrong PIN's page is a 401

    # Another tablet (no PIN typed) sees only the PIN form, and cannot post.
    other = browser.new_context()
    p2 = other.new_page()
    p2.goto(f"{server.url}/rate/2")
    assert p2.locator("#pin").count() == 1
    r = p2.request.post(f"{server.url}/rate/2/submit", data={"ticket": done["id"], "score": 1})
    assert r.status == 401
    other.close()
    ctx.close()


def test_status_page_on_a_phone_updates_live(browser, server: ServerProcess) -> None:
    from playwright.sync_api import expect

    kiosk, c1 = server.client(KIOSK_KEY), server.client(counter_key(1))
    c1.request("POST", "/api/v1/counters/1/resume")
    # Empty counter 1's queues first, so the people ahead are known.
    while c1.request("POST", "/api/v1/counters/1/next")["ticket"] is not None:
        pass
    kiosk.request("POST", "/api/v1/tickets", {"service": "ho-tich"})
    kiosk.request("POST", "/api/v1/tickets", {"service": "ho-tich"})
    mine = kiosk.request("POST", "/api/v1/tickets", {"service": "ho-tich"})
    assert mine["waiting_ahead"] == 2

    ctx = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    page = ctx.new_page()
    errors = watch(page)
    page.goto(f"{server.url}/t/{mine['id']}")
    expect(page.locator("#code")).to_have_text(mine["code"])
    expect(page.locator("#state")).to_have_text("Đang chờ đến lượt")
    facts = page.locator("#facts")
    expect(facts).to_contain_text("Số người đang chờ phía trước2")
    expect(page.locator("#live")).to_have_text("Tự động cập nhật")
    shot(page, "status-waiting.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sideways

    c1.request("POST", "/api/v1/counters/1/next")  # one of those ahead is called
    expect(facts).to_contain_text("Số người đang chờ phía trước1")
    c1.request("POST", "/api/v1/counters/1/next")
    expect(facts).to_contain_text("Số người đang chờ phía trước0")
    # the first in line reads "Sắp đến lượt", never "khoảng 0 phút"
    expect(page.locator("#state")).to_have_text("Sắp đến lượt")
    expect(facts).not_to_contain_text("phút")
    shot(page, "status-first-in-line.png")
    c1.request("POST", "/api/v1/counters/1/next")  # mine
    expect(page.locator("#state")).to_have_text("MỜI ĐẾN QUẦY 1")
    shot(page, "status-called.png")
    c1.request("POST", "/api/v1/counters/1/recall")
    expect(facts).to_contain_text("Số lần gọi2")
    c1.request("POST", "/api/v1/counters/1/done")
    expect(page.locator("#state")).to_have_text("Đã hoàn thành. Xin cảm ơn!")
    shot(page, "status-done.png")

    assert not errors, errors
    # The page never shows another citizen's code.
    text = page.inner_text("body")
    assert re.findall(r"\bA\d{3}\b", text) == [mine["code"]]
    assert page.goto(f"{server.url}/t/999999").status == 404
    assert page.goto(f"{server.url}/t/abc").status == 404
    ctx.close()


PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}
PC = {"viewport": {"width": 1366, "height": 768}}


def fits_a_phone(page) -> None:
    """Nothing sideways, and words large enough to read on a phone."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
    assert size >= 22, size


def test_start_page_and_error_pages_are_vietnamese(browser, server: ServerProcess) -> None:
    from playwright.sync_api import expect

    for name, options in (("phone", PHONE), ("pc", PC)):
        ctx = browser.new_context(locale="vi-VN", **options)
        page = ctx.new_page()
        errors = watch_errors(page)  # script errors and CSP refusals; the 404s are wanted
        assert page.goto(server.url + "/").status == 200
        links = page.locator(".place .name").all_inner_texts()
        assert links == [
            "Tra cứu thủ tục",
            "Màn hình gọi số",
            "Bàn làm việc của quầy",
            "Báo cáo",
            "Quản trị",
        ]
        hrefs = page.eval_on_selector_all(".place", "els => els.map(e => e.getAttribute('href'))")
        assert hrefs == ["/thu-tuc", "/display", "/console", "/admin/report", "/admin"]
        if name == "phone":
            fits_a_phone(page)
        shot(page, f"home-{name}.png")
        # an unknown address: Vietnamese, phone-sized, a way back
        assert page.goto(server.url + "/khong-co-trang-nay").status == 404
        expect(page.locator("h1")).to_have_text("Không tìm thấy trang")
        assert "Not Found" not in page.content()
        if name == "phone":
            fits_a_phone(page)
        shot(page, f"error-404-{name}.png")
        page.click("#home-link")
        expect(page.locator(".place")).to_have_count(5)
        # a ticket that is not there, a counter that is not there
        assert page.goto(server.url + "/t/999999").status == 404
        expect(page.locator("h1")).to_have_text("Không tìm thấy phiếu")
        assert "quét lại mã QR" in page.inner_text("#error-text")
        shot(page, f"error-ticket-{name}.png")
        assert page.goto(server.url + "/rate/9").status == 404
        expect(page.locator("h1")).to_have_text("Quầy không tồn tại")
        assert "Các quầy: 1, 2, 3, 4" in page.inner_text("#error-text")
        if name == "phone":
            fits_a_phone(page)
        shot(page, f"error-rate-9-{name}.png")
        # a form sent to a page that takes none: 405, in Vietnamese too
        answer = page.request.post(server.url + "/", data="x=1")
        assert answer.status == 405 and "Không thực hiện được yêu cầu" in answer.text()
        # the API keeps its JSON
        api = page.request.get(server.url + "/api/v1/khong-co")
        assert api.status == 404 and api.json()["error"]["code"] == "not_found"
        assert not errors, errors
        ctx.close()


def test_a_transferred_ticket_says_so_and_links_what_still_fits(
    browser, server: ServerProcess
) -> None:
    from playwright.sync_api import expect

    kiosk, c1 = server.client(KIOSK_KEY), server.client(counter_key(1))
    c1.request("POST", "/api/v1/counters/1/resume")
    while c1.request("POST", "/api/v1/counters/1/next")["ticket"] is not None:
        pass
    mine = kiosk.request("POST", "/api/v1/tickets", {"procedure": "1.001193"})  # khai sinh
    assert mine["service"] == "ho-tich"
    ctx = browser.new_context(locale="vi-VN", **PHONE)
    page = ctx.new_page()
    errors = watch(page)
    page.goto(f"{server.url}/t/{mine['id']}")
    nav = page.locator("#procedures a")
    expect(nav).to_have_count(2)
    assert nav.nth(0).get_attribute("href") == "/thu-tuc/1.001193"
    assert page.locator("#moved").is_hidden()
    # the clerk finds it is a matter of Chứng thực and transfers it: live, on the phone
    c1.request("POST", "/api/v1/counters/1/call", {"code": mine["code"]})
    c1.request("POST", "/api/v1/counters/1/transfer", {"service": "chung-thuc"})
    expect(page.locator("#moved")).to_have_text(
        "Đã chuyển từ lĩnh vực Hộ tịch sang lĩnh vực Chứng thực"
    )
    expect(page.locator("#field")).to_have_text("Chứng thực")
    # nobody else waits in Chứng thực: first in line there
    expect(page.locator("#state")).to_have_text("Sắp đến lượt")
    # the khai sinh procedure is Hộ tịch's: no longer linked; the new field's list is
    expect(nav).to_have_count(1)
    assert nav.nth(0).get_attribute("href") == "/thu-tuc?service=chung-thuc"
    fits_a_phone_status(page)
    shot(page, "status-transferred.png")
    # the same page loaded afresh says the same
    page.reload()
    expect(page.locator("#moved")).to_contain_text("từ lĩnh vực Hộ tịch")
    assert page.eval_on_selector_all("#procedures a", "els => els.map(e => e.href)") == [
        f"{server.url}/thu-tuc?service=chung-thuc"
    ]
    assert not errors, errors
    ctx.close()


def fits_a_phone_status(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
