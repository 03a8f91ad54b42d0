"""Evaluate retrieval and /ask on the question set: per-question rows and their means.

The runner only needs something that can search and ask: `InProcess` wraps a `Searcher` (and
an `Answerer`), `eval.http.HttpBackend` talks to a running server. Both return plain
`Passage`s and `AskOutcome`s, so the scoring here is the same for both.

A passage is relevant to a question when it comes from one of the question's reports and
contains one of its verbatim evidence strings (`eval.metrics.contains_evidence`).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Protocol, runtime_checkable

from eval.metrics import (
    Question,
    contains_evidence,
    hit_at_k,
    mrr_at_k,
    ndcg_at_k,
)
from rapportsok.text import fold_cells, fold_whitespace

if TYPE_CHECKING:
    from search.answer import Answerer
    from search.retrieval import Searcher

Mode = Literal["lexical", "dense", "hybrid"]
MODES: tuple[Mode, ...] = ("lexical", "dense", "hybrid")
RETRIEVAL_METRICS = ("hit@1", "hit@5", "hit@10", "mrr@10", "ndcg@10")
ASK_METRICS = (
    "answer_hit",
    "comparison_complete",
    "comparison_left_out",
    "bad_unit",
    "cites_evidence",
    "quotes_evidence",
    "abstain_unanswerable",
    "wrong_abstain_answerable",
)


class Passage(NamedTuple):
    """What the runner needs of a retrieved passage: its report and verbatim text."""

    doc_id: str
    text: str


class AskOutcome(NamedTuple):
    """What the runner needs of an /ask answer: answered?, the quotes, the cited passages,
    the answer text, and for a comparison the reports it gave an answer for and every
    report in its scope (those it says give no figure too)."""

    answered: bool
    quotes: list[str]
    cited: list[Passage]
    answer: str = ""
    compared: tuple[str, ...] = ()
    scope: tuple[str, ...] = ()


@runtime_checkable
class Backend(Protocol):
    """Something that searches and answers (in-process or over HTTP)."""

    name: str

    def search(self, query: str, k: int, mode: Mode) -> list[Passage]:
        """The `k` best passages for `query` in `mode`, best first."""
        ...

    def ask(self, question: str, k: int) -> AskOutcome:
        """The /ask answer to `question` from its `k` best passages."""
        ...


class InProcess:
    """A `Backend` over a `Searcher` in this process (and an `Answerer` for /ask).

    Each call embeds the query itself (not through the searcher's cache), so latency is
    that of a new query even when several modes ask the same question.
    """

    def __init__(
        self, searcher: Searcher, answerer: Answerer | None = None, name: str = "in-process"
    ) -> None:
        self.searcher = searcher
        self._answerer = answerer
        self.name = name

    @property
    def answerer(self) -> Answerer:
        """The answerer (the service's defaults unless one was given)."""
        if self._answerer is None:
            from search.answer import Answerer

            self._answerer = Answerer(self.searcher)
        return self._answerer

    def _vector(self, text: str) -> Any:
        return self.searcher.encoder.encode_queries([text])[0]

    def search(self, query: str, k: int, mode: Mode) -> list[Passage]:
        """Search in-process (see `Backend.search`)."""
        qvec = None if mode == "lexical" else self._vector(query)
        info = self.searcher.understand(query)
        hits, _ = self.searcher.search(query, k, mode=mode, query_vector=qvec, info=info)
        if mode == "hybrid":  # as POST /search does
            hits = self.answerer.rerank(query, hits, qvec, info)
        return [Passage(h.chunk.doc_id, h.chunk.text) for h in hits]

    def ask(self, question: str, k: int) -> AskOutcome:
        """Answer in-process like POST /ask (hybrid search, then the answerer)."""
        qvec = self._vector(question)
        info = self.searcher.understand(question)
        hits, _ = self.searcher.search(question, k, mode="hybrid", query_vector=qvec, info=info)
        ans = self.answerer.answer(question, hits, qvec, info=info)
        scope = tuple(r.doc_id for r in ans.comparison)
        if not ans.answered:
            return AskOutcome(False, [], [], scope=scope)
        quotes = [u.quote() for u in ans.units]
        cited = [Passage(u.hit.chunk.doc_id, u.hit.chunk.text) for u in ans.units]
        compared = tuple(r.doc_id for r in ans.comparison if r.unit is not None)
        from search.units import answer_texts

        text = " ".join(answer_texts(ans.units))
        return AskOutcome(True, quotes, cited, text, compared, scope)


def as_backend(searcher_or_backend: Searcher | Backend) -> Backend:
    """A `Backend` as is; a `Searcher` wrapped in `InProcess`."""
    if isinstance(searcher_or_backend, Backend):
        return searcher_or_backend
    return InProcess(searcher_or_backend)


# ---- retrieval -------------------------------------------------------------------------


def relevance(question: Question, passages: Iterable[Passage]) -> list[bool]:
    """Per rank: does the passage come from an answering report and hold the evidence?"""
    return [
        p.doc_id in question.doc_ids and contains_evidence(p.text, question.evidence)
        for p in passages
    ]


def score_ranking(rel: Sequence[bool]) -> dict[str, float]:
    """hit@1, hit@5, hit@10, mrr@10 and nDCG@10 of one relevance list (best first).

    nDCG's ideal counts only the relevant passages found in the top 10: with evidence
    labels the number of relevant passages in the index is unknown.
    """
    return {
        "hit@1": hit_at_k(rel, 1),
        "hit@5": hit_at_k(rel, 5),
        "hit@10": hit_at_k(rel, 10),
        "mrr@10": mrr_at_k(rel, 10),
        "ndcg@10": ndcg_at_k(rel, 10),
    }


@dataclass(frozen=True)
class RetrievalRow:
    """One question in one mode: its relevance list, metrics and latency."""

    id: str
    type: str
    split: str
    mode: str
    relevance: tuple[bool, ...]
    metrics: dict[str, float]
    latency_ms: float
    top_doc: str | None


def group_means(
    rows: Sequence[Any], metrics: Sequence[str], value: Any = None
) -> dict[str, dict[str, float]]:
    """Means of `metrics` over all rows (`"all"`), per split and per question type.

    `value(row, metric)` reads a metric of a row (default: `row.metrics[metric]`); each
    group also has `"n"`, its number of rows.
    """
    get = value or (lambda row, m: row.metrics[m])
    groups: dict[str, list[Any]] = {"all": list(rows)}
    for row in rows:
        groups.setdefault(row.split, []).append(row)
    for row in rows:
        groups.setdefault(row.type, []).append(row)
    out: dict[str, dict[str, float]] = {}
    for name, members in groups.items():
        out[name] = {"n": float(len(members))}
        for m in metrics:
            vals = [v for v in (get(r, m) for r in members) if v is not None]
            out[name][m] = sum(vals) / len(vals) if vals else float("nan")
    return out


@dataclass
class RetrievalResults:
    """Rows of every (question, mode) and, per mode, the grouped means and median latency."""

    rows: list[RetrievalRow]
    means: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    latency_ms: dict[str, float] = field(default_factory=dict)

    def mean(self, mode: str, metric: str, group: str = "all") -> float:
        """`means[mode][group][metric]`, e.g. `mean("hybrid", "hit@5", "test")`."""
        return self.means[mode][group][metric]


def evaluate_retrieval(
    searcher_or_client: Searcher | Backend,
    questions: Sequence[Question],
    modes: Sequence[Mode] = MODES,
    k: int = 10,
    label: str = "",
) -> RetrievalResults:
    """Search every answerable question in every mode and score the rankings.

    `label` prefixes the mode names in the results (`"baseline-"` gives
    `"baseline-hybrid"`). Unanswerable questions have no relevant passage and are skipped.
    """
    if k < 10:
        raise ValueError(f"k must be at least 10 for hit@10 and mrr@10, got {k}")
    for mode in modes:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    backend = as_backend(searcher_or_client)
    answerable = [q for q in questions if q.answerable]
    rows: list[RetrievalRow] = []
    for mode in modes:
        for q in answerable:
            t0 = time.perf_counter()
            passages = backend.search(q.question, k, mode)
            ms = (time.perf_counter() - t0) * 1000
            rel = relevance(q, passages)
            rows.append(
                RetrievalRow(
                    q.id,
                    q.type,
                    q.split,
                    f"{label}{mode}",
                    tuple(rel),
                    score_ranking(rel),
                    ms,
                    passages[0].doc_id if passages else None,
                )
            )
    results = RetrievalResults(rows)
    for name in dict.fromkeys(r.mode for r in rows):
        mine = [r for r in rows if r.mode == name]
        results.means[name] = group_means(mine, RETRIEVAL_METRICS)
        results.latency_ms[name] = statistics.median(r.latency_ms for r in mine)
    return results


# ---- /ask ------------------------------------------------------------------------------


def quotes_evidence(quotes: Sequence[str], evidence: Sequence[str]) -> bool:
    """Whether a quote holds an evidence string or is part of one (a table row, a clause)."""
    ev = [fold_cells(e) for e in evidence if e.strip()]
    folded = [fold_cells(q) for q in quotes if q.strip()]
    return any(e in q or q in e for q in folded for e in ev)


def answer_hits(q: Question, answer: str, quotes: Sequence[str]) -> bool:
    """Whether an answer holds what the question asks: its `value`, each report's value of
    a comparison, or (for questions without one) the evidence in its quotes."""
    folded = fold_whitespace(answer)
    if q.value:
        return fold_whitespace(q.value) in folded
    if q.values:
        return all(fold_whitespace(v) in folded for v in q.values.values())
    return quotes_evidence(quotes, q.evidence)


def is_bad_quote(quote: str) -> bool:
    """A quote that cannot be an answer: its (last) line is a table's header row, a photo
    credit or caption, or a Markdown heading."""
    from rapportsok.text import CAPTION, MD_HEADING, cell_texts, is_header_row, is_table_line

    line = quote.strip().split("\n")[-1]
    if is_table_line(line):
        return is_header_row(cell_texts(line))
    return bool(CAPTION.match(line) or MD_HEADING.match(line))


@dataclass(frozen=True)
class AskRow:
    """One question through /ask: answered?, do its citations hold the evidence, latency."""

    id: str
    type: str
    split: str
    answerable: bool
    answered: bool
    cites_evidence: bool
    quotes_evidence: bool
    latency_ms: float
    answer_hit: bool = False
    comparison_complete: bool | None = None  # None: not a comparison question
    # Of the reports in a comparison's scope that do not state the fact, the share the
    # answer says give no figure (None: not a comparison, or every report states it).
    comparison_left_out: float | None = None
    bad_unit: bool = False  # a quote that is a header row, a caption or a heading

    def value(self, metric: str) -> float | None:
        """The row's 0/1 value of an ASK_METRICS metric, None where it does not apply."""
        if metric == "abstain_unanswerable":
            return None if self.answerable else float(not self.answered)
        if metric == "bad_unit":
            return float(self.bad_unit) if self.answered else None
        if metric == "comparison_complete":
            return None if self.comparison_complete is None else float(self.comparison_complete)
        if metric == "comparison_left_out":
            return self.comparison_left_out
        if not self.answerable:
            return None
        if metric == "wrong_abstain_answerable":
            return float(not self.answered)
        return float(getattr(self, metric))


@dataclass
class AskResults:
    """Rows of every question and the grouped rates (see `evaluate_ask`)."""

    rows: list[AskRow]
    means: dict[str, dict[str, float]] = field(default_factory=dict)
    latency_ms: float = float("nan")


def evaluate_ask(
    searcher_or_client: Searcher | Backend, questions: Sequence[Question], k: int = 5
) -> AskResults:
    """Ask every question (as POST /ask with `k` passages) and score the answers.

    Rates: `answer_hit` (the answer text holds the question's `value`, every report's value
    for a comparison, or else quotes the evidence; an abstention is a miss),
    `cites_evidence` (answerable questions whose answer cites a passage of an
    answering report that holds the evidence; an abstention counts as a miss),
    `quotes_evidence` (the quoted sentence itself holds, or is part of, the evidence),
    `abstain_unanswerable` (share of unanswerable questions abstained on) and
    `wrong_abstain_answerable` (share of answerable questions abstained on),
    `comparison_complete` (comparisons answered for every report in scope),
    `comparison_left_out` (of the reports in a comparison's scope that do not state the
    fact, the share it says give no figure; an abstention leaves them all out) and `bad_unit`
    (answers quoting a header row, a caption or a heading; must be 0).
    """
    backend = as_backend(searcher_or_client)
    rows: list[AskRow] = []
    for q in questions:
        t0 = time.perf_counter()
        out = backend.ask(q.question, k)
        ms = (time.perf_counter() - t0) * 1000
        cites = q.answerable and out.answered and any(relevance(q, out.cited))
        quotes = q.answerable and out.answered and quotes_evidence(out.quotes, q.evidence)
        hit = q.answerable and out.answered and answer_hits(q, out.answer, out.quotes)
        complete = left_out = None
        if q.type == "comparison":
            complete = out.answered and set(q.doc_ids) <= set(out.compared)
            silent = set(out.scope) - set(q.doc_ids)
            if silent:
                left_out = len(silent - set(out.compared)) / len(silent)
        bad = out.answered and any(is_bad_quote(x) for x in out.quotes)
        rows.append(
            AskRow(
                q.id,
                q.type,
                q.split,
                q.answerable,
                out.answered,
                cites,
                quotes,
                ms,
                hit,
                complete,
                left_out,
                bad,
            )
        )
    means = group_means(rows, ASK_METRICS, lambda r, m: r.value(m))
    latency = statistics.median(r.latency_ms for r in rows) if rows else float("nan")
    return AskResults(rows, means, latency)
