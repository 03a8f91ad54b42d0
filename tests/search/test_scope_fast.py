"""Row selections, FAISS selectors and the BM25 top-n: exactly what brute force over the
allowed rows gives, ties included."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.models import Document
from search.lexical import bm25_scores, lexical_top, top_n
from search.scope import Scope, SearchFilters, Selection

BJUV = "bjuv-kommunstyrelsen-arsredovisning-2021"


def _scope() -> Scope:
    docs = {
        "a": Document("a", "a.txt", "", "A", municipality="Ale", year=2022),
        "b": Document("b", "b.txt", "", "B", municipality="Bjuv", year=2021),
        "c": Document("c", "c.txt", "", "C", municipality="Åre", year=2022),
    }
    # rows 0–2 report a, 3–4 report b, 5–8 report c (positions in the sorted ids a, b, c)
    return Scope(docs, np.array([0, 0, 0, 1, 1, 2, 2, 2, 2], dtype=np.int32))


def test_reports_are_row_ranges_and_sets_of_them_ranges_or_masks() -> None:
    scope = _scope()
    assert scope.rows_of("b") == [3, 4] and scope.rows_of("x") == []
    assert scope.selection({"a", "b", "c"}) is None  # everything: no selector at all
    ab = scope.selection({"a", "b"})
    assert ab is not None and (ab.start, ab.end, ab.size, ab.mask) == (0, 5, 5, None)
    ac = scope.selection({"a", "c"})
    assert ac is not None and ac.size == 7
    assert ac.rows().tolist() == [0, 1, 2, 5, 6, 7, 8]
    assert ac.keep(np.array([8, 3, 0, 4])).tolist() == [8, 0]
    assert scope.selection({"a", "c"}) is ac  # cached
    empty = scope.selection(set())
    assert empty is not None and empty.size == 0


def test_filters_fold_case_and_accents_and_and_the_fields() -> None:
    scope = _scope()
    assert scope.allowed(SearchFilters()) == {"a", "b", "c"}
    assert scope.allowed(SearchFilters(municipality=("are", "BJUV"))) == {"b", "c"}
    assert scope.allowed(SearchFilters(municipality=("Åre", "Ale"), year=(2021,))) == set()
    assert scope.allowed(SearchFilters(year=(2022,), document_id=("A",))) == {"a"}
    assert scope.filter_values() == {
        "municipality": ["Ale", "Bjuv", "Åre"],
        "year": [2021, 2022],
        "report_type": [],
        "document_id": ["a", "b", "c"],
    }


@pytest.mark.parametrize("index_type", ["flat", "hnsw"])
def test_faiss_with_a_selection_equals_brute_force_on_the_allowed_rows(index_type: str) -> None:
    from indexer.store.index import make_faiss

    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = make_faiss(vectors, index_type)  # type: ignore[arg-type]
    if index_type == "hnsw":
        index.hnsw.efSearch = 300  # on 300 rows: the search visits every row, so it is exact
    q = rng.normal(size=16).astype(np.float32)
    q /= np.linalg.norm(q)
    mask = rng.random(300) < 0.3
    for sel in (Selection(int(mask.sum()), 0, 300, mask), Selection(40, 100, 140)):
        rows = sel.rows()
        scores, ids = index.search(q[None, :], 20, params=sel.faiss_params())
        brute = vectors[rows] @ q
        order = np.argsort(-brute, kind="stable")[:20]
        assert ids[0].tolist() == rows[order].tolist()
        assert scores[0] == pytest.approx(brute[order], abs=1e-5)


def test_top_n_is_a_stable_sort_cut_short() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        values = rng.integers(0, 6, size=int(rng.integers(1, 60))).astype(np.float32)
        n = int(rng.integers(1, 70))
        assert top_n(values, n).tolist() == np.argsort(-values, kind="stable")[:n].tolist()


def test_bm25_scores_are_bm25s_scores_bit_for_bit(tiny_searcher) -> None:
    from indexer.build import make_bm25
    from indexer.reading.chunker import clean_text

    index = tiny_searcher.index
    tokens = [tiny_searcher.analyzer.analyze(clean_text(c.indexed_text)) for c in index.chunks]
    reference = make_bm25(tokens)  # what a build gave the index before segments
    for query in ("sjukfrånvaro kommun", "bredband fiber fiber hushåll", "ekonomi resultat"):
        terms = [t for t in tiny_searcher.query_terms(query) if t in reference.vocab_dict]
        assert terms
        expected = np.asarray(reference.bm25.get_scores(terms), dtype=np.float32)
        # bm25s's own object, and the index's postings with collection statistics
        assert np.array_equal(
            bm25_scores(reference, [reference.vocab_dict[t] for t in terms]), expected
        )
        ids = [index.bm25.vocab_dict[t] for t in terms]
        assert np.array_equal(bm25_scores(index.bm25, ids), expected)


def test_lexical_top_among_a_selection_equals_sorting_the_allowed_rows(tiny_searcher) -> None:
    bm25 = tiny_searcher.index.bm25
    terms = [t for t in tiny_searcher.query_terms("kommunens ekonomi") if t in bm25.vocab_dict]
    ids = [bm25.vocab_dict[t] for t in terms]
    everything = bm25.get_scores_from_ids(ids)
    sel = tiny_searcher.row_scope.selection({BJUV})
    for selection, rows in ((None, np.arange(len(everything))), (sel, sel.rows())):
        sub = everything[rows]
        order = [i for i in np.argsort(-sub, kind="stable")[:3] if sub[i] > 0]
        expected = {int(rows[i]): float(sub[i]) for i in order}
        got = lexical_top(bm25, ids, selection, 3)
        assert list(got.items()) == list(expected.items())
