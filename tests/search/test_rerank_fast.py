"""/search's reranking of its first passages by the reader (fast tier: the tiny corpus, the
fake encoder and a hand-made reader that looks at one feature only)."""

from __future__ import annotations

from dataclasses import replace

from search.answer import RERANK_K, Answerer
from search.reader import FEATURES, ReaderModel


def _coverage_reader() -> ReaderModel:
    """P(unit answers) driven by the share of the query's content words it holds alone."""
    data = ReaderModel.untrained().data | {"coef": [0.0] * len(FEATURES)}
    data["coef"][FEATURES.index("content_coverage")] = 20.0
    data["intercept"] = -10.0
    return ReaderModel(data)


def test_the_passage_whose_sentence_holds_the_query_words_moves_up(tiny_searcher) -> None:
    query = "sjukfrånvaro bland kommunens anställda"
    hits, _ = tiny_searcher.search(query, k=10)
    # Put the best passage last among the first five: the reader brings it back.
    top = hits[:RERANK_K]
    shuffled = [replace(h, rank=n) for n, h in enumerate([*top[1:], top[0]], start=1)]
    answerer = Answerer(tiny_searcher, model=_coverage_reader())
    reranked = answerer.rerank(query, shuffled + hits[RERANK_K:])
    assert reranked[0].chunk.id == hits[0].chunk.id
    assert [h.rank for h in reranked] == list(range(1, len(hits) + 1))
    assert reranked[RERANK_K:] == hits[RERANK_K:]  # passages below the first five keep theirs


def test_a_comparison_shows_first_for_each_report_the_passage_ask_quotes(tiny_searcher) -> None:
    query = "Vilken kommun hade högst sjukfrånvaro?"
    hits, _ = tiny_searcher.search(query, k=10)
    answerer = Answerer(tiny_searcher, model=_coverage_reader(), threshold=0.0)
    quoted = {r.doc_id: r.unit.hit.chunk.id for r in answerer.answer(query, hits[:5]).comparison}
    # Whatever order the search gave (here reversed), each report leads with that passage,
    # the reports in the order they first appear.
    backwards = [replace(h, rank=n) for n, h in enumerate(reversed(hits), start=1)]
    reranked = answerer.rerank(query, backwards)
    reports = list(dict.fromkeys(h.chunk.doc_id for h in backwards))
    assert len(reports) >= 2 and set(reports) == set(quoted)
    assert [h.chunk.id for h in reranked[: len(reports)]] == [quoted[d] for d in reports]
    rest = [h.chunk.id for h in backwards if h.chunk.id not in quoted.values()]
    assert [h.chunk.id for h in reranked[len(reports) :]] == rest
    assert [h.rank for h in reranked] == list(range(1, len(hits) + 1))
