"""The small data model that flows from the indexer through the service to the UI."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

BlockKind = Literal["text", "table"]
Markup = Literal["text", "markdown", "pdf"]


@dataclass(frozen=True)
class Source:
    """The readable text of one report.

    `text` is what citations quote and what chunk offsets point into. For a PDF it is the
    text extracted page by page; `page_starts[i]` is the offset where page i + 1 begins.
    `headings` lists (start, end, level) spans of `text` known to be headings (from a PDF's
    fonts); plain text reports leave it empty and headings are inferred from the lines.
    `ocr_pages` are the 1-based pages whose text was read from their image by OCR, and
    `ocr_seconds` the time that took (the build's summary reports both). `markup` says what
    the text was read from: a `.txt` report ("text", chunked as it always was: a trained
    reader depends on those passages), a `.md` file or a PDF.
    `cover` holds a PDF's title page as printed: the (text, font size pt, top pt) of each
    line of its first page with text, running headers included; `properties` its document
    properties (Title, Author, Subject, Keywords) where set. Both feed the report metadata.
    `cid_chars` counts the glyphs of a PDF's text layer without a Unicode mapping ("(cid:42)"),
    left out of `text` (the reading report names them).
    """

    text: str
    page_starts: tuple[int, ...] = ()
    headings: tuple[tuple[int, int, int], ...] = ()
    ocr_pages: tuple[int, ...] = ()
    ocr_seconds: float = 0.0
    markup: Markup = "text"
    cover: tuple[tuple[str, float, float], ...] = ()
    properties: dict[str, str] = field(default_factory=dict, hash=False)
    cid_chars: int = 0

    def page_at(self, offset: int) -> int | None:
        """1-based page number that contains `offset`, or None for a text report."""
        if not self.page_starts:
            return None
        page = 0
        for i, start in enumerate(self.page_starts):
            if start <= offset:
                page = i
            else:
                break
        return page + 1


@dataclass(frozen=True)
class ReadingQuality:
    """How well a report's text was read, as the reading report states it.

    `ocr_pages` are the 1-based pages read from their
    image by OCR, in `ocr_seconds`; `empty_pages` those with no text in the read report
    (blank, OCR found nothing, glyphs drawn as outlines, only running headers); `unpassaged_pages`
    those whose text no passage holds; `cid_chars` the glyphs without a Unicode mapping that
    were left out (garbage in the text layer) and `chars` the characters read.
    """

    ocr_pages: tuple[int, ...] = ()
    ocr_seconds: float = 0.0
    empty_pages: tuple[int, ...] = ()
    unpassaged_pages: tuple[int, ...] = ()
    cid_chars: int = 0
    chars: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("ocr_pages", "empty_pages", "unpassaged_pages"):
            data[name] = list(data[name])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReadingQuality:
        """From `to_dict`'s form; keys it does not know are ignored."""
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        for name in ("ocr_pages", "empty_pages", "unpassaged_pages"):
            fields[name] = tuple(fields.get(name, ()))
        return cls(**fields)


@dataclass(frozen=True)
class Document:
    """Metadata of one report. `id` is derived from the file name and is stable.

    `organisation` is the body that published it ("Göteborgs Stad", "Sveriges riksbank"),
    `municipality` its municipality when it has one, `organ` the nämnd, styrelse or
    förvaltning that wrote it. `sources` says per field where its value came from ("cover",
    "front", "properties", "file name", "text", "catalogue"); a field no source gave is
    None, never a default. `quality` is how well its text was read (None in an index written
    before it was recorded: unknown).
    """

    id: str
    path: str
    sha256: str
    title: str
    municipality: str | None = None
    organ: str | None = None
    report_type: str | None = None
    year: int | None = None
    period: str | None = None
    pages: int | None = None
    organisation: str | None = None
    sources: dict[str, str] = field(default_factory=dict, hash=False)
    # A reading fact, not metadata: two reads of the same report are the same document.
    quality: ReadingQuality | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["quality"] = self.quality.to_dict() if self.quality is not None else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        """From `to_dict`'s form; manifests written before `organisation`, `sources` and
        `quality` existed read as None, no sources and None."""
        fields = {k: data.get(k) for k in cls.__dataclass_fields__}
        fields["sources"] = dict(data.get("sources") or {})
        quality = data.get("quality")
        fields["quality"] = ReadingQuality.from_dict(quality) if quality else None
        return cls(**fields)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Chunk:
    """A passage of one report.

    `text` is verbatim source text (what a citation quotes); `start`/`end` are its character
    offsets in the report's `Source.text`. `context` is the header (municipality, report,
    year, section path) that is prepended for embedding and lexical indexing only.
    `ocr` marks a passage read from a scanned page's image.
    `table_header` is the header row of the table a later row group of a long table belongs
    to (not part of `text`: the rows quoted are the report's own; the header is shown above).
    """

    id: str
    doc_id: str
    text: str
    section: tuple[str, ...]
    start: int
    end: int
    page: int | None = None
    kind: BlockKind = "text"
    context: str = ""
    table_header: str | None = None
    ocr: bool = False  # read by OCR from a scanned page: the words may be misread

    @property
    def indexed_text(self) -> str:
        """What the encoder and the lexical index see: context header, then the passage."""
        return f"{self.context}\n{self.text}" if self.context else self.text

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["section"] = list(self.section)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        fields["section"] = tuple(fields.get("section", ()))
        if "table_header" not in data:  # indexes written before the field had a name
            fields["table_header"] = (data.get("meta") or {}).get("table_header")
        return cls(**fields)


def text_hash(text: str) -> str:
    """Short stable hash of a text (chunk ids, embedding cache keys)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Hit:
    """A ranked search result: a chunk and its score. Never a mutated chunk."""

    chunk: Chunk
    score: float
    rank: int
