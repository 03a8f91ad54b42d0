"""BM25 top-n among the allowed rows, without sorting the index.

The scores come from the index's `indexer.store.parts.LexicalIndex`: a loaded index's
`indexer.store.postings.CollectionBM25` (weights from the segments' postings and
collection-wide statistics), or the bm25s index that eval's baseline and variants build
(`indexer.store.postings.BM25sIndex`); both are bit for bit bm25s's scores. `top_n`
selects with `argpartition` and orders only what it keeps, ties broken by row exactly as a
stable sort of all rows would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from indexer.store.parts import LexicalIndex
    from search.scope import Selection


def bm25_scores(bm25: LexicalIndex, term_ids: list[int]) -> np.ndarray:
    """The BM25 score of every row for the query terms `term_ids` (repeats count), (n,)."""
    return bm25.get_scores_from_ids(term_ids)


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
    bm25: LexicalIndex, term_ids: list[int], selection: Selection | None, n: int
) -> dict[int, float]:
    """Row → BM25 score of the `n` best rows with a positive score among `selection`
    (None: all rows), best first, ties by row."""
    if not term_ids:
        return {}
    if selection is not None:
        # Only the selection's window of rows is scored (a municipality's reports are one
        # range of rows): at 150k, a quarter of the postings.
        first = selection.start
        scores = bm25.get_scores_from_ids(term_ids, (selection.start, selection.end))
    else:
        first = 0
        scores = bm25.get_scores_from_ids(term_ids)
    rows = np.flatnonzero(scores > 0) + first
    if selection is not None:
        rows = selection.keep(rows)
    sub = scores[rows - first]
    top = top_n(sub, n)
    return {int(rows[i]): float(sub[i]) for i in top}
