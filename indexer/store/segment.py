"""One immutable segment of an index: some reports, their passages, vectors and postings.

A segment is a folder written once and never changed: `documents.json`, `chunks.jsonl`
(row i of the segment), `vectors.npy` (row i's vector) and `lexical/` (its postings,
`indexer.store.postings`). The base segment, the version folder itself, also holds the FAISS
index of its rows (`dense.faiss`); segments added by uploads are small and searched exactly
on their vectors (read by row, `indexer.store.rowfile`). A loaded segment is shared by every
index version that lists it (`open_segment` keeps a weak cache), so an update reloads
only what it wrote.
"""

from __future__ import annotations

import json
import os
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from indexer.models import Chunk, Document
from indexer.store.chunkstore import ChunkStore
from indexer.store.postings import Postings
from indexer.store.rowfile import RowFile

if TYPE_CHECKING:
    import faiss

DOCUMENTS = "documents.json"
CHUNKS = "chunks.jsonl"
VECTORS = "vectors.npy"
LEXICAL_DIR = "lexical"
FAISS_FILE = "dense.faiss"
SEGMENT_FILES = (DOCUMENTS, CHUNKS, VECTORS, LEXICAL_DIR)


@dataclass(eq=False)
class Segment:
    """A loaded segment: `chunks[i]`, `vectors[i]` and row i of `postings` are one passage."""

    folder: Path
    documents: dict[str, Document]
    chunks: ChunkStore
    vectors: np.ndarray | RowFile  # (n, dim) float32, read by row when loaded
    postings: Postings
    faiss_index: faiss.Index | None = None  # only the base segment has one

    def __len__(self) -> int:
        return len(self.chunks)


def write_segment(
    folder: Path,
    documents: list[Document],
    chunks: list[Chunk] | list[bytes],
    vectors: np.ndarray,
    postings: Postings,
) -> None:
    """Write a segment's files into `folder` (created). `chunks` are passages, or the
    lines of `chunks.jsonl` as bytes (a merge copies them without parsing)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / DOCUMENTS, "w", encoding="utf-8") as f:
        json.dump([d.to_dict() for d in documents], f, ensure_ascii=False, indent=1)
    with open(folder / CHUNKS, "wb") as fb:
        for c in chunks:
            if isinstance(c, bytes):
                fb.write(c if c.endswith(b"\n") else c + b"\n")
            else:
                fb.write((json.dumps(c.to_dict(), ensure_ascii=False) + "\n").encode("utf-8"))
    np.save(folder / VECTORS, np.ascontiguousarray(vectors, dtype=np.float32))
    postings.save(folder / LEXICAL_DIR)


def fsync_tree(folder: Path) -> None:
    """Flush every file under `folder` and the folders' entries to disk."""
    for f in sorted(folder.rglob("*"), reverse=True):
        fd = os.open(f, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_cache: weakref.WeakValueDictionary[tuple[str, int], Segment] = weakref.WeakValueDictionary()
_cache_lock = threading.Lock()


def open_segment(folder: Path, with_faiss: bool = False) -> Segment:
    """The segment in `folder`, loaded once while some index version holds it (a folder is
    never rewritten in place: a new segment has a new name, a new version a new folder)."""
    key = (str(folder.resolve()), folder.stat().st_ino)
    with _cache_lock:
        seg = _cache.get(key)
    if seg is not None and (seg.faiss_index is not None or not with_faiss):
        return seg
    seg = _load(folder, with_faiss)
    with _cache_lock:
        _cache[key] = seg
    return seg


def _load(folder: Path, with_faiss: bool) -> Segment:
    missing = [
        n
        for n in (*SEGMENT_FILES, *((FAISS_FILE,) if with_faiss else ()))
        if not (folder / n).exists()
    ]
    if missing:
        raise FileNotFoundError(f"segment {folder.name} lacks {', '.join(missing)}")
    with open(folder / DOCUMENTS, encoding="utf-8") as f:
        documents = {d["id"]: Document.from_dict(d) for d in json.load(f)}
    chunks = ChunkStore(folder / CHUNKS)
    # A search reads the vectors of ~100 candidates (by `pread`, see `indexer.store.rowfile`) and
    # the mapped postings of its terms; the rest stays on disk (or in the page cache,
    # shared and reclaimable).
    vectors = RowFile(folder / VECTORS)
    postings = Postings.load(folder / LEXICAL_DIR)
    dense = None
    if with_faiss:
        import faiss

        dense = faiss.read_index(str(folder / FAISS_FILE))
    n = len(chunks)
    if not (n == vectors.shape[0] == len(postings.lengths)) or (
        dense is not None and dense.ntotal != n
    ):
        raise ValueError(
            f"segment {folder.name} is inconsistent ({n} chunks, {vectors.shape[0]} vectors, "
            f"{len(postings.lengths)} lexical rows"
            + (f", {dense.ntotal} in FAISS)" if dense is not None else ")")
        )
    return Segment(folder, documents, chunks, vectors, postings, dense)
