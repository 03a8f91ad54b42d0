"""Read a PDF report with pdfplumber: page texts, headings from fonts, tables as TAB rows.

One pass over the pages keeps only light line records (text, position, font size, bold)
and rendered tables; each pdfplumber page is closed right after, so memory stays flat on
long reports. The document-wide decisions (body font size, heading levels, repeated page
headers and footers, paragraph spacing) are then taken on those records.
"""

from __future__ import annotations

import logging
import math
import re
import statistics
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.psexceptions import PSEOF
from pdfplumber.utils import cluster_objects, extract_words
from pdfplumber.utils.exceptions import PdfminerException

from indexer.errors import UnreadableReport
from indexer.models import Source

log = logging.getLogger(__name__)

# A line is a heading by size when it is this much larger than the body text (both rules).
HEADING_SIZE_RATIO = 1.15
HEADING_SIZE_MIN_DELTA = 1.0  # pt
# A bold body-size line is a heading only when it is short.
BOLD_HEADING_MAX_CHARS = 100
BOLD_HEADING_MAX_WORDS = 12
# Running headers/footers are looked for among this many lines at each end of a page, and
# only within this fraction of the page height from its top or bottom edge.
RUNNING_LINES = 3
RUNNING_BAND = 0.15
# Share of pages a top/bottom line must repeat on to count as a running header or footer.
# 0.4 rather than a majority so that alternating left/right page headers are caught. Lines
# that look like headings (large or bold) must repeat verbatim on most pages, so numbered
# headings that open every page ("Mål 1", "Mål 2", ...) are not taken for a header.
RUNNING_MIN_SHARE = 0.4
RUNNING_MIN_SHARE_HEADING = 0.5
# Words on one line may differ this much in `top` (pt): superscripts, mixed fonts.
LINE_TOLERANCE = 3.0
# A gap wider than this share of the font size separates words. PDFs without space glyphs
# (LaTeX, some publishing tools) have 2-3 pt word gaps that pdfplumber's fixed 3 pt merges.
WORD_GAP_RATIO = 0.15
# Pages with more vector objects than this are charts or maps; table finding is skipped.
MAX_TABLE_OBJECTS = 5000

_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demibold|demi", re.IGNORECASE)
_PAGE_NUMBER = re.compile(
    r"[-–—]?\s*(?:sida|sid\.?|s\.|page|p\.)?\s*\d{1,3}\s*(?:(?:av|of|/)\s*\d{1,3})?\s*[-–—]?",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
_LETTER = re.compile(r"[^\W\d_]")
_TOC_ENTRY = re.compile(r"(?:\.\s*){4,}\d+$")  # "Ekonomi ........ 12" is no heading


def _font_size(size: float) -> float:
    """A font size rounded to half a point: the same style renders at 11.98 and 12.02."""
    return round(size * 2) / 2


@dataclass(frozen=True)
class _Line:
    text: str
    top: float
    bottom: float
    size: float  # median font size of its characters, pt
    bold: bool


@dataclass(frozen=True)
class _Table:
    top: float
    text: str  # rows joined by "\n", cells by "\t", header row first


@dataclass
class _Page:
    height: float
    lines: list[_Line] = field(default_factory=list)
    tables: list[_Table] = field(default_factory=list)


@dataclass
class _Stats:
    sizes: Counter[float] = field(default_factory=Counter)  # rounded size -> char count
    chars: int = 0
    cid_chars: int = 0  # glyphs without a Unicode mapping: "(cid:42)"
    empty_pages: int = 0


def read_pdf(path: Path) -> Source:
    """Read a PDF into a `Source` with page starts and heading spans.

    Raises `UnreadableReport` for an empty, corrupt, encrypted or scanned (text-less) PDF.
    """
    _check_header(path)
    started = time.perf_counter()
    stats = _Stats()
    try:
        with pdfplumber.open(path) as pdf:
            pages = []
            for page in pdf.pages:
                pages.append(_read_page(page, stats))
                page.close()  # drops the parsed layout; pdfplumber caches it per page
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        if isinstance(cause, MemoryError):
            raise cause from exc
        raise _explain(path, cause) from exc
    except (UnreadableReport, MemoryError):
        raise  # out of memory is no damage: the worker's cap says what it is (indexer/worker.py)
    except Exception as exc:  # pdfminer raises many kinds on damaged files
        raise _explain(path, exc) from exc

    if not pages:
        raise UnreadableReport(f"{path.name}: the PDF has no pages")
    if stats.chars == 0:
        raise UnreadableReport(f"{path.name}: no text layer (scanned PDF?); OCR it first")
    if stats.cid_chars > stats.chars / 2:
        raise UnreadableReport(
            f"{path.name}: the text layer cannot be decoded (fonts without a Unicode "
            "mapping); OCR it first"
        )
    if stats.empty_pages:
        log.warning(
            "%s: %d of %d pages have no text layer (scanned pages are not searchable)",
            path.name,
            stats.empty_pages,
            len(pages),
        )

    source = _assemble(pages, stats)
    seconds = time.perf_counter() - started
    log.info(
        "read %s: %d pages in %.2f s (%.0f pages/s)",
        path.name,
        len(pages),
        seconds,
        len(pages) / max(seconds, 1e-9),
    )
    return source


def _check_header(path: Path) -> None:
    """Fail early and clearly on files that cannot be a PDF at all."""
    try:
        size = path.stat().st_size
        with path.open("rb") as file:
            head = file.read(1024)
    except OSError as exc:
        raise UnreadableReport(f"{path.name}: cannot open file ({exc.strerror})") from exc
    if size == 0:
        raise UnreadableReport(f"{path.name}: empty file (0 bytes)")
    if b"%PDF-" not in head:
        raise UnreadableReport(
            f"{path.name}: not a PDF (no %PDF header); the file is corrupt or misnamed"
        )


def _explain(path: Path, exc: BaseException) -> UnreadableReport:
    if isinstance(exc, PDFPasswordIncorrect | PDFEncryptionError):
        return UnreadableReport(
            f"{path.name}: the PDF is encrypted (password-protected); "
            "save an unprotected copy first"
        )
    if isinstance(exc, PSEOF):
        return UnreadableReport(f"{path.name}: corrupt or truncated PDF (unexpected end of file)")
    detail = str(exc) or type(exc).__name__
    return UnreadableReport(f"{path.name}: corrupt or unsupported PDF ({detail})")


def _read_page(page: Any, stats: _Stats) -> _Page:
    """Text lines outside tables, and the tables rendered, of one pdfplumber page."""
    result = _Page(height=float(page.height))
    x0, top, x1, bottom = page.bbox
    chars = []
    visible = 0
    for char in page.chars:
        text = char["text"]
        if text.startswith("(cid:"):
            stats.cid_chars += 1
            continue
        cx = (char["x0"] + char["x1"]) / 2
        cy = (char["top"] + char["bottom"]) / 2
        if x0 <= cx <= x1 and top <= cy <= bottom:  # text outside the page is not shown
            # Spaces stay: extract_words splits words on them (gaps alone can be < 3 pt).
            chars.append(char)
            visible += not text.isspace()
    stats.chars += visible
    if not visible:
        stats.empty_pages += 1
        return result

    boxes = []
    for table in _find_tables(page):
        rendered = _render_table(table.extract())
        if rendered is not None:
            result.tables.append(_Table(top=float(table.bbox[1]), text=rendered))
            boxes.append(table.bbox)
    if boxes:
        chars = [c for c in chars if not _inside_any(c, boxes)]

    words = extract_words(chars, x_tolerance_ratio=WORD_GAP_RATIO, extra_attrs=["size", "fontname"])
    for line_words in cluster_objects(words, "top", LINE_TOLERANCE):
        line_words.sort(key=lambda w: w["x0"])
        # NFC: "a" + combining ring becomes "å", so Swedish words match the query.
        text = unicodedata.normalize("NFC", " ".join(w["text"] for w in line_words))
        sizes = [w["size"] for w in line_words for _ in w["text"]]
        bold = all(_BOLD_FONT.search(w["fontname"]) for w in line_words)
        size = float(statistics.median(sizes))
        stats.sizes[_font_size(size)] += len(sizes)
        result.lines.append(
            _Line(
                text=text,
                top=float(min(w["top"] for w in line_words)),
                bottom=float(max(w["bottom"] for w in line_words)),
                size=size,
                bold=bold,
            )
        )
    return result


def _find_tables(page: Any) -> list[Any]:
    objects = page.objects
    vectors = sum(len(objects.get(kind, ())) for kind in ("line", "rect", "curve"))
    if vectors > MAX_TABLE_OBJECTS:
        log.debug("page %d: %d vector objects, table finding skipped", page.page_number, vectors)
        return []
    return list(page.find_tables())


def _render_table(rows: list[list[str | None]]) -> str | None:
    """TAB-separated rows, header row first; None for boxes that are not real tables."""
    cleaned = [[_SPACES.sub(" ", cell or "").strip() for cell in row] for row in rows]
    cleaned = [row for row in cleaned if any(row)]
    # A framed paragraph or a page border is found as a 1 x n "table"; keep it as text.
    if len(cleaned) < 2 or max(len(row) for row in cleaned) < 2:
        return None
    return "\n".join("\t".join(row) for row in cleaned)


def _inside_any(char: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    cx = (char["x0"] + char["x1"]) / 2
    cy = (char["top"] + char["bottom"]) / 2
    return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)


def _body_size(sizes: Counter[float]) -> float:
    """Median font size over all characters: the size of the running text."""
    half = sum(sizes.values()) / 2
    seen = 0
    for size in sorted(sizes):
        seen += sizes[size]
        if seen >= half:
            return size
    return 0.0


def _running_key(text: str) -> str:
    # Digits normalised so "Sida 3 av 10" repeats as "sida # av #".
    return _SPACES.sub(" ", _DIGITS.sub("#", text)).strip().casefold()


def _running_lines(pages: list[_Page], heading_size: float) -> set[tuple[int, int]]:
    """(page index, line index) of page headers, footers and bare page numbers."""
    drop: set[tuple[int, int]] = set()
    candidates: dict[tuple[str, bool], list[tuple[int, int]]] = {}
    for p, page in enumerate(pages):
        n = len(page.lines)
        ends = set(range(min(RUNNING_LINES, n))) | set(range(max(0, n - RUNNING_LINES), n))
        band = page.height * RUNNING_BAND
        for i in sorted(ends):
            line = page.lines[i]
            if band < line.top and line.bottom < page.height - band:
                continue
            if _PAGE_NUMBER.fullmatch(line.text):
                drop.add((p, i))
                continue
            heading_like = line.bold or line.size >= heading_size
            key = line.text if heading_like else _running_key(line.text)
            candidates.setdefault((key, heading_like), []).append((p, i))
    for (_, heading_like), where in candidates.items():
        share = RUNNING_MIN_SHARE_HEADING if heading_like else RUNNING_MIN_SHARE
        if len({p for p, _ in where}) >= max(2, math.ceil(share * len(pages))):
            drop.update(where)
    return drop


def _assemble(pages: list[_Page], stats: _Stats) -> Source:
    """Join the pages' blocks into one text; record page starts and heading spans."""
    body = _body_size(stats.sizes)
    heading_size = max(body * HEADING_SIZE_RATIO, body + HEADING_SIZE_MIN_DELTA)
    drop = _running_lines(pages, heading_size)

    kept = [
        [line for i, line in enumerate(page.lines) if (p, i) not in drop]
        for p, page in enumerate(pages)
    ]
    large_sizes = sorted(
        {_font_size(line.size) for lines in kept for line in lines if _is_large(line, body)},
        reverse=True,
    )
    size_level = {size: level for level, size in enumerate(large_sizes, start=1)}
    bold_level = max(3, len(large_sizes) + 1)

    def level_of(line: _Line) -> int | None:
        if _is_large(line, body):
            return size_level[_font_size(line.size)]
        if _is_bold_heading(line, body):
            return bold_level
        return None

    paragraph_gap = _paragraph_gap(kept, body)
    parts: list[str] = []
    offset = 0
    page_starts: list[int] = []
    headings: list[tuple[int, int, int]] = []
    for p, lines in enumerate(kept):
        if p:
            parts.append("\n\n")
            offset += 2
        page_starts.append(offset)
        blocks = _blocks(lines, pages[p].tables, level_of, paragraph_gap)
        for b, (text, level) in enumerate(blocks):
            if b:
                parts.append("\n\n")
                offset += 2
            if level is not None:
                headings.append((offset, offset + len(text), level))
            parts.append(text)
            offset += len(text)
    return Source(text="".join(parts), page_starts=tuple(page_starts), headings=tuple(headings))


def _is_large(line: _Line, body: float) -> bool:
    return (
        not _TOC_ENTRY.search(line.text)
        and line.size >= body * HEADING_SIZE_RATIO
        and line.size >= body + HEADING_SIZE_MIN_DELTA
        and len(_LETTER.findall(line.text)) >= 2
    )


def _is_bold_heading(line: _Line, body: float) -> bool:
    return (
        not _TOC_ENTRY.search(line.text)
        and line.bold
        and line.size >= body - 0.5
        and len(line.text) <= BOLD_HEADING_MAX_CHARS
        and len(line.text.split()) <= BOLD_HEADING_MAX_WORDS
        and len(_LETTER.findall(line.text)) >= 2
        and not line.text.endswith((",", ";"))
    )


def _paragraph_gap(pages: list[list[_Line]], body: float) -> float:
    """Vertical gap (pt) between two lines above which a new paragraph starts.

    The usual gap inside a paragraph is taken low in the distribution (10th percentile),
    not at the median: in reports of one-line paragraphs most gaps are paragraph breaks.
    """
    gaps = sorted(
        b.top - a.bottom
        for lines in pages
        for a, b in zip(lines, lines[1:], strict=False)
        if abs(a.size - body) <= 0.5
        and abs(b.size - body) <= 0.5
        and -1 <= b.top - a.bottom <= 2 * body
    )
    usual = max(0.0, gaps[len(gaps) // 10]) if gaps else 0.0
    return usual + 0.4 * body


def _blocks(
    lines: list[_Line],
    tables: list[_Table],
    level_of: Callable[[_Line], int | None],
    paragraph_gap: float,
) -> list[tuple[str, int | None]]:
    """Paragraphs, headings (level) and tables of one page in reading order."""
    items: list[tuple[float, _Line | _Table]] = [(line.top, line) for line in lines]
    items += [(table.top, table) for table in tables]
    items.sort(key=lambda item: item[0])

    blocks: list[tuple[str, int | None]] = []
    previous: _Line | None = None
    previous_level: int | None = None
    for _, item in items:
        if isinstance(item, _Table):
            blocks.append((item.text, None))
            previous = None
            continue
        level = level_of(item)
        continues = (
            previous is not None
            and blocks
            and level == previous_level
            and item.top - previous.bottom <= paragraph_gap
        )
        if continues and level is not None:
            text, _ = blocks[-1]
            blocks[-1] = (f"{text} {item.text}", level)  # a heading wrapped over lines
        elif continues:
            text, _ = blocks[-1]
            blocks[-1] = (f"{text}\n{item.text}", None)
        else:
            blocks.append((item.text, level))
        previous, previous_level = item, level
    return blocks
