"""Extractive answers: the one to three sentences of the top passages that best answer a
question, quoted verbatim, or an abstention when the evidence is too weak.

A sentence's score is the IDF-weighted share of the question's terms (analyzer terms, so
"sjukfrånvaron" meets "frånvaro") that it contains, plus a little of its passage's rank.
The answer's confidence mixes the best sentence's coverage with the dense similarity of
the best passage; below `threshold` (calibrated on the eval set's dev split) we abstain.

Dense similarity cannot tell "how much was spent on snow clearing in Eskilstuna?" from an
answerable question about Eskilstuna's budget (cosines 0.80–0.93 for both), so a Swedish
question must also find its subject in a passage: `support` is the IDF-weighted share of
its content words (words whose analyzer terms are not generic, such as "kommun",
"kommunstyrelsen", "år", question verbs, the municipality and the year) of which some
term occurs in one retrieved passage, context header included; below `min_support` we
abstain. English questions skip that check (their words never meet Swedish terms).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from rapportsok.text import YEAR, is_rule_line, sentence_breaks
from search.query import fold, is_english

if TYPE_CHECKING:
    from indexer.models import Hit
    from search.retrieval import Searcher

NO_ANSWER = "Rapporterna verkar inte besvara frågan. Här är de avsnitt som ligger närmast."
_MIN_WORDS = 4
# Lemmas that carry no subject: every report is about a municipality, its executive board
# and a year, and questions are phrased with these verbs ("Vad står det under …?").
GENERIC_TERMS = frozenset(
    "kommun kommunstyrelse kommunstyrelsen år stå finnas göra få ge ha gå komma ta fram "
    "jämföra jämför bli visa säga".split()
)


@dataclass(frozen=True)
class Sentence:
    """A verbatim sentence (or table row) of a passage: `hit.chunk.text[start:end]`."""

    hit: Hit
    start: int
    end: int
    score: float
    coverage: float

    @property
    def text(self) -> str:
        return self.hit.chunk.text[self.start : self.end]


@dataclass(frozen=True)
class Answer:
    """The chosen sentences (in answer order) and whether they are good enough to show."""

    answered: bool
    sentences: list[Sentence]
    confidence: float
    message: str | None = None
    support: float = 1.0


def elsewhere_message(named: Sequence[str], indexed: Sequence[str]) -> str:
    """Swedish: the question is about municipalities that no indexed report covers."""
    return (
        f"Det finns ingen rapport från {_join(named)} i indexet (rapporterna gäller "
        f"{_join(indexed)}), så frågan kan inte besvaras. Här är de avsnitt som ligger närmast."
    )


def _join(names: Sequence[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} och {names[-1]}"


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Offsets of the sentences of `text`: prose lines cut at sentence ends, table rows whole."""
    out: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        stripped = line.strip()
        if not stripped or is_rule_line(stripped):
            continue
        if stripped.startswith("|"):
            out.append((start + line.index(stripped[0]), start + len(line.rstrip())))
            continue
        cut = start
        for m in sentence_breaks(text, start, end):
            out.append((cut, m.start()))
            cut = m.end()
        out.append((cut, end))
    return [(s + _lead(text[s:e]), e - _trail(text[s:e])) for s, e in out if text[s:e].strip()]


def _lead(s: str) -> int:
    return len(s) - len(s.lstrip())


def _trail(s: str) -> int:
    return len(s) - len(s.rstrip())


class Answerer:
    """Picks answer sentences from ranked passages; shares the searcher's analyzer and index."""

    def __init__(
        self,
        searcher: Searcher,
        threshold: float = 0.21,
        dense_mix: float = 0.5,
        max_sentences: int = 3,
        keep_ratio: float = 0.8,
        min_support: float = 0.18,
    ) -> None:
        self.searcher = searcher
        self.threshold = threshold
        self.min_support = min_support
        self._passage_terms: dict[str, frozenset[str]] = {}
        self.dense_mix = dense_mix
        self.max_sentences = max_sentences
        self.keep_ratio = keep_ratio
        self._idf = _idf_table(searcher)
        n = len(searcher.index.chunks)
        self._max_idf = math.log(1 + (n + 0.5) / 0.5)

    def indexed(self) -> list[str]:
        """Municipalities the index has reports from."""
        return self.searcher.filter_values()["municipality"]

    def idf(self, term: str) -> float:
        """Inverse document frequency of an analyzer term over the passages (unknown: max)."""
        return self._idf.get(term, self._max_idf)

    def answer(
        self, question: str, hits: Sequence[Hit], query_vector: np.ndarray | None = None
    ) -> Answer:
        """The best sentences of `hits` for `question`, or an abstention.

        `query_vector` is the question's embedding if the caller has it (saves one encode).
        """
        terms = set(self.searcher.query_terms(question))
        info = self.searcher.understand(question)
        if info.elsewhere and not info.municipalities:
            return Answer(False, [], 0.0, elsewhere_message(info.elsewhere, self.indexed()))
        if not hits or not terms:
            return Answer(False, [], 0.0, NO_ANSWER)
        weights = {t: self.idf(t) for t in terms}
        total = sum(weights.values()) or 1.0
        top_score = max(h.score for h in hits) or 1.0
        candidates: list[Sentence] = []
        for hit in hits:
            text = hit.chunk.text
            for start, end in split_sentences(text):
                spans = self.searcher.analyzer.spans(text[start:end])
                is_row = text[start] == "|"
                if not is_row and len(spans) < _MIN_WORDS:
                    continue
                found: set[str] = set()
                for _, _, word_terms in spans:
                    found |= word_terms & terms
                coverage = sum(weights[t] for t in found) / total
                rank_part = 0.15 * max(hit.score, 0.0) / top_score if top_score > 0 else 0.0
                candidates.append(Sentence(hit, start, end, coverage + rank_part, coverage))
        if not candidates:
            return Answer(False, [], 0.0, NO_ANSWER)
        candidates.sort(key=lambda s: (-s.score, s.hit.rank, s.start))
        best = candidates[0]
        chosen = [best]
        for s in candidates[1:]:
            if len(chosen) >= self.max_sentences:
                break
            if s.score >= self.keep_ratio * best.score and s.text.strip() not in {
                c.text.strip() for c in chosen
            }:
                chosen.append(s)
        confidence = self.confidence(question, hits, best, query_vector)
        support = 1.0 if is_english(question) else self.support(question, hits)
        answered = confidence >= self.threshold and support >= self.min_support
        return Answer(answered, chosen, confidence, None if answered else NO_ANSWER, support)

    def content_words(self, question: str) -> list[tuple[frozenset[str], float]]:
        """The question's subject words: (analyzer terms, IDF weight) of each word that is
        not a stop word, a generic term, a municipality of the index or a year."""
        names = {fold(n) for n in self.indexed()}
        out = []
        for start, end, terms in self.searcher.analyzer.spans(question):
            word = fold(question[start:end])
            if not terms or terms & GENERIC_TERMS or YEAR.fullmatch(word):
                continue
            if word in names or word.removesuffix("s") in names:
                continue
            out.append((terms, max(self.idf(t) for t in terms)))
        return out

    def support(self, question: str, hits: Sequence[Hit]) -> float:
        """Largest IDF-weighted share of the question's content words found in one passage
        (its context header included); 1.0 when the question has no content words."""
        words = self.content_words(question)
        total = sum(w for _, w in words)
        if not words or total <= 0:
            return 1.0
        best = 0.0
        for hit in hits:
            present = self._terms_of(hit)
            best = max(best, sum(w for terms, w in words if terms & present) / total)
        return best

    def _terms_of(self, hit: Hit) -> frozenset[str]:
        terms = self._passage_terms.get(hit.chunk.id)
        if terms is None:  # at most one entry per passage of the index
            terms = frozenset(self.searcher.analyzer.analyze(hit.chunk.indexed_text))
            self._passage_terms[hit.chunk.id] = terms
        return terms

    def confidence(
        self,
        question: str,
        hits: Sequence[Hit],
        best: Sentence,
        query_vector: np.ndarray | None = None,
    ) -> float:
        """How sure we are: best sentence's coverage mixed with the top passage's cosine."""
        cosine = self.top_cosine(question, hits, query_vector)
        return (1 - self.dense_mix) * best.coverage + self.dense_mix * cosine

    def top_cosine(
        self, question: str, hits: Sequence[Hit], query_vector: np.ndarray | None = None
    ) -> float:
        """Highest dense similarity between the question and the passages."""
        index = self.searcher.index
        rows = [index.by_id[h.chunk.id] for h in hits if h.chunk.id in index.by_id]
        if not rows:
            return 0.0
        qvec = self.searcher.embed(question) if query_vector is None else query_vector
        return float(np.max(index.vectors[rows] @ qvec))


def _idf_table(searcher: Searcher) -> dict[str, float]:
    """BM25-style IDF of every term in the index, read from bm25s's term-major score matrix."""
    bm25 = searcher.index.bm25
    vocab: dict[str, int] = dict(getattr(bm25, "vocab_dict", {}) or {})
    scores = getattr(bm25, "scores", None)
    n = len(searcher.index.chunks)
    if not vocab or not isinstance(scores, dict) or "indptr" not in scores:
        return {}
    indptr = np.asarray(scores["indptr"])
    if len(indptr) == len(vocab):
        indptr = np.append(indptr, len(scores["data"]))
    df = np.diff(indptr)
    return {
        t: math.log(1 + (n - df[i] + 0.5) / (df[i] + 0.5)) for t, i in vocab.items() if i < len(df)
    }
