"""The ticket image, the text fitting behind it, and the ESC/POS job built from it."""

from __future__ import annotations

import unicodedata

import pytest
from PIL import Image

from kiosk import ticket as tk
from kiosk import words
from kiosk.printer import build_job, profile_info
from kiosk.textfit import fit, wrap
from kiosk.ticket import Header, issued_text, status_url, ticket_image
from tests.kiosk_support import ocr, raster_image, same_pixels
from tests.support import ARTIFACTS

HEADER = Header(
    authority="UBND XÃ CÙ LAO DUNG",
    centre="Trung tâm Phục vụ hành chính công xã Cù Lao Dung",
    phone_url="http://192.168.1.10:8080/",
)
TICKET = {
    "id": 123,
    "code": "A015",
    "service": "ho-tich",
    "service_name": "Hộ tịch",
    "priority": True,
    "status": "waiting",
    "issued_at": "2026-11-24T08:42:10+07:00",
    "waiting_ahead": 4,
    "estimated_wait_minutes": 12,
}


def mono(text: str, size: int) -> tuple[int, int]:
    """A fake monospace font: every character ``size`` wide."""
    return len(text) * size, size


def test_fit_shrinks_then_wraps_then_reports_overflow() -> None:
    f = fit("abcd", mono, 40, 20, max_size=20, min_size=5)
    assert f.size == 10 and f.lines == ("abcd",) and not f.overflow
    f = fit("ab cd", mono, 40, 100, max_size=20, min_size=5, max_lines=2)
    assert f.lines == ("ab", "cd") and f.size == 20 and not f.overflow
    f = fit("abcdefghij", mono, 40, 100, max_size=20, min_size=8)
    assert f.overflow and f.size == 8


def test_wrap_keeps_every_word() -> None:
    text = "Lao động – Thương binh – Xã hội"
    lines = wrap(text, mono, 1, 12)
    assert " ".join(lines) == text and all(len(line) <= 12 for line in lines)


def test_status_url_and_issued_time() -> None:
    assert status_url(HEADER.phone_url, 123) == "http://192.168.1.10:8080/t/123"
    assert issued_text("2026-11-24T01:42:10+00:00", "Asia/Ho_Chi_Minh") == (
        "Lấy số lúc: 08:42 — 24/11/2026"
    )


@pytest.mark.parametrize("width", [384, 512, 576])
def test_ticket_is_one_bit_at_the_printer_width_without_overflow(width: int) -> None:
    long = dict(TICKET, service_name="Đăng ký kinh doanh hộ cá thể và Lao động – Thương binh")
    for ticket in (TICKET, long):
        rendered = ticket_image(ticket, HEADER, width)
        assert rendered.image.mode == "1" and rendered.image.width == width
        assert rendered.overflows == ()
        # thresholded, not dithered: only pure black and white, and a real amount of ink
        colours = dict((c, n) for n, c in rendered.image.convert("L").getcolors())
        assert set(colours) <= {0, 255}
        assert 0.04 < colours[0] / (width * rendered.image.height) < 0.5
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    rendered.image.save(ARTIFACTS / f"kiosk-ticket-{width}.png")


def test_an_unfittable_word_is_reported_not_cut() -> None:
    rendered = ticket_image(dict(TICKET, service_name="X" * 80), HEADER, 384)
    assert rendered.overflows and "XXXX" in rendered.overflows[0].text


def test_priority_line_only_on_priority_tickets() -> None:
    with_p = ticket_image(TICKET, HEADER, 576).image
    without = ticket_image(dict(TICKET, priority=False), HEADER, 576).image
    assert with_p.height > without.height


def test_job_carries_the_image_as_gs_v_0_raster_and_cuts() -> None:
    image = ticket_image(TICKET, HEADER, 576).image
    job = build_job(image, "TM-T20II")
    assert job.startswith(b"\x1b@")  # ESC @: initialise
    decoded = raster_image(job)
    assert decoded is not None and same_pixels(decoded, image)
    assert job.endswith(b"\x1bd\x06\x1dV\x00")  # feed past the cutter, then GS V 0: full cut


def test_job_without_cutter_feeds_instead() -> None:
    assert profile_info("POS-5890") == (384, False)
    image = ticket_image(TICKET, HEADER, 384).image
    job = build_job(image, "POS-5890")
    assert b"\x1dV" not in job[-8:] and job.endswith(b"\x1bd\x06")
    assert same_pixels(raster_image(job), image)


def test_unknown_profile() -> None:
    with pytest.raises(ValueError, match="unknown python-escpos printer profile"):
        profile_info("NO-SUCH-PRINTER")


def test_test_ticket_has_every_vietnamese_letter() -> None:
    rendered = tk.test_ticket(HEADER, 576)
    assert rendered.overflows == ()
    letters = "".join(words.TEST_LETTERS)
    for ch in "ăâđêôơưĂÂĐÊÔƠƯ":
        assert ch in letters
    for base in "aăâeêioôơuưy":
        for tone in "\u0300\u0301\u0309\u0303\u0323":
            assert unicodedata.normalize("NFC", base + tone) in letters


def _ocr(image: Image.Image, tmp_path) -> str:
    path = tmp_path / "ticket.png"
    image.save(path)
    return ocr(path)


@pytest.mark.debian
def test_ocr_reads_the_vietnamese_back(tmp_path) -> None:
    """The raster the printer receives, decoded and read by tesseract (vie)."""
    decoded = raster_image(build_job(ticket_image(TICKET, HEADER, 576).image, "TM-T20II"))
    text = _ocr(decoded, tmp_path)
    # DejaVu's zero and capital O differ little; the code's digits are what matter.
    text = text.replace("AO15", "A015")
    for expected in (
        "SỐ THỨ TỰ",
        "A015",
        "Lĩnh vực: Hộ tịch",
        "ƯU TIÊN",
        "đang chờ phía trước: 4",
        "khoảng 12 phút",
        "08:42",
        "24/11/2026",
        "Số thứ tự chỉ có giá trị trong ngày",
    ):
        assert expected in text, f"{expected!r} not read back in:\n{text}"


@pytest.mark.debian
def test_the_first_in_line_reads_soon_not_zero_minutes(tmp_path) -> None:
    """Nobody ahead: "Sắp đến lượt" instead of "khoảng 0 phút" (read back by OCR);
    a zero or negative estimate never prints as minutes."""
    first = dict(TICKET, waiting_ahead=0, estimated_wait_minutes=0)
    blocks = [b.text for b in tk.ticket_blocks(first, HEADER) if isinstance(b, tk.Text)]
    assert words.TICKET_SOON in blocks and not any("phút" in b for b in blocks)
    odd = dict(TICKET, waiting_ahead=3, estimated_wait_minutes=-2)
    odd_blocks = [b.text for b in tk.ticket_blocks(odd, HEADER) if isinstance(b, tk.Text)]
    assert words.TICKET_SOON in odd_blocks and not any("phút" in b for b in odd_blocks)
    image = ticket_image(first, HEADER, 576).image
    image.save(ARTIFACTS / "kiosk-ticket-first-in-line.png")
    text = _ocr(raster_image(build_job(image, "TM-T20II")), tmp_path)
    assert "Sắp đến lượt" in text and "0 phút" not in text, text
