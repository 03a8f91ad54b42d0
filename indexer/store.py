"""The index on disk: a folder with a manifest, the chunks, their vectors, FAISS and BM25.

`data/index` is a symlink to a complete version folder (`data/index.v<time>`). A build
writes a new version folder and then replaces the symlink in one atomic rename, so a crash
or Ctrl-C mid-build never leaves a half-written index: the previous one keeps serving.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from indexer.chunkstore import ChunkStore
from indexer.dense import FaissType, make_faiss
from indexer.errors import EncoderMismatch, IndexBusy, IndexCorrupt, IndexMissing
from indexer.models import Chunk, Document

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1

MANIFEST = "manifest.json"
DOCUMENTS = "documents.json"
CHUNKS = "chunks.jsonl"
VECTORS = "vectors.npy"
FAISS_FILE = "dense.faiss"
BM25_DIR = "bm25"
REQUIRED = (MANIFEST, DOCUMENTS, CHUNKS, VECTORS, FAISS_FILE, BM25_DIR)


@dataclass
class IndexData:
    """A loaded index: row i of `vectors` and of the FAISS index is `chunks[i]`.

    Loaded from disk, `chunks` is a `ChunkStore` (passages read when asked for) and
    `vectors` and the BM25 matrix are memory-mapped: at rest the server holds the FAISS
    index, the row offsets and little else per passage.
    """

    path: Path
    manifest: dict[str, Any]
    documents: dict[str, Document]
    chunks: Sequence[Chunk]
    vectors: np.ndarray
    faiss_index: Any
    bm25: Any
    by_id: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.chunks, ChunkStore):
            self.by_id = self.chunks.ids
        else:
            self.by_id = {c.id: i for i, c in enumerate(self.chunks)}


def rebuild_hint(path: Path) -> str:
    return f"rebuild it with `rapportsok index --out {path}`"


def version_dir(path: Path) -> Path:
    """The real folder behind the index path (the symlink's target)."""
    return path.resolve() if path.is_symlink() else path


@contextlib.contextmanager
def build_lock(path: Path) -> Iterator[None]:
    """One build at a time per index path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / f".{path.name}.lock", "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexBusy(f"another build of {path} is running") from exc
        yield


def fsync_dir(path: Path) -> None:
    """Make a folder's entries (a rename, a new file) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def new_version_dir(path: Path) -> Path:
    """An empty folder beside `path` for the next version (marked incomplete by `.tmp`)."""
    stamp = f"{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**9:09d}-{os.getpid()}"
    d = path.parent / f"{path.name}.v{stamp}.tmp"
    d.mkdir(parents=True)
    return d


def publish(path: Path, built: Path) -> None:
    """Make the fully written folder `built` the index at `path`, atomically."""
    final = built.with_name(built.name.removesuffix(".tmp"))
    for f in built.rglob("*"):
        if f.is_file():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
    built.rename(final)
    old = version_dir(path) if path.exists() or path.is_symlink() else None
    if path.exists() and not path.is_symlink():
        # An index folder from before symlinks: move it aside first (once).
        moved = path.with_name(f"{path.name}.v0-legacy")
        path.rename(moved)
        old = moved
    link = path.with_name(f".{path.name}.link-{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        link.unlink()
    link.symlink_to(final.name)
    os.replace(link, path)
    fsync_dir(path.parent)
    if old is not None and old.exists() and old != final:
        shutil.rmtree(old, ignore_errors=True)


def clean_stale(path: Path) -> None:
    """Remove leftovers of builds that died (call it holding `build_lock`): incomplete `.tmp`
    version folders, and complete versions that a build killed between renaming its folder
    and swapping the symlink never published."""
    for d in path.parent.glob(f"{path.name}.v*.tmp"):
        shutil.rmtree(d, ignore_errors=True)
    for link in path.parent.glob(f".{path.name}.link-*"):
        link.unlink(missing_ok=True)
    if not path.is_symlink():
        return  # no published version yet, or a legacy folder: keep everything
    current = version_dir(path)
    for d in path.parent.glob(f"{path.name}.v[0-9]*"):
        if d.is_dir() and not d.is_symlink() and d.resolve() != current:
            shutil.rmtree(d, ignore_errors=True)


def write_version(
    folder: Path,
    manifest: dict[str, Any],
    documents: list[Document],
    chunks: list[Chunk],
    vectors: np.ndarray,
    bm25: Any,
    faiss_type: FaissType = "flat",
) -> None:
    """Write every file of one index version into `folder`."""
    import faiss

    with open(folder / DOCUMENTS, "w", encoding="utf-8") as f:
        json.dump([d.to_dict() for d in documents], f, ensure_ascii=False, indent=1)
    with open(folder / CHUNKS, "w", encoding="utf-8") as f:
        for c in chunks:
            f.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
    np.save(folder / VECTORS, vectors.astype(np.float32))
    faiss.write_index(make_faiss(vectors, faiss_type), str(folder / FAISS_FILE))
    bm25.save(str(folder / BM25_DIR), show_progress=False)
    # The manifest goes last: a folder with a manifest has everything else.
    with open(folder / MANIFEST, "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of the index at `path`, or a clear error."""
    if not (path.exists() or path.is_symlink()):
        raise IndexMissing(f"no index at {path}: run `rapportsok index` first")
    try:
        with open(path / MANIFEST, encoding="utf-8") as f:
            manifest: dict[str, Any] = json.load(f)
    except FileNotFoundError as exc:
        raise IndexCorrupt(f"index at {path} has no manifest; {rebuild_hint(path)}") from exc
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(
            f"index manifest at {path} is damaged ({exc}); {rebuild_hint(path)}"
        ) from exc
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise IndexCorrupt(
            f"index at {path} has schema version {manifest.get('schema_version')}, this "
            f"Rapportsök reads {SCHEMA_VERSION}; {rebuild_hint(path)}"
        )
    return manifest


def load_index(path: Path, encoder_name: str | None = None) -> IndexData:
    """Load a complete index; refuse a damaged one or one built with another encoder."""
    import bm25s
    import faiss

    manifest = read_manifest(path)
    if encoder_name is not None and manifest["encoder"]["name"] != encoder_name:
        raise EncoderMismatch(
            f"index at {path} was built with {manifest['encoder']['name']}, the configured "
            f"model is {encoder_name}; {rebuild_hint(path)} --model …"
        )
    missing = [name for name in REQUIRED if not (path / name).exists()]
    if missing:
        raise IndexCorrupt(f"index at {path} lacks {', '.join(missing)}; {rebuild_hint(path)}")
    try:
        with open(path / DOCUMENTS, encoding="utf-8") as f:
            documents = {d["id"]: Document.from_dict(d) for d in json.load(f)}
        chunks = ChunkStore(path / CHUNKS)
        # Memory-mapped: a search reads the vectors of ~100 candidates and the postings of
        # its terms; the rest stays on disk (or in the page cache, shared and reclaimable).
        vectors = np.load(path / VECTORS, mmap_mode="r")
        dense = faiss.read_index(str(path / FAISS_FILE))
        with quiet_bm25():
            bm25 = bm25s.BM25.load(str(path / BM25_DIR), show_progress=False, mmap=True)
    except Exception as exc:  # any damage in any file: one clear message
        raise IndexCorrupt(
            f"index at {path} is damaged ({type(exc).__name__}: {exc}); {rebuild_hint(path)}"
        ) from exc
    n = manifest["counts"]["chunks"]
    if not (len(chunks) == n == vectors.shape[0] == dense.ntotal):
        raise IndexCorrupt(
            f"index at {path} is inconsistent ({len(chunks)} chunks, {vectors.shape[0]} "
            f"vectors, {dense.ntotal} in FAISS, manifest says {n}); {rebuild_hint(path)}"
        )
    return IndexData(path, manifest, documents, chunks, vectors, dense, bm25)


@contextlib.contextmanager
def quiet_bm25() -> Iterator[None]:
    """bm25s logs at INFO on load; keep the console clean."""
    logger = logging.getLogger("bm25s")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)
