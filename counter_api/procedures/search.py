"""Search the catalogue: pure, Vietnamese, without tone marks, tolerant of typos.

``SearchIndex(procedures)`` is built once per catalogue; ``index.search(query)``
ranks procedures. Both text and query are folded (``text.fold``: no marks,
đ → d, y → i), so "dang ki khai sinh" finds "Đăng ký khai sinh". Filler words
("làm", "xin", "thủ tục" …) are dropped. Each query word is matched against the
catalogue's vocabulary: exactly when the catalogue has the word; else as the
start of words (the word being typed); else - for words of four letters or
more - within one typo (two from nine letters) by the optimal-string-alignment
distance of rapidfuzz, where a swapped pair of letters is one typo. Adjacent
words are also indexed run together, so "khaisinh" works and a query's pair of
neighbours found together counts once more (a phrase match).

A procedure's score adds, for each query word, the word's rarity (idf) times
the quality of its match (exact 1, prefix 0.8, typo 0.7) times the weight of
the field it matched in: the name counts most, then the staff's keywords, then
the documents to bring. So a name match ranks before a match in the documents,
word order does not matter, and words found nowhere cost nothing. Guessed
words (prefix, typo) weigh as the commonest guess, and the commonest guess
wins a tie, so a rare look-alike never outranks the word most likely meant.
Ties go to the procedure whose name the query covers best (the shorter name),
then to the catalogue's order. Results under a third of the best are dropped.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from sothutu.procedures.model import Procedure
from sothutu.procedures.text import fold

NAME, KEYWORDS, DOCUMENTS = 0, 1, 2
FIELD_NAMES = ("name", "keywords", "documents")
FIELD_WEIGHT = (1.0, 0.85, 0.4)

EXACT, PREFIX, TYPO1, TYPO2 = 1.0, 0.8, 0.7, 0.55
GUESS_TIE = 0.9

#: Filler words of how people ask ("làm giấy khai sinh", "xin thủ tục …"), folded.
STOP_WORDS = frozenset({"lam", "xin", "muon", "toi", "can", "gi", "nao", "dau", "o", "a"})
STOP_PHRASES = (("thu", "tuc"),)

#: Results scoring below this share of the best result are left out.
RELATIVE_CUT = 0.35
MAX_QUERY_WORDS = 12


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked result: the procedure, its score (0-1 of the query's best possible),
    where it matched, and the document line that matched when that is where."""

    procedure: Procedure
    score: float
    matched: str
    snippet: str | None = None


def _terms(words: Sequence[str]) -> list[str]:
    """A field's indexed terms: its words and each pair of neighbours run together."""
    return [*words, *(a + b for a, b in itertools.pairwise(words))]


def query_words(query: str) -> list[str]:
    """The words of a query that carry meaning (fillers dropped unless nothing else)."""
    words = fold(query).split()[:MAX_QUERY_WORDS]
    kept: list[str] = []
    i = 0
    while i < len(words):
        if any(tuple(words[i : i + len(p)]) == p for p in STOP_PHRASES):
            i += len(STOP_PHRASES[0])
            continue
        if words[i] not in STOP_WORDS:
            kept.append(words[i])
        i += 1
    return kept or words


class SearchIndex:
    """An inverted index over procedures' names, keywords and documents."""

    def __init__(self, procedures: Iterable[Procedure]) -> None:
        self.procedures: tuple[Procedure, ...] = tuple(procedures)
        self.by_code = {p.code: p for p in self.procedures}
        self._code_folded = {p.code.lower(): i for i, p in enumerate(self.procedures)}
        #: term → {procedure index: best field (0 name, 1 keywords, 2 documents)}
        postings: dict[str, dict[int, int]] = {}
        words_seen: set[str] = set()
        self._name_words: list[frozenset[str]] = []
        self._doc_words: list[list[frozenset[str]]] = []
        for i, p in enumerate(self.procedures):
            name_words = fold(p.name).split()
            self._name_words.append(frozenset(name_words))
            fields: list[tuple[int, list[str]]] = [(NAME, name_words)]
            for kw in p.keywords:
                fields.append((KEYWORDS, fold(kw).split()))
            doc_words = []
            for d in p.documents:
                words = fold(f"{d.name} {d.form}").split()
                doc_words.append(frozenset(words))
                fields.append((DOCUMENTS, words))
            self._doc_words.append(doc_words)
            for field, words in fields:
                words_seen.update(words)
                for t in _terms(words):
                    seen = postings.setdefault(t, {})
                    if seen.get(i, 99) > field:
                        seen[i] = field
        self._postings = postings
        self._weights = {
            t: {i: FIELD_WEIGHT[f] for i, f in ps.items()} for t, ps in postings.items()
        }
        self._vocab = sorted(postings)  # words and pairs: exact and typo matches
        self._words = sorted(words_seen)  # single words only: prefix matches
        n = max(1, len(self.procedures))
        self._idf = {t: math.log(1 + n / len(ps)) for t, ps in postings.items()}

    def __len__(self) -> int:
        return len(self.procedures)

    # --- matching one query word ------------------------------------------------

    def _prefixed(self, word: str) -> list[str]:
        lo = bisect.bisect_left(self._words, word)
        hi = bisect.bisect_left(self._words, word + "\x7f")
        return [t for t in self._words[lo:hi] if t != word]

    def _candidates(self, word: str) -> list[tuple[str, float]]:
        """Catalogue terms a query word may stand for, with the match's quality: the
        word itself when the catalogue has it; else words it begins (a word being
        typed); else terms within a typo or two."""
        if word in self._postings:
            return [(word, EXACT)]
        if len(word) >= 2:
            found = [(t, PREFIX) for t in self._prefixed(word)]
            if found:
                return self._commonest_first(found)
        if len(word) < 4:
            return []
        found = []
        limit = 2 if len(word) >= 9 else 1
        for term, dist, _ in process.extract(
            word, self._vocab, scorer=OSA.distance, score_cutoff=limit, limit=None
        ):
            if abs(len(term) - len(word)) <= limit:
                found.append((term, TYPO1 if dist <= 1 else TYPO2))
        return self._commonest_first(found)

    def _commonest_first(self, found: list[tuple[str, float]]) -> list[tuple[str, float]]:
        """Guesses of equal quality: the one in most procedures keeps its quality, the
        others lose a tenth (the likelier word wins a tie)."""
        if len(found) < 2:
            return found
        most = max(len(self._postings[t]) for t, _ in found)
        return [(t, q if len(self._postings[t]) == most else q * GUESS_TIE) for t, q in found]

    # --- the search ----------------------------------------------------------------

    def search(self, query: str, service: str | None = None, limit: int | None = None) -> list[Hit]:
        """Ranked hits for ``query``, optionally only in one field (``service`` id).
        An empty query (or one without letters or digits) lists the catalogue."""
        words = query_words(query)
        if not words:
            return [
                Hit(p, 1.0, "all")
                for p in self.procedures
                if service is None or p.service == service
            ][:limit]
        code = self._code_folded.get(query.strip().lower())
        pairs = [a + b for a, b in itertools.pairwise(words)]
        # a pair of neighbours found run together counts again: a phrase match
        groups: list[tuple[list[tuple[str, float]], float]] = []
        possible = 0.0
        for word in words + [p for p in pairs if p in self._postings and p not in words]:
            candidates = self._candidates(word)
            if candidates:
                # Guessed words (prefixes, typos) all weigh as the commonest guess: a
                # rare look-alike must not outrank the word most likely meant.
                rarity = min(self._idf[term] for term, _ in candidates)
                groups.append((candidates, rarity))
                possible += rarity * max(q for _, q in candidates)
        scores = [0.0] * len(self.procedures)
        for candidates, rarity in groups:
            if len(candidates) == 1:
                term, quality = candidates[0]
                weight = rarity * quality
                for i, fw in self._weights[term].items():
                    scores[i] += weight * fw
                continue
            best: dict[int, float] = {}
            for term, quality in candidates:
                weight = rarity * quality
                for i, fw in self._weights[term].items():
                    gain = weight * fw
                    if gain > best.get(i, 0.0):
                        best[i] = gain
            for i, gain in best.items():
                scores[i] += gain
        if code is not None:
            scores[code] = possible * 2 + 1
        found = [
            i
            for i, s in enumerate(scores)
            if s > 0 and (service is None or self.procedures[i].service == service)
        ]
        if not found:
            return []
        top_score = max(scores[i] for i in found)
        kept = [i for i in found if scores[i] >= top_score * RELATIVE_CUT]
        matched = {i: self._matched(i, groups) for i in kept}

        def coverage(i: int) -> float:
            name = self._name_words[i]
            return len(name & matched[i][1]) / max(1, len(name))

        kept.sort(key=lambda i: (-round(scores[i], 9), -coverage(i), i))
        hits = []
        for i in kept[:limit]:
            p = self.procedures[i]
            field, terms = matched[i]
            snippet = None
            if i == code:
                where, score = "code", 1.0
            else:
                where, score = FIELD_NAMES[field], min(1.0, scores[i] / possible)
            if where == "keywords":
                snippet = self._keyword_snippet(p, terms)
            elif where == "documents":
                snippet = self._document_snippet(i, terms)
            hits.append(Hit(p, round(score, 3), where, snippet))
        return hits

    def _matched(
        self, i: int, groups: list[tuple[list[tuple[str, float]], float]]
    ) -> tuple[int, set[str]]:
        """Where procedure ``i`` matched best (the field of its largest gain) and the
        catalogue terms it matched."""
        terms: set[str] = set()
        best_gain, best_field = -1.0, NAME
        for candidates, rarity in groups:
            for term, quality in candidates:
                field = self._postings[term].get(i)
                if field is None:
                    continue
                terms.add(term)
                gain = rarity * quality * FIELD_WEIGHT[field]
                if gain > best_gain:
                    best_gain, best_field = gain, field
        return best_field, terms

    def _document_snippet(self, i: int, terms: set[str]) -> str | None:
        best, best_n = None, 0
        for d, words in zip(self.procedures[i].documents, self._doc_words[i], strict=True):
            n = len(words & terms)
            if n > best_n:
                best, best_n = d.name, n
        return best

    def _keyword_snippet(self, p: Procedure, terms: set[str]) -> str | None:
        for kw in p.keywords:
            if set(fold(kw).split()) & terms:
                return kw
        return None


def search(
    procedures: Iterable[Procedure] | SearchIndex,
    query: str,
    service: str | None = None,
    limit: int | None = None,
) -> list[Hit]:
    """One-off search (builds the index when given plain procedures)."""
    index = procedures if isinstance(procedures, SearchIndex) else SearchIndex(procedures)
    return index.search(query, service, limit)
