"""The dense side over each kind of FAISS index: exact where it must be, filters inside the
approximate ones, and a rebuild (an upload, a removal) keeping the kind the index has."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from helpers import FakeEncoder

from indexer.store.dense import ANN_MIN_PASSAGES, ivf_lists, make_faiss, resolve_faiss
from search import dense
from search.dense import DenseSearch
from search.scope import Selection

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny"


def _unit(rng: np.random.Generator, n: int, dim: int = 16) -> np.ndarray:
    v = rng.normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_auto_is_exact_below_the_threshold_and_ivf_above() -> None:
    assert resolve_faiss("auto", ANN_MIN_PASSAGES - 1) == "flat"
    assert resolve_faiss("auto", ANN_MIN_PASSAGES) == "ivf"
    assert resolve_faiss("hnsw", 10) == "hnsw"
    # about 4·√n lists, each trained on at least 40 vectors
    assert (ivf_lists(2_000), ivf_lists(150_000), ivf_lists(10)) == (50, 1549, 1)
    with pytest.raises(ValueError, match="got 'annoy'"):
        resolve_faiss("annoy", 10)


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_approximate_search_finds_the_exact_top_10(kind: str) -> None:
    rng = np.random.default_rng(5)
    vectors = _unit(rng, 2_000)
    search = DenseSearch(make_faiss(vectors, kind), vectors)  # type: ignore[arg-type]
    assert search.kind == kind
    queries = _unit(rng, 50)
    found = []
    for q in queries:
        got = list(search.search(q, None, 100))[:10]
        exact = np.argsort(-(vectors @ q), kind="stable")[:10].tolist()
        found.append(len(set(got) & set(exact)) / 10)
    assert np.mean(found) >= 0.98


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_a_small_selection_is_scored_exactly(kind: str) -> None:
    rng = np.random.default_rng(6)
    vectors = _unit(rng, 2_000)
    search = DenseSearch(make_faiss(vectors, kind), vectors)  # type: ignore[arg-type]
    q = _unit(rng, 1)[0]
    mask = rng.random(2_000) < 0.1
    for sel in (Selection(int(mask.sum()), 0, 2_000, mask), Selection(300, 700, 1_000)):
        rows = sel.rows()
        sims = vectors[rows] @ q
        order = np.argsort(-sims, kind="stable")[:100]
        got = search.search(q, sel, 100)
        assert list(got) == rows[order].tolist()
        assert list(got.values()) == pytest.approx(sims[order].tolist(), abs=1e-6)


def test_ivf_scores_a_small_selection_from_its_own_lists_not_the_mapped_vectors() -> None:
    # Reading the mapped file paged most of it in over a few hundred searches at 150k.
    rng = np.random.default_rng(7)
    vectors = _unit(rng, 2_000)
    search = DenseSearch(make_faiss(vectors, "ivf"), vectors)
    search.vectors = np.zeros_like(vectors)  # would give every row a score of 0
    q = _unit(rng, 1)[0]
    sel = Selection(300, 700, 1_000)
    got = search.search(q, sel, 10)
    assert list(got) == (700 + np.argsort(-(vectors[700:1_000] @ q), kind="stable")[:10]).tolist()


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_a_large_selection_filters_inside_the_approximate_index(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dense, "EXACT_ROWS", 0)  # every selection through FAISS's selector
    rng = np.random.default_rng(8)
    vectors = _unit(rng, 2_000)
    search = DenseSearch(make_faiss(vectors, kind), vectors)  # type: ignore[arg-type]
    mask = rng.random(2_000) < 0.3
    sel = Selection(int(mask.sum()), 0, 2_000, mask)
    found = []
    for q in _unit(rng, 30):
        got = search.search(q, sel, 100)
        assert len(got) == 100 and all(mask[r] for r in got)
        assert list(got.values()) == pytest.approx((vectors[list(got)] @ q).tolist(), abs=1e-5)
        rows = sel.rows()
        exact = rows[np.argsort(-(vectors[rows] @ q), kind="stable")[:10]].tolist()
        found.append(len(set(list(got)[:10]) & set(exact)) / 10)
    assert np.mean(found) >= 0.98


def test_a_rebuild_keeps_the_index_type(tmp_path: Path) -> None:
    from indexer.build import build_index
    from indexer.store.index import load_index
    from indexer.store.manifest import FaissInfo

    corpus = tmp_path / "corpus"
    shutil.copytree(TINY, corpus)
    out = tmp_path / "index"
    build_index(corpus, out, FakeEncoder(), faiss_type="hnsw")
    first = sorted(p for p in corpus.glob("*.txt"))[0]
    first.unlink()  # what a removal does, then the service rebuilds without a type
    report = build_index(corpus, out, FakeEncoder())
    assert report.removed
    idx = load_index(out)
    assert idx.manifest.faiss == FaissInfo(type="hnsw", requested="hnsw")
    assert "HNSW" in type(idx.faiss_index).__name__
    build_index(corpus, out, FakeEncoder(), faiss_type="auto")
    assert load_index(out).manifest.faiss == FaissInfo(type="flat", requested="auto")


def test_ivf_finds_allowed_rows_in_lists_far_from_the_query(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Two groups of passages in separate regions (as a municipality's reports sit in lists
    # of their own); the query lies in the first, the filter allows only the second: the
    # lists nearest the query hold no allowed row, yet the exact top 10 must come back.
    monkeypatch.setattr(dense, "EXACT_ROWS", 0)
    rng = np.random.default_rng(9)
    centre = np.zeros(16, dtype=np.float32)
    centre[0] = 4.0
    a = _unit(rng, 1_500) + centre
    b = _unit(rng, 1_500) - centre
    vectors = np.concatenate([a, b])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    search = DenseSearch(make_faiss(vectors, "ivf"), vectors)
    sel = Selection(1_500, 1_500, 3_000)
    found = []
    for q in vectors[:20]:  # queries from the first group
        got = search.search(q, sel, 100)
        assert len(got) == 100 and all(1_500 <= r < 3_000 for r in got)
        exact = 1_500 + np.argsort(-(vectors[1_500:] @ q), kind="stable")[:10]
        found.append(len(set(list(got)[:10]) & set(exact.tolist())) / 10)
    assert np.mean(found) >= 0.98


@pytest.mark.parametrize("with_selection", [False, True])
def test_rows_past_the_base_are_scored_exactly_and_merged_by_score(
    monkeypatch: pytest.MonkeyPatch, with_selection: bool
) -> None:
    # FAISS holds the base segment's 1,000 rows; 200 uploaded rows follow it.
    monkeypatch.setattr(dense, "EXACT_ROWS", 10)  # so a selection goes through FAISS too
    rng = np.random.default_rng(8)
    vectors = _unit(rng, 1_200)
    search = DenseSearch(make_faiss(vectors[:1_000], "flat"), vectors, base_rows=1_000)
    mask = rng.random(1_200) < 0.5
    sel = Selection(int(mask.sum()), 0, 1_200, mask) if with_selection else None
    rows = np.flatnonzero(mask) if with_selection else np.arange(1_200)
    for q in _unit(rng, 20):
        sims = vectors[rows] @ q
        exact = rows[np.argsort(-sims, kind="stable")[:30]].tolist()
        got = search.search(q, sel, 30)
        assert list(got) == exact
        assert any(r >= 1_000 for r in exact)  # the tail takes part
        assert np.allclose([got[r] for r in exact], vectors[exact] @ q, atol=1e-6)


@pytest.mark.parametrize("kind", ["flat", "ivf", "hnsw"])
def test_a_small_selection_across_the_base_and_uploaded_rows_is_exact(kind: str) -> None:
    # Rows of the base (in FAISS) and rows uploaded after it: exact on both sides.
    rng = np.random.default_rng(10)
    vectors = _unit(rng, 1_200)
    search = DenseSearch(make_faiss(vectors[:1_000], kind), vectors, base_rows=1_000)  # type: ignore[arg-type]
    for start, end in ((900, 1_100), (1_050, 1_150)):  # across the base's end; past it
        sel = Selection(end - start, start, end)
        for q in _unit(rng, 10):
            exact = start + np.argsort(-(vectors[start:end] @ q), kind="stable")[:30]
            got = search.search(q, sel, 30)
            assert list(got) == exact.tolist()
            assert np.allclose(list(got.values()), vectors[exact] @ q, atol=1e-6)


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_a_selection_leaving_out_few_rows_is_the_unfiltered_search_without_them(
    monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    # A report deleted from the base: 40 rows of 3,000 left out of every search.
    monkeypatch.setattr(dense, "EXACT_ROWS", 10)
    rng = np.random.default_rng(9)
    vectors = _unit(rng, 3_000)
    search = DenseSearch(make_faiss(vectors, kind), vectors)  # type: ignore[arg-type]
    mask = np.ones(3_000, dtype=bool)
    mask[1_000:1_040] = False
    sel = Selection(int(mask.sum()), 0, 3_000, mask)
    for q in _unit(rng, 20):
        unfiltered = search.search(q, None, 140)
        expected = [r for r in unfiltered if not 1_000 <= r < 1_040][:100]
        got = search.search(q, sel, 100)
        assert list(got) == expected and len(got) == 100
    assert sel.derived["base_left_out"] == 40
