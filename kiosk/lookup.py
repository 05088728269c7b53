"""The procedure look-up's data on the kiosk, as plain values (no pygame, no network).

``Lookup`` is what the look-up screens show: the typed query or the browsed
field, the results the server answered, the procedure on the detail screen, its
scroll offset and the state of a checklist being printed. ``kiosk.state`` owns
the screen changes; this module holds the pieces they are made of and the
on-screen keyboard's rules.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_QUERY = 60  # characters: a name's first words are plenty; the API allows 200
DEBOUNCE = 0.3  # seconds after the last key before the search is sent

#: The on-screen keyboards, top to bottom: (key, width in units of a row; "" is a
#: gap). Letters only: the search ignores tone marks, so "lam giay khai sinh" is
#: enough. "abc" has the 22 letters of the Vietnamese alphabet without marks, in the
#: order taught at school (a b c d e g h i k l m n o p q r s t u v x y: no f, j, w,
#: z), nine units a row so each key is over 15 mm on a 7" screen; "qwerty" has the
#: 26 of a computer, ten a row. "Xem N kết quả" is beside the query, not a key.
KEYBOARDS: dict[str, tuple[tuple[tuple[str, float], ...], ...]] = {
    "abc": (
        tuple((c, 1.0) for c in "abcdeghik"),
        tuple((c, 1.0) for c in "lmnopqrst"),
        (*((c, 1.0) for c in "uvxy"), ("space", 2.0), ("backspace", 1.0), ("clear", 2.0)),
    ),
    "qwerty": (
        tuple((c, 1.0) for c in "qwertyuiop"),
        (("", 0.5), *((c, 1.0) for c in "asdfghjkl"), ("", 0.5)),
        (*((c, 1.0) for c in "zxcvbnm"), ("backspace", 3.0)),
        (("clear", 3.0), ("space", 7.0)),
    ),
}
LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")

# What the detail's checklist print is doing.
IDLE, PRINTING, PRINTED, FAULT = "", "printing", "printed", "fault"


@dataclass(frozen=True)
class Hit:
    """One procedure in a result list."""

    code: str
    name: str
    service: str
    service_name: str = ""

    @classmethod
    def of(cls, d: Mapping[str, Any]) -> Hit:
        return cls(
            code=str(d["code"]),
            name=nfc(str(d["name"])),
            service=str(d.get("service", "")),
            service_name=nfc(str(d.get("service_name", ""))),
        )


@dataclass(frozen=True)
class Catalogue:
    """What the server said about its catalogue: procedures per field, in total,
    and whether it is the shipped sample (then the screens say "Dữ liệu mẫu")."""

    counts: tuple[tuple[str, int], ...] = ()
    total: int = 0
    sample: bool = False

    @classmethod
    def of(cls, answer: Mapping[str, Any]) -> Catalogue:
        """From a GET /api/v1/procedures answer."""
        counts = tuple(
            (str(s["id"]), int(s.get("procedures", 0)))
            for s in answer.get("services", [])
            if isinstance(s, Mapping) and "id" in s
        )
        info = answer.get("catalogue") or {}
        total = int(info.get("count", sum(n for _, n in counts)))
        return cls(counts, total, bool(info.get("sample", False)))

    def count(self, service: str) -> int:
        return dict(self.counts).get(service, 0)


@dataclass(frozen=True)
class Lookup:
    """The look-up screens' data. ``seq`` numbers searches so that a late answer
    to an older query never replaces a newer one; ``due`` is when the debounced
    search goes out; ``list_scroll`` (results) and ``scroll`` (detail) are in pixels,
    clamped to the content's height that the app measures."""

    query: str = ""
    service: str = ""  # the field being browsed; "" for a typed search
    hits: tuple[Hit, ...] = ()
    total: int = 0
    answered: tuple[str, str] | None = None  # (query, service) that ``hits`` answer
    seq: int = 0
    due: float | None = None
    came_from: str = ""  # the screen the detail returns to
    code: str = ""  # the procedure of the detail screen
    procedure: Mapping[str, Any] | None = None  # its API JSON once loaded
    list_scroll: int = 0
    scroll: int = 0
    printing: str = IDLE
    printing_since: float = 0.0

    @property
    def searching(self) -> bool:
        """A search is pending or on its way."""
        return self.due is not None or self.answered != (self.query.strip(), self.service)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def typed(query: str, key: str) -> str:
    """The query after a key of the on-screen keyboard (letters, space, backspace, clear)."""
    if key == "backspace":
        return query[:-1]
    if key == "clear":
        return ""
    if key == "space":
        fits = query and not query.endswith(" ") and len(query) < MAX_QUERY
        return query + " " if fits else query
    if key in LETTERS and len(query) < MAX_QUERY:
        return query + key
    return query


def clamp(value: int, limit: int) -> int:
    return max(0, min(value, max(0, limit)))
