"""The reading report: how well each report's text was read, and in words what went wrong.

`reading_quality` takes the facts from a read `Source` and its passages when the report is
read (`indexer.worker.parse_report`); they travel in `Document.quality` into the index, so
that `rapportsok info --quality` states them later. `troubles` turns a document into the
phrases that `rapportsok index` prints at its end and `info --quality` per report.
"""

from __future__ import annotations

from collections.abc import Sequence

from indexer.models import Chunk, Document, ReadingQuality, Source
from indexer.reading.sections import Section

# The metadata fields whose absence the reading report names (as `Document` names them):
# a question that names an organisation or a year cannot find a report without them.
CHECKED_FIELDS = ("organisation", "organ", "report_type", "year")


def reading_quality(
    source: Source, secs: Sequence[Section], chunks: Sequence[Chunk]
) -> ReadingQuality:
    """What reading `source` (its `sections`) into `chunks` found: pages OCR'd, pages
    without text, pages whose body text (not headings, table of contents or title page) no
    passage holds, glyphs without a Unicode mapping."""
    text = source.text
    bounds = [*source.page_starts, len(text)]
    # Body text and tables; headings (kept as passages' section paths), the table of
    # contents and a title page are left out of the passages on purpose.
    body = [(s.block.start, s.block.end) for s in secs]
    empty: list[int] = []
    unpassaged: list[int] = []
    for page, (start, end) in enumerate(zip(bounds, bounds[1:], strict=False), start=1):
        if not any(ch.isalpha() for ch in text[start:end]):
            empty.append(page)  # a page number or a stamp alone is no text
            continue
        spans = [(max(a, start), min(b, end)) for a, b in body if a < end and b > start]
        spans = [(a, b) for a, b in spans if any(ch.isalpha() for ch in text[a:b])]
        if spans and not any(c.start < b and c.end > a for a, b in spans for c in chunks):
            unpassaged.append(page)
    return ReadingQuality(
        ocr_pages=tuple(source.ocr_pages),
        ocr_seconds=round(source.ocr_seconds, 1),
        empty_pages=tuple(empty),
        unpassaged_pages=tuple(unpassaged),
        cid_chars=source.cid_chars,
        chars=sum(not ch.isspace() for ch in text),
    )


def unknown_metadata(doc: Document) -> tuple[str, ...]:
    """The checked metadata fields no source gave (`CHECKED_FIELDS` order)."""
    return tuple(name for name in CHECKED_FIELDS if getattr(doc, name) is None)


def troubles(doc: Document) -> list[str]:
    """What went wrong reading `doc`, one phrase each; empty when it was read cleanly.
    A document indexed before the reading was recorded says its reading is unknown."""
    out: list[str] = []
    q = doc.quality
    if q is None:
        out.append("reading quality unknown (indexed before it was recorded)")
    else:
        if q.ocr_pages:
            out.append(f"OCR on {_pages(q.ocr_pages)} in {q.ocr_seconds:.1f} s")
        if q.empty_pages:
            out.append(f"no text on {_pages(q.empty_pages)}")
        if q.unpassaged_pages:
            out.append(f"text in no passage on {_pages(q.unpassaged_pages)}")
        if q.cid_chars:
            share = 100 * q.cid_chars / max(q.cid_chars + q.chars, 1)
            out.append(
                f"{q.cid_chars} glyphs without a Unicode mapping left out "
                f"({share:.1f}% of the text layer)"
            )
    if unknown := unknown_metadata(doc):
        out.append(f"metadata unknown: {', '.join(unknown)}")
    return out


def _pages(pages: Sequence[int]) -> str:
    """'page 3', '4 pages (1-3, 7)'."""
    if len(pages) == 1:
        return f"page {pages[0]}"
    return f"{len(pages)} pages ({page_ranges(pages)})"


def page_ranges(pages: Sequence[int]) -> str:
    """Sorted page numbers with runs folded: [1, 2, 3, 7, 9, 10] -> '1-3, 7, 9-10'."""
    runs: list[list[int]] = []
    for page in sorted(pages):
        if runs and page == runs[-1][1] + 1:
            runs[-1][1] = page
        else:
            runs.append([page, page])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)
