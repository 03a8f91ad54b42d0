"""Extractive answers: the answer unit (sentence, list item, table row or cell) of the top
passages that best answers a question, quoted verbatim, or an abstention.

Every unit of the top passages is scored by the first reader (`search.answer_scoring`):
the probability that it answers the question. The cross-encoder (`search.cross_reader`)
then reads the first reader's best units with the question; its calibrated gate gives the
answer's `confidence`, and below its threshold (chosen on the eval set's dev split) we
abstain. Without a cross-encoder the first reader's own gate decides. A comparison ("Vilken
kommun hade högst …", "Jämför … i A och B") is answered per report in scope, one best unit
each, where the report gate finds that the report states the fact; the others are named as
giving no figure.

`support` (the IDF-weighted share of the question's content words found in one retrieved
passage) is one of the model's features: dense similarity alone cannot tell "how much was
spent on snow clearing in Eskilstuna?" from an answerable question about Eskilstuna's
budget. English questions skip it (their words never meet Swedish terms).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from rapportsok.text import YEAR
from search.answer_features import Context, features
from search.answer_scoring import AnswerModel, ScoredUnit
from search.compare import ComparisonRow, missing, place, verdict
from search.cross_reader import CrossReader, packaged_cross_reader
from search.query import SUPERLATIVES, QueryInfo, fold
from search.retrieval import SearchFilters
from search.units import Unit, units

if TYPE_CHECKING:
    from indexer.models import Hit
    from search.retrieval import Searcher

NO_ANSWER = "Rapporterna verkar inte besvara frågan. Här är de avsnitt som ligger närmast."
# A question whose content words no passage holds this share of is never answered: the
# model weighs support, but a subject the reports never name is not quoted for
# (docs/measurements.md).
MIN_SUPPORT = 0.18
COMPARISON_K = 3  # passages searched per report of a comparison
# A comparison answers for at most this many reports: a table a reader can take in, and
# one search each (comparing a whole archive took seconds: docs/measurements.md). Of more,
# it takes those whose passages come first among the question's `SCOPE_K` best.
MAX_COMPARED = 10
SCOPE_K = 50
# /search orders its first RERANK_K passages by RERANK_WEIGHT × the model's best unit
# probability + 1 / rank: the weight with the best hit@1 on out-of-fold dev probabilities
# (docs/measurements.md).
RERANK_K = 5
RERANK_WEIGHT = 2.0
# Lemmas that carry no subject: every report is about a municipality, its executive board
# and a year, and questions are phrased with these verbs ("Vad står det under …?").
GENERIC_TERMS = frozenset(
    "kommun kommunstyrelse kommunstyrelsen år stå finnas göra få ge ha gå komma ta fram "
    "jämföra jämför bli visa säga".split()
)


@dataclass(frozen=True, kw_only=True)
class Answer:
    """The chosen units (in answer order) and whether they are good enough to show."""

    answered: bool
    units: list[Unit]
    confidence: float
    message: str | None = None
    support: float = 1.0
    answer_type: str = "other"
    comparison: list[ComparisonRow] = field(default_factory=list)
    verdict: str | None = None  # "Högst: Timrå (6,4 %)." when the figures are comparable
    missing: str | None = None  # "Ingen uppgift i rapporten från Krokom."
    # The best unit's own probability of answering: below the reader's `uncertain` the
    # answer is shown as uncertain (the quote is less likely right than wrong).
    unit_probability: float = 1.0
    uncertain: bool = False


def elsewhere_message(named: Sequence[str], indexed: Sequence[str]) -> str:
    """Swedish: the question is about municipalities that no indexed report covers."""
    return (
        f"Det finns ingen rapport från {_join(named)} i indexet (rapporterna gäller "
        f"{_join(indexed)}), så frågan kan inte besvaras. Här är de avsnitt som ligger närmast."
    )


def _join(names: Sequence[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} och {names[-1]}"


_PACKAGED = object()  # `Answerer`'s default cross reader: the packaged one


class Answerer:
    """Picks answer units from ranked passages; shares the searcher's analyzer and index.

    `cross` is the second reader: by default the packaged cross-encoder when the first
    reader is the packaged model too (a first reader of one's own is read alone)."""

    def __init__(
        self,
        searcher: Searcher,
        model: AnswerModel | None = None,
        max_units: int = 2,
        keep_ratio: float = 0.5,
        threshold: float | None = None,
        cross: CrossReader | None | object = _PACKAGED,
        rerank_with_cross: bool = False,
    ) -> None:
        self.searcher = searcher
        if cross is _PACKAGED:
            cross = packaged_cross_reader() if model is None else None
        assert cross is None or isinstance(cross, CrossReader)
        self.cross: CrossReader | None = cross
        # /search's reranking by the second reader: measured on dev (docs/reader.md)
        self.rerank_with_cross = rerank_with_cross and cross is not None
        self.model = model or _packaged_model()
        # whose gates decide whether to answer (the cross reader's where calibration found
        # them better than the first reader's own: `search.cross_reader`)
        self.cross_gates = self.cross is not None and self.cross.calibration.decides == "cross"
        gates = self.cross.calibration if self.cross and self.cross_gates else self.model
        self.threshold = gates.threshold if threshold is None else threshold
        self.report_threshold = gates.report_threshold
        # the unit probability is the cross reader's when there is one
        self.uncertain = self.cross.calibration.uncertain if self.cross else self.model.uncertain
        self.max_units = max_units
        self.keep_ratio = keep_ratio  # a second unit needs this share of the best's probability
        self._idf = _idf_table(searcher)
        n = len(searcher.index.chunks)
        self._max_idf = math.log(1 + (n + 0.5) / 0.5)

    def indexed(self) -> list[str]:
        """Municipalities the index has reports from."""
        return self.searcher.filter_values()["municipality"]

    def idf(self, term: str) -> float:
        """Inverse document frequency of an analyzer term over the passages (unknown: max)."""
        return self._idf.get(term, self._max_idf)

    def context(
        self,
        question: str,
        hits: Sequence[Hit],
        qvec: np.ndarray,
        info: QueryInfo | None = None,
        like: Context | None = None,
    ) -> Context:
        """What the features need of the question and its passages. `info` is the
        searcher's analysis of the question, if the caller has it; `like` is the context of
        the same question over other passages (a comparison's per-report search), whose
        question-level parts are taken as they are."""
        if like is None:
            info = info or self.searcher.understand(question)
            fixed = self.searcher.correct(question)
            question = fixed.query if fixed else question  # typos would hide the subject words
            content = self.content_words(question)
            weights = {t: self.idf(t) for t in sorted(set(self.searcher.query_terms(question)))}
        else:
            content, weights, info = like.content, like.weights, like.info
        index = self.searcher.index
        rows = [index.by_id[h.chunk.id] for h in hits if h.chunk.id in index.by_id]
        cosines = dict(
            zip(
                (index.chunks[r].id for r in rows),
                map(float, self.searcher.store.cosines(rows, qvec)) if rows else [],
                strict=True,
            )
        )
        return Context(
            weights=weights,
            content=content,
            info=info,
            support=1.0 if info.english else self._support(content, hits),
            top_score=max((h.score for h in hits), default=0.0),
            cosines=cosines,
        )

    def scored_units(
        self, question: str, hits: Sequence[Hit], qvec: np.ndarray, ctx: Context | None = None
    ) -> list[ScoredUnit]:
        """Every unit of `hits` with the model's probability and its features, best first."""
        ctx = ctx or self.context(question, hits, qvec)
        found: list[Unit] = []
        rows: list[dict[str, float]] = []
        for h in hits:
            of_hit = units(h)
            last = max(len(of_hit) - 1, 1)
            for i, u in enumerate(of_hit):
                found.append(u)
                rows.append(features(u, ctx, self.searcher, i / last))
        probs = self.model.probability(rows)
        scored = [ScoredUnit(float(p), u, r) for p, u, r in zip(probs, found, rows, strict=True)]
        scored.sort(key=lambda s: (-s.probability, s.unit.hit.rank, s.unit.start))
        return scored

    def rerank(
        self,
        query: str,
        hits: list[Hit],
        query_vector: np.ndarray | None = None,
        info: QueryInfo | None = None,
    ) -> list[Hit]:
        """Hybrid search results with the first `RERANK_K` ordered by how likely a
        sentence, row or cell of each passage answers the query, weighed with its rank. A
        comparison keeps one passage per report first (see `Searcher.search`), chosen by
        `_rerank_per_report`. `info` is the searcher's analysis of the query, if the caller
        has it."""
        top = hits[:RERANK_K]
        if len(top) < 2 or not self.searcher.query_terms(query):
            return hits
        info = info or self.searcher.understand(query)
        qvec = self.searcher.embed(query) if query_vector is None else query_vector
        ctx = self.context(query, top, qvec, info)
        if ctx.info.comparison:
            return self._rerank_per_report(query, hits, qvec, ctx)
        order = self._by_reader(query, top, qvec, ctx) + list(hits[RERANK_K:])
        return [replace(h, rank=n) for n, h in enumerate(order, start=1)]

    def _by_reader(self, query: str, hits: list[Hit], qvec: np.ndarray, ctx: Context) -> list[Hit]:
        """`hits` ordered by RERANK_WEIGHT × their best unit's probability + 1 / rank."""
        best: dict[str, float] = {}
        scored = self.scored_units(query, hits, qvec, ctx)
        if self.rerank_with_cross and self.cross:
            scored = self.cross.rescore(query, scored)
        for s in scored:
            best.setdefault(s.unit.hit.chunk.id, s.probability)  # scored best first
        return sorted(
            hits, key=lambda h: (-(RERANK_WEIGHT * best.get(h.chunk.id, 0.0) + 1 / h.rank), h.rank)
        )

    def _rerank_per_report(
        self, query: str, hits: list[Hit], qvec: np.ndarray, ctx: Context
    ) -> list[Hit]:
        """A comparison's ranking: each report's first passage stays first, in the
        searcher's order of reports; of a report's passages among the first `RERANK_K`, the
        one with the unit the reader finds likeliest (read in the report's own context, as
        /ask reads a report) leads. Then the rest in order. No report is searched again: at
        scale one search per report would cost more than the whole query."""
        top: dict[str, list[Hit]] = {}
        for h in hits[:RERANK_K]:
            top.setdefault(h.chunk.doc_id, []).append(h)
        first: dict[str, Hit] = {}
        for h in hits:
            doc = h.chunk.doc_id
            if doc in first:
                continue
            group = top.get(doc, [])
            if len(group) > 1:
                report_ctx = self.context(query, group, qvec, like=ctx)
                scored = self.scored_units(query, group, qvec, report_ctx)
                best = scored[0].unit.hit.chunk.id  # best first; ties keep the search's order
                h = next(g for g in group if g.chunk.id == best)
            first[doc] = h
        chosen = {h.chunk.id for h in first.values()}
        order = [*first.values(), *(h for h in hits if h.chunk.id not in chosen)]
        return [replace(h, rank=n) for n, h in enumerate(order, start=1)]

    def answer(
        self,
        question: str,
        hits: Sequence[Hit],
        query_vector: np.ndarray | None = None,
        filters: SearchFilters | None = None,
        info: QueryInfo | None = None,
    ) -> Answer:
        """The best units of `hits` for `question`, or an abstention; per report for a
        comparison. `query_vector` is the question's embedding and `info` the searcher's
        analysis of it, if the caller has them."""
        info = info or self.searcher.understand(question)
        if info.elsewhere and not info.municipalities:
            message = elsewhere_message(info.elsewhere, self.indexed())
            return Answer(answered=False, units=[], confidence=0.0, message=message)
        if not hits or not self.searcher.query_terms(question):
            return Answer(answered=False, units=[], confidence=0.0, message=NO_ANSWER)
        qvec = self.searcher.embed(question) if query_vector is None else query_vector
        ctx = self.context(question, hits, qvec, info)
        if info.comparison:
            return self._compare(question, qvec, ctx, filters)
        scored = self.scored_units(question, hits, qvec, ctx)
        if not scored:
            return self._abstain(ctx)
        confidence = self.model.answerable(scored[0].features, scored[0].probability)
        if self.cross:
            scored = self.cross.rescore(question, scored)
            if self.cross_gates:
                confidence = self.cross.answerable(scored, confidence)
        best = scored[0]
        # The question's subject must occur in a passage: the model weighs support, but a
        # question none of whose content words the reports use is never answered.
        answered = confidence >= self.threshold and ctx.support >= MIN_SUPPORT
        return Answer(
            answered=answered,
            units=self._choose(scored, ctx),
            confidence=confidence,
            message=None if answered else NO_ANSWER,
            support=ctx.support,
            answer_type=info.answer_type,
            unit_probability=best.probability,
            uncertain=answered and best.probability < self.uncertain,
        )

    def _choose(self, scored: list[ScoredUnit], ctx: Context) -> list[Unit]:
        """The best unit, at the grain the question names, and the next ones (up to
        `max_units`) at least `keep_ratio` as likely that quote other text."""
        best = scored[0]
        chosen = [self._table_grain(best.unit, scored, ctx)]
        for s in scored[1:]:
            if len(chosen) >= self.max_units or s.probability < self.keep_ratio * best.probability:
                break
            if not any(_overlaps(s.unit, c) or _same_text(s.unit, c) for c in chosen):
                chosen.append(s.unit)
        return chosen

    def _abstain(
        self, ctx: Context, confidence: float = 0.0, rows: list[ComparisonRow] | None = None
    ) -> Answer:
        """No answer: the reports' passages (and a comparison's rows) are shown instead."""
        return Answer(
            answered=False,
            units=[],
            confidence=confidence,
            message=NO_ANSWER,
            support=ctx.support,
            answer_type=ctx.info.answer_type,
            comparison=rows or [],
        )

    def _table_grain(self, best: Unit, scored: list[ScoredUnit], ctx: Context) -> Unit:
        """The cell the question names, or the whole row when it names no column: a
        question naming a year gets that year's cell; one naming none gets every column."""
        if best.kind not in ("row", "cell"):
            return best
        same_row = [
            s.unit
            for s in scored
            if s.unit.hit.chunk.id == best.hit.chunk.id and s.unit.start == best.start
        ]
        named = [u for u in same_row if u.kind == "cell" and self._names_column(u, ctx)]
        if len(named) == 1:
            return named[0]
        if best.kind == "cell" and not named:
            return next((u for u in same_row if u.kind == "row"), best)
        return best

    def _names_column(self, cell: Unit, ctx: Context) -> bool:
        """Whether the question names this cell's column: its year, or a word of its header
        ("prognos", "budget") that the question has."""
        if ctx.years:
            return any(y in cell.column for y in ctx.years)
        header_terms = set().union(*(t for _, _, t in self.searcher.spans(cell.column)), set())
        return bool(header_terms & set(ctx.weights))

    def _compare(
        self, question: str, qvec: np.ndarray, ctx: Context, filters: SearchFilters | None
    ) -> Answer:
        """One best unit per report of `comparison_scope`, shown where the report gate finds
        that the report states the fact."""
        docs = self.searcher.index.documents
        scope = self.comparison_scope(question, qvec, ctx.info, filters)
        named = len(ctx.info.municipalities) >= 2
        rows: list[ComparisonRow] = []
        for doc_id in scope:
            scored, p = self._read_report(question, self.report_units(question, doc_id, qvec, ctx))
            best = scored[0] if scored else None
            # Of every report ("Vilken kommun …"), one none of whose best passages uses any of
            # the question's content words is never quoted, however the gate reads it: the
            # gate learns from reports that speak of the subject. A report the question
            # names is asked for, in whatever words it uses.
            speaks = named or (best is not None and best.features["support"] > 0)
            ok = p >= self.report_threshold and speaks
            rows.append(ComparisonRow(doc_id, best.unit if ok and best else None, p))
        answered_rows = [r for r in rows if r.unit is not None]
        confidence = max((r.confidence for r in answered_rows), default=0.0)
        units_ = [r.unit for r in answered_rows if r.unit is not None]
        if not units_:
            return self._abstain(ctx, confidence, rows)
        names = {d: place(docs[d]) for d in scope}
        return Answer(
            answered=True,
            units=units_,
            confidence=confidence,
            support=ctx.support,
            answer_type=ctx.info.answer_type,
            comparison=rows,
            verdict=verdict(question, rows, names),
            missing=missing(rows, names),
        )

    def comparison_scope(
        self,
        question: str,
        qvec: np.ndarray,
        info: QueryInfo,
        filters: SearchFilters | None,
    ) -> list[str]:
        """The reports a comparison answers: those of the municipalities the question names
        (two or more), else every report the filters allow; of more than `MAX_COMPARED`,
        those whose passages the search finds first for the question."""
        docs = self.searcher.index.documents
        scope = sorted(self.searcher.allowed_docs(filters or SearchFilters()))
        if len(info.municipalities) >= 2:
            scope = [d for d in scope if docs[d].municipality in info.municipalities]
        if len(scope) <= MAX_COMPARED:
            return scope
        allowed = set(scope)
        hits, _ = self.searcher.search(question, SCOPE_K, filters, query_vector=qvec, info=info)
        found = dict.fromkeys(h.chunk.doc_id for h in hits if h.chunk.doc_id in allowed)
        return sorted(list(found)[:MAX_COMPARED])

    def report_units(
        self, question: str, doc_id: str, qvec: np.ndarray, ctx: Context
    ) -> list[ScoredUnit]:
        """A comparison's units in one report: of its `COMPARISON_K` best passages for the
        question, scored like `scored_units`, best first."""
        only = SearchFilters(document_id=(doc_id,))
        hits, _ = self.searcher.search(
            question, COMPARISON_K, only, query_vector=qvec, info=ctx.info
        )
        if not hits:
            return []
        return self.scored_units(question, hits, qvec, self.context(question, hits, qvec, like=ctx))

    def _read_report(
        self, question: str, scored: list[ScoredUnit]
    ) -> tuple[list[ScoredUnit], float]:
        """A comparison report's units as the second reader orders them (when there is one)
        and P(the report states the fact), from the first reader's `report_units`."""
        if not scored:
            return [], 0.0
        p = self.model.states(scored[0].features, scored[0].probability)
        if self.cross:
            scored = self.cross.rescore(question, scored, report=True)
            if self.cross_gates:
                p = self.cross.states(scored, p)
        return scored, p

    def content_words(self, question: str) -> list[tuple[frozenset[str], float]]:
        """The question's subject words: (analyzer terms, IDF weight) of each word that is
        not a stop word, a generic term, a municipality of the index, a year or a
        superlative ("högst" ranks the answers; it would match "högskola")."""
        names = {fold(n) for n in self.indexed()}
        out = []
        for start, end, terms in self.searcher.analyzer.spans(question):
            word = fold(question[start:end])
            if not terms or terms & GENERIC_TERMS or YEAR.fullmatch(word):
                continue
            if word in names or word.removesuffix("s") in names or word in SUPERLATIVES:
                continue
            out.append((terms, max(self.idf(t) for t in terms)))
        return out

    def support(self, question: str, hits: Sequence[Hit]) -> float:
        """Largest IDF-weighted share of the question's content words found in one passage
        (its context header included); 1.0 when the question has no content words."""
        return self._support(self.content_words(question), hits)

    def _support(self, words: list[tuple[frozenset[str], float]], hits: Sequence[Hit]) -> float:
        total = sum(w for _, w in words)
        if not words or total <= 0:
            return 1.0
        best = 0.0
        for hit in hits:
            present = self.searcher.terms(hit.chunk.indexed_text)
            best = max(best, sum(w for terms, w in words if terms & present) / total)
        return best


def _same_text(a: Unit, b: Unit) -> bool:
    """Two units saying the same (a report repeats a sentence, maybe with other case)."""
    return fold(a.answer_text()) == fold(b.answer_text())


def _overlaps(a: Unit, b: Unit) -> bool:
    """Two units of one passage that quote the same text (a row and one of its cells)."""
    return a.hit.chunk.id == b.hit.chunk.id and a.start < b.end and b.start < a.end


_MODEL: AnswerModel | None = None


def _packaged_model() -> AnswerModel:
    global _MODEL
    if _MODEL is None:
        _MODEL = AnswerModel.load()
    return _MODEL


def reload_model() -> None:
    """Read the packaged model again on next use (after `rapportsok eval --train-reader`)."""
    global _MODEL
    _MODEL = None


def _idf_table(searcher: Searcher) -> dict[str, float]:
    """BM25-style IDF of every term in the index, from its document frequencies."""
    bm25 = searcher.index.bm25
    df = bm25.document_frequencies()
    n = len(searcher.index.chunks)
    return {t: math.log(1 + (n - df[i] + 0.5) / (df[i] + 0.5)) for t, i in bm25.vocab_dict.items()}
