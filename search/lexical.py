"""BM25 top-n among the allowed rows, without sorting the index.

A loaded index scores with `indexer.store.postings.CollectionBM25` (weights from the segments'
postings and collection-wide statistics, bit for bit bm25s's); eval's baseline and variants
still build bm25s objects. bm25s keeps the BM25 weight of every (term, passage) pair in a
term-major sparse matrix; a query's score of a passage is the sum of its terms' weights,
added term after term in float32. `bm25_scores` adds the same weights in the same order as
bm25s's `get_scores` (so the scores are bit for bit the same), with one vectorised scatter
per term instead of `np.add.at`; `top_n` selects with `argpartition` and orders only what
it keeps, ties broken by row exactly as a stable sort of all rows would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from indexer.store.postings import CollectionBM25

if TYPE_CHECKING:
    from search.scope import Selection


def bm25_scores(bm25: Any, term_ids: list[int]) -> np.ndarray:
    """The BM25 score of every row for the query terms `term_ids` (repeats count), (n,)."""
    if isinstance(bm25, CollectionBM25):  # a loaded index: weights from collection stats
        return bm25.get_scores_from_ids(term_ids)
    if getattr(bm25, "nonoccurrence_array", None) is not None:
        # BM25L / BM25+ add a score for absent terms: let bm25s do all of it.
        return np.asarray(bm25.get_scores_from_ids(term_ids), dtype=np.float32)
    matrix = bm25.scores
    data, indices, indptr = matrix["data"], matrix["indices"], matrix["indptr"]
    scores = np.zeros(int(matrix["num_docs"]), dtype=np.dtype(bm25.dtype))
    for t in term_ids:
        start, end = int(indptr[t]), int(indptr[t + 1])
        # A passage appears once per term, so a plain fancy-index add is a scatter-add.
        scores[indices[start:end]] += data[start:end]
    return scores.astype(np.float32, copy=False)


def top_n(values: np.ndarray, n: int) -> np.ndarray:
    """Positions of the `n` largest `values`, as `np.argsort(-values, kind="stable")[:n]`
    gives them (equal values in position order), in O(len) plus O(n log n)."""
    if n <= 0 or len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    if n >= len(values):
        return np.argsort(-values, kind="stable")
    kth = values[np.argpartition(-values, n - 1)[n - 1]]
    above = np.flatnonzero(values > kth)
    tied = np.flatnonzero(values == kth)[: n - len(above)]
    keep = np.concatenate([above, tied])
    return keep[np.lexsort((keep, -values[keep]))]


def lexical_top(
    bm25: Any, term_ids: list[int], selection: Selection | None, n: int
) -> dict[int, float]:
    """Row → BM25 score of the `n` best rows with a positive score among `selection`
    (None: all rows), best first, ties by row."""
    if not term_ids:
        return {}
    if isinstance(bm25, CollectionBM25) and selection is not None:
        # Only the selection's window of rows is scored (a municipality's reports are one
        # range of rows): at 150k, a quarter of the postings.
        first = selection.start
        scores = bm25.get_scores_from_ids(term_ids, (selection.start, selection.end))
    else:
        first = 0
        scores = bm25_scores(bm25, term_ids)
    rows = np.flatnonzero(scores > 0) + first
    if selection is not None:
        rows = selection.keep(rows)
    sub = scores[rows - first]
    top = top_n(sub, n)
    return {int(rows[i]): float(sub[i]) for i in top}
