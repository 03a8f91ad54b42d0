"""OCR of a scanned PDF page with Tesseract in Swedish.

The page is rendered at `DPI` and Tesseract's TSV output gives each word with its box, so
the words go through the same reading order, paragraph and heading steps as a text layer
(`indexer.reading.pdf_columns`, `indexer.reading.pdf_layout`). Debian: `apt-get install
tesseract-ocr tesseract-ocr-swe` (`make install-test` installs both).
"""

from __future__ import annotations

import csv
import functools
import io
import os
import shutil
import subprocess
import unicodedata
from typing import Any

from rapportsok.errors import UnreadableReport

DPI = 300
LANGUAGE = "swe"
# Seconds one page may take before Tesseract is stopped (a 300 dpi A4 page takes 1-4 s).
PAGE_TIMEOUT = 120
# A report's OCR budget: at most this many pages and seconds. One report must not hold the
# single writer (every upload behind it waits): 300 scanned pages would take 5-20 minutes.
# Real scanned reports here have 6 OCR'd pages (Borlänge, ~17 s a page on busy cores).
OCR_MAX_PAGES = 40
OCR_MAX_SECONDS = 240
# Tesseract's line box is about this many times the font size (ascender to descender).
LINE_HEIGHT_PER_SIZE = 1.2
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
    (text, x0, x1, top, bottom in pt; size from the line's height; no font name); Tesseract
    is stopped after `timeout` seconds."""
    problem = tesseract_problem()
    if problem is not None:
        raise UnreadableReport(problem)
    image = page.to_image(resolution=DPI).original
    png = io.BytesIO()
    image.save(png, format="PNG")
    try:
        done = subprocess.run(
            ["tesseract", "stdin", "stdout", "-l", LANGUAGE, "--psm", "3", "tsv"],
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
    return _words(done.stdout.decode("utf-8"), page)


def _words(tsv: str, page: Any) -> list[dict[str, Any]]:
    scale = 72.0 / DPI
    x_off, y_off = float(page.bbox[0]), float(page.bbox[1])
    rows = list(csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE))
    line_height: dict[tuple[str, str, str], float] = {}
    for row in rows:
        if row["level"] == "4":  # a text line: its height gives the font size
            key = (row["block_num"], row["par_num"], row["line_num"])
            line_height[key] = float(row["height"]) * scale
    words = []
    for row in rows:
        text = unicodedata.normalize("NFC", (row.get("text") or "").strip())
        if row["level"] != "5" or not text or float(row["conf"]) < MIN_CONFIDENCE:
            continue
        left, top = float(row["left"]) * scale, float(row["top"]) * scale
        width, height = float(row["width"]) * scale, float(row["height"]) * scale
        key = (row["block_num"], row["par_num"], row["line_num"])
        size = line_height.get(key, height) / LINE_HEIGHT_PER_SIZE
        words.append(
            {
                "text": text,
                "x0": x_off + left,
                "x1": x_off + left + width,
                "top": y_off + top,
                "bottom": y_off + top + height,
                "size": size,
                "fontname": "",
            }
        )
    return words
