"""OCR of a scanned PDF page with Tesseract in Swedish.

The page is rendered at `DPI` and Tesseract's hOCR output gives each word with its box and
the printed line it belongs to, so the words go through the same reading order, paragraph
and heading steps as a text layer (`indexer.reading.pdf_columns`,
`indexer.reading.pdf_layout`). A word's size is its line's x-height (the height of "x",
which Tesseract measures per line): the box of a line depends on whether its words reach
below the baseline ("och förtryck" against "arbetet mot hedersrelaterat våld", one title,
came out at 19.6 and 16.4 pt), its x-height does not. Every word of a line takes the
line's box, so a short word set lower than its neighbours ("av") stays on their line, and
carries the number of Tesseract's paragraph, which ends a paragraph of text
(`indexer.reading.pdf_layout`).
Debian: `apt-get install tesseract-ocr tesseract-ocr-swe` (`make install-test` installs
both).
"""

from __future__ import annotations

import functools
import io
import logging
import os
import re
import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from typing import Any

from rapportsok.errors import UnreadableReport

log = logging.getLogger(__name__)

DPI = 300
LANGUAGE = "swe"
# Seconds one page may take before Tesseract is stopped (a 300 dpi A4 page takes 1-4 s).
PAGE_TIMEOUT = 120
# A report's OCR budget: at most this many pages and seconds. One report must not hold the
# single writer (every upload behind it waits): 300 scanned pages would take 5-20 minutes.
# Real scanned reports here have 6 OCR'd pages (Borlänge, ~17 s a page on busy cores).
OCR_MAX_PAGES = 40
OCR_MAX_SECONDS = 240
# The x-height of a Swedish report's fonts is about half their size (Arial 0.52, Garamond
# 0.40, Calibri 0.47): a line's size in pt is its x-height divided by this.
X_HEIGHT_PER_SIZE = 0.5
X_HEIGHT_SLACK = 1.5  # px at DPI: Tesseract's rounding of one font's x-height
# Words Tesseract is less sure of than this (0-100) are noise: specks, photo texture.
MIN_CONFIDENCE = 30.0
INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-swe"
# One thread: Tesseract's OpenMP threads wait for each other spinning, and on two busy cores
# a page took 18 s with them and 4 s without (the same words).
THREADS = "1"


@functools.cache
def tesseract_problem() -> str | None:
    """Why pages cannot be OCR'd here (no Tesseract, no Swedish data), or None."""
    exe = shutil.which("tesseract")
    if exe is None:
        return f"Tesseract is not installed ({INSTALL_HINT})"
    try:
        out = subprocess.run(
            [exe, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"Tesseract does not run ({exc})"
    if LANGUAGE not in out.stdout.split():
        return f"Tesseract has no Swedish language data ({INSTALL_HINT})"
    return None


class OcrBudget:
    """What OCR may still spend on one report; `spend` refuses the page past the budget."""

    def __init__(self, pages: int | None = None, seconds: float | None = None) -> None:
        self.pages = OCR_MAX_PAGES if pages is None else pages
        self.seconds = OCR_MAX_SECONDS if seconds is None else seconds
        self.used_pages, self.used_seconds = 0, 0.0

    def next_page(self, page_number: int) -> float:
        """Seconds the next page may take; raises `UnreadableReport` naming the budget when
        the report has more scanned pages, or took longer, than it allows."""
        if self.used_pages >= self.pages or self.used_seconds >= self.seconds:
            raise UnreadableReport(
                f"page {page_number} needs OCR, and OCR reads at most {self.pages} pages "
                f"or {self.seconds:g} s of one report (this one: {self.used_pages} pages "
                f"in {self.used_seconds:.0f} s); add a text layer or split the report"
            )
        return min(PAGE_TIMEOUT, self.seconds - self.used_seconds)

    def spent(self, seconds: float) -> None:
        self.used_pages += 1
        self.used_seconds += seconds


def ocr_words(page: Any, timeout: float = PAGE_TIMEOUT) -> list[dict[str, Any]]:
    """The words of a pdfplumber page read from its image, as pdfplumber-like word dicts
    (`hocr_words`); Tesseract is stopped after `timeout` seconds."""
    problem = tesseract_problem()
    if problem is not None:
        raise UnreadableReport(problem)
    image = page.to_image(resolution=DPI).original
    png = io.BytesIO()
    image.save(png, format="PNG")
    try:
        done = subprocess.run(
            ["tesseract", "stdin", "stdout", "-l", LANGUAGE, "--psm", "3", "hocr"],
            input=png.getvalue(),
            capture_output=True,
            timeout=timeout,
            check=False,
            env={**os.environ, "OMP_THREAD_LIMIT": THREADS},
        )
    except subprocess.TimeoutExpired as exc:
        raise UnreadableReport(f"OCR of page {page.page_number} took over {timeout:.0f} s") from exc
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise UnreadableReport(f"OCR of page {page.page_number} failed ({' '.join(detail)})")
    return hocr_words(done.stdout.decode("utf-8"), page)


_LINE_CLASSES = frozenset({"ocr_line", "ocr_header", "ocr_caption", "ocr_textfloat"})
# Characters XML 1.0 cannot hold (control codes but TAB and line ends).
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _title(element: ET.Element) -> dict[str, list[float]]:
    """hOCR's `title` properties ("bbox 302 433 1620 529; x_size 97; x_wconf 96") as
    name → numbers."""
    props: dict[str, list[float]] = {}
    for prop in (element.get("title") or "").split(";"):
        name, _, values = prop.strip().partition(" ")
        try:
            props[name] = [float(v) for v in values.split()]
        except ValueError:
            continue  # "image" and other non-numeric properties
    return props


def hocr_words(hocr: str, page: Any) -> list[dict[str, Any]]:
    """The words of Tesseract's hOCR of `page` as pdfplumber-like word dicts (text, x0, x1,
    top, bottom in pt; top and bottom those of the word's line; size from the line's
    x-height; no font name), less those Tesseract is unsure of."""
    scale = 72.0 / DPI
    x_off, y_off = float(page.bbox[0]), float(page.bbox[1])
    lines: list[tuple[float, float, float, list[dict[str, Any]]]] = []
    try:
        root = ET.fromstring(_XML_INVALID.sub("", hocr))
    except ET.ParseError as exc:  # never seen from Tesseract: the page reads as no text
        log.warning("page %s: Tesseract's hOCR cannot be read (%s)", page.page_number, exc)
        return []
    paragraphs = (e for e in root.iter() if e.get("class") == "ocr_par")
    for paragraph, par in enumerate(paragraphs):
        for element in par.iter():
            if element.get("class") in _LINE_CLASSES:
                line = _line(element, paragraph, scale, x_off, y_off)
                if line is not None:
                    lines.append(line)
    snapped = _snap([(x_height, sum(len(w["text"]) for w in ws)) for x_height, _, _, ws in lines])
    words = []
    for (_, top, bottom, line_words), size_px in zip(lines, snapped, strict=True):
        size = size_px * scale / X_HEIGHT_PER_SIZE
        words += [
            {**w, "top": top, "bottom": bottom, "size": size, "fontname": ""} for w in line_words
        ]
    return words


def _line(
    line: ET.Element, paragraph: int, scale: float, x_off: float, y_off: float
) -> tuple[float, float, float, list[dict[str, Any]]] | None:
    """One hOCR line: its x-height (px), top and bottom (pt), and its words (text, x0, x1
    in pt, and the number of Tesseract's paragraph on the page), less those Tesseract is
    unsure of; None for a line without a box or without such words."""
    props = _title(line)
    if len(props.get("bbox", [])) != 4:
        return None
    _, top, _, bottom = props["bbox"]
    x_size = props.get("x_size", [bottom - top])[0]
    x_height = x_size - props.get("x_descenders", [0])[0] - props.get("x_ascenders", [0])[0]
    if x_height <= 0:  # no estimate: the box, as a line of ascenders and descenders
        x_height = (bottom - top) * 0.4
    words = []
    for word in line.iter():
        if word.get("class") != "ocrx_word":
            continue
        text = unicodedata.normalize("NFC", "".join(word.itertext()).strip())
        props = _title(word)
        if (
            text
            and len(props.get("bbox", [])) == 4
            and props.get("x_wconf", [100.0])[0] >= MIN_CONFIDENCE
        ):
            x0, _, x1, _ = props["bbox"]
            words.append(
                {
                    "text": text,
                    "x0": x_off + x0 * scale,
                    "x1": x_off + x1 * scale,
                    "paragraph": paragraph,
                }
            )
    if not words:
        return None
    return x_height, y_off + top * scale, y_off + bottom * scale, words


def _snap(heights: list[tuple[float, int]]) -> list[float]:
    """Each line's x-height (px) as the commonest x-height (by characters) within
    `X_HEIGHT_SLACK` of it: Tesseract measures in whole pixels, so one font comes out at
    21 and 22 px, and two lines of one paragraph or title would differ in size."""
    weight: dict[float, int] = {}
    for x_height, chars in heights:
        weight[round(x_height)] = weight.get(round(x_height), 0) + chars
    return [
        max(
            (h for h in weight if abs(h - x_height) <= X_HEIGHT_SLACK),
            key=lambda h: (weight[h], -h),
        )
        for x_height, _ in heights
    ]
