"""The naive baseline: what the section-aware chunker is compared with.

Every report's text is cut at blank lines into paragraphs, and consecutive paragraphs are
packed into passages of at most ~900 characters (a longer paragraph is cut at whitespace).
Passages ignore headings and tables, and carry no context header (no municipality, report
or section path) for the encoder or BM25. The same encoder and analyzer embed and index
them, and the same `Searcher` searches them, so the difference in the numbers is the
chunking and the context header alone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from indexer.models import Chunk, Document, text_hash

if TYPE_CHECKING:
    from indexer.embedding.encoders import Encoder, ProgressFn
    from indexer.language.analyzer import SwedishAnalyzer
    from indexer.store.index import IndexData

BASELINE_CHARS = 900
_PARAGRAPH = re.compile(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*\Z)", re.DOTALL)


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Offsets of the blank-line separated paragraphs of `text` (stripped)."""
    return [(m.start(), m.end()) for m in _PARAGRAPH.finditer(text)]


def _cut(text: str, start: int, end: int, size: int) -> list[tuple[int, int]]:
    """[start, end) in pieces of at most `size` characters, cut at whitespace if possible."""
    out: list[tuple[int, int]] = []
    while end - start > size:
        space = text.rfind(" ", start + size // 2, start + size)
        newline = text.rfind("\n", start + size // 2, start + size)
        cut = max(space, newline)
        cut = cut if cut > start else start + size
        out.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        out.append((start, end))
    return out


def pack(text: str, size: int = BASELINE_CHARS) -> list[tuple[int, int]]:
    """Passage offsets: consecutive paragraphs while the passage stays within `size`."""
    pieces = [p for s, e in paragraphs(text) for p in _cut(text, s, e, size)]
    out: list[tuple[int, int]] = []
    for s, e in pieces:
        if out and e - out[-1][0] <= size:
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def baseline_chunks(doc: Document, text: str, size: int = BASELINE_CHARS) -> list[Chunk]:
    """The baseline passages of one report (verbatim text, offsets, no context header)."""
    return [
        Chunk(
            id=f"{doc.id}:b{i:04d}:{text_hash(text[s:e])[:8]}",
            doc_id=doc.id,
            text=text[s:e],
            section=(),
            start=s,
            end=e,
        )
        for i, (s, e) in enumerate(pack(text, size))
    ]


def build_baseline_index(
    corpus_dir: Path,
    encoder: Encoder,
    analyzer: SwedishAnalyzer | None = None,
    size: int = BASELINE_CHARS,
    progress: ProgressFn | None = None,
) -> IndexData:
    """An in-memory `IndexData` of the baseline passages of every report in `corpus_dir`.

    Report metadata (municipality, year) is read as the real indexer reads it, so the
    searcher's query understanding works the same on both.
    """
    from indexer.build import corpus_files, make_bm25, sha256_file
    from indexer.language.analyzer import get_analyzer
    from indexer.reading.chunker import clean_text
    from indexer.reading.metadata import build_document, load_catalogue
    from indexer.reading.sources import SUPPORTED_SUFFIXES, read_report
    from indexer.store.chunkstore import ChunkList
    from indexer.store.index import SCHEMA_VERSION, IndexData, make_faiss
    from indexer.store.manifest import Counts, EncoderInfo, FaissInfo, Manifest

    analyzer = analyzer or get_analyzer()
    catalogue = load_catalogue(corpus_dir)
    documents: dict[str, Document] = {}
    chunks: list[Chunk] = []
    for path in corpus_files(corpus_dir):
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        source = read_report(path)
        doc = build_document(path, source, sha256_file(path), catalogue)
        documents[doc.id] = doc
        chunks.extend(baseline_chunks(doc, source.text, size))
    texts = [clean_text(c.text) for c in chunks]
    if texts:
        vectors = np.asarray(encoder.encode_documents(texts, progress=progress), dtype=np.float32)
    else:
        vectors = np.zeros((0, encoder.dim), dtype=np.float32)
    bm25 = make_bm25([analyzer.analyze(t) for t in texts])
    manifest = Manifest(
        schema_version=SCHEMA_VERSION,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        encoder=EncoderInfo(name=encoder.name, dim=encoder.dim),
        analyzer=analyzer.name,
        chunker={"baseline": True, "size": size},
        faiss=FaissInfo(type="flat"),
        counts=Counts(documents=len(documents), chunks=len(chunks)),
    )
    rows = ChunkList(chunks)
    return IndexData(corpus_dir, manifest, documents, rows, vectors, make_faiss(vectors), bm25)
