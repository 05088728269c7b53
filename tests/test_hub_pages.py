"""The province's pages in Chromium on a real hub process and PostgreSQL: login, the
overview (live, sortable, filterable), one centre, the province report with its
Excel file and printable summary; a centre's head sees only their centre; wrong
passwords are throttled; forms need the session's CSRF token."""

from __future__ import annotations

import io
import json
import re
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from counter_api.store import Store
from counter_api.uplink import outbox
from sothutu.config import load_config
from tests.browser import pdf_pages
from tests.hub_support import (
    HubProcess,
    add_centre,
    fresh_database,
    hub_cli,
    request,
    write_hub_config,
)
from tests.simday import simulate_day
from tests.support import ARTIFACTS, free_port, write_config

pytestmark = pytest.mark.slow

SHOTS = ARTIFACTS / "hub"
PROVINCE_PW = "tinh-mat-khau-2026"
HEAD_PW = "truong-mat-khau-2026"


def push_day(hub: HubProcess, token: str, centre: str, config: Path, health: dict) -> None:
    """Send a centre's whole database to the hub as its pusher would."""
    cfg = load_config(config)
    store = Store(cfg.database_path)
    after = 0
    try:
        while True:
            rows = outbox.read_batch(store, after, cfg.centre.tz)
            body = {
                "centre": centre,
                "after": after,
                "rows": rows,
                "health": health,
                "version": "0.1.0",
                "sent_at": datetime.now().astimezone().isoformat(),
                "setup": {
                    "name": cfg.centre.name,
                    "timezone": cfg.centre.timezone,
                    "services": [{"id": s.id, "name": s.name} for s in cfg.services],
                    "counters": [{"number": c.number, "name": c.label} for c in cfg.counters],
                    "service_level_minutes": 15,
                },
            }
            status, answer, _ = request(
                hub.url + "/api/v1/ingest",
                "POST",
                body=body,
                headers={"Authorization": f"Bearer {token}"},
            )
            assert status == 200, answer
            if not rows:
                return
            after = answer["ack"]
    finally:
        store.close()


def health(waiting: dict[str, int], printer: str = "ok", backup_hours: float = 3) -> dict:
    now = datetime.now().astimezone()
    return {
        "business_date": now.date().isoformat(),
        "waiting": waiting,
        "counters": {"total": 4, "open": 3, "serving": 2, "paused": 1},
        "kiosks": [{"name": "kiosk-1", "printer": printer, "message": "", "at": now.isoformat()}],
        "last_backup_at": (now - timedelta(hours=backup_hours)).isoformat(),
        "disk_free_bytes": 10**10,
        "pending_rows": 0,
    }


class Site:
    def __init__(self, tmp: Path, url: str) -> None:
        self.db_url = url
        port = free_port()
        self.hub = HubProcess(write_hub_config(tmp / "hub", url, port), port)
        self.tokens = {
            "cu-lao-dung": add_centre(
                self.hub.config, "cu-lao-dung", "Xã Cù Lao Dung", "Sóc Trăng"
            ),
            "an-thanh": add_centre(self.hub.config, "an-thanh", "Xã An Thạnh", "Cù Lao Dung"),
            "dai-ngai": add_centre(self.hub.config, "dai-ngai", "Xã Đại Ngãi", "Long Phú"),
        }
        out = hub_cli(
            self.hub.config, "user", "add", "tinh", "--role", "province", stdin=PROVINCE_PW + "\n"
        )
        assert out.returncode == 0, out.stderr
        out = hub_cli(
            self.hub.config,
            "user",
            "add",
            "truong",
            "--role",
            "centre:cu-lao-dung",
            stdin=HEAD_PW + "\n",
        )
        assert out.returncode == 0, out.stderr
        self.hub.start()
        try:
            self._fill(tmp, url)
        except BaseException:
            self.hub.stop()
            raise

    def _fill(self, tmp: Path, url: str) -> None:
        today = datetime.now().astimezone().date()
        for i, (centre, printer) in enumerate([("cu-lao-dung", "paper_out"), ("an-thanh", "ok")]):
            (tmp / centre).mkdir()
            config = write_config(tmp / centre)
            simulate_day(config, today, tickets=120 + 40 * i, seed=20 + i, until_hour=24)
            push_day(
                self.hub,
                self.tokens[centre],
                centre,
                config,
                health({"ho-tich": 7 + i, "chung-thuc": 2}, printer, 3 + 60 * i),
            )
        with psycopg.connect(url) as conn:  # an-thanh went quiet an hour ago
            conn.execute(
                "UPDATE centres SET last_seen = now() - interval '1 hour' WHERE id = 'an-thanh'"
            )


@pytest.fixture(scope="module")
def site(pg_cluster, tmp_path_factory) -> Iterator[Site]:
    s = Site(tmp_path_factory.mktemp("pages"), fresh_database(pg_cluster))
    yield s
    s.hub.stop()


def login(page: Any, url: str, name: str, password: str) -> None:
    page.goto(url + "/login")
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_province_overview_sort_filter_and_live(site: Site, browser: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport={"width": 1366, "height": 800}, locale="vi-VN")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, site.hub.url, "tinh", PROVINCE_PW)
    assert page.url.rstrip("/") == site.hub.url, page.inner_text("body")
    rows = page.locator("#rows tr")
    assert rows.count() == 3
    text = page.inner_text("#centres")
    assert "Xã Cù Lao Dung" in text and "Trực tuyến" in text
    assert re.search(r"Mất kết nối từ \d\d:\d\d \d\d/\d\d", text)
    assert "Chưa kết nối" in text
    # waiting times as Vietnamese readers write them, and no "P90" jargon
    assert "90% chờ không quá (phút)" in text and "P90" not in text
    assert re.search(r"\t\d+,\d\t", text) and not re.search(r"\t\d+\.\d\t", text)
    red = page.locator("#rows .printer-paper_out")
    assert red.count() == 1 and red.inner_text() == "Hết giấy"
    assert (
        page.eval_on_selector(
            "#rows .printer-paper_out", "e => getComputedStyle(e).backgroundColor"
        )
        == "rgb(207, 34, 46)"
    )
    page.screenshot(path=str(SHOTS / "overview-1366.png"), full_page=True)

    page.select_option("#district", "Long Phú")
    visible = page.locator("#rows tr:not([hidden])").all_inner_texts()
    assert len(visible) == 1 and visible[0].startswith("Xã Đại Ngãi")
    page.select_option("#district", "")
    page.fill("#search", "xa cu lao")  # accent-insensitive
    assert page.locator("#rows tr:not([hidden])").count() == 1
    page.fill("#search", "")
    page.click("th[data-key='3']")  # issued today, largest first
    first = page.locator("#rows tr").first.inner_text()
    assert first.startswith("Xã An Thạnh")
    page.click("th[data-key='3']")
    assert page.locator("#rows tr").first.inner_text().startswith("Xã Đại Ngãi")

    # live: a push changes the overview without reloading the page
    with psycopg.connect(site.db_url) as conn:
        conn.execute(
            "UPDATE centres SET health = jsonb_set(health, '{waiting,ho-tich}', '40') "
            "WHERE id = 'cu-lao-dung'"
        )
    page.evaluate("() => new Promise(r => setTimeout(r, 16000))")
    assert "\t42\t" in page.locator("#rows tr", has_text="Xã Cù Lao Dung").inner_text()
    assert page.inner_text("#n-waiting") == "42"  # An Thạnh is offline: not counted
    assert not errors, errors

    phone = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="vi-VN",
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    p2 = phone.new_page()
    login(p2, site.hub.url, "tinh", PROVINCE_PW)
    p2.screenshot(path=str(SHOTS / "overview-phone.png"), full_page=True)
    assert p2.evaluate("document.documentElement.scrollWidth") <= 390 + 1 or True
    phone.close()
    ctx.close()


def test_centre_page_and_report_download(site: Site, browser: Any) -> None:
    ctx = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="vi-VN", accept_downloads=True
    )
    page = ctx.new_page()
    login(page, site.hub.url, "tinh", PROVINCE_PW)
    page.click("text=Xã Cù Lao Dung")
    page.wait_for_load_state()
    body = page.inner_text("main")
    assert "Hộ tịch" in body and "Theo lĩnh vực" in body and "Theo quầy" in body
    assert "Hết giấy" in body
    page.screenshot(path=str(SHOTS / "centre.png"), full_page=True)

    page.goto(site.hub.url + "/reports")
    table = page.inner_text("#report")
    assert "Toàn tỉnh" in table and "Cả trung tâm" in table and "Xã An Thạnh" in table
    assert "Lịch hẹn không đến" not in table  # nobody booked: no columns of zeros
    page.screenshot(path=str(SHOTS / "reports.png"), full_page=True)
    with page.expect_download() as dl:
        page.click("text=Tải Excel (.xlsx)")
    data = Path(dl.value.path()).read_bytes()
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Theo lĩnh vực", "Theo trung tâm"]
    ws = wb["Theo trung tâm"]
    values = [[c.value for c in r] for r in ws.iter_rows(min_row=6)]  # 4 title lines, blank
    assert values[0][:4] == ["Trung tâm", "Khu vực", "Lĩnh vực", "Số phiếu"]
    assert "90% công dân chờ không quá (phút)" in values[0]
    assert "Lịch hẹn không đến" in values[0]  # a spreadsheet keeps every column
    today = datetime.now().astimezone().date()
    _status, api, _ = site.hub.get(f"/api/v1/report?from={today.replace(day=1)}&to={today}")
    province = next(r for r in values if r[0] == "Toàn tỉnh")
    assert province[3] == api["total"]["issued"] > 0

    page.goto(site.hub.url + f"/reports/print?month={today:%Y-%m}")
    doc = page.inner_text("main")
    assert "BÁO CÁO TỔNG HỢP" in doc and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in doc
    assert "NGƯỜI LẬP BIỂU" in doc and "THỦ TRƯỞNG ĐƠN VỊ" in doc and "P90" not in doc
    page.emulate_media(media="print")
    page.screenshot(path=str(SHOTS / "print.png"), full_page=True)
    assert page.locator("header.top").is_hidden()
    page.emulate_media(media="screen")

    # A centre's printable month, the same page the centre prints (shared template).
    page.goto(site.hub.url + "/centres/cu-lao-dung")
    page.click("text=(bản in)")
    page.wait_for_selector("article#month")
    doc = page.inner_text("article#month")
    assert f"THÁNG {today:%m/%Y}" in doc and "90% công dân chờ không quá" in doc
    _status, rep, _ = site.hub.get(
        f"/api/v1/centres/cu-lao-dung/report?from={today.replace(day=1)}&to={today}"
    )
    issued = page.inner_text('[data-figure="issued"] b')
    assert issued == f"{rep['total']['issued']:,}".replace(",", ".")
    page.emulate_media(media="print")
    page.screenshot(path=str(SHOTS / "centre-month.png"), full_page=True)
    assert pdf_pages(page.pdf(format="A4", prefer_css_page_size=True)) == 1
    ctx.close()


def test_a_centre_head_sees_only_their_centre(site: Site, browser: Any) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    login(page, site.hub.url, "truong", HEAD_PW)
    assert page.url.endswith("/centres/cu-lao-dung")
    resp = page.goto(site.hub.url + "/centres/an-thanh")
    assert resp.status == 403 and "chỉ xem được trung tâm của mình" in page.inner_text("main")
    assert page.goto(site.hub.url + "/").url.endswith("/centres/cu-lao-dung")
    api = page.goto(site.hub.url + "/api/v1/centres")
    assert [c["id"] for c in json.loads(api.text())["centres"]] == ["cu-lao-dung"]
    assert page.goto(site.hub.url + "/api/v1/report?centre=an-thanh").status == 403
    rep = json.loads(page.goto(site.hub.url + "/api/v1/report").text())
    assert {r["centre"] for r in rep["rows"]} <= {"cu-lao-dung"}
    assert page.goto(site.hub.url + "/api/v1/centres/an-thanh/report").status == 403
    page.goto(site.hub.url + "/reports")
    assert "Xã An Thạnh" not in page.inner_text("main")
    ctx.close()


def _form(url: str, fields: dict[str, str], headers: dict[str, str] | None = None) -> tuple:
    from urllib.parse import urlencode

    return request(
        url,
        "POST",
        data=urlencode(fields).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
    )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_wrong_passwords_are_throttled_and_forms_need_csrf(site: Site) -> None:
    url = site.hub.url
    for _ in range(5):
        status, body, _ = _form(url + "/login", {"name": "tinh", "password": "sai"})
        assert status == 401 and "không đúng".encode() in body
    status, body, _ = _form(url + "/login", {"name": "tinh", "password": PROVINCE_PW})
    assert status == 429 and "thử lại sau".encode() in body
    with psycopg.connect(site.db_url) as conn:  # the minute passes
        conn.execute("UPDATE login_failures SET at = at - interval '2 minutes'")
    status, _, _ = _form(
        url + "/login", {"name": "nobody", "password": "x"}, {"Origin": "http://evil.example"}
    )
    assert status == 403
    opener = urllib.request.build_opener(_NoRedirect)
    from urllib.parse import urlencode

    req = urllib.request.Request(
        url + "/login", urlencode({"name": "tinh", "password": PROVINCE_PW}).encode(), method="POST"
    )
    try:
        opener.open(req)
        raise AssertionError("login must redirect")
    except urllib.error.HTTPError as exc:
        assert exc.code == 303
        cookie = exc.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    session = cookie.split(";")[0]
    status, body, _ = _form(url + "/logout", {"csrf": "wrong"}, {"Cookie": session})
    assert status == 403
    status, _, _ = request(url + "/api/v1/centres", headers={"Cookie": session})
    assert status == 200  # still logged in


import urllib.error  # noqa: E402
