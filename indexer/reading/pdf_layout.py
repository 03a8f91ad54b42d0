"""The document-wide decisions on a PDF's printed lines: body font size, heading levels,
running headers and footers, and paragraphs.

A paragraph's printed lines are joined into one line of text (soft hyphens at line ends
removed, words hyphenated there joined: `indexer.reading.pdf_clean.join_lines`), so a
sentence is never cut where the printer broke the line. A line ends its paragraph when the
next line's first word would have fitted on it and it ends a sentence, or when the vertical
gap is a paragraph's; a short line that does not end a sentence keeps its line break, and
so does a list item.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import NamedTuple

from indexer.models import Source
from indexer.reading.pdf_clean import join_kept_line, join_lines
from indexer.reading.pdf_page import Line, Page, Stats, Table, font_size
from indexer.reading.pdf_running import running_lines
from indexer.reading.pdf_tables import continuation
from rapportsok.text import (
    DANGLING_WORDS,
    HEADING_FAMILY,
    LIST_ITEM,
    ends_sentence,
    goes_on,
    is_heading_text,
)

# Two font sizes this close are one size: sizes are rounded to half a point
# (`indexer.reading.pdf_page.font_size`: the same style renders at 11.98 and 12.02 pt), so the
# body size is such a rounded size while a line's own size is not.
FONT_SIZE_TOLERANCE = 0.5  # pt
# A line is a heading by size when it is this much larger than the body text (both rules).
HEADING_SIZE_RATIO = 1.15
HEADING_SIZE_MIN_DELTA = 1.0  # pt
# A bold body-size line is a heading only when it is short.
BOLD_HEADING_MAX_CHARS = 100
BOLD_HEADING_MAX_WORDS = 12
# A heading's wrapped second line may lie this many times its font size below the first,
# and no more than the body text's usual line gap plus this share of the heading's size (a
# heading set tight under another one is another heading).
HEADING_WRAP_GAP = 0.8
HEADING_WRAP_EXTRA = 0.25
WRAP_X_TOLERANCE = 2.0  # pt: a wrapped heading's lines start at the same left edge
# A new paragraph starts where the line gap exceeds the usual one by this share of the body
# text's size.
PARAGRAPH_GAP = 0.4
# A long heading in a narrow column; up to twice as many lines while they go on in lower
# case (the heading's words going on: a new heading or paragraph does not start so).
HEADING_MAX_LINES = 4
# The width of a space as a share of the font size (Helvetica, Arial, Times: 0.25-0.28).
SPACE_WIDTH = 0.28

_LETTER = re.compile(r"[^\W\d_]")
_NUMBERED = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+\w")  # "3.2 Ekonomi"
_TOC_ENTRY = re.compile(r"(?:\.\s*){4,}\d+$")  # "Ekonomi ........ 12" is no heading
# A word hyphenated at the line end ("besvar-"): the printer breaks words only where the
# line is full, however short it looks next to the column's longest line.
_HYPHENATED = re.compile(r"[^\W\d_][-\u00ad]$")


def body_size(sizes: Counter[float]) -> float:
    """Median font size over all characters: the size of the running text."""
    half = sum(sizes.values()) / 2
    seen = 0
    for size in sorted(sizes):
        seen += sizes[size]
        if seen >= half:
            return size
    return 0.0


class _Levels:
    """Heading levels: larger sizes first, bold body-size lines below them."""

    def __init__(self, kept: list[list[Line]], body: float) -> None:
        self.body = body
        large = sorted(
            {font_size(ln.size) for lines in kept for ln in lines if self.large(ln)},
            reverse=True,
        )
        self.size_level = {size: level for level, size in enumerate(large, start=1)}
        self.bold_level = max(3, len(large) + 1)

    def large(self, line: Line, text: str | None = None) -> bool:
        """Whether `text` (default: the line's own) is set larger than the body text, as a
        heading of its own size level; a table of contents' entry never is."""
        text = line.text if text is None else text
        return (
            not _TOC_ENTRY.search(text)
            and line.size >= self.body * HEADING_SIZE_RATIO
            and line.size >= self.body + HEADING_SIZE_MIN_DELTA
            and len(_LETTER.findall(text)) >= 2
        )

    def _bold(self, line: Line, text: str) -> bool:
        # Numbered families ("Inriktningsmål 1: …", "3.2 …") may run over two lines.
        numbered = bool(HEADING_FAMILY.match(text) or _NUMBERED.match(text))
        return (
            not _TOC_ENTRY.search(text)
            and line.bold
            and line.size >= self.body - FONT_SIZE_TOLERANCE
            and len(text) <= BOLD_HEADING_MAX_CHARS * (2 if numbered else 1)
            and len(text.split()) <= BOLD_HEADING_MAX_WORDS * (2 if numbered else 1)
            and len(_LETTER.findall(text)) >= 2
            and not text.endswith((",", ";"))
        )

    def styled(self, line: Line) -> bool:
        """Whether a line's font is a heading's (large, or bold at body size)."""
        return line.bold and line.size >= self.body - FONT_SIZE_TOLERANCE or self.large(line)

    def of(self, line: Line, text: str | None = None) -> int | None:
        """The heading level of `text` (default: the line's own) printed in `line`'s font,
        or None for body text (a caption, a role line, a table cell or a sentence is never
        a heading, whatever its font)."""
        text = line.text if text is None else text
        if self.large(line, text):
            level = self.size_level[font_size(line.size)]
        elif self._bold(line, text):
            level = self.bold_level
        else:
            return None
        return level if is_heading_text(text) else None


class _TextBuilder:
    """The document's text as its blocks are added, with the offsets a `Source` records:
    where each page starts and each heading's span. Blocks are set apart by a blank line,
    and so are pages; a table or paragraph that goes on over a page break takes the page's
    blank line back, so the offsets are kept here, next to the text they count."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._offset = 0  # len("".join(self._parts))
        self._page_empty = True  # no block added since the page started
        self.page_starts: list[int] = []
        self.headings: list[tuple[int, int, int]] = []  # start, end, level

    def text(self) -> str:
        """The text so far."""
        return "".join(self._parts)

    def start_page(self) -> None:
        """Start the next page, after a blank line unless it is the first."""
        if self.page_starts:
            self._append("\n\n")
        self.page_starts.append(self._offset)
        self._page_empty = True

    def add(self, text: str, level: int | None) -> None:
        """Add a paragraph, a table or (with its `level`) a heading as the page's next block."""
        if not self._page_empty:
            self._append("\n\n")
        if level is not None:
            self.headings.append((self._offset, self._offset + len(text), level))
        self._append(text)
        self._page_empty = False

    def join_table(self, rows: str) -> None:
        """The table that ended the page before goes on with `rows` (its header not printed
        again; none: only the header was): one table, the page starting at its first row."""
        self._take_back_page_break()
        if rows:
            self._append("\n")
            self.page_starts[-1] = self._offset
            self._append(rows)

    def join_paragraph(self, text: str) -> None:
        """The paragraph that ended the page before goes on with `text`: one paragraph, its
        printed lines joined (a soft hyphen dropped), the page starting inside it."""
        self._take_back_page_break()
        before = self._parts[-1]
        joined = join_lines(before, text)
        self._parts[-1] = joined[: len(joined) - len(text)]
        self._offset += len(self._parts[-1]) - len(before)
        self.page_starts[-1] = self._offset
        self._append(text)

    def _append(self, part: str) -> None:
        self._parts.append(part)
        self._offset += len(part)

    def _take_back_page_break(self) -> None:
        """Remove the blank line that `start_page` just added; the page starts after the
        text before it."""
        self._offset -= len(self._parts.pop())
        self.page_starts[-1] = self._offset
        self._page_empty = False


def assemble(pages: list[Page], stats: Stats) -> Source:
    """Join the pages' blocks into one text; record page starts, heading spans and the
    pages read by OCR. Running headers and footers are left out; a table or a paragraph
    that goes on over a page break stays one."""
    body = body_size(stats.sizes)
    heading_size = max(body * HEADING_SIZE_RATIO, body + HEADING_SIZE_MIN_DELTA)
    drop = running_lines(pages, heading_size)
    kept = [
        [line for i, line in enumerate(page.lines) if (p, i) not in drop]
        for p, page in enumerate(pages)
    ]
    levels = _Levels(kept, body)
    paragraph_gap = _paragraph_gap(kept, body)
    out = _TextBuilder()
    open_end: tuple[Line, float] | None = None  # the last page's open paragraph's line, room
    header: str | None = None  # the header row of the table that ended the page before
    for lines, page in zip(kept, pages, strict=True):
        out.start_page()
        found = _Paragraphs(levels, paragraph_gap).blocks(lines, page.tables)
        rows = (
            continuation(header, found.blocks[0][0])
            if header is not None and found.first_table
            else None
        )
        # A paragraph goes on over the page break when its last line had no room for this
        # page's first word.
        runs_on = (
            open_end is not None
            and found.opening is not None
            and _runs_on(*open_end, found.opening)
        )
        for b, (text, level) in enumerate(found.blocks):
            if b == 0 and rows is not None:
                out.join_table(rows)
            elif b == 0 and runs_on:
                out.join_paragraph(text)
            else:
                out.add(text, level)
        open_end = found.open_end
        if not found.last_table:
            header = None
        elif not (rows is not None and len(found.blocks) == 1):  # else the table goes on
            header = found.blocks[-1][0].split("\n", 1)[0]
    return Source(
        text=out.text(),
        page_starts=tuple(out.page_starts),
        headings=tuple(out.headings),
        ocr_pages=tuple(p + 1 for p, page in enumerate(pages) if page.ocr),
    )


def _paragraph_gap(pages: list[list[Line]], body: float) -> float:
    """Vertical gap (pt) between two lines above which a new paragraph starts.

    The usual gap inside a paragraph is taken low in the distribution (10th percentile),
    not at the median: in reports of one-line paragraphs most gaps are paragraph breaks.
    """
    gaps = sorted(
        b.top - a.bottom
        for lines in pages
        for a, b in zip(lines, lines[1:], strict=False)
        if abs(a.size - body) <= FONT_SIZE_TOLERANCE
        and abs(b.size - body) <= FONT_SIZE_TOLERANCE
        and a.column == b.column
        and -1 <= b.top - a.bottom <= 2 * body
    )
    usual = max(0.0, gaps[len(gaps) // 10]) if gaps else 0.0
    return usual + PARAGRAPH_GAP * body


class _PageBlocks(NamedTuple):
    """One page's blocks in reading order, and what joining it to its neighbours reads."""

    blocks: list[tuple[str, int | None]]  # text, heading level (None: paragraph or table)
    opening: Line | None  # the page's first line, when the page opens with body text
    # The last line of the page's last paragraph and the room (pt) left after it in its
    # column, when the paragraph is still open there.
    open_end: tuple[Line, float] | None
    first_table: bool  # the page's first block is a table
    last_table: bool  # ... its last block is one


def _right_edges(lines: list[Line]) -> dict[int, float]:
    """The right edge (pt) of each column's text: a line ending well before it was ended on
    purpose (a paragraph's last line, an address line), not where the column ran out. Rows
    of cells ("Status<TAB>Färdiggrad") may reach further than the text."""
    text_right: dict[int, float] = {}
    cell_right: dict[int, float] = {}
    for ln in lines:
        edges = cell_right if "\t" in ln.text else text_right
        edges[ln.column] = max(edges.get(ln.column, 0.0), ln.x1)
    return cell_right | text_right


def _reading_order(lines: list[Line], tables: list[Table]) -> list[Line | Table]:
    """A page's lines and tables in reading order (by their sort keys)."""
    items: list[tuple[tuple[float, int, float], Line | Table]] = [(ln.key, ln) for ln in lines]
    items += [(t.key, t) for t in tables]
    items.sort(key=lambda item: item[0])
    return [item for _, item in items]


class _Paragraphs:
    """Paragraphs, headings (with level) and tables of one page in reading order."""

    def __init__(self, levels: _Levels, paragraph_gap: float) -> None:
        self.levels = levels
        self.gap = paragraph_gap
        self.usual_gap = paragraph_gap - PARAGRAPH_GAP * levels.body

    def blocks(self, lines: list[Line], tables: list[Table]) -> _PageBlocks:
        """The page's lines and tables as blocks: printed lines joined into paragraphs,
        headings found with their level, tables as they are."""
        right = _right_edges(lines)
        flow = _reading_order(lines, tables)
        blocks: list[tuple[str, int | None]] = []
        previous: Line | None = None  # the last body line, while its paragraph is open
        body_until = 0  # lines before this index are body: the rest of a bold paragraph
        i = 0
        while i < len(flow):
            item = flow[i]
            if isinstance(item, Table):
                blocks.append((item.text, None))
                previous, i = None, i + 1
                continue
            heading = self._heading(flow, i) if i >= body_until else None
            if isinstance(heading, tuple):
                text, level, i = heading
                blocks.append((text, level))
                previous = None
                continue
            if heading is not None:
                body_until = heading
            joint = None if previous is None else self._joint(previous, item, right)
            if joint == " ":
                blocks[-1] = (join_lines(blocks[-1][0], item.text), None)
            elif joint == "\n":
                blocks[-1] = (join_kept_line(blocks[-1][0], item.text), None)
            else:
                blocks.append((item.text, None))
            previous, i = item, i + 1
        first = flow[0] if flow else None
        opening = (  # the page opens with body text: no heading, no list item
            first
            if isinstance(first, Line) and blocks[0][1] is None and not LIST_ITEM.match(first.text)
            else None
        )
        open_end = None
        if previous is not None and previous is flow[-1]:
            open_end = (previous, right.get(previous.column, previous.x1) - previous.x1)
        return _PageBlocks(
            blocks=blocks,
            opening=opening,
            open_end=open_end,
            first_table=isinstance(first, Table),
            last_table=bool(flow) and isinstance(flow[-1], Table),
        )

    def _heading(self, flow: list[Line | Table], i: int) -> tuple[str, int, int] | int | None:
        """A heading starting at flow[i], wrapped over up to `HEADING_MAX_LINES` lines of
        the same font (twice as many while they go on in lower case): its text, level and
        the index after it. Body text: None, or the index after a run of heading-styled
        lines that is no heading (a bold paragraph). A heading never ends before a line of
        its run that goes on in lower case: that line is the rest of its words, and a
        sentence would be cut there."""
        first = flow[i]
        assert isinstance(first, Line)
        if not self.levels.styled(first) or goes_on(first.text):
            return None  # body text, or the rest of a line above ("olika kanaler")
        run = [first]
        while len(run) < 2 * HEADING_MAX_LINES and i + len(run) < len(flow):
            nxt = flow[i + len(run)]
            if not isinstance(nxt, Line):
                break
            # A large title may change weight mid-sentence ("Stadsrevisionen sammanfattar"
            # in bold, "granskningen av verksamhetsåret 2022" not): its words go on.
            same_weight = not (goes_on(nxt.text) and self.levels.large(nxt))
            if not _wraps(run[-1], nxt, self.usual_gap, same_weight):
                break
            if len(run) >= HEADING_MAX_LINES and not goes_on(nxt.text):
                break
            run.append(nxt)
        # The longest run that reads as a heading: a bold paragraph under a bold heading
        # leaves the heading alone.
        for n in range(len(run), 0, -1):
            if n < len(run) and goes_on(run[n].text):
                continue
            text = run[0].text
            for line in run[1:n]:
                text = join_lines(text, line.text, count=False)
            level = self.levels.of(first, text)
            if level is not None:
                return text, level, i + n
        return i + len(run) if len(run) > 1 else None

    def _joint(self, prev: Line, line: Line, right: dict[int, float]) -> str | None:
        """How body `line` follows body `prev`: " " (same paragraph, joined), "\\n" (same
        block, its own line) or None (a new block)."""
        gap = line.top - prev.bottom
        if line.column != prev.column or gap < -1:
            # The next column or a line above: the paragraph goes on only when the line
            # before ran out of room without ending a sentence.
            return " " if _runs_on(prev, right.get(prev.column, prev.x1) - prev.x1, line) else None
        if gap > self.gap or abs(line.size - prev.size) > FONT_SIZE_TOLERANCE:
            return None
        if prev.paragraph != line.paragraph and not goes_on(line.text):
            # OCR: Tesseract set them in two paragraphs (it may also split one where a line
            # holds a wide gap: a line going on in lower case goes on).
            return None
        if LIST_ITEM.match(line.text):
            return "\n"
        room = right.get(prev.column, prev.x1) - prev.x1
        if room <= line.first_width + SPACE_WIDTH * prev.size:
            return " "  # the line ran out of room: the sentence goes on
        return None if ends_sentence(prev.text) else "\n"


def _runs_on(prev: Line, room: float, line: Line) -> bool:
    """Whether body `line`, at the top of the next column or page, goes on with the
    paragraph of `prev`, the last line of the column before with `room` (pt) left after it
    up to the column's right edge: `prev` ran to that edge (`line`'s first word would not
    have fitted after it, or it ends in a hyphenated word) without ending a sentence. A
    line ending that short on purpose ends its paragraph however the next column begins."""
    full = room < max(2 * prev.size, line.first_width + SPACE_WIDTH * prev.size)
    return (full or bool(_HYPHENATED.search(prev.text))) and not ends_sentence(prev.text)


def _wraps(prev: Line, line: Line, usual_gap: float, same_weight: bool = True) -> bool:
    """Whether `line` is the next printed line of a heading `prev` (same font, close below;
    a line ending in "och", "," or "-" may have a wider gap). A heading set across the page
    (column 0) may wrap into its left column: a second line as short as one column's width,
    at the same left edge ("Måluppfyllelse för elever med intellektuell" / "funktions-
    nedsättning" over a two-column page)."""
    into_column = prev.column == 0 and abs(line.x0 - prev.x0) <= WRAP_X_TOLERANCE
    if (
        (line.column != prev.column and not into_column)
        or abs(line.size - prev.size) > FONT_SIZE_TOLERANCE
        or (same_weight and line.bold != prev.bold)
    ):
        return False
    last = prev.text.split()[-1].lower()
    dangling = last in DANGLING_WORDS or prev.text.endswith((",", "-"))
    gap = line.top - prev.bottom
    limit = min(HEADING_WRAP_GAP * line.size, usual_gap + HEADING_WRAP_EXTRA * line.size)
    return -1 <= gap <= limit * (2 if dangling else 1)  # -1: rounding, overlapping boxes
