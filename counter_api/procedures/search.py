"""Search the catalogue: pure, Vietnamese, without tone marks, tolerant of typos.

``SearchIndex(procedures, synonyms)`` is built once per catalogue;
``index.search(query)`` ranks procedures. The kiosk, the phones' /thu-tuc and
``GET /api/v1/procedures`` all use it. README, "Procedures", says it for the staff.

Words. Text and query are folded (``text.fold``: no marks, đ → d, y → i), so
"dang ki khai sinh" finds "Đăng ký khai sinh"; filler words ("làm", "xin",
"thủ tục" …) are dropped. Each query word is matched against the catalogue's
vocabulary: exactly when the catalogue has the word; else as the start of words;
else - from four letters - within one typo (two from nine letters; a swapped pair
of letters is one). The last word, while it is being typed (no space after it),
also stands for the words it begins ("ket ho" finds "kết hôn"). Adjacent words
are indexed run together too, so "khaisinh" works, and a query's neighbours found
side by side count once more: a phrase.

Synonyms. What citizens say is looked up in a list of rules (``synonyms.txt``,
extended by the province's file): "sổ đỏ" also searches for "giấy chứng nhận
quyền sử dụng đất", "làm giấy khai sinh" for "đăng ký khai sinh". Each rewrite of
the query is scored like the query itself, a little below it, and a procedure
keeps its best.

Scoring. Every procedure's text is cut into segments: its name, each of the
staff's keywords, each document to bring. A segment's score is the share of the
query it matches (each word weighs its rarity in the catalogue, times the match's
quality: exact 1, prefix 0.8, typo 0.7), times its field's weight (name 1,
keyword 0.85, document 0.4), less a part for the words of a name or keyword the
query leaves out (so "đăng ký kết hôn" prefers the name "Đăng ký kết hôn" to a
long keyword that mentions it). A procedure scores its best segment plus a sixth
of the others. Words found nowhere count in the query's total too: "hộ nghèo"
does not list every "hộ tịch" procedure for "hộ" alone.

Ranking: first procedures with the whole query side by side in their name or a
keyword, then those with every word somewhere, then the rest; within each, by
score; ties go to the name the query covers best, then to the catalogue's order.
Left out: results under half the best score, and results matching under half of
the query (by rarity).
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from counter_api.procedures.synonyms import Synonyms, meaningful_words
from sothutu.procedures.model import Procedure
from sothutu.procedures.text import fold

NAME, KEYWORDS, DOCUMENTS = 0, 1, 2
FIELD_NAMES = ("name", "keywords", "documents")
FIELD_WEIGHT = (1.0, 0.85, 0.4)
#: How much the words of a segment that the query leaves out cost, by field (a share
#: of the score at no word matched). Names are long legal titles: they pay little.
FOCUS_COST = (0.3, 0.5, 0.0)
#: A keyword whose first word the query does not match scores this share: Vietnamese
#: puts the head first, so "bản sao giấy khai sinh" is about a copy, "khai sinh cho
#: con chưa đăng ký kết hôn" about a birth, not a marriage.
HEADLESS = 0.7

EXACT, PREFIX, TYPO1, TYPO2 = 1.0, 0.8, 0.7, 0.55
GUESS_TIE = 0.9
#: A pair of query neighbours found side by side weighs this share of its rarer word.
PHRASE = 0.5
#: A procedure's other matching segments add this share of their scores to its best.
OTHERS = 1 / 6
#: A rewrite by a synonym scores this share of what the same match by the words
#: the citizen typed scores.
SYNONYM = 0.95
MAX_REWRITES = 8
#: A word found nowhere weighs this share of the rarest word's rarity.
UNKNOWN = 0.6

#: Results under this share of the best score are left out,
RELATIVE_CUT = 0.5
#: and so are results matching less than this share of the query (by rarity);
MIN_COVERAGE = 0.5
#: a result of a lower tier than the best result's needs this share of the best score,
#: and one missing words is left out when another has every word.
LOWER_TIER_CUT = 0.8
#: Documents are searched when no name or keyword has every word of the query, or
#: at least this share of it (a long query seldom has every word in one procedure).
DOCUMENTS_SPARED = 0.8
MAX_QUERY_WORDS = 12
SEGMENTS_GUESS = 4  # segments of a procedure, on average, when choosing how to look
TOP_GUESSES = 6  # per word, when looking for its pair with its neighbour

#: Tiers: the whole query side by side in a name or keyword; every word somewhere.
PHRASE_TIER, ALL_WORDS_TIER, SOME_TIER = 2, 1, 0


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked result: the procedure, its score (1 for the best result, its share of
    the best score for the others, never above the one ranked before it), where it
    matched, and the keyword or document line that matched when that is where."""

    procedure: Procedure
    score: float
    matched: str
    snippet: str | None = None


@dataclass(slots=True)
class _Result:
    """A procedure's standing for one rewrite of the query."""

    tier: int
    score: float
    coverage: float
    segment: int
    name_cover: float


@dataclass(frozen=True, slots=True)
class _Wording:
    """The query as typed, or rewritten by a synonym."""

    words: list[str]
    typing: bool  # its last word is still being typed
    weight: float
    span: tuple[int, int] | None  # where a synonym's phrase stands in it
    known: frozenset[int]  # places of words that are part of a phrase of the list


@dataclass(slots=True)
class _Group:
    """A query word (or a pair of neighbours) and the catalogue terms it may be."""

    found: list[tuple[str, float]]
    rarity: float
    k: int  # the word's place in the query (a pair's first word)
    pair: bool
    width: int  # words of a segment it covers


@dataclass(slots=True)
class _Plan:
    """One wording of the query, ready to look up."""

    n: int
    span: tuple[int, int] | None
    groups: list[_Group] = field(default_factory=list)
    rarity: list[float] = field(default_factory=list)
    total: float = 0.0  # every word's rarity, found or not: coverage
    possible: float = 0.0  # the best score the words can reach: normalisation
    full: int = 0  # bits of all the words: a word found nowhere is missing everywhere
    pairs: int = 0  # bits of the pairs found side by side somewhere


class _Met:
    """What the segments gathered so far match of a plan."""

    def __init__(self, groups: int) -> None:
        self.gain: dict[int, float] = {}
        self.mask: dict[int, int] = {}
        self.count: dict[int, int] = {}
        self.paired: dict[int, int] = {}
        self.procs: set[int] = set()
        self.per_group: list[dict[int, float]] = [{} for _ in range(groups)]


def _terms(words: Sequence[str]) -> list[str]:
    """A segment's indexed terms: its words and each pair of neighbours run together."""
    return [*words, *(a + b for a, b in itertools.pairwise(words))]


def query_words(query: str) -> list[str]:
    """The words of a query that carry meaning (fillers dropped unless nothing else)."""
    return meaningful_words(query)[:MAX_QUERY_WORDS]


class SearchIndex:
    """An inverted index over segments of procedures: names, keywords, documents."""

    def __init__(self, procedures: Iterable[Procedure], synonyms: Synonyms | None = None) -> None:
        self.procedures: tuple[Procedure, ...] = tuple(procedures)
        self.synonyms = synonyms if synonyms is not None else Synonyms()
        self.by_code = {p.code: p for p in self.procedures}
        self._code_folded = {p.code.lower(): i for i, p in enumerate(self.procedures)}
        self._seg_proc: list[int] = []
        self._seg_field: list[int] = []
        self._seg_len: list[int] = []
        self._seg_text: list[str | None] = []
        self._seg_head: list[str] = []
        self._name_seg: list[int] = []
        self._first_seg: list[int] = []  # procedure i has segments first[i] to first[i + 1]
        main: dict[str, list[int]] = {}
        docs: dict[str, list[int]] = {}
        holders: dict[str, set[int]] = {}
        words_seen: set[str] = set()
        for i, p in enumerate(self.procedures):
            self._first_seg.append(len(self._seg_proc))
            segments: list[tuple[int, str | None, list[str]]] = [(NAME, None, fold(p.name).split())]
            segments += [(KEYWORDS, kw, fold(kw).split()) for kw in p.keywords]
            segments += [
                (DOCUMENTS, d.name, fold(f"{d.name} {d.form}").split()) for d in p.documents
            ]
            for where, text, words in segments:
                s = len(self._seg_proc)
                if where == NAME:
                    self._name_seg.append(s)
                self._seg_proc.append(i)
                self._seg_field.append(where)
                self._seg_len.append(max(1, len(words)))
                self._seg_text.append(text)
                self._seg_head.append(words[0] if words else "")
                words_seen.update(words)
                # documents apart: they are searched only when names and keywords leave
                # words of the query unmatched (and they are the bulk of the index)
                postings = docs if where == DOCUMENTS else main
                for t in dict.fromkeys(_terms(words)):
                    postings.setdefault(t, []).append(s)
                    holders.setdefault(t, set()).add(i)
        self._first_seg.append(len(self._seg_proc))
        self._main = main
        self._docs = docs
        #: term → how many segments have it
        self._postings = {t: len(main.get(t, ())) + len(docs.get(t, ())) for t in holders}
        self._single = frozenset(words_seen)
        self._vocab = sorted(holders)  # words and pairs: exact and typo matches
        self._words = sorted(words_seen)  # single words only: prefix matches
        n = max(1, len(self.procedures))
        self._idf = {t: math.log(1 + n / len(ps)) for t, ps in holders.items()}
        self._unknown_rarity = UNKNOWN * math.log(1 + n)

    def __len__(self) -> int:
        return len(self.procedures)

    # --- matching one query word ------------------------------------------------

    def _prefixed(self, word: str) -> list[str]:
        lo = bisect.bisect_left(self._words, word)
        hi = bisect.bisect_left(self._words, word + "\x7f")
        return [t for t in self._words[lo:hi] if t != word]

    def _candidates(self, word: str, typing: bool, guess: bool = True) -> list[tuple[str, float]]:
        """Catalogue terms a query word may stand for, with the match's quality: the
        word itself when the catalogue has it (and, while it is typed, the words it
        begins); else (with ``guess``, or while typed) words it begins; else (with
        ``guess``) terms within a typo or two."""
        if word in self._postings:
            if typing and len(word) >= 2:
                return [
                    (word, EXACT),
                    *self._commonest_first([(t, PREFIX) for t in self._prefixed(word)]),
                ]
            return [(word, EXACT)]
        if len(word) >= 2 and (guess or typing):
            found = [(t, PREFIX) for t in self._prefixed(word)]
            if found:
                return self._commonest_first(found)
        if len(word) < 4 or not guess:
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
        """Guesses of equal quality: the one in most segments keeps its quality, the
        others lose a tenth (the likelier word wins a tie)."""
        if len(found) < 2:
            return found
        most = max(self._postings[t] for t, _ in found)
        return [(t, q if self._postings[t] == most else q * GUESS_TIE) for t, q in found]

    # --- scoring one wording of the query -------------------------------------------

    def _plan(
        self,
        words: Sequence[str],
        typing: bool,
        span: tuple[int, int] | None,
        known: frozenset[int],
        cache: dict[tuple[str, bool, bool], list[tuple[str, float]]],
    ) -> _Plan | None:
        """What to look up for these words: each word's and each pair's candidates.
        The words at ``known`` places belong to a phrase of the synonym list: they are
        no typos ("dân" in "chứng minh nhân dân" is not "đăng")."""
        cands = []
        for k, w in enumerate(words):
            key = (w, typing and k == len(words) - 1 and k not in known, k not in known)
            if key not in cache:
                cache[key] = self._candidates(*key)
            cands.append(cache[key])
        for k in range(1, len(words)):
            if (
                not cands[k]
                and cands[k - 1]
                and k not in known
                and len(words[k - 1] + words[k]) >= 6
            ):
                # a short word not found: a typo in a pair typed apart ("khai snh")
                cands[k] = [
                    (t, q)
                    for t, q in self._candidates(words[k - 1] + words[k], False)
                    if t not in self._single
                ]
        plan = _Plan(len(words), span, full=(1 << len(words)) - 1)
        for k, found in enumerate(cands):
            if found:
                # Guessed words (prefixes, typos) all weigh as the commonest guess: a
                # rare look-alike must not outrank the word most likely meant.
                r = min(self._idf[t] for t, _ in found)
                # a word found run together ("khaisinh") covers two words of a segment
                width = 1 if all(t in self._single for t, _ in found) else 2
                plan.groups.append(_Group(found, r, k, False, width))
                plan.possible += r * max(q for _, q in found)
            else:
                r = self._unknown_rarity
            plan.rarity.append(r)
            plan.total += r
        for k in range(len(words) - 1):
            if not (cands[k] and cands[k + 1]):
                continue
            best: dict[str, float] = {}
            top_a = sorted(cands[k], key=lambda c: -c[1])[:TOP_GUESSES]
            top_b = sorted(cands[k + 1], key=lambda c: -c[1])[:TOP_GUESSES]
            for (a, qa), (b, qb) in itertools.product(top_a, top_b):
                if a + b in self._postings:
                    best[a + b] = max(best.get(a + b, 0.0), min(qa, qb))
            if best:
                r = PHRASE * min(plan.rarity[k], plan.rarity[k + 1])
                plan.groups.append(_Group(list(best.items()), r, k, True, 1))
                plan.possible += r * max(best.values())
                plan.pairs |= 1 << k
        if not plan.groups:
            return None
        # Rarest words first, pairs last (see _gather).
        plan.groups.sort(key=lambda g: (g.pair, -g.rarity))
        return plan

    def _gather(self, plan: _Plan, postings: dict[str, list[int]], met: _Met) -> None:
        """Add to ``met`` what the segments in ``postings`` match of the plan.

        Once the words left cannot lift a procedure not met yet to MIN_COVERAGE, its
        segments are skipped: that is most of the work for common words ("giấy",
        "đăng ký"), and such a procedure could not be listed anyway."""
        left = sum(g.rarity for g in plan.groups if not g.pair)
        floor = MIN_COVERAGE * plan.total
        seg_proc = self._seg_proc
        procs = met.procs
        gain, mask, count, paired = met.gain, met.mask, met.count, met.paired
        empty: list[int] = []
        added: set[int] = set()
        allowed = self._phrase_segments(plan, postings)
        a, b = plan.span or (0, 0)
        for n, g in enumerate(plan.groups):
            open_ = not g.pair and left >= floor
            if not g.pair:
                left -= g.rarity
            best_q: dict[int, float] = {}
            if allowed is not None and a <= g.k < (b - 1 if g.pair else b):
                # a word of a synonym's phrase: only where the whole phrase stands
                within = allowed if open_ else [s for s in allowed if seg_proc[s] in procs]
                self._look_in(within, g.found, postings, best_q)
            elif not open_ and len(procs) * SEGMENTS_GUESS * len(g.found) < sum(
                len(postings.get(t, empty)) for t, _ in g.found
            ):
                # a common word once few procedures are left: look in theirs only
                starts = self._first_seg
                within = [s for i in procs for s in range(starts[i], starts[i + 1])]
                self._look_in(within, g.found, postings, best_q)
            else:
                for term, q in g.found:
                    segs = postings.get(term, empty)
                    if open_:
                        for s in segs:
                            if q > best_q.get(s, 0.0):
                                best_q[s] = q
                    else:
                        for s in segs:
                            if seg_proc[s] in procs and q > best_q.get(s, 0.0):
                                best_q[s] = q
            if open_:
                procs.update(map(seg_proc.__getitem__, best_q))
            met.per_group[n].update(best_q)
            added.update(best_q)
            bit, r = 1 << g.k, g.rarity
            if g.pair:
                for s, q in best_q.items():
                    gain[s] = gain.get(s, 0.0) + r * q
                    paired[s] = paired.get(s, 0) | bit
            else:
                width = g.width
                for s, q in best_q.items():
                    gain[s] = gain.get(s, 0.0) + r * q
                    mask[s] = mask.get(s, 0) | bit
                    count[s] = count.get(s, 0) + width
        if plan.span is not None and plan.span[1] - plan.span[0] > 1:
            self._require_phrase(plan, met, added)

    @staticmethod
    def _look_in(
        segments: Iterable[int],
        found: list[tuple[str, float]],
        postings: dict[str, list[int]],
        best_q: dict[int, float],
    ) -> None:
        """Which of ``segments`` have which of the terms ``found`` (postings are sorted)."""
        lists = [(postings[t], q) for t, q in found if t in postings]
        for s in segments:
            for lst, q in lists:
                j = bisect.bisect_left(lst, s)
                if j < len(lst) and lst[j] == s and q > best_q.get(s, 0.0):
                    best_q[s] = q

    def _phrase_segments(self, plan: _Plan, postings: dict[str, list[int]]) -> list[int] | None:
        """The segments of ``postings`` where the plan's synonym phrase (two words or
        more) may stand: those with each of its pairs of neighbours; None without one."""
        if plan.span is None or plan.span[1] - plan.span[0] < 2:
            return None
        a, b = plan.span
        pairs = [g for g in plan.groups if g.pair and a <= g.k < b - 1]
        if len(pairs) < b - a - 1:
            return []  # a pair of the phrase is nowhere in the catalogue
        sizes = [sum(len(postings.get(t, ())) for t, _ in g.found) for g in pairs]
        first = pairs[sizes.index(min(sizes))]
        segs = sorted({s for t, _ in first.found for s in postings.get(t, ())})
        for g in pairs:
            if g is not first and segs:
                hits: dict[int, float] = {}
                self._look_in(segs, g.found, postings, hits)
                segs = sorted(hits)
        return segs

    @staticmethod
    def _require_phrase(plan: _Plan, met: _Met, segments: Iterable[int]) -> None:
        """Take back what the words of the plan's span (a synonym's phrase) gave to
        segments where they do not stand side by side, so "chứng minh nhân dân" is not
        found in "chứng nhận … dân cư"."""
        assert plan.span is not None
        a, b = plan.span
        words_bits = sum(1 << k for k in range(a, b))
        pair_bits = sum(1 << k for k in range(a, b - 1))
        for s in segments:
            if (
                met.mask.get(s, 0) & words_bits == words_bits
                and met.paired.get(s, 0) & pair_bits == pair_bits
            ):
                continue
            for g, best_q in zip(plan.groups, met.per_group, strict=True):
                if not a <= g.k < (b - 1 if g.pair else b) or s not in best_q:
                    continue
                met.gain[s] -= g.rarity * best_q[s]
                if g.pair:
                    met.paired[s] &= ~(1 << g.k)
                else:
                    met.mask[s] &= ~(1 << g.k)
                    met.count[s] -= g.width
            if met.gain[s] <= 1e-12:
                del met.gain[s]

    def _standing(self, plan: _Plan, met: _Met) -> dict[int, _Result]:
        """Each procedure's standing from the segments gathered."""
        heads = {t for g in plan.groups if not g.pair for t, _ in g.found}
        results: dict[int, _Result] = {}
        sums: dict[int, float] = {}
        masks: dict[int, int] = {}
        named: dict[int, int] = {}  # words found in names and keywords
        mask, count, paired = met.mask, met.count, met.paired
        for s, g in met.gain.items():
            if s not in mask:
                continue  # only a pair of it: a synonym's words, taken back
            field = self._seg_field[s]
            focus = min(1.0, count.get(s, 0) / self._seg_len[s])
            score = FIELD_WEIGHT[field] * g / plan.possible * (1 - FOCUS_COST[field] * (1 - focus))
            if field == KEYWORDS and self._seg_head[s] not in heads:
                score *= HEADLESS
            i = self._seg_proc[s]
            if field != DOCUMENTS:  # (many documents must not outweigh one good name)
                sums[i] = sums.get(i, 0.0) + score
            m = mask[s]
            masks[i] = masks.get(i, 0) | m
            if field == DOCUMENTS:
                # a document line counts for "every word" alone, not with others
                tier = ALL_WORDS_TIER if m == plan.full else SOME_TIER
            else:
                named[i] = named.get(i, 0) | m
                tier = (
                    PHRASE_TIER if m == plan.full and paired.get(s, 0) == plan.pairs else SOME_TIER
                )
            r = results.get(i)
            if r is None:
                results[i] = _Result(tier, score, 0.0, s, 0.0)
            else:
                r.tier = max(r.tier, tier)
                if score > r.score:
                    r.score, r.segment = score, s
        covers: dict[int, float] = {}
        for i, r in results.items():
            m = masks[i]
            if named.get(i, 0) == plan.full:
                r.tier = max(r.tier, ALL_WORDS_TIER)
            if m not in covers:
                covers[m] = sum(plan.rarity[k] for k in range(plan.n) if m >> k & 1) / plan.total
            r.coverage = covers[m]
            if self._seg_field[r.segment] != DOCUMENTS:
                r.score += OTHERS * (sums.get(i, 0.0) - r.score)
            name = self._name_seg[i]
            r.name_cover = min(1.0, count.get(name, 0) / self._seg_len[name])
        return results

    # --- the search ----------------------------------------------------------------

    def _wordings(self, words: list[str], typing: bool) -> list[_Wording]:
        """The query as typed, then rewritten by the synonyms (each a little lower),
        with where the synonym's phrase stands in it."""
        rewrites = self.synonyms.rewrites(words, typing)
        # words of a phrase of the list, said whole: no typos, no word being typed
        known = frozenset(
            k for *_, (a, b) in rewrites if self.synonyms.is_phrase(words[a:b]) for k in range(a, b)
        )
        out = [_Wording(words, typing, 1.0, None, known)]
        seen = {tuple(words)}
        for rewritten, still_typing, span, _ in rewrites:
            key = tuple(rewritten)
            if key not in seen and len(out) <= MAX_REWRITES:
                seen.add(key)
                out.append(_Wording(list(key), still_typing, SYNONYM, span, frozenset()))
        return out

    @staticmethod
    def _merge(best: dict[int, _Result], results: dict[int, _Result], weight: float) -> None:
        """Keep each procedure's best standing over the wordings of the query."""
        for i, r in results.items():
            r.score *= weight
            old = best.get(i)
            if old is None or (r.tier, r.score) > (old.tier, old.score):
                r.coverage = max(r.coverage, old.coverage if old else 0.0)
                best[i] = r
            else:
                old.coverage = max(old.coverage, r.coverage)

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
        if code is not None and (service is None or self.procedures[code].service == service):
            return [Hit(self.procedures[code], 1.0, "code")][:limit]
        typing = not query[-1:].isspace()
        wordings = self._wordings(words, typing)
        cache: dict[tuple[str, bool, bool], list[tuple[str, float]]] = {}
        plans = []
        for w in wordings:
            plan = self._plan(w.words, w.typing, w.span, w.known, cache)
            if plan is not None:
                plans.append((plan, _Met(len(plan.groups)), w.weight))
        best: dict[int, _Result] = {}
        for plan, met, weight in plans:
            self._gather(plan, self._main, met)
            self._merge(best, self._standing(plan, met), weight)
        if not any(
            r.coverage >= MIN_COVERAGE and (r.tier > SOME_TIER or r.coverage >= DOCUMENTS_SPARED)
            for r in best.values()
        ):
            # no name or keyword has every word (or nearly, in a long query): documents may
            best = {}
            for plan, met, weight in plans:
                self._gather(plan, self._docs, met)
                self._merge(best, self._standing(plan, met), weight)
        found = [
            i
            for i, r in best.items()
            if r.coverage >= MIN_COVERAGE
            and (service is None or self.procedures[i].service == service)
        ]
        if not found:
            return []
        top = max(best[i].score for i in found)
        top_tier = max(best[i].tier for i in found)
        kept = [
            i
            for i in found
            if best[i].score >= top * (RELATIVE_CUT if best[i].tier == top_tier else LOWER_TIER_CUT)
            and (best[i].tier > SOME_TIER or top_tier == SOME_TIER)
        ]
        kept.sort(key=lambda i: (-best[i].tier, -round(best[i].score, 9), -best[i].name_cover, i))
        hits = []
        shown = 1.0
        for i in kept[:limit]:
            r = best[i]
            field = self._seg_field[r.segment]
            snippet = self._seg_text[r.segment] if field != NAME else None
            shown = min(shown, r.score / top)
            hits.append(Hit(self.procedures[i], round(shown, 3), FIELD_NAMES[field], snippet))
        return hits


def search(
    procedures: Iterable[Procedure] | SearchIndex,
    query: str,
    service: str | None = None,
    limit: int | None = None,
    synonyms: Synonyms | None = None,
) -> list[Hit]:
    """One-off search (builds the index when given plain procedures)."""
    index = procedures if isinstance(procedures, SearchIndex) else SearchIndex(procedures, synonyms)
    return index.search(query, service, limit)
