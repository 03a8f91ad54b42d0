"""Fusion, filters and query scoping of the search core, on the tiny corpus with the fake
encoder (the fast tier; the real model's ranks are pinned in tests/service and tests/eval)."""

from __future__ import annotations

import numpy as np
import pytest

from rapportsok.errors import UnknownFilterValue
from search.retrieval import FusionConfig, SearchFilters, fuse, minmax

ALE = "ale-kommunstyrelsen-delarsrapport-2022"
BJUV = "bjuv-kommunstyrelsen-arsredovisning-2021"


def test_minmax_scales_to_the_unit_interval() -> None:
    assert minmax({1: 2.0, 2: 4.0, 3: 3.0}) == {1: 0.0, 2: 1.0, 3: 0.5}
    assert minmax({7: 0.3, 8: 0.3}) == {7: 1.0, 8: 1.0}
    assert minmax({}) == {}


def test_linear_fusion_by_hand() -> None:
    # dense minmax: {0: 1, 1: 0}; BM25 minmax: {1: 1, 2: 0}
    # 0: 0.7 * 1 = 0.7;  1: 0.7 * 0 + 0.3 * 1 = 0.3;  2: 0.3 * 0 = 0.0
    fused = fuse({0: 0.9, 1: 0.5}, {1: 10.0, 2: 5.0}, FusionConfig())
    assert fused == pytest.approx({0: 0.7, 1: 0.3, 2: 0.0})


def test_rrf_fusion_by_hand() -> None:
    # dense ranks 0, 1; BM25 ranks 1, 2; weight / (60 + rank)
    fused = fuse({0: 0.9, 1: 0.5}, {1: 10.0, 2: 5.0}, FusionConfig(method="rrf"))
    assert fused == pytest.approx({0: 0.7 / 61, 1: 0.7 / 62 + 0.3 / 61, 2: 0.3 / 62})


def test_query_naming_a_municipality_searches_only_its_report(tiny_searcher) -> None:
    hits, _ = tiny_searcher.search("Hur hög var sjukfrånvaron i Bjuvs kommun?", k=10)
    assert {h.chunk.doc_id for h in hits} == {BJUV}
    assert "8,3 procent" in hits[0].chunk.text


def test_chosen_reports_win_over_the_municipality_in_the_query(tiny_searcher) -> None:
    hits, _ = tiny_searcher.search(
        "sjukfrånvaro Bjuv", k=10, filters=SearchFilters(document_id=(ALE,))
    )
    assert {h.chunk.doc_id for h in hits} == {ALE}


def test_year_filter_keeps_that_years_reports(tiny_searcher) -> None:
    hits, _ = tiny_searcher.search("sjukfrånvaro", k=10, filters=SearchFilters(year=(2022,)))
    assert {h.chunk.doc_id for h in hits} == {ALE}


def test_unknown_filter_value_names_it_and_the_valid_ones(tiny_searcher) -> None:
    with pytest.raises(UnknownFilterValue) as info:
        tiny_searcher.search("ekonomi", filters=SearchFilters(municipality=("Alby",)))
    assert str(info.value) == "unknown municipality Alby; valid values: Ale, Bjuv"
    assert info.value.valid == ["Ale", "Bjuv"]


def test_filter_values_are_case_and_accent_insensitive(tiny_searcher) -> None:
    hits, _ = tiny_searcher.search("ekonomi", filters=SearchFilters(municipality=("ALE",)))
    assert hits and {h.chunk.doc_id for h in hits} == {ALE}


def test_dense_ranking_equals_brute_force(tiny_searcher) -> None:
    index = tiny_searcher.index
    n = len(index.chunks)
    hits, _ = tiny_searcher.search("bredband fibernätet hushåll", k=n, mode="dense")
    qvec = tiny_searcher.embed("bredband fibernätet hushåll")
    brute = index.vectors @ qvec
    assert [index.by_id[h.chunk.id] for h in hits] == list(np.argsort(-brute, kind="stable"))
    assert [h.score for h in hits] == pytest.approx(sorted(brute, reverse=True), abs=1e-6)


def test_lexical_side_finds_a_compound_by_its_parts(tiny_searcher) -> None:
    hits, _ = tiny_searcher.search("fiber", k=3, mode="lexical")
    assert hits[0].chunk.doc_id == BJUV and "fibernätet" in hits[0].chunk.text


def test_timings_add_up(tiny_searcher) -> None:
    _, t = tiny_searcher.search("Vilket överskott redovisar Ale?", k=3)
    assert t.total_ms >= t.embed_ms + t.faiss_ms + t.bm25_ms + t.fusion_ms - 1e-6
    assert set(t.as_dict()) == {"embed_ms", "faiss_ms", "bm25_ms", "fusion_ms", "total_ms"}


def test_a_comparison_shows_each_reports_best_passage_first(tiny_searcher) -> None:
    plain, _ = tiny_searcher.search("sjukfrånvaro", k=10)
    compared, _ = tiny_searcher.search("Vilken kommun hade högst sjukfrånvaro?", k=10)
    assert [h.chunk.doc_id for h in compared[:2]] in ([ALE, BJUV], [BJUV, ALE])
    # Either way every passage is still there, and the rest keep their order.
    assert len({h.chunk.id for h in compared}) == len(compared)
    assert {h.chunk.doc_id for h in plain} == {h.chunk.doc_id for h in compared}
