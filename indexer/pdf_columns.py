"""Reading order of a PDF page's words: printed lines, two-column pages column by column.

A page is two-column when a vertical gutter near its middle is crossed by (almost) no word
and the text on both sides fills its column up to the gutter. Rows that cross the gutter
(a title over both columns, a centred footer) stand where they are; between them, the left
column is read before the right one. Every line gets a sort key (band top, column, top),
so tables found on the page can be put in the same order.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from pdfplumber.utils import cluster_objects

# Words on one line may differ this much in `top` (pt): superscripts, mixed fonts.
LINE_TOLERANCE = 3.0
# The gutter is looked for in this middle band of the text's width.
GUTTER_BAND = (0.3, 0.7)
GUTTER_STEP = 2.0  # pt
# At most this share of a page's rows may cross the gutter (titles, centred footers), and
# the gutter is at least this wide (pt): word gaps of one-column text line up by chance
# over a few rows and a few points only.
GUTTER_MAX_CROSSING = 0.25
GUTTER_MIN_WIDTH = 6.0
# Rows needed on each side of the gutter to call a page two-column.
MIN_SIDE_ROWS = 4
# Column text reaches the gutter: the median left line ends within this share of the
# column's width from it (label/value forms and tables without rules do not).
COLUMN_FILL = 0.25
# A gap between two words of a line wider than this many times the font size separates
# cells of a table set without rules ("Ökar        Ja"): the line is written with TABs.
CELL_GAP_RATIO = 2.0

Word = dict[str, Any]
SortKey = tuple[float, int, float]


@dataclass(frozen=True)
class Row:
    """The words of one printed line in reading order, its column (0: the full width,
    1: left, 2: right) and its sort key on the page."""

    words: list[Word]
    column: int
    key: SortKey


@dataclass(frozen=True)
class Layout:
    """A page's lines in reading order, its gutter (None: one column) and the two-column
    bands as (top, bottom) spans."""

    rows: list[Row]
    gutter: float | None
    bands: list[tuple[float, float]]

    def key_of(self, x0: float, top: float, x1: float) -> SortKey:
        """The sort key of a box (a table) on this page."""
        if self.gutter is not None:
            for band_top, band_bottom in self.bands:
                if band_top - LINE_TOLERANCE <= top <= band_bottom:
                    middle = (x0 + x1) / 2
                    if x1 <= self.gutter + LINE_TOLERANCE or x0 >= self.gutter - LINE_TOLERANCE:
                        return (band_top, 1 if middle < self.gutter else 2, top)
        return (top, 0, top)


def layout(words: list[Word]) -> Layout:
    """The page's printed lines in reading order (see the module's docstring)."""
    rows = [sorted(r, key=lambda w: w["x0"]) for r in cluster_objects(words, "top", LINE_TOLERANCE)]
    gutter = _gutter(words, rows)
    if gutter is None:
        return Layout([Row(r, 0, (_top(r), 0, _top(r))) for r in rows], None, [])

    out: list[Row] = []
    bands: list[tuple[float, float]] = []
    band: list[list[Word]] = []

    def close_band() -> None:
        if not band:
            return
        band_top = _top(band[0])
        bands.append((band_top, max(w["bottom"] for r in band for w in r)))
        for column in (1, 2):
            for r in band:
                side = [w for w in r if (w["x1"] <= gutter) == (column == 1)]
                if side:
                    out.append(Row(side, column, (band_top, column, _top(side))))
        band.clear()

    for r in rows:
        if any(_crosses(w, gutter) for w in r):
            close_band()
            out.append(Row(r, 0, (_top(r), 0, _top(r))))
        else:
            band.append(r)
    close_band()
    return Layout(out, gutter, bands)


def line_text(words: list[Word]) -> str:
    """A line's words joined by spaces, or by TABs across gaps as wide as a table's."""
    parts = [words[0]["text"]]
    for a, b in zip(words, words[1:], strict=False):
        gap = b["x0"] - a["x1"]
        parts.append("\t" if gap > CELL_GAP_RATIO * max(a["size"], b["size"]) else " ")
        parts.append(b["text"])
    return "".join(parts)


def _top(row: list[Word]) -> float:
    return float(min(w["top"] for w in row))


def _crosses(word: Word, x: float) -> bool:
    return bool(word["x0"] < x < word["x1"])


def _gutter(words: list[Word], rows: list[list[Word]]) -> float | None:
    """The x of a two-column page's gutter, or None for a one-column page."""
    if len(rows) < 2 * MIN_SIDE_ROWS:
        return None
    left = min(w["x0"] for w in words)
    right = max(w["x1"] for w in words)
    width = right - left
    lo, hi = left + GUTTER_BAND[0] * width, left + GUTTER_BAND[1] * width
    candidates: list[tuple[int, float]] = []
    x = lo
    while x <= hi:
        candidates.append((sum(any(_crosses(w, x) for w in r) for r in rows), x))
        x += GUTTER_STEP
    fewest = min(n for n, _ in candidates)
    if fewest > GUTTER_MAX_CROSSING * len(rows):
        return None
    # The middle of the widest run of least-crossed positions: the gutter's centre.
    best: list[float] = []
    run: list[float] = []
    for n, x in candidates:
        if n == fewest:
            run.append(x)
            if len(run) > len(best):
                best = list(run)
        else:
            run = []
    if best[-1] - best[0] + GUTTER_STEP < GUTTER_MIN_WIDTH:
        return None
    gutter = (best[0] + best[-1]) / 2

    split = [r for r in rows if not any(_crosses(w, gutter) for w in r)]
    lefts = [max(w["x1"] for w in r if w["x1"] <= gutter) for r in split if r[0]["x1"] <= gutter]
    rights = [min(w["x0"] for w in r if w["x0"] >= gutter) for r in split if r[-1]["x0"] >= gutter]
    # Both columns hold text over much of the page (their lines need not share baselines).
    enough = max(MIN_SIDE_ROWS, len(rows) // 4)
    if len(lefts) < enough or len(rights) < enough:
        return None
    left_fill = statistics.median(lefts) >= gutter - COLUMN_FILL * (gutter - left)
    right_fill = statistics.median(rights) <= gutter + COLUMN_FILL * (right - gutter)
    return gutter if left_fill and right_fill else None
