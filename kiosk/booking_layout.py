"""Where things go on the "Đã đặt lịch" screen, as plain rectangles.

The same frame as the look-up's keyboard screen (``kiosk.lookup_layout.search_boxes``):
a bar ("Quay lại", the code typed so far, "Lấy số"), a strip that says what to do
(scan the QR code, or type the code), and three rows of keys, each as tall as a
finger needs (15 mm on a 7" panel). The keys are the 20 characters a booking code
is made of (``sothutu.booking.ALPHABET``: no look-alikes), nine to a row, and
backspace and clear.
"""

from __future__ import annotations

from kiosk import words
from kiosk.geometry import ButtonBox, Rect
from kiosk.lookup_layout import SearchBoxes, key_boxes, search_boxes
from kiosk.state import KioskState
from sothutu.booking import ALPHABET, CODE_LENGTH

#: The code's keys: (key, width in units), nine units a row like the abc keyboard.
KEYS: tuple[tuple[tuple[str, float], ...], ...] = (
    tuple((c, 1.0) for c in ALPHABET[:9]),
    tuple((c, 1.0) for c in ALPHABET[9:18]),
    (
        *((c, 1.0) for c in ALPHABET[18:]),
        ("", 0.5),
        ("backspace", 3.5),
        ("clear", 3.0),
    ),
)


def boxes(size: tuple[int, int]) -> SearchBoxes:
    return search_boxes(size, "abc")  # three rows of keys, like the abc keyboard


def prompt_area(size: tuple[int, int]) -> Rect:
    return boxes(size).strip


def code_area(size: tuple[int, int]) -> Rect:
    return boxes(size).query


def buttons(state: KioskState, size: tuple[int, int]) -> list[ButtonBox]:
    """Every tappable box: back, "Lấy số" (greyed until six characters), the keys."""
    b = boxes(size)
    ready = len(state.code) == CODE_LENGTH
    out = [
        ButtonBox(("back",), b.back, words.BACK, style="back"),
        ButtonBox(("go",), b.results, words.BOOKING_GO, style="key_go", enabled=ready),
    ]
    return out + key_boxes(KEYS, b.keyboard, b.key_gap)
