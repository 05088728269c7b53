"""Vietnamese text folded for matching: no tones or marks, đ → d, y → i.

"Đăng KÝ khai sinh", "dang ky khai sinh" and "dang ki khai sinh" all fold to
``"dang ki khai sinh"``. The i/y merge follows how people spell (kí/ký, lí/lý,
qui/quy); it costs nothing in a catalogue of procedures.
"""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")
# đ has no Unicode decomposition; ð (Icelandic eth) is what some keyboards send for it.
_LETTERS = str.maketrans({"đ": "d", "ð": "d", "y": "i"})


def fold(text: str) -> str:
    """Lower case, marks removed, đ → d, y → i, anything but letters and digits → one space."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", bare.translate(_LETTERS)).strip()


def words(text: str) -> list[str]:
    """The folded words of a text."""
    folded = fold(text)
    return folded.split() if folded else []


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
