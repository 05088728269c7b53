"""The Vietnamese number reader: the table of docs/vietnamese.md, then every rule for 0-9999."""

from __future__ import annotations

import itertools

import pytest

from sothutu.voice.numbers import read, words
from tests.support import ROOT

# The table of docs/vietnamese.md, verbatim (test_the_docs_table_is_this_table).
TABLE = [
    (0, "không"),
    (5, "năm"),
    (10, "mười"),
    (11, "mười một"),
    (14, "mười bốn"),
    (15, "mười lăm"),
    (20, "hai mươi"),
    (21, "hai mươi mốt"),
    (24, "hai mươi tư"),
    (25, "hai mươi lăm"),
    (100, "một trăm"),
    (101, "một trăm linh một"),
    (105, "một trăm linh năm"),
    (110, "một trăm mười"),
    (111, "một trăm mười một"),
    (115, "một trăm mười lăm"),
    (121, "một trăm hai mươi mốt"),
    (1000, "một nghìn"),
    (1005, "một nghìn không trăm linh năm"),
    (1014, "một nghìn không trăm mười bốn"),
    (1021, "một nghìn không trăm hai mươi mốt"),
]


def test_the_docs_table_is_this_table() -> None:
    """docs/vietnamese.md shows people exactly the numbers this test reads."""
    text = (ROOT / "docs" / "vietnamese.md").read_text(encoding="utf-8")
    section = text.split("## Reading numbers aloud", 1)[1].split("\n## ", 1)[0]
    rows = [
        tuple(cell.strip() for cell in line.strip("|").split("|"))
        for line in section.splitlines()
        if line.startswith("| ") and line[2].isdigit()
    ]
    assert [(int(n), w) for n, w in rows] == TABLE


MORE = [
    (1, "một"),
    (4, "bốn"),
    (9, "chín"),
    (19, "mười chín"),
    (31, "ba mươi mốt"),
    (44, "bốn mươi tư"),
    (55, "năm mươi lăm"),
    (99, "chín mươi chín"),
    (104, "một trăm linh bốn"),
    (200, "hai trăm"),
    (909, "chín trăm linh chín"),
    (1100, "một nghìn một trăm"),
    (2004, "hai nghìn không trăm linh bốn"),
    (2050, "hai nghìn không trăm năm mươi"),
    (9999, "chín nghìn chín trăm chín mươi chín"),
    (10005, "mười nghìn không trăm linh năm"),
    (21000, "hai mươi mốt nghìn"),
    (100000, "một trăm nghìn"),
    (999999, "chín trăm chín mươi chín nghìn chín trăm chín mươi chín"),
]

SOUTH = [
    (101, "một trăm lẻ một"),
    (1000, "một ngàn"),
    (1005, "một ngàn không trăm lẻ năm"),
    (2021, "hai ngàn không trăm hai mươi mốt"),
]


@pytest.mark.parametrize(("n", "text"), TABLE + MORE)
def test_northern_reading(n: int, text: str) -> None:
    assert read(n) == text


@pytest.mark.parametrize(("n", "text"), SOUTH)
def test_southern_reading(n: int, text: str) -> None:
    assert read(n, "south") == text


@pytest.mark.parametrize("bad", [-1, 1_000_000, 1.5, "12", True, None])
def test_refuses_what_it_cannot_read(bad) -> None:
    with pytest.raises(ValueError):
        words(bad)


def test_unknown_dialect_is_refused() -> None:
    with pytest.raises(ValueError, match="dialect"):
        words(5, "central")


# --- every number 0-9999, rule by rule ---------------------------------------------------

ALL = range(10000)
DIGIT = {
    "không": 0,
    "một": 1,
    "hai": 2,
    "ba": 3,
    "bốn": 4,
    "năm": 5,
    "sáu": 6,
    "bảy": 7,
    "tám": 8,
    "chín": 9,
}


def parse(ws: list[str]) -> int:
    """An independent reader of the words back into a number (strict about order)."""
    total, group, pending = 0, 0, None
    for i, w in enumerate(ws):
        if w in DIGIT:
            assert pending is None, ws
            pending = DIGIT[w]
        elif w in ("mốt", "tư", "lăm"):
            assert pending is None and ws[i - 1] in ("mươi", "mười"), ws
            pending = {"mốt": 1, "tư": 4, "lăm": 5}[w]
        elif w == "trăm":
            assert pending is not None, ws
            group += pending * 100
            pending = None
        elif w == "mười":
            assert pending is None, ws
            group += 10
        elif w == "mươi":
            assert pending is not None and pending >= 2, ws
            group += pending * 10
            pending = None
        elif w in ("linh", "lẻ"):
            assert ws[i - 1] == "trăm" and ws[i + 1] in DIGIT, ws
        elif w in ("nghìn", "ngàn"):
            total += (group + (pending or 0)) * 1000
            group, pending = 0, None
        else:
            raise AssertionError(f"unknown word {w!r} in {ws}")
    return total + group + (pending or 0)


def digits(n: int) -> tuple[int, int, int, int]:
    return n // 1000, n // 100 % 10, n // 10 % 10, n % 10


def test_every_number_reads_back_to_itself() -> None:
    for n in ALL:
        assert parse(words(n)) == n, (n, words(n))
        assert parse(words(n, "south")) == n, (n, words(n, "south"))


def test_muoi_for_ten_to_nineteen_and_muoi_level_from_twenty() -> None:
    for n in ALL:
        _, _, t, _ = digits(n)
        ws = words(n)
        assert ("mười" in ws) == (t == 1), (n, ws)
        assert ("mươi" in ws) == (t >= 2), (n, ws)


def test_one_after_muoi_is_mot_with_acute() -> None:
    for n in ALL:
        _, _, t, u = digits(n)
        ws = words(n)
        assert ("mốt" in ws) == (t >= 2 and u == 1), (n, ws)
        if u == 1 and n != 1:
            assert ws[-1] == ("mốt" if t >= 2 else "một"), (n, ws)  # 11 mười một, 101 linh một


def test_five_after_a_ten_is_lam() -> None:
    for n in ALL:
        _, _, t, u = digits(n)
        ws = words(n)
        assert ("lăm" in ws) == (t >= 1 and u == 5), (n, ws)
        if u == 5:
            assert ws[-1] == ("lăm" if t >= 1 else "năm"), (n, ws)  # 105 linh năm


def test_four_after_muoi_is_tu() -> None:
    for n in ALL:
        _, _, t, u = digits(n)
        ws = words(n)
        assert ("tư" in ws) == (t >= 2 and u == 4), (n, ws)
        if u == 4 and t < 2:
            assert ws[-1] == "bốn", (n, ws)  # 14 mười bốn, 104 linh bốn


def test_linh_for_a_zero_ten_before_a_unit_inside_a_hundred() -> None:
    for n in ALL:
        _, _, t, u = digits(n)
        ws = words(n)
        assert ("linh" in ws) == (n >= 100 and t == 0 and u != 0), (n, ws)
        assert ws.count("linh") <= 1


def test_khong_tram_for_a_zero_hundred_inside_a_thousand() -> None:
    for n in ALL:
        th, h, _, _ = digits(n)
        ws = words(n)
        pairs = list(itertools.pairwise(ws))
        has = ("không", "trăm") in pairs
        assert has == (th > 0 and h == 0 and n % 100 != 0), (n, ws)


def test_khong_only_for_zero_or_a_zero_hundred() -> None:
    for n in ALL:
        ws = words(n)
        if n == 0:
            assert ws == ["không"]
            continue
        for i, w in enumerate(ws):
            if w == "không":
                assert ws[i + 1] == "trăm", (n, ws)


def test_nghin_once_for_thousands_and_nothing_after_round_thousands() -> None:
    for n in ALL:
        ws = words(n)
        assert ws.count("nghìn") == (1 if n >= 1000 else 0), (n, ws)
        if n >= 1000 and n % 1000 == 0:
            assert ws[-1] == "nghìn"


def test_leading_zeros_are_never_read() -> None:
    for n in range(1, 1000):
        assert words(n)[0] != "không", n


def test_southern_speech_says_le_and_ngan_and_nothing_else_differs() -> None:
    swap = {"linh": "lẻ", "nghìn": "ngàn"}
    for n in ALL:
        assert words(n, "south") == [swap.get(w, w) for w in words(n)], n
