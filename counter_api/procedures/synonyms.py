"""Citizens' words for procedures: "sổ đỏ" is a Giấy chứng nhận quyền sử dụng đất.

The list is data: ``synonyms.txt`` beside this module ships with the project and a
province adds its own file with ``[procedures] synonyms`` (README, "Procedures").
Both are read the same way, in the format of Solr's synonym files:

    sổ đỏ, sổ hồng => giấy chứng nhận quyền sử dụng đất     (one way)
    căn cước, cccd, chứng minh nhân dân                      (each means the others)

A line ``a, b => c, d`` lets a query that says ``a`` or ``b`` also look for ``c``
and for ``d``; a line without ``=>`` makes every phrase on it mean every other.
``#`` starts a comment. Phrases are folded like every query (no marks, đ → d,
y → i) and lose the filler words of how people ask ("làm", "xin", "thủ tục"…),
so "làm giấy khai sinh" and "giay khai sinh" are one phrase.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sothutu.procedures.text import fold

SHIPPED = Path(__file__).with_name("synonyms.txt")
MAX_PHRASE_WORDS = 12
_WORD = re.compile(r"[^\w]+")

Phrase = tuple[str, ...]

#: Filler words of how people ask ("làm giấy khai sinh", "xin thủ tục …"). Words
#: written with their marks are compared with their marks, so that "cần" (need) is
#: dropped but "căn" (căn cước) is not; words typed without marks are compared folded,
#: leaving out folded forms that are also real words of procedures ("can", "dau").
STOP_MARKED = frozenset(
    {"làm", "xin", "muốn", "tôi", "cần", "gì", "nào", "đâu", "ạ", "cháu", "mình"}
)
STOP_FOLDED = frozenset({"lam", "xin", "muon", "toi", "gi", "nao", "a", "chau"})
STOP_PHRASES: tuple[Phrase, ...] = (("thu", "tuc"),)


class SynonymError(ValueError):
    """A line of a synonym file that cannot be read; the message names file and line."""


def _is_stop(token: str, folded: str) -> bool:
    if token != folded:  # written with marks (or đ)
        return token in STOP_MARKED
    return folded in STOP_FOLDED


def _tokens(text: str) -> list[tuple[str, str]]:
    """(as written, lower case with marks; folded) for each word of ``text``."""
    out = []
    for token in _WORD.split(unicodedata.normalize("NFC", text.lower())):
        for part in fold(token).split():
            out.append((token if part == fold(token) else part, part))
    return out


def meaningful_words(text: str) -> list[str]:
    """The folded words of a query or phrase that carry meaning: filler words and
    "thủ tục" dropped, unless nothing else is left."""
    tokens = _tokens(text)
    folded = [f for _, f in tokens]
    kept: list[str] = []
    i = 0
    while i < len(tokens):
        phrase = next((p for p in STOP_PHRASES if tuple(folded[i : i + len(p)]) == p), None)
        if phrase:
            i += len(phrase)
            continue
        if not _is_stop(*tokens[i]):
            kept.append(folded[i])
        i += 1
    return kept or folded


@dataclass(frozen=True)
class Rule:
    source: Phrase
    targets: tuple[Phrase, ...]


@dataclass
class Synonyms:
    """Rules by the first word of what the citizen says."""

    rules: list[Rule] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_first: dict[str, list[Rule]] = {}
        for r in self.rules:
            self._by_first.setdefault(r.source[0], []).append(r)
        self._firsts = sorted(self._by_first)

    def __len__(self) -> int:
        return len(self.rules)

    def is_phrase(self, words: Sequence[str]) -> bool:
        """Whether the list has these words as a phrase people say."""
        return (
            any(r.source == tuple(words) for r in self._by_first.get(words[0], ()))
            if words
            else False
        )

    def extended(self, other: Synonyms) -> Synonyms:
        return Synonyms([*self.rules, *other.rules])

    def rewrites(
        self, words: Sequence[str], typing: bool
    ) -> list[tuple[list[str], bool, tuple[int, int], tuple[int, int]]]:
        """Each way to say ``words`` with one of its phrases replaced by what it means,
        with whether its last word is still being typed, where the new phrase stands
        and where the replaced one stood in ``words``. While typing, the last word may
        be the start of a phrase's last word ("so ho" for "sổ hồng")."""
        matches: list[tuple[int, int, Rule]] = []
        n = len(words)
        for i, first in enumerate(words):
            rules = list(self._by_first.get(first, ()))
            if typing and i == n - 1:
                lo = bisect.bisect_left(self._firsts, first)
                hi = bisect.bisect_left(self._firsts, first + "\x7f")
                for w in self._firsts[lo:hi]:
                    if w != first:
                        rules += self._by_first[w]
            for rule in rules:
                end = i + len(rule.source)
                if end > n:
                    continue
                span = tuple(words[i:end])
                whole = span == rule.source
                started = (
                    typing
                    and end == n
                    and len(span[-1]) >= 2
                    and span[:-1] == rule.source[:-1]
                    and rule.source[-1].startswith(span[-1])
                )
                if whole or started:
                    matches.append((i, end, rule))
        # the longest phrase wins: "sang tên sổ đỏ" is a transfer, not a first "sổ đỏ"
        out: list[tuple[list[str], bool, tuple[int, int], tuple[int, int]]] = []
        for i, end, rule in matches:
            if any(a <= i and end <= b and b - a > end - i for a, b, _ in matches):
                continue
            for target in rule.targets:
                out.append(
                    (
                        [*words[:i], *target, *words[end:]],
                        typing and end < n,
                        (i, i + len(target)),
                        (i, end),
                    )
                )
        return out


def _phrase(text: str) -> Phrase:
    return tuple(meaningful_words(text))[:MAX_PHRASE_WORDS]


def parse(text: str, where: str = "synonyms") -> Synonyms:
    """Rules from the text of a synonym file; raises SynonymError naming the line."""
    rules: list[Rule] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.count("=>") > 1:
            raise SynonymError(f"{where}, line {n}: more than one '=>'")
        if "=>" in line:
            left, right = line.split("=>")
            sources = [_phrase(p) for p in left.split(",")]
            targets = [_phrase(p) for p in right.split(",")]
            if not any(sources) or not any(targets):
                raise SynonymError(f"{where}, line {n}: a phrase is needed on both sides of '=>'")
            if not all(sources) or not all(targets):
                raise SynonymError(f"{where}, line {n}: an empty phrase between commas")
            for s in dict.fromkeys(sources):
                rules.append(Rule(s, tuple(t for t in dict.fromkeys(targets) if t != s)))
        else:
            group = [_phrase(p) for p in line.split(",")]
            if not all(group):
                raise SynonymError(f"{where}, line {n}: an empty phrase between commas")
            group = list(dict.fromkeys(group))
            if len(group) < 2:
                raise SynonymError(f"{where}, line {n}: one phrase alone; write 'a, b' or 'a => b'")
            for s in group:
                rules.append(Rule(s, tuple(t for t in group if t != s)))
    return Synonyms([r for r in rules if r.targets])


def read(path: Path) -> Synonyms:
    """Rules from a UTF-8 file (a byte-order mark is fine); raises OSError or SynonymError."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SynonymError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    return parse(text, str(path))


def shipped() -> Synonyms:
    """The project's list (synonyms.txt beside this module)."""
    return read(SHIPPED)


def combined(paths: Iterable[Path]) -> Synonyms:
    """The shipped list extended by each of ``paths`` in turn."""
    out = shipped()
    for p in paths:
        out = out.extended(read(p))
    return out
