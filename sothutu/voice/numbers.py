"""Reading numbers aloud in Vietnamese (pure; the table and rules are in docs/vietnamese.md).

``words(1014)`` → ``["một", "nghìn", "không", "trăm", "mười", "bốn"]``. Northern
speech by default ("linh", "nghìn"); ``dialect="south"`` says "lẻ" and "ngàn".
Numbers 0 to 999 999 (a ticket code has at most six digits).
"""

from __future__ import annotations

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
DIALECTS = ("north", "south")
MAX = 999_999

_ZERO_TEN = {"north": "linh", "south": "lẻ"}
_THOUSAND = {"north": "nghìn", "south": "ngàn"}


def _hundreds(n: int, full: bool, dialect: str) -> list[str]:
    """0 < n < 1000. ``full`` reads a zero hundred ("không trăm"), as inside a thousand."""
    h, t, u = n // 100, n // 10 % 10, n % 10
    out: list[str] = []
    if h or full:
        out += [DIGITS[h], "trăm"]
    if t == 0:
        if u:
            if out:
                out.append(_ZERO_TEN[dialect])  # 105: một trăm linh năm
            out.append(DIGITS[u])
    elif t == 1:
        out.append("mười")  # 10-19 say "mười"
        if u:
            out.append("lăm" if u == 5 else DIGITS[u])  # 11 mười một, 15 mười lăm
    else:
        out += [DIGITS[t], "mươi"]  # from 20 on: "mươi"
        if u:
            out.append({1: "mốt", 4: "tư", 5: "lăm"}.get(u, DIGITS[u]))
    return out


def words(n: int, dialect: str = "north") -> list[str]:
    """The words of ``n`` (0 ≤ n ≤ 999 999), one syllable each."""
    if dialect not in DIALECTS:
        raise ValueError(f"dialect must be one of {DIALECTS}, got {dialect!r}")
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX:
        raise ValueError(f"can only read whole numbers 0 to {MAX}, got {n!r}")
    if n == 0:
        return [DIGITS[0]]
    thousands, rest = divmod(n, 1000)
    out: list[str] = []
    if thousands:
        out += [*_hundreds(thousands, False, dialect), _THOUSAND[dialect]]
    if rest:
        out += _hundreds(rest, bool(thousands), dialect)
    return out


def read(n: int, dialect: str = "north") -> str:
    """``read(21)`` → ``"hai mươi mốt"``."""
    return " ".join(words(n, dialect))
