"""Several segments seen as one index: global row = segment offset + row in the segment.

The search core reads an index through `IndexData.chunks` (passages that also know each
row's report, `indexer.store.chunkstore.Rows`), `IndexData.vectors` (row-indexed vectors,
`indexer.store.parts.Vectors`) and one BM25 object. With one segment and nothing deleted
these are the segment's own objects; with more they are the thin views below, which hold
no copy of the segments' data. A deleted report's rows stay in their segment until a merge
drops them: they belong to no report (`doc_of_row` -1), so no selection, and so no search,
reaches them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from indexer.models import Chunk
from indexer.store.chunkstore import ChunkStore, RowLookup, Rows
from indexer.store.rowfile import RowFile


class StackedChunks(Rows):
    """The passages of several chunk stores in order; `doc_ids` are the live reports
    (sorted) and `doc_of_row` each row's position among them, -1 for a deleted row."""

    def __init__(self, stores: Sequence[ChunkStore], live: Sequence[np.ndarray | None]) -> None:
        self.stores = list(stores)
        sizes = [len(s) for s in self.stores]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.doc_ids = sorted(
            {
                s.doc_ids[i]
                for s, mask in zip(self.stores, live, strict=True)
                for i in np.unique(s.doc_of_row if mask is None else s.doc_of_row[mask])
            }
        )
        position = {d: i for i, d in enumerate(self.doc_ids)}
        parts = []
        for s, mask in zip(self.stores, live, strict=True):
            remap = np.array([position.get(d, -1) for d in s.doc_ids], dtype=np.int32)
            rows = remap[s.doc_of_row] if len(s) else np.zeros(0, dtype=np.int32)
            if mask is not None:
                rows = np.where(mask, rows, -1).astype(np.int32)
            parts.append(rows)
        self.doc_of_row = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
        self.ids = _StackedIds(self)

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def locate(self, i: int) -> tuple[int, int]:
        """(segment, row in it) of global row `i` (0 <= i < len)."""
        k = int(np.searchsorted(self.offsets, i, side="right")) - 1
        return k, i - int(self.offsets[k])

    def _at(self, i: int) -> Chunk:
        k, r = self.locate(i)
        return self.stores[k][r]

    def __iter__(self) -> Iterator[Chunk]:
        for s in self.stores:
            yield from s


class _StackedIds(RowLookup):
    """Passage id → global row of its live copy (a report deleted and uploaded again has
    the same ids in two segments: the newest live one counts)."""

    def __init__(self, chunks: StackedChunks) -> None:
        self._chunks = chunks

    def _row(self, key: object) -> int | None:
        if not isinstance(key, str):
            return None
        c = self._chunks
        for k in range(len(c.stores) - 1, -1, -1):
            local = c.stores[k].ids.get(key)
            if local is not None:
                row = int(c.offsets[k]) + local
                if c.doc_of_row[row] >= 0:
                    return row
        return None

    def __iter__(self) -> Iterator[str]:
        return (chunk.id for r, chunk in enumerate(self._chunks) if self._chunks.doc_of_row[r] >= 0)

    def __len__(self) -> int:
        return int(np.count_nonzero(self._chunks.doc_of_row >= 0))


class StackedVectors:
    """Row-indexed (n, dim) float32 vectors of several segments' arrays, read by row
    (an int, a slice or an array of rows), or multiplied by a query vector."""

    def __init__(self, parts: Sequence[np.ndarray | RowFile]) -> None:
        self.parts = list(parts)
        sizes = [len(p) for p in self.parts]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        dim = self.parts[0].shape[1] if self.parts else 0
        self.shape = (int(self.offsets[-1]), dim)
        self.dtype = np.dtype(np.float32)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: Any) -> np.ndarray:
        if isinstance(key, (int, np.integer)):
            i = int(key) % self.shape[0]
            k = int(np.searchsorted(self.offsets, i, side="right")) - 1
            return np.asarray(self.parts[k][i - int(self.offsets[k])])
        if isinstance(key, slice):
            key = np.arange(*key.indices(self.shape[0]))
        rows = np.asarray(key, dtype=np.int64).reshape(-1)
        out = np.empty((len(rows), self.shape[1]), dtype=np.float32)
        seg = np.searchsorted(self.offsets, rows, side="right") - 1
        for k in np.unique(seg).tolist():
            at = np.flatnonzero(seg == k)
            out[at] = self.parts[k][rows[at] - int(self.offsets[k])]
        return out

    def __matmul__(self, other: np.ndarray) -> np.ndarray:
        return np.concatenate([np.asarray(p @ other) for p in self.parts])

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = np.concatenate([np.asarray(p) for p in self.parts])
        return out if dtype is None else out.astype(dtype)
