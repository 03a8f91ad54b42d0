"""Domain objects (`Document`, `Chunk`, `Hit`, answer sentences) → API response models."""

from __future__ import annotations

from typing import TYPE_CHECKING

from indexer.models import Chunk, Document
from service.schemas import (
    Citation,
    ComparisonEntry,
    DocumentInfo,
    DocumentSummary,
    Passage,
    Span,
)

if TYPE_CHECKING:
    from search.compare import ComparisonRow
    from search.units import Unit


def file_url(doc_id: str) -> str:
    """Where the API serves a report's original file."""
    return f"/documents/{doc_id}/file"


def document_info(doc: Document) -> DocumentInfo:
    """The metadata of a report as the API shows it."""
    return DocumentInfo(
        id=doc.id,
        title=doc.title,
        organisation=doc.organisation,
        municipality=doc.municipality,
        organ=doc.organ,
        report_type=doc.report_type,
        year=doc.year,
        period=doc.period,
        sources=dict(doc.sources),
        file_url=file_url(doc.id),
    )


def document_summary(doc: Document, chunks: list[Chunk]) -> DocumentSummary:
    """A report with its passage count and section outline (distinct paths, report order)."""
    outline: dict[tuple[str, ...], None] = {}
    for c in chunks:
        if c.section:
            outline.setdefault(c.section, None)
    return DocumentSummary(
        **document_info(doc).model_dump(),
        chunk_count=len(chunks),
        outline=[list(s) for s in outline],
    )


def passage(
    chunk: Chunk,
    doc: Document,
    rank: int = 0,
    score: float = 0.0,
    highlights: list[tuple[int, int]] | None = None,
) -> Passage:
    """A chunk as a cited passage (rank 0 and score 0 for context passages)."""
    return Passage(
        id=chunk.id,
        rank=rank,
        score=round(score, 6),
        text=chunk.text,
        document=document_info(doc),
        section=list(chunk.section),
        page=chunk.page,
        span=Span(start=chunk.start, end=chunk.end),
        highlights=[Span(start=s, end=e) for s, e in highlights or []],
        kind=chunk.kind,
        table_header=chunk.table_header,
        ocr=chunk.ocr,
    )


def comparison_entry(row: ComparisonRow, doc: Document, marker: dict[int, int]) -> ComparisonEntry:
    """One report's row of a comparison: its answer and the marker of its citation."""
    unit = row.unit
    return ComparisonEntry(
        document=document_info(doc),
        answer=unit.answer_text() if unit is not None else None,
        citation=marker.get(id(unit)) if unit is not None else None,
        confidence=round(row.confidence, 4),
    )


def citation(n: int, unit: Unit, doc: Document) -> Citation:
    """Marker [n] of an answer: the verbatim unit (with its table's header row) and where
    it stands."""
    chunk = unit.hit.chunk
    return Citation(
        n=n,
        quote=unit.quote(),
        passage_id=chunk.id,
        document=document_info(doc),
        section=list(chunk.section),
        page=chunk.page,
    )
