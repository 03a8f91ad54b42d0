"""Change a published index by segments: an upload adds one, a removal marks a report
deleted, a merge combines the small ones. None of them touches what the index already has.

Each change holds the build lock, writes what is new (a segment folder, flushed, then
renamed into `segments/`) and publishes a new manifest with one atomic rename
(`indexer.store.index.publish_manifest`). A SIGKILL at any point leaves the previous manifest or
the new one, both complete; segment folders no manifest lists are removed by the next
change (`clean_segments`). So an upload costs its own report (read, embed, analyse, write)
and a removal a manifest, whatever the size of the index.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from indexer import build as _build
from indexer.build import BuildReport, accept, sha256_file
from indexer.models import Chunk, Document
from indexer.reading.chunker import ChunkerConfig, clean_text
from indexer.reading.metadata import load_catalogue
from indexer.store.index import (
    BASE,
    SCHEMA_VERSION,
    SEGMENTS_DIR,
    build_lock,
    clean_segments,
    fsync_dir,
    live_rows,
    publish_manifest,
    read_manifest,
    segment_entry,
    segment_folder,
    version_dir,
)
from indexer.store.manifest import Counts, Manifest, SegmentEntry
from indexer.store.postings import Postings
from indexer.store.segment import Segment, fsync_tree, open_segment, write_segment
from indexer.worker import ParseLimits, ParsePool, analyse_passages, parse_reports
from rapportsok.errors import IndexProblem, UnknownReport

if TYPE_CHECKING:
    from indexer.embedding.encoders import Encoder
    from indexer.language.analyzer import SwedishAnalyzer

log = logging.getLogger(__name__)

MAX_DELTAS = 8  # more segments than this beside the base: merge them into one


def can_update(out: Path, cfg: ChunkerConfig | None = None) -> bool:
    """Whether the index at `out` takes segments (else a full `build_index` is needed)."""
    try:
        manifest = read_manifest(out)
    except IndexProblem:
        return False
    return (
        manifest.schema_version == SCHEMA_VERSION
        and manifest.chunker == (cfg or ChunkerConfig()).to_dict()
    )


def add_reports(
    corpus_dir: Path,
    out: Path,
    names: Sequence[str],
    encoder: Encoder,
    analyzer: SwedishAnalyzer,
    *,
    parse_limits: ParseLimits | None = None,
) -> BuildReport:
    """Index the corpus files `names` as one new segment of the index at `out` (a file
    the index already has under that name is replaced: its old report marked deleted)."""
    t0 = time.perf_counter()
    report = BuildReport(out)
    with build_lock(out):
        clean_segments(out)
        manifest = read_manifest(out)
        cfg = ChunkerConfig(**manifest.chunker)
        catalogue = load_catalogue(corpus_dir)
        documents: list[Document] = []
        chunks: list[Chunk] = []
        requests = [(corpus_dir / name, sha256_file(corpus_dir / name)) for name in names]
        with contextlib.ExitStack() as stack:
            pool = stack.enter_context(ParsePool(parse_limits, 1)) if parse_limits else None
            parsed = parse_reports(requests, catalogue, cfg, pool)
        for (path, _), result in zip(requests, parsed, strict=True):
            accepted = accept(report, path.name, result)
            if accepted is not None:
                documents.append(accepted[0])
                chunks.extend(accepted[1])
        if documents:
            manifest = _drop(out, manifest, [d.id for d in documents], missing_ok=True)
            texts = [clean_text(c.indexed_text) for c in chunks]
            vectors = _build._embed(texts, encoder, {}, report, False)
            postings = analyse_passages(texts, analyzer)
            entry = _write(out, manifest, documents, chunks, vectors, postings)
            manifest.segments.append(entry)
            for d in documents:
                manifest.sources[d.path] = d.sha256
                report.added.append(d.id)
            _publish(out, manifest)
            _merge_if_needed(out)
        report.documents, report.chunks = _counts(out)
    report.seconds = time.perf_counter() - t0
    return report


def remove_reports(out: Path, doc_ids: Sequence[str], *, missing_ok: bool = False) -> BuildReport:
    """Mark the reports `doc_ids` deleted in the index at `out` (a segment left without
    live reports is dropped from the manifest); `UnknownReport` for one it does not hold."""
    t0 = time.perf_counter()
    report = BuildReport(out)
    with build_lock(out):
        clean_segments(out)
        manifest = _drop(out, read_manifest(out), list(doc_ids), missing_ok=missing_ok)
        report.removed = sorted(doc_ids)
        _publish(out, manifest)
        _merge_if_needed(out)
        report.documents, report.chunks = _counts(out)
    report.seconds = time.perf_counter() - t0
    return report


def merge_segments(out: Path, min_segments: int = 2) -> bool:
    """Merge the delta segments of the index at `out` into one (their live rows, in
    order) when there are at least `min_segments`; whether it did."""
    with build_lock(out):
        clean_segments(out)
        return _merge(out, min_segments)


def _merge_if_needed(out: Path) -> None:
    _merge(out, MAX_DELTAS + 1)


def _merge(out: Path, min_segments: int) -> bool:
    manifest = read_manifest(out)
    deltas = [e for e in manifest.segments if e.name != BASE]
    if len(deltas) < max(min_segments, 2):
        return False
    t0 = time.perf_counter()
    version = version_dir(out)
    segs = [open_segment(segment_folder(version, e.name)) for e in deltas]
    deleted = manifest.deleted
    live = [live_rows(s, deleted.get(e.name, [])) for s, e in zip(segs, deltas, strict=True)]
    gone = [set(deleted.get(e.name, [])) for e in deltas]
    documents = [
        d for s, g in zip(segs, gone, strict=True) for i, d in s.documents.items() if i not in g
    ]
    lines = [
        s.chunks.line(r)
        for s, mask in zip(segs, live, strict=True)
        for r in (range(len(s)) if mask is None else np.flatnonzero(mask).tolist())
    ]
    pairs = zip(segs, live, strict=True)
    vectors = np.concatenate([s.vectors[_all(m, len(s))] for s, m in pairs])
    postings = Postings.concat([s.postings for s in segs], live)
    entry = _write(out, manifest, documents, lines, vectors, postings)
    for e in deltas:
        deleted.pop(e.name, None)
    manifest.segments = [e for e in manifest.segments if e.name == BASE] + [entry]
    _publish(out, manifest)
    clean_segments(out)
    log.info(
        "merged %d segments (%d passages) in %.2f s",
        len(deltas),
        len(lines),
        time.perf_counter() - t0,
    )
    return True


def _drop(out: Path, manifest: Manifest, doc_ids: list[str], *, missing_ok: bool) -> Manifest:
    """`manifest` without the live reports `doc_ids`: tombstoned in their segment, or the
    segment dropped when nothing else of it is live."""
    version = version_dir(out)
    deleted = manifest.deleted
    found: set[str] = set()
    kept = []
    for e in manifest.segments:
        gone = set(deleted.get(e.name, []))
        hit = [d for d in doc_ids if d in e.documents and d not in gone]
        if hit:
            seg = open_segment(segment_folder(version, e.name), with_faiss=False)
            for d in hit:
                manifest.sources.pop(seg.documents[d].path, None)
            found.update(hit)
            gone.update(hit)
            if e.name != BASE and gone >= set(e.documents):
                deleted.pop(e.name, None)
                continue  # nothing of it is live: the manifest no longer lists it
            deleted[e.name] = sorted(gone)
        kept.append(e)
    unknown = sorted(set(doc_ids) - found)
    if unknown and not missing_ok:
        raise UnknownReport(f"the index has no report with id {unknown[0]!r}")
    manifest.segments = kept
    return manifest


def _write(
    out: Path,
    manifest: Manifest,
    documents: list[Document],
    chunks: list[Chunk] | list[bytes],
    vectors: np.ndarray,
    postings: Postings,
) -> SegmentEntry:
    """Write a new delta segment, flushed and renamed into place; its manifest entry."""
    folder = version_dir(out) / SEGMENTS_DIR
    folder.mkdir(exist_ok=True)
    name = f"s{manifest.generation + 1:06d}-{time.time_ns() % 10**9:09d}"
    tmp = folder / f"{name}.tmp"
    write_segment(tmp, documents, chunks, vectors, postings)
    fsync_tree(tmp)
    tmp.rename(folder / name)
    fsync_dir(folder)
    return segment_entry(name, documents, len(chunks))


def _publish(out: Path, manifest: Manifest) -> None:
    deleted = manifest.deleted
    docs = {d for e in manifest.segments for d in e.documents if d not in deleted.get(e.name, [])}
    rows = 0
    version = version_dir(out)
    for e in manifest.segments:
        seg = open_segment(segment_folder(version, e.name))
        rows += len(seg) - _dead_rows(seg, deleted.get(e.name, []))
    manifest.counts = Counts(documents=len(docs), chunks=rows)
    manifest.generation += 1
    manifest.updated = datetime.now(UTC).isoformat(timespec="seconds")
    manifest.corpus_fingerprint = _build.fingerprint(manifest.sources.values())
    publish_manifest(out, manifest)


def _all(mask: np.ndarray | None, n: int) -> np.ndarray:
    return np.ones(n, dtype=bool) if mask is None else mask


def _dead_rows(seg: Segment, deleted: list[str]) -> int:
    mask = live_rows(seg, deleted)
    return 0 if mask is None else int(len(mask) - mask.sum())


def _counts(out: Path) -> tuple[int, int]:
    counts = read_manifest(out).counts
    return counts.documents, counts.chunks
