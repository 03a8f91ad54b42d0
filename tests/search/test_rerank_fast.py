"""/search's reranking of its first passages by the reader, and the reports a comparison reads
fake encoder and a hand-made reader that looks at one feature only)."""

from __future__ import annotations

from dataclasses import replace

from search.answer import RERANK_K, Answerer
from search.answer_features import FEATURES
from search.answer_scoring import AnswerModel


def _coverage_reader() -> AnswerModel:
    """P(unit answers) driven by the share of the query's content words it holds alone."""
    data = AnswerModel.untrained().data | {"coef": [0.0] * len(FEATURES)}
    data["coef"][FEATURES.index("content_coverage")] = 20.0
    data["intercept"] = -10.0
    return AnswerModel(data)


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


def test_a_comparison_leads_each_report_with_its_likeliest_passage(tiny_searcher) -> None:
    query = "Vilken kommun hade högst sjukfrånvaro?"
    hits, _ = tiny_searcher.search(query, k=10)
    # The search's order turned around: Ale's surplus, Ale's library, Bjuv, Ale's sick leave.
    backwards = [replace(h, rank=n) for n, h in enumerate(reversed(hits), start=1)]
    assert [(h.chunk.doc_id[:4], h.chunk.text[:20]) for h in backwards] == [
        ("ale-", "Kommunstyrelsen redo"),
        ("ale-", "Biblioteket i Nöding"),
        ("bjuv", "Kommunstyrelsens res"),
        ("ale-", "Sjukfrånvaron bland "),
    ]
    # Ale still comes first (its passage came first), now led by the sick-leave passage,
    # whose sentence holds the query's word; then Bjuv's one passage; then the rest in the
    # order they came.
    reranked = Answerer(tiny_searcher, model=_coverage_reader()).rerank(query, backwards)
    assert [(h.rank, h.chunk.doc_id[:4], h.chunk.text[:20]) for h in reranked] == [
        (1, "ale-", "Sjukfrånvaron bland "),
        (2, "bjuv", "Kommunstyrelsens res"),
        (3, "ale-", "Kommunstyrelsen redo"),
        (4, "ale-", "Biblioteket i Nöding"),
    ]


def test_a_comparison_over_more_reports_than_a_table_holds_takes_those_found_first(
    tiny_searcher, monkeypatch
) -> None:
    import search.answer

    query = "Vilken kommun hade högst sjukfrånvaro?"
    answerer = Answerer(tiny_searcher, model=_coverage_reader(), threshold=0.0)
    hits, _ = tiny_searcher.search(query, k=5)
    assert [r.doc_id[:4] for r in answerer.answer(query, hits).comparison] == ["ale-", "bjuv"]
    # Room for one report: Ale's sick-leave passage is the first the search finds.
    monkeypatch.setattr(search.answer, "MAX_COMPARED", 1)
    assert [r.doc_id[:4] for r in answerer.answer(query, hits).comparison] == ["ale-"]
