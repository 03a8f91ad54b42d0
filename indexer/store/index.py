"""The index on disk: a folder with a manifest, the chunks, their vectors, FAISS and BM25.

`data/index` is a symlink to a complete version folder (`data/index.v<time>`). A build
writes a new version folder and then replaces the symlink in one atomic rename, so a crash
or Ctrl-C mid-build never leaves a half-written index: the previous one keeps serving.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from indexer.models import Chunk, Document
from indexer.store.chunkstore import Rows
from indexer.store.dense import FaissType, make_faiss
from indexer.store.manifest import Manifest, SegmentEntry
from indexer.store.parts import LexicalIndex, Vectors
from indexer.store.postings import CollectionBM25, Postings
from indexer.store.segment import (
    CHUNKS,
    DOCUMENTS,
    FAISS_FILE,
    LEXICAL_DIR,
    VECTORS,
    Segment,
    open_segment,
    write_segment,
)
from indexer.store.stacked import StackedChunks, StackedVectors
from rapportsok.errors import EncoderMismatch, IndexBusy, IndexCorrupt, IndexMissing

if TYPE_CHECKING:
    import faiss

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2  # 2: segments and lexical postings (1: one folder with bm25s's files)

MANIFEST = "manifest.json"
SEGMENTS_DIR = "segments"  # delta segments: <version>/segments/<name>/
BASE = "."  # the base segment's name in the manifest: the version folder itself
REQUIRED = (MANIFEST, DOCUMENTS, CHUNKS, VECTORS, FAISS_FILE, LEXICAL_DIR)


@dataclass
class IndexData:
    """A loaded index: row i of `vectors` is `chunks[i]`; FAISS holds rows [0, base_rows).
    Its parts are typed by what the search core reads of them (`indexer.store.parts`).

    Loaded from disk, `chunks` reads passages and `vectors` rows when asked for and the
    postings are memory-mapped: at rest the server holds the base segment's FAISS index,
    the row offsets and little else per passage. Rows past `base_rows` belong to segments
    added by updates and are searched exactly (`search.dense`).
    """

    path: Path
    manifest: Manifest
    documents: dict[str, Document]
    chunks: Rows
    vectors: Vectors
    faiss_index: faiss.Index
    bm25: LexicalIndex
    base_rows: int = -1  # -1: every row is in `faiss_index`
    segments: list[Segment] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.base_rows < 0:
            self.base_rows = len(self.chunks)

    @property
    def by_id(self) -> Mapping[str, int]:
        """Passage id → row."""
        return self.chunks.ids


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
    manifest: Manifest,
    documents: list[Document],
    chunks: list[Chunk],
    vectors: np.ndarray,
    postings: Postings,
    faiss_type: FaissType = "flat",
) -> None:
    """Write one index version into `folder`: its base segment (with the FAISS index) and
    a manifest that lists only it."""
    import faiss

    write_segment(folder, documents, chunks, vectors, postings)
    faiss.write_index(make_faiss(vectors, faiss_type), str(folder / FAISS_FILE))
    manifest = dataclasses.replace(
        manifest,
        segments=[segment_entry(BASE, documents, len(chunks))],
        deleted={},
        generation=1,
    )
    # The manifest goes last: a folder with a manifest has everything else.
    with open(folder / MANIFEST, "w", encoding="utf-8") as f:
        manifest.write(f)


def segment_entry(name: str, documents: list[Document], rows: int) -> SegmentEntry:
    """A segment as the manifest lists it."""
    return SegmentEntry(name=name, rows=rows, documents=sorted(d.id for d in documents))


def segment_folder(version: Path, name: str) -> Path:
    """Where the segment `name` of the index version folder `version` lives."""
    return version if name == BASE else version / SEGMENTS_DIR / name


def publish_manifest(path: Path, manifest: Manifest) -> None:
    """Make `manifest` (whose segments are all written and flushed) the index at `path`:
    written beside the old one, flushed, renamed over it; a reader sees one or the other."""
    version = version_dir(path)
    tmp = version / f".{MANIFEST}.{os.getpid()}.part"
    with open(tmp, "w", encoding="utf-8") as f:
        manifest.write(f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, version / MANIFEST)
    fsync_dir(version)


def clean_segments(path: Path) -> list[str]:
    """Remove the delta segments the published manifest does not list (written by an update
    that died before publishing, or merged away); call it holding `build_lock`."""
    version = version_dir(path)
    folder = version / SEGMENTS_DIR
    if not folder.is_dir():
        return []
    try:
        listed = {s.name for s in read_manifest(path).segments}
    except IndexCorrupt:
        return []
    removed = []
    for d in folder.iterdir():
        if d.name not in listed:
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d.name)
    for tmp in version.glob(f".{MANIFEST}.*.part"):
        tmp.unlink(missing_ok=True)
    return removed


def read_manifest(path: Path) -> Manifest:
    """The manifest of the index at `path`, or a clear error."""
    if not (path.exists() or path.is_symlink()):
        raise IndexMissing(f"no index at {path}: run `rapportsok index` first")
    try:
        with open(path / MANIFEST, encoding="utf-8") as f:
            data: Any = json.load(f)
    except FileNotFoundError as exc:
        raise IndexCorrupt(f"index at {path} has no manifest; {rebuild_hint(path)}") from exc
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(
            f"index manifest at {path} is damaged ({exc}); {rebuild_hint(path)}"
        ) from exc
    version = data.get("schema_version") if isinstance(data, dict) else None
    if version == 1:
        raise IndexCorrupt(
            f"index at {path} was written by an older Rapportsök (one folder, schema version "
            f"1); {rebuild_hint(path)} (its embeddings are reused, nothing is embedded again)"
        )
    if version != SCHEMA_VERSION:
        raise IndexCorrupt(
            f"index at {path} has schema version {version}, this "
            f"Rapportsök reads {SCHEMA_VERSION}; {rebuild_hint(path)}"
        )
    try:
        return Manifest.from_dict(data)
    except (KeyError, TypeError, AttributeError) as exc:
        raise IndexCorrupt(
            f"index manifest at {path} is damaged ({type(exc).__name__}: {exc}); "
            f"{rebuild_hint(path)}"
        ) from exc


def load_index(path: Path, encoder_name: str | None = None) -> IndexData:
    """Load a complete index; refuse a damaged one or one built with another encoder."""
    for attempt in range(3):
        manifest = read_manifest(path)
        try:
            return _load(path, manifest, encoder_name)
        except IndexCorrupt:
            # A merge may have published a new manifest and removed the segments of the
            # one read here: read it again before calling the index damaged.
            if attempt == 2 or read_manifest(path) == manifest:
                raise
    raise AssertionError("unreachable")


def _load(path: Path, manifest: Manifest, encoder_name: str | None) -> IndexData:
    if encoder_name is not None and manifest.encoder.name != encoder_name:
        raise EncoderMismatch(
            f"index at {path} was built with {manifest.encoder.name}, the configured "
            f"model is {encoder_name}; {rebuild_hint(path)} --model …"
        )
    missing = [name for name in REQUIRED if not (path / name).exists()]
    if missing:
        raise IndexCorrupt(f"index at {path} lacks {', '.join(missing)}; {rebuild_hint(path)}")
    version = version_dir(path)
    deleted = manifest.deleted
    try:
        entries = manifest.segments
        segments = [
            open_segment(segment_folder(version, e.name), with_faiss=e.name == BASE)
            for e in entries
        ]
        if not entries or entries[0].name != BASE:
            raise ValueError("the first segment is not the base segment")
    except Exception as exc:  # any damage in any file: one clear message
        raise IndexCorrupt(
            f"index at {path} is damaged ({type(exc).__name__}: {exc}); {rebuild_hint(path)}"
        ) from exc
    pairs = list(zip(segments, entries, strict=True))
    live = [live_rows(seg, deleted.get(e.name, [])) for seg, e in pairs]
    documents: dict[str, Document] = {}
    for seg, e in pairs:
        gone = set(deleted.get(e.name, []))
        documents.update((i, d) for i, d in seg.documents.items() if i not in gone)
    sizes = [len(s) for s in segments]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64).tolist()
    bm25 = CollectionBM25([s.postings for s in segments], offsets[:-1], live)
    chunks: Rows
    vectors: Vectors
    if len(segments) == 1 and live[0] is None:
        chunks, vectors = segments[0].chunks, segments[0].vectors
    else:
        chunks = StackedChunks([s.chunks for s in segments], live)
        vectors = StackedVectors([s.vectors for s in segments])
    n = manifest.counts.chunks
    base = segments[0]
    assert base.faiss_index is not None  # open_segment(with_faiss=True) read it
    if bm25.n_live != n or any(e.rows != len(s) for s, e in pairs):
        raise IndexCorrupt(
            f"index at {path} is inconsistent ({bm25.n_live} live passages in "
            f"{len(segments)} segments, manifest says {n}); {rebuild_hint(path)}"
        )
    return IndexData(
        path,
        manifest,
        documents,
        chunks,
        vectors,
        base.faiss_index,
        bm25,
        base_rows=len(base),
        segments=segments,
    )


def live_rows(seg: Segment, deleted: list[str]) -> np.ndarray | None:
    """Per row of `seg`, whether its report is live (None: all of them, nothing deleted)."""
    deleted_ids = set(deleted)
    gone = [i for i, d in enumerate(seg.chunks.doc_ids) if d in deleted_ids]
    if not gone:
        return None
    return ~np.isin(seg.chunks.doc_of_row, np.asarray(gone, dtype=np.int32))
