"""Request and response models of the HTTP API: the product's public contract."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# The UI imports the request limits from here. MAX_K and MAX_QUERY_CHARS are the search
# core's limits too, so they live in rapportsok.limits, where the search core sees them.
from rapportsok.limits import (
    MAX_FILTER_VALUES,
    MAX_K,
    MAX_QUERY_CHARS,
    MAX_QUERY_TERMS,
    QUERY_MAX_TOKENS,
)

Mode = Literal["hybrid", "dense", "lexical"]
MAX_ASK_K = 20  # passages an answer is read from
# A filter names reports by a few values; 50 is more than the UI ever sends, and bounds the
# work (and the error message) of a request that lists thousands.
MAX_FILTER_VALUE_CHARS = 200


def check_encodable(value: str, name: str) -> str:
    """Refuse text that cannot be written as UTF-8 (a lone surrogate from a JSON `\\ud800`
    escape): it would fail later in the model, the analyzer or the JSON answer."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"{name} must be valid Unicode text (a lone surrogate at position {exc.start})"
        ) from None
    return value


class Filters(BaseModel):
    """Restrict results to some reports; each list is OR-ed, the fields AND-ed."""

    model_config = ConfigDict(extra="forbid")

    municipality: list[str] | None = None
    year: list[int] | None = None
    report_type: list[str] | None = None
    document_id: list[str] | None = None

    @field_validator("municipality", "year", "report_type", "document_id", mode="before")
    @classmethod
    def _count(cls, values: Any, info: Any) -> Any:
        """The count first: 13,000 bad values are one problem, not 13,000."""
        if isinstance(values, list) and len(values) > MAX_FILTER_VALUES:
            raise ValueError(
                f"filters.{info.field_name} must have at most {MAX_FILTER_VALUES} values, "
                f"got {len(values)}"
            )
        return values

    @field_validator("municipality", "year", "report_type", "document_id")
    @classmethod
    def _values(cls, values: list[Any] | None, info: Any) -> list[Any] | None:
        name = f"filters.{info.field_name}"
        if values is None:
            return None
        for value in values:
            if isinstance(value, str):
                check_encodable(value, name)
                if len(value) > MAX_FILTER_VALUE_CHARS:
                    raise ValueError(
                        f"{name} values must be at most {MAX_FILTER_VALUE_CHARS} characters, "
                        f"got {len(value)}"
                    )
        return values


def _check_text(value: str, name: str) -> str:
    check_encodable(value, name)
    if not value.strip():
        raise ValueError(f"{name} must not be empty")
    if len(value) > MAX_QUERY_CHARS:
        raise ValueError(f"{name} must be at most {MAX_QUERY_CHARS} characters, got {len(value)}")
    return value


def _check_k(value: int, most: int) -> int:
    if not 1 <= value <= most:
        raise ValueError(f"k must be between 1 and {most}, got {value}")
    return value


# What a query costs at most, stated in the API docs.
_QUERY_LIMITS = (
    f"At most {MAX_QUERY_CHARS:,} characters; its first {QUERY_MAX_TOKENS} tokens are "
    f"embedded and its first {MAX_QUERY_TERMS} analysed words searched in BM25."
)


class SearchRequest(BaseModel):
    """POST /search."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(
        description="What to search for, in Swedish or English. " + _QUERY_LIMITS,
        examples=["sjukfrånvaro bland anställda"],
    )
    k: int = Field(10, description=f"Number of passages, 1–{MAX_K}.")
    filters: Filters | None = None
    mode: Mode = "hybrid"

    @field_validator("query")
    @classmethod
    def _query(cls, v: str) -> str:
        return _check_text(v, "query")

    @field_validator("k")
    @classmethod
    def _k(cls, v: int) -> int:
        return _check_k(v, MAX_K)


class AskRequest(BaseModel):
    """POST /ask."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        description="A question in Swedish (or English). " + _QUERY_LIMITS,
        examples=["Hur gick Timrås ekonomi under årets första åtta månader?"],
    )
    k: int = Field(5, description=f"Number of passages to answer from, 1–{MAX_ASK_K}.")
    filters: Filters | None = None

    @field_validator("question")
    @classmethod
    def _question(cls, v: str) -> str:
        return _check_text(v, "question")

    @field_validator("k")
    @classmethod
    def _k(cls, v: int) -> int:
        return _check_k(v, MAX_ASK_K)


class DocumentInfo(BaseModel):
    """A report's metadata."""

    id: str
    title: str
    organisation: str | None = Field(
        None, description="Who published it: a kommun, stad, region, myndighet or bolag."
    )
    municipality: str | None = None
    organ: str | None = None
    report_type: str | None = None
    year: int | None = None
    period: str | None = None
    sources: dict[str, str] = Field(
        default_factory=dict,
        description="Per field, where its value came from: cover, front, properties, "
        "file name, text or catalogue ('report kind and year' for a title made of them). "
        "A field without a value is unknown.",
    )
    file_url: str = Field(description="Where the original report file is served.")


class Span(BaseModel):
    start: int
    end: int


class Passage(BaseModel):
    """A cited passage: the report's verbatim text and where it stands."""

    id: str
    rank: int
    score: float
    text: str = Field(description="Verbatim text of the report.")
    document: DocumentInfo
    section: list[str]
    page: int | None = None
    span: Span = Field(description="Character offsets of `text` in the report's text.")
    highlights: list[Span] = Field(description="Offsets in `text` of matched query words.")
    kind: Literal["text", "table"] = "text"
    table_header: str | None = Field(
        None, description="Header row of a table split into row groups (not part of `text`)."
    )
    ocr: bool = Field(
        False, description="The text was read by OCR from a scanned page (check the source)."
    )


class SearchResponse(BaseModel):
    query: str
    corrected_query: str | None = Field(
        None,
        description="The query with words unknown to the index corrected, when any "
        "were (used for the lexical side).",
    )
    took_ms: float
    results: list[Passage]
    timings: dict[str, float] | None = Field(
        None, description="Milliseconds in embedding, FAISS, BM25 and fusion."
    )


class Citation(BaseModel):
    """What marker [n] in an answer points at."""

    n: int
    quote: str = Field(description="The verbatim sentence(s) quoted from the report.")
    passage_id: str
    document: DocumentInfo
    section: list[str]
    page: int | None = None


class ComparisonEntry(BaseModel):
    """One report's row of a comparison answer."""

    document: DocumentInfo
    answer: str | None = Field(description="The report's answer, or None when it gives none.")
    citation: int | None = Field(None, description="Marker n of the citation it quotes.")
    confidence: float


class SearchedReports(BaseModel):
    """The reports an answer was looked for in."""

    all: bool = Field(description="Every report of the index was searched.")
    documents: list[str] = Field(
        default_factory=list, description="Ids of the reports searched, when not all were."
    )
    ranked_first: list[str] = Field(
        default_factory=list,
        description="Ids of the reports ranked first because the question names their "
        "municipality or organisation (the others were searched too: some report's "
        "municipality is unknown).",
    )


class AskResponse(BaseModel):
    question: str
    corrected_query: str | None = Field(
        None, description="The question with words unknown to the index corrected, if any."
    )
    answered: bool
    answer: str | None = Field(description="Sentences from the reports with markers [n].")
    message: str | None = Field(None, description="Why there is no answer (Swedish).")
    citations: list[Citation]
    passages: list[Passage]
    took_ms: float
    confidence: float = Field(
        0.0, description="The reader's probability (0–1) that the answer answers the question."
    )
    uncertain: bool = Field(
        False,
        description="The reader finds the quoted passage less likely right than wrong "
        "(its probability is below 0.5): check the source.",
    )
    answer_type: str = Field(
        "other",
        description="What the question asks for: amount, percentage, date, person, "
        "organisation, list, reason, status or other.",
    )
    comparison: list[ComparisonEntry] | None = Field(
        None, description="For a comparison question: one row per report in scope."
    )
    searched: SearchedReports | None = Field(
        None, description="Which reports the answer was searched in."
    )


class DocumentSummary(DocumentInfo):
    chunk_count: int
    outline: list[list[str]] = Field(description="Section paths, in report order.")


class PassageContext(BaseModel):
    """A passage with its neighbours in the report."""

    passage: Passage
    before: list[Passage]
    after: list[Passage]


class Health(BaseModel):
    status: Literal["ok"]
    index: dict[str, object]


class UploadPolicy(BaseModel):
    """GET /uploads: what the upload page tells people before they pick a file."""

    enabled: bool = Field(description="False when RAPPORTSOK_API_KEY is not set.")
    max_mb: int = Field(description="The largest file accepted, in MB (RAPPORTSOK_MAX_UPLOAD_MB).")
    max_bytes: int = Field(
        description="The largest file accepted, in bytes: `max_mb` × 1024 × 1024 "
        "(compare a file's size with this)."
    )
    suffixes: list[str] = Field(description="File types accepted.")


class ErrorResponse(BaseModel):
    detail: str | list[object]
    request_id: str | None = None
    valid: dict[str, list[object]] | None = Field(
        None, description="For an unknown filter value: the values that filter accepts."
    )


class DocumentChange(BaseModel):
    """What POST /documents or DELETE /documents/{id} did to the index."""

    action: Literal["added", "removed"]
    document_id: str
    filename: str = Field(description="The report's file name in the corpus folder.")
    chunks: int = Field(description="Passages of this report in the index now.")
    embedded: int = Field(description="Passages embedded by this update (the rest reused).")
    documents: int = Field(description="Reports in the index now.")
    total_chunks: int = Field(description="Passages in the index now.")
    seconds: float


class JobError(BaseModel):
    """Why a change failed: the status and detail its request would have answered."""

    status: int
    detail: str


class JobInfo(BaseModel):
    """A change run by the writer: `GET /jobs/{id}`, or the 202 answer of a change that was
    not done within the wait."""

    id: str
    action: Literal["added", "removed"]
    filename: str = Field(description="The uploaded file name, or the id of the removed report.")
    state: Literal["queued", "running", "done", "failed"]
    status_url: str = Field(description="Where to poll this job.")
    result: DocumentChange | None = None
    error: JobError | None = None
