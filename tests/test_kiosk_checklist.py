"""The printed documents checklist (procedure → 1-bit image) and the ticket's procedure
line: every sample procedure fits every paper width, the ESC/POS raster decodes back
to the image, and tesseract (vie) reads the Vietnamese back."""

from __future__ import annotations

from datetime import date

import pytest
from PIL import Image

from kiosk.checklist import checklist_blocks, checklist_image, procedure_url
from kiosk.printer import build_job
from kiosk.ticket import Header, Item, Text, ticket_image
from tests.kiosk_lookup_support import BIRTH, by_code, longest, procedure_json, sample
from tests.kiosk_support import ocr, raster_image, same_pixels
from tests.support import ARTIFACTS

HEADER = Header(
    authority="UBND XÃ CÙ LAO DUNG",
    centre="Trung tâm Phục vụ hành chính công xã Cù Lao Dung",
    phone_url="http://192.168.1.10:8080/",
)
DAY = date(2026, 11, 24)


@pytest.mark.parametrize("width", [384, 512, 576])
def test_every_sample_checklist_fits_the_paper(width: int) -> None:
    for p in sample():
        rendered = checklist_image(procedure_json(p), HEADER, width, sample=True, today=DAY)
        assert rendered.overflows == (), p.code
        assert rendered.image.mode == "1" and rendered.image.width == width
        colours = dict((c, n) for n, c in rendered.image.convert("L").getcolors())
        assert set(colours) <= {0, 255}  # thresholded, not dithered
    out = ARTIFACTS / "kiosk"
    out.mkdir(parents=True, exist_ok=True)
    for p in (by_code(BIRTH), longest()):
        image = checklist_image(procedure_json(p), HEADER, width, sample=True, today=DAY).image
        image.save(out / f"checklist-{p.code}-{width}.png")


def test_the_checklist_holds_every_document_with_its_counts() -> None:
    p = by_code(BIRTH)
    blocks = checklist_blocks(procedure_json(p), HEADER, sample=False, today=DAY)
    items = [b for b in blocks if isinstance(b, Item)]
    assert [i.text for i in items] == [d.name for d in p.documents]
    assert all("bản chính" in i.detail or "bản sao" in i.detail for i in items)
    texts = [b.text for b in blocks if isinstance(b, Text)]
    assert "Đăng ký khai sinh" in texts and "In ngày 24/11/2026" in texts
    assert not any("DỮ LIỆU MẪU" in t for t in texts)
    marked = checklist_blocks(procedure_json(p), HEADER, sample=True)
    assert any("DỮ LIỆU MẪU" in b.text for b in marked if isinstance(b, Text))
    assert (
        procedure_url(HEADER.phone_url, "1.001193") == "http://192.168.1.10:8080/thu-tuc/1.001193"
    )
    assert procedure_url("http://h/", "a/b c") == "http://h/thu-tuc/a%2Fb%20c"


def test_a_long_checklist_grows_the_paper_and_survives_the_raster() -> None:
    """A tall checklist is sent as several GS v 0 blocks that stack back exactly."""
    p = longest()
    many = {**procedure_json(p), "documents": [d.to_json() for d in p.documents] * 15}
    image = checklist_image(many, HEADER, 576, today=DAY).image
    assert image.height > 4000  # beyond the renderer's first canvas
    job = build_job(image, "TM-T20II")
    assert job.count(b"\x1dv0") > 1
    assert same_pixels(raster_image(job), image)


def test_the_ticket_carries_the_procedure_name_wrapped_not_cut() -> None:
    p = longest()
    ticket = {
        "id": 5,
        "code": "C015",
        "service_name": "Đất đai",
        "procedure": {"code": p.code, "name": p.name},
        "issued_at": "2026-11-24T08:42:10+07:00",
    }
    for width in (384, 576):
        with_name = ticket_image(ticket, HEADER, width)
        without = ticket_image({**ticket, "procedure": None}, HEADER, width)
        assert with_name.overflows == ()
        assert with_name.image.height > without.image.height + 80  # several lines
    with_name.image.save(ARTIFACTS / "kiosk" / "ticket-procedure-576.png")


def _ocr(image: Image.Image, tmp_path, name: str) -> str:
    path = tmp_path / f"{name}.png"
    image.save(path)
    return ocr(path)


@pytest.mark.debian
def test_ocr_reads_the_printed_checklist_and_ticket_back(tmp_path) -> None:
    """The raster the printer receives, decoded and read by tesseract (vie)."""
    proc = procedure_json(by_code(BIRTH))
    job = build_job(checklist_image(proc, HEADER, 576, today=DAY).image, "TM-T20II")
    text = _ocr(raster_image(job), tmp_path, "checklist")
    for expected in (
        "HƯỚNG DẪN CHUẨN BỊ HỒ SƠ",
        "Đăng ký khai sinh",
        "GIẤY TỜ C",  # tesseract reads CẦN as CÂN now and then
        "MANG THEO",
        "Tờ khai đăng ký khai sinh",
        "1 bản chính",
        "THỜI HẠN GIẢI QUYẾT",
        "PHÍ, LỆ PHÍ",
    ):
        assert expected in text, f"{expected!r} not read back in:\n{text}"
    ticket = {
        "id": 5,
        "code": "A015",
        "service_name": "Hộ tịch",
        "procedure": {"code": BIRTH, "name": "Đăng ký khai sinh"},
    }
    job = build_job(ticket_image(ticket, HEADER, 576).image, "TM-T20II")
    text = _ocr(raster_image(job), tmp_path, "ticket")
    assert "Thủ tục: Đăng ký khai sinh" in text, text
