"""Dense top-n among the allowed rows, whatever kind of FAISS index the build wrote.

Exact (flat) indexes take the selection as a FAISS id selector: filtered results are
brute force on the allowed rows. Approximate indexes (IVF, HNSW) search unfiltered queries
approximately, and score a selection of at most `EXACT_ROWS` rows exactly (restricted to
few rows they find too few): IVF on the vectors of the lists that hold the rows, which it
keeps in memory anyway, HNSW in the flat index that holds its vectors. A larger selection
is searched approximately with its selector; as a filter is correlated with the IVF lists
(a municipality's passages sit in lists of their own), IVF probes the `IVF_NPROBE` nearest
of the lists that hold allowed rows, and HNSW widens its candidates by the filter's
selectivity. A selection that leaves out only a few rows (a report deleted from the base
segment) is searched unfiltered for that many more candidates, then those rows are dropped.
Timings behind these choices: docs/measurements.md.

FAISS holds the base segment's rows `[0, base_rows)`; rows added by updates since
(`indexer.store.segment`) are few and scored exactly on their vectors, and the two top
lists are merged by score: the inner products of both sides are the same numbers.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from indexer.store.dense import IVF_NPROBE, faiss_type_of
from search.lexical import top_n

if TYPE_CHECKING:
    from search.scope import Selection

EXACT_ROWS = 20_000  # a few milliseconds of exact inner products (docs/measurements.md)
# An approximate search for up to this many extra rows (and at most 5 % of the base) rather
# than a filtered one, when a selection leaves out few rows of the base: IVF's filtered path
# is several times slower (docs/measurements.md).
OVERFETCH_ROWS = 2_000
HNSW_EF = 64
_MAX_WIDEN = 16  # how much a filter may widen an approximate search


class DenseSearch:
    """Top-n inner products of a query with the passages of one index."""

    def __init__(self, index: Any, vectors: Any, base_rows: int | None = None) -> None:
        self.index = index
        self.vectors = vectors  # (n, dim) float32, row i = FAISS id i (read by row)
        self.kind = faiss_type_of(index)
        self.rows = len(vectors)
        self.base_rows = self.rows if base_rows is None else base_rows
        # Leaving out at most this many base rows, a selection is searched unfiltered.
        self._overfetch_max = min(OVERFETCH_ROWS, self.base_rows // 20)
        self._lists: np.ndarray | None = None
        self._centroids: np.ndarray | None = None  # (nlist, dim) of an IVF index

    def search(self, qvec: np.ndarray, selection: Selection | None, n: int) -> dict[int, float]:
        """Row → inner product of the (about, for IVF/HNSW) `n` best rows of `selection`."""
        if self.base_rows == self.rows:
            return self._search_base(qvec, selection, n)
        found = self._search_base(qvec, selection, n)
        tail = np.arange(self.base_rows, self.rows, dtype=np.int64)
        if selection is not None:
            tail = selection.keep(tail)
        sims = self.vectors[tail] @ qvec
        found.update(zip(tail.tolist(), map(float, sims), strict=True))
        best = sorted(found.items(), key=lambda item: (-item[1], item[0]))[:n]
        return dict(best)

    def _search_base(
        self, qvec: np.ndarray, selection: Selection | None, n: int
    ) -> dict[int, float]:
        if selection is not None and selection.start >= self.base_rows:
            # Every allowed row was uploaded after the base. (FAISS's flat search crashed on
            # a range selector that starts past its last row.)
            return {}
        if self.kind == "flat":
            params = None if selection is None else selection.faiss_params()
            return self._faiss(qvec, n, params)
        if selection is not None and selection.size <= EXACT_ROWS:
            if self.kind == "ivf":
                return self._ivf_filtered(qvec, selection, n, probe_all=True)
            # HNSW keeps its vectors in a flat index: exact there, with the selector.
            storage = self._storage()
            return self._faiss(qvec, n, selection.faiss_params(), storage)
        if selection is not None and self._left_out(selection) <= self._overfetch_max:
            found = self._overfetch(qvec, selection, n)
            if len(found) >= min(n, selection.size):
                return found  # else the probed lists held too few rows: search filtered
        if selection is not None and self.kind == "ivf":
            return self._ivf_filtered(qvec, selection, n)
        widen = 1.0 if selection is None else min(_MAX_WIDEN, self.index.ntotal / selection.size)
        sel = None if selection is None else selection.selector()
        return self._faiss(qvec, n, self._approx_params(widen, sel, n))

    def _left_out(self, selection: Selection) -> int:
        """How many rows of the base the selection leaves out (cached on the selection)."""
        left_out = selection.derived.get("base_left_out")
        if left_out is None:
            inside = selection.keep(np.arange(self.base_rows, dtype=np.int64))
            left_out = selection.derived["base_left_out"] = self.base_rows - len(inside)
        return int(left_out)

    def _overfetch(self, qvec: np.ndarray, selection: Selection, n: int) -> dict[int, float]:
        """An approximate search of the whole base for `n` plus the rows the selection leaves
        out, then those rows dropped: what the unfiltered search gives a selection that
        leaves out only a few rows (a report deleted from the base, still in its segment)."""
        k = n + self._left_out(selection)
        found = self._faiss(qvec, k, self._approx_params(1.0, None, k))
        rows = np.fromiter(found, dtype=np.int64, count=len(found))
        return {r: found[r] for r in selection.keep(rows).tolist()[:n]}

    def _ivf_filtered(
        self, qvec: np.ndarray, selection: Selection, n: int, probe_all: bool = False
    ) -> dict[int, float]:
        """The best allowed rows in the `IVF_NPROBE` lists nearest the query among those
        that hold allowed rows; in all of those lists (exact) with `probe_all`."""
        import faiss

        lists = selection.derived.get("ivf_lists")
        if lists is None:  # the IVF lists that hold at least one allowed row
            rows = selection.rows()
            lists = np.unique(self._list_of_row()[rows[rows < self.base_rows]])
            selection.derived["ivf_lists"] = lists
        if len(lists) == 0:  # every allowed row is past the base
            return {}
        if self._centroids is None:
            self._centroids = self.index.quantizer.reconstruct_n(0, self.index.nlist)
        sims = self._centroids[lists] @ qvec
        nearest = top_n(sims, len(lists) if probe_all else min(IVF_NPROBE, len(lists)))
        probe = np.ascontiguousarray(lists[nearest], dtype=np.int64)
        probe_sims = np.ascontiguousarray(sims[nearest], dtype=np.float32)
        q = np.ascontiguousarray(qvec[None, :], dtype=np.float32)
        scores = np.empty(n, dtype=np.float32)
        ids = np.empty(n, dtype=np.int64)
        params = faiss.SearchParametersIVF(sel=selection.selector(), nprobe=len(probe))  # type: ignore[call-arg]
        # The Python wrapper of search_preassigned takes no parameters; the C++ method does.
        self.index.search_preassigned_c(
            1,
            faiss.swig_ptr(q),
            n,
            faiss.swig_ptr(probe),
            faiss.swig_ptr(probe_sims),
            faiss.swig_ptr(scores),
            faiss.swig_ptr(ids),
            False,
            params,
        )
        return {int(i): float(s) for s, i in zip(scores, ids, strict=True) if i >= 0}

    def _list_of_row(self) -> np.ndarray:
        """Per row, the IVF list it is stored in (read from the index once)."""
        if self._lists is None:
            import faiss

            invlists = self.index.invlists
            out = np.full(self.index.ntotal, -1, dtype=np.int32)
            for lst in range(self.index.nlist):
                size = invlists.list_size(lst)
                if size:
                    ids = faiss.rev_swig_ptr(invlists.get_ids(lst), size)
                    out[np.asarray(ids, dtype=np.int64)] = lst
            self._lists = out
        return self._lists

    def _approx_params(self, widen: float, sel: Any, n: int) -> Any:
        import faiss

        if self.kind == "ivf":
            nprobe = min(self.index.nlist, math.ceil(IVF_NPROBE * widen))
            return faiss.SearchParametersIVF(sel=sel, nprobe=nprobe)  # type: ignore[call-arg]
        ef = max(n, math.ceil(HNSW_EF * widen))  # HNSW returns at most efSearch results
        return faiss.SearchParametersHNSW(sel=sel, efSearch=ef)  # type: ignore[attr-defined]

    def _storage(self) -> Any:
        """The flat index in which an HNSW index keeps its vectors."""
        import faiss

        return faiss.downcast_index(self.index.storage)

    def _faiss(self, qvec: np.ndarray, n: int, params: Any, index: Any = None) -> dict[int, float]:
        scores, ids = (index or self.index).search(qvec[None, :], n, params=params)
        return {int(i): float(s) for s, i in zip(scores[0], ids[0], strict=True) if i >= 0}
