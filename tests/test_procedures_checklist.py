"""The checklist renderer: one pure function for the phone page and the printed list."""

from __future__ import annotations

from sothutu.procedures.checklist import Block, checklist, checklist_lines, counts
from sothutu.procedures.model import Document, Procedure
from tests.perf.procedures import sample


def test_counts_read_naturally() -> None:
    assert counts(Document("x", 1, 0)) == "1 bản chính"
    assert counts(Document("x", 0, 2)) == "2 bản sao"
    assert counts(Document("x", 1, 1)) == "1 bản chính, 1 bản sao"


def test_blocks_of_a_procedure() -> None:
    khai_sinh = next(p for p in sample() if p.code == "1.001193")
    blocks = checklist(khai_sinh, "Hộ tịch")
    assert blocks[:4] == [
        Block("title", "Đăng ký khai sinh"),
        Block("meta", "Mã thủ tục: 1.001193"),
        Block("meta", "Lĩnh vực: Hộ tịch"),
        Block("heading", "GIẤY TỜ CẦN MANG THEO"),
    ]
    assert blocks[4] == Block(
        "item", "Tờ khai đăng ký khai sinh", "1 bản chính; mẫu: Tờ khai đăng ký khai sinh"
    )
    headings = [b.text for b in blocks if b.kind == "heading"]
    assert headings == [
        "GIẤY TỜ CẦN MANG THEO",
        "THỜI HẠN GIẢI QUYẾT",
        "PHÍ, LỆ PHÍ",
        "ĐỐI TƯỢNG THỰC HIỆN",
    ]
    assert blocks[-1] == Block("note", "Khi đến nộp hồ sơ, lấy số thứ tự lĩnh vực Hộ tịch.")


def test_a_bare_procedure_still_says_something() -> None:
    blocks = checklist(Procedure(code="9.1", name="Hỏi đáp", service="huong-dan"))
    assert [b.kind for b in blocks] == ["title", "meta", "heading", "text"]
    assert "Quầy hướng dẫn" in blocks[-1].text


def test_plain_lines_for_a_printer() -> None:
    p = Procedure(
        code="9.2",
        name="Thủ tục thử",
        service="s",
        documents=(Document("Đơn", 1, 0, "Mẫu 01"), Document("CCCD", 0, 1)),
        fees="Miễn phí\nTrừ trường hợp quá hạn",
    )
    assert checklist_lines(p, "Thử") == [
        "Thủ tục thử",
        "Mã thủ tục: 9.2",
        "Lĩnh vực: Thử",
        "",
        "GIẤY TỜ CẦN MANG THEO",
        "☐ Đơn (1 bản chính; mẫu: Mẫu 01)",
        "☐ CCCD (1 bản sao)",
        "",
        "PHÍ, LỆ PHÍ",
        "Miễn phí",
        "Trừ trường hợp quá hạn",
        "Khi đến nộp hồ sơ, lấy số thứ tự lĩnh vực Thử.",
    ]
