"""The words of an announcement and the voice-pack clips that say them (pure).

One module for the pygame display and the browser display (the server sends
the browser its sentences and clips): given a ticket code and a counter,
``announcement()`` returns the sentence as text and the ordered clips (with the
silence after each) that the voice pack joins.
Imports nothing but the standard library and ``sothutu.voice.numbers``.

Clip names are ASCII file stems of the voice pack (``den-quay`` →
``den-quay.wav``); ``CLIPS`` maps each to the words it says, for the pack
generator, the manifest and a centre recording its own voice.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sothutu.voice import numbers

CHIME = "chime"

#: Phrases: clip name → words.
PHRASES: dict[str, str] = {
    "moi-cong-dan": "Mời công dân có số thứ tự",
    "moi-lan-thu": "Mời lần thứ",  # then the call's ordinal: hai, ba, tư, năm, ...
    "cong-dan": "công dân có số thứ tự",
    "den-quay": "đến quầy số",
}

#: Number words: word → clip name (digits by value, the rest by role).
NUMBER_CLIPS: dict[str, str] = {
    **{w: f"so-{i}" for i, w in enumerate(numbers.DIGITS)},
    "mười": "so-10",
    "mươi": "so-muoi",
    "mốt": "so-mot",
    "tư": "so-tu",
    "lăm": "so-lam",
    "trăm": "so-tram",
    "linh": "so-linh",
    "lẻ": "so-le",
    "nghìn": "so-nghin",
    "ngàn": "so-ngan",
}

#: Letters of a code's prefix and how they are read: the Vietnamese names
#: (A "a", B "bê", C "xê", D "dê", Đ "đê", ...; F, J, W, Z by their usual loan names).
LETTER_NAMES: dict[str, str] = {
    "A": "a",
    "B": "bê",
    "C": "xê",
    "D": "dê",
    "Đ": "đê",
    "E": "e",
    "F": "ép",
    "G": "giê",
    "H": "hát",
    "I": "i",
    "J": "gi",
    "K": "ca",
    "L": "e lờ",
    "M": "em mờ",
    "N": "en nờ",
    "O": "o",
    "P": "pê",
    "Q": "quy",
    "R": "e rờ",
    "S": "ét xì",
    "T": "tê",
    "U": "u",
    "V": "vê",
    "W": "vê kép",
    "X": "ích xì",
    "Y": "i dài",
    "Z": "dét",
}


def ordinal_words(n: int, dialect: str = "north") -> list[str]:
    """The words after "thứ" for the n-th call (n ≥ 2): 2 "hai", 3 "ba", 4 "tư" (never
    "thứ bốn"), 5 "năm", 10 "mười", 14 "mười bốn", 21 "hai mươi mốt"."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"a recall is the 2nd call or later, got {n!r}")
    return ["tư"] if n == 4 else numbers.words(n, dialect)


def letter_clip(letter: str) -> str:
    """``"A"`` → ``"chu-a"``; ``"Đ"`` → ``"chu-dd"``."""
    return "chu-dd" if letter == "Đ" else f"chu-{letter.lower()}"


#: Every clip of a voice pack: name → the words it says ("" for the chime).
CLIPS: dict[str, str] = {
    CHIME: "",
    **PHRASES,
    **{clip: word for word, clip in NUMBER_CLIPS.items()},
    **{letter_clip(k): v for k, v in LETTER_NAMES.items()},
}

# Silence after a clip, in milliseconds.
PAUSE_CHIME = 350
PAUSE_WORD = 40
PAUSE_PHRASE = 120
PAUSE_COMMA = 300
PAUSE_REPEAT = 900

_CODE = re.compile(r"([A-ZĐ]{0,3})(\d{1,6})")


def split_code(code: str) -> tuple[str, int]:
    """``"A015"`` → ``("A", 15)``; raises ValueError for anything else."""
    text = unicodedata.normalize("NFC", code.strip()).upper()
    m = _CODE.fullmatch(text)
    if not m:
        raise ValueError(f"not a ticket code like A015: {code!r}")
    return m[1], int(m[2])


def _letter_text(letter: str) -> str:
    name = LETTER_NAMES[letter]
    # A, E, I, O, U are read as themselves: write the capital, as in "số thứ tự A mười lăm".
    return letter if name == letter.lower() else name


@dataclass(frozen=True)
class Announcement:
    """What is said for one call: the text and the clips, in order."""

    code: str
    counter: int
    recall: bool
    sentence: str  # said once, e.g. "Mời công dân có số thứ tự A mười lăm, đến quầy số hai."
    text: str  # everything said (the sentence ``repeat`` times); "" when chime only
    clips: tuple[str, ...]  # clip names in order, the chime first when it plays
    pauses_ms: tuple[int, ...]  # silence after each clip, same length as clips
    calls: int = 1  # which call of the ticket this is: 2 and more are recalls

    def to_json(self) -> dict[str, Any]:
        """For the browser display: ``{"text", "sentence", "clips", "pauses_ms", ...}``."""
        return {
            "code": self.code,
            "counter": self.counter,
            "recall": self.recall,
            "calls": self.calls,
            "sentence": self.sentence,
            "text": self.text,
            "clips": list(self.clips),
            "pauses_ms": list(self.pauses_ms),
        }


def announcement(
    code: str,
    counter: int,
    *,
    recall: bool = False,
    calls: int | None = None,
    dialect: str = "north",
    repeat: int = 1,
    chime: bool = True,
    speech: bool = True,
) -> Announcement:
    """The announcement of ``code`` called to ``counter``.

    First call: "Mời công dân có số thứ tự A mười lăm, đến quầy số hai."
    Recall: "Mời lần thứ hai, công dân có số thứ tự A mười lăm, đến quầy số hai.";
    ``calls`` (the ticket's ``calls`` after the recall) says which: 3 "Mời lần thứ
    ba", 4 "Mời lần thứ tư" (a recall without it, or below 2, is the second).
    The prefix letters are read by name, the number without leading zeros.
    ``repeat`` (1 or 2) says the sentence that many times after one chime.
    """
    if repeat not in (1, 2):
        raise ValueError(f"repeat must be 1 or 2, got {repeat!r}")
    if isinstance(counter, bool) or not isinstance(counter, int) or counter < 0:
        raise ValueError(f"counter must be a whole number, got {counter!r}")
    letters, number = split_code(code)
    number_words = numbers.words(number, dialect)
    counter_words = numbers.words(counter, dialect)

    if calls is not None and (isinstance(calls, bool) or not isinstance(calls, int)):
        raise ValueError(f"calls must be a whole number, got {calls!r}")
    nth = max(2, calls or 2) if recall else 1

    # (clip, pause after) for one sentence.
    parts: list[tuple[str, int]] = []
    if recall:
        ordinal = ordinal_words(nth, dialect)
        parts.append(("moi-lan-thu", PAUSE_WORD))
        parts += [(NUMBER_CLIPS[w], PAUSE_WORD) for w in ordinal]
        parts[-1] = (parts[-1][0], PAUSE_COMMA)
        parts.append(("cong-dan", PAUSE_PHRASE))
        opening = f"{PHRASES['moi-lan-thu']} {' '.join(ordinal)}, {PHRASES['cong-dan']}"
    else:
        parts.append(("moi-cong-dan", PAUSE_PHRASE))
        opening = PHRASES["moi-cong-dan"]
    parts += [(letter_clip(c), PAUSE_WORD) for c in letters]
    parts += [(NUMBER_CLIPS[w], PAUSE_WORD) for w in number_words]
    parts[-1] = (parts[-1][0], PAUSE_COMMA)
    parts.append(("den-quay", PAUSE_PHRASE))
    parts += [(NUMBER_CLIPS[w], PAUSE_WORD) for w in counter_words]
    said = " ".join([*(_letter_text(c) for c in letters), *number_words])
    sentence = f"{opening} {said}, {PHRASES['den-quay']} {' '.join(counter_words)}."

    sequence: list[tuple[str, int]] = [(CHIME, PAUSE_CHIME)] if chime else []
    if speech:
        for i in range(repeat):
            sequence += parts
            sequence[-1] = (sequence[-1][0], PAUSE_REPEAT if i < repeat - 1 else 0)
    elif sequence:
        sequence[-1] = (CHIME, 0)
    return Announcement(
        code=unicodedata.normalize("NFC", code.strip()).upper(),
        counter=counter,
        recall=recall,
        sentence=sentence,
        text=" ".join([sentence] * repeat) if speech else "",
        clips=tuple(c for c, _ in sequence),
        pauses_ms=tuple(p for _, p in sequence),
        calls=nth,
    )
