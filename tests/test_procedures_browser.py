"""``/thu-tuc`` in Debian's Chromium at phone size (390×844) with JavaScript off,
driven by Playwright against a real server; screenshots in tests/artifacts/thu-tuc/.
And the poster, rendered and read back with tesseract (Vietnamese)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from sothutu.config import load_config
from tests.procedures_fixtures import SAMPLE, write_procedures_config
from tests.support import ARTIFACTS, ROOT, ServerProcess, debian_tool, free_port

pytestmark = [pytest.mark.debian, pytest.mark.slow]

SHOTS = ARTIFACTS / "thu-tuc"
PHONE = {"width": 390, "height": 844}
POSTER = [sys.executable, "-m", "counter_api", "procedures", "poster"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("thu-tuc")
    port = free_port()
    proc = ServerProcess(write_procedures_config(directory, SAMPLE, port=port), port).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def phone(browser, site: ServerProcess) -> Iterator:
    SHOTS.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="vi-VN",
        java_script_enabled=False,  # the pages must work without it
    )
    ctx.set_default_timeout(5000)
    yield ctx.new_page()
    ctx.close()


def no_sideways_scroll(page) -> None:
    """Nothing wider than the phone: long names wrap instead of running off."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide"


def test_search_without_marks_then_open_the_procedure(phone, site: ServerProcess) -> None:
    page = phone
    page.goto(f"{site.url}/thu-tuc")
    expect(page.locator("header .home")).to_have_text("Tra cứu thủ tục hành chính")
    expect(page.locator(".sample")).to_contain_text("Dữ liệu mẫu")
    expect(page.locator(".fields li")).to_have_count(5)
    no_sideways_scroll(page)
    page.screenshot(path=SHOTS / "1-start.png")

    page.fill("#q", "lam giay khai sinh")  # no tone marks
    page.keyboard.press("Enter")  # a plain GET form: no JavaScript involved
    page.wait_for_url("**/thu-tuc?q=lam+giay+khai+sinh")
    first = page.locator(".results li a").first
    expect(first.locator(".name")).to_have_text("Đăng ký khai sinh")
    expect(first.locator(".tag")).to_have_text("Hộ tịch")
    expect(page.locator("#results-title")).to_have_text("Kết quả cho “lam giay khai sinh”")
    no_sideways_scroll(page)
    page.screenshot(path=SHOTS / "2-results.png")

    first.click()
    page.wait_for_url("**/thu-tuc/1.001193")
    expect(page.locator("h1")).to_have_text("Đăng ký khai sinh")
    expect(page.locator(".note")).to_have_text("Khi đến nộp hồ sơ, lấy số thứ tự lĩnh vực Hộ tịch.")
    items = page.locator(".item b")
    expect(items).to_have_count(5)
    expect(items.nth(1)).to_contain_text("Giấy chứng sinh")
    expect(page.locator(".item small").first).to_have_text(
        "1 bản chính; mẫu: Tờ khai đăng ký khai sinh"
    )
    expect(page.locator("section h2").nth(1)).to_have_text("Thời hạn giải quyết")
    no_sideways_scroll(page)
    page.screenshot(path=SHOTS / "3-detail.png", full_page=True)


def test_a_field_list_and_the_longest_name_wraps(phone, site: ServerProcess) -> None:
    page = phone
    page.goto(f"{site.url}/thu-tuc")
    page.locator(".fields a", has_text="Đất đai").click()
    page.wait_for_url("**/thu-tuc?service=dat-dai")
    expect(page.locator(".results li")).to_have_count(2)
    page.screenshot(path=SHOTS / "4-field.png", full_page=True)
    page.locator(".results a", has_text="lần đầu").click()
    title = page.locator("h1")
    name = title.inner_text()
    assert 190 <= len(name) <= 200 and name.endswith("đang sử dụng đất ổn định")
    box = title.bounding_box()
    assert box["width"] <= PHONE["width"] and box["height"] > 100  # wrapped over lines
    no_sideways_scroll(page)
    page.screenshot(path=SHOTS / "5-long-name.png", full_page=True)


def test_nothing_found_and_unknown_pages(phone, site: ServerProcess) -> None:
    page = phone
    page.goto(f"{site.url}/thu-tuc?q=xyzzy")
    expect(page.locator(".empty")).to_contain_text("Không tìm thấy thủ tục phù hợp")
    r = page.goto(f"{site.url}/thu-tuc/9.999999")
    assert r.status == 404
    expect(page.locator("h1")).to_have_text("Không tìm thấy thủ tục “9.999999”")
    r = page.goto(f"{site.url}/thu-tuc?service=khong-co")
    assert r.status == 404
    expect(page.locator(".empty")).to_contain_text("Không có lĩnh vực")


# --- the poster --------------------------------------------------------------------------------


def test_the_poster_reads_back_in_vietnamese(tmp_path: Path) -> None:
    tesseract = debian_tool("tesseract", "reading the poster back")
    config_path = write_procedures_config(
        tmp_path, SAMPLE, server_extra='public_url = "http://192.168.1.10:8080"'
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    png = SHOTS / "poster.png"
    pdf = tmp_path / "poster.pdf"
    for out in (png, pdf):
        r = subprocess.run(
            [*POSTER, "--config", str(config_path), "--out", str(out)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
        assert r.returncode == 0, r.stderr
        assert "http://192.168.1.10:8080/thu-tuc" in r.stdout and r.stderr == ""
    head = pdf.read_bytes()
    box = re.search(rb"/MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", head)
    assert head.startswith(b"%PDF") and box, head[:200]
    assert abs(float(box[1]) - 595.3) < 1 and abs(float(box[2]) - 841.9) < 1  # A4 in points
    text = subprocess.run(
        [tesseract, str(png), "-", "-l", "vie"], capture_output=True, text=True, timeout=60
    ).stdout
    flat = " ".join(text.split())
    assert "TRA CỨU THỦ TỤC" in flat and "HÀNH CHÍNH" in flat, flat
    assert "192.168.1.10:8080/thu-tuc" in flat, flat
    assert "Quét mã QR" in flat, flat
    zbarimg = debian_tool("zbarimg", "decoding the poster's QR code (zbar-tools)")
    decoded = subprocess.run(
        [zbarimg, "--raw", "-q", str(png)], capture_output=True, text=True, timeout=60
    ).stdout
    assert decoded.strip() == "http://192.168.1.10:8080/thu-tuc"
    from counter_api.procedures.poster import render_poster

    config = load_config(config_path)
    assert render_poster(config).size == (1240, 1754)


def test_the_poster_warns_when_phones_cannot_reach_the_address(tmp_path: Path) -> None:
    config_path = write_procedures_config(tmp_path)
    r = subprocess.run(
        [*POSTER, "--config", str(config_path), "--out", str(tmp_path / "p.gif")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert "phones cannot reach" in r.stderr and "public_url" in r.stderr
    assert r.returncode == 1 and ".pdf or .png" in r.stderr
