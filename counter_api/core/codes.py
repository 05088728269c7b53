"""Ticket codes: prefix + zero-padded number, restarting each business day."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from counter_api.core.model import Conflict, Ticket


def format_code(prefix: str, number: int, width: int) -> str:
    """``("A", 15, 3)`` → ``"A015"``; a number wider than ``width`` is not cut."""
    return f"{prefix}{number:0{width}d}"


def next_number(start: int, last_number: int | None) -> int:
    """The number after today's last one, or ``start`` for the day's first ticket."""
    return start if last_number is None else last_number + 1


def check_daily_limit(daily_limit: int, issued_today: int, service_id: str) -> None:
    """Raise 409 ``daily_limit_reached`` when the service has issued its day's share."""
    if daily_limit and issued_today >= daily_limit:
        raise Conflict(
            "daily_limit_reached",
            f"service {service_id!r} has issued its {daily_limit} tickets for today",
        )


# --- codes as a clerk types them ----------------------------------------------------

_TYPED = re.compile(r"([A-ZĐ]*)(\d+)")


def normalize_typed(text: str) -> str:
    """What a clerk typed, as a code is written: NFC, capitals, no spaces (``"a 5"`` → ``"A5"``)."""
    return "".join(unicodedata.normalize("NFC", text).upper().split())


def split_typed(text: str) -> tuple[str, int] | None:
    """``"A5"``, ``"a005"`` → ``("A", 5)``; None when it is not letters then digits."""
    m = _TYPED.fullmatch(normalize_typed(text))
    if m is None or len(m[2]) > 9:
        return None
    return m[1], int(m[2])


def code_parts(code: str) -> tuple[str, int]:
    """A ticket's code split into its letters and its number: ``"A015"`` → ``("A", 15)``."""
    m = _TYPED.fullmatch(code)
    return (m[1], int(m[2])) if m else (code, -1)


def matching(typed: str, tickets: Iterable[Ticket]) -> list[Ticket]:
    """The tickets a typed code names: those whose code is exactly the typed text
    (capitals, no spaces) when there are any; otherwise those with the same letters
    and the same number, leading zeros left out (``"a5"`` names ``A005``)."""
    text = normalize_typed(typed)
    pool = list(tickets)
    exact = [t for t in pool if t.code == text]
    if exact:
        return exact
    parts = split_typed(text)
    if parts is None:
        return []
    return [t for t in pool if code_parts(t.code) == parts]


def _edits(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) from ``a`` to ``b``."""
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, rows[-2][j - 2] + 1)
            row.append(cost)
        rows.append(row)
    return rows[-1][-1]


#: How far a suggested code may be from the typed one (see ``distance``).
NEAR = 2


def distance(typed: str, code: str) -> int | None:
    """How far a ticket's code is from what a clerk typed, for suggestions; None when
    it is not near. 0: the same code (leading zeros and case aside); each edit of the
    number's digits (a digit added, left out, changed or two swapped: 5 / 15 / 51) or
    of the letters (B heard for D) adds 2; typed digits alone, with the letters left
    out, add 1. At most ``NEAR``: one slip."""
    parts = split_typed(typed)
    if parts is None:
        return None
    letters, number = parts
    have_letters, have_number = code_parts(code)
    if have_number < 0:
        return None
    digits = 2 * _edits(str(number), str(have_number))
    # letters left out cost less than a wrong one: "15" still finds A015
    spelled = 2 * _edits(letters, have_letters) if letters else int(bool(have_letters))
    total = digits + spelled
    return total if total <= NEAR else None


#: Suggestions list held dossiers and absent citizens before those still waiting.
_STATUS_RANK = {"held": 0, "no_show": 1, "waiting": 2}


def suggest(typed: str, tickets: Iterable[Ticket], limit: int = 8) -> list[Ticket]:
    """Tickets whose code is near what a clerk typed (``distance``), nearest first,
    then held, absent, waiting, then by issue time. With nothing typed: the held
    and absent ones, latest call first."""
    pool = [t for t in tickets if t.status.value in _STATUS_RANK]
    if not normalize_typed(typed):
        kept = [t for t in pool if t.status.value != "waiting"]
        kept.sort(key=lambda t: (t.called_at.timestamp() if t.called_at else 0, t.id), reverse=True)
        return kept[:limit]
    ranked = []
    for t in pool:
        d = distance(typed, t.code)
        if d is not None:
            ranked.append((d, _STATUS_RANK[t.status.value], t.issued_at, t.id, t))
    ranked.sort(key=lambda r: r[:4])
    return [r[-1] for r in ranked[:limit]]
