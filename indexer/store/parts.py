"""The parts of a loaded index as the search core reads them, whatever holds them.

`Vectors`: the passages' vectors by row (a numpy array built in memory, a segment's
`indexer.store.rowfile.RowFile`, several segments' `indexer.store.stacked.StackedVectors`).
`LexicalIndex`: BM25 over the rows (a loaded index's
`indexer.store.postings.CollectionBM25`, bm25s's own index in `BM25sIndex`). The passages
are `indexer.store.chunkstore.Rows`; the dense index is a `faiss.Index`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np


class Vectors(Protocol):
    """(n, dim) float32 vectors, L2-normalised, row i the vector of passage i: `v[i]` a
    row, `v[rows]` (an array of rows, a slice or a boolean mask) the rows as an array, and
    `v @ q` every row's inner product with the query `q`, (n,)."""

    @property
    def shape(self) -> tuple[int, ...]: ...

    def __len__(self) -> int: ...

    def __getitem__(self, key: Any) -> np.ndarray: ...

    def __matmul__(self, other: np.ndarray) -> np.ndarray: ...


class LexicalIndex(Protocol):
    """BM25 over the rows of an index. `vocab_dict` maps a term (as the analyzer gives
    it) to its id; ids run from 0 to len(vocab_dict) - 1."""

    @property
    def vocab_dict(self) -> Mapping[str, int]: ...

    def get_scores_from_ids(
        self, term_ids: Sequence[int], window: tuple[int, int] | None = None
    ) -> np.ndarray:
        """The BM25 score of every row for the query terms `term_ids` (repeats count), (n,)
        float32; with `window` (start, end) only rows [start, end), (end - start,)."""
        ...

    def document_frequencies(self) -> np.ndarray:
        """Per term id, how many (live) passages hold the term, (len(vocab_dict),) ints."""
        ...
