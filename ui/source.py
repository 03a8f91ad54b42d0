""" "Visa i rapporten": the cited text where it stands in the report, with the quote marked.

For a text report that is the whole section around the cited passage; for a PDF, the printed
page drawn with a box over each word of the quote (pdfplumber finds the words and renders
the page). Pure functions; the Streamlit part is in `ui.cards`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from service.schemas import Passage, PassageContext
from ui import render

QUOTE_CLASS = "rs-quote"
# A quote is built from report text with line breaks joined and table cells split by TABs,
# so it is found again with any run of whitespace between its words.
_WS = r"\s+"


def _pattern(line: str) -> re.Pattern[str] | None:
    words = line.split()
    return re.compile(_WS.join(re.escape(w) for w in words)) if words else None


def quote_spans(text: str, quote: str) -> list[tuple[int, int]]:
    """Offsets in `text` of each line of `quote` (a sentence, or a table row with its
    header row); lines that are not in `text` (a header row shown from elsewhere) are
    skipped."""
    spans: list[tuple[int, int]] = []
    for line in quote.split("\n"):
        pattern = _pattern(line)
        m = pattern.search(text) if pattern else None
        if m:
            spans.append((m.start(), m.end()))
    return render.merge_spans(spans, len(text))


def section_passages(ctx: PassageContext) -> list[Passage]:
    """The cited passage and its neighbours that stand in the same section, in order."""
    same = tuple(ctx.passage.section)
    before: list[Passage] = []
    for p in reversed(ctx.before):
        if tuple(p.section) != same:
            break
        before.insert(0, p)
    after: list[Passage] = []
    for p in ctx.after:
        if tuple(p.section) != same:
            break
        after.append(p)
    return [*before, ctx.passage, *after]


def section_html(passages: Sequence[Passage], cited_id: str, quote: str | None) -> str:
    """The section as readable HTML: the cited passage framed, its quote (or, without a
    quote, the whole passage) in <mark class="rs-quote">."""
    parts = []
    for p in passages:
        if p.id != cited_id:
            parts.append(render.passage_html(p.text, (), p.table_header))
            continue
        spans = quote_spans(p.text, quote) if quote else []
        if not spans:
            spans = [(0, len(p.text))]
        marked = render.passage_html(p.text, spans, p.table_header).replace(
            "<mark>", f'<mark class="{QUOTE_CLASS}">'
        )
        parts.append(f'<div class="rs-cited" id="i-rapporten-{p.id}">{marked}</div>')
    return '<div class="rs-report">' + "".join(parts) + "</div>"


def line_boxes(chars: Sequence[dict]) -> list[tuple[float, float, float, float]]:
    """One box per printed line of the matched characters (x0, top, x1, bottom in PDF
    points), a point of padding around: a marker-pen stroke rather than a box per letter."""
    boxes: list[list[float]] = []
    for c in chars:
        x0, top, x1, bottom = c["x0"], c["top"], c["x1"], c["bottom"]
        last = boxes[-1] if boxes else None
        if last and abs(last[1] - top) < 2 and x0 - last[2] < 30:  # same line, same cell
            last[2], last[3] = max(last[2], x1), max(last[3], bottom)
        else:
            boxes.append([x0, top, x1, bottom])
    return [(a - 1, b - 1, c + 1, d + 1) for a, b, c, d in boxes]


def pdf_page_png(pdf: bytes, page: int, quote: str, resolution: int = 100) -> tuple[bytes, int]:
    """PNG of page `page` (1-based) of `pdf` with the quote's letters boxed in yellow, and
    how many lines of the quote were found on the page (0: none, nothing is marked)."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        if not 1 <= page <= len(doc.pages):
            raise ValueError(f"page must be between 1 and {len(doc.pages)}, got {page}")
        p = doc.pages[page - 1]
        boxes: list[tuple[float, float, float, float]] = []
        found = 0
        for line in quote.split("\n"):
            words = render.plain_quote(line).replace("|", " ").split()
            if not words:
                continue
            for m in p.search(_WS.join(re.escape(w) for w in words), regex=True):
                found += 1
                boxes += line_boxes(m["chars"])
        image = p.to_image(resolution=resolution)
        if boxes:
            image.draw_rects(boxes, fill=(255, 214, 0, 120), stroke=(255, 214, 0, 120))
        out = io.BytesIO()
        image.annotated.save(out, format="PNG")
    return out.getvalue(), found
