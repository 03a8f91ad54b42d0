"""Running headers, footers and page numbers of a PDF report: lines at a page's top or
bottom that repeat on many pages ("Timrå kommun – Delårsrapport 2021", "Sida 3 av 30") are
no text of the report."""

from __future__ import annotations

import math
import re

from indexer.reading.pdf_page import Page

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

_PAGE_NUMBER = re.compile(
    r"[-–—]?\s*(?:sida|sid\.?|s\.|page|p\.)?\s*\d{1,3}\s*(?:(?:av|of|/)\s*\d{1,3})?\s*[-–—]?",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")


def _running_key(text: str) -> str:
    # Digits normalised so "Sida 3 av 10" repeats as "sida # av #".
    return _SPACES.sub(" ", _DIGITS.sub("#", text)).strip().casefold()


def running_lines(pages: list[Page], heading_size: float) -> set[tuple[int, int]]:
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
