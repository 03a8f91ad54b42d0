"""Read a PDF report with pdfplumber: page texts, headings from fonts, tables as TAB rows.

One pass over the pages keeps only light line records (text, position, font size, bold)
and rendered tables; each pdfplumber page is closed right after, so memory stays flat on
long reports. Pages without a text layer are read from their image by Tesseract
(`indexer.reading.ocr`). The document-wide decisions (body font size, heading levels, repeated page
headers and footers, paragraphs) are then taken on those records (`indexer.reading.pdf_layout`).
"""

from __future__ import annotations

import logging
import re
import statistics
import time
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdftypes import resolve1
from pdfminer.psexceptions import PSEOF
from pdfplumber.utils import extract_words
from pdfplumber.utils.exceptions import PdfminerException

from indexer.models import Source
from indexer.reading.ocr import PAGE_TIMEOUT, OcrBudget, ocr_words, tesseract_problem
from indexer.reading.pdf_clean import counting_joins, drop_figure_labels, horizontal, trim_box
from indexer.reading.pdf_columns import layout, line_text
from indexer.reading.pdf_layout import assemble
from indexer.reading.pdf_page import Line, Page, Stats, Table, font_size
from indexer.reading.pdf_tables import find_tables, render_table, table_rows
from rapportsok.errors import UnreadableReport
from rapportsok.text import is_control

log = logging.getLogger(__name__)

# A gap wider than this share of the font size separates words. PDFs without space glyphs
# (LaTeX, some publishing tools) have 2-3 pt word gaps that pdfplumber's fixed 3 pt merges.
WORD_GAP_RATIO = 0.15
# A page with fewer visible characters than this has no real text layer: scanned pages
# often carry a page number or a stamp as text over the image.
MIN_TEXT_CHARS = 20
# ... and images cover at least this share of it, or its glyphs are drawn as outlines:
# at least this many vector paths ("Microsoft: Print To PDF" draws every glyph so).
SCANNED_IMAGE_SHARE = 0.5
OUTLINE_PATHS = 200
# A page whose content has no text operator at all and is this large (bytes) is drawn:
# read by OCR without laying out its paths first (about 3 s a page of glyph outlines).
OUTLINE_BYTES = 100_000
# Running headers, footers and page numbers sit in this share of the page at its top and
# bottom. A page whose text is all there, beside images that cover at least FIGURE_SHARE
# of it, is pictures of text under a running header (pages pasted in as screenshots).
BAND_SHARE = 0.1
FIGURE_SHARE = 0.1

_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demibold|demi", re.IGNORECASE)


def read_pdf(path: Path) -> Source:
    """Read a PDF into a `Source` with page starts, heading spans and the pages OCR'd.

    Raises `UnreadableReport` for an empty, corrupt or encrypted PDF, and for one with
    scanned pages when Tesseract cannot read them here.
    """
    _check_header(path)
    started = time.perf_counter()
    stats = Stats()
    budget = OcrBudget()
    ocr_sizes: Counter[float] = Counter()  # the OCR'd lines' estimated sizes
    try:
        with pdfplumber.open(path) as pdf:
            properties = pdf_properties(pdf.metadata)
            pages = []
            ocr = tesseract_problem() is None
            for page in pdf.pages:
                read = _read_page(page, stats, ocr)
                if read.scanned and ocr:
                    timeout = budget.next_page(page.page_number)
                    t0 = time.perf_counter()
                    read = _ocr_page(page, stats, ocr_sizes, read.running, timeout)
                    budget.spent(time.perf_counter() - t0)
                pages.append(read)
                page.close()  # drops the parsed layout; pdfplumber caches it per page
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        if isinstance(cause, MemoryError):
            raise cause from exc
        raise _explain(path, cause) from exc
    except MemoryError:
        raise  # out of memory is no damage: the worker's cap says what it is (indexer/worker.py)
    except UnreadableReport as exc:
        raise UnreadableReport(f"{path.name}: {exc}") from exc
    except Exception as exc:  # pdfminer raises many kinds on damaged files
        raise _explain(path, exc) from exc

    if not pages:
        raise UnreadableReport(f"{path.name}: the PDF has no pages")
    if stats.cid_chars > stats.chars / 2:
        raise UnreadableReport(
            f"{path.name}: the text layer cannot be decoded (fonts without a Unicode "
            "mapping); OCR it first"
        )
    scanned = [p for p in stats.empty_pages if not pages[p].ocr]
    if scanned and (problem := tesseract_problem()) is not None:
        raise UnreadableReport(
            f"{path.name}: {len(scanned)} of {len(pages)} pages are scanned (no text layer) "
            f"and cannot be OCR'd: {problem}"
        )
    if stats.chars == 0:
        raise UnreadableReport(
            f"{path.name}: no text layer (scanned PDF?) and OCR found no text on its "
            f"{len(pages)} page(s)"
        )

    if not stats.sizes:  # every page OCR'd: the body size is the estimates' median
        stats.sizes.update(ocr_sizes)
    with counting_joins() as joined:
        source = assemble(pages, stats)
    seconds = time.perf_counter() - started
    ocr_seconds = budget.used_seconds
    ocr_note = f", {len(source.ocr_pages)} OCR'd in {ocr_seconds:.1f} s" if ocr_seconds else ""
    log.info(
        "read %s: %d pages in %.2f s (%.0f pages/s%s), %d words joined at line ends",
        path.name,
        len(pages),
        seconds,
        len(pages) / max(seconds, 1e-9),
        ocr_note,
        len(joined),
    )
    cover = next((p.lines for p in pages if p.lines), [])
    return Source(
        source.text,
        source.page_starts,
        source.headings,
        source.ocr_pages,
        ocr_seconds,
        "pdf",
        cover=tuple((ln.text, ln.size, ln.top) for ln in cover),
        properties=properties,
        cid_chars=stats.cid_chars,
    )


def pdf_properties(info: dict[str, Any]) -> dict[str, str]:
    """A PDF's document properties that say what it is (Title, Author, Subject, Keywords),
    as text, where set."""
    out = {}
    for key in ("Title", "Author", "Subject", "Keywords"):
        value = info.get(key)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str) and value.strip():
            out[key] = " ".join(value.split())
    return out


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


def _read_page(page: Any, stats: Stats, ocr: bool) -> Page:
    """Text lines outside tables, and the tables rendered, of one pdfplumber page; a page
    without usable text (a scan, glyphs drawn as outlines, or with `ocr` a text layer of
    mostly unmapped glyphs) comes back empty and `scanned`, for OCR."""
    result = Page(height=float(page.height))
    if ocr and _drawn_without_text(page):
        stats.empty_pages.append(page.page_number - 1)
        result.scanned = True
        return result
    x0, top, x1, bottom = trim_box(page) or page.bbox
    chars = []
    visible = 0
    unmapped = 0
    for char in page.chars:
        text = char["text"]
        if text.startswith("(cid:"):
            unmapped += 1
            continue
        if is_control(text):
            continue  # a leader or rule drawn with a control code ("\x08" in Göteborg's TOC)
        cx = (char["x0"] + char["x1"]) / 2
        cy = (char["top"] + char["bottom"]) / 2
        # Text outside the page (or cut off at its trim box) is not shown; text up the
        # margin or turned (a photo credit, a signature reference) is no running text.
        if x0 <= cx <= x1 and top <= cy <= bottom and horizontal(char):
            # Spaces stay: extract_words splits words on them (gaps alone can be < 3 pt).
            chars.append(char)
            visible += not text.isspace()
    garbage = ocr and unmapped >= MIN_TEXT_CHARS and unmapped > visible
    if ocr and visible and _pictures_under_header(page, chars):
        # Pictures of text under a running header: read the image, leaving out the header's
        # lines as on the other pages (their text layer and OCR's reading of them alike).
        stats.empty_pages.append(page.page_number - 1)
        result.scanned = True
        result.running = _running_spans(chars)
        return result
    if garbage or (visible < MIN_TEXT_CHARS and (_covered_by_image(page) or _outlines(page))):
        # A scanned page (its few characters are a stamp or a page number over the image),
        # glyphs drawn as paths, or a text layer that cannot be decoded: read its image.
        stats.empty_pages.append(page.page_number - 1)
        result.scanned = True
        return result
    stats.cid_chars += unmapped
    stats.chars += visible

    words = extract_words(chars, x_tolerance_ratio=WORD_GAP_RATIO, extra_attrs=["size", "fontname"])
    tables = find_tables(page)
    rendered = [(table.bbox, render_table(table_rows(table, words))) for table in tables]
    boxes = [box for box, text in rendered if text is not None]
    if boxes:
        words = [w for w in words if not _inside_any(w, boxes)]
    words = drop_figure_labels(words)
    # Every ruled box over the gutter cuts the columns, also one that is no table (a header
    # row alone, a frame): its words stay text.
    order = layout(words, frames=[box for box, _ in rendered])
    for (bx0, btop, bx1, _), text in rendered:
        if text is not None:
            result.tables.append(Table(key=order.key_of(bx0, btop, bx1), text=text))
    _add_lines(result, order, stats.sizes)
    return result


def _covered_by_image(page: Any) -> bool:
    """Whether images cover at least half of the page (a scan, not a blank page)."""
    area = float(page.width * page.height)
    covered = sum(
        max(0.0, float(i["x1"] - i["x0"])) * max(0.0, float(i["bottom"] - i["top"]))
        for i in page.images
    )
    return covered >= SCANNED_IMAGE_SHARE * area


def _pictures_under_header(page: Any, chars: list[dict[str, Any]]) -> bool:
    """Whether the page's only text is a running header or footer (all of it in the top or
    bottom band) and images clear of that text cover at least FIGURE_SHARE of the page.
    A photo behind the footer (a chapter opener) overlaps its text and is no such page."""
    height = float(page.height)
    band_top, band_bottom = BAND_SHARE * height, (1 - BAND_SHARE) * height
    shown = [c for c in chars if not c["text"].isspace()]
    if any(band_top < (c["top"] + c["bottom"]) / 2 < band_bottom for c in shown):
        return False
    covered = 0.0
    for image in page.images:
        box = (image["x0"], image["top"], image["x1"], image["bottom"])
        if any(_overlaps(c, box) for c in shown):
            return False
        covered += max(0.0, float(box[2] - box[0])) * max(0.0, float(box[3] - box[1]))
    return covered >= FIGURE_SHARE * float(page.width * height)


def _running_spans(chars: list[dict[str, Any]]) -> tuple[tuple[float, float], ...]:
    """The (top, bottom) of the text layer's lines: spans of overlapping characters."""
    spans: list[list[float]] = []
    for c in sorted((c for c in chars if not c["text"].isspace()), key=lambda c: c["top"]):
        if spans and c["top"] < spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], float(c["bottom"]))
        else:
            spans.append([float(c["top"]), float(c["bottom"])])
    return tuple((top, bottom) for top, bottom in spans)


def _overlaps(char: dict[str, Any], box: tuple[Any, Any, Any, Any]) -> bool:
    x0, top, x1, bottom = box
    return char["x0"] < x1 and x0 < char["x1"] and char["top"] < bottom and top < char["bottom"]


def _drawn_without_text(page: Any) -> bool:
    """Whether the page is drawn (a large content stream) without a single text operator
    ("BT") and without forms (which may hold text): its text, if any, is in outlines or
    images. Read from the content stream, before pdfminer lays out its paths."""
    try:
        resources = resolve1(page.page_obj.resources) or {}
        for xobject in (resolve1(resources.get("XObject")) or {}).values():
            subtype = getattr(resolve1(xobject), "get", lambda _: None)("Subtype")
            if getattr(subtype, "name", None) != "Image":
                return False
        data = b"".join(resolve1(stream).get_data() for stream in page.page_obj.contents)
    except Exception:  # a damaged stream: the page is read the usual way and fails there
        return False
    return len(data) >= OUTLINE_BYTES and b"BT" not in data


def _outlines(page: Any) -> bool:
    """Whether the page's text is drawn as vector outlines: many paths and no text."""
    return len(page.curves) >= OUTLINE_PATHS


def _ocr_page(
    page: Any,
    stats: Stats,
    sizes: Counter[float],
    running: tuple[tuple[float, float], ...] = (),
    timeout: float = PAGE_TIMEOUT,
) -> Page:
    """A scanned page read from its image (in at most `timeout` seconds): its words in the
    same reading order, less those whose middle lies in a `running` header's span."""
    result = Page(height=float(page.height), ocr=True, scanned=True)
    words = [
        w
        for w in ocr_words(page, timeout)
        if not any(top <= (w["top"] + w["bottom"]) / 2 <= bottom for top, bottom in running)
    ]
    words = drop_figure_labels(words)
    stats.chars += sum(len(w["text"]) for w in words)
    _add_lines(result, layout(words), sizes)
    return result


def _add_lines(result: Page, order: Any, sizes: Counter[float]) -> None:
    """The layout's rows as the page's lines; their characters' sizes counted in `sizes`
    (OCR'd sizes are estimates: the body size comes from real text where there is some)."""
    for row in order.rows:
        line_words = row.words
        # NFC: "a" + combining ring becomes "å", so Swedish words match the query.
        text = unicodedata.normalize("NFC", line_text(line_words))
        char_sizes = [w["size"] for w in line_words for _ in w["text"]]
        size = float(statistics.median(char_sizes))
        sizes[font_size(size)] += len(char_sizes)
        result.lines.append(
            Line(
                text=text,
                top=float(min(w["top"] for w in line_words)),
                bottom=float(max(w["bottom"] for w in line_words)),
                x0=float(line_words[0]["x0"]),
                x1=float(max(w["x1"] for w in line_words)),
                size=size,
                bold=all(_BOLD_FONT.search(w["fontname"]) for w in line_words),
                first_width=float(line_words[0]["x1"] - line_words[0]["x0"]),
                column=row.column,
                key=row.key,
                paragraph=line_words[0].get("paragraph"),
            )
        )
    result.lines.sort(key=lambda ln: ln.key)


def _inside_any(char: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    cx = (char["x0"] + char["x1"]) / 2
    cy = (char["top"] + char["bottom"]) / 2
    return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)
