"""Fit text into a box: shrink, wrap at spaces, and say when it still overflows.

Used by the screen (pygame fonts) and the ticket (Pillow fonts) alike: the
caller passes ``measure(text, size) -> (width, line_height)`` for its font.
Nothing is ever cut off silently: a text that does not fit at the smallest
size comes back with ``overflow`` set, and the callers collect those so tests
fail on them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Measure = Callable[[str, int], tuple[int, int]]


@dataclass(frozen=True)
class Fit:
    """Lines of ``text`` at font ``size``; ``width``/``height`` of the block."""

    text: str
    lines: tuple[str, ...]
    size: int
    line_height: int
    width: int
    height: int
    overflow: bool


#: A phrase holding a lone slash stays on one line: "Hướng dẫn / Khác" never breaks
#: (up to ``SLASH_WORDS`` words on each side of the slash, within the phrase).
GLUE = frozenset({"/"})
SLASH_WORDS = 2
#: A line would rather end after these than inside the phrase they close:
#: "Lao động –" / "Thương binh –" / "Xã hội", not "Lao động – Thương" / "binh – Xã hội".
PHRASE_ENDS = ("–", "—")


def _units(paragraph: str) -> list[str]:
    """The words of ``paragraph`` as unbreakable units: a dash glued to the word before
    it (a line never starts with one), and a phrase holding a slash ("Hướng dẫn /
    Khác": two names for one thing) kept whole: two words on each side, not past a
    dash, comma, semicolon or colon."""
    units: list[str] = []
    for word in paragraph.split():
        if units and word in PHRASE_ENDS:
            units[-1] += " " + word
        else:
            units.append(word)
    out: list[str] = []
    i = 0
    while i < len(units):
        if units[i] not in GLUE:
            out.append(units[i])
            i += 1
            continue
        start = len(out)  # back to the start of the phrase, two words at most
        while (
            start > len(out) - SLASH_WORDS
            and start > 0
            and not out[start - 1].endswith((*PHRASE_ENDS, ",", ";", ":"))
        ):
            start -= 1
        end = i + 1  # on to its end, two words at most
        while end < min(len(units), i + 1 + SLASH_WORDS) and not units[end - 1].endswith(
            (*PHRASE_ENDS, ",", ";", ":")
        ):
            end += 1
        out[start:] = [" ".join([*out[start:], *units[i:end]])]
        i = end
    return out


def wrap(text: str, measure: Measure, size: int, max_width: int) -> list[str]:
    """Word wrap at spaces (greedy, never inside a phrase with a slash nor before a
    dash, rather after a dash that ends a phrase when that keeps a third of the line);
    a word (or unbreakable phrase) wider than the box stays on its own line."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line: list[str] = []
        for unit in _units(paragraph):
            candidate = " ".join([*line, unit])
            if line and measure(candidate, size)[0] > max_width:
                cut = len(line)
                for i in range(len(line), 0, -1):
                    if line[i - 1].endswith(PHRASE_ENDS):
                        if measure(" ".join(line[:i]), size)[0] * 3 >= max_width:
                            cut = i
                        break
                lines.append(" ".join(line[:cut]))
                line = [*line[cut:], unit]
                if len(line) > 1 and measure(" ".join(line), size)[0] > max_width:
                    lines.append(" ".join(line[:-1]))  # the carried words and the new one
                    line = [unit]
            else:
                line.append(unit)
        lines.append(" ".join(line))
    return lines


def _layout(
    text: str, measure: Measure, size: int, box_w: int, max_lines: int, spacing: float
) -> tuple[list[str], int, int, int]:
    lines = wrap(text, measure, size, box_w) if max_lines > 1 else [" ".join(text.split())]
    widths = [measure(line, size)[0] for line in lines]
    line_h = measure(text or " ", size)[1]
    height = line_h + round(line_h * spacing) * (len(lines) - 1)
    return lines, max(widths, default=0), line_h, height


def fit(
    text: str,
    measure: Measure,
    box_w: int,
    box_h: int,
    *,
    max_size: int,
    min_size: int,
    max_lines: int = 1,
    spacing: float = 1.1,
) -> Fit:
    """The largest size (``min_size``..``max_size``) at which ``text`` fits the box
    in at most ``max_lines`` lines. Overflow is reported, never hidden."""
    max_size = max(max_size, 1)
    min_size = max(1, min(min_size, max_size))

    def attempt(size: int) -> tuple[bool, Fit]:
        lines, width, line_h, height = _layout(text, measure, size, box_w, max_lines, spacing)
        ok = width <= box_w and height <= box_h and len(lines) <= max_lines
        return ok, Fit(text, tuple(lines), size, round(line_h * spacing), width, height, not ok)

    ok, best = attempt(max_size)
    if ok:
        return best
    lo, hi = min_size, max_size - 1  # binary search for the largest size that fits
    ok, smallest = attempt(lo)
    if not ok:
        return smallest
    best = smallest
    while lo < hi:
        mid = (lo + hi + 1) // 2
        ok, candidate = attempt(mid)
        if ok:
            lo, best = mid, candidate
        else:
            hi = mid - 1
    return best


def fit_one_line_first(
    text: str,
    measure: Measure,
    box_w: int,
    box_h: int,
    *,
    max_size: int,
    min_size: int,
    wrap_size: int | None = None,
    max_lines: int = 2,
    spacing: float = 1.1,
) -> Fit:
    """Prefer one line shrunk down to ``wrap_size``; only below that wrap the text."""
    one = fit(text, measure, box_w, box_h, max_size=max_size, min_size=wrap_size or min_size)
    if not one.overflow or max_lines == 1:
        return one
    return fit(
        text,
        measure,
        box_w,
        box_h,
        max_size=max_size,
        min_size=min_size,
        max_lines=max_lines,
        spacing=spacing,
    )


@dataclass(frozen=True)
class Overflow:
    """A text that did not fit its box (tests fail on any)."""

    where: str
    text: str
    box: tuple[int, int]
    size: int

    def __str__(self) -> str:
        return (
            f"{self.where}: {self.text!r} does not fit {self.box[0]}x{self.box[1]} at {self.size}"
        )
