"""Procedures on the clerk console, in Debian's Chromium driven by Playwright: a ticket
issued for a procedure shows the procedure's name, and the guidance counter searches
the catalogue and sends a checklist to the kiosk, whose real event feed prints it.
Screenshots go to tests/artifacts/console/."""

from __future__ import annotations

import queue
import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from kiosk.checklist import checklist_image
from kiosk.controller import Kiosk
from sothutu.config import load_config
from tests.browser import Pages
from tests.console_support import log_in, settle, shot
from tests.kiosk_lookup_support import BIRTH, longest
from tests.kiosk_support import drive, kiosk_extra, preview_files, raster_image, same_pixels
from tests.procedures_fixtures import SAMPLE, write_procedures_config
from tests.support import (
    KIOSK_KEY,
    ServerProcess,
    counter_key,
    free_port,
)

pytestmark = [pytest.mark.debian, pytest.mark.slow]

GUIDANCE = 3


@pytest.fixture(scope="module")
def srv(tmp_path_factory) -> Iterator[ServerProcess]:
    port = free_port()
    cfg = write_procedures_config(
        tmp_path_factory.mktemp("server"), SAMPLE, guidance=True, port=port
    )
    proc = ServerProcess(cfg, port).start()
    yield proc
    proc.stop()


@pytest.fixture
def clerk(pages: Pages, srv: ServerProcess) -> Callable:
    return lambda n: log_in(pages, srv, n)


def test_a_ticket_for_a_procedure_shows_the_procedure_name(clerk, srv) -> None:
    long = longest()
    ticket = srv.client(KIOSK_KEY).issue_for_procedure(long.code)
    page = clerk(1)
    page.keyboard.press("t")
    expect(page.locator("#code")).to_have_text(ticket["code"])
    expect(page.locator("#procedure")).to_have_text(f"Thủ tục: {long.name}")
    # the whole name shows, wrapped inside the card: nothing is cut or spills out
    fits = page.eval_on_selector("#procedure", "e => e.scrollWidth <= e.clientWidth")
    box = page.locator("#procedure").bounding_box()
    card = page.locator(".current").bounding_box()
    assert fits and box["height"] > 40 and box["x"] + box["width"] <= card["x"] + card["width"]
    shot(page, "procedure-current")
    settle(page)
    page.keyboard.press("g")  # hold: the held list names the procedure too
    row = page.locator(f"#held li[data-code={ticket['code']}]")
    expect(row).to_contain_text(f"Thủ tục: {long.name}")
    expect(page.locator("#procedure")).to_be_hidden()
    shot(page, "procedure-held")
    assert page.js_errors == []


def test_guidance_counter_searches_and_prints_a_checklist_at_the_kiosk(
    clerk, srv, tmp_path: Path
) -> None:
    # the kiosk's own moving parts (event feed, catalogue worker, printer), no screen
    extra = kiosk_extra("preview:tickets")
    config = load_config(write_procedures_config(tmp_path, port=srv.port, extra=extra))
    posted: queue.Queue = queue.Queue()
    kiosk = Kiosk(config, posted.put).start()
    try:
        page = clerk(GUIDANCE)
        page.keyboard.press("k")
        page.wait_for_selector("#proc-q")
        page.keyboard.type("khai sinh")
        first = page.locator("#proc-results .proc-choice").first
        expect(first).to_have_attribute("data-code", BIRTH, timeout=5000)
        expect(first).to_contain_text("Đăng ký khai sinh")
        shot(page, "procedure-search")
        page.keyboard.press("Enter")  # opens the first result
        expect(page.locator("#proc-detail h3")).to_have_text("Đăng ký khai sinh")
        expect(page.locator("#proc-detail")).to_contain_text("Tờ khai đăng ký khai sinh")
        expect(page.locator("#proc-detail")).to_contain_text("1 bản chính")
        expect(page.locator("#proc-kiosk")).to_have_value("kiosk-1")  # two kiosks: a choice
        shot(page, "procedure-detail")
        page.click("#proc-print")
        expect(page.locator("#message")).to_have_text(
            "Đã gửi lệnh in danh sách giấy tờ (Đăng ký khai sinh) tới máy kiosk-1."
        )
        shot(page, "procedure-printed")
        # the kiosk's event feed got checklist.print and its printer printed the checklist
        printed = drive(
            lambda: time.sleep(0.05),
            lambda: preview_files(tmp_path / "tickets", ".bin") != [],
            5.0,
        )
        assert printed, "the kiosk printed nothing"
        (binary,) = preview_files(tmp_path / "tickets", ".bin")
        assert "thu-tuc-1_001193" in binary.name  # the preview names files safely
        today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
        expected = checklist_image(
            srv.client().procedure(BIRTH), kiosk.setup.header, 576, sample=True, today=today
        ).image
        assert same_pixels(raster_image(binary.read_bytes()), expected)
        # the guidance counter can also issue a ticket for a procedure
        settle(page)
        page.keyboard.press("k")
        page.wait_for_selector("#proc-q")
        page.keyboard.type("ket hon")
        expect(page.locator("#proc-results .proc-choice").first).to_contain_text("Đăng ký kết hôn")
        page.keyboard.press("Enter")
        page.click("#proc-issue")
        expect(page.locator("#message")).to_contain_text("cho thủ tục Đăng ký kết hôn")
        code = re.search(r"Đã cấp số (\w+)", page.inner_text("#message")).group(1)
        called = srv.client(counter_key(2)).counter(2, "next")["ticket"]  # the only one waiting
        assert called["code"] == code
        assert called["procedure"] == {"code": "1.000894", "name": "Đăng ký kết hôn"}
        assert page.js_errors == []
    finally:
        kiosk.stop()


def test_an_ordinary_counter_prints_but_does_not_issue(clerk) -> None:
    page = clerk(1)
    page.keyboard.press("k")
    page.wait_for_selector("#proc-q")
    expect(page.locator("#proc-results .proc-choice")).to_have_count(22)  # the whole list
    page.locator(f"#proc-results [data-code='{BIRTH}']").click()
    expect(page.locator("#proc-print")).to_be_visible()
    expect(page.locator("#proc-issue")).to_have_count(0)
    page.click("#proc-back")
    expect(page.locator("#proc-q")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#overlay")).to_be_hidden()
    assert page.js_errors == []
