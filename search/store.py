"""What `/search`, `/ask`, uploads and deletes need of an index, whatever store holds it.

A store answers the two top-k searches of hybrid retrieval among some rows (a `Selection`
made by `search.scope` from the filters and what the question names), and fetches rows:

* `dense_top`: row → inner product of the query vector with the passage's e5 vector;
* `lexical_top`: row → Rapportsök's own BM25 score of the query's analyzer terms;
* `chunks_of` / `cosines`: the passages of some rows, their inner products with a query.

Its `index` is the catalogue the rest of the core reads: the reports (`documents`), the
passages by row (`chunks`, with each row's report), the vectors by row, the BM25
vocabulary and document frequencies (typos and the reader's idf), and the manifest of the
index version it serves. Fusion (`search.retrieval.fuse`), the reader, typos and
comparisons run on what the store returns and do not know which store answered.

Two stores: `SegmentStore` (the default: the segments on disk, FAISS and the postings,
`indexer.store`) and `search.milvus_store.MilvusStore` (a Milvus collection, embedded
milvus-lite or a server; `RAPPORTSOK_STORE`). Reports are added and deleted in the segment
index by `indexer.update` (a segment or a tombstone, published by one manifest rename); a
Milvus store follows the published index report by report (`MilvusStore.sync`), so it
holds exactly the reports the manifest lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

from search.dense import DenseSearch
from search.lexical import lexical_top

if TYPE_CHECKING:
    from indexer.models import Chunk
    from indexer.store.index import IndexData
    from search.scope import Selection


class PassageStore(Protocol):
    """The searches and row fetches of one index version (see the module docstring)."""

    name: str  # "segments", "milvus-lite:PATH", "milvus://HOST:PORT"
    index: IndexData

    def dense_top(self, qvec: np.ndarray, selection: Selection | None, n: int) -> dict[int, float]:
        """Row → inner product of the `n` best rows of `selection` (None: all rows)."""
        ...

    def lexical_top(
        self, term_ids: list[int], selection: Selection | None, n: int
    ) -> dict[int, float]:
        """Row → BM25 score of the `n` best rows with a positive score among `selection`,
        for the query terms `term_ids` (ids of `index.bm25.vocab_dict`; repeats count)."""
        ...

    def chunks_of(self, rows: Sequence[int]) -> list[Chunk]:
        """The passages of `rows`, in that order."""
        ...

    def cosines(self, rows: Sequence[int], qvec: np.ndarray) -> np.ndarray:
        """Inner products of the passages of `rows` with `qvec`, (len(rows),) float32."""
        ...

    def reports(self) -> list[str]:
        """Ids of the reports the store holds, sorted."""
        ...


class SegmentStore:
    """The segment index on disk as loaded by `indexer.store.index.load_index`: FAISS for
    the base segment's rows, exact inner products for the uploads' rows (`search.dense`),
    BM25 from the memory-mapped postings (`search.lexical`)."""

    name = "segments"

    def __init__(self, index: IndexData) -> None:
        self.index = index
        self.dense = DenseSearch(index.faiss_index, index.vectors, index.base_rows)

    def dense_top(self, qvec: np.ndarray, selection: Selection | None, n: int) -> dict[int, float]:
        """Row → inner product of the (about, for IVF/HNSW) `n` best rows of `selection`."""
        return self.dense.search(qvec, selection, n)

    def lexical_top(
        self, term_ids: list[int], selection: Selection | None, n: int
    ) -> dict[int, float]:
        """Row → BM25 score of the `n` best rows of `selection` (see `search.lexical`)."""
        return lexical_top(self.index.bm25, term_ids, selection, n)

    def chunks_of(self, rows: Sequence[int]) -> list[Chunk]:
        """The passages of `rows`, read from the segments' `chunks.jsonl`."""
        chunks = self.index.chunks
        return [chunks[r] for r in rows]

    def cosines(self, rows: Sequence[int], qvec: np.ndarray) -> np.ndarray:
        """Inner products of `rows`' vectors with `qvec`."""
        return np.asarray(self.index.vectors[list(rows)] @ qvec, dtype=np.float32)

    def reports(self) -> list[str]:
        """Ids of the reports of the loaded index version."""
        return sorted(self.index.documents)
