"""A PDF page as the reader sees it: its printed lines (text, box, font size, boldness),
its tables, and the counts over the whole document that later decisions read.

Its own module so that the page's consumers (layout, running headers) import it from below
instead of from each other.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


def font_size(size: float) -> float:
    """A font size rounded to half a point: the same style renders at 11.98 and 12.02."""
    return round(size * 2) / 2


@dataclass(frozen=True)
class Line:
    """One printed line: its text, box (pt), median font size, boldness, the width of its
    first word (pt), its column (0: full width, 1/2: left/right) and sort key; on an OCR'd
    page, the number of the paragraph Tesseract set it in (None: a text layer's line)."""

    text: str
    top: float
    bottom: float
    x0: float
    x1: float
    size: float
    bold: bool
    first_width: float
    column: int = 0
    key: tuple[float, int, float] = (0.0, 0, 0.0)
    paragraph: int | None = None


@dataclass(frozen=True)
class Table:
    key: tuple[float, int, float]
    text: str  # rows joined by "\n", cells by "\t", header row first


@dataclass
class Page:
    height: float
    lines: list[Line] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    scanned: bool = False  # no text layer, an image over the page
    ocr: bool = False  # the lines were read from the page's image
    running: tuple[tuple[float, float], ...] = ()  # (top, bottom) of a header OCR leaves out


@dataclass
class Stats:
    sizes: Counter[float] = field(default_factory=Counter)  # rounded size -> char count
    chars: int = 0
    cid_chars: int = 0  # glyphs without a Unicode mapping: "(cid:42)"
    empty_pages: list[int] = field(default_factory=list)  # 0-based, scanned
