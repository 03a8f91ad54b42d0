"""Build (or refresh) the index of a corpus folder: read, chunk, embed what is new, write."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from indexer.models import Chunk, Document, text_hash
from indexer.reading.chunker import ChunkerConfig, clean_text
from indexer.reading.metadata import doc_id_for, load_catalogue
from indexer.reading.quality import troubles
from indexer.reading.sources import SUPPORTED_SUFFIXES
from indexer.store.dense import FAISS_TYPES, FaissChoice, FaissType, resolve_faiss
from indexer.store.index import (
    SCHEMA_VERSION,
    IndexData,
    build_lock,
    clean_stale,
    load_index,
    new_version_dir,
    publish,
    write_version,
)
from indexer.store.manifest import Counts, EncoderInfo, FaissInfo, Manifest
from indexer.store.postings import BM25sIndex
from indexer.worker import Parsed, ParseLimits, ParsePool, analyse_passages, parse_reports
from rapportsok.errors import IndexProblem, UnreadableReport

if TYPE_CHECKING:
    from indexer.embedding.encoders import Encoder
    from indexer.language.analyzer import SwedishAnalyzer

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    """What a build did, for the CLI's summary and the service's upload answer."""

    path: Path
    documents: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    tokens_embedded: int = 0
    embed_seconds: float = 0.0
    seconds: float = 0.0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: bool = False
    ocr_pages: int = 0  # scanned pages read by OCR in this build
    ocr_seconds: float = 0.0
    # The reading report: (file name, what went wrong) for each report read in this build
    # that had trouble (`indexer.reading.quality.troubles`, joined by "; ").
    troubles: list[tuple[str, str]] = field(default_factory=list)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The reports in a corpus folder (not the catalogue, not hidden files), sorted."""
    if not corpus_dir.is_dir():
        raise IndexProblem(f"corpus folder {corpus_dir} does not exist")
    return sorted(
        p
        for p in corpus_dir.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.name != "catalogue.toml"
    )


def embed_key(encoder_name: str, text: str) -> str:
    """Embedding cache key: encoder and the exact text it embeds (`clean_text` of a chunk)."""
    return text_hash(f"{encoder_name}\x00{text}")


@dataclass
class _Previous:
    """What the index in place offers the next build: its reports by file name, their
    chunks, and the vectors of every text it embedded (keyed by `embed_key`)."""

    index: IndexData | None
    chunker_same: bool
    documents: dict[str, Document] = field(default_factory=dict)
    chunks: dict[str, list[Chunk]] = field(default_factory=dict)
    vectors: dict[str, np.ndarray] = field(default_factory=dict)


def _load_previous(out: Path, encoder: Encoder, cfg: ChunkerConfig) -> _Previous:
    """The index in place at `out`, if it loads with this encoder (else nothing to reuse)."""
    try:
        index = load_index(out, encoder.name)
    except IndexProblem as exc:
        if out.exists():
            log.info("not reusing the index at %s: %s", out, exc)
        return _legacy_vectors(out, encoder)
    prev = _Previous(index, index.manifest.chunker == cfg.to_dict())
    prev.documents = {d.path: d for d in index.documents.values()}
    of_row = index.chunks.doc_of_row
    for i, c in enumerate(index.chunks):
        if of_row[i] < 0:
            continue  # a deleted report's passage, still in its segment
        prev.chunks.setdefault(c.doc_id, []).append(c)
        prev.vectors[embed_key(encoder.name, clean_text(c.indexed_text))] = index.vectors[i]
    return prev


def _legacy_vectors(out: Path, encoder: Encoder) -> _Previous:
    """The embeddings of an index written before segments (schema version 1), so that
    rebuilding it embeds nothing again; nothing else of it is reused."""
    import json

    from indexer.store.chunkstore import ChunkStore
    from indexer.store.segment import CHUNKS, VECTORS

    prev = _Previous(None, False)
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("schema_version") != 1 or manifest["encoder"]["name"] != encoder.name:
            return prev
        vectors = np.load(out / VECTORS, mmap_mode="r")
        for i, c in enumerate(ChunkStore(out / CHUNKS)):
            prev.vectors[embed_key(encoder.name, clean_text(c.indexed_text))] = vectors[i]
    except (OSError, ValueError, KeyError, IndexError) as exc:
        log.info("not reusing the embeddings of %s: %s", out, exc)
        return _Previous(None, False)
    return prev


def build_index(
    corpus_dir: Path,
    out: Path,
    encoder: Encoder,
    analyzer: SwedishAnalyzer | None = None,
    *,
    chunker: ChunkerConfig | None = None,
    faiss_type: FaissChoice | None = None,
    progress: bool = False,
    parse_limits: ParseLimits | None = None,
    jobs: int = 1,
) -> BuildReport:
    """Index every report in `corpus_dir` into `out`, reusing what has not changed.

    `faiss_type` None keeps what the index in place asked for (an upload or a removal
    keeps the type), else 'auto': exact below `indexer.store.dense.ANN_MIN_PASSAGES`, IVF above.

    Unreadable reports are skipped with their reason. Unchanged reports keep their chunks
    and embeddings; only new or changed text is embedded. The new index replaces the old
    one atomically at the end; until then the old one stays in place. With `parse_limits`
    (the service and `rapportsok index`) reports are read in child processes within them
    (`indexer.worker`), `jobs` of them side by side; without, in this process one by one
    (tests, trusted corpora).
    """
    from indexer.language.analyzer import get_analyzer

    t0 = time.perf_counter()
    analyzer = analyzer or get_analyzer()
    cfg = chunker or ChunkerConfig()
    report = BuildReport(out)
    with build_lock(out), contextlib.ExitStack() as stack:
        clean_stale(out)
        prev = _load_previous(out, encoder, cfg)
        pool = stack.enter_context(ParsePool(parse_limits, jobs)) if parse_limits else None
        documents, chunks = _read_corpus(corpus_dir, prev, cfg, report, progress, pool)
        if not documents and report.skipped:
            reasons = "; ".join(
                why if why.startswith(name) else f"{name}: {why}" for name, why in report.skipped
            )
            raise IndexProblem(f"no report in {corpus_dir} could be read ({reasons})")
        report.documents, report.chunks = len(documents), len(chunks)
        choice = faiss_type or _requested_faiss(prev.index)
        faiss = resolve_faiss(choice, len(chunks))
        if _nothing_changed(prev.index, chunks, report, analyzer.name, faiss):
            report.unchanged = True  # the index in place is this build's result
            report.reused = len(chunks)
        else:
            texts = [clean_text(c.indexed_text) for c in chunks]  # what the model and BM25 see
            # BM25 analysis first, in the reading children when there are many passages.
            postings = pool.analyse(texts, analyzer) if pool else analyse_passages(texts, analyzer)
            vectors = _embed(texts, encoder, prev.vectors, report, progress)
            manifest = _manifest(documents, chunks, encoder, analyzer.name, cfg, faiss)
            manifest.faiss.requested = choice
            folder = new_version_dir(out)
            write_version(folder, manifest, documents, chunks, vectors, postings, faiss)
            publish(out, folder)
    report.seconds = time.perf_counter() - t0
    return report


def _read_corpus(
    corpus_dir: Path,
    prev: _Previous,
    cfg: ChunkerConfig,
    report: BuildReport,
    progress: bool,
    pool: ParsePool | None = None,
) -> tuple[list[Document], list[Chunk]]:
    """Every readable report of the corpus and its chunks: unchanged reports (same file,
    chunker and catalogue entry) from the previous index, the others read and chunked (by
    `pool`'s child processes side by side, else here one by one). Unreadable files are
    recorded in `report.skipped`; so are added, changed and removed."""
    catalogue = load_catalogue(corpus_dir)
    plan: list[tuple[Path, str, Document | None, bool]] = []  # path, sha256, old, reuse
    for path in corpus_files(corpus_dir):
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            report.skipped.append((path.name, f"unsupported file type {path.suffix!r}"))
            continue
        digest = sha256_file(path)
        old = prev.documents.get(path.name)
        reuse = (
            old is not None
            and old.sha256 == digest
            and old.id == doc_id_for(path)  # ids of older versions are given anew
            and prev.chunker_same
            and _catalogue_matches(old, catalogue.get(path.name, {}))
        )
        plan.append((path, digest, old, reuse))
    requests = [(path, digest) for path, digest, _, reuse in plan if not reuse]
    parsed = iter(_parse(requests, catalogue, cfg, progress, pool))
    documents: list[Document] = []
    chunks: list[Chunk] = []
    for path, _, old, reuse in plan:
        if reuse and old is not None:
            documents.append(old)
            chunks.extend(prev.chunks.get(old.id, []))
            continue
        accepted = accept(report, path.name, next(parsed))
        if accepted is None:
            continue
        doc, doc_chunks = accepted
        (report.changed if old is not None else report.added).append(doc.id)
        documents.append(doc)
        chunks.extend(doc_chunks)
    ids = [d.id for d in documents]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise IndexProblem(f"two reports share the id {dup[0]}: rename one of them")
    report.removed = sorted(set(prev.index.documents) - set(ids)) if prev.index else []
    return documents, chunks


def _parse(
    requests: list[tuple[Path, str]],
    catalogue: dict[str, dict[str, Any]],
    cfg: ChunkerConfig,
    progress: bool,
    pool: ParsePool | None,
) -> list[Parsed]:
    """`parse_reports` with a progress bar."""
    from tqdm import tqdm

    with tqdm(
        total=len(requests), desc="Reading reports", unit="report", disable=not progress
    ) as bar:
        return parse_reports(requests, catalogue, cfg, pool, lambda: bar.update())


def accept(report: BuildReport, name: str, result: Parsed) -> tuple[Document, list[Chunk]] | None:
    """A read report's document and chunks, or None with the reason in `report.skipped`
    (unreadable, a parser bug, no text); what OCR cost is added to `report`, and what went
    wrong reading it to `report.troubles`."""
    if isinstance(result, UnreadableReport):
        report.skipped.append((name, str(result)))
        return None
    if isinstance(result, Exception):  # a parser bug must not stop the other reports
        log.error("failed to read %s", name, exc_info=result)
        report.skipped.append((name, f"could not be parsed ({type(result).__name__}: {result})"))
        return None
    doc, chunks, (ocr_pages, ocr_seconds) = result
    if not chunks:
        report.skipped.append((name, "no text found"))
        return None
    report.ocr_pages += ocr_pages
    report.ocr_seconds += ocr_seconds
    if problems := troubles(doc):
        report.troubles.append((name, "; ".join(problems)))
    return doc, chunks


def _requested_faiss(prev: IndexData | None) -> FaissChoice:
    """What the index in place asked for, else 'auto'. Older manifests record only the
    type: 'flat' was their default, not a choice, so it becomes 'auto'; 'hnsw' was chosen."""
    if prev is None:
        return "auto"
    faiss = prev.manifest.faiss
    choice = faiss.requested or ("hnsw" if faiss.type == "hnsw" else "auto")
    for known in FAISS_TYPES:
        if choice == known:
            return known
    return "auto"


def _nothing_changed(
    prev: IndexData | None,
    chunks: list[Chunk],
    report: BuildReport,
    analyzer_name: str,
    faiss_type: FaissType,
) -> bool:
    """Whether the index in place already is what this build would write."""
    return (
        prev is not None
        and not (report.added or report.changed or report.removed)
        and [c.id for c in chunks] == [c.id for c in prev.chunks]
        and prev.manifest.analyzer == analyzer_name
        and prev.manifest.faiss.type == faiss_type
    )


def _manifest(
    documents: list[Document],
    chunks: list[Chunk],
    encoder: Encoder,
    analyzer_name: str,
    cfg: ChunkerConfig,
    faiss_type: FaissType,
) -> Manifest:
    """What `manifest.json` records about the index this build writes (its segments are
    added when it is written)."""
    return Manifest(
        schema_version=SCHEMA_VERSION,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        encoder=EncoderInfo(name=encoder.name, dim=encoder.dim),
        analyzer=analyzer_name,
        chunker=cfg.to_dict(),
        faiss=FaissInfo(type=faiss_type),
        counts=Counts(documents=len(documents), chunks=len(chunks)),
        corpus_fingerprint=fingerprint(d.sha256 for d in documents),
        sources={d.path: d.sha256 for d in documents},
    )


def fingerprint(digests: Iterable[str]) -> str:
    """One hash of the reports' contents, whatever their order."""
    return hashlib.sha256("".join(sorted(digests)).encode()).hexdigest()


def _catalogue_matches(doc: Document, entry: dict[str, Any]) -> bool:
    return all(getattr(doc, k, None) == v for k, v in entry.items())


def _embed(
    texts: list[str],
    encoder: Encoder,
    cache: dict[str, np.ndarray],
    report: BuildReport,
    progress: bool,
) -> np.ndarray:
    """Vectors for all chunk texts: from the cache where the text is unchanged, else encoded."""
    from tqdm import tqdm

    keys = [embed_key(encoder.name, t) for t in texts]
    todo = [i for i, k in enumerate(keys) if k not in cache]
    report.reused = len(texts) - len(todo)
    report.embedded = len(todo)
    if todo:
        new_texts = [texts[i] for i in todo]
        report.tokens_embedded = sum(encoder.count_tokens(t) for t in new_texts)
        t0 = time.perf_counter()
        # tqdm shows passages/s and the time left (ETA) as it goes.
        with tqdm(total=len(todo), desc="Embedding", unit="passage", disable=not progress) as bar:
            new = encoder.encode_documents(new_texts, progress=bar.update)
        report.embed_seconds = time.perf_counter() - t0
        for i, vec in zip(todo, new, strict=True):
            cache[keys[i]] = vec
    if not texts:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    return np.stack([cache[k] for k in keys]).astype(np.float32)


def make_bm25(tokens: list[list[str]]) -> BM25sIndex:
    """bm25s's BM25 index over the analysed passages, in memory (an empty passage gets one
    empty token)."""
    return BM25sIndex.from_tokens(tokens)
