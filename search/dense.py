"""Dense top-n among the allowed rows, whatever kind of FAISS index the build wrote.

Exact (flat) indexes take the selection as a FAISS id selector, so filtered results are
exactly brute force on the allowed rows. Approximate indexes (IVF, HNSW) search
unfiltered queries approximately; a selection of at most `EXACT_ROWS` rows is scored
exactly on the memory-mapped vectors (a few milliseconds, and an approximate index
restricted to few rows finds too few of them); a larger one is searched approximately
with its selector, probing more lists (IVF) or candidates (HNSW) the smaller it is, so
about as many allowed vectors are compared as without a filter.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from indexer.dense import IVF_NPROBE, faiss_type_of
from search.lexical import top_n

if TYPE_CHECKING:
    from search.scope import Selection

EXACT_ROWS = 20_000  # ≈ 3 ms of exact inner products on this machine
HNSW_EF = 64
_MAX_WIDEN = 16  # how much a filter may widen an approximate search


class DenseSearch:
    """Top-n inner products of a query with the passages of one index."""

    def __init__(self, index: Any, vectors: np.ndarray) -> None:
        self.index = index
        self.vectors = vectors  # (n, dim) float32, row i = FAISS id i (memory-mapped)
        self.kind = faiss_type_of(index)

    def search(self, qvec: np.ndarray, selection: Selection | None, n: int) -> dict[int, float]:
        """Row → inner product of the (about, for IVF/HNSW) `n` best rows of `selection`."""
        if self.kind == "flat":
            params = None if selection is None else selection.faiss_params()
            return self._faiss(qvec, n, params)
        if selection is not None and selection.size <= EXACT_ROWS:
            return self._exact(qvec, selection, n)
        widen = 1.0 if selection is None else min(_MAX_WIDEN, self.index.ntotal / selection.size)
        sel = None if selection is None else selection.selector()
        return self._faiss(qvec, n, self._approx_params(widen, sel, n))

    def _approx_params(self, widen: float, sel: Any, n: int) -> Any:
        import faiss

        if self.kind == "ivf":
            nprobe = min(self.index.nlist, math.ceil(IVF_NPROBE * widen))
            return faiss.SearchParametersIVF(sel=sel, nprobe=nprobe)  # type: ignore[call-arg]
        ef = max(n, math.ceil(HNSW_EF * widen))  # HNSW returns at most efSearch results
        return faiss.SearchParametersHNSW(sel=sel, efSearch=ef)  # type: ignore[attr-defined]

    def _faiss(self, qvec: np.ndarray, n: int, params: Any) -> dict[int, float]:
        scores, ids = self.index.search(qvec[None, :], n, params=params)
        return {int(i): float(s) for s, i in zip(scores[0], ids[0], strict=True) if i >= 0}

    def _exact(self, qvec: np.ndarray, selection: Selection, n: int) -> dict[int, float]:
        if selection.mask is None:  # one range: a contiguous slice of the mapped file
            rows = np.arange(selection.start, selection.end)
            sims = self.vectors[selection.start : selection.end] @ qvec
        else:
            rows = selection.rows()
            sims = self.vectors[rows] @ qvec
        top = top_n(sims, n)
        return {int(rows[i]): float(sims[i]) for i in top}
