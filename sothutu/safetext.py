"""Characters no text a person typed may hold: control characters and the
invisible marks that reverse the direction text is shown in.

A text-direction override (U+202A–U+202E) or isolate (U+2066–U+2069) makes a
name or message read differently on screen than it is stored ("Quầy 1" showing
as something else, a file name's end shown first); control characters break
lines, logs and printers. The API's text fields, the procedure catalogue and
the config's user-visible texts all refuse them through ``unsafe_char``.
"""

from __future__ import annotations

import unicodedata

#: Embeddings and overrides (LRE, RLE, PDF, LRO, RLO) and isolates (LRI, RLI, FSI, PDI).
DIRECTION_MARKS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))

#: Line breaks and tabs, allowed where a text may have several lines.
LINE_CHARS = frozenset("\n\r\t")


def unsafe_char(text: str, *, lines: bool = False) -> str | None:
    """What is wrong with ``text``, naming the first bad character (``U+202E, a
    text-direction override``), or None when it is fine. ``lines`` allows line
    breaks and tabs (multi-line texts)."""
    for ch in text:
        if ch in DIRECTION_MARKS:
            return f"U+{ord(ch):04X}, a text-direction override"
        if unicodedata.category(ch) == "Cc" and not (lines and ch in LINE_CHARS):
            return f"U+{ord(ch):04X}, a control character"
    return None
