"""Pure helpers that turn API passages into what a reader sees: citation lines, section
paths, highlighted verbatim text and readable tables. No Streamlit here, so all of it is
unit-tested.

Every function that returns HTML escapes the report text first; highlight offsets always
refer to the raw (unescaped) text, as the API returns them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Protocol

from rapportsok.places import organisation_of
from rapportsok.text import (
    BOLD,
    MD_HEADING,
    is_figure,
    is_header_row,
    is_rule_line,
    is_table_line,
    plain_cell,
    table_cells,
)

SECTION_SEP = " › "

_MARKER = re.compile(r"\[(\d{1,3})\]")


class DocumentLike(Protocol):
    title: str
    municipality: str | None
    report_type: str | None
    year: int | None


def section_path(section: Sequence[str]) -> str:
    """'Ekonomi › Driftbudget'; empty for a passage before the first heading."""
    return SECTION_SEP.join(s.strip() for s in section if s and s.strip())


def municipality_name(municipality: str | None) -> str | None:
    """'Köping' → 'Köpings kommun', 'Timrå' → 'Timrå kommun', 'Göteborg' → 'Göteborgs Stad'
    (names that already say kommun, stad or region are kept)."""
    if not municipality or not municipality.strip():
        return None
    name = municipality.strip()
    lower = name.lower()
    if any(w in lower for w in ("kommun", "region", "landsting", " stad")):
        return name
    return organisation_of(name)


def publisher_name(doc: DocumentLike) -> str | None:
    """Who published a report, as a reader names it: the document's organisation where the
    API gives one ('Region Jämtland Härjedalen'), else its municipality's name."""
    organisation = getattr(doc, "organisation", None)
    if isinstance(organisation, str) and organisation.strip():
        return organisation.strip()
    return municipality_name(doc.municipality)


def report_name(doc: DocumentLike) -> str:
    """Short name of a report: 'Delårsrapport 2021' when type and year are known, else the
    title (with the year added when the title lacks it)."""
    if doc.report_type and doc.year:
        return f"{doc.report_type} {doc.year}"
    if doc.year and str(doc.year) not in doc.title:
        return f"{doc.title} {doc.year}"
    return doc.title


def citation_line(doc: DocumentLike, section: Sequence[str], page: int | None = None) -> str:
    """Ready-to-copy reference: 'Timrå kommun, Delårsrapport 2021, Ekonomi › Driftbudget'
    (', s. 12' is added for a page of a PDF)."""
    parts = [publisher_name(doc), report_name(doc), section_path(section)]
    if page is not None:
        parts.append(f"s. {page}")
    return ", ".join(p for p in parts if p)


def merge_spans(spans: Iterable[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Sorted, non-overlapping spans clamped to [0, length]; empty ones dropped."""
    clamped = sorted((max(0, s), min(length, e)) for s, e in spans)
    merged: list[tuple[int, int]] = []
    for s, e in clamped:
        if s >= e:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _marked(text: str, start: int, end: int, spans: Sequence[tuple[int, int]]) -> str:
    """Escaped text[start:end] with the parts inside `spans` wrapped in <mark>."""
    out: list[str] = []
    pos = start
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if s >= e:
            continue
        out.append(html.escape(text[pos:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        pos = e
    out.append(html.escape(text[pos:end]))
    return "".join(out)


def highlight(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """HTML of `text` (escaped) with the character spans wrapped in <mark>."""
    return _marked(text, 0, len(text), merge_spans(spans, len(text)))


def _inline(text: str, start: int, end: int, spans: Sequence[tuple[int, int]]) -> str:
    """Escaped, highlighted text[start:end] with bold markers turned into <strong>."""
    out: list[str] = []
    pos, bold = start, False
    for m in BOLD.finditer(text, start, end):
        out.append(_marked(text, pos, m.start(), spans))
        opening = m.group() == "<b>" or (m.group() == "**" and not bold)
        if opening != bold:
            out.append("<strong>" if opening else "</strong>")
            bold = opening
        pos = m.end()
    out.append(_marked(text, pos, end, spans))
    if bold:
        out.append("</strong>")
    return "".join(out)


def _row_html(
    text: str, cells: list[tuple[int, int]], spans: Sequence[tuple[int, int]], tag: str, width: int
) -> str:
    out = []
    for s, e in cells:
        cls = ' class="num"' if is_figure(plain_cell(text[s:e])) else ""
        out.append(f"<{tag}{cls}>{_inline(text, s, e, spans)}</{tag}>")
    out += [f"<{tag}></{tag}>"] * (width - len(cells))
    return "<tr>" + "".join(out) + "</tr>"


def _table_html(
    text: str, rows: list[tuple[int, int]], spans: Sequence[tuple[int, int]], header: str | None
) -> str:
    """An HTML table of the rows (line offsets into `text`). `header` is a header row that
    is not part of `text` (later row groups of a long table); it carries no highlights."""
    grid = [table_cells(text, s, e) for s, e in rows]
    head_cells = table_cells(header, 0, len(header)) if header else None
    width = max([len(c) for c in grid] + [len(head_cells or [])])
    head = ""
    if head_cells is not None and header is not None:
        head = _row_html(header, head_cells, (), "th", width)
    elif grid and is_header_row([plain_cell(text[s:e]) for s, e in grid[0]]) and len(grid) > 1:
        head = _row_html(text, grid.pop(0), spans, "th", width)
    body = "".join(_row_html(text, cells, spans, "td", width) for cells in grid)
    thead = f"<thead>{head}</thead>" if head else ""
    return f'<table class="rs-table">{thead}<tbody>{body}</tbody></table>'


def passage_html(
    text: str, highlights: Iterable[tuple[int, int]] = (), table_header: str | None = None
) -> str:
    """Readable HTML of a verbatim passage: paragraphs, tables (TAB or pipe rows, <b> cells)
    as real tables, Markdown heading marks dropped, matched words in <mark>.

    The result is one line without blank lines, so Streamlit's Markdown renderer passes it
    through as a single HTML block instead of reading the report text as Markdown.
    """
    spans = merge_spans(highlights, len(text))
    lines: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        lines.append((pos, pos + len(line)))
        pos += len(line) + 1

    blocks: list[str] = []
    paragraph: list[str] = []
    table: list[tuple[int, int]] = []

    def flush() -> None:
        nonlocal table_header
        if paragraph:
            blocks.append("<p>" + "<br>".join(paragraph) + "</p>")
            paragraph.clear()
        if table:
            blocks.append(_table_html(text, table, spans, table_header))
            table_header = None  # belongs to the first table of the passage only
            table.clear()

    for s, e in lines:
        line = text[s:e]
        if is_table_line(line):
            if paragraph:
                blocks.append("<p>" + "<br>".join(paragraph) + "</p>")
                paragraph.clear()
            if not is_rule_line(line):
                table.append((s, e))
            continue
        if table:
            flush()
        if not line.strip():
            flush()
            continue
        heading = MD_HEADING.match(line)
        if heading:
            flush()
            title = s + heading.start(2)  # the marks dropped, closing marks kept as written
            blocks.append(f'<p class="rs-heading">{_inline(text, title, e, spans)}</p>')
            continue
        paragraph.append(_inline(text, s, e, spans))
    flush()
    return '<div class="rs-passage">' + "".join(blocks) + "</div>"


def plain_quote(text: str) -> str:
    """A quoted sentence on one line: table cells joined with ' | ', bold markers dropped."""
    cells = [c.strip() for c in BOLD.sub("", text).split("\t")]
    return " | ".join(c for c in cells if c)


def answer_html(answer: str, markers: Iterable[int], anchor: str = "kalla") -> str:
    """The answer, escaped, with each known marker [n] a link to the card `#{anchor}-n`
    (quoted table rows read as 'Sjukfrånvaro | 5,2 % | 7,5 %')."""
    known = set(markers)

    def link(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n not in known:
            return m.group()
        return f'<a class="rs-cite" href="#{anchor}-{n}" title="Gå till källa {n}">[{n}]</a>'

    escaped = html.escape("\n".join(plain_quote(line) for line in answer.split("\n")))
    return _MARKER.sub(link, escaped).replace("\n", "<br>")


CSS = """
<style>
.rs-passage { line-height: 1.5; }
.rs-passage p { margin: 0 0 .6em 0; }
.rs-passage .rs-heading { font-weight: 600; }
.rs-passage mark { background: #fff3a3; padding: 0 .1em; border-radius: 2px; }
.rs-table { border-collapse: collapse; margin: .4em 0 .8em 0; font-size: .9em; }
.rs-table th, .rs-table td { border: 1px solid #d0d4da; padding: .2em .5em;
  vertical-align: top; }
.rs-table th { background: #f1f3f6; text-align: left; }
.rs-table td.num, .rs-table th.num { text-align: right; white-space: nowrap; }
.rs-answer { font-size: 1.1em; line-height: 1.6; }
.rs-cite { font-weight: 600; text-decoration: none; }
.rs-meta { color: #555; font-size: .9em; }
[data-testid="InputInstructions"] { display: none; }
.rs-answer-box.rs-uncertain { border-left: 4px solid #e8a33d; padding-left: .8em; }
.rs-sources { margin: .6em 0; }
.rs-comparison td, .rs-comparison th { font-size: 1.05em; }
.rs-report { max-height: 32em; overflow-y: auto; padding-right: .4em; }
.rs-cited { border-left: 3px solid #f0c419; padding-left: .6em; }
.rs-passage mark.rs-quote { background: #ffe066; box-shadow: 0 0 0 2px #ffe066; }
.rs-copy { border: 1px solid #d0d4da; border-radius: .5rem; background: #fff;
  padding: .35em .8em; cursor: pointer; font: inherit; }
.st-key-exempel button p { white-space: normal; text-align: left; }
.rs-scroll { overflow-x: auto; max-width: 100%; -webkit-overflow-scrolling: touch; }
.rs-scroll .rs-table { margin-bottom: .4em; }
.rs-citation { font-size: .9em; margin: .2em 0 .5em 0; overflow-wrap: anywhere; }
/* The history: questions of two lines read from the left, like the questions they are. */
[class*="st-key-historik-"] button { justify-content: flex-start; text-align: left; }
[class*="st-key-historik-"] button div, [class*="st-key-historik-"] button p {
  text-align: left; justify-content: flex-start; }
@media (max-width: 640px) {
  .rs-table { font-size: .8em; }
  .rs-answer { font-size: 1em; }
  [data-testid="stMainBlockContainer"] { padding-left: .8rem; padding-right: .8rem; }
}
</style>
"""
