"""The API's routes. Handlers are sync (`def`): search is CPU work, run in the thread pool."""

from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import FileResponse

from indexer.models import Hit
from indexer.reading.sources import SUPPORTED_SUFFIXES, text_charset
from search.compare import place
from search.retrieval import Searcher, SearchFilters
from search.units import Unit, answer_texts
from service import convert
from service.deps import AnswererDep, SearcherDep, ServicesDep, no_index_detail
from service.schemas import (
    AskRequest,
    AskResponse,
    DocumentSummary,
    ErrorResponse,
    Health,
    PassageContext,
    SearchedReports,
    SearchRequest,
    SearchResponse,
    UploadPolicy,
)

router = APIRouter()
_MEDIA_TYPES = {".pdf": "application/pdf", ".txt": "text/plain", ".md": "text/markdown"}
_ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorResponse},
    422: {"model": ErrorResponse},
    503: {"model": ErrorResponse},
}


def _filters(searcher: Searcher, model: object) -> SearchFilters:
    """Request filters in domain form; `UnknownFilterValue` becomes a 422 (see app.py)."""
    filters = SearchFilters.from_model(model)
    searcher.check_filters(filters)
    return filters


def _passages(searcher: Searcher, hits: list, query: str) -> list:
    docs = searcher.index.documents
    return [
        convert.passage(
            h.chunk, docs[h.chunk.doc_id], h.rank, h.score, searcher.highlights(h.chunk.text, query)
        )
        for h in hits
    ]


@router.get("/health", response_model=Health, responses={503: {"model": ErrorResponse}})
def health(services: ServicesDep) -> Health:
    """Status of the service and a summary of the loaded index's manifest."""
    if services.searcher is None:
        raise HTTPException(503, no_index_detail(services.problem))
    m = services.searcher.index.manifest.to_dict()
    summary = {
        key: m.get(key)
        for key in ("schema_version", "created", "encoder", "analyzer", "faiss", "counts")
    }
    # The index's name, not its absolute path: responses never show the server's folders.
    summary["path"] = services.searcher.index.path.name
    summary["documents"] = sorted(services.searcher.index.documents)
    return Health(status="ok", index=summary)


@router.get("/uploads", response_model=UploadPolicy)
def upload_policy(services: ServicesDep) -> UploadPolicy:
    """Whether uploads are switched on, and the largest file the server accepts."""
    settings = services.settings
    return UploadPolicy(
        enabled=bool(settings.api_key),
        max_mb=settings.max_upload_mb,
        max_bytes=settings.max_upload_bytes,
        suffixes=sorted(SUPPORTED_SUFFIXES),
    )


@router.post("/search", response_model=SearchResponse, responses=_ERRORS)
def search(body: SearchRequest, searcher: SearcherDep, answerer: AnswererDep) -> SearchResponse:
    """Passages that match the query, best first (hybrid, dense or lexical)."""
    t0 = time.perf_counter()
    filters = _filters(searcher, body.filters)
    info = searcher.understand(body.query)  # read once, for the search and the reranking
    hits, timings = searcher.search(body.query, body.k, filters, body.mode, info=info)
    t_rerank = time.perf_counter()
    if body.mode == "hybrid":
        hits = answerer.rerank(body.query, hits, info=info)
    # The reader's reordering of the first passages comes after the search's own total.
    steps = timings.as_dict() | {"rerank_ms": round((time.perf_counter() - t_rerank) * 1000, 3)}
    fixed = searcher.correct(body.query)
    return SearchResponse(
        query=body.query,
        corrected_query=fixed.query if fixed else None,
        results=_passages(searcher, hits, body.query),
        took_ms=round((time.perf_counter() - t0) * 1000, 2),
        timings=steps,
    )


@router.post("/ask", response_model=AskResponse, responses=_ERRORS)
def ask(body: AskRequest, searcher: SearcherDep, answerer: AnswererDep) -> AskResponse:
    """An extractive answer with cited sentences, or a note that the reports lack one."""
    t0 = time.perf_counter()
    filters = _filters(searcher, body.filters)
    qvec = searcher.embed(body.question)
    info = searcher.understand(body.question)  # read once, for the search and the answer
    hits, _ = searcher.search(body.question, body.k, filters, "hybrid", qvec, info)
    result = answerer.answer(body.question, hits, qvec, filters, info)
    docs = searcher.index.documents
    units = result.units if result.answered else []
    citations = [
        convert.citation(n, u, docs[u.hit.chunk.doc_id]) for n, u in enumerate(units, start=1)
    ]
    if result.comparison:
        # One line per report ("Timrå: … [2]"), then the reports without a figure and,
        # when the figures are comparable, which is highest or lowest.
        answer = (
            "\n".join(
                [
                    f"{place(docs[u.hit.chunk.doc_id])}: {text} [{n}]"
                    for n, (u, text) in enumerate(
                        zip(units, answer_texts(units), strict=True), start=1
                    )
                ]
                + [x for x in (result.missing, result.verdict) if x]
            )
            if units
            else None
        )
    else:
        answer = " ".join(f"{text} [{n}]" for n, text in enumerate(answer_texts(units), start=1))
    answer = answer or None
    comparison = None
    if result.comparison:
        marker = {id(u): n for n, u in enumerate(units, start=1)}
        comparison = [
            convert.comparison_entry(r, docs[r.doc_id], marker) for r in result.comparison
        ]
    fixed = searcher.correct(body.question)
    searched, first = searcher.scope_reports(filters, info)
    every = len(searched) == len(searcher.doc_ids)
    return AskResponse(
        question=body.question,
        corrected_query=fixed.query if fixed else None,
        answered=answer is not None,
        answer=answer,
        message=None if answer else result.message,
        citations=citations,
        passages=_passages(searcher, [*hits, *_cited_elsewhere(hits, units)], body.question),
        took_ms=round((time.perf_counter() - t0) * 1000, 2),
        confidence=round(result.confidence, 4),
        uncertain=answer is not None and result.uncertain,
        answer_type=result.answer_type,
        comparison=comparison,
        searched=SearchedReports(
            all=every,
            documents=[] if every else sorted(searched),
            ranked_first=sorted(first),
        ),
    )


def _cited_elsewhere(hits: list[Hit], units: list[Unit]) -> list[Hit]:
    """Passages an answer cites that are not among `hits` (a comparison searches each
    report on its own), so that every citation's passage is in the response."""
    seen = {h.chunk.id for h in hits}
    extra = []
    for u in units:
        if u.hit.chunk.id not in seen:
            seen.add(u.hit.chunk.id)
            extra.append(u.hit)
    return extra


@router.get(
    "/documents", response_model=list[DocumentSummary], responses={503: {"model": ErrorResponse}}
)
def documents(searcher: SearcherDep) -> list[DocumentSummary]:
    """Every indexed report with its passage count and section outline."""
    return [_summary(searcher, doc_id) for doc_id in searcher.doc_ids]


@router.get(
    "/documents/{doc_id}",
    response_model=DocumentSummary,
    responses={404: {"model": ErrorResponse}, 503: {"model": ErrorResponse}},
)
def document(doc_id: str, searcher: SearcherDep) -> DocumentSummary:
    """One report's metadata, passage count and section outline."""
    return _summary(searcher, doc_id)


@router.get(
    "/documents/{doc_id}/file",
    response_class=FileResponse,
    responses={404: {"model": ErrorResponse}, 503: {"model": ErrorResponse}},
)
def document_file(doc_id: str, searcher: SearcherDep, services: ServicesDep) -> FileResponse:
    """The original report file (open a PDF at a cited page with `#page=N`)."""
    doc = searcher.index.documents.get(doc_id)
    if doc is None:
        raise HTTPException(404, f"no report with id {doc_id!r}")
    corpus = Path(services.settings.corpus_dir).resolve()
    path = (corpus / doc.path).resolve()
    if corpus not in path.parents or not path.is_file():
        raise HTTPException(
            404, f"the file of report {doc_id!r} ({doc.path}) is missing from the corpus folder"
        )
    media = _MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
    if media.startswith("text/"):
        # The charset the indexer read it in: an older Windows export is cp1252, not UTF-8.
        stat = path.stat()
        media += f"; charset={_charset(path, stat.st_mtime_ns, stat.st_size)}"
    return FileResponse(
        path, media_type=media, filename=path.name, content_disposition_type="inline"
    )


@router.head("/documents/{doc_id}/file", include_in_schema=False)
def document_file_head(doc_id: str, searcher: SearcherDep, services: ServicesDep) -> FileResponse:
    """HEAD of the report file: GET's status and headers without the body (a link checker's
    or a download manager's question; not a second operation in the OpenAPI schema)."""
    return document_file(doc_id, searcher, services)  # FileResponse sends no body to HEAD


@router.get(
    "/passages/{passage_id}",
    response_model=PassageContext,
    responses={
        404: {"model": ErrorResponse},
        422: {"model": ErrorResponse},
        503: {"model": ErrorResponse},
    },
)
def passage(
    passage_id: str,
    searcher: SearcherDep,
    window: int = Query(2, ge=0, le=10, description="Neighbours on each side."),
) -> PassageContext:
    """A passage with its neighbouring passages in the same report."""
    row = searcher.index.by_id.get(passage_id)
    if row is None:
        raise HTTPException(404, f"no passage with id {passage_id!r}")
    chunks = searcher.index.chunks
    chunk = chunks[row]
    doc = searcher.index.documents[chunk.doc_id]

    # By the rows' reports, not by reading them: a store's rows may have gaps (a deleted
    # report's keys in Milvus) that hold no passage.
    of_row = chunks.doc_of_row

    def same_doc(rows: range) -> list:
        return [
            convert.passage(chunks[r], doc)
            for r in rows
            if 0 <= r < len(of_row) and of_row[r] == of_row[row]
        ]

    return PassageContext(
        passage=convert.passage(chunk, doc, rank=1, score=1.0),
        before=same_doc(range(row - window, row)),
        after=same_doc(range(row + 1, row + 1 + window)),
    )


@lru_cache(maxsize=256)
def _charset(path: Path, mtime_ns: int, size: int) -> str:
    """The text file's charset (cached per version of the file: it is read whole once)."""
    return text_charset(path.read_bytes())


def _summary(searcher: Searcher, doc_id: str) -> DocumentSummary:
    doc = searcher.index.documents.get(doc_id)
    if doc is None:
        raise HTTPException(404, f"no report with id {doc_id!r}")
    rows = searcher.rows_of(doc_id)
    return convert.document_summary(doc, [searcher.index.chunks[r] for r in rows])
