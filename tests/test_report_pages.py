"""The centre head's report pages in real Chromium on a real server: a centre of nine
fields and sixteen counters with two simulated days last month and a few tickets today.

Numbers as Vietnamese readers write them (1.234; 2,1; 16,7 %) on the page and the
charts; the period typed dd/mm/yyyy whatever the browser's language, the shortcuts, the
calendar, a reversed range swapped, a bad date said in Vietnamese; the downloads (CSV
for Excel in Vietnam, plain CSV, .xlsx read back); the one-page monthly summary printed
to PDF. Screenshots: tests/artifacts/report-*.png.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sothutu.config import load_config
from sothutu.reports import numbers
from sothutu.reports.period import month_bounds, previous_month
from tests.browser import pdf_pages
from tests.conftest import VN
from tests.simday import simulate_day
from tests.support import (
    ADMIN_KEY,
    ARTIFACTS,
    KIOSK_KEY,
    ServerProcess,
    counter_key,
    counter_pin,
    csv_block,
    csv_rows,
    free_port,
    write_config,
)
from tests.test_pages import PASSWORD, login_admin, shot, watch

pytestmark = pytest.mark.debian

#: The fields of vietnamese.md, the longest names a commune centre has.
FIELDS = [
    ("ho-tich", "Hộ tịch", "A"),
    ("chung-thuc", "Chứng thực", "B"),
    ("dat-dai", "Đất đai", "C"),
    ("bhxh", "Bảo hiểm xã hội", "D"),
    ("ldtbxh", "Lao động – Thương binh – Xã hội / Bảo trợ xã hội", "E"),
    ("kinh-doanh", "Đăng ký kinh doanh hộ cá thể", "G"),
    ("tu-phap", "Tư pháp", "H"),
    ("xay-dung", "Xây dựng", "K"),
    ("khac", "Hướng dẫn / Khác", "L"),
]
COUNTERS = 16


def big_centre_config(tmp: Path, port: int) -> Path:
    services = "".join(
        f'\n[[services]]\nid = "{sid}"\nname = "{name}"\nprefix = "{prefix}"\n'
        for sid, name, prefix in FIELDS
    )
    counters = "".join(
        f"\n[[counters]]\nnumber = {n}\n"
        f'services = ["{FIELDS[n % len(FIELDS)][0]}", "{FIELDS[(n + 3) % len(FIELDS)][0]}"]\n'
        f'key = "{counter_key(n)}"\npin = "{counter_pin(n)}"\n'
        for n in range(1, COUNTERS + 1)
    )
    return write_config(
        tmp,
        port=port,
        services=services,
        counters=counters,
        server_extra=f'admin_password = "{PASSWORD}"',
        extra='\n[reports]\nhead_title = "Giám đốc"\n',
    )


def today_vn() -> date:
    return datetime.now(VN).date()


@pytest.fixture(scope="module")
def centre(tmp_path_factory) -> Iterator[ServerProcess]:
    tmp = tmp_path_factory.mktemp("report-pages")
    port = free_port()
    path = big_centre_config(tmp, port)
    month = previous_month(today_vn())
    for i, day in enumerate((3, 4)):
        simulate_day(path, month.replace(day=day), tickets=140, seed=40 + i)
    proc = ServerProcess(path, port).start()
    kiosk, c1 = proc.client(KIOSK_KEY), proc.client(counter_key(1))
    for _ in range(3):
        kiosk.request("POST", "/api/v1/tickets", {"service": FIELDS[1][0]})
    c1.request("POST", "/api/v1/counters/1/next")
    c1.request("POST", "/api/v1/counters/1/done")
    yield proc
    proc.stop()


def last_month() -> tuple[date, date]:
    return month_bounds(previous_month(today_vn()))


def report_json(centre: ServerProcess, first: date, last: date) -> dict[str, Any]:
    return centre.client(ADMIN_KEY).request("GET", f"/api/v1/reports/daily?from={first}&to={last}")


def admin_page(browser: Any, centre: ServerProcess, **options: Any) -> tuple[Any, Any, list]:
    ctx = browser.new_context(**{"locale": "vi-VN", "accept_downloads": True, **options})
    ctx.set_default_timeout(5000)
    page = ctx.new_page()
    errors = watch(page)
    login_admin(page, centre)
    return ctx, page, errors


def cells(page: Any, table: int, row_label: str) -> dict[str, str]:
    """One row of the page's n-th report table, by heading."""
    t = page.locator("table.report").nth(table)
    heads = t.locator("thead th").all_inner_texts()
    for row in t.locator("tbody tr").all():
        texts = row.locator("td").all_inner_texts()
        if texts[0] == row_label:
            return dict(zip(heads, texts, strict=True))
    raise AssertionError(f"no row {row_label!r}")


def test_report_page_writes_numbers_the_vietnamese_way(browser, centre: ServerProcess) -> None:
    first, last = last_month()
    rep = report_json(centre, first, last)
    total = rep["total"]
    assert total["issued"] > 100 and total["waiting"]["mean"] is not None
    ctx, page, errors = admin_page(browser, centre, viewport={"width": 1366, "height": 900})
    page.goto(f"{centre.url}/admin/report?from={first}&to={last}")
    assert page.inner_text("#k-issued") == numbers.number(total["issued"])
    mean = total["waiting"]["mean"]
    assert page.inner_text("#k-wait") == numbers.short(mean)
    p90 = page.locator("#k-p90")
    assert p90.inner_text() == numbers.short(total["waiting"]["p90"])
    assert "90% công dân chờ không quá" in page.locator(".card", has=p90).inner_text()
    satisfied = total["ratings"]["satisfied"]
    assert page.inner_text("#k-satisfied") == f"{satisfied * 100:.1f}\u202f%".replace(".", ",")
    row = cells(page, 0, "Tổng cộng")
    assert row["Chờ trung bình (phút)"] == f"{mean:.1f}".replace(".", ",")
    assert "," in row["Tỷ lệ vắng mặt (%)"] and "." not in row["Tỷ lệ vắng mặt (%)"]
    assert row["Điểm hài lòng (1–5)"] == f"{total['ratings']['mean']:.2f}".replace(".", ",")
    assert "90% công dân chờ không quá (phút)" in row
    body = page.inner_text("main")
    # No decimal point anywhere (a dot only groups thousands: 1.234).
    assert "P90" not in body and not re.search(r"\d\.\d{1,2}(?!\d)", body.split("Lập lúc")[1])
    legend = page.locator("svg.chart text").all_text_contents()
    assert "90% công dân chờ không quá" in legend
    decimals = [t for t in legend if re.fullmatch(r"\d+[.,]\d", t)]
    assert decimals and all("," in t for t in decimals), decimals  # the bars' mean labels
    # Every field and counter of the big centre is on the page.
    assert len(page.locator("table.report").first.locator("tbody tr").all()) == len(FIELDS) + 1
    shot(page, "report-pc.png")
    assert not errors, errors
    ctx.close()


def test_shortcuts_and_dates_dd_mm_yyyy_in_any_language(browser, centre: ServerProcess) -> None:
    """An English browser still shows and takes dd/mm/yyyy (no native date box)."""
    ctx, page, errors = admin_page(
        browser, centre, viewport={"width": 1366, "height": 900}, locale="en-US"
    )
    page.goto(f"{centre.url}/admin/report")
    assert page.locator("input[type=date]").count() == 0
    today = today_vn()
    monday = today - timedelta(days=today.weekday())
    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    expected = {
        "Hôm nay": (today, today),
        "Tuần này": (monday, today),
        "Tháng này": (today.replace(day=1), today),
        "Tháng trước": last_month(),
        "Quý này": (quarter, today),
    }
    for label, (first, last) in expected.items():
        page.click(f"nav.shortcuts >> text={label}")
        page.wait_for_load_state()
        assert page.input_value("#from") == numbers.vn_date(first), label
        assert page.input_value("#to") == numbers.vn_date(last), label
        current = page.locator("nav.shortcuts a[aria-current]")
        assert current.all_inner_texts() == [label]
    shot(page, "report-shortcuts.png")

    # Typed dates, dd/mm/yyyy, in an English browser.
    first, last = last_month()
    page.fill("#from", numbers.vn_date(first))
    page.fill("#to", f"{last.day}/{last.month}/{last.year}")  # no leading zeros
    page.click("form.period button[type=submit]")
    page.wait_for_load_state()
    assert page.input_value("#to") == numbers.vn_date(last)
    assert page.inner_text("#title") == (
        f"Báo cáo từ ngày {numbers.vn_date(first)} đến ngày {numbers.vn_date(last)}"
    )

    # The calendar of our own: opens on the box's month, a click writes dd/mm/yyyy.
    page.click('button.pick[data-for="from"]')
    cal = page.locator(".calendar")
    assert cal.locator(".cal-title").inner_text() == f"Tháng {first.month}/{first.year}"
    assert cal.locator("th").all_inner_texts() == ["T2", "T3", "T4", "T5", "T6", "T7", "CN"]
    shot(page, "report-calendar.png")
    cal.locator('button[data-step="1"]').click()
    nxt = (first + timedelta(days=32)).replace(day=1)
    assert cal.locator(".cal-title").inner_text() == f"Tháng {nxt.month}/{nxt.year}"
    cal.locator("button.cal-day", has_text=re.compile(r"^2$")).click()
    assert page.input_value("#from") == numbers.vn_date(nxt.replace(day=2))
    assert page.locator(".calendar").count() == 0
    assert not errors, errors
    ctx.close()


@pytest.mark.parametrize("script", [True, False], ids=["with-js", "without-js"])
def test_a_reversed_range_is_swapped_and_a_bad_date_explained(
    browser, centre: ServerProcess, script: bool
) -> None:
    ctx, page, errors = admin_page(
        browser, centre, viewport={"width": 1366, "height": 900}, java_script_enabled=script
    )
    page.goto(f"{centre.url}/admin/report")
    first, last = last_month()
    page.fill("#from", numbers.vn_date(last))
    page.fill("#to", numbers.vn_date(first))
    page.click("form.period button[type=submit]")
    page.wait_for_load_state()
    assert page.input_value("#from") == numbers.vn_date(first)
    assert page.input_value("#to") == numbers.vn_date(last)
    assert page.locator("#title").count() == 1  # a report, not an error page
    if not script:  # the server swapped it, and says so
        assert "đã được đổi chỗ" in page.inner_text("#period-notice")

    for typed, words in (("31/02/2026", "không có trên lịch"), ("hôm qua", "không đúng dạng")):
        page.fill("#from", typed)
        page.click("form.period button[type=submit]")
        page.wait_for_load_state()
        message = page.inner_text("#period-error")
        assert words in message and typed in message, message
        assert page.input_value("#from") == typed  # kept to correct it
        assert page.locator("nav.shortcuts a").count() == 5
    if script:
        shot(page, "report-bad-date.png")
    assert not [e for e in errors if "400" not in e], errors
    ctx.close()


def test_report_page_on_a_phone(browser, centre: ServerProcess) -> None:
    ctx, page, errors = admin_page(
        browser, centre, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    first, last = last_month()
    page.goto(f"{centre.url}/admin/report?from={first}&to={last}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width  # wide tables scroll inside their box
    for sel in ("#from", "#to", "nav.shortcuts a >> nth=0", "#xlsx", "#csv"):
        box = page.locator(sel).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["height"] >= 30, sel
    shot(page, "report-phone.png")
    assert not errors, errors
    ctx.close()


def download(page: Any, selector: str) -> bytes:
    with page.expect_download() as info:
        page.click(selector)
    return Path(info.value.path()).read_bytes()


def test_downloads_for_excel_in_vietnam_other_tools_and_xlsx(browser, centre) -> None:
    from openpyxl import load_workbook

    first, last = last_month()
    rep = report_json(centre, first, last)
    ctx, page, errors = admin_page(browser, centre, viewport={"width": 1366, "height": 900})
    page.goto(f"{centre.url}/admin/report?from={first}&to={last}")

    data = download(page, "#csv")  # "Tải CSV (Excel)": Excel under Vietnamese settings
    rows = csv_rows(data, ";")
    assert rows[1] == ["Từ ngày", numbers.vn_date(first)]
    total = csv_block(rows, "Theo lĩnh vực")["Tổng cộng"]
    assert total["Số phiếu"] == str(rep["total"]["issued"])  # no thousands mark
    assert total["Chờ trung bình (phút)"] == f"{rep['total']['waiting']['mean']:.1f}".replace(
        ".", ","
    )
    p90 = f"{rep['total']['waiting']['p90']:.1f}".replace(".", ",")
    assert total["90% công dân chờ không quá (phút)"] == p90

    plain = download(page, "#csv-plain")
    rows = csv_rows(plain)
    total = csv_block(rows, "Theo lĩnh vực")["Tổng cộng"]
    assert total["Chờ trung bình (phút)"] == f"{rep['total']['waiting']['mean']:.1f}"

    wb = load_workbook(io.BytesIO(download(page, "#xlsx")))
    assert wb.sheetnames == ["Theo lĩnh vực", "Theo quầy", "Theo giờ", "Theo ngày"]
    days = wb["Theo ngày"]
    dated = [r for r in days.iter_rows() if isinstance(r[0].value, datetime)]
    assert [r[0].value.date() for r in dated] == [first.replace(day=3), first.replace(day=4)]
    assert dated[0][0].number_format == "dd/mm/yyyy"
    assert not errors, errors
    ctx.close()


def test_monthly_summary_prints_on_one_a4_page(browser, centre: ServerProcess) -> None:
    first, last = last_month()
    rep = report_json(centre, first, last)
    ctx, page, errors = admin_page(browser, centre, viewport={"width": 1366, "height": 900})
    page.goto(f"{centre.url}/admin/report?from={first}&to={last}")
    page.click("#month")
    page.wait_for_selector("#month")
    doc = page.inner_text("article#month")
    config = load_config(centre.config)
    for words in (
        config.centre.authority,
        config.centre.name.upper(),
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        f"THÁNG {first.month:02d}/{first.year}",
        "90% công dân chờ không quá",
        "Tỷ lệ hài lòng",
        "NGƯỜI LẬP BIỂU",
        "GIÁM ĐỐC",
    ):
        assert words in doc, words
    fig = page.locator('[data-figure="issued"] b')
    assert fig.inner_text() == numbers.number(rep["total"]["issued"])
    assert len(page.locator("#month-fields tbody tr").all()) == len(FIELDS) + 1
    assert len(page.locator("#month-counters tbody tr").all()) == COUNTERS
    from playwright.sync_api import expect

    page.emulate_media(media="print")
    expect(page.locator(".no-print").first).to_be_hidden()
    # The print view at the width of A4 inside the page's margins (210 − 30 mm, 96 px an
    # inch), which is what the printed page lays out.
    page.set_viewport_size({"width": round((210 - 30) / 25.4 * 96), "height": 1000})
    shot(page, "report-month-print.png")
    pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    (ARTIFACTS / "report-month.pdf").write_bytes(pdf)
    assert pdf_pages(pdf) == 1
    assert not errors, errors
    ctx.close()
